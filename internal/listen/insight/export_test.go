package insight

import "sort"

// SegmentForTest is Terms with the shared segmenter and no names.
func SegmentForTest(text string) []Term {
	return SegmentNamesForTest(nil, nil, nil, text)
}

// SegmentNamesForTest is Terms with the shared segmenter and the names
// NewNames derives from primary names, product names and categories.
func SegmentNamesForTest(primary, products, categories []string, text string) []Term {
	seg, err := segmenter()
	if err != nil {
		panic(err)
	}
	var names *Names
	if primary != nil || products != nil || categories != nil {
		names = NewNames(seg, primary, products, categories)
	}
	return Terms(seg, names, text)
}

// NamesForTest returns the names NewNames derives, sorted.
func NamesForTest(primary, products, categories []string) []string {
	seg, err := segmenter()
	if err != nil {
		panic(err)
	}
	n := NewNames(seg, primary, products, categories)
	var out []string
	for w := range n.words {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// DropWordsOfPhrases is dropWordsOfPhrases.
var DropWordsOfPhrases = dropWordsOfPhrases

// PackForTest packs terms as the memo of terms keeps them and unpacks
// them again; false when they cannot be packed.
func PackForTest(ts []Term) ([]Term, bool) {
	p, ok := pack(ts)
	return p.unpack(), ok
}

// TermMemoLimit is termMemoLimit.
const TermMemoLimit = termMemoLimit

// MemoHitsForTest asks a new memo of terms for n mentions' terms twice,
// in the same order, putting each it lacks, as mentionTerms does, and
// returns how many it held the second time.
func MemoHitsForTest(n int) int {
	var m termMemo
	hits := 0
	for pass := range 2 {
		for id := range int64(n) {
			k := termKey{id: id}
			if _, ok := m.get(k); ok {
				if pass == 1 {
					hits++
				}
				continue
			}
			m.put(k, []Term{{Text: "冷萃"}})
		}
	}
	return hits
}
