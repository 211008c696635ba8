package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// accountFixture creates a user and a workspace they own.
func accountFixture(t *testing.T, db *store.DB, email, slug string) (account.User, account.Workspace) {
	t.Helper()
	ctx := context.Background()
	u, err := db.CreateUser(ctx, account.User{Email: email, Name: email}, "hash-"+email)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	w, err := db.CreateWorkspace(ctx, account.Workspace{Slug: slug, Name: slug, TimeZone: "Asia/Shanghai", Currency: "CNY"}, u.ID)
	if err != nil {
		t.Fatalf("CreateWorkspace(%s): %v", slug, err)
	}
	return u, w
}

func wantAccountCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("%s: got code %q (%v), want %q", what, got, err, code)
	}
}

func wantAccountConflict(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	wantAccountCode(t, what, err, apperr.Conflict)
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%s: %v is not an *apperr.Error", what, err)
	}
	if ae.Key != key || len(ae.Fields) != 1 || ae.Fields[0].Field != field || ae.Fields[0].Key != key {
		t.Fatalf("%s: got key %q fields %+v, want key %q on field %q", what, ae.Key, ae.Fields, key, field)
	}
}

func TestAccountUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if n, err := db.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("CountUsers on empty store = %d, %v; want 0, nil", n, err)
		}
		in := account.User{Email: "ann@example.com", Name: "Ann", IsAdmin: true, Locale: "zh-CN"}
		u, err := db.CreateUser(ctx, in, "the-hash")
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if u.ID == 0 || u.CreatedAt.IsZero() || u.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreateUser returned %+v; want an id and a UTC creation time", u)
		}
		byEmail, hash, err := db.UserByEmail(ctx, "ann@example.com")
		if err != nil || hash != "the-hash" || byEmail != u {
			t.Fatalf("UserByEmail = %+v, %q, %v; want %+v, %q", byEmail, hash, err, u, "the-hash")
		}
		byID, err := db.UserByID(ctx, u.ID)
		if err != nil || byID != u {
			t.Fatalf("UserByID = %+v, %v; want %+v", byID, err, u)
		}
		plain, err := db.CreateUser(ctx, account.User{Email: "bob@example.com"}, "h")
		if err != nil {
			t.Fatalf("CreateUser bob: %v", err)
		}
		if got, _ := db.UserByID(ctx, plain.ID); got.IsAdmin {
			t.Fatalf("bob is admin; want not")
		}
		if n, err := db.CountUsers(ctx); err != nil || n != 2 {
			t.Fatalf("CountUsers = %d, %v; want 2", n, err)
		}

		_, err = db.CreateUser(ctx, account.User{Email: "ann@example.com"}, "other")
		wantAccountConflict(t, "CreateUser with a taken e-mail", err, "email", "error.email_taken")

		_, _, err = db.UserByEmail(ctx, "nobody@example.com")
		wantAccountCode(t, "UserByEmail unknown", err, apperr.NotFound)
		_, err = db.UserByID(ctx, 9999)
		wantAccountCode(t, "UserByID unknown", err, apperr.NotFound)

		if err := db.SetUserLocale(ctx, u.ID, "en"); err != nil {
			t.Fatalf("SetUserLocale: %v", err)
		}
		if got, _ := db.UserByID(ctx, u.ID); got.Locale != "en" {
			t.Fatalf("locale = %q after SetUserLocale; want en", got.Locale)
		}
		wantAccountCode(t, "SetUserLocale unknown", db.SetUserLocale(ctx, 9999, "en"), apperr.NotFound)
	})
}

