package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/chorus-hq/chorus/internal/listen"
)

// MentionRehasher holds the mentions whose hashes an older text
// normalization made; the store implements it.
type MentionRehasher interface {
	listen.RehashStore
	// StaleMentionCount counts the mentions whose hashes were made with a
	// normalization older than version.
	StaleMentionCount(ctx context.Context, version int) (int64, error)
}

// RehashMentionsArgs makes anew the content hashes and SimHashes of the
// mentions stored with an older normalization (listen.NormVersion), so
// that the same text arriving after an upgrade is known as a duplicate.
// It runs when a node starts and then every hour, which also catches what
// older nodes store while a cluster is upgraded one node at a time.
type RehashMentionsArgs struct{}

// Kind is stored with every job row; it is never renamed.
func (RehashMentionsArgs) Kind() string { return "rehash_mentions" }

const (
	// rehashInterval is the period of the job.
	rehashInterval = time.Hour
	// rehashBatch is how many mentions one transaction re-hashes: a
	// SQLite writer is held for milliseconds, not for the whole backlog.
	rehashBatch = 500
	// rehashRunFor bounds one run; a bigger backlog goes on in the next
	// period, where this one stopped.
	rehashRunFor = 20 * time.Minute
	// rehashLogEvery is how often a long run logs its progress.
	rehashLogEvery = 10 * time.Second
)

func rehashPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(rehashInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			return RehashMentionsArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: rehashInterval}}
		},
		&river.PeriodicJobOpts{ID: RehashMentionsArgs{}.Kind(), RunOnStart: true},
	)
}

// RehashMentionsWorker runs RehashMentionsArgs jobs. Runs on several nodes
// at once are safe (SaveRehashed serializes them with the ingest of each
// workspace), only wasted.
type RehashMentionsWorker struct {
	river.WorkerDefaults[RehashMentionsArgs]
	Store  MentionRehasher
	Logger *slog.Logger
}

// Timeout leaves the run its rehashRunFor and the batch it is in.
func (w *RehashMentionsWorker) Timeout(*river.Job[RehashMentionsArgs]) time.Duration {
	return rehashRunFor + 5*time.Minute
}

// Work re-hashes batches of mentions until none is left or rehashRunFor
// has passed, logging its progress; each batch is committed, so a run cut
// short loses nothing of what it did.
func (w *RehashMentionsWorker) Work(ctx context.Context, job *river.Job[RehashMentionsArgs]) error {
	logger := w.Logger
	if logger == nil {
		logger = slog.Default()
	}
	stale, err := w.Store.StaleMentionCount(ctx, listen.NormVersion)
	if err != nil || stale == 0 {
		return workError(err)
	}
	logger.InfoContext(ctx, "re-hashing the mentions stored with an older text normalization",
		slog.Int64("mentions", stale), slog.Int("version", listen.NormVersion), slog.Int64("job_id", job.ID))
	began := time.Now()
	logged := began
	var sum listen.RehashResult
	for time.Since(began) < rehashRunFor {
		res, err := listen.Rehash(ctx, w.Store, rehashBatch)
		if err != nil {
			return workError(err)
		}
		if res.Rehashed == 0 {
			break
		}
		sum.Rehashed += res.Rehashed
		sum.Changed += res.Changed
		sum.Marked += res.Marked
		if time.Since(logged) >= rehashLogEvery {
			logged = time.Now()
			logger.InfoContext(ctx, "re-hashing mentions", slog.Int("done", sum.Rehashed), slog.Int64("of", stale))
		}
	}
	left, err := w.Store.StaleMentionCount(ctx, listen.NormVersion)
	if err != nil {
		return workError(err)
	}
	logger.InfoContext(ctx, "re-hashed mentions", slog.Int("mentions", sum.Rehashed), slog.Int("changed", sum.Changed),
		slog.Int("marked_taken", sum.Marked), slog.Int64("left", left), slog.Duration("took", time.Since(began).Round(time.Millisecond)))
	_ = river.RecordOutput(ctx, rehashOutput{Rehashed: sum.Rehashed, Changed: sum.Changed, Marked: sum.Marked, Left: left})
	return nil
}

// rehashOutput is what a run records on its job row.
type rehashOutput struct {
	Rehashed int   `json:"rehashed"`
	Changed  int   `json:"changed"`
	Marked   int   `json:"marked"`
	Left     int64 `json:"left"`
}
