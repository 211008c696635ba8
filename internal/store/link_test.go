package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/demo"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

var linkTestSlugs atomic.Int64

func linkTestWorkspace(t testing.TB, db *store.DB) int64 {
	t.Helper()
	slug := fmt.Sprintf("link-test-%d", linkTestSlugs.Add(1))
	var id int64
	err := db.WriteDB().QueryRowContext(context.Background(), `INSERT INTO workspaces
		(slug, name, time_zone, currency, created_at, updated_at)
		VALUES ($1, 'Test', 'Asia/Shanghai', 'CNY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
		RETURNING id`, slug).Scan(&id)
	if err != nil {
		t.Fatalf("insert workspace: %v", err)
	}
	return id
}

func newTestLink(t testing.TB, db *store.DB, ws int64) link.Link {
	t.Helper()
	campaign := int64(42)
	l, err := db.CreateLink(context.Background(), link.Link{WorkspaceID: ws, Code: link.NewCode(), Destination: "https://shop.example.com/p?id=1",
		Label: "春茶", CampaignID: &campaign, Channel: "weibo", UTM: link.UTM{Source: "weibo", Medium: "social", Campaign: "spring"}})
	if err != nil {
		t.Fatalf("CreateLink: %v", err)
	}
	return l
}

func TestLinkStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, other := linkTestWorkspace(t, db), linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		if l.ID == 0 || l.CreatedAt.IsZero() {
			t.Fatalf("created %+v", l)
		}
		_, err := db.CreateLink(ctx, link.Link{WorkspaceID: ws, Code: l.Code, Destination: "https://x.example/"})
		wantCode(t, "duplicate code", err, apperr.Conflict)

		got, err := db.Link(ctx, ws, l.ID)
		if err != nil || got.Code != l.Code || got.Label != "春茶" || got.CampaignID == nil || *got.CampaignID != 42 || got.PostID != nil || got.UTM.Campaign != "spring" {
			t.Fatalf("Link = %+v, %v", got, err)
		}
		_, err = db.Link(ctx, other, l.ID)
		wantCode(t, "link of another workspace", err, apperr.NotFound)
		wantCode(t, "update in another workspace", db.UpdateLink(ctx, link.Link{ID: l.ID, WorkspaceID: other, Destination: "https://x.example/"}), apperr.NotFound)
		wantCode(t, "delete in another workspace", db.DeleteLink(ctx, other, l.ID), apperr.NotFound)

		exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		got.ExpiresAt, got.Destination = &exp, "https://shop.example.com/q"
		if err := db.UpdateLink(ctx, got); err != nil {
			t.Fatal(err)
		}
		byCode, tz, err := db.LinkByCode(ctx, l.Code)
		if err != nil || tz != "Asia/Shanghai" || byCode.Destination != "https://shop.example.com/q" || byCode.ExpiresAt == nil || !byCode.ExpiresAt.Equal(exp) {
			t.Fatalf("LinkByCode = %+v, %q, %v", byCode, tz, err)
		}
		_, _, err = db.LinkByCode(ctx, "zzzzzzz")
		wantCode(t, "unknown code", err, apperr.NotFound)

		second := newTestLink(t, db, ws)
		list, err := db.Links(ctx, ws, link.Filter{})
		if err != nil || len(list) != 2 || list[0].ID != second.ID {
			t.Fatalf("Links = %+v, %v", list, err)
		}
		c := int64(42)
		if list, _ := db.Links(ctx, ws, link.Filter{CampaignID: &c, Channel: "weibo"}); len(list) != 2 {
			t.Errorf("filtered list has %d", len(list))
		}
		if list, _ := db.Links(ctx, ws, link.Filter{Channel: "wechat"}); len(list) != 0 {
			t.Errorf("channel filter let %d through", len(list))
		}
		if list, _ := db.Links(ctx, other, link.Filter{}); len(list) != 0 {
			t.Errorf("other workspace sees %d links", len(list))
		}
		refsOf := func(ws int64) ([]link.LinkRef, error) {
			var refs []link.LinkRef
			err := db.EachLinkDestination(ctx, ws, func(r link.LinkRef) error { refs = append(refs, r); return nil })
			return refs, err
		}
		if refs, err := refsOf(ws); err != nil || len(refs) != 2 || refs[0].ID != second.ID || refs[1] != (link.LinkRef{ID: l.ID, Code: l.Code, Label: "春茶", Destination: "https://shop.example.com/q"}) {
			t.Errorf("EachLinkDestination gave %+v, %v; want the two links, newest first", refs, err)
		}
		if refs, err := refsOf(other); err != nil || len(refs) != 0 {
			t.Errorf("EachLinkDestination of another workspace gave %+v, %v", refs, err)
		}
		stop := errors.New("enough")
		calls := 0
		if err := db.EachLinkDestination(ctx, ws, func(link.LinkRef) error { calls++; return stop }); err != stop || calls != 1 {
			t.Errorf("EachLinkDestination after fn's error: %v after %d calls; want fn's error after one", err, calls)
		}

		if d, err := db.AllowedDomains(ctx, ws); err != nil || len(d) != 0 {
			t.Fatalf("AllowedDomains = %v, %v", d, err)
		}
		if err := db.SetAllowedDomains(ctx, ws, []string{"shop.example.com", "cdn.example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAllowedDomains(ctx, ws, []string{"shop.example.com"}); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.AllowedDomains(ctx, ws); len(d) != 1 || d[0] != "shop.example.com" {
			t.Errorf("AllowedDomains = %v", d)
		}
		if d, _ := db.AllowedDomains(ctx, other); len(d) != 0 {
			t.Errorf("allowlist leaked to another workspace: %v", d)
		}

		if err := db.DeleteLink(ctx, ws, second.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.Link(ctx, ws, second.ID)
		wantCode(t, "deleted link", err, apperr.NotFound)
	})
}

func testClick(l link.Link, at time.Time, class link.Class, visitor string, candidate bool) link.Click {
	c := link.Click{ClickID: link.NewClickID(), WorkspaceID: l.WorkspaceID, LinkID: l.ID, At: at, Class: class, Visitor: visitor,
		Day: at.Format(time.DateOnly), Device: "mobile", OS: "iOS", Browser: "Safari", Referrer: "s.weibo.com", Country: "CN", Region: "GD"}
	if candidate {
		c.UniqueDay = c.Day
	}
	return c
}

