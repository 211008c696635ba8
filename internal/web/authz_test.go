package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/demo"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/report"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestAuthz walks every route of the mux (Server.mux.patterns), so that a
// route added without its checks fails here:
//
//   - a member of another workspace gets 404 for every workspace route,
//     whether the workspace or only an object of it (a link, a topic, a
//     member, a token …) is another's, in the path, a form or a body;
//   - a read-only member (an analyst, an approver, an agent), signed in
//     or by token, and an owner's token limited to their role, get 403
//     for every change but the few of their own (readOnlyMay, roleMay)
//     and for every read that needs a permission they lack
//     (refusedReads);
//   - no read shows a source's or an alert channel's secret, not even to
//     the owner;
//   - a signed-in change without its CSRF token gets 403;
//   - a route outside any workspace is one of publicRoutes;
//
// and nothing refused changes anything stored.
func TestAuthz(t *testing.T) {
	w := newAuthzWorld(t)
	routes := workspaceRoutes(w.h.srv)
	t.Run("routes outside a workspace are known", func(t *testing.T) {
		for _, p := range w.h.srv.mux.patterns {
			if !slices.Contains(routes, p) && publicRoutes[p] == "" {
				t.Errorf("%s is in no workspace and not in publicRoutes: say who may call it, and why", p)
			}
		}
		var listed []string
		for _, table := range []map[string]string{publicRoutes, readOnlyMay, refusedReads, foreignBodies} {
			for p := range table {
				listed = append(listed, p)
			}
		}
		for _, ps := range roleMay {
			listed = append(listed, ps...)
		}
		for _, p := range listed {
			if !slices.Contains(w.h.srv.mux.patterns, p) {
				t.Errorf("%s is no route", p)
			}
		}
	})
	t.Run("another workspace", func(t *testing.T) {
		for _, p := range routes {
			// The route on the demo workspace, and on acme with the
			// demo's objects in it.
			m, theirs := w.fill(t, p, demo.Slug)
			_, mixed := w.fill(t, p, "acme")
			paths := []string{theirs}
			if ownsObject(p) {
				paths = append(paths, mixed)
			}
			for _, path := range paths {
				body := w.body(t, p, m, theirs)
				w.expect(t, p, w.otherB, []string{w.other.token}, m, path, body, http.StatusNotFound, "")
			}
		}
	})
	t.Run("another workspace's objects in forms and bodies", func(t *testing.T) {
		for _, c := range foreignRefs {
			path := w.expand(strings.ReplaceAll(c.path, "{ws}", "acme"))
			w.expect(t, c.path, w.otherB, []string{w.other.token}, c.method, path, w.expand(c.body), c.status, c.want)
		}
	})
	for _, role := range []account.Role{account.Analyst, account.Approver, account.Agent} {
		t.Run("read-only "+string(role), func(t *testing.T) {
			ctx := context.Background()
			owner := tenant{email: demo.Email, ws: account.Workspace{Slug: demo.Slug}}
			email := string(role) + "@example.com"
			b := w.h.member(owner, email, role)
			b.get("/w/demo/settings")
			own, _, err := w.h.accounts.CreateToken(ctx, email, demo.Slug, "", string(role))
			must(t, err)
			// An owner's token with the role is no more than a member with it.
			limited, _, err := w.h.accounts.CreateToken(ctx, demo.Email, demo.Slug, role, "limited "+string(role))
			must(t, err)
			w.store.settle(t)
			for _, p := range routes {
				m, path := w.fill(t, p, demo.Slug)
				need, refused := refusedReads[p]
				switch {
				case readOnlyMay[p] != "" || slices.Contains(roleMay[role], p):
					continue
				case !changes(m) && (!refused || role.Can(account.Permission(need))):
					continue
				}
				body := w.body(t, p, m, path)
				w.expect(t, p, b, []string{own, limited}, m, path, body, http.StatusForbidden, "")
			}
		})
	}
	t.Run("secrets", func(t *testing.T) {
		var paths []string
		for _, p := range routes {
			if m, path := w.fill(t, p, demo.Slug); m == http.MethodGet {
				paths = append(paths, path)
			}
		}
		for _, path := range append(paths, w.editors...) {
			for _, tok := range []string{"", w.ownerToken} {
				if tok != "" && !isAPI(path) {
					continue
				}
				_, out := w.call(t, w.owner, tok, http.MethodGet, path, "", true)
				for _, secret := range w.secrets {
					if strings.Contains(out, secret) || strings.Contains(out, url.QueryEscape(secret)) {
						t.Errorf("GET %s shows the secret %q", path, secret)
					}
				}
			}
		}
		w.store.settle(t)
	})
	t.Run("csrf", func(t *testing.T) {
		for _, p := range w.h.srv.mux.patterns {
			if publicRoutes[p] != "" && !sessionForms[p] {
				continue
			}
			m, path := w.fill(t, p, demo.Slug)
			if !changes(m) {
				continue
			}
			status, out := w.call(t, w.owner, "", m, path, w.body(t, p, m, path), false)
			if status != http.StatusForbidden {
				t.Errorf("%s without its CSRF token: %d, want 403: %.200s", p, status, out)
			}
			w.store.unchanged(t, p+" without its CSRF token")
		}
	})
}

