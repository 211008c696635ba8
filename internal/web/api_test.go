package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// seed gives a workspace one item of every step-1 kind and returns their
// ids by URL segment.
func seed(t *testing.T, h *harness, ws int64) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	b := h.brand
	ids := map[string]int64{}
	p, err := b.Products.Create(ctx, ws, brand.Product{Name: "Oolong"})
	must(t, err)
	ids["products"] = p.ID
	pe, err := b.Personas.Create(ctx, ws, brand.Persona{Name: "Xiaomei", AgeBands: []string{"25-34"}, Gender: brand.GenderSplit{Female: 70, Male: 30},
		CityTiers: []string{"tier1"}, Platforms: []brand.PlatformShare{{Platform: "xiaohongshu", Share: 60}}})
	must(t, err)
	ids["personas"] = pe.ID
	c, err := b.Competitors.Create(ctx, ws, brand.Competitor{Name: "Rival"})
	must(t, err)
	ids["competitors"] = c.ID
	m, err := b.Team.Create(ctx, ws, brand.TeamMember{Name: "Li", WeeklyHours: 20})
	must(t, err)
	ids["team"] = m.ID
	a, err := b.Amplifiers.Create(ctx, ws, brand.Amplifier{Name: "KOL", Kind: "kol", Platform: "weibo"})
	must(t, err)
	ids["amplifiers"] = a.ID
	cp, err := h.campaigns.Create(ctx, ws, campaign.Campaign{Name: "Probe", Objective: "sales", Start: "2026-01-01", End: "2026-01-31", Budget: 100,
		Phases:      []campaign.Phase{{Name: "预热", Start: "2026-01-01", End: "2026-01-10"}},
		Targets:     []campaign.Target{{Metric: "clicks", Value: 1}},
		BudgetLines: []campaign.BudgetLine{{Kind: "other", Planned: 1}}})
	must(t, err)
	ids["campaigns"] = cp.ID
	ids["{phase}"], ids["{target}"], ids["{line}"] = cp.Phases[0].ID, cp.Targets[0].ID, cp.BudgetLines[0].ID
	l, err := h.links.Create(ctx, ws, link.Input{Destination: "https://shop.example.com/", CampaignID: &cp.ID, Channel: "weibo"})
	must(t, err)
	ids["links"] = l.ID
	src, err := h.srv.Sources.Create(ctx, ws, source.Input{Kind: "rss", Name: "Tea news", Config: map[string]string{"url": "https://93.184.215.14/feed.xml"}})
	must(t, err)
	ids["sources"] = src.ID
	tp, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "Rival", Kind: "competitor", Query: "rival", Enabled: true})
	must(t, err)
	ids["topics"] = tp.ID
	res, err := h.listen.Ingest(ctx, ws, []listen.Post{{SourceKind: "webhook", ExternalID: "seed-1", Text: "Rival 的新品不错", PublishedAt: time.Now().Add(-time.Hour)}})
	must(t, err)
	ids["mentions"] = res.IDs[0]
	rule, err := h.db.CreateAlertRule(ctx, ws, listen.AlertRule{Name: "Spike", Kind: "volume_spike", Threshold: 3, Enabled: true})
	must(t, err)
	ids["alert-rules"] = rule.ID
	fired, _, err := h.db.FireAlert(ctx, ws, listen.Alert{RuleID: rule.ID, Kind: "volume_spike", MentionIDs: res.IDs[:1]}, time.Now(), nil)
	must(t, err)
	ids["alerts"] = fired.ID
	return ids
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fillPath puts real values into an operation's path parameters.
func fillPath(path, ws string, ids map[string]int64, tokenID int64) string {
	path = strings.ReplaceAll(path, "{ws}", ws)
	path = strings.ReplaceAll(path, "{key}", "weibo")
	for _, child := range []string{"{phase}", "{target}", "{line}"} {
		path = strings.ReplaceAll(path, child, fmt.Sprint(ids[child]))
	}
	if strings.Contains(path, "/tokens/{id}") {
		return strings.ReplaceAll(path, "{id}", fmt.Sprint(tokenID))
	}
	for seg, id := range ids {
		if strings.Contains(path, "/"+seg+"/{id}") {
			return strings.ReplaceAll(path, "{id}", fmt.Sprint(id))
		}
	}
	return path
}

