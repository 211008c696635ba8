package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/metric"
	"github.com/chorus-hq/chorus/internal/report"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// strategyFixture is a workspace with step-1 data and one campaign made
// from the sales template, with a budget line and an hours line.
type strategyFixture struct {
	h      *harness
	owner  tenant
	other  tenant
	ids    map[string]int64
	c      campaign.Campaign
	prefix string // the campaign page's URL
}

func newStrategyFixture(t *testing.T) strategyFixture {
	t.Helper()
	h := newHarness(t, storetest.SQLite(t))
	f := strategyFixture{h: h, owner: h.tenant("acme", account.Owner), other: h.tenant("other", account.Owner)}
	f.ids = seed(t, h, f.owner.ws.ID)
	ctx := context.Background()
	c, err := h.campaigns.FromTemplate(ctx, f.owner.ws.ID, campaign.TemplateRequest{
		Objective: "sales", Name: "Spring oolong", Start: "2026-03-01", End: "2026-04-30",
		PersonaIDs: []int64{f.ids["personas"]}, Budget: 50000,
	})
	must(t, err)
	c, err = h.campaigns.AddBudgetLine(ctx, f.owner.ws.ID, c.ID, campaign.BudgetLine{
		Kind: "kol_fee", Description: "Weibo KOL post", Platform: "weibo", ResourceID: f.ids["amplifiers"], Planned: 12000, Committed: 8000, Spent: 2000,
	})
	must(t, err)
	c, err = h.campaigns.SetHours(ctx, f.owner.ws.ID, c.ID, []campaign.HoursLine{{MemberID: f.ids["team"], HoursPerWeek: 8}}, "")
	must(t, err)
	f.c = c
	f.prefix = fmt.Sprintf("/w/acme/strategy/campaigns/%d", c.ID)
	return f
}

// strategyPaths are every GET page of the section for the fixture's
// campaign.
func (f strategyFixture) strategyPaths() []string {
	p := f.prefix
	return []string{
		"/w/acme/strategy", p, p + "/edit", p + "/plan.xlsx",
		p + "/phases/new", fmt.Sprintf("%s/phases/%d", p, f.c.Phases[0].ID),
		p + "/targets/new", fmt.Sprintf("%s/targets/%d", p, f.c.Targets[0].ID),
		p + "/budget-lines/new", fmt.Sprintf("%s/budget-lines/%d", p, f.c.BudgetLines[0].ID),
		p + "/mix", p + "/hours",
	}
}

func TestStrategyPages(t *testing.T) {
	f := newStrategyFixture(t)
	h, c, p := f.h, f.c, f.prefix
	b := h.signedIn(f.owner)

	tests := []struct {
		name, path string
		status     int
		contains   []string
		lacks      []string
	}{
		{"list", "/w/acme/strategy", 200,
			[]string{"Spring oolong", `id="template-form"`, `id="blank-form"`, `type="date"`, `name="persona_ids"`, "Xiaomei", `class="badge status-draft"`, "50,000 CNY",
				`aria-current="page" data-section="strategy"`},
			nil},
		{"campaign page", p, 200,
			[]string{`id="timeline-chart"`, `data-chart=`, `id="kpi"`, `class="num actual"`, `id="actual-note"`, `id="mix"`, `id="budget-platform-chart"`,
				`id="budget-donut"`, `id="hours"`, "Weibo KOL post", ">KOL<", ">Li<", "Xiaomei", `href="` + p + `/plan.xlsx"`, `id="edit-campaign"`, `id="add-phase"`, "12,000 CNY"},
			[]string{"<no value>", "metric.", "status.draft"}},
		{"campaign form", p + "/edit", 200, []string{`name="version"`, `name="pillars"`, `name="owner_id"`, `value="Spring oolong"`, `id="delete"`}, nil},
		{"new phase", p + "/phases/new", 200, []string{`id="phase-start"`, `type="date"`}, []string{`id="delete"`}},
		{"edit phase", fmt.Sprintf("%s/phases/%d", p, c.Phases[0].ID), 200, []string{`value="` + c.Phases[0].Name + `"`, `id="delete"`}, nil},
		{"new target", p + "/targets/new", 200, []string{`name="metric"`, `value="effective_clicks"`, `name="phase_id"`, `name="baseline"`}, nil},
		{"edit target", fmt.Sprintf("%s/targets/%d", p, c.Targets[0].ID), 200, []string{`value="` + c.Targets[0].Metric + `" selected`}, nil},
		{"new budget line", p + "/budget-lines/new", 200, []string{`name="resource_id"`, "KOL"}, nil},
		{"edit budget line", fmt.Sprintf("%s/budget-lines/%d", p, c.BudgetLines[0].ID), 200, []string{`value="Weibo KOL post"`, `value="12000"`}, nil},
		{"mix editor", p + "/mix", 200, []string{`name="include"`, `name="budget_share.weibo"`, `value="xiaohongshu"`}, nil},
		{"hours editor", p + "/hours", 200, []string{fmt.Sprintf(`name="hours.%d" value="8"`, f.ids["team"])}, nil},
		{"missing campaign", "/w/acme/strategy/campaigns/99999", 404, nil, nil},
		{"bad campaign id", "/w/acme/strategy/campaigns/abc", 404, nil, nil},
		{"missing phase", p + "/phases/99999", 404, nil, nil},
		{"other workspace's campaign", fmt.Sprintf("/w/other/strategy/campaigns/%d", c.ID), 404, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := b.get(tt.path)
			if status != tt.status {
				t.Fatalf("GET %s: status %d, want %d", tt.path, status, tt.status)
			}
			for _, want := range tt.contains {
				if !strings.Contains(body, want) {
					t.Errorf("GET %s lacks %q", tt.path, want)
				}
			}
			for _, bad := range tt.lacks {
				if strings.Contains(body, bad) {
					t.Errorf("GET %s shows %q", tt.path, bad)
				}
			}
			if strings.Contains(body, f.other.ws.Name) {
				t.Errorf("GET %s shows the other workspace's name", tt.path)
			}
		})
	}
	// The campaign's length and zone stand beside its dates in the
	// language's own brackets: full-width ones in Chinese.
	cat := mustCatalog(t)
	for _, lang := range Locales {
		_, body, _ := b.do("GET", p, nil, map[string]string{"Accept-Language": lang})
		days := cat.T(lang, "strategy.days", map[string]any{"N": campaign.Days(c.Start, c.End)})
		want := map[string]string{"zh-CN": "（" + days + " · ", "en": " (" + days + " · "}[lang]
		if !strings.Contains(body, want) {
			t.Errorf("%s campaign page lacks %q", lang, want)
		}
	}
	// Deleting a phase with targets says it takes them along.
	for _, ph := range c.Phases {
		n := phaseTargets(c, ph.ID)
		if n == 0 {
			continue
		}
		_, body := b.get(fmt.Sprintf("%s/phases/%d", p, ph.ID))
		if !strings.Contains(section(body, "data-confirm", ">"), fmt.Sprintf("及其 %d 个 KPI 目标", n)) {
			t.Errorf("phase %d's delete confirmation does not name its %d targets: %s", ph.ID, n, section(body, "data-confirm", ">"))
		}
	}

	t.Run("xlsx", func(t *testing.T) {
		status, body, hdr := b.do("GET", p+"/plan.xlsx", nil, nil)
		if status != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(body, "PK") {
			t.Errorf("plan.xlsx: status %d, type %q, starts %.4q", status, hdr.Get("Content-Type"), body)
		}
		if !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
			t.Errorf("plan.xlsx: Content-Disposition %q", hdr.Get("Content-Disposition"))
		}
		// The actuals' time is in the workspace's zone.
		x, err := excelize.OpenReader(strings.NewReader(body))
		must(t, err)
		defer x.Close()
		rows, _ := x.GetRows(report.SheetOverview)
		if !slices.ContainsFunc(rows, func(r []string) bool { return len(r) > 1 && r[0] == "实际值截至 Measured at (Asia/Shanghai)" }) {
			t.Errorf("plan.xlsx overview does not say when, in the workspace's zone, actuals were measured: %v", rows)
		}
	})
}

