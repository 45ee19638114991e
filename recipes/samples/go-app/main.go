// go-app: counts the words of its arguments, their display width (with a module Debian packages) and
// prints their SHA-256, with the platform it runs on.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/mattn/go-runewidth"
)

func main() {
	text := strings.Join(os.Args[1:], " ")
	sum := sha256.Sum256([]byte(text))
	fmt.Printf("go-app on %s/%s: %d words, width %d, sha256 %x\n", runtime.GOOS, runtime.GOARCH,
		len(strings.Fields(text)), runewidth.StringWidth(text), sum[:6])
}
