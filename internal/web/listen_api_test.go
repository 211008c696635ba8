package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/query"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// multipartAPI posts a multipart form with a file to the API.
func (h *harness) multipartAPI(path, token, fileName, content string, fields map[string]string) (int, string) {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", fileName)
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", h.ts.URL+"/api/v1"+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func TestListenAPIScenarios(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	analyst, _, err := h.accounts.NewToken(ctx, account.Principal{User: account.User{ID: 1}, Workspace: owner.ws, Role: account.Owner}, account.Analyst, "ro")
	must(t, err)
	good := map[string]any{"external_id": "w1", "text": "闲岚咖啡的冷萃很好喝", "published_at": "2026-01-02 15:04", "author": "小美"}
	bad := map[string]any{"external_id": "w2", "text": "第二条", "published_at": "昨天"}
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		contains, absent          []string
	}{
		{"bad query", "POST", "/workspaces/acme/topics", owner.token, map[string]any{"name": "x", "query": "(华为 OR 小米"}, 422,
			[]string{`"field": "query"`, `"key": "query.unclosed_paren"`, "Unclosed parenthesis at position 1: “(华为 OR 小米”"}, nil},
		{"a long kind is quoted short", "POST", "/workspaces/acme/topics", owner.token, map[string]any{"name": "x", "query": "x", "kind": strings.Repeat("长", 100_000)}, 422,
			[]string{`"field": "kind"`, "“" + strings.Repeat("长", 80) + "…”"}, []string{strings.Repeat("长", 81)}},
		{"create topic", "POST", "/workspaces/acme/topics", owner.token, map[string]any{"name": "闲岚", "kind": "brand", "query": "闲岚 OR xianlan"}, 201, []string{`"enabled": true`}, nil},
		{"analyst cannot create", "POST", "/workspaces/acme/topics", analyst, map[string]any{"name": "x", "query": "x"}, 403, nil, nil},
		{"webhook with a bad row", "POST", "/workspaces/acme/mentions", owner.token, map[string]any{"mentions": []any{good, bad}}, 422,
			[]string{`"field": "mentions[1].published_at"`, `"key": "error.listen.date"`}, []string{"mentions[0]"}},
		{"nothing stored", "GET", "/workspaces/acme/mentions", owner.token, nil, 200, []string{`"items": []`}, nil},
		{"webhook unknown field", "POST", "/workspaces/acme/mentions", owner.token, map[string]any{"mentions": []any{map[string]any{"txt": "x"}}}, 422, []string{`"field": "mentions[0].txt"`}, nil},
		{"webhook post not an object", "POST", "/workspaces/acme/mentions", owner.token, map[string]any{"mentions": []any{good, "x", nil}}, 422,
			[]string{`"field": "mentions[1]"`, `"field": "mentions[2]"`, "expected an object"}, []string{"mentions[0]", ".body"}},
		// Every mistake of a post at once: a date that does not parse
		// no longer hides the missing text.
		{"webhook post wrong twice", "POST", "/workspaces/acme/mentions", owner.token, map[string]any{"mentions": []any{map[string]any{"text": "", "published_at": "昨天"}}}, 422,
			[]string{`"field": "mentions[0].published_at"`, `"field": "mentions[0].text"`, `"key": "error.listen.date"`}, nil},
		{"webhook negative count", "POST", "/workspaces/acme/mentions", owner.token, map[string]any{"mentions": []any{map[string]any{"text": "x", "published_at": "2026-01-02", "likes": -1}}}, 422, []string{`"field": "mentions[0].likes"`}, nil},
		{"webhook count beyond any post", "POST", "/workspaces/acme/mentions", owner.token, `{"mentions": [{"text": "x", "published_at": "2026-01-02", "likes": 9223372036854775807, "author_followers": 10000000001}]}`, 422,
			[]string{`"field": "mentions[0].likes"`, `"field": "mentions[0].author_followers"`, "Must be between 0 and 10,000,000,000."}, nil},
		{"webhook ok", "POST", "/workspaces/acme/mentions", owner.token, map[string]any{"mentions": []any{good, good}}, 200, []string{`"stored": 1`, `"duplicates": 1`, `"matched": 1`}, nil},
		{"analyst cannot push", "POST", "/workspaces/acme/mentions", analyst, map[string]any{"mentions": []any{good}}, 403, nil, nil},
		{"mentions", "GET", "/workspaces/acme/mentions?sentiment=positive&lang=zh", analyst, nil, 200, []string{"闲岚咖啡的冷萃很好喝", `"source_kind": "webhook"`}, nil},
		{"mentions bad filter", "GET", "/workspaces/acme/mentions?sentiment=happy&limit=9999", owner.token, nil, 422, []string{`"field": "limit"`}, nil},
		// A source kind as the query language's source: reads it: upper
		// case, or a platform's name; a value no kind has is refused.
		{"mentions by a kind in capitals", "GET", "/workspaces/acme/mentions?source=WEBHOOK", owner.token, nil, 200, []string{"闲岚咖啡的冷萃很好喝"}, nil},
		{"mentions by a platform's name", "GET", "/workspaces/acme/mentions?source=" + url.QueryEscape("微博"), owner.token, nil, 200, []string{`"items": []`}, nil},
		{"mentions by no kind", "GET", "/workspaces/acme/mentions?source=" + url.QueryEscape("小 红书"), owner.token, nil, 422, []string{`"field": "source"`, `"key": "error.listen.source_kind"`}, nil},
		{"analyst cannot try, as on the page", "POST", "/workspaces/acme/topics/try", analyst, map[string]any{"query": "冷萃"}, 403, nil, nil},
		{"try", "POST", "/workspaces/acme/topics/try", owner.token, map[string]any{"query": "冷萃 -速溶"}, 200, []string{`"scanned": 1`, "闲岚咖啡的冷萃很好喝"}, nil},
		{"try no match", "POST", "/workspaces/acme/topics/try", owner.token, map[string]any{"query": "华为"}, 200, []string{`"matched": []`}, nil},
		{"try bad query", "POST", "/workspaces/acme/topics/try", owner.token, map[string]any{"query": "冷萃 OR"}, 422, []string{`"key": "query.or_no_right"`, "at position 4: “OR”"}, nil},
		{"seed", "POST", "/workspaces/acme/topics/seed", owner.token, nil, 200, []string{`"kind": "brand"`}, nil},
		{"a one-day period: to is inclusive", "GET", "/workspaces/acme/mentions?from=2026-03-10&to=2026-03-10", owner.token, nil, 200, []string{`"items"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.checkAPI(t, tt.method, tt.path, tt.token, tt.body, tt.status, tt.contains, tt.absent)
		})
	}

	ms, err := h.listen.Mentions(ctx, owner.ws.ID, listen.MentionFilter{})
	must(t, err)
	if len(ms) != 1 {
		t.Fatalf("mentions %d", len(ms))
	}
	status, body := h.api("PUT", "/workspaces/acme/mentions/"+itoa(ms[0].ID)+"/sentiment", owner.token, map[string]any{"label": "negative"})
	if status != 200 || !strings.Contains(jsonText(body), `"sentiment_corrected": true`) {
		t.Errorf("correct: %d %s", status, jsonText(body))
	}
	status, body = h.api("GET", "/workspaces/acme/mentions/corrections.csv", analyst, nil)
	if raw, _ := body["_raw"].(string); status != 200 || raw != "text,label\n闲岚咖啡的冷萃很好喝,negative\n" {
		t.Errorf("corrections: %d %v", status, body)
	}

	csv := "内容,作者,发布时间\n好喝,小美,2024-01-02 15:04\n坏日期,阿哲,明天\n,空,2024/1/2\n也好喝,老周,2024年1月2日\n"
	status, text := h.multipartAPI("/workspaces/acme/imports/preview", owner.token, "export.csv", csv, map[string]string{"mapping": `{"text":"内容","author":"作者","published_at":"发布时间"}`})
	if status != 200 || !strings.Contains(text, `"row": 3`) || !strings.Contains(text, `"row": 4`) || !strings.Contains(text, `"error_count": 2`) || !strings.Contains(text, `"valid": 2`) {
		t.Fatalf("preview: %d %s", status, text)
	}
	status, text = h.multipartAPI("/workspaces/acme/imports", owner.token, "export.csv", csv, nil)
	if status != 422 || !strings.Contains(text, `"field": "rows[3].published_at"`) {
		t.Fatalf("import with errors: %d %s", status, text)
	}
	if ms, _ := h.listen.Mentions(ctx, owner.ws.ID, listen.MentionFilter{}); len(ms) != 1 {
		t.Fatalf("preview or refused import stored %d mentions", len(ms)-1)
	}
	status, text = h.multipartAPI("/workspaces/acme/imports", owner.token, "export.csv", csv, map[string]string{"skip_errors": "true"})
	var out importResponse
	_ = json.Unmarshal([]byte(text), &out)
	if status != 200 || !out.Saved || out.Result == nil || out.Result.Stored != 2 || out.ErrorCount != 2 {
		t.Fatalf("import skipping errors: %d %s", status, text)
	}
	status, text = h.multipartAPI("/workspaces/acme/imports/preview", owner.token, "export.pdf", "x", nil)
	if status != 422 || !strings.Contains(text, "error.listen.file_format") {
		t.Errorf("pdf: %d %s", status, text)
	}
}

func itoa(n int64) string { return strings.TrimSpace(jsonNumber(n)) }

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestI18nQueryKeys: every query.Key* constant of the query package has a
// message in every locale (the constants are read from its source, so a
// new one cannot slip by).
func TestI18nQueryKeys(t *testing.T) {
	c := mustCatalog(t)
	src, err := os.ReadFile("../listen/query/error.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`(?m)^\s*Key\w+\s*=\s*"(query\.[a-z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(keys) < 10 || keys[0][1] != query.KeyEmpty {
		t.Fatalf("found %d query keys; is the pattern stale?", len(keys))
	}
	for _, loc := range Locales {
		for _, k := range keys {
			if got := c.T(loc, k[1], map[string]any{"Pos": 3}); got == k[1] || got == "" {
				t.Errorf("%s: %q has no message", loc, k[1])
			}
		}
	}
}

// TestWebhookFlood: a token may push a minute's batches at once; the next
// batch gets 429 with Retry-After and stores nothing, while another
// workspace's token still pushes.
func TestWebhookFlood(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	acme := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	push := func(tn tenant, id string) *http.Response {
		t.Helper()
		body := `{"mentions": [{"external_id": "` + id + `", "text": "闲岚咖啡 ` + id + `", "published_at": "2026-01-02 15:04"}]}`
		req, _ := http.NewRequest("POST", h.ts.URL+"/api/v1/workspaces/"+tn.ws.Slug+"/mentions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tn.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	// The bucket refills at webhookRate a minute while the test pushes, so
	// a slow machine may get a few more batches in before the refusal.
	accepted := 0
	var refused *http.Response
	for i := 0; refused == nil && i < 3*webhookRate; i++ {
		resp := push(acme, fmt.Sprintf("ok-%d", i))
		switch resp.StatusCode {
		case http.StatusOK:
			accepted++
		case http.StatusTooManyRequests:
			refused = resp
		default:
			t.Fatalf("batch %d: status %d; want 200 or 429", i, resp.StatusCode)
		}
	}
	if refused == nil {
		t.Fatalf("accepted all %d batches; want 429 after the burst of %d", accepted, webhookRate)
	}
	if accepted < webhookRate || refused.Header.Get("Retry-After") == "" {
		t.Fatalf("accepted %d batches, then 429 with Retry-After %q; want at least the burst of %d, then Retry-After", accepted, refused.Header.Get("Retry-After"), webhookRate)
	}
	if resp := push(other, "other"); resp.StatusCode != http.StatusOK {
		t.Errorf("another workspace's token: status %d; want 200", resp.StatusCode)
	}
	_, list := h.api("GET", "/workspaces/acme/mentions?limit=500", acme.token, nil)
	if items, _ := list["items"].([]any); len(items) != accepted {
		t.Errorf("acme has %d mentions; want the %d accepted batches' and not the refused one", len(items), accepted)
	}
	// The pipeline's counters on /metrics count the batches that got in.
	status, text := h.browser().get("/metrics")
	for _, m := range []string{fmt.Sprintf("chorus_mentions_stored_total %d\n", accepted+1), fmt.Sprintf("chorus_ingest_batches_total %d\n", accepted+1),
		"chorus_ingest_batches_failed_total 0\n", "chorus_mentions_duplicate_total 0\n"} {
		if status != http.StatusOK || !strings.Contains(text, m) {
			t.Errorf("/metrics lacks %q", m)
		}
	}
}

// TestListenAPIRefusesIdsOfOtherWorkspaces: a topic's competitor_id must
// name a competitor of the workspace, as a campaign's persona_ids must; an
// id of another workspace's, or none at all, is refused at the field in
// both languages and nothing is stored.
func TestListenAPIRefusesIdsOfOtherWorkspaces(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("rival", account.Owner)
	ctx := context.Background()
	mine, err := h.brand.Competitors.Create(ctx, owner.ws.ID, brand.Competitor{Name: "Acorn"})
	must(t, err)
	theirs, err := h.brand.Competitors.Create(ctx, other.ws.ID, brand.Competitor{Name: "Birch"})
	must(t, err)
	topic := func(competitor int64) string {
		return fmt.Sprintf(`{"name":"竞品","kind":"competitor","query":"acorn","competitor_id":%d}`, competitor)
	}
	tests := []struct {
		name, method, path, body string
		field                    string // "" = accepted
	}{
		{"another workspace's competitor", "POST", "/workspaces/acme/topics", topic(theirs.ID), "competitor_id"},
		{"no such competitor", "POST", "/workspaces/acme/topics", topic(99999), "competitor_id"},
		{"a negative id", "POST", "/workspaces/acme/topics", topic(-5), "competitor_id"},
		{"its own competitor", "POST", "/workspaces/acme/topics", topic(mine.ID), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, lang := range []string{"en", "zh-CN"} {
				status, got, raw := apiIn(t, h, lang, tt.method, tt.path, owner.token, tt.body)
				if tt.field == "" {
					if status >= 300 {
						t.Fatalf("%s: status %d: %s", lang, status, raw)
					}
					return
				}
				if status != 422 || len(got.Error.Fields) != 1 || got.Error.Fields[0].Field != tt.field {
					t.Fatalf("%s: status %d, want 422 naming %s: %s", lang, status, tt.field, raw)
				}
				if want := map[string]string{"en": "no competitor with id", "zh-CN": "没有编号为"}[lang]; !strings.Contains(got.Error.Fields[0].Message, want) {
					t.Errorf("%s: message %q lacks %q", lang, got.Error.Fields[0].Message, want)
				}
			}
		})
	}
	topics, err := h.listen.Topics(ctx, owner.ws.ID)
	must(t, err)
	if len(topics) != 1 || topics[0].CompetitorID != mine.ID {
		t.Fatalf("topics after refused writes: %+v, want only the one of its own competitor", topics)
	}
	// A topic whose competitor is deleted since can still be edited.
	must(t, h.brand.Competitors.Delete(ctx, owner.ws.ID, mine.ID))
	path := fmt.Sprintf("/workspaces/acme/topics/%d", topics[0].ID)
	if status, _, raw := apiIn(t, h, "en", "PUT", path, owner.token, topic(mine.ID)); status != 200 {
		t.Errorf("edit of a topic whose competitor is gone: %d %s", status, raw)
	}
	if status, _, raw := apiIn(t, h, "en", "PUT", path, owner.token, topic(theirs.ID)); status != 422 {
		t.Errorf("relink to another workspace's competitor: %d %s", status, raw)
	}
}

// TestListenPushRefusesUnknownSources: a webhook post or an import that
// names a source the workspace does not have is refused at the field in
// both languages, and nothing is stored; before, the mentions were kept
// without their source and the answer said all was well. An import's
// other parts are checked as strictly: a mapping names its bad key, a
// skip_errors is yes or no, and a part it does not take is refused.
func TestListenPushRefusesUnknownSources(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("rival", account.Owner)
	ctx := context.Background()
	mine, err := h.srv.Sources.Create(ctx, owner.ws.ID, source.Input{Kind: "webhook", Name: "CRM"})
	must(t, err)
	theirs, err := h.srv.Sources.Create(ctx, other.ws.ID, source.Input{Kind: "webhook", Name: "CRM"})
	must(t, err)
	post := func(n int, src int64) string {
		return fmt.Sprintf(`{"source_id":%d,"external_id":"p%d","text":"闲岚咖啡第 %d 条","published_at":"2026-01-02 15:04"}`, src, n, n)
	}
	tests := []struct {
		name, body string
		fields     []string // the fields refused; none = stored
	}{
		{"another workspace's source", `{"mentions":[` + post(1, mine.ID) + `,` + post(2, theirs.ID) + `]}`, []string{"mentions[1].source_id"}},
		{"no such source", `{"mentions":[` + post(3, 99999) + `]}`, []string{"mentions[0].source_id"}},
		{"a negative id", `{"mentions":[` + post(4, -3) + `,` + post(5, -3) + `]}`, []string{"mentions[0].source_id", "mentions[1].source_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, lang := range []string{"en", "zh-CN"} {
				status, got, raw := apiIn(t, h, lang, "POST", "/workspaces/acme/mentions", owner.token, tt.body)
				if status != 422 || len(got.Error.Fields) != len(tt.fields) {
					t.Fatalf("%s: status %d, want 422 naming %v: %s", lang, status, tt.fields, raw)
				}
				for i, f := range got.Error.Fields {
					want := map[string]string{"en": "no source with id", "zh-CN": "没有编号为"}[lang]
					if f.Field != tt.fields[i] || !strings.Contains(f.Message, want) {
						t.Errorf("%s: field %s %q, want %s with %q", lang, f.Field, f.Message, tt.fields[i], want)
					}
				}
			}
		})
	}
	csv := "内容,发布时间\n好喝,2024-01-02 15:04\n"
	var status int
	var text string
	for _, path := range []string{"/workspaces/acme/imports/preview", "/workspaces/acme/imports"} {
		status, text := h.multipartAPI(path, owner.token, "export.csv", csv, map[string]string{"source_id": itoa(theirs.ID)})
		if status != 422 || !strings.Contains(text, `"field": "source_id"`) || !strings.Contains(text, "no source with id") {
			t.Errorf("%s under another workspace's source: %d %s", path, status, text)
		}
	}
	// A mapping names what is wrong in it.
	for _, tt := range []struct{ mapping, field, message string }{
		{`{"txt": "内容"}`, "mapping.txt", "Unknown field."},
		{`{"text": 3}`, "mapping.text", "expected text"},
		{`["内容"]`, "mapping", "must be a JSON object"},
		{`{"text": `, "mapping", "must be a JSON object"},
	} {
		status, text := h.multipartAPI("/workspaces/acme/imports/preview", owner.token, "export.csv", csv, map[string]string{"mapping": tt.mapping})
		if status != 422 || !strings.Contains(text, `"field": "`+tt.field+`"`) || !strings.Contains(text, tt.message) {
			t.Errorf("mapping %s: %d %s", tt.mapping, status, text)
		}
	}
	// A skip_errors that is neither yes nor no is refused, not read as no.
	status, text = h.multipartAPI("/workspaces/acme/imports", owner.token, "export.csv", csv, map[string]string{"skip_errors": "yes"})
	if status != 422 || !strings.Contains(text, `"field": "skip_errors"`) {
		t.Errorf("import with skip_errors=yes: %d %s", status, text)
	}
	// A misspelt part is refused too, not ignored.
	status, text = h.multipartAPI("/workspaces/acme/imports", owner.token, "export.csv", csv, map[string]string{"source_ids": itoa(mine.ID)})
	if status != 422 || !strings.Contains(text, `"field": "source_ids"`) || !strings.Contains(text, "Unknown form field “source_ids”; an import takes: file, mapping, format, source_id, skip_errors.") {
		t.Errorf("import with a misspelt part: %d %s", status, text)
	}
	if ms, _ := h.listen.Mentions(ctx, owner.ws.ID, listen.MentionFilter{}); len(ms) != 0 {
		t.Fatalf("refused pushes stored %d mentions", len(ms))
	}
	// Its own source takes them, and keeps them under it.
	status, got, raw := apiIn(t, h, "en", "POST", "/workspaces/acme/mentions", owner.token, `{"mentions":[`+post(6, mine.ID)+`]}`)
	if status != 200 {
		t.Fatalf("push to its own source: %d %+v %s", status, got, raw)
	}
	if status, text := h.multipartAPI("/workspaces/acme/imports", owner.token, "export.csv", csv, map[string]string{"source_id": itoa(mine.ID)}); status != 200 {
		t.Fatalf("import under its own source: %d %s", status, text)
	}
	ms, err := h.listen.Mentions(ctx, owner.ws.ID, listen.MentionFilter{})
	must(t, err)
	for _, m := range ms {
		if m.SourceID != mine.ID {
			t.Errorf("mention %q under source %d, want %d", m.Text, m.SourceID, mine.ID)
		}
	}
	if len(ms) != 2 {
		t.Errorf("%d mentions stored, want 2", len(ms))
	}
}

// TestWebhookPlatformNames: a pushed post's source_kind may name its
// platform as imported files and source: do (小红书 is xiaohongshu),
// where the webhook refused it; a name no kind has is still refused.
func TestWebhookPlatformNames(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		contains           []string
	}{
		{"a platform's name", "POST", "/workspaces/acme/mentions", map[string]any{"mentions": []any{map[string]any{"source_kind": "小红书", "external_id": "x1", "text": "小红书上的闲岚笔记", "published_at": "2026-01-02"}}}, 200,
			[]string{`"stored": 1`}},
		{"kept under its kind", "GET", "/workspaces/acme/mentions?source=xiaohongshu", nil, 200, []string{"小红书上的闲岚笔记", `"source_kind": "xiaohongshu"`}},
		{"no kind", "POST", "/workspaces/acme/mentions", map[string]any{"mentions": []any{map[string]any{"source_kind": "某论坛", "text": "x", "published_at": "2026-01-02"}}}, 422,
			[]string{`"field": "mentions[0].source_kind"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h.checkAPI(t, tt.method, tt.path, owner.token, tt.body, tt.status, tt.contains, nil)
		})
	}
}
