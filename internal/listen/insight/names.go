package insight

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/query"
)

// Bounds of a workspace's names: their length in characters and number.
const (
	minNameRunes = 2
	maxNameRunes = 12
	maxNames     = 200
	// maxCandidates bounds the quadratic splitting of candidates.
	maxCandidates = 1000
)

// Names are a workspace's own Chinese words — its brand, its competitors
// and their products ("闲岚", "橡果", "冷萃") — which the shared dictionary
// does not know. Terms keeps each as one word, never glued to a
// neighbouring character ("前闲岚", "闲岚到"), and drops the phrases that
// join a name to another word ("十点闲岚", "冷萃喝出") unless the phrase
// is itself a name as written ("闲岚咖啡"). A name is cut out wherever
// its characters appear, even across what would have been two words; the
// names are words the dictionary does not know, so that is rare. A nil
// *Names has no names.
type Names struct {
	words   map[string]bool   // the names, each a word of the segmenter
	written map[string]bool   // the names as written by the workspace, for phrases
	first   map[rune][]string // the names by first character, longest first
}

// NewNames derives names from what the workspace calls itself, its
// competitors and their aliases (primary) and from its products' names
// (products) and categories (categories). Each Chinese run of characters the
// dictionary does not know becomes a name ("闲岚" of "闲岚咖啡"), and so
// does a name of the others that it cuts into words and a lone character
// ("三顿半": "三顿", "半"); a name that holds a shorter one is split
// around it ("橡果冷萃" → "橡果", "冷萃"), and a word the dictionary
// knows is none. Of product names only the runs that start with a name from
// the others count, so that "经典 12 颗装" adds nothing.
func NewNames(seg *gse.Segmenter, primary, products, categories []string) *Names {
	n := &Names{words: map[string]bool{}, written: map[string]bool{}, first: map[rune][]string{}}
	stop := stopwords()
	var cands []string
	for _, s := range primary {
		for _, c := range hanChunks(s) {
			n.written[c] = true
			runs := unknownRuns(seg, c)
			if len(runs) == 0 && gluesLoneRune(seg, c, stop) {
				// 三顿半 is 三顿 and 半 to the dictionary: no run of
				// unknown characters, yet a name, which posts would
				// otherwise show as 三顿 and 半冷萃.
				runs = []string{c}
			}
			cands = append(cands, runs...)
		}
	}
	for _, s := range categories {
		for _, c := range hanChunks(s) {
			cands = append(cands, unknownRuns(seg, c)...)
		}
	}
	base := append([]string(nil), cands...)
	for _, s := range products {
		for _, c := range hanChunks(s) {
			for _, r := range unknownRuns(seg, c) {
				for _, b := range base {
					if strings.HasPrefix(r, b) {
						cands = append(cands, r)
						break
					}
				}
			}
		}
	}
	if len(cands) > maxCandidates {
		cands = cands[:maxCandidates]
	}
	for _, w := range splitNames(cands) {
		if len(n.words) == maxNames {
			break
		}
		// A word of the dictionary (咖啡 of 三顿半咖啡 split around
		// 三顿半) is cut whole already and no name of the workspace.
		if !stop[w] && len(seg.Cut(w, false)) > 1 {
			n.words[w] = true
		}
	}
	for w := range n.words {
		r, _ := utf8.DecodeRuneInString(w)
		n.first[r] = append(n.first[r], w)
	}
	for _, ws := range n.first {
		sort.Slice(ws, func(i, j int) bool {
			if len(ws[i]) != len(ws[j]) {
				return len(ws[i]) > len(ws[j])
			}
			return ws[i] < ws[j]
		})
	}
	return n
}

// Len returns how many names there are.
func (n *Names) Len() int {
	if n == nil {
		return 0
	}
	return len(n.words)
}

// isWritten tells whether w is a name as the workspace writes it.
func (n *Names) isWritten(w string) bool { return n != nil && n.written[w] }

// hanChunks returns the runs of Chinese characters of s. Latin names
// need no help: gse keeps a run of letters whole.
func hanChunks(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.Is(unicode.Han, r) })
}

// unknownRuns returns the runs of at least minNameRunes characters of c
// that gse's dictionary cuts into single characters: the words it does
// not know.
func unknownRuns(seg *gse.Segmenter, c string) []string {
	var out []string
	var run strings.Builder
	flush := func() {
		if utf8.RuneCountInString(run.String()) >= minNameRunes {
			out = append(out, run.String())
		}
		run.Reset()
	}
	for _, w := range seg.Cut(c, false) {
		if utf8.RuneCountInString(w) == 1 {
			run.WriteString(w)
			continue
		}
		flush()
	}
	flush()
	return out
}

