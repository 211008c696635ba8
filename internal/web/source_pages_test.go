package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/demo"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// upload posts a multipart form as the import form sends it: the CSRF
// token of the last page seen first, then the file, then the fields.
func (b *browser) upload(path, fileName, content string, fields url.Values, header map[string]string) (int, string) {
	b.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", b.csrf)
	fw, _ := mw.CreateFormFile("file", fileName)
	_, _ = io.WriteString(fw, content)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.Close()
	req, err := http.NewRequest("POST", b.h.ts.URL+path, &body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	status, page, _ := b.send(req, header)
	return status, page
}

// analyst adds an analyst, who may read listening but not change it, to
// the owner's workspace and signs them in.
func (h *harness) analyst(owner tenant) *browser {
	h.t.Helper()
	ctx := context.Background()
	email := "analyst-" + owner.ws.Slug + "@example.com"
	_, err := h.accounts.CreateUser(ctx, email, "Ann", "correct horse battery", false)
	must(h.t, err)
	ownerUser, err := h.accounts.UserByEmail(ctx, owner.email)
	must(h.t, err)
	op, err := h.accounts.Enter(ctx, ownerUser, owner.ws.Slug)
	must(h.t, err)
	_, err = h.accounts.AddMember(ctx, op, email, account.Analyst)
	must(h.t, err)
	b := h.browser()
	b.login(email, "correct horse battery")
	return b
}

func sourceNamed(t *testing.T, h *harness, ws int64, name string) listen.Source {
	t.Helper()
	srcs, err := h.srv.Sources.List(context.Background(), ws)
	must(t, err)
	for _, s := range srcs {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no source %q among %d", name, len(srcs))
	return listen.Source{}
}

// TestSourcePagesAdd: the sources page adds a source of each kind through
// the source service, shows a refused one back with each error beside its
// input in the reader's language and without its secret, and pauses,
// resumes and deletes sources, for members who may edit listening only.
func TestSourcePagesAdd(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	ws := owner.ws.ID
	b := h.signedIn(owner)
	status, page := b.get("/w/acme/listening/sources")
	if status != http.StatusOK {
		t.Fatalf("GET sources: %d", status)
	}
	for _, want := range []string{`id="add-source"`, `id="add-rss"`, `id="add-mastodon_tag"`, `id="add-mastodon_search"`, `id="add-bluesky_search"`, `id="add-weibo_search"`,
		`id="add-webhook"`, `id="add-import"`, `name="config.paid_api"`, `id="import-form"`, `enctype="multipart/form-data"`,
		`<code id="webhook-url">POST /api/v1/workspaces/acme/mentions</code>`, `href="/w/acme/settings#tokens"`, "还没有来源",
		// The example scrolls sideways on a phone: a keyboard must reach it to scroll it.
		`<pre class="small" id="webhook-example" tabindex="0">`} {
		if !strings.Contains(page, want) {
			t.Errorf("sources page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="add-own_channel"`) {
		t.Errorf("sources page offers own channels, which wait for publishing")
	}

	// An RSS feed, added through the form, is listed with its health.
	status, _, hdr := b.post("/w/acme/listening/sources", url.Values{"kind": {"rss"}, "name": {"品牌博客"}, "config.url": {"https://blog.example.com/feed.xml"}, "poll_seconds": {"1800"}})
	if status != http.StatusSeeOther {
		t.Fatalf("add RSS: %d", status)
	}
	rss := sourceNamed(t, h, ws, "品牌博客")
	if rss.Kind != source.KindRSS || rss.Config[source.KeyURL] != "https://blog.example.com/feed.xml" || rss.PollSeconds != 1800 || !rss.Enabled {
		t.Errorf("stored source %+v", rss)
	}
	rowID := "source-" + strconv.FormatInt(rss.ID, 10)
	if loc := hdr.Get("Location"); loc != "/w/acme/listening/sources#"+rowID {
		t.Errorf("add RSS redirects to %q", loc)
	}
	_, page = b.get("/w/acme/listening/sources")
	row := section(page, `id="`+rowID+`"`, "</tr>")
	for _, want := range []string{"品牌博客", "RSS / Atom 订阅源", "尚未按当前设置抓取", "https://blog.example.com/feed.xml", "来源已添加"} {
		if !strings.Contains(row+section(page, `class="flash`, "</div>"), want) {
			t.Errorf("new source's row lacks %q: %s", want, row)
		}
	}

	// Refused sources come back in their form, each error beside its
	// input, in the reader's language; a secret is never written back.
	const secret = "abcd-efgh-ijkl-mnop"
	for _, tt := range []struct {
		name, lang, kind string
		form             url.Values
		input, want      string
	}{
		{"bad url zh", "zh-CN", "rss", url.Values{"name": {"坏地址"}, "config.url": {"https:///feed.xml"}}, "src-rss-config-url", "网址无效"},
		{"bad url en", "en", "rss", url.Values{"name": {"Bad"}, "config.url": {"https:///feed.xml"}}, "src-rss-config-url", "Not a valid web address"},
		{"private url zh", "zh-CN", "rss", url.Values{"name": {"内网"}, "config.url": {"http://127.0.0.1:8080/feed"}}, "src-rss-config-url", "内网"},
		{"no name zh", "zh-CN", "rss", url.Values{"config.url": {"https://blog.example.com/feed.xml"}}, "src-rss-name", "必填"},
		{"tag zh", "zh-CN", "mastodon_tag", url.Values{"name": {"话题"}, "config.instance": {"https://mastodon.example.com"}, "config.tag": {"a b"}}, "src-mastodon_tag-config-tag", "话题标签须为一个词"},
		// The refusal beside the box names the box, not the API's field.
		{"weibo without the flag zh", "zh-CN", "weibo_search", url.Values{"name": {"微博"}, "config.q": {"闲岚"}, "config.access_token": {secret}}, "src-weibo_search-config-paid_api", "勾选“本应用已开通微博付费搜索接口”"},
		{"weibo without the flag en", "en", "weibo_search", url.Values{"name": {"Weibo"}, "config.q": {"xianlan"}, "config.access_token": {secret}}, "src-weibo_search-config-paid_api", "tick “This app has been granted Weibo&#39;s paid search API”"},
		{"bluesky secret kept back zh", "zh-CN", "bluesky_search", url.Values{"name": {"蓝天"}, "config.q": {"oolong"}, "config.identifier": {"brand.bsky.social"}, "config.app_password": {secret}, "config.service": {"ftp://bsky.example.com"}},
			"src-bluesky_search-config-service", "不支持 ftp"},
		{"poll interval en", "en", "bluesky_search", url.Values{"name": {"Sky"}, "config.q": {"oolong"}, "config.identifier": {"brand.bsky.social"}, "config.app_password": {secret}, "poll_seconds": {"5"}},
			"src-bluesky_search-poll_seconds", "between 60 and 86400"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("kind", tt.kind)
			tt.form.Set("csrf", b.csrf)
			status, body, _ := b.do("POST", "/w/acme/listening/sources", tt.form, map[string]string{"Accept-Language": tt.lang})
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", status)
			}
			form := section(body, `id="add-`+tt.kind+`" open`, "</details>")
			if form == body {
				t.Fatalf("the %s form is not open: %s", tt.kind, section(body, `id="add-source"`, "</section>"))
			}
			field := section(form, `id="`+tt.input+`"`, "</div>\n</div>")
			if !strings.Contains(field, `aria-invalid="true"`) || !strings.Contains(section(field, `id="`+tt.input+`-err"`, "</div>"), tt.want) {
				t.Errorf("input %s lacks its error %q: %s", tt.input, tt.want, field)
			}
			if name := tt.form.Get("name"); name != "" && !strings.Contains(form, `value="`+name+`"`) {
				t.Errorf("the form lost the name %q", name)
			}
			if strings.Contains(body, secret) {
				t.Errorf("the secret is written back into the page")
			}
		})
	}
	if srcs, _ := h.srv.Sources.List(context.Background(), ws); len(srcs) != 1 {
		t.Errorf("refused forms stored sources: %d", len(srcs))
	}

	// A Bluesky search with its app password: stored, never shown.
	b.get("/w/acme/listening/sources")
	status, _, _ = b.post("/w/acme/listening/sources", url.Values{"kind": {"bluesky_search"}, "name": {"Bluesky 搜索"}, "config.q": {"oolong"},
		"config.identifier": {"brand.bsky.social"}, "config.app_password": {secret}})
	if status != http.StatusSeeOther {
		t.Fatalf("add Bluesky: %d", status)
	}
	sky := sourceNamed(t, h, ws, "Bluesky 搜索")
	if sky.Config[source.KeyAppPassword] != secret || sky.PollSeconds != source.DefaultPollSeconds {
		t.Errorf("stored Bluesky source %+v", sky.PollSeconds)
	}
	// A Weibo search with the paid API's flag, and a webhook.
	status, _, _ = b.post("/w/acme/listening/sources", url.Values{"kind": {"weibo_search"}, "name": {"微博搜索"}, "config.q": {"闲岚"}, "config.access_token": {"2.00weibo"}, "config.paid_api": {"true"}})
	if status != http.StatusSeeOther {
		t.Fatalf("add Weibo: %d", status)
	}
	status, _, _ = b.post("/w/acme/listening/sources", url.Values{"kind": {"webhook"}, "name": {"舆情推送"}})
	if status != http.StatusSeeOther {
		t.Fatalf("add webhook: %d", status)
	}
	hook := sourceNamed(t, h, ws, "舆情推送")
	_, page = b.get("/w/acme/listening/sources")
	if strings.Contains(page, secret) || strings.Contains(page, "2.00weibo") {
		t.Errorf("the page shows a secret")
	}
	if !strings.Contains(section(page, `id="source-`+strconv.FormatInt(sky.ID, 10)+`"`, "</tr>"), "凭据已保存") {
		t.Errorf("the Bluesky row does not say its credentials are saved")
	}
	if !strings.Contains(section(page, `id="webhook-example"`, "</pre>"), `"source_id": `+strconv.FormatInt(hook.ID, 10)) {
		t.Errorf("the webhook example lacks the webhook source's id: %s", section(page, `id="webhook-example"`, "</pre>"))
	}

	// Pause, resume, delete (with a confirm).
	base := "/w/acme/listening/sources/" + strconv.FormatInt(rss.ID, 10)
	if !strings.Contains(row, `action="`+base+`/disable"`) || !strings.Contains(page, `action="`+base+`/delete"`) || !strings.Contains(section(page, `action="`+base+`/delete"`, "</form>"), `data-confirm="删除来源“品牌博客”？`) {
		t.Errorf("the row lacks its pause or delete form with a confirm")
	}
	if status, _, _ := b.post(base+"/disable", nil); status != http.StatusSeeOther {
		t.Fatalf("disable: %d", status)
	}
	if s := sourceNamed(t, h, ws, "品牌博客"); s.Enabled {
		t.Errorf("source still enabled")
	}
	_, page = b.get("/w/acme/listening/sources")
	if row := section(page, `id="`+rowID+`"`, "</tr>"); !strings.Contains(row, "已暂停") || !strings.Contains(row, `action="`+base+`/enable"`) {
		t.Errorf("paused row: %s", row)
	}
	if status, _, _ := b.post(base+"/enable", nil); status != http.StatusSeeOther {
		t.Fatalf("enable: %d", status)
	}
	if s := sourceNamed(t, h, ws, "品牌博客"); !s.Enabled {
		t.Errorf("source not enabled again")
	}

	// An analyst sees the health, no controls, and may change nothing.
	an := h.analyst(owner)
	status, page = an.get("/w/acme/listening/sources")
	if status != http.StatusOK || !strings.Contains(page, "品牌博客") {
		t.Fatalf("analyst GET: %d", status)
	}
	for _, bad := range []string{`id="add-source"`, `id="import-form"`, "/disable\"", "/delete\"", `name="config.`} {
		if strings.Contains(page, bad) {
			t.Errorf("analyst sees %q", bad)
		}
	}
	posts := []string{"/w/acme/listening/sources", base + "/disable", base + "/enable", base + "/delete"}
	for _, p := range posts {
		if status, _, _ := an.post(p, url.Values{"kind": {"rss"}, "name": {"x"}, "config.url": {"https://blog.example.com/x.xml"}}); status != http.StatusForbidden {
			t.Errorf("analyst POST %s: %d, want 403", p, status)
		}
	}
	if status, _ := an.upload("/w/acme/listening/sources/import", "a.csv", "内容,发布时间\n好喝,2024-01-02\n", url.Values{"skip_errors": {"true"}}, nil); status != http.StatusForbidden {
		t.Errorf("analyst import: %d, want 403", status)
	}
	// Another workspace's member gets 404, and their own paths do not
	// reach acme's source.
	o := h.signedIn(other)
	o.get("/w/other/listening/sources")
	for _, p := range append(posts, "/w/acme/listening/sources/import/preview") {
		if status, _, _ := o.post(p, url.Values{"kind": {"webhook"}, "name": {"x"}}); status != http.StatusNotFound {
			t.Errorf("other POST %s: %d, want 404", p, status)
		}
	}
	if status, _, _ := o.post(strings.Replace(base, "/acme/", "/other/", 1)+"/delete", nil); status != http.StatusNotFound {
		t.Errorf("other deletes acme's source: %d, want 404", status)
	}
	if srcs, _ := h.srv.Sources.List(context.Background(), ws); len(srcs) != 4 {
		t.Errorf("acme has %d sources, want 4", len(srcs))
	}

	if status, _, _ := b.post(base+"/delete", nil); status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
	if _, err := h.srv.Sources.Get(context.Background(), ws, rss.ID); err == nil {
		t.Errorf("source not deleted")
	}
	if _, page = b.get("/w/acme/listening/sources"); strings.Contains(page, `id="`+rowID+`"`) || !strings.Contains(page, "来源已删除") {
		t.Errorf("deleted source still listed, or no flash")
	}
}

// TestSourcePagesImport: a file is previewed (its columns, mapping and row
// errors) without storing anything, refused while it has row errors, and
// imported with a mapping and skip_errors, counted.
func TestSourcePagesImport(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	imp, err := h.srv.Sources.Create(ctx, ws, source.Input{Kind: source.KindImport, Name: "微博后台导出"})
	must(t, err)
	mentions := func() int {
		t.Helper()
		ms, err := h.listen.Mentions(ctx, ws, listen.MentionFilter{Limit: 500})
		must(t, err)
		return len(ms)
	}
	audit := func() int {
		t.Helper()
		es, err := h.db.Audit(ctx, ws, 500, 0)
		must(t, err)
		return len(es)
	}
	const csv = "正文,昵称,时间,地址\n" +
		"星澜的拿铁真好喝,小王,2024-01-02 15:04,https://weibo.com/1\n" +
		"这一行的时间不对,小李,昨天,https://weibo.com/2\n" +
		"星澜燕麦拿铁,小张,2024/1/3 09:00,https://weibo.com/3\n"
	b := h.signedIn(owner)
	_, page := b.get("/w/acme/listening/sources")
	if !strings.Contains(section(page, `id="import-source"`, "</select>"), `value="`+strconv.FormatInt(imp.ID, 10)+`"`) {
		t.Errorf("the import form does not offer the import source")
	}
	before := audit()

	// Preview: the columns, a guessed mapping, the row error; nothing stored.
	status, body := b.upload("/w/acme/listening/sources/import/preview", "export.csv", csv, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("preview: %d %s", status, section(body, `id="import"`, "</section>"))
	}
	panel := section(body, `id="import-preview"`, `id="import-preview-button"`)
	for _, want := range []string{`<code class="tag">正文</code>`, `<code class="tag">昵称</code>`, `<code class="tag">时间</code>`, `<code class="tag">地址</code>`,
		"共 3 行：2 行可以导入，1 处错误", `name="mapping.text"`, `name="mapping.published_at"`, `<option value="时间" selected>`, `id="import-errors"`,
		"<td class=\"num\">3</td><td>发布时间</td><td>“昨天”不是日期", "星澜的拿铁真好喝", `id="import-submit"`, `name="skip_errors"`} {
		if !strings.Contains(panel, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if !strings.Contains(body, `id="import-reselect"`) {
		t.Errorf("a whole-page preview does not ask for the file again")
	}
	if n := mentions(); n != 0 {
		t.Errorf("preview stored %d mentions", n)
	}
	// With htmx, the preview panel alone; a guessed column can be left
	// out (not from the file), and stays left out.
	status, body = b.upload("/w/acme/listening/sources/import/preview", "export.csv", csv, url.Values{"mapping.text": {"正文"}, "mapping.published_at": {"时间"},
		"mapping.author": {"-"}}, map[string]string{"HX-Request": "true"})
	if status != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(body), `<div id="import-preview"`) || strings.Contains(body, "<html") || !strings.Contains(body, "“昨天”不是日期") {
		t.Errorf("htmx preview: %d %s", status, body)
	}
	if author := section(body, `id="map-author"`, "</select>"); !strings.Contains(author, `<option value="-" selected>（不从文件读取）`) {
		t.Errorf("the author column left out is not shown so: %s", author)
	}
	if text := section(body, `id="map-text"`, "</select>"); strings.Contains(text, `value="-"`) {
		t.Errorf("a required field offers to be left out: %s", text)
	}
	if n := audit(); n != before {
		t.Errorf("previews left %d audit entries", n-before)
	}

	// Import without skipping the bad row: refused, nothing stored.
	mapping := url.Values{"mapping.text": {"正文"}, "mapping.author": {"昵称"}, "mapping.published_at": {"时间"}, "mapping.url": {"地址"}, "source_id": {strconv.FormatInt(imp.ID, 10)}}
	status, body = b.upload("/w/acme/listening/sources/import", "export.csv", csv, mapping, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="import-refused"`) || !strings.Contains(body, "文件中有 1 处错误，没有导入任何内容") {
		t.Errorf("import with a bad row: %d %s", status, section(body, `id="import"`, "</section>"))
	}
	if n := mentions(); n != 0 {
		t.Errorf("a refused import stored %d mentions", n)
	}
	// With skip_errors: the good rows stored under the source, counted.
	mapping.Set("skip_errors", "true")
	status, body = b.upload("/w/acme/listening/sources/import", "export.csv", csv, mapping, nil)
	result := section(body, `id="import-result"`, "</div>")
	if status != http.StatusOK || !strings.Contains(result, "导入完成：新增 2 条，重复 0 条，无正文跳过 0 条。") || !strings.Contains(result, "另有 1 行因错误未导入") {
		t.Fatalf("import: %d %s", status, section(body, `id="import"`, "</section>"))
	}
	ms, err := h.listen.Mentions(ctx, ws, listen.MentionFilter{})
	must(t, err)
	if len(ms) != 2 || ms[0].SourceID != imp.ID || ms[0].Author == "" || ms[0].URL == "" {
		t.Errorf("stored mentions: %+v", ms)
	}
	if got, _ := h.srv.Sources.Get(ctx, ws, imp.ID); got.ItemsFetched != 2 || got.LastSuccessAt == nil {
		t.Errorf("import source's health: %d items, last success %v", got.ItemsFetched, got.LastSuccessAt)
	}
	if !regexp.MustCompile(`<td class="num" data-label="[^"]+">2</td>`).MatchString(section(body, `id="source-`+strconv.FormatInt(imp.ID, 10)+`"`, "</tr>")) {
		t.Errorf("the health table does not count the imported rows")
	}
	if n := audit(); n != before+1 {
		t.Errorf("the import left %d audit entries, want 1", n-before)
	}
	// Again: duplicates.
	status, body = b.upload("/w/acme/listening/sources/import", "export.csv", csv, mapping, nil)
	if status != http.StatusOK || !strings.Contains(body, "新增 0 条，重复 2 条") {
		t.Errorf("re-import: %d %s", status, section(body, `id="import-result"`, "</div>"))
	}

	// A header the importer cannot guess: the columns are asked for by
	// name, each error beside its input; named, the file previews.
	const odd = "msg,when\nhello,2024-01-02 10:00\n"
	status, body = b.upload("/w/acme/listening/sources/import/preview", "odd.csv", odd, nil, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(section(body, `id="map-text"`, "</div>"), "请选择正文所在的列") ||
		!strings.Contains(section(body, `id="map-published_at"`, "</div>"), "请选择发布时间所在的列") {
		t.Errorf("unguessable header: %d %s", status, section(body, `id="import-preview"`, `id="import-preview-button"`))
	}
	status, body = b.upload("/w/acme/listening/sources/import/preview", "odd.csv", odd, url.Values{"mapping.text": {"msg"}, "mapping.published_at": {"when"}}, nil)
	if status != http.StatusOK || !strings.Contains(body, "共 1 行：1 行可以导入，0 处错误") {
		t.Errorf("named columns: %d %s", status, section(body, `id="import-preview"`, `id="import-preview-button"`))
	}
	// A file in another format, no file, a file too large: errors beside
	// the file input, in English too.
	for _, tt := range []struct {
		name, file, content, lang, want string
	}{
		{"format", "notes.pdf", "%PDF", "zh-CN", "无法导入“pdf”文件"},
		{"no file", "", "", "zh-CN", "必填"},
		{"too large", "big.csv", "内容,发布时间\n" + strings.Repeat("x", listen.MaxImportBytes), "en", "too large"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := b.upload("/w/acme/listening/sources/import/preview", tt.file, tt.content, nil, map[string]string{"Accept-Language": tt.lang})
			if status != http.StatusUnprocessableEntity || !strings.Contains(section(body, `id="import-file-err"`, "</div>"), tt.want) {
				t.Errorf("%d, file error %q, want %q", status, section(body, `id="import-file-err"`, "</div>"), tt.want)
			}
		})
	}
	if n := mentions(); n != 2 {
		t.Errorf("%d mentions stored, want 2", n)
	}
}

// TestTopicDeleteFromEditor: the topic editor deletes the topic it edits,
// after a confirm, for members who may edit listening only.
func TestTopicDeleteFromEditor(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	ws := owner.ws.ID
	topic, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	del := "/w/acme/listening/topics/" + strconv.FormatInt(topic.ID, 10) + "/delete"
	b := h.signedIn(owner)
	_, page := b.get("/w/acme/listening")
	if strings.Contains(page, `id="delete-topic"`) {
		t.Errorf("the new-topic editor offers a delete")
	}
	_, page = b.get("/w/acme/listening?edit=" + strconv.FormatInt(topic.ID, 10))
	button := section(page, `id="delete-topic"`, "</button>")
	if !strings.Contains(button, `formaction="`+del+`"`) || !strings.Contains(button, `data-confirm="删除主题“星澜”？`) {
		t.Errorf("the editor's delete button: %s", button)
	}

	an := h.analyst(owner)
	if _, page := an.get("/w/acme/listening?edit=" + strconv.FormatInt(topic.ID, 10)); strings.Contains(page, `id="delete-topic"`) {
		t.Errorf("an analyst sees the delete button")
	}
	if status, _, _ := an.post(del, nil); status != http.StatusForbidden {
		t.Errorf("analyst delete: %d, want 403", status)
	}
	o := h.signedIn(other)
	o.get("/w/other/listening")
	if status, _, _ := o.post(del, nil); status != http.StatusNotFound {
		t.Errorf("other workspace's delete: %d, want 404", status)
	}
	if status, _, _ := o.post(strings.Replace(del, "/acme/", "/other/", 1), nil); status != http.StatusNotFound {
		t.Errorf("other workspace's path to acme's topic: %d, want 404", status)
	}
	if _, err := h.listen.Topic(ctx, ws, topic.ID); err != nil {
		t.Fatalf("topic gone before its owner deleted it: %v", err)
	}

	status, _, hdr := b.post(del, url.Values{"name": {"星澜"}, "query": {"星澜"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/w/acme/listening#topics" {
		t.Fatalf("delete: %d %q", status, hdr.Get("Location"))
	}
	if _, err := h.listen.Topic(ctx, ws, topic.ID); err == nil {
		t.Errorf("topic not deleted")
	}
	if _, page = b.get("/w/acme/listening"); !strings.Contains(page, "主题已删除") || strings.Contains(section(page, `id="topics"`, `id="topic-editor"`), "星澜") {
		t.Errorf("topic still listed, or no flash")
	}
	if status, _, _ := b.post(del, nil); status != http.StatusNotFound {
		t.Errorf("deleting it again: %d, want 404", status)
	}
}

// TestSourcePagesDemo: the demo workspace's sources show on the page
// with their health: the pushed ones with what they brought, the Bluesky
// search failing with its error and backoff, and no secret.
func TestSourcePagesDemo(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	catalog, err := platform.Load()
	must(t, err)
	login, err := demo.Load(context.Background(), demo.Deps{Accounts: h.accounts, Brand: h.brand, Platforms: platform.NewService(catalog, h.db),
		Listen: h.listen, Alerts: h.db, Sources: h.db})
	must(t, err)
	b := h.browser()
	b.login(login.Email, login.Password)
	status, page := b.get("/w/demo/listening/sources")
	if status != http.StatusOK {
		t.Fatalf("GET demo sources: %d", status)
	}
	srcs, err := h.srv.Sources.List(context.Background(), demoWorkspaceID(t, h, login.Workspace))
	must(t, err)
	if len(srcs) < 3 {
		t.Fatalf("demo has %d sources", len(srcs))
	}
	// On a phone the table stacks, a block per source, each figure after
	// its column's name: eight columns do not fit a phone's width.
	if !strings.Contains(page, `<table class="small stack" id="source-table">`) {
		t.Errorf("the source table does not stack on a phone")
	}
	// A source's settings read one to a line, each a block of its own:
	// side by side they wrapped into labels and values of different ones.
	if !strings.Contains(page, `<div class="small muted source-config"><span>`) {
		t.Errorf("a source's settings are not each in a span of their own")
	}
	css, err := staticFS.ReadFile("static/app.css")
	must(t, err)
	if !regexp.MustCompile(`(?m)^\.source-config > span \{ display: block; \}`).Match(css) {
		t.Error("the style sheet runs a source's settings together on one line")
	}
	for _, s := range srcs {
		row := section(page, `id="source-`+strconv.FormatInt(s.ID, 10)+`"`, "</tr>")
		for _, label := range []string{"类型", "状态", "上次成功", "上次错误", "已抓取条数", "下次抓取"} {
			if !strings.Contains(row, `data-label="`+label+`"`) {
				t.Errorf("source %q: no cell labelled %s", s.Name, label)
			}
		}
		if row == page {
			t.Errorf("source %q not listed", s.Name)
			continue
		}
		switch s.Kind {
		case source.KindWebhook, source.KindImport:
			// The demo's webhook brings over a thousand posts, written
			// with a thousands separator. Its status says it receives
			// posts, not that they are pushed: a file import's are not.
			if strings.Contains(row, "推送</span>") {
				t.Errorf("source %q (%s) is said to receive pushes: %s", s.Name, s.Kind, row)
			}
			if !strings.Contains(row, "接收帖子") || s.ItemsFetched == 0 || !strings.Contains(row, `<td class="num" data-label="已抓取条数">`+number(float64(s.ItemsFetched), 0)+`</td>`) || s.LastSuccessAt == nil {
				t.Errorf("pushed source %q: %d items: %s", s.Name, s.ItemsFetched, row)
			}
		case source.KindBlueskySearch:
			// Its wait after failures goes with the next poll, in one
			// column: a column of its own widened the table past its card
			// at 1280 px in English.
			if !strings.Contains(row, "失败") || !strings.Contains(row, "连续失败 3 次") || !strings.Contains(row, "Bluesky 拒绝了凭据") || !strings.Contains(row, "app password may have been revoked") ||
				!regexp.MustCompile(`<td data-label="下次抓取"><time [^>]+>[^<]+</time><div class="small muted source-backoff">失败后等待 \d+ 小时</div></td>`).MatchString(row) {
				t.Errorf("failing Bluesky source: %s", row)
			}
			if strings.Contains(page, s.Config[source.KeyAppPassword]) {
				t.Errorf("the demo's app password is shown")
			}
		}
	}
}

func demoWorkspaceID(t *testing.T, h *harness, slug string) int64 {
	t.Helper()
	u, err := h.accounts.UserByEmail(context.Background(), demo.Email)
	must(t, err)
	p, err := h.accounts.Enter(context.Background(), u, slug)
	must(t, err)
	return p.Workspace.ID
}

// TestSourcePagesCatalogKeys: the keys the add-source forms and the
// import mapping build from data exist (the catalogs' parity test sees
// to the other language).
func TestSourcePagesCatalogKeys(t *testing.T) {
	c := mustCatalog(t)
	v := &view{s: &Server{cat: c}, Locale: "zh-CN", Data: map[string]any{}}
	var keys []string
	for _, f := range v.SourceForms() {
		keys = append(keys, "sources.kind."+f.Kind, "sources.about."+f.Kind)
		for _, in := range f.Inputs {
			keys = append(keys, in.Label)
			if in.Hint != "" {
				keys = append(keys, in.Hint)
			}
		}
	}
	for _, f := range mappingFields {
		keys = append(keys, "sources.import.field."+f)
	}
	for _, k := range keys {
		if !c.Has(k) {
			t.Errorf("key %q is missing", k)
		}
	}
	if len(mappingFields) < 2 || mappingFields[0] != "text" {
		t.Errorf("mapping fields %v", mappingFields)
	}
}

// countingReader is n bytes of a repeated line, counting what was read.
type countingReader struct {
	n, read int
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.read >= c.n {
		return 0, io.EOF
	}
	k := min(len(p), c.n-c.read)
	for i := range p[:k] {
		p[i] = "a,b\n"[(c.read+i)%4]
	}
	c.read += k
	return k, nil
}

// TestImportUploadNeedsSignIn checks that the import form reads no
// upload of someone not signed in: the page sends them to sign in first.
func TestImportUploadNeedsSignIn(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.tenant("acme", account.Owner)
	for _, path := range []string{"/w/acme/listening/sources/import", "/w/acme/listening/sources/import/preview"} {
		file := &countingReader{n: listen.MaxImportBytes}
		const boundary = "b0undary"
		body := io.MultiReader(strings.NewReader("--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n"),
			file, strings.NewReader("\r\n--"+boundary+"--\r\n"))
		req := httptest.NewRequest(http.MethodPost, path, body)
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		rec := httptest.NewRecorder()
		h.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
			t.Errorf("%s signed out: %d %q; want a 303 to the sign-in page", path, rec.Code, rec.Header().Get("Location"))
		}
		if file.read > 0 {
			t.Errorf("%s signed out: read %d bytes of the upload; want none", path, file.read)
		}
	}
}