// publicRoutes are the routes outside any workspace, and who may call them.
var publicRoutes = map[string]string{
	"/":                           "anyone: the not-found page",
	"GET /{$}":                    "anyone: the home page sends to sign-in or a workspace",
	"GET /healthz":                "probes",
	"GET /readyz":                 "probes",
	"GET /metrics":                "Prometheus, with --metrics-token when set",
	"GET /static/{sum}/{path...}": "anyone: embedded files",
	"GET /favicon.ico":            "anyone",
	"GET /api/v1/openapi.json":    "anyone: the API's document",
	"GET /setup":                  "the first user, with the setup token, while no user exists",
	"POST /setup":                 "the first user, with the setup token, while no user exists",
	"GET /login":                  "anyone",
	"POST /login":                 "anyone, throttled",
	"POST /logout":                "the signed-in user, their own session",
	"POST /lang":                  "anyone: the language cookie, and a signed-in user's own locale",
	"GET /l/{code}":               "anyone: a short link's redirect",
	"OPTIONS /api/v1/collect":     "landing pages: CORS preflight",
	"POST /api/v1/collect":        "landing pages, with their workspace's public key",
	"GET /t.js":                   "landing pages: the snippet",
	"GET /api/v1/workspaces":      "a signed-in user's workspaces, or a token's own one",
}

// sessionForms are the public routes' forms that change what a browser's
// session is or does, so they too need their CSRF token.
var sessionForms = map[string]bool{"POST /setup": true, "POST /login": true, "POST /logout": true, "POST /lang": true}

// readOnlyMay are the changes a read-only member makes, to their own
// things; the walk leaves them out.
var readOnlyMay = map[string]string{
	"POST /w/{ws}/settings/tokens":               "tokens.manage: their own tokens, no more than their role",
	"POST /w/{ws}/settings/tokens/{id}/revoke":   "tokens.manage: their own tokens",
	"POST /api/v1/workspaces/{ws}/tokens":        "tokens.manage: their own tokens, no more than their role",
	"DELETE /api/v1/workspaces/{ws}/tokens/{id}": "tokens.manage: their own tokens",
	"POST /w/{ws}/account/password/rotate":       "their own password",
	"POST /w/{ws}/account/sessions/revoke":       "their own sessions",
}

// roleMay are the changes a role of those the walk tries may make beyond
// readOnlyMay.
var roleMay = map[account.Role][]string{
	account.Agent: {"POST /api/v1/workspaces/{ws}/conversions/inquiry"}, // inbox.reply: a conversation was an inquiry
}