// gluesLoneRune tells whether the dictionary cuts c into several pieces of
// which one is a single character that is no stopword: a character the
// dictionary knows only alone, written next to a word it knows, as 半 of
// 三顿半 (吗 of 好喝吗 is a stopword: a question, no name).
func gluesLoneRune(seg *gse.Segmenter, c string, stop map[string]bool) bool {
	pieces := seg.Cut(c, false)
	return len(pieces) > 1 && slices.ContainsFunc(pieces, func(p string) bool {
		return utf8.RuneCountInString(p) == 1 && !stop[p]
	})
}

// splitNames splits every candidate that contains a shorter one around
// it, until none does, and returns the pieces of minNameRunes to
// maxNameRunes characters.
func splitNames(cands []string) []string {
	set := map[string]bool{}
	for _, c := range cands {
		set[c] = true
	}
	// Every split replaces a candidate with shorter ones, so this settles;
	// a few passes are enough for names of names of names.
	for pass := 0; pass < 8; pass++ {
		changed := false
		words := make([]string, 0, len(set))
		for w := range set {
			words = append(words, w)
		}
		sort.Slice(words, func(i, j int) bool {
			return len(words[i]) < len(words[j]) || len(words[i]) == len(words[j]) && words[i] < words[j]
		})
		for _, long := range words {
			for _, short := range words {
				if len(short) >= len(long) {
					break
				}
				i := strings.Index(long, short)
				if i < 0 || !set[short] {
					continue
				}
				delete(set, long)
				for _, p := range []string{long[:i], long[i+len(short):]} {
					if utf8.RuneCountInString(p) >= minNameRunes {
						set[p] = true
					}
				}
				changed = true
				break
			}
		}
		if !changed {
			break
		}
	}
	out := make([]string, 0, len(set))
	for w := range set {
		if utf8.RuneCountInString(w) <= maxNameRunes {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}

// cut segments lower-cased text: each name is one word, the text between
// names is cut by gse (with HMM for words it does not know). isName tells
// which words are names.
func (n *Names) cut(seg *gse.Segmenter, text string) (words []string, isName []bool) {
	if n.Len() == 0 {
		ws := seg.Cut(text, true)
		return ws, make([]bool, len(ws))
	}
	from := 0
	flush := func(end int) {
		if end > from {
			for _, w := range seg.Cut(text[from:end], true) {
				words = append(words, w)
				isName = append(isName, false)
			}
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		match := ""
		for _, w := range n.first[r] {
			if strings.HasPrefix(text[i:], w) {
				match = w
				break
			}
		}
		if match == "" {
			i += size
			continue
		}
		flush(i)
		words = append(words, match)
		isName = append(isName, true)
		i += len(match)
		from = i
	}
	flush(len(text))
	return words, isName
}

// names reads the workspace's names: the terms and names of its brand and
// competitor topics, and its products. It returns the topics it read too.
func (s *Service) names(ctx context.Context, ws int64) (*Names, []listen.Topic, error) {
	seg, err := segmenter()
	if err != nil {
		return nil, nil, apperr.Wrap(err, "load the segmenter dictionary")
	}
	topics, err := s.store.Topics(ctx, ws)
	if err != nil {
		return nil, nil, err
	}
	var primary []string
	for _, t := range topics {
		if t.Kind == "brand" || t.Kind == "competitor" {
			primary = append(primary, topicWords(t)...)
		}
	}
	docs, err := s.store.BrandItems(ctx, ws, brand.KindProduct)
	if err != nil {
		return nil, nil, err
	}
	var products, categories []string
	for _, d := range docs {
		var p brand.Product
		if json.Unmarshal(d.Body, &p) != nil || p.Name == "" {
			p.Name = d.Name
		}
		products = append(products, p.Name)
		if p.Category != "" {
			categories = append(categories, p.Category)
		}
	}
	return NewNames(seg, primary, products, categories), topics, nil
}

// topicWords are what names a topic: its name and its query's terms.
func topicWords(t listen.Topic) []string {
	words := []string{t.Name}
	if q, err := query.Parse(t.Query); err == nil {
		words = append(words, q.Terms()...)
	}
	return words
}
