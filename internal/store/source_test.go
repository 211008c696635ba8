package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestClaimDueSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		now := time.Now().UTC().Truncate(time.Second)
		past, future := now.Add(-time.Minute), now.Add(time.Hour)
		mk := func(kind string, enabled bool, next *time.Time) int64 {
			t.Helper()
			s, err := db.CreateSource(ctx, ws, listen.Source{Kind: kind, Name: kind, Config: map[string]string{}, Enabled: enabled, PollSeconds: 900, NextPollAt: next})
			if err != nil {
				t.Fatal(err)
			}
			return s.ID
		}
		due := mk("rss", true, &past)
		never := mk("mastodon_tag", true, nil)
		mk("rss", true, &future)
		mk("rss", false, &past)
		mk("webhook", true, &past)
		got, err := db.ClaimDueSources(ctx, now, 10)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[int64]bool{}
		for _, s := range got {
			ids[s.ID] = true
			if s.WorkspaceID != ws {
				t.Errorf("claimed source %d has workspace %d, want %d", s.ID, s.WorkspaceID, ws)
			}
		}
		if len(got) != 2 || !ids[due] || !ids[never] {
			t.Fatalf("claimed %v, want the due rss source and the never-polled one", ids)
		}
		again, err := db.ClaimDueSources(ctx, now, 10)
		if err != nil || len(again) != 0 {
			t.Errorf("second claim = %d sources, %v; want none while the lease runs", len(again), err)
		}
		// Health and reset.
		if err := db.RecordSourceFailure(ctx, ws, due, listen.SourceProblem{Text: "boom", Key: "error.source_http", Args: map[string]any{"Status": 503}}, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordSourceSuccess(ctx, ws, never, "c1", `"e"`, "lm", 3, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.ResetSourcePoll(ctx, ws, never); err != nil {
			t.Fatal(err)
		}
		s, _ := db.Source(ctx, ws, never)
		if s.Cursor != "" || s.ETag != "" || s.LastModified != "" || s.ItemsFetched != 3 || s.LastSuccessAt != nil {
			t.Errorf("after reset: %+v; want cursor, validators and last success gone, items kept", s)
		}
		if f, _ := db.Source(ctx, ws, due); f.Failures != 1 || f.LastError != "boom" || f.LastErrorKey != "error.source_http" || f.LastErrorArgs["Status"] != float64(503) {
			t.Errorf("failed source: %+v", f)
		}
		// A failing source's new settings have not failed yet.
		if err := db.ResetSourcePoll(ctx, ws, due); err != nil {
			t.Fatal(err)
		}
		if f, _ := db.Source(ctx, ws, due); f.Failures != 0 || f.LastError != "" || f.LastErrorKey != "" || f.LastErrorArgs != nil || f.LastErrorAt != nil {
			t.Errorf("failed source after reset: %+v; want no error", f)
		}
		if err := db.ResetSourcePoll(ctx, ws+999, never); err == nil {
			t.Error("reset in another workspace: no error")
		}
	})
}

// TestClaimNeverPolledFirst: a source never polled is the most due, on
// both databases (PostgreSQL sorts NULL last unless told), so that a new
// source is polled in the next run even when more sources are due than a
// run claims.
func TestClaimNeverPolledFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		past := time.Now().UTC().Add(-time.Hour)
		for i, next := range []*time.Time{&past, &past, nil} {
			if _, err := db.CreateSource(ctx, ws, listen.Source{Kind: "rss", Name: fmt.Sprint(i), Config: map[string]string{}, Enabled: true, PollSeconds: 900, NextPollAt: next}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.ClaimDueSources(ctx, time.Now(), 1)
		if err != nil || len(got) != 1 || got[0].Name != "2" {
			t.Fatalf("claimed %+v, %v; want the never-polled source 2", got, err)
		}
	})
}

// TestClaimDueSourcesOnce: two poll runs claiming at the same moment, as
// on two nodes, never both claim a source.
func TestClaimDueSourcesOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		past := time.Now().UTC().Add(-time.Hour)
		for i := range 60 {
			if _, err := db.CreateSource(ctx, ws, listen.Source{Kind: "rss", Name: fmt.Sprint(i), Config: map[string]string{}, Enabled: true, PollSeconds: 900, NextPollAt: &past}); err != nil {
				t.Fatal(err)
			}
		}
		for round := range 10 {
			if _, err := db.WriteDB().ExecContext(ctx, `UPDATE sources SET next_poll_at = $1`, past); err != nil {
				t.Fatal(err)
			}
			var got [2][]listen.Source
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range got {
				wg.Go(func() {
					<-start
					var err error
					if got[i], err = db.ClaimDueSources(ctx, time.Now(), 60); err != nil {
						t.Error(err)
					}
				})
			}
			close(start)
			wg.Wait()
			claimed := map[int64]bool{}
			for _, s := range got[0] {
				claimed[s.ID] = true
			}
			for _, s := range got[1] {
				if claimed[s.ID] {
					t.Fatalf("round %d: source %d claimed by both runs (%d and %d claimed)", round, s.ID, len(got[0]), len(got[1]))
				}
			}
		}
	})
}
