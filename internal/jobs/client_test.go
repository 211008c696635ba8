package jobs

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
	"github.com/chorus-hq/chorus/internal/syncbuf"
)

func TestNewNeedsCleaner(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	if _, err := New(db, Deps{}, Options{}); err == nil {
		t.Error("New without a Cleaner succeeded, want an error")
	}
	if _, err := New(db, Deps{Cleaner: &funcCleaner{}}, Options{CleanupInterval: time.Millisecond}); err == nil {
		t.Error("New with a 1 ms interval succeeded, want an error")
	}
}

// TestInsertTx checks that a job lives and dies with the transaction it
// was inserted in; on SQLite this also shows that River inserts through the
// caller's transaction on the single writer connection without waiting for
// another connection.
func TestInsertTx(t *testing.T) {
	t.Parallel()
	migratedDBs(t, func(t *testing.T, db *store.DB) {
		client := newClient(t, db, Deps{Cleaner: &funcCleaner{}}, testOptions(t, "", time.Hour, nil))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()

		errRollback := errors.New("roll back")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := client.InsertTx(ctx, tx.SQL(), CleanupArgs{}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("InTx = %v, want the rollback error", err)
		}
		if n := len(cleanupJobs(t, db)); n != 0 {
			t.Errorf("after rollback: %d jobs, want 0", n)
		}

		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return client.InsertTx(ctx, tx.SQL(), CleanupArgs{})
		}); err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if states := jobStates(t, db); !slices.Equal(states, []string{"available"}) {
			t.Errorf("after commit: states %v, want [available]", states)
		}
	})
}

func TestStop(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		migratedDBs(t, func(t *testing.T, db *store.DB) {
			client := newClient(t, db, Deps{Cleaner: &funcCleaner{}}, testOptions(t, "", time.Hour, nil))
			start(t, client)
			eventually(t, 10*time.Second, "cleanup job completed", func() bool {
				return slices.Equal(jobStates(t, db), []string{"completed"})
			})
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			began := time.Now()
			if err := client.Stop(ctx); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if took := time.Since(began); took > time.Second {
				t.Errorf("Stop of an idle client took %s, want under 1s", took)
			}
		})
	})

	t.Run("waits for a running job", func(t *testing.T) {
		t.Parallel()
		migratedDBs(t, func(t *testing.T, db *store.DB) {
			entered := make(chan struct{})
			var sawCancel atomic.Bool
			cleaner := &funcCleaner{fn: func(ctx context.Context, _ time.Time) (int64, error) {
				close(entered)
				select {
				case <-time.After(300 * time.Millisecond):
					return 1, nil
				case <-ctx.Done():
					sawCancel.Store(true)
					return 0, ctx.Err()
				}
			}}
			client := newClient(t, db, Deps{Cleaner: cleaner}, testOptions(t, "", time.Hour, nil))
			start(t, client)
			<-entered
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			if err := client.Stop(ctx); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if sawCancel.Load() {
				t.Error("the running job was cancelled, want it to finish")
			}
			if states := jobStates(t, db); !slices.Equal(states, []string{"completed"}) {
				t.Errorf("after Stop: states %v, want [completed]", states)
			}
		})
	})

	t.Run("cancels a running job at the deadline", func(t *testing.T) {
		t.Parallel()
		migratedDBs(t, func(t *testing.T, db *store.DB) {
			entered := make(chan struct{})
			var sawCancel atomic.Bool
			cleaner := &funcCleaner{fn: func(ctx context.Context, _ time.Time) (int64, error) {
				close(entered)
				<-ctx.Done()
				sawCancel.Store(true)
				return 0, ctx.Err()
			}}
			client := newClient(t, db, Deps{Cleaner: cleaner}, testOptions(t, "", time.Hour, nil))
			start(t, client)
			<-entered
			const deadline = 300 * time.Millisecond
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			defer cancel()
			began := time.Now()
			err := client.Stop(ctx)
			took := time.Since(began)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Stop = %v, want the deadline error", err)
			}
			if took > deadline+time.Second {
				t.Errorf("Stop took %s, want about %s", took, deadline)
			}
			if !sawCancel.Load() {
				t.Error("the running job's context was not cancelled")
			}
		})
	})
}

// node is one of several clients on one database, with its log.
type node struct {
	client *Client
	log    *logRecorder
}

