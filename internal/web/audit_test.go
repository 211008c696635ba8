package web

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
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

// TestAuditSaysWhomMembersChangesWereFor: adding someone to a workspace is
// logged as what it did (an invitation, a new role) and names the
// address, which the route alone did not: the log read "新建成员" at
// "/w/acme/settings/members", for an invitation of nobody in particular.
func TestAuditSaysWhomMembersChangesWereFor(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/settings")
	for _, step := range []struct{ path, email string }{
		{"/w/acme/settings/members", " New@Example.com"},
		{"/w/acme/settings/invitations/delete", "new@example.com"},
	} {
		form := url.Values{"csrf": {b.csrf}, "email": {step.email}, "role": {"editor"}}
		if status, body, _ := b.do("POST", step.path, form, nil); status != http.StatusSeeOther {
			t.Fatalf("POST %s: %d %s", step.path, status, body)
		}
	}
	status, got := h.api("POST", "/workspaces/acme/members", owner.token, map[string]any{"email": "Other@Example.com", "role": "analyst"})
	if status != http.StatusOK {
		t.Fatalf("API invite: %d %v", status, got)
	}
	if status, got = h.api("DELETE", "/workspaces/acme/invitations/other@example.com", owner.token, nil); status != http.StatusNoContent {
		t.Fatalf("API withdraw: %d %v", status, got)
	}
	status, got = h.api("POST", "/workspaces/acme/members", owner.token, map[string]any{"email": owner.email, "role": "owner"})
	if status != http.StatusOK {
		t.Fatalf("API add member: %d %v", status, got)
	}
	// Two members removed, one on the settings page, one through the API.
	ctx := context.Background()
	for _, email := range []string{"gone@example.com", "left@example.com"} {
		h.member(owner, email, account.Analyst)
	}
	members, err := h.accounts.Members(ctx, account.Principal{Workspace: owner.ws, Role: account.Owner})
	must(t, err)
	idOf := func(email string) string {
		i := slices.IndexFunc(members, func(m account.Member) bool { return m.User.Email == email })
		if i < 0 {
			t.Fatalf("%s is no member", email)
		}
		return strconv.FormatInt(members[i].User.ID, 10)
	}
	if status, body, _ := b.do("POST", "/w/acme/settings/members/"+idOf("gone@example.com")+"/delete", url.Values{"csrf": {b.csrf}}, nil); status != http.StatusSeeOther {
		t.Fatalf("remove a member: %d %s", status, body)
	}
	if status, got = h.api("DELETE", "/workspaces/acme/members/"+idOf("left@example.com"), owner.token, nil); status != http.StatusNoContent {
		t.Fatalf("API remove a member: %d %v", status, got)
	}
	_, page := b.get("/w/acme/audit")
	log := between(page, "<tbody", "</tbody>")
	for _, want := range []string{">邀请成员</td>", ">撤回邀请</td>", ">修改成员角色</td>", ">new@example.com</td>", ">" + owner.email + "</td>",
		">gone@example.com</td>", ">left@example.com</td>"} {
		if !strings.Contains(log, want) {
			t.Errorf("the audit log lacks %s:\n%s", want, log)
		}
	}
	_, got = h.api("GET", "/workspaces/acme/audit", owner.token, nil)
	items, _ := got["items"].([]any)
	if len(items) < 7 {
		t.Fatalf("audit API: %v; want seven entries", got)
	}
	// Newest first.
	for i, want := range []struct{ target, detail string }{
		{"left@example.com", ""}, {"gone@example.com", ""},
		{owner.email, "role_changed"}, {"other@example.com", ""}, {"other@example.com", "invited"}, {"new@example.com", ""}, {"new@example.com", "invited"},
	} {
		e := items[i].(map[string]any)
		if detail, _ := e["detail"].(string); e["target"] != want.target || detail != want.detail {
			t.Errorf("audit entry %d: target %v, detail %v; want %s, %q", i, e["target"], e["detail"], want.target, want.detail)
		}
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
		{"PUT /api/v1/workspaces/{ws}", "update", "settings"},
		{"DELETE /api/v1/workspaces/{ws}/topics/{id}", "delete", "topics"},
		{"POST /api/v1/workspaces/{ws}/mentions", "import", "mentions"},
		{"DELETE /api/v1/workspaces/{ws}/members/{id}", "remove", "members"},
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
		if got := (&view{s: h.srv, Locale: c.locale}).Action(c.action, ""); got != c.want {
			t.Errorf("%s: Action(%q) = %q, want %q", c.locale, c.action, got, c.want)
		}
	}
	if _, _, ok := auditAction("POST /login"); ok {
		t.Error("a route outside workspaces is described")
	}
}

