package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func trafficDeps(t *testing.T, db *store.DB) Deps {
	t.Helper()
	cat, err := platform.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := brand.NewService(db, cat.Has)
	ps := platform.NewService(cat, db)
	cs := campaign.NewService(db, b, ps, cat)
	links := link.NewService(db, link.Options{CampaignSlug: func(ctx context.Context, ws, id int64) (string, error) {
		c, err := cs.Get(ctx, ws, id)
		return c.Slug, err
	}})
	return Deps{Accounts: account.NewService(db, account.DefaultThrottle(db)), Brand: b, Platforms: ps, Campaigns: cs,
		Links: links, Clicks: db, Conversions: conversion.NewService(db)}
}

// TestDemoTraffic loads the demo with its traffic twice, on each database,
// and checks that the figures the real writer and services computed are
// plausible: tens of thousands of clicks with bots and previews, fewer
// unique than human clicks, conversions for both campaigns, the same
// figures after the second load. During the second, the hourly cleanup
// runs after every batch of clicks, as a server on the same database
// may: it deletes the salts and unique keys of the past days the load is
// writing, which changes no figure.
func TestDemoTraffic(t *testing.T) {
	dbs := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite}
	if os.Getenv(storetest.PostgresEnv) != "" {
		dbs["postgres"] = storetest.Postgres
	}
	for name, open := range dbs {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			d := trafficDeps(t, db)
			d.Audit = db
			var first figures
			for i := range 2 {
				if i == 1 {
					d.Clicks = cleanupDuring{db}
				}
				start := time.Now()
				login, err := Load(ctx, d)
				if err != nil {
					t.Fatalf("Load %d: %v", i+1, err)
				}
				tr := login.Traffic
				t.Logf("load %d on %s: %d links, %d clicks (%d stored), %d conversion events; traffic %s, whole load %s",
					i+1, name, tr.Links, tr.Hits, tr.Written, tr.Conversions, tr.Took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
				got := measure(t, d)
				t.Logf("figures: %+v", got)
				if i == 0 {
					first = got
					checkFigures(t, got)
					checkAllowlist(t, d)
					checkPace(t, d)
					checkServerPurchasesOnly(t, d)
					continue
				}
				// The same traffic again, not twice as much: only the
				// clicks of the seconds between the loads may be new.
				if got.Links != first.Links || !near(got.Clicks, first.Clicks) || !near(got.Unique, first.Unique) ||
					!near(got.Effective, first.Effective) || got.Purchases[1] != first.Purchases[1] {
					t.Errorf("second load differs:\n got %+v\nwant %+v", got, first)
				}
			}
		})
	}
}

// cleanupDuring is the demo's click store with the hourly cleanup's
// forgetting of visitors run after every batch of clicks.
type cleanupDuring struct{ *store.DB }

func (c cleanupDuring) WriteClicks(ctx context.Context, clicks []link.Click) (int, error) {
	n, err := c.DB.WriteClicks(ctx, clicks)
	if err != nil {
		return n, err
	}
	now := time.Now()
	_, err = c.DB.ForgetVisitors(ctx, link.SaltCutoff(now), now.Add(-link.MarkLifetime))
	return n, err
}

// checkServerPurchasesOnly: the demo shop's server reports its purchases,
// so the workspace refuses those of the public key.
func checkServerPurchasesOnly(t *testing.T, d Deps) {
	t.Helper()
	ctx := context.Background()
	ws, err := d.Accounts.WorkspaceBySlug(ctx, Slug)
	if err != nil {
		t.Fatal(err)
	}
	if site, err := d.Conversions.Site(ctx, ws.ID); err != nil || !site.ServerPurchasesOnly {
		t.Errorf("the demo's site = %+v, %v; want only the server's purchases counted", site, err)
	}
}

