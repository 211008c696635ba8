package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/chorus-hq/chorus/internal/link"
)

// TestRedirectServers: bench redirect's two Chorus servers both answer a
// short link with its 302; after stop (which drains), the click answered
// by the storing one is stored and the other's is not.
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
	for _, s := range []*redirectServer{stored, unstored} {
		resp, err := client.Get(s.url + "/l/" + b.codes[0])
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Errorf("%s: status %d; want 302", s.url, resp.StatusCode)
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
	if n != 1 {
		t.Errorf("%d clicks stored; want 1 (the storing server's)", n)
	}
}
