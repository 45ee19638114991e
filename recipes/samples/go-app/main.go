// go-app: counts the words of its arguments (with a vendored module) and prints their SHA-256, with
// the platform it runs on.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"strings"

	"example.com/wordcount"
)

func main() {
	text := strings.Join(os.Args[1:], " ")
	sum := sha256.Sum256([]byte(text))
	fmt.Printf("go-app on %s/%s: %d words, sha256 %x\n", runtime.GOOS, runtime.GOARCH, wordcount.Count(text), sum[:6])
}
