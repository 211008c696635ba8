package sentiment

import (
	_ "embed"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The cue lists shipped with the package. cues.txt is Chorus's own list;
// vader_en.tsv is derived from the VADER lexicon (MIT, LICENSE.vader.txt).
// No Chinese research lexicon is shipped: those only shaped training.
var (
	//go:embed lexicon/cues.txt
	cuesText string
	//go:embed lexicon/vader_en.tsv
	vaderText string
)

// cueTable is an open-addressing hash table from a term's unit-sequence hash
// to its cue; built once, read without locks or allocation.
type cueTable struct {
	// filter has one bit per hash prefix of a present key: most lookups end
	// at this one L1-resident word.
	filter [1 << 10]uint64
	keys   []uint64
	vals   []cue
	mask   uint64
}

var cues = buildCues()

func lookupCue(h uint64) (cue, bool) {
	t := &cues
	f := h >> 48
	if t.filter[f>>6]&(1<<(f&63)) == 0 {
		return cue{}, false
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		k := t.keys[i]
		if k == h {
			return t.vals[i], true
		}
		if k == 0 {
			return cue{}, false
		}
	}
}

func buildCues() cueTable {
	type entry struct {
		h uint64
		c cue
	}
	var entries []entry
	add := func(term string, c cue) {
		if h, ok := termHash(term); ok {
			entries = append(entries, entry{h, c})
		}
	}
	for _, line := range strings.Split(vaderText, "\n") {
		term, val, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			continue
		}
		pol := int8(1)
		switch {
		case v >= 2:
			pol = 2
		case v <= -2:
			pol = -2
		case v < 0:
			pol = -1
		}
		add(term, cue{kind: cueLex, pol: pol})
	}
	// Chorus's own list comes last and wins over VADER (e.g. "no").
	for _, line := range strings.Split(cuesText, "\n") {
		term, kind, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		switch kind = strings.TrimSpace(kind); kind {
		case "neg":
			add(term, cue{kind: cueNegator})
		case "deg":
			add(term, cue{kind: cueDegree})
		default:
			p, err := strconv.Atoi(kind)
			if err != nil {
				panic("sentiment: bad cue line " + strconv.Quote(line))
			}
			add(term, cue{kind: cueLex, pol: int8(p)})
		}
	}
	size := 64
	for size < 4*len(entries) {
		size <<= 1
	}
	t := cueTable{keys: make([]uint64, size), vals: make([]cue, size), mask: uint64(size - 1)}
	for _, e := range entries {
		i := e.h & t.mask
		for t.keys[i] != 0 && t.keys[i] != e.h {
			i = (i + 1) & t.mask
		}
		t.keys[i], t.vals[i] = e.h, e.c
		f := e.h >> 48
		t.filter[f>>6] |= 1 << (f & 63)
	}
	return t
}

// termHash returns the hash extraction gives the last n-gram of term, when
// term is 1–3 units long.
func termHash(term string) (uint64, bool) {
	var units []uint64
	extractUnits(term, func(u uint64) { units = append(units, u) })
	switch len(units) {
	case 1:
		return units[0], true
	case 2:
		return ngram2(units[0], units[1]), true
	case 3:
		return ngram3(units[0], units[1], units[2]), true
	}
	return 0, false
}

// extractUnits reports the unit hashes of text, hashed exactly as extract
// hashes them (keep the two in step; TestExtract checks they agree).
func extractUnits(text string, fn func(u uint64)) {
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		r = normRune(r)
		switch kindOf(r) {
		case kSkip, kSpace:
			i += size
		case kWord:
			var h uint64 = 0xcbf29ce484222325
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				r2 = normRune(r2)
				if r2 == '\'' || r2 == '’' {
					j += s2
					continue
				}
				if kindOf(r2) != kWord {
					break
				}
				h = (h ^ uint64(r2)) * 0x100000001b3
				j += s2
			}
			fn(mix(h ^ saltWord))
			i = j
		case kCJK:
			fn(mix(uint64(r) ^ saltChar))
			i += size
		default:
			if r == '[' || r == '【' {
				if u, end := bracketAt(text, i+size); end > 0 {
					fn(u)
					i = end
					continue
				}
			}
			fn(mix(uint64(r) ^ saltSym))
			i += size
		}
	}
}
