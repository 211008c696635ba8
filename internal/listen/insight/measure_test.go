package insight_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen/insight"
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

		got, err := svc.Measure(ctx, f.ws, 1, "", from, to)
		if err != nil || got != nil {
			t.Fatalf("no brand topic: %v, %v; want no figures", got, err)
		}
		brand := f.topic(t, "闲岚", "brand")
		rival := f.topic(t, "橡果", "competitor")
		product := f.topic(t, "冷萃", "product")
		f.rollup(t, brand, from, 6, 2, 2)                    // in
		f.rollup(t, brand, from.Add(47*time.Hour), 2, 0, 0)  // in
		f.rollup(t, brand, to, 50, 0, 0)                     // after
		f.rollup(t, rival, from.Add(time.Hour), 3, 3, 4)     // in
		f.rollup(t, product, from.Add(time.Hour), 9, 9, 9)   // not voice
		f.rollup(t, rival, from.Add(-time.Hour), 20, 20, 20) // before

		got, err = svc.Measure(ctx, f.ws, 1, "", from, to)
		if err != nil {
			t.Fatal(err)
		}
		// Brand 12 mentions (8 positive, 2 neutral, 2 negative) against the
		// rival's 10.
		want := map[string]float64{"mentions": 12, "share_of_voice": 12.0 / 22, "positive_ratio": 8.0 / 12, "net_sentiment": 6.0 / 10}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("figures = %v, want %v", got, want)
		}
		if got, err := svc.Measure(ctx, f.ws, 1, "weibo", from, to); err != nil || got != nil {
			t.Errorf("a platform's figures = %v, %v; want none: listening is not split by platform", got, err)
		}
	})
}