// refusedReads are the pages and reads that need a permission, and which:
// the forms of new objects, reports and what is for admins.
var refusedReads = map[string]string{
	"GET /w/{ws}/evaluation":                               "reports.read",
	"GET /w/{ws}/conversions":                              "reports.read",
	"GET /api/v1/workspaces/{ws}/conversions":              "reports.read",
	"GET /api/v1/workspaces/{ws}/funnel":                   "reports.read",
	"GET /w/{ws}/audit":                                    "audit.read",
	"GET /api/v1/workspaces/{ws}/audit":                    "audit.read",
	"GET /api/v1/workspaces/{ws}/invitations":              "members.manage",
	"GET /w/{ws}/brand/products/new":                       "brand.edit",
	"GET /w/{ws}/brand/personas/new":                       "brand.edit",
	"GET /w/{ws}/brand/competitors/new":                    "brand.edit",
	"GET /w/{ws}/brand/team/new":                           "brand.edit",
	"GET /w/{ws}/brand/amplifiers/new":                     "brand.edit",
	"GET /w/{ws}/strategy/campaigns/{id}/phases/new":       "strategy.edit",
	"GET /w/{ws}/strategy/campaigns/{id}/targets/new":      "strategy.edit",
	"GET /w/{ws}/strategy/campaigns/{id}/budget-lines/new": "strategy.edit",
}

// foreignBodies are bodies a change would take, so that it reaches the
// lookup of the object in its path rather than stopping at a missing
// field; an API change without one sends what a GET of its path answers.
var foreignBodies = map[string]string{
	"PUT /api/v1/workspaces/{ws}/mentions/{id}/sentiment": `{"label":"positive"}`,
	"PUT /api/v1/workspaces/{ws}/alert-rules/{id}":        `{"name":"x","kind":"volume_spike","threshold":3,"quiet_minutes":60,"channels":[]}`,
	"PATCH /api/v1/workspaces/{ws}/alert-rules/{id}":      `{"enabled":false}`,
	"PATCH /api/v1/workspaces/{ws}/links/{id}":            `{"label":"x"}`,
	"PATCH /api/v1/workspaces/{ws}/sources/{id}":          `{"name":"x"}`,
	"PUT /api/v1/workspaces/{ws}/campaigns/{id}/mix":      `[]`,
	"PUT /api/v1/workspaces/{ws}/campaigns/{id}/hours":    `[]`,
	"POST /w/{ws}/brand/products/{id}":                    "name=x",
	"POST /w/{ws}/brand/personas/{id}":                    "name=x",
	"POST /w/{ws}/brand/competitors/{id}":                 "name=x",
	"POST /w/{ws}/brand/team/{id}":                        "name=x",
	"POST /w/{ws}/brand/amplifiers/{id}":                  "name=x&kind=kol",
	"POST /w/{ws}/listening/mentions/{id}/sentiment":      "label=positive",
	"POST /lang":  "lang=en",
	"POST /login": "email=" + url.QueryEscape(demo.Email) + "&password=" + demo.Password,
}

