package demo

import (
	"context"
	"testing"
	"time"
)

// TestDemoSources loads the demo twice: each time it has a healthy feed,
// a healthy Mastodon hashtag and a failing Bluesky search backing off,
// and the second load adds no source and no failure.
func TestDemoSources(t *testing.T) {
	d, db := listenDeps(t)
	d.Sources = db
	ctx := context.Background()
	for load := 1; load <= 2; load++ {
		if _, err := Load(ctx, d); err != nil {
			t.Fatal(err)
		}
		ws, err := d.Accounts.WorkspaceBySlug(ctx, Slug)
		if err != nil {
			t.Fatal(err)
		}
		srcs, err := db.Sources(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(srcs) != len(demoSources) {
			t.Fatalf("load %d: %d sources, want %d", load, len(srcs), len(demoSources))
		}
		kinds := map[string]int{}
		for _, s := range srcs {
			switch {
			case s.Failures == 0:
				if s.LastSuccessAt == nil || s.ItemsFetched == 0 || s.NextPollAt == nil || !s.NextPollAt.After(*s.LastSuccessAt) {
					t.Errorf("load %d: healthy source %q: last success %v, %d items, next poll %v", load, s.Name, s.LastSuccessAt, s.ItemsFetched, s.NextPollAt)
				}
				kinds[s.Kind]++
			default:
				if s.Failures != 3 || s.LastError == "" || s.LastErrorAt == nil || s.NextPollAt == nil ||
					s.NextPollAt.Sub(*s.LastErrorAt) < 8*time.Duration(s.PollSeconds)*time.Second-time.Second {
					t.Errorf("load %d: failing source %q: %d failures, error %q, next poll %v after %v", load, s.Name, s.Failures, s.LastError, s.NextPollAt, s.LastErrorAt)
				}
				kinds["failing"]++
			}
		}
		if kinds["rss"] != 1 || kinds["mastodon_tag"] != 1 || kinds["failing"] != 1 {
			t.Errorf("load %d: sources %v, want one healthy rss, one healthy mastodon_tag, one failing", load, kinds)
		}
	}
}
