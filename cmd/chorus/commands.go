package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/demo"
	"github.com/chorus-hq/chorus/internal/store"
)

// withApp runs fn with the services of an installed Chorus open, and
// closes them after. It refuses a database Chorus has not set up yet, so
// that a mistyped --data or --db is not taken for a new, empty
// installation.
func withApp(cfg *config.Config, log *slog.Logger, fn func(cmd *cobra.Command, a *app) error) func(*cobra.Command, []string) error {
	return appRunner(cfg, log, false, fn)
}

// requireDatabase returns an error naming the database, and how to set
// one up, when cfg names a SQLite file that does not exist, or a database
// Chorus's migrations never ran on. It creates nothing.
func requireDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	flag, env, value := "--data", "CHORUS_DATA", cfg.DataDir
	if cfg.DatabaseURL != "" {
		flag, env, value = "--db", "CHORUS_DATABASE_URL", cfg.DatabaseURL
	}
	where := store.SQLiteFile(cfg.DatabaseURL, cfg.DataDir)
	if where == "" {
		u, err := url.Parse(cfg.DatabaseURL)
		if err != nil {
			return nil // open tells what is wrong
		}
		where, value = u.Redacted(), u.Redacted()
	} else if _, err := os.Stat(where); errors.Is(err, fs.ErrNotExist) {
		return noDatabase(where, flag, env, value)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return nil // open tells what is wrong
	}
	defer db.Close()
	if ok, err := db.Installed(ctx); err != nil || ok {
		return err
	}
	return noDatabase(where, flag, env, value)
}

func noDatabase(where, flag, env, value string) error {
	return fmt.Errorf("no Chorus database at %s (%s / %s): check it, or set up a new one with: chorus migrate %s %s", where, flag, env, flag, value)
}

// withNewApp is withApp for the commands that may set up a new
// installation (migrate, demo): they create the data folder and the
// database when missing.
func withNewApp(cfg *config.Config, log *slog.Logger, fn func(cmd *cobra.Command, a *app) error) func(*cobra.Command, []string) error {
	return appRunner(cfg, log, true, fn)
}

func appRunner(cfg *config.Config, log *slog.Logger, mayCreate bool, fn func(cmd *cobra.Command, a *app) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if !mayCreate {
			if err := requireDatabase(cmd.Context(), *cfg, log); err != nil {
				return err
			}
		}
		a, err := open(cmd.Context(), *cfg, log)
		if err != nil {
			return err
		}
		defer a.close()
		return fn(cmd, a)
	}
}

func serveCmd(cfg *config.Config, log *slog.Logger) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web app and run the job workers",
		Long: "Serve the web app and the API, and run the job workers, in one process.\n" +
			"Migrations run at start. With no users yet, it prints a one-time setup link.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cfg.ApplySecretEnv(os.Getenv); err != nil {
				return err
			}
			return serve(cmd.Context(), *cfg, log, cmd.OutOrStdout())
		},
	}
	cfg.BindServe(cmd.Flags())
	cfg.BindSMTP(cmd.Flags())
	return cmd
}

func migrateCmd(cfg *config.Config, log *slog.Logger) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the database migrations and exit",
		Long:  "Apply the database migrations and exit. A SQLite database (and its data folder) that does not exist yet is created.",
		Args:  cobra.NoArgs,
		RunE: withNewApp(cfg, log, func(cmd *cobra.Command, a *app) error {
			printMigrated(cmd.OutOrStdout(), a.migrated)
			return nil
		}),
	}
}

// printMigrated says which migrations ran, or that none was due.
func printMigrated(out io.Writer, names []string) {
	switch len(names) {
	case 0:
		fmt.Fprintln(out, "the database is up to date: no migration to apply")
		return
	case 1:
		fmt.Fprintln(out, "applied 1 migration:")
	default:
		fmt.Fprintf(out, "applied %d migrations:\n", len(names))
	}
	for _, n := range names {
		fmt.Fprintln(out, "  "+n)
	}
}

func demoCmd(cfg *config.Config, log *slog.Logger) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Create or refresh the demo workspace",
		Long:  "Create or refresh the demo workspace \"demo\" with a fictional brand, and print how to sign in. Running it again refreshes the demo data.",
		Args:  cobra.NoArgs,
		RunE: withNewApp(cfg, log, func(cmd *cobra.Command, a *app) error {
			login, err := demo.Load(cmd.Context(), a.demoDeps(cmd.OutOrStdout()))
			if err != nil {
				return err
			}
			printDemoLogin(cmd, login)
			return nil
		}),
	}
}

func printDemoLogin(cmd *cobra.Command, login demo.Login) {
	fmt.Fprintf(cmd.OutOrStdout(), "demo workspace %q is ready; sign in as %s with password %s\n", login.Workspace, login.Email, login.Password)
	if tr := login.Traffic; tr.Hits > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "demo traffic: %d links, %d clicks, %d conversion events in %s\n", tr.Links, tr.Hits, tr.Conversions, tr.Took.Round(time.Millisecond))
	}
}

