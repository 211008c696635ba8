package link

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/apperr"
)

func fieldKey(err error) string {
	var ae *apperr.Error
	if e, ok := err.(*apperr.Error); ok {
		ae = e
	}
	if ae == nil || len(ae.Fields) == 0 {
		return ""
	}
	return ae.Fields[0].Key
}

func TestValidateDestination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		allow    []string
		want     string // normalized URL, or "" when refused
		key      string // field error key when refused
	}{
		{"plain https", "https://shop.example.com/p/1?x=1#top", nil, "https://shop.example.com/p/1?x=1#top", ""},
		{"upper scheme and host", "HTTPS://Shop.Example.COM/A", nil, "https://shop.example.com/A", ""},
		{"chinese host", "https://例子.中国/路径", nil, "https://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84", ""},
		{"chinese query and fragment", "https://shop.example.com/搜索?q=咖啡&x=%20#顶部", nil,
			"https://shop.example.com/%E6%90%9C%E7%B4%A2?q=%E5%92%96%E5%95%A1&x=%20#%E9%A1%B6%E9%83%A8", ""},
		{"escaping past the limit", "https://example.com/?q=" + strings.Repeat("咖", 680), nil, "", "error.too_long"},
		{"port", "http://example.com:8080/", nil, "http://example.com:8080/", ""},
		{"trimmed", "  https://example.com  ", nil, "https://example.com", ""},
		{"empty", "", nil, "", "error.required"},
		{"javascript", "javascript:alert(1)", nil, "", "error.link_destination"},
		{"javascript slashes", "javascript://example.com/%0aalert(1)", nil, "", "error.link_scheme"},
		{"data", "data:text/html,<script>alert(1)</script>", nil, "", "error.link_destination"},
		{"ftp", "ftp://example.com/file", nil, "", "error.link_scheme"},
		{"no scheme", "example.com/page", nil, "", "error.link_scheme"},
		{"protocol relative", "//evil.example/", nil, "", "error.link_scheme"},
		{"no host", "https:///path", nil, "", "error.link_destination"},
		{"opaque", "https:example.com", nil, "", "error.link_destination"},
		{"credentials", "https://user:pass@example.com/", nil, "", "error.link_credentials"},
		{"user only", "https://user@example.com/", nil, "", "error.link_credentials"},
		{"backslash trick", `https://evil.example\@good.example/`, nil, "", "error.link_destination"},
		{"newline", "https://example.com/\nSet-Cookie: x", nil, "", "error.link_destination"},
		{"tab", "https://exa\tmple.com/", nil, "", "error.link_destination"},
		{"nul", "https://example.com/\x00", nil, "", "error.link_destination"},
		{"space in host", "https://exa mple.com/", nil, "", "error.link_destination"},
		{"bad port", "https://example.com:80x/", nil, "", "error.link_destination"},
		{"port out of range", "https://example.com:99999/", nil, "", "error.link_destination"},
		{"port zero", "https://example.com:0/", nil, "", "error.link_destination"},
		{"empty port is the default", "https://example.com:/x", nil, "https://example.com/x", ""},
		{"query with a bare percent", "https://shop.example.com/s?kw=50%off", nil, "https://shop.example.com/s?kw=50%off", ""},
		{"query with semicolons", "https://example.com/?a=1;b=2", nil, "https://example.com/?a=1;b=2", ""},
		{"cid after a semicolon", "https://example.com/?a=1;cid=2", nil, "", "error.link_cid_reserved"},
		{"empty label", "https://example..com/", nil, "", "error.link_destination"},
		{"cid reserved", "https://example.com/?cid=abc", nil, "", "error.link_cid_reserved"},
		{"too long", "https://example.com/" + strings.Repeat("a", MaxDestination), nil, "", "error.too_long"},
		{"allowed exact", "https://shop.example.com/", []string{"shop.example.com"}, "https://shop.example.com/", ""},
		{"allowed subdomain", "https://m.shop.example.com/", []string{"shop.example.com"}, "https://m.shop.example.com/", ""},
		{"not allowed", "https://evil.example/", []string{"shop.example.com"}, "", "error.link_domain_not_allowed"},
		{"suffix trick", "https://evilshop.example.com/", []string{"shop.example.com"}, "", "error.link_domain_not_allowed"},
		{"allowlist as path", "https://evil.example/shop.example.com", []string{"shop.example.com"}, "", "error.link_domain_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ValidateDestination("destination", tt.in, tt.allow)
			if tt.key == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ValidateDestination(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateDestination(%q) = %q, want error %s", tt.in, got, tt.key)
			}
			if k := fieldKey(err); k != tt.key {
				t.Errorf("ValidateDestination(%q) key %q, want %q (%v)", tt.in, k, tt.key, err)
			}
		})
	}
}

