package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/demo"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/web"
)

// benchOptions are the knobs of chorus bench redirect.
type benchOptions struct {
	duration    time.Duration
	connections int
	threads     int
	links       int
	runs        int
	cpuProfile  string
	unstored    bool
}

func benchCmd(log *slog.Logger) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure Chorus on this machine"}
	o := benchOptions{}
	redirect := &cobra.Command{
		Use:   "redirect",
		Short: "Drive the short-link redirect and an nginx 'return 302' with wrk, and compare",
		Long: "Starts the redirect server on a new SQLite database with a warm link set and nginx (return 302) on\n" +
			"loopback ports, drives both with wrk (same threads, connections and duration, --latency),\n" +
			"and prints requests/s, p99 latency, their ratios, and clicks stored vs redirects answered.\n" +
			"Chorus is driven on its short-link listener (serve --short-addr), and on its main address.\n" +
			"A third server, whose writer classifies clicks but stores none, shows what storage costs.\n" +
			"Needs wrk and nginx: apt-get install wrk nginx",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return benchRedirect(cmd.Context(), cmd.OutOrStdout(), log, o)
		},
	}
	f := redirect.Flags()
	f.DurationVar(&o.duration, "duration", 10*time.Second, "how long wrk drives each server per run")
	f.IntVar(&o.connections, "connections", 64, "concurrent connections")
	f.IntVar(&o.threads, "threads", 2, "wrk threads")
	f.IntVar(&o.links, "links", 1000, "links in the warm set, clicked at random")
	f.IntVar(&o.runs, "runs", 3, "runs of each server; the medians are compared")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the Chorus runs to this file (go tool pprof)")
	f.BoolVar(&o.unstored, "unstored", true, "also drive a Chorus that classifies clicks but stores none")
	cmd.AddCommand(redirect, benchListenCmd())
	return cmd
}

// wrkResult is what one wrk run measured.
type wrkResult struct {
	rps float64
	p99 time.Duration
}

