// Package wordcount counts words: a module the sample takes from its vendor directory (what
// `go mod vendor` writes), as a project without network access must.
package wordcount

import "strings"

// Count returns the number of whitespace-separated words of text.
func Count(text string) int {
	return len(strings.Fields(text))
}
