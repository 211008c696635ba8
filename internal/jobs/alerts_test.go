package jobs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/store"
)

// countingAlerts counts the runs of both alert jobs.
type countingAlerts struct{ evaluated, delivered atomic.Int64 }

func (c *countingAlerts) EvaluateAll(context.Context) (int, error) { c.evaluated.Add(1); return 0, nil }
func (c *countingAlerts) DeliverDue(context.Context) (int, error)  { c.delivered.Add(1); return 0, nil }

// TestAlertJobsRunOnStart: the hourly evaluation and the minute's
// delivery retries both run when a node starts, so that deliveries a
// stopped node left are tried without waiting for the period.
func TestAlertJobsRunOnStart(t *testing.T) {
	t.Parallel()
	migratedDBs(t, func(t *testing.T, db *store.DB) {
		alerts := &countingAlerts{}
		client := newClient(t, db, Deps{Cleaner: &funcCleaner{fn: func(context.Context, time.Time) (int64, error) { return 0, nil }}, Alerts: alerts},
			testOptions(t, "", time.Hour, nil))
		start(t, client)
		eventually(t, 10*time.Second, "both alert jobs ran", func() bool {
			return alerts.evaluated.Load() == 1 && alerts.delivered.Load() == 1
		})
		if (DeliverAlertsArgs{}).Kind() != "deliver_alerts" {
			t.Error("the delivery job's kind changed: stored jobs would find no worker")
		}
	})
}
