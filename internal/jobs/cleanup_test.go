package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
		client := newClient(t, db, cleaner, testOptions(t, "", time.Hour, nil))
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
		if err := json.Unmarshal([]byte(job.metadata), &meta); err != nil || meta.Output.Deleted != 7 {
			t.Errorf("job metadata = %s (%v), want output.deleted 7", job.metadata, err)
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
				client := newClient(t, db, cleaner, testOptions(t, "", time.Hour, nil))
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
		client := newClient(t, db, &funcCleaner{}, testOptions(t, "", time.Hour, nil))
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