// TestAuditActionLabels: every change the pages and the API record in the
// audit log reads as what was done, in both languages, and as the pages
// say it: an invitation is one, not a member created; a member is
// removed, an invitation withdrawn, a token revoked. Every audited API
// operation is in the table, so a new one needs its words here.
func TestAuditActionLabels(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	api := "POST /api/v1/workspaces/{ws}"
	put, del, patch := "PUT /api/v1/workspaces/{ws}", "DELETE /api/v1/workspaces/{ws}", "PATCH /api/v1/workspaces/{ws}"
	page := "POST /w/{ws}"
	covered := map[string]bool{}
	for _, c := range []struct{ action, outcome, en, zh string }{
		{page + "/settings/members", "invited", "Invite member", "邀请成员"},
		{page + "/settings/members", "role_changed", "Change a member's role", "修改成员角色"},
		{page + "/settings/members", "added", "Add member", "添加成员"},
		// Entries recorded before the outcome was: the button's words.
		{page + "/settings/members", "", "Add member", "添加成员"},
		{api + "/members", "invited", "Invite member", "邀请成员"},
		{page + "/settings/members/{id}/delete", "", "Remove member", "移除成员"},
		{del + "/members/{id}", "", "Remove member", "移除成员"},
		{page + "/settings/invitations/delete", "", "Withdraw invitation", "撤回邀请"},
		{del + "/invitations/{email}", "", "Withdraw invitation", "撤回邀请"},
		{page + "/settings/tokens", "", "Create API token", "新建 API 令牌"},
		{api + "/tokens", "", "Create API token", "新建 API 令牌"},
		{page + "/settings/tokens/{id}/revoke", "", "Revoke API token", "吊销 API 令牌"},
		{del + "/tokens/{id}", "", "Revoke API token", "吊销 API 令牌"},
		{page + "/settings", "", "Update workspace settings", "修改工作区设置"},
		{put, "", "Update workspace settings", "修改工作区设置"},
		{page + "/settings/allowlist", "", "Update destination allowlist", "修改跳转域名白名单"},
		{put + "/links/allowlist", "", "Update destination allowlist", "修改跳转域名白名单"},
		{page + "/account/password/rotate", "", "Change password", "修改密码"},
		{page + "/account/sessions/revoke", "", "Revoke sessions on other devices", "吊销其他设备上的登录"},

		{page + "/conversions/rotate-key", "", "Replace public key", "更换公钥"},
		{api + "/snippet/rotate", "", "Replace public key", "更换公钥"},
		{page + "/conversions/purchases", "", "Update purchase sources", "修改购买来源"},
		{put + "/snippet", "", "Update purchase sources", "修改购买来源"},
		{api + "/conversion-events", "", "Report conversion events", "上报转化事件"},
		{api + "/conversions/inquiry", "", "Record inquiry", "记录咨询"},

		{page + "/brand/profile", "", "Update brand profile", "修改品牌档案"},
		{put + "/brand/profile", "", "Update brand profile", "修改品牌档案"},
		{page + "/brand/budget", "", "Update resources and budget", "修改资源与预算"},
		{put + "/brand/budget", "", "Update resources and budget", "修改资源与预算"},
		{page + "/brand/products", "", "Create product", "新建产品"},
		{api + "/brand/products", "", "Create product", "新建产品"},
		{page + "/brand/products/{id}", "", "Update product", "修改产品"},
		{put + "/brand/products/{id}", "", "Update product", "修改产品"},
		{page + "/brand/products/{id}/delete", "", "Delete product", "删除产品"},
		{del + "/brand/products/{id}", "", "Delete product", "删除产品"},
		{page + "/brand/personas", "", "Create persona", "新建目标人群"},
		{api + "/brand/personas", "", "Create persona", "新建目标人群"},
		{put + "/brand/personas/{id}", "", "Update persona", "修改目标人群"},
		{del + "/brand/personas/{id}", "", "Delete persona", "删除目标人群"},
		{api + "/brand/competitors", "", "Create competitor", "新建竞品"},
		{put + "/brand/competitors/{id}", "", "Update competitor", "修改竞品"},
		{page + "/brand/competitors/{id}/delete", "", "Delete competitor", "删除竞品"},
		{del + "/brand/competitors/{id}", "", "Delete competitor", "删除竞品"},
		{api + "/brand/team", "", "Create team member", "新建团队成员"},
		{page + "/brand/team/{id}", "", "Update team member", "修改团队成员"},
		{put + "/brand/team/{id}", "", "Update team member", "修改团队成员"},
		{del + "/brand/team/{id}", "", "Delete team member", "删除团队成员"},
		{page + "/brand/amplifiers", "", "Create amplifier", "新建推广资源"},
		{api + "/brand/amplifiers", "", "Create amplifier", "新建推广资源"},
		{put + "/brand/amplifiers/{id}", "", "Update amplifier", "修改推广资源"},
		{del + "/brand/amplifiers/{id}", "", "Delete amplifier", "删除推广资源"},

		{page + "/platforms/{key}/override", "", "Update platform correction", "修改平台修正"},
		{put + "/platforms/{key}/override", "", "Update platform correction", "修改平台修正"},
		{page + "/platforms/{key}/reset", "", "Reset platform corrections", "重置平台修正"},
		{del + "/platforms/{key}/override", "", "Delete platform correction", "删除平台修正"},

		{page + "/strategy/campaigns", "", "Create campaign", "新建营销活动"},
		{api + "/campaigns", "", "Create campaign", "新建营销活动"},
		{page + "/strategy/campaigns/from-template", "", "Create campaign from a template", "套用模板新建营销活动"},
		{api + "/campaigns/from-template", "", "Create campaign from a template", "套用模板新建营销活动"},
		{page + "/strategy/campaigns/{id}", "", "Update campaign", "修改营销活动"},
		{put + "/campaigns/{id}", "", "Update campaign", "修改营销活动"},
		{page + "/strategy/campaigns/{id}/delete", "", "Delete campaign", "删除营销活动"},
		{del + "/campaigns/{id}", "", "Delete campaign", "删除营销活动"},
		{page + "/strategy/campaigns/{id}/mix", "", "Update platform mix", "修改平台组合"},
		{put + "/campaigns/{id}/mix", "", "Update platform mix", "修改平台组合"},
		{page + "/strategy/campaigns/{id}/hours", "", "Update team hours", "修改团队工时"},
		{put + "/campaigns/{id}/hours", "", "Update team hours", "修改团队工时"},
		{page + "/strategy/campaigns/{id}/phases", "", "Create phase", "新建阶段"},
		{api + "/campaigns/{id}/phases", "", "Create phase", "新建阶段"},
		{page + "/strategy/campaigns/{id}/phases/{item}", "", "Update phase", "修改阶段"},
		{put + "/campaigns/{id}/phases/{phase}", "", "Update phase", "修改阶段"},
		{del + "/campaigns/{id}/phases/{phase}", "", "Delete phase", "删除阶段"},
		{page + "/strategy/campaigns/{id}/targets", "", "Create KPI target", "新建 KPI 目标"},
		{api + "/campaigns/{id}/targets", "", "Create KPI target", "新建 KPI 目标"},
		{put + "/campaigns/{id}/targets/{target}", "", "Update KPI target", "修改 KPI 目标"},
		{del + "/campaigns/{id}/targets/{target}", "", "Delete KPI target", "删除 KPI 目标"},
		{page + "/strategy/campaigns/{id}/budget-lines", "", "Create budget line", "新建预算项"},
		{api + "/campaigns/{id}/budget-lines", "", "Create budget line", "新建预算项"},
		{put + "/campaigns/{id}/budget-lines/{line}", "", "Update budget line", "修改预算项"},
		{page + "/strategy/campaigns/{id}/budget-lines/{item}/delete", "", "Delete budget line", "删除预算项"},
		{del + "/campaigns/{id}/budget-lines/{line}", "", "Delete budget line", "删除预算项"},

		{page + "/links", "", "Create link", "新建链接"},
		{api + "/links", "", "Create link", "新建链接"},
		{page + "/links/{id}", "", "Update link", "修改链接"},
		{patch + "/links/{id}", "", "Update link", "修改链接"},
		{page + "/links/{id}/delete", "", "Delete link", "删除链接"},
		{del + "/links/{id}", "", "Delete link", "删除链接"},
		{page + "/links/{id}/disable", "", "Switch off link", "停用链接"},
		{page + "/links/{id}/enable", "", "Switch on link", "启用链接"},

		{page + "/listening/topics", "", "Create topic", "新建话题"},
		{api + "/topics", "", "Create topic", "新建话题"},
		{put + "/topics/{id}", "", "Update topic", "修改话题"},
		{page + "/listening/topics/{id}/delete", "", "Delete topic", "删除话题"},
		{del + "/topics/{id}", "", "Delete topic", "删除话题"},
		{page + "/listening/seed", "", "Generate topics", "生成话题"},
		{api + "/topics/seed", "", "Generate topics", "生成话题"},
		{page + "/listening/mentions/{id}/sentiment", "", "Update mention sentiment", "修改提及情感"},
		{put + "/mentions/{id}/sentiment", "", "Update mention sentiment", "修改提及情感"},
		{api + "/mentions", "", "Import mentions", "导入提及"},
		{page + "/listening/sources/import", "", "Import file", "导入文件"},
		{api + "/imports", "", "Import file", "导入文件"},
		{page + "/listening/sources", "", "Create source", "新建来源"},
		{api + "/sources", "", "Create source", "新建来源"},
		{patch + "/sources/{id}", "", "Update source", "修改来源"},
		{page + "/listening/sources/{id}/delete", "", "Delete source", "删除来源"},
		{del + "/sources/{id}", "", "Delete source", "删除来源"},
		{page + "/listening/sources/{id}/disable", "", "Switch off source", "停用来源"},
		{page + "/listening/sources/{id}/enable", "", "Switch on source", "启用来源"},
		{api + "/sources/{id}/test", "", "Test source", "测试来源"},
		{page + "/listening/rules", "", "Create alert rule", "新建预警规则"},
		{api + "/alert-rules", "", "Create alert rule", "新建预警规则"},
		{page + "/listening/rules/{id}", "", "Update alert rule", "修改预警规则"},
		{put + "/alert-rules/{id}", "", "Update alert rule", "修改预警规则"},
		{patch + "/alert-rules/{id}", "", "Update alert rule", "修改预警规则"},
		{page + "/listening/rules/{id}/delete", "", "Delete alert rule", "删除预警规则"},
		{del + "/alert-rules/{id}", "", "Delete alert rule", "删除预警规则"},
		{page + "/listening/rules/{id}/disable", "", "Switch off alert rule", "停用预警规则"},
		{page + "/listening/rules/{id}/enable", "", "Switch on alert rule", "启用预警规则"},
		{page + "/listening/alerts/{id}/read", "", "Mark alert as read", "将预警标为已读"},
		{api + "/alerts/{id}/read", "", "Mark alert as read", "将预警标为已读"},
		{page + "/listening/alerts/{id}/redeliver", "", "Send alert again", "再次发送预警"},
		{api + "/alerts/{id}/redeliver", "", "Send alert again", "再次发送预警"},
	} {
		for _, l := range []struct{ locale, want string }{{"en", c.en}, {"zh-CN", c.zh}} {
			if got := (&view{s: h.srv, Locale: l.locale}).Action(c.action, c.outcome); got != l.want {
				t.Errorf("%s: Action(%q, %q) = %q, want %q", l.locale, c.action, c.outcome, got, l.want)
			}
		}
		covered[c.action] = true
	}
	for _, o := range h.srv.api.ops {
		if a := o.Method + " /api/v1" + o.Path; o.Method != "GET" && !o.ReadOnly && strings.HasPrefix(o.Path, "/workspaces/{ws}") && !covered[a] {
			t.Errorf("%s is recorded in the audit log; give it its words in this table", a)
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
	if got, want := v.Action("POST /w/{ws}/conversions/rotate-key", ""), c.T("zh-CN", "tracking.snippet.rotate", nil); got != want {
		t.Errorf("replacing the public key reads %q in the audit log, %q on its button", got, want)
	}
}
