package link

import (
	"crypto/rand"
	"encoding/base64"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"
)

// CodeLength is the length of every short-link code.
const CodeLength = 7

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewCode returns a crypto-random 7-character base62 code. 62^7 ≈ 3.5e12
// codes make collisions rare; the service retries the few that happen.
func NewCode() string {
	var b [CodeLength]byte
	out := make([]byte, 0, CodeLength)
	for len(out) < CodeLength {
		_, _ = rand.Read(b[:])
		for _, c := range b {
			// 248 = 4 × 62: rejecting bytes above it keeps every
			// character equally likely.
			if c < 248 && len(out) < CodeLength {
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out)
}

// ValidCode reports whether s has the form of a code: exactly seven base62
// characters. The redirect refuses anything else before any lookup.
func ValidCode(s string) bool {
	if len(s) != CodeLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// ClickIDLength is the length of a click id: a 7-character time prefix
// (milliseconds, in an alphabet that sorts like its values) and 16 random
// URL-safe characters (96 bits). The prefix makes new ids land at the end
// of the click_id index instead of all over it, which keeps bulk inserts
// fast; the random part keeps ids unguessable.
const ClickIDLength = 23

// sortable64 is the URL-safe base64 alphabet in ASCII order.
const sortable64 = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// clickRand holds ChaCha8 generators seeded from crypto/rand: a
// cryptographically strong stream without a system call per click.
var clickRand = sync.Pool{New: func() any {
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	return mrand.NewChaCha8(seed)
}}

// NewClickID returns a new click id, the cid appended to destinations.
func NewClickID() string {
	var out [ClickIDLength]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 6; i >= 0; i-- {
		out[i] = sortable64[ms&63]
		ms >>= 6
	}
	var b [12]byte
	g := clickRand.Get().(*mrand.ChaCha8)
	_, _ = g.Read(b[:])
	clickRand.Put(g)
	base64.RawURLEncoding.Encode(out[7:], b[:])
	return string(out[:])
}

// ClickIDTime returns the time NewClickID wrote into the prefix of cid, to
// the millisecond. Anyone can write any prefix, so it only says when a
// genuine id was made, never that an id is genuine. ok is false when cid
// is shorter than the prefix or has a character outside the alphabet.
func ClickIDTime(cid string) (t time.Time, ok bool) {
	if len(cid) < 7 {
		return time.Time{}, false
	}
	var ms int64
	for i := 0; i < 7; i++ {
		v := strings.IndexByte(sortable64, cid[i])
		if v < 0 {
			return time.Time{}, false
		}
		ms = ms<<6 | int64(v)
	}
	return time.UnixMilli(ms).UTC(), true
}

// ValidClickID reports whether s has the form of a click id: 16 to 64
// URL-safe base64 characters. Others are refused before any lookup.
func ValidClickID(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
