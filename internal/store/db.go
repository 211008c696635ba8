// Package store keeps Chorus's data in SQLite (the embedded default, one
// file) or PostgreSQL (for several nodes), with one implementation: queries
// are written once with $n parameters and the few dialect differences live
// in the dialect value.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store. On SQLite it holds one writer connection and a pool of
// readers, since SQLite allows one writer at a time and WAL lets readers go
// on meanwhile; on PostgreSQL both are the same pool.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// Now is the clock; tests set it.
	Now func() time.Time
}

// Open connects to the database that dsn names: a postgres:// or
// postgresql:// URL selects PostgreSQL; anything else is a SQLite file path
// ("" means chorus.db in dataDir). It does not migrate.
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path == "" {
		if dataDir == "" {
			dataDir = "."
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder %s: %w", dataDir, err)
		}
		path = filepath.Join(dataDir, "chorus.db")
	}
	return openSQLite(ctx, path)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	db := &DB{dialect: SQLite, write: write, read: read, Now: time.Now}
	if err := write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxLifetime(time.Hour)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &DB{dialect: Postgres, write: pool, read: pool, Now: time.Now}, nil
}

// Optimize refreshes SQLite's planner statistics where queries would gain
// from them; without statistics SQLite picks poor plans for the funnel and
// roll-up queries once tables grow. It runs hourly (with the cleanup job)
// and at close, never on an empty new database, whose statistics would
// mislead the planner later. PostgreSQL's autovacuum does this itself.
func (db *DB) Optimize(ctx context.Context) error {
	if db.dialect != SQLite {
		return nil
	}
	_, err := db.write.ExecContext(ctx, `PRAGMA optimize`)
	return err
}

// Close closes every connection.
func (db *DB) Close() error {
	_ = db.Optimize(context.Background())
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Dialect tells which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// WriteDB is the connection pool that writes: the job queue shares it, so
// that a job can be inserted in the same transaction as the row that needs it.
func (db *DB) WriteDB() *sql.DB { return db.write }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// now returns the clock's time in UTC, truncated to microseconds, the
// precision both databases keep.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// rebind rewrites $n parameters to SQLite's ?n; the numbers stay, so one
// query text serves both databases.
func (db *DB) rebind(q string) string {
	if db.dialect != SQLite || !strings.Contains(q, "$") {
		return q
	}
	return strings.ReplaceAll(q, "$", "?")
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction. Store methods that write take one, so a caller
// can group several writes (and a job insert) atomically.
type Tx struct {
	db *DB
	tx *sql.Tx
}

// SQL returns the underlying transaction, for the job queue's InsertTx.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// InTx runs fn in one write transaction, committed when fn returns nil and
// rolled back otherwise.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return apperr.Wrap(err, "begin transaction")
	}
	if err := fn(&Tx{db: db, tx: sqlTx}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return apperr.Wrap(err, "commit")
	}
	return nil
}

// conn is a querier with the dialect's rebinding: reads use the reader pool
// and writes the writer, or the transaction when there is one.
type conn struct {
	db *DB
	q  querier
}

func (db *DB) reader() conn { return conn{db, db.read} }
func (db *DB) writer() conn { return conn{db, db.write} }
func (tx *Tx) conn() conn   { return conn{tx.db, tx.tx} }

func (c conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, c.db.rebind(q), args...)
}

func (c conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, c.db.rebind(q), args...)
}

func (c conn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, c.db.rebind(q), args...)
}

// isUnique reports whether err is a unique-constraint violation, in either
// dialect.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// notFound turns sql.ErrNoRows into apperr.NotFound for kind and wraps
// anything else.
func notFound(err error, kind string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf(kind)
	}
	return apperr.Wrap(err, "read "+kind)
}
