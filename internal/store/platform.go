package store

import (
	"context"
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

// SetOverride creates or replaces the workspace's patch for one platform.
// The platform service validates the patch; the store only refuses bytes
// that are not JSON, since they would break every later read.
func (db *DB) SetOverride(ctx context.Context, workspaceID int64, key string, patch json.RawMessage) error {
	if !json.Valid(patch) {
		return apperr.Wrap(errors.New("patch is not valid JSON"), "save platform override "+key)
	}
	_, err := db.writer().exec(ctx, `INSERT INTO platform_overrides (workspace_id, platform, patch, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (workspace_id, platform) DO UPDATE SET patch = excluded.patch, updated_at = excluded.updated_at`,
		workspaceID, key, string(patch), db.now())
	if err != nil {
		return apperr.Wrap(err, "save platform override "+key)
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
