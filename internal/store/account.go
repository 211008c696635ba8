package store

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
)

var _ account.Store = (*DB)(nil)

// setupSecretName is the instance secret that holds the one-time setup
// token's hash; it must match the name the account service uses.
const setupSecretName = "setup_token"

// accountConflict is the Conflict error for a taken unique value, with the
// same message on the field, so a form can show it there.
func accountConflict(field, key string) error {
	var fs apperr.Fields
	fs.Add(field, key)
	return &apperr.Error{Code: apperr.Conflict, Key: key, Fields: fs}
}

// accountTime returns t as stored: UTC, to the microsecond both databases
// keep, or now when t is zero.
func (db *DB) accountTime(t time.Time) time.Time {
	if t.IsZero() {
		return db.now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// accountNullTime turns a nullable column into a *time.Time in UTC.
func accountNullTime(nt sql.NullTime) *time.Time {
	if !nt.Valid {
		return nil
	}
	t := nt.Time.UTC()
	return &t
}

// accountRowsOne reports apperr.NotFound for kind when a write touched no row.
func accountRowsOne(res sql.Result, err error, what, kind string) error {
	if err != nil {
		return apperr.Wrap(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return apperr.Wrap(err, what)
	}
	if n == 0 {
		return apperr.NotFoundf(kind)
	}
	return nil
}

const userColumns = `id, email, name, is_admin, locale, created_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (account.User, error) {
	var u account.User
	err := row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.IsAdmin, &u.Locale, &u.CreatedAt}, extra...)...)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// CountUsers returns how many users exist; 0 means the instance needs setup.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.reader().queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, apperr.Wrap(err, "count users")
	}
	return n, nil
}

// CreateUser creates a user with a password hash. Returns apperr.Conflict
// when the e-mail is taken.
func (db *DB) CreateUser(ctx context.Context, u account.User, passwordHash string) (account.User, error) {
	return db.insertUser(ctx, db.writer(), u, passwordHash)
}

func (db *DB) insertUser(ctx context.Context, c conn, u account.User, passwordHash string) (account.User, error) {
	u.CreatedAt = db.accountTime(u.CreatedAt)
	err := c.queryRow(ctx, `INSERT INTO users (email, name, password_hash, is_admin, locale, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		u.Email, u.Name, passwordHash, u.IsAdmin, u.Locale, u.CreatedAt).Scan(&u.ID)
	if isUnique(err) {
		return account.User{}, accountConflict("email", "error.email_taken")
	}
	if err != nil {
		return account.User{}, apperr.Wrap(err, "create user")
	}
	return u, nil
}

// UserByEmail returns the user with an e-mail and their password hash.
// Returns apperr.NotFound if there is none.
func (db *DB) UserByEmail(ctx context.Context, email string) (account.User, string, error) {
	var hash string
	u, err := scanUser(db.reader().queryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email), &hash)
	if err != nil {
		return account.User{}, "", notFound(err, "user")
	}
	return u, hash, nil
}

// UserByID returns a user. Returns apperr.NotFound if there is none.
func (db *DB) UserByID(ctx context.Context, id int64) (account.User, error) {
	u, err := scanUser(db.reader().queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return account.User{}, notFound(err, "user")
	}
	return u, nil
}

// SetUserLocale changes a user's language. Returns apperr.NotFound if the
// user does not exist.
func (db *DB) SetUserLocale(ctx context.Context, id int64, locale string) error {
	res, err := db.writer().exec(ctx, `UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3`, locale, db.now(), id)
	return accountRowsOne(res, err, "set user locale", "user")
}

const workspaceColumns = `w.id, w.slug, w.name, w.time_zone, w.currency, w.created_at`

func scanWorkspace(row interface{ Scan(...any) error }, extra ...any) (account.Workspace, error) {
	var w account.Workspace
	err := row.Scan(append([]any{&w.ID, &w.Slug, &w.Name, &w.TimeZone, &w.Currency, &w.CreatedAt}, extra...)...)
	w.CreatedAt = w.CreatedAt.UTC()
	return w, err
}

// CreateWorkspace creates w and makes ownerID its owner, atomically.
// Returns apperr.Conflict when the slug is taken and apperr.NotFound when
// the owner does not exist.
func (db *DB) CreateWorkspace(ctx context.Context, w account.Workspace, ownerID int64) (account.Workspace, error) {
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		var one int
		if err := c.queryRow(ctx, `SELECT 1 FROM users WHERE id = $1`, ownerID).Scan(&one); err != nil {
			return notFound(err, "user")
		}
		var err error
		w, err = db.insertWorkspace(ctx, c, w, ownerID)
		return err
	})
	if err != nil {
		return account.Workspace{}, err
	}
	return w, nil
}

