package store_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/metric"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// convWorld is a workspace with two tracked links of two campaigns and a
// clock the service reads.
type convWorld struct {
	db     *store.DB
	svc    *conversion.Service
	ws     int64
	site   conversion.Site
	wechat link.Link // campaign 1
	weibo  link.Link // campaign 2
	now    time.Time
}

func newConvWorld(t *testing.T, db *store.DB) *convWorld {
	t.Helper()
	w := newOldConvWorld(t, db)
	w.readSite(t)
	return w
}

// newOldConvWorld is newConvWorld without its site, which a database
// not yet upgraded may not be able to read: readSite reads it.
func newOldConvWorld(t *testing.T, db *store.DB) *convWorld {
	t.Helper()
	w := &convWorld{db: db, ws: brandTestWorkspace(t, db), now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	w.svc = conversion.NewService(db)
	w.svc.Now = func() time.Time { return w.now }
	w.svc.ClickWait = 0
	w.wechat = w.link(t, 1, "wechat")
	w.weibo = w.link(t, 2, "weibo")
	return w
}

// readSite reads the world's site, making its public key.
func (w *convWorld) readSite(t *testing.T) {
	t.Helper()
	var err error
	if w.site, err = w.svc.Site(context.Background(), w.ws); err != nil {
		t.Fatal(err)
	}
}

var convCodes sync.Map

func (w *convWorld) link(t *testing.T, campaign int64, channel string) link.Link {
	t.Helper()
	code := link.NewCode()
	for {
		if _, dup := convCodes.LoadOrStore(code, true); !dup {
			break
		}
		code = link.NewCode()
	}
	l, err := w.db.CreateLink(context.Background(), link.Link{WorkspaceID: w.ws, Code: code, Destination: "https://shop.example/", CampaignID: &campaign, Channel: channel})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// click stores a unique human click of visitor on l at, and returns its id.
func (w *convWorld) click(t *testing.T, l link.Link, visitor string, at time.Time) string {
	t.Helper()
	id := link.NewClickID()
	c := link.Click{ClickID: id, WorkspaceID: l.WorkspaceID, LinkID: l.ID, At: at, Class: link.Human, Visitor: visitor, UniqueDay: at.Format(time.DateOnly) + "/" + id}
	if _, err := w.db.WriteClicks(context.Background(), []link.Click{c}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPublicKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := brandTestWorkspace(t, db)
		svc := conversion.NewService(db)
		k1, err := svc.PublicKey(ctx, ws)
		if err != nil {
			t.Fatal(err)
		}
		if k2, _ := svc.PublicKey(ctx, ws); k2 != k1 {
			t.Fatalf("PublicKey twice = %q, %q; want the same key", k1, k2)
		}
		site, err := svc.SiteByKey(ctx, k1)
		if err != nil || site.WorkspaceID != ws || site.Currency != "CNY" {
			t.Fatalf("SiteByKey = %+v, %v; want workspace %d in CNY", site, err, ws)
		}
		k3, err := svc.RotateKey(ctx, ws)
		if err != nil || k3 == k1 {
			t.Fatalf("RotateKey = %q, %v; want a new key", k3, err)
		}
		wantCode(t, "old key", func() error { _, err := svc.SiteByKey(ctx, k1); return err }(), apperr.Unauthorized)
		wantCode(t, "malformed key", func() error { _, err := svc.SiteByKey(ctx, "nope"); return err }(), apperr.Unauthorized)
		if _, err := svc.SiteByKey(ctx, k3); err != nil {
			t.Errorf("new key: %v", err)
		}
	})
}

// TestConversionIdempotent: one order sent by many callers at once is
// stored once; an event id is stored once; the same order id for another
// event or another workspace is another row.
func TestConversionIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		const n = 16
		results := make([]conversion.Result, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = w.svc.Collect(ctx, w.site, conversion.SourceServer,
					conversion.Payload{Event: conversion.Purchase, OrderID: "order-1", Value: 99, Currency: "CNY"})
			})
		}
		wg.Wait()
		dups := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if results[i].ID != results[0].ID {
				t.Errorf("call %d stored id %d; want %d", i, results[i].ID, results[0].ID)
			}
			if results[i].Duplicate {
				dups++
			}
		}
		if dups != n-1 {
			t.Errorf("%d duplicates among %d calls; want %d", dups, n, n-1)
		}
		p := conversion.Payload{Event: conversion.Lead, EventID: "ev-1"}
		first, _ := w.svc.Collect(ctx, w.site, conversion.SourceServer, p)
		again, err := w.svc.Collect(ctx, w.site, conversion.SourceServer, p)
		if err != nil || !again.Duplicate || again.ID != first.ID {
			t.Errorf("same event id again = %+v, %v; want duplicate of %d", again, err, first.ID)
		}
		other, _ := w.svc.Collect(ctx, w.site, conversion.SourceServer, conversion.Payload{Event: conversion.CheckoutStart, OrderID: "order-1"})
		if other.Duplicate {
			t.Errorf("checkout_start with a purchase's order id is a duplicate; want its own row")
		}
		otherWS := w.site
		otherWS.WorkspaceID = brandTestWorkspace(t, db)
		if res, _ := w.svc.Collect(ctx, otherWS, conversion.SourceServer, conversion.Payload{Event: conversion.Purchase, OrderID: "order-1", Value: 1}); res.Duplicate {
			t.Errorf("another workspace's order-1 is a duplicate")
		}
		list, err := w.svc.List(ctx, w.ws, conversion.ListFilter{})
		if err != nil || len(list) != 3 {
			t.Fatalf("List = %d rows, %v; want 3", len(list), err)
		}
		purchase := conversion.Purchase
		list, _ = w.svc.List(ctx, w.ws, conversion.ListFilter{Event: &purchase})
		if len(list) != 1 || list[0].Value != 99 || list[0].Currency != "CNY" || list[0].Source != conversion.SourceServer {
			t.Errorf("purchases = %+v; want the one order", list)
		}
	})
}