// foreignRefs name the demo's objects ({campaigns}, {personas} …) in a
// request on acme: in a form, a body or a query. A change must be
// refused with status, for the reason want names (the field refused); a
// read (status 0) must show nothing of theirs.
var foreignRefs = []struct {
	method, path, body string
	status             int
	want               string
}{
	{"POST", "/w/{ws}/links", "destination=https://shop.example/&campaign_id={campaigns}", http.StatusUnprocessableEntity, `name="campaign_id" aria-invalid="true"`},
	{"POST", "/w/{ws}/links/preview", "destination=https://shop.example/&campaign_id={campaigns}", 0, ""},
	{"POST", "/api/v1/workspaces/{ws}/links", `{"destination":"https://shop.example/","campaign_id":{campaigns}}`, http.StatusNotFound, `"not_found"`},
	{"POST", "/w/{ws}/listening/topics", "id={topics}&name=x&kind=brand&query=x", http.StatusNotFound, ""},
	{"POST", "/api/v1/workspaces/{ws}/topics", `{"name":"x","kind":"competitor","query":"x","competitor_id":{competitors}}`, http.StatusUnprocessableEntity, `"field": "competitor_id"`},
	{"POST", "/api/v1/workspaces/{ws}/alert-rules", `{"name":"x","kind":"volume_spike","threshold":3,"quiet_minutes":60,"channels":[],"topic_id":{topics}}`, http.StatusUnprocessableEntity, `"field": "topic_id"`},
	{"POST", "/w/{ws}/listening/rules", "name=x&kind=volume_spike&threshold=3&quiet_minutes=60&topic_id={topics}", http.StatusUnprocessableEntity, `name="topic_id" aria-invalid="true"`},
	{"POST", "/api/v1/workspaces/{ws}/campaigns", `{"name":"x","objective":"sales","start":"2026-01-01","end":"2026-02-01","persona_ids":[{personas}],"product_ids":[{products}],"owner_id":{team}}`, http.StatusUnprocessableEntity, `"field": "persona_ids[0]"`},
	{"POST", "/api/v1/workspaces/{ws}/campaigns/from-template", `{"name":"x","objective":"sales","start":"2026-01-01","end":"2026-02-01","persona_ids":[{personas}]}`, http.StatusUnprocessableEntity, `"field": "persona_ids[0]"`},
	{"POST", "/w/{ws}/strategy/campaigns/from-template", "name=x&objective=sales&start=2026-01-01&end=2026-02-01&persona_ids={personas}", http.StatusUnprocessableEntity, `id="tpl-persona_ids-err"`},
	{"PUT", "/api/v1/workspaces/{ws}/campaigns/{own-campaign}/hours", `[{"member_id":{team},"hours_per_week":1}]`, http.StatusUnprocessableEntity, `"field": "[0].member_id"`},
	{"POST", "/api/v1/workspaces/{ws}/campaigns/{own-campaign}/budget-lines", `{"kind":"kol_fee","description":"x","resource_id":{amplifiers}}`, http.StatusUnprocessableEntity, `"field": "resource_id"`},
	{"POST", "/api/v1/workspaces/{ws}/conversions/inquiry", `{"campaign_id":{campaigns}}`, http.StatusNotFound, `"not_found"`},
	{"POST", "/api/v1/workspaces/{ws}/mentions", `{"mentions":[{"source_id":{sources},"external_id":"x","url":"https://x.example/1","author":"a","text":"x","published_at":"2026-01-01T00:00:00Z"}]}`, http.StatusUnprocessableEntity, `"field": "mentions[0].source_id"`},
	{"POST", "/w/{ws}/settings/invitations/delete", "email={email}", http.StatusNotFound, ""},
	{"DELETE", "/api/v1/workspaces/{ws}/members/{members}", "", http.StatusNotFound, ""},
	{"GET", "/api/v1/workspaces/{ws}/platforms/fit?persona={personas}&objective=sales", "", http.StatusNotFound, ""},
	{"GET", "/w/{ws}/platforms/fit?persona={personas}&objective=sales", "", 0, ""},
	{"GET", "/api/v1/workspaces/{ws}/insights/sentiment?topic={topics}", "", 0, ""},
	{"GET", "/api/v1/workspaces/{ws}/mentions?topic={topics}", "", 0, ""},
	{"GET", "/api/v1/workspaces/{ws}/links?campaign_id={campaigns}", "", 0, ""},
	{"GET", "/w/{ws}/listening?edit={topics}&rule={rules}", "", 0, ""},
	{"GET", "/w/{ws}/listening/insights?topic={topics}", "", 0, ""},
	{"GET", "/w/{ws}/links?campaign={campaigns}", "", 0, ""},
	{"GET", "/w/{ws}/conversions?campaign={campaigns}", "", 0, ""},
}

// authzWorld is the demo workspace, with one object of every kind a route
// names, and a second workspace whose owner tries the demo's objects.
type authzWorld struct {
	h *harness
	// ids fills a route's parameters with the demo's objects (see fill);
	// "own-campaign" is acme's own.
	ids map[string]string
	// marks are texts only the demo workspace's objects hold; no answer
	// to another workspace's member may show one.
	marks []string
	// owner is the demo's owner, signed in; its token acts as the owner.
	owner      *browser
	ownerToken string
	// other owns the workspace "acme"; otherB is them signed in.
	other  tenant
	otherB *browser
	// store tells what a request changed.
	store *storage
	// secrets are the demo's sources' and alert channels' secrets, which
	// no answer shows, not even to the owner; editors are the pages that
	// open each alert rule's.
	secrets, editors []string
}