func TestTag(t *testing.T) {
	t.Parallel()
	u := UTM{Source: "weibo", Medium: "social", Campaign: "spring-tea", Content: "post-7"}
	tests := []struct{ name, dest, want string }{
		{"bare", "https://shop.example.com/", "https://shop.example.com/?utm_source=weibo&utm_medium=social&utm_campaign=spring-tea&utm_content=post-7"},
		{"own query and fragment", "https://shop.example.com/p?id=9&lang=zh#buy",
			"https://shop.example.com/p?id=9&lang=zh&utm_source=weibo&utm_medium=social&utm_campaign=spring-tea&utm_content=post-7#buy"},
		{"the link's utm replace the destination's", "https://shop.example.com/?utm_source=newsletter&x=1&utm_campaign=old&utm_term=t",
			"https://shop.example.com/?x=1&utm_term=t&utm_source=weibo&utm_medium=social&utm_campaign=spring-tea&utm_content=post-7"},
		{"encoded query untouched", "https://shop.example.com/s?q=%E8%8C%B6+tea&a=b%26c",
			"https://shop.example.com/s?q=%E8%8C%B6+tea&a=b%26c&utm_source=weibo&utm_medium=social&utm_campaign=spring-tea&utm_content=post-7"},
		{"fragment route", "https://app.example.com/#/promo?x=1",
			"https://app.example.com/?utm_source=weibo&utm_medium=social&utm_campaign=spring-tea&utm_content=post-7#/promo?x=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tag(tt.dest, u); got != tt.want {
				t.Errorf("Tag(%q)\n got %q\nwant %q", tt.dest, got, tt.want)
			}
		})
	}
	t.Run("values escaped and empty left out", func(t *testing.T) {
		got := Tag("https://x.example/", UTM{Source: "wechat", Medium: "social", Content: "春茶 & more"})
		q, _ := url.Parse(got)
		if q.Query().Get("utm_content") != "春茶 & more" || q.Query().Has("utm_campaign") {
			t.Errorf("Tag = %q", got)
		}
	})
}

func TestSplitTarget(t *testing.T) {
	t.Parallel()
	tests := []struct{ tagged, want string }{
		{"https://a.example/", "https://a.example/?cid=CID"},
		{"https://a.example/?x=1", "https://a.example/?x=1&cid=CID"},
		{"https://a.example/?x=1#frag", "https://a.example/?x=1&cid=CID#frag"},
		{"https://a.example/#/route?y=2", "https://a.example/?cid=CID#/route?y=2"},
	}
	for _, tt := range tests {
		if got := SplitTarget(tt.tagged).URL("CID"); got != tt.want {
			t.Errorf("SplitTarget(%q).URL = %q, want %q", tt.tagged, got, tt.want)
		}
	}
}

