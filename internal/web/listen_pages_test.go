package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/listen/sentiment"
	"github.com/chorus-hq/chorus/internal/notify"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestListeningPages(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	ws := owner.ws.ID
	_, err := h.brand.Competitors.Create(ctx, ws, brand.Competitor{Name: "墨岩咖啡", Aliases: []string{"墨岩"}})
	must(t, err)
	_, err = h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	now := time.Now().Add(-time.Hour)
	posts := []listen.Post{
		{SourceKind: "webhook", ExternalID: "1", Author: "小王", Text: "星澜的拿铁真好喝，推荐！", URL: "https://weibo.com/1", PublishedAt: now},
		{SourceKind: "webhook", ExternalID: "2", Author: "<b>evil</b>", Text: "星澜 <script>alert(1)</script> 太难喝了", URL: "javascript:alert(2)", PublishedAt: now},
		{SourceKind: "webhook", ExternalID: "3", Author: "路人", Text: "墨岩咖啡今天排队好长", PublishedAt: now},
		{SourceKind: "webhook", ExternalID: "4", Author: "老用户", Text: "十天前的旧帖子：星澜还行", PublishedAt: now.Add(-10 * 24 * time.Hour)},
	}
	_, err = h.listen.Ingest(ctx, ws, posts)
	must(t, err)
	ids, err := h.listen.Mentions(ctx, ws, listen.MentionFilter{})
	must(t, err)
	a, _, err := h.db.FireAlert(ctx, ws, listen.Alert{Kind: "crisis_word", Value: 1, MentionIDs: []int64{ids[0].ID}, FiredAt: time.Now()}, time.Time{}, nil)
	must(t, err)
	alertPath := "/w/acme/listening/alerts/" + strconv.FormatInt(a.ID, 10)

	b := h.signedIn(owner)
	status, body := b.get("/w/acme/listening")
	if status != http.StatusOK {
		t.Fatalf("GET listening: %d %s", status, body)
	}
	for _, want := range []string{"星澜的拿铁真好喝", `data-chart=`, "&lt;script&gt;", `href="https://weibo.com/1"`, alertPath, `action="/w/acme/listening/seed"`, `id="topic-editor"`, `id="sources"`,
		`<span class="badge alert-crisis_word">危机词</span> <span class="alert-subject">1 条新提及</span>`, `href="/w/acme/listening/sources"`, `<span class="swatch" style="background: #2f6f9f"></span>本品牌`} {
		if !strings.Contains(body, want) {
			t.Errorf("listening page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>alert(1)", `href="javascript:`, "<b>evil</b>", "badge coming"} {
		if strings.Contains(body, bad) {
			t.Errorf("listening page shows %q", bad)
		}
	}
	// Filters.
	status, body = b.get("/w/acme/listening?lang=zh&source=webhook&topic=999&sentiment=bogus&days=9999")
	if status != http.StatusOK || !strings.Contains(body, "星澜的拿铁真好喝") {
		t.Errorf("unknown filter values should be ignored")
	}

	if !strings.Contains(body, "十天前的旧帖子") {
		t.Errorf("stream lacks the older mention")
	}
	_, body = b.get("/w/acme/listening?days=7")
	if strings.Contains(body, "十天前的旧帖子") || !strings.Contains(body, "星澜的拿铁真好喝") || !strings.Contains(body, `value="7" selected`) {
		t.Errorf("days filter not applied")
	}
	for _, m := range ids {
		_, body = b.get("/w/acme/listening?sentiment=" + m.Sentiment)
		body = section(body, `id="mentions"`, `id="topics"`) // the hot terms card quotes examples whatever the filter
		if !strings.Contains(body, template.HTMLEscapeString(m.Text)) {
			t.Errorf("sentiment=%s lacks %q", m.Sentiment, m.Text)
		}
		for _, o := range ids {
			if o.Sentiment != m.Sentiment && strings.Contains(body, template.HTMLEscapeString(o.Text)) {
				t.Errorf("sentiment=%s shows %q (%s)", m.Sentiment, o.Text, o.Sentiment)
			}
		}
	}
	// Seed topics creates the competitor's topic.
	status, _, _ = b.post("/w/acme/listening/seed", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("seed: %d", status)
	}
	topics, err := h.listen.Topics(ctx, ws)
	must(t, err)
	if len(topics) < 2 {
		t.Errorf("seed made %d topics", len(topics))
	}
	// Try it, good and bad, as htmx partials.
	b.get("/w/acme/listening")
	status, body, _ = b.do("POST", "/w/acme/listening/try", url.Values{"csrf": {b.csrf}, "query": {"星澜"}}, map[string]string{"HX-Request": "true"})
	if status != http.StatusOK || !strings.Contains(body, `id="try-result"`) || !strings.Contains(body, "星澜的拿铁真好喝") || strings.Contains(body, "墨岩咖啡今天") || strings.Contains(body, "<html") {
		t.Errorf("try: %d %s", status, body)
	}
	status, body, _ = b.do("POST", "/w/acme/listening/try", url.Values{"csrf": {b.csrf}, "query": {"星澜 AND (拿铁 OR 咖啡"}}, map[string]string{"HX-Request": "true"})
	if status != http.StatusOK || !strings.Contains(body, "第 8 个字符处的括号没有闭合：“(拿铁 OR 咖啡”") {
		t.Errorf("bad try: %d %s", status, body)
	}
	// Without htmx, the whole page with the error.
	status, body, _ = b.post("/w/acme/listening/try", url.Values{"query": {"(星澜"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "第 1 个字符处的括号没有闭合：“(星澜”") || !strings.Contains(body, `id="mentions"`) {
		t.Errorf("bad try, full page: %d", status)
	}
	// Topic editor: an invalid query is shown back, a good one saved.
	b.get("/w/acme/listening")
	status, body, _ = b.post("/w/acme/listening/topics", url.Values{"name": {"拿铁"}, "kind": {"product"}, "query": {"(拿铁"}, "enabled": {"1"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "查询：第 1 个字符处的括号没有闭合：“(拿铁”") {
		t.Errorf("bad topic: %d, or the error does not name its field", status)
	}
	if status, body, _ = b.post("/w/acme/listening/topics", url.Values{"name": {""}, "kind": {"product"}, "query": {"拿铁"}}); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "名称：") {
		t.Errorf("topic without a name: %d; want 422 naming the field", status)
	}
	status, _, _ = b.post("/w/acme/listening/topics", url.Values{"name": {"拿铁"}, "kind": {"product"}, "query": {"拿铁 OR latte"}, "enabled": {"1"}})
	if status != http.StatusSeeOther {
		t.Errorf("save topic: %d", status)
	}
	// The alert page, where chat and e-mail link (AlertPagePath), opens on
	// the mention that caused it, under the title the message had, and
	// marks it read on a POST to …/read.
	if got := AlertPagePath("acme", a.ID); got != alertPath {
		t.Errorf("AlertPagePath = %q, want %q", got, alertPath)
	}
	status, body = b.get(alertPath)
	cause := section(body, `id="alert-mentions"`, "</section>")
	if status != http.StatusOK || !strings.Contains(cause, template.HTMLEscapeString(ids[0].Text)) || !strings.Contains(body, `action="`+alertPath+`/read"`) ||
		!strings.Contains(section(body, `id="alert-title"`, "</h1>"), `<span class="badge alert-crisis_word">危机词</span> 1 条新提及`) {
		t.Errorf("alert page: %d %s", status, body)
	}
	if strings.Contains(body, `id="alert-delivery"`) {
		t.Errorf("alert page shows a delivery for an alert that has none")
	}
	// Its delivery: each channel's outcome, and when the next try is due.
	next := time.Date(2026, 3, 10, 6, 33, 0, 0, time.UTC)
	must(t, h.db.SetAlertDelivery(ctx, ws, a.ID, map[string]string{"0:wecom": "ok", "1:dingtalk": "dingtalk: <b>310000</b> sign not match"}, &next))
	_, body = b.get(alertPath)
	if got := section(body, `id="alert-delivery"`, "</tr>"); !strings.Contains(got, "企业微信：已送达") || !strings.Contains(got, "钉钉：失败：") ||
		!strings.Contains(got, "&lt;b&gt;310000") || !strings.Contains(got, "将于 2026-03-10 14:33 重试") {
		t.Errorf("alert delivery row: %s", got)
	}
	// A channel that refused it for good: the page says why, and that it
	// is not tried again.
	must(t, h.db.SetAlertDelivery(ctx, ws, a.ID, map[string]string{"0:wecom": "ok",
		"1:dingtalk": alert.RefusedOutcome(errors.New("dingtalk: error 310000: keywords not in content"))}, nil))
	_, body = b.get(alertPath)
	if got := section(body, `id="alert-delivery"`, "</tr>"); !strings.Contains(got, "钉钉：失败： <span class=\"muted\">dingtalk: error 310000: keywords not in content</span>") ||
		!strings.Contains(got, "不会自动重试") || strings.Contains(got, "重试</div>") || strings.Contains(got, "refused: ") {
		t.Errorf("alert delivery row of a refusal for good: %s", got)
	}
	for _, o := range ids[1:] {
		if strings.Contains(cause, template.HTMLEscapeString(o.Text)) {
			t.Errorf("alert page shows %q, which did not cause the alert", o.Text)
		}
	}
	status, _, _ = b.post(alertPath+"/read", nil)
	if status != http.StatusSeeOther {
		t.Errorf("mark read: %d", status)
	}
	if got, _ := h.db.Alert(ctx, ws, a.ID); got.ReadAt == nil {
		t.Errorf("alert not read")
	}
	if _, body = b.get("/w/acme/listening"); strings.Contains(body, alertPath) {
		t.Errorf("read alert still listed as unread")
	}
	// A crisis alert carries up to MaxCarriedMentions of the new crisis
	// mentions it counts (one fired before, only the first 50): the list
	// and the page say how many caused it, and the page how many of them
	// the alert keeps, the latest (by arrival; not "the first", which they
	// are not).
	many, _, err := h.db.FireAlert(ctx, ws, listen.Alert{Kind: "crisis_word", Value: 73, MentionIDs: []int64{ids[0].ID}, FiredAt: time.Now()}, time.Time{}, nil)
	must(t, err)
	manyPath := "/w/acme/listening/alerts/" + strconv.FormatInt(many.ID, 10)
	// A crisis line's subject is its count: the line says it once.
	if _, body = b.get("/w/acme/listening"); strings.Count(section(body, manyPath, "</li>"), "73 条") != 1 {
		t.Errorf("alert list line does not say once that 73 mentions caused it: %s", section(body, manyPath, "</li>"))
	}
	if _, body = b.get(manyPath); !strings.Contains(section(body, `id="alert-mentions"`, "</h2>"), "触发预警的 73 条提及（预警保留其中最新的 1 条）") {
		t.Errorf("alert page heading: %s", section(body, `id="alert-mentions"`, "</h2>"))
	}
	if _, body, _ = b.do("GET", manyPath, nil, map[string]string{"Accept-Language": "en"}); !strings.Contains(section(body, `id="alert-mentions"`, "</h2>"), "The 73 mentions that caused it, of which the alert keeps the latest 1") {
		t.Errorf("alert page heading in English: %s", section(body, `id="alert-mentions"`, "</h2>"))
	}

	// An analyst sees the pages and may change nothing.
	an := h.member(owner, "analyst@example.com", account.Analyst)
	for _, p := range []string{"/w/acme/listening", alertPath} {
		status, body := an.get(p)
		if status != http.StatusOK {
			t.Errorf("analyst GET %s: %d", p, status)
		}
		if strings.Contains(body, `id="topic-editor"`) || strings.Contains(body, "/listening/seed") {
			t.Errorf("analyst sees editing controls on %s", p)
		}
	}
	an.get("/w/acme/listening")
	for _, p := range []string{"/w/acme/listening/seed", "/w/acme/listening/topics", "/w/acme/listening/try", alertPath + "/read"} {
		if status, _, _ := an.post(p, url.Values{"query": {"星澜"}, "name": {"x"}, "kind": {"other"}}); status != http.StatusForbidden {
			t.Errorf("analyst POST %s: %d, want 403", p, status)
		}
	}

	// A member of another workspace gets 404 on every listening page.
	o := h.signedIn(other)
	for _, p := range []string{"/w/acme/listening", alertPath, "/w/acme/listening?topic=1"} {
		if status, _ := o.get(p); status != http.StatusNotFound {
			t.Errorf("other GET %s: %d, want 404", p, status)
		}
	}
	// Their own page, without a mention: a share of no voice is "—".
	if _, body := o.get("/w/other/listening"); !strings.Contains(section(body, `class="sov-brand"`, "</tr>"), `<td class="num">—</td>`) {
		t.Errorf("share of voice without mentions: %s", section(body, `class="sov-brand"`, "</tr>"))
	}
	for _, p := range []string{"/w/acme/listening/seed", "/w/acme/listening/topics", "/w/acme/listening/try", alertPath + "/read"} {
		if status, _, _ := o.post(p, url.Values{"query": {"星澜"}}); status != http.StatusNotFound {
			t.Errorf("other POST %s: %d, want 404", p, status)
		}
	}
	// Their own alert ids do not reach acme's alert.
	if status, _ := o.get("/w/other/listening/alerts/" + strconv.FormatInt(a.ID, 10)); status != http.StatusNotFound {
		t.Errorf("other workspace reads acme's alert: %d", status)
	}
}

// TestAlertPageSaysWhereToFix: a delivery refused for good says where its
// fix belongs, in both languages: a channel's wrong address, key or
// secret in the rule, with a link to edit it; an e-mail that this
// server's SMTP settings cannot send (here none are set up) with the
// server's operator, and no link to the rule, which is not at fault.
func TestAlertPageSaysWhereToFix(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	slack := listen.Channel{Kind: notify.Slack, URL: "https://hooks.slack.test/services/T0/B0/x"}
	mail := listen.Channel{Kind: notify.Email, Email: "pr@acme.com"}
	rule, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true, Channels: []listen.Channel{slack, mail}})
	must(t, err)
	a, _, err := h.db.FireAlert(ctx, ws, listen.Alert{RuleID: rule.ID, Kind: "crisis_word", Value: 1, FiredAt: time.Now()}, time.Time{}, nil)
	must(t, err)
	// The refusals Send returns for them.
	outcome := map[string]string{}
	for i, c := range []listen.Channel{slack, mail} {
		err := (&notify.Notifier{}).Send(ctx, notify.Target{Kind: c.Kind, URL: c.URL, Email: c.Email}, notify.Message{Title: "危机"})
		if !notify.Permanent(err) {
			t.Fatalf("Send to %s = %v, want a refusal for good", c.Kind, err)
		}
		outcome[strconv.Itoa(i)+":"+c.Kind] = alert.RefusedOutcome(err)
	}
	must(t, h.db.SetAlertDelivery(ctx, ws, a.ID, outcome, nil))

	b := h.signedIn(owner)
	path := "/w/acme/listening/alerts/" + strconv.FormatInt(a.ID, 10)
	edit := `<a href="/w/acme/listening?rule=` + strconv.FormatInt(rule.ID, 10) + `#rule-editor">`
	cat := mustCatalog(t)
	for _, lang := range []string{"zh-CN", "en"} {
		text := func(key string) string { return html.EscapeString(cat.T(lang, key, nil)) }
		want := struct{ channel, settings, edit string }{
			text("listening.alert_refused"), text("listening.alert_refused_settings"), text("listening.alert_refused_edit")}
		status, body, _ := b.do("GET", path, nil, map[string]string{"Accept-Language": lang})
		rows := strings.Split(section(body, `id="alert-delivery"`, "</tr>"), "<div>")
		if status != http.StatusOK || len(rows) != 3 {
			t.Fatalf("%s alert page: %d, delivery %q", lang, status, rows)
		}
		slack, mail := rows[1], rows[2] // in the order of their keys
		// What went wrong, in the reader's language.
		noSMTP, reserved := text("notify.error.no_smtp"), html.EscapeString(cat.T(lang, "notify.error.reserved_domain", map[string]any{"Host": "hooks.slack.test"}))
		if !strings.Contains(mail, noSMTP) || !strings.Contains(mail, want.settings) || strings.Contains(mail, want.channel) || strings.Contains(mail, edit) {
			t.Errorf("%s: an e-mail the server's settings cannot send: %s", lang, mail)
		}
		if !strings.Contains(slack, reserved) || !strings.Contains(slack, want.channel) || !strings.Contains(slack, edit+want.edit+"</a>") || strings.Contains(slack, want.settings) {
			t.Errorf("%s: a channel refused for its address: %s", lang, slack)
		}
	}
}

// TestStreamDaysAreCalendarDays: the stream's "last n days" are the
// insights page's: n whole days of the workspace's time zone up to the end
// of today, so that both count the same mentions; not the last n × 24
// hours. At 01:00 in Shanghai, a post of 23:30 is yesterday's.
func TestStreamDaysAreCalendarDays(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	sh, err := time.LoadLocation("Asia/Shanghai")
	must(t, err)
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 3, day, hour, minute, 0, 0, sh) }
	now := at(10, 1, 0)
	h.srv.Insights.Now = func() time.Time { return now }
	_, err = h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	posts := []struct {
		text     string
		at       time.Time
		in1, in7 bool
	}{
		{"星澜今天零点半", at(10, 0, 30), true, true},
		{"星澜昨晚十一点半", at(9, 23, 30), false, true},
		{"星澜六天前零点十分", at(4, 0, 10), false, true},
		{"星澜七天前深夜", at(3, 23, 50), false, false},
	}
	var in []listen.Post
	for i, p := range posts {
		in = append(in, listen.Post{SourceKind: "webhook", ExternalID: strconv.Itoa(i), Text: p.text, PublishedAt: p.at})
	}
	_, err = h.listen.Ingest(ctx, ws, in)
	must(t, err)
	b := h.signedIn(owner)
	for _, days := range []string{"1", "7"} {
		_, body := b.get("/w/acme/listening?days=" + days)
		if days == "1" && !strings.Contains(body, `<option value="1" selected>今天</option>`) {
			t.Errorf("the filter of today's mentions is not called today: %s", section(body, `id="f-days"`, "</select>"))
		}
		stream := section(body, `id="mentions"`, `id="topics"`)
		for _, p := range posts {
			want := p.in7
			if days == "1" {
				want = p.in1
			}
			if got := strings.Contains(stream, p.text); got != want {
				t.Errorf("days=%s: %s (%s) shown %v, want %v", days, p.text, p.at.Format(time.DateTime), got, want)
			}
		}
	}
}

// section is the part of body from the first from to the next to, or
// body if from is missing.
func section(body, from, to string) string {
	i := strings.Index(body, from)
	if i < 0 {
		return body
	}
	body = body[i:]
	if j := strings.Index(body, to); j >= 0 {
		body = body[:j]
	}
	return body
}

// TestListeningStreamPages: the stream shows a page of mentions and links
// to the older ones under the same filters, page after page, with a way
// back to the newest; before, the 51st mention and those after it could
// not be reached.
func TestListeningStreamPages(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	total := streamPage + 7
	now := time.Now().Add(-time.Minute)
	var posts []listen.Post
	for i := range total {
		posts = append(posts, listen.Post{SourceKind: "webhook", ExternalID: strconv.Itoa(i), Author: "a",
			Text: fmt.Sprintf("post number %03d", i), PublishedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	_, err := h.listen.Ingest(ctx, ws, posts)
	must(t, err)
	b := h.signedIn(owner)
	seen := map[string]bool{}
	next := "/w/acme/listening?source=webhook"
	for page := 1; next != ""; page++ {
		if page > 3 {
			t.Fatalf("more pages than %d mentions need", total)
		}
		status, body := b.get(next)
		if status != http.StatusOK {
			t.Fatalf("page %d (%s): status %d", page, next, status)
		}
		stream := section(body, `id="mentions"`, `id="topics"`)
		items := regexp.MustCompile(`post number \d{3}`).FindAllString(stream, -1)
		if len(items) == 0 || len(items) > streamPage {
			t.Errorf("page %d shows %d mentions, want 1 to %d", page, len(items), streamPage)
		}
		for _, it := range items {
			if seen[it] {
				t.Errorf("page %d shows %q again", page, it)
			}
			seen[it] = true
		}
		if page > 1 && !strings.Contains(stream, `id="newest-mentions" href="/w/acme/listening?source=webhook#mentions"`) &&
			!strings.Contains(stream, `href="/w/acme/listening?source=webhook#mentions" id="newest-mentions"`) {
			t.Errorf("page %d has no way back to the newest mentions under the filter: %s", page, section(stream, `class="stream-pages`, "</p>"))
		}
		next = ""
		if m := regexp.MustCompile(`href="([^"]+)" id="older-mentions"`).FindStringSubmatch(stream); m != nil {
			next = html.UnescapeString(m[1])
			if !strings.Contains(next, "source=webhook") {
				t.Errorf("page %d's link to older mentions drops the filter: %s", page, next)
			}
		}
	}
	if len(seen) != total {
		t.Errorf("the pages show %d of the %d mentions", len(seen), total)
	}
}

// TestListeningTablesStackOnPhone: the topics and the hot terms turn into
// a block per row on a phone, each value under or after its column's
// name, rather than a query squeezed to two characters a line or an
// example mention kept on one line far off screen.
func TestListeningTablesStackOnPhone(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	_, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "星澜", Kind: "brand", Query: `"星澜咖啡" OR "星澜" OR ("星澜" "测评")`, Enabled: true})
	must(t, err)
	now := time.Now().Add(-time.Hour)
	_, err = h.listen.Ingest(ctx, ws, []listen.Post{
		{SourceKind: "webhook", ExternalID: "1", Author: "a", Text: "星澜 oatmilk latte", PublishedAt: now},
		{SourceKind: "webhook", ExternalID: "2", Author: "b", Text: "星澜 oatmilk again", PublishedAt: now.Add(-time.Hour)},
	})
	must(t, err)
	b := h.signedIn(owner)
	_, body := b.get("/w/acme/listening")
	for _, id := range []string{"topic-table", "hot-term-table"} {
		t.Run(id, func(t *testing.T) {
			for _, p := range stackProblems(t, body, id) {
				t.Error(p)
			}
		})
	}
}

// TestQueryPlaceholderInPageLanguage: the example in the empty query box
// is written in the page's language; the English page showed a Chinese
// query.
func TestQueryPlaceholderInPageLanguage(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	placeholder := regexp.MustCompile(`<textarea id="t-query"[^>]* placeholder=(?:"([^"]*)"|'([^']*)')`)
	han := regexp.MustCompile(`\p{Han}`)
	for _, lang := range Locales {
		_, body, _ := b.do("GET", "/w/acme/listening", nil, map[string]string{"Accept-Language": lang})
		m := placeholder.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: the query box has no example", lang)
		}
		if got := html.UnescapeString(m[1] + m[2]); han.MatchString(got) != (lang == "zh-CN") {
			t.Errorf("%s page: the query box's example is %q", lang, got)
		}
	}
}

// TestListeningHotTermsCorrectionsRules covers the hot terms card, the
// sentiment correction forms with their CSV export, and the alert rules.
func TestListeningHotTermsCorrectionsRules(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	ws := owner.ws.ID
	_, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	now := time.Now().Add(-time.Hour)
	_, err = h.listen.Ingest(ctx, ws, []listen.Post{
		{SourceKind: "webhook", ExternalID: "1", Author: "a", Text: "星澜 oatmilk <i>swirl</i> latte", PublishedAt: now},
		{SourceKind: "webhook", ExternalID: "2", Author: "b", Text: "星澜 oatmilk again, so good", PublishedAt: now.Add(-time.Hour)},
		{SourceKind: "webhook", ExternalID: "3", Author: "c", Text: "星澜 oatmilk every morning", PublishedAt: now.Add(-2 * time.Hour)},
	})
	must(t, err)
	ms, err := h.listen.Mentions(ctx, ws, listen.MentionFilter{})
	must(t, err)
	if len(ms) == 0 {
		t.Fatal("no mentions")
	}
	m := ms[0]
	fixPath := "/w/acme/listening/mentions/" + strconv.FormatInt(m.ID, 10) + "/sentiment"
	label := listen.Negative
	if m.Sentiment == listen.Negative {
		label = listen.Positive
	}

	b := h.signedIn(owner)
	status, body := b.get("/w/acme/listening")
	if status != http.StatusOK {
		t.Fatalf("GET listening: %d", status)
	}
	hot := section(body, `id="hot-terms"`, `id="mentions"`)
	for _, want := range []string{"oatmilk", `data-chart=`, "&lt;i&gt;swirl&lt;/i&gt;"} {
		if !strings.Contains(hot, want) {
			t.Errorf("hot terms card lacks %q", want)
		}
	}
	if strings.Contains(body, "<i>swirl</i>") {
		t.Errorf("example mention not escaped")
	}
	for _, want := range []string{`action="` + fixPath + `"`, `href="/w/acme/listening/corrections.csv"`, `action="/w/acme/listening/rules#rule-editor"`, `id="rules"`} {
		if !strings.Contains(body, want) {
			t.Errorf("listening page lacks %q", want)
		}
	}

	// Sentiment correction and its export.
	status, _, _ = b.post(fixPath, url.Values{"label": {label}})
	if status != http.StatusSeeOther {
		t.Errorf("correct sentiment: %d", status)
	}
	if got, _ := h.listen.Mention(ctx, ws, m.ID); got.Sentiment != label {
		t.Errorf("sentiment %q, want %q", got.Sentiment, label)
	}
	b.get("/w/acme/listening")
	if status, _, _ = b.post(fixPath, url.Values{"label": {"furious"}}); status != http.StatusUnprocessableEntity {
		t.Errorf("bad label: %d, want 422", status)
	}
	status, csv, hdr := b.do("GET", "/w/acme/listening/corrections.csv", nil, nil)
	// With a byte order mark, so that Excel reads the Chinese as UTF-8.
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.HasPrefix(csv, "\uFEFFtext,label") || !strings.Contains(csv, label) {
		t.Errorf("corrections.csv: %d %q %q", status, hdr.Get("Content-Type"), csv)
	}

	// The model in use: built-in, then the workspace's own once stored.
	if !strings.Contains(body, "情感分析：内置模型") {
		t.Errorf("listening page does not name the built-in model")
	}
	var model bytes.Buffer
	_, err = sentiment.Default().WriteTo(&model)
	must(t, err)
	must(t, h.db.SaveSentimentModel(ctx, ws, listen.SentimentModel{Data: model.Bytes(), TrainRows: 80, HeldOutRows: 20, MacroF1: 0.91, BaseMacroF1: 0.84,
		CreatedAt: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)}))
	_, body = b.get("/w/acme/listening")
	if want := "本工作区自有模型，2026-11-20 用 100 条标注训练（留出集宏 F1 0.910，原模型 0.840）"; !strings.Contains(body, want) {
		t.Errorf("listening page lacks %q", want)
	}

	// Alert rules: a bad one is shown back with its field error, a good
	// one listed, then deleted.
	b.get("/w/acme/listening")
	status, body, _ = b.post("/w/acme/listening/rules", url.Values{"name": {"Spike"}, "kind": {"volume_spike"}, "threshold": {"500"}, "quiet_minutes": {"60"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "阈值须大于") || !strings.Contains(body, `id="rule-editor"`) {
		t.Errorf("bad rule: %d", status)
	}
	if !strings.Contains(body, "阈值：") {
		t.Errorf("the bad rule's error does not name its field")
	}
	// A quiet period left blank is the default one, not none.
	status, _, _ = b.post("/w/acme/listening/rules", url.Values{"name": {"<b>Spike</b>"}, "kind": {"volume_spike"}, "topic_id": {""}, "threshold": {"3"}, "quiet_minutes": {""}})
	if status != http.StatusSeeOther {
		t.Fatalf("create rule: %d", status)
	}
	rules, err := h.db.AlertRules(ctx, ws)
	if err != nil || len(rules) != 1 || rules[0].QuietMinutes != alert.DefaultQuietMinutes {
		t.Fatalf("rules: %v %v; want one, quiet for %d minutes", rules, err, alert.DefaultQuietMinutes)
	}
	delPath := "/w/acme/listening/rules/" + strconv.FormatInt(rules[0].ID, 10) + "/delete"
	_, body = b.get("/w/acme/listening")
	if !strings.Contains(body, "&lt;b&gt;Spike&lt;/b&gt;") || !strings.Contains(body, `action="`+delPath+`"`) {
		t.Errorf("rule not listed with its delete form")
	}

	// An analyst reads, downloads, and may change nothing.
	an := h.member(owner, "analyst@example.com", account.Analyst)
	status, body = an.get("/w/acme/listening")
	if status != http.StatusOK || strings.Contains(body, "/sentiment\"") || strings.Contains(body, `id="rule-editor"`) || strings.Contains(body, delPath) {
		t.Errorf("analyst sees editing controls: %d", status)
	}
	if status, _ := an.get("/w/acme/listening/corrections.csv"); status != http.StatusOK {
		t.Errorf("analyst corrections.csv: %d", status)
	}
	for _, p := range []string{fixPath, "/w/acme/listening/rules", delPath} {
		if status, _, _ := an.post(p, url.Values{"label": {listen.Neutral}, "name": {"x"}, "kind": {"volume_spike"}, "threshold": {"2"}}); status != http.StatusForbidden {
			t.Errorf("analyst POST %s: %d, want 403", p, status)
		}
	}

	// Another workspace's member gets 404 everywhere.
	o := h.signedIn(other)
	if status, _ := o.get("/w/acme/listening/corrections.csv"); status != http.StatusNotFound {
		t.Errorf("other corrections.csv: %d, want 404", status)
	}
	// Their own page, without a mention: a share of no voice is "—".
	if _, body := o.get("/w/other/listening"); !strings.Contains(section(body, `class="sov-brand"`, "</tr>"), `<td class="num">—</td>`) {
		t.Errorf("share of voice without mentions: %s", section(body, `class="sov-brand"`, "</tr>"))
	}
	for _, p := range []string{fixPath, "/w/acme/listening/rules", delPath} {
		if status, _, _ := o.post(p, url.Values{"label": {listen.Neutral}, "name": {"x"}, "kind": {"volume_spike"}, "threshold": {"2"}}); status != http.StatusNotFound {
			t.Errorf("other POST %s: %d, want 404", p, status)
		}
	}
	// Their own workspace's paths do not reach acme's mention or rule.
	if status, _, _ := o.post(strings.Replace(fixPath, "/acme/", "/other/", 1), url.Values{"label": {listen.Neutral}}); status != http.StatusNotFound {
		t.Errorf("other corrects acme's mention: %d", status)
	}
	if status, _, _ := o.post(strings.Replace(delPath, "/acme/", "/other/", 1), nil); status != http.StatusNotFound {
		t.Errorf("other deletes acme's rule: %d", status)
	}

	status, _, _ = b.post(delPath, nil)
	if status != http.StatusSeeOther {
		t.Errorf("delete rule: %d", status)
	}
	if rules, _ := h.db.AlertRules(ctx, ws); len(rules) != 0 {
		t.Errorf("rule not deleted")
	}
}

// TestListeningAlertDetail: the detail line of an alert's page gets every
// argument its kind's message needs, in both languages (a crisis-word
// alert showed "<no value>" where its count belongs), and writes its
// figures as the chat and e-mail messages of the alert do (alert.Figures)
// and as the UI writes numbers: shares in percent, a z-score with two
// decimals, counts and means with thousands separators. The messages
// wrote 3.464 standard deviations above a mean of 1234.567, the page
// 3.46 above 1234.57.
func TestListeningAlertDetail(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	_, err := h.listen.Ingest(ctx, ws, []listen.Post{{SourceKind: "webhook", ExternalID: "1", Author: "a", Text: "门店起火了", PublishedAt: time.Now().Add(-time.Hour)}})
	must(t, err)
	ms, err := h.listen.Mentions(ctx, ws, listen.MentionFilter{})
	must(t, err)
	fire := func(a listen.Alert) listen.Alert {
		t.Helper()
		a.MentionIDs, a.FiredAt = []int64{ms[0].ID}, time.Now()
		got, _, err := h.db.FireAlert(ctx, ws, a, time.Time{}, nil)
		must(t, err)
		return got
	}
	// Figures as the evaluator stores them, rounded to three decimals.
	crisis := fire(listen.Alert{Kind: "crisis_word", Value: 1000})
	volume := fire(listen.Alert{Kind: "volume_spike", Value: 3.464, Baseline: 1234.567})
	wholeVolume := fire(listen.Alert{Kind: "volume_spike", Value: 4.5, Baseline: 12})
	negative := fire(listen.Alert{Kind: "negative_spike", Value: 0.452, Baseline: 0.0004})
	b := h.signedIn(owner)
	for _, tt := range []struct {
		name        string
		a           listen.Alert
		lang        string
		want, title string
	}{
		{"crisis word zh", crisis, "zh-CN", "危机话题提及 1,000 条", "危机词：1,000 条新提及"},
		{"crisis word en", crisis, "en", "1,000 mentions of a crisis topic", "1,000 new mentions with crisis words"},
		// A spike's size in the units the rule's threshold is set in
		// (standard deviations), its baseline in mentions: a bare "z 分数
		// 4.50" meant nothing to a marketing team.
		{"volume spike zh", volume, "zh-CN", "本小时提及量比近 14 天同一小时的均值（1,234.6 条）高出 3.46 个标准差（z 分数）", "声量激增：闲岚"},
		{"volume spike en", volume, "en", "mentions this hour stand 3.46 standard deviations (z-score) above the same hour's mean over the last 14 days (1,234.6)", "Volume spike: 闲岚"},
		{"whole volume spike zh", wholeVolume, "zh-CN", "本小时提及量比近 14 天同一小时的均值（12 条）高出 4.5 个标准差（z 分数）", "声量激增：闲岚"},
		{"negative spike zh", negative, "zh-CN", "负面占比 45.2%，近 14 天为 0.04%", "负面占比上升：闲岚"},
		{"negative spike en", negative, "en", "negative share 45.2% against 0.04% over the last 14 days", "Negative sentiment rising: 闲岚"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := AlertPagePath("acme", tt.a.ID)
			status, body, _ := b.do("GET", path, nil, map[string]string{"Accept-Language": tt.lang})
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d", path, status)
			}
			detail := section(body, "<tr><th>"+h.srv.cat.T(tt.lang, "alert.fact.detail", nil), "</tr>")
			if detail == body {
				t.Fatalf("no detail row: %s", body)
			}
			if strings.Contains(detail, "<no value>") || strings.Contains(detail, "&lt;no value&gt;") {
				t.Errorf("detail has a missing argument: %s", detail)
			}
			if !strings.Contains(html.UnescapeString(detail), tt.want) {
				t.Errorf("page detail %q lacks %q", detail, tt.want)
			}
			text := (&Messages{cat: h.srv.cat}).Text(tt.lang)
			args := alert.Figures(tt.a)
			args["Topic"] = "闲岚"
			if got := text("alert."+tt.a.Kind+".detail", args); got != tt.want {
				t.Errorf("message detail %q, want %q", got, tt.want)
			}
			if got := text("alert."+tt.a.Kind+".title", args); got != tt.title {
				t.Errorf("message title %q, want %q", got, tt.title)
			}
		})
	}
}

