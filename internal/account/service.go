package account

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// SessionTTL is how long a browser stays signed in without signing in again.
const SessionTTL = 14 * 24 * time.Hour

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

const setupSecret = "setup_token"

// Service holds the rules of accounts.
type Service struct {
	store    Store
	throttle *Throttle
	now      func() time.Time
}

// NewService returns a service over store; the throttle limits failed
// sign-ins (ThrottleLimits).
func NewService(store Store, throttle *Throttle) *Service {
	return &Service{store: store, throttle: throttle, now: time.Now}
}

// Principal is who acts in a request: a user, in a workspace with a role,
// through a session or an API token.
type Principal struct {
	User      User
	Workspace Workspace
	Role      Role
	TokenID   int64
}

// Can reports whether the principal's role allows p.
func (p Principal) Can(p2 Permission) bool { return p.Role.Can(p2) }

// Require returns apperr.Forbidden unless the principal's role allows p.
func (p Principal) Require(perm Permission) error {
	if p.Role.Can(perm) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "error.forbidden", map[string]any{"Permission": string(perm)})
}

// Actor names the principal in the audit log.
func (p Principal) Actor() string {
	if p.TokenID != 0 {
		return p.User.Email + " (token)"
	}
	return p.User.Email
}

// validatePassword checks a new password, given in field.
func validatePassword(fs *apperr.Fields, field, password string) {
	if len([]rune(password)) < MinPasswordLength {
		fs.Add(field, "error.password_short", "Min", MinPasswordLength)
	} else if len(password) > 512 {
		fs.Add(field, "error.too_long", "Max", 512)
	}
}

// CreateUser creates a user. Returns apperr.Invalid for a bad e-mail or a
// short password and apperr.Conflict when the e-mail is taken.
func (s *Service) CreateUser(ctx context.Context, email, name, password string, admin bool) (User, error) {
	var fs apperr.Fields
	email, ok := normalizeEmail(email)
	if !ok {
		fs.Add("email", "error.email")
	}
	validatePassword(&fs, "password", password)
	if len([]rune(name)) > 100 {
		fs.Add("name", "error.too_long", "Max", 100)
	}
	if err := fs.Err(); err != nil {
		return User{}, err
	}
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	return s.store.CreateUser(ctx, User{Email: email, Name: name, IsAdmin: admin}, HashPassword(password))
}

// UserByEmail finds a user; apperr.NotFound when there is none.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	email, _ = normalizeEmail(email)
	u, _, err := s.store.UserByEmail(ctx, email)
	return u, err
}

// WorkspaceBySlug finds a workspace for trusted callers (the command line,
// the demo loader); requests go through Enter, which checks membership.
func (s *Service) WorkspaceBySlug(ctx context.Context, slug string) (Workspace, error) {
	return s.store.WorkspaceBySlug(ctx, slug)
}

// Authenticate checks an e-mail and password. Failures are throttled per
// account at a network, per network and per account (ThrottleLimits):
// apperr.TooMany says how many minutes to wait. A good password clears
// the failures on the account from the client's network only. A wrong
// e-mail and a wrong password give the same apperr.Unauthorized.
func (s *Service) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	u, _, err := s.authenticate(ctx, email, password, ip)
	return u, err
}

// authenticate is Authenticate, also returning the password hash the
// password was checked against.
func (s *Service) authenticate(ctx context.Context, email, password, ip string) (User, string, error) {
	email, _ = normalizeEmail(email)
	wait, err := s.throttle.Wait(ctx, ip, email)
	if err != nil {
		return User{}, "", err
	}
	if wait > 0 {
		return User{}, "", apperr.New(apperr.TooMany, "error.login_throttled", map[string]any{"Minutes": int(wait.Minutes()) + 1})
	}
	u, hash, err := s.store.UserByEmail(ctx, email)
	if apperr.Is(err, apperr.NotFound) {
		// Spend the same time as a real check, so timing does not tell
		// which e-mails exist.
		CheckPassword(dummyHash, password)
		return User{}, "", s.failed(ctx, ip, email)
	}
	if err != nil {
		return User{}, "", err
	}
	if !CheckPassword(hash, password) {
		return User{}, "", s.failed(ctx, ip, email)
	}
	if err := s.throttle.Succeed(ctx, ip, email); err != nil {
		return User{}, "", err
	}
	return u, hash, nil
}

