package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	tests := []struct{ next, want string }{
		{"/w/demo/links?sort=clicks#top", "/w/demo/links?sort=clicks#top"},
		{"/", "/"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"/x\\/evil", "/"},
		{"/\x7f/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/%09/evil.example", "/%09/evil.example"}, // escaped: a path on this site
	}
	for _, tt := range tests {
		if got := safeNext(tt.next); got != tt.want {
			t.Errorf("safeNext(%q) = %q; want %q", tt.next, got, tt.want)
		}
	}
}

// TestSignInFromHtmx: an htmx request after the session has ended sends
// the whole tab to sign-in (HX-Redirect) and back to the page it showed,
// where a 303 had htmx swap the sign-in page into the page and sign-in
// return to the fragment's endpoint.
func TestSignInFromHtmx(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	tests := []struct {
		name, current, wantNext string
	}{
		{"the page shown", h.ts.URL + "/w/acme/execution?campaign=3", "/w/acme/execution?campaign=3"},
		{"no header", "", "/"},
		{"another site's page", "https://evil.example//evil.example/x", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := h.browser()
			status, body, hdr := b.do("POST", "/w/acme/links/preview", url.Values{"destination": {"https://example.com/"}}, map[string]string{"HX-Request": "true", "HX-Current-URL": tt.current})
			want := "/login?next=" + url.QueryEscape(tt.wantNext)
			if got := hdr.Get("HX-Redirect"); got != want || status == http.StatusSeeOther || body != "" {
				t.Fatalf("status %d, HX-Redirect %q, body %.40q; want HX-Redirect %q and no body", status, got, body, want)
			}
			b.get(want)
			status, _, hdr = b.post("/login", url.Values{"email": {owner.email}, "password": {owner.password}, "next": {tt.wantNext}})
			if loc := hdr.Get("Location"); status != http.StatusSeeOther || loc != tt.wantNext {
				t.Errorf("sign-in: status %d, Location %q; want %q", status, loc, tt.wantNext)
			}
		})
	}
	// A page load still gets a 303 that comes back to it.
	status, _, hdr := h.browser().do("GET", "/w/acme/execution?campaign=3", nil, nil)
	if loc := hdr.Get("Location"); status != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape("/w/acme/execution?campaign=3") {
		t.Errorf("page load: status %d, Location %q", status, loc)
	}
}

// TestSignInLanguage: the language picked on the sign-in page holds after
// signing in, over the one saved on the account, and is saved; a lang
// cookie left from that visit does not override a language saved since.
func TestSignInLanguage(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	u, err := h.accounts.UserByEmail(ctx, owner.email)
	must(t, err)
	must(t, h.accounts.SetLocale(ctx, u.ID, "zh-CN"))

	b := h.browser()
	// The switch comes back to the sign-in page with its next=.
	_, body := b.get("/login?next=%2Fw%2Facme%2Fbrand%3Fx%3D1")
	if want := `name="next" value="/login?next=%2fw%2facme%2fbrand%3fx%3d1"`; !strings.Contains(strings.ToLower(body), want) {
		t.Errorf("the language switch does not come back to the sign-in page with next=: %s", between(body, `id="lang-form"`, `</form>`))
	}
	if status, _, _ := b.post("/lang", url.Values{"lang": {"en"}, "next": {"/login"}}); status != http.StatusSeeOther {
		t.Fatalf("switch language: status %d", status)
	}
	b.login(owner.email, owner.password)
	if _, body = b.get("/w/acme/brand"); !strings.Contains(body, `<html lang="en">`) {
		t.Errorf("the language picked on the sign-in page is lost after signing in")
	}
	if u, _ = h.accounts.UserByEmail(ctx, owner.email); u.Locale != "en" {
		t.Errorf("saved locale %q; want en", u.Locale)
	}

	// Chinese saved from another device; this browser's lang cookie still
	// says English, but nobody picked it on this sign-in page.
	must(t, h.accounts.SetLocale(ctx, u.ID, "zh-CN"))
	b.post("/logout", nil)
	b.login(owner.email, owner.password)
	if _, body := b.get("/w/acme/brand"); !strings.Contains(body, `<html lang="zh-CN">`) {
		t.Errorf("an old lang cookie overrode the saved language")
	}
}

// The first stop of the keyboard on every page skips the navigation, in the
// page's language, to the main content, which can take the focus.
func TestSkipLink(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.browser()
	_, body := b.get("/login")
	b.login(owner.email, owner.password)
	_, page := b.get("/w/acme/brand")
	for _, body := range []string{body, page} {
		if !strings.Contains(body, `<body`) || !strings.Contains(between(body, "<body", "<main"), `<a class="skip-link" href="#main">跳到正文</a>`) ||
			!strings.Contains(body, `<main class="content" id="main" tabindex="-1">`) {
			t.Errorf("no skip link to the content: %s", between(body, "<body", "</header>"))
		}
	}
}

// Each language's button is named in that language ("English" on a Chinese
// page), and says so, so that a screen reader reads it with that language's voice.
func TestLanguageButtonsSayTheirLanguage(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.tenant("acme", account.Owner) // set up: the sign-in page shows
	_, body := h.browser().get("/login")
	for _, want := range []string{`data-lang="en" lang="en">English</button>`, `data-lang="zh-CN" lang="zh-CN">中文</button>`} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %q: %s", want, between(body, `id="lang-form"`, "</form>"))
		}
	}
}