func benchRedirect(ctx context.Context, out io.Writer, log *slog.Logger, o benchOptions) error {
	if o.connections < 1 || o.threads < 1 || o.links < 1 || o.runs < 1 || o.duration < time.Second {
		return errors.New("--connections, --threads, --links and --runs must be at least 1, and --duration at least 1s")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return errors.New("wrk is not installed: apt-get install wrk nginx")
	}
	nginx, err := lookNginx()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "chorus-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	b, err := newRedirectBench(ctx, filepath.Join(tmp, "bench.db"), o.links, quiet, log)
	if err != nil {
		return err
	}
	defer b.close()
	stored, err := startRedirect(ctx, b.deps, b.clicks)
	if err != nil {
		return err
	}
	defer stored.stop() //nolint:errcheck // stopped and checked below; a no-op then
	var unstored *redirectServer
	if o.unstored {
		if unstored, err = startRedirect(ctx, b.deps, link.NewWriter(discardClicks{b.app.db}, link.WriterOptions{Logger: quiet})); err != nil {
			return err
		}
		defer unstored.stop() //nolint:errcheck // nothing of it is counted
	}

	// nginx answering every path with a 302.
	nginxAddr, stopNginx, err := startNginx(ctx, nginx, tmp)
	if err != nil {
		return err
	}
	defer stopNginx()

	script := filepath.Join(tmp, "paths.lua")
	if err := os.WriteFile(script, []byte(wrkScript(b.codes, demo.SampleHits(1, benchVisits, benchPeople))), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrk -t%d -c%d -d%s --latency, %d random short links, %d runs each (nginx: 1 worker, return 302)\n",
		o.threads, o.connections, o.duration, o.links, o.runs)
	// Chorus is driven on its short-link listener, where a short domain's
	// clicks go, and on its main address, which answers short links too.
	targets := []*benchTarget{{name: "nginx", url: "http://" + nginxAddr}, {name: "chorus", url: stored.shortURL},
		{name: "chorus, main address", url: stored.url}}
	if unstored != nil {
		targets = append(targets, &benchTarget{name: "chorus, clicks not stored", url: unstored.shortURL})
	}
	for run := 1; run <= o.runs; run++ {
		for _, t := range targets {
			stopProfile := func() {}
			if t.name == "chorus" && o.cpuProfile != "" {
				if stopProfile, err = startCPUProfile(o.cpuProfile, run); err != nil {
					return err
				}
			}
			r, err := runWrk(ctx, wrk, script, t.url, o)
			stopProfile()
			if err != nil {
				return fmt.Errorf("%s run %d: %w", t.name, run, err)
			}
			t.results = append(t.results, r)
			fmt.Fprintf(out, "run %d %-28s %10.0f req/s   p99 %8s\n", run, t.name, r.rps, r.p99)
			time.Sleep(time.Second) // let the writer catch up between runs
		}
	}
	// Stop the server, then drain the queue, as SIGTERM does.
	if err := stored.stop(); err != nil {
		return err
	}
	answered, err := counted(stored.reg, "chorus_http_requests_total", map[string]string{"route": "GET /l/{code}", "status": "302"})
	if err != nil {
		return err
	}
	storedClicks, classes, err := storedByClass(ctx, b.app.db.WriteDB())
	if err != nil {
		return err
	}
	nm := median(targets[0].results)
	fmt.Fprintln(out)
	for _, t := range targets {
		m := median(t.results)
		fmt.Fprintf(out, "median  %-28s %10.0f req/s   p99 %8s   %.2f× nginx's requests/s, %.2f× its p99\n",
			t.name, m.rps, m.p99, m.rps/nm.rps, float64(m.p99)/float64(nm.p99))
	}
	cm := median(targets[1].results)
	fmt.Fprintf(out, "ratio   chorus (short-link listener)/nginx: %.2f× requests/s (goal ≥ 0.6), %.2f× p99 (goal ≤ 2)\n",
		cm.rps/nm.rps, float64(cm.p99)/float64(nm.p99))
	st := b.clicks.Stats()
	fmt.Fprintf(out, "clicks  %d redirects answered, %d clicks stored (%s), %d dropped, %d failed\n",
		int64(answered), storedClicks, classes, st.Dropped, st.Failed)
	return nil
}

// storedByClass counts the stored clicks, and says how many of each class
// and how many unique.
func storedByClass(ctx context.Context, db *sql.DB) (int64, string, error) {
	rows, err := db.QueryContext(ctx, `SELECT class, COUNT(*), SUM(is_unique) FROM click_events GROUP BY class ORDER BY class`)
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	var total int64
	var parts []string
	for rows.Next() {
		var class string
		var n, unique int64
		if err := rows.Scan(&class, &n, &unique); err != nil {
			return 0, "", err
		}
		total += n
		part := fmt.Sprintf("%d %s", n, class)
		if unique > 0 {
			part += fmt.Sprintf(" of which %d unique", unique)
		}
		parts = append(parts, part)
	}
	return total, strings.Join(parts, ", "), rows.Err()
}

// redirectBench is Chorus on a new SQLite database with a warm set of
// links, ready to serve redirects. Only the click writer logs, to log.
type redirectBench struct {
	app    *app
	clicks *link.Writer
	deps   web.Deps
	codes  []string
	close  func()
}