var campaignLocation = regexp.MustCompile(`^/w/acme/strategy/campaigns/(\d+)$`)

func TestStrategyCreateAndEdit(t *testing.T) {
	f := newStrategyFixture(t)
	h, ctx, ws := f.h, context.Background(), f.owner.ws.ID
	b := h.signedIn(f.owner)
	b.get("/w/acme/strategy")

	// From the template form: a campaign with four phases and their chart.
	status, body, hdr := b.post("/w/acme/strategy/campaigns/from-template", url.Values{
		"objective": {"sales"}, "name": {"双十一 <tea>"}, "start": {"2026-10-01"}, "end": {"2026-11-30"},
		"persona_ids": {itoa64(f.ids["personas"])}, "budget": {"80,000"},
	})
	m := campaignLocation.FindStringSubmatch(hdr.Get("Location"))
	if status != http.StatusSeeOther || m == nil {
		t.Fatalf("from template: status %d, location %q: %.300s", status, hdr.Get("Location"), body)
	}
	page := m[0]
	status, body = b.get(page)
	if status != 200 {
		t.Fatalf("new campaign page: status %d", status)
	}
	if n := strings.Count(body, "edit-phase"); n != 4 {
		t.Errorf("campaign page shows %d phases, want 4", n)
	}
	if !strings.Contains(body, `id="timeline-chart"`) || !strings.Contains(body, "双十一 &lt;tea&gt;") {
		t.Errorf("campaign page lacks the timeline chart or the escaped name")
	}
	var id int64
	fmt.Sscan(m[1], &id)
	c, err := h.campaigns.Get(ctx, ws, id)
	must(t, err)
	if len(c.Phases) != 4 || c.Budget != 80000 || len(c.PersonaIDs) != 1 {
		t.Fatalf("created campaign: %d phases, budget %v, personas %v", len(c.Phases), c.Budget, c.PersonaIDs)
	}

	t.Run("template form errors", func(t *testing.T) {
		status, body, _ := b.post("/w/acme/strategy/campaigns/from-template", url.Values{"objective": {"sales"}, "name": {""}, "start": {"2026-10-01"}, "end": {"2026-09-01"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="tpl-name-err"`) || !strings.Contains(body, `id="tpl-end-err"`) {
			t.Errorf("bad template request: status %d, want 422 with name and end errors", status)
		}
	})

	t.Run("empty campaign", func(t *testing.T) {
		status, _, hdr := b.post("/w/acme/strategy/campaigns", url.Values{"name": {"Blank"}, "objective": {"voice"}, "start": {"2026-05-01"}, "end": {"2026-05-31"}, "budget": {""}})
		if status != http.StatusSeeOther || !campaignLocation.MatchString(hdr.Get("Location")) {
			t.Errorf("empty campaign: status %d, location %q", status, hdr.Get("Location"))
		}
	})

	t.Run("overlapping phase", func(t *testing.T) {
		b.get(page + "/phases/new")
		second := c.Phases[1]
		status, body, _ := b.post(page+"/phases", url.Values{"name": {"重叠"}, "objective": {"sales"},
			"start": {string(second.Start.AddDays(1))}, "end": {string(second.End)}})
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("overlapping phase: status %d, want 422", status)
		}
		typed := regexp.MustCompile(`id="phase-start"[^>]*value="` + string(second.Start.AddDays(1)) + `"`)
		if !strings.Contains(body, `id="phase-start-err"`) || !typed.MatchString(body) {
			t.Errorf("overlap error not at the phase's start field, or the typed value is lost: %s", between(body, `<form`, `</form>`))
		}
		if want := "阶段“重叠”与阶段“" + second.Name + "”的日期重叠"; !strings.Contains(body, want) {
			t.Errorf("overlap error does not name both phases (%s): %s", want, between(body, `<form`, `</form>`))
		}
		after, err := h.campaigns.Get(ctx, ws, id)
		must(t, err)
		if len(after.Phases) != 4 || after.Version != c.Version {
			t.Errorf("overlapping phase was saved: %d phases, version %d → %d", len(after.Phases), c.Version, after.Version)
		}
	})

	t.Run("edit phase", func(t *testing.T) {
		ph := c.Phases[0]
		path := fmt.Sprintf("%s/phases/%d", page, ph.ID)
		b.get(path)
		status, _, hdr := b.post(path, url.Values{"name": {"预热 warm-up"}, "objective": {"voice"}, "start": {string(ph.Start)}, "end": {string(ph.End)}})
		if status != http.StatusSeeOther || hdr.Get("Location") != page+"#phases" {
			t.Fatalf("edit phase: status %d, location %q", status, hdr.Get("Location"))
		}
		_, body := b.get(page)
		if !strings.Contains(body, "预热 warm-up") {
			t.Errorf("renamed phase not shown")
		}
	})

	t.Run("target with percent and bad value", func(t *testing.T) {
		b.get(page + "/targets/new")
		status, body, _ := b.post(page+"/targets", url.Values{"metric": {"engagement_rate"}, "direction": {"at_least"}, "value": {"5%"}, "baseline": {"lots"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="target-baseline-err"`) {
			t.Errorf("unparsable baseline: status %d, want 422 at baseline", status)
		}
		status, _, _ = b.post(page+"/targets", url.Values{"metric": {"engagement_rate"}, "direction": {"at_least"}, "value": {"5%"}, "baseline": {""}})
		if status != http.StatusSeeOther {
			t.Fatalf("rate target: status %d", status)
		}
		got, err := h.campaigns.Get(ctx, ws, id)
		must(t, err)
		last := got.Targets[len(got.Targets)-1]
		if last.Metric != "engagement_rate" || last.Value != 0.05 || last.Baseline != nil {
			t.Errorf("rate target stored as %+v, want 0.05 without baseline", last)
		}
		_, body = b.get(page)
		if !strings.Contains(body, "≥</span> 5%") {
			t.Errorf("rate target not shown as a percentage")
		}
	})

	t.Run("campaign fields", func(t *testing.T) {
		cur, err := h.campaigns.Get(ctx, ws, id)
		must(t, err)
		form := url.Values{"name": {"双十一"}, "objective": {"sales"}, "status": {"planned"}, "owner_id": {itoa64(f.ids["team"])},
			"start": {string(cur.Start)}, "end": {string(cur.End)}, "budget": {"90000"}, "product_ids": {itoa64(f.ids["products"])},
			"persona_ids": {itoa64(f.ids["personas"])}, "pillars": {"Tea culture 60\n新品：40%"}, "key_messages": {"Fresh\nLocal"},
			"hashtags": {"#oolong#"}, "version": {itoa64(cur.Version)}}
		b.get(page + "/edit")
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("pillars", "Tea culture 60\n新品 30")
		status, body, _ := b.post(page, bad)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="campaign-pillars-err"`) {
			t.Errorf("pillars not summing to 100: status %d, want 422 at pillars", status)
		}
		status, _, _ = b.post(page, form)
		if status != http.StatusSeeOther {
			t.Fatalf("save campaign: status %d", status)
		}
		got, err := h.campaigns.Get(ctx, ws, id)
		must(t, err)
		if got.OwnerID != f.ids["team"] || len(got.Pillars) != 2 || got.Pillars[1].Name != "新品" || got.Pillars[0].Name != "Tea culture" || got.Status != "planned" || len(got.Phases) != 4 {
			t.Errorf("saved campaign: owner %d, pillars %+v, status %s, %d phases", got.OwnerID, got.Pillars, got.Status, len(got.Phases))
		}
		// The same form again names a stale version.
		status, body, _ = b.post(page, form)
		if status != http.StatusConflict || !strings.Contains(body, `id="campaign-errors"`) {
			t.Errorf("stale version: status %d, want 409 with the message", status)
		}
	})

	t.Run("mix", func(t *testing.T) {
		b.get(page + "/mix")
		status, body, _ := b.post(page+"/mix", url.Values{"include": {"weibo", "wechat_oa"},
			"role.weibo": {"voice"}, "budget_share.weibo": {"60"}, "hours_share.weibo": {"50"}, "posts_per_week.weibo": {"5"},
			"role.wechat_oa": {"conversion"}, "budget_share.wechat_oa": {"30"}, "hours_share.wechat_oa": {"x"}, "posts_per_week.wechat_oa": {"2"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `name="hours_share.wechat_oa" value="x"`) || !strings.Contains(body, `class="field-error"`) {
			t.Errorf("unparsable share: status %d, want 422 at the cell", status)
		}
		form := url.Values{"include": {"weibo", "wechat_oa"},
			"role.weibo": {"voice"}, "budget_share.weibo": {"60"}, "hours_share.weibo": {"50"}, "posts_per_week.weibo": {"5"},
			"role.wechat_oa": {"conversion"}, "budget_share.wechat_oa": {"30"}, "hours_share.wechat_oa": {"50"}, "posts_per_week.wechat_oa": {"2"}}
		status, body, _ = b.post(page+"/mix", form)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="mix-errors"`) {
			t.Errorf("budget shares summing to 90: status %d, want 422 with the sum at the top", status)
		}
		form.Set("budget_share.wechat_oa", "40%") // the % people type is fine
		if status, _, _ := b.post(page+"/mix", form); status != http.StatusSeeOther {
			t.Fatalf("save mix: status %d", status)
		}
		got, err := h.campaigns.Get(ctx, ws, id)
		must(t, err)
		if len(got.Mix) != 2 || got.Mix[0].Platform != "weibo" || got.Mix[1].BudgetShare != 40 {
			t.Errorf("saved mix: %+v", got.Mix)
		}
		// The editor lists the ticked platforms first, and its hint says so
		// rather than claiming the order is by fit alone.
		_, body = b.get(page + "/mix")
		var order []string
		for _, m := range regexp.MustCompile(`<tr data-platform="([^"]+)"( class="included")?`).FindAllStringSubmatch(body, -1) {
			order = append(order, m[1]+m[2])
		}
		if len(order) < 3 || !strings.Contains(order[0], "included") || !strings.Contains(order[1], "included") || strings.Contains(order[2], "included") {
			t.Errorf("mix editor rows %v; want the two ticked ones first", order)
		}
		if !strings.Contains(body, "已勾选的平台排在前面") {
			t.Errorf("mix hint does not say the ticked platforms come first")
		}
		if cat, err := loadCatalog(); err != nil || !strings.Contains(cat.T("en", "strategy.mix_help", nil), "ticked platforms come first") {
			t.Errorf("English mix hint does not say the ticked platforms come first (%v)", err)
		}
	})

	t.Run("hours", func(t *testing.T) {
		b.get(page + "/hours")
		name := fmt.Sprintf("hours.%d", f.ids["team"])
		status, body, _ := b.post(page+"/hours", url.Values{name: {"200"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `class="field-error"`) {
			t.Errorf("200 hours a week: status %d, want 422", status)
		}
		if status, _, _ := b.post(page+"/hours", url.Values{name: {"30"}}); status != http.StatusSeeOther {
			t.Fatalf("save hours: status %d", status)
		}
		_, body = b.get(page)
		if !strings.Contains(body, `class="over"`) {
			t.Errorf("30 of 20 weekly hours not flagged as over-allocated")
		}
	})

	t.Run("budget line and delete", func(t *testing.T) {
		b.get(page + "/budget-lines/new")
		status, _, _ := b.post(page+"/budget-lines", url.Values{"kind": {"paid_boost"}, "description": {"Boost"}, "platform": {"weibo"},
			"phase_id": {itoa64(c.Phases[1].ID)}, "resource_id": {""}, "planned": {"5000"}, "committed": {"0"}, "spent": {"0"}})
		if status != http.StatusSeeOther {
			t.Fatalf("add budget line: status %d", status)
		}
		got, err := h.campaigns.Get(ctx, ws, id)
		must(t, err)
		bl := got.BudgetLines[len(got.BudgetLines)-1]
		if bl.PhaseID != c.Phases[1].ID || bl.ResourceID != 0 || bl.Planned != 5000 {
			t.Errorf("budget line stored as %+v", bl)
		}
		status, _, _ = b.post(fmt.Sprintf("%s/budget-lines/%d/delete", page, bl.ID), nil)
		if status != http.StatusSeeOther {
			t.Fatalf("delete budget line: status %d", status)
		}
		status, _, _ = b.post(page+"/delete", nil)
		if status != http.StatusSeeOther {
			t.Fatalf("delete campaign: status %d", status)
		}
		if status, _ := b.get(page); status != http.StatusNotFound {
			t.Errorf("deleted campaign: status %d, want 404", status)
		}
	})
}

// between returns the part of s from the first open to the next close, for
// failure messages.
func between(s, open, close string) string {
	i := strings.Index(s, open)
	if i < 0 {
		return s
	}
	j := strings.Index(s[i:], close)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j+len(close)]
}

func TestStrategyRoles(t *testing.T) {
	f := newStrategyFixture(t)
	h, ctx := f.h, context.Background()

	// An analyst of acme reads everything and changes nothing.
	a := h.member(f.owner, "analyst@example.com", account.Analyst)
	for _, path := range f.strategyPaths() {
		want := http.StatusOK
		if strings.HasSuffix(path, "/new") {
			want = http.StatusForbidden
		}
		if status, _ := a.get(path); status != want {
			t.Errorf("analyst GET %s: status %d, want %d", path, status, want)
		}
	}
	_, body := a.get(f.prefix)
	for _, button := range []string{`id="edit-campaign"`, `id="add-phase"`, `id="add-target"`, `id="edit-mix"`, `id="add-budget-line"`, `id="edit-hours"`} {
		if strings.Contains(body, button) {
			t.Errorf("analyst sees %s", button)
		}
	}
	_, body = a.get("/w/acme/strategy")
	if strings.Contains(body, `id="template-form"`) || strings.Contains(body, `id="blank-form"`) {
		t.Errorf("analyst sees the create forms")
	}
	_, body = a.get(fmt.Sprintf("%s/phases/%d", f.prefix, f.c.Phases[0].ID))
	if strings.Contains(body, `id="save"`) || strings.Contains(body, `id="delete"`) {
		t.Errorf("analyst sees save or delete on the phase form")
	}
	posts := []string{
		"/w/acme/strategy/campaigns/from-template", "/w/acme/strategy/campaigns", f.prefix, f.prefix + "/delete",
		f.prefix + "/phases", fmt.Sprintf("%s/phases/%d", f.prefix, f.c.Phases[0].ID), fmt.Sprintf("%s/phases/%d/delete", f.prefix, f.c.Phases[0].ID),
		f.prefix + "/targets", f.prefix + "/budget-lines", f.prefix + "/mix", f.prefix + "/hours",
	}
	for _, path := range posts {
		if status, _, _ := a.post(path, url.Values{"name": {"x"}}); status != http.StatusForbidden {
			t.Errorf("analyst POST %s: status %d, want 403", path, status)
		}
	}
	after, err := h.campaigns.Get(ctx, f.owner.ws.ID, f.c.ID)
	must(t, err)
	if after.Version != f.c.Version {
		t.Errorf("analyst changed the campaign: version %d → %d", f.c.Version, after.Version)
	}

	// A member of another workspace finds nothing, not even a 403.
	o := h.signedIn(f.other)
	for _, path := range f.strategyPaths() {
		if status, _ := o.get(path); status != http.StatusNotFound {
			t.Errorf("other workspace GET %s: status %d, want 404", path, status)
		}
	}
	o.get("/w/other/strategy")
	for _, path := range posts {
		if status, _, _ := o.post(path, url.Values{"name": {"x"}}); status != http.StatusNotFound {
			t.Errorf("other workspace POST %s: status %d, want 404", path, status)
		}
	}
	if status, _ := o.get(fmt.Sprintf("/w/other/strategy/campaigns/%d", f.c.ID)); status != http.StatusNotFound {
		t.Errorf("acme's campaign under the other workspace: status %d, want 404", status)
	}
	// And its own strategy page does not list acme's campaign.
	if _, body := o.get("/w/other/strategy"); strings.Contains(body, f.c.Name) {
		t.Errorf("other workspace lists acme's campaign")
	}
}

func TestStrategyFormatting(t *testing.T) {
	t.Parallel()
	numbers := []struct {
		v    float64
		prec int
		want string
	}{
		{0, 2, "0"}, {1234567.5, 2, "1,234,567.5"}, {-1234, 0, "-1,234"}, {999, 2, "999"}, {0.126, 2, "0.13"}, {1000, 2, "1,000"},
	}
	for _, tt := range numbers {
		if got := number(tt.v, tt.prec); got != tt.want {
			t.Errorf("number(%v, %d) = %q, want %q", tt.v, tt.prec, got, tt.want)
		}
	}
	s := &Server{cat: mustCatalog(t)}
	l := lang{s: s, loc: "en"}
	values := []struct {
		unit metric.Unit
		v    float64
		want string
	}{
		{metric.Rate, 0.4846, "48.5%"}, {metric.Rate, 0.0005, "0.05%"}, {metric.Money, 12000, "12,000 CNY"}, {metric.Ratio, 3.5, "3.5×"},
		{metric.Signed, 0.2, "+0.2"}, {metric.Duration, 30, "30 min"}, {metric.Count, 15000, "15,000"},
	}
	for _, tt := range values {
		if got := metricValue(l, tt.unit, tt.v, "CNY"); got != tt.want {
			t.Errorf("metricValue(%s, %v) = %q, want %q", tt.unit, tt.v, got, tt.want)
		}
	}
	// A forecast of a count is a whole number, as the workbook shows it;
	// other forecasts read as their figures do.
	forecasts := []struct {
		unit metric.Unit
		v    float64
		want string
	}{
		{metric.Count, 10394.97, "10,395"}, {metric.Count, 0.4, "0"}, {metric.Money, 232629.894, "232,629.89 CNY"}, {metric.Ratio, 1.256, "1.26×"},
	}
	for _, tt := range forecasts {
		if got := forecastValue(l, tt.unit, tt.v, "CNY"); got != tt.want {
			t.Errorf("forecastValue(%s, %v) = %q, want %q", tt.unit, tt.v, got, tt.want)
		}
	}
	shares := []struct {
		name, in string
		ok       bool
		want     string
	}{
		{"spaces in names", "Tea culture 60\n新品：40%", true, "Tea culture=60 新品=40"},
		{"colon", "A:50\nB: 50", true, "A=50 B=50"},
		{"no share", "Tea", false, ""},
		{"not a number", "Tea lots", false, ""},
		{"empty", "", true, ""},
	}
	for _, tt := range shares {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseShares(tt.in)
			var parts []string
			for _, m := range got {
				parts = append(parts, fmt.Sprintf("%v=%v", m["name"], m["share"]))
			}
			if ok != tt.ok || strings.Join(parts, " ") != tt.want {
				t.Errorf("parseShares(%q) = %q, %v; want %q, %v", tt.in, strings.Join(parts, " "), ok, tt.want, tt.ok)
			}
		})
	}
}

