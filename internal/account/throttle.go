package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"sync"
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
	// KeepSecret returns the instance secret name, storing candidate as
	// it first when it is not set: every node gets the value stored
	// first, however many ask at once.
	KeepSecret(ctx context.Context, name, candidate string) (string, error)
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

	mu  sync.Mutex
	key []byte // the instance's failure key, once read
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

// failureKeySecret is the instance secret that keys failures: a client's
// address and what was typed as the e-mail (a password, at times) are
// stored as their keyed hashes only, as a visitor is (METRICS.md), so
// that the table, in a backup or a query tool, tells neither, and
// guesses cannot be tested against it without the key as well.
const failureKeySecret = "sign_in_failure_key"

// failureKey returns the instance's failure key, made on first use.
func (t *Throttle) failureKey(ctx context.Context) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.key != nil {
		return t.key, nil
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v, err := t.store.KeepSecret(ctx, failureKeySecret, base64.RawStdEncoding.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	t.key = []byte(v)
	return t.key, nil
}

// keys are the keys of a sign-in's failures: the client's network
// (ClientNetwork) and the e-mail, each as its keyed hash, which also
// stores a 1 MB e-mail in a few bytes (PostgreSQL's index refuses a long
// key).
func (t *Throttle) keys(ctx context.Context, ip, email string) (ipKey, userKey string, err error) {
	key, err := t.failureKey(ctx)
	if err != nil {
		return "", "", err
	}
	sum := func(kind, v string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(kind + ":" + v))
		return kind + "#" + hex.EncodeToString(m.Sum(nil))
	}
	return sum("ip", ClientNetwork(ip)), sum("user", email), nil
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

// KeptNetwork is the part of a client's address that an audit entry and
// a session keep: an IPv4 /24 or an IPv6 /48 (what a site or a provider's
// customer holds), as "203.0.113.0/24", so that a reader can tell where
// changes came from and which came from the same place, and never the
// address, which names a person's connection (METRICS.md). Anything that
// is no address is kept as "".
func KeptNetwork(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return ""
	}
	a = a.Unmap().WithZone("")
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p.String()
}

// Wait returns how long ip or email must wait before another try; 0 when
// they may try now.
func (t *Throttle) Wait(ctx context.Context, ip, email string) (time.Duration, error) {
	ipKey, userKey, err := t.keys(ctx, ip, email)
	if err != nil {
		return 0, err
	}
	now := t.now()
	var wait time.Duration
	for _, k := range []struct {
		key   string
		limit int
	}{{ipKey, t.perIP}, {userKey, t.perUser}} {
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
	ipKey, userKey, err := t.keys(ctx, ip, email)
	if err != nil {
		return err
	}
	return t.store.AddSignInFailures(ctx, []string{ipKey, userKey}, t.now())
}

// Succeed clears an account's failures after a good sign-in; the IP's stay.
func (t *Throttle) Succeed(ctx context.Context, email string) error {
	_, userKey, err := t.keys(ctx, "", email)
	if err != nil {
		return err
	}
	return t.store.ClearSignInFailures(ctx, userKey)
}