// checkPace: the running campaign's targets, measured on the demo's
// traffic, are some on track and some behind, so that its KPI tree shows
// both.
func checkPace(t *testing.T, d Deps) {
	t.Helper()
	ctx := context.Background()
	ws, err := d.Accounts.WorkspaceBySlug(ctx, Slug)
	if err != nil {
		t.Fatal(err)
	}
	cs := *d.Campaigns
	cs.Measurer = d.Conversions
	camps, err := cs.List(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string][]string{}
	for _, c := range camps {
		if c.Slug != trafficCampaigns[0] {
			continue
		}
		p, err := cs.Plan(ctx, ws.ID, c.ID, ws.Location(), string(conversion.LastTouch), currency)
		if err != nil {
			t.Fatal(err)
		}
		var walk func([]campaign.KPINode)
		walk = func(ns []campaign.KPINode) {
			for _, n := range ns {
				v := n.Verdict()
				verdicts[v] = append(verdicts[v], fmt.Sprintf("%d:%s", n.Target.ID, n.Target.Metric))
				walk(n.Children)
			}
		}
		walk(p.KPI)
	}
	if len(verdicts["on_track"]) == 0 || len(verdicts["behind"]) == 0 {
		t.Errorf("targets of %s by verdict %v; want some on track and some behind", trafficCampaigns[0], verdicts)
	}
}

