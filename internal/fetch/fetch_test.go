package fetch

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
)

func okServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-UA", r.Header.Get("User-Agent"))
		io.WriteString(w, "hello")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, c *Client, url string) (string, *http.Response, error) {
	t.Helper()
	resp, err := c.Get(context.Background(), url, nil)
	if err != nil {
		return "", nil, Wrap(err)
	}
	defer resp.Body.Close()
	b, err := ReadAll(resp)
	return string(b), resp, err
}

func TestPrivateAddressRefusedByDefault(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	_, _, err := get(t, New(Options{}), srv.URL)
	if !IsBlocked(err) || apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("GET %s with the default options: err = %v, want a refused private address", srv.URL, err)
	}
	var ae *apperr.Error
	if a, ok := err.(*apperr.Error); ok {
		ae = a
	}
	if ae == nil || ae.Key != "error.fetch_private" {
		t.Errorf("err = %#v, want *apperr.Error with key error.fetch_private", err)
	}
}

func TestPrivateAddressAllowedByOperator(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	body, resp, err := get(t, New(Options{AllowPrivate: true}), srv.URL)
	if err != nil || body != "hello" {
		t.Fatalf("GET with AllowPrivate: %q, %v; want hello", body, err)
	}
	if ua := resp.Header.Get("X-UA"); !strings.Contains(ua, "Chorus") {
		t.Errorf("User-Agent = %q, want one naming Chorus", ua)
	}
}

// TestDialTimeCheck reaches the dial-time control with a name (not a
// literal) that resolves to loopback: the same path a rebinding DNS name
// takes.
func TestDialTimeCheck(t *testing.T) {
	t.Parallel()
	if err := controlPublic("tcp", "127.0.0.1:80", nil); !IsBlocked(err) {
		t.Errorf("control on 127.0.0.1: %v, want blocked", err)
	}
	if err := controlPublic("tcp", "[::ffff:10.0.0.1]:443", nil); !IsBlocked(err) {
		t.Errorf("control on a mapped 10.0.0.1: %v, want blocked", err)
	}
	if err := controlPublic("tcp", "[64:ff9b::7f00:1]:443", nil); !IsBlocked(err) {
		t.Errorf("control on NAT64 of 127.0.0.1: %v, want blocked", err)
	}
	if err := controlPublic("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("control on a public address: %v", err)
	}
	// A transport whose URL check is skipped still refuses at dial time.
	c := New(Options{})
	tr := c.http.Transport.(*transport).base
	srv := okServer(t)
	req, _ := http.NewRequest("GET", strings.Replace(srv.URL, "127.0.0.1", "localtest.invalid", 1), nil)
	req.Host = "x"
	// Resolve by hand to the loopback server: dial the literal address.
	req.URL.Host = srv.Listener.Addr().String()
	_, err := tr.RoundTrip(req)
	if !IsBlocked(err) {
		t.Errorf("raw transport to %s: %v, want blocked at dial time", req.URL.Host, err)
	}
}

func TestPublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true},
		{"2606:4700::1111", true},
		{"127.0.0.1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"100.64.0.1", false},
		{"0.0.0.0", false},
		{"224.0.0.1", false},
		{"::1", false},
		{"fe80::1", false},
		{"fc00::1", false},
		{"::", false},
		{"::ffff:127.0.0.1", false},
		{"ff02::1", false},
		// IPv6 forms that embed an IPv4 address are judged by that address.
		{"::ffff:10.0.0.1", false},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::a00:1", false},     // NAT64 of 10.0.0.1
		{"64:ff9b::7f00:1", false},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"64:ff9b::808:808", true},    // NAT64 of 8.8.8.8
		{"64:ff9b:1::808:808", false}, // local-use NAT64, refused whole
		{"2002:a00:1::1", false},      // 6to4 of 10.0.0.1
		{"2002:7f00:1::1", false},     // 6to4 of 127.0.0.1
		{"2002:808:808::1", true},     // 6to4 of 8.8.8.8
		{"::127.0.0.1", false},        // IPv4-compatible
		{"::10.0.0.1", false},
		{"::8.8.8.8", true},
		{"2001:0:4136:e378:8000:63bf:f5ff:fffe", false}, // Teredo, client 10.0.0.1
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", false}, // Teredo, client 127.0.0.1
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false}, // Teredo, client 192.0.2.45 (TEST-NET-1)
		{"2001:0:a00:1:8000:63bf:f7f7:f7f7", false},     // Teredo, server 10.0.0.1
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", true},  // Teredo, client 8.8.8.8
		// A zone does not hide an address from the check.
		{"64:ff9b::a00:1%eth0", false},
		{"fec0::1%eth0", false},
		{"fe80::1%eth0", false},
	}
	for _, tt := range tests {
		if got := Public(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Public(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	tests := []struct {
		name, url, key string
	}{
		{"public https", "https://example.com/feed.xml", ""},
		{"file scheme", "file:///etc/passwd", "error.fetch_scheme"},
		{"gopher", "gopher://example.com/", "error.fetch_scheme"},
		{"no scheme", "blog.example.com/feed", "error.fetch_url"},
		{"no host", "http:///x", "error.fetch_url"},
		{"credentials", "https://u:p@example.com/", "error.fetch_credentials"},
		{"loopback literal", "http://127.0.0.1:8080/", "error.fetch_private"},
		{"metadata", "http://169.254.169.254/latest/meta-data", "error.fetch_private"},
		{"localhost", "http://localhost/", "error.fetch_private"},
		{"ipv6 loopback", "http://[::1]/", "error.fetch_private"},
		{"nat64 metadata", "http://[64:ff9b::a9fe:a9fe]/", "error.fetch_private"},
		{"6to4 private", "http://[2002:a00:1::1]/", "error.fetch_private"},
		{"nat64 public", "http://[64:ff9b::808:808]/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Parse(tt.url)
			got := ""
			if ae, ok := err.(*apperr.Error); ok {
				got = ae.Key
			} else if err != nil {
				got = err.Error()
			}
			if got != tt.key {
				t.Errorf("Parse(%q) = %q, want %q", tt.url, got, tt.key)
			}
		})
	}
	if err := c.Check(context.Background(), "http://127.0.0.1/"); !IsBlocked(err) {
		t.Errorf("Check(loopback) = %v, want blocked", err)
	}
	if err := New(Options{AllowPrivate: true}).Check(context.Background(), "http://127.0.0.1/"); err != nil {
		t.Errorf("Check(loopback) with AllowPrivate = %v", err)
	}
}

func TestNonHTTPSchemeRefused(t *testing.T) {
	t.Parallel()
	_, _, err := get(t, New(Options{AllowPrivate: true}), "ftp://127.0.0.1/file")
	if ae, ok := err.(*apperr.Error); !ok || ae.Key != "error.fetch_scheme" {
		t.Errorf("ftp URL: %v, want error.fetch_scheme", err)
	}
}

// TestRedirectToPrivateRefused: a public-looking first hop cannot hand the
// client on to a private address. The first server is allowed through a
// client whose URL rules are checked per hop.
func TestRedirectToPrivateRefused(t *testing.T) {
	t.Parallel()
	target := okServer(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	}))
	t.Cleanup(redirector.Close)
	c := New(Options{AllowPrivate: true})
	// Refuse private addresses for the redirect target only: check it with
	// the rules of a default client.
	strict := New(Options{})
	c.http.CheckRedirect = func(req *http.Request, via []*http.Request) error { return strict.checkURL(req.URL) }
	_, _, err := get(t, c, redirector.URL)
	if !IsBlocked(err) {
		t.Errorf("redirect to the metadata address: %v, want blocked", err)
	}
	// The production CheckRedirect refuses the same.
	req, _ := http.NewRequest("GET", "http://10.0.0.1/", nil)
	if err := New(Options{}).http.CheckRedirect(req, []*http.Request{{}}); !IsBlocked(err) {
		t.Errorf("CheckRedirect to 10.0.0.1: %v, want blocked", err)
	}
	_ = target
}

func TestTooManyRedirects(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+"/again", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	_, _, err := get(t, New(Options{AllowPrivate: true}), srv.URL)
	host := strings.TrimPrefix(srv.URL, "http://")
	if ae, ok := err.(*apperr.Error); !ok || ae.Key != "error.fetch_redirects" || ae.Err == nil || !strings.Contains(ae.Err.Error(), host+" redirected more than 5 times") {
		t.Errorf("endless redirects: %v, want error.fetch_redirects whose text names %s", err, host)
	}
}

// TestSlowBodyTimeout: a server that sends its headers and then trickles
// its body times out within the client's time, and the error names the
// host that was slow.
func TestSlowBodyTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<rss>")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	_, _, err := get(t, New(Options{AllowPrivate: true, Timeout: 200 * time.Millisecond}), slow.URL)
	host := strings.TrimPrefix(slow.URL, "http://")
	if ae, ok := err.(*apperr.Error); !ok || ae.Key != "error.fetch_timeout" || ae.Err == nil || !strings.Contains(ae.Err.Error(), host) {
		t.Errorf("slow body: %v, want error.fetch_timeout whose text names %s", err, host)
	}
}

