package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestSignInAndPages(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	seed(t, h, owner.ws.ID)

	anon := h.browser()
	if status, _ := anon.get("/w/acme/brand"); status != http.StatusSeeOther {
		t.Errorf("anonymous brand page: status %d, want redirect to sign-in", status)
	}
	anon.get("/login")
	status, body, _ := anon.post("/login", url.Values{"email": {owner.email}, "password": {"wrong password!"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, `id="login-error"`) {
		t.Errorf("wrong password: status %d", status)
	}
	status, _, _ = anon.post("/login", url.Values{"email": {owner.email}, "password": {owner.password}, "csrf": {"forged"}})
	if status != http.StatusForbidden {
		t.Errorf("login with forged CSRF: status %d, want 403", status)
	}

	b := h.signedIn(owner)
	pages := []struct {
		path     string
		status   int
		contains []string
	}{
		{"/", http.StatusSeeOther, nil},
		{"/w/acme/brand", 200, []string{"Oolong", "Xiaomei", "Rival", `data-section="platforms"`}},
		{"/w/acme/brand/products", 200, []string{"Oolong"}},
		{"/w/acme/brand/personas/new", 200, []string{`name="gender.female"`, `name="age_bands"`}},
		{"/w/acme/brand/profile", 200, []string{`name="tone.words_to_use"`}},
		{"/w/acme/brand/budget", 200, []string{`value="CNY"`}},
		{"/w/acme/platforms", 200, []string{"xiaohongshu", `data-chart=`, "Xiaomei"}},
		{"/w/acme/platforms/weibo", 200, []string{`id="sources"`}},
		{"/w/acme/platforms/myspace", 404, nil},
		{"/w/acme/settings", 200, []string{`id="members"`, `id="tokens"`, `<option value="editor" selected>`}},
		{"/w/acme/audit", 200, nil},
		{"/w/acme/strategy", 200, []string{`data-section="listening"`}},
		{"/w/acme/listening", 200, []string{`id="mentions"`, `id="topics"`}},
		{"/w/other/brand", 404, nil},
		{"/w/nope/brand", 404, nil},
	}
	for _, p := range pages {
		t.Run(p.path, func(t *testing.T) {
			status, body := b.get(p.path)
			if status != p.status {
				t.Fatalf("status %d, want %d", status, p.status)
			}
			for _, c := range p.contains {
				if !strings.Contains(body, c) {
					t.Errorf("page lacks %q", c)
				}
			}
			if strings.Contains(body, other.ws.Name) {
				t.Errorf("page shows the other workspace's name")
			}
		})
	}

	b.get("/w/acme/brand/products/new")
	if status, _, _ := b.post("/w/acme/brand/products", url.Values{"name": {"x"}, "csrf": {"forged"}}); status != http.StatusForbidden {
		t.Errorf("post with forged CSRF: status %d, want 403", status)
	}
	status, body, _ = b.post("/w/acme/brand/personas", url.Values{"name": {"P<script>"}, "gender.female": {"50"}, "gender.male": {"30"}, "weekly_hours": {"x"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `class="field-error"`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("bad persona: status %d, want 422 with field errors", status)
	}
	if strings.Contains(body, "P<script>") || !strings.Contains(body, "P&lt;script&gt;") {
		t.Errorf("typed value not escaped when shown again")
	}
	status, body, _ = b.post("/w/acme/brand/personas", url.Values{"name": {"Tester"}, "gender.female": {"abc"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-gender.female-err"`) {
		t.Errorf("non-numeric gender: status %d", status)
	}
	status, _, hdr := b.post("/w/acme/brand/products", url.Values{"name": {"新品"}, "selling_points": {"one\ntwo\n\n"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/w/acme/brand/products" {
		t.Fatalf("create product: status %d", status)
	}
	_, body = b.get("/w/acme/brand/products")
	if !strings.Contains(body, "新品") {
		t.Errorf("created product not listed")
	}

	// An htmx request gets only the fit partial.
	ctx := context.Background()
	personas, _ := h.brand.Personas.List(ctx, owner.ws.ID)
	status, body, _ = b.do("GET", "/w/acme/platforms/fit?objective=voice&persona="+itoa64(personas[0].ID), nil, map[string]string{"HX-Request": "true"})
	if status != 200 || !strings.HasPrefix(strings.TrimSpace(body), `<div id="fit-result">`) || strings.Contains(body, "<html") {
		t.Errorf("htmx fit partial: status %d, body starts %.60q", status, body)
	}

	// Language: chosen once, remembered for the user.
	b.get("/w/acme/brand")
	if status, _, _ := b.post("/lang", url.Values{"lang": {"en"}, "next": {"/w/acme/brand"}}); status != http.StatusSeeOther {
		t.Fatalf("switch language: status %d", status)
	}
	u, err := h.accounts.UserByEmail(ctx, owner.email)
	must(t, err)
	if u.Locale != "en" {
		t.Errorf("locale not remembered: %q", u.Locale)
	}
	_, body = b.get("/w/acme/brand")
	if !strings.Contains(body, `<html lang="en">`) {
		t.Errorf("page not in English after switching")
	}

	// The audit log shows the change in words, who made it and from where.
	_, body = b.get("/w/acme/audit")
	if !strings.Contains(body, "Create product") || !strings.Contains(body, owner.email) {
		t.Errorf("audit log lacks the product creation")
	}
	// On a phone it stacks, an entry a block, each value after its
	// column's name: five columns do not fit.
	if !strings.Contains(body, `<table class="small stack" id="audit-log">`) || !strings.Contains(body, `<td data-label="Action" title="POST /w/{ws}/brand/products">Create product</td>`) {
		t.Errorf("the audit log does not stack on a phone: %s", section(body, `id="audit-log"`, "</tr>"))
	}

	// Signing out ends the session.
	b.get("/w/acme/brand")
	b.post("/logout", nil)
	if status, _ := b.get("/w/acme/brand"); status != http.StatusSeeOther {
		t.Errorf("after logout: status %d, want redirect", status)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

var staticRef = regexp.MustCompile(`/static/[0-9a-f]{8}/app\.css`)

func TestAnonymousLanguage(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.tenant("acme", account.Owner)
	b := h.browser()
	tests := []struct {
		name, header, want string
	}{
		{"default is Chinese", "", `lang="zh-CN"`},
		{"English browser", "en-US,en;q=0.9", `lang="en"`},
		{"Chinese browser", "zh-TW,zh;q=0.9", `lang="zh-CN"`},
		{"unknown language", "fr-FR", `lang="zh-CN"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body, _ := b.do("GET", "/login", nil, map[string]string{"Accept-Language": tt.header})
			if !strings.Contains(body, tt.want) {
				t.Errorf("page lacks %s", tt.want)
			}
		})
	}
}

func TestFirstRunSetup(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	token, err := h.accounts.NewSetupToken(ctx)
	must(t, err)
	b := h.browser()
	if status, body := b.get("/"); status != 200 || !strings.Contains(body, "Chorus") {
		t.Errorf("home before setup: status %d", status)
	}
	if status, _ := b.get("/setup?token=wrong"); status != http.StatusForbidden {
		t.Errorf("setup with a wrong token: status %d, want 403", status)
	}
	if status, _ := b.get("/setup?token=" + token); status != 200 {
		t.Fatalf("setup page: status %d", status)
	}
	form := url.Values{"token": {token}, "email": {"boss@example.com"}, "password": {"short"}, "workspace.name": {"Acme"}, "workspace.slug": {"Acme Tea"}}
	status, body, _ := b.post("/setup", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-password-err"`) || !strings.Contains(body, `id="f-workspace.slug-err"`) {
		t.Errorf("bad setup: status %d, want 422 with password and slug errors", status)
	}
	form.Set("password", "a long enough password")
	form.Set("workspace.slug", "acme")
	form.Set("time_zone", "Asia/Shanghai")
	form.Set("currency", "CNY")
	status, _, _ = b.post("/setup", form)
	if status != http.StatusSeeOther {
		t.Fatalf("setup: status %d", status)
	}
	if status, body := b.get("/w/acme/brand"); status != 200 || !strings.Contains(body, "Acme") {
		t.Errorf("after setup: status %d", status)
	}
	// The token works once.
	b2 := h.browser()
	if status, _ := b2.get("/setup?token=" + token); status != http.StatusForbidden {
		t.Errorf("setup link after use: status %d, want 403", status)
	}
}

func TestOperations(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.tenant("acme", account.Owner) // set up: the sign-in page shows
	b := h.browser()
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, _ := b.get(path); status != 200 {
			t.Errorf("%s: status %d", path, status)
		}
	}
	b.get("/login")
	_, body := b.get("/metrics")
	if !strings.Contains(body, `chorus_http_requests_total{route="GET /login",status="200"}`) {
		t.Errorf("metrics lack the request counter by route: %.300s", body)
	}
	_, body = b.get("/login")
	if m := staticRef.FindStringSubmatch(body); m == nil {
		t.Errorf("no checksummed static URL in page")
	} else if status, _, hdr := b.do("GET", m[0], nil, nil); status != 200 || !strings.Contains(hdr.Get("Cache-Control"), "immutable") {
		t.Errorf("static %s: status %d, cache %q", m[0], status, hdr.Get("Cache-Control"))
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ids := seed(t, h, owner.ws.ID)
	b := h.browser()
	_, body := b.get("/api/v1/openapi.json")
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	n := 0
	for path, methods := range doc.Paths {
		for method, o := range methods {
			n++
			if o["operationId"] == "" || o["summary"] == "" {
				t.Errorf("%s %s lacks operationId or summary", method, path)
			}
			// Every documented operation is routed: with no token it must
			// answer the API's 401, not the mux's 404 or 405. A public
			// operation answers without credentials, so it must only be
			// routed and fail cleanly on the empty request.
			status, resp := h.api(strings.ToUpper(method), fillPath(path, "acme", ids, 1), "", nil)
			if o["x-public"] == true {
				if status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status >= 500 {
					t.Errorf("public %s %s: status %d, want a routed 4xx (%v)", method, path, status, resp)
				}
				continue
			}
			if status != http.StatusUnauthorized {
				t.Errorf("%s %s: status %d, want 401 (%v)", method, path, status, resp)
			}
		}
	}
	if n != len(h.srv.api.ops) || n < 25 {
		t.Errorf("document has %d operations, server registered %d", n, len(h.srv.api.ops))
	}
	checkOpenAPIDetails(t, body)
}

// cleanSchemaName is a schema name a client generator can use as it is;
// the test also refuses the old mangled forms ("WebwebhookRequest",
// "WeblistOfListenMention").
var cleanSchemaName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// checkOpenAPIDetails checks what the document says beyond the routes:
// schema names, the real element type of raw JSON fields, query
// parameters and multipart bodies.
func checkOpenAPIDetails(t *testing.T, body string) {
	t.Helper()
	var doc struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	get := func(v any, path ...string) any {
		for _, k := range path {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		return v
	}
	t.Run("schema names", func(t *testing.T) {
		for name := range doc.Components.Schemas {
			mangled := strings.HasPrefix(name, "Web") && !strings.HasPrefix(name, "Webhook") || strings.Contains(name, "ListOf")
			if !cleanSchemaName.MatchString(name) || mangled {
				t.Errorf("schema name %q is not clean", name)
			}
		}
		for _, want := range []string{"WebhookRequest", "WebhookPost", "ListenMention", "ListenMentionList", "Campaign", "LinkInput", "SourceInput", "APIError"} {
			if doc.Components.Schemas[want] == nil {
				t.Errorf("no schema %q", want)
			}
		}
	})
	t.Run("webhook posts", func(t *testing.T) {
		mentions := get(doc.Components.Schemas["WebhookRequest"], "properties", "mentions")
		if ref := get(mentions, "items", "$ref"); ref != "#/components/schemas/WebhookPost" {
			t.Errorf("mentions items = %v, want a WebhookPost reference", get(mentions, "items"))
		}
		props, _ := get(doc.Components.Schemas["WebhookPost"], "properties").(map[string]any)
		for _, f := range []string{"text", "author", "published_at", "likes"} {
			if props[f] == nil {
				t.Errorf("WebhookPost lacks %q: %v", f, props)
			}
		}
		if get(props, "published_at", "format") == "byte" {
			t.Errorf("published_at documented as bytes: %v", props["published_at"])
		}
		if strings.Contains(body, `"format": "byte"`) {
			t.Errorf("the document still has byte strings (raw JSON documented as base64)")
		}
	})
	t.Run("path ids and images", func(t *testing.T) {
		qr := doc.Paths["/workspaces/{ws}/links/{id}/qr.png"]["get"]
		params, _ := qr["parameters"].([]any)
		types := map[string]any{}
		for _, p := range params {
			types[get(p, "name").(string)] = get(p, "schema", "type")
		}
		if types["id"] != "integer" || types["ws"] != "string" {
			t.Errorf("qr.png path parameters typed %v; want id integer, ws string", types)
		}
		if get(qr, "responses", "200", "content", "image/png") == nil {
			t.Errorf("qr.png answers %v; want image/png", get(qr, "responses", "200"))
		}
		if get(doc.Paths["/workspaces/{ws}/links/{id}/qr.svg"]["get"], "responses", "200", "content", "image/svg+xml") == nil {
			t.Errorf("qr.svg is not documented as image/svg+xml")
		}
	})
	t.Run("query parameters", func(t *testing.T) {
		want := map[string][]string{
			"/workspaces/{ws}/links":                   {"campaign_id", "channel"},
			"/workspaces/{ws}/links/{id}/stats":        {"from", "to"},
			"/workspaces/{ws}/links/{id}/qr.png":       {"size"},
			"/workspaces/{ws}/conversions":             {"event", "campaign", "limit", "before"},
			"/workspaces/{ws}/funnel":                  {"from", "to", "campaign", "channel", "model", "by"},
			"/workspaces/{ws}/mentions":                {"from", "to", "topic", "sentiment", "source", "lang", "q", "limit", "before"},
			"/workspaces/{ws}/alerts":                  {"unread", "before", "limit"},
			"/workspaces/{ws}/audit":                   {"before", "limit"},
			"/workspaces/{ws}/insights/hot-terms":      {"from", "to", "topic"},
			"/workspaces/{ws}/insights/share-of-voice": {"from", "to"},
			"/workspaces/{ws}/insights/sentiment":      {"from", "to", "topic"},
			"/workspaces/{ws}/insights/authors":        {"from", "to", "topic", "limit"},
			"/workspaces/{ws}/insights/sources":        {"from", "to", "topic"},
			"/workspaces/{ws}/insights/cooccurring":    {"from", "to", "topic"},
		}
		for path, names := range want {
			o := doc.Paths[path]["get"]
			if o == nil {
				t.Errorf("no GET %s", path)
				continue
			}
			have := map[string]string{}
			params, _ := o["parameters"].([]any)
			for _, p := range params {
				have[fmt.Sprint(get(p, "name"))] = fmt.Sprint(get(p, "in"))
			}
			for _, n := range append(names, "ws") {
				in := "query"
				if n == "ws" || n == "id" {
					in = "path"
				}
				if have[n] != in {
					t.Errorf("GET %s: parameter %q in %q, want in %s (have %v)", path, n, have[n], in, have)
				}
			}
		}
	})
	t.Run("import bodies", func(t *testing.T) {
		for _, path := range []string{"/workspaces/{ws}/imports", "/workspaces/{ws}/imports/preview"} {
			form := get(doc.Paths[path]["post"], "requestBody", "content", "multipart/form-data")
			if form == nil {
				t.Errorf("POST %s documents no multipart body: %v", path, doc.Paths[path]["post"]["requestBody"])
				continue
			}
			if f := get(form, "schema", "properties", "file", "format"); f != "binary" {
				t.Errorf("POST %s: file format %v, want binary", path, f)
			}
			if req := fmt.Sprint(get(form, "schema", "required")); !strings.Contains(req, "file") {
				t.Errorf("POST %s: required %s, want file", path, req)
			}
			if ct := get(form, "encoding", "mapping", "contentType"); ct != "application/json" {
				t.Errorf("POST %s: mapping content type %v", path, ct)
			}
		}
		if get(doc.Paths["/workspaces/{ws}/imports"]["post"], "requestBody", "content", "multipart/form-data", "schema", "properties", "skip_errors", "type") != "boolean" {
			t.Errorf("POST /imports does not document skip_errors")
		}
	})
}

// TestUnknownPaths: a page that does not exist gets the app's error page,
// titled as not found, in the reader's language; an API path gets the
// API's JSON; a path routed for other methods gets 405.
func TestUnknownPaths(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	member := h.signedIn(owner)
	anon := h.browser()
	tests := []struct {
		name, method, path, lang string
		b                        *browser
		status                   int
		contentType              string
		contains, absent         []string
	}{
		{"unknown workspace page", "GET", "/w/acme/nonexistent", "en", member, 404, "text/html",
			[]string{"<title>Not found · Chorus</title>", "<h1>Not found</h1>", "There is no page at this address", `href="/w/acme/brand"`}, []string{"Something went wrong", "404 page not found"}},
		{"unknown workspace page zh", "GET", "/w/acme/brand/nonexistent/deeper", "zh-CN", anon, 404, "text/html",
			[]string{"<h1>未找到</h1>", "此地址没有对应的页面"}, []string{"出错了", "404 page not found"}},
		{"other workspace", "GET", "/w/other/nonexistent", "en", member, 404, "text/html",
			[]string{"There is no page at this address"}, []string{other.ws.Name, `href="/w/other/`}},
		{"unknown top-level page", "GET", "/nonexistent", "en", anon, 404, "text/html",
			[]string{"<h1>Not found</h1>"}, []string{"404 page not found"}},
		{"missing link", "GET", "/w/acme/links/9999", "en", member, 404, "text/html",
			[]string{"<h1>Not found</h1>", "Link not found."}, []string{"link not found"}},
		{"missing link zh", "GET", "/w/acme/links/9999", "zh-CN", member, 404, "text/html",
			[]string{"找不到该链接。"}, []string{"找不到该link"}},
		{"unknown API path", "GET", "/api/v1/nonexistent", "en", anon, 404, "application/json",
			[]string{`"code": "not_found"`, "no API operation at this path"}, []string{"<html", "404 page not found"}},
		{"unknown workspace API path", "GET", "/api/v1/workspaces/acme/nonexistent", "en", member, 404, "application/json",
			[]string{`"code": "not_found"`}, []string{"<html"}},
		{"method not routed", "DELETE", "/w/acme/brand", "en", member, 405, "text/plain", nil, []string{"<html"}},
		{"API method not routed", "PATCH", "/api/v1/workspaces/acme/brand/profile", "zh-CN", member, 405, "application/json",
			[]string{`"code": "not_allowed"`, "此地址只接受 GET, PUT 请求"}, []string{"Method Not Allowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, hdr := tt.b.do(tt.method, tt.path, nil, map[string]string{"Accept-Language": tt.lang})
			if status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", status, tt.status, body)
			}
			if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.contentType)
			}
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("body lacks %q: %.600s", c, body)
				}
			}
			for _, c := range tt.absent {
				if strings.Contains(body, c) {
					t.Errorf("body has %q", c)
				}
			}
			if status == http.StatusMethodNotAllowed && !strings.Contains(hdr.Get("Allow"), "GET") {
				t.Errorf("Allow = %q, want GET in it", hdr.Get("Allow"))
			}
		})
	}
}

// A column of row buttons has a header a screen reader can name: an empty
// <th> is read as a blank column.
func TestActionColumnsHaveAName(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/brand/products/new")
	if status, _, _ := b.post("/w/acme/brand/products", url.Values{"name": {"新品"}}); status != http.StatusSeeOther {
		t.Fatalf("create product: status %d", status)
	}
	// The listening page's topic and alert rule tables.
	_, err := h.listen.CreateTopic(context.Background(), owner.ws.ID, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	_, err = h.db.CreateAlertRule(context.Background(), owner.ws.ID, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true})
	must(t, err)
	for _, path := range []string{"/w/acme/brand/products", "/w/acme/settings", "/w/acme/listening"} {
		_, body := b.get(path)
		if strings.Contains(body, "<th></th>") || !strings.Contains(body, `<th><span class="visually-hidden">操作</span></th>`) {
			t.Errorf("%s: an action column without a name: %s", path, between(body, "<thead>", "</thead>"))
		}
	}
}