// checkAllowlist: the demo workspace has its allowlist, which lets its
// links through and not the rest of the marketplace.
func checkAllowlist(t *testing.T, d Deps) {
	t.Helper()
	ctx := context.Background()
	ws, err := d.Accounts.WorkspaceBySlug(ctx, Slug)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Links.AllowedDomains(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, demoAllowlist) {
		t.Errorf("allowed domains %v, want %v", got, demoAllowlist)
	}
	for _, dest := range []string{"https://www.tmall.example/", "https://rival.tmall.example/x"} {
		if _, err := d.Links.Create(ctx, ws.ID, link.Input{Destination: dest}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("demo workspace made a link to %s: %v", dest, err)
		}
	}

	// A link made before the list leads outside it, with clicks, and the
	// settings page's note names it; the audit log sets the list after
	// it was made.
	var listSet time.Time
	log, err := d.Audit.Audit(ctx, ws.ID, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		if e.Action == allowlistAction {
			listSet = e.CreatedAt
		}
	}
	if listSet.IsZero() {
		t.Fatalf("the audit log never sets the allowlist")
	}
	o, err := d.Links.OutsideAllowlist(ctx, ws.ID, 5)
	if err != nil || o.Count == 0 || o.Count != len(o.Newest) {
		t.Fatalf("links outside the allowlist: %+v, %v; want the demo's few", o, err)
	}
	for _, r := range o.Newest {
		l, err := d.Links.Get(ctx, ws.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !l.CreatedAt.Before(listSet) || l.Counts.Clicks == 0 {
			t.Errorf("link %q outside the list: made %v, %d clicks; want made before the list (%v), with clicks", l.Label, l.CreatedAt, l.Counts.Clicks, listSet)
		}
	}
}

type figures struct {
	// Fallback counts the links whose page carries no snippet.
	Fallback                                  int
	Links                                     int
	Clicks, Human, Unique, Effective, Engaged int64
	Bots, Previews, Prefetches                int64
	// Purchases and Revenue are the trafficCampaigns', in order; Others
	// names the campaigns with a row that are not among them.
	Purchases                                              [2]float64
	Revenue                                                [2]float64
	Others                                                 []string
	Leads, Inquiries                                       float64
	CampaignRows                                           int
	RegionKeys                                             int
	WeChatPreview, WeiboPreview, DesktopHuman, MobileHuman bool
	// MadeLate counts the links dated after their first click, or made
	// within the last day although their clicks go back weeks.
	MadeLate int
}

// trafficCampaigns are the demo campaigns with tracked links: the draft
// has none yet, so nothing is attributed to it.
var trafficCampaigns = []string{"winter-warm-coffee", "origin-flavour-season"}

func measure(t *testing.T, d Deps) figures {
	t.Helper()
	ctx := context.Background()
	ws, err := d.Accounts.WorkspaceBySlug(ctx, Slug)
	if err != nil {
		t.Fatal(err)
	}
	var f figures
	links, err := d.Links.List(ctx, ws.ID, link.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	f.Links = len(links)
	loc := ws.Location()
	now := time.Now()
	classes := map[string]int64{}
	regions := map[string]bool{}
	for _, l := range links {
		f.Clicks += l.Counts.Clicks
		f.Human += l.Counts.HumanClicks
		f.Unique += l.Counts.UniqueClicks
		f.Effective += l.Counts.EffectiveClicks
		if l.Counts.EffectiveFallback {
			f.Fallback++
		}
		f.Engaged += l.Counts.EngagedVisits
		st, err := d.Links.Stats(ctx, ws.ID, l.ID, now.AddDate(0, 0, -61), now.Add(time.Hour), loc)
		if err != nil {
			t.Fatal(err)
		}
		before, err := d.Links.Stats(ctx, ws.ID, l.ID, now.AddDate(0, 0, -61), l.CreatedAt, loc)
		if err != nil {
			t.Fatal(err)
		}
		if before.Totals.Clicks > 0 || l.CreatedAt.After(now.AddDate(0, 0, -1)) {
			f.MadeLate++
		}
		for _, b := range st.Breakdowns["class"] {
			classes[b.Key] += b.Clicks
		}
		for _, b := range st.Breakdowns["region"] {
			if b.Key != "" {
				regions[b.Key] = true
			}
		}
		for _, b := range st.Breakdowns["browser"] {
			switch b.Key {
			case "WeChat":
				f.WeChatPreview = true
			case "Weibo":
				f.WeiboPreview = true
			}
		}
		for _, b := range st.Breakdowns["device"] {
			switch b.Key {
			case "desktop":
				f.DesktopHuman = f.DesktopHuman || b.HumanClicks > 0
			case "mobile":
				f.MobileHuman = f.MobileHuman || b.HumanClicks > 0
			}
		}
	}
	f.Bots, f.Previews, f.Prefetches = classes["bot"], classes["preview"], classes["prefetch"]
	f.RegionKeys = len(regions)
	camps, err := d.Campaigns.List(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.Conversions.FunnelBy(ctx, ws.ID, conversion.Filter{From: now.AddDate(0, 0, -61), To: now.Add(time.Hour)}, conversion.LastTouch, conversion.ByCampaign)
	if err != nil {
		t.Fatal(err)
	}
	f.CampaignRows = len(rows)
	for _, r := range rows {
		f.Leads += r.Leads
		f.Inquiries += r.Inquiries
		for _, c := range camps {
			if r.CampaignID == nil || *r.CampaignID != c.ID {
				continue
			}
			if i := slices.Index(trafficCampaigns, c.Slug); i >= 0 {
				f.Purchases[i] = r.Purchases
				f.Revenue[i] = r.Revenue
			} else {
				f.Others = append(f.Others, c.Slug)
			}
		}
	}
	return f
}

func checkFigures(t *testing.T, f figures) {
	t.Helper()
	if f.Links < 10 {
		t.Errorf("%d links, want at least 10", f.Links)
	}
	if f.MadeLate > 0 {
		t.Errorf("%d links made after their first click or today; want each made before its clicks", f.MadeLate)
	}
	if f.Clicks < 10000 || f.Clicks > 100000 {
		t.Errorf("%d clicks, want tens of thousands", f.Clicks)
	}
	if !(f.Unique < f.Human && f.Human < f.Clicks) {
		t.Errorf("want unique < human < clicks: %d, %d, %d", f.Unique, f.Human, f.Clicks)
	}
	if !(f.Effective > 0 && f.Effective < f.Unique && f.Engaged > 0 && f.Engaged < f.Effective) {
		t.Errorf("want 0 < engaged < effective < unique: %d, %d, %d", f.Engaged, f.Effective, f.Unique)
	}
	if share := float64(f.Effective) / float64(f.Unique); share < 0.5 || share > 0.7 {
		t.Errorf("effective / unique = %.2f, want about 0.6", share)
	}
	// The pages off the brand's own shop carry no snippet: the
	// marketplace store's and the old micro-shop's.
	offShop := 0
	for _, dl := range demoLinks {
		if !strings.HasPrefix(dl.dest, shop+"/") {
			offShop++
		}
	}
	if f.Fallback != offShop || offShop < 2 {
		t.Errorf("%d links without the snippet, want the %d off the brand's shop", f.Fallback, offShop)
	}
	if f.Bots < f.Clicks/20 || f.Previews < f.Clicks/20 || f.Prefetches == 0 {
		t.Errorf("bots %d, previews %d, prefetches %d of %d clicks: want machines present", f.Bots, f.Previews, f.Prefetches, f.Clicks)
	}
	if !f.WeChatPreview || !f.WeiboPreview {
		t.Errorf("want WeChat and Weibo preview fetchers among the clicks")
	}
	if !f.DesktopHuman || !f.MobileHuman {
		t.Errorf("want people on phones and on desktops")
	}
	if f.RegionKeys < 5 {
		t.Errorf("%d regions, want the demo's regions", f.RegionKeys)
	}
	for i, p := range f.Purchases {
		if p < 5 || f.Revenue[i] <= 0 {
			t.Errorf("campaign %d: %.0f purchases, %.0f revenue; want some attributed", i, p, f.Revenue[i])
		}
	}
	if len(f.Others) > 0 {
		t.Errorf("conversions attributed to %v, which have no links", f.Others)
	}
	if f.Leads < 10 || f.Inquiries < 10 {
		t.Errorf("leads %.0f, inquiries %.0f; want some", f.Leads, f.Inquiries)
	}
}

func near(a, b int64) bool { return a >= b && float64(a) <= float64(b)*1.002+2 }

// TestSampleHits: the requests bench redirect sends are classified in the
// demo traffic's shares (people 71 %, previews 12 %, crawlers 13 %,
// prefetches 4 %), and the people among them are many visitors.
func TestSampleHits(t *testing.T) {
	hits := SampleHits(1, 4096, 16000)
	cls := link.NewClassifier(0)
	counts := map[link.Class]int{}
	agents := map[string]bool{}
	for _, h := range hits {
		class := link.Classify(link.Request{Method: h.Method, UserAgent: h.UserAgent, Purpose: h.Purpose}, cls.Agent(h.UserAgent))
		counts[class]++
		if class == link.Human {
			agents[h.UserAgent] = true
		}
	}
	for class, want := range map[link.Class]float64{link.Human: 0.71, link.Preview: 0.12, link.Bot: 0.13, link.Prefetch: 0.04} {
		if got := float64(counts[class]) / float64(len(hits)); math.Abs(got-want) > 0.03 {
			t.Errorf("%s: %.3f of the requests, want %.2f", class, got, want)
		}
	}
	if len(agents) < 500 {
		t.Errorf("%d different user agents among the people: too few visitors", len(agents))
	}
}

// TestPrefetchLandings: some of the demo's prefetches of shop links are
// opened by their person, so the snippet reports a landing (some an
// engaged visit) on the prefetch's click id, with that person's browser
// id, after the prefetch and before now; prefetches off the shop, which
// carry no snippet, report none.
func TestPrefetchLandings(t *testing.T) {
	now := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	loc := time.FixedZone("CST", 8*3600)
	links := make([]link.Link, len(demoLinks))
	for i := range links {
		links[i].ID = int64(i + 1)
	}
	rng := rand.New(rand.NewPCG(trafficSeed, 1))
	clicks, people := generateClicks(rng, links, map[string]campaign.Campaign{}, 1, now, loc)
	events := generateConversions(rng, clicks, people, links, now)
	byID := map[string]genClick{}
	prefetches := 0
	for _, c := range clicks {
		byID[c.hit.ClickID] = c
		if c.hit.Purpose == "prefetch" && strings.HasPrefix(demoLinks[c.li].dest, shop) {
			prefetches++
		}
	}
	landed := map[string]bool{}
	engaged := 0
	for _, e := range events {
		c, ok := byID[e.p.ClickID]
		if !ok || c.hit.Purpose != "prefetch" {
			continue
		}
		switch e.p.Event {
		case conversion.Landing:
			landed[e.p.ClickID] = true
		case conversion.Engaged:
			engaged++
		default:
			t.Errorf("prefetch %s has a %s event, want only landings and engaged visits", e.p.ClickID, e.p.Event)
		}
		if !strings.HasPrefix(demoLinks[c.li].dest, shop) {
			t.Errorf("prefetch %s of %s lands, which carries no snippet", e.p.ClickID, demoLinks[c.li].dest)
		}
		if want := fmt.Sprintf("demo-browser%06d", c.person); c.person < 0 || e.p.BrowserID != want {
			t.Errorf("prefetch %s: browser id %q, want %q", e.p.ClickID, e.p.BrowserID, want)
		}
		if e.p.TS == nil || !e.p.TS.After(c.hit.At) || e.p.TS.After(now) {
			t.Errorf("prefetch %s at %v: %s at %v, want after it and before %v", e.p.ClickID, c.hit.At, e.p.Event, e.p.TS, now)
		}
	}
	if share := float64(len(landed)) / float64(prefetches); prefetches == 0 || share < 0.2 || share > 0.4 || engaged == 0 {
		t.Errorf("%d of %d prefetches of shop links landed (%d engaged), want about %.0f %%, some engaged", len(landed), prefetches, engaged, usedPrefetch*100)
	}
}
