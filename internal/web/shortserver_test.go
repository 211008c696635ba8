package web

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestShortLinkListener: what the short-link listener reads of a click
// (the client behind a trusted proxy, the prefetch hint, the referrer)
// reaches the stored click as on the main server, and it answers nothing
// but short links and /healthz.
func TestShortLinkListener(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.srv.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	base := h.shortLinks()
	acme := h.tenant("acme", account.Owner)
	l, err := h.links.Create(context.Background(), acme.ws.ID, link.Input{Destination: "https://shop.example.com/"})
	must(t, err)
	phone := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
	for _, c := range []map[string]string{
		{"User-Agent": phone, "X-Forwarded-For": "198.51.100.1", "Referer": "https://s.weibo.com/weibo?q=x"},
		{"User-Agent": phone, "X-Forwarded-For": "198.51.100.2"},
		{"User-Agent": phone, "X-Forwarded-For": "198.51.100.2", "Sec-Purpose": "prefetch"},
	} {
		resp := h.clickAt(base, "GET", "/l/"+l.Code, c)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Server") != "" {
			t.Fatalf("click: %d, Server %q", resp.StatusCode, resp.Header.Get("Server"))
		}
	}
	h.waitWritten(3)
	var visitors, prefetches int
	var referrers string
	must(t, h.db.WriteDB().QueryRow(`SELECT COUNT(DISTINCT visitor), SUM(CASE WHEN class = 'prefetch' THEN 1 ELSE 0 END),
		group_concat(referrer, ',') FROM click_events`).Scan(&visitors, &prefetches, &referrers))
	if visitors != 2 || prefetches != 1 || referrers != "s.weibo.com,," {
		t.Errorf("stored clicks: %d visitors, %d prefetches, referrers %q; want 2 visitors (one per forwarded address), 1 prefetch, s.weibo.com first",
			visitors, prefetches, referrers)
	}

	for _, tt := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/healthz", http.StatusOK, `"status":"ok"`},
		{"HEAD", "/healthz", http.StatusOK, ""},
		{"GET", "/", http.StatusNotFound, "<h1>"},
		{"GET", "/login", http.StatusNotFound, "<h1>"},
		{"GET", "/api/v1/workspaces", http.StatusNotFound, "<h1>"},
		{"POST", "/l/" + l.Code, http.StatusMethodNotAllowed, "Method Not Allowed"},
		{"HEAD", "/l/zzzzzzz", http.StatusNotFound, ""},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(""))
			resp, err := noFollow.Do(req)
			must(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.body) || (tt.method == "HEAD" && len(body) > 0) {
				t.Errorf("%d %q, want %d with %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", resp.Header.Get("Allow"))
			}
			if tt.status == http.StatusNotFound && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
				t.Errorf("404 page without its headers: %v", resp.Header)
			}
		})
	}
}
