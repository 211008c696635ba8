package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestCollectBatchAsOneByOne: a batch of events stores what Collect one
// by one stores, answers the same, and marks the same clicks. The batch
// holds a duplicate of an earlier event, a server's order in place of a
// public-key claim, a purchase that names only the customer an earlier
// purchase of the batch tied to a click, an unknown click and a sign-up
// carrying only the browser id.
func TestCollectBatchAsOneByOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		run := func(batch bool) batchOutcome {
			w := newConvWorld(t, db)
			c1 := w.click(t, w.wechat, "v1", w.now.Add(-3*time.Hour))
			c2 := w.click(t, w.weibo, "v2", w.now.Add(-2*time.Hour))
			names := map[string]string{c1: "c1", c2: "c2"}
			at := func(d time.Duration) *time.Time { ts := w.now.Add(d); return &ts }
			// A public-key claim of o-3 before the shop's server sends it.
			if _, err := w.svc.Collect(ctx, w.site, conversion.SourceSnippet,
				conversion.Payload{Event: conversion.Purchase, ClickID: c2, OrderID: "o-3", Value: 1}); err != nil {
				t.Fatal(err)
			}
			ps := []conversion.Payload{
				{Event: conversion.Landing, ClickID: c1, BrowserID: "bAAAAAAAAAAAAAAA", TS: at(-3*time.Hour + 5*time.Second)},
				{Event: conversion.Engaged, ClickID: c1, BrowserID: "bAAAAAAAAAAAAAAA", TS: at(-3*time.Hour + time.Minute)},
				{Event: conversion.Landing, ClickID: c1, BrowserID: "bAAAAAAAAAAAAAAA", TS: at(-3*time.Hour + 2*time.Minute)},
				{Event: conversion.Purchase, ClickID: c1, CustomerID: "cu-1", OrderID: "o-1", Value: 99, TS: at(-2 * time.Hour)},
				{Event: conversion.Purchase, CustomerID: "cu-1", OrderID: "o-2", Value: 59, TS: at(-time.Hour)},
				{Event: conversion.Purchase, ClickID: c1, CustomerID: "cu-1", OrderID: "o-1", Value: 99, TS: at(-2 * time.Hour)},
				{Event: conversion.Purchase, ClickID: c2, OrderID: "o-3", Value: 129, TS: at(-90 * time.Minute)},
				{Event: conversion.Landing, ClickID: c2, TS: at(-2*time.Hour + 3*time.Second)},
				{Event: conversion.Lead, ClickID: "0000000unknownclick00", TS: at(-30 * time.Minute)},
				{Event: conversion.Signup, BrowserID: "bAAAAAAAAAAAAAAA", TS: at(-20 * time.Minute)},
			}
			var res []conversion.Result
			if batch {
				var err error
				if res, err = w.svc.CollectBatch(ctx, w.site, conversion.SourceServer, ps); err != nil {
					t.Fatalf("CollectBatch: %v", err)
				}
			} else {
				for _, p := range ps {
					r, err := w.svc.Collect(ctx, w.site, conversion.SourceServer, p)
					if err != nil {
						t.Fatalf("Collect %s: %v", p.Event, err)
					}
					res = append(res, r)
				}
			}
			var out batchOutcome
			for _, r := range res {
				out.Results = append(out.Results, fmt.Sprintf("%s dup=%t replaced=%t attributed=%t campaign=%v",
					r.Event, r.Duplicate, r.Replaced, r.Attributed, deref(r.CampaignID)))
			}
			stored, err := w.svc.List(ctx, w.ws, conversion.ListFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range stored {
				out.Stored = append(out.Stored, fmt.Sprintf("%s before now: %s order=%s click=%s campaign=%v customer=%s browser=%.1s value=%g source=%s",
					w.now.Sub(c.At), c.Event, c.OrderID, names[c.ClickID], deref(c.CampaignID), c.CustomerID, c.BrowserID, c.Value, c.Source))
			}
			// Sorted: a batch's replacements take ids after its other
			// events', so the list's order differs.
			slices.Sort(out.Stored)
			totals, err := db.ClickTotals(ctx, w.ws, w.now.Add(-24*time.Hour), w.now)
			if err != nil {
				t.Fatal(err)
			}
			for _, ct := range totals {
				out.Totals = append(out.Totals, fmt.Sprintf("campaign=%v %s effective=%d landed=%d engaged=%d",
					deref(ct.CampaignID), ct.Channel, ct.EffectiveClicks, ct.LandedClicks, ct.EngagedVisits))
			}
			return out
		}
		one, batch := run(false), run(true)
		if !reflect.DeepEqual(batch, one) {
			t.Errorf("CollectBatch:\n%s\nCollect one by one:\n%s", batch, one)
		}
		// What one by one gives, so that both cannot be wrong alike.
		for i, want := range map[int]string{
			2: "landing dup=true replaced=false attributed=true campaign=1",
			4: "purchase dup=false replaced=false attributed=true campaign=1",
			5: "purchase dup=true replaced=false attributed=true campaign=1",
			6: "purchase dup=false replaced=true attributed=true campaign=2",
			8: "lead dup=false replaced=false attributed=false campaign=<nil>",
			9: "signup dup=false replaced=false attributed=true campaign=<nil>",
		} {
			if got := one.Results[i]; got != want {
				t.Errorf("event %d one by one: %s; want %s", i, got, want)
			}
		}
	})
}

// batchOutcome is what a run of events left, in words that do not
// depend on the workspace: the answers, the events stored and the click
// totals.
type batchOutcome struct {
	Results, Stored, Totals []string
}

func (o batchOutcome) String() string {
	return fmt.Sprintf("results %q\nstored %q\ntotals %q", o.Results, o.Stored, o.Totals)
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestCollectBatchRefusesBadEvent: a bad event in a batch is named by its
// index, and nothing of the batch is stored.
func TestCollectBatchRefusesBadEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		c1 := w.click(t, w.wechat, "v1", w.now.Add(-time.Hour))
		_, err := w.svc.CollectBatch(ctx, w.site, conversion.SourceServer, []conversion.Payload{
			{Event: conversion.Landing, ClickID: c1},
			{Event: conversion.Purchase, ClickID: c1, OrderID: "o-1", Value: 10, Currency: "USD"},
		})
		wantCode(t, "purchase in USD", err, apperr.Invalid)
		if err == nil || !strings.Contains(err.Error(), "events[1].currency") {
			t.Errorf("err = %v; want it to name events[1].currency", err)
		}
		stored, err := w.svc.List(ctx, w.ws, conversion.ListFilter{})
		if err != nil || len(stored) != 0 {
			t.Errorf("stored %d events (%v); want none", len(stored), err)
		}
	})
}