func (db *DB) insertWorkspace(ctx context.Context, c conn, w account.Workspace, ownerID int64) (account.Workspace, error) {
	w.CreatedAt = db.accountTime(w.CreatedAt)
	err := c.queryRow(ctx, `INSERT INTO workspaces (slug, name, time_zone, currency, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
		w.Slug, w.Name, w.TimeZone, w.Currency, w.CreatedAt).Scan(&w.ID)
	if isUnique(err) {
		return account.Workspace{}, accountConflict("slug", "error.slug_taken")
	}
	if err != nil {
		return account.Workspace{}, apperr.Wrap(err, "create workspace")
	}
	if _, err := c.exec(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		w.ID, ownerID, string(account.Owner), w.CreatedAt); err != nil {
		return account.Workspace{}, apperr.Wrap(err, "add workspace owner")
	}
	return w, nil
}

// moneySQL holds when workspace $1 has amounts in its currency: a
// purchase with a value, or a campaign, whose budget is in it.
const moneySQL = `(EXISTS (SELECT 1 FROM conversions WHERE workspace_id = $1 AND value <> 0)
	OR EXISTS (SELECT 1 FROM campaigns WHERE workspace_id = $1))`

// UpdateWorkspace changes a workspace's name, time zone and currency; the
// slug and creation time stay. The currency changes only while the
// workspace has no amounts in the old one (MoneyRecorded), checked in the
// statement that changes it. Returns apperr.NotFound if the workspace
// does not exist, apperr.Conflict if amounts keep its currency.
func (db *DB) UpdateWorkspace(ctx context.Context, w account.Workspace) error {
	res, err := db.writer().exec(ctx, `UPDATE workspaces SET name = $2, time_zone = $3, currency = $4, updated_at = $5
		WHERE id = $1 AND (currency = $4 OR NOT `+moneySQL+`)`,
		w.ID, w.Name, w.TimeZone, w.Currency, db.now())
	err = accountRowsOne(res, err, "update workspace", "workspace")
	if !apperr.Is(err, apperr.NotFound) {
		return err
	}
	if _, ferr := db.WorkspaceByID(ctx, w.ID); ferr != nil {
		return ferr
	}
	return apperr.New(apperr.Conflict, "error.currency_in_use", nil)
}

// MoneyRecorded reports whether the workspace has a purchase with a value
// or a campaign, whose budget is in the workspace's currency.
func (db *DB) MoneyRecorded(ctx context.Context, workspaceID int64) (bool, error) {
	var one int
	err := db.reader().queryRow(ctx, `SELECT 1 WHERE `+moneySQL, workspaceID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, apperr.Wrap(err, "look for amounts")
}

// WorkspaceBySlug returns a workspace. Returns apperr.NotFound if there is
// none.
func (db *DB) WorkspaceBySlug(ctx context.Context, slug string) (account.Workspace, error) {
	w, err := scanWorkspace(db.reader().queryRow(ctx, `SELECT `+workspaceColumns+` FROM workspaces w WHERE w.slug = $1`, slug))
	if err != nil {
		return account.Workspace{}, notFound(err, "workspace")
	}
	return w, nil
}

// WorkspacesOf lists the workspaces a user is a member of, with their role,
// by name.
func (db *DB) WorkspacesOf(ctx context.Context, userID int64) ([]account.MemberWorkspace, error) {
	rows, err := db.reader().query(ctx, `SELECT `+workspaceColumns+`, m.role
		FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
		WHERE m.user_id = $1 ORDER BY w.name, w.id`, userID)
	if err != nil {
		return nil, apperr.Wrap(err, "list workspaces of user")
	}
	defer rows.Close()
	var out []account.MemberWorkspace
	for rows.Next() {
		var role string
		w, err := scanWorkspace(rows, &role)
		if err != nil {
			return nil, apperr.Wrap(err, "read workspace")
		}
		out = append(out, account.MemberWorkspace{Workspace: w, Role: account.Role(role)})
	}
	return out, apperr.Wrap(rows.Err(), "list workspaces of user")
}

// AllWorkspaces lists every workspace by name, for instance admins.
func (db *DB) AllWorkspaces(ctx context.Context) ([]account.Workspace, error) {
	rows, err := db.reader().query(ctx, `SELECT `+workspaceColumns+` FROM workspaces w ORDER BY w.name, w.id`)
	if err != nil {
		return nil, apperr.Wrap(err, "list workspaces")
	}
	defer rows.Close()
	var out []account.Workspace
	for rows.Next() {
		w, err := scanWorkspace(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "read workspace")
		}
		out = append(out, w)
	}
	return out, apperr.Wrap(rows.Err(), "list workspaces")
}

// MemberRole returns a user's role in a workspace. Returns apperr.NotFound
// when they are not a member.
func (db *DB) MemberRole(ctx context.Context, workspaceID, userID int64) (account.Role, error) {
	var role string
	err := db.reader().queryRow(ctx, `SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2`,
		workspaceID, userID).Scan(&role)
	if err != nil {
		return "", notFound(err, "member")
	}
	return account.Role(role), nil
}

// PutMember makes a user a member of a workspace with a role, or changes
// their role. Returns apperr.NotFound when the workspace or user does not
// exist.
func (db *DB) PutMember(ctx context.Context, workspaceID, userID int64, role account.Role) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		var one int
		if err := c.queryRow(ctx, `SELECT 1 FROM workspaces WHERE id = $1`, workspaceID).Scan(&one); err != nil {
			return notFound(err, "workspace")
		}
		if err := c.queryRow(ctx, `SELECT 1 FROM users WHERE id = $1`, userID).Scan(&one); err != nil {
			return notFound(err, "user")
		}
		_, err := c.exec(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role`,
			workspaceID, userID, string(role), db.now())
		return apperr.Wrap(err, "put member")
	})
}

