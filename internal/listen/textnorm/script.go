package textnorm

import (
	"strings"
	"sync"
	"unicode"
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

// converter is the tw2sp chain read into maps, with the set of characters
// that only traditional Chinese writes.
type converter struct {
	stages []scriptStage
	// traditional has bit r set when TSCharacters changes r and no
	// traditional character becomes r: 後, 體, 臺 but not 乾, 於 or 么,
	// which simplified Chinese writes too.
	traditional []uint64
}

func (cv *converter) isTraditional(r rune) bool {
	return r < maxStartRune && cv.traditional[r/64]&(1<<(r%64)) != 0
}

var loadConverter = sync.OnceValue(func() *converter {
	cv := &converter{traditional: make([]uint64, maxStartRune/64)}
	cc, err := opencc.New("tw2sp")
	if err != nil {
		return cv // the dictionaries are embedded; this does not happen
	}
	becomes := map[string]bool{} // what a TSCharacters entry may give
	var changes []rune           // what TSCharacters changes
	for _, g := range cc.DictChains {
		st := scriptStage{longest: make([]uint8, maxStartRune)}
		for di, d := range g.Dicts {
			chars := strings.HasSuffix(g.Files[di], "TSCharacters.ocd2")
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
				if chars {
					for _, alt := range d.Values[v] {
						becomes[alt] = true
					}
					if n == 1 && d.Values[v][0] != k {
						changes = append(changes, r)
					}
				}
			}
			st.dicts = append(st.dicts, sd)
		}
		cv.stages = append(cv.stages, st)
	}
	for _, r := range changes {
		if !becomes[string(r)] {
			cv.traditional[r/64] |= 1 << (r % 64)
		}
	}
	return cv
})

// toSimplified converts the traditional Chinese in s to simplified. Only a
// run of Han characters holding a character that simplified Chinese never
// writes goes through the phrase chain (its characters only when
// charsOnly); other runs are left as they are.
// The tw2sp phrases (Taiwan usage such as 程序 → 进程, 通道 → 信道) are
// also ordinary simplified words, and their longest match crosses word
// boundaries (联通道歉 → 联信道歉), so applying them to simplified text
// would rewrite it. Since a simplified text is left as it is, a simplified
// term and the same characters inside a simplified sentence stay alike.
func toSimplified(s string, charsOnly bool) string {
	cv := loadConverter()
	var b strings.Builder
	copied := 0 // s[:copied] is in b, or needs no change while b is empty
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !cv.isTraditional(r) {
			i += size
			continue
		}
		start := i
		for start > copied {
			p, n := utf8.DecodeLastRuneInString(s[copied:start])
			if !unicode.Is(unicode.Han, p) {
				break
			}
			start -= n
		}
		end := i + size
		for end < len(s) {
			p, n := utf8.DecodeRuneInString(s[end:])
			if !unicode.Is(unicode.Han, p) {
				break
			}
			end += n
		}
		b.WriteString(s[copied:start])
		b.WriteString(cv.convertRun(s[start:end], charsOnly))
		copied, i = end, end
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// convertRun applies the tw2sp chain to s: its keys of one character
// only when charsOnly, else all.
func (cv *converter) convertRun(s string, charsOnly bool) string {
	for i := range cv.stages {
		s = cv.stages[i].convert(s, charsOnly)
	}
	return s
}

func (st *scriptStage) convert(s string, charsOnly bool) string {
	var b strings.Builder
	copied := 0 // s[:copied] is in b (or needs no change, while b is empty)
	var ends [maxKeyRunes + 1]int
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		longest := 0
		if r >= 0x2E80 {
			longest = st.longestAt(r)
		}
		if charsOnly {
			longest = min(longest, 1)
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
