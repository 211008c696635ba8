package web

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestAuditKeepsNetwork: a change made from behind a trusted proxy is
// logged with the client's network, which the audit page and the API
// show, never with its address.
func TestAuditKeepsNetwork(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.srv.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/settings")
	form := url.Values{"csrf": {b.csrf}, "name": {"WS acme"}, "time_zone": {"Asia/Shanghai"}, "currency": {"CNY"}}
	if status, body, _ := b.do("POST", "/w/acme/settings", form, map[string]string{"X-Forwarded-For": "198.51.100.23"}); status != http.StatusSeeOther {
		t.Fatalf("save settings: %d %s", status, body)
	}
	_, page := b.get("/w/acme/audit")
	if !strings.Contains(page, "<th>来源网络</th>") || !strings.Contains(page, ">198.51.100.0/24</td>") || strings.Contains(page, "198.51.100.23") {
		t.Errorf("audit page does not show the network alone:\n%s", page)
	}
	status, got := h.api("GET", "/workspaces/acme/audit", owner.token, nil)
	items, _ := got["items"].([]any)
	if status != http.StatusOK || len(items) == 0 || items[0].(map[string]any)["ip"] != "198.51.100.0/24" {
		t.Errorf("audit API: %d %v; want the network 198.51.100.0/24", status, got)
	}
}

func TestAuditAction(t *testing.T) {
	for _, c := range []struct{ action, verb, object string }{
		{"POST /w/{ws}/links", "create", "links"},
		{"POST /w/{ws}/links/{id}/disable", "disable", "links"},
		{"POST /w/{ws}/settings", "update", "settings"},
		{"POST /w/{ws}/settings/tokens/{id}/revoke", "revoke", "tokens"},
		{"POST /w/{ws}/brand/products/{id}", "update", "products"},
		{"POST /w/{ws}/strategy/campaigns/{id}/budget-lines/{item}/delete", "delete", "budget_lines"},
		{"POST /w/{ws}/strategy/campaigns/{id}/mix", "update", "mix"},
		{"POST /w/{ws}/strategy/campaigns/from-template", "from_template", "campaigns"},
		{"POST /w/{ws}/conversions/rotate-key", "rotate", "conversions"},
		{"POST /w/{ws}/settings/allowlist", "update", "allowlist"},
		{"POST /w/{ws}/links/{id}", "update", "links"},
		{"POST /w/{ws}/links/{id}/delete", "delete", "links"},
		{"PUT /api/v1/workspaces/{ws}", "update", "workspace"},
		{"DELETE /api/v1/workspaces/{ws}/topics/{id}", "delete", "topics"},
		{"POST /api/v1/workspaces/{ws}/mentions", "create", "mentions"},
	} {
		verb, object, ok := auditAction(c.action)
		if !ok || verb != c.verb || object != c.object {
			t.Errorf("auditAction(%q) = %q, %q, %v; want %q, %q", c.action, verb, object, ok, c.verb, c.object)
		}
	}
	h := newHarness(t, storetest.SQLite(t))
	for _, c := range []struct{ locale, action, want string }{
		{"en", "POST /w/{ws}/brand/products", "Create product"},
		{"zh-CN", "POST /w/{ws}/brand/products", "新建产品"},
		{"en", "POST /api/v1/workspaces/{ws}/alerts/{id}/read", "Mark alert as read"},
		{"zh-CN", "POST /w/{ws}/listening/alerts/{id}/read", "将预警标为已读"},
		{"zh-CN", "POST /w/{ws}/strategy/campaigns/from-template", "套用模板新建营销活动"},
		{"zh-CN", "POST /w/{ws}/settings/tokens", "新建 API 令牌"},
		{"zh-CN", "POST /w/{ws}/strategy/campaigns/{id}/targets", "新建 KPI 目标"},
		{"en", "POST /w/{ws}/settings/tokens", "Create API token"},
		{"en", "POST /w/{ws}/settings/allowlist", "Update destination allowlist"},
		{"en", "POST /w/{ws}/nothing-known", "POST /w/{ws}/nothing-known"},
	} {
		if got := (&view{s: h.srv, Locale: c.locale}).Action(c.action); got != c.want {
			t.Errorf("%s: Action(%q) = %q, want %q", c.locale, c.action, got, c.want)
		}
	}
	if _, _, ok := auditAction("POST /login"); ok {
		t.Error("a route outside workspaces is described")
	}
}

