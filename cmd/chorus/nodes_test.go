package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store/storetest"
	"github.com/chorus-hq/chorus/internal/syncbuf"
)

// TestTwoServers runs two `chorus serve` processes on one PostgreSQL
// database, set up with the CLI as an operator would, and checks through
// the API and the short links that the nodes share one state: a link made
// on one redirects on the other; clicks taken by both are counted once
// each, and a visitor once, whichever node is asked; every answered
// redirect is stored after SIGTERM; a batch pushed to both is stored once;
// a topic made on one node is matched by the other's next batch.
func TestTwoServers(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skipf("%s is not set", storetest.PostgresEnv)
	}
	began := time.Now()
	bin := buildChorus(t)
	t.Logf("go build took %s", time.Since(began).Round(time.Millisecond))
	dbURL := storetest.PostgresURL(t)
	env := operatorEnv(dbURL)
	runCLI(t, bin, env, "migrate")
	runCLI(t, bin, env, "user", "create", "--email", "owner@example.com", "--password", "a long password")
	runCLI(t, bin, env, "workspace", "create", "--slug", "acme", "--name", "Acme", "--owner", "owner@example.com")
	token := strings.TrimSpace(runCLI(t, bin, env, "token", "create", "--user", "owner@example.com", "--workspace", "acme", "--role", "strategist", "--name", "two nodes"))

	// Node B answers short links on a listener of their own as well, and
	// they are clicked there.
	a, b := startNode(t, bin, env, "A", "--data", t.TempDir()), startNode(t, bin, env, "B", "--data", t.TempDir(), "--short-addr", "127.0.0.1:0")
	a.ready(t)
	b.ready(t)
	t.Logf("both nodes ready %s after the start of the test", time.Since(began).Round(time.Millisecond))
	c := apiClient{token: token, ws: "acme"}
	var sl shortLink
	t.Run("api", func(t *testing.T) {
		t.Run("links", func(t *testing.T) {
			t.Parallel()
			sl = checkLinks(t, c, a, b)
		})
		t.Run("listening", func(t *testing.T) {
			t.Parallel()
			checkListening(t, c, a, b)
		})
		t.Run("disable", func(t *testing.T) {
			t.Parallel()
			checkDisable(t, c, a, b)
		})
	})
	if t.Failed() {
		return
	}
	t.Run("shutdown", func(t *testing.T) { checkShutdown(t, sl, a, b, dbURL) })
	t.Logf("test took %s", time.Since(began).Round(time.Millisecond))
}

// checkLinks makes a link on node A and clicks it on both nodes: node B,
// whose link cache never saw the code, redirects too, and both nodes'
// stats count every click, and the visitor who clicked on both once.
func checkLinks(t *testing.T, c apiClient, a, b *node) shortLink {
	var made struct {
		link.Link
		TaggedURL string `json:"tagged_url"`
	}
	c.mustCall(t, a, "POST", "/links", map[string]any{"destination": "https://shop.example.com/spring", "channel": "weibo", "label": "two nodes"}, &made, http.StatusCreated)
	sl := shortLink{id: made.ID, code: made.Code, tagged: made.TaggedURL}

	// One visitor on both nodes: the shared daily salt makes one visitor
	// hash, and the database's claim one unique click.
	const (
		perNode   = 30
		revisitor = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.1.1 Safari/537.36"
	)
	// Node B first: its link cache has never seen the code.
	for _, n := range []*node{b, a} {
		cid, err := sl.follow(n, revisitor)
		if err != nil {
			t.Fatal(err)
		}
		sl.cids = append(sl.cids, cid)
	}
	sl.cids = append(sl.cids, clickBoth(t, sl, a, b, browsers(1000, perNode), browsers(2000, perNode))...)
	if n := len(slices.Compact(slices.Sorted(slices.Values(sl.cids)))); n != len(sl.cids) {
		t.Fatalf("%d redirects gave %d distinct cids", len(sl.cids), n)
	}

	total := int64(len(sl.cids))
	want := clickFigures{Clicks: total, HumanClicks: total, UniqueClicks: total - 1, HumanByClass: total}
	for _, n := range []*node{a, b} {
		waitUntil(t, 20*time.Second, 200*time.Millisecond, fmt.Sprintf("node %s's stats show %+v", n.name, want), func() (bool, string) {
			var st link.Stats
			c.mustCall(t, n, "GET", fmt.Sprintf("/links/%d/stats", sl.id), nil, &st, http.StatusOK)
			got := figures(st)
			return got == want, fmt.Sprintf("%+v", got)
		})
	}
	return sl
}