// led tells whether this node has been leader: only a leader enqueues
// periodic jobs, and it logs so at debug level even when River skips the
// insert as a duplicate.
func (n node) led() bool { return n.log.contains("Inserted RunOnStart jobs") }

// twoNodes starts two clients ("nodes"), each with its own store and
// connection pool as two processes would have, on one new PostgreSQL
// database.
func twoNodes(t *testing.T, interval time.Duration, cleaner *funcCleaner) (*store.DB, [2]node) {
	t.Helper()
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skipf("%s is not set", storetest.PostgresEnv)
	}
	url := storetest.PostgresURL(t)
	var nodes [2]node
	var first *store.DB
	for i, id := range []string{"node_a", "node_b"} {
		db, err := store.Open(t.Context(), url, "", nil)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			first = db
			if err := db.Migrate(t.Context()); err != nil {
				t.Fatalf("migrate store: %v", err)
			}
			migrate(t, db)
		}
		log := newLogRecorder(t)
		nodes[i] = node{newClient(t, db, Deps{Cleaner: cleaner}, testOptions(t, id, interval, slog.New(log))), log}
	}
	for _, n := range nodes {
		start(t, n.client)
	}
	return first, nodes
}

// TestTwoNodesRunEachPeriodOnce runs two nodes on one PostgreSQL database
// for a few short periods: only the leader enqueues, so the Cleaner runs
// once per period across both, never twice.
func TestTwoNodesRunEachPeriodOnce(t *testing.T) {
	t.Parallel()
	const interval = time.Second
	cleaner := &funcCleaner{}
	began := time.Now()
	db, nodes := twoNodes(t, interval, cleaner)

	time.Sleep(4*interval + interval/2)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for _, n := range nodes {
		if err := n.client.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
	}
	elapsed := time.Since(began)

	if nodes[0].led() == nodes[1].led() {
		t.Errorf("node a led: %v, node b led: %v; want exactly one leader", nodes[0].led(), nodes[1].led())
	}
	periods := int64(elapsed / interval)
	calls := cleaner.calls.Load()
	if calls < 2 || calls > periods+1 {
		t.Errorf("Cleaner called %d times in %s, want between 2 and %d (one per period plus the run on start)", calls, elapsed.Round(time.Millisecond), periods+1)
	}
	jobs := cleanupJobs(t, db)
	seen := make(map[time.Time]int64)
	completed := 0
	for _, j := range jobs {
		p := j.scheduledAt.Truncate(interval)
		if id, dup := seen[p]; dup {
			t.Errorf("jobs %d and %d both ran in the period starting %s", id, j.id, p.Format(time.RFC3339Nano))
		}
		seen[p] = j.id
		if j.state == "completed" {
			completed++
		}
		if strings.Count(j.attemptedBy, "node_") != 1 {
			t.Errorf("job %d was attempted by %s, want one node once", j.id, j.attemptedBy)
		}
	}
	if int64(completed) != calls {
		t.Errorf("%d completed jobs but %d Cleaner calls, want one call per job", completed, calls)
	}
	t.Logf("%d periods in %s: %d jobs, %d Cleaner calls", periods, elapsed.Round(time.Millisecond), len(jobs), calls)
}

