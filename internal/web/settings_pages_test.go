package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestSettingsFormErrors checks that an error of one of the settings
// page's three forms shows beside that form, in words, and that only the
// posted form is refilled: a failed token refilling the workspace form
// with the token's name had the next save rename the workspace.
func TestSettingsFormErrors(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.tenant("acme", account.Owner)
	b := h.browser()
	b.login("acme@example.com", "correct horse battery")
	b.get("/w/acme/settings")

	workspaceName := `id="f-name" name="name" type="text" value="WS acme"`
	timeZone := `value="Asia/Shanghai"`
	cases := []struct {
		name          string
		path          string
		form          url.Values
		contains, not []string
	}{
		{"token with an unknown role", "/w/acme/settings/tokens", url.Values{"name": {"CI 令牌"}, "role": {"superuser"}},
			[]string{workspaceName, timeZone, `name="name" maxlength="100" value="CI 令牌" `, "未知角色",
				`<select name="role" aria-invalid="true" aria-describedby="token-role-err">`, `<div class="field-error" id="token-role-err">`},
			[]string{`value="CI 令牌" required`, "field.workspace"}},
		{"member with an unknown role", "/w/acme/settings/members", url.Values{"email": {"who@example.com"}, "role": {"superuser"}},
			[]string{workspaceName, timeZone, `value="who@example.com"`, "未知角色",
				`<select name="role" aria-invalid="true" aria-describedby="member-role-err">`, `<div class="field-error" id="member-role-err">`},
			[]string{"field.workspace"}},
		{"member without an email", "/w/acme/settings/members", url.Values{"email": {""}, "role": {"editor"}},
			[]string{workspaceName, `<div class="field-error" id="member-email-err">必填。</div>`, `aria-invalid="true" aria-describedby="member-email-err"`},
			[]string{"找不到邮箱", "field.workspace"}},
		{"workspace without a name", "/w/acme/settings", url.Values{"name": {""}, "time_zone": {"Europe/Paris"}, "currency": {"EUR"}},
			[]string{`value="Europe/Paris"`, `id="f-name-err"`},
			[]string{workspaceName}},
		{"workspace currency of three capitals that no country uses", "/w/acme/settings", url.Values{"name": {"WS acme"}, "time_zone": {"Asia/Shanghai"}, "currency": {"XYZ"}},
			[]string{`value="XYZ"`, "“XYZ”不是 ISO 4217 货币代码"},
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := b.post(c.path, c.form)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", status)
			}
			for _, s := range c.contains {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range c.not {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
		})
	}
}

// TestSettingsLastOwner: the only owner of a workspace has no remove
// button, since removing them is refused on an error page; once a second
// owner joins, either may be removed.
func TestSettingsLastOwner(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	u, err := h.accounts.UserByEmail(ctx, owner.email)
	must(t, err)
	b := h.browser()
	b.login(owner.email, owner.password)
	removeOwner := `action="/w/acme/settings/members/` + itoa64(u.ID) + `/delete"`

	_, body := b.get("/w/acme/settings")
	if strings.Contains(body, removeOwner) {
		t.Errorf("the only owner has a remove button")
	}
	second, err := h.accounts.CreateUser(ctx, "second@example.com", "Second", "correct horse battery", false)
	must(t, err)
	if status, _, _ := b.post("/w/acme/settings/members", url.Values{"email": {"second@example.com"}, "role": {"owner"}}); status != http.StatusSeeOther {
		t.Fatalf("add a second owner: %d", status)
	}
	_, body = b.get("/w/acme/settings")
	if !strings.Contains(body, removeOwner) || !strings.Contains(body, `action="/w/acme/settings/members/`+itoa64(second.ID)+`/delete"`) {
		t.Errorf("with two owners, each lacks a remove button")
	}
}

// TestTokenTableStacksOnPhone: the API tokens turn into a block per token
// on a phone, each date after its column's name, rather than a table
// scrolled sideways whose revoke button sits off screen.
func TestTokenTableStacksOnPhone(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.browser()
	b.login(owner.email, owner.password)
	b.get("/w/acme/settings")
	if status, _, _ := b.post("/w/acme/settings/tokens", url.Values{"name": {"CI 令牌"}}); status != http.StatusCreated {
		t.Fatalf("create a token: %d", status)
	}
	_, body := b.get("/w/acme/settings")
	for _, p := range stackProblems(t, body, "token-table") {
		t.Error(p)
	}
}

// TestCurrencyErrorNamesValue: the currency error names the code typed in
// both languages, and reads whole where no code is given.
func TestCurrencyErrorNamesValue(t *testing.T) {
	c, err := loadCatalog()
	must(t, err)
	for _, loc := range Locales {
		named := c.T(loc, "error.currency", map[string]any{"Value": "XYZ"})
		plain := c.T(loc, "error.currency", nil)
		if !strings.Contains(named, "“XYZ”") || !strings.Contains(named, "ISO 4217") {
			t.Errorf("%s: %q does not name the code", loc, named)
		}
		if strings.Contains(plain, "“") || strings.Contains(plain, "no value") || plain == "error.currency" {
			t.Errorf("%s: without a code, %q", loc, plain)
		}
	}
}
