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

// TestVisitTotals: the funnel's landing and engaged steps count the visits
// of the period on a person's click, per the campaign and channel they
// arrived with, also when their link was deleted since; not a crawler's
// visits, visits of no cid, visits outside the period or another
// workspace's.
func TestVisitTotals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		other := newConvWorld(t, db)
		day := 24 * time.Hour
		visit := func(w *convWorld, event, click string, at time.Time) {
			t.Helper()
			w.collectAt(t, conversion.Payload{Event: event, ClickID: click}, at.Add(5*time.Second))
		}
		person := w.click(t, w.wechat, "v", w.now.Add(-day))
		visit(w, conversion.Landing, person, w.now.Add(-day))
		visit(w, conversion.Engaged, person, w.now.Add(-day))
		old := w.click(t, w.wechat, "v", w.now.Add(-10*day))
		visit(w, conversion.Landing, old, w.now.Add(-10*day))
		crawler := link.Click{ClickID: link.NewClickID(), WorkspaceID: w.ws, LinkID: w.weibo.ID, At: w.now.Add(-day), Class: link.Bot, Visitor: "bot"}
		if _, err := db.WriteClicks(ctx, []link.Click{crawler}); err != nil {
			t.Fatal(err)
		}
		visit(w, conversion.Landing, crawler.ClickID, w.now.Add(-day))
		visit(w, conversion.Landing, "", w.now.Add(-day))
		gone := w.link(t, 3, "douyin")
		visit(w, conversion.Landing, w.click(t, gone, "u", w.now.Add(-day)), w.now.Add(-day))
		if err := db.DeleteLink(ctx, w.ws, gone.ID); err != nil {
			t.Fatal(err)
		}
		visit(other, conversion.Landing, other.click(t, other.wechat, "x", other.now.Add(-day)), other.now.Add(-day))

		got, err := db.VisitTotals(ctx, w.ws, w.now.Add(-2*day), w.now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			campaign         int64
			channel          string
			landing, engaged int64
		}
		var rows []row
		for _, v := range got {
			r := row{channel: v.Channel, landing: v.Landing, engaged: v.Engaged}
			if v.CampaignID != nil {
				r.campaign = *v.CampaignID
			}
			rows = append(rows, r)
		}
		slices.SortFunc(rows, func(a, b row) int { return int(a.campaign - b.campaign) })
		want := []row{{1, "wechat", 1, 1}, {3, "douyin", 1, 0}}
		if !slices.Equal(rows, want) {
			t.Errorf("VisitTotals = %+v; want %+v", rows, want)
		}
	})
}