// TestLeaderChangeDoesNotRepeatPeriod stops the leader: the other node is
// elected and its run-on-start insert falls into the period that already
// ran, so River skips it as a duplicate instead of cleaning again.
func TestLeaderChangeDoesNotRepeatPeriod(t *testing.T) {
	t.Parallel()
	cleaner := &funcCleaner{}
	db, nodes := twoNodes(t, time.Hour, cleaner)

	eventually(t, 10*time.Second, "first cleanup completed", func() bool {
		return slices.Equal(jobStates(t, db), []string{"completed"})
	})
	leader, follower := nodes[0], nodes[1]
	if follower.led() {
		leader, follower = follower, leader
	}
	if follower.led() {
		t.Fatal("both nodes enqueued the run on start, want only the leader")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := leader.client.Stop(ctx); err != nil {
		t.Fatalf("Stop leader: %v", err)
	}
	// Without LISTEN/NOTIFY (database/sql) a follower tries to become
	// leader every 5 s or so.
	eventually(t, 15*time.Second, "the follower became leader and tried its run on start", follower.led)
	time.Sleep(500 * time.Millisecond) // time enough for a duplicate to be worked
	if n := cleaner.calls.Load(); n != 1 {
		t.Errorf("Cleaner called %d times, want 1: the new leader repeated the period", n)
	}
	if n := len(cleanupJobs(t, db)); n != 1 {
		t.Errorf("%d cleanup jobs, want 1", n)
	}
}

// TestRiverRoutineLogIsDebug: River's routine info messages (it starts,
// counts jobs every minute, runs maintenance) reach the log at debug
// level, so that an idle server's info log stays quiet.
func TestRiverRoutineLogIsDebug(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf syncbuf.Buffer
		db := storetest.SQLite(t)
		migrate(t, db)
		opts := testOptions(t, "", time.Hour, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level})))
		client := newClient(t, db, Deps{Cleaner: &funcCleaner{}}, opts)
		start(t, client)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		if err := client.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		cancel()
		want := level == slog.LevelDebug
		if got := strings.Contains(buf.String(), `level=DEBUG msg="River client started"`); got != want {
			t.Errorf("log at %s: River's start at debug level: %v, want %v:\n%s", level, got, want, buf.String())
		}
		if strings.Contains(buf.String(), "level=INFO") {
			t.Errorf("log at %s: River logged at info level:\n%s", level, buf.String())
		}
	}
}

// TestFailedJobIsLogged: River tells of a failed attempt at info level,
// which routineDebug makes debug, so the client logs each failure itself
// at a level an operator sees: a warning while River retries, an error
// when it gives up or the worker cancels the job.
func TestFailedJobIsLogged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"retried", errors.New("disk full"), `level=WARN msg="job failed" kind=cleanup_expired`},
		{"cancelled", apperr.NotFoundf("session"), `level=ERROR msg="job failed" kind=cleanup_expired`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf syncbuf.Buffer
			db := storetest.SQLite(t)
			migrate(t, db)
			cleaner := &funcCleaner{fn: func(context.Context, time.Time) (int64, error) { return 0, tt.err }}
			opts := testOptions(t, "", time.Hour, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
			client := newClient(t, db, Deps{Cleaner: cleaner}, opts)
			start(t, client)
			eventually(t, 10*time.Second, "the failure in the log", func() bool {
				return strings.Contains(buf.String(), tt.want) && strings.Contains(buf.String(), tt.err.Error())
			})
		})
	}
}

// TestInterruptedJobIsNotAnError: a job on its last attempt that Stop
// cuts short at its deadline is put back to run again, so the log warns
// that it was interrupted rather than telling of an error given up on;
// the source whose poll it cut short records no failure.
func TestInterruptedJobIsNotAnError(t *testing.T) {
	t.Parallel()
	var buf syncbuf.Buffer
	db := storetest.SQLite(t)
	migrate(t, db)
	srcs := &memSources{srcs: map[int64]*listen.Source{1: {ID: 1, WorkspaceID: 1, Kind: source.KindRSS, Enabled: true, PollSeconds: 600}}}
	entered := make(chan struct{})
	deps := Deps{Cleaner: &funcCleaner{}, Sources: srcs, Ingester: IngestFunc(func(context.Context, int64, []listen.Post) (int, error) { return 0, nil }),
		Poller: pollerFunc(func(ctx context.Context, _ listen.Source) (source.PollResult, error) {
			close(entered)
			<-ctx.Done()
			return source.PollResult{}, ctx.Err()
		})}
	opts := testOptions(t, "", time.Hour, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	client := newClient(t, db, deps, opts)
	start(t, client)
	<-entered
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if err := client.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want the deadline error", err)
	}
	var state string
	if err := db.WriteDB().QueryRowContext(t.Context(), `SELECT state FROM river_job WHERE kind = 'poll_sources'`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != "available" {
		t.Errorf("interrupted poll job is %s, want available to run again", state)
	}
	if s := srcs.get(1); s.Failures != 0 || s.LastError != "" {
		t.Errorf("source of the interrupted poll: %d failures, error %q; want none", s.Failures, s.LastError)
	}
	log := buf.String()
	if !strings.Contains(log, `level=WARN msg="job interrupted" kind=poll_sources`) || strings.Contains(log, "level=ERROR") {
		t.Errorf("log of the interrupted poll, want a warning and no error:\n%s", log)
	}
}