// RemoveMember takes a user out of a workspace and revokes their tokens
// in it at now, so that adding them again brings no old token back. An
// invitation of their address into the workspace goes too (an operator
// may have added them while it was pending): signing in again must not
// bring them back. Returns apperr.NotFound when they are not a member.
func (db *DB) RemoveMember(ctx context.Context, workspaceID, userID int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		res, err := c.exec(ctx, `DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2`, workspaceID, userID)
		if err := accountRowsOne(res, err, "remove member", "member"); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `DELETE FROM invitations WHERE workspace_id = $1 AND email = (SELECT email FROM users WHERE id = $2)`,
			workspaceID, userID); err != nil {
			return apperr.Wrap(err, "withdraw the member's invitation")
		}
		_, err = c.exec(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE workspace_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
			workspaceID, userID, now)
		return apperr.Wrap(err, "revoke the member's tokens")
	})
}

// Members lists a workspace's members by e-mail.
func (db *DB) Members(ctx context.Context, workspaceID int64) ([]account.Member, error) {
	rows, err := db.reader().query(ctx, `SELECT u.id, u.email, u.name, u.is_admin, u.locale, u.created_at, m.role
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = $1 ORDER BY u.email`, workspaceID)
	if err != nil {
		return nil, apperr.Wrap(err, "list members")
	}
	defer rows.Close()
	var out []account.Member
	for rows.Next() {
		var role string
		u, err := scanUser(rows, &role)
		if err != nil {
			return nil, apperr.Wrap(err, "read member")
		}
		out = append(out, account.Member{User: u, Role: account.Role(role)})
	}
	return out, apperr.Wrap(rows.Err(), "list members")
}

// PutInvitation invites an address into a workspace, or changes the role
// of its invitation.
func (db *DB) PutInvitation(ctx context.Context, workspaceID int64, inv account.Invitation) error {
	_, err := db.writer().exec(ctx, `INSERT INTO invitations (workspace_id, email, role, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (workspace_id, email) DO UPDATE SET role = excluded.role`,
		workspaceID, inv.Email, string(inv.Role), db.accountTime(inv.CreatedAt))
	return apperr.Wrap(err, "put invitation")
}

