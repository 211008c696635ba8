package web

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store"
)

// harness is a real server on a real database, reached over HTTP.
type harness struct {
	t        *testing.T
	db       *store.DB
	srv      *Server
	ts       *httptest.Server
	accounts *account.Service
	brand    *brand.Service
	// campaigns is the step-3 service the server uses.
	campaigns *campaign.Service
	// links and clicks are the tracked links and the click writer, which
	// flushes every 20 ms here and is drained when the test ends.
	links  *link.Service
	clicks *link.Writer
	// conversions records conversion events and computes the funnel.
	conversions *conversion.Service
	// listen is listening's pipeline and topics.
	listen *listen.Service
	// stopShortLinks stops the short-link listener that shortLinks
	// started, and returns what ServeShortLinks did.
	stopShortLinks func() error
}

func newHarness(t *testing.T, db *store.DB) *harness {
	t.Helper()
	catalog, err := platform.Load()
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, accounts: account.NewService(db, account.DefaultThrottle(db)), brand: brand.NewService(db, catalog.Has)}
	platforms := platform.NewService(catalog, db)
	h.campaigns = campaign.NewService(db, h.brand, platforms, catalog)
	h.links = link.NewService(db, link.Options{CampaignSlug: func(ctx context.Context, ws, id int64) (string, error) {
		c, err := h.campaigns.Get(ctx, ws, id)
		return c.Slug, err
	}})
	h.clicks = link.NewWriter(db, link.WriterOptions{Interval: 20 * time.Millisecond})
	h.clicks.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.clicks.Drain(ctx)
	})
	h.conversions = conversion.NewService(db)
	h.conversions.CampaignExists = func(ctx context.Context, ws, id int64) error {
		_, err := db.Campaign(ctx, ws, id)
		return err
	}
	h.campaigns.Measurer = h.conversions
	h.listen = listen.NewService(db, listen.Brands{Competitors: h.brand.Competitors.List, Products: h.brand.Products.List}, listen.Options{})
	h.srv, err = New(Deps{Insights: insight.NewService(db), Alerts: alert.NewService(db), Sources: source.NewService(db, source.NewPoller(source.Options{})), Listen: h.listen, Links: h.links, Clicks: h.clicks, Accounts: h.accounts, Brand: h.brand, Platforms: platforms, Campaigns: h.campaigns, Conversions: h.conversions, Ready: db.Ready, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	// The server of `chorus serve`, with its limits.
	h.ts = httptest.NewUnstartedServer(nil)
	h.ts.Config = h.srv.httpServer()
	h.ts.Start()
	t.Cleanup(h.ts.Close)
	return h
}

// tenant is a user who owns one workspace, with an API token.
type tenant struct {
	email, password string
	ws              account.Workspace
	token           string
}

func (h *harness) tenant(slug string, role account.Role) tenant {
	h.t.Helper()
	ctx := context.Background()
	tn := tenant{email: slug + "@example.com", password: "correct horse battery"}
	if _, err := h.accounts.CreateUser(ctx, tn.email, slug, tn.password, false); err != nil {
		h.t.Fatal(err)
	}
	ws, err := h.accounts.CreateWorkspace(ctx, account.Workspace{Slug: slug, Name: "WS " + slug}, tn.email)
	if err != nil {
		h.t.Fatal(err)
	}
	tn.ws = ws
	tn.token, _, err = h.accounts.CreateToken(ctx, tn.email, slug, role, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	return tn
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, like a person's browser seen one response at a time.
type browser struct {
	h    *harness
	c    *http.Client
	csrf string
}

// member adds a new user with role to owner's workspace and returns a
// browser signed in as them.
func (h *harness) member(owner tenant, email string, role account.Role) *browser {
	h.t.Helper()
	ctx := context.Background()
	const password = "correct horse battery"
	if _, err := h.accounts.CreateUser(ctx, email, strings.Split(email, "@")[0], password, false); err != nil {
		h.t.Fatal(err)
	}
	ownerUser, err := h.accounts.UserByEmail(ctx, owner.email)
	if err != nil {
		h.t.Fatal(err)
	}
	op, err := h.accounts.Enter(ctx, ownerUser, owner.ws.Slug)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.accounts.AddMember(ctx, op, email, role); err != nil {
		h.t.Fatal(err)
	}
	b := h.browser()
	b.login(email, password)
	return b
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfMeta = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(method, path string, form url.Values, header map[string]string) (int, string, http.Header) {
	b.h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.h.ts.URL+path, body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.send(req, header)
}

// send sends req with header added and keeps the CSRF token of the page
// it answers with.
func (b *browser) send(req *http.Request, header map[string]string) (int, string, http.Header) {
	b.h.t.Helper()
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if m := csrfMeta.FindStringSubmatch(string(out)); m != nil {
		b.csrf = m[1]
	}
	return resp.StatusCode, string(out), resp.Header
}

func (b *browser) get(path string) (int, string) {
	status, body, _ := b.do("GET", path, nil, nil)
	return status, body
}

// post sends a form with the CSRF token of the last page seen.
func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", b.csrf)
	}
	return b.do("POST", path, form, nil)
}

// signedIn returns a browser signed in as tn's user.
func (h *harness) signedIn(tn tenant) *browser {
	h.t.Helper()
	b := h.browser()
	b.login(tn.email, tn.password)
	return b
}

func (b *browser) login(email, password string) {
	b.h.t.Helper()
	b.get("/login")
	status, body, _ := b.post("/login", url.Values{"email": {email}, "password": {password}})
	if status != http.StatusSeeOther {
		b.h.t.Fatalf("login: status %d: %s", status, body)
	}
}

// api calls the JSON API with a bearer token.
func (h *harness) api(method, path, token string, body any) (int, map[string]any) {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			r = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			r = strings.NewReader(string(b))
		}
	}
	req, _ := http.NewRequest(method, h.ts.URL+"/api/v1"+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"_raw": string(raw)}
	}
	return resp.StatusCode, out
}

func jsonText(v map[string]any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// checkAPI calls the API and checks the status and what the body must and
// must not contain: the one body of every API scenario table.
func (h *harness) checkAPI(t *testing.T, method, path, token string, body any, status int, contains, absent []string) {
	t.Helper()
	got, resp := h.api(method, path, token, body)
	raw := jsonText(resp)
	if got != status {
		t.Fatalf("status %d, want %d; body %s", got, status, raw)
	}
	for _, c := range contains {
		if !strings.Contains(raw, c) {
			t.Errorf("body lacks %q: %s", c, raw)
		}
	}
	for _, c := range absent {
		if strings.Contains(raw, c) {
			t.Errorf("body has %q: %s", c, raw)
		}
	}
}

// shortLinks serves short links on a listener of their own, as
// --short-addr does, and returns its address. The listener stops when
// the test ends, or earlier by h.stopShortLinks.
func (h *harness) shortLinks() string {
	h.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.srv.ServeShortLinks(ctx, ln) }()
	h.stopShortLinks = sync.OnceValue(func() error {
		cancel()
		return <-done
	})
	h.t.Cleanup(func() {
		if err := h.stopShortLinks(); err != nil {
			h.t.Errorf("short-link listener: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
