package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

const goodPassword = "correct horse battery"

// newService returns a service on a fresh SQLite store, with the store for
// arranging rows directly.
func newService(t *testing.T) (*account.Service, *store.DB) {
	t.Helper()
	db := storetest.SQLite(t)
	return account.NewService(db, account.DefaultThrottle(db)), db
}

func mustUser(t *testing.T, s *account.Service, email string, admin bool) account.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), email, "", goodPassword, admin)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func mustWorkspace(t *testing.T, s *account.Service, slug, ownerEmail string) account.Workspace {
	t.Helper()
	w, err := s.CreateWorkspace(context.Background(), account.Workspace{Slug: slug, Name: slug}, ownerEmail)
	if err != nil {
		t.Fatalf("CreateWorkspace(%s): %v", slug, err)
	}
	return w
}

func mustEnter(t *testing.T, s *account.Service, u account.User, slug string) account.Principal {
	t.Helper()
	p, err := s.Enter(context.Background(), u, slug)
	if err != nil {
		t.Fatalf("Enter(%s, %s): %v", u.Email, slug, err)
	}
	return p
}

// addMember is Service.AddMember without saying whether it invited.
func addMember(s *account.Service, ctx context.Context, p account.Principal, email string, role account.Role) error {
	_, err := s.AddMember(ctx, p, email, role)
	return err
}

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("%s: got code %q (%v), want %q", what, got, err, code)
	}
}

// fieldKeys returns the field → message key map of an Invalid error.
func fieldKeys(t *testing.T, err error) map[string]string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("got %v; want an Invalid *apperr.Error", err)
	}
	out := map[string]string{}
	for _, f := range ae.Fields {
		out[f.Field] = f.Key
	}
	return out
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	cases := []struct {
		name, email, password string
		want                  map[string]string
	}{
		{"bad e-mail", "not-an-address", goodPassword, map[string]string{"email": "error.email"}},
		{"display name form", "Ann <ann@example.com>", goodPassword, map[string]string{"email": "error.email"}},
		{"short password", "ann@example.com", "short", map[string]string{"password": "error.password_short"}},
		{"both", "", "", map[string]string{"email": "error.email", "password": "error.password_short"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, c.email, "", c.password, false)
			got := fieldKeys(t, err)
			if len(got) != len(c.want) {
				t.Fatalf("fields = %v; want %v", got, c.want)
			}
			for f, k := range c.want {
				if got[f] != k {
					t.Fatalf("fields = %v; want %v", got, c.want)
				}
			}
		})
	}
	if n, _ := s.NeedsSetup(ctx); !n {
		t.Fatalf("a refused CreateUser created a user")
	}

	u, err := s.CreateUser(ctx, "  Ann@Example.COM ", "", goodPassword, false)
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u.Email != "ann@example.com" || u.Name != "ann" {
		t.Fatalf("CreateUser = %+v; want a normalized e-mail and a name from it", u)
	}
	_, err = s.CreateUser(ctx, "ann@example.com", "", goodPassword, false)
	wantCode(t, "CreateUser with a taken e-mail", err, apperr.Conflict)
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com", false)

	u, err := s.Authenticate(ctx, " ANN@example.com", goodPassword, "10.0.0.1")
	if err != nil || u.ID != ann.ID {
		t.Fatalf("Authenticate = %+v, %v; want ann", u, err)
	}

	_, wrongPw := s.Authenticate(ctx, "ann@example.com", "wrong password!", "10.0.0.1")
	_, unknown := s.Authenticate(ctx, "nobody@example.com", goodPassword, "10.0.0.1")
	wantCode(t, "wrong password", wrongPw, apperr.Unauthorized)
	wantCode(t, "unknown e-mail", unknown, apperr.Unauthorized)
	if wrongPw.Error() != unknown.Error() {
		t.Fatalf("wrong password gives %q and unknown e-mail %q; want the same", wrongPw, unknown)
	}

	// A success clears the account's failures: four more failures (five in
	// all) would throttle, but the success between resets the count.
	if _, err := s.Authenticate(ctx, "ann@example.com", goodPassword, "10.0.0.1"); err != nil {
		t.Fatalf("Authenticate after one failure: %v", err)
	}
	for i := range 4 {
		_, err := s.Authenticate(ctx, "ann@example.com", "wrong password!", "10.0.0.2")
		wantCode(t, fmt.Sprintf("failure %d", i+1), err, apperr.Unauthorized)
	}
	if _, err := s.Authenticate(ctx, "ann@example.com", goodPassword, "10.0.0.3"); err != nil {
		t.Fatalf("Authenticate after 4 failures: %v; want success (the earlier one was cleared)", err)
	}

	// Five failures on the account from one network (addresses of one
	// /24): the right password is refused there too, not elsewhere.
	for i := range 5 {
		_, err := s.Authenticate(ctx, "ann@example.com", "wrong password!", fmt.Sprintf("10.0.1.%d", i))
		wantCode(t, "failure", err, apperr.Unauthorized)
	}
	_, err = s.Authenticate(ctx, "ann@example.com", goodPassword, "10.0.1.99")
	wantCode(t, "right password after 5 failures from its network", err, apperr.TooMany)
	var ae *apperr.Error
	if errors.As(err, &ae); ae == nil || ae.Args["Minutes"] != 15 {
		t.Fatalf("TooMany args = %+v; want Minutes 15", ae)
	}
	if _, err := s.Authenticate(ctx, "ann@example.com", goodPassword, "10.0.9.9"); err != nil {
		t.Fatalf("right password from another network after 5 failures: %v; want signed in", err)
	}
	// Other accounts are not affected.
	mustUser(t, s, "bob@example.com", false)
	if _, err := s.Authenticate(ctx, "bob@example.com", goodPassword, "10.0.1.99"); err != nil {
		t.Fatalf("another account after ann was throttled: %v", err)
	}
}

