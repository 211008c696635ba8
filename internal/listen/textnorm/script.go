package textnorm

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

// The conversion to simplified Chinese uses OpenCC's tw2sp chain (Taiwan
// phrases and variants first, then traditional → simplified phrases and
// characters), with the dictionaries embedded in github.com/longbridgeapp/opencc.
// The library's own Convert allocates per character; here its dictionaries
// are read once into maps and applied with the same rules: in each stage, at
// each position, the first dictionary of the group with a match wins with
// its longest key of at most maxKeyRunes characters; positions whose
// character starts no key are copied as they are.

const maxKeyRunes = 10 // the window the library uses

type scriptDict struct {
	m        map[string]string
	maxRunes int
}

type scriptStage struct {
	dicts []scriptDict
	// longest[r] is the length in characters of the longest key starting
	// with r, 0 when no key does. Keys start with CJK characters, below
	// maxStartRune.
	longest []uint8
}

const maxStartRune = 0x30000

func (st *scriptStage) longestAt(r rune) int {
	if r >= maxStartRune {
		return 0
	}
	return int(st.longest[r])
}

var loadStages = sync.OnceValue(func() []scriptStage {
	cc, err := opencc.New("tw2sp")
	if err != nil {
		return nil // the dictionaries are embedded; this does not happen
	}
	var stages []scriptStage
	for _, g := range cc.DictChains {
		st := scriptStage{longest: make([]uint8, maxStartRune)}
		for _, d := range g.Dicts {
			sd := scriptDict{m: map[string]string{}}
			for _, id := range d.Trie.PrefixPredict(nil, 0) {
				key, err := d.Trie.Key(id)
				if err != nil {
					continue
				}
				v, err := d.Trie.Value(id)
				if err != nil || v < 0 || v >= len(d.Values) || len(d.Values[v]) == 0 {
					continue
				}
				k := string(key)
				n := utf8.RuneCountInString(k)
				r, _ := utf8.DecodeRuneInString(k)
				if n == 0 || n > maxKeyRunes || r >= maxStartRune {
					continue
				}
				sd.m[k] = d.Values[v][0]
				sd.maxRunes = max(sd.maxRunes, n)
				st.longest[r] = max(st.longest[r], uint8(n))
			}
			st.dicts = append(st.dicts, sd)
		}
		stages = append(stages, st)
	}
	return stages
})

// toSimplified converts traditional Chinese in s to simplified.
func toSimplified(s string) string {
	for _, st := range loadStages() {
		s = st.convert(s)
	}
	return s
}

func (st *scriptStage) convert(s string) string {
	var b strings.Builder
	copied := 0 // s[:copied] is in b (or needs no change, while b is empty)
	var ends [maxKeyRunes + 1]int
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		longest := 0
		if r >= 0x2E80 {
			longest = st.longestAt(r)
		}
		if longest == 0 {
			i += size
			continue
		}
		// ends[k] is the byte offset after k characters from i.
		ends[0] = i
		k := 0
		for j := i; k < longest && j < len(s); {
			_, sz := utf8.DecodeRuneInString(s[j:])
			j += sz
			k++
			ends[k] = j
		}
		val, n := "", 0
		for _, d := range st.dicts {
			for l := min(d.maxRunes, k); l >= 1; l-- {
				if v, ok := d.m[s[i:ends[l]]]; ok {
					val, n = v, l
					break
				}
			}
			if n > 0 {
				break
			}
		}
		if n == 0 {
			i += size
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[copied:i])
		b.WriteString(val)
		i = ends[n]
		copied = i
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}