// SignIn checks an e-mail and password as Authenticate does, makes the
// user a member of the workspaces that invited them, and starts a
// session for the user. The session is stored only if the password is
// still the one checked: checking takes tens of milliseconds, and a
// password changed meanwhile ends every other session, which this one
// must not escape. Errors are Authenticate's.
func (s *Service) SignIn(ctx context.Context, email, password, ip, userAgent string) (User, string, Session, error) {
	u, hash, err := s.authenticate(ctx, email, password, ip)
	if err != nil {
		return User{}, "", Session{}, err
	}
	// Invited, the user joins on signing in.
	if _, err := s.store.ClaimInvitations(ctx, u.ID, u.Email); err != nil {
		return User{}, "", Session{}, err
	}
	token, sess, err := s.startSession(ctx, u.ID, ip, userAgent, hash)
	if apperr.Is(err, apperr.Unauthorized) {
		err = apperr.New(apperr.Unauthorized, "error.login_failed", nil)
	}
	return u, token, sess, err
}

// failed records a failed sign-in and returns the error that says so.
func (s *Service) failed(ctx context.Context, ip, email string) error {
	if err := s.throttle.Fail(ctx, ip, email); err != nil {
		return err
	}
	return apperr.New(apperr.Unauthorized, "error.login_failed", nil)
}

var dummyHash = HashPassword("not a real password, only spends time")

// StartSession signs a user in: it returns the cookie token and the session.
func (s *Service) StartSession(ctx context.Context, userID int64, ip, userAgent string) (string, Session, error) {
	return s.startSession(ctx, userID, ip, userAgent, "")
}