func TestSizeCap(t *testing.T) {
	t.Parallel()
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 4096))
		for i := 0; i < 1000; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(endless.Close)
	declared := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.Write(make([]byte, 100000))
	}))
	t.Cleanup(declared.Close)
	exact := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 1000))
	}))
	t.Cleanup(exact.Close)
	c := New(Options{AllowPrivate: true, MaxBytes: 1000})
	for name, url := range map[string]string{"streamed": endless.URL, "declared": declared.URL} {
		if _, _, err := get(t, c, url); !IsTooLarge(err) {
			t.Errorf("%s body over the cap: %v, want too large", name, err)
		}
	}
	if body, _, err := get(t, c, exact.URL); err != nil || len(body) != 1000 {
		t.Errorf("body of exactly the cap: %d bytes, %v", len(body), err)
	}
}

func TestReadLimited(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		size   int
		tooBig bool
	}{
		{"under the cap", 999, false},
		{"exactly the cap", 1000, false},
		{"one byte over", 1001, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := ReadLimited(strings.NewReader(strings.Repeat("x", tt.size)), 1000)
			if IsTooLarge(err) != tt.tooBig || (!tt.tooBig && len(b) != tt.size) {
				t.Errorf("ReadLimited(%d bytes) = %d bytes, %v; want too large %v", tt.size, len(b), err, tt.tooBig)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	start := time.Now()
	_, _, err := get(t, New(Options{AllowPrivate: true, Timeout: 200 * time.Millisecond}), slow.URL)
	if !IsTimeout(err) {
		t.Errorf("slow server: %v, want a timeout", err)
	}
	if ae, ok := err.(*apperr.Error); !ok || ae.Key != "error.fetch_timeout" || ae.Err == nil || !strings.Contains(ae.Err.Error(), strings.TrimPrefix(slow.URL, "http://")) {
		t.Errorf("slow server: %#v, want error.fetch_timeout that names the host", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %s", d)
	}
}

// TestRedirectWithBody: a request whose body a 307 or 308 sends again
// (Bluesky's createSession carries the app password in it) is not
// followed to another host, nor from https to http; Go would send the
// body along to any host.
func TestRedirectWithBody(t *testing.T) {
	t.Parallel()
	check := New(Options{AllowPrivate: true}).HTTP().CheckRedirect
	from, _ := http.NewRequest("POST", "https://bsky.example/xrpc/com.atproto.server.createSession", strings.NewReader(`{"password":"p"}`))
	for _, tt := range []struct {
		name, method, to string
		body             bool
		refused          bool
	}{
		{"body to another host", "POST", "https://evil.example/xrpc/com.atproto.server.createSession", true, true},
		{"body from https to http", "POST", "http://bsky.example/xrpc/com.atproto.server.createSession", true, true},
		{"body to the same host", "POST", "https://BSKY.example/xrpc/v2/com.atproto.server.createSession", true, false},
		{"no body to another host", "GET", "https://cdn.example/feed", false, false},
	} {
		var body io.Reader
		if tt.body {
			body = strings.NewReader(`{"password":"p"}`)
		}
		req, _ := http.NewRequest(tt.method, tt.to, body)
		err := check(req, []*http.Request{from})
		if (err != nil) != tt.refused {
			t.Errorf("%s: %v; want refused %v", tt.name, err, tt.refused)
		}
		if ae, ok := err.(*apperr.Error); tt.refused && (!ok || ae.Key != "error.fetch_body_redirect") {
			t.Errorf("%s: %v; want error.fetch_body_redirect", tt.name, err)
		}
	}
}

// TestRedirectDowngradeWithSecretRefused: a redirect from https to http
// is not followed with an Authorization header, which Go would send
// along to the same host; without one it is.
func TestRedirectDowngradeWithSecretRefused(t *testing.T) {
	t.Parallel()
	check := New(Options{AllowPrivate: true}).HTTP().CheckRedirect
	from, _ := http.NewRequest("GET", "https://social.example/api/v2/search", nil)
	for _, tt := range []struct {
		name, to, auth string
		refused        bool
	}{
		{"https to http with a token", "http://social.example/api/v2/search", "Bearer t", true},
		{"https to http without one", "http://social.example/feed", "", false},
		{"https to https with a token", "https://social.example/api/v2/search?page=2", "Bearer t", false},
	} {
		req, _ := http.NewRequest("GET", tt.to, nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		if err := check(req, []*http.Request{from}); (err != nil) != tt.refused {
			t.Errorf("%s: %v; want refused %v", tt.name, err, tt.refused)
		}
	}
}

// TestUnknownHost: a host name that does not resolve (a typo in a feed's
// address) is said to be unknown, by name, rather than a server that
// could not be reached.
func TestUnknownHost(t *testing.T) {
	t.Parallel()
	_, _, err := get(t, New(Options{AllowPrivate: true}), "http://no-such-host.invalid/feed")
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Key != "error.fetch_dns" || ae.Args["Host"] != "no-such-host.invalid" {
		t.Errorf("unknown host: %#v, want error.fetch_dns naming no-such-host.invalid", err)
	}
}
