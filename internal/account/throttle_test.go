package account_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// throttleOn returns a throttle over db on a clock the test moves, and a
// Wait that fails the test on a store error.
func throttleOn(t *testing.T, db *store.DB, window time.Duration, limits account.ThrottleLimits) (*account.Throttle, *time.Time, func(ip, email string) time.Duration) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	th := account.NewThrottle(db, window, limits)
	account.SetThrottleClock(th, func() time.Time { return now })
	wait := func(ip, email string) time.Duration {
		t.Helper()
		w, err := th.Wait(context.Background(), ip, email)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	return th, &now, wait
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestThrottlePerAccountNetwork: failures on one account from one network
// throttle that account there, also from another address of the same
// /24, which is what one customer holds; the owner at another network
// and other accounts from the same network may still try. Anyone who
// knew an e-mail could refuse its owner everywhere before.
func TestThrottlePerAccountNetwork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		th, now, wait := throttleOn(t, db, 15*time.Minute, account.ThrottleLimits{PerAccountNetwork: 3, PerNetwork: 20, PerAccount: 100})
		const stranger, neighbour, owner = "198.51.100.7", "198.51.100.200", "203.0.113.9"
		for i := range 3 {
			if w := wait(stranger, "ann"); w != 0 {
				t.Fatalf("Wait before failure %d = %v; want 0", i+1, w)
			}
			must(t, th.Fail(ctx, stranger, "ann"))
			*now = now.Add(time.Minute)
		}
		// Failures at 12:00, 12:01, 12:02; now 12:03: wait until 12:15.
		if w := wait(neighbour, "ann"); w != 12*time.Minute {
			t.Fatalf("Wait from the same /24 after 3 failures = %v; want 12m", w)
		}
		if w := wait(owner, "ann"); w != 0 {
			t.Fatalf("Wait for the account from another network = %v; want 0 (a stranger cannot lock the owner out)", w)
		}
		if w := wait(stranger, "bob"); w != 0 {
			t.Fatalf("Wait for another account = %v; want 0", w)
		}
		*now = now.Add(12*time.Minute - time.Second)
		if w := wait(stranger, "ann"); w != time.Second {
			t.Fatalf("Wait a second before the window ends = %v; want 1s", w)
		}
		*now = now.Add(time.Second)
		if w := wait(stranger, "ann"); w != 0 {
			t.Fatalf("Wait once the first failure left the window = %v; want 0", w)
		}
		// Two failures are still in the window: one more throttles again.
		must(t, th.Fail(ctx, stranger, "ann"))
		if w := wait(stranger, "ann"); w != time.Minute {
			t.Fatalf("Wait after a new failure = %v; want 1m (until 12:01's failure leaves)", w)
		}
		// The owner signing in elsewhere does not free the stranger; a
		// success at the network does.
		must(t, th.Succeed(ctx, owner, "ann"))
		if w := wait(stranger, "ann"); w != time.Minute {
			t.Fatalf("Wait after a success at another network = %v; want still 1m", w)
		}
		must(t, th.Succeed(ctx, neighbour, "ann"))
		if w := wait(stranger, "ann"); w != 0 {
			t.Fatalf("Wait after Succeed at the network = %v; want 0", w)
		}
	})
}

// TestThrottlePerAccount: failures on one account from many networks,
// each below its own limit, still throttle the account from everywhere
// once there are enough of them; other accounts are not throttled.
func TestThrottlePerAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		th, now, wait := throttleOn(t, db, 15*time.Minute, account.ThrottleLimits{PerAccountNetwork: 2, PerNetwork: 20, PerAccount: 6})
		for n := range 3 {
			ip := fmt.Sprintf("198.51.%d.7", n)
			for range 2 {
				if w := wait(ip, "ann"); w != 0 {
					t.Fatalf("Wait from %s before its second failure = %v; want 0", ip, w)
				}
				must(t, th.Fail(ctx, ip, "ann"))
			}
			*now = now.Add(time.Minute)
		}
		// 6 failures, the oldest at 12:00; now 12:03.
		if w := wait("203.0.113.9", "ann"); w != 12*time.Minute {
			t.Fatalf("Wait from a fresh network after 6 failures from 3 = %v; want 12m", w)
		}
		if w := wait("203.0.113.9", "bob"); w != 0 {
			t.Fatalf("Wait for another account = %v; want 0", w)
		}
		// A success clears no other network's failures, nor the account's count.
		must(t, th.Succeed(ctx, "198.51.0.7", "ann"))
		if w := wait("203.0.113.9", "ann"); w != 12*time.Minute {
			t.Fatalf("Wait after a success = %v; want still 12m", w)
		}
	})
}

// TestThrottleForget: forgetting an account (an operator set its
// password) forgets its failures from every network; other accounts'
// and the networks' counts stay.
func TestThrottleForget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		th, _, wait := throttleOn(t, db, 15*time.Minute, account.ThrottleLimits{PerAccountNetwork: 2, PerNetwork: 4, PerAccount: 100})
		for _, ip := range []string{"198.51.100.7", "2001:db8:1::1"} {
			for _, u := range []string{"ann", "bob"} {
				must(t, th.Fail(ctx, ip, u))
				must(t, th.Fail(ctx, ip, u))
			}
		}
		must(t, th.Forget(ctx, "ann"))
		if w := wait("198.51.100.8", "ann"); w != 0 {
			t.Errorf("Wait for the forgotten account from a network that failed on it = %v; want 0", w)
		}
		if w := wait("198.51.100.8", "bob"); w != 15*time.Minute {
			t.Errorf("Wait for another account from the same /24 = %v; want 15m", w)
		}
		if w := wait("2001:db8:1::1", "carl"); w != 15*time.Minute {
			t.Errorf("Wait from a network with 4 failures = %v; want 15m (networks are not forgotten)", w)
		}
	})
}