// TestDistributedGuessingThrottlesAccount: guesses on one account spread
// over many networks, none of them throttled on its own, are still held
// to account.DefaultLimits().PerAccount a window; then the right password
// is refused from everywhere, and other accounts are not.
func TestDistributedGuessingThrottlesAccount(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	mustUser(t, s, "ann@example.com", false)
	mustUser(t, s, "bob@example.com", false)
	lim := account.DefaultLimits()
	for n := range lim.PerAccount / lim.PerAccountNetwork {
		ip := fmt.Sprintf("198.51.%d.7", n)
		for i := range lim.PerAccountNetwork {
			_, err := s.Authenticate(ctx, "ann@example.com", fmt.Sprintf("guess %d", i), ip)
			wantCode(t, fmt.Sprintf("guess %d from %s", i, ip), err, apperr.Unauthorized)
		}
	}
	_, err := s.Authenticate(ctx, "ann@example.com", goodPassword, "192.0.2.10")
	wantCode(t, fmt.Sprintf("the right password from a fresh network after %d failures", lim.PerAccount), err, apperr.TooMany)
	if _, err := s.Authenticate(ctx, "bob@example.com", goodPassword, "192.0.2.10"); err != nil {
		t.Fatalf("another account: %v; want signed in", err)
	}
}

// TestSprayingThrottlesNetwork: one network trying a password or two on
// many accounts is throttled after account.DefaultLimits().PerNetwork
// failures, on every account, while other networks are not.
func TestSprayingThrottlesNetwork(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	mustUser(t, s, "ann@example.com", false)
	const sprayer = "2001:db8:5:6::1"
	for i := range account.DefaultLimits().PerNetwork {
		_, err := s.Authenticate(ctx, fmt.Sprintf("user%d@example.com", i), "Summer2026!", sprayer)
		wantCode(t, fmt.Sprintf("spraying account %d", i), err, apperr.Unauthorized)
	}
	_, err := s.Authenticate(ctx, "ann@example.com", goodPassword, "2001:db8:5:6::2")
	wantCode(t, "an untried account from the sprayer's /64", err, apperr.TooMany)
	if _, err := s.Authenticate(ctx, "ann@example.com", goodPassword, "2001:db8:5:7::1"); err != nil {
		t.Fatalf("the account from another network: %v; want signed in", err)
	}
}

func TestStrangerCannotLockOutOwner(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	mustUser(t, s, "ann@example.com", false)
	for _, ip := range []string{"198.51.100.7", "203.0.113.9", "2001:db8:66::1"} {
		for i := range 5 {
			_, err := s.Authenticate(ctx, "ann@example.com", fmt.Sprintf("guess %d", i), ip)
			wantCode(t, "a stranger's guess from "+ip, err, apperr.Unauthorized)
		}
		_, err := s.Authenticate(ctx, "ann@example.com", goodPassword, ip)
		wantCode(t, "the right password from "+ip+" after its 5 failures", err, apperr.TooMany)
	}
	if _, err := s.Authenticate(ctx, "ann@example.com", goodPassword, "192.0.2.10"); err != nil {
		t.Fatalf("the owner at her own network after strangers' 15 failures: %v; want signed in", err)
	}
	// The owner's success does not lift the strangers' throttle.
	_, err := s.Authenticate(ctx, "ann@example.com", goodPassword, "198.51.100.7")
	wantCode(t, "a stranger's network after the owner signed in", err, apperr.TooMany)
}

func TestSessions(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com", false)

	ua := strings.Repeat("x", 299) + "é" // the 300th byte splits é
	token, sess, err := s.StartSession(ctx, ann.ID, "10.0.0.1", ua)
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	if token == "" || sess.CSRFToken == "" || sess.UserID != ann.ID || sess.ExpiresAt.Sub(sess.CreatedAt) != account.SessionTTL {
		t.Fatalf("StartSession = %q, %+v; want a token, a CSRF token and a %v lifetime", token, sess, account.SessionTTL)
	}
	if len(sess.UserAgent) > 300 || !strings.HasPrefix(ua, sess.UserAgent) || !utf8.ValidString(sess.UserAgent) {
		t.Fatalf("user agent kept as %q; want at most 300 bytes of whole characters", sess.UserAgent)
	}
	u, got, err := s.SessionUser(ctx, token)
	if err != nil || u.ID != ann.ID || got.CSRFToken != sess.CSRFToken {
		t.Fatalf("SessionUser = %+v, %+v, %v; want ann's session", u, got, err)
	}

	for name, tok := range map[string]string{"empty": "", "unknown": "nope", "too long": strings.Repeat("a", 101)} {
		_, _, err := s.SessionUser(ctx, tok)
		wantCode(t, "SessionUser "+name, err, apperr.Unauthorized)
	}

	// An expired session, arranged in the store.
	past := time.Now().Add(-time.Hour)
	if err := db.CreateSession(ctx, account.HashToken("old-token"), account.Session{UserID: ann.ID, CSRFToken: "c", CreatedAt: past.Add(-time.Hour), ExpiresAt: past}, ""); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	_, _, err = s.SessionUser(ctx, "old-token")
	wantCode(t, "SessionUser expired", err, apperr.Unauthorized)

	if err := s.EndSession(ctx, token); err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	_, _, err = s.SessionUser(ctx, token)
	wantCode(t, "SessionUser after EndSession", err, apperr.Unauthorized)

	// CleanupExpired removes the expired session only.
	token2, _, err := s.StartSession(ctx, ann.ID, "10.0.0.1", "ua")
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	if n, err := s.CleanupExpired(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("CleanupExpired = %d, %v; want 1", n, err)
	}
	if _, _, err := s.SessionUser(ctx, token2); err != nil {
		t.Fatalf("live session after CleanupExpired: %v", err)
	}
}