// TestListeningFailedSaveLandsAtError: a topic or alert rule that fails to
// save comes back as the whole page; the form posts to an address with the
// fragment of the editor that shows the error, so the browser lands there,
// not at the top of the page, and the field at fault is marked and has its
// error beside it (a topic's were only listed above its form).
func TestListeningFailedSaveLandsAtError(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.tenant("acme", account.Owner)
	b := h.browser()
	b.login("acme@example.com", "correct horse battery")
	_, page := b.get("/w/acme/listening")
	for _, tt := range []struct {
		name, action, id, field, error string
		form                           url.Values
	}{
		{"topic", "/w/acme/listening/topics", "topic-editor", "t-query", "第 1 个字符处的括号没有闭合：“(拿铁”",
			url.Values{"name": {"拿铁"}, "kind": {"product"}, "query": {"(拿铁"}, "enabled": {"1"}}},
		{"rule", "/w/acme/listening/rules", "rule-editor", "r-threshold", "阈值须大于",
			url.Values{"name": {"Spike"}, "kind": {"volume_spike"}, "threshold": {"500"}, "quiet_minutes": {"60"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			anchored := `action="` + tt.action + "#" + tt.id + `"`
			if !strings.Contains(page, anchored) || !strings.Contains(page, `id="`+tt.id+`"`) {
				t.Fatalf("page lacks the form %s or the element id=%q", anchored, tt.id)
			}
			status, body, _ := b.post(tt.action, tt.form)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("POST %s: %d, want 422", tt.action, status)
			}
			editor := section(body, `id="`+tt.id+`"`, "</form>")
			if editor == body || !strings.Contains(editor, `role="alert"`) || !strings.Contains(editor, tt.error) {
				t.Errorf("the element id=%q does not hold the error %q: %s", tt.id, tt.error, editor)
			}
			if !strings.Contains(editor, anchored) {
				t.Errorf("the form shown back lacks %s", anchored)
			}
			field := regexp.MustCompile(`id="` + tt.field + `"[^>]*>`).FindString(editor)
			if !strings.Contains(field, `aria-invalid="true"`) || !strings.Contains(field, `aria-describedby="`+tt.field+`-err"`) {
				t.Errorf("the field at fault is not marked: %s", field)
			}
			if beside := section(editor, `id="`+tt.field+`-err"`, "</div>"); beside == editor || !strings.Contains(beside, tt.error) {
				t.Errorf("the field at fault has not the error %q beside it: %s", tt.error, beside)
			}
		})
	}
	if !strings.Contains(page, `formaction="/w/acme/listening/try#try-result"`) || !strings.Contains(page, `id="try-result"`) {
		t.Errorf("the try button without htmx does not land at its result")
	}
}