func TestAccountWorkspaces(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann, annWS := accountFixture(t, db, "ann@example.com", "acme")
		if annWS.ID == 0 || annWS.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreateWorkspace returned %+v; want an id and a UTC time", annWS)
		}
		if role, err := db.MemberRole(ctx, annWS.ID, ann.ID); err != nil || role != account.Owner {
			t.Fatalf("creator's role = %q, %v; want owner", role, err)
		}
		got, err := db.WorkspaceBySlug(ctx, "acme")
		if err != nil || got != annWS {
			t.Fatalf("WorkspaceBySlug = %+v, %v; want %+v", got, err, annWS)
		}
		_, err = db.WorkspaceBySlug(ctx, "nope")
		wantAccountCode(t, "WorkspaceBySlug unknown", err, apperr.NotFound)

		_, err = db.CreateWorkspace(ctx, account.Workspace{Slug: "acme", Name: "Again", TimeZone: "UTC", Currency: "USD"}, ann.ID)
		wantAccountConflict(t, "CreateWorkspace with a taken slug", err, "slug", "error.slug_taken")
		_, err = db.CreateWorkspace(ctx, account.Workspace{Slug: "orphan", Name: "Orphan", TimeZone: "UTC", Currency: "USD"}, 9999)
		wantAccountCode(t, "CreateWorkspace with an unknown owner", err, apperr.NotFound)
		_, err = db.WorkspaceBySlug(ctx, "orphan")
		wantAccountCode(t, "workspace of a failed CreateWorkspace", err, apperr.NotFound)

		annWS.Name, annWS.TimeZone, annWS.Currency, annWS.Slug = "Acme Ltd", "Europe/Berlin", "EUR", "renamed"
		if err := db.UpdateWorkspace(ctx, annWS); err != nil {
			t.Fatalf("UpdateWorkspace: %v", err)
		}
		got, err = db.WorkspaceBySlug(ctx, "acme")
		if err != nil || got.Name != "Acme Ltd" || got.TimeZone != "Europe/Berlin" || got.Currency != "EUR" {
			t.Fatalf("after UpdateWorkspace = %+v, %v; want new name, zone and currency under the old slug", got, err)
		}
		wantAccountCode(t, "UpdateWorkspace unknown", db.UpdateWorkspace(ctx, account.Workspace{ID: 9999, Name: "x"}), apperr.NotFound)

		bob, bobWS := accountFixture(t, db, "bob@example.com", "bobco")
		all, err := db.AllWorkspaces(ctx)
		if err != nil || len(all) != 2 || all[0].Slug != "acme" || all[1].Slug != "bobco" {
			t.Fatalf("AllWorkspaces = %+v, %v; want acme and bobco by name", all, err)
		}

		// Memberships and roles.
		if err := db.PutMember(ctx, annWS.ID, bob.ID, account.Analyst); err != nil {
			t.Fatalf("PutMember: %v", err)
		}
		if role, err := db.MemberRole(ctx, annWS.ID, bob.ID); err != nil || role != account.Analyst {
			t.Fatalf("MemberRole = %q, %v; want analyst", role, err)
		}
		if err := db.PutMember(ctx, annWS.ID, bob.ID, account.Strategist); err != nil {
			t.Fatalf("PutMember again: %v", err)
		}
		if role, _ := db.MemberRole(ctx, annWS.ID, bob.ID); role != account.Strategist {
			t.Fatalf("MemberRole after a change = %q; want strategist", role)
		}
		wantAccountCode(t, "PutMember unknown workspace", db.PutMember(ctx, 9999, bob.ID, account.Editor), apperr.NotFound)
		wantAccountCode(t, "PutMember unknown user", db.PutMember(ctx, annWS.ID, 9999, account.Editor), apperr.NotFound)
		_, err = db.MemberRole(ctx, bobWS.ID, ann.ID)
		wantAccountCode(t, "MemberRole of a non-member", err, apperr.NotFound)

		members, err := db.Members(ctx, annWS.ID)
		if err != nil || len(members) != 2 ||
			members[0].User.ID != ann.ID || members[0].Role != account.Owner ||
			members[1].User.ID != bob.ID || members[1].Role != account.Strategist {
			t.Fatalf("Members = %+v, %v; want ann owner and bob strategist", members, err)
		}
		if members, _ := db.Members(ctx, bobWS.ID); len(members) != 1 || members[0].User.ID != bob.ID {
			t.Fatalf("Members of bobco = %+v; want only bob", members)
		}

		mine, err := db.WorkspacesOf(ctx, bob.ID)
		if err != nil || len(mine) != 2 ||
			mine[0].Workspace.Slug != "acme" || mine[0].Role != account.Strategist ||
			mine[1].Workspace.Slug != "bobco" || mine[1].Role != account.Owner {
			t.Fatalf("WorkspacesOf(bob) = %+v, %v; want acme as strategist and bobco as owner", mine, err)
		}
		if mine, _ := db.WorkspacesOf(ctx, ann.ID); len(mine) != 1 {
			t.Fatalf("WorkspacesOf(ann) = %+v; want only acme", mine)
		}

		// bob's tokens: one in each workspace.
		for name, ws := range map[string]int64{"acme": annWS.ID, "bobco": bobWS.ID} {
			tok := account.Token{WorkspaceID: ws, UserID: bob.ID, Name: name, Role: account.Strategist, CreatedAt: time.Now()}
			if _, err := db.CreateToken(ctx, tok, "hash-"+name); err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
		}
		removed := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		if err := db.RemoveMember(ctx, annWS.ID, bob.ID, removed); err != nil {
			t.Fatalf("RemoveMember: %v", err)
		}
		_, err = db.MemberRole(ctx, annWS.ID, bob.ID)
		wantAccountCode(t, "MemberRole after RemoveMember", err, apperr.NotFound)
		if tok, err := db.TokenByHash(ctx, "hash-acme"); err != nil || tok.RevokedAt == nil || !tok.RevokedAt.Equal(removed) {
			t.Fatalf("bob's acme token after RemoveMember = %+v, %v; want revoked at %v", tok, err, removed)
		}
		if tok, err := db.TokenByHash(ctx, "hash-bobco"); err != nil || tok.RevokedAt != nil {
			t.Fatalf("bob's bobco token after RemoveMember from acme = %+v, %v; want not revoked", tok, err)
		}
		wantAccountCode(t, "RemoveMember again", db.RemoveMember(ctx, annWS.ID, bob.ID, removed), apperr.NotFound)
		wantAccountCode(t, "RemoveMember from another workspace", db.RemoveMember(ctx, bobWS.ID, ann.ID, removed), apperr.NotFound)
		if _, err := db.MemberRole(ctx, bobWS.ID, bob.ID); err != nil {
			t.Fatalf("bob's own membership went with RemoveMember elsewhere: %v", err)
		}
	})
}

func TestAccountSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann, _ := accountFixture(t, db, "ann@example.com", "acme")
		shanghai := time.FixedZone("CST", 8*3600)
		created := time.Date(2025, 3, 1, 20, 0, 0, 123456789, shanghai)
		in := account.Session{UserID: ann.ID, CSRFToken: "csrf", IP: "10.0.0.1", UserAgent: "Firefox",
			CreatedAt: created, ExpiresAt: created.Add(time.Hour)}
		if err := db.CreateSession(ctx, "h1", in, ""); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		got, err := db.SessionByHash(ctx, "h1")
		if err != nil {
			t.Fatalf("SessionByHash: %v", err)
		}
		want := in
		want.CreatedAt = created.UTC().Truncate(time.Microsecond)
		want.ExpiresAt = want.CreatedAt.Add(time.Hour)
		if got != want {
			t.Fatalf("SessionByHash = %+v; want %+v (UTC, microseconds)", got, want)
		}
		// Long expired: still returned, the service judges expiry.
		old := account.Session{UserID: ann.ID, CSRFToken: "c2", CreatedAt: created.AddDate(-1, 0, 0), ExpiresAt: created.AddDate(-1, 0, 1)}
		if err := db.CreateSession(ctx, "h2", old, ""); err != nil {
			t.Fatalf("CreateSession expired: %v", err)
		}
		if got, err := db.SessionByHash(ctx, "h2"); err != nil || !got.ExpiresAt.Equal(old.ExpiresAt.Truncate(time.Microsecond)) {
			t.Fatalf("SessionByHash expired = %+v, %v; want it returned", got, err)
		}
		_, err = db.SessionByHash(ctx, "unknown")
		wantAccountCode(t, "SessionByHash unknown", err, apperr.NotFound)

		if err := db.DeleteSession(ctx, "h1"); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		_, err = db.SessionByHash(ctx, "h1")
		wantAccountCode(t, "SessionByHash after DeleteSession", err, apperr.NotFound)
		if err := db.DeleteSession(ctx, "h1"); err != nil {
			t.Fatalf("DeleteSession twice: %v; want nil", err)
		}
	})
}

// TestAccountPasswordAndSessionsOf: setting a password hash ends the
// user's sessions but the one kept, and only theirs; so does
// DeleteSessionsOf, without touching the password.
func TestAccountPasswordAndSessionsOf(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann, _ := accountFixture(t, db, "ann@example.com", "acme")
		bob, _ := accountFixture(t, db, "bob@example.com", "bobco")
		now := time.Now()
		session := func(hash string, u account.User) {
			t.Helper()
			if err := db.CreateSession(ctx, hash, account.Session{UserID: u.ID, CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, ""); err != nil {
				t.Fatalf("CreateSession %s: %v", hash, err)
			}
		}
		wantSessions := func(what string, want map[string]bool) {
			t.Helper()
			for hash, alive := range want {
				_, err := db.SessionByHash(ctx, hash)
				if got := err == nil; got != alive {
					t.Errorf("%s: session %s there = %v (%v); want %v", what, hash, got, err, alive)
				}
			}
		}
		for _, h := range []string{"a1", "a2", "a3"} {
			session(h, ann)
		}
		session("b1", bob)

		if err := db.SetPasswordHash(ctx, ann.ID, "new-hash", "a1"); err != nil {
			t.Fatalf("SetPasswordHash: %v", err)
		}
		if _, hash, err := db.UserByEmail(ctx, ann.Email); err != nil || hash != "new-hash" {
			t.Fatalf("hash after SetPasswordHash = %q, %v; want new-hash", hash, err)
		}
		wantSessions("after SetPasswordHash keeping a1", map[string]bool{"a1": true, "a2": false, "a3": false, "b1": true})
		if _, hash, _ := db.UserByEmail(ctx, bob.Email); hash != "hash-"+bob.Email {
			t.Fatalf("bob's hash = %q after ann's changed; want it untouched", hash)
		}
		wantAccountCode(t, "SetPasswordHash unknown", db.SetPasswordHash(ctx, 9999, "h", ""), apperr.NotFound)

		session("a4", ann)
		session("a5", ann)
		if n, err := db.DeleteSessionsOf(ctx, ann.ID, "a4"); err != nil || n != 2 {
			t.Fatalf("DeleteSessionsOf keeping a4 = %d, %v; want a1 and a5 gone", n, err)
		}
		wantSessions("after DeleteSessionsOf keeping a4", map[string]bool{"a1": false, "a4": true, "a5": false, "b1": true})
		if _, hash, _ := db.UserByEmail(ctx, ann.Email); hash != "new-hash" {
			t.Fatalf("hash after DeleteSessionsOf = %q; want it unchanged", hash)
		}

		if err := db.SetPasswordHash(ctx, ann.ID, "third-hash", ""); err != nil {
			t.Fatalf("SetPasswordHash keeping none: %v", err)
		}
		wantSessions("after SetPasswordHash keeping none", map[string]bool{"a4": false, "b1": true})
	})
}

func TestAccountTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann, acme := accountFixture(t, db, "ann@example.com", "acme")
		bob, bobco := accountFixture(t, db, "bob@example.com", "bobco")
		created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		t1, err := db.CreateToken(ctx, account.Token{WorkspaceID: acme.ID, UserID: ann.ID, Name: "ci", Role: account.Editor, CreatedAt: created}, "th1")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if t1.ID == 0 || !t1.CreatedAt.Equal(created) || t1.LastUsedAt != nil || t1.RevokedAt != nil {
			t.Fatalf("CreateToken returned %+v; want an id, the creation time and no use or revocation", t1)
		}
		t2, err := db.CreateToken(ctx, account.Token{WorkspaceID: acme.ID, UserID: ann.ID, Name: "bi", Role: account.Analyst}, "th2")
		if err != nil {
			t.Fatalf("CreateToken 2: %v", err)
		}
		t3, err := db.CreateToken(ctx, account.Token{WorkspaceID: bobco.ID, UserID: bob.ID, Name: "bob", Role: account.Owner}, "th3")
		if err != nil {
			t.Fatalf("CreateToken 3: %v", err)
		}

		got, err := db.TokenByHash(ctx, "th1")
		if err != nil || got.ID != t1.ID || got.Role != account.Editor || got.Name != "ci" || got.WorkspaceID != acme.ID || got.UserID != ann.ID {
			t.Fatalf("TokenByHash = %+v, %v; want %+v", got, err, t1)
		}
		_, err = db.TokenByHash(ctx, "nope")
		wantAccountCode(t, "TokenByHash unknown", err, apperr.NotFound)

		list, err := db.Tokens(ctx, acme.ID)
		if err != nil || len(list) != 2 || list[0].ID != t1.ID || list[1].ID != t2.ID {
			t.Fatalf("Tokens(acme) = %+v, %v; want t1 and t2", list, err)
		}

		used := time.Date(2025, 3, 2, 8, 0, 0, 0, time.UTC)
		if err := db.TouchToken(ctx, t1.ID, used); err != nil {
			t.Fatalf("TouchToken: %v", err)
		}
		if got, _ := db.TokenByHash(ctx, "th1"); got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
			t.Fatalf("LastUsedAt = %v; want %v", got.LastUsedAt, used)
		}
		wantAccountCode(t, "TouchToken unknown", db.TouchToken(ctx, 9999, used), apperr.NotFound)

		// Dating a token sets its creation and last use, or clears the use.
		made := time.Date(2025, 1, 5, 6, 0, 0, 0, time.UTC)
		if err := db.DateToken(ctx, t2.ID, made, &used); err != nil {
			t.Fatalf("DateToken: %v", err)
		}
		if got, _ := db.TokenByHash(ctx, "th2"); !got.CreatedAt.Equal(made) || got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
			t.Fatalf("after DateToken: created %v, used %v; want %v, %v", got.CreatedAt, got.LastUsedAt, made, used)
		}
		if err := db.DateToken(ctx, t2.ID, made, nil); err != nil {
			t.Fatalf("DateToken without use: %v", err)
		}
		if got, _ := db.TokenByHash(ctx, "th2"); got.LastUsedAt != nil {
			t.Fatalf("after DateToken without use: used %v; want never", got.LastUsedAt)
		}
		wantAccountCode(t, "DateToken unknown", db.DateToken(ctx, 9999, made, nil), apperr.NotFound)

		// Revoking is scoped by workspace.
		revoked := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
		wantAccountCode(t, "RevokeToken from another workspace", db.RevokeToken(ctx, bobco.ID, t1.ID, revoked), apperr.NotFound)
		if got, _ := db.TokenByHash(ctx, "th1"); got.RevokedAt != nil {
			t.Fatalf("token revoked through another workspace")
		}
		if err := db.RevokeToken(ctx, acme.ID, t1.ID, revoked); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		if err := db.RevokeToken(ctx, acme.ID, t1.ID, revoked.Add(time.Hour)); err != nil {
			t.Fatalf("RevokeToken again: %v", err)
		}
		if got, _ := db.TokenByHash(ctx, "th1"); got.RevokedAt == nil || !got.RevokedAt.Equal(revoked) {
			t.Fatalf("RevokedAt = %v; want the first revocation %v", got.RevokedAt, revoked)
		}
		wantAccountCode(t, "RevokeToken unknown", db.RevokeToken(ctx, acme.ID, 9999, revoked), apperr.NotFound)

		// Cleanup removes revoked tokens only once their time has passed.
		if n, err := db.DeleteExpired(ctx, revoked); err != nil || n != 0 {
			t.Fatalf("DeleteExpired at the revocation time = %d, %v; want 0", n, err)
		}
		if n, err := db.DeleteExpired(ctx, revoked.Add(time.Second)); err != nil || n != 1 {
			t.Fatalf("DeleteExpired after revocation = %d, %v; want 1", n, err)
		}
		_, err = db.TokenByHash(ctx, "th1")
		wantAccountCode(t, "TokenByHash after cleanup", err, apperr.NotFound)
		for _, h := range []string{"th2", "th3"} {
			if _, err := db.TokenByHash(ctx, h); err != nil {
				t.Fatalf("unrevoked token %s went in the cleanup: %v", h, err)
			}
		}
		if list, _ := db.Tokens(ctx, bobco.ID); len(list) != 1 || list[0].ID != t3.ID {
			t.Fatalf("Tokens(bobco) = %+v; want only t3", list)
		}
	})
}

