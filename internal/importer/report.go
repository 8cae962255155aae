package importer

import (
	"fmt"
	"unicode/utf8"
)

// A report repeats values of bad rows so people can find them; each is
// cut to maxEchoBytes and a reason to maxReasonBytes, so a hostile row
// (one 30 MiB field) cannot make the report itself huge.
const (
	maxEchoBytes   = 200
	maxReasonBytes = 512
	truncatedMark  = "…[truncated]"
)

// clip cuts s to at most n bytes on a rune boundary and marks the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + truncatedMark
}

// echo formats a reason with its string arguments clipped first, so a
// huge value is never copied whole.
func echo(format string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clip(s, maxEchoBytes)
		}
	}
	return fmt.Sprintf(format, args...)
}