// TestCollectAttribution: a cid of the workspace attributes to its link's
// campaign; a forged or foreign cid stores the event unattributed; a
// customer id alone finds the customer's last click; visits mark clicks.
func TestCollectAttribution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		other := newConvWorld(t, db)
		early := w.click(t, w.wechat, "visitor-a", w.now.Add(-3*24*time.Hour))
		late := w.click(t, w.weibo, "visitor-b", w.now.Add(-1*time.Hour))
		foreign := other.click(t, other.wechat, "visitor-a", w.now.Add(-time.Hour))

		collect := func(p conversion.Payload) conversion.Result {
			t.Helper()
			res, err := w.svc.Collect(ctx, w.site, conversion.SourceSnippet, p)
			if err != nil {
				t.Fatalf("Collect(%+v): %v", p, err)
			}
			return res
		}
		// The landing of the early click, seconds after it, as the shop's
		// server reports it.
		land := func() conversion.Result {
			t.Helper()
			at := w.now.Add(-3*24*time.Hour + 3*time.Second)
			res, err := w.svc.Collect(ctx, w.site, conversion.SourceServer, conversion.Payload{Event: conversion.Landing, ClickID: early, TS: &at})
			if err != nil {
				t.Fatalf("Collect landing: %v", err)
			}
			return res
		}
		if res := land(); !res.Attributed || res.CampaignID == nil || *res.CampaignID != 1 {
			t.Errorf("landing with a real cid = %+v; want attributed to campaign 1", res)
		}
		if res := land(); !res.Duplicate {
			t.Errorf("second landing of one click = %+v; want duplicate", res)
		}
		ref, err := db.Click(ctx, early)
		if err != nil || !ref.Landed {
			t.Errorf("click after landing = %+v, %v; want landed", ref, err)
		}
		if res := collect(conversion.Payload{Event: conversion.Lead, ClickID: "forgedforgedforged01"}); res.Attributed {
			t.Errorf("forged cid = %+v; want unattributed", res)
		}
		if res := collect(conversion.Payload{Event: conversion.Landing, ClickID: foreign}); res.Attributed {
			t.Errorf("cid of another workspace = %+v; want unattributed", res)
		}
		if ref, _ := db.Click(ctx, foreign); ref.Landed {
			t.Errorf("another workspace's landing marked this workspace's click")
		}

		// The customer's browser is seen with both clicks; the later one
		// is last.
		collect(conversion.Payload{Event: conversion.Signup, ClickID: late, CustomerID: "u1", BrowserID: "bU1U1U1U1U1U1U1U"})
		collect(conversion.Payload{Event: conversion.Lead, ClickID: early, CustomerID: "u1", BrowserID: "bU1U1U1U1U1U1U1U"})
		cu, err := db.Customer(ctx, w.ws, "u1")
		if err != nil || cu.FirstClickID != early || cu.LastClickID != late {
			t.Fatalf("customer = %+v, %v; want first %s, last %s", cu, err, early, late)
		}
		if _, err := db.Customer(ctx, other.ws, "u1"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("customer u1 in another workspace: %v; want NotFound", err)
		}
		res, err := w.svc.Collect(ctx, w.site, conversion.SourceServer, conversion.Payload{Event: conversion.Purchase, OrderID: "o9", Value: 300, CustomerID: "u1"})
		if err != nil || !res.Attributed || res.CampaignID == nil || *res.CampaignID != 2 {
			t.Errorf("purchase with only the customer id = %+v, %v; want attributed to campaign 2 (last click)", res, err)
		}

		// Purchases must be in the workspace currency.
		_, err = w.svc.Collect(ctx, w.site, conversion.SourceServer, conversion.Payload{Event: conversion.Purchase, Value: 5, Currency: "USD"})
		if !apperr.Is(err, apperr.Invalid) || !hasField(err, "currency") {
			t.Errorf("purchase in USD: %v; want Invalid naming currency", err)
		}
		// A server may date its events, within limits; the snippet may not.
		ts := w.now.Add(-48 * time.Hour)
		res, _ = w.svc.Collect(ctx, w.site, conversion.SourceServer, conversion.Payload{Event: "custom:demo", TS: &ts})
		list, _ := w.svc.List(ctx, w.ws, conversion.ListFilter{Limit: 1})
		if len(list) != 1 || list[0].ID != res.ID || !list[0].At.Equal(ts) {
			t.Errorf("dated event = %+v; want at %v", list, ts)
		}
		old := w.now.Add(-100 * 24 * time.Hour)
		if _, err := w.svc.Collect(ctx, w.site, conversion.SourceServer, conversion.Payload{Event: "custom:demo", TS: &old}); !hasField(err, "ts") {
			t.Errorf("event 100 days old: %v; want Invalid naming ts", err)
		}
	})
}

