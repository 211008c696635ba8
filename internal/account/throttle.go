package account

import (
	"sync"
	"time"
)

// Throttle limits failed sign-ins per IP and per account within a window.
// It lives in memory: with several nodes each node counts its own, which
// still bounds guessing to a small multiple.
type Throttle struct {
	mu        sync.Mutex
	window    time.Duration
	perIP     int
	perUser   int
	failures  map[string][]time.Time
	now       func() time.Time
	lastSweep time.Time
}

// NewThrottle allows perIP failures from one IP and perUser failures on one
// account within window.
func NewThrottle(window time.Duration, perIP, perUser int) *Throttle {
	return &Throttle{window: window, perIP: perIP, perUser: perUser, failures: map[string][]time.Time{}, now: time.Now}
}

// DefaultThrottle allows 20 failures an IP and 5 an account in 15 minutes.
func DefaultThrottle() *Throttle { return NewThrottle(15*time.Minute, 20, 5) }

// Wait returns how long ip or email must wait before another try; 0 when
// they may try now.
func (t *Throttle) Wait(ip, email string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return max(t.wait("ip:"+ip, t.perIP), t.wait("user:"+email, t.perUser))
}

func (t *Throttle) wait(key string, limit int) time.Duration {
	fails := t.recent(key)
	if len(fails) < limit {
		return 0
	}
	return fails[len(fails)-limit].Add(t.window).Sub(t.now())
}

func (t *Throttle) recent(key string) []time.Time {
	cut := t.now().Add(-t.window)
	fails := t.failures[key]
	i := 0
	for i < len(fails) && !fails[i].After(cut) {
		i++
	}
	fails = fails[i:]
	if len(fails) == 0 {
		delete(t.failures, key)
	} else {
		t.failures[key] = fails
	}
	return fails
}

// Fail records a failed sign-in.
func (t *Throttle) Fail(ip, email string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range []string{"ip:" + ip, "user:" + email} {
		t.failures[k] = append(t.recent(k), now)
	}
	if now.Sub(t.lastSweep) > t.window {
		for k := range t.failures {
			t.recent(k)
		}
		t.lastSweep = now
	}
}

// Succeed clears an account's failures after a good sign-in.
func (t *Throttle) Succeed(email string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, "user:"+email)
}
