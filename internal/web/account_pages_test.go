package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// signedIn reports whether b's session still opens a workspace page; a
// signed-out browser is sent to the sign-in page.
func signedIn(t *testing.T, b *browser, ws string) bool {
	t.Helper()
	status, _, header := b.do("GET", "/w/"+ws+"/brand", nil, nil)
	switch {
	case status == http.StatusOK:
		return true
	case status == http.StatusSeeOther && strings.HasPrefix(header.Get("Location"), "/login?next="):
		return false
	}
	t.Fatalf("GET /w/%s/brand: status %d, Location %q; want 200 or a redirect to sign-in", ws, status, header.Get("Location"))
	return false
}

// signInStatus posts the sign-in form on a new browser and returns its
// status: 303 when the password is right.
func signInStatus(h *harness, email, password string) int {
	b := h.browser()
	b.get("/login")
	status, _, _ := b.post("/login", url.Values{"email": {email}, "password": {password}})
	return status
}

// TestAccountChangePassword: a person changes their password from the
// account page the menu links to. A wrong current password, two new ones
// that differ, or a post without the CSRF token change nothing; a change
// signs out every other browser of theirs, keeps this one, and is in the
// workspace's audit log.
func TestAccountChangePassword(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	here, elsewhere := h.browser(), h.browser()
	here.login(owner.email, owner.password)
	elsewhere.login(owner.email, owner.password)
	colleague := h.member(owner, "colleague@example.com", account.Editor)
	const next = "a brand new passphrase"

	if _, body := here.get("/w/acme/brand"); !strings.Contains(body, `<a href="/w/acme/account"`) {
		t.Fatalf("the menu has no link to the account page")
	}
	status, body := here.get("/w/acme/account")
	if status != http.StatusOK || !strings.Contains(body, `action="/w/acme/account/password/rotate#password"`) ||
		!strings.Contains(body, `autocomplete="current-password"`) || !strings.Contains(body, `autocomplete="new-password"`) ||
		!strings.Contains(body, `href="/w/acme/account" aria-current="page"`) {
		t.Fatalf("account page: status %d, body %s", status, between(body, `<main`, `</main>`))
	}

	refused := []struct {
		name      string
		form      url.Values
		status    int
		contains  []string
		csrfToken string
	}{
		{"wrong current password", url.Values{"current_password": {"not my password"}, "new_password": {next}, "confirm_password": {next}},
			http.StatusUnprocessableEntity, []string{`aria-describedby="f-current_password-err"`, `<div class="field-error" id="f-current_password-err">当前密码不正确。`}, ""},
		{"new passwords differ", url.Values{"current_password": {owner.password}, "new_password": {next}, "confirm_password": {next + "!"}},
			http.StatusUnprocessableEntity, []string{`aria-describedby="f-confirm_password-err"`, "两次输入的新密码不一致"}, ""},
		{"short new password", url.Values{"current_password": {owner.password}, "new_password": {"short"}, "confirm_password": {"short"}},
			http.StatusUnprocessableEntity, []string{`aria-describedby="f-new_password-err"`, "密码至少需要 10 个字符"}, ""},
		{"no CSRF token", url.Values{"current_password": {owner.password}, "new_password": {next}, "confirm_password": {next}},
			http.StatusForbidden, nil, "not-the-token"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			if c.csrfToken != "" {
				c.form.Set("csrf", c.csrfToken)
			}
			status, body, _ := here.post("/w/acme/account/password/rotate", c.form)
			if status != c.status {
				t.Fatalf("status %d, want %d", status, c.status)
			}
			for _, s := range c.contains {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, typed := range []string{owner.password, next, "not my password"} {
				if strings.Contains(body, typed) {
					t.Errorf("the page sends back the password %q", typed)
				}
			}
			if !signedIn(t, elsewhere, "acme") {
				t.Errorf("the other browser was signed out by a refused change")
			}
			if got := signInStatus(h, owner.email, owner.password); got != http.StatusSeeOther {
				t.Errorf("the old password signs in with status %d after a refused change; want 303", got)
			}
		})
	}

	status, _, header := here.post("/w/acme/account/password/rotate", url.Values{"current_password": {owner.password}, "new_password": {next}, "confirm_password": {next}})
	if status != http.StatusSeeOther || header.Get("Location") != "/w/acme/account" {
		t.Fatalf("change password: status %d, Location %q; want 303 to the account page", status, header.Get("Location"))
	}
	if _, body := here.get("/w/acme/account"); !strings.Contains(body, "密码已修改") {
		t.Errorf("no flash says the password changed: %s", between(body, `<main`, `</h1>`))
	}
	if !signedIn(t, here, "acme") {
		t.Errorf("the browser that changed the password was signed out")
	}
	if signedIn(t, elsewhere, "acme") {
		t.Errorf("another browser of the same person is still signed in after the change")
	}
	if !signedIn(t, colleague, "acme") {
		t.Errorf("a colleague was signed out by someone else's password change")
	}
	if got := signInStatus(h, owner.email, owner.password); got != http.StatusUnauthorized {
		t.Errorf("the old password signs in with status %d; want 401", got)
	}
	if got := signInStatus(h, owner.email, next); got != http.StatusSeeOther {
		t.Errorf("the new password signs in with status %d; want 303", got)
	}
	// In the words of the button that changed it.
	if _, body := here.get("/w/acme/audit"); !strings.Contains(body, ">修改密码</td>") {
		t.Errorf("the audit log does not say the password was changed: %s", between(body, `<tbody`, `</tbody>`))
	}
}

