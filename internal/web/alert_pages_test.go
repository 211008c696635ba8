package web

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
	"github.com/chorus-hq/chorus/internal/notify/fake"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestAlertRuleEditor: the listening page's rule editor sets delivery
// channels, opens a stored rule with its webhook URLs redacted and its
// secrets never shown, keeps what is sent back as shown, removes a
// channel without handing the next one its secret, pauses and resumes a
// rule, and shows each mistake beside its field; another workspace and an
// analyst change nothing.
func TestAlertRuleEditor(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	ws := owner.ws.ID
	const (
		wecomURL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
		wecomKey = "693a91f6-7xxx"
		dingURL  = "https://oapi.dingtalk.com/robot/send?access_token=d1ngt0kend1ngt0ken"
		dingKey  = "d1ngt0ken"
		secret   = "SEC0f9e8d7c6b5a4"
	)
	var pages []string // every page shown, none may hold a secret or key
	b := h.signedIn(owner)
	get := func(path string) string {
		t.Helper()
		status, body := b.get(path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, status)
		}
		pages = append(pages, body)
		return body
	}
	editor := func(body string) string { return section(body, `id="rule-editor"`, "</form>") }
	get("/w/acme/listening")

	// Create with three channels; the blank fourth row is none.
	status, _, _ := b.post("/w/acme/listening/rules", url.Values{"name": {"声量激增"}, "kind": {"volume_spike"}, "threshold": {"3"}, "quiet_minutes": {"120"},
		"channels.0.from": {"-1"}, "channels.0.kind": {"wecom"}, "channels.0.url": {wecomURL},
		"channels.1.from": {"-1"}, "channels.1.kind": {"dingtalk"}, "channels.1.url": {dingURL}, "channels.1.secret": {secret},
		"channels.2.from": {"-1"}, "channels.2.kind": {"email"}, "channels.2.email": {"pr@example.com"},
		"channels.3.from": {"-1"}, "channels.3.kind": {"wecom"}})
	if status != http.StatusSeeOther {
		t.Fatalf("create rule: %d", status)
	}
	rules, err := h.db.AlertRules(ctx, ws)
	must(t, err)
	wantChannels := []listen.Channel{{Kind: "wecom", URL: wecomURL}, {Kind: "dingtalk", URL: dingURL, Secret: secret}, {Kind: "email", Email: "pr@example.com"}}
	if len(rules) != 1 || !reflect.DeepEqual(rules[0].Channels, wantChannels) || !rules[0].Enabled || rules[0].QuietMinutes != 120 {
		t.Fatalf("created %+v, want one enabled rule with channels %+v", rules, wantChannels)
	}
	rule := rules[0]
	// Set through the API only: the editor keeps it.
	rule.Extra = map[string]string{"min_volume": "5"}
	_, err = alert.NewService(h.db).UpdateRule(ctx, ws, rule.ID, rule)
	must(t, err)
	id := strconv.FormatInt(rule.ID, 10)

	// The list shows where the rule delivers, redacted, and that it never fired.
	list := section(get("/w/acme/listening"), `id="rules"`, `id="rule-editor"`)
	for _, want := range []string{`<span class="badge channel-wecom">企业微信</span>`, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…", `<span class="badge channel-dingtalk">钉钉</span>`,
		"已加签", "pr@example.com", "从未", `href="/w/acme/listening?rule=` + id + `#rule-editor"`, `action="/w/acme/listening/rules/` + id + `/disable"`} {
		if !strings.Contains(list, want) {
			t.Errorf("rule list lacks %q", want)
		}
	}

	// The editor opens the rule: redacted URLs, a secret that is set, not shown.
	ed := editor(get("/w/acme/listening?rule=" + id + "#rule-editor"))
	for _, want := range []string{"编辑预警规则“声量激增”", `action="/w/acme/listening/rules/` + id + `#rule-editor"`, `value="https://oapi.dingtalk.com/robot/send?…"`,
		`name="channels.1.from" value="1"`, "已设置密钥——留空则保留。", `name="channels.0.remove"`, `value="120"`, `name="channels.4.kind"`} {
		if !strings.Contains(ed, want) {
			t.Errorf("editor of the rule lacks %q", want)
		}
	}
	if _, body, _ := b.do("GET", "/w/acme/listening?rule="+id, nil, map[string]string{"Accept-Language": "en"}); !strings.Contains(body, "Secret set — leave blank to keep it.") {
		t.Errorf("English editor lacks the kept secret's hint")
	} else {
		pages = append(pages, body)
	}

	// Saved as shown, with the WeCom robot removed: the DingTalk robot,
	// now first, keeps its own address and secret.
	status, _, _ = b.post("/w/acme/listening/rules/"+id, url.Values{"name": {"声量激增（品牌）"}, "kind": {"volume_spike"}, "threshold": {"2.5"}, "quiet_minutes": {"120"},
		"channels.0.from": {"0"}, "channels.0.kind": {"wecom"}, "channels.0.url": {"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…"}, "channels.0.remove": {"1"},
		"channels.1.from": {"1"}, "channels.1.kind": {"dingtalk"}, "channels.1.url": {"https://oapi.dingtalk.com/robot/send?…"}, "channels.1.secret": {""},
		"channels.2.from": {"2"}, "channels.2.kind": {"email"}, "channels.2.email": {"pr@example.com"},
		"channels.3.from": {"-1"}, "channels.3.kind": {"wecom"}})
	if status != http.StatusSeeOther {
		t.Fatalf("edit rule: %d", status)
	}
	got, err := h.db.AlertRule(ctx, ws, rule.ID)
	must(t, err)
	wantChannels = wantChannels[1:]
	if got.Name != "声量激增（品牌）" || got.Threshold != 2.5 || !reflect.DeepEqual(got.Channels, wantChannels) || got.Extra["min_volume"] != "5" || !got.Enabled {
		t.Errorf("after edit: %+v, want channels %+v, min_volume kept, enabled", got, wantChannels)
	}

	// Pause and resume from the list; the secret stays.
	for _, tt := range []struct {
		verb, flash string
		enabled     bool
	}{{"disable", "已暂停", false}, {"enable", "已恢复", true}} {
		status, _, _ = b.post("/w/acme/listening/rules/"+id+"/"+tt.verb, nil)
		if status != http.StatusSeeOther {
			t.Fatalf("%s rule: %d", tt.verb, status)
		}
		got, err = h.db.AlertRule(ctx, ws, rule.ID)
		must(t, err)
		if got.Enabled != tt.enabled || !reflect.DeepEqual(got.Channels, wantChannels) {
			t.Errorf("after %s: enabled %v channels %+v", tt.verb, got.Enabled, got.Channels)
		}
		body := get("/w/acme/listening")
		if !strings.Contains(body, tt.flash) {
			t.Errorf("after %s the page lacks %q", tt.verb, tt.flash)
		}
		if paused := strings.Contains(section(body, `id="rule-`+id+`"`, "</tr>"), "badge warn"); paused == tt.enabled {
			t.Errorf("after %s the list shows paused %v", tt.verb, paused)
		}
	}

	// Mistakes come back beside their fields, with what was typed but the secret.
	for _, tt := range []struct {
		name, path string
		form       url.Values
		want       []string
		absent     []string
	}{
		{"new rule", "/w/acme/listening/rules", url.Values{"name": {""}, "kind": {"volume_spike"}, "threshold": {"abc"}, "quiet_minutes": {"60"},
			"channels.0.from": {"-1"}, "channels.0.kind": {"dingtalk"}, "channels.0.url": {"ftp://robot"}, "channels.0.secret": {"SECtyped"},
			"channels.1.from": {"-1"}, "channels.1.kind": {"wecom"},
			"channels.2.from": {"-1"}, "channels.2.kind": {"email"}, "channels.2.email": {"pr at example"}},
			[]string{`id="r-name-err"`, `id="r-threshold-err"`, `value="abc"`, `id="r-ch-0-url-err"`, `value="ftp://robot"`, "刚才输入的密钥未保留",
				`id="r-ch-1-email-err"`, `value="pr at example"`, "渠道 2 · 电子邮件地址：不是有效的电子邮件地址。", "渠道 1 · Webhook 地址（群机器人）："}, nil},
		// A threshold or quiet period that is no number is told so, not
		// that it is out of range.
		{"numbers that do not read", "/w/acme/listening/rules", url.Values{"name": {"x"}, "kind": {"volume_spike"}, "threshold": {"three"}, "quiet_minutes": {"soon"}},
			[]string{"阈值：请输入数字。", "静默分钟数：请输入数字。", `value="three"`, `value="soon"`}, []string{"阈值须大于", "静默期为"}},
		{"stored rule, kind changed", "/w/acme/listening/rules/" + id, url.Values{"name": {"声量激增（品牌）"}, "kind": {"volume_spike"}, "threshold": {"2.5"}, "quiet_minutes": {"120"},
			"channels.0.from": {"0"}, "channels.0.kind": {"feishu"}, "channels.0.url": {"https://oapi.dingtalk.com/robot/send?…"},
			"channels.1.from": {"1"}, "channels.1.kind": {"email"}, "channels.1.email": {"pr@example.com"}},
			[]string{`id="r-ch-0-url-err"`, "隐去密钥", `action="/w/acme/listening/rules/` + id + `#rule-editor"`, `name="channels.0.from" value="0"`}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := b.post(tt.path, tt.form)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("POST %s: %d, want 422", tt.path, status)
			}
			pages = append(pages, body)
			ed := editor(body)
			for _, want := range tt.want {
				if !strings.Contains(ed, want) {
					t.Errorf("editor lacks %q", want)
				}
			}
			for _, no := range tt.absent {
				if strings.Contains(ed, no) {
					t.Errorf("editor says %q", no)
				}
			}
			if strings.Contains(body, "SECtyped") {
				t.Errorf("the typed secret is shown back")
			}
		})
	}
	if got, _ := h.db.AlertRule(ctx, ws, rule.ID); !reflect.DeepEqual(got.Channels, wantChannels) {
		t.Errorf("a refused edit changed the channels: %+v", got.Channels)
	}

	for i, body := range pages {
		for _, bad := range []string{secret, wecomKey, dingKey} {
			if strings.Contains(body, bad) {
				t.Errorf("page %d shows %q", i, bad)
			}
		}
	}

	// Another workspace does not reach the rule through its own paths.
	o := h.signedIn(other)
	if status, _ := o.get("/w/other/listening?rule=" + id); status != http.StatusNotFound {
		t.Errorf("other opens acme's rule: %d, want 404", status)
	}
	for _, p := range []string{"/w/other/listening/rules/" + id, "/w/other/listening/rules/" + id + "/disable", "/w/acme/listening/rules/" + id} {
		if status, _, _ := o.post(p, url.Values{"name": {"x"}, "kind": {"volume_spike"}, "threshold": {"2"}}); status != http.StatusNotFound {
			t.Errorf("other POST %s: %d, want 404", p, status)
		}
	}

	// An analyst sees the rules, not the editor, and changes nothing.
	an := h.member(owner, "analyst@example.com", account.Analyst)
	if status, body := an.get("/w/acme/listening?rule=" + id); status != http.StatusOK || strings.Contains(body, `id="rule-editor"`) || strings.Contains(body, "/disable") || !strings.Contains(body, "pr@example.com") {
		t.Errorf("analyst's page: %d, editor or pause shown, or channels hidden", status)
	}
	for _, p := range []string{"/w/acme/listening/rules/" + id, "/w/acme/listening/rules/" + id + "/disable", "/w/acme/listening/rules/" + id + "/enable"} {
		if status, _, _ := an.post(p, url.Values{"name": {"x"}, "kind": {"volume_spike"}, "threshold": {"2"}}); status != http.StatusForbidden {
			t.Errorf("analyst POST %s: %d, want 403", p, status)
		}
	}
	if got, _ := h.db.AlertRule(ctx, ws, rule.ID); got.Name != "声量激增（品牌）" || !got.Enabled {
		t.Errorf("the rule changed: %+v", got)
	}
}

