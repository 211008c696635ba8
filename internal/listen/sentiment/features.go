package sentiment

import (
	"unicode"
	"unicode/utf8"
)

// MaxTextBytes bounds the work per text: only the first MaxTextBytes bytes
// of a text are read (cut at a rune boundary), so a 1 MB post costs the same
// as a 4 KB one.
const MaxTextBytes = 4096

// featureVersion changes whenever extraction changes, so an old model file
// is refused instead of silently scoring different features.
const featureVersion = 4

// Salts separate the families of features that share one hash space.
const (
	saltChar     uint64 = 0x9e3779b97f4a7c15
	saltWord     uint64 = 0xc2b2ae3d27d4eb4f
	saltBracket  uint64 = 0x165667b19e3779f9
	saltSym      uint64 = 0x27d4eb2f165667c5
	saltNeg      uint64 = 0x85ebca6b0b4d3a21
	saltDeg      uint64 = 0xd6e8feb86659fd93
	saltMeta     uint64 = 0xa0761d6478bd642f
	saltBigram   uint64 = 0xe7037ed1a0b428db
	saltTrigram  uint64 = 0x8ebc6af09c88c6e3
	saltQuadgram uint64 = 0x2545f4914f6cdd1d
)

// mix is the SplitMix64 finaliser: a cheap, well-spread 64-bit hash step.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Meta features: one hash each, fired at most once per text (or per event
// for the lexicon ones).
const (
	metaBias = iota
	metaNegation
	metaDegree
	metaExcl1
	metaExcl3
	metaQuest1
	metaQuest3
	metaEmoji
	metaBracket
	metaHasCJK
	metaLatinOnly
	metaEllipsis
	metaRepeatChar
	metaLexPos
	metaLexNeg
	metaLexPosNegated
	metaLexNegNegated
	metaLexStrongPos
	metaLexStrongNeg
	metaLen0 // metaLen0+k: length bucket k (0…7)
)

func metaHash(k int) uint64 { return mix(uint64(k) ^ saltMeta) }

// metaHashes is computed once so that extraction does no hashing for them.
var metaHashes = func() (h [64]uint64) {
	for i := range h {
		h[i] = metaHash(i)
	}
	return
}()

// Kinds of entries in the cue table.
const (
	cueNegator = 1 + iota
	cueDegree
	cueLex // polarity in cue.pol
)

type cue struct {
	kind uint8
	pol  int8 // −2 … +2 for cueLex
}

// unitKind tells how a rune takes part in a text.
type unitKind uint8

const (
	kSpace unitKind = iota
	kWord           // Latin letter or digit: part of a word
	kCJK            // one Han/kana/Hangul character: a unit by itself
	kPunct          // punctuation or symbol: a unit by itself
	kEmoji          // emoji: a unit by itself
	kSkip           // joiners and variation selectors: ignored
)

// normRune folds width and case: full-width ASCII to ASCII, the ideographic
// space to a space, letters to lower case.
func normRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

func kindOf(r rune) unitKind {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return kWord
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r < 0x20 || r == 0x7f:
			return kSpace
		}
		return kPunct
	}
	switch {
	case r == utf8.RuneError:
		return kSpace
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF, r >= 0x3040 && r <= 0x30FF,
		r >= 0xAC00 && r <= 0xD7AF, r >= 0x20000 && r <= 0x2FFFF:
		return kCJK
	case r == 0x200D || (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0x1F3FB && r <= 0x1F3FF):
		return kSkip
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2B00 && r <= 0x2BFF:
		return kEmoji
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return kWord
	case unicode.IsSpace(r):
		return kSpace
	}
	return kPunct
}

// clauseEnd tells whether a punctuation rune ends a negation scope.
func clauseEnd(r rune) bool {
	switch r {
	case ',', '.', '!', '?', ';', ':', '，', '。', '！', '？', '；', '：', '、', '\n', '~', '…':
		return true
	}
	return false
}

// scopes, in units, of a negator and of a degree word.
const (
	negScopeCJK   = 4
	negScopeLatin = 3
	degScope      = 2
)

