package listen

import (
	"strconv"
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
// are full of Latin brand names and hashtags. Kana, Hangul, Cyrillic,
// Arabic and other scripts make "other". A text that is mostly Latin
// letters is English only when its very common English words (the, and,
// is, you …) outnumber those of the other languages written in Latin
// letters — French, Spanish, German, Portuguese, Italian, Dutch,
// Indonesian, Turkish (le, el, der, não, che, het, yang, bir …); a text
// with none of them either way ("iPhone 15 Pro", "Merci beaucoup") is
// "other". Only the first 4 KB are read. It does not allocate, and reads
// the words only of mostly Latin texts: it runs for every post.
func DetectLang(text string) string {
	if len(text) > 4096 {
		text = text[:4096]
	}
	var han, latin, kana, otherScript int
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			if (c|0x20)-'a' < 26 { // an ASCII letter
				latin++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
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
	case latin*2 > letters && englishWins(text):
		return LangEN
	}
	return LangOther
}

// englishWins reports whether text holds more of englishWords than of
// foreignWords. Words are runs of Latin letters and digits; hyphens join
// (e-mail), apostrophes split: "don't" is "don" and "t", "l'eau" is "l"
// and "eau". Links are skipped.
func englishWins(text string) bool {
	score := 0 // English words less the others
	// The word being read: its first 8 bytes in lower case, packed as by
	// wordKey, and its length; hyphen says a hyphen follows it.
	var key uint64
	n, hyphen := 0, false
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case c-'a' < 26 || c-'A' < 26 || c-'0' < 10:
				if n == 0 {
					if l := linkLen(text[i:]); l > 0 {
						i += l
						continue
					}
				} else if hyphen {
					key, n = key<<8|'-', n+1
				}
				hyphen = false
				// The run of ASCII letters and digits, in one go.
				for ; i < len(text); i++ {
					c := text[i]
					if c-'A' < 26 {
						c += 'a' - 'A'
					} else if c-'a' >= 26 && c-'0' >= 10 {
						break
					}
					key, n = key<<8|uint64(c), n+1
				}
				continue
			case c == '-':
				hyphen = n > 0
			case n > 0:
				score += wordScore(key, n)
				key, n, hyphen = 0, 0, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if unicode.IsLetter(r) && unicode.Is(unicode.Latin, r) {
			if n > 0 && hyphen {
				key, n = key<<8|'-', n+1
			}
			hyphen = false
			var b [utf8.UTFMax]byte
			for _, c := range b[:utf8.EncodeRune(b[:], unicode.ToLower(r))] {
				key, n = key<<8|uint64(c), n+1
			}
		} else if n > 0 {
			score += wordScore(key, n)
			key, n, hyphen = 0, 0, false
		}
	}
	if n > 0 {
		score += wordScore(key, n)
	}
	return score > 0
}