// Invitations lists a workspace's invitations by address.
func (db *DB) Invitations(ctx context.Context, workspaceID int64) ([]account.Invitation, error) {
	rows, err := db.reader().query(ctx, `SELECT email, role, created_at FROM invitations WHERE workspace_id = $1 ORDER BY email`, workspaceID)
	if err != nil {
		return nil, apperr.Wrap(err, "list invitations")
	}
	defer rows.Close()
	var out []account.Invitation
	for rows.Next() {
		var inv account.Invitation
		var role string
		if err := rows.Scan(&inv.Email, &role, &inv.CreatedAt); err != nil {
			return nil, apperr.Wrap(err, "read invitation")
		}
		inv.Role, inv.CreatedAt = account.Role(role), inv.CreatedAt.UTC()
		out = append(out, inv)
	}
	return out, apperr.Wrap(rows.Err(), "list invitations")
}

// DeleteInvitation withdraws an invitation. Returns apperr.NotFound when
// the workspace has none for email.
func (db *DB) DeleteInvitation(ctx context.Context, workspaceID int64, email string) error {
	res, err := db.writer().exec(ctx, `DELETE FROM invitations WHERE workspace_id = $1 AND email = $2`, workspaceID, email)
	return accountRowsOne(res, err, "delete invitation", "invitation")
}

// ClaimInvitations makes the user a member of every workspace that invited
// email, with the invitation's role (a member keeps theirs), and deletes
// those invitations in one transaction, returning how many there were. It
// looks on a reader first: nearly always there are none, and the writer
// (SQLite's only one) is left alone.
func (db *DB) ClaimInvitations(ctx context.Context, userID int64, email string) (int, error) {
	var one int
	err := db.reader().queryRow(ctx, `SELECT 1 FROM invitations WHERE email = $1 LIMIT 1`, email).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, apperr.Wrap(err, "look for invitations")
	}
	var n int64
	err = db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if _, err := c.exec(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at)
			SELECT workspace_id, $1, role, $2 FROM invitations WHERE email = $3
			ON CONFLICT (workspace_id, user_id) DO NOTHING`, userID, db.now(), email); err != nil {
			return apperr.Wrap(err, "join invited workspaces")
		}
		res, err := c.exec(ctx, `DELETE FROM invitations WHERE email = $1`, email)
		if err != nil {
			return apperr.Wrap(err, "delete claimed invitations")
		}
		n, err = res.RowsAffected()
		return apperr.Wrap(err, "delete claimed invitations")
	})
	return int(n), err
}

// CreateSession stores a session under its token's hash, if the user's
// password hash is still passwordHash when that is not empty (see
// account.Store). The password is read under a share lock on PostgreSQL:
// a password change in progress holds the user's row, and the session
// waits for it and then sees the new hash (or, stored first, is ended by
// the change's deletion of sessions). SQLite's one writer runs them in
// turn.
func (db *DB) CreateSession(ctx context.Context, tokenHash string, s account.Session, passwordHash string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if passwordHash != "" {
			q := `SELECT password_hash FROM users WHERE id = $1`
			if db.dialect == Postgres {
				q += ` FOR SHARE`
			}
			var now string
			err := c.queryRow(ctx, q, s.UserID).Scan(&now)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && now != passwordHash) {
				return apperr.New(apperr.Unauthorized, "error.signed_out", nil)
			}
			if err != nil {
				return apperr.Wrap(err, "read password")
			}
		}
		_, err := c.exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, ip, user_agent, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			tokenHash, s.UserID, s.CSRFToken, s.IP, s.UserAgent, db.accountTime(s.CreatedAt), db.accountTime(s.ExpiresAt))
		return apperr.Wrap(err, "create session")
	})
}

// SessionByHash returns the session with a token hash, expired or not: the
// service judges expiry. Returns apperr.NotFound if there is none.
func (db *DB) SessionByHash(ctx context.Context, tokenHash string) (account.Session, error) {
	var s account.Session
	err := db.reader().queryRow(ctx, `SELECT user_id, csrf_token, ip, user_agent, created_at, expires_at
		FROM sessions WHERE token_hash = $1`, tokenHash).
		Scan(&s.UserID, &s.CSRFToken, &s.IP, &s.UserAgent, &s.CreatedAt, &s.ExpiresAt)
	if err != nil {
		return account.Session{}, notFound(err, "session")
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return s, nil
}

// DeleteSession deletes a session. Deleting one that is gone is not an
// error: signing out twice leaves the browser signed out.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := db.writer().exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return apperr.Wrap(err, "delete session")
}

// SetPasswordHash replaces a user's password hash and deletes their
// sessions but the one stored under keepSession ("" keeps none), in one
// transaction: no browser signed in with the old password outlives the
// change. Returns apperr.NotFound if the user does not exist.
func (db *DB) SetPasswordHash(ctx context.Context, userID int64, passwordHash, keepSession string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		res, err := c.exec(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, passwordHash, db.now(), userID)
		if err := accountRowsOne(res, err, "set password", "user"); err != nil {
			return err
		}
		_, err = deleteSessionsOf(ctx, c, userID, keepSession)
		return err
	})
}

// DeleteSessionsOf deletes a user's sessions but the one stored under
// keepSession ("" keeps none), returning how many went.
func (db *DB) DeleteSessionsOf(ctx context.Context, userID int64, keepSession string) (int64, error) {
	return deleteSessionsOf(ctx, db.writer(), userID, keepSession)
}

func deleteSessionsOf(ctx context.Context, c conn, userID int64, keepSession string) (int64, error) {
	res, err := c.exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keepSession)
	if err != nil {
		return 0, apperr.Wrap(err, "delete sessions of user")
	}
	n, err := res.RowsAffected()
	return n, apperr.Wrap(err, "delete sessions of user")
}

const tokenColumns = `id, workspace_id, user_id, name, role, created_at, last_used_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (account.Token, error) {
	var t account.Token
	var role string
	var used, revoked sql.NullTime
	if err := row.Scan(&t.ID, &t.WorkspaceID, &t.UserID, &t.Name, &role, &t.CreatedAt, &used, &revoked); err != nil {
		return account.Token{}, err
	}
	t.Role = account.Role(role)
	t.CreatedAt = t.CreatedAt.UTC()
	t.LastUsedAt, t.RevokedAt = accountNullTime(used), accountNullTime(revoked)
	return t, nil
}