func TestAccountAudit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann, acme := accountFixture(t, db, "ann@example.com", "acme")
		_, bobco := accountFixture(t, db, "bob@example.com", "bobco")
		at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		for i, a := range []string{"a1", "a2", "a3", "a4", "a5"} {
			e := account.AuditEntry{WorkspaceID: acme.ID, UserID: ann.ID, Actor: ann.Email, Action: a, Target: "t", Detail: "d", IP: "10.0.0.0/24", CreatedAt: at.Add(time.Duration(i) * time.Minute)}
			if err := db.AddAudit(ctx, e); err != nil {
				t.Fatalf("AddAudit: %v", err)
			}
		}
		if err := db.AddAudit(ctx, account.AuditEntry{WorkspaceID: bobco.ID, Actor: "bob", Action: "other", CreatedAt: at}); err != nil {
			t.Fatalf("AddAudit bobco: %v", err)
		}
		if err := db.AddAudit(ctx, account.AuditEntry{Actor: "system", Action: "instance"}); err != nil {
			t.Fatalf("AddAudit without a workspace: %v", err)
		}

		actions := func(es []account.AuditEntry) []string {
			var out []string
			for _, e := range es {
				out = append(out, e.Action)
			}
			return out
		}
		page1, err := db.Audit(ctx, acme.ID, 2, 0)
		if err != nil || len(page1) != 2 || page1[0].Action != "a5" || page1[1].Action != "a4" {
			t.Fatalf("Audit first page = %v, %v; want [a5 a4]", actions(page1), err)
		}
		e := page1[0]
		if e.WorkspaceID != acme.ID || e.UserID != ann.ID || e.Actor != ann.Email || e.Target != "t" || e.Detail != "d" || e.IP != "10.0.0.0/24" || !e.CreatedAt.Equal(at.Add(4*time.Minute)) {
			t.Fatalf("Audit entry = %+v; want every field kept", e)
		}
		page2, err := db.Audit(ctx, acme.ID, 2, page1[1].ID)
		if err != nil || len(page2) != 2 || page2[0].Action != "a3" || page2[1].Action != "a2" {
			t.Fatalf("Audit second page = %v, %v; want [a3 a2]", actions(page2), err)
		}
		page3, err := db.Audit(ctx, acme.ID, 2, page2[1].ID)
		if err != nil || len(page3) != 1 || page3[0].Action != "a1" {
			t.Fatalf("Audit last page = %v, %v; want [a1]", actions(page3), err)
		}
		all, err := db.Audit(ctx, acme.ID, 100, 0)
		if err != nil || len(all) != 5 {
			t.Fatalf("Audit(acme) = %v, %v; want its 5 entries only", actions(all), err)
		}
		other, err := db.Audit(ctx, bobco.ID, 100, 0)
		if err != nil || len(other) != 1 || other[0].Action != "other" || other[0].UserID != 0 {
			t.Fatalf("Audit(bobco) = %+v, %v; want its one entry without a user", other, err)
		}
	})
}

func TestAccountSecrets(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := db.Secret(ctx, "k")
		wantAccountCode(t, "Secret unset", err, apperr.NotFound)
		if err := db.SetSecret(ctx, "k", "v1"); err != nil {
			t.Fatalf("SetSecret: %v", err)
		}
		if err := db.SetSecret(ctx, "k", "v2"); err != nil {
			t.Fatalf("SetSecret again: %v", err)
		}
		if v, err := db.Secret(ctx, "k"); err != nil || v != "v2" {
			t.Fatalf("Secret = %q, %v; want v2", v, err)
		}
		if err := db.DeleteSecret(ctx, "k"); err != nil {
			t.Fatalf("DeleteSecret: %v", err)
		}
		_, err = db.Secret(ctx, "k")
		wantAccountCode(t, "Secret after DeleteSecret", err, apperr.NotFound)
		if err := db.DeleteSecret(ctx, "k"); err != nil {
			t.Fatalf("DeleteSecret twice: %v; want nil", err)
		}
		// KeepSecret stores only the first candidate.
		for _, c := range []string{"first", "second"} {
			if v, err := db.KeepSecret(ctx, "kept", c); err != nil || v != "first" {
				t.Fatalf("KeepSecret(%q) = %q, %v; want first", c, v, err)
			}
		}
	})
}