func newRedirectBench(ctx context.Context, dbPath string, links int, quiet, log *slog.Logger) (*redirectBench, error) {
	cfg := config.Default()
	cfg.DatabaseURL = dbPath
	a, err := open(ctx, cfg, quiet)
	if err != nil {
		return nil, err
	}
	b := &redirectBench{app: a, close: a.close}
	fail := func(err error) (*redirectBench, error) {
		b.close()
		return nil, err
	}
	if _, err := a.accounts.CreateUser(ctx, "bench@example.com", "bench", "bench password 123", false); err != nil {
		return fail(err)
	}
	ws, err := a.accounts.CreateWorkspace(ctx, account.Workspace{Slug: "bench", Name: "Bench"}, "bench@example.com")
	if err != nil {
		return fail(err)
	}
	ls, clicks, closeGeo, err := a.linkServices(cfg, log)
	if err != nil {
		return fail(err)
	}
	b.clicks, b.close = clicks, func() { closeGeo(); a.close() }
	for i := range links {
		l, err := ls.Create(ctx, ws.ID, link.Input{Destination: fmt.Sprintf("https://shop.example.com/p/%d?src=bench#top", i), Channel: "weibo", Label: "bench"})
		if err != nil {
			return fail(err)
		}
		if _, err := ls.Resolve(ctx, l.Code); err != nil { // warm the cache
			return fail(err)
		}
		b.codes = append(b.codes, l.Code)
	}
	// wrk stands for the reverse proxy in front of Chorus, which names
	// each request's client in X-Forwarded-For.
	b.deps = web.Deps{Accounts: a.accounts, Brand: a.brand, Platforms: a.platforms, Campaigns: a.campaigns,
		Links: ls, Logger: quiet, Version: version, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	return b, nil
}

// benchTarget is one server wrk drives, with its runs.
type benchTarget struct {
	name, url string
	results   []wrkResult
}

// redirectServer is Chorus's web server on a loopback port, and its
// short-link listener on another, with their click writer and metrics.
type redirectServer struct {
	url, shortURL string
	reg           *prometheus.Registry
	stop          func() error
}

// startRedirect serves deps with clicks as the click writer, on the main
// server and the short-link listener (as serve --short-addr). stop ends
// both, then drains the writer's queue, as SIGTERM does; it may be called
// again.
func startRedirect(ctx context.Context, deps web.Deps, clicks *link.Writer) (*redirectServer, error) {
	deps.Clicks, deps.Registry = clicks, prometheus.NewRegistry()
	srv, err := web.New(deps)
	if err != nil {
		return nil, err
	}
	var lns [2]net.Listener
	for i := range lns {
		if lns[i], err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			if i > 0 {
				lns[0].Close()
			}
			return nil, err
		}
	}
	clicks.Start()
	srvCtx, stopSrv := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serveBoth(srvCtx, srv, lns[0], lns[1]) }()
	stop := sync.OnceValue(func() error {
		stopSrv()
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		drainCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := clicks.Drain(drainCtx); err != nil {
			return fmt.Errorf("drain clicks: %w", err)
		}
		return nil
	})
	return &redirectServer{url: "http://" + lns[0].Addr().String(), shortURL: "http://" + lns[1].Addr().String(), reg: deps.Registry, stop: stop}, nil
}

// discardClicks is a click store that stores no clicks: the redirect with
// it measures what answering and classifying cost without storage.
type discardClicks struct{ link.ClickStore }

func (discardClicks) WriteClicks(_ context.Context, clicks []link.Click) (int, error) {
	return len(clicks), nil
}

func lookNginx() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("nginx is not installed: apt-get install wrk nginx")
}

