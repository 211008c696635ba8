package web

import (
	"context"
	"fmt"
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
	b := h.signedIn(owner)
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
	// Invited, the second owner joins on signing in.
	h.browser().login("second@example.com", "correct horse battery")
	_, body = b.get("/w/acme/settings")
	if !strings.Contains(body, removeOwner) || !strings.Contains(body, `action="/w/acme/settings/members/`+itoa64(second.ID)+`/delete"`) {
		t.Errorf("with two owners, each lacks a remove button")
	}
}

// TestAddMemberRevealsNoAccounts: a workspace owner who is no operator
// gets the same answer, in either language, for an address with an
// account and for one without: both are invited, listed alike, and
// neither is told apart until its person signs in. An operator, who
// knows every account, is told of an address without one.
func TestAddMemberRevealsNoAccounts(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	b := h.signedIn(owner)
	ownerUser, err := h.accounts.UserByEmail(ctx, owner.email)
	must(t, err)
	for _, c := range []struct{ locale, known, unknown, flash, invited string }{
		{"zh-CN", "known@example.com", "nobody@example.com", "已发出邀请", "已邀请，尚未加入"},
		{"en", "known2@example.com", "nobody2@example.com", "Invited: they join", "invited, not yet joined"},
	} {
		must(t, h.accounts.SetLocale(ctx, ownerUser.ID, c.locale))
		_, err := h.accounts.CreateUser(ctx, c.known, "Known", "correct horse battery", false)
		must(t, err)
		var answers []string
		for _, email := range []string{c.known, c.unknown} {
			b.get("/w/acme/settings")
			status, body, hdr := b.post("/w/acme/settings/members", url.Values{"email": {email}, "role": {"editor"}})
			_, page := b.get("/w/acme/settings")
			if !strings.Contains(page, c.flash) {
				t.Errorf("%s: adding %s says no %q", c.locale, email, c.flash)
			}
			row := `<tr class="invitation"><td>` + email + ` <span class="muted small">` + c.invited + `</span></td>`
			if !strings.Contains(page, row) {
				t.Errorf("%s: settings do not list %s as invited: want %s", c.locale, email, row)
			}
			answers = append(answers, fmt.Sprint(status, hdr.Get("Location"), body))
		}
		if answers[0] != answers[1] {
			t.Errorf("%s: answers differ for an address with an account and one without:\n%s\n%s", c.locale, answers[0], answers[1])
		}
	}
	// The known address joins on signing in; the other stays invited
	// until withdrawn.
	h.browser().login("known@example.com", "correct horse battery")
	known, err := h.accounts.UserByEmail(ctx, "known@example.com")
	must(t, err)
	_, page := b.get("/w/acme/settings")
	if !strings.Contains(page, `action="/w/acme/settings/members/`+itoa64(known.ID)+`/delete"`) || strings.Contains(page, `<td>known@example.com <span`) {
		t.Errorf("known@ is not listed as a member after signing in")
	}
	if status, _, _ := b.post("/w/acme/settings/invitations/delete", url.Values{"email": {"nobody@example.com"}}); status != http.StatusSeeOther {
		t.Errorf("withdraw an invitation: %d", status)
	}
	if _, page := b.get("/w/acme/settings"); strings.Contains(page, "nobody@example.com") {
		t.Errorf("a withdrawn invitation is still listed")
	}

	_, err = h.accounts.CreateUser(ctx, "op@example.com", "Op", "correct horse battery", true)
	must(t, err)
	op := h.browser()
	op.login("op@example.com", "correct horse battery")
	op.get("/w/acme/settings")
	if status, body, _ := op.post("/w/acme/settings/members", url.Values{"email": {"ghost@example.com"}, "role": {"editor"}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "ghost@example.com") || !strings.Contains(body, "member-email-err") {
		t.Errorf("an operator adding an address without an account: %d, want 422 naming it", status)
	}
}

// TestTokenTableStacksOnPhone: the API tokens turn into a block per token
// on a phone, each date after its column's name, rather than a table
// scrolled sideways whose revoke button sits off screen.
func TestTokenTableStacksOnPhone(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
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

// TestSettingsPickers: the workspace's time zone and currency are chosen
// from lists labelled in the page's language (the zone with its UTC
// offset, the currency in both languages), with the stored values
// chosen; a value outside the lists is typed beside "other…", and a
// workspace's unlisted value stays listed and chosen, so that saving the
// form keeps it.
func TestSettingsPickers(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	b := h.signedIn(owner)
	stored := func() account.Workspace {
		t.Helper()
		w, err := h.db.WorkspaceBySlug(ctx, "acme")
		must(t, err)
		return w
	}
	save := func(form url.Values, want int) string {
		t.Helper()
		b.get("/w/acme/settings")
		form.Set("name", "WS acme")
		status, body, _ := b.post("/w/acme/settings", form)
		if status != want {
			t.Fatalf("save %v: status %d, want %d", form, status, want)
		}
		return body
	}
	// html/template writes + as &#43;, which a browser shows as +.
	has := func(body string, want ...string) {
		t.Helper()
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("page lacks %q in %s", s, between(body, `id="f-time_zone"`, `</form>`))
			}
		}
	}

	_, body := b.get("/w/acme/settings")
	has(body, `<optgroup label="常用时区"><option value="Asia/Shanghai" selected>中国标准时间 · 北京、上海（UTC&#43;08:00）</option><option value="Asia/Hong_Kong">香港时间（UTC&#43;08:00）</option>`,
		`<option value="Asia/Tokyo">日本标准时间 · 东京（UTC&#43;09:00）</option>`, `<option value="UTC">协调世界时（UTC&#43;00:00）</option>`,
		`<option value="Asia/Kolkata">印度标准时间 · 加尔各答（UTC&#43;05:30）</option>`, `<option value="America/Sao_Paulo">巴西利亚时间 · 圣保罗（UTC-03:00）</option>`,
		`<option value="other">其他时区…</option>`, `name="time_zone_other" type="text" value=""`,
		`<option value="CNY" selected>CNY · 人民币 · Chinese yuan</option>`, `<option value="HKD">HKD · 港币 · Hong Kong dollar</option>`,
		`<option value="other">其他币种…</option>`)
	if strings.Contains(body, `name="time_zone" type="text"`) || strings.Contains(body, `name="currency" type="text"`) {
		t.Error("the zone or the currency is still a text input")
	}

	// Chosen from the lists, in English.
	if status, _, _ := b.post("/lang", url.Values{"lang": {"en"}, "next": {"/w/acme/settings"}}); status != http.StatusSeeOther {
		t.Fatalf("switch to English: %d", status)
	}
	save(url.Values{"time_zone": {"Asia/Tokyo"}, "currency": {"JPY"}}, http.StatusSeeOther)
	if w := stored(); w.TimeZone != "Asia/Tokyo" || w.Currency != "JPY" {
		t.Errorf("stored %q %q, want Asia/Tokyo JPY", w.TimeZone, w.Currency)
	}
	_, body = b.get("/w/acme/settings")
	has(body, `<optgroup label="Common time zones"><option value="Asia/Shanghai">China Standard Time · Beijing, Shanghai (UTC&#43;08:00)</option>`,
		`<option value="Asia/Tokyo" selected>Japan Standard Time · Tokyo (UTC&#43;09:00)</option>`,
		`<option value="JPY" selected>JPY · Japanese yen · 日元</option>`, `<option value="other">Other currency…</option>`)

	// Typed beside "other…": stored as typed, then listed and chosen.
	save(url.Values{"time_zone": {"other"}, "time_zone_other": {" Asia/Kathmandu "}, "currency": {"other"}, "currency_other": {"NPR"}}, http.StatusSeeOther)
	if w := stored(); w.TimeZone != "Asia/Kathmandu" || w.Currency != "NPR" {
		t.Errorf("stored %q %q, want Asia/Kathmandu NPR", w.TimeZone, w.Currency)
	}
	_, body = b.get("/w/acme/settings")
	kathmandu := `<option value="Asia/Kathmandu" selected>Asia/Kathmandu (UTC&#43;05:45)</option>`
	has(body, kathmandu, `<option value="NPR" selected>NPR</option>`, `<option value="other">Other time zone…</option>`)
	if strings.Index(body, kathmandu) > strings.Index(body, `<optgroup label="Common time zones">`) {
		t.Error("the workspace's unlisted zone is not above the common ones")
	}

	// A currency stored before codes were checked stays listed and chosen,
	// and saving the form as shown keeps it.
	w := stored()
	w.Currency = "RMB"
	must(t, h.db.UpdateWorkspace(ctx, w))
	_, body = b.get("/w/acme/settings")
	has(body, `<option value="RMB" selected>RMB</option>`)
	save(url.Values{"time_zone": {"Asia/Kathmandu"}, "currency": {"RMB"}}, http.StatusSeeOther)
	if w := stored(); w.TimeZone != "Asia/Kathmandu" || w.Currency != "RMB" {
		t.Errorf("stored %q %q, want Asia/Kathmandu RMB kept", w.TimeZone, w.Currency)
	}

	// Refused values stay beside "other…" with their errors, and nothing
	// is saved.
	for _, tt := range []struct {
		name string
		form url.Values
		want []string
	}{
		{"an unknown zone posted by hand", url.Values{"time_zone": {"Mars/Olympus"}, "currency": {"USD"}},
			[]string{`Unknown time zone “Mars/Olympus”`, `<option value="other" selected>Other time zone…</option>`,
				`name="time_zone_other" type="text" value="Mars/Olympus"`, `aria-invalid="true" aria-describedby="f-time_zone-err"`,
				`<option value="USD" selected>`}},
		{"an unknown zone typed", url.Values{"time_zone": {"other"}, "time_zone_other": {"Asia/Peking"}, "currency": {"USD"}},
			[]string{`Unknown time zone “Asia/Peking”`, `value="Asia/Peking"`}},
		{"other zone left empty", url.Values{"time_zone": {"other"}, "time_zone_other": {" "}, "currency": {"USD"}},
			[]string{`<div class="field-error" id="f-time_zone-err">Required.`, `<option value="other" selected>Other time zone…</option>`}},
		{"a lower-case currency typed", url.Values{"time_zone": {"UTC"}, "currency": {"other"}, "currency_other": {"usd"}},
			[]string{`“usd” is not an ISO 4217 currency code`, `name="currency_other" type="text" value="usd"`, `<option value="UTC" selected>`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			has(save(tt.form, http.StatusUnprocessableEntity), tt.want...)
			if w := stored(); w.TimeZone != "Asia/Kathmandu" || w.Currency != "RMB" {
				t.Errorf("stored %q %q after a refused save", w.TimeZone, w.Currency)
			}
		})
	}
}

