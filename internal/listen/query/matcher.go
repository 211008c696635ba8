package query

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	aho "github.com/petar-dambovaliev/aho-corasick"

	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// Rule is one topic's query, with the id Match reports when it matches.
type Rule struct {
	ID    int64
	Query string
}

// Post is what a query is matched against. Text is the raw text; Lang is a
// BCP 47 tag or a bare language ("zh", "zh-CN", "en"); Source is a source
// kind ("weibo", "rss"); Author is a display name or handle. Chars is for
// MatchNormalized: textnorm's second reading of a traditional text, in
// which a term counts as found too.
type Post struct {
	Text   string
	Chars  string
	Lang   string
	Source string
	Author string
}

// Limits of the work spent on one post for NEAR, so that a 1 MB text full
// of one word stays cheap: only the first maxSpans occurrences of a term
// take part in NEAR, and the NEARs of one rule together spend at most
// maxNearWork on a post, a pair examined costing nearPairCost and each
// byte between its terms one (a query chaining hundreds of NEAR/1000 took
// a second a post when the bound was per NEAR). A rule that runs out
// matches with what it found by then.
const (
	maxSpans     = 1024
	maxNearWork  = 1 << 20
	nearPairCost = 16
)

// Matcher matches posts against many compiled rules at once. All rules'
// terms are in one Aho-Corasick automaton that reads each post once; each
// rule's boolean tree is then evaluated over the hits, and only for rules
// that one of the hits (or no hit at all) can make true. A Matcher is
// immutable and safe for concurrent use.
type Matcher struct {
	ac     aho.AhoCorasick
	terms  []termInfo
	rules  []rule
	always []int32 // rules that can match with none of their terms present
	pool   sync.Pool
}

type termInfo struct {
	text        string
	left, right bool // the hit must start / end at a word boundary
	positional  bool // used by NEAR: keep the positions of its hits
	rules       []int32
}

type rule struct {
	id   int64
	root *node
}

type span struct{ s, e int } // byte offsets in scratch.text

// Compile parses every rule and builds one matcher for all of them. The
// first query that does not parse makes Compile fail with an error that
// names the rule and wraps the *Error (use errors.As).
func Compile(rules []Rule) (*Matcher, error) {
	m := &Matcher{rules: make([]rule, 0, len(rules))}
	index := map[string]int32{}
	var patterns []string
	for ri, r := range rules {
		q, err := Parse(r.Query)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", r.ID, err)
		}
		root := q.root.clone()
		var walk func(n *node, positional bool)
		walk = func(n *node, positional bool) {
			if n.kind == kTerm {
				id, ok := index[n.text]
				if !ok {
					id = int32(len(m.terms))
					index[n.text] = id
					patterns = append(patterns, n.text)
					first, _ := utf8.DecodeRuneInString(n.text)
					last, _ := utf8.DecodeLastRuneInString(n.text)
					m.terms = append(m.terms, termInfo{text: n.text, left: isWordRune(first), right: isWordRune(last)})
				}
				n.term = id
				t := &m.terms[id]
				t.positional = t.positional || positional
				if len(t.rules) == 0 || t.rules[len(t.rules)-1] != int32(ri) {
					t.rules = append(t.rules, int32(ri))
				}
			}
			for _, k := range n.kids {
				walk(k, positional || n.kind == kNear)
			}
		}
		walk(root, false)
		m.rules = append(m.rules, rule{id: r.ID, root: root})
		if eval3(root) != vFalse {
			m.always = append(m.always, int32(ri))
		}
	}
	if len(patterns) > 0 {
		b := aho.NewAhoCorasickBuilder(aho.Opts{MatchKind: aho.StandardMatch})
		m.ac = b.Build(patterns)
	}
	nTerms, nRules := len(m.terms), len(m.rules)
	m.pool.New = func() any {
		return &scratch{
			termGen: make([]uint32, nTerms),
			ruleGen: make([]uint32, nRules),
			spans:   make([][]span, nTerms),
		}
	}
	return m, nil
}

func (n *node) clone() *node {
	c := *n
	c.kids = make([]*node, len(n.kids))
	for i, k := range n.kids {
		c.kids[i] = k.clone()
	}
	return &c
}