func sampleBody(o op) any {
	switch {
	case o.Req == nil:
		return nil
	case strings.HasSuffix(o.Path, "/override"):
		return map[string]any{"engagement_rate": map[string]any{"min": 0.01, "max": 0.05}}
	case strings.HasSuffix(o.Path, "/tokens"):
		return map[string]any{"name": "x"}
	case o.Path == "/workspaces/{ws}":
		return map[string]any{"name": "Renamed"}
	}
	return map[string]any{"name": "Probe", "kind": "kol", "currency": "CNY"}
}

// TestTenancyEveryRoute walks every API operation on a workspace as a
// member of another workspace, by token and by session, and must get 404:
// never 403 and never data.
func TestTenancyEveryRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		alpha := h.tenant("alpha", account.Owner)
		beta := h.tenant("beta", account.Owner)
		ids := seed(t, h, alpha.ws.ID)
		alphaTokens, err := h.accounts.Tokens(context.Background(), account.Principal{User: account.User{ID: 1}, Workspace: alpha.ws, Role: account.Owner})
		must(t, err)
		b := h.signedIn(beta)
		b.get("/w/beta/brand")
		walked := 0
		for _, o := range h.srv.api.ops {
			if !strings.Contains(o.Path, "{ws}") {
				continue
			}
			walked++
			path := fillPath(o.Path, "alpha", ids, alphaTokens[0].ID)
			t.Run(o.Method+" "+o.Path, func(t *testing.T) {
				status, body := h.api(o.Method, path, beta.token, sampleBody(o))
				if status != http.StatusNotFound {
					t.Errorf("token of another workspace: status %d, want 404; body %v", status, body)
				}
				var form map[string]string
				if o.Method != "GET" {
					form = map[string]string{"X-CSRF-Token": b.csrf, "Content-Type": "application/json"}
				}
				status, text, _ := b.do(o.Method, "/api/v1"+path, nil, form)
				if status != http.StatusNotFound {
					t.Errorf("session of another workspace: status %d, want 404; body %s", status, text)
				}
			})
		}
		if walked < 20 {
			t.Fatalf("walked %d workspace routes; the API has more", walked)
		}
		// The same routes answer the owner, so the 404s above are about
		// tenancy, not about routes that do not exist.
		for _, o := range h.srv.api.ops {
			if o.Method != "GET" || !strings.Contains(o.Path, "{ws}") {
				continue
			}
			path := fillPath(o.Path, "alpha", ids, 0)
			if strings.HasSuffix(o.Path, "/fit") {
				path += fmt.Sprintf("?persona=%d&objective=sales", ids["personas"])
			}
			if status, body := h.api("GET", path, alpha.token, nil); status != http.StatusOK {
				t.Errorf("owner GET %s: status %d: %v", path, status, body)
			}
		}
	})
}

