package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/syncbuf"
)

// memSources is an in-memory SourceStore with the store's semantics:
// due = enabled, polled kind, next poll at or before now; claiming moves
// the next poll ahead.
type memSources struct {
	mu   sync.Mutex
	srcs map[int64]*listen.Source
}

func (m *memSources) ClaimDueSources(_ context.Context, now time.Time, limit int) ([]listen.Source, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []listen.Source
	for id := int64(1); id <= int64(len(m.srcs)) && len(out) < limit; id++ {
		s := m.srcs[id]
		if s == nil || !s.Enabled || !source.Polled(s.Kind) || (s.NextPollAt != nil && s.NextPollAt.After(now)) {
			continue
		}
		lease := now.Add(10 * time.Minute)
		s.NextPollAt = &lease
		out = append(out, *s)
	}
	return out, nil
}

func (m *memSources) RecordSourceSuccess(_ context.Context, ws, id int64, cursor, etag, lm string, items int, next time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.srcs[id]
	if s == nil || s.WorkspaceID != ws {
		return apperr.NotFoundf("source")
	}
	s.Cursor, s.ETag, s.LastModified = cursor, etag, lm
	s.ItemsFetched += int64(items)
	s.Failures = 0
	at := next
	s.NextPollAt = &at
	ok := time.Now()
	s.LastSuccessAt = &ok
	return nil
}

func (m *memSources) RecordSourceFailure(_ context.Context, ws, id int64, problem listen.SourceProblem, next time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.srcs[id]
	if s == nil || s.WorkspaceID != ws {
		return apperr.NotFoundf("source")
	}
	s.LastError, s.LastErrorKey, s.LastErrorArgs = problem.Text, problem.Key, problem.Args
	s.Failures++
	at := next
	s.NextPollAt = &at
	return nil
}

func (m *memSources) get(id int64) listen.Source {
	m.mu.Lock()
	defer m.mu.Unlock()
	return *m.srcs[id]
}

type pollerFunc func(ctx context.Context, src listen.Source) (source.PollResult, error)

func (f pollerFunc) Poll(ctx context.Context, src listen.Source) (source.PollResult, error) {
	return f(ctx, src)
}

type rateLimited struct{}

func (rateLimited) Error() string             { return "platform: rate limited" }
func (rateLimited) RetryAfter() time.Duration { return 3 * time.Hour }

func TestPollKindIsStable(t *testing.T) {
	if got := (PollSourcesArgs{}).Kind(); got != "poll_sources" {
		t.Errorf("Kind() = %q: kinds are never renamed", got)
	}
}