// TestPauseRuleThatNoLongerValidates: a rule stored before a check was
// tightened (a threshold now out of range, a crisis rule on a topic no
// longer a crisis one, an e-mail address now refused, a plain http://
// webhook) is paused and resumed from the list as any other, and its
// editor opens with each mistake beside its field.
func TestPauseRuleThatNoLongerValidates(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	topic, err := h.db.CreateTopic(ctx, ws, listen.Topic{Name: "危机", Kind: "crisis", Query: "爆炸", Enabled: true})
	must(t, err)
	rule, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "旧规则", Kind: "crisis_word", TopicID: topic.ID, Threshold: 5000, QuietMinutes: 60, Enabled: true,
		Channels: []listen.Channel{{Kind: "wecom", URL: "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}, {Kind: "email", Email: "PR <pr@example.com>"}}})
	must(t, err)
	topic.Kind = "brand"
	_, err = h.db.UpdateTopic(ctx, ws, topic)
	must(t, err)
	id := strconv.FormatInt(rule.ID, 10)

	b := h.signedIn(owner)
	b.get("/w/acme/listening")
	for _, tt := range []struct {
		verb, flash string
		enabled     bool
	}{{"disable", "已暂停", false}, {"enable", "已恢复", true}} {
		status, _, hdr := b.post("/w/acme/listening/rules/"+id+"/"+tt.verb, nil)
		if status != http.StatusSeeOther || hdr.Get("Location") != "/w/acme/listening#rules" {
			t.Fatalf("%s the rule that no longer validates: %d, want 303 to the rules", tt.verb, status)
		}
		got, err := h.db.AlertRule(ctx, ws, rule.ID)
		must(t, err)
		if got.Enabled != tt.enabled || got.Threshold != 5000 || !reflect.DeepEqual(got.Channels, rule.Channels) {
			t.Errorf("after %s: %+v, want enabled %v and the rest as stored", tt.verb, got, tt.enabled)
		}
		if _, body := b.get("/w/acme/listening"); !strings.Contains(body, tt.flash) {
			t.Errorf("after %s: no flash %q", tt.verb, tt.flash)
		}
	}

	_, body := b.get("/w/acme/listening?rule=" + id)
	ed := section(body, `id="rule-editor"`, "</form>")
	for _, want := range []string{`role="alert"`, `id="r-threshold" name="threshold" type="text" inputmode="decimal" value="5000" aria-invalid="true"`,
		`<div class="field-error" id="r-threshold-err">须在 0 到 1000 之间。`, `<div class="field-error" id="r-topic-err">危机词规则只能监测“危机”类话题。`,
		`<div class="field-error" id="r-ch-1-email-err">不是有效的电子邮件地址。`} {
		if !strings.Contains(ed, want) {
			t.Errorf("editor of the rule lacks %q:\n%s", want, ed)
		}
	}
	if strings.Contains(ed, `id="r-ch-0-url-err"`) {
		t.Errorf("editor flags the stored webhook URL, which a save keeps as it is:\n%s", ed)
	}
}

// TestRuleWithUnknownOption: a rule stored with an option this version
// does not know (by an earlier version) opens in the editor with its
// options shown, the unknown one named beside its row in both languages;
// a save that keeps it is refused and says so, one that removes it saves
// the rule and keeps the other options.
func TestRuleWithUnknownOption(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testRuleWithUnknownOption(t, db) })
}