func hasField(err error, field string) bool {
	ae, ok := err.(*apperr.Error)
	if !ok {
		return false
	}
	for _, f := range ae.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// TestFunnelModels builds a click history on the database and reads the
// funnel under each model: visitor v clicked WeChat (campaign 1) ten days
// ago, Weibo (campaign 2) two days ago, and bought for 300 with the Weibo
// cid; another visitor's lead came from WeChat; one purchase of 50 came
// with no click at all.
func TestFunnelModels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		day := 24 * time.Hour
		w.click(t, w.wechat, "v", w.now.Add(-10*day))
		c2 := w.click(t, w.weibo, "v", w.now.Add(-2*day))
		c3 := w.click(t, w.wechat, "u", w.now.Add(-1*day))
		// A crawler that runs the page's script: its landing is no
		// person's.
		crawler := link.Click{ClickID: link.NewClickID(), WorkspaceID: w.wechat.WorkspaceID, LinkID: w.wechat.ID, At: w.now.Add(-day), Class: link.Bot, Visitor: "bot"}
		if _, err := db.WriteClicks(ctx, []link.Click{crawler}); err != nil {
			t.Fatal(err)
		}
		// Visits come during the visit their click began, from a server
		// that says when; the rest now, from the snippet.
		during := func(clicked time.Time) *time.Time {
			at := clicked.Add(5 * time.Second)
			return &at
		}
		for _, p := range []conversion.Payload{
			{Event: conversion.Landing, ClickID: crawler.ClickID, TS: during(w.now.Add(-day))},
			{Event: conversion.Landing, ClickID: c2, TS: during(w.now.Add(-2 * day))},
			{Event: conversion.Engaged, ClickID: c2, TS: during(w.now.Add(-2 * day))},
			{Event: conversion.Landing, ClickID: c3, TS: during(w.now.Add(-day))},
			{Event: conversion.Purchase, ClickID: c2, OrderID: "o1", Value: 300},
			{Event: conversion.Lead, ClickID: c3},
			{Event: conversion.AddToCart, ClickID: c3},
			{Event: conversion.Purchase, OrderID: "o2", Value: 50},
		} {
			source := conversion.SourceSnippet
			if p.TS != nil {
				source = conversion.SourceServer
			}
			if _, err := w.svc.Collect(ctx, w.site, source, p); err != nil {
				t.Fatalf("Collect(%+v): %v", p, err)
			}
		}
		f := conversion.Filter{From: w.now.Add(-20 * day), To: w.now.Add(time.Hour)}
		total, err := w.svc.Funnel(ctx, w.ws, f, conversion.LastTouch)
		if err != nil {
			t.Fatal(err)
		}
		check := func(name string, got, want float64) {
			t.Helper()
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("%s = %v; want %v", name, got, want)
			}
		}
		check("clicks", float64(total.Clicks), 4)
		check("human clicks", float64(total.HumanClicks), 3)
		check("unique clicks", float64(total.UniqueClicks), 3)
		check("effective clicks", float64(total.EffectiveClicks), 2)
		check("engaged visits", float64(total.EngagedVisits), 1)
		check("landing", total.Landing, 2)
		check("engaged", total.Engaged, 1)
		check("leads", total.Leads, 1)
		check("intent", total.PurchaseIntent, 1)
		check("purchases", total.Purchases, 2)
		check("revenue", total.Revenue, 350)
		check("unattributed", total.Unattributed, 1)
		check("lead_conversion_rate", *total.LeadConversionRate, 0.5)
		check("purchase_conversion_rate", *total.PurchaseConversionRate, 2)

		campaign := func(id int64, m conversion.Model) conversion.Funnel {
			t.Helper()
			fn, err := w.svc.Funnel(ctx, w.ws, conversion.Filter{CampaignID: &id, From: f.From, To: f.To}, m)
			if err != nil {
				t.Fatal(err)
			}
			return fn
		}
		check("last touch: campaign 2 revenue", campaign(2, conversion.LastTouch).Revenue, 300)
		check("last touch: campaign 1 revenue", campaign(1, conversion.LastTouch).Revenue, 0)
		check("first touch: campaign 1 revenue", campaign(1, conversion.FirstTouch).Revenue, 300)
		check("first touch: campaign 2 revenue", campaign(2, conversion.FirstTouch).Revenue, 0)
		check("linear: campaign 1 revenue", campaign(1, conversion.Linear).Revenue, 150)
		check("linear: campaign 2 purchases", campaign(2, conversion.Linear).Purchases, 0.5)
		check("campaign 1 effective clicks", float64(campaign(1, conversion.Linear).EffectiveClicks), 1)

		// Measuring campaign 1 for its KPI targets: the whole period, its
		// Weibo part (none), and the period before the conversions.
		figs, err := w.svc.Measure(ctx, w.ws, 1, []metric.Scope{{From: f.From, To: f.To}, {Platform: "weibo", From: f.From, To: f.To},
			{From: f.From, To: w.now.Add(-time.Hour)}})
		if err != nil || len(figs) != 3 {
			t.Fatalf("Measure = %v, %v; want three answers", figs, err)
		}
		for i, want := range []map[string]float64{{"clicks": 3, "leads": 1, "purchases": 0}, {"clicks": 0, "leads": 0}, {"clicks": 3, "leads": 0}} {
			for k, v := range want {
				check(fmt.Sprintf("scope %d %s", i, k), figs[i][k], v)
			}
		}
		// Every ROI figure can be recomputed under first touch and linear
		// (METRICS.md): the Weibo purchase is campaign 1's, or half of it.
		for model, want := range map[string]float64{"first_touch": 300, "linear": 150, "last_touch": 0} {
			figs, err := w.svc.Measure(ctx, w.ws, 1, []metric.Scope{{From: f.From, To: f.To, Attribution: model}})
			if err != nil || len(figs) != 1 {
				t.Fatalf("Measure under %s = %v, %v", model, figs, err)
			}
			check("campaign 1 revenue under "+model, figs[0]["revenue"], want)
		}
		if _, err := w.svc.Measure(ctx, w.ws, 1, []metric.Scope{{From: f.From, To: f.To, Attribution: "bogus"}}); !hasField(err, "model") {
			t.Errorf("Measure under bogus: %v; want Invalid naming model", err)
		}

		rows, err := w.svc.FunnelBy(ctx, w.ws, f, conversion.Linear, conversion.ByChannel)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, r := range rows {
			got[r.Key] = r.Revenue
		}
		if len(rows) != 3 || got["wechat"] != 150 || got["weibo"] != 150 || got[""] != 50 {
			t.Errorf("linear revenue by channel = %v; want wechat 150, weibo 150, unattributed 50", got)
		}
		// The page's one read gives the same funnel and rows.
		fb, err := w.svc.FunnelBreakdown(ctx, w.ws, f, conversion.Linear)
		if err != nil {
			t.Fatal(err)
		}
		linear, _ := w.svc.Funnel(ctx, w.ws, f, conversion.Linear)
		byCampaign, _ := w.svc.FunnelBy(ctx, w.ws, f, conversion.Linear, conversion.ByCampaign)
		if !reflect.DeepEqual(fb.Total, linear) || !reflect.DeepEqual(fb.ByChannel, rows) || !reflect.DeepEqual(fb.ByCampaign, byCampaign) {
			t.Errorf("FunnelBreakdown = %+v; want Funnel %+v and FunnelBy rows", fb, linear)
		}
		if _, err := w.svc.FunnelBreakdown(ctx, w.ws, f, "bogus"); err == nil {
			t.Error("FunnelBreakdown took an unknown model")
		}
		if _, err := w.svc.FunnelBy(ctx, w.ws, f, conversion.Linear, "post"); !hasField(err, "by") {
			t.Errorf("FunnelBy post: %v; want Invalid naming by", err)
		}
	})
}

