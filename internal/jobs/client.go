package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/store"
)

// Defaults of Options.
const (
	// DefaultWorkersPostgres is the number of jobs one node works at once
	// on PostgreSQL.
	DefaultWorkersPostgres = 4
	// DefaultWorkersSQLite is smaller: on SQLite every write goes through
	// one connection, so more workers would mostly wait for it.
	DefaultWorkersSQLite = 2
	// DefaultCleanupInterval is how often expired sessions and tokens,
	// visitor salts over 48 h old and the unique keys of past days go.
	DefaultCleanupInterval = time.Hour
)

// hardStopGrace is how long Stop waits for jobs to return after their
// contexts are cancelled, once the caller's deadline has passed.
const hardStopGrace = 2 * time.Second

// Deps are the domain services that workers call.
type Deps struct {
	// Cleaner runs the periodic cleanup; required.
	Cleaner Cleaner
	// Sources, Poller and Ingester run the periodic poll of listening
	// sources (poll.go); it is off unless all three are set.
	Sources  SourceStore
	Poller   SourcePoller
	Ingester Ingester
	// Alerts runs the hourly evaluation of alert rules (alerts.go); off
	// when nil.
	Alerts AlertEvaluator
	// Rehash re-hashes the mentions of an older text normalization on
	// start and every hour (rehash.go); off when nil.
	Rehash MentionRehasher
}

// Options tune a Client; the zero value is the production default.
type Options struct {
	// Logger receives the workers' logs, and River's with its info
	// messages at debug level (routineDebug); slog.Default() if nil.
	Logger *slog.Logger
	// Workers is how many jobs this node works at once: DefaultWorkersPostgres
	// or DefaultWorkersSQLite if 0.
	Workers int
	// CleanupInterval is the period of the cleanup job;
	// DefaultCleanupInterval if 0, at least one second.
	CleanupInterval time.Duration
	// PollInterval is how often due listening sources are looked for;
	// DefaultPollInterval if 0.
	PollInterval time.Duration
	// ID names this node among the clients of one database, for leader
	// election and job attempts; must be unique. River derives one from the
	// host name and start time if empty.
	ID string

	// configure adjusts River's configuration last; tests shorten intervals.
	configure func(*river.Config)
}

// Client works Chorus's jobs and inserts new ones. One runs in each
// `chorus serve` process; on PostgreSQL any number of them share the work
// and one elected leader enqueues periodic jobs.
type Client struct {
	river   *river.Client[*sql.Tx]
	metrics *collector

	mu sync.Mutex
	// eventsDone is closed when the metrics subscription of the current run
	// has drained; nil before Start.
	eventsDone chan struct{}
}

// New configures a client on the store's writer pool; Start runs it. River's
// tables must exist (Migrate).
func New(db *store.DB, deps Deps, opts Options) (*Client, error) {
	if deps.Cleaner == nil {
		return nil, errors.New("jobs: Deps.Cleaner is required")
	}
	drv, err := driver(db)
	if err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = DefaultWorkersPostgres
		if db.Dialect() == store.SQLite {
			workers = DefaultWorkersSQLite
		}
	}
	interval := opts.CleanupInterval
	if interval == 0 {
		interval = DefaultCleanupInterval
	}
	if interval < time.Second {
		return nil, fmt.Errorf("jobs: CleanupInterval %s is shorter than a second", interval)
	}

	ws := river.NewWorkers()
	if err := river.AddWorkerSafely(ws, &CleanupWorker{Cleaner: deps.Cleaner, Visitors: db, Now: db.Now, Logger: logger}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	kinds := []string{CleanupArgs{}.Kind()}
	periodic := []*river.PeriodicJob{cleanupPeriodic(interval)}
	polls := newPollCounter()
	if deps.Sources != nil && deps.Poller != nil && deps.Ingester != nil {
		pw := &PollSourcesWorker{Store: deps.Sources, Poller: deps.Poller, Ingester: deps.Ingester, Now: db.Now, Logger: logger, Polls: polls}
		if err := river.AddWorkerSafely(ws, pw); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		kinds = append(kinds, PollSourcesArgs{}.Kind())
		// Every kind's series exists from the start, at 0, so that a
		// rate or an alert on failed polls sees the first failure.
		for _, k := range source.PolledKinds {
			polls.WithLabelValues(k, "ok")
			polls.WithLabelValues(k, "failed")
		}
		pollEvery := opts.PollInterval
		if pollEvery <= 0 {
			pollEvery = DefaultPollInterval
		}
		periodic = append(periodic, pollPeriodic(pollEvery))
	}

	if deps.Alerts != nil {
		if err := river.AddWorkerSafely(ws, &EvaluateAlertsWorker{Evaluator: deps.Alerts, Logger: logger}); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		if err := river.AddWorkerSafely(ws, &DeliverAlertsWorker{Evaluator: deps.Alerts}); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		kinds = append(kinds, EvaluateAlertsArgs{}.Kind(), DeliverAlertsArgs{}.Kind())
		periodic = append(periodic, alertsPeriodic(), deliveriesPeriodic())
	}

	if deps.Rehash != nil {
		if err := river.AddWorkerSafely(ws, &RehashMentionsWorker{Store: deps.Rehash, Logger: logger}); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		kinds = append(kinds, RehashMentionsArgs{}.Kind())
		periodic = append(periodic, rehashPeriodic())
	}

	cfg := &river.Config{
		ID:           opts.ID,
		Logger:       slog.New(routineDebug{logger.Handler()}),
		Workers:      ws,
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}},
		PeriodicJobs: periodic,
		Middleware:   []rivertype.Middleware{logFailures(logger)},
	}
	if db.Dialect() == store.SQLite {
		// The listener would poll river_notification every 50 ms on the
		// one writer connection; one node needs no notifications, and
		// fetching every FetchPollInterval (1 s) is quick enough.
		cfg.PollOnly = true
		// SQLite's b-trees do not bloat the way PostgreSQL's indexes do,
		// and REINDEX would hold the writer for its whole run.
		cfg.ReindexerSchedule = river.NeverSchedule()
	}
	if opts.configure != nil {
		opts.configure(cfg)
	}
	rc, err := river.NewClient(drv, cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Client{river: rc, metrics: newCollector(db, kinds, polls)}, nil
}

