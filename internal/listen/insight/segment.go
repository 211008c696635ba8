package insight

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

//go:embed dict_zh.txt
var dictZh string

//go:embed stopwords.txt
var stopwordText string

//go:embed stopwords_chorus.txt
var chorusStopwordText string

// segmenter is gse over Chorus's dictionary subset (see NOTICE.md),
// loaded once on first use: about 0.26 s and 35 MB of heap.
var segmenter = sync.OnceValues(func() (*gse.Segmenter, error) {
	seg := &gse.Segmenter{SkipLog: true}
	if err := seg.LoadDictStr(dictZh); err != nil {
		return nil, err
	}
	return seg, nil
})

// stopwords is the SnowNLP list (Chinese and English) and Chorus's own
// supplement of words social posts use on any topic, lower-cased.
var stopwords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, text := range []string{stopwordText, chorusStopwordText} {
		for _, l := range strings.Split(text, "\n") {
			// "# " starts a comment of Chorus's list.
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "# ") {
				m[strings.ToLower(l)] = true
			}
		}
	}
	return m
})

// maxTextRunes bounds how much of one mention is segmented.
const maxTextRunes = 1000

// Term is a word, or a phrase of two adjacent words: Of holds a phrase's
// words and is empty for a word.
type Term struct {
	Text string
	Of   [2]string
}

// Phrase tells whether t is a phrase.
func (t Term) Phrase() bool { return t.Of[0] != "" }

// Terms splits text into the terms hot topics count: gse words, lower-
// cased, without stopwords, punctuation, numbers and one-character Chinese
// words, plus each pair of adjacent kept words as a phrase ("a b" for
// Latin, "ab" for Chinese). The workspace's names (nil for none) are whole
// words, and a phrase that joins a name to a word that is not one is left
// out unless it is a name as written. A term is returned once per text.
func Terms(seg *gse.Segmenter, names *Names, text string) []Term {
	if utf8.RuneCountInString(text) > maxTextRunes {
		text = string([]rune(text)[:maxTextRunes])
	}
	stop := stopwords()
	var out []Term
	seen := map[string]bool{}
	add := func(t Term) {
		if !seen[t.Text] {
			seen[t.Text] = true
			out = append(out, t)
		}
	}
	prev, prevName, prevKept := "", false, false
	words, isName := names.cut(seg, strings.ToLower(text))
	for i, w := range words {
		w = strings.TrimSpace(w)
		if !keep(w, stop) {
			// A dropped word breaks a phrase.
			if w != "" {
				prevKept = false
			}
			continue
		}
		add(Term{Text: w})
		if prevKept {
			switch {
			case isLatin(prev) && isLatin(w):
				add(Term{prev + " " + w, [2]string{prev, w}})
			case prevName == isName[i] || names.isWritten(prev+w):
				add(Term{prev + w, [2]string{prev, w}})
			}
		}
		prev, prevName, prevKept = w, isName[i], true
	}
	return out
}

// hanNumerals are the characters of numbers written in Chinese.
const hanNumerals = "〇零一二两三四五六七八九十百千万亿几半"

// keep tells whether a word is worth counting.
func keep(w string, stop map[string]bool) bool {
	if w == "" || stop[w] {
		return false
	}
	n, letters, han, numerals := 0, 0, 0, 0
	for _, r := range w {
		n++
		switch {
		case strings.ContainsRune(hanNumerals, r):
			numerals++
			han++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsLetter(r):
			letters++
		}
	}
	if han == 0 && letters == 0 || numerals == n {
		return false // punctuation, numbers (五十 too), emoji
	}
	if han > 0 && n < 2 {
		return false // 的, 了, 很: one-character words say little
	}
	if han == 0 && n < 2 {
		return false
	}
	return n <= 20
}

func isLatin(w string) bool {
	for _, r := range w {
		if unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}
