package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

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
// …) and returns the River migrations it applied ("river 6 (bulk unique)"),
// none when they were up to date. It is idempotent, and on PostgreSQL
// several nodes may call it at once. River's account of each step goes to
// logger at debug level, as its other routine messages do (routineDebug):
// seen with --log-level debug, not otherwise; its warnings and errors
// always. A nil logger is slog.Default().
func Migrate(ctx context.Context, db *store.DB, logger *slog.Logger) ([]string, error) {
	drv, err := driver(db)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	if db.Dialect() == store.Postgres {
		conn, err := db.WriteDB().Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("migrate river: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return nil, fmt.Errorf("lock river migrations: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock) //nolint:errcheck // released with the connection anyway
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: slog.New(routineDebug{logger.Handler()})})
	if err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	var applied []string
	for _, v := range res.Versions {
		applied = append(applied, fmt.Sprintf("river %d (%s)", v.Version, v.Name))
	}
	return applied, nil
}
