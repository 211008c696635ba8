// Package fetch is the HTTP client for every address a user supplies (feed
// URLs, Mastodon instances, Bluesky services): it refuses private,
// loopback, link-local, multicast, CGNAT and unspecified addresses unless
// the operator allows them, re-checks every redirect, bounds time and
// response size, and names Chorus in its User-Agent.
//
// The address check runs when the connection is dialled, on the IP the
// name resolved to, so a name that resolves to a public address when the
// URL is saved and to a private one when it is fetched (DNS rebinding) is
// still refused.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// Defaults of Options.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBytes     = 5 << 20
	DefaultMaxRedirects = 5
	DefaultUserAgent    = "Chorus/1.0 (+https://github.com/chorus-hq/chorus; social listening)"
)

// Options configure a Client; the zero value is the safe production
// default.
type Options struct {
	// AllowPrivate lets requests reach private, loopback and other
	// non-public addresses: for an operator who listens to an intranet
	// feed, and for tests against local servers.
	AllowPrivate bool
	// Timeout bounds one request from dial to the last byte of the body;
	// DefaultTimeout if 0.
	Timeout time.Duration
	// MaxBytes caps a response body; DefaultMaxBytes if 0.
	MaxBytes int64
	// MaxRedirects is how many redirects are followed; DefaultMaxRedirects
	// if 0.
	MaxRedirects int
	// UserAgent is sent with every request; DefaultUserAgent if empty.
	UserAgent string
}

// Client makes requests under the rules of Options. It is safe for
// concurrent use.
type Client struct {
	opts Options
	http *http.Client
}

// New returns a client with opts, defaults filled in.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	c := &Client{opts: opts}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		dialer.Control = controlPublic
	}
	tr := &http.Transport{
		// No proxy: a proxy would dial the address for us, unchecked.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opts.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	c.http = &http.Client{
		Transport: &transport{base: tr, c: c},
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			// The messages name hosts only: a query may carry a token.
			if len(via) > opts.MaxRedirects {
				return &apperr.Error{Code: apperr.Invalid, Key: "error.fetch_redirects", Args: map[string]any{"Max": opts.MaxRedirects},
					Err: fmt.Errorf("%s redirected more than %d times (last to %s)", via[0].URL.Host, opts.MaxRedirects, req.URL.Host)}
			}
			// Go keeps the Authorization header on a redirect to the same
			// host, also from https to http, which would send a token or
			// password in clear text.
			if req.Header.Get("Authorization") != "" && req.URL.Scheme != "https" && via[0].URL.Scheme == "https" {
				return &apperr.Error{Code: apperr.Invalid, Key: "error.fetch_downgrade",
					Err: fmt.Errorf("%s redirected from https to plain http, which would send the secret unencrypted", via[len(via)-1].URL.Host)}
			}
			// A 307 or 308 sends the body again, and Go sends it to any
			// host, where it drops the Authorization header: a body may
			// hold a password (Bluesky's createSession), so it goes to
			// no other host and never from https to http.
			if req.Body != nil && req.Body != http.NoBody {
				prev := via[len(via)-1].URL
				if !strings.EqualFold(req.URL.Host, prev.Host) || (req.URL.Scheme != "https" && via[0].URL.Scheme == "https") {
					return &apperr.Error{Code: apperr.Invalid, Key: "error.fetch_body_redirect",
						Err: fmt.Errorf("%s redirected a request with a body to %s://%s; its body may hold a password, so it was not sent there", prev.Host, req.URL.Scheme, req.URL.Host)}
				}
			}
			return c.checkURL(req.URL)
		},
	}
	return c
}

// Options returns the client's settings, defaults filled in.
func (c *Client) Options() Options { return c.opts }

// HTTP returns the underlying *http.Client, for API clients that build
// their own requests; it keeps every rule of this package, the size cap
// included (reading past it fails with an error for which IsTooLarge is
// true).
func (c *Client) HTTP() *http.Client { return c.http }

// Do sends req under the client's rules. The response body is capped at
// MaxBytes: reading past it returns an error for which IsTooLarge is true.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	return c.http.Do(req)
}

// Get fetches raw with extra headers.
func (c *Client) Get(ctx context.Context, raw string, header http.Header) (*http.Response, error) {
	u, err := c.Parse(raw)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, badURL()
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return c.Do(req)
}