// Start begins fetching and working jobs, and, while this node is the
// leader, enqueueing periodic ones. Jobs run with contexts derived from ctx:
// cancelling ctx cancels running jobs, so a graceful shutdown calls Stop
// instead.
func (c *Client) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.eventsDone != nil {
		select {
		case <-c.eventsDone: // stopped; start again
		default:
			return nil // running
		}
	}
	// Subscribe first: the run-on-start job may finish right away.
	events, cancel := c.river.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	if err := c.river.Start(ctx); err != nil {
		cancel()
		return fmt.Errorf("start jobs: %w", err)
	}
	done := make(chan struct{})
	c.eventsDone = done
	go func() {
		defer close(done)
		// River closes the channel when the client stops.
		for ev := range events {
			c.metrics.count(ev)
		}
	}()
	return nil
}

// Stop stops fetching new jobs and waits for running ones to finish, until
// ctx is done. Then it cancels the running jobs' contexts, waits a little
// longer for them to return, and reports ctx's error; jobs that were
// interrupted run again on the next start.
func (c *Client) Stop(ctx context.Context) error {
	err := c.river.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		hardCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopGrace)
		defer cancel()
		if herr := c.river.StopAndCancel(hardCtx); herr != nil {
			err = errors.Join(err, fmt.Errorf("cancel running jobs: %w", herr))
		}
	}
	if err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	c.mu.Lock()
	done := c.eventsDone
	c.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	return nil
}

// InsertTx inserts a job in tx, so that it exists exactly when the rows
// that need it do; the job runs after tx commits. A job whose unique
// options match an existing one is skipped without error.
func (c *Client) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs) error {
	if _, err := c.river.InsertTx(ctx, tx, args, nil); err != nil {
		return apperr.Wrap(err, "insert job "+args.Kind())
	}
	return nil
}

// River returns the underlying River client, for what this wrapper does not
// cover (listing or cancelling jobs in an admin page).
func (c *Client) River() *river.Client[*sql.Tx] { return c.river }

// logFailures logs every job attempt that fails, with its error: River
// tells of them at info level, which routineDebug makes debug, so without
// this a job failing every hour would leave no trace in the log. A retried
// attempt is a warning; a job River gives up on or a worker cancels is an
// error, since nothing will run it again. A job whose context ended while
// it ran (the job's own timeout ends only an inner one) was cut short by
// Stop, and River puts it back whatever its attempts: a warning.
func logFailures(logger *slog.Logger) rivertype.WorkerMiddleware {
	return river.WorkerMiddlewareFunc(func(ctx context.Context, job *rivertype.JobRow, work func(context.Context) error) error {
		err := work(ctx)
		if err == nil {
			return nil
		}
		level, msg := slog.LevelWarn, "job failed"
		var cancel *rivertype.JobCancelError
		switch {
		case ctx.Err() != nil:
			msg = "job interrupted"
		case errors.As(err, &cancel) || job.Attempt >= job.MaxAttempts:
			level = slog.LevelError
		}
		logger.Log(ctx, level, msg, slog.String("kind", job.Kind), slog.Int64("job_id", job.ID),
			slog.Int("attempt", job.Attempt), slog.Int("max_attempts", job.MaxAttempts), slog.Any("err", err))
		return err
	})
}

// routineDebug passes River's log to a handler with its info messages
// made debug: River tells at info level what it does every minute (job
// counts, maintenance runs), which would fill an idle server's log. Its
// warnings and errors, and the workers' own log, stay as they are.
type routineDebug struct{ slog.Handler }

func (h routineDebug) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, demote(l))
}

func (h routineDebug) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h routineDebug) WithAttrs(attrs []slog.Attr) slog.Handler {
	return routineDebug{h.Handler.WithAttrs(attrs)}
}

func (h routineDebug) WithGroup(name string) slog.Handler {
	return routineDebug{h.Handler.WithGroup(name)}
}

func demote(l slog.Level) slog.Level {
	if l == slog.LevelInfo {
		return slog.LevelDebug
	}
	return l
}
