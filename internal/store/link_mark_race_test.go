package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestLandingAndEngagedOfAPrefetchAtOnce: the snippet reports a
// prefetched click's landing and, seconds later, its engaged visit; a
// shop's server (or the collect path's workers) may store both at once.
// However they interleave, the click is a person's unique, effective and
// engaged click, and its roll-up counts it once as each. Here the landing
// takes the click first while the engaged visit waits: the engaged visit
// must count the click as the landing left it (a person's), not as it
// read it before waiting (a prefetch).
func TestLandingAndEngagedOfAPrefetchAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		h := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Hour)
		var clicks []link.Click
		for i := range 4 {
			clicks = append(clicks, testClick(l, h.Add(time.Duration(i)*time.Minute), link.Prefetch, fmt.Sprintf("v%d", i), false))
		}
		if _, err := db.WriteClicks(ctx, clicks); err != nil {
			t.Fatal(err)
		}
		// Another writer holds the clicks while both reports arrive, the
		// landing first.
		hold, err := db.WriteDB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hold.ExecContext(ctx, `UPDATE click_events SET visitor = visitor WHERE link_id = $1`, l.ID); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*len(clicks))
		for _, engaged := range []bool{false, true} {
			for _, c := range clicks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := db.MarkClick(ctx, c.ClickID, true, engaged)
					errs <- err
				}()
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err := hold.Commit(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.Link(ctx, ws, l.ID)
		want := link.Counts{Clicks: 4, HumanClicks: 4, UniqueClicks: 4, EffectiveClicks: 4, EngagedVisits: 4}
		if err != nil || got.Counts != want {
			t.Errorf("link counts = %+v, %v; want %+v", got.Counts, err, want)
		}
	})
}