func testRuleWithUnknownOption(t *testing.T, db *store.DB) {
	h := newHarness(t, db)
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	rule, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "旧规则", Kind: "volume_spike", Threshold: 3, QuietMinutes: 60, Enabled: true,
		Channels: []listen.Channel{}, Extra: map[string]string{"digest": "daily", "min_volume": "20"}})
	must(t, err)
	id := strconv.FormatInt(rule.ID, 10)

	b := h.signedIn(owner)
	for lang, want := range map[string][]string{
		"zh-CN": {`<code>digest</code> = <code>daily</code>`, `<code>min_volume</code> = <code>20</code> <span class="muted">激增所需的每小时最少提及数</span>`,
			`<div class="field-error" id="r-opt-0-err">未知选项“digest”：此版本的 Chorus 不使用它，移除后即可保存规则。`, `其他选项：未知选项“digest”`},
		"en": {`<div class="field-error" id="r-opt-0-err">Unknown option “digest”: this version of Chorus does not use it; remove it to save the rule.`,
			`Other options: Unknown option “digest”`, `Remove this option`},
	} {
		_, body, _ := b.do("GET", "/w/acme/listening?rule="+id, nil, map[string]string{"Accept-Language": lang})
		ed := html.UnescapeString(section(body, `id="rule-editor"`, "</form>"))
		for _, w := range want {
			if !strings.Contains(ed, w) {
				t.Errorf("%s editor lacks %q:\n%s", lang, w, ed)
			}
		}
	}

	form := url.Values{"name": {"旧规则（改）"}, "kind": {"volume_spike"}, "threshold": {"4"}, "quiet_minutes": {"60"}}
	status, body, _ := b.post("/w/acme/listening/rules/"+id, form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), `未知选项“digest”`) {
		t.Fatalf("save keeping the unknown option: %d, want 422 naming it", status)
	}
	form.Set("remove_option", "digest")
	if status, _, _ = b.post("/w/acme/listening/rules/"+id, form); status != http.StatusSeeOther {
		t.Fatalf("save removing the unknown option: %d, want 303", status)
	}
	got, err := h.db.AlertRule(ctx, ws, rule.ID)
	must(t, err)
	if got.Name != "旧规则（改）" || got.Threshold != 4 || !reflect.DeepEqual(got.Extra, map[string]string{"min_volume": "20"}) {
		t.Errorf("saved %+v, want the new name and threshold, min_volume kept and digest gone", got)
	}
}

