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
// found in the input, in order, as they were written (a link written in
// full-width characters in half-width), so that the pipeline can store them
// without their noise reaching the matchers.
//
// Chars is a second reading of a traditional text for matchers, set only
// when it differs from Norm: its traditional runs converted character by
// character, without tw2sp's phrases. A phrase's longest match crosses
// word boundaries (中國聯通道歉 → 中国联信道歉, where 通道 is read as the
// Taiwan word for 信道), so a term can be in one reading only.
type Text struct {
	Norm  string
	Chars string
	URLs  []string
}

// maxURLs bounds the links kept from one text; further links are still
// removed from Norm.
const maxURLs = 64

// Normalize returns the normalized form of s. It accepts any bytes: invalid
// UTF-8 becomes U+FFFD. Its work is linear in len(s) and it never panics.
//
// Steps: links (http://, https://, www.) moved to URLs, NFKC (which also
// maps full-width ASCII to half-width and the ideographic space to a
// space), simple case folding, zero-width characters dropped, runs of white
// space and control characters collapsed to one space and trimmed, then
// traditional Chinese (including Taiwan phrasing, OpenCC tw2sp) converted
// to simplified in the runs of Han characters that hold a traditional
// character; simplified Chinese is left as it is. Chars is the reading
// without phrases, when it differs. Emoji and other symbols
// are kept.
func Normalize(s string) Text {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s, urls := cutLinks(s)
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for i := 0; i < len(s); {
		c := s[i]
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
	folded := b.String()
	t := Text{Norm: toSimplified(folded, false), URLs: urls}
	if t.Norm != folded {
		if chars := toSimplified(folded, true); chars != t.Norm {
			t.Chars = chars
		}
	}
	return t
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

// cutLinks returns s with each link replaced by a space, and the links
// (at most maxURLs). It runs before NFKC: a link written in half-width
// ends at the first full-width character, so that the full-width
// punctuation of a Chinese sentence (，！＃) does not become part of the
// link, and one written in full-width ends at the first character that is
// not.
func cutLinks(s string) (string, []string) {
	var b strings.Builder
	var urls []string
	copied := 0
	afterWord := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		c, _ := halfWidth(r)
		if !afterWord && (c|0x20 == 'h' || c|0x20 == 'w') {
			if n, link := linkAt(s[i:]); n > 0 {
				if len(urls) < maxURLs {
					urls = append(urls, link)
				}
				b.WriteString(s[copied:i])
				b.WriteByte(' ')
				i += n
				copied, afterWord = i, false
				continue
			}
		}
		afterWord = isASCIIWord(c)
		i += size
	}
	if copied == 0 {
		return s, urls
	}
	b.WriteString(s[copied:])
	return b.String(), urls
}

// halfWidth returns the ASCII character r is or stands for, 0 if none,
// and whether r is its full-width form.
func halfWidth(r rune) (c byte, wide bool) {
	switch {
	case r < utf8.RuneSelf:
		return byte(r), false
	case 0xFF01 <= r && r <= 0xFF5E:
		return byte(r - 0xFEE0), true
	}
	return 0, false
}

// linkAt returns the length in bytes of the link that starts s, or 0, and
// the link in half-width characters.
func linkAt(s string) (int, string) {
	if s[0] < utf8.RuneSelf {
		n := urlLen(s)
		return n, s[:n]
	}
	const wideSize = 3 // the UTF-8 length of U+FF01–FF5E
	var half []byte
	for i := 0; i < len(s); i += wideSize {
		r, _ := utf8.DecodeRuneInString(s[i:])
		c, wide := halfWidth(r)
		if !wide {
			break
		}
		half = append(half, c)
		if len(half) == len("https://") && linkHead(string(half)) == 0 {
			return 0, "" // not a link: do not read the rest of the run
		}
	}
	n := urlLen(string(half))
	return n * wideSize, string(half[:n])
}

// urlLen returns the length in bytes of the link that starts s, or 0. A
// link starts with http://, https:// or www. (any case) and runs to white
// space, a non-ASCII character or a character that cannot appear in a
// URL; trailing punctuation is left out.
func urlLen(s string) int {
	head := linkHead(s)
	if head == 0 {
		return 0
	}
	n := head
	for n < len(s) && isURLByte(s[n]) {
		n++
	}
	for n > head && strings.IndexByte(".,;:!?'\")]}*", s[n-1]) >= 0 {
		n--
	}
	if n == head {
		return 0
	}
	return n
}

// linkHead returns the length of the http://, https:// or www. that
// starts s, or 0.
func linkHead(s string) int {
	for _, p := range [...]string{"https://", "http://", "www."} {
		if hasPrefixFold(s, p) {
			return len(p)
		}
	}
	return 0
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