// transport sets the User-Agent, refuses a request whose URL breaks the
// rules before anything is dialled, and caps the body.
type transport struct {
	base http.RoundTripper
	c    *Client
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.c.checkURL(req.URL); err != nil {
		return nil, err
	}
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.c.opts.UserAgent)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, classify(err, req.URL.Host)
	}
	if resp.ContentLength > t.c.opts.MaxBytes {
		resp.Body.Close()
		return nil, tooLarge(t.c.opts.MaxBytes)
	}
	resp.Body = &cappedBody{rc: resp.Body, left: t.c.opts.MaxBytes, max: t.c.opts.MaxBytes}
	return resp, nil
}

// cappedBody reads at most max bytes and then fails, rather than cutting
// the body silently: a truncated feed must not look complete.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a body of exactly max bytes from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, tooLarge(b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// ReadAll reads a response body that Do or Get returned, within the cap.
func ReadAll(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		host := ""
		if resp.Request != nil {
			host = resp.Request.URL.Host
		}
		return nil, classify(err, host)
	}
	return b, nil
}

// ReadLimited reads r to the end within max bytes, and fails with an
// error for which IsTooLarge is true when there is more, rather than
// cutting it: a cut JSON answer would fail as malformed and hide what
// went wrong. For API clients, which read bodies from any *http.Client.
func ReadLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, tooLarge(max)
	}
	return b, nil
}

// MaxRetryAfter bounds the wait read from a Retry-After header; the poll
// job caps waits lower still.
const MaxRetryAfter = 7 * 24 * time.Hour

