// Package textnorm puts the text of a mention into the one form that
// listening matches, deduplicates and counts on: Unicode NFKC, half-width,
// case-folded, simplified Chinese, single spaces, links set aside. A query
// term goes through the same function, which is what makes matching case-,
// width- and script-insensitive.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text is a normalized text. Norm is what matchers see; URLs holds the links
// found in the input, in order, as they were written (after NFKC), so that
// the pipeline can store them without their noise reaching the matchers.
type Text struct {
	Norm string
	URLs []string
}

// maxURLs bounds the links kept from one text; further links are still
// removed from Norm.
const maxURLs = 64

// Normalize returns the normalized form of s. It accepts any bytes: invalid
// UTF-8 becomes U+FFFD. Its work is linear in len(s) and it never panics.
//
// Steps: NFKC (which also maps full-width ASCII to half-width and the
// ideographic space to a space), links (http://, https://, www.) moved to
// URLs, simple case folding, zero-width characters dropped, runs of white
// space and control characters collapsed to one space and trimmed, then
// traditional Chinese (including Taiwan phrasing, OpenCC tw2sp) converted
// to simplified in the runs of Han characters that hold a traditional
// character; simplified Chinese is left as it is. Emoji and other symbols
// are kept.
func Normalize(s string) Text {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	var urls []string
	pendingSpace := false
	for i := 0; i < len(s); {
		c := s[i]
		if c == 'h' || c == 'H' || c == 'w' || c == 'W' {
			if n := urlLen(s, i); n > 0 {
				if len(urls) < maxURLs {
					urls = append(urls, s[i:i+n])
				}
				pendingSpace = true
				i += n
				continue
			}
		}
		var r rune
		if c < utf8.RuneSelf {
			r = rune(c)
			i++
			if c <= ' ' || c == 0x7f {
				pendingSpace = true
				continue
			}
			if 'A' <= c && c <= 'Z' {
				r += 'a' - 'A'
			}
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case isZeroWidth(r):
				continue
			case unicode.IsSpace(r) || unicode.IsControl(r):
				pendingSpace = true
				continue
			}
			r = fold(r)
		}
		if pendingSpace && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
	}
	return Text{Norm: toSimplified(b.String()), URLs: urls}
}

// fold maps r to its simple case fold: lower case, with the few letters
// whose upper case has another lower case (final sigma, long s) merged.
func fold(r rune) rune {
	if noCaseLo <= r && r < noCaseHi || !unicode.IsLetter(r) {
		return r
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

// No character from CJK radicals to Yi (Han, kana, Hangul jamo, Bopomofo)
// has a case: most of a Chinese text skips the case tables.
const noCaseLo, noCaseHi = 0x2E80, 0xA640

// isZeroWidth reports the invisible characters that split words without
// showing (often inserted to dodge keyword filters). The zero-width joiner
// U+200D is kept: it builds emoji sequences.
func isZeroWidth(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD, 0x180E:
		return true
	}
	return false
}

// urlLen returns the length in bytes of the link starting at s[i], or 0.
// A link starts with http://, https:// or www. (any case) after a non-word
// byte, and runs to white space, a non-ASCII character or a character that
// cannot appear in a URL; trailing punctuation is left out.
func urlLen(s string, i int) int {
	if i > 0 && isASCIIWord(s[i-1]) {
		return 0
	}
	rest := s[i:]
	var head int
	switch {
	case hasPrefixFold(rest, "https://"):
		head = 8
	case hasPrefixFold(rest, "http://"):
		head = 7
	case hasPrefixFold(rest, "www."):
		head = 4
	default:
		return 0
	}
	n := head
	for n < len(rest) && isURLByte(rest[n]) {
		n++
	}
	for n > head && strings.IndexByte(".,;:!?'\")]}*", rest[n-1]) >= 0 {
		n--
	}
	if n == head {
		return 0
	}
	return n
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isASCIIWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

func isURLByte(c byte) bool {
	if c <= ' ' || c >= utf8.RuneSelf {
		return false
	}
	switch c {
	case '"', '<', '>', '`', '{', '}', '|', '\\', '^':
		return false
	}
	return true
}