// TestListeningAuditSkipsPreviews: the try box and the link preview, which
// htmx posts on every keystroke and which change nothing, leave no entry in
// the audit log; saving a topic still leaves one.
func TestListeningAuditSkipsPreviews(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	audit := func() []account.AuditEntry {
		t.Helper()
		es, err := h.db.Audit(ctx, ws, 500, 0)
		must(t, err)
		return es
	}
	b := h.signedIn(owner)
	b.get("/w/acme/listening")
	htmx := map[string]string{"HX-Request": "true"}
	for _, tt := range []struct {
		name, path string
		form       url.Values
		header     map[string]string
	}{
		{"try", "/w/acme/listening/try", url.Values{"query": {"星澜"}}, htmx},
		{"try bad query", "/w/acme/listening/try", url.Values{"query": {"(星澜"}}, htmx},
		{"try without htmx", "/w/acme/listening/try", url.Values{"query": {"星澜"}}, nil},
		{"link preview", "/w/acme/links/preview", url.Values{"destination": {"https://shop.example.com/"}, "channel": {"weibo"}}, htmx},
		{"link preview without htmx", "/w/acme/links/preview", url.Values{"destination": {"https://shop.example.com/"}}, nil},
	} {
		before := len(audit())
		tt.form.Set("csrf", b.csrf)
		if status, body, _ := b.do("POST", tt.path, tt.form, tt.header); status >= 500 {
			t.Fatalf("%s: %d %s", tt.name, status, body)
		}
		if es := audit(); len(es) != before {
			t.Errorf("%s left an audit entry: %+v", tt.name, es[0])
		}
	}
	// The API's twins: try and the import preview, which saves nothing.
	before := len(audit())
	if status, _ := h.api("POST", "/workspaces/acme/topics/try", owner.token, map[string]any{"query": "星澜"}); status != http.StatusOK {
		t.Errorf("API try: %d", status)
	}
	if es := audit(); len(es) != before {
		t.Errorf("API try left an audit entry: %+v", es[0])
	}
	csv := "内容,发布时间\n星澜好喝,2024-01-02 15:04\n"
	if status, text := h.multipartAPI("/workspaces/acme/imports/preview", owner.token, "export.csv", csv, map[string]string{"mapping": `{"text":"内容","published_at":"发布时间"}`}); status != http.StatusOK {
		t.Errorf("API import preview: %d %s", status, text)
	}
	if es := audit(); len(es) != before {
		t.Errorf("API import preview left an audit entry: %+v", es[0])
	}
	// A real change is still recorded.
	b.get("/w/acme/listening")
	before = len(audit())
	if status, _, _ := b.post("/w/acme/listening/topics", url.Values{"name": {"星澜"}, "kind": {"brand"}, "query": {"星澜"}, "enabled": {"1"}}); status != http.StatusSeeOther {
		t.Fatalf("save topic: %d", status)
	}
	es := audit()
	if len(es) != before+1 {
		t.Fatalf("saving a topic left %d audit entries, want 1", len(es)-before)
	}
	if want := "POST /w/{ws}/listening/topics"; es[0].Action != want {
		t.Errorf("audit entry action %q, want %q", es[0].Action, want)
	}
}

