package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestMetricsToken: with a metrics token set, /metrics answers only the
// scraper that sends it; without one it stays open, as scrapers set up
// before the token expect.
func TestMetricsToken(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	b := h.browser()
	if status, body := b.get("/metrics"); status != http.StatusOK || !strings.Contains(body, "chorus_http_requests_total") {
		t.Fatalf("open /metrics: %d %.200s", status, body)
	}
	h.srv.MetricsToken = "scrape-secret"
	for _, tt := range []struct {
		name, auth string
		status     int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "Bearer scrape-secreT", http.StatusUnauthorized},
		{"another scheme", "Basic scrape-secret", http.StatusUnauthorized},
		{"the token", "Bearer scrape-secret", http.StatusOK},
	} {
		hdr := map[string]string{}
		if tt.auth != "" {
			hdr["Authorization"] = tt.auth
		}
		status, body, h := b.do("GET", "/metrics", nil, hdr)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, status, tt.status)
		}
		if leaked := strings.Contains(body, "chorus_"); leaked != (tt.status == http.StatusOK) {
			t.Errorf("%s: metrics shown %v: %.200s", tt.name, leaked, body)
		}
		if tt.status == http.StatusUnauthorized && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, h.Get("WWW-Authenticate"))
		}
	}
}