func newAuthzWorld(t *testing.T) *authzWorld {
	t.Helper()
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	catalog, err := platform.Load()
	must(t, err)
	_, err = demo.Load(ctx, demo.Deps{Accounts: h.accounts, Brand: h.brand, Platforms: platform.NewService(catalog, h.db),
		Campaigns: h.campaigns, Listen: h.listen, Alerts: h.db, Sources: h.db, Audit: h.db})
	must(t, err)
	ws := demoWorkspaceID(t, h, demo.Slug)
	w := &authzWorld{h: h, ids: map[string]string{}, other: h.tenant("acme", account.Owner)}
	w.owner = h.browser()
	w.owner.login(demo.Email, demo.Password)
	w.ownerToken, _, err = h.accounts.CreateToken(ctx, demo.Email, demo.Slug, "", "owner")
	must(t, err)
	put := func(key string, id int64, mark string) {
		t.Helper()
		if id == 0 {
			t.Fatalf("the demo has no %s", key)
		}
		w.ids[key] = strconv.FormatInt(id, 10)
		if mark != "" {
			w.marks = append(w.marks, mark)
		}
	}
	products, err := h.brand.Products.List(ctx, ws)
	must(t, err)
	put("products", products[0].ID, products[0].Name)
	personas, err := h.brand.Personas.List(ctx, ws)
	must(t, err)
	put("personas", personas[0].ID, personas[0].Name)
	competitors, err := h.brand.Competitors.List(ctx, ws)
	must(t, err)
	put("competitors", competitors[0].ID, competitors[0].Name)
	team, err := h.brand.Team.List(ctx, ws)
	must(t, err)
	put("team", team[0].ID, team[0].Name)
	amps, err := h.brand.Amplifiers.List(ctx, ws)
	must(t, err)
	put("amplifiers", amps[0].ID, amps[0].Name)
	camps, err := h.campaigns.List(ctx, ws)
	must(t, err)
	c := camps[0]
	for _, cc := range camps {
		if len(cc.Phases) > 0 && len(cc.Targets) > 0 && len(cc.BudgetLines) > 0 {
			c = cc
		}
	}
	if len(c.Phases) == 0 || len(c.Targets) == 0 || len(c.BudgetLines) == 0 {
		t.Fatal("no demo campaign has phases, targets and budget lines")
	}
	put("campaigns", c.ID, c.Name)
	put("phases", c.Phases[0].ID, "")
	put("targets", c.Targets[0].ID, "")
	put("budget-lines", c.BudgetLines[0].ID, "")
	l, err := h.links.Create(ctx, ws, link.Input{Destination: "https://demo-only.example.com/landing", Label: "demo-only-link"})
	must(t, err)
	put("links", l.ID, "demo-only.example.com")
	topics, err := h.listen.Topics(ctx, ws)
	must(t, err)
	put("topics", topics[0].ID, topics[0].Name)
	ms, err := h.listen.Mentions(ctx, ws, listen.MentionFilter{Limit: 1})
	must(t, err)
	put("mentions", ms[0].ID, "")
	srcs, err := h.srv.Sources.List(ctx, ws)
	must(t, err)
	put("sources", srcs[0].ID, srcs[0].Name)
	rules, err := h.srv.Alerts.Rules(ctx, ws)
	must(t, err)
	put("rules", rules[0].ID, rules[0].Name)
	for _, r := range rules {
		w.editors = append(w.editors, fmt.Sprintf("/w/%s/listening?rule=%d", demo.Slug, r.ID))
		for _, c := range r.Channels {
			u, err := url.Parse(c.URL)
			must(t, err)
			for _, vs := range u.Query() {
				w.secrets = append(w.secrets, vs...)
			}
			if c.Secret != "" {
				w.secrets = append(w.secrets, c.Secret)
			}
		}
	}
	for _, src := range srcs {
		for k, v := range src.Config {
			if source.IsSecret(k) && v != "" {
				w.secrets = append(w.secrets, v)
			}
		}
	}
	if len(w.secrets) == 0 {
		t.Fatal("the demo has no secrets")
	}
	put("alert-rules", rules[0].ID, "")
	alerts, err := h.srv.Alerts.Alerts(ctx, ws, alert.Filter{Limit: 1})
	must(t, err)
	put("alerts", alerts[0].ID, "")
	tokens, err := h.db.Tokens(ctx, ws)
	must(t, err)
	put("tokens", tokens[0].ID, "")
	u, err := h.accounts.UserByEmail(ctx, demo.Email)
	must(t, err)
	put("members", u.ID, "")
	invs, err := h.db.Invitations(ctx, ws)
	must(t, err)
	if len(invs) == 0 {
		t.Fatal("the demo has no invitation")
	}
	w.ids["email"] = invs[0].Email
	w.ids["key"] = catalog.Keys()[0]
	w.ids["ws"] = demo.Slug
	own, err := h.campaigns.Create(ctx, w.other.ws.ID, campaign.Campaign{Name: "acme's own", Objective: "sales", Start: "2026-01-01", End: "2026-02-01"})
	must(t, err)
	w.ids["own-campaign"] = strconv.FormatInt(own.ID, 10)
	w.otherB = h.signedIn(w.other)
	w.otherB.get("/w/acme/settings")
	w.owner.get("/w/demo/settings")
	w.store = &storage{db: h.db.WriteDB()}
	w.store.settle(t)
	return w
}

