package store_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestPublicKeyCannotSteerCustomers: an event sent with the public key
// (which every landing page shows) names a customer only as the browser
// that first named it does. An outsider's events with their own click and
// other people's customer ids neither move those customers' first and
// last clicks nor add touches to their purchases, whether the customer
// was first named by the landing page, by the shop's server, or not yet
// by the server; the customer's own browser still moves them on.
func TestPublicKeyCannotSteerCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		day := 24 * time.Hour
		send := func(source string, p conversion.Payload) conversion.Result {
			t.Helper()
			res, err := w.svc.Collect(ctx, w.site, source, p)
			if err != nil {
				t.Fatalf("Collect(%s, %+v): %v", source, p, err)
			}
			return res
		}
		const annBrowser, evilBrowser = "bAnnAnnAnnAnnAnn", "bEvilEvilEvilEvi"
		// Ann landed from WeChat (campaign 1) three days ago and signed up;
		// Bob's signup, with his WeChat click, came from the shop's server.
		w.now = w.now.Add(-3 * day)
		annClick := w.click(t, w.wechat, "ann", w.now.Add(-time.Minute))
		send(conversion.SourceSnippet, conversion.Payload{Event: conversion.Landing, ClickID: annClick, BrowserID: annBrowser})
		send(conversion.SourceSnippet, conversion.Payload{Event: conversion.Signup, ClickID: annClick, BrowserID: annBrowser, CustomerID: "ann"})
		bobClick := w.click(t, w.wechat, "bob", w.now.Add(-time.Minute))
		send(conversion.SourceServer, conversion.Payload{Event: conversion.Signup, ClickID: bobClick, CustomerID: "bob"})
		// Today the outsider clicks Weibo (campaign 2) and claims both,
		// from a browser and from none.
		w.now = w.now.Add(3 * day)
		evil := w.click(t, w.weibo, "mallory", w.now.Add(-time.Hour))
		for _, who := range []string{"ann", "bob"} {
			send(conversion.SourceSnippet, conversion.Payload{Event: conversion.Lead, ClickID: evil, BrowserID: evilBrowser, CustomerID: who})
			send(conversion.SourceSnippet, conversion.Payload{Event: conversion.AddToCart, ClickID: evil, CustomerID: who})
		}
		for who, first := range map[string]string{"ann": annClick, "bob": bobClick} {
			if cu, err := db.Customer(ctx, w.ws, who); err != nil || cu.FirstClickID != first || cu.LastClickID != first {
				t.Errorf("customer %s = %+v, %v; want first and last click %s", who, cu, err, first)
			}
			res := send(conversion.SourceServer, conversion.Payload{Event: conversion.Purchase, OrderID: "o-" + who, Value: 100, CustomerID: who})
			if res.CampaignID == nil || *res.CampaignID != 1 {
				t.Errorf("purchase of %s = %+v; want campaign 1", who, res)
			}
		}
		f := conversion.Filter{From: w.now.Add(-10 * day), To: w.now.Add(time.Hour)}
		for _, m := range conversion.Models {
			for id, want := range map[int64]float64{1: 200, 2: 0} {
				fn, err := w.svc.Funnel(ctx, w.ws, conversion.Filter{CampaignID: &id, From: f.From, To: f.To}, m)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(fn.Revenue-want) > 1e-9 {
					t.Errorf("%s: campaign %d revenue = %v; want %v", m, id, fn.Revenue, want)
				}
			}
		}

		// Ann's own browser comes back through Weibo: she moves on, and her
		// next purchase is Weibo's under last touch.
		back := w.click(t, w.weibo, "ann", w.now.Add(-time.Minute))
		send(conversion.SourceSnippet, conversion.Payload{Event: conversion.AddToCart, ClickID: back, BrowserID: annBrowser, CustomerID: "ann"})
		if cu, err := db.Customer(ctx, w.ws, "ann"); err != nil || cu.FirstClickID != annClick || cu.LastClickID != back {
			t.Errorf("ann after her return = %+v, %v; want first %s, last %s", cu, err, annClick, back)
		}
		if res := send(conversion.SourceServer, conversion.Payload{Event: conversion.Purchase, OrderID: "o-ann-2", Value: 10, CustomerID: "ann"}); res.CampaignID == nil || *res.CampaignID != 2 {
			t.Errorf("ann's second purchase = %+v; want campaign 2", res)
		}
		// The server moves its customer wherever it says.
		send(conversion.SourceServer, conversion.Payload{Event: conversion.CheckoutStart, ClickID: evil, CustomerID: "bob"})
		if cu, err := db.Customer(ctx, w.ws, "bob"); err != nil || cu.LastClickID != evil {
			t.Errorf("bob after the server's event = %+v, %v; want last click %s", cu, err, evil)
		}
	})
}

// TestUpgradedCustomerBrowsers: the upgrade gives each customer bound
// before it the browser of the first event that carried a click for them:
// that browser still moves them, another does not, and a customer the
// server bound is the server's.
func TestUpgradedCustomerBrowsers(t *testing.T) {
	eachUpgrade(t, "0027_click_marks_at.sql", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newOldConvWorld(t, db)
		annClick := w.click(t, w.wechat, "ann", w.now.Add(-2*time.Hour))
		bobClick := w.click(t, w.wechat, "bob", w.now.Add(-2*time.Hour))
		const annBrowser = "bAnnAnnAnnAnnAnn"
		for _, c := range []conversion.Conversion{
			{Event: conversion.Signup, ClickID: annClick, CustomerID: "ann", BrowserID: annBrowser, Source: conversion.SourceSnippet},
			{Event: conversion.Lead, ClickID: annClick, CustomerID: "ann", BrowserID: "bOtherOtherOther", Source: conversion.SourceSnippet},
			{Event: conversion.Signup, ClickID: bobClick, CustomerID: "bob", Source: conversion.SourceServer},
		} {
			c.WorkspaceID, c.At = w.ws, w.now.Add(-time.Hour)
			if _, _, err := db.AddConversion(ctx, c, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.WriteDB().ExecContext(ctx, `INSERT INTO customers (workspace_id, customer_id, first_click_id, first_at, last_click_id, last_at)
				VALUES ($1, $2, $3, $4, $3, $4) ON CONFLICT DO NOTHING`, w.ws, c.CustomerID, c.ClickID, w.now.Add(-2*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		w.readSite(t)
		later := w.click(t, w.weibo, "someone", w.now.Add(-time.Minute))
		for _, claim := range []conversion.Payload{
			{Event: conversion.AddToCart, ClickID: later, CustomerID: "ann", BrowserID: "bOtherOtherOther"},
			{Event: conversion.AddToCart, ClickID: later, CustomerID: "bob", BrowserID: annBrowser},
			{Event: conversion.CouponClaim, ClickID: later, CustomerID: "ann", BrowserID: annBrowser},
		} {
			if _, err := w.svc.Collect(ctx, w.site, conversion.SourceSnippet, claim); err != nil {
				t.Fatal(err)
			}
		}
		for who, last := range map[string]string{"ann": later, "bob": bobClick} {
			if cu, err := db.Customer(ctx, w.ws, who); err != nil || cu.LastClickID != last {
				t.Errorf("customer %s after the upgrade = %+v, %v; want last click %s", who, cu, err, last)
			}
		}
	})
}