// TestSnippetSince: a link's effective clicks are its unique clicks until
// the hour of the first person's click whose landing was reported, when
// more than a few came before, and the landed ones after; a landing from a crawler's click switches
// nothing, and a landing that arrives before its click is written counts
// once the click is.
func TestSnippetSince(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		day := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		counts := func(when string, effective int64, fallback bool) {
			t.Helper()
			got, err := db.Link(ctx, ws, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Counts.EffectiveClicks != effective || got.Counts.EffectiveFallback != fallback {
				t.Errorf("%s: effective %d, fallback %v; want %d, %v (%+v)", when, got.Counts.EffectiveClicks, got.Counts.EffectiveFallback,
					effective, fallback, got.Counts)
			}
		}
		// A new link has no unique clicks counted as effective.
		counts("no clicks", 0, false)
		// Twelve people on days 1 and 2, before the snippet, and a crawler.
		var before []link.Click
		for i := range 12 {
			before = append(before, testClick(l, day.Add(time.Duration(i/6)*24*time.Hour+time.Duration(i)*time.Minute), link.Human, fmt.Sprint("v", i), true))
		}
		crawler := testClick(l, day.Add(24*time.Hour+30*time.Minute), link.Bot, "bot", false)
		if _, err := db.WriteClicks(ctx, append(before, crawler)); err != nil {
			t.Fatal(err)
		}
		counts("no landing", 12, true)
		if _, err := db.MarkClick(ctx, crawler.ClickID, true, false); err != nil {
			t.Fatal(err)
		}
		counts("a crawler's landing", 12, true)

		// The snippet goes in on day 3: one visitor lands, one does not;
		// the landing of a third arrives before the writer stores its click.
		after := []link.Click{
			testClick(l, day.Add(48*time.Hour), link.Human, "c", true),
			testClick(l, day.Add(49*time.Hour), link.Human, "d", true),
			testClick(l, day.Add(50*time.Hour), link.Human, "e", true),
		}
		if _, err := db.WriteClicks(ctx, after[:2]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkClick(ctx, after[0].ClickID, true, false); err != nil {
			t.Fatal(err)
		}
		counts("the snippet seen", 13, true) // the twelve, then c
		if _, err := db.MarkClick(ctx, after[2].ClickID, true, false); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("MarkClick before the click is written = %v; want not found (kept)", err)
		}
		if _, err := db.WriteClicks(ctx, after[2:]); err != nil {
			t.Fatal(err)
		}
		counts("the early landing applied", 14, true)

		st, err := db.LinkStats(ctx, ws, l.ID, day, day.Add(72*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range st.Hourly {
			got = append(got, fmt.Sprintf("%s %d/%d %v", p.At.Format("02 15"), p.UniqueClicks, p.EffectiveClicks, p.EffectiveFallback))
		}
		want := []string{"01 10 6/6 true", "02 10 6/6 true", "03 10 1/1 false", "03 11 1/0 false", "03 12 1/1 false"}
		if !slices.Equal(got, want) {
			t.Errorf("hourly %q; want %q", got, want)
		}
		// The funnel's totals agree.
		totals, err := db.ClickTotals(ctx, ws, day, day.Add(72*time.Hour))
		if err != nil || len(totals) != 1 || totals[0].EffectiveClicks != 14 || totals[0].FallbackLinks != 1 {
			t.Errorf("ClickTotals = %+v, %v; want 14 effective, 1 link falling back", totals, err)
		}
		totals, err = db.ClickTotals(ctx, ws, day.Add(48*time.Hour), day.Add(72*time.Hour))
		if err != nil || len(totals) != 1 || totals[0].EffectiveClicks != 2 || totals[0].FallbackLinks != 0 {
			t.Errorf("ClickTotals from day 3 = %+v, %v; want 2 effective, no link falling back", totals, err)
		}

		// A link whose first landing comes after a few unique clicks
		// (here one, two days before) carried the snippet from its first
		// click: the visitor before left before the page loaded.
		l2 := newTestLink(t, db, ws)
		bounce, lands := testClick(l2, day, link.Human, "f", true), testClick(l2, day.Add(50*time.Hour), link.Human, "g", true)
		if _, err := db.WriteClicks(ctx, []link.Click{bounce, lands}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkClick(ctx, lands.ClickID, true, false); err != nil {
			t.Fatal(err)
		}
		l2got, err := db.Link(ctx, ws, l2.ID)
		if err != nil || l2got.Counts.UniqueClicks != 2 || l2got.Counts.EffectiveClicks != 1 || l2got.Counts.EffectiveFallback {
			t.Errorf("the link landed on its first day: %+v, %v; want 2 unique, 1 effective, no fallback", l2got.Counts, err)
		}
	})
}

func TestWriteClicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		h := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		batch := []link.Click{
			testClick(l, h.Add(1*time.Minute), link.Human, "v1", true),
			testClick(l, h.Add(2*time.Minute), link.Human, "v2", true),
			testClick(l, h.Add(3*time.Minute), link.Preview, "v3", false),
			testClick(l, h.Add(4*time.Minute), link.Bot, "v4", false),
			testClick(l, h.Add(65*time.Minute), link.Human, "v1", false),
		}
		// v2 landed before its click was written.
		if _, err := db.MarkClick(ctx, batch[1].ClickID, true, false); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("early MarkClick: %v, want NotFound", err)
		}
		if _, err := db.WriteClicks(ctx, batch); err != nil {
			t.Fatalf("WriteClicks: %v", err)
		}
		if !batch[0].Unique || !batch[1].Unique || batch[2].Unique || batch[4].Unique {
			t.Errorf("unique flags %v %v %v %v", batch[0].Unique, batch[1].Unique, batch[2].Unique, batch[4].Unique)
		}
		// A second writer claiming v1 again the same day loses the claim.
		again := []link.Click{testClick(l, h.Add(90*time.Minute), link.Human, "v1", true)}
		if _, err := db.WriteClicks(ctx, again); err != nil {
			t.Fatal(err)
		}
		if again[0].Unique {
			t.Error("a second claim of the same visitor and day was unique")
		}

		ref, err := db.MarkClick(ctx, batch[0].ClickID, true, false)
		if err != nil || !ref.Unique || ref.Class != "human" || ref.LinkID != l.ID || ref.CampaignID == nil || *ref.CampaignID != 42 || ref.Channel != "weibo" || ref.Visitor != "v1" {
			t.Fatalf("MarkClick = %+v, %v", ref, err)
		}
		if _, err := db.MarkClick(ctx, batch[0].ClickID, true, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkClick(ctx, batch[0].ClickID, true, true); err != nil { // counted once
			t.Fatal(err)
		}
		if _, err := db.MarkClick(ctx, batch[2].ClickID, true, true); err != nil { // preview: not counted
			t.Fatal(err)
		}
		_, err = db.MarkClick(ctx, "no-such-click-id-at-all", true, false)
		wantCode(t, "unknown cid", err, apperr.NotFound)
		_, err = db.Click(ctx, "../../etc/passwd")
		wantCode(t, "malformed cid", err, apperr.NotFound)
		got, err := db.Click(ctx, batch[1].ClickID)
		if err != nil || !got.Landed || got.Engaged || !got.At.Equal(batch[1].At) {
			t.Errorf("Click = %+v, %v; want the early landing applied", got, err)
		}

		// The landing that marked v1's click was reported as an event: the
		// link's destination carries the snippet.
		landing(t, db, l, batch[0].ClickID)
		st, err := db.LinkStats(ctx, ws, l.ID, h.Add(-time.Hour), h.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Hourly) != 2 {
			t.Fatalf("hourly = %+v", st.Hourly)
		}
		first, second := st.Hourly[0], st.Hourly[1]
		want1 := link.Counts{Clicks: 4, HumanClicks: 2, UniqueClicks: 2, EffectiveClicks: 2, EngagedVisits: 1}
		want2 := link.Counts{Clicks: 2, HumanClicks: 2}
		if !first.At.Equal(h) || first.Counts != want1 || second.Counts != want2 {
			t.Errorf("hourly\n got %+v %+v\nwant %+v %+v", first, second, want1, want2)
		}
		classes := map[string]int64{}
		for _, b := range st.Breakdowns["class"] {
			classes[b.Key] = b.Clicks
		}
		if classes["human"] != 4 || classes["preview"] != 1 || classes["bot"] != 1 {
			t.Errorf("class breakdown %v", st.Breakdowns["class"])
		}
		if r := st.Breakdowns["region"]; len(r) != 1 || r[0].Key != "CN-GD" || r[0].HumanClicks != 4 {
			t.Errorf("region breakdown %v", r)
		}
		list, _ := db.Links(ctx, ws, link.Filter{})
		if list[0].Counts.Clicks != 6 || list[0].Counts.EffectiveClicks != 2 {
			t.Errorf("list counts %+v", list[0].Counts)
		}
		_, err = db.LinkStats(ctx, linkTestWorkspace(t, db), l.ID, h, h.Add(time.Hour))
		wantCode(t, "stats of another workspace", err, apperr.NotFound)
	})
}