// TestAuditActionsReadable: every change the API and the pages record in
// the audit log reads as words in both languages, not as its route.
func TestAuditActionsReadable(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	actions := []string{
		"POST /w/{ws}/brand/profile", "POST /w/{ws}/brand/budget", "POST /w/{ws}/brand/personas", "POST /w/{ws}/brand/competitors/{id}/delete",
		"POST /w/{ws}/brand/team/{id}", "POST /w/{ws}/brand/amplifiers",
		"POST /w/{ws}/strategy/campaigns", "POST /w/{ws}/strategy/campaigns/{id}", "POST /w/{ws}/strategy/campaigns/{id}/delete",
		"POST /w/{ws}/strategy/campaigns/{id}/hours", "POST /w/{ws}/strategy/campaigns/{id}/phases/{item}",
		"POST /w/{ws}/strategy/campaigns/{id}/targets", "POST /w/{ws}/strategy/campaigns/{id}/budget-lines",
		"POST /w/{ws}/links/{id}/enable", "POST /w/{ws}/listening/alerts/{id}/read", "POST /w/{ws}/listening/mentions/{id}/sentiment",
		"POST /w/{ws}/listening/rules/{id}/delete", "POST /w/{ws}/listening/seed", "POST /w/{ws}/listening/sources/import",
		"POST /w/{ws}/listening/sources/{id}/disable", "POST /w/{ws}/listening/topics", "POST /w/{ws}/platforms/{key}/override",
		"POST /w/{ws}/platforms/{key}/reset", "POST /w/{ws}/settings/members", "POST /w/{ws}/settings/members/{id}/delete",
		"POST /w/{ws}/conversions/rotate-key", "POST /w/{ws}/links/{id}", "POST /w/{ws}/links/{id}/delete", "POST /w/{ws}/settings/allowlist",
		"POST /w/{ws}/conversions/purchases",
	}
	for _, o := range h.srv.api.ops {
		if o.Method != "GET" && !o.ReadOnly && strings.HasPrefix(o.Path, "/workspaces/{ws}") {
			actions = append(actions, o.Method+" /api/v1"+o.Path)
		}
	}
	for _, locale := range Locales {
		v := &view{s: h.srv, Locale: locale}
		for _, a := range actions {
			if got := v.Action(a); got == a {
				t.Errorf("%s: %q reads as its route", locale, a)
			}
		}
	}
}

// TestAuditNamesThingsAsPagesDo: the audit log names what an action was
// done to with the word the pages use for it, the one the not-found error
// uses too (目标人群, not 消费者画像; 竞品, not 竞争对手; 话题, not 监测主题; a
// public key, not a "secret" 埋点密钥), and replacing the public key reads
// as its button does (更换公钥).
func TestAuditNamesThingsAsPagesDo(t *testing.T) {
	c := mustCatalog(t)
	for _, tt := range []struct{ object, kind string }{
		{"amplifiers", "amplifier"}, {"competitors", "competitor"}, {"personas", "persona"}, {"products", "product"},
		{"team", "team_member"}, {"profile", "profile"}, {"links", "link"},
		{"topics", "topic"}, {"listening", "topic"}, {"sources", "source"}, {"mentions", "mention"},
		{"rules", "alert_rule"}, {"alert_rules", "alert_rule"}, {"alerts", "alert"},
		{"snippet", "public_key"}, {"conversions", "public_key"}, {"override", "platform_override"}, {"platforms", "platform_override"},
		{"tokens", "token"}, {"members", "member"}, {"workspace", "workspace"},
	} {
		for _, loc := range Locales {
			object := c.T(loc, "audit.object."+tt.object, nil)
			// Singular or plural, any case: "persona" in "Persona not found".
			stem := strings.ToLower(strings.TrimSuffix(object, "s"))
			if notFound := c.T(loc, "error.not_found", map[string]any{"Kind": tt.kind}); !strings.Contains(strings.ToLower(notFound), stem) {
				t.Errorf("%s: the audit log calls %s %q, the pages %q", loc, tt.object, object, notFound)
			}
		}
	}
	v := &view{s: &Server{cat: c}, Locale: "zh-CN", Data: map[string]any{}}
	if got, want := v.Action("POST /w/{ws}/conversions/rotate-key"), c.T("zh-CN", "tracking.snippet.rotate", nil); got != want {
		t.Errorf("replacing the public key reads %q in the audit log, %q on its button", got, want)
	}
}