// TestLanguageFormWithoutLanguage: the language form posted without a
// language returns to the page it was sent from, in the language it had,
// where it showed an error page.
func TestLanguageFormWithoutLanguage(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/settings")
	status, body, hdr := b.post("/lang", url.Values{"next": {"/w/acme/settings"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/w/acme/settings" {
		t.Fatalf("status %d, Location %q: %.200s; want 303 to /w/acme/settings", status, hdr.Get("Location"), body)
	}
	if _, body := b.get("/w/acme/settings"); !strings.Contains(body, `<html lang="zh-CN">`) {
		t.Error("the page's language changed")
	}
}

// TestCurrencyChangeKeepsTypedCosts: the team's hourly costs (and the
// amplifiers' prices) carry no currency of their own: they are in the
// budget's, which is the workspace's until the budget is saved. A change
// of the workspace's currency, on the page or through the API, must not
// relabel them: 200 yuan an hour read as 200 dollars.
func TestCurrencyChangeKeepsTypedCosts(t *testing.T) {
	for _, via := range []string{"page", "api"} {
		t.Run(via, func(t *testing.T) {
			h := newHarness(t, storetest.SQLite(t))
			owner := h.tenant("acme", account.Owner)
			if status, got := h.api("POST", "/workspaces/acme/brand/team", owner.token, map[string]any{"name": "Wang", "weekly_hours": 10, "hourly_cost": 200}); status != http.StatusCreated {
				t.Fatalf("add team member: %d %v", status, got)
			}
			b := h.signedIn(owner)
			_, settings := b.get("/w/acme/settings")
			if !strings.Contains(settings, "hourly costs") && !strings.Contains(settings, "时薪") {
				t.Errorf("the currency's hint does not say what keeps its currency:\n%s", between(settings, `id="currency-hint"`, `</p>`))
			}
			if via == "page" {
				form := url.Values{"csrf": {b.csrf}, "name": {"WS acme"}, "time_zone": {"Asia/Shanghai"}, "currency": {"USD"}}
				if status, body, _ := b.do("POST", "/w/acme/settings", form, nil); status != http.StatusSeeOther {
					t.Fatalf("change currency: %d %s", status, body)
				}
			} else if status, got := h.api("PUT", "/workspaces/acme", owner.token, map[string]any{"name": "WS acme", "time_zone": "Asia/Shanghai", "currency": "USD"}); status != http.StatusOK {
				t.Fatalf("change currency: %d %v", status, got)
			}
			_, page := b.get("/w/acme/brand")
			if res := between(page, `id="resources"`, `</section>`); !strings.Contains(res, "2,000 CNY") || strings.Contains(res, "USD") {
				t.Errorf("after a change to USD, the team's cost is not in yuan:\n%s", res)
			}
			if _, got := h.api("GET", "/workspaces/acme/brand/budget", owner.token, nil); got["currency"] != "CNY" {
				t.Errorf("budget after a change to USD: %v; want its costs in CNY", got)
			}
		})
	}
}

// TestCurrencyInUseSaidBeforehand: once amounts are recorded in the
// workspace's currency, the settings page says beside the picker that it
// can no longer change, in both languages, where only a refused save told.
func TestCurrencyInUseSaidBeforehand(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	hint := func() string {
		_, page := b.get("/w/acme/settings")
		return between(page, `id="f-currency-hint"`, `</div>`)
	}
	c := mustCatalog(t)
	fixed := c.T("zh-CN", "settings.picker.currency.in_use", nil)
	if got := hint(); strings.Contains(got, fixed) {
		t.Errorf("a workspace without amounts says its currency is fixed: %s", got)
	}
	if status, got := h.api("POST", "/workspaces/acme/campaigns", owner.token, map[string]any{"name": "冬日暖咖季", "objective": "sales", "status": "draft", "start": "2026-12-01", "end": "2026-12-31", "budget": 5000}); status != http.StatusCreated {
		t.Fatalf("create campaign: %d %v", status, got)
	}
	if got := hint(); !strings.Contains(got, fixed) {
		t.Errorf("with a campaign's budget in CNY, the currency's hint does not say it is fixed: %s", got)
	}
	for _, loc := range Locales {
		if s := c.T(loc, "settings.picker.currency.in_use", nil); s == "settings.picker.currency.in_use" || s == "" {
			t.Errorf("%s: no words for a currency in use", loc)
		}
	}
}

// TestRefusedCurrencyChangeWritesNothing: a change of the workspace's
// currency saves the brand budget in the old one first
// (TestCurrencyChangeKeepsTypedCosts), but only a change that is then
// saved: a refused one, on the page or through the API, wrote the budget
// all the same, and a colleague's budget form, opened before, could no
// longer be saved ("changed by someone else").
func TestRefusedCurrencyChangeWritesNothing(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	_, form := b.get("/w/acme/brand/budget")
	_, rest, found := strings.Cut(form, `name="version" value="`)
	version, _, _ := strings.Cut(rest, `"`)
	if !found {
		t.Fatal("the budget form has no version")
	}
	if status, body, _ := b.post("/w/acme/settings", url.Values{"name": {""}, "time_zone": {"Asia/Shanghai"}, "currency": {"USD"}}); status != http.StatusUnprocessableEntity {
		t.Fatalf("a nameless workspace in USD: %d %s", status, body)
	}
	if status, got := h.api("POST", "/workspaces/acme/campaigns", owner.token, map[string]any{"name": "冬日暖咖季", "objective": "sales", "status": "draft", "start": "2026-12-01", "end": "2026-12-31", "budget": 5000}); status != http.StatusCreated {
		t.Fatalf("create campaign: %d %v", status, got)
	}
	if status, got := h.api("PUT", "/workspaces/acme", owner.token, map[string]any{"name": "WS acme", "currency": "USD"}); status != http.StatusUnprocessableEntity {
		t.Fatalf("a workspace with a campaign to USD: %d %v", status, got)
	}
	if status, body, _ := b.post("/w/acme/brand/budget", url.Values{"version": {version}, "monthly": {"8000"}, "currency": {"CNY"}}); status != http.StatusSeeOther {
		t.Errorf("the budget form opened before two refused currency changes: %d, want 303: %s", status, between(body, `id="doc-form"`, `</form>`))
	}
}
