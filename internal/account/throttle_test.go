package account

import (
	"testing"
	"time"
)

// fakeThrottle returns a throttle on a clock the test moves.
func fakeThrottle(window time.Duration, perIP, perUser int) (*Throttle, *time.Time) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	th := NewThrottle(window, perIP, perUser)
	th.now = func() time.Time { return now }
	return th, &now
}

func TestThrottlePerAccount(t *testing.T) {
	t.Parallel()
	th, now := fakeThrottle(15*time.Minute, 20, 3)
	for i := range 3 {
		if w := th.Wait("ip1", "ann"); w != 0 {
			t.Fatalf("Wait before failure %d = %v; want 0", i+1, w)
		}
		th.Fail("ip1", "ann")
		*now = now.Add(time.Minute)
	}
	// Failures at 12:00, 12:01, 12:02; now 12:03: wait until 12:15.
	if w := th.Wait("ip2", "ann"); w != 12*time.Minute {
		t.Fatalf("Wait after 3 failures = %v; want 12m (from any IP)", w)
	}
	if w := th.Wait("ip1", "bob"); w != 0 {
		t.Fatalf("Wait for another account = %v; want 0", w)
	}
	*now = now.Add(12*time.Minute - time.Second)
	if w := th.Wait("ip1", "ann"); w != time.Second {
		t.Fatalf("Wait a second before the window ends = %v; want 1s", w)
	}
	*now = now.Add(time.Second)
	if w := th.Wait("ip1", "ann"); w != 0 {
		t.Fatalf("Wait once the first failure left the window = %v; want 0", w)
	}
	// Two failures are still in the window: one more throttles again.
	th.Fail("ip1", "ann")
	if w := th.Wait("ip1", "ann"); w != time.Minute {
		t.Fatalf("Wait after a new failure = %v; want 1m (until 12:01's failure leaves)", w)
	}
	th.Succeed("ann")
	if w := th.Wait("ip1", "ann"); w != 0 {
		t.Fatalf("Wait after Succeed = %v; want 0", w)
	}
}

func TestThrottlePerIP(t *testing.T) {
	t.Parallel()
	th, now := fakeThrottle(10*time.Minute, 3, 100)
	for _, u := range []string{"a", "b", "c"} {
		th.Fail("ip1", u)
	}
	if w := th.Wait("ip1", "d"); w != 10*time.Minute {
		t.Fatalf("Wait from a throttled IP = %v; want 10m", w)
	}
	if w := th.Wait("ip2", "a"); w != 0 {
		t.Fatalf("Wait from another IP = %v; want 0", w)
	}
	// Succeed clears the account, not the IP.
	th.Succeed("a")
	if w := th.Wait("ip1", "a"); w == 0 {
		t.Fatalf("Wait from the IP after an account's success = 0; want still throttled")
	}
	*now = now.Add(10 * time.Minute)
	if w := th.Wait("ip1", "d"); w != 0 {
		t.Fatalf("Wait after the window = %v; want 0", w)
	}
}

func TestThrottleSweepsOldKeys(t *testing.T) {
	t.Parallel()
	th, now := fakeThrottle(time.Minute, 5, 5)
	th.Fail("ip1", "ann")
	*now = now.Add(2 * time.Minute)
	th.Fail("ip2", "bob")
	th.mu.Lock()
	defer th.mu.Unlock()
	if _, ok := th.failures["user:ann"]; ok {
		t.Fatalf("failures = %v; want ann's expired entry swept", th.failures)
	}
	if len(th.failures) != 2 {
		t.Fatalf("failures = %v; want only ip2 and bob", th.failures)
	}
}