// TestUpgradeForgetsAddresses: a database that stored client addresses
// (before 0030) keeps none after the upgrade: failed sign-ins under the
// old keys go, and the audit log and sessions keep an IPv4 address's /24
// and nothing of an IPv6 one.
func TestUpgradeForgetsAddresses(t *testing.T) {
	eachUpgrade(t, "0027_click_marks_at.sql", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Now().UTC().Truncate(time.Second)
		w := db.WriteDB()
		for _, q := range []string{
			`INSERT INTO users (id, email, name, password_hash, is_admin, locale, created_at, updated_at) VALUES (1, 'ann@example.com', 'Ann', 'h', FALSE, '', $1, $1)`,
			`INSERT INTO workspaces (id, slug, name, time_zone, currency, created_at, updated_at) VALUES (1, 'w', 'W', 'UTC', 'CNY', $1, $1)`,
			`INSERT INTO sign_in_failures (key, at) VALUES ('ip:203.0.113.77', $1), ('user:ann@example.com', $1)`,
			`INSERT INTO audit_log (workspace_id, user_id, actor, action, target, ip, created_at) VALUES
				(1, 1, 'ann', 'a', 't', '203.0.113.77', $1), (1, 1, 'ann', 'b', 't', '2001:db8:abcd:12::1', $1),
				(1, 1, 'ann', 'c', 't', '', $1), (1, 1, 'ann', 'd', 't', 'pipe', $1)`,
			`INSERT INTO sessions (token_hash, user_id, csrf_token, ip, user_agent, created_at, expires_at) VALUES
				('s1', 1, 'c', '198.51.100.23', 'ua', $1, $1), ('s2', 1, 'c', '2001:db8::7', 'ua', $1, $1)`,
		} {
			if _, err := w.ExecContext(ctx, q, at); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var failures int
		if err := w.QueryRowContext(ctx, `SELECT COUNT(*) FROM sign_in_failures`).Scan(&failures); err != nil || failures != 0 {
			t.Errorf("failed sign-ins after the upgrade: %d, %v; want none", failures, err)
		}
		entries, err := db.Audit(ctx, 1, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Action+"="+e.IP)
		}
		if want := []string{"d=", "c=", "b=", "a=203.0.113.0/24"}; !slices.Equal(got, want) {
			t.Errorf("audit after the upgrade %q; want %q", got, want)
		}
		for token, want := range map[string]string{"s1": "198.51.100.0/24", "s2": ""} {
			var ip string
			if err := w.QueryRowContext(ctx, `SELECT ip FROM sessions WHERE token_hash = $1`, token).Scan(&ip); err != nil || ip != want {
				t.Errorf("session %s's ip after the upgrade %q, %v; want %q", token, ip, err, want)
			}
		}
	})
}

func TestAccountCreateFirstOwner(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := account.Workspace{Slug: "acme", Name: "Acme", TimeZone: "Asia/Shanghai", Currency: "CNY"}
		u := account.User{Email: "ann@example.com", Name: "Ann"}

		// No setup secret at all.
		_, _, err := db.CreateFirstOwner(ctx, "hash", u, "pw", ws)
		wantAccountCode(t, "CreateFirstOwner without a setup secret", err, apperr.Conflict)

		if err := db.SetSecret(ctx, "setup_token", "hash"); err != nil {
			t.Fatalf("SetSecret: %v", err)
		}
		_, _, err = db.CreateFirstOwner(ctx, "wrong", u, "pw", ws)
		wantAccountCode(t, "CreateFirstOwner with a wrong hash", err, apperr.Conflict)
		if n, _ := db.CountUsers(ctx); n != 0 {
			t.Fatalf("users after a refused setup = %d; want 0", n)
		}
		if all, _ := db.AllWorkspaces(ctx); len(all) != 0 {
			t.Fatalf("workspaces after a refused setup = %+v; want none", all)
		}
		if v, err := db.Secret(ctx, "setup_token"); err != nil || v != "hash" {
			t.Fatalf("setup secret after a refused setup = %q, %v; want it kept", v, err)
		}

		owner, w, err := db.CreateFirstOwner(ctx, "hash", u, "pw", ws)
		if err != nil {
			t.Fatalf("CreateFirstOwner: %v", err)
		}
		if owner.ID == 0 || !owner.IsAdmin || w.ID == 0 || w.Slug != "acme" {
			t.Fatalf("CreateFirstOwner = %+v, %+v; want an admin and the workspace", owner, w)
		}
		if role, err := db.MemberRole(ctx, w.ID, owner.ID); err != nil || role != account.Owner {
			t.Fatalf("first owner's role = %q, %v; want owner", role, err)
		}
		if _, hash, _ := db.UserByEmail(ctx, "ann@example.com"); hash != "pw" {
			t.Fatalf("password hash = %q; want pw", hash)
		}
		_, err = db.Secret(ctx, "setup_token")
		wantAccountCode(t, "setup secret after setup", err, apperr.NotFound)

		// Second time: refused even with a fresh secret, because users exist.
		if err := db.SetSecret(ctx, "setup_token", "hash"); err != nil {
			t.Fatalf("SetSecret: %v", err)
		}
		_, _, err = db.CreateFirstOwner(ctx, "hash", account.User{Email: "eve@example.com"}, "pw", account.Workspace{Slug: "evil", Name: "Evil", TimeZone: "UTC", Currency: "USD"})
		wantAccountCode(t, "second CreateFirstOwner", err, apperr.Conflict)
		if n, _ := db.CountUsers(ctx); n != 1 {
			t.Fatalf("users after a second setup = %d; want 1", n)
		}
		if _, err := db.WorkspaceBySlug(ctx, "evil"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("workspace of a refused setup: %v; want NotFound", err)
		}
		if v, err := db.Secret(ctx, "setup_token"); err != nil || v != "hash" {
			t.Fatalf("setup secret after a refused second setup = %q, %v; want it kept", v, err)
		}
	})
}