func userCmd(cfg *config.Config, log *slog.Logger) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users"}
	var email, password, name string
	var admin bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, log, func(cmd *cobra.Command, a *app) error {
			pw, err := passwordFlag(cmd, password)
			if err != nil {
				return err
			}
			u, err := a.accounts.CreateUser(cmd.Context(), email, name, pw, admin)
			if err != nil {
				return err
			}
			kind := "user"
			if u.IsAdmin {
				kind = "instance admin"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created %s %s (id %d)\n", kind, u.Email, u.ID)
			return nil
		}),
	}
	create.Flags().StringVar(&email, "email", "", "e-mail address, used to sign in (required)")
	create.Flags().StringVar(&password, "password", "", fmt.Sprintf("password, at least %d characters (required); - reads it from the first line of standard input", account.MinPasswordLength))
	create.Flags().StringVar(&name, "name", "", "display name (default: the e-mail's local part)")
	create.Flags().BoolVar(&admin, "admin", false, "make an instance admin, who may act in every workspace")
	_ = create.MarkFlagRequired("email")
	_ = create.MarkFlagRequired("password")

	var newEmail, newPassword string
	setPassword := &cobra.Command{
		Use:   "password",
		Short: "Set a user's password and sign them out everywhere",
		Long: "Set the password of a user who forgot theirs. All their sessions end, and their failed sign-ins are\n" +
			"forgotten, so that they sign in with the new password at once. Their API tokens stay.",
		Args: cobra.NoArgs,
		RunE: withApp(cfg, log, func(cmd *cobra.Command, a *app) error {
			pw, err := passwordFlag(cmd, newPassword)
			if err != nil {
				return err
			}
			u, err := a.accounts.ResetPassword(cmd.Context(), newEmail, pw)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "set the password of %s and signed them out everywhere\n", u.Email)
			return nil
		}),
	}
	setPassword.Flags().StringVar(&newEmail, "email", "", "e-mail address of the user (required)")
	setPassword.Flags().StringVar(&newPassword, "password", "", fmt.Sprintf("the new password, at least %d characters (required); - reads it from the first line of standard input", account.MinPasswordLength))
	_ = setPassword.MarkFlagRequired("email")
	_ = setPassword.MarkFlagRequired("password")
	cmd.AddCommand(create, setPassword)
	return cmd
}

// passwordFlag is the password a --password flag gives: its value, or with
// "-" the first line of standard input, which keeps it out of the process
// list and the shell's history.
func passwordFlag(cmd *cobra.Command, value string) (string, error) {
	if value != "-" {
		return value, nil
	}
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("--password -: no password on standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func workspaceCmd(cfg *config.Config, log *slog.Logger) *cobra.Command {
	cmd := &cobra.Command{Use: "workspace", Short: "Manage workspaces"}
	var slug, name, owner, tz, currency string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a workspace (one brand) with an owner",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, log, func(cmd *cobra.Command, a *app) error {
			w, err := a.accounts.CreateWorkspace(cmd.Context(), account.Workspace{Slug: slug, Name: name, TimeZone: tz, Currency: currency}, owner)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created workspace %s (%s, %s, %s) owned by %s\n", w.Slug, w.Name, w.TimeZone, w.Currency, owner)
			return nil
		}),
	}
	create.Flags().StringVar(&slug, "slug", "", "short name used in URLs, e.g. acme (required)")
	create.Flags().StringVar(&name, "name", "", "display name (required)")
	create.Flags().StringVar(&owner, "owner", "", "e-mail of the owning user (required)")
	create.Flags().StringVar(&tz, "time-zone", account.DefaultTimeZone, "IANA time zone for reports and schedules")
	create.Flags().StringVar(&currency, "currency", account.DefaultCurrency, "currency code for budgets and revenue")
	for _, f := range []string{"slug", "name", "owner"} {
		_ = create.MarkFlagRequired(f)
	}
	cmd.AddCommand(create)
	return cmd
}

// workspaceBySlug is the workspace --workspace names, or an error saying
// that this database has none by that slug.
func workspaceBySlug(ctx context.Context, a *app, slug string) (account.Workspace, error) {
	ws, err := a.accounts.WorkspaceBySlug(ctx, slug)
	if apperr.Is(err, apperr.NotFound) {
		return ws, fmt.Errorf("no workspace %q here; check --workspace and --data or --db", slug)
	}
	return ws, err
}

func tokenCmd(cfg *config.Config, log *slog.Logger) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var email, slug, role, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token and print it (the only time it is shown)",
		Long: "Create an API token for a user in a workspace and print it on stdout; it is shown only this once.\n" +
			"The user must be a member of the workspace, or an instance admin. Use it as: Authorization: Bearer <token>",
		Args: cobra.NoArgs,
		RunE: withApp(cfg, log, func(cmd *cobra.Command, a *app) error {
			if name == "" {
				name = "cli " + time.Now().UTC().Format("2006-01-02")
			}
			if _, err := workspaceBySlug(cmd.Context(), a, slug); err != nil {
				return err
			}
			plain, _, err := a.accounts.CreateToken(cmd.Context(), email, slug, account.Role(role), name)
			var ae *apperr.Error
			if errors.As(err, &ae) && ae.Key == "error.not_found" {
				// The workspace is there (above): the user is not in it.
				return fmt.Errorf("%s is not a member of workspace %q: add them on the workspace's members page first (an instance admin needs no membership)", email, slug)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), plain)
			return nil
		}),
	}
	create.Flags().StringVar(&email, "user", "", "e-mail of the user the token acts for (required)")
	create.Flags().StringVar(&slug, "workspace", "", "workspace slug the token is scoped to (required)")
	create.Flags().StringVar(&role, "role", "", "role of the token, at most the user's own (default: the user's role)")
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by")
	_ = create.MarkFlagRequired("user")
	_ = create.MarkFlagRequired("workspace")
	cmd.AddCommand(create)
	return cmd
}
