package insight

import (
	"container/list"
	"hash/fnv"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// termMemoLimit bounds the mentions whose terms a Service remembers: the
// four samples of hot terms of two topics, or the six samples (hot and
// co-occurring terms) of the insights page. At about 1 KB a mention of
// Weibo posts, 40 MB.
const termMemoLimit = 40_000

// termMemo remembers the terms of mentions. Cutting a mention into words
// (gse with HMM) takes about 100 µs, so hot terms over four samples of
// SampleLimit mentions took seconds on every view of a busy workspace's
// listening page, while a mention's terms never change as long as the
// workspace's names stay the same: the key holds both. It drops the
// terms used least lately beyond termMemoLimit, so a page that reads up
// to the limit finds them all on its next view; two generations of half
// the limit each, the newer one replacing the older when full, kept only
// half for a page read over again.
type termMemo struct {
	mu sync.Mutex
	at map[termKey]*list.Element
	// used holds the memoEntry values, the most lately used first.
	used list.List
}

type memoEntry struct {
	key   termKey
	terms packedTerms
}

type termKey struct {
	names uint64 // Names.fingerprint
	id    int64  // the mention
}

// packedTerms are a mention's terms in one string: as []Term, whose
// strings keep the whole lower-cased text alive, 20,000 mentions held
// 44 MiB.
type packedTerms struct {
	text  string
	terms []packedTerm
}

// packedTerm is a term of packedTerms.text: its text ends at end (and
// starts where the one before ends); a phrase's words are the text's
// first of0 bytes and the bytes from of1 on.
type packedTerm struct{ end, of0, of1 uint16 }

// pack returns the packed terms, and false if a phrase is not its two
// words (with a space between, or none), which Terms never makes, or the
// terms are longer than 64 KB, which the maxTextRunes Terms reads never
// make.
func pack(ts []Term) (packedTerms, bool) {
	var b strings.Builder
	p := packedTerms{terms: make([]packedTerm, len(ts))}
	for i, t := range ts {
		if b.Len()+len(t.Text) > math.MaxUint16 {
			return packedTerms{}, false
		}
		pt := packedTerm{end: uint16(b.Len() + len(t.Text))}
		if t.Phrase() {
			a, z := t.Of[0], t.Of[1]
			if !strings.HasPrefix(t.Text, a) || !strings.HasSuffix(t.Text, z) || len(t.Text)-len(a)-len(z) > 1 {
				return packedTerms{}, false
			}
			pt.of0, pt.of1 = uint16(len(a)), uint16(len(t.Text)-len(z))
		}
		b.WriteString(t.Text)
		p.terms[i] = pt
	}
	p.text = b.String()
	return p, true
}

func (p packedTerms) unpack() []Term {
	out := make([]Term, len(p.terms))
	start := uint16(0)
	for i, pt := range p.terms {
		text := p.text[start:pt.end]
		out[i].Text = text
		if pt.of0 > 0 {
			out[i].Of = [2]string{text[:pt.of0], text[pt.of1:]}
		}
		start = pt.end
	}
	return out
}

func (m *termMemo) get(k termKey) ([]Term, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.at[k]
	if !ok {
		return nil, false
	}
	m.used.MoveToFront(e)
	return e.Value.(*memoEntry).terms.unpack(), true
}

func (m *termMemo) put(k termKey, t []Term) {
	p, ok := pack(t)
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.at[k]; ok {
		e.Value.(*memoEntry).terms = p
		m.used.MoveToFront(e)
		return
	}
	if m.at == nil {
		m.at = make(map[termKey]*list.Element)
	}
	m.at[k] = m.used.PushFront(&memoEntry{k, p})
	if m.used.Len() > termMemoLimit {
		last := m.used.Back()
		m.used.Remove(last)
		delete(m.at, last.Value.(*memoEntry).key)
	}
}

// mentionTerms returns the terms of each mention of ms, from the memo or
// cut anew, the new ones on every core.
func (s *Service) mentionTerms(ms []MentionText, names *Names) ([][]Term, error) {
	seg, err := segmenter()
	if err != nil {
		return nil, err
	}
	fp := names.fingerprint()
	out := make([][]Term, len(ms))
	var todo []int
	for i, m := range ms {
		if t, ok := s.terms.get(termKey{fp, m.ID}); ok {
			out[i] = t
		} else {
			todo = append(todo, i)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), (len(todo)+99)/100)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for j := w; j < len(todo); j += workers {
				i := todo[j]
				out[i] = Terms(seg, names, ms[i].Text)
				s.terms.put(termKey{fp, ms[i].ID}, out[i])
			}
		})
	}
	wg.Wait()
	return out, nil
}

// fingerprint identifies the names, for the memo of terms: two Names with
// the same words and the same written names cut every text alike.
func (n *Names) fingerprint() uint64 {
	if n == nil {
		return 0
	}
	h := fnv.New64a()
	for i, set := range []map[string]bool{n.words, n.written} {
		keys := make([]string, 0, len(set))
		for k := range set {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		h.Write([]byte{byte(i)})
		for _, k := range keys {
			h.Write([]byte(k))
			h.Write([]byte{0})
		}
	}
	return h.Sum64()
}
