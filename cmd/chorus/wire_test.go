package main

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/platform"
)

// TestChannelResults checks the wiring that feeds platform fit: each
// channel's effective clicks of the last 30 days, and its inquiries, leads
// and purchases credited last touch; an older click and events of other
// kinds do not count.
func TestChannelResults(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if _, err := a.accounts.CreateUser(ctx, "owner@example.com", "", "a long password", false); err != nil {
		t.Fatal(err)
	}
	ws, err := a.accounts.CreateWorkspace(ctx, account.Workspace{Slug: "acme", Name: "Acme"}, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]link.Link{}
	for _, ch := range []string{"weibo", "wechat"} {
		if links[ch], err = a.linkService().Create(ctx, ws.ID, link.Input{Destination: "https://acme.example/" + ch, Channel: ch}); err != nil {
			t.Fatal(err)
		}
	}

	// Each visitor clicks once, from an address of their own, and lands.
	now := time.Now()
	visits := []struct {
		channel string
		ago     time.Duration
		events  []string
	}{
		{"weibo", time.Hour, []string{conversion.Lead, conversion.Purchase}},
		{"weibo", 2 * time.Hour, []string{conversion.Inquiry, conversion.Engaged}},
		{"weibo", 3 * time.Hour, nil},
		{"weibo", 40 * 24 * time.Hour, []string{conversion.Lead}}, // before the 30 days
		{"wechat", time.Hour, []string{conversion.AddToCart, conversion.CheckoutStart}},
	}
	w := link.NewWriter(a.db, link.WriterOptions{})
	cids := make([]string, len(visits))
	for i, v := range visits {
		cids[i] = link.NewClickID()
		w.Record(link.Hit{ClickID: cids[i], LinkID: links[v.channel].ID, WorkspaceID: ws.ID, Loc: time.UTC, At: now.Add(-v.ago),
			Method: "GET", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
			IP: fmt.Sprintf("203.0.113.%d", i+1)})
	}
	if err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	site := conversion.Site{WorkspaceID: ws.ID, Currency: "CNY"}
	for i, v := range visits {
		for j, ev := range append([]string{conversion.Landing}, v.events...) {
			at := now.Add(-v.ago + time.Duration(j+1)*time.Minute)
			p := conversion.Payload{Event: ev, ClickID: cids[i], TS: &at}
			if ev == conversion.Purchase {
				p.Value, p.Currency, p.OrderID = 99, "CNY", fmt.Sprint("o-", i)
			}
			if _, err := a.conversions.Collect(ctx, site, conversion.SourceServer, p); err != nil {
				t.Fatalf("collect %s of visit %d: %v", ev, i, err)
			}
		}
	}

	got, err := channelResults(a.conversions)(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(x, y platform.ChannelResult) int { return cmp.Compare(x.Platform, y.Platform) })
	want := []platform.ChannelResult{
		{Platform: "wechat", EffectiveClicks: 1, Conversions: 0},
		{Platform: "weibo", EffectiveClicks: 3, Conversions: 3},
	}
	if !slices.Equal(got, want) {
		t.Errorf("channelResults = %+v, want %+v", got, want)
	}
}
