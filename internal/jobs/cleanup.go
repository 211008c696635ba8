package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
)

// Cleaner deletes what has expired: sessions past their expiry and revoked
// API tokens. The account service implements it.
type Cleaner interface {
	// CleanupExpired deletes what expired before now and returns how many
	// rows it deleted.
	CleanupExpired(ctx context.Context, now time.Time) (int64, error)
}

// VisitorForgetter deletes what tells visitors apart once their day is
// over (METRICS.md: the salt rotated every day and old salts deleted); the
// store implements it.
type VisitorForgetter interface {
	// ForgetSalts deletes the visitor salts created before createdBefore
	// and returns how many it deleted.
	ForgetSalts(ctx context.Context, createdBefore time.Time) (int64, error)
	// ForgetVisitors deletes the salts and the unique keys (link, visitor
	// hash, day) of days before day, and the early landing marks older
	// than markBefore, and returns how many of each it deleted, also
	// when it fails part way.
	ForgetVisitors(ctx context.Context, day string, markBefore time.Time) (store.Forgotten, error)
}

// CleanupArgs is the periodic cleanup of expired sessions and tokens and of
// old visitor salts and unique keys. It has no arguments: each run cleans
// whatever has expired by then.
type CleanupArgs struct{}

// Kind is stored with every job row; it is never renamed.
func (CleanupArgs) Kind() string { return "cleanup_expired" }

// cleanupMaxAttempts is small because the next period runs anyway.
const cleanupMaxAttempts = 3

// cleanupTimeout bounds one run; deleting a large backlog may take a while.
const cleanupTimeout = 5 * time.Minute

// cleanupPeriodic is the periodic job: run on start and then every
// interval, unique per interval so that a leader change or a second node
// cannot insert one period twice.
func cleanupPeriodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, cleanupInsertOpts(interval) },
		&river.PeriodicJobOpts{ID: CleanupArgs{}.Kind(), RunOnStart: true},
	)
}

// cleanupInsertOpts makes a cleanup job unique within its period: River
// rounds the job's scheduled time down to a multiple of interval (in UTC),
// and skips the insert when a job of that period exists in any state but
// cancelled or discarded.
func cleanupInsertOpts(interval time.Duration) *river.InsertOpts {
	return &river.InsertOpts{
		MaxAttempts: cleanupMaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByPeriod: interval},
	}
}

// CleanupWorker runs CleanupArgs jobs through the Cleaner and Visitors.
// Now defaults to time.Now and Logger to slog.Default().
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	Cleaner Cleaner
	// Visitors, when set, deletes the visitor salts older than
	// link.SaltLifetime or of days before link.SaltCutoff, the unique keys
	// of those days and the early marks older than link.MarkLifetime,
	// every period whether clicks come or not: a salt lives at most
	// SaltLifetime and one period.
	Visitors VisitorForgetter
	Now      func() time.Time
	Logger   *slog.Logger
}

// Timeout lets one run take longer than River's default minute.
func (w *CleanupWorker) Timeout(*river.Job[CleanupArgs]) time.Duration { return cleanupTimeout }

// Work deletes expired rows and records how many in the job's output. The
// visitors' salts and keys go first and the expired rows even when that
// fails: each is retried with the job, and deleting either twice is
// harmless.
func (w *CleanupWorker) Work(ctx context.Context, job *river.Job[CleanupArgs]) error {
	now, logger := time.Now, slog.Default()
	if w.Now != nil {
		now = w.Now
	}
	if w.Logger != nil {
		logger = w.Logger
	}
	at := now().UTC()
	var forgot store.Forgotten
	var visitErr error
	if w.Visitors != nil {
		forgot.Salts, visitErr = w.Visitors.ForgetSalts(ctx, link.SaltCreatedCutoff(at))
		if visitErr == nil {
			var f store.Forgotten
			f, visitErr = w.Visitors.ForgetVisitors(ctx, link.SaltCutoff(at), at.Add(-link.MarkLifetime))
			forgot.Salts += f.Salts
			forgot.UniqueKeys, forgot.Marks = f.UniqueKeys, f.Marks
		}
	}
	n, err := w.Cleaner.CleanupExpired(ctx, at)
	if err == nil {
		err = visitErr
	}
	if err != nil {
		return workError(err)
	}
	out := cleanupOutput{Deleted: n + forgot.Salts + forgot.UniqueKeys + forgot.Marks,
		Salts: forgot.Salts, UniqueKeys: forgot.UniqueKeys, Marks: forgot.Marks}
	logger.DebugContext(ctx, "cleaned up expired rows", slog.Int64("deleted", out.Deleted), slog.Int64("salts", out.Salts),
		slog.Int64("unique_keys", out.UniqueKeys), slog.Int64("marks", out.Marks), slog.Int64("job_id", job.ID))
	// The output is only for inspection; failing to record it fails nothing.
	_ = river.RecordOutput(ctx, out)
	return nil
}

// cleanupOutput is what a cleanup run records on its job row: the rows
// deleted, of which Salts visitor salts, UniqueKeys unique-click keys and
// Marks early landing marks (the rest are expired sessions and tokens).
type cleanupOutput struct {
	Deleted    int64 `json:"deleted"`
	Salts      int64 `json:"salts"`
	UniqueKeys int64 `json:"unique_keys"`
	Marks      int64 `json:"marks"`
}
