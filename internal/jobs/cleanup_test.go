package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestCleanupKindIsStable(t *testing.T) {
	t.Parallel()
	if got, want := (CleanupArgs{}).Kind(), "cleanup_expired"; got != want {
		t.Errorf("Kind() = %q, want %q: kinds are stored in job rows and never renamed", got, want)
	}
}

func TestCleanupRunsOnStart(t *testing.T) {
	t.Parallel()
	migratedDBs(t, func(t *testing.T, db *store.DB) {
		var gotNow atomic.Pointer[time.Time]
		cleaner := &funcCleaner{fn: func(_ context.Context, now time.Time) (int64, error) {
			gotNow.Store(&now)
			return 7, nil
		}}
		// A visitor salt made three days ago goes with the first run too,
		// and so do a unique key of that day and a landing mark that
		// waited two hours for its click; the output counts all three.
		db.Now = func() time.Time { return time.Now().Add(-72 * time.Hour) }
		if _, err := db.VisitorSalt(t.Context(), "2000-01-01", "old salt"); err != nil {
			t.Fatal(err)
		}
		exec(t, db, `INSERT INTO click_uniques (day, link_id, visitor) VALUES ('2000-01-01', 1, 'a')`)
		db.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
		if _, err := db.MarkClick(t.Context(), "markOfTwoHoursAgo", true, false); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("MarkClick of a click not written yet = %v, want not found", err)
		}
		db.Now = time.Now
		client := newClient(t, db, Deps{Cleaner: cleaner}, testOptions(t, "", time.Hour, nil))
		before := time.Now()
		start(t, client)

		eventually(t, 10*time.Second, "cleanup job completed", func() bool {
			return slices.Equal(jobStates(t, db), []string{"completed"})
		})
		if n := cleaner.calls.Load(); n != 1 {
			t.Errorf("Cleaner called %d times, want 1", n)
		}
		if now := *gotNow.Load(); now.Before(before.Add(-time.Second)) || now.After(time.Now()) || now.Location() != time.UTC {
			t.Errorf("Cleaner got now = %v, want the current time in UTC", now)
		}
		var meta struct {
			Output cleanupOutput `json:"output"`
		}
		job := cleanupJobs(t, db)[0]
		want := cleanupOutput{Deleted: 10, Salts: 1, UniqueKeys: 1, Marks: 1}
		if err := json.Unmarshal([]byte(job.metadata), &meta); err != nil || meta.Output != want {
			t.Errorf("job metadata = %s (%v), want output %+v (7, a salt, a unique key and a mark)", job.metadata, err, want)
		}
		if days := saltDays(t, db); len(days) != 0 {
			t.Errorf("salts of %v left; want the old one gone", days)
		}
	})
}

func TestWorkError(t *testing.T) {
	t.Parallel()
	plain := errors.New("connection reset")
	tests := []struct {
		name       string
		err        error
		wantNil    bool
		wantCancel bool
	}{
		{"nil", nil, true, false},
		{"invalid", apperr.New(apperr.Invalid, "error.invalid", nil), false, true},
		{"not found", apperr.NotFoundf("user"), false, true},
		{"wrapped not found", fmt.Errorf("clean: %w", apperr.NotFoundf("user")), false, true},
		{"unavailable", apperr.New(apperr.Unavailable, "error.unavailable", nil), false, false},
		{"conflict", apperr.New(apperr.Conflict, "error.conflict", nil), false, false},
		{"internal", apperr.Wrap(plain, "delete sessions"), false, false},
		{"not ours", plain, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := &CleanupWorker{
				Cleaner: &funcCleaner{fn: func(context.Context, time.Time) (int64, error) { return 0, tt.err }},
				Now:     time.Now,
			}
			got := w.Work(t.Context(), &river.Job[CleanupArgs]{JobRow: &rivertype.JobRow{}})
			var cancel *river.JobCancelError
			isCancel := errors.As(got, &cancel)
			switch {
			case tt.wantNil && got != nil:
				t.Errorf("Work() = %v, want nil", got)
			case !tt.wantNil && got == nil:
				t.Errorf("Work() = nil, want an error")
			case isCancel != tt.wantCancel:
				t.Errorf("Work() = %v: cancel %v, want cancel %v", got, isCancel, tt.wantCancel)
			case got != nil && !errors.Is(got, tt.err):
				t.Errorf("Work() = %v, does not keep the cause %v", got, tt.err)
			}
		})
	}
}

