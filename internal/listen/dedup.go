package listen

import (
	"crypto/sha256"
	"encoding/hex"
	"math/bits"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Near-duplicate detection. A repost or a copy-paste differs from its
// original by a prefix ("转发微博 //@someone:"), some punctuation, a digit
// or an emoticon; its SimHash differs in a few bits. The SimHash is taken
// over character 3-grams of the text's core: the normalized text without
// repost markers, @handles, punctuation and white space.

// NearBits is the largest Hamming distance between the SimHashes of two
// texts that are near-duplicates.
const NearBits = 3

// ContentHash returns the key exact duplicates are found by: the UTC day
// of publication (8 digits) and textHash of the author and the normalized
// text. The same text by the same author on the same day is one post seen
// twice (two sources, or one that gave it a new id); the same text by
// another author is a copy-paste, which joins the original's repost
// cluster and counts in the volume; so does the same text posted again
// on another day (a daily repeated ad counts every day). The day leads
// because the key's unique index takes a place for every new mention:
// posts arrive roughly in the order they were published, so today's keys
// stay together on a few pages instead of dirtying pages across an index
// that grows every day.
func ContentHash(author, norm string, published time.Time) string {
	return published.UTC().Format("20060102") + textHash(author, norm)
}

// textHash returns 16 hex digits (64 bits) of SHA-256 over the author and
// the text; a post without author is keyed by its text alone.
func textHash(author, text string) string {
	in := text
	if author != "" {
		in = author + "\x00" + text
	}
	sum := sha256.Sum256([]byte(in))
	return hex.EncodeToString(sum[:8])
}

// repostMarkers are the phrases a repost adds before or around the text
// it repeats; they are dropped before hashing.
var repostMarkers = []string{"转发微博", "轉發微博", "repost", "转发", "回复"}

// dedupCore returns the part of a normalized text that near-duplicate
// detection compares: repost markers, "//@name:" chains, "@name" handles,
// "rt", punctuation and spaces removed.
func dedupCore(norm string) []rune {
	out := make([]rune, 0, len(norm)/2)
	for i := 0; i < len(norm); {
		rest := norm[i:]
		skipped := false
		for _, m := range repostMarkers {
			if strings.HasPrefix(rest, m) {
				i += len(m)
				skipped = true
				break
			}
		}
		if skipped {
			continue
		}
		if strings.HasPrefix(rest, "rt @") {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(rest)
		if r == '@' {
			// a handle runs to a space, a colon or punctuation
			j := i + size
			for j < len(norm) {
				r2, s2 := utf8.DecodeRuneInString(norm[j:])
				if r2 == ' ' || r2 == ':' || r2 == '：' || r2 == '/' || (unicode.IsPunct(r2) && r2 != '_' && r2 != '-') {
					break
				}
				j += s2
			}
			i = j
			continue
		}
		i += size
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.So, r) {
			out = append(out, r)
		}
	}
	return out
}

// SimHash returns the 64-bit SimHash of a normalized text over the
// character 3-grams of its core. Texts whose SimHashes differ in at most
// NearBits bits are near-duplicates. An empty core hashes to 0.
func SimHash(norm string) uint64 {
	core := dedupCore(norm)
	if len(core) == 0 {
		return 0
	}
	if len(core) < 3 {
		// One feature: its hash is the majority of itself.
		var h uint64 = 0x9e3779b97f4a7c15
		for _, r := range core {
			h = mix64(h ^ uint64(r))
		}
		return h
	}
	var c bitCounts
	for i := 0; i+3 <= len(core); i++ {
		c.add(mix64(uint64(core[i])*0x100000001b3 ^ mix64(uint64(core[i+1])<<21^uint64(core[i+2]))))
	}
	return c.majority()
}

// bitCounts counts, for each of the 64 bit positions, how many of the
// added words have that bit set. The counters are stored sliced: bit i of
// planes[k] is bit k of position i's count, so adding a word is a ripple
// carry over a plane or two rather than 64 increments.
type bitCounts struct {
	planes [32]uint64
	n      int
}

func (c *bitCounts) add(w uint64) {
	for k := 0; w != 0; k++ {
		c.planes[k], w = c.planes[k]^w, c.planes[k]&w
	}
	c.n++
}

// majority returns the word whose bit i is set when more than half of the
// added words have bit i set.
func (c *bitCounts) majority() uint64 {
	var out uint64
	width := bits.Len(uint(c.n))
	for i := range 64 {
		ones := 0
		for k := range width {
			ones |= int(c.planes[k]>>i&1) << k
		}
		if 2*ones > c.n {
			out |= 1 << i
		}
	}
	return out
}

// mix64 is the SplitMix64 finalizer: a fixed, well-spread 64-bit hash
// step (SimHashes are stored, so the function must never change).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Hamming returns the number of bits in which a and b differ.
func Hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// DedupEntry is a cluster's first mention as the near-duplicate index
// keeps it.
type DedupEntry struct {
	ID          int64
	SimHash     uint64
	PublishedAt time.Time
}

// nearIndex finds, among cluster roots, one whose SimHash is within
// NearBits of a given hash. With 4 bands of 16 bits, two hashes that
// differ in at most 3 bits agree on at least one band whole, so looking up
// the 4 bands finds every candidate (the pigeonhole principle).
type nearIndex struct {
	entries []nearEntry
	bands   [4]map[uint16][]int32
	live    int
}

type nearEntry struct {
	id        int64 // > 0 stored; < 0: -(index+1) in the batch being stored
	hash      uint64
	published int64 // unix seconds
}

func newNearIndex() *nearIndex {
	ix := &nearIndex{}
	for b := range ix.bands {
		ix.bands[b] = map[uint16][]int32{}
	}
	return ix
}

func (ix *nearIndex) add(id int64, hash uint64, published time.Time) {
	n := int32(len(ix.entries))
	ix.entries = append(ix.entries, nearEntry{id: id, hash: hash, published: published.Unix()})
	for b := range ix.bands {
		k := uint16(hash >> (16 * uint(b)))
		ix.bands[b][k] = append(ix.bands[b][k], n)
	}
	ix.live++
}

// find returns the index of the nearest root within NearBits published
// within window of t, or -1.
func (ix *nearIndex) find(hash uint64, t time.Time, window time.Duration) int {
	best, bestD := -1, NearBits+1
	ts, w := t.Unix(), int64(window/time.Second)
	for b := range ix.bands {
		for _, n := range ix.bands[b][uint16(hash>>(16*uint(b)))] {
			e := &ix.entries[n]
			if e.id == 0 {
				continue
			}
			if d := ts - e.published; d > w || d < -w {
				continue
			}
			if d := Hamming(e.hash, hash); d < bestD || (d == bestD && int(n) < best) {
				best, bestD = int(n), d
			}
		}
	}
	return best
}

// prune drops entries published before cutoff by rebuilding the index.
func (ix *nearIndex) prune(cutoff time.Time) {
	c := cutoff.Unix()
	old := ix.entries
	*ix = *newNearIndex()
	for _, e := range old {
		if e.id != 0 && e.published >= c {
			ix.add(e.id, e.hash, time.Unix(e.published, 0))
		}
	}
}
