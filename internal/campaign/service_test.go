package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/metric"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// fixture is the service on a real database with one workspace whose
// step-1 data a campaign can refer to.
type fixture struct {
	svc    *campaign.Service
	brand  *brand.Service
	db     *store.DB
	ws     int64
	ids    map[string]int64
	newWS  func() int64
	create func(c campaign.Campaign) campaign.Campaign
}

var wsSeq atomic.Int64

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.SQLite(t)
	cat, err := platform.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := brand.NewService(db, cat.Has)
	f := &fixture{svc: campaign.NewService(db, b, platform.NewService(cat, db), cat), brand: b, db: db, ids: map[string]int64{}}
	f.newWS = func() int64 {
		var id int64
		slug := fmt.Sprintf("campaign-test-%d", wsSeq.Add(1))
		err := db.WriteDB().QueryRowContext(context.Background(), `INSERT INTO workspaces
			(slug, name, time_zone, currency, created_at, updated_at)
			VALUES ('`+slug+`', 'Test', 'Asia/Shanghai', 'CNY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.ws = f.newWS()
	ctx := context.Background()
	must := func(id int64, err error) int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	p, err := b.Products.Create(ctx, f.ws, brand.Product{Name: "冻干"})
	f.ids["product"] = must(p.ID, err)
	pe, err := b.Personas.Create(ctx, f.ws, brand.Persona{Name: "小美", AgeBands: []string{"25-34"}, CityTiers: []string{"tier1"},
		Gender: brand.GenderSplit{Female: 85, Male: 15}, Platforms: []brand.PlatformShare{{Platform: "xiaohongshu", Share: 50}, {Platform: "douyin", Share: 30}}})
	f.ids["persona"] = must(pe.ID, err)
	pe2, err := b.Personas.Create(ctx, f.ws, brand.Persona{Name: "阿杰", AgeBands: []string{"25-34", "35-44"},
		Gender: brand.GenderSplit{Female: 30, Male: 70}, Platforms: []brand.PlatformShare{{Platform: "weibo", Share: 40}, {Platform: "zhihu", Share: 40}}})
	f.ids["persona2"] = must(pe2.ID, err)
	m, err := b.Team.Create(ctx, f.ws, brand.TeamMember{Name: "陈思雨", WeeklyHours: 40})
	f.ids["member"] = must(m.ID, err)
	a, err := b.Amplifiers.Create(ctx, f.ws, brand.Amplifier{Name: "阿May", Kind: "kol", Platform: "xiaohongshu"})
	f.ids["amplifier"] = must(a.ID, err)
	f.create = func(c campaign.Campaign) campaign.Campaign {
		t.Helper()
		out, err := f.svc.Create(ctx, f.ws, c)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		return out
	}
	return f
}

func base() campaign.Campaign {
	return campaign.Campaign{
		Name: "冬日暖咖季", Objective: "sales", Start: "2026-01-01", End: "2026-02-28", Budget: 10000,
		Phases: []campaign.Phase{
			{Name: "引爆", Start: "2026-01-11", End: "2026-02-28"},
			{Name: "预热", Start: "2026-01-01", End: "2026-01-10"},
		},
	}
}

func fieldKeys(err error) []string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return nil
	}
	var out []string
	for _, f := range ae.Fields {
		out = append(out, f.Field+" "+f.Key)
	}
	return out
}

func wantFields(t *testing.T, err error, code apperr.Code, want ...string) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	got := fieldKeys(err)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("fields = %v, want %q", got, w)
		}
	}
}

func TestCreateFillsAndSorts(t *testing.T) {
	f := newFixture(t)
	c := f.create(base())
	if c.ID == 0 || c.Version != 1 || c.Status != "draft" || c.CreatedAt.IsZero() {
		t.Errorf("created = id %d version %d status %q created %v", c.ID, c.Version, c.Status, c.CreatedAt)
	}
	if len(c.Slug) < 10 || !isASCII(c.Slug) || c.Slug[:8] != "20260101" {
		t.Errorf("slug = %q, want ASCII from the start date", c.Slug)
	}
	if c.Phases[0].Name != "预热" || c.Phases[0].ID != 2 || c.Phases[1].ID != 1 {
		t.Errorf("phases = %+v, want sorted by start with ids kept", c.Phases)
	}
	if c.Phases[0].Objective != "sales" {
		t.Errorf("phase objective = %q, want the campaign's", c.Phases[0].Objective)
	}
	got, err := f.svc.Get(context.Background(), f.ws, c.ID)
	if err != nil || got.Name != c.Name || len(got.Phases) != 2 {
		t.Errorf("Get = %+v, %v", got, err)
	}
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return true
}

func TestServiceRules(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		change func(c *campaign.Campaign)
		want   string
	}{
		{"unknown product", func(c *campaign.Campaign) { c.ProductIDs = []int64{9999} }, "product_ids[0] error.campaign.unknown_product"},
		{"unknown persona", func(c *campaign.Campaign) { c.PersonaIDs = []int64{f.ids["persona"], 9999} }, "persona_ids[1] error.campaign.unknown_persona"},
		{"unknown owner", func(c *campaign.Campaign) { c.OwnerID = 9999 }, "owner_id error.campaign.unknown_member"},
		{"unknown member", func(c *campaign.Campaign) { c.Hours = []campaign.HoursLine{{MemberID: 9999, HoursPerWeek: 1}} }, "hours[0].member_id error.campaign.unknown_member"},
		{"unknown resource", func(c *campaign.Campaign) {
			c.BudgetLines = []campaign.BudgetLine{{Kind: "kol_fee", ResourceID: 9999}}
		}, "budget_lines[0].resource_id error.campaign.unknown_resource"},
		{"budget line unknown platform", func(c *campaign.Campaign) {
			c.BudgetLines = []campaign.BudgetLine{{Kind: "other", Platform: "myspace"}}
		}, "budget_lines[0].platform error.unknown_platform"},
		{"mix unknown platform", func(c *campaign.Campaign) {
			c.Mix = []campaign.MixEntry{{Platform: "myspace", BudgetShare: 100}}
		}, "mix[0].platform error.unknown_platform"},
		{"target unknown platform", func(c *campaign.Campaign) {
			c.Targets = []campaign.Target{{Metric: "clicks", Value: 1, Platform: "myspace"}}
		}, "targets[0].platform error.unknown_platform"},
		{"persona of another workspace", func(c *campaign.Campaign) {
			other := f.newWS()
			p, err := f.brand.Personas.Create(context.Background(), other, brand.Persona{Name: "x", Gender: brand.GenderSplit{Female: 50, Male: 50}})
			if err != nil {
				t.Fatal(err)
			}
			c.PersonaIDs = []int64{p.ID}
		}, "persona_ids[0] error.campaign.unknown_persona"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.change(&c)
			_, err := f.svc.Create(context.Background(), f.ws, c)
			wantFields(t, err, apperr.Invalid, tt.want)
		})
	}
	// Nothing was saved by the refused creations.
	if cs, err := f.svc.List(context.Background(), f.ws); err != nil || len(cs) != 0 {
		t.Errorf("List after refused creations = %d, %v", len(cs), err)
	}
	// The references that exist pass.
	c := base()
	c.ProductIDs, c.PersonaIDs, c.OwnerID = []int64{f.ids["product"]}, []int64{f.ids["persona"]}, f.ids["member"]
	c.Hours = []campaign.HoursLine{{MemberID: f.ids["member"], HoursPerWeek: 10}}
	c.BudgetLines = []campaign.BudgetLine{{Kind: "kol_fee", ResourceID: f.ids["amplifier"], Platform: "xiaohongshu", Planned: 5000}}
	f.create(c)
}

func TestChildren(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := base()
	c.Targets = []campaign.Target{{Metric: "purchases", Value: 100}, {PhaseID: 1, Metric: "purchases", Value: 60}}
	c.BudgetLines = []campaign.BudgetLine{{Kind: "other", PhaseID: 1, Planned: 100}}
	c = f.create(c)

	_, err := f.svc.AddPhase(ctx, f.ws, c.ID, campaign.Phase{ID: 77, Name: "overlap", Start: "2026-01-05", End: "2026-01-12"})
	wantFields(t, err, apperr.Invalid, "phases[2].start error.campaign.phase_overlap")
	c, _ = f.svc.Get(ctx, f.ws, c.ID)
	if len(c.Phases) != 2 || c.Version != 1 {
		t.Fatalf("after refused phase: %d phases, version %d", len(c.Phases), c.Version)
	}

	// Shorten 引爆 and add 收尾 after it: the new phase gets max+1.
	c, err = f.svc.UpdatePhase(ctx, f.ws, c.ID, 1, campaign.Phase{Name: "引爆", Start: "2026-01-11", End: "2026-02-20"}, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err = f.svc.AddPhase(ctx, f.ws, c.ID, campaign.Phase{ID: 77, Name: "收尾", Start: "2026-02-21", End: "2026-02-28"})
	if err != nil {
		t.Fatal(err)
	}
	if last := c.Phases[len(c.Phases)-1]; last.ID != 3 || last.Name != "收尾" || c.Version != 3 {
		t.Errorf("added phase = %+v (version %d), want id 3 last, version 3", last, c.Version)
	}
	_, err = f.svc.UpdatePhase(ctx, f.ws, c.ID, 42, campaign.Phase{Name: "x", Start: "2026-01-01", End: "2026-01-02"}, "")
	wantFields(t, err, apperr.NotFound)

	// Targets: a new child's id is one no child of the campaign has had
	// (here 4, after phase 3); the part-above-whole rule through the
	// service.
	c, err = f.svc.AddTarget(ctx, f.ws, c.ID, campaign.Target{ID: 99, PhaseID: 3, Metric: "purchases", Value: 40})
	if err != nil {
		t.Fatal(err)
	}
	if c.Targets[2].ID != 4 || c.Targets[2].Unit != "count" || c.Targets[2].Direction != campaign.AtLeast {
		t.Errorf("added target = %+v", c.Targets[2])
	}
	_, err = f.svc.UpdateTarget(ctx, f.ws, c.ID, 4, campaign.Target{PhaseID: 3, Metric: "purchases", Value: 400}, "")
	wantFields(t, err, apperr.Invalid, "targets[2].value error.campaign.target_above_parent")
	c, err = f.svc.DeleteTarget(ctx, f.ws, c.ID, 4)
	if err != nil || len(c.Targets) != 2 {
		t.Fatalf("DeleteTarget: %d targets, %v", len(c.Targets), err)
	}
	// The deleted target's id is not given again: a form still open on
	// it must not save over its successor.
	c, err = f.svc.AddTarget(ctx, f.ws, c.ID, campaign.Target{PhaseID: 3, Metric: "purchases", Value: 40})
	if err != nil || c.Targets[2].ID != 5 {
		t.Fatalf("target added after a delete: %+v, %v; want id 5", c.Targets, err)
	}
	if _, err = f.svc.UpdateTarget(ctx, f.ws, c.ID, 4, campaign.Target{PhaseID: 3, Metric: "purchases", Value: 30}, ""); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a stale form on the deleted target: %v, want not found", err)
	}
	c, err = f.svc.DeleteTarget(ctx, f.ws, c.ID, 5)
	if err != nil {
		t.Fatal(err)
	}

	// Deleting a phase deletes its targets and unties its budget lines.
	c, err = f.svc.DeletePhase(ctx, f.ws, c.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Phases) != 2 || len(c.Targets) != 1 || c.BudgetLines[0].PhaseID != 0 {
		t.Errorf("after DeletePhase: phases %d, targets %+v, line %+v", len(c.Phases), c.Targets, c.BudgetLines[0])
	}

	// Budget lines.
	c, err = f.svc.AddBudgetLine(ctx, f.ws, c.ID, campaign.BudgetLine{Kind: "paid_boost", Planned: 9900})
	if err != nil {
		t.Fatal(err)
	}
	if c.BudgetLines[1].ID != 6 {
		t.Errorf("budget line id = %d, want 6", c.BudgetLines[1].ID)
	}
	_, err = f.svc.UpdateBudgetLine(ctx, f.ws, c.ID, 6, campaign.BudgetLine{Kind: "paid_boost", Planned: 9901}, "")
	wantFields(t, err, apperr.Invalid, "budget_lines error.campaign.planned_over_budget")
	c, err = f.svc.DeleteBudgetLine(ctx, f.ws, c.ID, 6)
	if err != nil || len(c.BudgetLines) != 1 {
		t.Fatalf("DeleteBudgetLine: %v", err)
	}
	_, err = f.svc.DeleteBudgetLine(ctx, f.ws, c.ID, 2)
	wantFields(t, err, apperr.NotFound)

	// Mix and hours as whole sets.
	_, err = f.svc.SetMix(ctx, f.ws, c.ID, []campaign.MixEntry{{Platform: "weibo", BudgetShare: 50}, {Platform: "douyin", BudgetShare: 40}}, "")
	wantFields(t, err, apperr.Invalid, "mix error.campaign.mix_budget_sum")
	c, err = f.svc.SetMix(ctx, f.ws, c.ID, []campaign.MixEntry{{Platform: "weibo", BudgetShare: 60, HoursShare: 100}, {Platform: "douyin", BudgetShare: 40}}, "")
	if err != nil || len(c.Mix) != 2 {
		t.Fatalf("SetMix: %v", err)
	}
	c, err = f.svc.SetHours(ctx, f.ws, c.ID, []campaign.HoursLine{{MemberID: f.ids["member"], HoursPerWeek: 12}}, "")
	if err != nil || len(c.Hours) != 1 {
		t.Fatalf("SetHours: %v", err)
	}

	// Update keeps the children and checks the version.
	top := campaign.Campaign{Name: "改名", Objective: "sales", Status: "planned", Start: "2026-01-01", End: "2026-02-28", Budget: 20000, Version: c.Version}
	u, err := f.svc.Update(ctx, f.ws, c.ID, top)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "改名" || u.Slug != c.Slug || len(u.Phases) != 2 || len(u.Mix) != 2 || len(u.Hours) != 1 || u.Version != c.Version+1 {
		t.Errorf("Update = %+v", u)
	}
	_, err = f.svc.Update(ctx, f.ws, c.ID, top) // stale version now
	wantFields(t, err, apperr.Conflict)
	top.Version, top.End = 0, "2026-02-01"
	_, err = f.svc.Update(ctx, f.ws, c.ID, top)
	wantFields(t, err, apperr.Invalid, "phases[1].end error.campaign.phase_outside")

	// Other workspaces see nothing.
	_, err = f.svc.Get(ctx, f.newWS(), c.ID)
	wantFields(t, err, apperr.NotFound)
	if err := f.svc.Delete(ctx, f.ws, c.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Get(ctx, f.ws, c.ID)
	wantFields(t, err, apperr.NotFound)
}

func TestFromTemplate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, obj := range campaign.Objectives {
		t.Run(obj, func(t *testing.T) {
			c, err := f.svc.FromTemplate(ctx, f.ws, campaign.TemplateRequest{Objective: obj, Name: "模板 " + obj,
				Start: "2026-03-01", End: "2026-04-30", PersonaIDs: []int64{f.ids["persona"], f.ids["persona2"]}, Budget: 50000})
			if err != nil {
				t.Fatalf("FromTemplate: %v", err)
			}
			if c.ID == 0 || c.Status != "draft" || c.Objective != obj || len(c.Phases) != 4 {
				t.Fatalf("campaign = %+v", c)
			}
			for i, p := range c.Phases {
				if p.Start < c.Start || p.End > c.End || (i > 0 && p.Start <= c.Phases[i-1].End) {
					t.Errorf("phase %s %s–%s outside or overlapping", p.Name, p.Start, p.End)
				}
				if !isCJK(p.Name) {
					t.Errorf("phase name %q is not Chinese", p.Name)
				}
			}
			if c.Phases[0].Start != c.Start || c.Phases[3].End != c.End {
				t.Errorf("phases do not cover the campaign: %+v", c.Phases)
			}
			if len(c.Mix) != 4 {
				t.Fatalf("mix = %+v, want 4 platforms", c.Mix)
			}
			var b, h float64
			for _, m := range c.Mix {
				b += m.BudgetShare
				h += m.HoursShare
				if m.BudgetShare != math.Trunc(m.BudgetShare) || m.Role == "" || m.PostsPerWeek < 1 {
					t.Errorf("mix entry %+v", m)
				}
			}
			if b != 100 || h != 100 {
				t.Errorf("shares sum to %v / %v, want 100", b, h)
			}
			plan, err := f.svc.Plan(ctx, f.ws, c.ID, nil, "", "")
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(c.Mix); i++ {
				if plan.Fit[c.Mix[i].Platform] > plan.Fit[c.Mix[i-1].Platform] || c.Mix[i].BudgetShare > c.Mix[i-1].BudgetShare {
					t.Errorf("mix not by fit: %+v with fit %v", c.Mix, plan.Fit)
				}
			}
			keys := map[string]bool{}
			for _, tg := range c.Targets {
				if tg.PhaseID == 0 {
					keys[tg.Metric] = true
				}
				if _, ok := metric.Lookup(tg.Metric); !ok || tg.Unit == "" || tg.Direction == "" {
					t.Errorf("target %+v", tg)
				}
			}
			for _, k := range wantKeys[obj] {
				if !keys[k] {
					t.Errorf("template lacks a target on %s: %v", k, keys)
				}
			}
		})
	}
	t.Run("bad request", func(t *testing.T) {
		_, err := f.svc.FromTemplate(ctx, f.ws, campaign.TemplateRequest{Objective: "fame", Start: "2026-03-01", End: "2026-02-01", Budget: -1})
		wantFields(t, err, apperr.Invalid, "objective error.one_of", "end error.campaign.end_before_start", "budget error.negative", "name error.required")
	})
	t.Run("unknown persona", func(t *testing.T) {
		_, err := f.svc.FromTemplate(ctx, f.ws, campaign.TemplateRequest{Objective: "sales", Name: "x", Start: "2026-03-01", End: "2026-03-31", PersonaIDs: []int64{9999}})
		wantFields(t, err, apperr.Invalid, "persona_ids[0] error.campaign.unknown_persona")
	})
	t.Run("budget scales targets", func(t *testing.T) {
		small, err := f.svc.FromTemplate(ctx, f.ws, campaign.TemplateRequest{Objective: "sales", Name: "s", Start: "2026-03-01", End: "2026-03-31", Budget: 10000})
		if err != nil {
			t.Fatal(err)
		}
		big, err := f.svc.FromTemplate(ctx, f.ws, campaign.TemplateRequest{Objective: "sales", Name: "b", Start: "2026-03-01", End: "2026-03-31", Budget: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if small.Targets[0].Metric != "effective_clicks" || big.Targets[0].Value != 10*small.Targets[0].Value {
			t.Errorf("targets %v vs %v, want ×10", small.Targets[0], big.Targets[0])
		}
	})
}

// TestFromTemplatePhaseTargetsAddUp: the target a template splits over
// the phases splits so that the phases' targets add up to exactly the
// campaign's, whole where it is whole (25,000 clicks over 61 days gave
// 3,688 + 6,147 + 11,475 + 3,688 = 24,998 when each was rounded down),
// for every template, budget and length of campaign.
func TestFromTemplatePhaseTargetsAddUp(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dry := f.svc.DryRun()
	budgets := []float64{0} // the starter budget
	for b := 1.0; b < 3e6; b *= 1.37 {
		budgets = append(budgets, math.Round(b))
	}
	ends := []campaign.Date{"2026-03-03", "2026-03-07", "2026-03-31", "2026-04-30", "2026-06-13", "2027-02-28"}
	for _, obj := range campaign.Objectives {
		for _, budget := range budgets {
			for _, end := range ends {
				c, err := dry.FromTemplate(ctx, f.ws, campaign.TemplateRequest{Objective: obj, Name: "拆分", Start: "2026-03-01", End: end, Budget: budget})
				if err != nil {
					t.Fatalf("%s ¥%v to %s: %v", obj, budget, end, err)
				}
				var parts []campaign.Target
				for _, tg := range c.Targets {
					if tg.PhaseID != 0 {
						parts = append(parts, tg)
					}
				}
				if len(parts) != len(c.Phases) || len(parts) == 0 {
					t.Fatalf("%s ¥%v to %s: %d phase targets for %d phases", obj, budget, end, len(parts), len(c.Phases))
				}
				var whole *campaign.Target
				for i, tg := range c.Targets {
					if tg.PhaseID == 0 && tg.Metric == parts[0].Metric {
						whole = &c.Targets[i]
					}
				}
				scale := 1.0
				if whole.Value != math.Trunc(whole.Value) {
					scale = 100
				}
				var sum float64
				for _, p := range parts {
					if p.Metric != whole.Metric || p.Value < 0 || math.Abs(p.Value*scale-math.Round(p.Value*scale)) > 1e-6 {
						t.Errorf("%s ¥%v to %s: phase target %+v of %v %s", obj, budget, end, p, whole.Value, whole.Metric)
					}
					sum += math.Round(p.Value * scale)
				}
				if sum != math.Round(whole.Value*scale) {
					t.Errorf("%s ¥%v to %s: phase targets %v add up to %v, want %v", obj, budget, end, parts, sum/scale, whole.Value)
				}
			}
		}
	}
}

var wantKeys = map[string][]string{
	"sales":   {"effective_clicks", "leads", "purchases", "revenue", "roas"},
	"voice":   {"impressions", "mentions", "interactions", "share_of_voice", "positive_ratio"},
	"pr":      {"net_sentiment", "mentions", "first_response_time", "positive_ratio"},
	"growth":  {"follower_growth", "engagement_rate", "posts_published"},
	"service": {"first_response_time", "inquiries"},
}

func isCJK(s string) bool {
	for _, r := range s {
		if r < 0x4e00 || r > 0x9fff {
			return false
		}
	}
	return s != ""
}

func TestPlan(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	member := f.ids["member"] // 40 hours a week
	c := base()
	c.PersonaIDs = []int64{f.ids["persona"]}
	c.Status = "active"
	c.Targets = []campaign.Target{
		{ID: 1, Metric: "purchases", Value: 100},
		{ID: 2, PhaseID: 1, Metric: "purchases", Value: 60},
		{ID: 3, PhaseID: 1, Platform: "douyin", Metric: "purchases", Value: 30},
		{ID: 4, PhaseID: 2, Metric: "leads", Value: 10},
	}
	c.BudgetLines = []campaign.BudgetLine{
		{Kind: "kol_fee", Platform: "xiaohongshu", PhaseID: 1, ResourceID: f.ids["amplifier"], Planned: 6000, Committed: 9000, Spent: 3000},
		{Kind: "paid_boost", Platform: "douyin", PhaseID: 2, Planned: 3000, Committed: 3000, Spent: 1000},
		{Kind: "kol_fee", Platform: "xiaohongshu", Planned: 1000},
	}
	c.Hours = []campaign.HoursLine{{MemberID: member, HoursPerWeek: 30}}
	c = f.create(c)

	// Pick the platform the persona fits worst and give it a big share.
	probe, err := f.svc.Plan(ctx, f.ws, c.ID, nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	worst, best := "", ""
	for k, v := range probe.Fit {
		if worst == "" || v < probe.Fit[worst] {
			worst = k
		}
		if best == "" || v > probe.Fit[best] {
			best = k
		}
	}
	if probe.Fit[worst] >= campaign.LowFit {
		t.Fatalf("no low-fit platform to test with: %v", probe.Fit)
	}
	if _, err := f.svc.SetMix(ctx, f.ws, c.ID, []campaign.MixEntry{{Platform: worst, BudgetShare: 30}, {Platform: best, BudgetShare: 70}}, ""); err != nil {
		t.Fatal(err)
	}
	// Another active campaign at the same time takes 15 of the member's
	// hours; a cancelled one and a later one do not count.
	other := base()
	other.Name, other.Status = "同期", "planned"
	other.Hours = []campaign.HoursLine{{MemberID: member, HoursPerWeek: 15}}
	f.create(other)
	cancelled := other
	cancelled.Name, cancelled.Status = "取消", "cancelled"
	f.create(cancelled)
	later := other
	later.Name, later.Start, later.End, later.Phases = "以后", "2026-06-01", "2026-06-30", nil
	f.create(later)

	plan, err := f.svc.Plan(ctx, f.ws, c.ID, nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := platform.Load()
	if len(plan.Fit) != len(cat.Keys()) {
		t.Errorf("fit has %d platforms, want every catalog platform (%d)", len(plan.Fit), len(cat.Keys()))
	}
	b := plan.Budget
	if b.Total != 10000 || b.Planned != 10000 || b.Committed != 12000 || b.Spent != 4000 {
		t.Errorf("budget sums = %+v", b)
	}
	wantRows := func(name string, rows []campaign.BudgetRow, want ...string) {
		t.Helper()
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%s=%g/%g/%g", r.Key, r.Planned, r.Committed, r.Spent))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	wantRows("by kind", b.ByKind, "kol_fee=7000/9000/3000", "paid_boost=3000/3000/1000")
	wantRows("by phase", b.ByPhase, "2=3000/3000/1000", "1=6000/9000/3000", "=1000/0/0") // phases in date order: 预热 (id 2) first
	if b.ByPhase[0].Name != "预热" {
		t.Errorf("by phase names = %+v", b.ByPhase)
	}
	if len(b.ByPlatform) != 2 {
		t.Errorf("by platform = %+v", b.ByPlatform)
	}
	if len(plan.Hours) != 1 || plan.Hours[0].Name != "陈思雨" || plan.Hours[0].Planned != 30 || plan.Hours[0].Other != 15 || plan.Hours[0].Capacity != 40 || !plan.Hours[0].Over {
		t.Errorf("hours = %+v", plan.Hours)
	}
	var warned []string
	for _, w := range plan.Warnings {
		warned = append(warned, w.Field+" "+w.Key)
	}
	for _, w := range []string{
		"mix[0].budget_share warning.campaign.low_fit_share",
		"budget_lines warning.campaign.committed_over_budget",
		"hours[0].hours_per_week warning.campaign.member_over",
	} {
		if !slices.Contains(warned, w) {
			t.Errorf("warnings = %v, want %q", warned, w)
		}
	}
	if slices.Contains(warned, "mix[1].budget_share warning.campaign.low_fit_share") {
		t.Errorf("best-fit platform warned: %v", warned)
	}
	if len(plan.KPI) != 2 || plan.KPI[0].Target.ID != 1 || len(plan.KPI[0].Children) != 1 ||
		plan.KPI[0].Children[0].Target.ID != 2 || len(plan.KPI[0].Children[0].Children) != 1 || plan.KPI[1].Target.ID != 4 || plan.KPI[0].Actual != nil {
		t.Errorf("KPI tree = %+v", plan.KPI)
	}
	_, err = f.svc.Plan(ctx, f.ws, 9999, nil, "", "")
	wantFields(t, err, apperr.NotFound)
}

func TestListNewestStartFirst(t *testing.T) {
	f := newFixture(t)
	for _, d := range []campaign.Date{"2026-02-01", "2026-05-01", "2026-03-01"} {
		f.create(campaign.Campaign{Name: string(d), Objective: "voice", Start: d, End: d.AddDays(10)})
	}
	cs, err := f.svc.List(context.Background(), f.ws)
	if err != nil {
		t.Fatal(err)
	}
	var got []campaign.Date
	for _, c := range cs {
		got = append(got, c.Start)
	}
	if !slices.Equal(got, []campaign.Date{"2026-05-01", "2026-03-01", "2026-02-01"}) {
		t.Errorf("order = %v", got)
	}
	if cs, _ := f.svc.List(context.Background(), f.newWS()); cs == nil || len(cs) != 0 {
		t.Errorf("empty workspace List = %#v, want empty non-nil", cs)
	}
}

// TestDeletedItemsKeepCampaignsEditable: a persona deleted from step 1
// after a campaign named it does not lock the campaign: its phases can
// still be renamed; naming a deleted persona anew is still refused.
func TestDeletedItemsKeepCampaignsEditable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.brand.Personas.Create(ctx, f.ws, brand.Persona{Name: "临时", Gender: brand.GenderSplit{Female: 50, Male: 50}})
	if err != nil {
		t.Fatal(err)
	}
	c := base()
	c.PersonaIDs = []int64{p.ID}
	c = f.create(c)
	if err := f.brand.Personas.Delete(ctx, f.ws, p.ID); err != nil {
		t.Fatal(err)
	}
	ph := c.Phases[0]
	ph.Name = "引爆（改名）"
	if _, err := f.svc.UpdatePhase(ctx, f.ws, c.ID, ph.ID, ph, ""); err != nil {
		t.Fatalf("rename a phase of a campaign naming a deleted persona: %v", err)
	}
	other := base()
	other.PersonaIDs = []int64{p.ID}
	if _, err := f.svc.Create(ctx, f.ws, other); !slices.Contains(fieldKeys(err), "persona_ids[0] error.campaign.unknown_persona") {
		t.Errorf("a new campaign naming the deleted persona: %v, want persona_ids[0] error.campaign.unknown_persona", err)
	}
}

// TestConcurrentChildAdds: budget lines added to one campaign at the same
// moment are all stored; none gets a version conflict.
func TestConcurrentChildAdds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := f.create(base())
	const n = 4
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := f.svc.AddBudgetLine(ctx, f.ws, c.ID, campaign.BudgetLine{Kind: "other", Planned: float64(100 + i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("AddBudgetLine: %v", err)
		}
	}
	if c, err := f.svc.Get(ctx, f.ws, c.ID); err != nil || len(c.BudgetLines) != n {
		t.Errorf("budget lines %+v, %v; want %d", c.BudgetLines, err, n)
	}
}

// TestSaveOverChangedPart: two people edit the same budget line, phase,
// target, mix or hours plan from forms showing the same state; the first
// save goes through and the second, carrying the digest of what its form
// showed, is refused instead of silently undoing the first. Saves of other
// parts, and saves without a digest (the API), still go through.
func TestSaveOverChangedPart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := base()
	b.BudgetLines = []campaign.BudgetLine{{Kind: "kol_fee", Planned: 1000}, {Kind: "other", Planned: 500}}
	b.Mix = []campaign.MixEntry{{Platform: "weibo", BudgetShare: 100}}
	b.Targets = []campaign.Target{{Metric: "purchases", Value: 100}}
	c := f.create(b)
	line, other := c.BudgetLines[0], c.BudgetLines[1]
	ph, tg := c.Phases[0], c.Targets[0]
	changed := func(what string, err error) {
		t.Helper()
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict || ae.Key != "error.campaign.part_changed" {
			t.Errorf("%s = %v, want a conflict error.campaign.part_changed", what, err)
		}
	}
	ok := func(what string) func(campaign.Campaign, error) {
		return func(_ campaign.Campaign, err error) {
			t.Helper()
			if err != nil {
				t.Errorf("%s: %v", what, err)
			}
		}
	}

	first, second := line, line
	first.Committed, second.Description = 1000, "renamed"
	ok("first save of the line")(f.svc.UpdateBudgetLine(ctx, f.ws, c.ID, line.ID, first, campaign.Digest(line)))
	_, err := f.svc.UpdateBudgetLine(ctx, f.ws, c.ID, line.ID, second, campaign.Digest(line))
	changed("second save of the line", err)
	ok("save of another line")(f.svc.UpdateBudgetLine(ctx, f.ws, c.ID, other.ID, other, campaign.Digest(other)))
	ok("save over the line as it is now")(f.svc.UpdateBudgetLine(ctx, f.ws, c.ID, line.ID, second, campaign.Digest(first)))
	ok("save without a digest")(f.svc.UpdateBudgetLine(ctx, f.ws, c.ID, line.ID, first, ""))

	renamed := ph
	renamed.Name = "预热 · 1"
	ok("first save of the phase")(f.svc.UpdatePhase(ctx, f.ws, c.ID, ph.ID, renamed, campaign.Digest(ph)))
	_, err = f.svc.UpdatePhase(ctx, f.ws, c.ID, ph.ID, ph, campaign.Digest(ph))
	changed("second save of the phase", err)

	raised := tg
	raised.Value++
	ok("first save of the target")(f.svc.UpdateTarget(ctx, f.ws, c.ID, tg.ID, raised, campaign.Digest(tg)))
	_, err = f.svc.UpdateTarget(ctx, f.ws, c.ID, tg.ID, tg, campaign.Digest(tg))
	changed("second save of the target", err)

	mix := []campaign.MixEntry{{Platform: "weibo", BudgetShare: 60}, {Platform: "douyin", BudgetShare: 40}}
	ok("first save of the mix")(f.svc.SetMix(ctx, f.ws, c.ID, mix, campaign.Digest(c.Mix)))
	_, err = f.svc.SetMix(ctx, f.ws, c.ID, c.Mix, campaign.Digest(c.Mix))
	changed("second save of the mix", err)

	hours := []campaign.HoursLine{{MemberID: f.ids["member"], HoursPerWeek: 5}}
	ok("first save of the hours")(f.svc.SetHours(ctx, f.ws, c.ID, hours, campaign.Digest(c.Hours)))
	_, err = f.svc.SetHours(ctx, f.ws, c.ID, nil, campaign.Digest(c.Hours))
	changed("second save of the hours", err)

	got, err := f.svc.Get(ctx, f.ws, c.ID)
	if err != nil || got.BudgetLines[0].Committed != 1000 || !slices.ContainsFunc(got.Phases, func(p campaign.Phase) bool { return p.Name == "预热 · 1" }) || len(got.Mix) != 2 || len(got.Hours) != 1 {
		t.Errorf("after the refused saves: %+v, %v; want every first save kept", got, err)
	}
}

// TestDryRun: every write of a dry run answers with the errors the real
// write gives, or with what it would store, and stores nothing.
func TestDryRun(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.create(base())
	dry := f.svc.DryRun()
	bad := base()
	bad.Name, bad.Budget = "", -1
	overlap := campaign.Phase{Name: "重叠", Start: "2026-01-05", End: "2026-01-20"}
	for _, tt := range []struct {
		name  string
		write func(s *campaign.Service) (campaign.Campaign, error)
		want  []string // field errors; none: the write succeeds
	}{
		{"create", func(s *campaign.Service) (campaign.Campaign, error) { return s.Create(ctx, f.ws, bad) },
			[]string{"name error.required", "budget error.negative"}},
		{"create valid", func(s *campaign.Service) (campaign.Campaign, error) { return s.Create(ctx, f.ws, base()) }, nil},
		{"from template", func(s *campaign.Service) (campaign.Campaign, error) {
			return s.FromTemplate(ctx, f.ws, campaign.TemplateRequest{Objective: "sales", Name: "春茶", Start: "2026-03-01", End: "2026-04-30"})
		}, nil},
		{"update", func(s *campaign.Service) (campaign.Campaign, error) { return s.Update(ctx, f.ws, c.ID, bad) },
			[]string{"name error.required", "budget error.negative"}},
		{"add phase", func(s *campaign.Service) (campaign.Campaign, error) { return s.AddPhase(ctx, f.ws, c.ID, overlap) },
			[]string{"phases[1].start error.campaign.phase_overlap"}},
		{"add target", func(s *campaign.Service) (campaign.Campaign, error) {
			return s.AddTarget(ctx, f.ws, c.ID, campaign.Target{Metric: "engagement_rate", Value: 2})
		}, []string{"targets[0].value error.campaign.rate_range"}},
		{"add budget line", func(s *campaign.Service) (campaign.Campaign, error) {
			return s.AddBudgetLine(ctx, f.ws, c.ID, campaign.BudgetLine{Kind: "other", Planned: 20000})
		}, []string{"budget_lines error.campaign.planned_over_budget"}},
		{"set mix", func(s *campaign.Service) (campaign.Campaign, error) {
			return s.SetMix(ctx, f.ws, c.ID, []campaign.MixEntry{{Platform: "weibo", BudgetShare: 60}}, "")
		}, []string{"mix error.campaign.mix_budget_sum"}},
		{"set hours", func(s *campaign.Service) (campaign.Campaign, error) {
			return s.SetHours(ctx, f.ws, c.ID, []campaign.HoursLine{{MemberID: f.ids["member"], HoursPerWeek: 8}}, "")
		}, nil},
		{"delete", func(s *campaign.Service) (campaign.Campaign, error) {
			return campaign.Campaign{}, s.Delete(ctx, f.ws, c.ID)
		}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.write(dry)
			if tt.want != nil {
				wantFields(t, err, apperr.Invalid, tt.want...)
				// The real write says the same.
				_, real := tt.write(f.svc)
				if got, want := fieldKeys(err), fieldKeys(real); !slices.Equal(got, want) {
					t.Errorf("dry run says %v, the write %v", got, want)
				}
			} else if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			cs, err := f.svc.List(ctx, f.ws)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 1 || cs[0].Version != c.Version {
				t.Errorf("after a dry run: %d campaigns, version %d; want 1 at version %d", len(cs), cs[0].Version, c.Version)
			}
		})
	}
	if _, err := dry.AddPhase(ctx, f.ws, c.ID+100, overlap); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("dry run on a missing campaign: %v, want not found", err)
	}
}