// TestBudgetDonutShares: the donut's labels write shares with one decimal,
// as pct does on the rest of the page (40.7%, not 40.66%).
func TestBudgetDonutShares(t *testing.T) {
	t.Parallel()
	l := lang{s: &Server{cat: mustCatalog(t)}, loc: "en"}
	opt := chartJSON(t, budgetDonut([]campaign.BudgetRow{{Key: "kol_fee", Planned: 37000}, {Key: "ads", Planned: 54000}}, func(k string) string { return k }, l))
	series, _ := opt["series"].([]any)
	pie, _ := series[0].(map[string]any)
	if p, _ := pie["percentPrecision"].(float64); p != 1 {
		t.Errorf("pie percentPrecision = %v, want 1: %v", pie["percentPrecision"], pie)
	}
}

// TestTimelineLabels: the timeline's date labels make room for each other
// and stay inside the chart, where on a phone they ran together ("2912月").
func TestTimelineLabels(t *testing.T) {
	t.Parallel()
	l := lang{s: &Server{cat: mustCatalog(t)}, loc: "zh-CN"}
	c := campaign.Campaign{Start: "2026-11-15", End: "2027-01-20", Phases: []campaign.Phase{{Name: "预热", Start: "2026-11-15", End: "2026-11-30"}}}
	opt := chartJSON(t, timelineChart(c, "2026-12-07", l))
	if h, _ := optAt(t, opt, "xAxis", "axisLabel")["hideOverlap"].(bool); !h {
		t.Errorf("xAxis.axisLabel.hideOverlap is not set: %v", opt["xAxis"])
	}
	if in, _ := optAt(t, opt, "grid")["containLabel"].(bool); !in {
		t.Errorf("grid.containLabel is not set: %v", opt["grid"])
	}
}