func TestPollRound(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Minute), now.Add(time.Hour)
	store := &memSources{srcs: map[int64]*listen.Source{
		1: {ID: 1, WorkspaceID: 10, Kind: source.KindRSS, Enabled: true, PollSeconds: 600, NextPollAt: &past},
		2: {ID: 2, WorkspaceID: 10, Kind: source.KindMastodonTag, Enabled: true, PollSeconds: 600, Failures: 2, NextPollAt: &past},
		3: {ID: 3, WorkspaceID: 20, Kind: source.KindRSS, Enabled: true, PollSeconds: 600, NextPollAt: &future},
		4: {ID: 4, WorkspaceID: 20, Kind: source.KindRSS, Enabled: false, PollSeconds: 600},
		5: {ID: 5, WorkspaceID: 20, Kind: source.KindWebhook, Enabled: true, PollSeconds: 600},
		6: {ID: 6, WorkspaceID: 20, Kind: source.KindBlueskySearch, Enabled: true, PollSeconds: 600},
		7: {ID: 7, WorkspaceID: 20, Kind: source.KindOwnChannel, Enabled: true, PollSeconds: 600},
	}}
	var mu sync.Mutex
	polled := map[int64]bool{}
	ingested := map[int64]int{}
	poller := pollerFunc(func(ctx context.Context, src listen.Source) (source.PollResult, error) {
		mu.Lock()
		polled[src.ID] = true
		mu.Unlock()
		switch src.ID {
		case 1:
			return source.PollResult{Posts: []listen.Post{{ExternalID: "a"}, {ExternalID: "b"}}, Cursor: "c1", ETag: `"e"`}, nil
		case 2:
			return source.PollResult{}, errors.New("connection refused to https://m.example/api?access_token=s3cret")
		case 6:
			return source.PollResult{}, rateLimited{}
		case 7:
			panic("bug in a poller")
		}
		return source.PollResult{}, nil
	})
	polls := newPollCounter()
	w := &PollSourcesWorker{Store: store, Poller: poller, Now: func() time.Time { return now }, Polls: polls,
		Ingester: IngestFunc(func(ctx context.Context, ws int64, posts []listen.Post) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			ingested[ws] += len(posts)
			return len(posts), nil
		})}
	out, err := w.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if out.Polled != 4 || out.Failed != 3 || out.Items != 2 {
		t.Errorf("round = %+v, want 4 polled (1, 2, 6, 7), 3 failed, 2 items", out)
	}
	got := gather(t, polls)
	for series, n := range map[string]float64{
		`chorus_source_polls_total{kind="rss",result="ok"}`:                1,
		`chorus_source_polls_total{kind="mastodon_tag",result="failed"}`:   1,
		`chorus_source_polls_total{kind="bluesky_search",result="failed"}`: 1,
		`chorus_source_polls_total{kind="own_channel",result="failed"}`:    1,
	} {
		if got[series] != n {
			t.Errorf("%s = %v, want %v (all: %v)", series, got[series], n, got)
		}
	}
	for _, id := range []int64{3, 4, 5} {
		if polled[id] {
			t.Errorf("source %d polled: it is not due, disabled or pushed", id)
		}
	}
	if ingested[10] != 2 {
		t.Errorf("ingested %v, want 2 posts for workspace 10", ingested)
	}

	ok := store.get(1)
	if ok.Cursor != "c1" || ok.ETag != `"e"` || ok.ItemsFetched != 2 || ok.Failures != 0 || ok.LastSuccessAt == nil || !ok.NextPollAt.Equal(now.Add(10*time.Minute)) {
		t.Errorf("healthy source after the round = %+v", ok)
	}
	bad := store.get(2)
	if bad.Failures != 3 || !bad.NextPollAt.Equal(now.Add(80*time.Minute)) {
		t.Errorf("failing source: failures %d, next %v; want 3 and 600s × 2^3 = 80 min later", bad.Failures, bad.NextPollAt)
	}
	if bad.LastError == "" || strings.Contains(bad.LastError, "s3cret") {
		t.Errorf("last error %q: want the message without the token", bad.LastError)
	}
	if rl := store.get(6); !rl.NextPollAt.Equal(now.Add(3*time.Hour)) || rl.LastError != "platform: rate limited" {
		t.Errorf("rate-limited source: next %v, error %q; want the platform's 3 h", rl.NextPollAt, rl.LastError)
	}
	if p := store.get(7); p.Failures != 1 || p.LastError == "" {
		t.Errorf("panicking poller: %+v, want a recorded failure", p)
	}

	// A failing ingest is the source's failure too, and keeps its cursor.
	store.srcs[1].NextPollAt = &past
	w.Ingester = IngestFunc(func(context.Context, int64, []listen.Post) (int, error) { return 0, errors.New("database is locked") })
	if _, err := w.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := store.get(1); s.Failures != 1 || s.Cursor != "c1" || s.ItemsFetched != 2 || s.LastError != "database is locked" {
		t.Errorf("after a failed ingest: %+v", s)
	}
}

func TestNextPollBackoff(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		seconds, failures int
		retry             time.Duration
		want              time.Duration
	}{
		{900, 0, 0, 15 * time.Minute},
		{900, 1, 0, 30 * time.Minute},
		{900, 2, 0, time.Hour},
		{900, 3, 0, 2 * time.Hour},
		{900, 10, 0, 24 * time.Hour},
		{900, 1000, 0, 24 * time.Hour},
		{60, 0, 5 * time.Minute, 5 * time.Minute},
		{60, 0, 48 * time.Hour, 24 * time.Hour},
		{3600, 1, 10 * time.Minute, 2 * time.Hour},
	}
	for _, tt := range tests {
		if got := NextPoll(at, tt.seconds, tt.failures, tt.retry).Sub(at); got != tt.want {
			t.Errorf("NextPoll(%ds, %d failures, retry %s) = +%s, want +%s", tt.seconds, tt.failures, tt.retry, got, tt.want)
		}
	}
}

// TestRoundOutOfTimeFailsNoOther: slow sources that fill a round until its
// time is up do not make the sources still waiting in it fail: those are
// left for a later round.
func TestRoundOutOfTimeFailsNoOther(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Minute)
	srcs := map[int64]*listen.Source{}
	for id := int64(1); id <= 12; id++ {
		ws := int64(20)
		if id <= pollConcurrency {
			ws = 10
		}
		p := past
		srcs[id] = &listen.Source{ID: id, WorkspaceID: ws, Kind: source.KindRSS, Enabled: true, PollSeconds: 600, NextPollAt: &p}
	}
	store := &memSources{srcs: srcs}
	poller := pollerFunc(func(ctx context.Context, src listen.Source) (source.PollResult, error) {
		if src.WorkspaceID == 10 { // a feed that trickles until the deadline
			<-ctx.Done()
			return source.PollResult{}, ctx.Err()
		}
		if err := ctx.Err(); err != nil { // as an HTTP request with a dead context
			return source.PollResult{}, err
		}
		return source.PollResult{Cursor: "ok"}, nil
	})
	w := &PollSourcesWorker{Store: store, Poller: poller, Now: time.Now,
		Ingester: IngestFunc(func(context.Context, int64, []listen.Post) (int, error) { return 0, nil })}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond) // stands for pollTimeout
	defer cancel()
	if _, err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	for id := int64(pollConcurrency + 1); id <= 12; id++ {
		if s := store.get(id); s.Failures > 0 {
			t.Errorf("source %d, never started, recorded as failed: %q", id, s.LastError)
		}
	}
	for id := int64(1); id <= pollConcurrency; id++ {
		if s := store.get(id); s.Failures != 1 {
			t.Errorf("slow source %d: %d failures, want 1", id, s.Failures)
		}
	}
}

