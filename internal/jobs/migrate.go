package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/chorus-hq/chorus/internal/store"
)

// migrationLock is the PostgreSQL advisory lock key that serializes River's
// migrations when several nodes start at once; it differs from the store's.
const migrationLock = 0x72697672 // "rivr"

// driver returns River's driver for the store's dialect, on the writer pool.
func driver(db *store.DB) (riverdriver.Driver[*sql.Tx], error) {
	switch db.Dialect() {
	case store.SQLite:
		return riversqlite.New(db.WriteDB()), nil
	case store.Postgres:
		return riverdatabasesql.New(db.WriteDB()), nil
	default:
		return nil, fmt.Errorf("jobs: unknown dialect %q", db.Dialect())
	}
}

// Migrate creates or upgrades River's own tables (river_job, river_leader,
// …). It is idempotent, and on PostgreSQL several nodes may call it at once.
func Migrate(ctx context.Context, db *store.DB) error {
	drv, err := driver(db)
	if err != nil {
		return err
	}
	if db.Dialect() == store.Postgres {
		conn, err := db.WriteDB().Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate river: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("lock river migrations: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock) //nolint:errcheck // released with the connection anyway
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: quietLogger})
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

// quietLogger keeps River's per-migration chatter out of every command's
// output; warnings and errors still show.
var quietLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