// TestListeningBrokenTopicQuery: a stored topic whose query the parser now
// refuses (lang:fr, accepted before lang: had a closed set) is flagged in
// the topic list with the parser's message; a good one is not.
func TestListeningBrokenTopicQuery(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	_, err := h.db.CreateTopic(ctx, owner.ws.ID, listen.Topic{Name: "法语帖", Kind: "other", Query: "星澜 lang:fr", Enabled: true})
	must(t, err)
	_, err = h.listen.CreateTopic(ctx, owner.ws.ID, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	b := h.signedIn(owner)
	_, body := b.get("/w/acme/listening")
	if n := strings.Count(body, `class="field-error topic-query-error"`); n != 1 {
		t.Errorf("%d topics flagged; want the lang:fr one", n)
	}
	if !strings.Contains(body, "修改前不会匹配任何内容") || !strings.Contains(body, "lang: 只能取 zh、en 或 other") {
		t.Error("the flag lacks its label or the parser's message")
	}
}

// TestListeningPeriodOptions: the period filter counts its days in the
// language's plural forms, and its one day is today (whole days of the
// workspace's zone): "Today" beside "Last 7 days" in English, not "Last 1
// days".
func TestListeningPeriodOptions(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	for _, tt := range []struct {
		lang       string
		want, nots []string
	}{
		{"en", []string{">Today<", ">Last 7 days<", ">Last 30 days<", ">Last 90 days<"}, []string{"1 days"}},
		{"zh-CN", []string{">今天<", ">近 7 天<", ">近 90 天<"}, []string{"近 1 天"}},
	} {
		_, body, _ := b.do("GET", "/w/acme/listening", nil, map[string]string{"Accept-Language": tt.lang})
		_, insights, _ := b.do("GET", "/w/acme/listening/insights", nil, map[string]string{"Accept-Language": tt.lang})
		got := section(body, `id="f-days"`, "</select>") + section(insights, `id="i-days"`, "</select>")
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s period filter lacks %q: %s", tt.lang, w, got)
			}
		}
		for _, w := range tt.nots {
			if strings.Contains(got, w) {
				t.Errorf("%s period filter says %q: %s", tt.lang, w, got)
			}
		}
	}
}

