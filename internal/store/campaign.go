package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/campaign"
)

var _ campaign.Store = (*DB)(nil)

const campaignColumns = `id, slug, name, objective, status, start_date, end_date, body, version, created_at, updated_at`

// Campaigns returns the workspace's campaigns, the newest start first.
func (db *DB) Campaigns(ctx context.Context, workspaceID int64) ([]campaign.Campaign, error) {
	rows, err := db.reader().query(ctx, `SELECT `+campaignColumns+` FROM campaigns
		WHERE workspace_id = $1 ORDER BY start_date DESC, id DESC`, workspaceID)
	if err != nil {
		return nil, apperr.Wrap(err, "list campaigns")
	}
	defer rows.Close()
	out := []campaign.Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows, workspaceID)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "list campaigns")
	}
	return out, nil
}

// Campaign returns one campaign. Returns apperr.NotFound if it does not
// exist in the workspace.
func (db *DB) Campaign(ctx context.Context, workspaceID, id int64) (campaign.Campaign, error) {
	row := db.reader().queryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	c, err := scanCampaign(row, workspaceID)
	if errors.Is(err, sql.ErrNoRows) {
		return campaign.Campaign{}, apperr.NotFoundf("campaign")
	}
	return c, err
}

// CreateCampaign stores a new campaign with version 1. Returns
// apperr.Conflict with field "slug" when the slug is taken in the
// workspace.
func (db *DB) CreateCampaign(ctx context.Context, workspaceID int64, c campaign.Campaign) (campaign.Campaign, error) {
	body, err := campaignBody(c)
	if err != nil {
		return campaign.Campaign{}, err
	}
	now := db.now()
	err = db.writer().queryRow(ctx, `INSERT INTO campaigns
		(workspace_id, slug, name, objective, status, start_date, end_date, body, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id`,
		workspaceID, c.Slug, c.Name, c.Objective, c.Status, string(c.Start), string(c.End), body, now).Scan(&c.ID)
	if isUnique(err) {
		return campaign.Campaign{}, slugTaken(c.Slug)
	}
	if err != nil {
		return campaign.Campaign{}, apperr.Wrap(err, "create campaign")
	}
	c.Version, c.CreatedAt, c.UpdatedAt = 1, now, now
	return c, nil
}

// UpdateCampaign replaces campaign c.ID when its stored version is
// expectVersion and returns it with the next version. Returns
// apperr.NotFound if it does not exist in the workspace, and
// apperr.Conflict when the version differs or the slug is taken.
func (db *DB) UpdateCampaign(ctx context.Context, workspaceID int64, c campaign.Campaign, expectVersion int64) (campaign.Campaign, error) {
	body, err := campaignBody(c)
	if err != nil {
		return campaign.Campaign{}, err
	}
	now := db.now()
	var created time.Time
	err = db.writer().queryRow(ctx, `UPDATE campaigns SET slug = $1, name = $2, objective = $3, status = $4,
		start_date = $5, end_date = $6, body = $7, version = version + 1, updated_at = $8
		WHERE workspace_id = $9 AND id = $10 AND version = $11 RETURNING created_at`,
		c.Slug, c.Name, c.Objective, c.Status, string(c.Start), string(c.End), body, now,
		workspaceID, c.ID, expectVersion).Scan(&created)
	switch {
	case isUnique(err):
		return campaign.Campaign{}, slugTaken(c.Slug)
	case errors.Is(err, sql.ErrNoRows):
		// Either gone or changed meanwhile; tell which.
		if _, gerr := db.Campaign(ctx, workspaceID, c.ID); gerr != nil {
			return campaign.Campaign{}, gerr
		}
		return campaign.Campaign{}, apperr.New(apperr.Conflict, "error.campaign.version_conflict", nil)
	case err != nil:
		return campaign.Campaign{}, apperr.Wrap(err, "update campaign")
	}
	c.Version, c.CreatedAt, c.UpdatedAt = expectVersion+1, created.UTC(), now
	return c, nil
}

// DeleteCampaign removes a campaign. Returns apperr.NotFound if it does not
// exist in the workspace.
func (db *DB) DeleteCampaign(ctx context.Context, workspaceID, id int64) error {
	res, err := db.writer().exec(ctx, `DELETE FROM campaigns WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	return brandRowsOne(res, err, "delete", "campaign")
}

// campaignBody is the stored JSON of a campaign; the row's own columns
// (id, version, times) are left out of it.
func campaignBody(c campaign.Campaign) (string, error) {
	c.ID, c.Version = 0, 0
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	b, err := json.Marshal(c)
	if err != nil {
		return "", apperr.Wrap(err, "encode campaign")
	}
	return string(b), nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanCampaign(r rowScanner, workspaceID int64) (campaign.Campaign, error) {
	var (
		c                   campaign.Campaign
		body                string
		id, version         int64
		slug, name          string
		objective, status   string
		start, end          string
		createdAt, updateAt time.Time
	)
	if err := r.Scan(&id, &slug, &name, &objective, &status, &start, &end, &body, &version, &createdAt, &updateAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return c, err
		}
		return c, apperr.Wrap(err, "read campaign")
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return c, apperr.Wrap(err, fmt.Sprintf("decode campaign %d of workspace %d", id, workspaceID))
	}
	c.ID, c.Slug, c.Name, c.Objective, c.Status = id, slug, name, objective, status
	c.Start, c.End = campaign.Date(start), campaign.Date(end)
	c.Version, c.CreatedAt, c.UpdatedAt = version, createdAt.UTC(), updateAt.UTC()
	return c, nil
}

func slugTaken(slug string) error {
	return &apperr.Error{Code: apperr.Conflict, Key: "error.campaign.slug_taken", Args: map[string]any{"Value": slug},
		Fields: []apperr.FieldError{{Field: "slug", Key: "error.campaign.slug_taken", Args: map[string]any{"Value": slug}}}}
}
