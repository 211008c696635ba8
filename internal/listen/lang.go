package listen

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Languages the pipeline tells apart.
const (
	LangZH    = "zh"
	LangEN    = "en"
	LangOther = "other"
)

// DetectLang says whether a text is Chinese, English or something else, by
// the share of its letters in each script: Han (and Chinese punctuation)
// makes Chinese once it is at least a fifth of the letters — Chinese posts
// are full of Latin brand names and hashtags — and Latin letters make
// English when they are most of the rest. Kana, Hangul, Cyrillic, Arabic
// and other scripts make "other". Only the first 4 KB are read.
func DetectLang(text string) string {
	if len(text) > 4096 {
		text = text[:4096]
	}
	var han, latin, kana, otherScript int
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r < utf8.RuneSelf:
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
				latin++
			}
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r):
			kana++
		case unicode.IsLetter(r):
			if unicode.Is(unicode.Latin, r) {
				latin++
			} else {
				otherScript++
			}
		}
	}
	letters := han + latin + kana + otherScript
	switch {
	case letters == 0:
		return LangOther
	case kana*5 >= han && kana > 0:
		return LangOther // Japanese and Korean mix Han with their own scripts
	case han*5 >= letters:
		return LangZH
	case latin*2 > letters:
		return LangEN
	}
	return LangOther
}

// normLang maps a language tag a source gives ("zh-CN", "zh_Hant", "EN")
// to zh, en or other; "" when the source gave none.
func normLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" {
		return ""
	}
	base, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	switch base {
	case "zh", "cmn", "yue", "chi", "zho":
		return LangZH
	case "en", "eng":
		return LangEN
	}
	return LangOther
}