func TestThrottlePerIP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		th, now, wait := throttleOn(t, db, 10*time.Minute, account.ThrottleLimits{PerAccountNetwork: 100, PerNetwork: 3, PerAccount: 100})
		for _, u := range []string{"a", "b", "c"} {
			must(t, th.Fail(ctx, "ip1", u))
		}
		if w := wait("ip1", "d"); w != 10*time.Minute {
			t.Fatalf("Wait from a throttled IP = %v; want 10m", w)
		}
		if w := wait("ip2", "a"); w != 0 {
			t.Fatalf("Wait from another IP = %v; want 0", w)
		}
		// Succeed clears the account at the IP, not the IP.
		must(t, th.Succeed(ctx, "ip1", "a"))
		if w := wait("ip1", "a"); w == 0 {
			t.Fatalf("Wait from the IP after an account's success = 0; want still throttled")
		}
		*now = now.Add(10 * time.Minute)
		if w := wait("ip1", "d"); w != 0 {
			t.Fatalf("Wait after the window = %v; want 0", w)
		}
	})
}

// TestThrottlePerIPv6Network: an IPv6 client holds a whole /64 and may
// take a new address from it for every try, so the per-IP limit counts
// the network; an IPv4 address counts alone, however it is written.
func TestThrottlePerIPv6Network(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		th, _, wait := throttleOn(t, db, 10*time.Minute, account.ThrottleLimits{PerAccountNetwork: 100, PerNetwork: 3, PerAccount: 100})
		for i, u := range []string{"a", "b", "c"} {
			must(t, th.Fail(ctx, fmt.Sprintf("2001:db8:1:2::%x", i+1), u))
		}
		for _, tt := range []struct {
			ip   string
			want time.Duration
		}{
			{"2001:db8:1:2:ffff::9", 10 * time.Minute},
			{"2001:db8:1:3::1", 0},
		} {
			if w := wait(tt.ip, "d"); w != tt.want {
				t.Errorf("Wait from %s after 3 failures in 2001:db8:1:2::/64 = %v; want %v", tt.ip, w, tt.want)
			}
		}
		for _, u := range []string{"a", "b", "c"} {
			must(t, th.Fail(ctx, "198.51.100.7", u))
		}
		if w := wait("::ffff:198.51.100.7", "d"); w != 10*time.Minute {
			t.Errorf("Wait from the IPv4-mapped spelling of a throttled address = %v; want 10m", w)
		}
		if w := wait("198.51.100.8", "d"); w != 0 {
			t.Errorf("Wait from the next IPv4 address = %v; want 0", w)
		}
	})
}

// TestThrottleLongEmail: what is typed as the e-mail may be as long as
// the sign-in form allows (1 MB); its failures count as any other's, and
// each is stored in a few bytes, not in what was typed (PostgreSQL's
// index refused a key over 2.7 KB: the sign-in failed with 500).
func TestThrottleLongEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		th, _, wait := throttleOn(t, db, 10*time.Minute, account.ThrottleLimits{PerAccountNetwork: 100, PerNetwork: 100, PerAccount: 2})
		long := strings.Repeat("a", 1<<20) + "@example.com"
		for range 2 {
			must(t, th.Fail(ctx, "ip1", long))
		}
		if w := wait("ip2", long); w != 10*time.Minute {
			t.Errorf("Wait after 2 failures on a 1 MB e-mail = %v; want 10m", w)
		}
		if w := wait("ip2", long[1:]); w != 0 {
			t.Errorf("Wait for another long e-mail = %v; want 0", w)
		}
		var n int
		if err := db.WriteDB().QueryRowContext(ctx, `SELECT MAX(LENGTH(key)) FROM sign_in_failures`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 300 {
			t.Errorf("longest stored key has %d bytes; want at most 300", n)
		}
	})
}

// TestThrottleAcrossNodes: two nodes' throttles over one database count
// the same failures, and the cleanup deletes them a day later.
func TestThrottleAcrossNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		limits := account.ThrottleLimits{PerAccountNetwork: 20, PerNetwork: 20, PerAccount: 4}
		a, now, _ := throttleOn(t, db, 15*time.Minute, limits)
		b, _, _ := throttleOn(t, db, 15*time.Minute, limits)
		account.SetThrottleClock(b, func() time.Time { return *now })
		for range 2 {
			must(t, a.Fail(ctx, "ip1", "ann"))
			must(t, b.Fail(ctx, "ip2", "ann"))
		}
		for name, th := range map[string]*account.Throttle{"a": a, "b": b} {
			if w, err := th.Wait(ctx, "ip3", "ann"); err != nil || w != 15*time.Minute {
				t.Errorf("node %s: Wait after 2 failures on each node = %v, %v; want 15m", name, w, err)
			}
		}
		n, err := db.DeleteExpired(ctx, now.Add(account.FailureRetention-time.Minute))
		if err != nil || n != 0 {
			t.Fatalf("cleanup within a day deleted %d, %v; want none", n, err)
		}
		if n, err := db.DeleteExpired(ctx, now.Add(account.FailureRetention+time.Minute)); err != nil || n != 12 {
			t.Fatalf("cleanup after a day deleted %d, %v; want the 12 failure rows (4 failures, 3 keys each)", n, err)
		}
	})
}
