package store

import (
	"context"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// DeleteConversions removes every conversion event and customer of a
// workspace, in one transaction. The demo uses it to regenerate its
// traffic; nothing else should.
func (db *DB) DeleteConversions(ctx context.Context, workspaceID int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		for _, q := range []string{`DELETE FROM conversions WHERE workspace_id = $1`, `DELETE FROM customers WHERE workspace_id = $1`} {
			if _, err := c.exec(ctx, q, workspaceID); err != nil {
				return apperr.Wrap(err, "delete conversions")
			}
		}
		return nil
	})
}

// Analyze refreshes the query planner's statistics. Call it after a bulk
// load (the demo's traffic): without statistics SQLite's planner joins the
// customer touches of the funnel in the wrong order, a scan per customer.
func (db *DB) Analyze(ctx context.Context) error {
	_, err := db.writer().exec(ctx, `ANALYZE`)
	return apperr.Wrap(err, "analyze")
}