// landing stores the landing event of a click of l, as Collect does.
func landing(t *testing.T, db *store.DB, l link.Link, clickID string) {
	t.Helper()
	if _, _, err := db.AddConversion(context.Background(), conversion.Conversion{WorkspaceID: l.WorkspaceID, Event: conversion.Landing,
		EventID: "landing:" + clickID, ClickID: clickID, LinkID: &l.ID, Source: conversion.SourceSnippet, At: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestLinkStatsFallbackNeedsUniqueClicks: an hour before a link's
// snippet was first seen that had no unique click (a crawler came first)
// counts no unique click as effective, so the link's figures do not say
// that some of its effective clicks are unique clicks; the link's own
// counts and the funnel's agree.
func TestLinkStatsFallbackNeedsUniqueClicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		h := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		crawler := testClick(l, h.Add(5*time.Minute), link.Bot, "bot", false)
		person := testClick(l, h.Add(70*time.Minute), link.Human, "p", true)
		if _, err := db.WriteClicks(ctx, []link.Click{crawler, person}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkClick(ctx, person.ClickID, true, false); err != nil {
			t.Fatal(err)
		}
		st, err := db.LinkStats(ctx, ws, l.ID, h, h.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var fallback bool
		for _, p := range st.Hourly {
			fallback = fallback || p.EffectiveFallback
		}
		got, err := db.Link(ctx, ws, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Hourly) != 2 || fallback || got.Counts.EffectiveFallback || got.Counts.EffectiveClicks != 1 {
			t.Errorf("hourly %+v, link %+v; want two hours, 1 effective click and no fallback", st.Hourly, got.Counts)
		}
	})
}

// TestEffectiveFallback: a link from whose destination no landing was ever
// reported carries no snippet, so its unique clicks count as effective
// (METRICS.md), in its counts, its hourly points and the funnel's click
// totals, which say how many links that concerns.
func TestEffectiveFallback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		h := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
		tracked, plain := newTestLink(t, db, ws), newTestLink(t, db, ws)
		var clicks []link.Click
		for i := range 3 {
			clicks = append(clicks, testClick(tracked, h.Add(time.Duration(i)*time.Minute), link.Human, fmt.Sprintf("t%d", i), true),
				testClick(plain, h.Add(time.Duration(i)*time.Minute), link.Human, fmt.Sprintf("p%d", i), true))
		}
		clicks = append(clicks, testClick(plain, h, link.Bot, "bot", false))
		if _, err := db.WriteClicks(ctx, clicks); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkClick(ctx, clicks[0].ClickID, true, false); err != nil {
			t.Fatal(err)
		}
		landing(t, db, tracked, clicks[0].ClickID)

		for _, tt := range []struct {
			l    link.Link
			want link.Counts
		}{
			{tracked, link.Counts{Clicks: 3, HumanClicks: 3, UniqueClicks: 3, EffectiveClicks: 1}},
			{plain, link.Counts{Clicks: 4, HumanClicks: 3, UniqueClicks: 3, EffectiveClicks: 3, EffectiveFallback: true}},
		} {
			got, err := db.Link(ctx, ws, tt.l.ID)
			if err != nil || got.Counts != tt.want {
				t.Errorf("link %d counts = %+v, %v; want %+v", tt.l.ID, got.Counts, err, tt.want)
			}
			st, err := db.LinkStats(ctx, ws, tt.l.ID, h, h.Add(time.Hour))
			if err != nil || len(st.Hourly) != 1 || st.Hourly[0].Counts != tt.want {
				t.Errorf("link %d hourly = %+v, %v; want one point of %+v", tt.l.ID, st.Hourly, err, tt.want)
			}
		}
		list, err := db.Links(ctx, ws, link.Filter{})
		if err != nil || len(list) != 2 || list[0].ID != plain.ID || !list[0].Counts.EffectiveFallback || list[1].Counts.EffectiveFallback {
			t.Errorf("Links = %+v, %v; want the plain link with the fallback, the tracked one without", list, err)
		}
		totals, err := db.ClickTotals(ctx, ws, h, h.Add(time.Hour))
		if err != nil || len(totals) != 1 || totals[0].EffectiveClicks != 4 || totals[0].UniqueClicks != 6 || totals[0].FallbackLinks != 1 {
			t.Errorf("ClickTotals = %+v, %v; want 4 effective of 6 unique, 1 fallback link", totals, err)
		}
	})
}