// TestThresholdHelpSaysWhatIsCompared: the rule editor's help on
// thresholds says what each spike rule compares its threshold with, as
// alert.SpikeCheck does: a volume spike the z-score of the hour's
// mentions against the same hour of the last 14 days (a threshold of 3
// fires at twice a steady volume of 9, not at three times it), a
// negative spike the rise of the negative share over the last 14 days'
// (not the share itself).
func TestThresholdHelpSaysWhatIsCompared(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	for lang, want := range map[string][]string{
		"zh-CN": {"标准差", "z 分数", "负面占比比近 14 天的高出多少", "[0–1000]"},
		"en":    {"standard deviations", "z-score", "negative share rises above", "[0–1000]"},
	} {
		_, body, _ := b.do("GET", "/w/acme/listening", nil, map[string]string{"Accept-Language": lang})
		help := html.UnescapeString(section(body, `id="r-threshold"`, "</p>"))
		for _, w := range want {
			if !strings.Contains(help, w) {
				t.Errorf("%s threshold help lacks %q: %s", lang, w, help)
			}
		}
	}
}

// TestNegativeSpikeThresholdInPercent: the editor takes and shows a
// negative spike's threshold in percentage points, as the rest of the UI
// shows shares ("15" or "15%" for a rise of 15 points), and stores the
// fraction the API and the alert service use (0.15); a threshold out of
// range is told in percent in both languages. The other kinds' thresholds
// read as before.
func TestNegativeSpikeThresholdInPercent(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	b := h.signedIn(owner)
	b.get("/w/acme/listening")
	for _, tt := range []struct {
		kind, typed string
		want        float64
	}{
		{"negative_spike", "15", 0.15},
		{"negative_spike", "15%", 0.15},
		{"negative_spike", "12.5 %", 0.125},
		{"negative_spike", "１５％", 0.15},
		{"negative_spike", "100", 1},
		{"volume_spike", "3", 3},
		{"crisis_word", "0", 0},
	} {
		status, body, _ := b.post("/w/acme/listening/rules", url.Values{"name": {tt.kind + " " + tt.typed}, "kind": {tt.kind}, "threshold": {tt.typed}, "quiet_minutes": {"60"}})
		if status != http.StatusSeeOther {
			t.Errorf("%s threshold %q: %d, want 303\n%s", tt.kind, tt.typed, status, section(body, `id="rule-editor"`, "</form>"))
			continue
		}
		rules, err := h.db.AlertRules(ctx, ws)
		must(t, err)
		i := slices.IndexFunc(rules, func(r listen.AlertRule) bool { return r.Name == tt.kind+" "+tt.typed })
		if i < 0 || math.Abs(rules[i].Threshold-tt.want) > 1e-12 {
			t.Errorf("%s threshold %q stored as %+v, want %v", tt.kind, tt.typed, rules, tt.want)
		}
	}

	// A stored rule, as the API sets it (a fraction), shows in percent.
	rule, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "负面", Kind: "negative_spike", Threshold: 0.07, QuietMinutes: 60, Enabled: true, Channels: []listen.Channel{}})
	must(t, err)
	id := strconv.FormatInt(rule.ID, 10)
	_, body := b.get("/w/acme/listening?rule=" + id)
	if ed := section(body, `id="rule-editor"`, "</form>"); !strings.Contains(ed, `name="threshold" type="text" inputmode="decimal" value="7"`) {
		t.Errorf("editor of a 0.07 threshold does not show 7:\n%s", ed)
	}
	if row := section(body, `id="rule-`+id+`"`, "</tr>"); !strings.Contains(row, `>7%</td>`) {
		t.Errorf("rule list shows a 0.07 threshold not as 7%%: %s", row)
	}
	// The other kinds' thresholds read as figures do, thousands
	// separated and with every decimal they have.
	for _, tt := range []struct {
		kind      string
		threshold float64
		want      string
	}{{"crisis_word", 1000, ">1,000</td>"}, {"volume_spike", 2.25, ">2.25</td>"}} {
		r, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: tt.kind, Kind: tt.kind, Threshold: tt.threshold, QuietMinutes: 60, Enabled: true, Channels: []listen.Channel{}})
		must(t, err)
		_, body := b.get("/w/acme/listening")
		if row := section(body, fmt.Sprintf(`id="rule-%d"`, r.ID), "</tr>"); !strings.Contains(row, tt.want) {
			t.Errorf("rule list shows a %s threshold of %v not as %s: %s", tt.kind, tt.threshold, tt.want, row)
		}
	}

	// Out of range, in either language, in percent.
	for _, tt := range []struct{ lang, typed, want string }{
		{"zh-CN", "150", "阈值须大于 0%，且不超过 100%。"},
		{"zh-CN", "0", "阈值须大于 0%，且不超过 100%。"},
		{"en", "-5", "The threshold must be above 0% and at most 100%."},
		{"en", "15 points", "Enter a number."},
	} {
		form := url.Values{"csrf": {b.csrf}, "name": {"负面"}, "kind": {"negative_spike"}, "threshold": {tt.typed}, "quiet_minutes": {"60"}}
		status, body, _ := b.do("POST", "/w/acme/listening/rules/"+id, form, map[string]string{"Accept-Language": tt.lang})
		errs := html.UnescapeString(section(body, `id="r-threshold"`, "</div>"))
		if status != http.StatusUnprocessableEntity || !strings.Contains(errs, tt.want) || !strings.Contains(errs, `value="`+tt.typed+`"`) {
			t.Errorf("%s threshold %q: %d, want 422 keeping what was typed and saying %q:\n%s", tt.lang, tt.typed, status, tt.want, errs)
		}
	}
	got, err := h.db.AlertRule(ctx, ws, rule.ID)
	must(t, err)
	if got.Threshold != 0.07 {
		t.Errorf("refused saves changed the threshold to %v", got.Threshold)
	}
}

