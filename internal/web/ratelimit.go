package web

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
)

// limiter is a token bucket per key (a client address, an API token), in
// memory: with several nodes each keeps its own, which still bounds a
// flood to a small multiple. A key that is an address is bucketed by
// network (see limitKey), so one client cannot multiply its budget by
// rotating addresses it owns. The map is bounded: when it is full, the
// buckets that have refilled are forgotten, and if that is not enough,
// the fullest half (see evict) — never everyone, which would give a
// throttled client its budget back whenever someone floods the map.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate, burst float64, max int) *limiter {
	return &limiter{rate: rate, burst: burst, max: max, buckets: map[string]*bucket{}}
}

// allow takes a token for key; when there is none it sets Retry-After on
// w to the seconds until there is, and returns false.
func (l *limiter) allow(w http.ResponseWriter, key string, now time.Time) bool {
	ok, wait := l.take(key, now)
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
	return ok
}

// take takes a token for key; when there is none it says how long until
// there is.
func (l *limiter) take(key string, now time.Time) (bool, time.Duration) {
	key = limitKey(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = l.tokens(b, now)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// limitKey is the bucket of key: a client address's network
// (account.ClientNetwork, as sign-in throttling counts it); any other
// key, such as an API token's, is its own bucket.
func limitKey(key string) string { return account.ClientNetwork(key) }

// tokens is what b holds at now.
func (l *limiter) tokens(b *bucket, now time.Time) float64 {
	return min(l.burst, b.tokens+max(0, now.Sub(b.last).Seconds())*l.rate)
}

// evictLevels is how finely evict sorts buckets by their tokens.
const evictLevels = 64

// evict makes room in a full map. Buckets that have refilled go first:
// they say nothing a new bucket would not. If the map is still full, it
// drops buckets, those holding the most tokens first, until half remain:
// forgetting a bucket gives its key the tokens it lacks, so the fullest
// cost least, and a throttled key (near empty) is kept unless most keys
// are throttled too. Buckets are sorted into evictLevels levels by
// counting, so this is two passes over the map, and only when it is full.
func (l *limiter) evict(now time.Time) {
	var count [evictLevels]int
	level := func(b *bucket) int {
		return min(evictLevels-1, int(l.tokens(b, now)/l.burst*evictLevels))
	}
	for key, b := range l.buckets {
		if l.tokens(b, now) >= l.burst {
			delete(l.buckets, key)
			continue
		}
		count[level(b)]++
	}
	if len(l.buckets) < l.max {
		return
	}
	// Drop every bucket above level cut and the first few at it.
	drop := len(l.buckets) - l.max/2
	cut, above := evictLevels-1, 0
	for cut > 0 && above+count[cut] < drop {
		above += count[cut]
		cut--
	}
	atCut := drop - above
	for key, b := range l.buckets {
		switch lv := level(b); {
		case lv > cut:
			delete(l.buckets, key)
		case lv == cut && atCut > 0:
			delete(l.buckets, key)
			atCut--
		}
	}
}