// TestWriteClicksChunks writes batches whose clicks, unique claims and
// roll-up keys fall on both sides of the bulk statements' chunk sizes, and
// checks that every click is stored and counted once.
func TestWriteClicksChunks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		h := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
		for _, size := range []int{1, 7, 255, 512, 513, 1300} {
			t.Run(strconv.Itoa(size), func(t *testing.T) {
				l := newTestLink(t, db, ws)
				batch := make([]link.Click, size)
				for i := range batch {
					// Four clicks an hour, so that a large batch has more
					// roll-up keys than one chunk of them; every click is
					// a unique candidate.
					batch[i] = testClick(l, h.Add(time.Duration(i)*15*time.Minute), link.Human, fmt.Sprintf("v%d", i), true)
				}
				if _, err := db.WriteClicks(ctx, batch); err != nil {
					t.Fatalf("WriteClicks: %v", err)
				}
				for i, c := range batch {
					if !c.Unique {
						t.Fatalf("click %d of %d is not unique", i, size)
					}
				}
				for _, i := range []int{0, size / 2, size - 1} {
					if got, err := db.Click(ctx, batch[i].ClickID); err != nil || got.Visitor != batch[i].Visitor {
						t.Errorf("Click(%d) = %+v, %v", i, got, err)
					}
				}
				var stored int
				if err := db.WriteDB().QueryRowContext(ctx, `SELECT COUNT(*) FROM click_events WHERE link_id = $1`, l.ID).Scan(&stored); err != nil || stored != size {
					t.Errorf("stored %d clicks (%v), want %d", stored, err, size)
				}
				got, err := db.Link(ctx, ws, l.ID)
				// No landing from this link: its unique clicks are effective.
				want := link.Counts{Clicks: int64(size), HumanClicks: int64(size), UniqueClicks: int64(size), EffectiveClicks: int64(size), EffectiveFallback: true}
				if err != nil || got.Counts != want {
					t.Errorf("counts = %+v, %v; want %+v", got.Counts, err, want)
				}
			})
		}
	})
}

// TestWriteClicksOfDeletedLink: a link deleted while its clicks wait in
// the writer's queue costs only those clicks: the batch stores the others
// and says how many it stored.
func TestWriteClicksOfDeletedLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		gone, kept := newTestLink(t, db, ws), newTestLink(t, db, ws)
		if err := db.DeleteLink(ctx, ws, gone.ID); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		batch := []link.Click{
			testClick(gone, at, link.Human, "v1", true),
			testClick(kept, at, link.Human, "v1", true),
			testClick(gone, at.Add(time.Hour), link.Bot, "v2", false),
		}
		stored, err := db.WriteClicks(ctx, batch)
		if err != nil || stored != 1 {
			t.Fatalf("WriteClicks = %d, %v; want 1 stored", stored, err)
		}
		if _, err := db.Click(ctx, batch[1].ClickID); err != nil {
			t.Errorf("the live link's click: %v", err)
		}
		for _, c := range []link.Click{batch[0], batch[2]} {
			_, err := db.Click(ctx, c.ClickID)
			wantCode(t, "the deleted link's click", err, apperr.NotFound)
		}
		st, err := db.LinkStats(ctx, ws, kept.ID, at.Add(-time.Hour), at.Add(2*time.Hour))
		if err != nil || len(st.Hourly) != 1 || st.Hourly[0].Clicks != 1 || st.Hourly[0].UniqueClicks != 1 {
			t.Errorf("kept link's roll-ups = %+v, %v; want 1 click, 1 unique", st.Hourly, err)
		}
	})
}

// TestDeleteLinkClicks: a link's clicks go with it, also when its
// workspace is deleted, and no other link's clicks do.
func TestDeleteLinkClicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, other := linkTestWorkspace(t, db), linkTestWorkspace(t, db)
		gone, kept, inOther := newTestLink(t, db, ws), newTestLink(t, db, ws), newTestLink(t, db, other)
		at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		batch := []link.Click{
			testClick(gone, at, link.Human, "v1", false),
			testClick(kept, at, link.Human, "v1", false),
			testClick(inOther, at, link.Bot, "v2", false),
		}
		if _, err := db.WriteClicks(ctx, batch); err != nil {
			t.Fatal(err)
		}
		// Click joins the link, so the rows are counted in the table.
		stored := func() map[string]bool {
			t.Helper()
			out := map[string]bool{}
			for _, c := range batch {
				var n int
				if err := db.WriteDB().QueryRowContext(ctx, `SELECT COUNT(*) FROM click_events WHERE click_id = $1`, c.ClickID).Scan(&n); err != nil {
					t.Fatal(err)
				}
				out[c.ClickID] = n == 1
			}
			return out
		}
		if err := db.DeleteLink(ctx, ws, gone.ID); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{batch[0].ClickID: false, batch[1].ClickID: true, batch[2].ClickID: true}
		if got := stored(); !maps.Equal(got, want) {
			t.Errorf("after DeleteLink: stored %v, want %v", got, want)
		}
		if _, err := db.WriteDB().ExecContext(ctx, `DELETE FROM workspaces WHERE id = $1`, ws); err != nil {
			t.Fatal(err)
		}
		want[batch[1].ClickID] = false
		if got := stored(); !maps.Equal(got, want) {
			t.Errorf("after deleting the workspace: stored %v, want %v", got, want)
		}
	})
}