// TestAlertPageRedeliver: an alert a channel refused (or failed to take
// after all tries) offers Send again on its page, in both languages, to
// those who may edit alert rules; sending again queues the rule's
// channels that did not take it for the delivery job and the page shows
// them waiting, the one that took it delivered, and no second Send
// again; a second post, and one for a paused rule's alert, is refused
// with the reason, which that alert's page gives instead of Send again;
// an analyst may not; the audit log reads it as words.
func TestAlertPageRedeliver(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	cat := mustCatalog(t)
	channels := []listen.Channel{{Kind: "wecom", URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"},
		{Kind: "dingtalk", URL: "https://oapi.dingtalk.com/robot/send?access_token=d"}}
	refusedAlert := func(enabled bool) (string, int64) {
		t.Helper()
		rule, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: enabled, Channels: channels})
		must(t, err)
		a, _, err := h.db.FireAlert(ctx, ws, listen.Alert{RuleID: rule.ID, Kind: "crisis_word", Value: 1, FiredAt: time.Now()}, time.Time{}, nil)
		must(t, err)
		must(t, h.db.SetAlertDelivery(ctx, ws, a.ID, map[string]string{"0:wecom": "ok",
			"1:dingtalk": alert.RefusedOutcome(errors.New("dingtalk: error 310000: sign not match"))}, nil))
		return AlertPagePath("acme", a.ID), a.ID
	}
	path, id := refusedAlert(true)
	b := h.signedIn(owner)
	for _, lang := range Locales {
		status, body, _ := b.do("GET", path, nil, map[string]string{"Accept-Language": lang})
		form := section(body, `id="alert-redeliver"`, "</form>")
		if status != http.StatusOK || !strings.Contains(form, `action="`+path+`/redeliver"`) || !strings.Contains(form, `name="csrf"`) ||
			!strings.Contains(form, cat.T(lang, "listening.alert_redeliver", nil)+"</button>") ||
			!strings.Contains(form, html.EscapeString(cat.T(lang, "listening.alert_redeliver_help", nil))) {
			t.Errorf("%s: the refused alert's page offers no Send again: %d %s", lang, status, form)
		}
	}
	analyst := h.analyst(owner)
	if _, body := analyst.get(path); strings.Contains(body, `id="alert-redeliver"`) {
		t.Error("an analyst is offered Send again")
	}
	if status, _, _ := analyst.post(path+"/redeliver", nil); status != http.StatusForbidden {
		t.Errorf("an analyst sends again: %d, want 403", status)
	}

	status, _, hdr := b.post(path+"/redeliver", nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != path {
		t.Fatalf("send again: %d to %q, want 303 to the alert's page", status, hdr.Get("Location"))
	}
	a, err := h.db.Alert(ctx, ws, id)
	must(t, err)
	if a.DeliveryDueAt == nil || a.DeliveryAttempts != 0 {
		t.Errorf("after send again: due %v, tries %d; want due, no try yet", a.DeliveryDueAt, a.DeliveryAttempts)
	}
	for _, lang := range Locales {
		_, body, _ := b.do("GET", path, nil, map[string]string{"Accept-Language": lang})
		rows := section(body, `id="alert-delivery"`, "</tr>")
		colon := cat.T(lang, "label.colon", nil)
		if !strings.Contains(rows, cat.T(lang, "alert.channel.dingtalk", nil)+colon+cat.T(lang, "listening.alert_pending", nil)) ||
			!strings.Contains(rows, cat.T(lang, "alert.channel.wecom", nil)+colon+cat.T(lang, "alert.delivered", nil)) ||
			strings.Contains(rows, "sign not match") || strings.Contains(rows, `id="alert-redeliver"`) {
			t.Errorf("%s: the queued alert's delivery: %s", lang, rows)
		}
	}
	// Again while queued, and for a paused rule's alert: refused, saying why.
	paused, _ := refusedAlert(false)
	for _, lang := range Locales {
		_, body, _ := b.do("GET", paused, nil, map[string]string{"Accept-Language": lang})
		why := section(body, `id="alert-redeliver-why"`, "</div>")
		if strings.Contains(body, `id="alert-redeliver"`) || !strings.Contains(why, html.EscapeString(cat.T(lang, "error.alert.redeliver_paused", nil))) {
			t.Errorf("%s: a paused rule's refused alert does not say why it cannot be sent again: %s", lang, why)
		}
	}
	for _, tt := range []struct{ path, key string }{{path, "error.alert.redeliver_pending"}, {paused, "error.alert.redeliver_paused"}} {
		for _, lang := range Locales {
			b.get(tt.path)
			form := url.Values{"csrf": {b.csrf}}
			status, body, _ := b.do("POST", tt.path+"/redeliver", form, map[string]string{"Accept-Language": lang})
			if want := html.EscapeString(cat.T(lang, tt.key, nil)); status != http.StatusConflict || !strings.Contains(body, want) {
				t.Errorf("%s: send again of %s: %d, want 409 saying %q", lang, tt.path, status, want)
			}
		}
	}
	es, err := h.db.Audit(ctx, ws, 500, 0)
	must(t, err)
	n := 0
	for _, e := range es {
		if e.Action == "POST /w/{ws}/listening/alerts/{id}/redeliver" {
			n++
			for _, lang := range Locales {
				v := &view{s: h.srv, Locale: lang}
				if got, want := v.Action(e.Action, e.Detail), cat.T(lang, "audit.action.redeliver", map[string]any{"Object": cat.T(lang, "audit.object.alerts", nil)}); got != want {
					t.Errorf("%s: audit reads %q, want %q", lang, got, want)
				}
			}
		}
	}
	if n != 1 {
		t.Errorf("the audit log has %d sends again, want the 1 that was made", n)
	}
}