// TestAccountSignOutElsewhere: "sign out everywhere else" ends every other
// session of the person, not this one nor anyone else's, and leaves the
// password as it was.
func TestAccountSignOutElsewhere(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	here, phone, laptop := h.browser(), h.browser(), h.browser()
	for _, b := range []*browser{here, phone, laptop} {
		b.login(owner.email, owner.password)
	}
	colleague := h.member(owner, "colleague@example.com", account.Analyst)
	here.get("/w/acme/account")

	if status, _, _ := here.post("/w/acme/account/sessions/revoke", url.Values{"csrf": {"not-the-token"}}); status != http.StatusForbidden {
		t.Fatalf("sign out elsewhere without the CSRF token: status %d; want 403", status)
	}
	if !signedIn(t, phone, "acme") {
		t.Fatalf("a post without the CSRF token signed another browser out")
	}

	status, _, header := here.post("/w/acme/account/sessions/revoke", nil)
	if status != http.StatusSeeOther || header.Get("Location") != "/w/acme/account" {
		t.Fatalf("sign out elsewhere: status %d, Location %q", status, header.Get("Location"))
	}
	if _, body := here.get("/w/acme/account"); !strings.Contains(body, "已退出其他所有浏览器和设备上的登录") {
		t.Errorf("no flash says the other browsers are signed out")
	}
	if !signedIn(t, here, "acme") {
		t.Errorf("the browser that asked was signed out")
	}
	for name, b := range map[string]*browser{"phone": phone, "laptop": laptop} {
		if signedIn(t, b, "acme") {
			t.Errorf("the %s is still signed in", name)
		}
	}
	if !signedIn(t, colleague, "acme") {
		t.Errorf("a colleague was signed out")
	}
	if got := signInStatus(h, owner.email, owner.password); got != http.StatusSeeOther {
		t.Errorf("the password signs in with status %d after signing out elsewhere; want 303", got)
	}
	if _, body := here.get("/w/acme/audit"); !strings.Contains(body, "吊销其他设备上的登录") {
		t.Errorf("the audit log does not say the other sessions were ended: %s", between(body, `<tbody`, `</tbody>`))
	}
}

// TestAccountPageLanguages: the account page, its errors and its menu
// link read in both languages, with no message key showing.
func TestAccountPageLanguages(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	h.tenant("other", account.Owner)
	b := h.signedIn(owner)
	wrong := url.Values{"current_password": {"not my password"}, "new_password": {"a brand new passphrase"}, "confirm_password": {"a brand new passphrase"}}
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"zh-CN", []string{">账号</a>", "我的账号", "当前密码", "再次输入新密码", "至少 10 个字符", "修改密码", "退出其他所有登录", "当前密码不正确。"}},
		{"en", []string{">Account</a>", "Your account", "Current password", "New password again", "At least 10 characters", "Change password", "Sign out everywhere else", "This is not your current password."}},
	} {
		t.Run(c.lang, func(t *testing.T) {
			b.get("/w/acme/brand")
			if status, _, _ := b.post("/lang", url.Values{"lang": {c.lang}, "next": {"/w/acme/account"}}); status != http.StatusSeeOther {
				t.Fatalf("switch language: status %d", status)
			}
			b.get("/w/acme/account")
			_, body, _ := b.post("/w/acme/account/password/rotate", wrong)
			for _, s := range c.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, key := range []string{"account.", "error.current_password", "nav.account"} {
				if strings.Contains(body, key) {
					t.Errorf("page shows the key %q", key)
				}
			}
		})
	}
	// Another workspace's account page is not found, as all its pages are.
	if status, _ := b.get("/w/other/account"); status != http.StatusNotFound {
		t.Errorf("another workspace's account page: status %d; want 404", status)
	}
}

// TestAccountChangePasswordThrottled: guessing the current password on a
// browser left signed in counts as failed sign-ins, so after five the
// account is throttled, said beside the field, on the sign-in page too.
func TestAccountChangePasswordThrottled(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/account")
	const next = "a brand new passphrase"
	for i := range 5 {
		guess := url.Values{"current_password": {"guess " + itoa64(int64(i))}, "new_password": {next}, "confirm_password": {next}}
		if status, _, _ := b.post("/w/acme/account/password/rotate", guess); status != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: status %d, want 422", i, status)
		}
	}
	status, body, _ := b.post("/w/acme/account/password/rotate", url.Values{"current_password": {owner.password}, "new_password": {next}, "confirm_password": {next}})
	if status != http.StatusTooManyRequests || !strings.Contains(body, `<div class="field-error" id="f-current_password-err">登录失败次数过多`) {
		t.Fatalf("the right password after five guesses: status %d, %s", status, between(body, `id="password-form"`, `</form>`))
	}
	if got := signInStatus(h, owner.email, owner.password); got != http.StatusTooManyRequests {
		t.Errorf("signing in after five guesses on the account page: status %d; want 429", got)
	}
	if got := signInStatus(h, owner.email, next); got == http.StatusSeeOther {
		t.Errorf("the password was changed while throttled")
	}
}