// CreateToken stores an API token under its hash and returns it with its id.
func (db *DB) CreateToken(ctx context.Context, t account.Token, tokenHash string) (account.Token, error) {
	t.CreatedAt = db.accountTime(t.CreatedAt)
	t.LastUsedAt, t.RevokedAt = nil, nil
	err := db.writer().queryRow(ctx, `INSERT INTO api_tokens (workspace_id, user_id, name, role, token_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		t.WorkspaceID, t.UserID, t.Name, string(t.Role), tokenHash, t.CreatedAt).Scan(&t.ID)
	if err != nil {
		return account.Token{}, apperr.Wrap(err, "create token")
	}
	return t, nil
}

// TokenByHash returns the token with a hash, revoked or not. Returns
// apperr.NotFound if there is none.
func (db *DB) TokenByHash(ctx context.Context, tokenHash string) (account.Token, error) {
	t, err := scanToken(db.reader().queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`, tokenHash))
	if err != nil {
		return account.Token{}, notFound(err, "token")
	}
	return t, nil
}

// Tokens lists a workspace's tokens, revoked ones included, oldest first.
func (db *DB) Tokens(ctx context.Context, workspaceID int64) ([]account.Token, error) {
	rows, err := db.reader().query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE workspace_id = $1 ORDER BY id`, workspaceID)
	if err != nil {
		return nil, apperr.Wrap(err, "list tokens")
	}
	defer rows.Close()
	var out []account.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "read token")
		}
		out = append(out, t)
	}
	return out, apperr.Wrap(rows.Err(), "list tokens")
}

// RevokeToken marks a workspace's token revoked at a time; revoking it
// again keeps the first time. Returns apperr.NotFound when the workspace
// has no such token.
func (db *DB) RevokeToken(ctx context.Context, workspaceID, id int64, at time.Time) error {
	res, err := db.writer().exec(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE workspace_id = $2 AND id = $3`,
		db.accountTime(at), workspaceID, id)
	return accountRowsOne(res, err, "revoke token", "token")
}

// TouchToken records when a token was last used. Returns apperr.NotFound
// if it does not exist.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	res, err := db.writer().exec(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, db.accountTime(at), id)
	return accountRowsOne(res, err, "touch token", "token")
}