func TestAccountDeleteExpired(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann, acme := accountFixture(t, db, "ann@example.com", "acme")
		now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		sessions := map[string]time.Time{
			"gone1": now.Add(-48 * time.Hour),
			"gone2": now.Add(-time.Microsecond),
			"edge":  now, // expires_at < now is false
			"live":  now.Add(time.Hour),
		}
		for h, exp := range sessions {
			if err := db.CreateSession(ctx, h, account.Session{UserID: ann.ID, CSRFToken: "c", CreatedAt: exp.Add(-time.Hour), ExpiresAt: exp}, ""); err != nil {
				t.Fatalf("CreateSession %s: %v", h, err)
			}
		}
		tokens := map[string]*time.Time{"revoked-old": accountPtr(now.Add(-time.Hour)), "revoked-later": accountPtr(now.Add(time.Hour)), "live": nil}
		for h, rev := range tokens {
			tok, err := db.CreateToken(ctx, account.Token{WorkspaceID: acme.ID, UserID: ann.ID, Name: h, Role: account.Owner}, h)
			if err != nil {
				t.Fatalf("CreateToken %s: %v", h, err)
			}
			if rev != nil {
				if err := db.RevokeToken(ctx, acme.ID, tok.ID, *rev); err != nil {
					t.Fatalf("RevokeToken %s: %v", h, err)
				}
			}
		}
		// A time in another zone is the same instant.
		n, err := db.DeleteExpired(ctx, now.In(time.FixedZone("CST", 8*3600)))
		if err != nil || n != 3 {
			t.Fatalf("DeleteExpired = %d, %v; want 3 (two sessions, one token)", n, err)
		}
		for h := range sessions {
			_, err := db.SessionByHash(ctx, h)
			if gone := apperr.Is(err, apperr.NotFound); gone != (h == "gone1" || h == "gone2") {
				t.Fatalf("session %s: SessionByHash err = %v after cleanup", h, err)
			}
		}
		for h := range tokens {
			_, err := db.TokenByHash(ctx, h)
			if gone := apperr.Is(err, apperr.NotFound); gone != (h == "revoked-old") {
				t.Fatalf("token %s: TokenByHash err = %v after cleanup", h, err)
			}
		}
		if n, err := db.DeleteExpired(ctx, now); err != nil || n != 0 {
			t.Fatalf("second DeleteExpired = %d, %v; want 0", n, err)
		}
	})
}

func accountPtr[T any](v T) *T { return &v }

// TestClearSignInFailuresWithPrefix: the failures of the keys that begin
// with the prefix go, and no others: not a key the prefix is a prefix of
// without its last character, not one that differs in case, and an empty
// prefix clears nothing.
func TestClearSignInFailuresWithPrefix(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		keys := []string{"pair#ab#1", "pair#ab#2", "pair#ab#2", "pair#abc#1", "pair#AB#1", "user#ab", "x-pair#ab#1"}
		if err := db.AddSignInFailures(ctx, keys, at); err != nil {
			t.Fatal(err)
		}
		if err := db.ClearSignInFailuresWithPrefix(ctx, ""); err == nil {
			t.Error("ClearSignInFailuresWithPrefix with no prefix: no error; want one")
		}
		if err := db.ClearSignInFailuresWithPrefix(ctx, "pair#ab#"); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]int{"pair#ab#1": 0, "pair#ab#2": 0, "pair#abc#1": 1, "pair#AB#1": 1, "user#ab": 1, "x-pair#ab#1": 1} {
			if got := failures(t, db, k); got != want {
				t.Errorf("%s: %d failures left; want %d", k, got, want)
			}
		}
	})
}