// TestStreamFiltersPostsOwnSourceKinds: pushed and imported posts name
// their own source kind (xiaohongshu); the stream offers it beside the
// kinds of sources and filters by it, also written as the platform's
// name, where the filter ignored it and showed every mention.
func TestStreamFiltersPostsOwnSourceKinds(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	at := time.Now().Add(-time.Hour)
	_, err := h.listen.Ingest(ctx, owner.ws.ID, []listen.Post{
		{SourceKind: "xiaohongshu", ExternalID: "1", Text: "小红书上的星澜笔记", PublishedAt: at},
		{SourceKind: "webhook", ExternalID: "2", Text: "推送来的星澜评论", PublishedAt: at},
	})
	must(t, err)
	b := h.signedIn(owner)
	for _, tt := range []struct{ source, shown, hidden string }{
		{"xiaohongshu", "小红书上的星澜笔记", "推送来的星澜评论"},
		{"小红书", "小红书上的星澜笔记", "推送来的星澜评论"},
		{"webhook", "推送来的星澜评论", "小红书上的星澜笔记"},
	} {
		_, body := b.get("/w/acme/listening?source=" + url.QueryEscape(tt.source))
		stream := section(body, `id="mentions"`, `id="topics"`)
		if !strings.Contains(stream, tt.shown) || strings.Contains(stream, tt.hidden) {
			t.Errorf("source=%s: want %q shown and %q not: %s", tt.source, tt.shown, tt.hidden, stream)
		}
	}
	_, body := b.get("/w/acme/listening?source=xiaohongshu")
	if sel := section(body, `id="f-source"`, "</select>"); !strings.Contains(sel, `<option value="xiaohongshu" selected>`) || !strings.Contains(sel, `<option value="rss">`) {
		t.Errorf("the source filter does not offer the posts' own kind: %s", sel)
	}
	// A platform's kind reads as the platform's name, not its key.
	if sel := section(body, `id="f-source"`, "</select>"); !strings.Contains(sel, `<option value="xiaohongshu" selected>小红书</option>`) {
		t.Errorf("the source filter names xiaohongshu by its key: %s", sel)
	}
	if stream := section(body, `id="mentions"`, `id="topics"`); !strings.Contains(stream, `<span class="muted small">小红书 · `) {
		t.Errorf("a mention names its source xiaohongshu by its key: %s", stream)
	}
}

