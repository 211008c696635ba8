package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// Overrides returns the workspace's patches to the platform catalog, by
// platform key; none is an empty map.
func (db *DB) Overrides(ctx context.Context, workspaceID int64) (map[string]json.RawMessage, error) {
	rows, err := db.reader().query(ctx, `SELECT platform, patch FROM platform_overrides WHERE workspace_id = $1`, workspaceID)
	if err != nil {
		return nil, apperr.Wrap(err, "list platform overrides")
	}
	defer rows.Close()
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var key string
		var patch []byte
		if err := rows.Scan(&key, &patch); err != nil {
			return nil, apperr.Wrap(err, "list platform overrides")
		}
		out[key] = patch
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "list platform overrides")
	}
	return out, nil
}

// SetOverride stores patch as the workspace's patch for one platform
// when the stored one is still prev (nil: there is none), and returns
// apperr.Conflict (error.platform.override_changed) when another save
// came first, so that a merge is made again over it rather than lost.
// The platform service validates the patch; the store only refuses bytes
// that are not JSON.
func (db *DB) SetOverride(ctx context.Context, workspaceID int64, key string, prev, patch json.RawMessage) error {
	if !json.Valid(patch) {
		return apperr.Wrap(errors.New("patch is not valid JSON"), "save platform override "+key)
	}
	var res sql.Result
	var err error
	if prev == nil {
		res, err = db.writer().exec(ctx, `INSERT INTO platform_overrides (workspace_id, platform, patch, updated_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, platform) DO NOTHING`,
			workspaceID, key, string(patch), db.now())
	} else {
		res, err = db.writer().exec(ctx, `UPDATE platform_overrides SET patch = $3, updated_at = $4
			WHERE workspace_id = $1 AND platform = $2 AND patch = $5`,
			workspaceID, key, string(patch), db.now(), string(prev))
	}
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return apperr.Wrap(err, "save platform override "+key)
	}
	if n == 0 {
		return apperr.New(apperr.Conflict, "error.platform.override_changed", nil)
	}
	return nil
}

// DeleteOverride removes the workspace's patch for one platform, so the
// catalog's values apply again. Returns apperr.NotFound if there is none.
func (db *DB) DeleteOverride(ctx context.Context, workspaceID int64, key string) error {
	res, err := db.writer().exec(ctx, `DELETE FROM platform_overrides WHERE workspace_id = $1 AND platform = $2`,
		workspaceID, key)
	return brandRowsOne(res, err, "delete", "platform_override")
}