// startSession is StartSession, the session stored only while the user's
// password hash is passwordHash when that is not empty.
func (s *Service) startSession(ctx context.Context, userID int64, ip, userAgent, passwordHash string) (string, Session, error) {
	plain, hash := newToken("")
	csrf, _ := newToken("")
	now := s.now().UTC()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	// Cutting may split a character, and a header may carry any bytes;
	// PostgreSQL refuses invalid UTF-8 in text.
	userAgent = strings.ToValidUTF8(userAgent, "")
	sess := Session{UserID: userID, CSRFToken: csrf, IP: KeptNetwork(ip), UserAgent: userAgent, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := s.store.CreateSession(ctx, hash, sess, passwordHash); err != nil {
		return "", Session{}, err
	}
	return plain, sess, nil
}

// SessionUser returns the user and session of a cookie token; apperr.
// Unauthorized when it is unknown or expired.
func (s *Service) SessionUser(ctx context.Context, token string) (User, Session, error) {
	unauth := apperr.New(apperr.Unauthorized, "error.signed_out", nil)
	if token == "" || len(token) > 100 {
		return User{}, Session{}, unauth
	}
	sess, err := s.store.SessionByHash(ctx, HashToken(token))
	if apperr.Is(err, apperr.NotFound) || (err == nil && !s.now().Before(sess.ExpiresAt)) {
		return User{}, Session{}, unauth
	}
	if err != nil {
		return User{}, Session{}, err
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if apperr.Is(err, apperr.NotFound) {
		return User{}, Session{}, unauth
	}
	return u, sess, err
}

// EndSession signs a browser out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, HashToken(token))
}

// ChangePassword sets the user's password to next once current proves it
// is them, and ends every other session of theirs, so that whoever learnt
// the old password, or signed in with it, is out. sessionToken is the
// cookie of the browser that asks; it stays signed in. A wrong current
// password counts as a failed sign-in (Authenticate) and is
// apperr.Invalid on field current_password, beside any fault of next on
// field new_password; while failures are throttled it is apperr.TooMany
// on current_password.
func (s *Service) ChangePassword(ctx context.Context, u User, current, next, sessionToken, ip string) error {
	var fs apperr.Fields
	_, err := s.Authenticate(ctx, u.Email, current, ip)
	switch {
	case apperr.Is(err, apperr.Unauthorized):
		fs.Add("current_password", "error.current_password")
	case apperr.Is(err, apperr.TooMany):
		var ae *apperr.Error
		errors.As(err, &ae)
		throttled := *ae
		throttled.Fields = []apperr.FieldError{{Field: "current_password", Key: ae.Key, Args: ae.Args}}
		return &throttled
	case err != nil:
		return err
	}
	validatePassword(&fs, "new_password", next)
	if err := fs.Err(); err != nil {
		return err
	}
	return s.store.SetPasswordHash(ctx, u.ID, HashPassword(next), HashToken(sessionToken))
}

// EndOtherSessions signs the user out of every browser but the one whose
// cookie is sessionToken.
func (s *Service) EndOtherSessions(ctx context.Context, userID int64, sessionToken string) error {
	_, err := s.store.DeleteSessionsOf(ctx, userID, HashToken(sessionToken))
	return err
}

// ResetPassword sets the password of the user with email, for an operator
// whose user forgot theirs: it ends all the user's sessions and forgets
// their failed sign-ins, so that they may sign in with it at once. Returns
// apperr.Invalid for a password the rules of CreateUser refuse and
// apperr.NotFound (error.no_such_user) when there is no such user.
func (s *Service) ResetPassword(ctx context.Context, email, password string) (User, error) {
	var fs apperr.Fields
	validatePassword(&fs, "password", password)
	if err := fs.Err(); err != nil {
		return User{}, err
	}
	email, _ = normalizeEmail(email)
	u, _, err := s.store.UserByEmail(ctx, email)
	if apperr.Is(err, apperr.NotFound) {
		return User{}, apperr.New(apperr.NotFound, "error.no_such_user", map[string]any{"Email": email})
	}
	if err != nil {
		return User{}, err
	}
	if err := s.store.SetPasswordHash(ctx, u.ID, HashPassword(password), ""); err != nil {
		return User{}, err
	}
	return u, s.throttle.Forget(ctx, email)
}

// SetLocale remembers the user's language.
func (s *Service) SetLocale(ctx context.Context, userID int64, locale string) error {
	return s.store.SetUserLocale(ctx, userID, locale)
}

// CreateWorkspace creates a workspace owned by ownerEmail's user.
func (s *Service) CreateWorkspace(ctx context.Context, w Workspace, ownerEmail string) (Workspace, error) {
	w = withDefaults(w)
	if err := w.Validate(); err != nil {
		return Workspace{}, err
	}
	email, _ := normalizeEmail(ownerEmail)
	owner, _, err := s.store.UserByEmail(ctx, email)
	if apperr.Is(err, apperr.NotFound) {
		return Workspace{}, apperr.New(apperr.NotFound, "error.no_such_user", map[string]any{"Email": ownerEmail})
	}
	if err != nil {
		return Workspace{}, err
	}
	return s.store.CreateWorkspace(ctx, w, owner.ID)
}

func withDefaults(w Workspace) Workspace {
	w.Slug = strings.ToLower(strings.TrimSpace(w.Slug))
	w.Name = strings.TrimSpace(w.Name)
	if w.TimeZone == "" {
		w.TimeZone = DefaultTimeZone
	}
	if w.Currency == "" {
		w.Currency = DefaultCurrency
	}
	return w
}

// UpdateWorkspace changes the principal's workspace's name, time zone and
// currency; the currency only while no amount is recorded in the old one.
// The slug stays, since links and tokens name it; a zone or currency left
// empty stays too: the defaults are a new workspace's.
func (s *Service) UpdateWorkspace(ctx context.Context, p Principal, w Workspace) (Workspace, error) {
	w, err := workspaceChange(p, w)
	if err != nil {
		return Workspace{}, err
	}
	err = s.store.UpdateWorkspace(ctx, w)
	if apperr.Is(err, apperr.Conflict) {
		return Workspace{}, currencyInUse(p)
	}
	if err != nil {
		return Workspace{}, err
	}
	return w, nil
}

// CheckWorkspace returns the error UpdateWorkspace would refuse w with,
// and stores nothing, for a caller that must write something before a
// change only if the change is saved. An amount recorded after the check
// still keeps the currency: UpdateWorkspace looks again as it writes.
func (s *Service) CheckWorkspace(ctx context.Context, p Principal, w Workspace) error {
	w, err := workspaceChange(p, w)
	if err != nil || w.Currency == p.Workspace.Currency {
		return err
	}
	money, err := s.CurrencyInUse(ctx, p)
	if err != nil {
		return err
	}
	if money {
		return currencyInUse(p)
	}
	return nil
}

// workspaceChange is w as UpdateWorkspace stores it in the principal's
// workspace, or the reason it may not, but for amounts in its currency.
func workspaceChange(p Principal, w Workspace) (Workspace, error) {
	if err := p.Require(EditWorkspace); err != nil {
		return Workspace{}, err
	}
	w.ID, w.Slug, w.CreatedAt = p.Workspace.ID, p.Workspace.Slug, p.Workspace.CreatedAt
	w.TimeZone, w.Currency = cmp.Or(w.TimeZone, p.Workspace.TimeZone), cmp.Or(w.Currency, p.Workspace.Currency)
	w = withDefaults(w)
	check := w
	if w.Currency == p.Workspace.Currency {
		// A code stored before codes were checked against ISO 4217 stays
		// as it is: amounts may be recorded in it, and the workspace's
		// name and zone remain editable.
		check.Currency = DefaultCurrency
	}
	if err := check.Validate(); err != nil {
		return Workspace{}, err
	}
	return w, nil
}

// currencyInUse is the refusal of a new currency for the principal's
// workspace, whose amounts are stored without converting them: another
// currency would add yuan to dollars in revenue and budgets.
func currencyInUse(p Principal) error {
	return apperr.Field("currency", "error.currency_in_use", "Currency", p.Workspace.Currency)
}

// CurrencyInUse reports whether amounts are recorded in the principal's
// workspace's currency (a purchase's value, a campaign's budget), which
// then cannot change: Chorus converts no amounts.
func (s *Service) CurrencyInUse(ctx context.Context, p Principal) (bool, error) {
	return s.store.MoneyRecorded(ctx, p.Workspace.ID)
}

// Workspaces lists the workspaces a user may enter: an admin's are all,
// as owner. Anyone else first joins the workspaces that invited them.
func (s *Service) Workspaces(ctx context.Context, u User) ([]MemberWorkspace, error) {
	if !u.IsAdmin {
		if _, err := s.store.ClaimInvitations(ctx, u.ID, u.Email); err != nil {
			return nil, err
		}
		return s.store.WorkspacesOf(ctx, u.ID)
	}
	all, err := s.store.AllWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MemberWorkspace, len(all))
	for i, w := range all {
		out[i] = MemberWorkspace{Workspace: w, Role: Owner}
	}
	return out, nil
}

