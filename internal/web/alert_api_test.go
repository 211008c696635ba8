package web

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestAlertAndInsightAPIScenarios(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ids := seed(t, h, owner.ws.ID)
	hook := "https://oapi.dingtalk.com/robot/send?access_token=SECRETTOKEN123"
	status, body := h.api("POST", "/workspaces/acme/alert-rules", owner.token, map[string]any{"name": "钉钉", "kind": "crisis_word",
		"channels": []any{map[string]any{"kind": "dingtalk", "url": hook, "secret": "SECsigning"}}})
	raw := jsonText(body)
	if status != 201 || strings.Contains(raw, "SECRETTOKEN123") || strings.Contains(raw, "SECsigning") || !strings.Contains(raw, `"secret_set": true`) {
		t.Fatalf("create rule: %d %s", status, raw)
	}
	id := fmt.Sprint(body["id"])
	tests := []struct {
		name, method, path string
		body               any
		status             int
		contains, absent   []string
	}{
		{"list rules hides secrets", "GET", "/workspaces/acme/alert-rules", nil, 200, []string{"钉钉", "robot/send?…"}, []string{"SECRETTOKEN123", "SECsigning"}},
		{"update keeps secrets", "PUT", "/workspaces/acme/alert-rules/" + id, map[string]any{"name": "钉钉2", "kind": "crisis_word",
			"channels": []any{map[string]any{"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?…"}}}, 200, []string{"钉钉2", `"secret_set": true`}, []string{"SECRETTOKEN123"}},
		{"bad threshold", "POST", "/workspaces/acme/alert-rules", map[string]any{"name": "x", "kind": "negative_spike", "threshold": 5}, 422, []string{`"field": "threshold"`, "error.alert.threshold_range"}, nil},
		{"bad webhook", "POST", "/workspaces/acme/alert-rules", map[string]any{"name": "x", "kind": "crisis_word", "channels": []any{map[string]any{"kind": "slack", "url": "javascript:alert(1)"}}}, 422, []string{"channels[0].url"}, nil},
		{"alerts list", "GET", "/workspaces/acme/alerts?unread=1", nil, 200, []string{fmt.Sprintf(`"id": %d`, ids["alerts"])}, nil},
		{"alert with mentions", "GET", fmt.Sprintf("/workspaces/acme/alerts/%d", ids["alerts"]), nil, 200, []string{`"mentions"`, "Rival 的新品不错"}, nil},
		{"mark read", "POST", fmt.Sprintf("/workspaces/acme/alerts/%d/read", ids["alerts"]), nil, 200, []string{`"read_at"`}, nil},
		{"no unread left", "GET", "/workspaces/acme/alerts?unread=1", nil, 200, []string{`"items": []`}, nil},
		{"missing alert", "GET", "/workspaces/acme/alerts/99999", nil, 404, nil, nil},
		{"sentiment", "GET", fmt.Sprintf("/workspaces/acme/insights/sentiment?topic=%d", ids["topics"]), nil, 200, []string{`"points"`, `"total"`}, nil},
		{"share of voice", "GET", "/workspaces/acme/insights/share-of-voice?from=2026-03-01&to=2026-03-07", nil, 200, []string{`"2026-03-07"`, `"competitors"`}, nil},
		{"bad date", "GET", "/workspaces/acme/insights/share-of-voice?from=yesterday", nil, 422, []string{"error.when"}, nil},
		{"period too long", "GET", "/workspaces/acme/insights/sources?from=2020-01-01&to=2026-01-01", nil, 422, []string{"error.insight.period_too_long"}, nil},
		{"hot terms", "GET", "/workspaces/acme/insights/hot-terms", nil, 200, []string{`"cloud"`, `"segmenter": "gse"`}, nil},
		{"authors", "GET", "/workspaces/acme/insights/authors", nil, 200, []string{`"items"`}, nil},
		{"cooccurring", "GET", "/workspaces/acme/insights/cooccurring", nil, 200, []string{`"positive"`, `"negative"`}, nil},
		{"unknown topic", "GET", "/workspaces/acme/insights/sentiment?topic=99999", nil, 404, nil, nil},
		{"delete rule", "DELETE", "/workspaces/acme/alert-rules/" + id, nil, 204, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.checkAPI(t, tt.method, tt.path, owner.token, tt.body, tt.status, tt.contains, tt.absent)
		})
	}
}

