package jobs

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
)

// SourceStore is what the poll job needs from the database.
type SourceStore interface {
	// ClaimDueSources claims up to limit enabled, polled sources (of
	// every workspace, WorkspaceID set) whose next poll time is at or
	// before now.
	ClaimDueSources(ctx context.Context, now time.Time, limit int) ([]listen.Source, error)
	// RecordSourceSuccess records a successful poll: cursor, validators,
	// items added, failures reset, next poll time. Returns
	// apperr.NotFound if the source was deleted meanwhile.
	RecordSourceSuccess(ctx context.Context, ws, id int64, cursor, etag, lastModified string, items int, next time.Time) error
	// RecordSourceFailure records a failed poll: the error text, one
	// more failure, the next poll time. Returns apperr.NotFound.
	RecordSourceFailure(ctx context.Context, ws, id int64, problem listen.SourceProblem, next time.Time) error
}

// pollRecord is the outcome of one source's poll.
type pollRecord struct {
	ok           bool
	problem      listen.SourceProblem
	items        int
	cursor, etag string
	lastModified string
	failures     int
	next         time.Time
}

// SourcePoller runs one poll of one source (source.Poller).
type SourcePoller interface {
	Poll(ctx context.Context, src listen.Source) (source.PollResult, error)
}

// Ingester hands polled posts to the listening pipeline and says how many
// it stored: a poll reads some posts again (its look-back window), and a
// source's health counts the new ones.
type Ingester interface {
	Ingest(ctx context.Context, ws int64, posts []listen.Post) (stored int, err error)
}

// IngestFunc adapts a function (such as a closure over
// listen.Service.Ingest) to Ingester.
type IngestFunc func(ctx context.Context, ws int64, posts []listen.Post) (int, error)

// Ingest calls f.
func (f IngestFunc) Ingest(ctx context.Context, ws int64, posts []listen.Post) (int, error) {
	return f(ctx, ws, posts)
}

// Defaults of the poll job.
const (
	// DefaultPollInterval is how often the job looks for due sources.
	DefaultPollInterval = time.Minute
	// MaxBackoff caps the wait after failures.
	MaxBackoff = 24 * time.Hour
	// pollBatch is how many due sources one run takes.
	pollBatch = 100
	// pollConcurrency is how many sources one run polls at once.
	pollConcurrency = 4
	// sourceTimeout bounds one source's poll and ingest.
	sourceTimeout = 2 * time.Minute
	// pollTimeout bounds one run.
	pollTimeout = 9 * time.Minute
)

// PollSourcesArgs is the periodic poll of due listening sources.
type PollSourcesArgs struct{}

// Kind is stored with every job row; it is never renamed.
func (PollSourcesArgs) Kind() string { return "poll_sources" }

func pollPeriodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return PollSourcesArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
		},
		&river.PeriodicJobOpts{ID: PollSourcesArgs{}.Kind(), RunOnStart: true},
	)
}

// PollSourcesWorker polls due sources, hands their posts to the pipeline
// and records each source's health. One failing source never stops the
// others: its error is recorded and it backs off.
type PollSourcesWorker struct {
	river.WorkerDefaults[PollSourcesArgs]
	Store    SourceStore
	Poller   SourcePoller
	Ingester Ingester
	Now      func() time.Time
	Logger   *slog.Logger
	// Polls, when set, counts every poll by source kind and result.
	Polls *prometheus.CounterVec
}

// Timeout lets one run take longer than River's default minute.
func (w *PollSourcesWorker) Timeout(*river.Job[PollSourcesArgs]) time.Duration { return pollTimeout }

// Work runs one round and records what it did.
func (w *PollSourcesWorker) Work(ctx context.Context, job *river.Job[PollSourcesArgs]) error {
	out, err := w.Round(ctx)
	if err != nil {
		return workError(err)
	}
	_ = river.RecordOutput(ctx, out)
	return nil
}

// PollOutput is what a round records on its job row.
type PollOutput struct {
	Polled int `json:"polled"`
	Failed int `json:"failed"`
	Items  int `json:"items"`
}

