package account

import (
	"context"
	"net/netip"
	"time"
)

// FailureStore keeps failed sign-ins where every node sees them, so that
// the limits hold however many nodes answer sign-ins.
type FailureStore interface {
	// AddSignInFailures records one failure at a time under each key.
	AddSignInFailures(ctx context.Context, keys []string, at time.Time) error
	// SignInFailures returns the times of key's failures after since,
	// newest first, at most limit of them.
	SignInFailures(ctx context.Context, key string, since time.Time, limit int) ([]time.Time, error)
	// ClearSignInFailures forgets key's failures.
	ClearSignInFailures(ctx context.Context, key string) error
}

// Throttle limits failed sign-ins per IP and per account within a window.
// Failures are kept in the store (and deleted by the cleanup job a day
// later), so with several nodes the limits are the same as with one.
type Throttle struct {
	store   FailureStore
	window  time.Duration
	perIP   int
	perUser int
	now     func() time.Time
}

// NewThrottle allows perIP failures from one IP and perUser failures on one
// account within window.
func NewThrottle(store FailureStore, window time.Duration, perIP, perUser int) *Throttle {
	return &Throttle{store: store, window: window, perIP: max(perIP, 1), perUser: max(perUser, 1), now: time.Now}
}

// DefaultThrottle allows 20 failures an IP and 5 an account in 15 minutes.
func DefaultThrottle(store FailureStore) *Throttle { return NewThrottle(store, 15*time.Minute, 20, 5) }

// FailureRetention is how long failed sign-ins are kept: beyond any window.
const FailureRetention = 24 * time.Hour

func ipKey(ip string) string { return "ip:" + ClientNetwork(ip) }

// userKey is the key of an account's failures. What is typed as the
// e-mail may be as long as the sign-in form allows (1 MB), and no account
// has an address over maxEmail bytes: such a text is keyed by its hash, so
// that a failure stores a few bytes (PostgreSQL's index refuses a long key).
func userKey(email string) string {
	if len(email) > maxEmail {
		return "user#" + HashToken(email)
	}
	return "user:" + email
}

// ClientNetwork is the part of a client's address that limits count: an
// IPv6 address's /64, which is what one subscriber or host gets and can
// rotate through at will, so that a limit per address would be none; an
// IPv4 address itself, also written IPv4-mapped. Anything that is no
// address is returned as it is.
func ClientNetwork(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// Wait returns how long ip or email must wait before another try; 0 when
// they may try now.
func (t *Throttle) Wait(ctx context.Context, ip, email string) (time.Duration, error) {
	now := t.now()
	var wait time.Duration
	for _, k := range []struct {
		key   string
		limit int
	}{{ipKey(ip), t.perIP}, {userKey(email), t.perUser}} {
		fails, err := t.store.SignInFailures(ctx, k.key, now.Add(-t.window), k.limit)
		if err != nil {
			return 0, err
		}
		// The oldest of the last limit failures leaves the window first.
		if len(fails) == k.limit {
			wait = max(wait, fails[k.limit-1].Add(t.window).Sub(now))
		}
	}
	return wait, nil
}

// Fail records a failed sign-in from ip on email.
func (t *Throttle) Fail(ctx context.Context, ip, email string) error {
	return t.store.AddSignInFailures(ctx, []string{ipKey(ip), userKey(email)}, t.now())
}

// Succeed clears an account's failures after a good sign-in; the IP's stay.
func (t *Throttle) Succeed(ctx context.Context, email string) error {
	return t.store.ClearSignInFailures(ctx, userKey(email))
}