// TestAlertTitleNamesKindOnce: an alert's heading, and its line in the
// listening page's list of unread alerts, name its kind once, in its
// badge, followed by what it is about (the topic of a spike, the count of
// a crisis): not the badge and then the title of its chat message, which
// names the kind again ("声量激增 声量激增：闲岚咖啡").
func TestAlertTitleNamesKindOnce(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	cat := mustCatalog(t)
	topic, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "闲岚咖啡", Kind: "brand", Query: "闲岚", Enabled: true})
	must(t, err)
	b := h.signedIn(owner)
	for _, kind := range listen.AlertKinds {
		a, _, err := h.db.FireAlert(ctx, ws, listen.Alert{Kind: kind, TopicID: topic.ID, Value: 3, FiredAt: time.Now()}, time.Time{}, nil)
		must(t, err)
		path := AlertPagePath("acme", a.ID)
		for _, lang := range Locales {
			label := cat.T(lang, "listening.alert_kind."+kind, nil)
			title := cat.T(lang, "alert."+kind+".title", map[string]any{"Topic": topic.Name, "Count": a.Caused()})
			_, page, _ := b.do("GET", path, nil, map[string]string{"Accept-Language": lang})
			_, list, _ := b.do("GET", "/w/acme/listening", nil, map[string]string{"Accept-Language": lang})
			for where, got := range map[string]string{"page heading": section(page, `id="alert-title"`, "</h1>"), "list line": section(list, `href="`+path+`"`, "</a>")} {
				if !strings.Contains(got, `badge alert-`+kind) {
					t.Fatalf("%s %s: no %s in %s", kind, lang, where, got)
				}
				if n := strings.Count(got, html.EscapeString(label)); n != 1 || strings.Contains(got, html.EscapeString(title)) {
					t.Errorf("%s %s: the %s names the kind %q %d times, or repeats it in the title %q: %s", kind, lang, where, label, n, title, got)
				}
				if want := strconv.Itoa(a.Caused()); kind != "crisis_word" && !strings.Contains(got, topic.Name) || kind == "crisis_word" && !strings.Contains(got, want) {
					t.Errorf("%s %s: the %s does not say what the alert is about: %s", kind, lang, where, got)
				}
			}
		}
	}
}