// TestConversionFactsTenancy: touches never cross workspaces, even when
// visitors hash alike.
func TestConversionFactsTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newConvWorld(t, db)
		b := newConvWorld(t, db)
		ca := a.click(t, a.wechat, "same", a.now.Add(-time.Hour))
		b.click(t, b.weibo, "same", a.now.Add(-2*time.Hour))
		if _, err := a.svc.Collect(ctx, a.site, conversion.SourceSnippet, conversion.Payload{Event: conversion.Lead, ClickID: ca}); err != nil {
			t.Fatal(err)
		}
		facts, err := db.ConversionFacts(ctx, a.ws, a.now.Add(-time.Hour*24), a.now.Add(time.Hour), a.now.Add(-40*24*time.Hour))
		if err != nil || len(facts) != 1 {
			t.Fatalf("facts = %v, %v; want one", facts, err)
		}
		if len(facts[0].Touches) != 1 || facts[0].Touches[0].ClickID != ca {
			t.Errorf("touches = %+v; want only %s", facts[0].Touches, ca)
		}
	})
}

// TestConcurrentCollectPreparesSafely: the collect path's statements are
// prepared on first use while other calls hold the writer in their
// transactions. Preparing waits for the writer; it must not hold what a
// transaction needs meanwhile (it once held the statement cache's lock,
// and the two waited on each other for ever).
func TestConcurrentCollectPreparesSafely(t *testing.T) {
	for round := range 20 {
		db := storetest.SQLite(t)
		w := newConvWorld(t, db)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c := w.click(t, w.wechat, "v", w.now.Add(-time.Minute))
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := range 8 {
			wg.Go(func() {
				for i := range 10 {
					var err error
					if g%2 == 0 {
						_, err = db.MarkClick(ctx, c, true, i%2 == 0)
					} else {
						_, err = w.svc.Collect(ctx, w.site, conversion.SourceSnippet,
							conversion.Payload{Event: conversion.Lead, ClickID: c, EventID: fmt.Sprintf("%d-%d", g, i)})
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		cancel()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v (a deadline here is a deadlock)", round, err)
		}
	}
}

// TestTouchesAcrossDays: a visitor's hash changes with the day's salt, so
// their clicks of other days are found through the browser id the snippet
// sends with every event. A second person, clicking twice on one day
// without a browser id, is found through the visitor hash; nobody's clicks
// leak into another's conversion.
func TestTouchesAcrossDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		day := 24 * time.Hour
		visitor := func(at time.Time, ip string) string {
			return link.VisitorHash("salt-"+at.Format(time.DateOnly), w.ws, ip, "Mozilla/5.0 (iPhone) MicroMessenger/8.0")
		}
		collect := func(p conversion.Payload, at time.Time) {
			t.Helper()
			p.TS = &at
			if _, err := w.svc.Collect(ctx, w.site, conversion.SourceServer, p); err != nil {
				t.Fatalf("Collect(%+v): %v", p, err)
			}
		}
		const bid, other = "bAAAAAAAAAAAAAAA", "bBBBBBBBBBBBBBBB"
		// Ann: WeChat (campaign 1) five days ago, Weibo (campaign 2) yesterday.
		t1, t2 := w.now.Add(-5*day), w.now.Add(-day)
		a1 := w.click(t, w.wechat, visitor(t1, "198.51.100.1"), t1)
		a2 := w.click(t, w.weibo, visitor(t2, "198.51.100.1"), t2)
		collect(conversion.Payload{Event: conversion.Landing, ClickID: a1, BrowserID: bid}, t1.Add(time.Second))
		collect(conversion.Payload{Event: conversion.Landing, ClickID: a2, BrowserID: bid}, t2.Add(time.Second))
		collect(conversion.Payload{Event: conversion.Purchase, ClickID: a2, BrowserID: bid, OrderID: "ann", Value: 100}, t2.Add(time.Minute))
		// Bob: both links within an hour today, a browser that keeps nothing.
		b1 := w.click(t, w.wechat, visitor(w.now, "203.0.113.9"), w.now.Add(-2*time.Hour))
		w.click(t, w.weibo, visitor(w.now, "203.0.113.9"), w.now.Add(-time.Hour))
		collect(conversion.Payload{Event: conversion.Purchase, ClickID: b1, OrderID: "bob", Value: 10}, w.now.Add(-time.Minute))
		// Cat: another browser, a purchase on Ann's link of yesterday.
		collect(conversion.Payload{Event: conversion.Purchase, ClickID: a2, BrowserID: other, OrderID: "cat", Value: 1000}, w.now.Add(-time.Minute))

		f := conversion.Filter{From: w.now.Add(-10 * day), To: w.now.Add(time.Hour)}
		for _, tt := range []struct {
			model      conversion.Model
			c1, c2     float64
			byChannels string
		}{
			// Ann's 100 goes to her first click (WeChat), Bob's 10 to his
			// own (WeChat); Cat's 1000 has only the click she bought on.
			{conversion.FirstTouch, 110, 1000, ""},
			{conversion.LastTouch, 0, 1110, ""},
			{conversion.Linear, 55, 1055, ""},
		} {
			for id, want := range map[int64]float64{1: tt.c1, 2: tt.c2} {
				fn, err := w.svc.Funnel(ctx, w.ws, conversion.Filter{CampaignID: &id, From: f.From, To: f.To}, tt.model)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(fn.Revenue-want) > 1e-9 {
					t.Errorf("%s: campaign %d revenue = %v; want %v", tt.model, id, fn.Revenue, want)
				}
			}
		}
	})
}

// TestLandingBeforeItsClick: a landing reported while its click is still
// in the writer's queue marks the click when it is written, so the
// visitor's unique click is effective; a made-up cid marks nothing.
func TestLandingBeforeItsClick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		c := link.Click{ClickID: link.NewClickID(), WorkspaceID: w.ws, LinkID: w.wechat.ID, At: w.now.Add(-time.Second), Class: link.Human,
			Visitor: "v", UniqueDay: w.now.Format(time.DateOnly)}
		res, err := w.svc.Collect(ctx, w.site, conversion.SourceSnippet, conversion.Payload{Event: conversion.Landing, ClickID: c.ClickID})
		if err != nil || res.Attributed {
			t.Fatalf("Collect before the click is written = %+v, %v; want stored unattributed", res, err)
		}
		if _, err := db.WriteClicks(ctx, []link.Click{c}); err != nil {
			t.Fatal(err)
		}
		ref, err := db.Click(ctx, c.ClickID)
		if err != nil || !ref.Landed || !ref.Unique {
			t.Fatalf("click after writing = %+v, %v; want unique and landed", ref, err)
		}
		l, err := db.Link(ctx, w.ws, w.wechat.ID)
		if err != nil || l.Counts.EffectiveClicks != 1 {
			t.Errorf("link counts %+v, %v; want 1 effective click", l.Counts, err)
		}
		// The landing stored before its click is now attributed to it,
		// so the funnel counts it under the click's channel.
		list, err := db.Conversions(ctx, w.ws, conversion.ListFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("conversions = %+v, %v; want the landing", list, err)
		}
		if got := list[0]; got.ID != res.ID || got.ClickID != c.ClickID || got.LinkID == nil || *got.LinkID != w.wechat.ID || got.Channel != w.wechat.Channel {
			t.Errorf("early landing after its click is written = %+v; want attributed to %s", got, c.ClickID)
		}
	})
}

