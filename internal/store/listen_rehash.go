package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
)

// StaleMentions returns up to limit mentions of any workspace whose
// hashes were made with a normalization older than version, oldest
// version first, then by id (the index mentions_norm_version).
func (db *DB) StaleMentions(ctx context.Context, version, limit int) ([]listen.StaleMention, error) {
	rows, err := db.reader().query(ctx, `SELECT id, workspace_id, author, text, published_at, content_hash, simhash FROM mentions
		WHERE norm_version < $1 ORDER BY norm_version, id LIMIT $2`, version, limit)
	if err != nil {
		return nil, apperr.Wrap(err, "read mentions to re-hash")
	}
	defer rows.Close()
	var out []listen.StaleMention
	for rows.Next() {
		var m listen.StaleMention
		var sim int64
		if err := rows.Scan(&m.ID, &m.WorkspaceID, &m.Author, &m.Text, &m.PublishedAt, &m.ContentHash, &sim); err != nil {
			return nil, apperr.Wrap(err, "read mentions to re-hash")
		}
		m.PublishedAt, m.SimHash = m.PublishedAt.UTC(), uint64(sim)
		out = append(out, m)
	}
	return out, apperr.Wrap(rows.Err(), "read mentions to re-hash")
}

// StaleMentionCount counts the mentions whose hashes were made with a
// normalization older than version.
func (db *DB) StaleMentionCount(ctx context.Context, version int) (int64, error) {
	var n int64
	err := db.reader().queryRow(ctx, `SELECT COUNT(*) FROM mentions WHERE norm_version < $1`, version).Scan(&n)
	return n, apperr.Wrap(err, "count mentions to re-hash")
}

// SaveRehashed stores new hashes made with version (see
// listen.RehashStore). On PostgreSQL it first takes, in ascending order,
// the advisory locks of the workspaces it touches that SaveMentions
// takes: a hash is checked for another holder and stored while no batch
// of the workspace is being stored, by this node or another. (A SQLite
// transaction holds the write lock.)
func (db *DB) SaveRehashed(ctx context.Context, version int, ms []listen.StaleMention) (int, error) {
	marked := 0
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if db.dialect == Postgres {
			var wss []int32
			for _, m := range ms {
				wss = append(wss, int32(m.WorkspaceID))
			}
			slices.Sort(wss)
			for _, ws := range slices.Compact(wss) {
				if _, err := c.exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, mentionsLockSpace, ws); err != nil {
					return apperr.Wrap(err, "lock the workspace's mentions")
				}
			}
		}
		for _, m := range ms {
			var holder int64
			err := c.queryRow(ctx, `SELECT id FROM mentions WHERE workspace_id = $1 AND content_hash = $2`, m.WorkspaceID, m.ContentHash).Scan(&holder)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return apperr.Wrap(err, "re-hash mentions")
			}
			hash := m.ContentHash
			switch {
			case holder == 0 || holder == m.ID:
			case holder < m.ID:
				hash, marked = takenHash(hash, m.ID), marked+1
			default:
				// The older mention keeps the hash.
				if _, err := c.exec(ctx, `UPDATE mentions SET content_hash = $1 WHERE id = $2`, takenHash(hash, holder), holder); err != nil {
					return apperr.Wrap(err, "re-hash mentions")
				}
				marked++
			}
			if _, err := c.exec(ctx, `UPDATE mentions SET content_hash = $1, simhash = $2, norm_version = $3 WHERE id = $4`,
				hash, int64(m.SimHash), version, m.ID); err != nil {
				return apperr.Wrap(err, "re-hash mentions")
			}
		}
		return nil
	})
	return marked, err
}

// takenHash is the content hash of a mention whose own hash another
// mention holds (migration 0008's mark).
func takenHash(hash string, id int64) string { return hash + ":dup:" + strconv.FormatInt(id, 10) }
