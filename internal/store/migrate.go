package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
)

//go:embed migrations
var migrations embed.FS

// migrationLock is the PostgreSQL advisory lock key that serializes
// migrations when several nodes start at once.
const migrationLock = 0x63686f72 // "chor"

func (db *DB) migrationNames() ([]string, error) {
	dir := path.Join("migrations", string(db.dialect))
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names, nil
}

// Migrate applies the embedded migrations that have not run yet, each in its
// own transaction, recorded by name. Migrations only go forward.
func (db *DB) Migrate(ctx context.Context) error {
	_, err := db.Upgrade(ctx)
	return err
}

// Upgrade is Migrate, and returns the names of the migrations it applied,
// in order: none when the database was up to date.
func (db *DB) Upgrade(ctx context.Context) ([]string, error) { return db.migrateThrough(ctx, "") }

// migrateThrough applies the migrations up to the one named last, or all
// when last is empty: tests fill a database as an older Chorus left it.
func (db *DB) migrateThrough(ctx context.Context, last string) ([]string, error) {
	c := db.writer()
	if _, err := c.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY,
		applied_at TIMESTAMP NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	if db.dialect == Postgres {
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return nil, fmt.Errorf("lock migrations: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock) //nolint:errcheck // released with the connection anyway
	}
	names, err := db.migrationNames()
	if err != nil {
		return nil, err
	}
	applied, err := db.appliedMigrations(ctx, db.writer())
	if err != nil {
		return nil, err
	}
	if newer := newerMigration(applied, names); newer != "" {
		return nil, fmt.Errorf("the database was upgraded by a newer Chorus (its migration %s is unknown to this one): run that version or a newer one", newer)
	}
	// An upgrade may build big tables anew (minutes for millions of
	// rows): say what runs. A new database's migrations take milliseconds
	// and are worth a line each only at debug level.
	level := slog.LevelDebug
	if len(applied) > 0 {
		level = slog.LevelInfo
	}
	var done []string
	for _, name := range names {
		if last != "" && name > last {
			break
		}
		if applied[name] {
			continue
		}
		body, err := migrations.ReadFile(path.Join("migrations", string(db.dialect), name))
		if err != nil {
			return nil, err
		}
		began := time.Now()
		db.log.Log(ctx, level, "upgrading the database", "migration", name)
		err = db.InTx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.conn().exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, name, db.now())
			return err
		})
		if err != nil {
			return done, fmt.Errorf("migration %s: %w", name, err)
		}
		done = append(done, name)
		db.log.Log(ctx, level, "database upgraded", "migration", name, "took", time.Since(began).Round(time.Millisecond))
	}
	return done, nil
}

// newerMigration names an applied migration that sorts after every one
// this binary has: a newer Chorus upgraded the database, and an older one
// would read and write tables it does not know the shape of. "" if none.
func newerMigration(applied map[string]bool, names []string) string {
	newest := ""
	for n := range applied {
		if n > names[len(names)-1] && n > newest {
			newest = n
		}
	}
	return newest
}

func (db *DB) appliedMigrations(ctx context.Context, c conn) (map[string]bool, error) {
	rows, err := c.query(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		applied[n] = true
	}
	return applied, rows.Err()
}

// Installed reports whether Chorus's migrations have ever run on the
// database: one without them is not a Chorus database yet, or not the one
// meant.
func (db *DB) Installed(ctx context.Context) (bool, error) {
	q := `SELECT to_regclass('schema_migrations') IS NOT NULL`
	if db.dialect == SQLite {
		q = `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')`
	}
	var ok bool
	if err := db.reader().queryRow(ctx, q).Scan(&ok); err != nil {
		return false, apperr.Wrap(err, "look for schema_migrations")
	}
	return ok, nil
}

// Ready reports whether the database answers and every migration has run;
// /readyz uses it.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return apperr.Wrap(err, "ping database")
	}
	names, err := db.migrationNames()
	if err != nil {
		return err
	}
	applied, err := db.appliedMigrations(ctx, db.reader())
	if err != nil {
		return apperr.Wrap(err, "read migrations")
	}
	for _, n := range names {
		if !applied[n] {
			return apperr.New(apperr.Unavailable, "error.not_migrated", map[string]any{"Name": n})
		}
	}
	return nil
}