func TestNormalizeDomains(t *testing.T) {
	t.Parallel()
	got, err := NormalizeDomains([]string{" Shop.Example.com ", "https://cdn.example.com", "*.m.example.com", "shop.example.com", ""})
	if err != nil || strings.Join(got, ",") != "shop.example.com,cdn.example.com,m.example.com" {
		t.Fatalf("NormalizeDomains = %v, %v", got, err)
	}
	if _, err := NormalizeDomains([]string{"ok.example", "bad domain/"}); fieldKey(err) != "error.link_domain" {
		t.Errorf("bad domain: %v", err)
	}
	// A pasted address gives its host; port, path and query go.
	got, err = NormalizeDomains([]string{"https://Shop.Example.com:8443/p?q=1", "example.org/landing，a.example, b.example"})
	if err != nil || strings.Join(got, ",") != "shop.example.com,example.org,a.example,b.example" {
		t.Errorf("pasted addresses = %v, %v", got, err)
	}
	// An entry that allows no one site, or no public one, is refused,
	// named as typed and at its index.
	for _, tt := range []struct{ in, key string }{
		{"http://bad domain", "error.link_domain"},
		{"ftp://example.com", "error.link_domain"},
		{"https://user@example.com", "error.link_domain"},
		{"*.x", "error.link_domain_single"},
		{"localhost", "error.link_domain_single"},
		{"com", "error.link_domain_single"},
		{"co.uk", "error.link_domain_suffix"},
		{"*.com.cn", "error.link_domain_suffix"},
		{"printer.local", "error.link_domain_private"},
		{"db.internal", "error.link_domain_private"},
		{"app.localhost", "error.link_domain_private"},
		{"192.168.1.10", "error.link_domain_ip"},
		{"http://[::1]/", "error.link_domain_ip"},
	} {
		_, err := NormalizeDomains([]string{"ok.example", tt.in})
		var ae *apperr.Error
		if !errors.As(err, &ae) || len(ae.Fields) != 1 {
			t.Errorf("%q: err = %v, want one field error", tt.in, err)
			continue
		}
		f := ae.Fields[0]
		if f.Key != tt.key || f.Field != "domains[1]" || f.Args["Value"] != tt.in || f.Args["Line"] != 2 {
			t.Errorf("%q: %+v, want %s on domains[1] naming it on line 2", tt.in, f, tt.key)
		}
	}
}

// TestInForce: of a list saved before single names, public suffixes,
// private names and IP addresses were refused, only the entries accepted
// today allow destinations, each refused one named with its line; a list
// of refused entries only allows none, not every destination.
func TestInForce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stored  []string
		domains []string
		refused []string // fields of the refused entries
		allowed []string
		denied  []string
	}{
		{"all accepted", []string{"shop.example.com", "example.org"}, []string{"shop.example.com", "example.org"}, nil,
			[]string{"https://m.shop.example.com/", "https://example.org/a"}, []string{"https://evil.example.net/"}},
		{"old entries", []string{"shop.example.com", "com", "intranet.local", "10.0.0.1", "co.uk"}, []string{"shop.example.com"},
			[]string{"domains[1]", "domains[2]", "domains[3]", "domains[4]"},
			[]string{"https://shop.example.com/x"}, []string{"https://evil.com/", "https://phish.co.uk/", "http://10.0.0.1/", "http://nas.intranet.local/"}},
		{"refused only", []string{"com", "localhost"}, []string{}, []string{"domains[0]", "domains[1]"},
			nil, []string{"https://shop.example.com/", "https://evil.com/", "http://localhost/"}},
		{"no list", nil, []string{}, nil, []string{"https://evil.com/"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			domains, refused := InForce(tt.stored)
			var fields []string
			var ae *apperr.Error
			if errors.As(refused, &ae) {
				for _, f := range ae.Fields {
					fields = append(fields, f.Field)
				}
			}
			if !slices.Equal(domains, tt.domains) || !slices.Equal(fields, tt.refused) {
				t.Errorf("InForce(%q) = %q, refused %q; want %q, refused %q", tt.stored, domains, fields, tt.domains, tt.refused)
			}
			for _, d := range tt.allowed {
				if _, err := ValidateDestination("destination", d, tt.stored); err != nil {
					t.Errorf("%s under %q: %v, want allowed", d, tt.stored, err)
				}
			}
			for _, d := range tt.denied {
				if _, err := ValidateDestination("destination", d, tt.stored); fieldKey(err) == "" {
					t.Errorf("%s under %q: %v, want refused", d, tt.stored, err)
				}
			}
		})
	}
}