// TestStrategyCatalogKeys checks the keys the strategy pages build in Go,
// which the template and code key tests cannot see.
func TestStrategyCatalogKeys(t *testing.T) {
	c := mustCatalog(t)
	var keys []string
	src, err := os.ReadFile("strategy_pages.go")
	must(t, err)
	for _, m := range regexp.MustCompile(`"((?:strategy|metric|status|budget_kind|direction|tier|objective)\.[a-z_.]*[a-z_])"`).FindAllStringSubmatch(string(src), -1) {
		keys = append(keys, m[1])
	}
	for _, st := range campaign.Statuses {
		keys = append(keys, "status."+st)
	}
	for _, k := range campaign.BudgetKinds {
		keys = append(keys, "budget_kind."+k)
	}
	for _, o := range campaign.Objectives {
		keys = append(keys, "objective."+o)
	}
	for _, d := range metric.Defs {
		keys = append(keys, "metric."+d.Key, "tier."+string(d.Tier))
	}
	for _, k := range []string{"phase", "target", "budget_line"} {
		keys = append(keys, "strategy.form."+k+".new", "strategy.form."+k+".edit")
	}
	for _, k := range collKinds {
		if k != "campaign" {
			keys = append(keys, "strategy.item."+k)
		}
	}
	s := &Server{}
	x := strategyRefs{}
	l := lang{s: &Server{cat: c}, loc: "en"}
	forms := map[string][]sfield{
		"campaign": append(s.campaignFields(x, l), s.templateFields(x)...),
		"phase":    s.phaseChild().Fields(x, campaign.Campaign{}, l),
		"target":   s.targetChild().Fields(x, campaign.Campaign{}, l),
	}
	forms["budget_line"] = s.budgetLineChild().Fields(x, campaign.Campaign{}, l)
	for kind, fields := range forms {
		for _, f := range fields {
			keys = append(keys, "field."+kind+"."+f.Name)
		}
	}
	for _, n := range append(mixNumbers, "role") {
		keys = append(keys, "field.mix."+n)
	}
	// Errors about a whole collection name it on the campaign form and on
	// the form of one of its items.
	keys = append(keys, "field.campaign.budget_lines", "field.budget_line.budget_lines")
	for _, k := range keys {
		if !c.Has(k) {
			t.Errorf("key %q is missing", k)
		}
	}
	if len(keys) < 100 {
		t.Errorf("only %d keys checked; is the pattern stale?", len(keys))
	}
}