// TestCheckpoints: the writer leaves WAL checkpoints to the store's
// checkpointer, which truncates the WAL once writes pause.
func TestCheckpoints(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chorus.db")
	db, err := store.Open(ctx, path, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	l := newTestLink(t, db, linkTestWorkspace(t, db))
	batch := make([]link.Click, 2000)
	for i := range batch {
		batch[i] = testClick(l, time.Now(), link.Human, fmt.Sprintf("v%d", i), false)
	}
	if _, err := db.WriteClicks(ctx, batch); err != nil {
		t.Fatal(err)
	}
	wal := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if wal() == 0 {
		t.Fatal("the WAL is empty right after a batch")
	}
	// The checkpointer ticks every second and truncates a wholly
	// checkpointed WAL that has not changed for five seconds, not before.
	start := time.Now()
	for deadline := start.Add(20 * time.Second); wal() > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the WAL still holds %d bytes after writes stopped", wal())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if took := time.Since(start); took < 4*time.Second {
		t.Errorf("the WAL was truncated %v after the last write; a writer's pause that short is not idle", took)
	}
	if got, err := db.Click(ctx, batch[len(batch)-1].ClickID); err != nil || got.ClickID != batch[len(batch)-1].ClickID {
		t.Errorf("after the checkpoint: Click = %+v, %v", got, err)
	}
}

func TestVisitorSalts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, err := db.VisitorSalt(ctx, "2024-05-01", "first")
		if err != nil || a != "first" {
			t.Fatalf("VisitorSalt = %q, %v", a, err)
		}
		if b, _ := db.VisitorSalt(ctx, "2024-05-01", "second"); b != "first" {
			t.Errorf("a second node got its own salt %q", b)
		}
		if _, err := db.VisitorSalt(ctx, "2024-05-03", "third"); err != nil {
			t.Fatal(err)
		}
		if err := db.ForgetBefore(ctx, "2024-05-02", time.Now()); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.VisitorSalt(ctx, "2024-05-01", "new"); s != "new" {
			t.Errorf("old salt survived: %q", s)
		}
		if s, _ := db.VisitorSalt(ctx, "2024-05-03", "x"); s != "third" {
			t.Errorf("current salt deleted: %q", s)
		}
	})
}

// TestForgetSalts: salts go by the time they were created, whatever their
// day; the ones created at or after the cutoff stay.
func TestForgetSalts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2024, 5, 3, 12, 0, 0, 0, time.UTC)
		salts := []struct {
			day     string
			created time.Time
			kept    bool
		}{
			{"2024-05-03", now.Add(-20 * time.Hour), true},
			{"2024-05-02", now.Add(-44 * time.Hour), true},
			{"2024-05-01", now.Add(-48 * time.Hour), true},
			{"2024-04-30", now.Add(-48*time.Hour - time.Microsecond), false},
			{"2024-04-29", now.Add(-49 * time.Hour), false},
			{"2024-04-28", now.Add(-100 * time.Hour), false},
		}
		for _, s := range salts {
			db.Now = func() time.Time { return s.created }
			if _, err := db.VisitorSalt(ctx, s.day, "old"); err != nil {
				t.Fatal(err)
			}
		}
		db.Now = func() time.Time { return now }
		n, err := db.ForgetSalts(ctx, now.Add(-48*time.Hour))
		if err != nil || n != 3 {
			t.Errorf("ForgetSalts = %d, %v; want 3 deleted", n, err)
		}
		for _, s := range salts {
			got, err := db.VisitorSalt(ctx, s.day, "new")
			if err != nil {
				t.Fatal(err)
			}
			if kept := got == "old"; kept != s.kept {
				t.Errorf("salt of %s created %s kept = %v, want %v", s.day, s.created, kept, s.kept)
			}
		}
	})
}

