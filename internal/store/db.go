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
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers "sqlite"

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
	// writeStmts and readStmts are statements prepared once on the SQLite
	// writer and readers (see prepare).
	writeStmts, readStmts stmtCache
	// stopCheckpoints ends the SQLite checkpointer and waits for it.
	stopCheckpoints func()
	// log receives the store's own warnings and upgrade progress.
	log *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time
}

// Open connects to the database that dsn names: a postgres:// or
// postgresql:// URL selects PostgreSQL; a file path, or a sqlite:// or
// file: URL, a SQLite file ("" means chorus.db in dataDir); a URL of
// another kind is an error. It does not migrate. log receives the
// store's own warnings and the progress of upgrades (nil: slog's default
// logger).
func Open(ctx context.Context, dsn, dataDir string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.Default()
	}
	switch scheme(dsn) {
	case "postgres", "postgresql":
		db, err := openPostgres(ctx, dsn)
		if err == nil {
			db.log = log
		}
		return db, err
	case "", "sqlite", "file":
	default:
		// Not a path: a SQLite file named mysql://… is never meant. The
		// rest of the URL may hold a password.
		return nil, fmt.Errorf("unsupported database %s://…: use postgres://… for PostgreSQL, or a file path for SQLite", scheme(dsn))
	}
	path, inDataDir := sqliteFile(dsn, dataDir)
	if inDataDir {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create data folder %s: %w", filepath.Dir(path), err)
		}
	}
	return openSQLite(ctx, path, log)
}

// SQLiteFile is the SQLite file that Open uses for dsn and dataDir; ""
// when dsn is the URL of another database.
func SQLiteFile(dsn, dataDir string) string {
	path, _ := sqliteFile(dsn, dataDir)
	return path
}

// scheme is the part of dsn before "://"; "" when there is none.
func scheme(dsn string) string {
	s, _, ok := strings.Cut(dsn, "://")
	if !ok {
		return ""
	}
	return s
}

