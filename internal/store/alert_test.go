package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestAlertFiguresKeepTheirDigits: a rule's threshold as typed and an
// alert's value and baseline (rounded to three decimals when evaluated)
// read back as stored, on both databases — not widened from single
// precision (0.15 as 0.15000000596046448), which the API would show and a
// threshold comparison would use.
func TestAlertFiguresKeepTheirDigits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		for _, threshold := range []float64{0.15, 2.2, 0.357} {
			r, err := db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "share", Kind: "negative_spike", Threshold: threshold, QuietMinutes: 60, Enabled: true})
			if err != nil {
				t.Fatal(err)
			}
			if r.Threshold != threshold {
				t.Errorf("created rule's threshold = %v; want %v", r.Threshold, threshold)
			}
			r.Threshold = threshold + 0.01
			if r, err = db.UpdateAlertRule(ctx, ws, r); err != nil || r.Threshold != threshold+0.01 {
				t.Errorf("updated rule's threshold = %v, %v; want %v", r.Threshold, err, threshold+0.01)
			}
		}
		a, fired, err := db.FireAlert(ctx, ws, listen.Alert{Kind: "negative_spike", Value: 34.643, Baseline: 0.357}, time.Now().Add(-time.Hour), nil)
		if err != nil || !fired {
			t.Fatalf("FireAlert = %v, %v", fired, err)
		}
		got, err := db.Alert(ctx, ws, a.ID)
		if err != nil || got.Value != 34.643 || got.Baseline != 0.357 {
			t.Errorf("alert value, baseline = %v, %v, %v; want 34.643, 0.357", got.Value, got.Baseline, err)
		}
	})
}

// TestUpgradedAlertFigures: the thresholds, values and baselines a
// database stored before read back as the decimals they were.
func TestUpgradedAlertFigures(t *testing.T) {
	eachUpgrade(t, "0025_bounded_counts.sql", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := db.WriteDB()
		at := time.Now().UTC().Truncate(time.Second)
		for _, q := range []string{
			`INSERT INTO workspaces (id, slug, name, time_zone, currency, created_at, updated_at) VALUES (1, 'w', 'W', 'UTC', 'CNY', $1, $1)`,
			`INSERT INTO alert_rules (id, workspace_id, name, kind, threshold, created_at, updated_at) VALUES (3, 1, 'share', 'negative_spike', 0.15, $1, $1)`,
			`INSERT INTO alerts (id, workspace_id, rule_id, kind, value, baseline, fired_at) VALUES (5, 1, 3, 'negative_spike', 1234.567, 0.357, $1)`,
		} {
			if _, err := w.ExecContext(ctx, q, at); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if r, err := db.AlertRule(ctx, 1, 3); err != nil || r.Threshold != 0.15 {
			t.Errorf("rule's threshold = %v, %v; want 0.15", r.Threshold, err)
		}
		if a, err := db.Alert(ctx, 1, 5); err != nil || a.Value != 1234.567 || a.Baseline != 0.357 {
			t.Errorf("alert value, baseline = %v, %v, %v; want 1234.567, 0.357", a.Value, a.Baseline, err)
		}
	})
}
