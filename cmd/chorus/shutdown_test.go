package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
)

// TestSIGTERMFinishesRunningJob sends SIGTERM to `chorus serve` (on
// SQLite) while its poll job is waiting for a slow RSS feed, and answers
// the feed only after the signal: the job finishes within the grace
// period, its posts are stored and the source's health recorded, the job
// is completed rather than left running, and the process exits cleanly.
func TestSIGTERMFinishesRunningJob(t *testing.T) {
	bin := buildChorus(t)
	data := t.TempDir()
	env := operatorEnv("")
	runCLI(t, bin, env, "--data", data, "migrate")
	runCLI(t, bin, env, "--data", data, "user", "create", "--email", "owner@example.com", "--password", "a long password")
	runCLI(t, bin, env, "--data", data, "workspace", "create", "--slug", "acme", "--name", "Acme", "--owner", "owner@example.com")

	asked := make(chan struct{}, 1)
	answer := make(chan struct{})
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- struct{}{}
		<-answer
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Slow</title>
<item><title>quokkabrew cold brew, first cup</title><guid>slow-1</guid><pubDate>%[1]s</pubDate></item>
<item><title>quokkabrew oat latte, second cup</title><guid>slow-2</guid><pubDate>%[1]s</pubDate></item>
</channel></rss>`, time.Now().Add(-time.Hour).Format(time.RFC1123Z))
	}))
	defer feed.Close()
	defer close(answer)

	// The source is due at once, so the poll job that runs at start takes it.
	var ws, src int64
	withStore(t, data, func(db *store.DB) {
		w, err := db.WorkspaceBySlug(t.Context(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		s, err := db.CreateSource(t.Context(), w.ID, listen.Source{Kind: "rss", Name: "slow feed", Config: map[string]string{"url": feed.URL}, Enabled: true, PollSeconds: 900})
		if err != nil {
			t.Fatal(err)
		}
		ws, src = w.ID, s.ID
	})

	n := startNode(t, bin, env, "sqlite", "--data", data, "--allow-private-fetch")
	n.ready(t)
	select {
	case <-asked:
	case <-time.After(time.Minute):
		t.Fatalf("the poll job did not fetch the feed within a minute; output:\n%s", n.out.String())
	}
	stopped := make(chan error, 1)
	began := time.Now()
	go func() { stopped <- n.stop() }()
	time.Sleep(time.Second) // SIGTERM has arrived, and the job is still waiting
	select {
	case err := <-stopped:
		t.Fatalf("serve ended before the running job could finish: %v", err)
	default:
	}
	answer <- struct{}{}
	if err := <-stopped; err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, n.out.String())
	}
	t.Logf("stopped %s after SIGTERM", time.Since(began).Round(time.Millisecond))
	if out := n.out.String(); strings.Contains(out, "level=ERROR") {
		t.Errorf("serve logged errors while stopping:\n%s", out)
	}

	withStore(t, data, func(db *store.DB) {
		s, err := db.Source(t.Context(), ws, src)
		if err != nil {
			t.Fatal(err)
		}
		if s.LastSuccessAt == nil || s.ItemsFetched != 2 || s.Failures != 0 {
			t.Errorf("source after the poll: last success %v, %d items, %d failures; want a success with 2 items", s.LastSuccessAt, s.ItemsFetched, s.Failures)
		}
	})
	sqlite, err := sql.Open("sqlite", filepath.Join(data, "chorus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sqlite.Close()
	var states string
	if err := sqlite.QueryRow(`SELECT group_concat(state) FROM river_job WHERE kind = 'poll_sources'`).Scan(&states); err != nil {
		t.Fatal(err)
	}
	if states != "completed" {
		t.Errorf("poll jobs after SIGTERM: %s, want one completed", states)
	}
}

// withStore runs fn on the SQLite database in data while no server uses it.
func withStore(t *testing.T, data string, fn func(db *store.DB)) {
	t.Helper()
	db, err := store.Open(t.Context(), "", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fn(db)
}