func TestAPIScenarios(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	analystToken, _, err := h.accounts.NewToken(ctx, account.Principal{User: account.User{ID: 1}, Workspace: owner.ws, Role: account.Owner}, account.Analyst, "read-only")
	must(t, err)
	tests := []struct {
		name     string
		method   string
		path     string
		token    string
		body     any
		status   int
		contains []string
		absent   []string
	}{
		{"no token", "GET", "/workspaces/acme/brand/products", "", nil, 401, []string{`"unauthorized"`}, nil},
		{"bad token", "GET", "/workspaces/acme/brand/products", "chorus_nope", nil, 401, nil, nil},
		{"not bearer", "GET", "/workspaces/acme/brand/products", "", nil, 401, nil, nil},
		{"create product", "POST", "/workspaces/acme/brand/products", owner.token, map[string]any{"name": "铁观音", "price_band": "¥39–59"}, 201, []string{`"name": "铁观音"`, `"selling_points": []`}, []string{"null"}},
		{"list products", "GET", "/workspaces/acme/brand/products", owner.token, nil, 200, []string{"铁观音", `"selling_points": []`}, []string{"null"}},
		{"product without name", "POST", "/workspaces/acme/brand/products", owner.token, map[string]any{"category": "tea"}, 422, []string{`"field": "name"`, `"key": "error.required"`}, nil},
		{"unknown field", "POST", "/workspaces/acme/brand/products", owner.token, map[string]any{"name": "x", "colour": "red"}, 422, []string{`"field": "colour"`}, nil},
		{"wrong type", "POST", "/workspaces/acme/brand/products", owner.token, `{"name": 5}`, 422, []string{`"field": "name"`}, nil},
		{"broken JSON", "POST", "/workspaces/acme/brand/products", owner.token, `{"name": `, 422, []string{`"field": "body"`}, nil},
		{"NUL in a body", "POST", "/workspaces/acme/brand/products", owner.token, `{"name": "a\u0000b"}`, 422, []string{`"field": "body"`, `"key": "error.text_bytes"`}, nil},
		{"a body not UTF-8", "POST", "/workspaces/acme/brand/products", owner.token, "{\"name\": \"\xff\xfe\"}", 422, []string{`"key": "error.text_bytes"`}, nil},
		{"NUL in a query", "GET", "/workspaces/acme/mentions?q=%00", owner.token, nil, 422, []string{`"field": "q"`, `"key": "error.text_bytes"`}, nil},
		{"gender not 100", "POST", "/workspaces/acme/brand/personas", owner.token, map[string]any{"name": "P", "gender": map[string]any{"female": 50, "male": 30}}, 422, []string{`"field": "gender"`, "100"}, nil},
		{"unknown platform", "POST", "/workspaces/acme/brand/personas", owner.token, map[string]any{"name": "P", "gender": map[string]any{"female": 50, "male": 50}, "platforms": []any{map[string]any{"platform": "myspace", "share": 10}}}, 422, []string{`"key": "error.unknown_platform"`}, nil},
		{"negative hours", "POST", "/workspaces/acme/brand/team", owner.token, map[string]any{"name": "W", "weekly_hours": -1}, 422, []string{`"field": "weekly_hours"`}, nil},
		{"missing item", "GET", "/workspaces/acme/brand/products/99999", owner.token, nil, 404, nil, nil},
		{"analyst reads", "GET", "/workspaces/acme/brand/products", analystToken, nil, 200, []string{"铁观音"}, nil},
		{"analyst cannot write", "POST", "/workspaces/acme/brand/products", analystToken, map[string]any{"name": "x"}, 403, []string{`"forbidden"`}, nil},
		{"analyst cannot read audit", "GET", "/workspaces/acme/audit", analystToken, nil, 403, nil, nil},
		{"audit limit not a number", "GET", "/workspaces/acme/audit?limit=abc", owner.token, nil, 422, []string{`"field": "limit"`, `"key": "error.range"`}, nil},
		{"audit cursor not an id", "GET", "/workspaces/acme/audit?before=-1", owner.token, nil, 422, []string{`"field": "before"`}, nil},
		{"alerts unread neither yes nor no", "GET", "/workspaces/acme/alerts?unread=maybe", owner.token, nil, 422, []string{`"field": "unread"`}, nil},
		{"authors limit out of range", "GET", "/workspaces/acme/insights/authors?limit=-1", owner.token, nil, 422, []string{`"field": "limit"`}, nil},
		{"profile put", "PUT", "/workspaces/acme/brand/profile", owner.token, map[string]any{"positioning": "好茶不贵"}, 200, []string{"好茶不贵", "updated_at"}, nil},
		{"budget bad currency", "PUT", "/workspaces/acme/brand/budget", owner.token, map[string]any{"monthly": 1000, "currency": "yuan"}, 422, []string{`"field": "currency"`}, nil},
		{"budget default currency", "GET", "/workspaces/acme/brand/budget", owner.token, nil, 200, []string{`"currency": "CNY"`}, nil},
		{"platform catalog", "GET", "/workspaces/acme/platforms", owner.token, nil, 200, []string{`"key": "xiaohongshu"`, `"sources"`}, nil},
		{"unknown platform key", "GET", "/workspaces/acme/platforms/myspace", owner.token, nil, 404, nil, nil},
		{"override bad type", "PUT", "/workspaces/acme/platforms/weibo/override", owner.token, map[string]any{"engagement_rate": "high"}, 422, []string{"engagement_rate"}, nil},
		{"override key immutable", "PUT", "/workspaces/acme/platforms/weibo/override", owner.token, map[string]any{"key": "x"}, 422, []string{`"field": "key"`}, nil},
		{"override ok", "PUT", "/workspaces/acme/platforms/weibo/override", owner.token, map[string]any{"engagement_rate": map[string]any{"min": 0.02, "max": 0.06}}, 200, []string{`"overridden"`, "engagement_rate"}, nil},
		{"fit of missing persona", "GET", "/workspaces/acme/platforms/fit?persona=99999&objective=sales", owner.token, nil, 404, nil, nil},
		{"fit without a persona", "GET", "/workspaces/acme/platforms/fit?objective=sales", owner.token, nil, 422, []string{`"field": "persona"`, `"key": "error.required"`}, nil},
		{"fit of a persona that is no id", "GET", "/workspaces/acme/platforms/fit?persona=abc&objective=sales", owner.token, nil, 422, []string{`"field": "persona"`}, nil},
		{"a token makes no tokens", "POST", "/workspaces/acme/tokens", owner.token, map[string]any{"name": "x"}, 403, []string{`"forbidden"`, "signed-in member"}, nil},
		{"workspace list via token", "GET", "/workspaces", owner.token, nil, 200, []string{`"slug": "acme"`}, nil},
		{"audit records changes", "GET", "/workspaces/acme/audit", owner.token, nil, 200, []string{"POST /api/v1/workspaces/{ws}/brand/products", "acme@example.com (token)"}, []string{"GET /api"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.checkAPI(t, tt.method, tt.path, tt.token, tt.body, tt.status, tt.contains, tt.absent)
		})
	}
	pe, err := h.brand.Personas.Create(ctx, owner.ws.ID, brand.Persona{Name: "P", Gender: brand.GenderSplit{Female: 50, Male: 50}})
	must(t, err)
	if status, body := h.api("GET", fmt.Sprintf("/workspaces/acme/platforms/fit?persona=%d&objective=fame", pe.ID), owner.token, nil); status != 422 || !strings.Contains(jsonText(body), `"field": "objective"`) {
		t.Errorf("fit with unknown objective: %d %s", status, jsonText(body))
	}
	status, body := h.api("GET", fmt.Sprintf("/workspaces/acme/platforms/fit?persona=%d&objective=sales", pe.ID), owner.token, nil)
	if items, _ := body["items"].([]any); status != 200 || len(items) != 20 {
		t.Errorf("fit: status %d, %d platforms, want 200 and 20", status, len(items))
	}
	// Nothing half-saved: the refused creations left exactly one product.
	ps, err := h.brand.Products.List(ctx, owner.ws.ID)
	must(t, err)
	if len(ps) != 1 {
		t.Errorf("products after refused writes = %d, want 1", len(ps))
	}
}

// TestChangesNamePermissions keeps every API operation that is not a GET
// behind a permission of its own, as its page is, unless it is listed here
// with the reason it needs none.
func TestChangesNamePermissions(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	exempt := map[string]string{
		"POST /collect": "public; the workspace key, or a token with content.edit (checked in collectSite), authenticates it",
		"POST /workspaces/{ws}/conversions/inquiry": "asks for inbox.reply itself, since it takes a token or a session",
	}
	for _, o := range h.srv.api.ops {
		key := o.Method + " " + o.Path
		if o.Method == "GET" || o.Perm != "" {
			continue
		}
		if _, ok := exempt[key]; !ok {
			t.Errorf("%s names no permission", key)
		}
	}
}