// TestItemsFetchedCountsNew: a source's items fetched are the posts the
// pipeline stored, not those a poll read again (its look-back window).
func TestItemsFetchedCountsNew(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Minute)
	store := &memSources{srcs: map[int64]*listen.Source{1: {ID: 1, WorkspaceID: 1, Kind: source.KindRSS, Enabled: true, PollSeconds: 600, NextPollAt: &past}}}
	poller := pollerFunc(func(context.Context, listen.Source) (source.PollResult, error) {
		return source.PollResult{Posts: []listen.Post{{ExternalID: "a"}, {ExternalID: "b"}, {ExternalID: "c"}}}, nil
	})
	w := &PollSourcesWorker{Store: store, Poller: poller, Now: time.Now,
		Ingester: IngestFunc(func(context.Context, int64, []listen.Post) (int, error) { return 1, nil })} // two seen before
	if _, err := w.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := store.get(1).ItemsFetched; got != 1 {
		t.Errorf("items fetched %d; want 1, the new post", got)
	}
}

// TestRoundLogs: a source deleted while it was polled ends its poll without
// an error in the log, as nothing went wrong; a poller that panics is
// logged as an error with its panic and stack, since its source only
// records "internal error".
func TestRoundLogs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		poll     func(store *memSources) (source.PollResult, error)
		want     []string
		wantNone string
	}{
		{"deleted while polled", func(store *memSources) (source.PollResult, error) {
			store.mu.Lock()
			delete(store.srcs, 1)
			store.mu.Unlock()
			return source.PollResult{Cursor: "c"}, nil
		}, []string{`msg="polled source is gone"`}, "level=ERROR"},
		{"panic", func(*memSources) (source.PollResult, error) { panic("bug in a poller") },
			[]string{`level=ERROR msg="source poll panicked"`, "bug in a poller", "poll_test.go"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			past := time.Now().Add(-time.Minute)
			store := &memSources{srcs: map[int64]*listen.Source{1: {ID: 1, WorkspaceID: 1, Kind: source.KindRSS, Enabled: true, PollSeconds: 600, NextPollAt: &past}}}
			var buf syncbuf.Buffer
			w := &PollSourcesWorker{Store: store, Now: time.Now,
				Logger:   slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Poller:   pollerFunc(func(context.Context, listen.Source) (source.PollResult, error) { return tt.poll(store) }),
				Ingester: IngestFunc(func(context.Context, int64, []listen.Post) (int, error) { return 0, nil })}
			if _, err := w.Round(t.Context()); err != nil {
				t.Fatal(err)
			}
			log := buf.String()
			for _, want := range tt.want {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
			if tt.wantNone != "" && strings.Contains(log, tt.wantNone) {
				t.Errorf("log holds %q:\n%s", tt.wantNone, log)
			}
		})
	}
}

// TestRoundStoppedRecordsNoFailure: a poll that the stopping node cuts
// short (the job's context cancelled, not the round out of time) is no
// failure of its source: nothing is recorded, and the source is polled
// again when its lease ends.
func TestRoundStoppedRecordsNoFailure(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Minute)
	store := &memSources{srcs: map[int64]*listen.Source{1: {ID: 1, WorkspaceID: 1, Kind: source.KindRSS, Enabled: true, PollSeconds: 600, NextPollAt: &past}}}
	entered := make(chan struct{})
	w := &PollSourcesWorker{Store: store, Now: time.Now,
		Poller: pollerFunc(func(ctx context.Context, _ listen.Source) (source.PollResult, error) {
			close(entered)
			<-ctx.Done()
			return source.PollResult{}, ctx.Err()
		}),
		Ingester: IngestFunc(func(context.Context, int64, []listen.Post) (int, error) { return 0, nil })}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-entered; cancel() }()
	out, err := w.Round(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Round = %v, want the cancellation, for River to run the job again", err)
	}
	leased := *store.get(1).NextPollAt
	if s := store.get(1); s.Failures != 0 || s.LastError != "" || out.Failed != 0 {
		t.Errorf("after the stop: source %+v, round %+v; want no failure", s, out)
	}
	if !leased.After(time.Now()) {
		t.Errorf("next poll %s, want the lease's end", leased)
	}
}
