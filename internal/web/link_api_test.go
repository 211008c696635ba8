package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// noFollow is a client that shows redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (h *harness) click(method, path string, header map[string]string) *http.Response {
	h.t.Helper()
	return h.clickAt(h.ts.URL, method, path, header)
}

// clickAt is click on the server at base.
func (h *harness) clickAt(base, method, path string, header map[string]string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// waitWritten waits until the click writer has stored n clicks.
func (h *harness) waitWritten(n uint64) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.clicks.Stats().Written < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("writer stored %+v, want %d", h.clicks.Stats(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLinkAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		acme := h.tenant("acme", account.Owner)
		h.tenant("rival", account.Owner)
		analyst, _, err := h.accounts.NewToken(context.Background(), account.Principal{User: account.User{ID: 1}, Workspace: acme.ws, Role: account.Owner}, account.Analyst, "ro")
		must(t, err)

		status, body := h.api("POST", "/workspaces/acme/links", acme.token, map[string]any{
			"destination": "https://shop.example.com/tea?id=9#buy", "channel": "weibo", "label": "春茶", "post_id": 7})
		if status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, jsonText(body))
		}
		code, _ := body["code"].(string)
		id := int64(body["id"].(float64))
		if !link.ValidCode(code) || body["short_url"] != h.ts.URL+"/l/"+code || body["state"] != "active" {
			t.Fatalf("create answered %s", jsonText(body))
		}
		wantTagged := "https://shop.example.com/tea?id=9&utm_source=weibo&utm_medium=social&utm_content=post-7#buy"
		if body["tagged_url"] != wantTagged {
			t.Errorf("tagged_url %v, want %s", body["tagged_url"], wantTagged)
		}
		linkPath := fmt.Sprintf("/workspaces/acme/links/%d", id)

		tests := []struct {
			name, method, path, token string
			body                      any
			status                    int
			contains, absent          []string
		}{
			{"list", "GET", "/workspaces/acme/links", acme.token, nil, 200, []string{code, `"clicks": 0`}, nil},
			{"list by channel", "GET", "/workspaces/acme/links?channel=wechat", acme.token, nil, 200, []string{`"items": []`}, []string{code}},
			{"get", "GET", linkPath, acme.token, nil, 200, []string{"utm_content=post-7#buy"}, nil},
			{"javascript", "POST", "/workspaces/acme/links", acme.token, map[string]any{"destination": "javascript:alert(1)"}, 422, []string{`"field": "destination"`, "error.link_"}, nil},
			{"data url", "POST", "/workspaces/acme/links", acme.token, map[string]any{"destination": "data:text/html,<script>x</script>"}, 422, []string{`"field": "destination"`}, []string{"<script>"}},
			{"credentials", "POST", "/workspaces/acme/links", acme.token, map[string]any{"destination": "https://a:b@shop.example.com/"}, 422, []string{`"key": "error.link_credentials"`}, nil},
			{"bad channel", "POST", "/workspaces/acme/links", acme.token, map[string]any{"destination": "https://shop.example.com/", "channel": "Bad Channel!"}, 422, []string{`"field": "channel"`}, nil},
			{"past expiry", "POST", "/workspaces/acme/links", acme.token, map[string]any{"destination": "https://shop.example.com/", "expires_at": "2001-01-01T00:00:00Z"}, 422, []string{`"field": "expires_at"`}, nil},
			{"analyst cannot create", "POST", "/workspaces/acme/links", analyst, map[string]any{"destination": "https://shop.example.com/"}, 403, nil, nil},
			{"analyst reads stats", "GET", linkPath + "/stats", analyst, nil, 200, []string{`"daily"`, `"breakdowns"`}, nil},
			{"allowlist leaving a link out", "PUT", "/workspaces/acme/links/allowlist", acme.token, map[string]any{"domains": []string{"cdn.example.com"}}, 200, []string{`"outside_links": 1`, `"outside_newest": [`, `"code": "` + code + `"`, `"destination": "https://shop.example.com/tea?id=9#buy"`}, nil},
			{"set allowlist", "PUT", "/workspaces/acme/links/allowlist", acme.token, map[string]any{"domains": []string{"Shop.Example.com", "https://cdn.example.com"}}, 200, []string{`"shop.example.com"`, `"cdn.example.com"`, `"outside_links": 0`, `"outside_newest": []`}, nil},
			{"bad allowlist entry", "PUT", "/workspaces/acme/links/allowlist", acme.token, map[string]any{"domains": []string{"not a domain"}}, 422, []string{`"field": "domains[0]"`}, nil},
			{"allowlist refuses a single name", "PUT", "/workspaces/acme/links/allowlist", acme.token, map[string]any{"domains": []string{"shop.example.com", "localhost"}}, 422, []string{`"field": "domains[1]"`, `"key": "error.link_domain_single"`, "Line 2: “localhost” is a single name"}, nil},
			{"allowlist refuses", "POST", "/workspaces/acme/links", acme.token, map[string]any{"destination": "https://evil.example/"}, 422, []string{`"key": "error.link_domain_not_allowed"`, "evil.example"}, nil},
			{"allowlist admits subdomain", "POST", "/workspaces/acme/links", acme.token, map[string]any{"destination": "https://m.shop.example.com/"}, 201, []string{"m.shop.example.com"}, nil},
			{"other workspace get", "GET", linkPath, "", nil, 404, nil, []string{code}},
			{"other workspace stats", "GET", linkPath + "/stats", "", nil, 404, nil, nil},
			{"bad stats range", "GET", linkPath + "/stats?from=2024-05-02&to=2024-05-01", acme.token, nil, 422, []string{`"field": "from"`}, nil},
			{"bad stats date", "GET", linkPath + "/stats?from=yesterday", acme.token, nil, 422, []string{`"field": "from"`}, nil},
			{"a one-day period: to is inclusive", "GET", linkPath + "/stats?from=2024-05-01&to=2024-05-01", acme.token, nil, 200, []string{`"daily"`}, nil},
			{"missing link", "GET", "/workspaces/acme/links/99999", acme.token, nil, 404, nil, nil},
			{"qr size", "GET", linkPath + "/qr.png?size=5", acme.token, nil, 422, []string{`"field": "size"`}, nil},
			{"past expiry on update", "PATCH", linkPath, acme.token, map[string]any{"expires_at": "2020-01-01T00:00:00Z"}, 422, []string{`"field": "expires_at"`}, nil},
			{"disable", "PATCH", linkPath, acme.token, map[string]any{"disabled": true}, 200, []string{`"state": "disabled"`}, nil},
			{"enable", "PATCH", linkPath, acme.token, map[string]any{"disabled": false}, 200, []string{`"state": "active"`}, nil},
			{"change destination outside allowlist", "PATCH", linkPath, acme.token, map[string]any{"destination": "https://evil.example/"}, 422, nil, nil},
		}
		rival := h.tenant("rival2", account.Owner)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				token := tt.token
				if token == "" {
					token = rival.token
				}
				status, body := h.api(tt.method, tt.path, token, tt.body)
				raw := jsonText(body)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, raw)
				}
				for _, c := range tt.contains {
					if !strings.Contains(raw, c) {
						t.Errorf("body lacks %q: %s", c, raw)
					}
				}
				for _, c := range tt.absent {
					if strings.Contains(raw, c) {
						t.Errorf("body has %q: %s", c, raw)
					}
				}
			})
		}

		// QR codes of the short URL.
		for _, f := range []struct{ path, ctype, magic string }{{"/qr.png", "image/png", "\x89PNG"}, {"/qr.svg", "image/svg+xml", "<svg"}} {
			req, _ := http.NewRequest("GET", h.ts.URL+"/api/v1"+linkPath+f.path, nil)
			req.Header.Set("Authorization", "Bearer "+acme.token)
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != f.ctype || !strings.HasPrefix(string(b), f.magic) {
				t.Errorf("%s: %d %s %.20q", f.path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
		}

		// Clicks show in the stats.
		ua := map[string]string{"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "Referer": "https://s.weibo.com/x?y=1"}
		h.click("GET", "/l/"+code, ua)
		h.click("GET", "/l/"+code, ua)
		h.click("GET", "/l/"+code, map[string]string{"User-Agent": "Twitterbot/1.0"})
		h.waitWritten(3)
		status, body = h.api("GET", linkPath+"/stats", acme.token, nil)
		raw := jsonText(body)
		if status != 200 || !strings.Contains(raw, `"clicks": 3`) || !strings.Contains(raw, `"human_clicks": 2`) || !strings.Contains(raw, `"unique_clicks": 1`) ||
			!strings.Contains(raw, `"key": "s.weibo.com"`) || !strings.Contains(raw, `"key": "preview"`) {
			t.Errorf("stats after clicks: %d %s", status, raw)
		}

		status, _ = h.api("DELETE", linkPath, acme.token, nil)
		if status != http.StatusNoContent {
			t.Errorf("delete: %d", status)
		}
		if resp := h.click("GET", "/l/"+code, ua); resp.StatusCode != http.StatusNotFound {
			t.Errorf("deleted link answers %d", resp.StatusCode)
		}
	})
}