// TestCampaignPageReconcilesMix: a mix whose budget shares give a
// platform less than its budget lines plan is flagged on the campaign
// page, in the mix table and in the warnings, with the amounts.
func TestCampaignPageReconcilesMix(t *testing.T) {
	f := newStrategyFixture(t)
	ctx := context.Background()
	// A budget of 50,000: Weibo gets 10 % (5,000) but its line plans 12,000.
	_, err := f.h.campaigns.SetMix(ctx, f.owner.ws.ID, f.c.ID, []campaign.MixEntry{
		{Platform: "weibo", BudgetShare: 10}, {Platform: "douyin", BudgetShare: 90}}, "")
	must(t, err)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	_, body := b.get(f.prefix)
	row := section(body, `<tr data-platform="weibo">`, "</tr>")
	for _, want := range []string{"5,000 CNY", "12,000 CNY", "超出占比"} {
		if !strings.Contains(row, want) {
			t.Errorf("Weibo's mix row lacks %q: %s", want, row)
		}
	}
	if douyin := section(body, `<tr data-platform="douyin">`, "</tr>"); !strings.Contains(douyin, "45,000 CNY") || strings.Contains(douyin, "超出占比") {
		t.Errorf("Douyin's mix row: %s", douyin)
	}
	// Its amounts are in the workspace currency, as the page's others are.
	if !strings.Contains(body, "“微博”的预算明细计划 12,000 CNY，超过了平台组合按 10% 占比分给它的预算（5,000 CNY）") {
		t.Errorf("no warning that Weibo's lines exceed its share, in CNY: %s", section(body, `id="warnings"`, "</div>"))
	}
	// On a phone the table stacks (table.stack), each figure named by its
	// column: every cell after the platform's carries its column's name.
	if !strings.Contains(body, `<table class="stack" id="mix-table">`) || strings.Count(row, "<td") != 8 || strings.Count(row, `data-label="`) != 7 ||
		!strings.Contains(row, `data-label="按占比预算">5,000 CNY<`) {
		t.Errorf("mix table does not stack on a phone: %s", row)
	}
}

// TestCampaignTablesStackOnPhone: every table of the campaign page turns
// into a block per row on a phone, each figure after its column's name,
// rather than a table scrolled sideways whose amounts, edit buttons and
// over-allocated badges sit off screen.
func TestCampaignTablesStackOnPhone(t *testing.T) {
	f := newStrategyFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	_, body := b.get(f.prefix)
	for _, id := range []string{"phase-table", "kpi-table", "mix-table", "budget-line-table", "hours-table"} {
		t.Run(id, func(t *testing.T) {
			for _, p := range stackProblems(t, body, id) {
				t.Error(p)
			}
		})
	}
	// So do the forms of the mix and of the hours: each input after its
	// column's name rather than off screen.
	for _, tt := range []struct{ path, id string }{{f.prefix + "/mix", "mix-editor-table"}, {f.prefix + "/hours", "hours-editor-table"}} {
		t.Run(tt.id, func(t *testing.T) {
			_, form := b.get(tt.path)
			for _, p := range stackProblems(t, form, tt.id) {
				t.Error(p)
			}
		})
	}
}

// TestTierLabelsAreWords: a KPI's tier stands beside its name on the
// campaign page and in the target form's choices; in Chinese a lone 质 or
// 数 read as a stray character, not as quality or quantity.
func TestTierLabelsAreWords(t *testing.T) {
	cat := mustCatalog(t)
	for _, tier := range []metric.Tier{metric.Quantity, metric.Quality, metric.ROI} {
		if got := cat.T("zh-CN", "tier."+string(tier), nil); utf8.RuneCountInString(got) < 2 {
			t.Errorf("the Chinese label of the %s tier is %q, a single character", tier, got)
		}
	}
}

// TestCampaignDatesStayWhole: the campaign's start and end are each a
// <time>, which the style sheet keeps on one line, so a narrow fact column
// breaks between the dates, never inside one ("2027-03-" / "02").
func TestCampaignDatesStayWhole(t *testing.T) {
	f := newStrategyFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	_, body := b.get(f.prefix)
	c := f.c
	want := fmt.Sprintf(`<time datetime="%s">%s</time> – <time datetime="%s">%s</time>`, c.Start, c.Start, c.End, c.End)
	if !strings.Contains(body, want) {
		t.Errorf("campaign page lacks %q", want)
	}
	css, err := staticFS.ReadFile("static/app.css")
	must(t, err)
	if !regexp.MustCompile(`(?m)^time\s*\{[^}]*white-space:\s*nowrap`).Match(css) {
		t.Error("app.css does not keep a <time> on one line")
	}
}

// TestCampaignPageMixLeavesGeneralLines: a budget line on no platform
// (production) comes off the budget before the mix's shares split it, as
// the page says; it is not "outside the mix" and raises no warning. With
// shares summing to 100, every plan with such a line warned before.
func TestCampaignPageMixLeavesGeneralLines(t *testing.T) {
	f := newStrategyFixture(t)
	ctx := context.Background()
	_, err := f.h.campaigns.SetMix(ctx, f.owner.ws.ID, f.c.ID, []campaign.MixEntry{
		{Platform: "weibo", BudgetShare: 40}, {Platform: "douyin", BudgetShare: 60}}, "")
	must(t, err)
	_, err = f.h.campaigns.AddBudgetLine(ctx, f.owner.ws.ID, f.c.ID, campaign.BudgetLine{Kind: "production", Description: "拍摄", Planned: 20000})
	must(t, err)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	_, body := b.get(f.prefix)
	// 50,000 less 20,000 of production: Weibo's 40 % is 12,000, its line's
	// plan.
	if row := section(body, `<tr data-platform="weibo">`, "</tr>"); !strings.Contains(row, `data-label="按占比预算">12,000 CNY<`) || strings.Contains(row, "超出占比") {
		t.Errorf("Weibo's mix row: %s", row)
	}
	if strings.Contains(body, `id="mix-outside"`) || strings.Contains(body, "不属于平台组合任何平台的预算明细") {
		t.Errorf("the production line shows as outside the mix")
	}
	if note := section(body, `id="mix-note"`, "</p>"); note == body || !strings.Contains(note, "30,000 CNY") || !strings.Contains(note, "20,000 CNY") {
		t.Errorf("mix note = %q; want what the shares split (30,000) and the lines on no platform (20,000)", note)
	}
}

var shownPartInput = regexp.MustCompile(`name="shown" value="([0-9a-f]+)"`)

