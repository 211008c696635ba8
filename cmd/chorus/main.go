// Command chorus is the Chorus social media marketing workbench: one binary
// that serves the web app and runs the job workers, on SQLite by default or
// on PostgreSQL for several nodes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	// The time zone database inside the binary: a workspace's zone
	// (Asia/Shanghai by default) must load on a host without one, such
	// as a bare container running the static binary.
	_ "time/tzdata"

	// Mozilla's root certificates for a host that has none, for the same
	// container: sources and webhooks go over https.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/spf13/cobra"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…", or
// else at start from what Go stamped in the binary (stamped).
var version = "dev"

// stamped is v, or when no version was set at build time (dev), the
// module version Go stamped from the checkout the binary was built in: a
// release tag, or a pseudo-version naming the commit, +dirty when it had
// changes. So /healthz and chorus version tell the nodes' builds apart.
func stamped(v string, read func() (*debug.BuildInfo, bool)) string {
	if v != "dev" {
		return v
	}
	if bi, ok := read(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return v
}

func main() {
	version = stamped(version, debug.ReadBuildInfo)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal lets the command wind down (serve drains for up
	// to a minute and a half); a second one ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	if err != nil {
		// Before stop, which cancels ctx: failure tells a signal by it.
		fmt.Fprintln(os.Stderr, "chorus:", failure(ctx, err))
	}
	stop()
	if err != nil {
		os.Exit(1)
	}
}

// failure is what the process says when err ended it: describe's words,
// or, when a signal (ctx) cut the work short, that it did, rather than the
// internal error the cancelled query became.
func failure(ctx context.Context, err error) string {
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return "interrupted before the command finished; run it again to complete it"
	}
	return describe(err)
}

// describe says what went wrong in words a person can act on.
func describe(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	msg := ae.Key
	if hint, ok := cliHints[ae.Key]; ok {
		msg = hint
	}
	for k, v := range ae.Args {
		msg += fmt.Sprintf(" (%s: %v)", k, v)
	}
	for _, f := range ae.Fields {
		if f.Key == ae.Key && len(f.Args) == 0 {
			continue // said above, as for a taken e-mail or slug
		}
		hint := cliHints[f.Key]
		if hint == "" {
			hint = f.Key
		}
		msg += fmt.Sprintf("\n  %s: %s", f.Field, hint)
		for k, v := range f.Args {
			msg += fmt.Sprintf(" (%s: %v)", k, v)
		}
	}
	if ae.Err != nil {
		msg += ": " + ae.Err.Error()
	}
	return msg
}

// cliHints are the command line's words for the errors it meets most.
var cliHints = map[string]string{
	"error.internal":       "internal error",
	"error.invalid":        "the input is not valid",
	"error.email":          "not a valid e-mail address",
	"error.email_taken":    "a user with this e-mail exists already",
	"error.password_short": "the password is too short",
	"error.slug":           "use 2–40 lower-case letters, digits or dashes, starting with a letter or digit",
	"error.slug_taken":     "a workspace with this slug exists already; choose another --slug",
	"error.no_such_user":   "no such user; create it first with: chorus user create --email …",
	"error.not_found":      "not found",
	"error.role":           "unknown role; use one of owner, admin, strategist, editor, approver, analyst, agent",
	"error.role_above_own": "a token cannot have a permission its user's role lacks",
	"error.required":       "required",
	"error.too_long":       "too long",
	"error.time_zone":      "unknown time zone; use an IANA name such as Asia/Shanghai",
	"error.currency":       "use a three-letter currency code such as CNY",
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	cfg := config.Default()
	root := &cobra.Command{
		Use:           "chorus",
		Short:         "Chorus — a self-hosted social media marketing workbench",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// The commands get the logger before their flags are read; the level
	// follows --log-level once they are.
	level := new(slog.LevelVar)
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := config.ApplyEnv(cmd.Flags(), os.Getenv); err != nil {
			return err
		}
		l, err := cfg.Level()
		level.Set(l)
		return err
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	cfg.BindStorage(root.PersistentFlags())
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	root.AddCommand(
		serveCmd(&cfg, logger),
		benchCmd(logger),
		migrateCmd(&cfg, logger),
		demoCmd(&cfg, logger),
		userCmd(&cfg, logger),
		workspaceCmd(&cfg, logger),
		tokenCmd(&cfg, logger),
		matchCmd(),
		sentimentCmd(), listenCmd(&cfg),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			Run:   func(cmd *cobra.Command, args []string) { fmt.Fprintln(cmd.OutOrStdout(), "chorus", version) },
		},
	)
	refuseUnknownSubcommands(root)
	return root
}

// refuseUnknownSubcommands makes each command that only groups others
// (user, token, listen …) fail on a subcommand it does not have, as the
// root does: cobra would print its help and succeed, so that a script's
// "chorus user craete …" would pass. Without arguments it prints its help.
func refuseUnknownSubcommands(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = cobra.NoArgs
			c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		}
		refuseUnknownSubcommands(c)
	}
}
