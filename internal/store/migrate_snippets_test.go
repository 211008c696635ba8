package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
)

// TestUpgradedSnippets: migration 0022 dates a link's snippet from the
// hour of the first person's click whose landing was stored (from its
// first unique click when only a few came before), leaving a crawler's
// earlier landing out, so the hours before keep their unique clicks as
// effective.
func TestUpgradedSnippets(t *testing.T) {
	eachUpgrade(t, "0021_alert_delivery.sql", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		day := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		clicks := []link.Click{
			testClick(l, day, link.Bot, "bot", false),
			testClick(l, day.Add(26*time.Hour+17*time.Minute), link.Human, "b", true),
			testClick(l, day.Add(27*time.Hour), link.Human, "c", true),
		}
		// A second link lands after one unique click: it carried the
		// snippet from its first click.
		l2 := newTestLink(t, db, ws)
		clicks = append(clicks, testClick(l2, day, link.Human, "d", true), testClick(l2, day.Add(30*time.Hour), link.Human, "e", true))
		// Eleven people before b on the first link: no snippet then.
		for i := range 11 {
			clicks = append(clicks, testClick(l, day.Add(time.Hour+time.Duration(i)*time.Minute), link.Human, fmt.Sprint("a", i), true))
		}
		if _, err := db.WriteClicks(ctx, clicks); err != nil {
			t.Fatal(err)
		}
		// Landed as MarkClick marked them before 0022: the clicks, and
		// b's hour, as b was unique.
		w := db.WriteDB()
		if _, err := w.ExecContext(ctx, `UPDATE click_events SET landed = TRUE WHERE click_id IN ($1, $2, $3)`,
			clicks[0].ClickID, clicks[1].ClickID, clicks[4].ClickID); err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			link int64
			hour time.Time
		}{{l.ID, day.Add(26 * time.Hour)}, {l2.ID, day.Add(30 * time.Hour)}} {
			if _, err := w.ExecContext(ctx, `UPDATE click_rollups SET effective_clicks = 1 WHERE link_id = $1 AND hour = $2`, r.link, r.hour); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []link.Click{clicks[0], clicks[1], clicks[4]} {
			if _, _, err := db.AddConversion(ctx, conversion.Conversion{WorkspaceID: ws, Event: conversion.Landing, EventID: "landing:" + c.ClickID,
				ClickID: c.ClickID, LinkID: &c.LinkID, Source: conversion.SourceSnippet, At: c.At.Add(time.Minute)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// The eleven before the snippet (fallback), b landed, c did not.
		got, err := db.Link(ctx, ws, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Counts.UniqueClicks != 13 || got.Counts.EffectiveClicks != 12 || !got.Counts.EffectiveFallback {
			t.Errorf("counts after the upgrade %+v; want 13 unique, 12 effective, falling back in part", got.Counts)
		}
		if got, err := db.Link(ctx, ws, l2.ID); err != nil || got.Counts.EffectiveClicks != 1 || got.Counts.EffectiveFallback {
			t.Errorf("the link that landed on its first day: %+v, %v; want 1 effective, no fallback", got.Counts, err)
		}
		totals, err := db.ClickTotals(ctx, ws, day.Add(26*time.Hour), day.Add(28*time.Hour))
		if err != nil || len(totals) != 1 || totals[0].EffectiveClicks != 1 || totals[0].FallbackLinks != 0 {
			t.Errorf("ClickTotals of the second day = %+v, %v; want 1 effective from the snippet's hour on", totals, err)
		}
	})
}
