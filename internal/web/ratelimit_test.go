package web

import (
	"fmt"
	"testing"
	"time"
)

func TestLimitKey(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, key, want string
	}{
		{"IPv4 is its own bucket", "203.0.113.7", "203.0.113.7"},
		{"IPv4 neighbour is another", "203.0.113.8", "203.0.113.8"},
		{"IPv6 is bucketed by its /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"IPv6 in the same /64", "2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"IPv6 in the next /64", "2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"IPv6 with a zone", "fe80::1%eth0", "fe80::/64"},
		{"IPv4-mapped IPv6 is IPv4", "::ffff:203.0.113.7", "203.0.113.7"},
		{"IPv4-mapped IPv6 in hex is IPv4", "::ffff:cb00:7107", "203.0.113.7"},
		{"an API token's key", "t42", "t42"},
		{"not an address", "203.0.113.7:80", "203.0.113.7:80"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := limitKey(tt.key); got != tt.want {
				t.Errorf("limitKey(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestLimiterSharesIPv6Network(t *testing.T) {
	t.Parallel()
	l := newLimiter(1, 3, 100)
	now := time.Unix(1_700_000_000, 0)
	for i := range 3 {
		if ok, _ := l.take(fmt.Sprintf("2001:db8:1:2::%x", i+1), now); !ok {
			t.Fatalf("call %d refused within the burst", i)
		}
	}
	if ok, _ := l.take("2001:db8:1:2:ffff::9", now); ok {
		t.Errorf("a fourth address of the same /64 got a fresh bucket")
	}
	if ok, _ := l.take("2001:db8:1:3::1", now); !ok {
		t.Errorf("another /64 is refused")
	}
	if ok, _ := l.take("::ffff:198.51.100.1", now); !ok {
		t.Errorf("an IPv4-mapped address is refused")
	}
	if ok, _ := l.take("198.51.100.2", now); !ok {
		t.Errorf("the next IPv4 address is refused")
	}
}

// TestLimiterFullKeepsThrottled floods a full map with new addresses: the
// throttled client stays throttled, the map stays bounded, and buckets
// that refilled are the first to go.
func TestLimiterFullKeepsThrottled(t *testing.T) {
	t.Parallel()
	const max = 100
	l := newLimiter(1, 3, max)
	now := time.Unix(1_700_000_000, 0)
	victim := "203.0.113.7"
	for range 3 {
		l.take(victim, now)
	}
	if ok, _ := l.take(victim, now); ok {
		t.Fatalf("the victim is not throttled after its burst")
	}
	// An attacker cycles through ten maps' worth of addresses, one call
	// each, all within the victim's refill time.
	for i := range 10 * max {
		l.take(fmt.Sprintf("2001:db8:%x::1", i), now.Add(time.Duration(i)*time.Millisecond/10))
		if n := len(l.buckets); n > max {
			t.Fatalf("after %d addresses the limiter holds %d; want at most %d", i+1, n, max)
		}
	}
	if ok, wait := l.take(victim, now.Add(100*time.Millisecond)); ok || wait <= 0 {
		t.Errorf("after the flood the victim = %v, wait %v; want still throttled", ok, wait)
	}

	// Once the flood's buckets have refilled they are the ones a full
	// map forgets: the victim, throttled again, and the new addresses,
	// each with a token taken, all stay.
	later := now.Add(time.Hour)
	for range 3 {
		l.take(victim, later)
	}
	var fresh []string
	for i := 0; len(l.buckets) < max; i++ {
		fresh = append(fresh, fmt.Sprintf("198.51.100.%d", i))
		l.take(fresh[i], later)
	}
	fresh = append(fresh, "198.51.101.1")
	l.take(fresh[len(fresh)-1], later)
	if n := len(l.buckets); n != len(fresh)+1 {
		t.Errorf("the limiter holds %d buckets; want the victim and the %d new addresses", n, len(fresh))
	}
	for _, k := range append(fresh, victim) {
		if _, ok := l.buckets[k]; !ok {
			t.Errorf("%s was forgotten while refilled buckets were there to go", k)
		}
	}
	if ok, _ := l.take(victim, later); ok {
		t.Errorf("the victim got a token back")
	}
}

// TestLimiterFullOfThrottled: with no bucket refilled, a full map still
// makes room, and forgets the buckets with the most tokens first.
func TestLimiterFullOfThrottled(t *testing.T) {
	t.Parallel()
	l := newLimiter(1, 4, 10)
	now := time.Unix(1_700_000_000, 0)
	// Two keys each left with 0, 1 and 2 tokens, four with 3.
	left := []int{3, 3, 2, 1, 0, 3, 3, 2, 1, 0}
	for i, n := range left {
		for range 4 - n {
			l.take(fmt.Sprintf("198.51.100.%d", i), now)
		}
	}
	l.take("203.0.113.1", now)
	if n := len(l.buckets); n != 6 {
		t.Fatalf("the limiter holds %d buckets; want half of 10 kept and the new one", n)
	}
	kept := map[int]int{}
	for i, n := range left {
		if _, ok := l.buckets[fmt.Sprintf("198.51.100.%d", i)]; ok {
			kept[n]++
		}
	}
	if want := map[int]int{0: 2, 1: 2, 2: 1}; fmt.Sprint(kept) != fmt.Sprint(want) {
		t.Errorf("kept buckets by tokens left = %v, want %v", kept, want)
	}
}