// RetryAfter reads a Retry-After header, seconds or an HTTP date, as the
// wait from now; 0 when it is absent, malformed or past.
func RetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if secs, err := strconv.ParseUint(h, 10, 64); err == nil {
		return time.Duration(min(secs, uint64(MaxRetryAfter/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(h); err == nil {
		return min(max(at.Sub(now), 0), MaxRetryAfter)
	}
	return 0
}

// Parse checks raw as an address this client may fetch: http or https, a
// host, no user name or password, and, unless private addresses are
// allowed, no literal private IP or local host name. Names are checked
// again on their resolved addresses when dialled.
func (c *Client) Parse(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, badURL()
	}
	switch s := strings.ToLower(u.Scheme); {
	case s == "":
		// blog.example.com/feed: no scheme to name; the full-address
		// message says what is missing.
		return nil, badURL()
	case s != "http" && s != "https":
		return nil, badScheme(u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, badURL()
	}
	if err := c.checkURL(u); err != nil {
		return nil, err
	}
	return u, nil
}

// Check is Parse for a value being saved (a feed URL, an instance): it
// also resolves the host name and refuses it when every address it has is
// one this client would refuse. A name that does not resolve now is
// accepted; the dial-time check still guards it.
func (c *Client) Check(ctx context.Context, raw string) error {
	u, err := c.Parse(raw)
	if err != nil || c.opts.AllowPrivate {
		return err
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return nil // a literal, checked by Parse
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil
	}
	for _, a := range addrs {
		if Public(a) {
			return nil
		}
	}
	return blocked(host)
}

func (c *Client) checkURL(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return badScheme(u.Scheme)
	}
	if u.User != nil {
		return withCredentials(u.Host)
	}
	if c.opts.AllowPrivate {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".internal") {
		return blocked(host)
	}
	if a, err := netip.ParseAddr(host); err == nil && !Public(a) {
		return blocked(host)
	}
	return nil
}

// controlPublic runs after the name is resolved and before the socket
// connects, on the very address being dialled.
func controlPublic(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return blocked(address)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !Public(a) {
		return blocked(host)
	}
	return nil
}

// nonPublic are the ranges no user-supplied URL may reach by default,
// besides what netip's predicates cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// IPv6 forms that carry an IPv4 address: a packet sent to one is handed
// on, by a translator or relay, to that IPv4 address, so writing a private
// IPv4 address in one of these forms must not get it past Public.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64 (RFC 6052): IPv4 in the last 32 bits
	v4compat  = netip.MustParsePrefix("::/96")        // IPv4-compatible (deprecated, RFC 4291): IPv4 in the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // 6to4 (RFC 3056): IPv4 in bits 16-48
	teredo    = netip.MustParsePrefix("2001::/32")    // Teredo (RFC 4380): see embeddedIPv4
)

// embeddedIPv4 returns the IPv4 addresses a reaches when it is one of the
// forms above, nil otherwise. IPv4-mapped ::ffff:0:0/96 is not among them:
// Public unmaps it first. The local-use NAT64 prefix 64:ff9b:1::/48 is
// refused whole in nonPublic, since where its IPv4 sits is up to the site.
func embeddedIPv4(a netip.Addr) []netip.Addr {
	if !a.Is6() {
		return nil
	}
	b := a.As16()
	switch {
	case nat64.Contains(a), v4compat.Contains(a):
		return []netip.Addr{netip.AddrFrom4([4]byte(b[12:16]))}
	case sixToFour.Contains(a):
		return []netip.Addr{netip.AddrFrom4([4]byte(b[2:6]))}
	case teredo.Contains(a):
		// Bits 32-64 are the Teredo server, bits 96-128 the client's
		// (NAT) IPv4 address with every bit inverted. A relay delivers to
		// the client and may first reach it through the server, so both
		// must be public; decoding them, rather than refusing all of
		// 2001::/32, keeps genuine Teredo hosts reachable.
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		return []netip.Addr{netip.AddrFrom4([4]byte(b[4:8])), netip.AddrFrom4(client)}
	}
	return nil
}

// Public reports whether a is an address a user-supplied URL may reach:
// not private, loopback, link-local, multicast, CGNAT, unspecified or
// reserved. IPv4-mapped IPv6 addresses are judged as their IPv4 address;
// NAT64, 6to4, Teredo and IPv4-compatible addresses must also carry a
// public IPv4 address.
func Public(a netip.Addr) bool {
	// A zone only names the interface to send on, and Prefix.Contains
	// never matches a zoned address: judge the address without it.
	a = a.WithZone("").Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	for _, v4 := range embeddedIPv4(a) {
		if !Public(v4) {
			return false
		}
	}
	return true
}

// Error kinds a caller may test for.
var (
	errBlocked  = errors.New("address not allowed")
	errTooLarge = errors.New("response too large")
	errTimeout  = errors.New("timed out")
)

// badURL, badScheme and withCredentials refuse an address, a
// redirect's included, with a text for the source's health and the log.
func badURL() error {
	return &apperr.Error{Code: apperr.Invalid, Key: "error.fetch_url",
		Err: errors.New("not a full http:// or https:// address with a host name")}
}

func badScheme(scheme string) error {
	return &apperr.Error{Code: apperr.Invalid, Key: "error.fetch_scheme", Args: map[string]any{"Scheme": scheme},
		Err: fmt.Errorf("only http:// and https:// addresses are fetched, not %s:// ones", scheme)}
}

func withCredentials(host string) error {
	return &apperr.Error{Code: apperr.Invalid, Key: "error.fetch_credentials",
		Err: fmt.Errorf("the address of %s holds a user name or password", host)}
}

func blocked(host string) error {
	return &apperr.Error{Code: apperr.Invalid, Key: "error.fetch_private", Args: map[string]any{"Host": host},
		Err: fmt.Errorf("%w: %s is a private, loopback or otherwise non-public address", errBlocked, host)}
}

func tooLarge(max int64) error {
	return &apperr.Error{Code: apperr.Invalid, Key: "error.fetch_too_large", Args: map[string]any{"Max": max},
		Err: fmt.Errorf("%w: the response is larger than %d bytes", errTooLarge, max)}
}

// classify turns transport errors into ours: a refused address and a
// timeout get their own keys; anything else is Unavailable. host, when
// known, is named in a timeout's text, which says nothing of it else.
func classify(err error, host string) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		if host != "" {
			return &apperr.Error{Code: apperr.Unavailable, Key: "error.fetch_timeout", Err: fmt.Errorf("%w: %s did not answer in time: %v", errTimeout, host, err)}
		}
		return &apperr.Error{Code: apperr.Unavailable, Key: "error.fetch_timeout", Err: fmt.Errorf("%w: %v", errTimeout, err)}
	}
	// A name that does not resolve is most often a typo in the address:
	// say so, rather than that the server could not be reached.
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return &apperr.Error{Code: apperr.Unavailable, Key: "error.fetch_dns", Args: map[string]any{"Host": de.Name}, Err: err}
	}
	return &apperr.Error{Code: apperr.Unavailable, Key: "error.fetch_failed", Err: err}
}

// Wrap classifies an error from Do or Get, which net/http wraps in
// *url.Error, so that callers see the refused address, the size cap or the
// timeout, not the URL machinery.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		host := ""
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
		return classify(ue.Err, host)
	}
	return classify(err, "")
}

// IsBlocked reports whether err is a refused non-public address.
func IsBlocked(err error) bool { return errors.Is(err, errBlocked) }

// IsTooLarge reports whether err is a response over the size cap.
func IsTooLarge(err error) bool { return errors.Is(err, errTooLarge) }

// IsTimeout reports whether err is a request that took too long.
func IsTimeout(err error) bool {
	if errors.Is(err, errTimeout) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
