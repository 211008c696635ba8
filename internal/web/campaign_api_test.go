package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/report"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestCampaignAPI walks a campaign through the API: from a template, with
// bad input refused at the field, roles, versions and the XLSX export.
func TestCampaignAPI(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	ids := seed(t, h, owner.ws.ID)
	analyst, _, err := h.accounts.NewToken(ctx, account.Principal{User: account.User{ID: 1}, Workspace: owner.ws, Role: account.Owner}, account.Analyst, "read-only")
	must(t, err)
	strategist, _, err := h.accounts.NewToken(ctx, account.Principal{User: account.User{ID: 1}, Workspace: owner.ws, Role: account.Owner}, account.Strategist, "planner")
	must(t, err)

	status, body := h.api("POST", "/workspaces/acme/campaigns/from-template", strategist, map[string]any{
		"objective": "sales", "name": "冬日暖咖季", "start": "2026-12-01", "end": "2027-01-31",
		"persona_ids": []int64{ids["personas"]}, "budget": 100000,
	})
	if status != http.StatusCreated {
		t.Fatalf("from template: %d %s", status, jsonText(body))
	}
	id := int64(body["id"].(float64))
	version := int64(body["version"].(float64))
	if phases, _ := body["phases"].([]any); len(phases) != 4 {
		t.Fatalf("template phases = %v", body["phases"])
	}
	url := fmt.Sprintf("/workspaces/acme/campaigns/%d", id)

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
		{"list", "GET", "/workspaces/acme/campaigns", analyst, nil, 200, []string{"冬日暖咖季", `"status": "draft"`}, nil},
		{"analyst reads", "GET", url, analyst, nil, 200, []string{`"phases"`, "Warm-up"}, nil},
		{"analyst reads the plan", "GET", url + "/plan", analyst, nil, 200, []string{`"fit"`, `"kpi"`, `"by_kind"`}, nil},
		{"analyst cannot create", "POST", "/workspaces/acme/campaigns", analyst, map[string]any{"name": "x"}, 403, []string{`"forbidden"`}, nil},
		{"analyst cannot add a phase", "POST", url + "/phases", analyst, map[string]any{"name": "x"}, 403, nil, nil},
		{"overlapping phase", "POST", url + "/phases", owner.token, map[string]any{"name": "加场", "start": "2026-12-05", "end": "2026-12-08"}, 422,
			[]string{`"field": "start"`, `"key": "error.campaign.phase_overlap"`, "overlaps"}, []string{"phases["}},
		{"phase outside", "POST", url + "/phases", owner.token, map[string]any{"name": "加场", "start": "2027-02-01", "end": "2027-02-08"}, 422,
			[]string{`"field": "start"`, `"key": "error.campaign.phase_outside"`}, nil},
		{"unknown metric", "POST", url + "/targets", owner.token, map[string]any{"metric": "vibes", "value": 1}, 422,
			[]string{`"field": "metric"`, "error.campaign.unknown_metric"}, []string{"targets["}},
		{"rate out of range", "POST", url + "/targets", owner.token, map[string]any{"metric": "engagement_rate", "value": 4}, 422,
			[]string{"error.campaign.rate_range"}, nil},
		{"wrong unit", "POST", url + "/targets", owner.token, map[string]any{"metric": "clicks", "value": 4, "unit": "money"}, 422,
			[]string{"error.campaign.target_unit"}, nil},
		{"add target", "POST", url + "/targets", strategist, map[string]any{"metric": "likes", "value": 500, "platform": "weibo"}, 201,
			[]string{`"metric": "likes"`, `"direction": "at_least"`}, nil},
		// A duplicate names the metric and the scope as the page does.
		{"the same platform's target again", "POST", url + "/targets", strategist, map[string]any{"metric": "likes", "value": 400, "platform": "weibo"}, 422,
			[]string{"error.campaign.target_duplicate", "There is already a target on “Likes” for this platform over the whole campaign."}, []string{"“likes”", "this phase"}},
		{"a whole-campaign target", "POST", url + "/targets", strategist, map[string]any{"metric": "mentions", "value": 50}, 201, nil, nil},
		{"the whole campaign's target again", "POST", url + "/targets", strategist, map[string]any{"metric": "mentions", "value": 40}, 422,
			[]string{"error.campaign.target_duplicate", "There is already a target on “Mentions” for the whole campaign."}, []string{"“mentions”", "this phase"}},
		{"mix not 100", "PUT", url + "/mix", owner.token, []map[string]any{{"platform": "weibo", "budget_share": 50}}, 422,
			[]string{`"field": "body"`, "error.campaign.mix_budget_sum"}, nil},
		{"mix as object", "PUT", url + "/mix", owner.token, map[string]any{"platform": "weibo"}, 422, []string{"error.json_type"}, nil},
		{"mix share out of range", "PUT", url + "/mix", owner.token, []map[string]any{{"platform": "weibo", "budget_share": 150}}, 422, []string{`"field": "[0].budget_share"`}, nil},
		{"mix ok", "PUT", url + "/mix", owner.token, []map[string]any{{"platform": "weibo", "budget_share": 60, "hours_share": 50}, {"platform": "douyin", "budget_share": 40, "hours_share": 50}}, 200,
			[]string{`"platform": "douyin"`}, nil},
		{"budget line over budget", "POST", url + "/budget-lines", owner.token, map[string]any{"kind": "kol_fee", "planned": 200000}, 422,
			[]string{`"field": "budget_lines"`, "error.campaign.planned_over_budget"}, nil},
		{"budget line with resource", "POST", url + "/budget-lines", owner.token, map[string]any{"kind": "kol_fee", "planned": 20000, "committed": 120000,
			"resource_id": ids["amplifiers"], "platform": "weibo"}, 201, []string{`"resource_id"`}, nil},
		{"unknown resource", "POST", url + "/budget-lines", owner.token, map[string]any{"kind": "kol_fee", "resource_id": 99999}, 422,
			[]string{`"field": "resource_id"`}, nil},
		{"hours", "PUT", url + "/hours", owner.token, []map[string]any{{"member_id": ids["team"], "hours_per_week": 30}}, 200, []string{`"hours_per_week": 30`}, nil},
		{"mix null", "PUT", url + "/mix", owner.token, "null", 422, []string{`"field": "body"`, "error.json_type", "expected a list"}, nil},
		{"hours null", "PUT", url + "/hours", owner.token, " null ", 422, []string{`"field": "body"`, "error.json_type", "expected a list"}, nil},
		{"plan warns", "GET", url + "/plan", owner.token, nil, 200,
			[]string{"warning.campaign.committed_over_budget", "warning.campaign.member_over", `"over": true`}, nil},
		{"missing phase", "PUT", url + "/phases/99", owner.token, map[string]any{"name": "x", "start": "2026-12-01", "end": "2026-12-02"}, 404, nil, nil},
		{"missing campaign", "GET", "/workspaces/acme/campaigns/99999", owner.token, nil, 404, []string{"Campaign not found"}, nil},
		{"stale version", "PUT", url, owner.token, map[string]any{"name": "改名", "objective": "sales", "status": "planned", "start": "2026-12-01", "end": "2027-01-31", "budget": 100000, "version": version}, 409,
			[]string{`"conflict"`, "Someone else saved"}, nil},
		{"end before start", "PUT", url, owner.token, map[string]any{"name": "改名", "objective": "sales", "status": "planned", "start": "2026-12-01", "end": "2026-11-30", "budget": 100000}, 422,
			[]string{`"field": "end"`}, nil},
		{"taken short name", "POST", "/workspaces/acme/campaigns", owner.token, map[string]any{"name": "x", "slug": body["slug"], "objective": "sales", "status": "draft", "start": "2026-12-01", "end": "2026-12-31"}, 409,
			[]string{`"field": "slug"`, fmt.Sprintf(`"message": "The short name “%s” is already used`, body["slug"])}, []string{"no value"}},
		{"year 1 to 9999", "POST", "/workspaces/acme/campaigns", owner.token, map[string]any{"name": "x", "objective": "sales", "status": "draft", "start": "0001-01-01", "end": "9999-12-31"}, 422,
			[]string{`"field": "start"`, `"field": "end"`, "error.campaign.date_range", "use a day from 2000-01-01 to 2099-12-31"}, nil},
		{"template over ten years", "POST", "/workspaces/acme/campaigns/from-template", owner.token, map[string]any{"name": "x", "objective": "sales", "start": "2026-01-01", "end": "2035-12-31", "budget": 1}, 422,
			[]string{`"field": "end"`, "error.campaign.too_many_days", "this one lasts 3652"}, nil},
		{"create with unknown field", "POST", "/workspaces/acme/campaigns", owner.token, map[string]any{"name": "x", "colour": "red"}, 422, []string{`"field": "colour"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.checkAPI(t, tt.method, tt.path, tt.token, tt.body, tt.status, tt.contains, tt.absent)
		})
	}

	// Nothing half-saved: the refused writes left the template's 4 phases.
	c, err := h.campaigns.Get(ctx, owner.ws.ID, id)
	must(t, err)
	if len(c.Phases) != 4 || len(c.BudgetLines) != 1 || len(c.Mix) != 2 || len(c.Hours) != 1 {
		t.Errorf("campaign after refused writes: %d phases, %d lines, %d mix, %d hours", len(c.Phases), len(c.BudgetLines), len(c.Mix), len(c.Hours))
	}

	// A current version saves; the children stay.
	status, body = h.api("PUT", url, strategist, map[string]any{"name": "改名", "objective": "sales", "status": "planned",
		"start": "2026-12-01", "end": "2027-01-31", "budget": 100000, "version": c.Version, "persona_ids": []int64{ids["personas"]}})
	if status != 200 || !strings.Contains(jsonText(body), "改名") || len(body["phases"].([]any)) != 4 {
		t.Errorf("update: %d %s", status, jsonText(body))
	}

	t.Run("xlsx", func(t *testing.T) {
		req, _ := http.NewRequest("GET", h.ts.URL+"/api/v1"+url+"/plan.xlsx", nil)
		req.Header.Set("Authorization", "Bearer "+analyst)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, data)
		}
		if ct := resp.Header.Get("Content-Type"); ct != xlsxType {
			t.Errorf("Content-Type = %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="campaign-[a-z0-9-]+\.xlsx"$`).MatchString(cd) {
			t.Errorf("Content-Disposition = %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("open workbook: %v", err)
		}
		defer f.Close()
		want := []string{report.SheetOverview, report.SheetPhases, report.SheetKPI, report.SheetMix, report.SheetBudget}
		if got := f.GetSheetList(); !slices.Equal(got, want) {
			t.Errorf("sheets = %v, want %v", got, want)
		}
		// The template named its phases in the request's language.
		if v, _ := f.GetCellValue(report.SheetPhases, "B2"); v != "Warm-up" {
			t.Errorf("first phase = %q", v)
		}
		if v, _ := f.GetCellValue(report.SheetBudget, "E2"); v != "KOL" {
			t.Errorf("budget line resource = %q, want the amplifier's name", v)
		}
	})

	t.Run("delete", func(t *testing.T) {
		if status, body := h.api("DELETE", url, analyst, nil); status != 403 {
			t.Errorf("analyst delete: %d %v", status, body)
		}
		if status, body := h.api("DELETE", url, owner.token, nil); status != 204 {
			t.Fatalf("delete: %d %v", status, body)
		}
		if status, _ := h.api("GET", url, owner.token, nil); status != 404 {
			t.Errorf("after delete: %d", status)
		}
	})
}

// TestI18nCampaignWarnings: the plan's warning keys, which the code-key
// scan does not cover, render in every locale with their arguments.
func TestI18nCampaignWarnings(t *testing.T) {
	c := mustCatalog(t)
	warnings := map[string]map[string]any{
		"warning.campaign.low_fit_share":         {"Platform": "weibo", "Fit": 31.5, "Share": 40.0},
		"warning.campaign.committed_over_budget": {"Committed": 1200.0, "Budget": 1000.0},
		"warning.campaign.spent_over_committed":  {"Spent": 1200.0, "Committed": 1000.0},
		"warning.campaign.member_over":           {"Name": "陈思雨", "Planned": 45.0, "Capacity": 40.0},
	}
	for key, args := range warnings {
		for _, loc := range Locales {
			got := c.T(loc, key, args)
			if got == key || strings.Contains(got, "<no value>") {
				t.Errorf("%s %s renders %q", loc, key, got)
			}
		}
	}
}