// TestRedirect: short links answer the same on the main server and on the
// short-link listener.
func TestRedirect(t *testing.T) {
	for _, short := range []bool{false, true} {
		name := "main server"
		if short {
			name = "short-link listener"
		}
		t.Run(name, func(t *testing.T) { testRedirect(t, short) })
	}
}

func testRedirect(t *testing.T, short bool) {
	h := newHarness(t, storetest.SQLite(t))
	base := h.ts.URL
	if short {
		base = h.shortLinks()
	}
	acme := h.tenant("acme", account.Owner)
	ctx := context.Background()
	l, err := h.links.Create(ctx, acme.ws.ID, link.Input{Destination: "https://shop.example.com/p?id=1#top", Channel: "wechat", Label: "<b>x</b>"})
	must(t, err)
	chrome := map[string]string{"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"}

	resp := h.clickAt(base, "GET", "/l/"+l.Code, chrome)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Cache-Control") != "private, max-age=0" {
		t.Fatalf("redirect: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	prefix := "https://shop.example.com/p?id=1&utm_source=wechat&utm_medium=social&utm_content=%3Cb%3Ex%3C%2Fb%3E&cid="
	if !strings.HasPrefix(loc, prefix) || !strings.HasSuffix(loc, "#top") {
		t.Fatalf("Location %q", loc)
	}
	cid := strings.TrimSuffix(strings.TrimPrefix(loc, prefix), "#top")
	if len(cid) < 16 || !link.ValidClickID(cid) {
		t.Errorf("cid %q", cid)
	}
	if resp := h.clickAt(base, "GET", "/l/"+l.Code, chrome); resp.Header.Get("Location") == loc {
		t.Error("two clicks got the same cid")
	}

	long := map[string]string{"User-Agent": "Mozilla/5.0 " + strings.Repeat("x", 30<<10)}
	huge := map[string]string{"User-Agent": "Mozilla/5.0 " + strings.Repeat("x", 100<<10)}
	tests := []struct {
		name, method, path string
		header             map[string]string
		status             int
	}{
		{"HEAD redirects too", "HEAD", "/l/" + l.Code, chrome, http.StatusFound},
		{"30 KB user agent", "GET", "/l/" + l.Code, long, http.StatusFound},
		{"100 KB user agent: headers over the server's 64 KB", "GET", "/l/" + l.Code, huge, http.StatusRequestHeaderFieldsTooLarge},
		{"unknown code", "GET", "/l/zzzzzzz", chrome, http.StatusNotFound},
		{"over-long code", "GET", "/l/" + strings.Repeat("a", 4000), chrome, http.StatusNotFound},
		{"short code", "GET", "/l/abc", chrome, http.StatusNotFound},
		{"not base62", "GET", "/l/abc-def", chrome, http.StatusNotFound},
		{"traversal", "GET", "/l/..%2f..%2f", chrome, http.StatusNotFound},
		{"POST is not a click", "POST", "/l/" + l.Code, chrome, http.StatusMethodNotAllowed},
		{"nothing after the code", "GET", "/l/" + l.Code + "/x", chrome, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.clickAt(base, tt.method, tt.path, tt.header)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != http.StatusFound && resp.Header.Get("Location") != "" {
				t.Errorf("refusal redirects to %q", resp.Header.Get("Location"))
			}
		})
	}
	h.waitWritten(4)

	// A disabled link answers the fallback page, escaped, without a redirect.
	disabled := true
	_, err = h.links.Update(ctx, acme.ws.ID, l.ID, link.Update{Disabled: &disabled})
	must(t, err)
	req, _ := http.NewRequest("GET", base+"/l/"+l.Code, nil)
	req.Header.Set("Accept-Language", "zh-CN")
	r2, err := noFollow.Do(req)
	must(t, err)
	page, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if r2.StatusCode != http.StatusGone || r2.Header.Get("Location") != "" || !strings.Contains(string(page), "已停用") || strings.Contains(string(page), "shop.example.com") {
		t.Errorf("disabled link: %d %q %s", r2.StatusCode, r2.Header.Get("Location"), page)
	}
	// The page is served ahead of the page middleware, with its headers.
	if csp := r2.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || r2.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("disabled link page headers: %v", r2.Header)
	}
	expired, err := h.links.Create(ctx, acme.ws.ID, link.Input{Destination: "https://shop.example.com/", ExpiresAt: ptr(time.Now().Add(50 * time.Millisecond))})
	must(t, err)
	time.Sleep(60 * time.Millisecond)
	// An expired link says so, not that someone switched it off.
	resp, err = noFollow.Get(base + "/l/" + expired.Code)
	must(t, err)
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone || !strings.Contains(string(page), "已过期") || strings.Contains(string(page), "停用") {
		t.Errorf("expired link: %d %s", resp.StatusCode, page)
	}

	// The click writer's counters are on /metrics.
	// So are the redirects, by status, whether the fast path or the mux
	// answered them: 2 + HEAD + 100 KB redirects; the well-formed unknown
	// code and the four malformed ones.
	status, text := h.browser().get("/metrics")
	for _, m := range []string{"chorus_click_events_dropped_total", "chorus_click_events_queued_total", "chorus_click_events_written_total",
		`chorus_http_requests_total{route="GET /l/{code}",status="302"} 4`, `chorus_http_requests_total{route="GET /l/{code}",status="410"} 2`,
		`chorus_http_requests_total{route="GET /l/{code}",status="404"} 5`} {
		if status != 200 || !strings.Contains(text, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestRedirectDrainUnderLoad stops a server while many clients click, then
// drains the writer: every redirect that was answered has its click stored.
// Both servers that answer short links are tried.
func TestRedirectDrainUnderLoad(t *testing.T) {
	for _, short := range []bool{false, true} {
		name := "main server"
		if short {
			name = "short-link listener"
		}
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) { testRedirectDrainUnderLoad(t, db, short) })
		})
	}
}