// Len returns the number of rules and of distinct terms compiled.
func (m *Matcher) Len() (rules, terms int) { return len(m.rules), len(m.terms) }

// Match returns the ids of the rules that match p, in the order the rules
// were given to Compile. p.Text is normalized with textnorm first.
func (m *Matcher) Match(p Post) []int64 {
	t := textnorm.Normalize(p.Text)
	p.Text, p.Chars = t.Norm, t.Chars
	return m.MatchNormalized(p)
}

// MatchNormalized is Match for a post whose Text and Chars are already
// textnorm.Normalize(…).Norm and .Chars, as the listening pipeline has
// them. A term counts as found when either reading holds it; the terms of
// a NEAR must be near in one reading.
func (m *Matcher) MatchNormalized(p Post) []int64 {
	sc := m.pool.Get().(*scratch)
	defer m.release(sc)
	sc.begin(p)
	if len(m.terms) > 0 && sc.text != "" {
		m.scan(sc)
	}
	for _, ri := range m.always {
		if sc.ruleGen[ri] != sc.gen {
			sc.ruleGen[ri] = sc.gen
			sc.cands = append(sc.cands, ri)
		}
	}
	if len(sc.cands) == 0 {
		return nil
	}
	slices.Sort(sc.cands)
	var out []int64
	for _, ri := range sc.cands {
		r := &m.rules[ri]
		sc.nearWork = maxNearWork
		if m.eval(r.root, sc) {
			out = append(out, r.id)
		}
	}
	return out
}

// release returns sc to the pool without holding on to the post or to a
// large buffer.
func (m *Matcher) release(sc *scratch) {
	sc.post, sc.text = Post{}, ""
	if cap(sc.buf) > 64<<10 {
		sc.buf = nil
	}
	m.pool.Put(sc)
}

// scan runs the automaton over the text (both readings) once and records
// the hits that pass the word-boundary checks.
func (m *Matcher) scan(sc *scratch) {
	text := sc.text
	sc.buf = append(sc.buf[:0], text...)
	it := m.ac.IterOverlappingByte(sc.buf)
	for mt := it.Next(); mt != nil; mt = it.Next() {
		ti, s, e := mt.Pattern(), mt.Start(), mt.End()
		t := &m.terms[ti]
		if t.left && s > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:s]); isWordRune(r) {
				continue
			}
		}
		if t.right && e < len(text) {
			if r, _ := utf8.DecodeRuneInString(text[e:]); isWordRune(r) {
				continue
			}
		}
		if sc.termGen[ti] != sc.gen {
			sc.termGen[ti] = sc.gen
			for _, ri := range t.rules {
				if sc.ruleGen[ri] != sc.gen {
					sc.ruleGen[ri] = sc.gen
					sc.cands = append(sc.cands, ri)
				}
			}
			if t.positional {
				sc.spans[ti] = sc.spans[ti][:0]
			}
		}
		if t.positional && len(sc.spans[ti]) < maxSpans {
			sc.spans[ti] = append(sc.spans[ti], span{s, e})
		}
	}
}

func (m *Matcher) eval(n *node, sc *scratch) bool {
	switch n.kind {
	case kTerm:
		return sc.termGen[n.term] == sc.gen
	case kFilter:
		return sc.filter(n)
	case kNot:
		return !m.eval(n.kids[0], sc)
	case kAnd:
		for _, k := range n.kids {
			if !m.eval(k, sc) {
				return false
			}
		}
		return true
	case kOr:
		for _, k := range n.kids {
			if m.eval(k, sc) {
				return true
			}
		}
		return false
	case kNear:
		return len(m.spans(n, sc, 1)) > 0
	}
	return false
}

