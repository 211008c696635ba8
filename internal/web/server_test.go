package web

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tt := range []struct {
		name    string
		proxies []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies: the peer, whatever the header says", nil, "203.0.113.7:5555", []string{"198.51.100.1"}, "203.0.113.7"},
		{"IPv6 peer", nil, "[2001:db8::1]:443", nil, "2001:db8::1"},
		{"untrusted peer's header is ignored", proxies, "203.0.113.7:5555", []string{"198.51.100.1"}, "203.0.113.7"},
		{"trusted proxy without a header", proxies, "10.1.1.1:5555", nil, "10.1.1.1"},
		{"trusted proxy names the client", proxies, "10.1.1.1:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a forged entry before the client's is ignored", proxies, "10.1.1.1:5555", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"a chain of trusted proxies", proxies, "10.1.1.1:5555", []string{"198.51.100.1, 10.2.2.2", "10.3.3.3"}, "198.51.100.1"},
		{"header lines are read last first", proxies, "10.1.1.1:5555", []string{"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
		{"garbage ends the walk at the proxy that wrote it", proxies, "10.1.1.1:5555", []string{"198.51.100.1, not-an-ip, 10.2.2.2"}, "10.2.2.2"},
		{"an address with a port is garbage", proxies, "10.1.1.1:5555", []string{"198.51.100.1:80"}, "10.1.1.1"},
		{"only proxies: the first of them", proxies, "10.1.1.1:5555", []string{"10.9.9.9, 10.2.2.2"}, "10.9.9.9"},
		{"IPv6 proxy, IPv4-mapped client", proxies, "[::1]:5555", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{Deps: Deps{TrustedProxies: tt.proxies}}
			r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientIP(r); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOverHTTPS(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tt := range []struct {
		name   string
		remote string
		tls    bool
		proto  string
		want   bool
	}{
		{"plain HTTP", "203.0.113.7:5555", false, "", false},
		{"own TLS listener", "203.0.113.7:5555", true, "", true},
		{"trusted proxy says https", "10.1.1.1:5555", false, "https", true},
		{"trusted proxy says http", "10.1.1.1:5555", false, "http", false},
		{"anyone else's header is ignored", "203.0.113.7:5555", false, "https", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{Deps: Deps{TrustedProxies: proxies}}
			r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}, Host: "chorus.example"}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			if got := s.overHTTPS(r); got != tt.want {
				t.Errorf("overHTTPS = %v, want %v", got, tt.want)
			}
			if got := s.cookie(r, "n", "v", 60).Secure; got != tt.want {
				t.Errorf("cookie Secure = %v, want %v", got, tt.want)
			}
			wantBase := "http://chorus.example"
			if tt.want {
				wantBase = "https://chorus.example"
			}
			if got := s.publicBase(r); got != wantBase {
				t.Errorf("publicBase = %q, want %q", got, wantBase)
			}
		})
	}
}

// TestPublicAddresses: the addresses the team pastes elsewhere (the
// tracking snippet, short links) are printed with the configured base
// URL, not the host a request reached, which behind a proxy or by an
// internal name is one that customers cannot reach; without a base URL
// they are the request's.
func TestPublicAddresses(t *testing.T) {
	for _, tt := range []struct {
		name, base, short string
		wantBase, wantLnk string
	}{
		{"base URL", "https://chorus.example.com/", "", "https://chorus.example.com", "https://chorus.example.com/l/"},
		{"short domain too", "https://chorus.example.com", "https://c.example", "https://chorus.example.com", "https://c.example/l/"},
		{"none: the request's", "", "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, storetest.SQLite(t))
			h.srv.BaseURL, h.srv.ShortURL = tt.base, tt.short
			if tt.wantBase == "" {
				tt.wantBase, tt.wantLnk = h.ts.URL, h.ts.URL+"/l/"
			}
			acme := h.tenant("acme", account.Owner)
			_, snip := h.api("GET", "/workspaces/acme/snippet", acme.token, nil)
			if snip["script_url"] != tt.wantBase+"/t.js" || snip["collect_url"] != tt.wantBase+"/api/v1/collect" ||
				!strings.Contains(fmt.Sprint(snip["script_tag"]), `src="`+tt.wantBase+`/t.js"`) {
				t.Errorf("snippet API: %v; want addresses under %s", snip, tt.wantBase)
			}
			b := h.signedIn(acme)
			if _, body := b.get("/w/acme/conversions"); !strings.Contains(body, `src=&#34;`+tt.wantBase+`/t.js&#34;`) {
				t.Errorf("conversions page's snippet is not under %s: %s", tt.wantBase, section(body, `id="snippet-tag"`, "</pre>"))
			}
			l, err := h.links.Create(t.Context(), acme.ws.ID, link.Input{Destination: "https://shop.example.com/"})
			must(t, err)
			if _, body := b.get(fmt.Sprintf("/w/acme/links/%d", l.ID)); !strings.Contains(body, `<code id="short-url">`+tt.wantLnk+l.Code+`</code>`) {
				t.Errorf("link page's short address is not %s%s: %s", tt.wantLnk, l.Code, section(body, `class="short-url"`, "</div>"))
			}
		})
	}
}

// TestRedirectBehindProxy: behind a trusted proxy, two people with the same
// browser are two visitors, each with a unique click; without the trust,
// the header is ignored and they are one visitor.
func TestRedirectBehindProxy(t *testing.T) {
	for _, tt := range []struct {
		name     string
		proxies  []netip.Prefix
		visitors int
	}{
		{"trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, 2},
		{"not trusted", nil, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, storetest.SQLite(t))
			h.srv.TrustedProxies = tt.proxies
			acme := h.tenant("acme", account.Owner)
			l, err := h.links.Create(context.Background(), acme.ws.ID, link.Input{Destination: "https://shop.example.com/"})
			must(t, err)
			for _, ip := range []string{"198.51.100.1", "198.51.100.2"} {
				h.click("GET", "/l/"+l.Code, map[string]string{"User-Agent": chromeUA, "X-Forwarded-For": ip})
			}
			h.waitWritten(2)
			var visitors, unique int
			must(t, h.db.WriteDB().QueryRow(`SELECT COUNT(DISTINCT visitor), SUM(is_unique) FROM click_events`).Scan(&visitors, &unique))
			if visitors != tt.visitors || unique != tt.visitors {
				t.Errorf("%d visitors, %d unique clicks; want %d of each", visitors, unique, tt.visitors)
			}
		})
	}
}

func TestTrimJS(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"/* header\n   more */\n(function () {\n  var a = 1; // kept\n\n  // gone\n  a = a / 2;\n})();\n",
			"(function () {\nvar a = 1; // kept\na = a / 2;\n})();\n"},
		{"  /* one line */ x();\n", "x();\n"},
		{"/* a\n b */ y();\nz(\"// not a comment\");\n", "y();\nz(\"// not a comment\");\n"},
		{"var re = /\\/\\//g;\n", "var re = /\\/\\//g;\n"},
		{"", ""},
	} {
		if got := string(trimJS([]byte(tt.in))); got != tt.want {
			t.Errorf("trimJS(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