// startNginx runs nginx in the foreground with a generated configuration
// under dir, as the current user, on a free loopback port.
func startNginx(ctx context.Context, bin, dir string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	userLine := ""
	if os.Geteuid() == 0 {
		if u, err := user.Current(); err == nil {
			userLine = "user " + u.Username + ";\n"
		}
	}
	conf := fmt.Sprintf(`%sworker_processes 1;
daemon off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  server {
    listen %[3]s;
    location / { return 302 http://example.invalid/; }
  }
}
`, userLine, dir, addr)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "-p", dir, "-c", path, "-e", filepath.Join(dir, "error.log"))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start nginx: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			return "", nil, fmt.Errorf("nginx did not start: %s", strings.TrimSpace(string(b)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// benchVisits is how many different requests (user agent and headers)
// wrk picks from, drawn from the demo traffic's mix of a population of
// benchPeople: people, link previews, crawlers and prefetches.
const (
	benchVisits = 4096
	benchPeople = 16000
)

// wrkScript makes wrk request a random short link of the set each time,
// as a random one of visits: its user agent, Sec-Purpose and address (in
// X-Forwarded-For, as a reverse proxy sends it). The requests are put
// together from ready header lines: wrk.format on every request took so
// much of the two cores that nginx answered 15 % fewer. wrk cannot read the
// answer to a HEAD request (it waits for the body the length announces),
// so every request is a GET; the crawlers that send HEAD are bots by their
// user agent too.
func wrkScript(codes []string, visits []link.Hit) string {
	var b strings.Builder
	list := func(name string, n int, item func(i int) string) {
		b.WriteString("local " + name + " = {")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(strconv.Quote(item(i)))
		}
		b.WriteString("}\n")
	}
	list("paths", len(codes), func(i int) string { return wrkRequestLine(codes[i]) })
	list("visits", len(visits), func(i int) string { return wrkVisitHeaders(visits[i]) })
	// Each wrk thread has its own Lua state with the same random sequence
	// unless seeded apart: two threads would send every request twice, and
	// every run the requests of the first.
	b.WriteString(`local n, nv = #paths, #visits
local threads = 0
local host
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
init = function(args)
  math.randomseed(os.time() * 16 + id)
  host = wrk.headers["Host"]
end
request = function()
  return paths[math.random(n)] .. host .. visits[math.random(nv)]
end
`)
	return b.String()
}

// wrkRequestLine, the Host header's value and wrkVisitHeaders make one
// request of the wrk script.
func wrkRequestLine(code string) string { return "GET /l/" + code + " HTTP/1.1\r\nHost: " }

func wrkVisitHeaders(h link.Hit) string {
	s := "\r\nUser-Agent: " + h.UserAgent + "\r\nX-Forwarded-For: " + h.IP + "\r\n"
	if h.Purpose != "" {
		s += "Sec-Purpose: " + h.Purpose + "\r\n"
	}
	return s + "\r\n"
}

var (
	wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkP99 = regexp.MustCompile(`\s99%\s+([0-9.]+)(us|ms|s)\b`)
)

func runWrk(ctx context.Context, bin, script, url string, o benchOptions) (wrkResult, error) {
	cmd := exec.CommandContext(ctx, bin, "-t"+strconv.Itoa(o.threads), "-c"+strconv.Itoa(o.connections),
		"-d"+strconv.Itoa(int(o.duration.Seconds()))+"s", "--latency", "-s", script, url)
	outb, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w: %s", err, outb)
	}
	return parseWrk(string(outb))
}

// parseWrk reads requests/s and the 99th percentile latency from wrk's
// --latency output.
func parseWrk(s string) (wrkResult, error) {
	var r wrkResult
	m := wrkRPS.FindStringSubmatch(s)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output: %s", s)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	m = wrkP99.FindStringSubmatch(s)
	if m == nil {
		return r, fmt.Errorf("no 99%% latency in wrk output: %s", s)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[2]]
	r.p99 = time.Duration(v * float64(unit))
	return r, nil
}

func median(rs []wrkResult) wrkResult {
	rps := make([]float64, len(rs))
	p99 := make([]time.Duration, len(rs))
	for i, r := range rs {
		rps[i], p99[i] = r.rps, r.p99
	}
	sort.Float64s(rps)
	sort.Slice(p99, func(i, j int) bool { return p99[i] < p99[j] })
	return wrkResult{rps: rps[len(rps)/2], p99: p99[len(p99)/2]}
}

// counted reads one labelled counter from a registry.
func counted(reg *prometheus.Registry, name string, labels map[string]string) (float64, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			return m.GetCounter().GetValue(), nil
		}
	}
	return 0, nil
}

// startCPUProfile profiles the process while wrk drives Chorus; runs after
// the first get their number in the file name.
func startCPUProfile(path string, run int) (func(), error) {
	if run > 1 {
		path = fmt.Sprintf("%s.%d", path, run)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
