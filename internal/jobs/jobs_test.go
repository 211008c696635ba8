package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// funcCleaner is a Cleaner that counts its calls and does what fn says.
type funcCleaner struct {
	calls atomic.Int64
	fn    func(ctx context.Context, now time.Time) (int64, error)
}

func (c *funcCleaner) CleanupExpired(ctx context.Context, now time.Time) (int64, error) {
	c.calls.Add(1)
	if c.fn == nil {
		return 0, nil
	}
	return c.fn(ctx, now)
}

// migratedDBs runs fn on a store with River's tables, once per dialect.
func migratedDBs(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		migrate(t, db)
		fn(t, db)
	})
}

func migrate(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := Migrate(t.Context(), db, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
}

// testOptions shortens River's intervals so that tests take milliseconds,
// not seconds: fetching every 50 ms, no staggered start of maintenance.
func testOptions(t *testing.T, id string, interval time.Duration, logger *slog.Logger) Options {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return Options{
		Logger:          logger,
		CleanupInterval: interval,
		ID:              id,
		configure: func(cfg *river.Config) {
			cfg.FetchCooldown = 10 * time.Millisecond
			cfg.FetchPollInterval = 50 * time.Millisecond
			cfg.TestOnly = true
		},
	}
}

// newClient returns a client that is stopped when the test ends.
func newClient(t *testing.T, db *store.DB, deps Deps, opts Options) *Client {
	t.Helper()
	client, err := New(db, deps, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("Stop at cleanup: %v", err)
		}
	})
	return client
}

func start(t *testing.T, c *Client) {
	t.Helper()
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

// eventually polls cond until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jobRow is what tests read back from river_job.
type jobRow struct {
	id          int64
	state       string
	scheduledAt time.Time
	attemptedBy string
	metadata    string
}

// cleanupJobs lists the cleanup jobs in insertion order.
func cleanupJobs(t *testing.T, db *store.DB) []jobRow {
	t.Helper()
	// River keeps metadata as jsonb in both databases (SQLite's binary
	// JSONB too) and attempted_by as text[] in PostgreSQL, JSON in SQLite.
	q := `SELECT id, state, scheduled_at, coalesce(array_to_string(attempted_by, ','), ''), metadata::text
		FROM river_job WHERE kind = 'cleanup_expired' ORDER BY id`
	if db.Dialect() == store.SQLite {
		q = `SELECT id, state, scheduled_at, coalesce(json(attempted_by), ''), json(metadata)
			FROM river_job WHERE kind = 'cleanup_expired' ORDER BY id`
	}
	rows, err := db.WriteDB().QueryContext(t.Context(), q)
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}
	defer rows.Close()
	var jobs []jobRow
	for rows.Next() {
		var j jobRow
		var sched any
		var by, meta []byte
		if err := rows.Scan(&j.id, &j.state, &sched, &by, &meta); err != nil {
			t.Fatalf("scan job: %v", err)
		}
		j.scheduledAt = parseTime(t, sched)
		j.attemptedBy, j.metadata = string(by), string(meta)
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list jobs: %v", err)
	}
	return jobs
}

// parseTime reads a timestamp column: a time.Time from PostgreSQL, text
// from River's SQLite schema.
func parseTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch v := v.(type) {
	case time.Time:
		return v.UTC()
	case string:
		return parseTimeText(t, v)
	case []byte:
		return parseTimeText(t, string(v))
	default:
		t.Fatalf("scheduled_at is %T", v)
		return time.Time{}
	}
}

func parseTimeText(t *testing.T, s string) time.Time {
	t.Helper()
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if tm, err := time.Parse(layout, s); err == nil {
			return tm.UTC()
		}
	}
	t.Fatalf("cannot parse time %q", s)
	return time.Time{}
}

// jobStates returns the states of the cleanup jobs.
func jobStates(t *testing.T, db *store.DB) []string {
	t.Helper()
	var states []string
	for _, j := range cleanupJobs(t, db) {
		states = append(states, j.state)
	}
	return states
}

// logRecorder keeps the messages of every level, so that a test can wait
// for something River only logs at debug level; warnings and errors also go
// to the test's output.
type logRecorder struct {
	out  slog.Handler
	mu   sync.Mutex
	msgs []string
}

func newLogRecorder(t *testing.T) *logRecorder {
	return &logRecorder{out: slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})}
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *logRecorder) Handle(ctx context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, rec.Message)
	r.mu.Unlock()
	if r.out.Enabled(ctx, rec.Level) {
		return r.out.Handle(ctx, rec)
	}
	return nil
}

// WithAttrs and WithGroup drop attributes: tests look at messages only.
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

func (r *logRecorder) contains(sub string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}

// countRows counts the rows of a table.
func countRows(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