// TestStrategyFormSaveOverAnother: two people open the same budget line
// (and the mix); the first saves, and the second's save, which would undo
// the first's change, is refused with 409, keeps what was typed and
// carries the digest of the part as it is now, so that saving again
// replaces it knowingly.
func TestStrategyFormSaveOverAnother(t *testing.T) {
	f := newStrategyFixture(t)
	a, b := f.h.browser(), f.h.browser()
	a.login(f.owner.email, f.owner.password)
	b.login(f.owner.email, f.owner.password)
	shown := func(body string) string {
		t.Helper()
		m := shownPartInput.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("form has no shown digest")
		}
		return m[1]
	}
	line := f.c.BudgetLines[0]
	for _, tt := range []struct {
		name, path    string
		first, second url.Values
		typed         string
	}{
		{"budget line", fmt.Sprintf("%s/budget-lines/%d", f.prefix, line.ID),
			url.Values{"kind": {"kol_fee"}, "description": {line.Description}, "platform": {"weibo"}, "planned": {"12000"}, "committed": {"12000"}, "spent": {"2000"}},
			url.Values{"kind": {"kol_fee"}, "description": {"Weibo KOL post ×2"}, "platform": {"weibo"}, "planned": {"12000"}, "committed": {"8000"}, "spent": {"2000"}},
			"Weibo KOL post ×2"},
		{"mix", f.prefix + "/mix",
			url.Values{"include": {"weibo", "douyin"}, "budget_share.weibo": {"70"}, "budget_share.douyin": {"30"}},
			url.Values{"include": {"weibo", "xiaohongshu"}, "budget_share.weibo": {"45"}, "budget_share.xiaohongshu": {"55"}},
			`name="budget_share.xiaohongshu" value="55"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, formA := a.get(tt.path)
			_, formB := b.get(tt.path)
			tt.first.Set("shown", shown(formA))
			tt.second.Set("shown", shown(formB))
			if status, body, _ := a.post(tt.path, tt.first); status != http.StatusSeeOther {
				t.Fatalf("first save: status %d: %s", status, between(body, "<form", "</form>"))
			}
			status, body, _ := b.post(tt.path, tt.second)
			if status != http.StatusConflict || !strings.Contains(body, "其他人已修改") || !strings.Contains(body, tt.typed) {
				t.Fatalf("second save: status %d, want 409 with the message and %q kept: %s", status, tt.typed, between(body, "<form", "</form>"))
			}
			tt.second.Set("shown", shown(body))
			if status, body, _ := b.post(tt.path, tt.second); status != http.StatusSeeOther {
				t.Fatalf("save again after the conflict: status %d: %s", status, between(body, "<form", "</form>"))
			}
		})
	}
}

// TestSharesReadAsTyped: shares people type (the mix's, the pillars') read
// on the campaign page as typed and as the workbook gives them, not
// rounded to whole percents (12.5 read "12%", thirds "33%").
func TestSharesReadAsTyped(t *testing.T) {
	f := newStrategyFixture(t)
	ctx := context.Background()
	_, err := f.h.campaigns.SetMix(ctx, f.owner.ws.ID, f.c.ID, []campaign.MixEntry{
		{Platform: "weibo", BudgetShare: 12.5, HoursShare: 33.33}, {Platform: "douyin", BudgetShare: 87.5, HoursShare: 66.67}}, "")
	must(t, err)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	_, body := b.get(f.prefix)
	row := section(body, `<tr data-platform="weibo">`, "</tr>")
	for _, want := range []string{">12.5%<", ">33.33%<"} {
		if !strings.Contains(row, want) {
			t.Errorf("Weibo's mix row lacks %q: %s", want, row)
		}
	}
	// A persona's shares on the brand page, likewise.
	_, err = f.h.brand.Personas.Create(ctx, f.owner.ws.ID, brand.Persona{Name: "Thirds",
		Gender: brand.GenderSplit{Female: 33.33, Male: 33.33, Other: 33.34}, Platforms: []brand.PlatformShare{{Platform: "weibo", Share: 12.5}}})
	must(t, err)
	_, body = b.get("/w/acme/brand")
	if row := section(body, ">Thirds<", "</tr>"); !strings.Contains(row, "♀33.33% ♂33.33%") || !strings.Contains(row, "12.5%") {
		t.Errorf("persona's shares on the brand page: %s", row)
	}
}

// TestStrategyFormsTellEveryMistake: each campaign form with a number that
// does not parse says so and, in the same answer, what is wrong with the
// other fields, each next to its field and with what was typed kept; a
// share summing wrong because of the number that did not parse is not
// told; nothing is saved.
func TestStrategyFormsTellEveryMistake(t *testing.T) {
	f := newStrategyFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	b.get("/w/acme/strategy")
	line := f.c.BudgetLines[0]
	member := itoa64(f.ids["team"])
	second, err := f.h.brand.Team.Create(context.Background(), f.owner.ws.ID, brand.TeamMember{Name: "Wang", WeeklyHours: 40})
	must(t, err)
	// errAt is the text of the errors shown at a field of a strategy form
	// (its id), in a mix row ("mix:<platform>:<column>") or in an hours
	// row ("hours:<member>"); "" when there are none.
	errAt := func(body, at string) string {
		after := func(s, mark string) string {
			if i := strings.Index(s, mark); i >= 0 {
				return s[i+len(mark):]
			}
			return ""
		}
		cell := body
		switch parts := strings.Split(at, ":"); parts[0] {
		case "mix":
			cell = after(after(body, `<tr data-platform="`+parts[1]+`"`), `name="`+parts[2]+`.`+parts[1]+`"`)
		case "hours":
			cell = after(body, `name="hours.`+parts[1]+`"`)
		default:
			cell = after(body, `id="`+at+`"`)
		}
		cell, _, _ = strings.Cut(cell, "</td>")
		cell, _, _ = strings.Cut(cell, `<div class="field `)
		msg, _, _ := strings.Cut(after(cell, `class="field-error"`), "</div>")
		return msg
	}
	for _, tt := range []struct {
		name, path string
		form       url.Values
		want       map[string]string // where → error text
		typed      []string
		absent     []string
	}{
		{"new campaign", "/w/acme/strategy/campaigns",
			url.Values{"name": {""}, "objective": {"sales"}, "start": {"2026-05-01"}, "end": {"2026-04-01"}, "budget": {"lots"}},
			map[string]string{"new-name": "必填", "new-end": "结束日期", "new-budget": "请输入数字"}, []string{`value="lots"`}, nil},
		{"from template", "/w/acme/strategy/campaigns/from-template",
			url.Values{"objective": {"sales"}, "name": {""}, "start": {"2026-10-01"}, "end": {"2026-11-30"}, "budget": {"1o000"}},
			map[string]string{"tpl-name": "必填", "tpl-budget": "请输入数字"}, []string{`value="1o000"`}, nil},
		{"campaign", f.prefix,
			url.Values{"name": {""}, "objective": {"sales"}, "status": {"planned"}, "start": {string(f.c.Start)}, "end": {string(f.c.End)},
				"budget": {"5万万"}, "pillars": {"种草 150"}, "persona_ids": {"999999"}},
			map[string]string{"campaign-name": "必填", "campaign-budget": "请输入数字", "campaign-pillars": "100", "campaign-persona_ids": "没有编号为 999999 的目标人群"}, []string{`value="5万万"`, "种草 150"}, nil},
		{"KPI target", f.prefix + "/targets",
			url.Values{"metric": {"engagement_rate"}, "direction": {"at_least"}, "value": {"five"}, "baseline": {"150%"}},
			map[string]string{"target-value": "请输入数字", "target-baseline": "0 到 100%"}, []string{`value="five"`, `value="150%"`}, nil},
		{"budget line", fmt.Sprintf("%s/budget-lines/%d", f.prefix, line.ID),
			url.Values{"kind": {"kol_fee"}, "description": {line.Description}, "platform": {"weibo"}, "planned": {"12kg"}, "committed": {"-5"}, "spent": {"2000"}},
			map[string]string{"budget_line-planned": "请输入数字", "budget_line-committed": "不能为负数"}, []string{`value="12kg"`, `value="-5"`}, nil},
		{"platform mix", f.prefix + "/mix",
			url.Values{"include": {"weibo", "douyin", "xiaohongshu"}, "budget_share.weibo": {"六十"}, "budget_share.douyin": {"30"}, "budget_share.xiaohongshu": {"10"},
				"hours_share.weibo": {"50"}, "hours_share.douyin": {"150"}, "posts_per_week.xiaohongshu": {"-2"}},
			map[string]string{"mix:weibo:budget_share": "请输入数字", "mix:douyin:hours_share": "100", "mix:xiaohongshu:posts_per_week": "不能为负数"},
			[]string{`value="六十"`}, []string{"预算占比之和"}},
		{"hours", f.prefix + "/hours",
			url.Values{"hours." + member: {"eight"}, "hours." + itoa64(second.ID): {"200"}},
			map[string]string{"hours:" + member: "请输入数字", "hours:" + itoa64(second.ID): "168"}, []string{`value="eight"`}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, err := f.h.campaigns.List(context.Background(), f.owner.ws.ID)
			must(t, err)
			status, body, _ := b.post(tt.path, tt.form)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", status, between(body, "<form", "</form>"))
			}
			for at, want := range tt.want {
				if got := errAt(body, at); !strings.Contains(got, want) {
					t.Errorf("error at %s = %q, want %q", at, got, want)
				}
			}
			for _, typed := range tt.typed {
				if !strings.Contains(body, typed) {
					t.Errorf("what was typed (%s) is not kept", typed)
				}
			}
			for _, tag := range undescribed(body) {
				t.Errorf("a field marked invalid does not name its error (aria-describedby): %s", tag)
			}
			for _, no := range tt.absent {
				if strings.Contains(body, no) {
					t.Errorf("the form says %q, which only the number that did not parse causes", no)
				}
			}
			after, err := f.h.campaigns.List(context.Background(), f.owner.ws.ID)
			must(t, err)
			if len(after) != len(before) || after[0].Version != before[0].Version {
				t.Errorf("something was saved: %d campaigns → %d", len(before), len(after))
			}
		})
	}
}