func TestEnter(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	owner := mustUser(t, s, "owner@example.com", false)
	member := mustUser(t, s, "member@example.com", false)
	outsider := mustUser(t, s, "outsider@example.com", false)
	admin := mustUser(t, s, "admin@example.com", true)
	memberAdmin := mustUser(t, s, "member-admin@example.com", true)
	w := mustWorkspace(t, s, "acme", owner.Email)
	mustWorkspace(t, s, "other", outsider.Email)

	po := mustEnter(t, s, owner, "acme")
	if err := addMember(s, ctx, po, "member@example.com", account.Editor); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	// A workspace's owner may add an instance admin with a small role;
	// the admin still acts as owner there, as the workspace list says.
	if err := addMember(s, ctx, po, memberAdmin.Email, account.Agent); err != nil {
		t.Fatalf("AddMember: %v", err)
	}

	cases := []struct {
		name string
		user account.User
		slug string
		role account.Role
		code apperr.Code
	}{
		{"owner", owner, "acme", account.Owner, ""},
		{"member gets their role", member, "acme", account.Editor, ""},
		{"admin is owner everywhere", admin, "acme", account.Owner, ""},
		{"admin is owner where a member with another role", memberAdmin, "acme", account.Owner, ""},
		{"non-member sees not found", outsider, "acme", "", apperr.NotFound},
		{"unknown workspace", owner, "nope", "", apperr.NotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := s.Enter(ctx, c.user, c.slug)
			wantCode(t, "Enter", err, c.code)
			if err == nil && (p.Role != c.role || p.Workspace.ID != w.ID || p.User.ID != c.user.ID) {
				t.Fatalf("Enter = %+v; want role %q in %d", p, c.role, w.ID)
			}
		})
	}

	if ws, err := s.Workspaces(ctx, admin); err != nil || len(ws) != 2 || ws[0].Role != account.Owner || ws[1].Role != account.Owner {
		t.Fatalf("Workspaces(admin) = %+v, %v; want both as owner", ws, err)
	}
	if ws, err := s.Workspaces(ctx, member); err != nil || len(ws) != 1 || ws[0].Role != account.Editor {
		t.Fatalf("Workspaces(member) = %+v, %v; want acme as editor", ws, err)
	}
}

func TestMembers(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	owner := mustUser(t, s, "owner@example.com", false)
	second := mustUser(t, s, "second@example.com", false)
	mustWorkspace(t, s, "acme", owner.Email)
	p := mustEnter(t, s, owner, "acme")

	if got := fieldKeys(t, addMember(s, ctx, p, "not an address", account.Editor)); got["email"] != "error.email" {
		t.Fatalf("AddMember of no address fields = %v; want email error.email", got)
	}
	// An empty address is asked for, not looked up as a user called "".
	if got := fieldKeys(t, addMember(s, ctx, p, "  ", account.Editor)); got["email"] != "error.required" {
		t.Fatalf("AddMember empty email fields = %v; want email error.required", got)
	}
	if got := fieldKeys(t, addMember(s, ctx, p, second.Email, "boss")); got["role"] != "error.role" {
		t.Fatalf("AddMember bad role fields = %v; want role error.role", got)
	}
	wantCode(t, "RemoveMember the last owner", s.RemoveMember(ctx, p, owner.ID), apperr.Conflict)
	wantCode(t, "RemoveMember a non-member", s.RemoveMember(ctx, p, second.ID), apperr.NotFound)

	if err := addMember(s, ctx, p, second.Email, account.Analyst); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	ps := mustEnter(t, s, second, "acme")
	wantCode(t, "analyst adds a member", addMember(s, ctx, ps, "owner@example.com", account.Agent), apperr.Forbidden)
	wantCode(t, "analyst removes a member", s.RemoveMember(ctx, ps, owner.ID), apperr.Forbidden)

	// An admin neither makes owners nor changes or removes one, and the
	// last owner stays an owner.
	if err := addMember(s, ctx, p, second.Email, account.Admin); err != nil {
		t.Fatalf("AddMember admin: %v", err)
	}
	pa := mustEnter(t, s, second, "acme")
	if got := fieldKeys(t, addMember(s, ctx, pa, second.Email, account.Owner)); got["role"] != "error.role_above_own" {
		t.Fatalf("admin makes themselves owner: fields = %v; want role error.role_above_own", got)
	}
	wantCode(t, "admin demotes the owner", addMember(s, ctx, pa, owner.Email, account.Analyst), apperr.Forbidden)
	wantCode(t, "admin removes the owner", s.RemoveMember(ctx, pa, owner.ID), apperr.Forbidden)
	wantCode(t, "the last owner demotes themselves", addMember(s, ctx, p, owner.Email, account.Admin), apperr.Conflict)
	if ms, _ := s.Members(ctx, p); len(ms) != 2 || ms[0].Role != account.Owner || ms[1].Role != account.Admin {
		t.Fatalf("Members after refused changes = %+v; want the owner and the admin unchanged", ms)
	}

	if err := addMember(s, ctx, p, second.Email, account.Owner); err != nil {
		t.Fatalf("AddMember as owner: %v", err)
	}
	if err := s.RemoveMember(ctx, p, owner.ID); err != nil {
		t.Fatalf("RemoveMember an owner when another is left: %v", err)
	}
	ps = mustEnter(t, s, second, "acme")
	wantCode(t, "RemoveMember the new last owner", s.RemoveMember(ctx, ps, second.ID), apperr.Conflict)
	if ms, err := s.Members(ctx, ps); err != nil || len(ms) != 1 || ms[0].User.ID != second.ID {
		t.Fatalf("Members = %+v, %v; want only second", ms, err)
	}
}

