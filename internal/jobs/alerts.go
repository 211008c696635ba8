package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// AlertEvaluator evaluates every workspace's alert rules; the alert
// package's Evaluator implements it.
type AlertEvaluator interface {
	// EvaluateAll runs the rules of every workspace with rules and returns
	// how many alerts fired.
	EvaluateAll(ctx context.Context) (int, error)
	// DeliverDue tries again the alert deliveries that are due and returns
	// how many alerts it tried.
	DeliverDue(ctx context.Context) (int, error)
}

// EvaluateAlertsArgs is the hourly evaluation of alert rules: spikes of the
// hour that just ended, and crisis hits a quiet period held back. Ingest
// batches evaluate too; this catches what they cannot see, such as a
// volume that stays high after the last batch of an hour.
type EvaluateAlertsArgs struct{}

// Kind is stored with every job row; it is never renamed.
func (EvaluateAlertsArgs) Kind() string { return "evaluate_alerts" }

// alertsInterval is the period of the evaluation.
const alertsInterval = time.Hour

// alertsPeriodic runs on start and every hour, unique per hour; each run
// looks at the current and the previous hour, so a spike is seen once the
// hour's roll-ups are complete whenever within the hour the run falls.
func alertsPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(alertsInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			return EvaluateAlertsArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: alertsInterval}}
		},
		&river.PeriodicJobOpts{ID: EvaluateAlertsArgs{}.Kind(), RunOnStart: true},
	)
}

// EvaluateAlertsWorker runs EvaluateAlertsArgs jobs.
type EvaluateAlertsWorker struct {
	river.WorkerDefaults[EvaluateAlertsArgs]
	Evaluator AlertEvaluator
	Logger    *slog.Logger
}

// Timeout bounds one run over every workspace.
func (w *EvaluateAlertsWorker) Timeout(*river.Job[EvaluateAlertsArgs]) time.Duration {
	return 10 * time.Minute
}

// Work evaluates the rules and records how many alerts fired.
func (w *EvaluateAlertsWorker) Work(ctx context.Context, job *river.Job[EvaluateAlertsArgs]) error {
	logger := w.Logger
	if logger == nil {
		logger = slog.Default()
	}
	n, err := w.Evaluator.EvaluateAll(ctx)
	if err != nil {
		return workError(err)
	}
	logger.DebugContext(ctx, "evaluated alert rules", slog.Int("fired", n), slog.Int64("job_id", job.ID))
	_ = river.RecordOutput(ctx, alertsOutput{Fired: n})
	return nil
}

type alertsOutput struct {
	Fired     int `json:"fired,omitempty"`
	Delivered int `json:"delivered,omitempty"`
}

// DeliverAlertsArgs tries again, every minute, the deliveries of alerts to
// chat robots and e-mail that failed or were cut short by a stopping
// node.
type DeliverAlertsArgs struct{}

// Kind is stored with every job row; it is never renamed.
func (DeliverAlertsArgs) Kind() string { return "deliver_alerts" }

// deliveriesInterval is the period of the delivery job.
const deliveriesInterval = time.Minute

func deliveriesPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(deliveriesInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			return DeliverAlertsArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: deliveriesInterval}}
		},
		&river.PeriodicJobOpts{ID: DeliverAlertsArgs{}.Kind(), RunOnStart: true},
	)
}

// DeliverAlertsWorker runs DeliverAlertsArgs jobs.
type DeliverAlertsWorker struct {
	river.WorkerDefaults[DeliverAlertsArgs]
	Evaluator AlertEvaluator
}

// Timeout bounds one run; each alert's try has its own, shorter bound.
func (w *DeliverAlertsWorker) Timeout(*river.Job[DeliverAlertsArgs]) time.Duration {
	return 10 * time.Minute
}

// Work makes the due tries.
func (w *DeliverAlertsWorker) Work(ctx context.Context, job *river.Job[DeliverAlertsArgs]) error {
	n, err := w.Evaluator.DeliverDue(ctx)
	if err != nil {
		return workError(err)
	}
	_ = river.RecordOutput(ctx, alertsOutput{Delivered: n})
	return nil
}