// undescribed lists the tags of body marked aria-invalid whose
// aria-describedby names no element of body: a screen reader then says a
// field is wrong but not why.
func undescribed(body string) []string {
	var out []string
	for _, tag := range regexp.MustCompile(`<[a-z]+ [^>]*aria-invalid="true"[^>]*>`).FindAllString(body, -1) {
		m := regexp.MustCompile(`aria-describedby="([^"]+)"`).FindStringSubmatch(tag)
		if m == nil || !strings.Contains(body, `id="`+m[1]+`"`) {
			out = append(out, tag)
		}
	}
	return out
}

// TestHalfHourTimeZone: a workspace may be set to a zone half an hour
// or 45 minutes from UTC, and the campaign page then says from what local
// time its days are measured; in a whole-hour zone it says nothing.
func TestHalfHourTimeZone(t *testing.T) {
	f := newStrategyFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	b.get("/w/acme/settings")
	for _, tt := range []struct{ zone, note string }{
		{"Asia/Kolkata", "此处每天从 00:30 算到次日 00:30（Asia/Kolkata）"},
		{"Asia/Kathmandu", "此处每天从 00:45 算到次日 00:45（Asia/Kathmandu）"},
		{"Australia/Adelaide", "此处每天从 00:30 算到次日 00:30（Australia/Adelaide）"},
		{"Asia/Shanghai", ""},
	} {
		status, body, _ := b.post("/w/acme/settings", url.Values{"name": {"Acme"}, "time_zone": {tt.zone}, "currency": {"CNY"}})
		if status != http.StatusSeeOther {
			t.Fatalf("time zone %s: status %d: %s", tt.zone, status, between(body, `id="f-time_zone"`, "</div>"))
		}
		_, body = b.get(f.prefix)
		note := between(body, `id="day-start-note">`, "</p>")
		if tt.note == "" && strings.Contains(body, `id="day-start-note"`) || !strings.Contains(note, tt.note) {
			t.Errorf("time zone %s: note %q, want %q", tt.zone, note, tt.note)
		}
	}
}

// TestCampaignPageCostAndAttribution: the campaign page and its workbook
// count the team's hours in the cost (METRICS.md: team hours × hourly
// rate) and show where the cost comes from, judge targets whose days are
// over as met or missed with their final pace, and measure conversions
// under the attribution model chosen, as the funnel page does.
func TestCampaignPageCostAndAttribution(t *testing.T) {
	f := newStrategyFixture(t)
	h, p, ws := f.h, f.prefix, f.owner.ws.ID
	ctx := context.Background()
	_, err := h.brand.SaveBudget(ctx, ws, brand.Budget{Currency: "CNY", HourlyCost: 150})
	must(t, err)
	// Li gives 8 h a week at the team's 150 over the running campaign's
	// 61 days, all gone: 10,457.14 of people beside the 2,000 spent.
	c, err := h.campaigns.AddTarget(ctx, ws, f.c.ID, campaign.Target{Metric: "clicks", Value: 100, PhaseID: f.c.Phases[0].ID})
	must(t, err)
	c.Status = "active"
	c, err = h.campaigns.Update(ctx, ws, c.ID, c)
	must(t, err)
	b := h.signedIn(f.owner)

	status, body := b.get(p)
	if status != 200 {
		t.Fatalf("campaign page: status %d", status)
	}
	for _, want := range []string{
		`id="cost-people"`, "10,457.14 CNY", `id="cost-total"`, "12,457.14 CNY",
		"预算明细已花费 2,000 CNY", "人力成本 10,457.14 CNY",
		">1,200<", // Li's cost a week
		`<option value="last_touch" selected>`, `href="` + p + `/plan.xlsx"`, "归因模型：末次触点（默认）",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("campaign page lacks %q: %s", want, section(body, `id="cost-note"`, "</p>"))
		}
	}
	// A cost-based target says where its cost comes from under the names
	// the cost note uses: budget lines spent (they hold production and
	// moderator fees too, not only media) and people cost.
	if !strings.Contains(body, `<span class="small muted cost-split">成本：预算明细已花费 2,000 CNY &#43; 人力成本 10,457.14 CNY</span>`) || strings.Contains(body, "媒介") {
		t.Errorf("cost split does not read as budget lines spent + people cost: %s", section(body, `cost-split">`, "</span>"))
	}
	// The phase's clicks target is over with none of its 100: missed, its
	// final pace the attainment beside it (0%), not told again as a
	// fraction ("最终进度 0").
	row := section(body, fmt.Sprintf(`data-target-id="%d"`, c.Targets[len(c.Targets)-1].ID), "</tr>")
	if !strings.Contains(row, "pace-missed") || !strings.Contains(row, `title="达成率：实际 ÷ 目标">0%</span>`) || !strings.Contains(row, ">未达成</span>") {
		t.Errorf("ended target row does not say it was missed with its attainment: %s", row)
	}

	status, body = b.get(p + "?model=first_touch")
	if status != 200 || !strings.Contains(body, `<option value="first_touch" selected>`) ||
		!strings.Contains(body, `href="`+p+`/plan.xlsx?model=first_touch"`) || !strings.Contains(body, "归因模型：首次触点") {
		t.Errorf("first touch page: status %d; lacks the model chosen, in the note or the workbook's link", status)
	}
	if status, body = b.get(p + "?model=bogus"); status != 200 || !strings.Contains(body, `<option value="last_touch" selected>`) {
		t.Errorf("unknown model: status %d; want the page under last touch", status)
	}

	api := fmt.Sprintf("/workspaces/acme/campaigns/%d/plan", f.c.ID)
	if status, out := h.api("GET", api+"?model=linear", f.owner.token, nil); status != 200 ||
		!strings.Contains(jsonText(out), `"attribution": "linear"`) || !strings.Contains(jsonText(out), `"people": 10457.142857142857`) {
		t.Errorf("plan under linear: status %d: %.600s", status, jsonText(out))
	}
	if status, out := h.api("GET", api+"?model=bogus", f.owner.token, nil); status != http.StatusUnprocessableEntity || !strings.Contains(jsonText(out), `"model"`) {
		t.Errorf("plan under bogus: status %d, want 422 naming model: %s", status, jsonText(out))
	}

	status, xbody, _ := b.do("GET", p+"/plan.xlsx?model=linear", nil, nil)
	if status != 200 {
		t.Fatalf("plan.xlsx: status %d", status)
	}
	x, err := excelize.OpenReader(strings.NewReader(xbody))
	must(t, err)
	defer x.Close()
	rows, _ := x.GetRows(report.SheetOverview)
	for _, want := range [][2]string{{"归因模型 Attribution", "线性 Linear"}, {"人力成本（计划工时 × 时薪） People cost (planned hours × rate)", "10,457.14"}, {"总成本 Cost so far", "12,457.14"}} {
		if !slices.ContainsFunc(rows, func(r []string) bool { return len(r) > 1 && r[0] == want[0] && r[1] == want[1] }) {
			t.Errorf("plan.xlsx overview lacks %v: %v", want, rows)
		}
	}

	// Back to a draft, which no one was set to work on: no people cost on
	// the page, in the API or in the workbook, and the notes say so.
	c.Status = "draft"
	_, err = h.campaigns.Update(ctx, ws, c.ID, c)
	must(t, err)
	_, body = b.get(p)
	if !strings.Contains(body, "成本：预算明细已花费 2,000 CNY &#43; 人力成本 0 CNY") || !strings.Contains(body, "草稿不计，已完成或已取消的活动只计到标记完成或取消时") {
		t.Errorf("draft's cost: %s", section(body, `id="cost-note"`, "</p>"))
	}
	if status, out := h.api("GET", api, f.owner.token, nil); status != 200 || !strings.Contains(jsonText(out), `"people": 0,`) {
		t.Errorf("draft's plan: status %d: %.600s", status, jsonText(out))
	}
	_, xbody, _ = b.do("GET", p+"/plan.xlsx", nil, nil)
	x, err = excelize.OpenReader(strings.NewReader(xbody))
	must(t, err)
	defer x.Close()
	rows, _ = x.GetRows(report.SheetOverview)
	for _, want := range [][2]string{{"人力成本（计划工时 × 时薪） People cost (planned hours × rate)", "0.00"}, {"总成本 Cost so far", "2,000.00"}} {
		if !slices.ContainsFunc(rows, func(r []string) bool { return len(r) > 1 && r[0] == want[0] && r[1] == want[1] }) {
			t.Errorf("draft's plan.xlsx overview lacks %v: %v", want, rows)
		}
	}

	// Run, then marked done on 11 March at 10:00, seven weeks before its
	// end date: its people cost stops at the 10 days ended by then,
	// 1,714.29, on the page, in the API and in the workbook alike.
	c, err = h.campaigns.Get(ctx, ws, c.ID)
	must(t, err)
	c.Status = "active"
	c, err = h.campaigns.Update(ctx, ws, c.ID, c)
	must(t, err)
	c.Status = "done"
	h.campaigns.Now = func() time.Time { return time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC) }
	_, err = h.campaigns.Update(ctx, ws, c.ID, c)
	h.campaigns.Now = time.Now
	must(t, err)
	_, body = b.get(p)
	if !strings.Contains(body, "成本：预算明细已花费 2,000 CNY &#43; 人力成本 1,714.29 CNY") || !strings.Contains(body, "3,714.29 CNY") {
		t.Errorf("cost of the campaign done early: %s", section(body, `id="cost-note"`, "</p>"))
	}
	if status, out := h.api("GET", api, f.owner.token, nil); status != 200 || !strings.Contains(jsonText(out), `"people": 1714.2857142857142,`) {
		t.Errorf("plan of the campaign done early: status %d: %.600s", status, jsonText(out))
	}
	_, xbody, _ = b.do("GET", p+"/plan.xlsx", nil, nil)
	x, err = excelize.OpenReader(strings.NewReader(xbody))
	must(t, err)
	defer x.Close()
	rows, _ = x.GetRows(report.SheetOverview)
	for _, want := range [][2]string{{"人力成本（计划工时 × 时薪） People cost (planned hours × rate)", "1,714.29"}, {"总成本 Cost so far", "3,714.29"}} {
		if !slices.ContainsFunc(rows, func(r []string) bool { return len(r) > 1 && r[0] == want[0] && r[1] == want[1] }) {
			t.Errorf("plan.xlsx overview of the campaign done early lacks %v: %v", want, rows)
		}
	}
}