// TestFunnelLandedClicks: the funnel's landing step counts the effective
// clicks whose visitor's landing was reported, as effective clicks count
// them, not landing events: a person who taps a link twice on a day, lands
// from both taps and reloads the page is one landed click of one effective
// click, where the landing events are two. A link that reports no
// landing counts its unique clicks as effective, but none landed.
func TestFunnelLandedClicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		tap := func(l link.Link, visitor string, at time.Time) string {
			t.Helper()
			c := link.Click{ClickID: link.NewClickID(), WorkspaceID: l.WorkspaceID, LinkID: l.ID, At: at, Class: link.Human,
				Visitor: visitor, Day: at.Format(time.DateOnly), UniqueDay: at.Format(time.DateOnly)}
			if _, err := db.WriteClicks(ctx, []link.Click{c}); err != nil {
				t.Fatal(err)
			}
			return c.ClickID
		}
		first, second := tap(w.wechat, "v", w.now.Add(-2*time.Minute)), tap(w.wechat, "v", w.now.Add(-time.Minute))
		tap(w.weibo, "u", w.now.Add(-time.Minute)) // no snippet on Weibo's page
		for _, cid := range []string{first, second, first} {
			if _, err := w.svc.Collect(ctx, w.site, conversion.SourceSnippet, conversion.Payload{Event: conversion.Landing, ClickID: cid}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.svc.Collect(ctx, w.site, conversion.SourceSnippet, conversion.Payload{Event: conversion.Lead, ClickID: second}); err != nil {
			t.Fatal(err)
		}
		f := conversion.Filter{From: w.now.Add(-24 * time.Hour), To: w.now.Add(time.Hour)}
		b, err := w.svc.FunnelBreakdown(ctx, w.ws, f, conversion.LastTouch)
		if err != nil {
			t.Fatal(err)
		}
		figures := func(fn conversion.Funnel) string {
			return fmt.Sprintf("unique %d, effective %d, landed %d, landing events %g, leads %g",
				fn.UniqueClicks, fn.EffectiveClicks, fn.LandedClicks, fn.Landing, fn.Leads)
		}
		if got, want := figures(b.Total), "unique 2, effective 2, landed 1, landing events 2, leads 1"; got != want {
			t.Errorf("funnel: %s; want %s", got, want)
		}
		for _, r := range b.ByChannel {
			want := map[string]string{
				"wechat": "unique 1, effective 1, landed 1, landing events 2, leads 1",
				"weibo":  "unique 1, effective 1, landed 0, landing events 0, leads 0",
			}[r.Key]
			if got := figures(r.Funnel); got != want {
				t.Errorf("channel %q: %s; want %s", r.Key, got, want)
			}
		}
	})
}