// TestWorkspaceLocale picks the language alerts leave Chorus in.
func TestWorkspaceLocale(t *testing.T) {
	t.Parallel()
	member := func(role account.Role, locale string) account.Member {
		return account.Member{User: account.User{Locale: locale}, Role: role}
	}
	tests := []struct {
		name    string
		members []account.Member
		want    string
	}{
		{"no members: the default", nil, "zh-CN"},
		{"nobody chose", []account.Member{member(account.Owner, ""), member(account.Editor, "")}, "zh-CN"},
		{"the owner's choice", []account.Member{member(account.Editor, "zh-CN"), member(account.Owner, "en")}, "en"},
		{"owner chose nothing: a member's", []account.Member{member(account.Owner, ""), member(account.Analyst, "en")}, "en"},
		{"unknown locales are skipped", []account.Member{member(account.Owner, "fr"), member(account.Editor, "EN")}, "en"},
	}
	for _, tt := range tests {
		if got := WorkspaceLocale(tt.members); got != tt.want {
			t.Errorf("%s: WorkspaceLocale = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestMessagesText renders an alert title in both languages, with its
// arguments, and a missing key as itself.
func TestMessagesText(t *testing.T) {
	t.Parallel()
	m, err := LoadMessages()
	must(t, err)
	args := map[string]any{"Topic": "闲岚", "Count": 3}
	for _, tt := range []struct{ locale, key, want string }{
		{"zh-CN", "alert.volume_spike.title", "声量激增：闲岚"},
		{"en", "alert.volume_spike.title", "Volume spike: 闲岚"},
		{"en", "alert.crisis_word.title", "3 new mentions with crisis words"},
		{"fr", "alert.crisis_word.title", "危机词：3 条新提及"},
		{"en", "alert.no_such_key", "alert.no_such_key"},
	} {
		if got := m.Text(tt.locale)(tt.key, args); got != tt.want {
			t.Errorf("Text(%q)(%q) = %q, want %q", tt.locale, tt.key, got, tt.want)
		}
	}
}

// A client that removes a channel and sends the others back as the API
// showed them says where each came from, so that the one after the
// removed channel keeps its own address and secret, not the removed one's.
func TestAlertRuleAPIChannelsFrom(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	robot := func(token string) map[string]any {
		return map[string]any{"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=" + token, "secret": "SEC" + token}
	}
	status, body := h.api("POST", "/workspaces/acme/alert-rules", owner.token, map[string]any{"name": "两个机器人", "kind": "crisis_word",
		"channels": []any{robot("aaaaaa"), robot("bbbbbb")}})
	if status != 201 {
		t.Fatalf("create rule: %d %s", status, jsonText(body))
	}
	id, _ := strconv.ParseInt(fmt.Sprint(body["id"]), 10, 64)
	shown := "https://oapi.dingtalk.com/robot/send?…"
	for _, tt := range []struct {
		name     string
		channels []any
		want     []string // the stored tokens
	}{
		{"the first removed", []any{map[string]any{"kind": "dingtalk", "url": shown, "from": 1}}, []string{"bbbbbb"}},
		{"a new one before the kept one", []any{robot("cccccc"), map[string]any{"kind": "dingtalk", "url": shown, "from": 0}}, []string{"cccccc", "bbbbbb"}},
		{"without from, by place", []any{map[string]any{"kind": "dingtalk", "url": shown}}, []string{"cccccc"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := h.api("PUT", fmt.Sprintf("/workspaces/acme/alert-rules/%d", id), owner.token, map[string]any{"name": "两个机器人", "kind": "crisis_word", "channels": tt.channels})
			if status != 200 {
				t.Fatalf("update: %d %s", status, jsonText(body))
			}
			rule, err := h.db.AlertRule(context.Background(), owner.ws.ID, id)
			must(t, err)
			var got []string
			for _, c := range rule.Channels {
				token := strings.TrimPrefix(c.URL, "https://oapi.dingtalk.com/robot/send?access_token=")
				if c.Secret != "SEC"+token {
					t.Errorf("channel %s has the secret %s", token, c.Secret)
				}
				got = append(got, token)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("stored robots %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAlertRuleAPIPause: PATCH with only "enabled" pauses and resumes a
// rule, whether it validates or was stored before a check was tightened
// (a threshold now out of range, a crisis rule on a topic no longer a
// crisis one, an e-mail address now refused), and keeps the rest as
// stored; PUT still validates the whole rule. It needs listening.edit
// and is audited.
func TestAlertRuleAPIPause(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	analyst, _, err := h.accounts.NewToken(ctx, account.Principal{User: account.User{ID: 1}, Workspace: owner.ws, Role: account.Owner}, account.Analyst, "read-only")
	must(t, err)
	ok, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "好规则", Kind: "volume_spike", Threshold: 3, QuietMinutes: 60, Enabled: true})
	must(t, err)
	topic, err := h.db.CreateTopic(ctx, ws, listen.Topic{Name: "危机", Kind: "crisis", Query: "爆炸", Enabled: true})
	must(t, err)
	stale, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "旧规则", Kind: "crisis_word", TopicID: topic.ID, Threshold: 5000, QuietMinutes: 60, Enabled: true,
		Channels: []listen.Channel{{Kind: "email", Email: "PR <pr@example.com>"}}})
	must(t, err)
	topic.Kind = "brand"
	_, err = h.db.UpdateTopic(ctx, ws, topic)
	must(t, err)

	path := func(id int64) string { return fmt.Sprintf("/workspaces/acme/alert-rules/%d", id) }
	for _, rule := range []listen.AlertRule{ok, stale} {
		t.Run(rule.Name, func(t *testing.T) {
			for _, on := range []bool{false, true} {
				h.checkAPI(t, "PATCH", path(rule.ID), owner.token, map[string]any{"enabled": on}, 200, []string{fmt.Sprintf(`"enabled": %v`, on), rule.Name}, nil)
				got, err := h.db.AlertRule(ctx, ws, rule.ID)
				must(t, err)
				want := rule
				want.Enabled = on
				want.UpdatedAt = got.UpdatedAt
				if !reflect.DeepEqual(got, want) {
					t.Errorf("after PATCH enabled=%v: %+v, want %+v", on, got, want)
				}
			}
		})
	}
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		contains                  []string
	}{
		{"PUT still checks the whole rule", "PUT", path(stale.ID), owner.token, map[string]any{"name": "旧规则", "kind": "crisis_word", "topic_id": topic.ID, "threshold": 5000, "enabled": false}, 422, []string{`"field": "threshold"`}},
		{"nothing to change", "PATCH", path(ok.ID), owner.token, map[string]any{}, 422, []string{`"field": "enabled"`, `"key": "error.required"`}},
		{"only enabled", "PATCH", path(ok.ID), owner.token, map[string]any{"enabled": false, "name": "x"}, 422, []string{`"field": "name"`}},
		{"not a bool", "PATCH", path(ok.ID), owner.token, `{"enabled": "no"}`, 422, []string{`"field": "enabled"`}},
		{"missing rule", "PATCH", path(99999), owner.token, map[string]any{"enabled": false}, 404, nil},
		{"analyst cannot pause", "PATCH", path(ok.ID), analyst, map[string]any{"enabled": false}, 403, []string{`"forbidden"`}},
		{"audited", "GET", "/workspaces/acme/audit", owner.token, nil, 200, []string{"PATCH /api/v1/workspaces/{ws}/alert-rules/{id}", path(stale.ID)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.checkAPI(t, tt.method, tt.path, tt.token, tt.body, tt.status, tt.contains, nil)
		})
	}
	if got, err := h.db.AlertRule(ctx, ws, ok.ID); err != nil || !got.Enabled || got.Name != ok.Name {
		t.Errorf("refused PATCHes changed the rule: %+v, %v", got, err)
	}
}

// TestAlertRedeliverAPI: POST …/alerts/{id}/redeliver queues an alert a
// channel refused for the delivery job (202, the channel pending, the
// one that took it not again), refuses with 409 and the reason, in the
// caller's language, when there is nothing to send again; an analyst's
// token may not, another workspace's alert is not found; the operation
// is documented and audited.
func TestAlertRedeliverAPI(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	ws := owner.ws.ID
	cat := mustCatalog(t)
	rule, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true, Channels: []listen.Channel{
		{Kind: "wecom", URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}, {Kind: "email", Email: "pr@acme.com"}}})
	must(t, err)
	a, _, err := h.db.FireAlert(ctx, ws, listen.Alert{RuleID: rule.ID, Kind: "crisis_word", Value: 1, FiredAt: time.Now()}, time.Time{}, nil)
	must(t, err)
	must(t, h.db.SetAlertDelivery(ctx, ws, a.ID, map[string]string{"0:wecom": "ok",
		"1:email": alert.RefusedOutcome(errors.New("email: no SMTP server configured"))}, nil))
	path := fmt.Sprintf("/workspaces/acme/alerts/%d/redeliver", a.ID)
	analyst, _, err := h.accounts.CreateToken(ctx, owner.email, "acme", account.Analyst, "analyst")
	must(t, err)

	h.checkAPI(t, "POST", path, analyst, nil, 403, nil, nil)
	h.checkAPI(t, "POST", fmt.Sprintf("/workspaces/other/alerts/%d/redeliver", a.ID), other.token, nil, 404, nil, nil)
	h.checkAPI(t, "POST", path, owner.token, nil, 202, []string{`"pending"`, `"ok"`, `"delivery_due_at"`}, []string{"no SMTP server configured", `"delivery_attempts"`})
	for _, lang := range Locales {
		status, e, raw := apiIn(t, h, lang, "POST", path, owner.token, "")
		if want := cat.T(lang, "error.alert.redeliver_pending", nil); status != 409 || e.Error.Code != apperr.Conflict || e.Error.Message != want {
			t.Errorf("%s: send again while queued: %d %s, want 409 saying %q", lang, status, raw, want)
		}
	}
	es, err := h.db.Audit(ctx, ws, 500, 0)
	must(t, err)
	if !slices.ContainsFunc(es, func(e account.AuditEntry) bool {
		return e.Action == "POST /api/v1/workspaces/{ws}/alerts/{id}/redeliver"
	}) {
		t.Errorf("send again is not in the audit log: %+v", es)
	}
	_, doc := h.api("GET", "/openapi.json", "", nil)
	op, _ := doc["paths"].(map[string]any)["/workspaces/{ws}/alerts/{id}/redeliver"].(map[string]any)["post"].(map[string]any)
	if resp, _ := op["responses"].(map[string]any); resp["202"] == nil || op["x-permission"] != string(account.EditListening) {
		t.Errorf("redeliver is not documented as an editor's operation answering 202: %v", op)
	}
}