// BenchmarkWriteClicks measures the batch writer's storage: clicks per
// second in batches of 5,000 (a busy writer's batch) over 50 links. As for
// a running writer, time moves on from batch to batch and visitors are
// hashes, which the visitor index takes at random places. sqlite: every
// click human, a tenth of them unique candidates. sqlite-mix: the demo
// traffic's requests (people, previews, crawlers, prefetches: demo.SampleHits)
// made into clicks by the writer's own classification and hashing, each
// person's first click on a link in a batch a candidate (a running writer
// remembers the keys it claimed and asks less). sqlite-week: as sqlite,
// after a week of 250,000 clicks a day. postgres-two-writers
// stores each batch as the writer does with two writers (link.Shard into
// two transactions at once), also with the mix. Run with -bench WriteClicks; set
// CHORUS_TEST_POSTGRES_URL for PostgreSQL.
func BenchmarkWriteClicks(b *testing.B) {
	// agedBatches is the batches of a day stored before sqlite-week's
	// timed ones: 250,000 clicks a day.
	const agedBatches = 50
	ctx := context.Background()
	// fill makes batch n of clicks on links from at.
	type fill func(n int, links []link.Link, at time.Time, batch []link.Click)
	human := func(*store.DB) fill {
		return func(n int, links []link.Link, at time.Time, batch []link.Click) {
			for i := range batch {
				k := n*len(batch) + i
				l := links[k%len(links)]
				visitor := link.VisitorHash("salt", l.WorkspaceID, strconv.Itoa(k), "bench")
				batch[i] = testClick(l, at.Add(time.Duration(k)*time.Millisecond), link.Human, visitor, i%10 == 0)
			}
		}
	}
	mix := func(db *store.DB) fill {
		w := link.NewWriter(db, link.WriterOptions{})
		pool := demo.SampleHits(1, 100_000, 16_000)
		rng := rand.New(rand.NewPCG(1, 2))
		return func(n int, links []link.Link, at time.Time, batch []link.Click) {
			hits := make([]link.Hit, len(batch))
			for i := range hits {
				k := n*len(batch) + i
				l := links[rng.IntN(len(links))]
				hits[i] = pool[k%len(pool)]
				hits[i].ClickID, hits[i].LinkID, hits[i].WorkspaceID = link.NewClickID(), l.ID, l.WorkspaceID
				hits[i].At, hits[i].Loc = at.Add(time.Duration(k)*time.Millisecond), time.UTC
			}
			copy(batch, w.Process(ctx, hits))
		}
	}
	run := func(b *testing.B, db *store.DB, writers, agedDays int, clicks func(*store.DB) fill) {
		ws := linkTestWorkspace(b, db)
		links := make([]link.Link, 50)
		for i := range links {
			links[i] = newTestLink(b, db, ws)
		}
		const batchSize = 5000
		next := clicks(db)
		now := time.Now().UTC().Truncate(time.Second)
		batch := make([]link.Click, batchSize)
		// Batch n's clicks are at at + n·batchSize ms. Days of clicks are
		// stored before the timed ones, as on a server that has run a
		// while: its indexes are then larger than the page cache.
		n := 0
		at := func(day time.Time) time.Time { return day.Add(-time.Duration(n*batchSize) * time.Millisecond) }
		for d := agedDays; d > 0; d-- {
			for range agedBatches {
				next(n, links, at(now.AddDate(0, 0, -d)), batch)
				if _, err := db.WriteClicks(ctx, batch); err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
		from := at(now)
		b.ResetTimer()
		written := 0
		for ; written < b.N; n++ {
			b.StopTimer()
			next(n, links, from, batch)
			b.StartTimer()
			parts := link.Shard(batch, writers)
			errs := make([]error, len(parts))
			var wg sync.WaitGroup
			for i, part := range parts {
				wg.Go(func() { _, errs[i] = db.WriteClicks(ctx, part) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				b.Fatal(err)
			}
			written += batchSize
		}
		b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "clicks/s")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, storetest.SQLite(b), 1, 0, human) })
	b.Run("sqlite-mix", func(b *testing.B) { run(b, storetest.SQLite(b), 1, 0, mix) })
	b.Run("sqlite-week", func(b *testing.B) { run(b, storetest.SQLite(b), 1, 7, human) })
	if os.Getenv(storetest.PostgresEnv) != "" {
		b.Run("postgres", func(b *testing.B) { run(b, storetest.Postgres(b), 1, 0, human) })
		b.Run("postgres-two-writers", func(b *testing.B) { run(b, storetest.Postgres(b), 2, 0, human) })
		b.Run("postgres-two-writers-mix", func(b *testing.B) { run(b, storetest.Postgres(b), 2, 0, mix) })
	}
}

// TestLinkVersion: the link version moves with every change and deletion
// of links, also one that a workspace's deletion cascades to, and not
// with a new link, which no node has cached.
func TestLinkVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		last, err := db.LinkVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		l := newTestLink(t, db, ws)
		gone := newTestLink(t, db, ws)
		newTestLink(t, db, ws)
		now := time.Now().UTC()
		for _, step := range []struct {
			name  string
			moves bool
			do    func() error
		}{
			{"create", false, func() error {
				_, err := db.CreateLink(ctx, link.Link{WorkspaceID: ws, Code: link.NewCode(), Destination: "https://a.example.com/"})
				return err
			}},
			{"disable", true, func() error { l.DisabledAt = &now; return db.UpdateLink(ctx, l) }},
			{"delete", true, func() error { return db.DeleteLink(ctx, ws, gone.ID) }},
			{"delete workspace", true, func() error {
				_, err := db.WriteDB().ExecContext(ctx, `DELETE FROM workspaces WHERE id = $1`, ws)
				return err
			}},
		} {
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			v, err := db.LinkVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if (v != last) != step.moves {
				t.Errorf("%s: version %d after %d, want it to move: %v", step.name, v, last, step.moves)
			}
			last = v
		}
	})
}

// TestLinkBreakdownDays: whole UTC days that ended over an hour ago are
// counted once into click_breakdowns and read from there afterwards; the
// partial first and last days, and today, come from the clicks.
func TestLinkBreakdownDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		now := time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		at := func(day, hm string) time.Time {
			ts, err := time.Parse("2006-01-02 15:04", "2024-05-"+day+" "+hm)
			if err != nil {
				t.Fatal(err)
			}
			return ts
		}
		located := testClick(l, at("09", "00:30"), link.Human, "v3", false)
		located.Country, located.Region = "CN", "SH"
		unknown := func(c link.Click) link.Click { c.Country, c.Region = "", ""; return c }
		clicks := []link.Click{
			unknown(testClick(l, at("07", "10:00"), link.Human, "v1", false)), // before the range
			unknown(testClick(l, at("08", "23:30"), link.Bot, "b", false)),
			unknown(testClick(l, at("08", "23:40"), link.Preview, "p", false)),
			located,
			unknown(testClick(l, at("10", "11:30"), link.Human, "v4", false)), // today
			unknown(testClick(l, at("10", "11:55"), link.Human, "v5", false)),
		}
		if _, err := db.WriteClicks(ctx, clicks); err != nil {
			t.Fatal(err)
		}
		from, to := at("07", "12:00"), now
		want := map[string]map[string]int64{
			"class":  {"human": 3, "bot": 1, "preview": 1},
			"region": {"": 4, "CN-SH": 1},
		}
		check := func(when string) {
			t.Helper()
			st, err := db.LinkStats(ctx, ws, l.ID, from, to)
			if err != nil {
				t.Fatal(err)
			}
			for dim, w := range want {
				got := map[string]int64{}
				for _, b := range st.Breakdowns[dim] {
					got[b.Key] = b.Clicks
				}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("%s: %s breakdown = %v; want %v", when, dim, got, w)
				}
			}
		}
		check("first view")
		if days := texts(t, db, `SELECT day FROM click_breakdown_days WHERE link_id = $1 ORDER BY day`, l.ID); !slices.Equal(days, []string{"2024-05-08", "2024-05-09"}) {
			t.Errorf("filled days %v; want 2024-05-08 and 2024-05-09", days)
		}
		// A filled day is read from its counts: a click stored into it
		// afterwards (which the writer never does) is not seen, while
		// today's are.
		late := []link.Click{unknown(testClick(l, at("08", "12:00"), link.Bot, "late", false)), unknown(testClick(l, at("10", "11:58"), link.Bot, "now", false))}
		if _, err := db.WriteClicks(ctx, late); err != nil {
			t.Fatal(err)
		}
		want["class"]["bot"], want["region"][""] = 2, 5
		check("second view")
	})
}