func TestMoneyRecorded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, ws := accountFixture(t, db, "ann@example.com", "acme")
		_, other := accountFixture(t, db, "bob@example.com", "bobco")
		now := time.Now().UTC()
		check := func(when string, id int64, want bool) {
			t.Helper()
			if got, err := db.MoneyRecorded(ctx, id); err != nil || got != want {
				t.Errorf("%s: MoneyRecorded = %v, %v; want %v", when, got, err, want)
			}
		}
		check("empty", ws.ID, false)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.WriteDB().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO conversions (workspace_id, event, value, at) VALUES ($1, 'lead', 0, $2)`, ws.ID, now)
		check("a lead without value", ws.ID, false)
		exec(`INSERT INTO conversions (workspace_id, event, value, currency, at) VALUES ($1, 'purchase', 19.9, 'CNY', $2)`, ws.ID, now)
		check("a purchase", ws.ID, true)
		check("another workspace", other.ID, false)
		draftCampaign(t, db, other.ID)
		check("a campaign", other.ID, true)
	})
}

// draftCampaign stores a draft campaign in workspace ws, whose budget,
// however empty, is an amount in the workspace's currency.
func draftCampaign(t *testing.T, db *store.DB, ws int64) {
	t.Helper()
	if _, err := db.WriteDB().ExecContext(context.Background(), `INSERT INTO campaigns (workspace_id, slug, name, objective, status, start_date, end_date, body, created_at, updated_at)
		VALUES ($1, 'c', 'C', 'sales', 'draft', '2026-01-01', '2026-01-31', '{}', $2, $2)`, ws, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
}

// TestWorkspaceCurrencyStaysWithMoney: the store itself refuses to
// change the currency of a workspace with amounts in it, in the statement
// that changes it, so that a campaign saved between the service's look
// and the change cannot be left in a currency it was not typed in; the
// name still changes, and a workspace without amounts changes currency.
func TestWorkspaceCurrencyStaysWithMoney(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, ws := accountFixture(t, db, "ann@example.com", "acme")
		_, other := accountFixture(t, db, "bob@example.com", "bobco")
		draftCampaign(t, db, ws.ID)
		change := func(w account.Workspace, name, currency string) error {
			w.Name, w.Currency = name, currency
			return db.UpdateWorkspace(ctx, w)
		}
		wantCode(t, "a campaign's workspace to USD", change(ws, "Acme", "USD"), apperr.Conflict)
		if err := change(ws, "Acme Ltd", ws.Currency); err != nil {
			t.Errorf("rename keeping the currency: %v", err)
		}
		if err := change(other, "Bob", "USD"); err != nil {
			t.Errorf("a workspace without amounts to USD: %v", err)
		}
		for _, c := range []struct {
			slug, name, currency string
		}{{"acme", "Acme Ltd", ws.Currency}, {"bobco", "Bob", "USD"}} {
			if got, err := db.WorkspaceBySlug(ctx, c.slug); err != nil || got.Name != c.name || got.Currency != c.currency {
				t.Errorf("%s = %+v, %v; want %s in %s", c.slug, got, err, c.name, c.currency)
			}
		}
		wantCode(t, "no such workspace", change(account.Workspace{ID: other.ID + 100, Name: "x", TimeZone: "UTC", Currency: "USD"}, "x", "USD"), apperr.NotFound)
	})
}

// TestAccountInvitations: an invitation's role is changed by inviting
// again; claiming makes the user a member of every workspace that invited
// the address, keeps a member's role, and deletes the invitations.
func TestAccountInvitations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, acme := accountFixture(t, db, "ann@example.com", "acme")
		_, bobco := accountFixture(t, db, "bob@example.com", "bobco")
		at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		for _, inv := range []struct {
			ws   int64
			role account.Role
		}{{acme.ID, account.Analyst}, {acme.ID, account.Editor}, {bobco.ID, account.Admin}} {
			if err := db.PutInvitation(ctx, inv.ws, account.Invitation{Email: "cy@example.com", Role: inv.role, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.PutInvitation(ctx, acme.ID, account.Invitation{Email: "dee@example.com", Role: account.Agent, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		invs, err := db.Invitations(ctx, acme.ID)
		if err != nil || len(invs) != 2 || invs[0].Email != "cy@example.com" || invs[0].Role != account.Editor || !invs[0].CreatedAt.Equal(at) || invs[1].Email != "dee@example.com" {
			t.Fatalf("Invitations(acme) = %+v, %v; want cy@ as editor, dee@", invs, err)
		}
		wantAccountCode(t, "DeleteInvitation of none", db.DeleteInvitation(ctx, bobco.ID, "dee@example.com"), apperr.NotFound)
		if err := db.DeleteInvitation(ctx, acme.ID, "dee@example.com"); err != nil {
			t.Fatal(err)
		}
		cy, err := db.CreateUser(ctx, account.User{Email: "cy@example.com", Name: "Cy"}, "h")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PutMember(ctx, bobco.ID, cy.ID, account.Analyst); err != nil {
			t.Fatal(err)
		}
		if n, err := db.ClaimInvitations(ctx, cy.ID, cy.Email); err != nil || n != 2 {
			t.Fatalf("ClaimInvitations = %d, %v; want 2", n, err)
		}
		for ws, want := range map[int64]account.Role{acme.ID: account.Editor, bobco.ID: account.Analyst} {
			if role, err := db.MemberRole(ctx, ws, cy.ID); err != nil || role != want {
				t.Errorf("role in %d after claiming = %q, %v; want %q", ws, role, err, want)
			}
		}
		if n, err := db.ClaimInvitations(ctx, cy.ID, cy.Email); err != nil || n != 0 {
			t.Fatalf("ClaimInvitations again = %d, %v; want 0", n, err)
		}
		if invs, _ := db.Invitations(ctx, bobco.ID); len(invs) != 0 {
			t.Fatalf("Invitations(bobco) after claiming = %+v; want none", invs)
		}
	})
}

// TestRemovedMemberStaysOut: removing a member also withdraws an
// invitation of their address into the workspace (an operator may have
// added them at once while it was pending), so that signing in again
// does not bring them back.
func TestRemovedMemberStaysOut(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, acme := accountFixture(t, db, "ann@example.com", "acme")
		cy, err := db.CreateUser(ctx, account.User{Email: "cy@example.com", Name: "Cy"}, "h")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PutInvitation(ctx, acme.ID, account.Invitation{Email: cy.Email, Role: account.Editor, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := db.PutMember(ctx, acme.ID, cy.ID, account.Analyst); err != nil {
			t.Fatal(err)
		}
		if err := db.RemoveMember(ctx, acme.ID, cy.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n, err := db.ClaimInvitations(ctx, cy.ID, cy.Email); err != nil || n != 0 {
			t.Errorf("ClaimInvitations after the removal = %d, %v; want 0", n, err)
		}
		if role, err := db.MemberRole(ctx, acme.ID, cy.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("role of the removed member after signing in = %q, %v; want NotFound", role, err)
		}
	})
}
