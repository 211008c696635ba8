package store_test

import (
	"context"
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
		if s.Cursor != "" || s.ETag != "" || s.LastModified != "" || s.ItemsFetched != 3 || s.LastSuccessAt == nil {
			t.Errorf("after reset: %+v; want cursor and validators gone, health kept", s)
		}
		if f, _ := db.Source(ctx, ws, due); f.Failures != 1 || f.LastError != "boom" || f.LastErrorKey != "error.source_http" || f.LastErrorArgs["Status"] != float64(503) {
			t.Errorf("failed source: %+v", f)
		}
		if err := db.ResetSourcePoll(ctx, ws+999, never); err == nil {
			t.Error("reset in another workspace: no error")
		}
	})
}
