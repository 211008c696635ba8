package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/store/storetest"
	"github.com/chorus-hq/chorus/internal/syncbuf"
)

// run executes the CLI in-process, as a person would type it.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// TestPasswordFromStdin: "--password -" reads the password from standard
// input, so that it stays out of the process list.
func TestPasswordFromStdin(t *testing.T) {
	dir := t.TempDir()
	d := "--data=" + dir
	if _, _, err := run(t, d, "migrate"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		stdin, wantErr string
	}{
		{"", "no password on standard input"},
		{"short\n", "password_short"},
		{"a long password\r\n", ""},
	} {
		var out, errOut bytes.Buffer
		root := newRoot(&out, &errOut)
		root.SetIn(strings.NewReader(c.stdin))
		root.SetArgs([]string{d, "user", "create", "--email", "in@example.com", "--password", "-"})
		err := root.ExecuteContext(context.Background())
		if c.wantErr == "" && (err != nil || !strings.Contains(out.String(), "created user in@example.com")) {
			t.Errorf("stdin %q: %q, %v", c.stdin, out.String(), err)
		}
		if c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("stdin %q: err %v, want %q", c.stdin, err, c.wantErr)
		}
	}
	// The password read is the one that signs in, without its line end.
	cfg := config.Default()
	cfg.DataDir = dir
	a, err := open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if _, err := a.accounts.Authenticate(context.Background(), "in@example.com", "a long password", "127.0.0.1"); err != nil {
		t.Errorf("sign in with the password given on standard input: %v", err)
	}
}

// TestUserPassword: an operator sets a forgotten password, from a flag or
// standard input; the user's sessions end, the new password signs in at
// once though the user was throttled, and the old one no longer does.
func TestUserPassword(t *testing.T) {
	dir := t.TempDir()
	d := "--data=" + dir
	for _, args := range [][]string{{d, "migrate"}, {d, "user", "create", "--email", "ann@example.com", "--password", "the first password"}} {
		if _, _, err := run(t, args...); err != nil {
			t.Fatalf("%v: %s", args, describe(err))
		}
	}
	cfg := config.Default()
	cfg.DataDir = dir
	a, err := open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ctx := context.Background()
	ann, err := a.accounts.UserByEmail(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// Ann is signed in on one browser and forgot the password on another.
	session, _, err := a.accounts.StartSession(ctx, ann.ID, "10.0.0.1", "ua")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		_, _ = a.accounts.Authenticate(ctx, "ann@example.com", fmt.Sprintf("forgotten %d", i), "10.0.0.2")
	}

	for _, c := range []struct {
		name, stdin, wantErr string
		args                 []string
	}{
		{"unknown user", "", "no such user", []string{"--email", "nobody@example.com", "--password", "a long password"}},
		{"short password", "", "password: the password is too short", []string{"--email", "ann@example.com", "--password", "short"}},
		{"nothing on standard input", "", "no password on standard input", []string{"--email", "ann@example.com", "--password", "-"}},
		{"missing flag", "", `"password" not set`, []string{"--email", "ann@example.com"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			root := newRoot(&out, &errOut)
			root.SetIn(strings.NewReader(c.stdin))
			root.SetArgs(append([]string{d, "user", "password"}, c.args...))
			err := root.ExecuteContext(ctx)
			if err == nil || !strings.Contains(describe(err), c.wantErr) {
				t.Fatalf("error = %v, want one saying %q", err, c.wantErr)
			}
			if _, _, err := a.accounts.SessionUser(ctx, session); err != nil {
				t.Errorf("a refused reset signed ann out: %v", err)
			}
		})
	}

	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetIn(strings.NewReader("the second password\n"))
	root.SetArgs([]string{d, "user", "password", "--email", "Ann@Example.com", "--password", "-"})
	if err := root.ExecuteContext(ctx); err != nil {
		t.Fatalf("user password: %s", describe(err))
	}
	if want := "set the password of ann@example.com and signed them out everywhere"; !strings.Contains(out.String(), want) {
		t.Errorf("output %q lacks %q", out.String(), want)
	}
	if _, _, err := a.accounts.SessionUser(ctx, session); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("ann's session after the reset: %v; want signed out", err)
	}
	if _, err := a.accounts.Authenticate(ctx, "ann@example.com", "the second password", "10.0.0.2"); err != nil {
		t.Errorf("the new password: %v; want it to sign in at once", err)
	}
	if _, err := a.accounts.Authenticate(ctx, "ann@example.com", "the first password", "10.0.0.2"); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("the old password: %v; want refused", err)
	}
	// The flag's value works as standard input does.
	if out, _, err := run(t, d, "user", "password", "--email", "ann@example.com", "--password", "the third password"); err != nil || !strings.Contains(out, "set the password of ann@example.com") {
		t.Fatalf("user password with the flag: %q, %v", out, err)
	}
	if _, err := a.accounts.Authenticate(ctx, "ann@example.com", "the third password", "10.0.0.2"); err != nil {
		t.Errorf("the password given as the flag: %v", err)
	}
}

