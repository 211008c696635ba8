package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
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
	// ClearSignInFailuresWithPrefix forgets the failures of every key
	// that begins with prefix.
	ClearSignInFailuresWithPrefix(ctx context.Context, prefix string) error
	// KeepSecret returns the instance secret name, storing candidate as
	// it first when it is not set: every node gets the value stored
	// first, however many ask at once.
	KeepSecret(ctx context.Context, name, candidate string) (string, error)
}

// ThrottleLimits are how many failed sign-ins a throttle allows within
// its window, counted three ways; a sign-in waits while any count is
// full. A throttled try is refused before its password is checked, so it
// adds to no count.
type ThrottleLimits struct {
	// PerAccountNetwork counts failures on one account from one network
	// (KeptNetwork: an IPv4 /24, an IPv6 /48, so that rotating addresses
	// a customer holds buys no tries): guessing one password from one
	// place. It is the strict limit, and it holds that account at that
	// network only: a stranger who fails it does not refuse the owner at
	// theirs.
	PerAccountNetwork int
	// PerNetwork counts failures from one network (ClientNetwork) on
	// any accounts: trying a few passwords on many accounts (password
	// spraying).
	PerNetwork int
	// PerAccount counts failures on one account from anywhere: guessing
	// spread over many networks. Each network adds at most
	// PerAccountNetwork, so set it well above that: only that many
	// networks' worth of failures refuses the owner too.
	PerAccount int
}

// Throttle limits failed sign-ins per account and network, per network
// and per account within a window (ThrottleLimits). Failures are kept in
// the store (and deleted by the cleanup job a day later), so with several
// nodes the limits are the same as with one.
type Throttle struct {
	store  FailureStore
	window time.Duration
	limits ThrottleLimits
	now    func() time.Time

	mu  sync.Mutex
	key []byte // the instance's failure key, once read
}

// NewThrottle allows limits' failures within window; a limit below 1 is 1.
func NewThrottle(store FailureStore, window time.Duration, limits ThrottleLimits) *Throttle {
	limits.PerAccountNetwork = max(limits.PerAccountNetwork, 1)
	limits.PerNetwork = max(limits.PerNetwork, 1)
	limits.PerAccount = max(limits.PerAccount, 1)
	return &Throttle{store: store, window: window, limits: limits, now: time.Now}
}

// DefaultLimits are the limits of DefaultThrottle: within DefaultWindow,
// 5 failures on an account from one network (a /24 or /48), 20 from one
// network on any accounts, and 50 on an account from anywhere. A person
// who mistypes their password at their own network waits after 5 tries,
// as before; strangers who know the e-mail need ten such networks within
// the window to refuse its owner at theirs, and guessing spread over any
// number of networks is still held to 50 tries a quarter of an hour.
func DefaultLimits() ThrottleLimits {
	return ThrottleLimits{PerAccountNetwork: 5, PerNetwork: 20, PerAccount: 50}
}

// DefaultWindow is the window of DefaultThrottle.
const DefaultWindow = 15 * time.Minute

// DefaultThrottle allows DefaultLimits in DefaultWindow.
func DefaultThrottle(store FailureStore) *Throttle {
	return NewThrottle(store, DefaultWindow, DefaultLimits())
}

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

// failureKeys are the keys a sign-in's failures are counted under, each
// a keyed hash, which also stores a 1 MB e-mail in a few bytes
// (PostgreSQL's index refuses a long key).
type failureKeys struct {
	pair    string // the account at the network: "pair#" + user's hash + "#" + the pair's
	network string // the client's network: "ip#" + its hash
	user    string // the account: "user#" + its hash
	account string // the account's hash, which begins its pairs' keys
}

// keys returns the failure keys of a sign-in from ip on email. A pair's
// key begins with the account's hash, so that forgetting an account's
// failures (Forget) finds those of every network.
func (t *Throttle) keys(ctx context.Context, ip, email string) (failureKeys, error) {
	key, err := t.failureKey(ctx)
	if err != nil {
		return failureKeys{}, err
	}
	sum := func(kind, v string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(kind + ":" + v))
		return hex.EncodeToString(m.Sum(nil))
	}
	user := sum("user", email)
	site := KeptNetwork(ip)
	if site == "" {
		site = ip // no address (tests, a misconfigured proxy): counted as it is
	}
	return failureKeys{
		pair:    pairPrefix(user) + sum("pair", fmt.Sprintf("%d:%s:%s", len(site), site, email)),
		network: "ip#" + sum("ip", ClientNetwork(ip)),
		user:    "user#" + user,
		account: user,
	}, nil
}

// pairPrefix begins the pair keys of the account whose hash is user.
func pairPrefix(user string) string { return "pair#" + user + "#" }

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

// Wait returns how long a sign-in from ip on email must wait before
// another try; 0 when it may try now.
func (t *Throttle) Wait(ctx context.Context, ip, email string) (time.Duration, error) {
	k, err := t.keys(ctx, ip, email)
	if err != nil {
		return 0, err
	}
	now := t.now()
	var wait time.Duration
	for _, c := range []struct {
		key   string
		limit int
	}{{k.pair, t.limits.PerAccountNetwork}, {k.network, t.limits.PerNetwork}, {k.user, t.limits.PerAccount}} {
		fails, err := t.store.SignInFailures(ctx, c.key, now.Add(-t.window), c.limit)
		if err != nil {
			return 0, err
		}
		// The oldest of the last limit failures leaves the window first.
		if len(fails) == c.limit {
			wait = max(wait, fails[c.limit-1].Add(t.window).Sub(now))
		}
	}
	return wait, nil
}

// Fail records a failed sign-in from ip on email.
func (t *Throttle) Fail(ctx context.Context, ip, email string) error {
	k, err := t.keys(ctx, ip, email)
	if err != nil {
		return err
	}
	return t.store.AddSignInFailures(ctx, []string{k.pair, k.network, k.user}, t.now())
}

// Succeed forgets the failures on email from ip's network after a good
// sign-in there. The account's count over all networks and the network's
// over all accounts stay until they leave the window: someone guessing
// elsewhere gets no new tries whenever the owner signs in.
func (t *Throttle) Succeed(ctx context.Context, ip, email string) error {
	k, err := t.keys(ctx, ip, email)
	if err != nil {
		return err
	}
	return t.store.ClearSignInFailures(ctx, k.pair)
}

// Forget forgets every failure on email, from every network, as after an
// operator set the account's password: its owner may sign in at once.
// The networks' counts stay.
func (t *Throttle) Forget(ctx context.Context, email string) error {
	k, err := t.keys(ctx, "", email)
	if err != nil {
		return err
	}
	if err := t.store.ClearSignInFailuresWithPrefix(ctx, pairPrefix(k.account)); err != nil {
		return err
	}
	return t.store.ClearSignInFailures(ctx, k.user)
}
