package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestSetupPickers: the first-run setup chooses the first workspace's time
// zone and currency from the settings page's lists, Asia/Shanghai and CNY
// chosen to begin with, where it asked for them as typed text. A value
// refused, posted by hand or typed beside "other…", stays beside "other…"
// with its error in the page's language, and sets nothing up.
func TestSetupPickers(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	token, err := h.accounts.NewSetupToken(ctx)
	must(t, err)
	b := h.browser()
	has := func(body string, want ...string) {
		t.Helper()
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("page lacks %q in %s", s, between(body, `id="f-time_zone"`, `</form>`))
			}
		}
	}
	_, body := b.get("/setup?token=" + token)
	has(body, `<optgroup label="常用时区"><option value="Asia/Shanghai" selected>中国标准时间 · 北京、上海（UTC&#43;08:00）</option>`,
		`<option value="other">其他时区…</option>`, `name="time_zone_other" type="text" value=""`,
		`<option value="CNY" selected>CNY · 人民币 · Chinese yuan</option>`, `<option value="other">其他币种…</option>`)
	// The form not yet sent lets the browser choose its time zone
	// (TestSetupBeginsWithBrowserZone); one sent back keeps what was chosen.
	has(body, `<form method="post" action="/setup" data-guess-zone>`)
	// A browser's password manager keeps the new account's credentials.
	has(body, `name="email" type="email" autocomplete="username"`, `name="password" type="password" autocomplete="new-password"`)
	for _, typed := range []string{`name="workspace.time_zone"`, `name="workspace.currency"`, `name="time_zone" type="text"`, `name="currency" type="text"`} {
		if strings.Contains(body, typed) {
			t.Errorf("the setup form still has %s", typed)
		}
	}

	base := url.Values{"token": {token}, "email": {"boss@example.com"}, "password": {"a long enough password"},
		"workspace.name": {"Acme"}, "workspace.slug": {"acme"}}
	post := func(t *testing.T, lang string, set url.Values, want int) string {
		t.Helper()
		form := url.Values{"csrf": {b.csrf}}
		for k, v := range base {
			form[k] = v
		}
		for k, v := range set {
			form[k] = v
		}
		status, body, _ := b.do("POST", "/setup", form, map[string]string{"Accept-Language": lang})
		if status != want {
			t.Fatalf("setup %v in %s: status %d, want %d: %s", set, lang, status, want, between(body, "<main", "</main>"))
		}
		return body
	}
	for _, tt := range []struct {
		name, lang string
		form       url.Values
		want       []string
	}{
		{"an unknown zone posted by hand, in Chinese", "zh-CN", url.Values{"time_zone": {"Mars/Olympus"}, "currency": {"CNY"}},
			[]string{`未知时区“Mars/Olympus”`, `<option value="other" selected>其他时区…</option>`,
				`name="time_zone_other" type="text" value="Mars/Olympus"`, `aria-invalid="true" aria-describedby="f-time_zone-err"`,
				`<option value="CNY" selected>`}},
		{"an unknown zone posted by hand, in English", "en", url.Values{"time_zone": {"Mars/Olympus"}, "currency": {"USD"}},
			[]string{`Unknown time zone “Mars/Olympus”`, `<option value="other" selected>Other time zone…</option>`,
				`name="time_zone_other" type="text" value="Mars/Olympus"`, `<option value="USD" selected>`}},
		{"a lower-case currency typed, in English", "en", url.Values{"time_zone": {"UTC"}, "currency": {"other"}, "currency_other": {"usd"}},
			[]string{`“usd” is not an ISO 4217 currency code`, `name="currency_other" type="text" value="usd"`, `<option value="UTC" selected>`}},
		{"a currency posted by hand, in Chinese", "zh-CN", url.Values{"time_zone": {"UTC"}, "currency": {"RMB"}},
			[]string{`“RMB”不是 ISO 4217 货币代码`, `<option value="other" selected>其他币种…</option>`}},
		{"other zone left empty", "zh-CN", url.Values{"time_zone": {"other"}, "time_zone_other": {" "}, "currency": {"CNY"}},
			[]string{`<div class="field-error" id="f-time_zone-err">必填。`, `<option value="other" selected>其他时区…</option>`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := post(t, tt.lang, tt.form, http.StatusUnprocessableEntity)
			has(body, tt.want...)
			if strings.Contains(body, "data-guess-zone") {
				t.Error("the form sent back lets the browser change the zone chosen")
			}
			// The error shows beside its picker, not again above the form.
			if strings.Contains(body, `class="flash error"`) {
				t.Errorf("the error is also above the form: %s", between(body, `class="flash error"`, `</div>`))
			}
			if need, err := h.accounts.NeedsSetup(ctx); err != nil || !need {
				t.Errorf("a refused setup set up (needs setup %v, %v)", need, err)
			}
		})
	}

	post(t, "en", url.Values{"time_zone": {"other"}, "time_zone_other": {" Asia/Kathmandu "}, "currency": {"JPY"}}, http.StatusSeeOther)
	w, err := h.db.WorkspaceBySlug(ctx, "acme")
	must(t, err)
	if w.TimeZone != "Asia/Kathmandu" || w.Currency != "JPY" {
		t.Errorf("set up with %q %q, want Asia/Kathmandu JPY", w.TimeZone, w.Currency)
	}
}

