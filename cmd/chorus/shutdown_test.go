package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
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
	p := startSlowPoll(t)
	stopped := make(chan error, 1)
	began := time.Now()
	go func() { stopped <- p.node.stop() }()
	time.Sleep(time.Second) // SIGTERM has arrived, and the job is still waiting
	select {
	case err := <-stopped:
		t.Fatalf("serve ended before the running job could finish: %v", err)
	default:
	}
	p.answer <- struct{}{}
	if err := <-stopped; err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, p.node.out.String())
	}
	t.Logf("stopped %s after SIGTERM", time.Since(began).Round(time.Millisecond))
	if out := p.node.out.String(); strings.Contains(out, "level=ERROR") {
		t.Errorf("serve logged errors while stopping:\n%s", out)
	}

	withStore(t, p.data, func(db *store.DB) {
		s, err := db.Source(t.Context(), p.ws, p.src)
		if err != nil {
			t.Fatal(err)
		}
		if s.LastSuccessAt == nil || s.ItemsFetched != 2 || s.Failures != 0 {
			t.Errorf("source after the poll: last success %v, %d items, %d failures; want a success with 2 items", s.LastSuccessAt, s.ItemsFetched, s.Failures)
		}
	})
	sqlite, err := sql.Open("sqlite", filepath.Join(p.data, "chorus.db"))
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

// TestSecondSignalStopsAtOnce: while serve waits for a running job after
// SIGTERM, as it says it does, a second SIGTERM ends it at once.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	p := startSlowPoll(t)
	n := p.node
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &n.out, regexp.MustCompile(`(a second signal stops at once)`))
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("serve still running 10 s after the second SIGTERM:\n%s", n.out.String())
	}
	var exit *exec.ExitError
	if !errors.As(n.waitErr, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Errorf("serve ended with %v, want killed by the second SIGTERM", n.waitErr)
	}
}

// slowPoll is a `chorus serve` on SQLite whose poll job is waiting for a
// slow RSS feed: sending on answer lets the feed answer.
type slowPoll struct {
	node    *node
	data    string
	ws, src int64
	answer  chan struct{}
}

// startSlowPoll sets up an installation with an RSS source due at once,
// starts serve and returns when its poll job has asked for the feed.
func startSlowPoll(t *testing.T) slowPoll {
	t.Helper()
	bin := buildChorus(t)
	p := slowPoll{data: t.TempDir(), answer: make(chan struct{})}
	env := operatorEnv("")
	runCLI(t, bin, env, "--data", p.data, "migrate")
	runCLI(t, bin, env, "--data", p.data, "user", "create", "--email", "owner@example.com", "--password", "a long password")
	runCLI(t, bin, env, "--data", p.data, "workspace", "create", "--slug", "acme", "--name", "Acme", "--owner", "owner@example.com")

	asked := make(chan struct{}, 1)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- struct{}{}
		<-p.answer
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Slow</title>
<item><title>quokkabrew cold brew, first cup</title><guid>slow-1</guid><pubDate>%[1]s</pubDate></item>
<item><title>quokkabrew oat latte, second cup</title><guid>slow-2</guid><pubDate>%[1]s</pubDate></item>
</channel></rss>`, time.Now().Add(-time.Hour).Format(time.RFC1123Z))
	}))
	// Cleanups run last first: the feed stops waiting before it closes.
	t.Cleanup(feed.Close)
	t.Cleanup(func() { close(p.answer) })

	// The source is due at once, so the poll job that runs at start takes it.
	withStore(t, p.data, func(db *store.DB) {
		w, err := db.WorkspaceBySlug(t.Context(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		s, err := db.CreateSource(t.Context(), w.ID, listen.Source{Kind: "rss", Name: "slow feed", Config: map[string]string{"url": feed.URL}, Enabled: true, PollSeconds: 900})
		if err != nil {
			t.Fatal(err)
		}
		p.ws, p.src = w.ID, s.ID
	})

	p.node = startNode(t, bin, env, "sqlite", "--data", p.data, "--allow-private-fetch")
	p.node.ready(t)
	select {
	case <-asked:
	case <-time.After(time.Minute):
		t.Fatalf("the poll job did not fetch the feed within a minute; output:\n%s", p.node.out.String())
	}
	return p
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