// TestAlertPageMentionPages: an alert that carries more mentions than a
// page shows (a crisis wave carries up to alert.MaxCarriedMentions of the
// hits it counted) pages through all it carries, alert.MaxAlertMentions a
// page, newest first, each page linking to the newer and the older one;
// its heading says how many of the mentions that caused it the alert
// carries. A page it does not have is an error naming the pages there
// are; mention text stays escaped on every page; the API's alert takes
// the same pages.
func TestAlertPageMentionPages(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	cat := mustCatalog(t)
	const carried, caused = 2*alert.MaxAlertMentions + 30, 700
	base := time.Now().Add(-3 * time.Hour)
	posts := make([]listen.Post, carried)
	for i := range posts {
		posts[i] = listen.Post{SourceKind: "webhook", ExternalID: strconv.Itoa(i), Author: "a", Text: "门店起火 第" + strconv.Itoa(i) + "条", PublishedAt: base.Add(time.Duration(i) * time.Minute)}
	}
	posts[carried-alert.MaxAlertMentions-1].Text = "门店起火 <script>alert(1)</script>"
	_, err := h.listen.Ingest(ctx, ws, posts)
	must(t, err)
	ms, err := h.listen.Mentions(ctx, ws, listen.MentionFilter{Limit: listen.MaxMentionPage})
	must(t, err)
	if len(ms) != carried {
		t.Fatalf("%d mentions stored, want %d", len(ms), carried)
	}
	slices.SortFunc(ms, func(x, y listen.Mention) int { return cmp.Compare(y.ID, x.ID) }) // newest to reach Chorus first, as an alert carries them
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	a, _, err := h.db.FireAlert(ctx, ws, listen.Alert{Kind: "crisis_word", Value: caused, MentionIDs: ids, FiredAt: time.Now(),
		Detail: map[string]any{"mentions": caused, "uncarried_from": 1, "uncarried_to": 2}}, time.Time{}, nil)
	must(t, err)
	path := AlertPagePath("acme", a.ID)
	pages := (carried + alert.MaxAlertMentions - 1) / alert.MaxAlertMentions
	b := h.signedIn(owner)
	for _, lang := range Locales {
		for page := 1; page <= pages; page++ {
			q := ""
			if page > 1 {
				q = "?page=" + strconv.Itoa(page)
			}
			status, body, _ := b.do("GET", path+q, nil, map[string]string{"Accept-Language": lang})
			sec := section(body, `id="alert-mentions"`, "</section>")
			if status != http.StatusOK {
				t.Fatalf("%s page %d: %d %s", lang, page, status, sec)
			}
			head := section(sec, "<h2>", "</h2>")
			if !strings.Contains(head, strconv.Itoa(caused)) || !strings.Contains(head, strconv.Itoa(carried)) {
				t.Errorf("%s page %d: the heading does not say the alert carries %d of the %d mentions that caused it: %s", lang, page, carried, caused, head)
			}
			from, to := (page-1)*alert.MaxAlertMentions, min(page*alert.MaxAlertMentions, carried)
			if n := strings.Count(sec, `class="mention `); n != to-from {
				t.Errorf("%s page %d shows %d mentions, want %d", lang, page, n, to-from)
			}
			for i, m := range ms {
				shown := strings.Contains(sec, `id="mention-`+strconv.FormatInt(m.ID, 10)+`"`)
				if want := i >= from && i < to; shown != want {
					t.Errorf("%s page %d: the %d-th newest mention shown %v, want %v", lang, page, i+1, shown, want)
				}
			}
			if strings.Contains(sec, "<script>alert(1)") {
				t.Errorf("%s page %d: mention text unescaped", lang, page)
			}
			newer := section(sec, `id="newer-mentions"`, "</a>")
			older := section(sec, `id="older-mentions"`, "</a>")
			if page > 1 != strings.Contains(newer, `href="`+path+`?page=`+strconv.Itoa(page-1)) ||
				page < pages != strings.Contains(older, `href="`+path+`?page=`+strconv.Itoa(page+1)) ||
				page == 1 && strings.Contains(sec, `id="newer-mentions"`) || page == pages && strings.Contains(sec, `id="older-mentions"`) {
				t.Errorf("%s page %d of %d: links newer %q, older %q", lang, page, pages, newer, older)
			}
			if page < pages && !strings.Contains(older, html.EscapeString(cat.T(lang, "listening.older", nil))) {
				t.Errorf("%s page %d: the older link does not read %q: %s", lang, page, cat.T(lang, "listening.older", nil), older)
			}
		}
		for _, bad := range []string{"0", "-1", strconv.Itoa(pages + 1), "x"} {
			status, body, _ := b.do("GET", path+"?page="+bad, nil, map[string]string{"Accept-Language": lang})
			if want := html.EscapeString(cat.T(lang, "error.alert.mentions_page", map[string]any{"Pages": pages})); status != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
				t.Errorf("%s ?page=%s: %d, want 422 saying %q", lang, bad, status, want)
			}
		}
	}
	// The escaped mention is on its page.
	_, body := b.get(path + "?page=2")
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("page 2 lacks the escaped mention")
	}
	// The API's alert: the same pages.
	for page := 1; page <= pages+1; page++ {
		status, got := h.api("GET", "/workspaces/acme/alerts/"+strconv.FormatInt(a.ID, 10)+"?page="+strconv.Itoa(page), owner.token, nil)
		if page > pages {
			if raw := jsonText(got); status != http.StatusUnprocessableEntity || !strings.Contains(raw, `"field": "page"`) {
				t.Errorf("API page %d of %d: %d %s", page, pages, status, raw)
			}
			continue
		}
		mentions, _ := got["mentions"].([]any)
		from, to := (page-1)*alert.MaxAlertMentions, min(page*alert.MaxAlertMentions, carried)
		if status != http.StatusOK || len(mentions) != to-from || got["mentions_page"] != float64(page) || got["mentions_pages"] != float64(pages) {
			t.Errorf("API page %d: %d, %d mentions, page %v of %v; want %d of %d", page, status, len(mentions), got["mentions_page"], got["mentions_pages"], to-from, pages)
		}
	}
}