// DateToken sets when a token was made and last used (nil: never): the
// demo's token is made when it loads but stands for one its team made
// weeks before. Returns apperr.NotFound if it does not exist.
func (db *DB) DateToken(ctx context.Context, id int64, created time.Time, lastUsed *time.Time) error {
	used := sql.NullTime{}
	if lastUsed != nil {
		used = sql.NullTime{Time: db.accountTime(*lastUsed), Valid: true}
	}
	res, err := db.writer().exec(ctx, `UPDATE api_tokens SET created_at = $1, last_used_at = $2 WHERE id = $3`, db.accountTime(created), used, id)
	return accountRowsOne(res, err, "date token", "token")
}

// AddAudit appends an audit entry; a zero workspace or user id is stored as
// none (instance-wide entries, deleted users).
func (db *DB) AddAudit(ctx context.Context, e account.AuditEntry) error {
	_, err := db.writer().exec(ctx, `INSERT INTO audit_log (workspace_id, user_id, actor, action, target, detail, ip, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		sql.NullInt64{Int64: e.WorkspaceID, Valid: e.WorkspaceID != 0}, sql.NullInt64{Int64: e.UserID, Valid: e.UserID != 0},
		e.Actor, e.Action, e.Target, e.Detail, e.IP, db.accountTime(e.CreatedAt))
	return apperr.Wrap(err, "add audit entry")
}

// Audit lists a workspace's entries newest first, at most limit (100 when
// limit is not positive), with ids below beforeID when it is not 0.
func (db *DB) Audit(ctx context.Context, workspaceID int64, limit int, beforeID int64) ([]account.AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rows, err := db.reader().query(ctx, `SELECT id, workspace_id, user_id, actor, action, target, detail, ip, created_at
		FROM audit_log WHERE workspace_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, workspaceID, beforeID, limit)
	if err != nil {
		return nil, apperr.Wrap(err, "list audit log")
	}
	defer rows.Close()
	var out []account.AuditEntry
	for rows.Next() {
		var e account.AuditEntry
		var ws, user sql.NullInt64
		if err := rows.Scan(&e.ID, &ws, &user, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.IP, &e.CreatedAt); err != nil {
			return nil, apperr.Wrap(err, "read audit entry")
		}
		e.WorkspaceID, e.UserID, e.CreatedAt = ws.Int64, user.Int64, e.CreatedAt.UTC()
		out = append(out, e)
	}
	return out, apperr.Wrap(rows.Err(), "list audit log")
}

// AddSignInFailures records a failed sign-in at a time under each key.
func (db *DB) AddSignInFailures(ctx context.Context, keys []string, at time.Time) error {
	at = db.accountTime(at)
	return db.InTx(ctx, func(tx *Tx) error {
		for _, k := range keys {
			if _, err := tx.conn().exec(ctx, `INSERT INTO sign_in_failures (key, at) VALUES ($1, $2)`, k, at); err != nil {
				return apperr.Wrap(err, "record failed sign-in")
			}
		}
		return nil
	})
}

// SignInFailures returns the times of key's failed sign-ins after since,
// newest first, at most limit.
func (db *DB) SignInFailures(ctx context.Context, key string, since time.Time, limit int) ([]time.Time, error) {
	rows, err := db.reader().query(ctx, `SELECT at FROM sign_in_failures WHERE key = $1 AND at > $2 ORDER BY at DESC LIMIT $3`,
		key, db.accountTime(since), limit)
	if err != nil {
		return nil, apperr.Wrap(err, "read failed sign-ins")
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, apperr.Wrap(err, "read failed sign-ins")
		}
		out = append(out, at.UTC())
	}
	return out, apperr.Wrap(rows.Err(), "read failed sign-ins")
}

// ClearSignInFailures forgets key's failed sign-ins.
func (db *DB) ClearSignInFailures(ctx context.Context, key string) error {
	_, err := db.writer().exec(ctx, `DELETE FROM sign_in_failures WHERE key = $1`, key)
	return apperr.Wrap(err, "clear failed sign-ins")
}

// ClearSignInFailuresWithPrefix forgets the failed sign-ins of every key
// that begins with prefix. It reads the whole table (no index serves a
// prefix under every PostgreSQL collation), which suits its one caller,
// an operator setting a password.
func (db *DB) ClearSignInFailuresWithPrefix(ctx context.Context, prefix string) error {
	if prefix == "" {
		return apperr.New(apperr.Invalid, "error.invalid", nil)
	}
	_, err := db.writer().exec(ctx, `DELETE FROM sign_in_failures WHERE substr(key, 1, $2) = $1`, prefix, len(prefix))
	return apperr.Wrap(err, "clear failed sign-ins")
}