// TestTopicEditorCountsALineBreakOnce: a browser posts a textarea's line
// breaks as CRLF; an error's position counts a line break as the one
// character a person sees (and chorus match and the try box's htmx post
// count), where the form's answer said 第 5 个字符 for the ( at 4, and
// the saved query keeps LF.
func TestTopicEditorCountsALineBreakOnce(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/listening")
	want := "第 4 个字符处的括号没有闭合"
	if _, body, _ := b.post("/w/acme/listening/try", url.Values{"query": {"华为\r\n（荣耀 OR 小米"}}); !strings.Contains(body, want) {
		t.Errorf("try: want %q in %s", want, section(body, `id="try-result"`, "</div>"))
	}
	if _, body, _ := b.post("/w/acme/listening/topics", url.Values{"name": {"华为"}, "kind": {"brand"}, "query": {"华为\r\n（荣耀 OR 小米"}, "enabled": {"1"}}); !strings.Contains(body, want) {
		t.Errorf("save: want %q in %s", want, section(body, `id="topic-editor"`, "</form>"))
	}
	b.post("/w/acme/listening/topics", url.Values{"name": {"华为"}, "kind": {"brand"}, "query": {"华为\r\nOR 荣耀"}, "enabled": {"1"}})
	ts, err := h.listen.Topics(context.Background(), owner.ws.ID)
	must(t, err)
	if len(ts) != 1 || ts[0].Query != "华为\nOR 荣耀" {
		t.Errorf("saved topics %+v, want one with the query 华为\\nOR 荣耀", ts)
	}
}