// Enter resolves the principal of user u in workspace slug. A user who is
// neither a member nor an admin gets apperr.NotFound, so that other
// workspaces' existence does not leak.
func (s *Service) Enter(ctx context.Context, u User, slug string) (Principal, error) {
	w, err := s.store.WorkspaceBySlug(ctx, slug)
	if err != nil {
		return Principal{}, err
	}
	if u.IsAdmin {
		// Also where a workspace's owner made the admin a member with a
		// smaller role, which would otherwise lock the admin out of
		// managing that workspace while the workspace list says owner.
		return Principal{User: u, Workspace: w, Role: Owner}, nil
	}
	role, err := s.store.MemberRole(ctx, w.ID, u.ID)
	if apperr.Is(err, apperr.NotFound) {
		// Invited, the user joins on coming in. The role is read again
		// even when this call claimed nothing: another request of the
		// user's (a second tab, the workspace list) may have claimed the
		// invitation since the role was read.
		if _, err = s.store.ClaimInvitations(ctx, u.ID, u.Email); err == nil {
			role, err = s.store.MemberRole(ctx, w.ID, u.ID)
		}
	}
	if apperr.Is(err, apperr.NotFound) {
		return Principal{}, apperr.NotFoundf("workspace")
	}
	if err != nil {
		return Principal{}, err
	}
	return Principal{User: u, Workspace: w, Role: role}, nil
}

// MemberChange is what AddMember did: its values are stable words, kept
// in the audit log.
type MemberChange string

// What AddMember may do.
const (
	MemberInvited MemberChange = "invited"      // an Invitation, for anyone not a member
	MemberAdded   MemberChange = "added"        // an operator's, at once
	RoleChanged   MemberChange = "role_changed" // a member's
)