// spans returns up to limit positions of a positional node, sorted by start.
func (m *Matcher) spans(n *node, sc *scratch, limit int) []span {
	switch n.kind {
	case kTerm:
		if sc.termGen[n.term] != sc.gen {
			return nil
		}
		return sc.spans[n.term]
	case kOr:
		var out []span
		for _, k := range n.kids {
			out = append(out, m.spans(k, sc, maxSpans)...)
		}
		slices.SortFunc(out, func(a, b span) int { return a.s - b.s })
		return out
	case kNear:
		a := m.spans(n.kids[0], sc, maxSpans)
		if len(a) == 0 {
			return nil
		}
		b := m.spans(n.kids[1], sc, maxSpans)
		if len(b) == 0 {
			return nil
		}
		out := near(sc.text, sc.split, a, b, n.n, limit, &sc.nearWork)
		slices.SortFunc(out, func(a, b span) int { return a.s - b.s })
		return out
	}
	return nil
}

// near returns the spans covering each pair of a and b (both sorted by
// start) that are at most n characters apart in the same reading (text
// before split or after it), spending *work (see maxNearWork). A
// character is at most 4 bytes, so pairs more than 4n bytes apart are
// skipped without counting.
func near(text string, split int, a, b []span, n, limit int, work *int) []span {
	maxB := 0
	for _, y := range b {
		maxB = max(maxB, y.e-y.s)
	}
	var out []span
	lo := 0
	for _, x := range a {
		for lo < len(b) && b[lo].s+maxB+4*n < x.s {
			lo++
		}
		for j := lo; j < len(b) && b[j].s <= x.e+4*n; j++ {
			y := b[j]
			if *work -= nearPairCost + max(y.s-x.e, x.s-y.e, 0); *work < 0 {
				return out
			}
			if x == y || (x.s < split) != (y.s < split) || gapRunes(text, x, y) > n {
				continue
			}
			out = append(out, span{min(x.s, y.s), max(x.e, y.e)})
			if len(out) >= limit {
				return out
			}
		}
	}
	return out
}

// gapRunes counts the characters between two spans; 0 when they overlap.
func gapRunes(text string, x, y span) int {
	switch {
	case x.e <= y.s:
		return utf8.RuneCountInString(text[x.e:y.s])
	case y.e <= x.s:
		return utf8.RuneCountInString(text[y.e:x.s])
	}
	return 0
}

// isWordRune reports whether r belongs to a word of a script written with
// spaces (Latin, Cyrillic, digits …). Terms starting or ending with such a
// character match only at a word boundary; Chinese, Japanese, Korean and
// Thai characters match anywhere, as substrings.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
		return false
	}
	return !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// scratch is the per-call state of a match, reused through a pool. The
// generation counter gen makes clearing the per-term and per-rule marks
// unnecessary between posts.
type scratch struct {
	gen     uint32
	termGen []uint32
	ruleGen []uint32
	spans   [][]span
	cands   []int32
	buf     []byte

	post Post
	// text is the post's text, then its second reading after a line
	// break (which no normalized text or term holds, so no hit spans
	// both) when it has one; split is where the second begins.
	text                 string
	split                int
	lang, source, author string
	filtersDone          bool
	nearWork             int // left to the rule being evaluated
}

func (sc *scratch) begin(p Post) {
	sc.gen++
	if sc.gen == 0 { // wrapped around: clear the marks once
		clear(sc.termGen)
		clear(sc.ruleGen)
		sc.gen = 1
	}
	sc.cands = sc.cands[:0]
	sc.post = p
	sc.text, sc.split = p.Text, len(p.Text)
	if p.Chars != "" {
		sc.text, sc.split = p.Text+"\n"+p.Chars, len(p.Text)+1
	}
	sc.filtersDone = false
}

func (sc *scratch) filter(n *node) bool {
	if !sc.filtersDone {
		sc.filtersDone = true
		sc.lang = strings.ReplaceAll(textnorm.Normalize(sc.post.Lang).Norm, "_", "-")
		sc.source = textnorm.Normalize(sc.post.Source).Norm
		sc.author = strings.TrimPrefix(textnorm.Normalize(sc.post.Author).Norm, "@")
	}
	switch n.field {
	case fLang:
		return sc.lang == n.text || strings.HasPrefix(sc.lang, n.text+"-")
	case fSource:
		return KindMatches(n.text, sc.source)
	case fAuthor:
		return sc.author == strings.TrimPrefix(n.text, "@")
	}
	return false
}