// TestCleanupErrorOutcomes runs the job on a real client and database for
// each kind of error and checks the state River leaves the job in.
func TestCleanupErrorOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		wantState string
	}{
		{"success", nil, "completed"},
		{"invalid cancels", apperr.New(apperr.Invalid, "error.invalid", nil), "cancelled"},
		{"not found cancels", apperr.NotFoundf("session"), "cancelled"},
		{"unavailable retries", apperr.New(apperr.Unavailable, "error.unavailable", nil), "retryable"},
		{"plain error retries", errors.New("disk full"), "retryable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				t.Parallel()
				migrate(t, db)
				cleaner := &funcCleaner{fn: func(context.Context, time.Time) (int64, error) { return 0, tt.err }}
				client := newClient(t, db, Deps{Cleaner: cleaner}, testOptions(t, "", time.Hour, nil))
				start(t, client)
				eventually(t, 10*time.Second, "job in state "+tt.wantState, func() bool {
					return slices.Contains(jobStates(t, db), tt.wantState)
				})
				if tt.wantState == "retryable" {
					eventually(t, 5*time.Second, "failed counter counts the attempt", func() bool {
						return gather(t, client.Collector())[`chorus_jobs_failed_total{kind="cleanup_expired"}`] >= 1
					})
				}
			})
		})
	}
}

// TestCleanupUniquePerPeriod inserts the periodic job's insert twice in one
// period, as two leaders in turn would: the second is skipped.
func TestCleanupUniquePerPeriod(t *testing.T) {
	t.Parallel()
	migratedDBs(t, func(t *testing.T, db *store.DB) {
		client := newClient(t, db, Deps{Cleaner: &funcCleaner{}}, testOptions(t, "", time.Hour, nil))
		var skipped []bool
		for range 2 {
			err := db.InTx(t.Context(), func(tx *store.Tx) error {
				res, err := client.River().InsertTx(t.Context(), tx.SQL(), CleanupArgs{}, cleanupInsertOpts(24*time.Hour))
				if err == nil {
					skipped = append(skipped, res.UniqueSkippedAsDuplicate)
				}
				return err
			})
			if err != nil {
				t.Fatalf("insert: %v", err)
			}
		}
		if !slices.Equal(skipped, []bool{false, true}) {
			t.Errorf("skipped as duplicate = %v, want [false true]", skipped)
		}
		if n := len(cleanupJobs(t, db)); n != 1 {
			t.Errorf("%d cleanup jobs, want 1", n)
		}
	})
}

// TestCleanupOncePerHourAcrossRestarts restarts the server every 25
// minutes, as deploys might. River times a periodic job from its client's
// start, so without the run on start (TestCleanupRunsOnStart) an hourly
// job would never run; with it alone, every start would clean. Each start
// inserts the run-on-start job scheduled then, as River's periodic
// enqueuer does: unique per wall-clock hour, the cleanup runs once in
// each hour that has a start.
func TestCleanupOncePerHourAcrossRestarts(t *testing.T) {
	t.Parallel()
	migratedDBs(t, func(t *testing.T, db *store.DB) {
		client := newClient(t, db, Deps{Cleaner: &funcCleaner{}}, testOptions(t, "", DefaultCleanupInterval, nil))
		var inserted []string
		for i := range 6 {
			at := time.Date(2024, 5, 3, 10, 10, 0, 0, time.UTC).Add(time.Duration(i) * 25 * time.Minute)
			opts := cleanupInsertOpts(DefaultCleanupInterval)
			opts.ScheduledAt = at
			err := db.InTx(t.Context(), func(tx *store.Tx) error {
				res, err := client.River().InsertTx(t.Context(), tx.SQL(), CleanupArgs{}, opts)
				if err == nil && !res.UniqueSkippedAsDuplicate {
					inserted = append(inserted, at.Format("15:04"))
				}
				return err
			})
			if err != nil {
				t.Fatalf("insert at %s: %v", at.Format("15:04"), err)
			}
		}
		if want := []string{"10:10", "11:00", "12:15"}; !slices.Equal(inserted, want) {
			t.Errorf("cleanups of the starts at %v, want %v: one an hour", inserted, want)
		}
	})
}