// sqliteFile is the path dsn names, or chorus.db in dataDir (inDataDir)
// when dsn names none.
func sqliteFile(dsn, dataDir string) (path string, inDataDir bool) {
	if s := scheme(dsn); s != "" && s != "sqlite" && s != "file" {
		return "", false
	}
	path = strings.TrimPrefix(dsn, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path != "" {
		return path, false
	}
	if dataDir == "" {
		dataDir = "."
	}
	return filepath.Join(dataDir, "chorus.db"), true
}

func openSQLite(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	// The writer leaves WAL checkpoints to the checkpointer, so that no
	// commit waits for one; its larger page cache keeps a click batch's
	// dirty index pages from spilling to the WAL before the commit. When
	// it starts the WAL over, it cuts the file back to walLimit.
	write, err := sql.Open("sqlite", sqliteDSN(path, 10000, "wal_autocheckpoint(0)", "cache_size(-65536)",
		"journal_size_limit("+strconv.Itoa(walLimit)+")"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", sqliteDSN(path, 10000))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	// The checkpointer waits a second at most, so that a TRUNCATE
	// checkpoint, which holds the writer off while it waits for readers,
	// gives up early and tries again at its next turn.
	ckpt, err := sql.Open("sqlite", sqliteDSN(path, 1000))
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	db := &DB{dialect: SQLite, write: write, read: read, Now: time.Now, log: log,
		writeStmts: stmtCache{pool: write}, readStmts: stmtCache{pool: read}}
	if err := write.PingContext(ctx); err != nil {
		ckpt.Close()
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.startCheckpoints(ckpt, log)
	return db, nil
}

// sqliteDSN names a connection to the file at path that waits busyMillis
// for locks, with pragmas beyond those every connection has. Statement
// journals (a multi-row insert into a table with unique keys needs one)
// stay in memory rather than in a temporary file.
func sqliteDSN(path string, busyMillis int, pragmas ...string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(busyMillis)+")")
	for _, p := range append([]string{"journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "temp_store(MEMORY)"}, pragmas...) {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Checkpoint timing: checkpointEvery between passive checkpoints; a WAL
// of walRestartFrames pages (64 MiB of 4 KiB pages) or more is started
// over, and cut back to walLimit bytes; a WAL that has not changed for
// walIdle is truncated. Truncating makes the writer drop and read back
// its whole page cache, so a pause between two batches of a busy writer
// (a second or two on a loaded machine) must not count as idle.
const (
	checkpointEvery  = time.Second
	walRestartFrames = 16384
	walLimit         = 64 << 20
	walIdle          = 5 * time.Second
)

// startCheckpoints runs WAL checkpoints on ckpt, its own connection,
// beside the writer rather than inside its commits. A passive checkpoint
// never waits for the writer, but while the writer keeps appending, the
// WAL is never wholly checkpointed and so never starts over; a RESTART
// checkpoint, which makes the writer wait for it, bounds it then. An idle
// WAL is truncated, so that it does not keep its size on disk. A
// failure is logged when checkpoints start failing and when they work
// again, not once a second.
func (db *DB) startCheckpoints(ckpt *sql.DB, log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	db.stopCheckpoints = func() {
		cancel()
		<-done
		ckpt.Close()
	}
	go func() {
		defer close(done)
		tick := time.NewTicker(checkpointEvery)
		defer tick.Stop()
		last, changed, failing := -1, time.Now(), false
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			idle := last
			if time.Since(changed) < walIdle {
				idle = -1
			}
			frames, err := checkpoint(ctx, ckpt, idle)
			switch {
			case err != nil && !failing && ctx.Err() == nil:
				log.Warn("sqlite checkpoints are failing; the WAL file grows until they work again", "err", err)
				failing = true
			case err == nil && failing:
				log.Info("sqlite checkpoints work again")
				failing = false
			}
			if frames != last {
				last, changed = frames, time.Now()
			}
		}
	}()
}

// checkpoint runs one passive checkpoint on ckpt. When the WAL has grown
// to walRestartFrames it runs a RESTART one, after which the writer
// starts the WAL over at its next commit; when the WAL is wholly
// checkpointed and still holds the idle frames it has held for walIdle
// (-1: it has not been idle that long), a TRUNCATE one. Not TRUNCATE under load: it rewrites the WAL's header
// itself, which makes the writer drop its whole page cache (64 MiB) and
// read it back; RESTART leaves the header to the writer. It returns the
// frames the WAL holds.
func checkpoint(ctx context.Context, ckpt *sql.DB, idle int) (int, error) {
	run := func(mode string) (frames, done int, err error) {
		var busy int
		err = ckpt.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &frames, &done)
		return frames, done, err
	}
	frames, done, err := run("PASSIVE")
	if err != nil {
		return 0, apperr.Wrap(err, "passive checkpoint")
	}
	mode := ""
	switch {
	case frames > 0 && frames == done && frames == idle:
		mode = "TRUNCATE"
	case frames >= walRestartFrames:
		mode = "RESTART"
	default:
		return frames, nil
	}
	frames, _, err = run(mode)
	return frames, apperr.Wrap(err, strings.ToLower(mode)+" checkpoint")
}

// pgConnectTimeout bounds each new PostgreSQL connection when the URL sets
// no connect_timeout: a server that accepts but never answers would
// otherwise hold a starting process, and every later reconnect, forever.
const pgConnectTimeout = 15 * time.Second

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	pool := stdlib.OpenDB(*cfg)
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
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	_ = db.Optimize(context.Background())
	db.writeStmts.close()
	db.readStmts.close()
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

// forUpdate is the clause that keeps the rows a SELECT reads locked until
// the transaction ends, so that two transactions cannot both act on what
// they read; skipLocked passes over rows another transaction holds
// instead of waiting. It is empty on SQLite, whose write transaction
// holds every other writer off.
func (db *DB) forUpdate(skipLocked bool) string {
	switch {
	case db.dialect == SQLite:
		return ""
	case skipLocked:
		return " FOR UPDATE SKIP LOCKED"
	}
	return " FOR UPDATE"
}

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

// prepare readies statements on c's pool once, for conn.stmt: writes on
// db.writeStmts, reads on db.readStmts. Statements that run often with
// the same text, such as the fixed-size chunks of a bulk insert or the
// collect endpoint's, spare SQLite a parse per run, which is a fifth of a
// short query's time; pgx keeps its own statement cache. Call it outside
// a transaction: the writer's one connection is the transaction's.
func (db *DB) prepare(ctx context.Context, c *stmtCache, qs []string) error {
	if db.dialect != SQLite {
		return nil
	}
	for _, q := range qs {
		q = db.rebind(q)
		if c.get(q) != nil {
			continue
		}
		s, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			return apperr.Wrap(err, "prepare statement")
		}
		c.put(q, s)
	}
	return nil
}

// stmtCache holds statements prepared on pool, by text, until the store
// closes. Statements are prepared outside its lock: preparing waits for a
// connection, which a caller in a transaction holds while it looks a
// statement up.
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[q]
}

// put keeps s for q, unless another call kept one first; then it closes s.
func (c *stmtCache) put(q string, s *sql.Stmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[q] != nil {
		s.Close()
		return
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = s
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = nil
}

// stmt returns the statement prepare readied for q (rebound) that can
// serve c, or nil: in a transaction, the writer's, bound to it; on the
// readers, the readers'.
func (c conn) stmt(ctx context.Context, q string) *sql.Stmt {
	if tx, ok := c.q.(*sql.Tx); ok {
		s := c.db.writeStmts.get(q)
		if s == nil {
			return nil
		}
		// database/sql reuses the statement prepared on the writer's
		// connection, and prepares it again should that connection change.
		return tx.StmtContext(ctx, s)
	}
	if c.q == c.db.read {
		return c.db.readStmts.get(q)
	}
	return nil
}

func (c conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = c.db.rebind(q)
	if s := c.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, q, args...)
}

func (c conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = c.db.rebind(q)
	if s := c.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, q, args...)
}

func (c conn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = c.db.rebind(q)
	if s := c.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, q, args...)
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

// CleanupBatch is the most rows one cleanup statement deletes. On SQLite a
// statement holds the database's one write lock until it commits, so a
// backlog (a busy day's unique keys, a night of password guessing) goes in
// short transactions, with clicks and sign-ins let in between them.
const CleanupBatch = 5000

// deleteAll deletes the rows of table that match where, CleanupBatch rows
// a statement (deleteBatch), and returns how many went.
func (db *DB) deleteAll(ctx context.Context, table, key, where string, args ...any) (int64, error) {
	var total int64
	for {
		n, err := db.deleteBatch(ctx, table, key, where, CleanupBatch, args...)
		total += n
		if err != nil || n < CleanupBatch {
			return total, err
		}
	}
}

// deleteBatch deletes, in one statement of its own, at most limit rows of
// table that match where, and returns how many went. Neither database has
// DELETE … LIMIT (SQLite only when built with it), so a subquery's LIMIT
// picks the rows: by key, the columns that find a row by an index, on
// SQLite; by ctid on PostgreSQL, which answers an IN of several columns by
// hashing the whole table. Rows sharing a key with a picked one go with
// it; they match where too whenever where is on key's columns.
func (db *DB) deleteBatch(ctx context.Context, table, key, where string, limit int, args ...any) (int64, error) {
	q := fmt.Sprintf(`DELETE FROM %s WHERE (%s) IN (SELECT %s FROM %s WHERE %s LIMIT %d)`, table, key, key, table, where, limit)
	if db.dialect == Postgres {
		q = fmt.Sprintf(`DELETE FROM %s WHERE ctid = ANY (ARRAY (SELECT ctid FROM %s WHERE %s LIMIT %d))`, table, table, where, limit)
	}
	res, err := db.writer().exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("delete from %s: %w", table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete from %s: %w", table, err)
	}
	return n, nil
}