// TestServerEventReplacesSnippetClaim: anyone may send events with the
// public key, so one that claims an order id (or an event id) first
// must not keep the shop's server, which sends its API token, from
// reporting that order: the server's event replaces it, attribution and
// customer as for a new event, and the funnel counts the server's value.
// A public-key event never replaces anything (a snippet's retry stays a
// duplicate), nor does a server's event replace a server's.
func TestServerEventReplacesSnippetClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		real := w.click(t, w.weibo, "buyer", w.now.Add(-time.Hour))
		forged := w.click(t, w.wechat, "auditor", w.now.Add(-time.Hour))
		send := func(source string, p conversion.Payload) conversion.Result {
			t.Helper()
			res, err := w.svc.Collect(ctx, w.site, source, p)
			if err != nil {
				t.Fatalf("Collect(%s, %+v): %v", source, p, err)
			}
			return res
		}
		claim := conversion.Payload{Event: conversion.Purchase, OrderID: "o-1001", Value: 0.01, ClickID: forged, CustomerID: "mallory"}
		if res := send(conversion.SourceSnippet, claim); res.Duplicate || res.Replaced {
			t.Fatalf("first claim = %+v; want stored", res)
		}
		if res := send(conversion.SourceSnippet, claim); !res.Duplicate || res.Replaced {
			t.Errorf("snippet retry = %+v; want a duplicate", res)
		}
		order := conversion.Payload{Event: conversion.Purchase, OrderID: "o-1001", Value: 999, ClickID: real, CustomerID: "alice"}
		res := send(conversion.SourceServer, order)
		if res.Duplicate || !res.Replaced || res.CampaignID == nil || *res.CampaignID != 2 {
			t.Errorf("server's order = %+v; want replaced, attributed to campaign 2", res)
		}
		if again := send(conversion.SourceServer, order); !again.Duplicate || again.Replaced || again.ID != res.ID {
			t.Errorf("server's order again = %+v; want a duplicate of %d", again, res.ID)
		}
		if late := send(conversion.SourceSnippet, claim); !late.Duplicate || late.Replaced || late.ID != res.ID {
			t.Errorf("claim after the server's order = %+v; want a duplicate of %d", late, res.ID)
		}
		purchase := conversion.Purchase
		list, err := w.svc.List(ctx, w.ws, conversion.ListFilter{Event: &purchase})
		if err != nil || len(list) != 1 {
			t.Fatalf("purchases = %+v, %v; want one", list, err)
		}
		if p := list[0]; p.ID != res.ID || p.Value != 999 || p.Source != conversion.SourceServer || p.ClickID != real ||
			p.CustomerID != "alice" || p.Channel != "weibo" {
			t.Errorf("stored purchase = %+v; want the server's 999 on weibo for alice", p)
		}
		if cu, err := db.Customer(ctx, w.ws, "alice"); err != nil || cu.LastClickID != real {
			t.Errorf("customer alice = %+v, %v; want last click %s", cu, err, real)
		}
		fn, err := w.svc.Funnel(ctx, w.ws, conversion.Filter{From: w.now.Add(-24 * time.Hour), To: w.now.Add(time.Hour)}, conversion.LastTouch)
		if err != nil || fn.Purchases != 1 || fn.Revenue != 999 {
			t.Errorf("funnel = %+v, %v; want 1 purchase of 999", fn, err)
		}

		// An event id claimed with the key, and with it another order:
		// the server's event takes both places.
		send(conversion.SourceSnippet, conversion.Payload{Event: conversion.Lead, EventID: "ev-7"})
		send(conversion.SourceSnippet, conversion.Payload{Event: conversion.Signup, OrderID: "o-7"})
		res = send(conversion.SourceServer, conversion.Payload{Event: conversion.Signup, EventID: "ev-7", OrderID: "o-7"})
		if !res.Replaced {
			t.Errorf("server's signup = %+v; want replaced", res)
		}
		for _, ev := range []string{conversion.Lead, conversion.Signup} {
			list, _ := w.svc.List(ctx, w.ws, conversion.ListFilter{Event: &ev})
			if want := map[string]int{conversion.Lead: 0, conversion.Signup: 1}[ev]; len(list) != want {
				t.Errorf("%s events = %+v; want %d", ev, list, want)
			}
		}
		// Servers racing to replace one claim: one replaces it, the rest
		// are its duplicates.
		send(conversion.SourceSnippet, conversion.Payload{Event: conversion.Purchase, OrderID: "o-race", Value: 0.01})
		const n = 8
		results := make([]conversion.Result, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = w.svc.Collect(ctx, w.site, conversion.SourceServer,
					conversion.Payload{Event: conversion.Purchase, OrderID: "o-race", Value: 50})
			})
		}
		wg.Wait()
		replaced := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("racing server %d: %v", i, errs[i])
			}
			if results[i].Replaced {
				replaced++
			} else if !results[i].Duplicate {
				t.Errorf("racing server %d = %+v; want replaced or duplicate", i, results[i])
			}
		}
		if replaced != 1 {
			t.Errorf("%d of %d racing servers replaced the claim; want 1", replaced, n)
		}
		// An inbox inquiry is no public-key claim: a server's event with
		// its id is a duplicate.
		inq, err := w.svc.MarkInquiry(ctx, w.ws, conversion.InquiryMark{CampaignID: 1, EventID: "ev-8"})
		if err != nil {
			t.Fatal(err)
		}
		if res := send(conversion.SourceServer, conversion.Payload{Event: conversion.Inquiry, EventID: "ev-8"}); !res.Duplicate || res.ID != inq.ID {
			t.Errorf("server's event with an inbox inquiry's id = %+v; want a duplicate of %d", res, inq.ID)
		}
	})
}

