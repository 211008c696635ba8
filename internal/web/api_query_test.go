package web

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestAPIUnknownQuery: the campaign and conversion operations refuse a
// query parameter they do not document, naming it, instead of answering
// as if it were absent: campaign_id=1 on the funnel answered the whole
// workspace's funnel. Every parameter the OpenAPI document lists is still
// taken, and a member of another workspace still gets 404.
func TestAPIUnknownQuery(t *testing.T) {
	f := newStrategyFixture(t)
	h := f.h
	ids := map[string]int64{"campaigns": f.c.ID, "{phase}": f.c.Phases[0].ID, "{target}": f.c.Targets[0].ID, "{line}": f.c.BudgetLines[0].ID}
	queryErrors := func(out map[string]any) []string {
		var fields []string
		var body apiError
		b, _ := json.Marshal(out)
		_ = json.Unmarshal(b, &body)
		for _, fe := range body.Error.Fields {
			if strings.HasPrefix(fe.Key, "error.unknown_query") {
				fields = append(fields, fe.Field)
			}
		}
		return fields
	}
	n := 0
	for _, o := range h.srv.api.ops {
		if o.Public || o.Tag != "campaigns" && o.Tag != "conversions" {
			continue
		}
		n++
		path := fillPath(o.Path, "acme", ids, 0)
		status, out := h.api(o.Method, path+"?campaign_id=1", f.owner.token, sampleBody(o))
		if got := queryErrors(out); status != http.StatusUnprocessableEntity || !slices.Equal(got, []string{"campaign_id"}) {
			t.Errorf("%s %s?campaign_id=1: status %d, query errors %v; want 422 naming campaign_id: %.300s", o.Method, o.Path, status, got, jsonText(out))
		}
		if status, out := h.api(o.Method, path+"?campaign_id=1", f.other.token, sampleBody(o)); status != http.StatusNotFound {
			t.Errorf("%s %s?campaign_id=1 from another workspace: status %d, want 404: %.300s", o.Method, o.Path, status, jsonText(out))
		}
		if len(o.Query) == 0 {
			continue
		}
		var q []string
		for _, p := range o.Query {
			q = append(q, p.Name+"=")
		}
		if status, out := h.api(o.Method, path+"?"+strings.Join(q, "&"), f.owner.token, sampleBody(o)); status != http.StatusOK || len(queryErrors(out)) > 0 {
			t.Errorf("%s %s with its documented parameters: status %d: %.300s", o.Method, o.Path, status, jsonText(out))
		}
	}
	if n < 15 {
		t.Errorf("checked %d campaign and conversion operations, want them all", n)
	}

	// The funnel filtered as documented still answers; misspelt, it says
	// why, in the caller's language.
	funnel := "/workspaces/acme/funnel"
	if status, out := h.api("GET", funnel+"?campaign=1&by=channel&from=2026-03-01&to=2026-03-31", f.owner.token, nil); status != http.StatusOK {
		t.Errorf("funnel?campaign=1: status %d: %.300s", status, jsonText(out))
	}
	for lang, want := range map[string]string{
		"en":    "Unknown query parameter “campaign_id”; this operation takes: from, to, campaign, channel, model, by.",
		"zh-CN": "未知的查询参数“campaign_id”；此接口只接受：from, to, campaign, channel, model, by。",
	} {
		req, _ := http.NewRequest("GET", h.ts.URL+"/api/v1"+funnel+"?campaign_id=1", nil)
		req.Header.Set("Authorization", "Bearer "+f.owner.token)
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field": "campaign_id"`) || !strings.Contains(string(body), want) {
			t.Errorf("%s: funnel?campaign_id=1: status %d: %s", lang, resp.StatusCode, body)
		}
	}
	// An operation that takes no query says so.
	status, out := h.api("GET", "/workspaces/acme/campaigns?status=draft", f.owner.token, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(jsonText(out), "Unknown query parameter “status”; this operation takes none.") {
		t.Errorf("campaigns?status=draft: status %d: %s", status, jsonText(out))
	}
}
