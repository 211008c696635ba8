package listen

import (
	"math/rand/v2"
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// simHashByVotes is SimHash as defined: each 3-gram's hash votes +1 or -1
// on every bit, and a bit is set when its sum is positive.
func simHashByVotes(norm string) uint64 {
	core := dedupCore(norm)
	if len(core) == 0 {
		return 0
	}
	var hashes []uint64
	if len(core) < 3 {
		var h uint64 = 0x9e3779b97f4a7c15
		for _, r := range core {
			h = mix64(h ^ uint64(r))
		}
		hashes = append(hashes, h)
	}
	for i := 0; i+3 <= len(core); i++ {
		hashes = append(hashes, mix64(uint64(core[i])*0x100000001b3^mix64(uint64(core[i+1])<<21^uint64(core[i+2]))))
	}
	var out uint64
	for b := range 64 {
		sum := 0
		for _, h := range hashes {
			if h&(1<<b) != 0 {
				sum++
			} else {
				sum--
			}
		}
		if sum > 0 {
			out |= 1 << b
		}
	}
	return out
}

func TestSimHash(t *testing.T) {
	// Stored SimHashes must never change: these were computed when the
	// function was first written.
	for _, tt := range []struct {
		name, text string
		want       uint64
	}{
		{"sentence", "今天去闲岚咖啡喝了冷萃,味道真的很不错,推荐大家试试看!价格也很实惠。", 0xfb4313579c18efff},
		{"repost", "转发微博 //@小美: hello world 123", 0xb07128c5d3317f2d},
		{"two characters", "ab", 0x691f7ed5f6d63870},
		{"one character", "a", 0xfb761138e1e0a78c},
		{"handle and emoji", "rt @x: 新品上市🎉🎉", 0x10e26644474a4c10},
		{"empty core", "!!! @someone", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := SimHash(textnorm.Normalize(tt.text).Norm); got != tt.want {
				t.Errorf("SimHash(%q) = %#x, want %#x", tt.text, got, tt.want)
			}
		})
	}
	// Any text, of any length: the same bits as counting votes one by one.
	rng := rand.New(rand.NewPCG(3, 5))
	alphabet := []rune("闲岚咖啡冷萃好喝abcxyz0123 ,.!@:/🎉")
	for n := range 2000 {
		rs := make([]rune, rng.IntN(1+n%300))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		norm := textnorm.Normalize(string(rs)).Norm
		if got, want := SimHash(norm), simHashByVotes(norm); got != want {
			t.Fatalf("SimHash(%q) = %#x, want %#x", norm, got, want)
		}
	}
}