// AddMember gives the address email a role in the principal's workspace.
// A member's role changes at once. Anyone else is invited (Invitation),
// whether the address has an account or not, and joins when they next
// use Chorus: the answer, and the members and invitations listed, are
// the same either way, so that a workspace's admin cannot learn which
// addresses have accounts on the instance by adding them. An operator
// (an instance admin), who knows every account, adds a user at once, and
// an address without one is apperr.Invalid (error.no_such_user) for them.
// The role must be one the principal may grant (Role.GrantableBy), and so
// must the member's or invitation's present role: an admin changes no
// owner. The last owner stays an owner. The answer says which of the
// three it did; it is the same for an address with an account and one
// without.
func (s *Service) AddMember(ctx context.Context, p Principal, email string, role Role) (MemberChange, error) {
	if err := p.Require(ManageMembers); err != nil {
		return "", err
	}
	if !role.Valid() {
		return "", apperr.Field("role", "error.role")
	}
	if !role.GrantableBy(p.Role) {
		return "", apperr.Field("role", "error.role_above_own", "Role", string(p.Role))
	}
	email, ok := normalizeEmail(email)
	if email == "" {
		return "", apperr.Field("email", "error.required")
	}
	members, err := s.store.Members(ctx, p.Workspace.ID)
	if err != nil {
		return "", err
	}
	for _, m := range members {
		if m.User.Email == email {
			if err := s.mayChangeMember(ctx, p, m.User.ID, role == Owner); err != nil {
				return "", err
			}
			return RoleChanged, s.store.PutMember(ctx, p.Workspace.ID, m.User.ID, role)
		}
	}
	if p.User.IsAdmin {
		u, _, err := s.store.UserByEmail(ctx, email)
		if apperr.Is(err, apperr.NotFound) {
			return "", apperr.Field("email", "error.no_such_user", "Email", email)
		}
		if err != nil {
			return "", err
		}
		return MemberAdded, s.store.PutMember(ctx, p.Workspace.ID, u.ID, role)
	}
	if !ok {
		return "", apperr.Field("email", "error.email")
	}
	invs, err := s.store.Invitations(ctx, p.Workspace.ID)
	if err != nil {
		return "", err
	}
	for _, inv := range invs {
		if inv.Email == email && !inv.Role.GrantableBy(p.Role) {
			return "", apperr.New(apperr.Forbidden, "error.member_above_own", map[string]any{"Role": string(inv.Role)})
		}
	}
	return MemberInvited, s.store.PutInvitation(ctx, p.Workspace.ID, Invitation{Email: email, Role: role, CreatedAt: s.now().UTC()})
}

// Invitations lists the principal's workspace's invitations, for those
// who manage its members: whom they invited is theirs to see.
func (s *Service) Invitations(ctx context.Context, p Principal) ([]Invitation, error) {
	if err := p.Require(ManageMembers); err != nil {
		return nil, err
	}
	return s.store.Invitations(ctx, p.Workspace.ID)
}

// CancelInvitation withdraws the invitation of email into the principal's
// workspace; the rules of AddMember apply. Returns apperr.NotFound when
// there is none.
func (s *Service) CancelInvitation(ctx context.Context, p Principal, email string) error {
	if err := p.Require(ManageMembers); err != nil {
		return err
	}
	email, _ = normalizeEmail(email)
	invs, err := s.store.Invitations(ctx, p.Workspace.ID)
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if inv.Email == email {
			if !inv.Role.GrantableBy(p.Role) {
				return apperr.New(apperr.Forbidden, "error.member_above_own", map[string]any{"Role": string(inv.Role)})
			}
			return s.store.DeleteInvitation(ctx, p.Workspace.ID, email)
		}
	}
	return apperr.NotFoundf("invitation")
}

// RemoveMember takes a user out of the principal's workspace and revokes
// their tokens in it. The rules of AddMember apply.
func (s *Service) RemoveMember(ctx context.Context, p Principal, userID int64) error {
	if err := p.Require(ManageMembers); err != nil {
		return err
	}
	if err := s.mayChangeMember(ctx, p, userID, false); err != nil {
		return err
	}
	return s.store.RemoveMember(ctx, p.Workspace.ID, userID, s.now().UTC())
}