// TestCleanupForgetsOldSalts runs the cleanup with no click at all, as in a
// workspace in Asia/Shanghai that nobody visits: each salt goes once it is
// 48 hours old, today's and yesterday's stay until then.
func TestCleanupForgetsOldSalts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		ctx := t.Context()
		// Each salt was created by the first click of its day in
		// Shanghai: at 16:00 UTC the day before.
		for _, day := range []string{"2024-04-30", "2024-05-01", "2024-05-02", "2024-05-03"} {
			d, err := time.Parse(time.DateOnly, day)
			if err != nil {
				t.Fatal(err)
			}
			db.Now = func() time.Time { return d.Add(-8 * time.Hour) }
			if _, err := db.VisitorSalt(ctx, day, "salt "+day); err != nil {
				t.Fatal(err)
			}
		}
		runs := []struct {
			name string
			at   time.Time
			want []string
		}{
			// 07:00 on 2024-05-03 in Shanghai. The writer's day cutoff
			// (the UTC day before today, 2024-05-01) would keep the salt
			// of 2024-05-01, 55 hours old.
			{"today and yesterday stay", time.Date(2024, 5, 2, 23, 0, 0, 0, time.UTC), []string{"2024-05-02", "2024-05-03"}},
			{"2024-05-02's at 47 h 59 min, 23:59 in Shanghai", time.Date(2024, 5, 3, 15, 59, 0, 0, time.UTC), []string{"2024-05-02", "2024-05-03"}},
			{"2024-05-02's at 48 h 1 min", time.Date(2024, 5, 3, 16, 1, 0, 0, time.UTC), []string{"2024-05-03"}},
			{"all gone", time.Date(2024, 5, 4, 16, 1, 0, 0, time.UTC), nil},
		}
		for _, run := range runs {
			cleaner := &funcCleaner{}
			w := &CleanupWorker{Cleaner: cleaner, Visitors: db, Now: func() time.Time { return run.at }}
			if err := w.Work(ctx, &river.Job[CleanupArgs]{JobRow: &rivertype.JobRow{}}); err != nil {
				t.Fatalf("%s: Work() = %v", run.name, err)
			}
			if cleaner.calls.Load() != 1 {
				t.Errorf("%s: Cleaner called %d times, want 1", run.name, cleaner.calls.Load())
			}
			if got := saltDays(t, db); !slices.Equal(got, run.want) {
				t.Errorf("%s: salts of %v left at %s, want %v", run.name, got, run.at, run.want)
			}
		}
	})
}

// TestCleanupSaltError: when the salts cannot be deleted, the expired rows
// still are, and the job fails to be retried.
func TestCleanupSaltError(t *testing.T) {
	t.Parallel()
	cleaner := &funcCleaner{}
	fail := apperr.Wrap(errors.New("disk full"), "forget old salts")
	w := &CleanupWorker{Cleaner: cleaner, Visitors: funcSalts(func(context.Context, time.Time) (int64, error) { return 0, fail }), Now: time.Now}
	err := w.Work(t.Context(), &river.Job[CleanupArgs]{JobRow: &rivertype.JobRow{}})
	var cancel *river.JobCancelError
	if !errors.Is(err, fail) || errors.As(err, &cancel) {
		t.Errorf("Work() = %v, want %v to retry", err, fail)
	}
	if cleaner.calls.Load() != 1 {
		t.Errorf("Cleaner called %d times, want 1", cleaner.calls.Load())
	}
}

// funcSalts is a VisitorForgetter whose ForgetSalts is a function; it
// keeps no unique keys or marks.
type funcSalts func(ctx context.Context, createdBefore time.Time) (int64, error)

func (f funcSalts) ForgetSalts(ctx context.Context, createdBefore time.Time) (int64, error) {
	return f(ctx, createdBefore)
}

func (funcSalts) ForgetVisitors(context.Context, string, time.Time) (store.Forgotten, error) {
	return store.Forgotten{}, nil
}

