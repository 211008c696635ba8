package store

import (
	"context"

	"github.com/chorus-hq/chorus/internal/account"
)

// WorkspaceByID returns a workspace. Work that runs outside a request,
// such as alerts sent to chat and e-mail, knows a workspace by its id and
// needs its slug (for links) and time zone. Returns apperr.NotFound if
// there is none.
func (db *DB) WorkspaceByID(ctx context.Context, id int64) (account.Workspace, error) {
	w, err := scanWorkspace(db.reader().queryRow(ctx, `SELECT `+workspaceColumns+` FROM workspaces w WHERE w.id = $1`, id))
	if err != nil {
		return account.Workspace{}, notFound(err, "workspace")
	}
	return w, nil
}
