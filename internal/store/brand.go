package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

var _ brand.Store = (*DB)(nil)

// BrandItems returns the items of a kind in the workspace, oldest first.
func (db *DB) BrandItems(ctx context.Context, workspaceID int64, kind string) ([]brand.Doc, error) {
	rows, err := db.reader().query(ctx, `SELECT id, name, body, updated_at FROM brand_items
		WHERE workspace_id = $1 AND kind = $2 ORDER BY id`, workspaceID, kind)
	if err != nil {
		return nil, apperr.Wrap(err, "list "+kind)
	}
	defer rows.Close()
	docs := []brand.Doc{}
	for rows.Next() {
		var d brand.Doc
		if err := rows.Scan(&d.ID, &d.Name, &d.Body, &d.UpdatedAt); err != nil {
			return nil, apperr.Wrap(err, "list "+kind)
		}
		d.UpdatedAt = d.UpdatedAt.UTC()
		docs = append(docs, d)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "list "+kind)
	}
	return docs, nil
}

// BrandItem returns one item. Returns apperr.NotFound if it does not exist
// in the workspace with that kind.
func (db *DB) BrandItem(ctx context.Context, workspaceID int64, kind string, id int64) (brand.Doc, error) {
	var d brand.Doc
	err := db.reader().queryRow(ctx, `SELECT id, name, body, updated_at FROM brand_items
		WHERE workspace_id = $1 AND kind = $2 AND id = $3`, workspaceID, kind, id).
		Scan(&d.ID, &d.Name, &d.Body, &d.UpdatedAt)
	if err != nil {
		return brand.Doc{}, notFound(err, kind)
	}
	d.UpdatedAt = d.UpdatedAt.UTC()
	return d, nil
}

// CreateBrandItem stores a new item and returns its id.
func (db *DB) CreateBrandItem(ctx context.Context, workspaceID int64, kind, name string, body []byte) (int64, error) {
	now := db.now()
	var id int64
	err := db.writer().queryRow(ctx, `INSERT INTO brand_items (workspace_id, kind, name, body, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, workspaceID, kind, name, string(body), now).Scan(&id)
	if err != nil {
		return 0, apperr.Wrap(err, "create "+kind)
	}
	return id, nil
}

// UpdateBrandItem replaces an item's name and body; when prev is not nil,
// only if the stored body is still prev. Returns apperr.NotFound if it does
// not exist in the workspace with that kind, and brand.ChangedError when
// the stored body is no longer prev.
func (db *DB) UpdateBrandItem(ctx context.Context, workspaceID int64, kind string, id int64, name string, body, prev []byte) error {
	res, err := db.writer().exec(ctx, `UPDATE brand_items SET name = $1, body = $2, updated_at = $3
		WHERE workspace_id = $4 AND kind = $5 AND id = $6 AND ($7 OR body = $8)`,
		name, string(body), db.now(), workspaceID, kind, id, prev == nil, string(prev))
	err = brandRowsOne(res, err, "update", kind)
	if prev != nil && apperr.Is(err, apperr.NotFound) {
		// Either gone or changed meanwhile; tell which.
		if _, gerr := db.BrandItem(ctx, workspaceID, kind, id); gerr != nil {
			return gerr
		}
		return brand.ChangedError()
	}
	return err
}

// DeleteBrandItem removes an item. Returns apperr.NotFound if it does not
// exist in the workspace with that kind.
func (db *DB) DeleteBrandItem(ctx context.Context, workspaceID int64, kind string, id int64) error {
	res, err := db.writer().exec(ctx, `DELETE FROM brand_items WHERE workspace_id = $1 AND kind = $2 AND id = $3`,
		workspaceID, kind, id)
	return brandRowsOne(res, err, "delete", kind)
}

// BrandDoc returns a singleton document. Returns apperr.NotFound if it was
// never saved.
func (db *DB) BrandDoc(ctx context.Context, workspaceID int64, kind string) (brand.Doc, error) {
	var d brand.Doc
	err := db.reader().queryRow(ctx, `SELECT body, updated_at FROM brand_docs WHERE workspace_id = $1 AND kind = $2`,
		workspaceID, kind).Scan(&d.Body, &d.UpdatedAt)
	if err != nil {
		return brand.Doc{}, notFound(err, kind)
	}
	d.Name = kind
	d.UpdatedAt = d.UpdatedAt.UTC()
	return d, nil
}

// PutBrandDoc creates or replaces a singleton document and returns the time
// it was stored; when prev is not nil, only if the stored body is still
// prev, an empty prev meaning that none is stored. Returns
// brand.ChangedError when it is not.
func (db *DB) PutBrandDoc(ctx context.Context, workspaceID int64, kind string, body, prev []byte) (time.Time, error) {
	now := db.now()
	var res sql.Result
	var err error
	switch {
	case prev == nil:
		res, err = db.writer().exec(ctx, `INSERT INTO brand_docs (workspace_id, kind, body, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (workspace_id, kind) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
			workspaceID, kind, string(body), now)
	case len(prev) == 0:
		res, err = db.writer().exec(ctx, `INSERT INTO brand_docs (workspace_id, kind, body, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (workspace_id, kind) DO NOTHING`, workspaceID, kind, string(body), now)
	default:
		res, err = db.writer().exec(ctx, `UPDATE brand_docs SET body = $3, updated_at = $4
			WHERE workspace_id = $1 AND kind = $2 AND body = $5`, workspaceID, kind, string(body), now, string(prev))
	}
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return time.Time{}, apperr.Wrap(err, "save "+kind)
	}
	if n == 0 {
		return time.Time{}, brand.ChangedError()
	}
	return now, nil
}

// brandRowsOne turns the result of an UPDATE or DELETE of one row into
// apperr.NotFound for kind when no row matched; platform.go uses it too.
func brandRowsOne(res sql.Result, err error, verb, kind string) error {
	if err != nil {
		return apperr.Wrap(err, verb+" "+kind)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return apperr.Wrap(err, verb+" "+kind)
	}
	if n == 0 {
		return apperr.NotFoundf(kind)
	}
	return nil
}