// mayChangeMember checks that the principal may change the member's role
// (GrantableBy) and, unless the member stays an owner, that another owner
// is left. Returns apperr.NotFound when userID is no member.
func (s *Service) mayChangeMember(ctx context.Context, p Principal, userID int64, staysOwner bool) error {
	members, err := s.store.Members(ctx, p.Workspace.ID)
	if err != nil {
		return err
	}
	owners, target := 0, Role("")
	for _, m := range members {
		if m.Role == Owner {
			owners++
		}
		if m.User.ID == userID {
			target = m.Role
		}
	}
	switch {
	case target == "":
		return apperr.NotFoundf("member")
	case !target.GrantableBy(p.Role):
		return apperr.New(apperr.Forbidden, "error.member_above_own", map[string]any{"Role": string(target)})
	case target == Owner && !staysOwner && owners == 1:
		return apperr.New(apperr.Conflict, "error.last_owner", nil)
	}
	return nil
}

// Members lists the principal's workspace's members.
func (s *Service) Members(ctx context.Context, p Principal) ([]Member, error) {
	return s.store.Members(ctx, p.Workspace.ID)
}

// CreateToken makes a new API token for user email in workspace slug, with
// role (their own role when empty, never more). The plain token is
// returned once and never stored. Returns apperr.NotFound when the user is
// neither a member of the workspace nor an admin.
func (s *Service) CreateToken(ctx context.Context, email, slug string, role Role, name string) (string, Token, error) {
	email, _ = normalizeEmail(email)
	u, _, err := s.store.UserByEmail(ctx, email)
	if apperr.Is(err, apperr.NotFound) {
		return "", Token{}, apperr.New(apperr.NotFound, "error.no_such_user", map[string]any{"Email": email})
	}
	if err != nil {
		return "", Token{}, err
	}
	p, err := s.Enter(ctx, u, slug)
	if err != nil {
		return "", Token{}, err
	}
	return s.NewToken(ctx, p, role, name)
}

// NewToken makes a token for the principal's user in its workspace; see
// CreateToken. A principal acting through a token makes none: a leaked
// token must not outlive its revocation in tokens it made.
func (s *Service) NewToken(ctx context.Context, p Principal, role Role, name string) (string, Token, error) {
	if err := p.Require(ManageTokens); err != nil {
		return "", Token{}, err
	}
	if p.TokenID != 0 {
		return "", Token{}, apperr.New(apperr.Forbidden, "error.token_by_token", nil)
	}
	var fs apperr.Fields
	if role == "" {
		role = p.Role
	}
	if !role.Valid() {
		fs.Add("role", "error.role")
	} else if !role.GrantableBy(p.Role) {
		fs.Add("role", "error.role_above_own", "Role", string(p.Role))
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "api"
	}
	if len([]rune(name)) > 100 {
		fs.Add("name", "error.too_long", "Max", 100)
	}
	if err := fs.Err(); err != nil {
		return "", Token{}, err
	}
	plain, hash := newToken("chorus_")
	t, err := s.store.CreateToken(ctx, Token{WorkspaceID: p.Workspace.ID, UserID: p.User.ID, Name: name, Role: role, CreatedAt: s.now().UTC()}, hash)
	return plain, t, err
}

// Tokens lists the principal's workspace's tokens; members without
// ManageMembers see only their own.
func (s *Service) Tokens(ctx context.Context, p Principal) ([]Token, error) {
	all, err := s.store.Tokens(ctx, p.Workspace.ID)
	if err != nil || p.Can(ManageMembers) {
		return all, err
	}
	var own []Token
	for _, t := range all {
		if t.UserID == p.User.ID {
			own = append(own, t)
		}
	}
	return own, nil
}

// RevokeToken revokes a token of the principal's workspace: one's own, or
// anyone's with ManageMembers.
func (s *Service) RevokeToken(ctx context.Context, p Principal, id int64) error {
	tokens, err := s.Tokens(ctx, p)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if t.ID == id {
			return s.store.RevokeToken(ctx, p.Workspace.ID, id, s.now().UTC())
		}
	}
	return apperr.NotFoundf("token")
}

