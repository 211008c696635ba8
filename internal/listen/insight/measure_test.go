package insight_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/metric"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestMeasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		svc := insight.NewService(db)
		ctx := context.Background()
		from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		to := from.Add(48 * time.Hour)

		whole := metric.Scope{From: from, To: to}
		firstDay := metric.Scope{From: from, To: from.Add(24 * time.Hour)}
		weibo := metric.Scope{Platform: "weibo", From: from, To: to}
		got, err := svc.Measure(ctx, f.ws, 1, []metric.Scope{whole})
		if err != nil || len(got) != 1 || got[0] != nil {
			t.Fatalf("no brand topic: %v, %v; want no figures", got, err)
		}
		brand := f.topic(t, "闲岚", "brand")
		rival := f.topic(t, "橡果", "competitor")
		product := f.topic(t, "冷萃", "product")
		f.posts(t, from, 6, 2, 2, brand)                   // in
		f.posts(t, from.Add(47*time.Hour), 2, 0, 0, brand) // in
		f.posts(t, to, 5, 0, 0, brand)                     // after
		f.posts(t, from.Add(time.Hour), 3, 3, 4, rival)    // in
		f.posts(t, from.Add(time.Hour), 9, 9, 9, product)  // not voice
		f.posts(t, from.Add(-time.Hour), 2, 2, 2, rival)   // before

		got, err = svc.Measure(ctx, f.ws, 1, []metric.Scope{whole, weibo, firstDay})
		if err != nil || len(got) != 3 {
			t.Fatalf("Measure = %v, %v; want three answers", got, err)
		}
		// Brand 12 mentions (8 positive, 2 neutral, 2 negative) against the
		// rival's 10; on the first day, 10 against 10.
		want := map[string]float64{"mentions": 12, "share_of_voice": 12.0 / 22, "positive_ratio": 8.0 / 12, "net_sentiment": 6.0 / 10}
		if fmt.Sprint(got[0]) != fmt.Sprint(want) {
			t.Errorf("figures = %v, want %v", got[0], want)
		}
		if got[1] != nil {
			t.Errorf("a platform's figures = %v; want none: listening is not split by platform", got[1])
		}
		want = map[string]float64{"mentions": 10, "share_of_voice": 0.5, "positive_ratio": 0.6, "net_sentiment": 4.0 / 8}
		if fmt.Sprint(got[2]) != fmt.Sprint(want) {
			t.Errorf("first day's figures = %v, want %v", got[2], want)
		}
	})
}