// TestDeliveryOutcomeInReadersLanguage: a channel's refusal reads in the
// reader's language on the alert page and in the API: what went wrong
// and what to do in Chinese for a Chinese reader, the platform's own
// code and message as it answered them; the API adds the stable code
// and the English text. Outcomes an earlier version stored as English
// text still show as they are, a refusal still as one, and the alert is
// still offered to be sent again.
func TestDeliveryOutcomeInReadersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		owner := h.tenant("acme", account.Owner)
		ws := owner.ws.ID
		robot := fake.New(t, notify.WeCom, "k1", "")
		wrongKey := listen.Channel{Kind: notify.WeCom, URL: strings.Replace(robot.URL(), "k1", "k2", 1)}
		rule, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true,
			Channels: []listen.Channel{wrongKey, {Kind: notify.DingTalk, URL: "https://oapi.dingtalk.com/robot/send?access_token=d"}}})
		must(t, err)
		a, _, err := h.db.FireAlert(ctx, ws, listen.Alert{RuleID: rule.ID, Kind: "crisis_word", Value: 1, FiredAt: time.Now()}, time.Time{}, nil)
		must(t, err)
		sendErr := (&notify.Notifier{HTTP: fetch.New(fetch.Options{AllowPrivate: true})}).Send(ctx,
			notify.Target{Kind: notify.WeCom, URL: wrongKey.URL}, notify.Message{Title: "危机"})
		if !notify.Permanent(sendErr) {
			t.Fatalf("Send with a wrong key = %v, want a refusal for good", sendErr)
		}
		const platformMsg = "invalid webhook url, hint: [1700000000_1_abc], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000"
		const oldRefusal = "dingtalk: error 310000: sign not match (check the robot's signing secret (加签, starts with SEC), its keywords and IP allow-list, and this server's clock)"
		const oldFailure = "email: send through smtp.acme.com:587: dial tcp: i/o timeout"
		must(t, h.db.SetAlertDelivery(ctx, ws, a.ID, map[string]string{
			"0:wecom":    alert.RefusedOutcome(sendErr),
			"1:dingtalk": "refused: " + oldRefusal, // as stored by an earlier version
			"2:email":    oldFailure,
		}, nil))

		cat := mustCatalog(t)
		b := h.signedIn(owner)
		path := AlertPagePath("acme", a.ID)
		want := map[string]string{
			"zh-CN": "平台返回错误码 93000：" + platformMsg + "（Webhook 地址或其中的 key 有误：请从群机器人处重新复制）",
			"en":    "error 93000: " + platformMsg + " (the webhook URL or its key is wrong: copy it again from the group robot)",
		}
		for _, lang := range Locales {
			status, body, _ := b.do("GET", path, nil, map[string]string{"Accept-Language": lang})
			rows := strings.Split(section(body, `id="alert-delivery"`, "</tr>"), "<div>")
			if status != http.StatusOK || len(rows) < 4 {
				t.Fatalf("%s alert page: %d, delivery %q", lang, status, rows)
			}
			refused := html.EscapeString(cat.T(lang, "listening.alert_refused", nil))
			wecom, ding, mail := rows[1], rows[2], rows[3] // in the order of their keys
			if !strings.Contains(wecom, html.EscapeString(want[lang])) || !strings.Contains(wecom, refused) {
				t.Errorf("%s: the robot's refusal reads %s, want %q and that it is not tried again", lang, wecom, want[lang])
			}
			if lang == "zh-CN" && strings.Contains(wecom, "wrong") {
				t.Errorf("zh-CN: the robot's refusal is in English: %s", wecom)
			}
			if !strings.Contains(ding, html.EscapeString(oldRefusal)) || !strings.Contains(ding, refused) {
				t.Errorf("%s: a refusal stored as English text reads %s, want it as it is and that it is not tried again", lang, ding)
			}
			if !strings.Contains(mail, html.EscapeString(oldFailure)) || strings.Contains(mail, refused) {
				t.Errorf("%s: a failure stored as English text reads %s, want it as it is", lang, mail)
			}
			if !strings.Contains(section(body, `id="alert-redeliver"`, "</form>"), cat.T(lang, "listening.alert_redeliver", nil)+"</button>") {
				t.Errorf("%s: the page offers no Send again", lang)
			}

			status, _, raw := apiIn(t, h, lang, "GET", "/workspaces/acme/alerts/"+strconv.FormatInt(a.ID, 10), owner.token, "")
			var got struct {
				Detail struct {
					Delivery map[string]string `json:"delivery"`
				} `json:"detail"`
				Deliveries []deliveryView `json:"deliveries"`
			}
			if err := json.Unmarshal([]byte(raw), &got); err != nil || status != http.StatusOK || len(got.Deliveries) != 3 {
				t.Fatalf("%s API: %d %s", lang, status, raw)
			}
			wants := []deliveryView{
				{Key: "0:wecom", Channel: "wecom", State: "refused", Code: "platform_code", HintCode: "wecom.93000", Message: want[lang], Text: sendErr.Error()},
				{Key: "1:dingtalk", Channel: "dingtalk", State: "refused", Message: oldRefusal, Text: oldRefusal},
				{Key: "2:email", Channel: "email", State: "failed", Message: oldFailure, Text: oldFailure},
			}
			if !reflect.DeepEqual(got.Deliveries, wants) {
				t.Errorf("%s API deliveries:\n got %+v\nwant %+v", lang, got.Deliveries, wants)
			}
			// The detail keeps each outcome in English, as it always read.
			if plain := map[string]string{"0:wecom": "refused: " + sendErr.Error(), "1:dingtalk": "refused: " + oldRefusal, "2:email": oldFailure}; !reflect.DeepEqual(got.Detail.Delivery, plain) {
				t.Errorf("%s API detail.delivery = %v, want %v", lang, got.Detail.Delivery, plain)
			}
		}
	})
}