// TokenPrincipal resolves a bearer token. Unknown and revoked tokens, and
// tokens whose user has left the workspace, are apperr.Unauthorized.
func (s *Service) TokenPrincipal(ctx context.Context, plain string) (Principal, error) {
	unauth := apperr.New(apperr.Unauthorized, "error.bad_token", nil)
	if !strings.HasPrefix(plain, "chorus_") || len(plain) > 100 {
		return Principal{}, unauth
	}
	t, err := s.store.TokenByHash(ctx, HashToken(plain))
	if apperr.Is(err, apperr.NotFound) || (err == nil && t.RevokedAt != nil) {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, err
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	if err != nil {
		return Principal{}, unauth
	}
	ws, err := s.workspaceByID(ctx, u, t.WorkspaceID)
	if err != nil {
		return Principal{}, unauth
	}
	p, err := s.Enter(ctx, u, ws.Slug)
	if err != nil {
		return Principal{}, unauth
	}
	// A token never has more power than its user has now: it acts with
	// its own role while its user could still grant it, with the user's
	// when the user now has less, and not at all when neither holds the
	// other (a user moved from agent to analyst keeps no reply token).
	switch {
	case t.Role.GrantableBy(p.Role):
		p.Role = t.Role
	case !p.Role.GrantableBy(t.Role):
		return Principal{}, unauth
	}
	p.TokenID = t.ID
	now := s.now().UTC()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			return Principal{}, err
		}
	}
	return p, nil
}

func (s *Service) workspaceByID(ctx context.Context, u User, id int64) (Workspace, error) {
	ws, err := s.Workspaces(ctx, u)
	if err != nil {
		return Workspace{}, err
	}
	for _, mw := range ws {
		if mw.Workspace.ID == id {
			return mw.Workspace, nil
		}
	}
	return Workspace{}, apperr.NotFoundf("workspace")
}

// Record adds an audit entry for the principal's workspace, made from the
// client address ip, of which it keeps the network (KeptNetwork).
func (s *Service) Record(ctx context.Context, p Principal, action, target, detail, ip string) error {
	return s.store.AddAudit(ctx, AuditEntry{
		WorkspaceID: p.Workspace.ID, UserID: p.User.ID, Actor: p.Actor(),
		Action: action, Target: target, Detail: detail, IP: KeptNetwork(ip), CreatedAt: s.now().UTC(),
	})
}

// Audit lists the principal's workspace's audit log, newest first.
func (s *Service) Audit(ctx context.Context, p Principal, limit int, beforeID int64) ([]AuditEntry, error) {
	if err := p.Require(ReadAudit); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.store.Audit(ctx, p.Workspace.ID, limit, beforeID)
}

// CleanupExpired deletes expired sessions and revoked tokens; the periodic
// cleanup job calls it.
func (s *Service) CleanupExpired(ctx context.Context, now time.Time) (int64, error) {
	return s.store.DeleteExpired(ctx, now.UTC())
}

// NeedsSetup reports whether no user exists yet, so the first-run page is
// offered.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	return n == 0, err
}

// NewSetupToken makes the one-time token that the first-run link carries,
// replacing any earlier one. It returns "" when users already exist.
func (s *Service) NewSetupToken(ctx context.Context) (string, error) {
	need, err := s.NeedsSetup(ctx)
	if err != nil || !need {
		return "", err
	}
	plain, hash := newToken("")
	return plain, s.store.SetSecret(ctx, setupSecret, hash)
}

// CheckSetupToken reports whether token is the current setup token.
func (s *Service) CheckSetupToken(ctx context.Context, token string) bool {
	want, err := s.store.Secret(ctx, setupSecret)
	return err == nil && token != "" && subtle.ConstantTimeCompare([]byte(want), []byte(HashToken(token))) == 1
}

// Setup creates the first user, an instance admin, and their first
// workspace. It works once, with the setup token.
func (s *Service) Setup(ctx context.Context, token, email, name, password string, w Workspace) (User, Workspace, error) {
	if !s.CheckSetupToken(ctx, token) {
		return User{}, Workspace{}, apperr.New(apperr.Forbidden, "error.setup_token", nil)
	}
	var fs apperr.Fields
	email, ok := normalizeEmail(email)
	if !ok {
		fs.Add("email", "error.email")
	}
	validatePassword(&fs, "password", password)
	w = withDefaults(w)
	fs.Nest("workspace.", w.Validate())
	if err := fs.Err(); err != nil {
		return User{}, Workspace{}, err
	}
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	return s.store.CreateFirstOwner(ctx, HashToken(token), User{Email: email, Name: name, IsAdmin: true}, HashPassword(password), w)
}