// Round polls the sources due now. It fails only when the due list cannot
// be read or the node stopping cut it short; sources that fail are
// recorded and counted.
func (w *PollSourcesWorker) Round(ctx context.Context) (PollOutput, error) {
	now, logger := time.Now, slog.Default()
	if w.Now != nil {
		now = w.Now
	}
	if w.Logger != nil {
		logger = w.Logger
	}
	due, err := w.Store.ClaimDueSources(ctx, now().UTC(), pollBatch)
	if err != nil {
		return PollOutput{}, err
	}
	var (
		mu  sync.Mutex
		out PollOutput
		wg  sync.WaitGroup
		sem = make(chan struct{}, pollConcurrency)
	)
	for _, d := range due {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			// The round's time is up: sources not started yet are left
			// unpolled until their lease ends, not recorded as failed.
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			rec := w.pollOne(ctx, d, now, logger)
			if !rec.ok && stopped(ctx) {
				// The source did not fail: its poll was cut short, and it
				// polls again when its lease ends.
				logger.InfoContext(ctx, "source poll interrupted", slog.Int64("source_id", d.ID))
				return
			}
			sctx := context.WithoutCancel(ctx)
			var err error
			if rec.ok {
				err = w.Store.RecordSourceSuccess(sctx, d.WorkspaceID, d.ID, rec.cursor, rec.etag, rec.lastModified, rec.items, rec.next)
			} else {
				err = w.Store.RecordSourceFailure(sctx, d.WorkspaceID, d.ID, rec.problem, rec.next)
			}
			switch {
			case apperr.CodeOf(err) == apperr.NotFound:
				// Deleted, or its workspace was, while it was polled:
				// there is nothing left to record it on.
				logger.DebugContext(ctx, "polled source is gone", slog.Int64("source_id", d.ID))
			case err != nil:
				logger.ErrorContext(ctx, "record source poll", slog.Int64("source_id", d.ID), slog.Any("err", err))
			}
			if w.Polls != nil {
				result := "ok"
				if !rec.ok {
					result = "failed"
				}
				w.Polls.WithLabelValues(d.Kind, result).Inc()
			}
			mu.Lock()
			defer mu.Unlock()
			out.Polled++
			out.Items += rec.items
			if !rec.ok {
				out.Failed++
				logger.WarnContext(ctx, "source poll failed", slog.Int64("source_id", d.ID), slog.String("kind", d.Kind),
					slog.Int("failures", rec.failures), slog.String("err", rec.problem.Text))
			}
		}()
	}
	wg.Wait()
	if stopped(ctx) {
		// River runs the job again; the sources it cut short wait for
		// their leases to end.
		return out, ctx.Err()
	}
	return out, nil
}

// stopped reports whether ctx was cancelled other than by a deadline: the
// node is stopping (River cancels a running job's context when Stop's
// deadline passes). The round's own time running out is a deadline, and
// the sources it cuts short fail as slow ones.
func stopped(ctx context.Context) bool {
	return ctx.Err() != nil && !errors.Is(context.Cause(ctx), context.DeadlineExceeded)
}

// pollOne polls and ingests one source and says what to record, panics
// included: a bug in one poller must not take the round down. The source
// records only that an internal error happened; the panic and its stack
// go to the log, where whoever fixes the bug looks.
func (w *PollSourcesWorker) pollOne(ctx context.Context, src listen.Source, now func() time.Time, logger *slog.Logger) (rec pollRecord) {
	failed := func(err error) pollRecord {
		failures := src.Failures + 1
		return pollRecord{problem: source.Problem(err), failures: failures,
			next: NextPoll(now().UTC(), src.PollSeconds, failures, source.RetryAfter(err))}
	}
	defer func() {
		if v := recover(); v != nil {
			logger.ErrorContext(ctx, "source poll panicked", slog.Int64("source_id", src.ID), slog.String("kind", src.Kind),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			rec = failed(errors.New("internal error while polling"))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, sourceTimeout)
	defer cancel()
	res, err := w.Poller.Poll(ctx, src)
	stored := 0
	if err == nil && len(res.Posts) > 0 {
		stored, err = w.Ingester.Ingest(ctx, src.WorkspaceID, res.Posts)
	}
	if err != nil {
		return failed(err)
	}
	return pollRecord{ok: true, items: stored, cursor: res.Cursor, etag: res.ETag, lastModified: res.LastModified,
		next: NextPoll(now().UTC(), src.PollSeconds, 0, 0)}
}

// NextPoll is when a source polls next: its interval doubled for each
// failure in a row, at most MaxBackoff, and no sooner than a rate-limited
// platform asked.
func NextPoll(at time.Time, pollSeconds, failures int, retryAfter time.Duration) time.Time {
	interval := time.Duration(max(pollSeconds, 1)) * time.Second
	wait := interval
	for range min(failures, 32) {
		wait *= 2
		if wait >= MaxBackoff {
			wait = MaxBackoff
			break
		}
	}
	wait = min(wait, MaxBackoff)
	if retryAfter > wait {
		wait = min(retryAfter, MaxBackoff)
	}
	return at.Add(wait)
}
