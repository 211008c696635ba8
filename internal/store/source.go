// Poll bookkeeping of listening sources that the poll job and the source
// API need beyond the CRUD in listen.go: claiming due sources, and
// resetting a source's poll state when its configuration changes.
//
// Note for the pipeline helper: the sources helper owns this file; the
// Source CRUD and RecordSource* methods stay in listen.go.
package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
)

var _ source.Store = (*DB)(nil)

// sourceLease is how long a claimed source stays out of the due list
// while it is polled; the poll's outcome sets the real next time.
const sourceLease = 10 * time.Minute

// ClaimDueSources claims up to limit enabled sources of the polled kinds
// (source.PolledKinds) whose next poll time has come or was never set,
// most overdue first, across workspaces: their next poll moves a lease
// ahead in the same transaction, so an overlapping run does not poll them
// twice.
func (db *DB) ClaimDueSources(ctx context.Context, now time.Time, limit int) ([]listen.Source, error) {
	args := []any{now.UTC().Truncate(time.Microsecond), true}
	kinds := make([]string, len(source.PolledKinds))
	for i, k := range source.PolledKinds {
		args = append(args, k)
		kinds[i] = fmt.Sprintf("$%d", len(args))
	}
	var out []listen.Source
	err := db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.conn().query(ctx, `SELECT `+sourceColumns+` FROM sources
			WHERE enabled = $2 AND kind IN (`+strings.Join(kinds, ", ")+`) AND (next_poll_at IS NULL OR next_poll_at <= $1)
			ORDER BY next_poll_at NULLS FIRST, id LIMIT `+fmt.Sprint(max(limit, 1))+db.forUpdate(true), args...)
		if err != nil {
			return apperr.Wrap(err, "claim due sources")
		}
		for rows.Next() {
			s, err := scanSource(rows)
			if err != nil {
				rows.Close()
				return apperr.Wrap(err, "claim due sources")
			}
			out = append(out, s)
		}
		if err := rows.Close(); err != nil {
			return apperr.Wrap(err, "claim due sources")
		}
		if err := rows.Err(); err != nil {
			return apperr.Wrap(err, "claim due sources")
		}
		lease := now.UTC().Add(sourceLease).Truncate(time.Microsecond)
		for _, s := range out {
			if _, err := tx.conn().exec(ctx, `UPDATE sources SET next_poll_at = $1 WHERE id = $2`, lease, s.ID); err != nil {
				return apperr.Wrap(err, "claim source")
			}
		}
		return nil
	})
	return out, err
}

// ResetSourcePoll forgets a source's cursor, feed validators and health
// (last success, last error, failures), as when its configuration changed
// and it starts afresh: until its next poll it has not been fetched with
// these settings, and a success or error of the old ones says nothing of
// them. Items fetched stay, a count of the mentions it brought. Returns
// apperr.NotFound.
func (db *DB) ResetSourcePoll(ctx context.Context, ws, id int64) error {
	res, err := db.writer().exec(ctx, `UPDATE sources SET cursor = '', etag = '', last_modified = '', failures = 0, last_success_at = NULL,
		last_error = '', last_error_key = '', last_error_args = '', last_error_at = NULL, updated_at = $1
		WHERE workspace_id = $2 AND id = $3`, db.now(), ws, id)
	return brandRowsOne(res, err, "reset", "source")
}