// expand puts the demo's objects into s's names of them ({campaigns}).
func (w *authzWorld) expand(s string) string {
	for k, v := range w.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// ownsObject says a route names an object of its workspace besides the
// workspace: a platform's key is the catalog's, the same in every one.
func ownsObject(pattern string) bool {
	return strings.Count(pattern, "{") > 1 && !strings.Contains(pattern, "{key}")
}

// fill puts values into a route pattern's parameters: {ws} is ws, and an
// object's id is found by the parameter's name or, for {id} and {item},
// by the collection before it ("links/{id}" is the demo's link).
func (w *authzWorld) fill(t *testing.T, pattern, ws string) (method, path string) {
	t.Helper()
	method, path, _ = strings.Cut(pattern, " ")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		name, ok := strings.CutPrefix(s, "{")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, "}")
		key := map[string]string{"phase": "phases", "target": "targets", "line": "budget-lines"}[name]
		switch {
		case name == "ws":
			segs[i] = ws
			continue
		case key != "":
		case name == "id" || name == "item":
			key = segs[i-1]
		default:
			key = name
		}
		v, ok := w.ids[key]
		if !ok {
			t.Fatalf("%s: no value for {%s}: add the demo's object to newAuthzWorld", pattern, name)
		}
		segs[i] = url.PathEscape(v)
	}
	return method, strings.Join(segs, "/")
}

// workspaceRoutes are the patterns of the mux under a workspace: its pages
// and its API.
func workspaceRoutes(s *Server) []string {
	var out []string
	for _, p := range s.mux.patterns {
		if strings.Contains(p, "/w/{ws}") || strings.Contains(p, "/api/v1/workspaces/{ws}") {
			out = append(out, p)
		}
	}
	return out
}

