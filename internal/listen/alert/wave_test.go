package alert_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestBigCrisisWaveAlertsOnce: a crisis wave of more hits than an alert
// carries (alert.MaxCarriedMentions) fires one alert that counts them
// all, also for a threshold above what an alert carries; the hits it
// does not carry are not taken as new by the next evaluations, while a
// hit that comes later is.
func TestBigCrisisWaveAlertsOnce(t *testing.T) {
	tests := []struct {
		name      string
		wave      int
		threshold float64
	}{
		{"wave beyond what an alert carries", alert.MaxCarriedMentions + 100, 5},
		{"threshold beyond what an alert carries", alert.MaxCarriedMentions + 100, alert.MaxCarriedMentions + 50},
		{"wave of the most an evaluation counts", alert.MaxCountedMentions, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				f := newFixture(t, db)
				now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
				_, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Threshold: tt.threshold, Enabled: true})
				must(t, err)
				clock := now
				ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return clock }})
				ids := make([]int64, 0, tt.wave)
				for i := range tt.wave {
					at := now.Add(time.Duration(i-tt.wave) * time.Second)
					ids = append(ids, f.pushed(t, f.crisis, fmt.Sprint("喝出异物 ", i), "negative", at, at))
				}
				fired, err := ev.Evaluate(ctx, f.ws, ids)
				must(t, err)
				if len(fired) != 1 || fired[0].Caused() != tt.wave || len(fired[0].MentionIDs) != min(tt.wave, alert.MaxCarriedMentions) {
					var got []string
					for _, a := range fired {
						got = append(got, fmt.Sprintf("%v mentions, %d carried", a.Value, len(a.MentionIDs)))
					}
					t.Fatalf("the wave of %d hits fired %v; want one alert of %d, carrying %d", tt.wave, got, tt.wave, min(tt.wave, alert.MaxCarriedMentions))
				}
				// Each quarter hour brings one more hit: the wave's hits are
				// not new again, until enough later ones are.
				var later []int64
				for i := 1; i <= 8; i++ {
					clock = now.Add(time.Duration(i) * 15 * time.Minute)
					m := f.pushed(t, f.crisis, fmt.Sprint("又一条 ", i), "negative", clock, clock)
					later = append(later, m)
					again, err := ev.Evaluate(ctx, f.ws, []int64{m})
					must(t, err)
					hourly, err := ev.Evaluate(ctx, f.ws, nil)
					must(t, err)
					again = append(again, hourly...)
					switch {
					case float64(len(later)) < max(1, tt.threshold) && len(again) != 0:
						t.Fatalf("%d later hits fired %d alerts of %v mentions; the wave was alerted already", len(later), len(again), again[0].Value)
					case float64(len(later)) == tt.threshold && (len(again) != 1 || again[0].Caused() != len(later)):
						t.Fatalf("%d later hits fired %+v; want one alert of them", len(later), again)
					}
				}
			})
		})
	}
}
