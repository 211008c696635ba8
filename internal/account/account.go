// Package account holds users, workspaces, memberships and roles, sessions,
// API tokens and the audit log: who may act in which workspace, and what
// they did.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/currency"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// User is a person who signs in. An instance admin may act in every
// workspace as its owner.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	IsAdmin   bool      `json:"is_admin"`
	Locale    string    `json:"locale"`
	CreatedAt time.Time `json:"created_at"`
}

// Workspace is one brand; an agency runs many. Every row of every other
// table belongs to one.
type Workspace struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	TimeZone  string    `json:"time_zone"`
	Currency  string    `json:"currency"`
	CreatedAt time.Time `json:"created_at"`
}

// Defaults for a new workspace: the first users are Chinese brands.
const (
	DefaultTimeZone = "Asia/Shanghai"
	DefaultCurrency = "CNY"
)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

// Validate reports every field that is wrong.
func (w *Workspace) Validate() error {
	var fs apperr.Fields
	if !slugRE.MatchString(w.Slug) {
		fs.Add("slug", "error.slug")
	}
	if n := len([]rune(strings.TrimSpace(w.Name))); n == 0 {
		fs.Add("name", "error.required")
	} else if n > 100 {
		fs.Add("name", "error.too_long", "Max", 100)
	}
	// Any IANA zone, Asia/Kolkata's half hour and Asia/Kathmandu's 45
	// minutes too: figures kept by the UTC hour are read from the first
	// whole hour of each local day, and say so.
	if _, err := time.LoadLocation(w.TimeZone); err != nil || w.TimeZone == "" {
		fs.Add("time_zone", "error.time_zone", "Value", w.TimeZone)
	}
	if !ValidCurrency(w.Currency) {
		fs.Add("currency", "error.currency", "Value", w.Currency)
	}
	return fs.Err()
}

// ValidCurrency reports whether c is an ISO 4217 code in capitals, as
// amounts are stored with: three capitals alone let "XYZ" through.
func ValidCurrency(c string) bool {
	if len(c) != 3 || strings.ToUpper(c) != c {
		return false
	}
	_, err := currency.ParseISO(c)
	return err == nil
}

