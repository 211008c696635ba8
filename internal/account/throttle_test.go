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
func throttleOn(t *testing.T, db *store.DB, window time.Duration, perIP, perUser int) (*account.Throttle, *time.Time, func(ip, email string) time.Duration) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	th := account.NewThrottle(db, window, perIP, perUser)
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

func TestThrottlePerAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		th, now, wait := throttleOn(t, db, 15*time.Minute, 20, 3)
		for i := range 3 {
			if w := wait("ip1", "ann"); w != 0 {
				t.Fatalf("Wait before failure %d = %v; want 0", i+1, w)
			}
			must(t, th.Fail(ctx, "ip1", "ann"))
			*now = now.Add(time.Minute)
		}
		// Failures at 12:00, 12:01, 12:02; now 12:03: wait until 12:15.
		if w := wait("ip2", "ann"); w != 12*time.Minute {
			t.Fatalf("Wait after 3 failures = %v; want 12m (from any IP)", w)
		}
		if w := wait("ip1", "bob"); w != 0 {
			t.Fatalf("Wait for another account = %v; want 0", w)
		}
		*now = now.Add(12*time.Minute - time.Second)
		if w := wait("ip1", "ann"); w != time.Second {
			t.Fatalf("Wait a second before the window ends = %v; want 1s", w)
		}
		*now = now.Add(time.Second)
		if w := wait("ip1", "ann"); w != 0 {
			t.Fatalf("Wait once the first failure left the window = %v; want 0", w)
		}
		// Two failures are still in the window: one more throttles again.
		must(t, th.Fail(ctx, "ip1", "ann"))
		if w := wait("ip1", "ann"); w != time.Minute {
			t.Fatalf("Wait after a new failure = %v; want 1m (until 12:01's failure leaves)", w)
		}
		must(t, th.Succeed(ctx, "ann"))
		if w := wait("ip1", "ann"); w != 0 {
			t.Fatalf("Wait after Succeed = %v; want 0", w)
		}
	})
}

func TestThrottlePerIP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		th, now, wait := throttleOn(t, db, 10*time.Minute, 3, 100)
		for _, u := range []string{"a", "b", "c"} {
			must(t, th.Fail(ctx, "ip1", u))
		}
		if w := wait("ip1", "d"); w != 10*time.Minute {
			t.Fatalf("Wait from a throttled IP = %v; want 10m", w)
		}
		if w := wait("ip2", "a"); w != 0 {
			t.Fatalf("Wait from another IP = %v; want 0", w)
		}
		// Succeed clears the account, not the IP.
		must(t, th.Succeed(ctx, "a"))
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
		th, _, wait := throttleOn(t, db, 10*time.Minute, 3, 100)
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
		th, _, wait := throttleOn(t, db, 10*time.Minute, 100, 2)
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
		a, now, _ := throttleOn(t, db, 15*time.Minute, 20, 4)
		b, _, _ := throttleOn(t, db, 15*time.Minute, 20, 4)
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
		if n, err := db.DeleteExpired(ctx, now.Add(account.FailureRetention+time.Minute)); err != nil || n != 8 {
			t.Fatalf("cleanup after a day deleted %d, %v; want the 8 failure rows (4 a key)", n, err)
		}
	})
}