func TestCodes(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 2000 {
		c := NewCode()
		if !ValidCode(c) {
			t.Fatalf("NewCode() = %q is not valid", c)
		}
		if seen[c] {
			t.Fatalf("NewCode() repeated %q", c)
		}
		seen[c] = true
	}
	for _, bad := range []string{"", "abc", "abcdefgh", "abc-def", "abc def", "abcdéf", "../../x", "ABCDEF\x00"} {
		if ValidCode(bad) {
			t.Errorf("ValidCode(%q) = true", bad)
		}
	}
	id := NewClickID()
	if len(id) < ClickIDLength || !ValidClickID(id) {
		t.Errorf("NewClickID() = %q", id)
	}
	for _, bad := range []string{"short", strings.Repeat("a", 65), "aaaaaaaaaaaaaaa=", "aaaaaaaa/aaaaaaaa"} {
		if ValidClickID(bad) {
			t.Errorf("ValidClickID(%q) = true", bad)
		}
	}
}

func FuzzValidateDestination(f *testing.F) {
	for _, s := range []string{"https://example.com/a?b=c#d", "javascript:alert(1)", "data:,x", "https://u:p@x.example/",
		`https://a\@b/`, "http://[::1]:80/", "https://例子.中国/", "//x", "https://x.example/?cid=1", "HTTP://X.EXAMPLE"} {
		f.Add(s, "")
		f.Add(s, "example.com")
	}
	f.Fuzz(func(t *testing.T, raw, allowed string) {
		var allow []string
		if allowed != "" {
			allow = []string{allowed}
		}
		got, err := ValidateDestination("destination", raw, allow)
		if err != nil {
			if got != "" {
				t.Fatalf("refused %q but returned %q", raw, got)
			}
			return
		}
		u, perr := url.Parse(got)
		if perr != nil {
			t.Fatalf("accepted %q, normalized %q does not parse: %v", raw, got, perr)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil {
			t.Fatalf("accepted %q as %q: scheme %q host %q user %v", raw, got, u.Scheme, u.Host, u.User)
		}
		if strings.ContainsAny(got, "\\\r\n\t ") {
			t.Fatalf("accepted %q with a forbidden character: %q", raw, got)
		}
		if !isASCII(got) || len(got) > MaxDestination {
			t.Fatalf("accepted %q as %q: not ASCII, or over %d bytes", raw, got, MaxDestination)
		}
		if inForce, _ := InForce(allow); len(allow) > 0 && !DomainAllowed(u.Hostname(), inForce) {
			t.Fatalf("accepted %q outside the allowlist %v", raw, allow)
		}
		// The redirect's Location stays on the same host.
		loc, err := url.Parse(SplitTarget(Tag(got, UTM{Source: "s", Medium: "social"})).URL("CID"))
		if err != nil || loc.Hostname() != u.Hostname() || loc.Query().Get("cid") != "CID" {
			t.Fatalf("Location for %q is %v (%v)", got, loc, err)
		}
	})
}

func FuzzValidCode(f *testing.F) {
	for _, s := range []string{"abc1234", "ABCDEFG", "abc123", "abc12345", "abc-123", "%2e%2e/aa", "短链接代码"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := ValidCode(s)
		want := len(s) == CodeLength && strings.Trim(s, base62) == ""
		if ok != want {
			t.Fatalf("ValidCode(%q) = %v, want %v", s, ok, want)
		}
	})
}