// Location is the workspace's time zone; reports, calendars and schedules
// use it at the edges. A zone that is not set or not known (Validate
// refuses both, so only rows stored around it have one) is the default
// one, as for a new workspace.
func (w *Workspace) Location() *time.Location {
	if w.TimeZone != "" {
		if loc, err := time.LoadLocation(w.TimeZone); err == nil {
			return loc
		}
	}
	loc, err := time.LoadLocation(DefaultTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Member is a user's membership of a workspace.
type Member struct {
	User User `json:"user"`
	Role Role `json:"role"`
}

// Invitation is an address asked into a workspace with a role. Its
// person joins when they next use Chorus with an account of that address
// (Service.Workspaces, Service.Enter); until then nobody in the workspace
// learns whether the address has an account.
type Invitation struct {
	Email     string    `json:"email"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// MemberWorkspace is a workspace as one user sees it, with their role.
type MemberWorkspace struct {
	Workspace Workspace `json:"workspace"`
	Role      Role      `json:"role"`
}

// Session is a signed-in browser. The cookie carries a random token; only
// its hash is stored.
type Session struct {
	UserID    int64
	CSRFToken string
	// IP is the network the browser signed in from (KeptNetwork).
	IP        string
	UserAgent string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Token is an API token: named, scoped to one workspace and a role, stored
// hashed and shown once.
type Token struct {
	ID          int64      `json:"id"`
	WorkspaceID int64      `json:"workspace_id"`
	UserID      int64      `json:"user_id"`
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// AuditEntry records who changed what, when and from where: IP is the
// client's network (KeptNetwork, "203.0.113.0/24"), never its address.
type AuditEntry struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"workspace_id,omitempty"`
	UserID      int64     `json:"user_id,omitempty"`
	Actor       string    `json:"actor"`
	Action      string    `json:"action"`
	Target      string    `json:"target" doc:"The path changed, or for a change of members the address it was for"`
	Detail      string    `json:"detail,omitempty" doc:"What the change did, when its operation may do several things: adding a member says invited, added or role_changed"`
	IP          string    `json:"ip" doc:"The network the change came from, an IPv4 /24 or an IPv6 /48 such as 203.0.113.0/24; never the client's address"`
	CreatedAt   time.Time `json:"created_at"`
}

// Store keeps accounts. Methods return apperr.NotFound for missing rows
// and apperr.Conflict for taken unique values (e-mail, slug).
type Store interface {
	CountUsers(ctx context.Context) (int, error)
	CreateUser(ctx context.Context, u User, passwordHash string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, string, error)
	UserByID(ctx context.Context, id int64) (User, error)
	SetUserLocale(ctx context.Context, id int64, locale string) error

	// CreateWorkspace creates w and makes ownerID its owner, atomically.
	CreateWorkspace(ctx context.Context, w Workspace, ownerID int64) (Workspace, error)
	// UpdateWorkspace changes a workspace's name, time zone and currency,
	// the currency only while MoneyRecorded is false, checked as it
	// changes: apperr.Conflict when amounts keep it.
	UpdateWorkspace(ctx context.Context, w Workspace) error
	// MoneyRecorded reports whether the workspace holds amounts in its
	// currency: a purchase's value or a campaign (its budget).
	MoneyRecorded(ctx context.Context, workspaceID int64) (bool, error)
	WorkspaceBySlug(ctx context.Context, slug string) (Workspace, error)
	WorkspacesOf(ctx context.Context, userID int64) ([]MemberWorkspace, error)
	AllWorkspaces(ctx context.Context) ([]Workspace, error)
	MemberRole(ctx context.Context, workspaceID, userID int64) (Role, error)
	PutMember(ctx context.Context, workspaceID, userID int64, role Role) error
	RemoveMember(ctx context.Context, workspaceID, userID int64, now time.Time) error
	Members(ctx context.Context, workspaceID int64) ([]Member, error)

	// PutInvitation invites an address into a workspace, or changes the
	// role of its invitation.
	PutInvitation(ctx context.Context, workspaceID int64, inv Invitation) error
	// Invitations lists a workspace's invitations by address.
	Invitations(ctx context.Context, workspaceID int64) ([]Invitation, error)
	// DeleteInvitation withdraws an invitation. Returns apperr.NotFound
	// when the workspace has none for email.
	DeleteInvitation(ctx context.Context, workspaceID int64, email string) error
	// ClaimInvitations makes the user a member of every workspace that
	// invited email, with the invitation's role (a member keeps theirs),
	// and deletes those invitations, atomically; it returns how many there
	// were.
	ClaimInvitations(ctx context.Context, userID int64, email string) (int, error)

	// CreateSession stores a session under its token's hash. passwordHash,
	// when not empty, is the hash the user's password was checked against:
	// the session is stored only if it is still the user's (apperr.
	// Unauthorized otherwise), in one step with that check, so that a
	// sign-in checked just before a password change cannot outlive it.
	CreateSession(ctx context.Context, tokenHash string, s Session, passwordHash string) error
	SessionByHash(ctx context.Context, tokenHash string) (Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteSessionsOf deletes a user's sessions but the one stored under
	// keepSession ("" keeps none), returning how many went.
	DeleteSessionsOf(ctx context.Context, userID int64, keepSession string) (int64, error)
	// SetPasswordHash replaces a user's password hash and deletes their
	// sessions but the one under keepSession ("" keeps none), atomically.
	// Returns apperr.NotFound if the user does not exist.
	SetPasswordHash(ctx context.Context, userID int64, passwordHash, keepSession string) error

	CreateToken(ctx context.Context, t Token, tokenHash string) (Token, error)
	TokenByHash(ctx context.Context, tokenHash string) (Token, error)
	Tokens(ctx context.Context, workspaceID int64) ([]Token, error)
	RevokeToken(ctx context.Context, workspaceID, id int64, at time.Time) error
	TouchToken(ctx context.Context, id int64, at time.Time) error

	AddAudit(ctx context.Context, e AuditEntry) error
	// Audit lists a workspace's entries newest first, with ids below
	// beforeID when it is not 0.
	Audit(ctx context.Context, workspaceID int64, limit int, beforeID int64) ([]AuditEntry, error)

	// DeleteExpired deletes sessions that expired before now, tokens
	// revoked before now and failed sign-ins older than
	// FailureRetention, returning how many rows went.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)

	FailureStore

	// Secret, SetSecret and DeleteSecret keep instance-wide values such as
	// the one-time setup token's hash.
	Secret(ctx context.Context, name string) (string, error)
	SetSecret(ctx context.Context, name, value string) error
	DeleteSecret(ctx context.Context, name string) error

	// CreateFirstOwner creates the first user (an instance admin), a
	// workspace they own, and deletes the setup secret, in one transaction;
	// it returns apperr.Conflict when a user already exists or when the
	// setup secret no longer equals setupHash.
	CreateFirstOwner(ctx context.Context, setupHash string, u User, passwordHash string, w Workspace) (User, Workspace, error)
}

// newToken returns a random token with a prefix that says what it is, and
// the hash that is stored instead of it.
func newToken(prefix string) (plain, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	plain = prefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, HashToken(plain)
}

// NewRandomToken returns a random URL-safe token and its hash, for
// callers that keep their own (the web layer's pre-sign-in CSRF cookie).
func NewRandomToken() (plain, hash string) { return newToken("") }

// HashToken returns the stored form of a session, API or setup token. The
// tokens are long and random, so a plain SHA-256 is enough.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// maxEmail is the longest address an account may have (RFC 5321's path).
const maxEmail = 254

// NormalEmail is email as members and invitations are matched by it, for
// naming them in the audit log.
func NormalEmail(email string) string {
	e, _ := normalizeEmail(email)
	return e
}

// normalizeEmail lower-cases and trims an address and checks its form.
func normalizeEmail(email string) (string, bool) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > maxEmail {
		return email, false
	}
	return email, true
}
