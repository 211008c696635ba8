package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/web"
)

// TestRedirectServers: bench redirect's two Chorus servers both answer a
// short link with its 302; after stop (which drains), the click answered
// by the storing one is stored and the other's is not.
func TestRedirectServers(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(t.TempDir(), "bench.db")
	a, err := open(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if _, err := a.accounts.CreateUser(ctx, "bench@example.com", "bench", "bench password 123", false); err != nil {
		t.Fatal(err)
	}
	ws, err := a.accounts.CreateWorkspace(ctx, account.Workspace{Slug: "bench", Name: "Bench"}, "bench@example.com")
	if err != nil {
		t.Fatal(err)
	}
	links, clicks, closeGeo, err := a.linkServices(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer closeGeo()
	l, err := links.Create(ctx, ws.ID, link.Input{Destination: "https://shop.example.com/p/1", Channel: "weibo"})
	if err != nil {
		t.Fatal(err)
	}
	deps := web.Deps{Accounts: a.accounts, Brand: a.brand, Platforms: a.platforms, Campaigns: a.campaigns,
		Links: links, Logger: quiet, Version: version}
	stored, err := startRedirect(ctx, deps, clicks)
	if err != nil {
		t.Fatal(err)
	}
	unstored, err := startRedirect(ctx, deps, link.NewWriter(discardClicks{a.db}, link.WriterOptions{Logger: quiet}))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, s := range []*redirectServer{stored, unstored} {
		resp, err := client.Get(s.url + "/l/" + l.Code)
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
	if err := a.db.WriteDB().QueryRowContext(ctx, `SELECT COUNT(*) FROM click_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d clicks stored; want 1 (the storing server's)", n)
	}
}
