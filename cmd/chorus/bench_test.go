package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/demo"
	"github.com/chorus-hq/chorus/internal/link"
)

// TestRedirectServers: bench redirect's two Chorus servers both answer a
// short link with its 302, on their main address and their short-link
// listener; after stop (which drains), the clicks answered by the storing
// one are stored and the other's are not.
func TestRedirectServers(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := newRedirectBench(ctx, filepath.Join(t.TempDir(), "bench.db"), 1, quiet, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	stored, err := startRedirect(ctx, b.deps, b.clicks)
	if err != nil {
		t.Fatal(err)
	}
	unstored, err := startRedirect(ctx, b.deps, link.NewWriter(discardClicks{b.app.db}, link.WriterOptions{Logger: quiet}))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, u := range []string{stored.url, stored.shortURL, unstored.url, unstored.shortURL} {
		resp, err := client.Get(u + "/l/" + b.codes[0])
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Errorf("%s: status %d; want 302", u, resp.StatusCode)
		}
	}
	for _, s := range []*redirectServer{stored, unstored, stored} {
		if err := s.stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
	}
	var n int
	if err := b.app.db.WriteDB().QueryRowContext(ctx, `SELECT COUNT(*) FROM click_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d clicks stored; want 2 (the storing server's)", n)
	}
}

// TestWrkRequests: the requests the wrk script puts together are HTTP
// requests with the visit's headers, for every kind of visit.
func TestWrkRequests(t *testing.T) {
	for _, v := range demo.SampleHits(1, 64, 100) {
		raw := wrkRequestLine("abc1234") + "127.0.0.1:8080" + wrkVisitHeaders(v)
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if r.Method != "GET" || r.URL.Path != "/l/abc1234" || r.Host != "127.0.0.1:8080" || r.UserAgent() != v.UserAgent ||
			r.Header.Get("X-Forwarded-For") != v.IP || r.Header.Get("Sec-Purpose") != v.Purpose {
			t.Errorf("%q read as %s %s host %q, headers %v", raw, r.Method, r.URL, r.Host, r.Header)
		}
	}
}