// TestCorrectionReturnsToItsPage: correcting a mention's sentiment returns
// to the stream page it was made on, filters and page kept, at the
// mention, where it went to the unfiltered first page, on which an older
// mention corrected from page 2 of the negative ones is not to be found.
func TestCorrectionReturnsToItsPage(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	res, err := h.listen.Ingest(ctx, owner.ws.ID, []listen.Post{{SourceKind: "webhook", ExternalID: "1", Text: "星澜的拿铁太难喝了", PublishedAt: time.Now().Add(-time.Hour)}})
	must(t, err)
	if res.Stored != 1 {
		t.Fatalf("ingest %+v", res)
	}
	ms, err := h.listen.Mentions(ctx, owner.ws.ID, listen.MentionFilter{})
	must(t, err)
	id := strconv.FormatInt(ms[0].ID, 10)
	b := h.signedIn(owner)
	b.get("/w/acme/listening")
	for _, tt := range []struct{ name, referer, want string }{
		{"a filtered later page", h.ts.URL + "/w/acme/listening?sentiment=negative&source=webhook&before=99&bogus=1#mentions", "/w/acme/listening?before=99&sentiment=negative&source=webhook#mention-" + id},
		{"the first page", h.ts.URL + "/w/acme/listening", "/w/acme/listening#mention-" + id},
		{"another page", h.ts.URL + "/w/acme/listening/insights?topic=1", "/w/acme/listening#mention-" + id},
		{"no referer", "", "/w/acme/listening#mention-" + id},
	} {
		header := map[string]string{}
		if tt.referer != "" {
			header["Referer"] = tt.referer
		}
		status, _, hdr := b.do("POST", "/w/acme/listening/mentions/"+id+"/sentiment", url.Values{"csrf": {b.csrf}, "label": {"neutral"}}, header)
		if status != http.StatusSeeOther || hdr.Get("Location") != tt.want {
			t.Errorf("%s: %d to %q, want %q", tt.name, status, hdr.Get("Location"), tt.want)
		}
	}
}

