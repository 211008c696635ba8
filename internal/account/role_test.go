package account_test

import (
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
)

func TestRoleCan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		role account.Role
		perm account.Permission
		want bool
	}{
		{account.Analyst, account.EditBrand, false},
		{account.Strategist, account.EditBrand, true},
		{account.Agent, account.ReplyInbox, true},
		{account.Agent, account.EditContent, false},
		{account.Editor, account.ApproveContent, false},
		{account.Approver, account.ApproveContent, true},
		{account.Strategist, account.ManageMembers, false},
		{account.Admin, account.ManageMembers, true},
		{account.Owner, account.ReadAudit, true},
		{account.Analyst, account.ReadReports, true},
		{"boss", account.ReadWorkspace, false},
		{"", account.ReadWorkspace, false},
	}
	for _, c := range cases {
		t.Run(string(c.role)+"/"+string(c.perm), func(t *testing.T) {
			if got := c.role.Can(c.perm); got != c.want {
				t.Fatalf("%q.Can(%q) = %v; want %v", c.role, c.perm, got, c.want)
			}
		})
	}
	for _, r := range account.Roles {
		if !r.Can(account.ReadWorkspace) {
			t.Errorf("%q cannot ReadWorkspace; every role must", r)
		}
		if !r.Can(account.ManageTokens) {
			t.Errorf("%q cannot ManageTokens; every role may make its own tokens", r)
		}
		if ps := r.Permissions(); len(ps) == 0 || ps[0] != account.ReadWorkspace {
			t.Errorf("%q.Permissions() = %v; want ReadWorkspace first", r, ps)
		}
	}
}

func TestRoleGrantableBy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		r, actor account.Role
		want     bool
	}{
		{account.Owner, account.Owner, true},
		{account.Admin, account.Owner, true},
		{account.Owner, account.Admin, false},
		{account.Admin, account.Admin, true},
		{account.Agent, account.Strategist, false}, // inbox.reply is not a strategist's
		{account.Editor, account.Strategist, true},
		{account.Strategist, account.Editor, false},
		{account.Approver, account.Editor, false}, // content.approve is not an editor's
		{account.Agent, account.Analyst, false},
		{account.Analyst, account.Agent, false},
		{account.Analyst, account.Approver, true},
		{"boss", account.Owner, false},
		{account.Agent, "boss", false},
	}
	for _, c := range cases {
		if got := c.r.GrantableBy(c.actor); got != c.want {
			t.Errorf("%q.GrantableBy(%q) = %v; want %v", c.r, c.actor, got, c.want)
		}
	}
}

func TestPrincipalRequire(t *testing.T) {
	t.Parallel()
	p := account.Principal{Role: account.Analyst}
	if err := p.Require(account.ReadReports); err != nil {
		t.Fatalf("analyst Require(ReadReports) = %v; want nil", err)
	}
	wantCode(t, "analyst Require(EditBrand)", p.Require(account.EditBrand), "forbidden")
}