// TestVisitorKey: the key SQLite indexes a visitor's clicks by is 8
// characters, the same for the same visitor hash and day, led by the day
// (so that one day's keys sit together), and the hash's first 8 for a
// click without a day.
func TestVisitorKey(t *testing.T) {
	const v, w = "AbCdEfGhIjKlMnOpQrStUv", "zYxWvUtSrQpOnMlKjIhGfE"
	key := func(visitor, day string) string { return store.VisitorKey(&link.Click{Visitor: visitor, Day: day}) }
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"same visitor and day", key(v, "2026-12-06"), key(v, "2026-12-06"), true},
		{"another day", key(v, "2026-12-06"), key(v, "2026-12-07"), false},
		{"a year on", key(v, "2026-12-06"), key(v, "2027-12-06"), false},
		{"another visitor, same day prefix", key(v, "2026-12-06")[:2], key(w, "2026-12-06")[:2], true},
		{"another visitor", key(v, "2026-12-06"), key(w, "2026-12-06"), false},
		{"no day: the hash's first 8", key(v, ""), v[:8], true},
	}
	for _, tt := range tests {
		if (tt.a == tt.b) != tt.same {
			t.Errorf("%s: %q and %q, want same %v", tt.name, tt.a, tt.b, tt.same)
		}
		if len(tt.a) > 8 {
			t.Errorf("%s: key %q is over 8 characters", tt.name, tt.a)
		}
	}
}

// TestLaterClickLands: when a visitor's later click of the day is the
// one whose landing is reported (the first page load was left, a double
// tap), their unique click counts as effective, once.
func TestLaterClickLands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		first, again := testClick(l, at, link.Human, "v", true), testClick(l, at.Add(70*time.Minute), link.Human, "v", true)
		other := testClick(l, at.Add(time.Minute), link.Human, "w", true)
		if _, err := db.WriteClicks(ctx, []link.Click{first, other, again}); err != nil {
			t.Fatal(err)
		}
		effective := func(when string, want int64) {
			t.Helper()
			got, err := db.Link(ctx, ws, l.ID)
			if err != nil || got.Counts.UniqueClicks != 2 || got.Counts.EffectiveClicks != want {
				t.Errorf("%s: %+v, %v; want 2 unique, %d effective", when, got.Counts, err, want)
			}
		}
		if _, err := db.MarkClick(ctx, other.ClickID, true, false); err != nil {
			t.Fatal(err)
		}
		effective("the other visitor landed", 1)
		if _, err := db.MarkClick(ctx, again.ClickID, true, true); err != nil {
			t.Fatal(err)
		}
		effective("the later click landed", 2)
		ref, err := db.Click(ctx, first.ClickID)
		if err != nil || !ref.Landed || !ref.Engaged {
			t.Errorf("the unique click %+v, %v; want landed and engaged", ref, err)
		}
		if _, err := db.MarkClick(ctx, first.ClickID, true, true); err != nil {
			t.Fatal(err)
		}
		effective("the unique click's own landing after", 2)
		st, err := db.LinkStats(ctx, ws, l.ID, at, at.Add(2*time.Hour))
		if err != nil || len(st.Hourly) != 2 || st.Hourly[0].EffectiveClicks != 2 || st.Hourly[0].EngagedVisits != 1 || st.Hourly[1].EffectiveClicks != 0 {
			t.Errorf("hourly %+v, %v; want both effective clicks and the engaged visit in the unique clicks' hour", st.Hourly, err)
		}
	})
}

// TestLinkTotals: the totals of a workspace's links count every link and
// sum all their roll-ups, where a list holds the newest (here 2 of 3):
// the oldest link's clicks are in them, effective clicks counted as each
// link's are; another workspace's clicks are not.
func TestLinkTotals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		h := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
		oldest, tracked, quiet := newTestLink(t, db, ws), newTestLink(t, db, ws), newTestLink(t, db, ws)
		other := newTestLink(t, db, linkTestWorkspace(t, db))
		var clicks []link.Click
		for i := range 3 {
			clicks = append(clicks, testClick(oldest, h.Add(time.Duration(i)*time.Minute), link.Human, fmt.Sprintf("o%d", i), true),
				testClick(tracked, h.Add(time.Duration(i)*time.Minute), link.Human, fmt.Sprintf("t%d", i), true))
		}
		clicks = append(clicks, testClick(oldest, h, link.Bot, "bot", false), testClick(other, h, link.Human, "x", true))
		if _, err := db.WriteClicks(ctx, clicks); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkClick(ctx, clicks[1].ClickID, true, true); err != nil {
			t.Fatal(err)
		}
		landing(t, db, tracked, clicks[1].ClickID)

		listed, err := db.Links(ctx, ws, link.Filter{Limit: 2})
		if err != nil || len(listed) != 2 || listed[0].ID != quiet.ID || listed[1].ID != tracked.ID {
			t.Fatalf("Links(limit 2) = %+v, %v; want the quiet and the tracked link", listed, err)
		}
		var sum link.Counts
		for _, l := range listed {
			sum.Add(l.Counts)
		}
		if sum.Clicks != 3 {
			t.Errorf("the listed links have %d clicks; want 3 (the oldest link's not listed)", sum.Clicks)
		}
		got, err := db.LinkTotals(ctx, ws)
		want := link.Totals{Links: 3, Counts: link.Counts{Clicks: 7, HumanClicks: 6, UniqueClicks: 6, EffectiveClicks: 4, EngagedVisits: 1, EffectiveFallback: true}}
		if err != nil || got != want {
			t.Errorf("LinkTotals = %+v, %v; want %+v", got, err, want)
		}
		empty := linkTestWorkspace(t, db)
		if got, err := db.LinkTotals(ctx, empty); err != nil || got != (link.Totals{}) {
			t.Errorf("LinkTotals of a workspace without links = %+v, %v; want zeros", got, err)
		}
	})
}