// TestAddMemberRevealsNoAccounts: a workspace's owner or admin who is no
// operator adding an address gets the same answer whether it has an
// account or not, and the same members listed after: both are invited,
// and each person joins when they next come (the one without an account
// once an operator makes it). An operator adds an account at once and
// learns of an address without one.
func TestAddMemberRevealsNoAccounts(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	owner := mustUser(t, s, "owner@example.com", false)
	known := mustUser(t, s, "known@example.com", false)
	mustWorkspace(t, s, "acme", owner.Email)
	p := mustEnter(t, s, owner, "acme")

	for _, email := range []string{"Known@Example.com", "nobody@example.com"} {
		did, err := s.AddMember(ctx, p, email, account.Editor)
		if err != nil || did != account.MemberInvited {
			t.Fatalf("AddMember(%s) = %q, %v; want invited, nil", email, did, err)
		}
	}
	if ms, _ := s.Members(ctx, p); len(ms) != 1 || ms[0].User.ID != owner.ID {
		t.Fatalf("Members after inviting = %+v; want the owner alone", ms)
	}
	invs, err := s.Invitations(ctx, p)
	if err != nil || len(invs) != 2 || invs[0].Email != "known@example.com" || invs[1].Email != "nobody@example.com" || invs[0].Role != account.Editor {
		t.Fatalf("Invitations = %+v, %v; want known@ and nobody@ as editors", invs, err)
	}

	// An admin neither invites owners nor changes or withdraws their
	// invitations.
	adm := mustUser(t, s, "adm@example.com", false)
	if _, err := s.AddMember(ctx, p, adm.Email, account.Admin); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMember(ctx, p, "boss@example.com", account.Owner); err != nil {
		t.Fatal(err)
	}
	pa := mustEnter(t, s, adm, "acme")
	if got := fieldKeys(t, addMember(s, ctx, pa, "new@example.com", account.Owner)); got["role"] != "error.role_above_own" {
		t.Fatalf("admin invites an owner: fields = %v; want role error.role_above_own", got)
	}
	wantCode(t, "admin demotes an owner's invitation", addMember(s, ctx, pa, "boss@example.com", account.Editor), apperr.Forbidden)
	wantCode(t, "admin withdraws an owner's invitation", s.CancelInvitation(ctx, pa, "boss@example.com"), apperr.Forbidden)
	wantCode(t, "withdraw no invitation", s.CancelInvitation(ctx, p, "none@example.com"), apperr.NotFound)
	if err := s.CancelInvitation(ctx, p, "BOSS@example.com"); err != nil {
		t.Fatalf("owner withdraws an invitation: %v", err)
	}
	pm := p
	pm.Role = account.Analyst
	wantCode(t, "analyst invites", addMember(s, ctx, pm, "x@example.com", account.Analyst), apperr.Forbidden)
	_, err = s.Invitations(ctx, pm)
	wantCode(t, "analyst lists invitations", err, apperr.Forbidden)

	// The invited account joins on coming: its workspace list.
	wss, err := s.Workspaces(ctx, known)
	if err != nil || len(wss) != 1 || wss[0].Workspace.Slug != "acme" || wss[0].Role != account.Editor {
		t.Fatalf("Workspaces(known) = %+v, %v; want acme as editor", wss, err)
	}
	// An address without an account joins once it has one, here by
	// entering the workspace.
	nobody := mustUser(t, s, "nobody@example.com", false)
	if pn := mustEnter(t, s, nobody, "acme"); pn.Role != account.Editor {
		t.Fatalf("Enter(nobody) role %q; want editor", pn.Role)
	}
	if invs, _ := s.Invitations(ctx, p); len(invs) != 0 {
		t.Fatalf("Invitations after both joined = %+v; want none", invs)
	}
	// Someone neither invited nor a member still gets NotFound.
	stranger := mustUser(t, s, "stranger@example.com", false)
	if _, err := s.Enter(ctx, stranger, "acme"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Enter(stranger) = %v; want NotFound", err)
	}

	// An operator knows every account: adds one at once, and is told of
	// an address without one.
	op := mustUser(t, s, "op@example.com", true)
	po := mustEnter(t, s, op, "acme")
	if did, err := s.AddMember(ctx, po, stranger.Email, account.Analyst); err != nil || did != account.MemberAdded {
		t.Fatalf("operator AddMember(stranger) = %q, %v; want a member at once", did, err)
	}
	if got := fieldKeys(t, addMember(s, ctx, po, "ghost@example.com", account.Analyst)); got["email"] != "error.no_such_user" {
		t.Fatalf("operator adds an address without an account: fields = %v; want email error.no_such_user", got)
	}
	// Adding a member again changes their role, and says so.
	if did, err := s.AddMember(ctx, p, nobody.Email, account.Analyst); err != nil || did != account.RoleChanged {
		t.Fatalf("AddMember(a member) = %q, %v; want their role changed", did, err)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	owner := mustUser(t, s, "owner@example.com", false)
	strat := mustUser(t, s, "strat@example.com", false)
	outsider := mustUser(t, s, "outsider@example.com", false)
	w := mustWorkspace(t, s, "acme", owner.Email)
	po := mustEnter(t, s, owner, "acme")
	if err := addMember(s, ctx, po, strat.Email, account.Strategist); err != nil {
		t.Fatalf("AddMember: %v", err)
	}

	_, _, err := s.CreateToken(ctx, outsider.Email, "acme", "", "x")
	wantCode(t, "CreateToken for a non-member", err, apperr.NotFound)
	_, _, err = s.CreateToken(ctx, "nobody@example.com", "acme", "", "x")
	wantCode(t, "CreateToken for an unknown user", err, apperr.NotFound)
	_, _, err = s.CreateToken(ctx, strat.Email, "acme", account.Admin, "x")
	if got := fieldKeys(t, err); got["role"] != "error.role_above_own" {
		t.Fatalf("CreateToken above own role fields = %v; want role error.role_above_own", got)
	}
	_, _, err = s.CreateToken(ctx, strat.Email, "acme", "boss", "x")
	if got := fieldKeys(t, err); got["role"] != "error.role" {
		t.Fatalf("CreateToken with a bad role fields = %v; want role error.role", got)
	}

	// Default role is one's own; the principal is the token's.
	plain, tok, err := s.CreateToken(ctx, strat.Email, "acme", "", "  ")
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if !strings.HasPrefix(plain, "chorus_") || tok.Role != account.Strategist || tok.Name != "api" || tok.WorkspaceID != w.ID {
		t.Fatalf("CreateToken = %q, %+v; want a chorus_ token with the strategist role named api", plain, tok)
	}
	p, err := s.TokenPrincipal(ctx, plain)
	if err != nil || p.Role != account.Strategist || p.TokenID != tok.ID || p.User.ID != strat.ID || p.Workspace.ID != w.ID {
		t.Fatalf("TokenPrincipal = %+v, %v; want strat as strategist through the token", p, err)
	}
	if p.Actor() != "strat@example.com (token)" {
		t.Fatalf("Actor = %q; want it to name the token", p.Actor())
	}
	if ts, _ := s.Tokens(ctx, po); len(ts) != 1 || ts[0].LastUsedAt == nil {
		t.Fatalf("Tokens after use = %+v; want LastUsedAt set", ts)
	}

	// A lesser token keeps its lesser role.
	lesser, _, err := s.CreateToken(ctx, strat.Email, "acme", account.Analyst, "bi")
	if err != nil {
		t.Fatalf("CreateToken analyst: %v", err)
	}
	if p, err := s.TokenPrincipal(ctx, lesser); err != nil || p.Role != account.Analyst {
		t.Fatalf("TokenPrincipal(analyst token) = %+v, %v; want analyst", p, err)
	}

	// A token makes no tokens, whatever its role.
	_, _, err = s.NewToken(ctx, p, account.Analyst, "child")
	wantCode(t, "NewToken through a token", err, apperr.Forbidden)

	// A role is granted only with all its permissions: a strategist may
	// not reply in the inbox, so may not make an agent's token.
	_, _, err = s.CreateToken(ctx, strat.Email, "acme", account.Agent, "x")
	if got := fieldKeys(t, err); got["role"] != "error.role_above_own" {
		t.Fatalf("CreateToken agent by a strategist fields = %v; want role error.role_above_own", got)
	}

	// The token is capped by the user's role now.
	if err := addMember(s, ctx, po, strat.Email, account.Editor); err != nil {
		t.Fatalf("AddMember demote: %v", err)
	}
	if p, err := s.TokenPrincipal(ctx, plain); err != nil || p.Role != account.Editor {
		t.Fatalf("TokenPrincipal after demotion = %+v, %v; want editor", p, err)
	}
	if p, err := s.TokenPrincipal(ctx, lesser); err != nil || p.Role != account.Analyst {
		t.Fatalf("TokenPrincipal(analyst token) after demotion = %+v, %v; want analyst", p, err)
	}

	// Tokens: members without ManageMembers see their own.
	ownerTok, _, err := s.CreateToken(ctx, owner.Email, "acme", account.Agent, "bot")
	if err != nil {
		t.Fatalf("CreateToken owner: %v", err)
	}
	ps := mustEnter(t, s, strat, "acme")
	if ts, _ := s.Tokens(ctx, ps); len(ts) != 2 {
		t.Fatalf("Tokens(editor) = %+v; want their 2", ts)
	}
	if ts, _ := s.Tokens(ctx, po); len(ts) != 3 {
		t.Fatalf("Tokens(owner) = %+v; want all 3", ts)
	}
	ownerP, err := s.TokenPrincipal(ctx, ownerTok)
	if err != nil {
		t.Fatalf("TokenPrincipal(owner's token): %v", err)
	}
	wantCode(t, "editor revokes the owner's token", s.RevokeToken(ctx, ps, ownerP.TokenID), apperr.NotFound)

	// A user moved to a role that neither holds the token's nor is held by
	// it (agent → analyst) loses the token's power altogether.
	if err := addMember(s, ctx, po, strat.Email, account.Agent); err != nil {
		t.Fatalf("AddMember agent: %v", err)
	}
	replies, _, err := s.CreateToken(ctx, strat.Email, "acme", "", "replies")
	if err != nil {
		t.Fatalf("CreateToken agent: %v", err)
	}
	if err := addMember(s, ctx, po, strat.Email, account.Analyst); err != nil {
		t.Fatalf("AddMember analyst: %v", err)
	}
	_, err = s.TokenPrincipal(ctx, replies)
	wantCode(t, "TokenPrincipal agent token of an analyst", err, apperr.Unauthorized)
	if err := addMember(s, ctx, po, strat.Email, account.Editor); err != nil {
		t.Fatalf("AddMember editor: %v", err)
	}

	// Revoked: unauthorized.
	if err := s.RevokeToken(ctx, ps, tok.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	_, err = s.TokenPrincipal(ctx, plain)
	wantCode(t, "TokenPrincipal revoked", err, apperr.Unauthorized)

	// A user who left the workspace: unauthorized.
	if err := s.RemoveMember(ctx, po, strat.ID); err != nil {
		t.Fatalf("RemoveMember: %v", err)
	}
	_, err = s.TokenPrincipal(ctx, lesser)
	wantCode(t, "TokenPrincipal after the user left", err, apperr.Unauthorized)

	for name, tok := range map[string]string{"no prefix": "abc", "unknown": "chorus_nope", "too long": "chorus_" + strings.Repeat("a", 100)} {
		_, err := s.TokenPrincipal(ctx, tok)
		wantCode(t, "TokenPrincipal "+name, err, apperr.Unauthorized)
	}
}

func TestWorkspaceEditAndAudit(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	owner := mustUser(t, s, "owner@example.com", false)
	analyst := mustUser(t, s, "analyst@example.com", false)
	mustWorkspace(t, s, "acme", owner.Email)
	mustWorkspace(t, s, "other", owner.Email)
	po := mustEnter(t, s, owner, "acme")
	if err := addMember(s, ctx, po, analyst.Email, account.Analyst); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	pa := mustEnter(t, s, analyst, "acme")

	_, err := s.CreateWorkspace(ctx, account.Workspace{Slug: "acme", Name: "Again"}, owner.Email)
	wantCode(t, "CreateWorkspace taken slug", err, apperr.Conflict)
	_, err = s.CreateWorkspace(ctx, account.Workspace{Slug: "-bad", Name: "x"}, owner.Email)
	if got := fieldKeys(t, err); got["slug"] != "error.slug" {
		t.Fatalf("CreateWorkspace bad slug fields = %v", got)
	}
	_, err = s.CreateWorkspace(ctx, account.Workspace{Slug: "new", Name: "x"}, "nobody@example.com")
	wantCode(t, "CreateWorkspace unknown owner", err, apperr.NotFound)

	_, err = s.UpdateWorkspace(ctx, pa, account.Workspace{Name: "Mine"})
	wantCode(t, "analyst edits the workspace", err, apperr.Forbidden)
	w, err := s.UpdateWorkspace(ctx, po, account.Workspace{Slug: "hijack", Name: " Acme Ltd ", TimeZone: "Europe/Berlin", Currency: "EUR"})
	if err != nil || w.Slug != "acme" || w.Name != "Acme Ltd" || w.TimeZone != "Europe/Berlin" {
		t.Fatalf("UpdateWorkspace = %+v, %v; want the new name and zone under the old slug", w, err)
	}
	// Once a purchase is recorded in euros, the currency stays.
	if _, err := db.WriteDB().ExecContext(ctx, `INSERT INTO conversions (workspace_id, event, value, currency, at) VALUES ($1, 'purchase', 99.9, 'EUR', $2)`,
		w.ID, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	po = mustEnter(t, s, owner, "acme")
	_, err = s.UpdateWorkspace(ctx, po, account.Workspace{Name: "Acme Ltd", TimeZone: "Europe/Berlin", Currency: "USD"})
	if got := fieldKeys(t, err); got["currency"] != "error.currency_in_use" {
		t.Fatalf("currency change after a purchase: fields %v; want currency error.currency_in_use", got)
	}
	if w, err = s.UpdateWorkspace(ctx, po, account.Workspace{Name: "Acme GmbH", TimeZone: "Europe/Berlin", Currency: "EUR"}); err != nil || w.Name != "Acme GmbH" {
		t.Fatalf("rename keeping the currency = %+v, %v", w, err)
	}
	// A change that names no zone or currency (the API's, with the name
	// alone) keeps them, where it had the defaults replace them: Berlin
	// became Shanghai, or euros in use refused a rename.
	if w, err = s.UpdateWorkspace(ctx, po, account.Workspace{Name: "Acme Group"}); err != nil || w.Name != "Acme Group" || w.TimeZone != "Europe/Berlin" || w.Currency != "EUR" {
		t.Fatalf("rename alone = %+v, %v; want Acme Group in Europe/Berlin, in EUR", w, err)
	}
	// A code stored before codes were checked against ISO 4217 stays
	// readable and does not block the rest of the form; a new one is checked.
	if _, err := db.WriteDB().ExecContext(ctx, `UPDATE workspaces SET currency = 'XYZ' WHERE id = $1`, w.ID); err != nil {
		t.Fatal(err)
	}
	po = mustEnter(t, s, owner, "acme")
	if w, err = s.UpdateWorkspace(ctx, po, account.Workspace{Name: "Acme AG", TimeZone: "Europe/Berlin", Currency: "XYZ"}); err != nil || w.Currency != "XYZ" {
		t.Fatalf("rename keeping a stored unknown currency = %+v, %v", w, err)
	}
	_, err = s.UpdateWorkspace(ctx, po, account.Workspace{Name: "Acme AG", TimeZone: "Europe/Berlin", Currency: "QQQ"})
	if got := fieldKeys(t, err); got["currency"] != "error.currency" {
		t.Fatalf("change to an unknown currency: fields %v; want currency error.currency", got)
	}
	if _, err := db.WriteDB().ExecContext(ctx, `UPDATE workspaces SET currency = 'EUR' WHERE id = $1`, w.ID); err != nil {
		t.Fatal(err)
	}
	po = mustEnter(t, s, owner, "acme")

	for _, a := range []string{"first", "second", "third"} {
		if err := s.Record(ctx, po, a, "target", "", "10.0.0.1"); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	if err := s.Record(ctx, mustEnter(t, s, owner, "other"), "elsewhere", "", "", ""); err != nil {
		t.Fatalf("Record other: %v", err)
	}
	_, err = s.Audit(ctx, pa, 10, 0)
	wantCode(t, "analyst reads the audit log", err, apperr.Forbidden)
	es, err := s.Audit(ctx, po, 0, 0)
	if err != nil || len(es) != 3 || es[0].Action != "third" || es[2].Action != "first" || es[0].Actor != owner.Email {
		t.Fatalf("Audit = %+v, %v; want acme's 3 entries newest first", es, err)
	}
	es2, err := s.Audit(ctx, po, 1, es[0].ID)
	if err != nil || len(es2) != 1 || es2[0].Action != "second" {
		t.Fatalf("Audit page = %+v, %v; want [second]", es2, err)
	}
}

func TestSetup(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	ws := account.Workspace{Slug: "acme", Name: "Acme"}

	if need, err := s.NeedsSetup(ctx); err != nil || !need {
		t.Fatalf("NeedsSetup = %v, %v; want true", need, err)
	}
	token, err := s.NewSetupToken(ctx)
	if err != nil || token == "" {
		t.Fatalf("NewSetupToken = %q, %v", token, err)
	}
	_, _, err = s.Setup(ctx, "wrong", "ann@example.com", "", goodPassword, ws)
	wantCode(t, "Setup with a wrong token", err, apperr.Forbidden)
	_, _, err = s.Setup(ctx, "", "ann@example.com", "", goodPassword, ws)
	wantCode(t, "Setup without a token", err, apperr.Forbidden)
	_, _, err = s.Setup(ctx, token, "bad", "", "short", account.Workspace{Slug: "A", Name: "x"})
	if got := fieldKeys(t, err); got["email"] != "error.email" || got["password"] != "error.password_short" || got["workspace.slug"] != "error.slug" {
		t.Fatalf("Setup invalid fields = %v; want email, password and workspace.slug", got)
	}

	u, w, err := s.Setup(ctx, token, "Ann@Example.com", "", goodPassword, ws)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if !u.IsAdmin || u.Email != "ann@example.com" || w.Slug != "acme" || w.TimeZone != account.DefaultTimeZone || w.Currency != account.DefaultCurrency {
		t.Fatalf("Setup = %+v, %+v; want an admin and a workspace with defaults", u, w)
	}
	if p := mustEnter(t, s, u, "acme"); p.Role != account.Owner {
		t.Fatalf("first user's role = %q; want owner", p.Role)
	}
	if _, err := s.Authenticate(ctx, "ann@example.com", goodPassword, "10.0.0.1"); err != nil {
		t.Fatalf("Authenticate the first user: %v", err)
	}

	_, _, err = s.Setup(ctx, token, "eve@example.com", "", goodPassword, account.Workspace{Slug: "evil", Name: "Evil"})
	wantCode(t, "second Setup with the used token", err, apperr.Forbidden)
	if need, _ := s.NeedsSetup(ctx); need {
		t.Fatalf("NeedsSetup after setup = true")
	}
	if tok, err := s.NewSetupToken(ctx); err != nil || tok != "" {
		t.Fatalf("NewSetupToken after setup = %q, %v; want none", tok, err)
	}
}

// TestSetupAfterUsersExist: a user created between issuing the setup token and using
// it makes the store refuse, and nothing of the setup is kept.
func TestSetupAfterUsersExist(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	token, err := s.NewSetupToken(ctx)
	if err != nil || token == "" {
		t.Fatalf("NewSetupToken = %q, %v", token, err)
	}
	mustUser(t, s, "early@example.com", false)
	_, _, err = s.Setup(ctx, token, "ann@example.com", "", goodPassword, account.Workspace{Slug: "acme", Name: "Acme"})
	wantCode(t, "Setup when a user exists", err, apperr.Conflict)
	if _, _, err := db.UserByEmail(ctx, "ann@example.com"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("refused setup left its user: %v", err)
	}
	if !s.CheckSetupToken(ctx, token) {
		t.Fatalf("refused setup consumed the setup token")
	}
}

// sessionsOf starts n sessions of a user and returns their cookie tokens.
func sessionsOf(t *testing.T, s *account.Service, u account.User, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		tok, _, err := s.StartSession(context.Background(), u.ID, "10.0.0.1", "ua")
		if err != nil {
			t.Fatalf("StartSession: %v", err)
		}
		out[i] = tok
	}
	return out
}

// wantSignedIn checks which session tokens still sign their browser in.
func wantSignedIn(t *testing.T, s *account.Service, what string, tokens []string, want bool) {
	t.Helper()
	for i, tok := range tokens {
		_, _, err := s.SessionUser(context.Background(), tok)
		if got := err == nil; got != want {
			t.Errorf("%s: session %d signed in = %v (%v); want %v", what, i, got, err, want)
		}
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com", false)
	bob := mustUser(t, s, "bob@example.com", false)
	annSessions := sessionsOf(t, s, ann, 3)
	here, elsewhere := annSessions[0], annSessions[1:]
	bobSessions := sessionsOf(t, s, bob, 1)
	const next = "a brand new passphrase"

	// A wrong current password and a short new one: both said, on their
	// fields, and nothing changes.
	err := s.ChangePassword(ctx, ann, "wrong password!", "short", here, "10.0.0.1")
	if got := fieldKeys(t, err); len(got) != 2 || got["current_password"] != "error.current_password" || got["new_password"] != "error.password_short" {
		t.Fatalf("ChangePassword with a wrong current and a short new password: fields %v", got)
	}
	err = s.ChangePassword(ctx, ann, "wrong password!", next, here, "10.0.0.1")
	if got := fieldKeys(t, err); len(got) != 1 || got["current_password"] != "error.current_password" {
		t.Fatalf("ChangePassword with a wrong current password: fields %v; want current_password only", got)
	}
	err = s.ChangePassword(ctx, ann, goodPassword, "short", here, "10.0.0.1")
	if got := fieldKeys(t, err); len(got) != 1 || got["new_password"] != "error.password_short" {
		t.Fatalf("ChangePassword with a short new password: fields %v; want new_password only", got)
	}
	wantSignedIn(t, s, "after refused changes", annSessions, true)
	if _, err := s.Authenticate(ctx, ann.Email, goodPassword, "10.0.0.1"); err != nil {
		t.Fatalf("old password after refused changes: %v; want it still good", err)
	}

	if err := s.ChangePassword(ctx, ann, goodPassword, next, here, "10.0.0.1"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	_, err = s.Authenticate(ctx, ann.Email, goodPassword, "10.0.0.1")
	wantCode(t, "old password after the change", err, apperr.Unauthorized)
	if _, err := s.Authenticate(ctx, ann.Email, next, "10.0.0.1"); err != nil {
		t.Fatalf("new password after the change: %v", err)
	}
	wantSignedIn(t, s, "the browser that changed it", []string{here}, true)
	wantSignedIn(t, s, "ann's other browsers", elsewhere, false)
	wantSignedIn(t, s, "another user's browser", bobSessions, true)
}

// TestChangePasswordThrottled: a wrong current password is a failed
// sign-in, so guessing it on a browser left signed in is throttled as
// signing in is, and then even the right one is refused on its field
// from that network.
func TestChangePasswordThrottled(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com", false)
	here := sessionsOf(t, s, ann, 1)[0]
	for i := range 5 {
		err := s.ChangePassword(ctx, ann, fmt.Sprintf("guess number %d", i), "a brand new passphrase", here, "10.0.0.1")
		wantCode(t, "wrong current password", err, apperr.Invalid)
	}
	_, err := s.Authenticate(ctx, ann.Email, goodPassword, "10.0.0.2")
	wantCode(t, "signing in from the same network after 5 wrong current passwords", err, apperr.TooMany)
	err = s.ChangePassword(ctx, ann, goodPassword, "a brand new passphrase", here, "10.0.0.2")
	wantCode(t, "the right current password while throttled", err, apperr.TooMany)
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != "current_password" || ae.Fields[0].Key != "error.login_throttled" {
		t.Fatalf("throttled ChangePassword = %+v; want error.login_throttled on current_password", ae)
	}
	// As with signing in, the guesses throttle the account at their
	// network only.
	if _, err := s.Authenticate(ctx, ann.Email, goodPassword, "192.0.2.10"); err != nil {
		t.Fatalf("signing in from another network after 5 wrong current passwords: %v; want signed in", err)
	}
}

func TestEndOtherSessions(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com", false)
	bob := mustUser(t, s, "bob@example.com", false)
	annSessions := sessionsOf(t, s, ann, 3)
	bobSessions := sessionsOf(t, s, bob, 1)
	if err := s.EndOtherSessions(ctx, ann.ID, annSessions[0]); err != nil {
		t.Fatalf("EndOtherSessions: %v", err)
	}
	wantSignedIn(t, s, "the browser that asked", annSessions[:1], true)
	wantSignedIn(t, s, "ann's other browsers", annSessions[1:], false)
	wantSignedIn(t, s, "another user's browser", bobSessions, true)
	if _, err := s.Authenticate(ctx, ann.Email, goodPassword, "10.0.0.1"); err != nil {
		t.Fatalf("password after EndOtherSessions: %v; want unchanged", err)
	}
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com", false)
	bob := mustUser(t, s, "bob@example.com", false)
	annSessions := sessionsOf(t, s, ann, 2)
	bobSessions := sessionsOf(t, s, bob, 1)
	const next = "set by the operator"

	_, err := s.ResetPassword(ctx, "nobody@example.com", next)
	wantCode(t, "ResetPassword of an unknown user", err, apperr.NotFound)
	if ae := (*apperr.Error)(nil); !errors.As(err, &ae) || ae.Key != "error.no_such_user" {
		t.Fatalf("ResetPassword of an unknown user = %v; want error.no_such_user", err)
	}
	_, err = s.ResetPassword(ctx, ann.Email, "short")
	if got := fieldKeys(t, err); got["password"] != "error.password_short" {
		t.Fatalf("ResetPassword with a short password: fields %v", got)
	}
	wantSignedIn(t, s, "after a refused reset", annSessions, true)

	// Ann forgot her password and tried until she was throttled.
	for i := range 5 {
		_, err := s.Authenticate(ctx, ann.Email, fmt.Sprintf("forgotten %d", i), "10.0.0.1")
		wantCode(t, "forgotten password", err, apperr.Unauthorized)
	}
	u, err := s.ResetPassword(ctx, " Ann@Example.com ", next)
	if err != nil || u.ID != ann.ID {
		t.Fatalf("ResetPassword = %+v, %v; want ann", u, err)
	}
	if _, err := s.Authenticate(ctx, ann.Email, next, "10.0.0.1"); err != nil {
		t.Fatalf("the new password right after the reset: %v; want it to sign in", err)
	}
	_, err = s.Authenticate(ctx, ann.Email, goodPassword, "10.0.0.1")
	wantCode(t, "the old password after the reset", err, apperr.Unauthorized)
	wantSignedIn(t, s, "ann's browsers after the reset", annSessions, false)
	wantSignedIn(t, s, "another user's browser", bobSessions, true)
}