// checkDisable makes a link on node A, follows it on node B so that B
// caches it, disables it on A, and checks that B stops redirecting well
// within its cache's 30-second TTL: B follows link changes every second.
func checkDisable(t *testing.T, c apiClient, a, b *node) {
	var made struct {
		link.Link
		TaggedURL string `json:"tagged_url"`
	}
	c.mustCall(t, a, "POST", "/links", map[string]any{"destination": "https://shop.example.com/recall", "channel": "weibo"}, &made, http.StatusCreated)
	sl := shortLink{id: made.ID, code: made.Code, tagged: made.TaggedURL}
	if _, err := sl.follow(b, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"); err != nil {
		t.Fatal(err)
	}
	c.mustCall(t, a, "PATCH", fmt.Sprintf("/links/%d", sl.id), map[string]any{"disabled": true}, nil, http.StatusOK)
	disabled := time.Now()
	waitUntil(t, 10*time.Second, 100*time.Millisecond, "node B stops redirecting the link disabled on node A", func() (bool, string) {
		resp, err := noRedirects.Get(b.url + "/l/" + sl.code)
		if err != nil {
			return false, err.Error()
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode != http.StatusFound, fmt.Sprintf("status %d", resp.StatusCode)
	})
	t.Logf("node B stopped redirecting %s after the link was disabled on node A", time.Since(disabled).Round(time.Millisecond))
}

// clickFigures are the stats of a link this test checks: the totals from
// the hourly roll-ups, and the human clicks of the class breakdown, which
// counts the stored click events.
type clickFigures struct {
	Clicks, HumanClicks, UniqueClicks int64
	HumanByClass                      int64
}

func figures(st link.Stats) clickFigures {
	f := clickFigures{Clicks: st.Totals.Clicks, HumanClicks: st.Totals.HumanClicks, UniqueClicks: st.Totals.UniqueClicks}
	for _, bk := range st.Breakdowns["class"] {
		if bk.Key == string(link.Human) {
			f.HumanByClass = bk.Clicks
		}
	}
	return f
}

// checkListening pushes one batch to both nodes at once and checks it is
// stored once; then makes a topic on node A and checks that node B, which
// compiled its topics for that batch, matches the topic's query in the
// next batch it stores.
func checkListening(t *testing.T, c apiClient, a, b *node) {
	const batchSize = 20
	posts := make([]map[string]any, batchSize)
	ids := make([]string, batchSize)
	now := time.Now()
	for i := range posts {
		ids[i] = fmt.Sprintf("weibo-%02d", i)
		posts[i] = map[string]any{
			"source_kind": "weibo", "external_id": ids[i], "author": fmt.Sprintf("author %d", i),
			"text":         fmt.Sprintf("mention %d of the pushed batch: cold brew number %d tastes of %s", i, i*7, strings.Repeat("plum ", i%4+1)),
			"published_at": now.Add(-time.Duration(i) * time.Minute).Format(time.RFC3339),
		}
	}
	batch := map[string]any{"mentions": posts}

	// Both at once, so that each node may look the ids up before the other
	// has stored them.
	var res [2]listen.IngestResult
	var errs [2]error
	var wg sync.WaitGroup
	for i, n := range []*node{a, b} {
		wg.Go(func() { errs[i] = c.call(n, "POST", "/mentions", batch, &res[i], http.StatusOK) })
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	t.Logf("the batch pushed to both nodes at once: node A %s; node B %s", res[0], res[1])
	if stored, dups := res[0].Stored+res[1].Stored, res[0].Duplicates+res[1].Duplicates; stored != batchSize || dups != batchSize {
		t.Errorf("the same batch pushed to A (%s) and B (%s): %d stored, %d duplicates; want %d and %d", res[0], res[1], stored, dups, batchSize, batchSize)
	}
	for _, n := range []*node{a, b} {
		if got := c.externalIDs(t, n, url.Values{"source": {"weibo"}, "limit": {"500"}}); !slices.Equal(got, ids) {
			t.Errorf("node %s lists the external ids %v, want %v", n.name, got, ids)
		}
	}
	var again listen.IngestResult
	c.mustCall(t, b, "POST", "/mentions", batch, &again, http.StatusOK)
	if again.Stored != 0 || again.Duplicates != batchSize {
		t.Errorf("the batch pushed to B again: %s; want 0 stored, %d duplicates", again, batchSize)
	}

	var topic listen.Topic
	c.mustCall(t, a, "POST", "/topics", map[string]any{"name": "Quokka brew", "query": "quokkabrew"}, &topic, http.StatusCreated)
	for _, p := range []struct {
		n  *node
		id string
	}{{a, "probe-a"}, {b, "probe-b"}} {
		if r := c.ingest(t, p.n, probe(p.id)); r.Stored != 1 || r.Matched != 1 {
			t.Errorf("node %s stored a mention of the new topic's query as %s, want 1 stored and matched", p.n.name, r)
		}
	}
	for _, n := range []*node{a, b} {
		if got := c.externalIDs(t, n, url.Values{"topic": {fmt.Sprint(topic.ID)}}); !slices.Equal(got, []string{"probe-b", "probe-a"}) &&
			!slices.Equal(got, []string{"probe-a", "probe-b"}) {
			t.Errorf("node %s lists the mentions %v of the topic, want probe-a and probe-b", n.name, got)
		}
	}
}

// probe is a one-post batch that mentions the topic of checkListening.
func probe(id string) map[string]any {
	return map[string]any{"mentions": []map[string]any{{
		"source_kind": "webhook", "external_id": id, "author": "prober",
		"text": fmt.Sprintf("%s: my first quokkabrew cold brew, cup %s", id, id), "published_at": time.Now().Format(time.RFC3339),
	}}}
}

// checkShutdown clicks on both nodes and sends SIGTERM right after the
// last answer, before the click writers' next flush: both nodes exit
// cleanly, and every redirect either node answered is a stored click.
func checkShutdown(t *testing.T, sl shortLink, a, b *node, dbURL string) {
	cids := append(sl.cids, clickBoth(t, sl, a, b, browsers(3000, 25), browsers(4000, 25))...)
	var errs [2]error
	var took [2]time.Duration
	var wg sync.WaitGroup
	for i, n := range []*node{a, b} {
		wg.Go(func() {
			start := time.Now()
			errs[i] = n.stop()
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	for i, n := range []*node{a, b} {
		if errs[i] != nil {
			t.Errorf("node %s after SIGTERM: %v", n.name, errs[i])
		}
		t.Logf("node %s stopped %s after SIGTERM", n.name, took[i].Round(time.Millisecond))
	}

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT click_id FROM click_events WHERE link_id = $1`, sl.id)
	if err != nil {
		t.Fatalf("read stored clicks: %v", err)
	}
	defer rows.Close()
	var stored []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if missing, extra := diff(cids, stored), diff(stored, cids); len(missing) > 0 || len(extra) > 0 || len(stored) != len(cids) {
		t.Errorf("%d redirects answered, %d clicks stored; answered but not stored: %v; stored but not answered: %v", len(cids), len(stored), missing, extra)
	}
}

// buildChorus builds this command, the binary operators run.
func buildChorus(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command builds the binary: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "chorus")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// operatorEnv is this process's environment without CHORUS_* settings, so
// that none of the developer's own leaks into the nodes, plus the database
// of every command when dbURL is not empty.
func operatorEnv(dbURL string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "CHORUS_") })
	if dbURL == "" {
		return env
	}
	return append(env, "CHORUS_DATABASE_URL="+dbURL)
}

// runCLI runs a command of the binary as an operator types it and returns
// its standard output.
func runCLI(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chorus %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// node is one `chorus serve` process with its own data folder.
type node struct {
	name string
	url  string
	// shortURL is the short-link listener's address, when the node has
	// one (--short-addr): its short links are clicked there.
	shortURL string
	cmd      *exec.Cmd
	out      syncbuf.Buffer
	// exited is closed when the process has ended, after waitErr is set.
	exited  chan struct{}
	waitErr error
}

// stopGrace bounds how long a node may take to exit after SIGTERM before
// it is killed; serve drains in a few seconds when nothing hangs.
const stopGrace = 45 * time.Second

var (
	servingRE = regexp.MustCompile(`serving on (http://\S+)`)
	shortRE   = regexp.MustCompile(`short links also served on (http://\S+)`)
)

// startNode starts `chorus serve` on a free loopback port, with more flags
// (args). The process is stopped when the test ends, however it ends, and
// its output is logged when the test failed.
func startNode(t *testing.T, bin string, env []string, name string, args ...string) *node {
	t.Helper()
	n := &node{name: name, exited: make(chan struct{})}
	n.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	n.cmd.Env = env
	n.cmd.Stdout, n.cmd.Stderr = &n.out, &n.out
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start node %s: %v", name, err)
	}
	go func() {
		n.waitErr = n.cmd.Wait()
		close(n.exited)
	}()
	t.Cleanup(func() {
		if err := n.stop(); err != nil {
			t.Logf("node %s: %v", name, err)
		}
		if t.Failed() {
			t.Logf("output of node %s:\n%s", name, n.out.String())
		}
	})
	return n
}

// ready waits until the node prints its address and answers /readyz.
func (n *node) ready(t *testing.T) {
	t.Helper()
	n.url = waitFor(t, &n.out, servingRE)
	if slices.Contains(n.cmd.Args, "--short-addr") {
		n.shortURL = waitFor(t, &n.out, shortRE)
	}
	waitUntil(t, 20*time.Second, 100*time.Millisecond, "node "+n.name+" answers /readyz", func() (bool, string) {
		resp, err := noRedirects.Get(n.url + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}

// stop sends SIGTERM and waits for the process to end, killing it after
// stopGrace. It returns how the process ended; calling it again returns
// the same.
func (n *node) stop() error {
	select {
	case <-n.exited:
		return n.waitErr
	default:
	}
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	select {
	case <-n.exited:
		return n.waitErr
	case <-time.After(stopGrace):
		_ = n.cmd.Process.Kill()
		<-n.exited
		return fmt.Errorf("still running %s after SIGTERM, killed", stopGrace)
	}
}

// noRedirects is the test's HTTP client: it shows a short link's 302
// instead of following it, and gives up on a node that does not answer.
var noRedirects = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// apiClient calls one workspace's JSON API on any node with a token.
type apiClient struct {
	token, ws string
}

// call sends body as JSON to the workspace's path on n and decodes the
// answer into out (when not nil); it returns an error unless the status
// is want. Safe for concurrent use.
func (c apiClient) call(n *node, method, path string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, n.url+"/api/v1/workspaces/"+c.ws+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := noRedirects.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s on node %s: %w", method, path, n.name, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s on node %s: read answer: %w", method, path, n.name, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s on node %s: status %d, want %d: %s", method, path, n.name, resp.StatusCode, want, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s on node %s: decode %s: %w", method, path, n.name, data, err)
	}
	return nil
}

func (c apiClient) mustCall(t *testing.T, n *node, method, path string, body, out any, want int) {
	t.Helper()
	if err := c.call(n, method, path, body, out, want); err != nil {
		t.Fatal(err)
	}
}

// ingest pushes a batch through n's webhook.
func (c apiClient) ingest(t *testing.T, n *node, batch any) listen.IngestResult {
	t.Helper()
	var r listen.IngestResult
	c.mustCall(t, n, "POST", "/mentions", batch, &r, http.StatusOK)
	return r
}

// externalIDs lists the external ids of the mentions n finds by the
// filter, sorted.
func (c apiClient) externalIDs(t *testing.T, n *node, filter url.Values) []string {
	t.Helper()
	var page struct {
		Items []listen.Mention `json:"items"`
	}
	c.mustCall(t, n, "GET", "/mentions?"+filter.Encode(), nil, &page, http.StatusOK)
	ids := make([]string, len(page.Items))
	for i, m := range page.Items {
		ids[i] = m.ExternalID
	}
	slices.Sort(ids)
	return ids
}

// shortLink is a link made through the API, with the cids of the
// redirects answered so far.
type shortLink struct {
	id     int64
	code   string
	tagged string
	cids   []string
}

// follow requests the short link on n as a browser with user agent ua and
// returns the cid of its redirect to the tagged destination.
func (l shortLink) follow(n *node, ua string) (string, error) {
	base := n.url
	if n.shortURL != "" {
		base = n.shortURL
	}
	req, err := http.NewRequest("GET", base+"/l/"+l.code, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("User-Agent", ua)
	resp, err := noRedirects.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET /l/%s on node %s: %w", l.code, n.name, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("GET /l/%s on node %s: status %d, want 302", l.code, n.name, resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	cid, ok := strings.CutPrefix(loc, l.tagged+"&cid=")
	if !ok || len(cid) != link.ClickIDLength {
		return "", fmt.Errorf("GET /l/%s on node %s: Location %q, want %s&cid= and a %d-character click id", l.code, n.name, loc, l.tagged, link.ClickIDLength)
	}
	return cid, nil
}

// followAll follows the short link on n once per user agent and returns
// the cids.
func (l shortLink) followAll(n *node, uas []string) ([]string, error) {
	cids := make([]string, 0, len(uas))
	for _, ua := range uas {
		cid, err := l.follow(n, ua)
		if err != nil {
			return cids, err
		}
		cids = append(cids, cid)
	}
	return cids, nil
}

// clickBoth follows the short link on node a with the user agents uasA
// while it follows it on node b with uasB, and returns the cids.
func clickBoth(t *testing.T, l shortLink, a, b *node, uasA, uasB []string) []string {
	t.Helper()
	var cids [2][]string
	var errs [2]error
	var wg sync.WaitGroup
	for i, run := range []struct {
		n   *node
		uas []string
	}{{a, uasA}, {b, uasB}} {
		wg.Go(func() { cids[i], errs[i] = l.followAll(run.n, run.uas) })
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	return slices.Concat(cids[:]...)
}

// browsers returns n user agents of desktop Chrome, distinct by build
// number from first on: all loopback clicks come from one address, so
// the user agent is what makes visitors distinct.
func browsers(first, n int) []string {
	uas := make([]string, n)
	for i := range uas {
		uas[i] = fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.%d.0 Safari/537.36", first+i)
	}
	return uas
}

// waitUntil checks cond every interval until it holds, and fails the test
// with cond's last state once timeout has passed.
func waitUntil(t *testing.T, timeout, every time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not after %s: %s (last: %s)", timeout.Round(time.Millisecond), what, state)
		}
		time.Sleep(every)
	}
}

// diff returns the elements of a that are not in b.
func diff(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}