func TestCLI(t *testing.T) {
	data := t.TempDir()
	d := "--data=" + data
	steps := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{"version", []string{"version"}, "chorus dev", ""},
		{"unknown subcommand", []string{"user", "craete"}, "", `unknown command "craete" for "chorus user"`},
		{"unknown nested subcommand", []string{"listen", "trian"}, "", `unknown command "trian" for "chorus listen"`},
		{"group without subcommand", []string{"token"}, "Available Commands", ""},
		{"migrate", []string{d, "migrate"}, "migrations:\n  0001_core.sql\n  0002_campaign.sql\n", ""},
		{"migrate again", []string{d, "migrate"}, "the database is up to date: no migration to apply", ""},
		{"user", []string{d, "user", "create", "--email", "Owner@Example.com", "--password", "a long password"}, "created user owner@example.com", ""},
		{"admin", []string{d, "user", "create", "--email", "root@example.com", "--password", "a long password", "--admin"}, "created instance admin", ""},
		{"member", []string{d, "user", "create", "--email", "analyst@example.com", "--password", "a long password"}, "created user", ""},
		{"duplicate user", []string{d, "user", "create", "--email", "owner@example.com", "--password", "a long password"}, "", "exists already"},
		{"short password", []string{d, "user", "create", "--email", "x@example.com", "--password", "short"}, "", "password: the password is too short"},
		{"missing flag", []string{d, "user", "create", "--email", "x@example.com"}, "", `"password" not set`},
		{"workspace", []string{d, "workspace", "create", "--slug", "acme", "--name", "Acme 茶", "--owner", "owner@example.com"}, "created workspace acme (Acme 茶, Asia/Shanghai, CNY)", ""},
		{"bad slug", []string{d, "workspace", "create", "--slug", "Acme Tea", "--name", "x", "--owner", "owner@example.com"}, "", "slug: use 2–40"},
		{"unknown owner", []string{d, "workspace", "create", "--slug", "beta", "--name", "x", "--owner", "nobody@example.com"}, "", "no such user"},
		{"duplicate workspace", []string{d, "workspace", "create", "--slug", "acme", "--name", "x", "--owner", "owner@example.com"}, "", "exists already"},
		{"token for non-member", []string{d, "token", "create", "--user", "analyst@example.com", "--workspace", "acme"}, "", `analyst@example.com is not a member of workspace "acme"`},
		{"token for unknown workspace", []string{d, "token", "create", "--user", "owner@example.com", "--workspace", "acne"}, "", `no workspace "acne" here`},
		{"token name too long", []string{d, "token", "create", "--user", "owner@example.com", "--workspace", "acme", "--name", strings.Repeat("n", 101)}, "", "name: too long"},
		{"token above role", []string{d, "token", "create", "--user", "owner@example.com", "--workspace", "acme", "--role", "emperor"}, "", "unknown role"},
		{"token", []string{d, "token", "create", "--user", "owner@example.com", "--workspace", "acme", "--role", "analyst"}, "chorus_", ""},
		{"admin token anywhere", []string{d, "token", "create", "--user", "root@example.com", "--workspace", "acme"}, "chorus_", ""},
		{"demo", []string{d, "demo"}, "demo: loading 60 days of mentions through the listening pipeline…", ""},
		{"demo again", []string{d, "demo"}, "sign in as demo@chorus.local", ""},
		{"admin token in demo", []string{d, "token", "create", "--user", "root@example.com", "--workspace", "demo"}, "chorus_", ""},
		{"bad database", []string{"--db", "postgres://nobody@127.0.0.1:1/x?connect_timeout=1", "migrate"}, "", "CHORUS_DATABASE_URL"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, _, err := run(t, s.args...)
			if s.wantErr != "" {
				if err == nil || !strings.Contains(describe(err), s.wantErr) {
					t.Fatalf("error = %v, want one saying %q", err, s.wantErr)
				}
				if strings.Count(describe(err), s.wantErr) > 1 {
					t.Errorf("error %q says %q more than once", describe(err), s.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: %s", describe(err))
			}
			if !strings.Contains(out, s.wantOut) {
				t.Errorf("output %q lacks %q", out, s.wantOut)
			}
		})
	}
}