// TestLandedPrefetchIsPersonsClick: a browser prefetched the link (the
// redirect answered with a cid), and the person's visit used that
// response, so the only click their visit made is the prefetch's, and
// the snippet reports its landing. That click is a person's: human,
// unique for its visitor, link and day, effective, in the click, the
// roll-ups and the breakdowns of a day already filled; a visitor's
// second click of the day stays not unique, and a landing that comes
// before its prefetch is written counts as well.
func TestLandedPrefetchIsPersonsClick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		// Three days ago, 10:00 UTC: the same day in Shanghai.
		h := time.Now().UTC().Truncate(24 * time.Hour).Add(-3*24*time.Hour + 10*time.Hour)
		prefetch := testClick(l, h.Add(time.Minute), link.Prefetch, "p", false)
		seen := testClick(l, h.Add(2*time.Minute), link.Human, "q", true)
		again := testClick(l, h.Add(3*time.Minute), link.Prefetch, "q", false)
		idle := testClick(l, h.Add(4*time.Minute), link.Prefetch, "r", false)
		if _, err := db.WriteClicks(ctx, []link.Click{prefetch, seen, again, idle}); err != nil {
			t.Fatal(err)
		}
		// The day's breakdowns are filled before the landings come (a
		// server reporting them late, with their time).
		if _, err := db.LinkStats(ctx, ws, l.ID, h.Add(-10*time.Hour), h.Add(14*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{prefetch.ClickID, again.ClickID, prefetch.ClickID} {
			if _, err := db.MarkClick(ctx, id, true, false); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct {
			id            string
			class         string
			unique, lands bool
		}{
			{prefetch.ClickID, "human", true, true},
			{seen.ClickID, "human", true, true}, // credited with its visitor's later landing
			{again.ClickID, "human", false, true},
			{idle.ClickID, "prefetch", false, false},
		} {
			ref, err := db.Click(ctx, tt.id)
			if err != nil || ref.Class != tt.class || ref.Unique != tt.unique || ref.Landed != tt.lands {
				t.Errorf("click %s = %+v, %v; want %s, unique %v, landed %v", tt.id, ref, err, tt.class, tt.unique, tt.lands)
			}
		}
		st, err := db.LinkStats(ctx, ws, l.ID, h.Add(-10*time.Hour), h.Add(14*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := link.Counts{Clicks: 4, HumanClicks: 3, UniqueClicks: 2, EffectiveClicks: 2}
		if len(st.Hourly) != 1 || st.Hourly[0].Counts != want {
			t.Errorf("hourly = %+v; want one hour of %+v", st.Hourly, want)
		}
		got := map[string][2]int64{}
		for _, dim := range []string{"class", "device"} {
			for _, b := range st.Breakdowns[dim] {
				got[dim+":"+b.Key] = [2]int64{b.Clicks, b.HumanClicks}
			}
		}
		if wantB := map[string][2]int64{"class:human": {3, 3}, "class:prefetch": {1, 0}, "device:mobile": {4, 3}}; !reflect.DeepEqual(got, wantB) {
			t.Errorf("breakdowns = %v; want %v", got, wantB)
		}

		// Today: the landing reaches the store before the click.
		now := time.Now().UTC().Add(-time.Minute)
		early := testClick(l, now, link.Prefetch, "s", false)
		early.Day = now.In(shanghai(t)).Format(time.DateOnly)
		if _, err := db.MarkClick(ctx, early.ClickID, true, false); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("MarkClick before the click: %v; want NotFound", err)
		}
		if _, err := db.WriteClicks(ctx, []link.Click{early}); err != nil {
			t.Fatal(err)
		}
		if ref, err := db.Click(ctx, early.ClickID); err != nil || ref.Class != "human" || !ref.Unique || !ref.Landed {
			t.Errorf("prefetch whose landing came first = %+v, %v; want a landed unique human click", ref, err)
		}
		got2, err := db.Link(ctx, ws, l.ID)
		if want := (link.Counts{Clicks: 5, HumanClicks: 4, UniqueClicks: 3, EffectiveClicks: 3}); err != nil || got2.Counts != want {
			t.Errorf("link counts = %+v, %v; want %+v", got2.Counts, err, want)
		}
	})
}

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestMarkClicks: a batch of landings marks as MarkClick does one by one
// (each click once however often, the engaged ones engaged, a preview's
// landing uncounted, the mark of a click not written yet kept, a
// malformed id passed over), and on SQLite in one transaction: a mark
// that fails undoes the batch's others, where a commit each kept them.
func TestMarkClicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		h := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		v1 := testClick(l, h.Add(time.Minute), link.Human, "v1", true)
		v2 := testClick(l, h.Add(2*time.Minute), link.Human, "v2", true)
		preview := testClick(l, h.Add(3*time.Minute), link.Preview, "v3", false)
		refused := testClick(l, h.Add(4*time.Minute), link.Human, "v4", true)
		if _, err := db.WriteClicks(ctx, []link.Click{v1, v2, preview, refused}); err != nil {
			t.Fatal(err)
		}
		early := link.NewClickID()
		ids := []string{v1.ClickID, v2.ClickID, preview.ClickID, early, "../../etc/passwd"}
		for range 2 {
			if err := db.MarkClicks(ctx, ids, map[string]bool{v2.ClickID: true}); err != nil {
				t.Fatalf("MarkClicks: %v", err)
			}
		}
		got, err := db.Link(ctx, ws, l.ID)
		if want := (link.Counts{Clicks: 4, HumanClicks: 3, UniqueClicks: 3, EffectiveClicks: 2, EngagedVisits: 1}); err != nil || got.Counts != want {
			t.Errorf("link counts = %+v, %v; want %+v", got.Counts, err, want)
		}
		for _, tt := range []struct {
			id              string
			landed, engaged bool
		}{{v1.ClickID, true, false}, {v2.ClickID, true, true}, {preview.ClickID, true, false}, {refused.ClickID, false, false}} {
			if ref, err := db.Click(ctx, tt.id); err != nil || ref.Landed != tt.landed || ref.Engaged != tt.engaged {
				t.Errorf("click %s = %+v, %v; want landed %v, engaged %v", tt.id, ref, err, tt.landed, tt.engaged)
			}
		}
		if kept := texts(t, db, `SELECT click_id FROM click_marks`); !slices.Equal(kept, []string{early}) {
			t.Errorf("marks kept: %v, want the unwritten click's %s", kept, early)
		}

		if db.Dialect() != store.SQLite {
			return // a transaction each: see MarkClicks
		}
		if _, err := db.WriteDB().ExecContext(ctx, `CREATE TRIGGER refuse_mark BEFORE UPDATE OF landed ON click_events
			WHEN NEW.click_id = '`+refused.ClickID+`' BEGIN SELECT RAISE(ABORT, 'refused'); END`); err != nil {
			t.Fatal(err)
		}
		other := testClick(l, h.Add(5*time.Minute), link.Human, "v5", true)
		if _, err := db.WriteClicks(ctx, []link.Click{other}); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkClicks(ctx, []string{other.ClickID, refused.ClickID}, nil); err == nil {
			t.Fatal("MarkClicks with a refused mark = nil, want its error")
		}
		if ref, err := db.Click(ctx, other.ClickID); err != nil || ref.Landed {
			t.Errorf("click marked before the refused one = %+v, %v; want it unmarked with the batch", ref, err)
		}
	})
}

// texts returns the first column of q's rows, read from the writer.
func texts(t *testing.T, db *store.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.WriteDB().QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
