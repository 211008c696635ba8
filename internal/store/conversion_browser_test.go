package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestBrowserTouchesOfEveryEvent: each event of a browser in the period
// gets the clicks of [since, to) whose landing that browser reported,
// however many events it has, and a landing stored before its click was
// written (its click made later than it) still names its click; visits
// and other browsers get none of them.
func TestBrowserTouchesOfEveryEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		day := 24 * time.Hour
		collect := func(p conversion.Payload, at time.Time) int64 { return w.collectAt(t, p, at) }
		const bid, other = "bAAAAAAAAAAAAAAA", "bBBBBBBBBBBBBBBB"
		landed := func(browser string, at time.Time) string {
			t.Helper()
			c := w.click(t, w.wechat, "v-"+at.String(), at)
			collect(conversion.Payload{Event: conversion.Landing, ClickID: c, BrowserID: browser}, at.Add(time.Second))
			return c
		}
		landed(bid, w.now.Add(-40*day)) // before since
		old := landed(bid, w.now.Add(-20*day))
		recent := landed(bid, w.now.Add(-2*day))
		theirs := landed(other, w.now.Add(-3*day))
		// A landing sent with a time three days before its click, which was
		// still in the writer's queue: it is tied to the click when written.
		early := link.Click{ClickID: link.NewClickID(), WorkspaceID: w.ws, LinkID: w.weibo.ID, At: w.now.Add(-day), Class: link.Human,
			Visitor: "v-early", UniqueDay: w.now.Add(-day).Format(time.DateOnly)}
		collect(conversion.Payload{Event: conversion.Landing, ClickID: early.ClickID, BrowserID: bid}, w.now.Add(-4*day))
		if _, err := db.WriteClicks(ctx, []link.Click{early}); err != nil {
			t.Fatal(err)
		}

		from := w.now.Add(-6 * time.Hour)
		want := map[int64][]string{}
		for i, event := range []string{conversion.Lead, conversion.AddToCart, conversion.Purchase} {
			p := conversion.Payload{Event: event, BrowserID: bid, OrderID: "o" + event}
			if event == conversion.Purchase {
				p.Value = 10
			}
			want[collect(p, from.Add(time.Duration(i+1)*time.Hour))] = []string{old, recent, early.ClickID}
		}
		want[collect(conversion.Payload{Event: conversion.Lead, BrowserID: other}, from.Add(time.Hour))] = []string{theirs}
		// A later landing's click is a touch too: Attribute weighs times.
		visit := landed(bid, from.Add(time.Hour))
		for id, cs := range want {
			if len(cs) > 1 {
				want[id] = append(cs, visit)
			}
		}
		facts, err := db.ConversionFacts(ctx, w.ws, from, w.now.Add(time.Hour), from.Add(-conversion.Window))
		if err != nil {
			t.Fatal(err)
		}
		for _, fa := range facts {
			var got []string
			for _, tc := range fa.Touches {
				if !slices.Contains(got, tc.ClickID) {
					got = append(got, tc.ClickID)
				}
			}
			slices.Sort(got)
			exp := slices.Clone(want[fa.ID])
			if fa.Event == conversion.Landing && fa.ClickID == visit {
				exp = nil
			} else if exp == nil {
				t.Errorf("unexpected fact %+v", fa.Conversion)
				continue
			}
			slices.Sort(exp)
			if !slices.Equal(got, exp) {
				t.Errorf("%s %d (browser %s): touches %v; want %v", fa.Event, fa.ID, fa.BrowserID, got, exp)
			}
			delete(want, fa.ID)
		}
		if len(want) > 0 {
			t.Errorf("events without facts: %v", want)
		}
	})
}

// TestCustomerTouchesOfLaterEvents: a customer's event names a click of
// [since, to) for every conversion of that customer in the period, even
// an event that came after the period; a click before since is none.
func TestCustomerTouchesOfLaterEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		day := 24 * time.Hour
		collect := func(p conversion.Payload, at time.Time) int64 { return w.collectAt(t, p, at) }
		from, to := w.now.Add(-5*day), w.now.Add(-2*day)
		tooOld := w.click(t, w.wechat, "v-old", from.Add(-40*day))
		inWindow := w.click(t, w.weibo, "v-in", from.Add(-10*day))
		collect(conversion.Payload{Event: conversion.Signup, CustomerID: "cust-1", ClickID: tooOld}, from.Add(-40*day).Add(time.Hour))
		purchase := collect(conversion.Payload{Event: conversion.Purchase, CustomerID: "cust-1", OrderID: "o1", Value: 5}, from.Add(day))
		// After the period: the customer's coupon names the click too.
		collect(conversion.Payload{Event: conversion.CouponClaim, CustomerID: "cust-1", ClickID: inWindow}, w.now.Add(-time.Hour))
		facts, err := db.ConversionFacts(ctx, w.ws, from, to, from.Add(-conversion.Window))
		if err != nil {
			t.Fatal(err)
		}
		for _, fa := range facts {
			if fa.ID != purchase {
				continue
			}
			var got []string
			for _, tc := range fa.Touches {
				got = append(got, tc.ClickID)
			}
			if !slices.Contains(got, inWindow) || slices.Contains(got, tooOld) {
				t.Errorf("purchase touches %v; want %s (named by a later event) and not %s (before since)", got, inWindow, tooOld)
			}
			return
		}
		t.Errorf("no fact for the purchase among %d", len(facts))
	})
}

// collectAt collects p as a shop's server would, at the time at, and
// returns the stored event's id.
func (w *convWorld) collectAt(t *testing.T, p conversion.Payload, at time.Time) int64 {
	t.Helper()
	p.TS = &at
	res, err := w.svc.Collect(context.Background(), w.site, conversion.SourceServer, p)
	if err != nil {
		t.Fatalf("Collect(%+v): %v", p, err)
	}
	return res.ID
}