// TestCleanupForgetsUniqueKeys runs the cleanup with no click at all: the
// unique keys (link, visitor hash, day) of days before yesterday in UTC go,
// a backlog of more than two batches of them too, with their salts, and
// the landing marks that waited for their click over an hour.
func TestCleanupForgetsUniqueKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		ctx := t.Context()
		// 07:00 on 2024-05-04 in Shanghai.
		now := time.Date(2024, 5, 3, 23, 0, 0, 0, time.UTC)
		exec(t, db, `INSERT INTO click_uniques (day, link_id, visitor) VALUES
			('2024-05-01', 1, 'a'), ('2024-05-02', 1, 'a'), ('2024-05-02', 2, 'b'), ('2024-05-03', 1, 'a'), ('2024-05-04', 1, 'a')`)
		exec(t, db, fmt.Sprintf(`INSERT INTO click_uniques (day, link_id, visitor)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			SELECT '2024-04-30', 3, 'v' || i FROM n`, 2*store.CleanupBatch+1))
		for _, day := range []string{"2024-05-01", "2024-05-02"} {
			// Salts created an hour ago: too young to go by age.
			db.Now = func() time.Time { return now.Add(-time.Hour) }
			if _, err := db.VisitorSalt(ctx, day, "salt "+day); err != nil {
				t.Fatal(err)
			}
		}
		marks := map[string]time.Duration{"markOfTwoHoursAgo": 2 * time.Hour, "markOfTenMinutesAgo": 10 * time.Minute}
		for id, age := range marks {
			db.Now = func() time.Time { return now.Add(-age) }
			if _, err := db.MarkClick(ctx, id, true, false); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("MarkClick of a click not written yet = %v, want not found", err)
			}
		}
		db.Now = func() time.Time { return now }

		var logged bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		w := &CleanupWorker{Cleaner: &funcCleaner{}, Visitors: db, Now: func() time.Time { return now }, Logger: logger}
		if err := w.Work(ctx, &river.Job[CleanupArgs]{JobRow: &rivertype.JobRow{}}); err != nil {
			t.Fatalf("Work() = %v", err)
		}
		// The figures are true: the keys of 2024-04-30 and 2024-05-01,
		// the salt of 2024-05-01 and the old mark.
		var line cleanupOutput
		if err := json.Unmarshal(logged.Bytes(), &line); err != nil {
			t.Fatalf("log %q: %v", logged.String(), err)
		}
		keysGone := int64(2*store.CleanupBatch + 2)
		if want := (cleanupOutput{Deleted: keysGone + 2, Salts: 1, UniqueKeys: keysGone, Marks: 1}); line != want {
			t.Errorf("logged %s, want deleted %d, salts %d, unique_keys %d, marks %d", logged.String(), want.Deleted, want.Salts, want.UniqueKeys, want.Marks)
		}
		keys := column(t, db, `SELECT day || ': ' || COUNT(*) FROM click_uniques GROUP BY day ORDER BY day`)
		if got, want := strings.Join(keys, ", "), "2024-05-02: 2, 2024-05-03: 1, 2024-05-04: 1"; got != want {
			t.Errorf("unique keys by day left: %s, want %s", got, want)
		}
		if got := saltDays(t, db); !slices.Equal(got, []string{"2024-05-02"}) {
			t.Errorf("salts of %v left, want 2024-05-02's", got)
		}
		if got := column(t, db, `SELECT click_id FROM click_marks`); !slices.Equal(got, []string{"markOfTenMinutesAgo"}) {
			t.Errorf("marks %v left, want markOfTenMinutesAgo", got)
		}
	})
}

// exec runs a statement without parameters on db.
func exec(t *testing.T, db *store.DB, q string) {
	t.Helper()
	if _, err := db.WriteDB().ExecContext(t.Context(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// column reads the one column of a query's rows as text.
func column(t *testing.T, db *store.DB, q string) []string {
	t.Helper()
	rows, err := db.WriteDB().QueryContext(t.Context(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// saltDays lists the days that have a visitor salt.
func saltDays(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.WriteDB().QueryContext(t.Context(), `SELECT day FROM visitor_salts ORDER BY day`)
	if err != nil {
		t.Fatalf("list salts: %v", err)
	}
	defer rows.Close()
	var days []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatalf("scan salt: %v", err)
		}
		days = append(days, d)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list salts: %v", err)
	}
	return days
}