// TestRepostClusterCount: a post with one repost is a cluster of two
// posts, which its mention says, where it said 2 条相同转发 (two reposts)
// with one repost stored.
func TestRepostClusterCount(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	at := time.Now().Add(-time.Hour)
	orig := "闲岚的冷萃咖啡太好喝了，强烈推荐，喜欢喜欢！"
	res, err := h.listen.Ingest(ctx, owner.ws.ID, []listen.Post{
		{SourceKind: "webhook", ExternalID: "1", Author: "a", Text: orig, PublishedAt: at},
		{SourceKind: "webhook", ExternalID: "2", Author: "b", Text: "转发微博 //@a: " + orig, PublishedAt: at.Add(time.Minute)},
	})
	must(t, err)
	if res.Stored != 2 || res.Clustered != 1 {
		t.Fatalf("ingest %+v, want a post and its repost", res)
	}
	b := h.signedIn(owner)
	for lang, want := range map[string]string{"zh-CN": "同一内容共 2 条", "en": "2 posts with this text"} {
		_, body, _ := b.do("GET", "/w/acme/listening", nil, map[string]string{"Accept-Language": lang})
		if stream := section(body, `id="mentions"`, `id="topics"`); strings.Count(stream, want) != 1 {
			t.Errorf("%s: want %q once on the original: %s", lang, want, stream)
		}
	}
}

// TestTryBoxSaysItShowsSome: the try box lists 50 of the mentions a draft
// matches and says so when it matched more, where 51 matches listed 50
// under "Matches 51" as if those were all.
func TestTryBoxSaysItShowsSome(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	at := time.Now().Add(-time.Hour)
	var posts []listen.Post
	for i := range 51 {
		posts = append(posts, listen.Post{SourceKind: "webhook", ExternalID: strconv.Itoa(i), Author: strconv.Itoa(i), Text: fmt.Sprintf("星澜第 %d 杯拿铁，味道编号 %d", i, i*7919), PublishedAt: at.Add(time.Duration(i) * time.Minute)})
	}
	posts = append(posts, listen.Post{SourceKind: "webhook", ExternalID: "x", Text: "墨岩咖啡的新品", PublishedAt: at})
	_, err := h.listen.Ingest(ctx, owner.ws.ID, posts)
	must(t, err)
	b := h.signedIn(owner)
	b.get("/w/acme/listening")
	for _, tt := range []struct {
		query string
		shown bool
	}{{"星澜", true}, {"墨岩", false}} {
		_, body, _ := b.do("POST", "/w/acme/listening/try", url.Values{"csrf": {b.csrf}, "query": {tt.query}}, map[string]string{"HX-Request": "true", "Accept-Language": "en"})
		if got := strings.Contains(body, `<span id="try-shown">The newest 50 are shown.</span>`); got != tt.shown {
			t.Errorf("%s: says it shows the newest 50: %v, want %v: %s", tt.query, got, tt.shown, section(body, `id="try-result"`, "<ul"))
		}
	}
}

// An alert's mention count in the overview's list breaks as one
// ("35 条提及", not "35" at a line's end and "条提及" on the next).
func TestAlertListCountKeepsItsUnit(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	rule, err := h.db.CreateAlertRule(ctx, owner.ws.ID, listen.AlertRule{Name: "声量", Kind: "volume_spike", Threshold: 3, Enabled: true})
	must(t, err)
	_, _, err = h.db.FireAlert(ctx, owner.ws.ID, listen.Alert{RuleID: rule.ID, Kind: "volume_spike", Value: 4, FiredAt: time.Now()}, time.Time{}, nil)
	must(t, err)
	b := h.signedIn(owner)
	if _, body := b.get("/w/acme/listening"); !strings.Contains(body, `<span class="nowrap">0 条提及</span>`) {
		t.Errorf("the alert list's count may break from its unit: %s", between(body, `class="list alert-list"`, "</ul>"))
	}
}