func changes(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

func isAPI(path string) bool { return strings.HasPrefix(path, "/api/v1/") }

// body is what a route's request carries: foreignBodies', else for an API
// change what a GET of the demo's path answers its owner, without the
// fields a client does not send.
func (w *authzWorld) body(t *testing.T, pattern, method, demoPath string) string {
	t.Helper()
	if b, ok := foreignBodies[pattern]; ok {
		return b
	}
	if !isAPI(demoPath) || !changes(method) || method == http.MethodDelete {
		return ""
	}
	if method == http.MethodPut || method == http.MethodPatch {
		status, got := w.call(t, nil, w.ownerToken, http.MethodGet, demoPath, "", false)
		// The demo's owner may store what a read makes on first use.
		w.store.settle(t)
		if status == http.StatusOK {
			var v map[string]any
			if json.Unmarshal([]byte(got), &v) == nil {
				for _, k := range []string{"id", "created_at", "updated_at", "version"} {
					delete(v, k)
				}
				out, _ := json.Marshal(v)
				return string(out)
			}
		}
	}
	return "{}"
}

// call sends a request: a page's as the browser b, with body as its form
// and b's CSRF token when csrf is set; the API's with token, or as b's
// session (and its CSRF header when csrf is set) when token is empty.
func (w *authzWorld) call(t *testing.T, b *browser, token, method, path, body string, csrf bool) (int, string) {
	t.Helper()
	if !isAPI(path) && changes(method) {
		form, err := url.ParseQuery(body)
		must(t, err)
		if csrf {
			form.Set("csrf", b.csrf)
		}
		body = form.Encode()
	}
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.h.ts.URL+path, r)
	must(t, err)
	req.Header.Set("Accept-Language", "en")
	switch {
	case !isAPI(path):
		if changes(method) {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		must(t, err)
		return resp.StatusCode, string(out)
	case csrf:
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	status, out, _ := b.send(req, nil)
	return status, out
}

// expect calls a route as b, and for the API also with each token, and
// checks the status (any for 0) and that the answer says want, shows
// nothing of the demo workspace's (marks) when another workspace's member
// asks, and changed nothing stored unless the route is a read.
func (w *authzWorld) expect(t *testing.T, pattern string, b *browser, tokens []string, method, path, body string, status int, want string) {
	t.Helper()
	if !isAPI(path) {
		tokens = nil
	}
	for _, tok := range append([]string{""}, tokens...) {
		as := "signed in"
		if tok != "" {
			as = "by token"
		}
		got, out := w.call(t, b, tok, method, path, body, true)
		if status != 0 && got != status {
			t.Errorf("%s %s %s: %d, want %d: %.300s", as, method, path, got, status, out)
		}
		if !strings.Contains(out, want) {
			t.Errorf("%s %s %s does not say %s: %.300s", as, method, path, want, out)
		}
		if b == w.otherB {
			for _, m := range w.marks {
				if strings.Contains(out, m) || strings.Contains(out, html.EscapeString(m)) {
					t.Errorf("%s %s %s shows the demo's %q", as, method, path, m)
				}
			}
		}
		if status == 0 {
			// A read may store what it makes on first use (a
			// workspace's public key).
			w.store.settle(t)
			continue
		}
		w.store.unchanged(t, fmt.Sprintf("%s %s %s (%s)", as, method, path, pattern))
	}
}

// storage tells whether a request changed what is stored. Every write goes
// through the one writer connection, whose total_changes() counts the
// rows written; only when it moved is every table compared, left out
// those a request changes by being made (sessions, the audit log,
// sign-in failures, a token's last use).
type storage struct {
	db      *sql.DB
	changes int64
	digest  map[string]string
}

func (s *storage) count(t *testing.T) int64 {
	t.Helper()
	var n int64
	must(t, s.db.QueryRowContext(context.Background(), `SELECT total_changes()`).Scan(&n))
	return n
}

// settle takes what is stored now as what must not change. Nothing was
// written since the last snapshot while the count stays: hashing every
// table again after each read took half the test's time.
func (s *storage) settle(t *testing.T) {
	t.Helper()
	if n := s.count(t); n != s.changes || s.digest == nil {
		s.changes, s.digest = n, s.snapshot(t)
	}
}

// unchanged fails when what is stored changed since settle, and settles.
func (s *storage) unchanged(t *testing.T, what string) {
	t.Helper()
	n := s.count(t)
	if n == s.changes {
		return
	}
	after := s.snapshot(t)
	for table, sum := range after {
		if s.digest[table] != sum {
			t.Errorf("%s changed table %s", what, table)
		}
	}
	s.changes, s.digest = n, after
}

func (s *storage) snapshot(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND name NOT IN ('sessions', 'audit_log', 'sign_in_failures', 'schema_migrations')`)
	must(t, err)
	var tables []string
	for rows.Next() {
		var n string
		must(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	must(t, rows.Close())
	out := map[string]string{}
	for _, table := range tables {
		rs, err := s.db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		must(t, err)
		cols, err := rs.Columns()
		must(t, err)
		sum := sha256.New()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rs.Next() {
			must(t, rs.Scan(ptrs...))
			for i, v := range vals {
				if table != "api_tokens" || cols[i] != "last_used_at" {
					fmt.Fprintf(sum, "%d:%s|", len(v), v)
				}
			}
		}
		must(t, rs.Err())
		must(t, rs.Close())
		out[table] = hex.EncodeToString(sum.Sum(nil))
	}
	return out
}

// TestPlanActualsNeedReadReports: a campaign plan's actuals (revenue, ROI)
// are report figures, for the roles that read reports, as the funnel is.
// An agent got them from the plan's API, its workbook and its page while
// the funnel refused them.
func TestPlanActualsNeedReadReports(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	acme := newConvFixture(t, h, "acme")
	cid := clickThrough(t, h, acme.link)
	if status, out, _ := collect(t, h, payload("key", acme.key, "event", "purchase", "cid", cid, "value", 4321, "order_id", "o-1"),
		map[string]string{"Origin": "https://shop.example"}); status != http.StatusOK || out["attributed"] != true {
		t.Fatalf("collect: status %d: %v", status, out)
	}
	_, err := h.campaigns.AddTarget(ctx, acme.tn.ws.ID, acme.campaign, campaign.Target{Metric: "revenue", Value: 9000})
	must(t, err)
	owner := account.Principal{User: account.User{ID: 1}, Workspace: acme.tn.ws, Role: account.Owner}
	for _, tt := range []struct {
		role  account.Role
		shown bool
	}{{account.Agent, false}, {account.Analyst, true}} {
		t.Run(string(tt.role), func(t *testing.T) {
			tok, _, err := h.accounts.NewToken(ctx, owner, tt.role, string(tt.role))
			must(t, err)
			status, out := h.api("GET", fmt.Sprintf("/workspaces/acme/campaigns/%d/plan", acme.campaign), tok, nil)
			if status != http.StatusOK {
				t.Fatalf("plan: status %d: %s", status, jsonText(out))
			}
			if got := strings.Contains(jsonText(out), `"actual": 4321`); got != tt.shown {
				t.Errorf("plan API shows the revenue: %v, want %v: %s", got, tt.shown, jsonText(out))
			}
			b := h.member(acme.tn, string(tt.role)+"@acme.test", tt.role)
			_, page := b.get(fmt.Sprintf("/w/acme/strategy/campaigns/%d", acme.campaign))
			if got := strings.Contains(section(page, `id="kpi-table"`, "</table>"), "4,321"); got != tt.shown {
				t.Errorf("plan page shows the revenue: %v, want %v", got, tt.shown)
			}
			// The page says why, where it says when actuals are pending.
			hidden := html.EscapeString(h.srv.cat.T("zh-CN", "strategy.actual_reports_only", nil))
			if got := strings.Contains(section(page, `id="actual-note"`, "</p>"), hidden); got == tt.shown {
				t.Errorf("plan page says actuals are for report readers: %v, want %v", got, !tt.shown)
			}
			status, book, _ := b.do("GET", fmt.Sprintf("/w/acme/strategy/campaigns/%d/plan.xlsx", acme.campaign), nil, nil)
			if status != http.StatusOK {
				t.Fatalf("plan.xlsx: status %d", status)
			}
			x, err := excelize.OpenReader(strings.NewReader(book))
			must(t, err)
			defer x.Close()
			sheet, err := x.GetRows(report.SheetKPI)
			must(t, err)
			got := slices.ContainsFunc(sheet, func(r []string) bool { return slices.Contains(r, "4,321.00") })
			if got != tt.shown {
				t.Errorf("plan.xlsx shows the revenue: %v, want %v: %v", got, tt.shown, sheet)
			}
		})
	}
}