// TestMissingDatabase checks that the commands working on an installed
// Chorus refuse a data folder or SQLite file that does not exist, naming
// it and how to set one up, and create nothing; migrate and demo set one
// up.
func TestMissingDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "chrous-data")
	file := filepath.Join(dir, "typo.db")
	cases := []struct {
		name    string
		args    []string
		path    string
		wantErr string
	}{
		{"user", []string{"--data", missing, "user", "create", "--email", "a@example.com", "--password", "a long password"}, missing,
			"no Chorus database at " + filepath.Join(missing, "chorus.db") + " (--data / CHORUS_DATA): check it, or set up a new one with: chorus migrate --data " + missing},
		{"workspace", []string{"--data", missing, "workspace", "create", "--slug", "acme", "--name", "Acme", "--owner", "a@example.com"}, missing, "chorus migrate --data " + missing},
		{"token", []string{"--data", missing, "token", "create", "--user", "a@example.com", "--workspace", "acme"}, missing, "chorus migrate --data " + missing},
		{"file", []string{"--db", file, "user", "create", "--email", "a@example.com", "--password", "a long password"}, file,
			"no Chorus database at " + file + " (--db / CHORUS_DATABASE_URL): check it, or set up a new one with: chorus migrate --db " + file},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := run(t, c.args...)
			if err == nil || !strings.Contains(describe(err), c.wantErr) {
				t.Errorf("error = %v, want one saying %q", err, c.wantErr)
			}
			if _, err := os.Stat(c.path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s exists after the refused command (stat: %v)", c.path, err)
			}
		})
	}
	// A database that exists but that Chorus never set up is refused too,
	// and left without Chorus's tables: an empty file, and on PostgreSQL
	// a database of that name.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	others := [][]string{{"--db", empty}}
	if os.Getenv(storetest.PostgresEnv) != "" {
		others = append(others, []string{"--db", storetest.PostgresURL(t)})
	}
	for _, db := range others {
		_, _, err := run(t, append(db, "user", "create", "--email", "a@example.com", "--password", "a long password")...)
		if want := "chorus migrate " + db[0]; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v, want one saying %q", db[1], err, want)
		}
	}
	// migrate sets up the database the others then use.
	setUp := [][]string{
		{"--data", missing, "migrate"},
		{"--data", missing, "user", "create", "--email", "a@example.com", "--password", "a long password"},
		{"--db", file, "migrate"},
		{"--db", file, "user", "create", "--email", "a@example.com", "--password", "a long password"},
	}
	for _, db := range others {
		setUp = append(setUp, append(db, "migrate"), append(db, "user", "create", "--email", "a@example.com", "--password", "a long password"))
	}
	for _, args := range setUp {
		if _, _, err := run(t, args...); err != nil {
			t.Errorf("chorus %s: %s", strings.Join(args, " "), describe(err))
		}
	}
}