// DeleteExpired deletes sessions that expired before now, tokens revoked
// before now and failed sign-ins older than account.FailureRetention,
// returning how many rows went. Each table goes CleanupBatch rows a
// statement: password guessing can leave any number of failures. They
// are picked by rowid on SQLite, since several may share a key and a
// time.
func (db *DB) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	now = db.accountTime(now)
	var total int64
	for _, d := range []struct {
		table, key, where string
		before            time.Time
	}{
		{"sessions", "token_hash", "expires_at < $1", now},
		{"api_tokens", "id", "revoked_at < $1", now},
		{"sign_in_failures", "rowid", "at < $1", now.Add(-account.FailureRetention)},
	} {
		n, err := db.deleteAll(ctx, d.table, d.key, d.where, d.before)
		total += n
		if err != nil {
			return total, apperr.Wrap(err, "delete expired")
		}
	}
	return total, nil
}

// Secret returns an instance secret. Returns apperr.NotFound if it is not
// set.
func (db *DB) Secret(ctx context.Context, name string) (string, error) {
	var v string
	if err := db.reader().queryRow(ctx, `SELECT value FROM instance_secrets WHERE name = $1`, name).Scan(&v); err != nil {
		return "", notFound(err, "secret")
	}
	return v, nil
}

// SetSecret sets an instance secret, replacing any earlier value.
func (db *DB) SetSecret(ctx context.Context, name, value string) error {
	_, err := db.writer().exec(ctx, `INSERT INTO instance_secrets (name, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at`,
		name, value, db.now())
	return apperr.Wrap(err, "set secret")
}

// KeepSecret returns an instance secret, storing candidate as it first
// when it is not set; every node that asks gets the value stored first.
func (db *DB) KeepSecret(ctx context.Context, name, candidate string) (string, error) {
	if _, err := db.writer().exec(ctx, `INSERT INTO instance_secrets (name, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, candidate, db.now()); err != nil {
		return "", apperr.Wrap(err, "keep secret")
	}
	var v string
	if err := db.writer().queryRow(ctx, `SELECT value FROM instance_secrets WHERE name = $1`, name).Scan(&v); err != nil {
		return "", apperr.Wrap(err, "read secret")
	}
	return v, nil
}

// DeleteSecret deletes an instance secret; deleting one that is not set is
// not an error.
func (db *DB) DeleteSecret(ctx context.Context, name string) error {
	_, err := db.writer().exec(ctx, `DELETE FROM instance_secrets WHERE name = $1`, name)
	return apperr.Wrap(err, "delete secret")
}

// CreateFirstOwner creates the first user (always an instance admin), a
// workspace they own, and deletes the setup secret, in one transaction. It
// returns apperr.Conflict when a user already exists or when the setup
// secret no longer equals setupHash; then nothing changes.
func (db *DB) CreateFirstOwner(ctx context.Context, setupHash string, u account.User, passwordHash string, w account.Workspace) (account.User, account.Workspace, error) {
	done := apperr.New(apperr.Conflict, "error.setup_done", nil)
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		// Deleting the secret first takes its row lock, so on PostgreSQL a
		// second, concurrent setup waits here and then finds it gone.
		res, err := c.exec(ctx, `DELETE FROM instance_secrets WHERE name = $1 AND value = $2`, setupSecretName, setupHash)
		if err != nil {
			return apperr.Wrap(err, "use setup secret")
		}
		if n, err := res.RowsAffected(); err != nil {
			return apperr.Wrap(err, "use setup secret")
		} else if n != 1 || setupHash == "" {
			return done
		}
		var users int
		if err := c.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&users); err != nil {
			return apperr.Wrap(err, "count users")
		}
		if users != 0 {
			return done
		}
		u.IsAdmin = true
		if u, err = db.insertUser(ctx, c, u, passwordHash); err != nil {
			return err
		}
		w, err = db.insertWorkspace(ctx, c, w, u.ID)
		return err
	})
	if err != nil {
		return account.User{}, account.Workspace{}, err
	}
	return u, w, nil
}