// TestCampaignRatesInAnotherCurrency: the team's hourly rates are in the
// brand budget's currency; when that is not the workspace's, the page,
// the API and the workbook leave the people cost out of the cost rather
// than add dollars to yuan, say why, and label the rates with their own
// currency.
func TestCampaignRatesInAnotherCurrency(t *testing.T) {
	f := newStrategyFixture(t)
	h, p, ws := f.h, f.prefix, f.owner.ws.ID
	ctx := context.Background()
	_, err := h.brand.SaveBudget(ctx, ws, brand.Budget{Currency: "USD", HourlyCost: 20})
	must(t, err)
	c := f.c
	c.Status = "active"
	_, err = h.campaigns.Update(ctx, ws, c.ID, c)
	must(t, err)
	b := h.signedIn(f.owner)

	_, body := b.get(p)
	for _, want := range []string{
		"团队时薪以 USD 计（品牌预算），而本工作区的币种是 CNY",
		"成本：预算明细已花费 2,000 CNY &#43; 人力成本 0 CNY",
		"<th class=\"num\">时薪（USD）</th><th class=\"num\">每周人力成本（USD）</th>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("campaign page lacks %q", want)
		}
	}
	api := fmt.Sprintf("/workspaces/acme/campaigns/%d/plan", c.ID)
	status, out := h.api("GET", api, f.owner.token, nil)
	for _, want := range []string{`"rate_currency": "USD"`, `"cost_basis": "budget_spent"`, `"people": 0,`, `"key": "warning.campaign.rate_currency"`} {
		if status != 200 || !strings.Contains(jsonText(out), want) {
			t.Errorf("plan: status %d, lacks %s", status, want)
		}
	}
	_, xbody, _ := b.do("GET", p+"/plan.xlsx", nil, nil)
	x, err := excelize.OpenReader(strings.NewReader(xbody))
	must(t, err)
	defer x.Close()
	rows, _ := x.GetRows(report.SheetBudget)
	if !slices.ContainsFunc(rows, func(r []string) bool {
		return len(r) > 6 && r[5] == "时薪 Hourly rate (USD)" && r[6] == "每周人力成本 Cost/week (USD)"
	}) {
		t.Errorf("plan.xlsx hours header does not name the rates' currency: %v", rows)
	}
	rows, _ = x.GetRows(report.SheetOverview)
	if !slices.ContainsFunc(rows, func(r []string) bool {
		return len(r) > 1 && r[0] == "人力成本（计划工时 × 时薪） People cost (planned hours × rate)" && r[1] == "0.00"
	}) {
		t.Errorf("plan.xlsx overview counts the people cost: %v", rows)
	}
}

// TestCampaignPageMetFollowsPace: an "at most" target still under its
// value while the campaign runs, but spending faster than its days go, is
// behind: its actual does not read as met beside that badge. One on pace
// does, as does an "at least" target already reached.
func TestCampaignPageMetFollowsPace(t *testing.T) {
	f := newStrategyFixture(t)
	h, ws := f.h, f.owner.ws.ID
	ctx := context.Background()
	day := campaign.DateOf(time.Now().In(f.owner.ws.Location()))
	c, err := h.campaigns.Create(ctx, ws, campaign.Campaign{
		Name: "Running", Objective: "sales", Status: "active", Start: day.AddDays(-9), End: day.AddDays(50), Budget: 50000,
		BudgetLines: []campaign.BudgetLine{{Kind: "production", Planned: 3000, Spent: 2000}},
		Targets: []campaign.Target{
			{ID: 1, Metric: "cost", Value: 8000, Direction: campaign.AtMost},
			{ID: 2, Metric: "cost", Value: 8000, Direction: campaign.AtMost, Platform: "weibo"},
			{ID: 3, Metric: "cost", Value: 1000, Direction: campaign.AtLeast, Platform: "douyin"},
		},
	})
	must(t, err)
	_, err = h.campaigns.AddBudgetLine(ctx, ws, c.ID, campaign.BudgetLine{Kind: "kol_fee", Platform: "weibo", Planned: 3000, Spent: 1000})
	must(t, err)
	_, err = h.campaigns.AddBudgetLine(ctx, ws, c.ID, campaign.BudgetLine{Kind: "kol_fee", Platform: "douyin", Planned: 3000, Spent: 1500})
	must(t, err)
	b := h.signedIn(f.owner)
	_, body := b.get(fmt.Sprintf("/w/acme/strategy/campaigns/%d", c.ID))
	for _, tt := range []struct {
		id   int
		met  bool
		pace string
	}{
		{1, false, "pace-behind"},  // 4,500 of ≤ 8,000 a sixth of the way
		{2, true, "pace-on_track"}, // 1,000 of ≤ 8,000
		{3, true, "pace-on_track"}, // 1,500 of ≥ 1,000, reached
	} {
		row := section(body, fmt.Sprintf(`data-target-id="%d"`, tt.id), "</tr>")
		if got := strings.Contains(row, `class="num actual met"`); got != tt.met || !strings.Contains(row, tt.pace) {
			t.Errorf("target %d: met %v, want %v with %s: %s", tt.id, got, tt.met, tt.pace, row)
		}
	}
}