// TestSetupBeginsWithBrowserZone: in a real browser, the setup form begins
// with the browser's time zone when the picker lists it, and with
// Asia/Shanghai otherwise; the currency stays CNY, which a time zone does
// not tell.
func TestSetupBeginsWithBrowserZone(t *testing.T) {
	exe := chromium(t)
	for _, tt := range []struct{ tz, want string }{
		{"Europe/London", "Europe/London"},
		{"Africa/Nairobi", "Asia/Shanghai"},
	} {
		t.Run(tt.tz, func(t *testing.T) {
			h := newHarness(t, storetest.SQLite(t))
			token, err := h.accounts.NewSetupToken(context.Background())
			must(t, err)
			opts := append(chromedp.DefaultExecAllocatorOptions[:],
				chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
				chromedp.Flag("disable-background-networking", true),
				chromedp.Flag("accept-lang", "en"),
				chromedp.Env("TZ="+tt.tz))
			actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
			defer cancel()
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			// The first Run starts the browser; it must not carry the timeout.
			must(t, chromedp.Do(ctx, chromedp.Navigate(h.ts.URL+"/setup?token="+token)))
			ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			zone, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-time_zone`)))
			must(t, err)
			cur, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-currency`)))
			must(t, err)
			if zone != tt.want || cur != "CNY" {
				t.Errorf("the form begins with %q and %q, want %q and CNY", zone, cur, tt.want)
			}
		})
	}
}

// TestLoginBeforeSetup: before the first account exists, the sign-in page
// sends the person to the page that says where the setup link is, in
// their language, where it showed a sign-in form no address could pass;
// once set up, it shows the form.
func TestLoginBeforeSetup(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	for _, c := range []struct{ lang, wait string }{
		{"zh-CN", "Chorus 尚未初始化。请打开服务器日志中打印的初始化链接"},
		{"en", "Chorus is not set up yet. Open the setup link printed in the server log"},
	} {
		b := h.browser()
		lang := map[string]string{"Accept-Language": c.lang}
		status, body, hdr := b.do("GET", "/login?next=/w/acme/brand", nil, lang)
		if status != http.StatusSeeOther || hdr.Get("Location") != "/" {
			t.Fatalf("%s: GET /login before setup: %d to %q, want 303 to /", c.lang, status, hdr.Get("Location"))
		}
		if strings.Contains(body, `name="password"`) {
			t.Errorf("%s: GET /login before setup shows a sign-in form", c.lang)
		}
		status, body, _ = b.do("GET", "/", nil, lang)
		if status != http.StatusOK || !strings.Contains(body, c.wait) || strings.Contains(body, `name="password"`) {
			t.Errorf("%s: / before setup: %d, want the wait page saying %q", c.lang, status, c.wait)
		}
		// A sign-in form left open from before is sent there too.
		status, _, hdr = b.do("POST", "/login", url.Values{"email": {"boss@example.com"}, "password": {"a long enough password"}}, lang)
		if status != http.StatusSeeOther || hdr.Get("Location") != "/" {
			t.Errorf("%s: POST /login before setup: %d to %q, want 303 to /", c.lang, status, hdr.Get("Location"))
		}
	}

	h.tenant("acme", "")
	if status, body := h.browser().get("/login"); status != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Errorf("GET /login once set up: %d, want the sign-in form", status)
	}
}