// extractor holds the running state of one pass over a text. It lives on
// the stack of the caller: extraction allocates nothing.
type extractor struct {
	h1, h2, h3 uint64 // hashes of the previous three units (0: none)
	pos        int    // number of units so far
	negLeft    int    // units still inside a negation scope
	negStart   int    // unit index of the last negator (−1: none)
	inNeg      bool   // the current unit is inside a negation scope
	degLeft    int
	cjkUnits   int
	units      int
	excl       int
	quest      int
	emoji      bool
	bracket    bool
	neg        bool
	deg        bool
	lastR      rune
	runRep     int
	repeat     bool
	ellipsis   bool
}

// extract calls emit with the hash of every feature of text, in order.
// Repeated features are emitted repeatedly (counts). emit must not retain
// anything; extract allocates nothing.
func extract(text string, emit func(h uint64)) {
	if len(text) > MaxTextBytes {
		cut := MaxTextBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	x := extractor{negStart: -1}
	emit(metaHashes[metaBias])
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size <= 1 {
			x.breakUnits()
			i++
			continue
		}
		r = normRune(r)
		k := kindOf(r)
		switch k {
		case kSkip:
			i += size
			continue
		case kSpace:
			i += size
			continue
		case kWord:
			// A word runs until a rune of another kind; an apostrophe inside
			// a word (don't, it’s) stays part of it.
			j := i
			var h uint64 = 0xcbf29ce484222325
			n := 0
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if r2 == utf8.RuneError && s2 <= 1 {
					break
				}
				r2 = normRune(r2)
				if r2 == '\'' || r2 == '’' {
					if n > 0 && j+s2 < len(text) {
						nr, _ := utf8.DecodeRuneInString(text[j+s2:])
						if kindOf(normRune(nr)) == kWord {
							j += s2
							continue // drop the apostrophe: don't == dont
						}
					}
					break
				}
				if kindOf(r2) != kWord {
					break
				}
				h = (h ^ uint64(r2)) * 0x100000001b3
				n++
				j += s2
			}
			i = j
			u := mix(h ^ saltWord)
			x.unit(u, false, emit)
			continue
		case kCJK:
			i += size
			u := mix(uint64(r) ^ saltChar)
			x.unit(u, true, emit)
			continue
		case kEmoji:
			i += size
			u := mix(uint64(r) ^ saltSym)
			x.emoji = true
			x.unit(u, false, emit)
			continue
		}
		// Punctuation. A Weibo emoticon [哈哈] [doge] is one unit.
		if r == '[' || r == '【' {
			if u, end := bracketAt(text, i+size); end > 0 {
				i = end
				x.bracket = true
				x.unit(u, false, emit)
				continue
			}
		}
		i += size
		switch r {
		case '!':
			x.excl++
		case '?':
			x.quest++
		case '…':
			x.ellipsis = true
		case '.':
			if x.lastR == '.' {
				x.ellipsis = true
			}
		}
		if r == x.lastR {
			x.runRep++
			if x.runRep >= 2 {
				x.repeat = true
			}
		} else {
			x.runRep = 0
		}
		x.lastR = r
		u := mix(uint64(r) ^ saltSym)
		x.unit(u, false, emit)
		if clauseEnd(r) {
			x.negLeft, x.degLeft = 0, 0
		}
	}
	x.finish(emit)
}

// bracketAt reads a bracket emoticon whose content starts at text[i:]:
// 1–8 letters or CJK characters and a closing ] or 】. It returns the
// unit hash and the index after the closing bracket, or end 0.
func bracketAt(text string, i int) (uint64, int) {
	var h uint64 = 0x84222325cbf29ce4
	n := 0
	for j := i; j < len(text) && n <= 8; {
		r, s := utf8.DecodeRuneInString(text[j:])
		r = normRune(r)
		if r == ']' || r == '】' {
			if n == 0 {
				return 0, 0
			}
			return mix(h ^ saltBracket), j + s
		}
		if k := kindOf(r); k != kWord && k != kCJK {
			return 0, 0
		}
		h = (h ^ uint64(r)) * 0x100000001b3
		n++
		j += s
	}
	return 0, 0
}

// breakUnits ends the n-gram history (after invalid bytes).
func (x *extractor) breakUnits() {
	x.h1, x.h2, x.h3 = 0, 0, 0
}

func ngram2(a, b uint64) uint64 { return mix(a*31 ^ b ^ saltBigram) }

func ngram3(a, b, c uint64) uint64 { return mix((a*31^b)*31 ^ c ^ saltTrigram) }