// TestPrefetchLandingInFunnel: the snippet's landing on a prefetch's cid
// (the person's visit used the prefetched response) makes the funnel
// count a person's effective click and its landing, where the click
// stayed a prefetch and the landing a machine's.
func TestPrefetchLandingInFunnel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		at := w.now.Add(-time.Minute)
		c := link.Click{ClickID: link.NewClickID(), WorkspaceID: w.ws, LinkID: w.wechat.ID, At: at, Class: link.Prefetch, Visitor: "v", Day: at.Format(time.DateOnly)}
		if _, err := db.WriteClicks(ctx, []link.Click{c}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Collect(ctx, w.site, conversion.SourceSnippet, conversion.Payload{Event: conversion.Landing, ClickID: c.ClickID}); err != nil {
			t.Fatal(err)
		}
		fn, err := w.svc.Funnel(ctx, w.ws, conversion.Filter{From: w.now.Add(-time.Hour), To: w.now.Add(time.Hour)}, conversion.LastTouch)
		if err != nil || fn.Clicks != 1 || fn.HumanClicks != 1 || fn.UniqueClicks != 1 || fn.EffectiveClicks != 1 || fn.LandedClicks != 1 || fn.Landing != 1 {
			t.Errorf("funnel = %+v, %v; want the click a person's, effective and landed", fn, err)
		}
	})
}