// linkLen is the length of the link s starts with (http://, https://,
// www.), up to the next space, or 0.
func linkLen(s string) int {
	if len(s) < 4 || s[3] != '.' && s[3]|0x20 != 'p' {
		return 0 // the quick answer for most words
	}
	if !(hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")) {
		return 0
	}
	n := strings.IndexFunc(s, unicode.IsSpace)
	if n < 0 {
		return len(s)
	}
	return n
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// webURL reports whether u is an http or https address; a scheme is
// read in any case (HTTPS://), as browsers read it.
func webURL(u string) bool { return hasPrefixFold(u, "http://") || hasPrefixFold(u, "https://") }

// englishWords are very common English words: function words, and a few
// words that short posts are made of (love, great, thanks …). "t", "s",
// "ll" and "re" are what is left of don't, it's, we'll and you're.
var englishWords = []string{
	"the", "and", "is", "to", "of", "in", "it", "you", "for", "with",
	"this", "that", "my", "not", "are", "was", "be", "have", "has", "had",
	"on", "at", "but", "they", "we", "your", "our", "us", "what", "just",
	"from", "by", "or", "if", "all", "can", "will", "out", "up", "about",
	"their", "there", "been", "were", "would", "very", "he", "she", "his",
	"her", "its", "them", "these", "those", "which", "who", "when", "how",
	"why", "than", "then", "only", "some", "any", "because", "really",
	"more", "one", "get", "got", "t", "s", "ll", "re",
	"love", "like", "good", "great", "best", "new", "nice", "amazing",
	"awesome", "bad", "worst", "thanks", "thank", "please", "today", "now",
	"here", "buy", "bought", "should", "could", "never", "ever", "every",
	"hello", "hi", "yes",
}

// foreignWords are very common words of French, Spanish, German,
// Portuguese, Italian, Dutch, Indonesian and Turkish. Words common in
// English and in one of these count for neither and are in neither list:
// a, i (Italian "the"), an, as, do, no, so, me, die, also, come, per, ai
// (AI), met, ve (Turkish "and", English I've) …; in and is count as
// English.
var foreignWords = []string{
	// French
	"le", "la", "les", "et", "est", "pas", "une", "un", "des", "du", "de",
	"je", "il", "elle", "nous", "vous", "ce", "cette", "ces", "qui", "que",
	"qu", "sur", "pour", "dans", "avec", "sont", "mais", "ou", "où", "au",
	"aux", "très", "ça", "mon", "ma", "mes", "ne", "en", "se", "sa", "ses",
	"c", "j", "l", "n", "été", "être", "tout", "bien", "trop", "chez",
	"notre", "votre", "leur", "fait", "rien", "merci", "à",
	// Spanish
	"el", "los", "las", "y", "es", "con", "una", "por", "para", "del",
	"lo", "su", "sus", "muy", "pero", "como", "más", "está", "este",
	"esta", "esto", "mi", "al", "también", "hay", "yo", "tu", "gracias",
	"todo", "fue", "ser", "sin", "sobre", "cuando", "porque", "donde",
	"hola", "nada",
	// German
	"der", "die", "das", "und", "ist", "nicht", "ein", "eine", "einen",
	"ich", "sie", "mit", "auf", "für", "zu", "den", "dem", "sich", "auch",
	"wir", "ihr", "sehr", "aber", "oder", "wie", "hat", "bin", "noch",
	"nur", "schon", "doch", "kein", "keine", "mein", "dass", "sind",
	"wird", "nach", "bei", "vom", "zum", "zur", "ja", "nein", "danke", "gut",
	// Portuguese
	"o", "os", "não", "um", "é", "da", "dos", "em", "na", "nas", "nos",
	"com", "muito", "mas", "você", "ele", "ela", "isso", "isto", "ao",
	"pra", "tá", "obrigado", "obrigada", "meu", "minha", "seu",
	"sua", "foi", "são",
	// Italian
	"che", "non", "uno", "di", "è", "e", "gli", "della", "delle", "dei",
	"sono", "più", "anche", "questo", "questa", "molto", "ci", "si", "ho",
	"nel", "nella", "alla", "grazie", "cosa", "tutto", "perché", "io",
	// Dutch
	"het", "een", "van", "niet", "dat", "zijn", "op", "voor", "ik",
	"ook", "maar", "er", "wat", "bij", "naar", "om", "dit", "te", "zo",
	"heb", "heeft", "nog", "wel", "geen", "mijn", "hij", "ze", "deze",
	// Indonesian and Malay
	"yang", "dan", "ini", "itu", "untuk", "dengan", "tidak", "saya", "ada",
	"aku", "juga", "dari", "sama", "bisa", "ke", "sudah", "banget",
	// Turkish
	"bir", "bu", "için", "çok", "ile", "ama", "gibi", "daha",
}

// maxWordBytes is the longest word (in UTF-8) that can be in the lists.
const maxWordBytes = 8

// langWords maps the words of englishWords (1) and foreignWords (-1),
// packed into a uint64 by wordKey, so that a word is looked up without
// allocating or comparing strings.
var langWords = func() map[uint64]int8 {
	m := make(map[uint64]int8, len(englishWords)+len(foreignWords))
	for _, l := range []struct {
		words []string
		v     int8
	}{{englishWords, 1}, {foreignWords, -1}} {
		for _, w := range l.words {
			k, ok := wordKey(w)
			if _, dup := m[k]; !ok || dup {
				panic("listen: language word " + strconv.Quote(w) + " is too long or listed twice")
			}
			m[k] = l.v
		}
	}
	return m
}()

// wordKey packs w's bytes into a uint64; false when w is longer than 8
// bytes.
func wordKey(w string) (uint64, bool) {
	if len(w) > maxWordBytes {
		return 0, false
	}
	var k uint64
	for i := 0; i < len(w); i++ {
		k = k<<8 | uint64(w[i])
	}
	return k, true
}

// wordScore is 1 for an English word, -1 for another language's, 0 for
// any other word, given its packed key and its length in bytes (over 8,
// the key has lost its first bytes: no listed word is that long).
func wordScore(key uint64, n int) int {
	if n > maxWordBytes {
		return 0
	}
	return int(langWords[key])
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
