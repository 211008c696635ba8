package demo

import (
	"context"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
)

// TestDemoSources loads the demo twice: each time it has a webhook and an
// import source, healthy with the demo's posts they brought (all of them
// between the two), and a failing Bluesky search backing off; the second
// load adds no source, no item and no failure.
func TestDemoSources(t *testing.T) {
	d, db := listenDeps(t)
	d.Sources = db
	ctx := context.Background()
	for load := 1; load <= 2; load++ {
		if load == 2 {
			// A source an earlier version of the demo made goes.
			ws, err := d.Accounts.WorkspaceBySlug(ctx, Slug)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateSource(ctx, ws.ID, listen.Source{Kind: "rss", Name: retiredSources[0], Enabled: true, PollSeconds: 3600,
				Config: map[string]string{"url": "https://blog.xianlan.example/feed.xml"}}); err != nil {
				t.Fatal(err)
			}
		}
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
		brought := map[int64]int64{}
		rows, err := db.WriteDB().QueryContext(ctx, `SELECT COALESCE(source_id, 0), COUNT(*) FROM mentions WHERE workspace_id = $1 GROUP BY source_id`, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, n int64
			if err := rows.Scan(&id, &n); err != nil {
				t.Fatal(err)
			}
			brought[id] = n
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, s := range srcs {
			switch {
			case s.Failures == 0:
				if s.LastSuccessAt == nil || s.ItemsFetched == 0 || s.ItemsFetched != brought[s.ID] {
					t.Errorf("load %d: healthy source %q: last success %v, %d items, want the %d mentions it brought", load, s.Name, s.LastSuccessAt, s.ItemsFetched, brought[s.ID])
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
		if kinds["webhook"] != 1 || kinds["import"] != 1 || kinds["failing"] != 1 {
			t.Errorf("load %d: sources %v, want one healthy webhook, one healthy import, one failing", load, kinds)
		}
		if brought[0] != 0 {
			t.Errorf("load %d: %d mentions without a source", load, brought[0])
		}
	}
}