// ngram4 extends the trigram g3 of the last three units by the unit a
// before them. Four units catch Chinese idioms and phrases (性价比高,
// 不是很好) that no trigram holds whole.
func ngram4(a, g3 uint64) uint64 { return mix(g3*31 ^ a ^ saltQuadgram) }

// unit emits the features of one unit: its 1–4-grams, the negation and
// degree features of the scopes it is in, and the cues it completes.
func (x *extractor) unit(u uint64, cjk bool, emit func(uint64)) {
	x.units++
	if cjk {
		x.cjkUnits++
	}
	emit(u)
	var g2, g3 uint64
	if x.h1 != 0 {
		g2 = ngram2(x.h1, u)
		emit(g2)
		if x.h2 != 0 {
			g3 = ngram3(x.h2, x.h1, u)
			emit(g3)
			if x.h3 != 0 {
				emit(ngram4(x.h3, g3))
			}
		}
	}
	x.inNeg = x.negLeft > 0
	if x.inNeg {
		emit(mix(u ^ saltNeg))
		x.negLeft--
	}
	if x.degLeft > 0 {
		emit(mix(u ^ saltDeg))
		x.degLeft--
	}
	x.h3, x.h2, x.h1 = x.h2, x.h1, u
	x.pos++
	// Cues: the longest match ending here wins.
	pos := x.pos - 1
	if g3 != 0 {
		if c, ok := lookupCue(g3); ok {
			x.applyCue(c, pos-2, cjk, emit)
			return
		}
	}
	if g2 != 0 {
		if c, ok := lookupCue(g2); ok {
			x.applyCue(c, pos-1, cjk, emit)
			return
		}
	}
	if c, ok := lookupCue(u); ok {
		x.applyCue(c, pos, cjk, emit)
	}
}

func (x *extractor) applyCue(c cue, start int, cjk bool, emit func(uint64)) {
	// A cue that holds the last negator itself (非常, 不错, 无聊) is a word
	// of its own: the negator's scope ends.
	holdsNeg := x.negStart >= 0 && start <= x.negStart && x.negStart < x.pos
	switch c.kind {
	case cueNegator:
		scope := negScopeLatin
		if cjk {
			scope = negScopeCJK
		}
		if !x.neg {
			x.neg = true
			emit(metaHashes[metaNegation])
		}
		x.negStart = x.pos - 1
		x.negLeft = scope
	case cueDegree:
		if holdsNeg {
			x.negLeft = 0
		}
		x.deg = true
		x.degLeft = degScope
	case cueLex:
		negated := x.inNeg && !holdsNeg
		if holdsNeg {
			x.negLeft = 0
		}
		var k int
		switch {
		case c.pol > 0 && !negated:
			k = metaLexPos
		case c.pol > 0:
			k = metaLexPosNegated
		case !negated:
			k = metaLexNeg
		default:
			k = metaLexNegNegated
		}
		emit(metaHashes[k])
		if c.pol >= 2 && !negated {
			emit(metaHashes[metaLexStrongPos])
		} else if c.pol <= -2 && !negated {
			emit(metaHashes[metaLexStrongNeg])
		}
	}
}

func (x *extractor) finish(emit func(uint64)) {
	if x.excl >= 1 {
		emit(metaHashes[metaExcl1])
	}
	if x.excl >= 3 {
		emit(metaHashes[metaExcl3])
	}
	if x.quest >= 1 {
		emit(metaHashes[metaQuest1])
	}
	if x.quest >= 3 {
		emit(metaHashes[metaQuest3])
	}
	if x.emoji {
		emit(metaHashes[metaEmoji])
	}
	if x.bracket {
		emit(metaHashes[metaBracket])
	}
	if x.deg {
		emit(metaHashes[metaDegree])
	}
	if x.ellipsis {
		emit(metaHashes[metaEllipsis])
	}
	if x.repeat {
		emit(metaHashes[metaRepeatChar])
	}
	if x.cjkUnits > 0 {
		emit(metaHashes[metaHasCJK])
	} else if x.units > 0 {
		emit(metaHashes[metaLatinOnly])
	}
	b := 0
	for n := x.units; n > 1 && b < 7; n >>= 1 {
		b++
	}
	emit(metaHashes[metaLen0+b])
}
