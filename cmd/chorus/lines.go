package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// maxLineBytes is how much of one input line `chorus match` and `chorus
// sentiment` read: as much as the listening pipeline reads of a post, so
// that they answer for a long line what a stored mention of it would get.
// The rest of a longer line is read and dropped.
const maxLineBytes = listen.MaxPostBytes

// eachLine reads in one line at a time and calls answer with the line
// normalized as the listening pipeline normalizes a post's text, so that
// each answer is the one a stored mention would get. Every line gets its
// answer, an empty one too, and the last one without a line end; \r\n
// ends a line as \n does. What answer writes to w reaches out as soon as
// no more input is waiting: a person typing sees each answer at once, a
// script piping many lines has them written in bulk. The first line that
// is not valid UTF-8 (a GBK file, say) is named on warn, once: its bad
// bytes are read as U+FFFD, which no query term matches.
func eachLine(in io.Reader, out, warn io.Writer, answer func(w *bufio.Writer, text textnorm.Text) error) error {
	br := bufio.NewReaderSize(in, 64<<10)
	bw := bufio.NewWriter(out)
	line := make([]byte, 0, 4096)
	warned := false
	for n := 1; ; n++ {
		line = line[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			line = append(line, chunk[:min(len(chunk), maxLineBytes+1-len(line))]...)
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			_ = bw.Flush()
			return fmt.Errorf("line %d: %w", n, err)
		}
		if errors.Is(err, io.EOF) && len(line) == 0 {
			break
		}
		line = trimLine(line)
		if !warned && !utf8.Valid(line) {
			warned = true
			fmt.Fprintf(warn, "chorus: line %d is not valid UTF-8: its invalid bytes are read as U+FFFD; convert the input to UTF-8 first (from GBK: iconv -f GBK -t UTF-8). Further such lines are not named.\n", n)
		}
		if err := answer(bw, textnorm.Normalize(string(line))); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// trimLine drops the line end (\n, \r\n) of line, or, when line holds more
// than maxLineBytes, what is beyond them, cut at a character's start.
func trimLine(line []byte) []byte {
	if len(line) > maxLineBytes {
		line = line[:maxLineBytes]
		for i := len(line) - 1; i >= max(0, len(line)-utf8.UTFMax); i-- {
			if utf8.RuneStart(line[i]) {
				if !utf8.FullRune(line[i:]) {
					line = line[:i]
				}
				break
			}
		}
		return line
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	return line
}