// TestFailure: a command cut short by a signal says so, instead of the
// internal error its cancelled query became; other errors read as before.
func TestFailure(t *testing.T) {
	t.Parallel()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	cancelledQuery := apperr.Wrap(fmt.Errorf("read click: %w", context.Canceled), "store clicks")
	for _, tt := range []struct {
		name string
		ctx  context.Context
		err  error
		want string
	}{
		{"interrupted", stopped, cancelledQuery, "interrupted before the command finished; run it again to complete it"},
		{"cancelled without a signal", context.Background(), cancelledQuery, "internal error: store clicks: read click: context canceled"},
		{"other error after a signal", stopped, errors.New("disk full"), "disk full"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := failure(tt.ctx, tt.err); got != tt.want {
				t.Errorf("failure = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStamped(t *testing.T) {
	t.Parallel()
	built := func(v string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) { return &debug.BuildInfo{Main: debug.Module{Version: v}}, true }
	}
	for _, tt := range []struct {
		name, set string
		read      func() (*debug.BuildInfo, bool)
		want      string
	}{
		{"set at build time", "1.4.0", built("v0.0.0-20261207023650-8126b017d348"), "1.4.0"},
		{"from the checkout", "dev", built("v0.0.0-20261207023650-8126b017d348+dirty"), "v0.0.0-20261207023650-8126b017d348+dirty"},
		{"release tag", "dev", built("v1.4.0"), "v1.4.0"},
		{"no checkout", "dev", built("(devel)"), "dev"},
		{"no build info", "dev", func() (*debug.BuildInfo, bool) { return nil, false }, "dev"},
	} {
		if got := stamped(tt.set, tt.read); got != tt.want {
			t.Errorf("%s: stamped = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestServe(t *testing.T) {
	data := t.TempDir()
	var out syncbuf.Buffer
	root := newRoot(&out, io.Discard)
	root.SetArgs([]string{"serve", "--data", filepath.Join(data, "d"), "--addr", "127.0.0.1:0", "--demo"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	url := waitFor(t, &out, regexp.MustCompile(`serving on (http://\S+)`))
	if !strings.Contains(out.String(), "demo@chorus.local") {
		t.Errorf("serve --demo did not print the demo login: %s", out.String())
	}
	for _, path := range []string{"/healthz", "/readyz", "/login", "/api/v1/openapi.json"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after shutdown: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop within 40 s of its context ending")
	}
}

// TestServePortInUse checks that serve tells a port in use at once:
// before migrating a new database and loading the demo, and leaving
// neither behind.
func TestServePortInUse(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	data := filepath.Join(t.TempDir(), "d")
	began := time.Now()
	_, _, err = run(t, "serve", "--data", data, "--addr", busy.Addr().String(), "--demo")
	if err == nil || !strings.Contains(err.Error(), "choose another with --addr") {
		t.Errorf("error = %v, want one saying the address is in use", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("serve took %s to tell the port is in use", took)
	}
	if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("serve left %s behind (stat: %v)", data, err)
	}
}

// TestServeBadAddress: a malformed --addr is told as such, not as a port
// another server uses.
func TestServeBadAddress(t *testing.T) {
	t.Parallel()
	_, _, err := run(t, "serve", "--data", t.TempDir(), "--addr", "bogus")
	if err == nil || !strings.Contains(err.Error(), "check --addr / CHORUS_ADDR") || strings.Contains(err.Error(), "another server") {
		t.Errorf("error = %v, want one saying to check --addr", err)
	}
}

// TestMigrateLogLevel: migrate logs each step of a new database's
// migrations, the store's and River's, at --log-level debug, and nothing
// at the default level.
func TestMigrateLogLevel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"default", nil, nil},
		{"debug", []string{"--log-level", "debug"}, []string{
			`level=DEBUG msg="upgrading the database" migration=0001_core.sql`,
			`level=DEBUG msg="database upgraded" migration=0001_core.sql`,
			`level=DEBUG msg="rivermigrate.Migrator[*sql.Tx]: Applied migration"`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, logged, err := run(t, append([]string{"migrate", "--data", t.TempDir()}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil && logged != "" {
				t.Errorf("logged at the default level:\n%s", logged)
			}
			for _, w := range tt.want {
				if !strings.Contains(logged, w) {
					t.Errorf("log lacks %q:\n%s", w, logged)
				}
			}
		})
	}
}

// TestLogLevel: --log-level sets what serve logs, River's routine
// messages at debug level included, and an unknown level is refused.
func TestLogLevel(t *testing.T) {
	t.Parallel()
	if _, _, err := run(t, "--log-level", "verbose", "migrate", "--data", t.TempDir()); err == nil || !strings.Contains(err.Error(), "--log-level (CHORUS_LOG_LEVEL)") {
		t.Errorf("--log-level verbose: error %v, want one naming the flag", err)
	}
	var out, logged syncbuf.Buffer
	root := newRoot(&out, &logged)
	root.SetArgs([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--log-level", "debug"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	waitFor(t, &out, regexp.MustCompile(`serving on (http://\S+)`))
	waitFor(t, &logged, regexp.MustCompile(`level=DEBUG (msg="River client started")`))
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func TestServePrintsSetupLink(t *testing.T) {
	var out syncbuf.Buffer
	root := newRoot(&out, io.Discard)
	root.SetArgs([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	link := waitFor(t, &out, regexp.MustCompile(`open (http://\S+/setup\?token=\S+)`))
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("setup link: status %d", resp.StatusCode)
	}
	cancel()
	<-done
}

// waitFor waits for a line of out that matches re and returns its first
// group. The wait is long: serve --demo loads 60 days of traffic and
// mentions first, which takes a few seconds alone and can take over 30 s
// on a 2-core machine running other test packages at the same time.
func waitFor(t *testing.T, out *syncbuf.Buffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				return m[1]
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no line matching %s in: %s", re, out.String())
	return ""
}