func testRedirectDrainUnderLoad(t *testing.T, db *store.DB, short bool) {
	h := newHarness(t, db)
	base := h.ts.URL
	if short {
		base = h.shortLinks()
	}
	acme := h.tenant("acme", account.Owner)
	l, err := h.links.Create(context.Background(), acme.ws.ID, link.Input{Destination: "https://shop.example.com/"})
	must(t, err)
	var answered atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, CheckRedirect: noFollow.CheckRedirect, Timeout: 5 * time.Second}
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", base+"/l/"+l.Code, nil)
				req.Header.Set("User-Agent", fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0 client-%d", g))
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusFound {
					answered.Add(1)
				}
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	// SIGTERM: the server stops (running requests finish), then the
	// writer drains.
	if short {
		must(t, h.stopShortLinks())
	} else {
		h.ts.Config.SetKeepAlivesEnabled(false)
		h.ts.Close()
	}
	close(stop)
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must(t, h.clicks.Drain(ctx))
	st := h.clicks.Stats()
	var stored int64
	must(t, db.WriteDB().QueryRowContext(ctx, `SELECT COUNT(*) FROM click_events`).Scan(&stored))
	if answered.Load() < 100 {
		t.Fatalf("only %d redirects answered; the load did not run", answered.Load())
	}
	// The server's own count of the 302s it wrote; a client may miss a
	// few whose connection closed under it, so its count is a floor.
	var m dto.Metric
	must(t, h.srv.metrics.requests.WithLabelValues("GET /l/{code}", "302").Write(&m))
	served := int64(m.GetCounter().GetValue())
	if stored != served || stored < answered.Load() || st.Dropped != 0 || st.Failed != 0 {
		t.Errorf("server answered %d redirects (clients saw %d), stored %d clicks; writer %+v", served, answered.Load(), stored, st)
	}
	t.Logf("server answered %d (clients saw %d), stored %d, writer %+v", served, answered.Load(), stored, st)
}

// TestShortURLBehindProxy: without a short-link address configured, short
// links (and so their QR codes) are printed with the scheme a trusted
// proxy reports, as the snippet's address is, not plain http.
func TestShortURLBehindProxy(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.srv.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	acme := h.tenant("acme", account.Owner)
	req, _ := http.NewRequest("POST", h.ts.URL+"/api/v1/workspaces/acme/links", strings.NewReader(`{"destination":"https://shop.example.com/"}`))
	req.Header.Set("Authorization", "Bearer "+acme.token)
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Host = "go.example.com"
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var body struct {
		Code     string `json:"code"`
		ShortURL string `json:"short_url"`
	}
	must(t, json.NewDecoder(resp.Body).Decode(&body))
	if want := "https://go.example.com/l/" + body.Code; body.ShortURL != want {
		t.Errorf("short_url %q; want %q", body.ShortURL, want)
	}
}
