package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/metric"
)

// fakeMeasurer answers fixed figures per platform and records what it was
// asked.
type fakeMeasurer struct {
	figures map[string]map[string]float64 // by platform
	calls   []string
	models  []string // the attribution of each scope asked
	err     error
}

func (m *fakeMeasurer) Measure(_ context.Context, _, _ int64, scopes []metric.Scope) ([]map[string]float64, error) {
	if m.err != nil {
		return nil, m.err
	}
	out := make([]map[string]float64, len(scopes))
	for i, sc := range scopes {
		m.calls = append(m.calls, fmt.Sprintf("%q %s–%s", sc.Platform, sc.From.UTC().Format(time.RFC3339), sc.To.UTC().Format(time.RFC3339)))
		m.models = append(m.models, sc.Attribution)
		out[i] = maps.Clone(m.figures[sc.Platform])
	}
	return out, nil
}

func TestPlanActuals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeMeasurer{figures: map[string]map[string]float64{
		"":       {"purchases": 40, "leads": 8, "revenue": 13500, metric.FallbackLinks: 2},
		"douyin": {"purchases": 15, "leads": 0, "revenue": 3000},
	}}
	voice := &fakeMeasurer{figures: map[string]map[string]float64{"": {"share_of_voice": 0.25}}}
	f.svc.Measurer = campaign.Measurers{m, voice}
	f.svc.Now = func() time.Time { return time.Date(2026, 1, 20, 12, 0, 0, 0, shanghai) }

	c := base() // 2026-01-01 … 02-28; phase 1 引爆 from 01-11, phase 2 预热 01-01 … 01-10
	c.Targets = []campaign.Target{
		{ID: 1, Metric: "purchases", Value: 100},
		{ID: 2, PhaseID: 1, Metric: "purchases", Value: 60},
		{ID: 3, PhaseID: 1, Platform: "douyin", Metric: "purchases", Value: 30},
		{ID: 4, PhaseID: 2, Metric: "cost_per_lead", Value: 200},
		{ID: 5, Metric: "roas", Value: 2},
		{ID: 6, PhaseID: 1, Platform: "douyin", Metric: "cost_per_lead", Value: 100},
		{ID: 7, Metric: "engagement_rate", Value: 0.05},
		{ID: 8, Metric: "share_of_voice", Value: 0.2},
	}
	c.BudgetLines = []campaign.BudgetLine{
		{Kind: "kol_fee", Platform: "xiaohongshu", PhaseID: 1, Planned: 6000, Spent: 3000},
		{Kind: "paid_boost", Platform: "douyin", PhaseID: 2, Planned: 2000, Spent: 1000},
		{Kind: "paid_boost", Platform: "douyin", PhaseID: 1, Planned: 1000, Spent: 500},
	}
	c = f.create(c)
	plan, err := f.svc.Plan(ctx, f.ws, c.ID, shanghai, "", "")
	if err != nil {
		t.Fatal(err)
	}
	got, pace := map[int64]string{}, map[int64]string{}
	f3 := func(p *float64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprintf("%.3f", *p)
	}
	var walk func([]campaign.KPINode)
	walk = func(ns []campaign.KPINode) {
		for _, n := range ns {
			got[n.Target.ID] = "nil"
			if n.Actual != nil {
				got[n.Target.ID] = fmt.Sprintf("%g", *n.Actual)
			}
			pace[n.Target.ID] = f3(n.Pace) + " " + f3(n.Forecast)
			walk(n.Children)
		}
	}
	walk(plan.KPI)
	if plan.Measured == nil || plan.Measured.FallbackLinks != 2 {
		t.Errorf("measurement %+v; want the 2 links counting unique clicks as effective", plan.Measured)
	}
	// Pace and forecast for additive figures partway through their days:
	// the campaign is 19.5 of its 59 days in, phase 1 9.5 of 49; phase 2
	// is over, and cost per lead or ROAS do not add up over time.
	wantPace := map[int64]string{
		1: fmt.Sprintf("%.3f %.3f", 40/(100*19.5/59), 40/(19.5/59)),
		2: fmt.Sprintf("%.3f %.3f", 40/(60*9.5/49), 40/(9.5/49)),
		4: "nil nil", 5: "nil nil", 7: "nil nil",
	}
	for id, w := range wantPace {
		if pace[id] != w {
			t.Errorf("target %d pace and forecast = %s, want %s", id, pace[id], w)
		}
	}
	want := map[int64]string{
		1: "40",   // the campaign so far
		2: "40",   // phase 1 so far, all platforms
		3: "15",   // phase 1 on Douyin
		4: "125",  // phase 2's spent 1,000 over its 8 leads
		5: "3",    // revenue 13,500 over all spent 4,500
		6: "nil",  // no leads on Douyin: no cost per lead
		7: "nil",  // nothing measures engagement yet
		8: "0.25", // from the second measurer
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("target %d actual = %s, want %s", id, got[id], w)
		}
	}
	// Each scope measured once; days begin at midnight in Shanghai and
	// end now, or at the end of a phase's last day.
	slices.Sort(m.calls)
	wantCalls := []string{
		`"" 2025-12-31T16:00:00Z–2026-01-10T16:00:00Z`, // phase 2, over
		`"" 2025-12-31T16:00:00Z–2026-01-20T04:00:00Z`, // the campaign
		`"" 2026-01-10T16:00:00Z–2026-01-20T04:00:00Z`, // phase 1
		`"douyin" 2026-01-10T16:00:00Z–2026-01-20T04:00:00Z`,
	}
	if !slices.Equal(m.calls, wantCalls) {
		t.Errorf("measured\n%v\nwant\n%v", m.calls, wantCalls)
	}
	if plan.Measured == nil || plan.Measured.CostBasis != campaign.CostFromSpentAndPlannedHours {
		t.Errorf("measured = %+v, want the cost basis stated", plan.Measured)
	}

	// A campaign that has not begun is not measured.
	m.calls = nil
	later := base()
	later.Name, later.Start, later.End, later.Phases = "以后", "2026-03-01", "2026-03-31", nil
	later.Targets = []campaign.Target{{ID: 1, Metric: "purchases", Value: 10}}
	later = f.create(later)
	plan, err = f.svc.Plan(ctx, f.ws, later.ID, shanghai, "", "")
	if err != nil || plan.KPI[0].Actual != nil || len(m.calls) != 0 {
		t.Errorf("future campaign: err %v, actual %v, %d measurements; want none", err, plan.KPI[0].Actual, len(m.calls))
	}

	// A failing measurement fails the plan, with its cause.
	m.err = errors.New("database gone")
	if _, err := f.svc.Plan(ctx, f.ws, c.ID, shanghai, "", ""); err == nil || !errors.Is(err, m.err) {
		t.Errorf("plan with a failing measurer: err %v, want it wrapped", err)
	}
}

// TestPlanActualsOnWholeHours: in a time zone that is not a whole number
// of hours from UTC, a target's days are measured from the first whole
// UTC hour in them — the hours clicks and mentions are kept by — for
// every measurer alike, and the measurement says when its days begin.
func TestPlanActualsOnWholeHours(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := &fakeMeasurer{}
	f.svc.Measurer = m
	f.svc.Now = func() time.Time { return time.Date(2026, 1, 20, 12, 0, 0, 0, time.UTC) }
	c := base() // 2026-01-01 … 02-28
	c.Phases = nil
	c.Targets = []campaign.Target{{ID: 1, Metric: "purchases", Value: 100}}
	c = f.create(c)
	for _, tt := range []struct {
		zone, call, dayStart string
	}{
		{"Asia/Shanghai", `"" 2025-12-31T16:00:00Z–2026-01-20T12:00:00Z`, ""},
		{"Asia/Kolkata", `"" 2025-12-31T19:00:00Z–2026-01-20T12:00:00Z`, "00:30"},       // UTC+05:30: 18:30Z is midnight
		{"Asia/Kathmandu", `"" 2025-12-31T19:00:00Z–2026-01-20T12:00:00Z`, "00:45"},     // UTC+05:45
		{"Australia/Adelaide", `"" 2025-12-31T14:00:00Z–2026-01-20T12:00:00Z`, "00:30"}, // UTC+10:30 in January
		{"America/St_Johns", `"" 2026-01-01T04:00:00Z–2026-01-20T12:00:00Z`, "00:30"},   // UTC−03:30
	} {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			m.calls = nil
			plan, err := f.svc.Plan(ctx, f.ws, c.ID, loc, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(m.calls) != 1 || m.calls[0] != tt.call {
				t.Errorf("measured %v, want %s", m.calls, tt.call)
			}
			if plan.Measured == nil || plan.Measured.DayStart != tt.dayStart {
				t.Errorf("measurement %+v, want days from %q", plan.Measured, tt.dayStart)
			}
		})
	}
}

// TestPlanCostWithPeople: cost (METRICS.md) is what the budget lines have
// spent plus the team's hours at their hourly rates, for the days ended;
// every figure divided by cost divides by both, and says where its cost
// comes from. A platform's target bears its hours share of the mix. A
// target whose days are over has its final pace. Conversions are credited
// by the model the plan is asked for.
func TestPlanCostWithPeople(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.brand.SaveBudget(ctx, f.ws, brand.Budget{Currency: "CNY", HourlyCost: 100}); err != nil {
		t.Fatal(err)
	}
	// 10 h a week at 210: 300 a day. The fixture's member sets no rate
	// and costs the team's 100 an hour: 7 h a week, 100 a day.
	m, err := f.brand.Team.Create(ctx, f.ws, brand.TeamMember{Name: "林晓岚", WeeklyHours: 20, HourlyCost: 210})
	if err != nil {
		t.Fatal(err)
	}
	meas := &fakeMeasurer{figures: map[string]map[string]float64{
		"":       {"purchases": 40, "leads": 8, "revenue": 13500},
		"douyin": {"leads": 5, "revenue": 3000},
	}}
	f.svc.Measurer = meas
	f.svc.Now = func() time.Time { return time.Date(2026, 1, 20, 12, 0, 0, 0, shanghai) }

	c := base() // 2026-01-01 … 02-28; phase 1 引爆 from 01-11, phase 2 预热 01-01 … 01-10
	c.Status = "active"
	c.Hours = []campaign.HoursLine{{MemberID: m.ID, HoursPerWeek: 10}, {MemberID: f.ids["member"], HoursPerWeek: 7}}
	c.Mix = []campaign.MixEntry{{Platform: "douyin", BudgetShare: 50, HoursShare: 40}, {Platform: "xiaohongshu", BudgetShare: 50, HoursShare: 60}}
	c.Targets = []campaign.Target{
		{ID: 1, Metric: "cost", Value: 40000, Direction: campaign.AtMost},
		{ID: 2, PhaseID: 2, Metric: "cost_per_lead", Value: 1000, Direction: campaign.AtMost},
		{ID: 3, Metric: "roas", Value: 2},
		{ID: 4, PhaseID: 1, Platform: "douyin", Metric: "roi", Value: 1},
		{ID: 5, PhaseID: 2, Metric: "purchases", Value: 100},
		{ID: 6, PhaseID: 1, Metric: "purchases", Value: 100},
		{ID: 7, PhaseID: 2, Metric: "leads", Value: 5},
	}
	c.BudgetLines = []campaign.BudgetLine{
		{Kind: "kol_fee", Platform: "xiaohongshu", PhaseID: 1, Planned: 6000, Spent: 3000},
		{Kind: "paid_boost", Platform: "douyin", PhaseID: 2, Planned: 2000, Spent: 1000},
		{Kind: "paid_boost", Platform: "douyin", PhaseID: 1, Planned: 1000, Spent: 500},
	}
	c = f.create(c)
	plan, err := f.svc.Plan(ctx, f.ws, c.ID, shanghai, "first_touch", "CNY")
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[int64]campaign.KPINode{}
	var walk func([]campaign.KPINode)
	walk = func(ns []campaign.KPINode) {
		for _, n := range ns {
			nodes[n.Target.ID] = n
			walk(n.Children)
		}
	}
	walk(plan.KPI)
	val := func(p *float64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprintf("%.4f", *p)
	}
	split := func(s *campaign.CostSplit) string {
		if s == nil {
			return "nil"
		}
		return fmt.Sprintf("%.2f + %.2f = %.2f", s.Media, s.People, s.Total)
	}
	// 400 a day of people: the campaign's 19 days ended so far (the 20th
	// is half gone and not counted yet), phase 2's 10 days, phase 1's 9
	// on Douyin at its 40 % of the hours.
	for _, tt := range []struct {
		id                 int64
		actual, pace, cost string
		ended              bool
	}{
		{1, val(ptr(4500 + 7600.0)), val(ptr(12100 / (40000 * 19.5 / 59))), "4500.00 + 7600.00 = 12100.00", false},
		{2, val(ptr((1000 + 4000) / 8.0)), "nil", "1000.00 + 4000.00 = 5000.00", true},
		{3, val(ptr(13500 / 12100.0)), "nil", "4500.00 + 7600.00 = 12100.00", false},
		{4, val(ptr((3000 - 1940) / 1940.0)), "nil", "500.00 + 1440.00 = 1940.00", false},
		// Phase 2 is over: its pace is final, actual ÷ target.
		{5, "40.0000", "0.4000", "nil", true},
		{6, "40.0000", val(ptr(40 / (100 * 9.5 / 49))), "nil", false},
		{7, "8.0000", "1.6000", "nil", true},
	} {
		n := nodes[tt.id]
		if got := val(n.Actual); got != tt.actual {
			t.Errorf("target %d (%s) actual = %s, want %s", tt.id, n.Target.Metric, got, tt.actual)
		}
		if got := val(n.Pace); got != tt.pace {
			t.Errorf("target %d (%s) pace = %s, want %s", tt.id, n.Target.Metric, got, tt.pace)
		}
		if got := split(n.Cost); got != tt.cost {
			t.Errorf("target %d (%s) cost = %s, want %s", tt.id, n.Target.Metric, got, tt.cost)
		}
		if n.Ended != tt.ended {
			t.Errorf("target %d (%s) ended = %v, want %v", tt.id, n.Target.Metric, n.Ended, tt.ended)
		}
	}
	if n := nodes[5]; n.Forecast == nil || *n.Forecast != 40 {
		t.Errorf("ended target forecast = %s, want its actual 40", val(n.Forecast))
	}
	if plan.Measured == nil || split(&plan.Measured.Cost) != "4500.00 + 7600.00 = 12100.00" || plan.Measured.Attribution != "first_touch" {
		t.Errorf("measurement %+v; want the campaign's cost so far split and first touch", plan.Measured)
	}
	for _, h := range plan.Hours {
		if want := map[int64]float64{m.ID: 2100, f.ids["member"]: 700}[h.MemberID]; h.WeeklyCost != want {
			t.Errorf("member %d weekly cost = %g, want %g", h.MemberID, h.WeeklyCost, want)
		}
	}
	if len(meas.models) == 0 || slices.ContainsFunc(meas.models, func(s string) bool { return s != "first_touch" }) {
		t.Errorf("scopes asked under %v, want first touch for each", meas.models)
	}
}

// TestPlanPeopleCostByWholeDays: the people cost counts the days ended,
// each whole, so that it holds still through a day and grows by a day's
// cost where the next day begins: at local midnight, or on the first whole
// UTC hour after it in a zone a half hour off UTC (metric.OnHour).
func TestPlanPeopleCostByWholeDays(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.brand.SaveBudget(ctx, f.ws, brand.Budget{Currency: "CNY", HourlyCost: 100}); err != nil {
		t.Fatal(err)
	}
	f.svc.Measurer = &fakeMeasurer{}
	c := base() // 2026-01-01 … 02-28
	c.Phases, c.Status = nil, "active"
	// The fixture's member, 7 h a week at the team's 100: 100 a day.
	c.Hours = []campaign.HoursLine{{MemberID: f.ids["member"], HoursPerWeek: 7}}
	c.Targets = []campaign.Target{{ID: 1, Metric: "cost", Value: 10000, Direction: campaign.AtMost}}
	c = f.create(c)
	for _, tt := range []struct {
		name, zone string
		now        time.Time // UTC
		people     float64
	}{
		{"first day begun", "Asia/Shanghai", time.Date(2025, 12, 31, 16, 30, 0, 0, time.UTC), 0},
		{"first day nearly over", "Asia/Shanghai", time.Date(2026, 1, 1, 15, 59, 0, 0, time.UTC), 0},
		{"first day over", "Asia/Shanghai", time.Date(2026, 1, 1, 16, 0, 0, 0, time.UTC), 100},
		{"morning of the 20th", "Asia/Shanghai", time.Date(2026, 1, 20, 1, 0, 0, 0, time.UTC), 1900},
		{"evening of the 20th", "Asia/Shanghai", time.Date(2026, 1, 20, 15, 59, 0, 0, time.UTC), 1900},
		{"after the last day", "Asia/Shanghai", time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), 5900},
		// UTC+05:30: the 20th ends at 00:30 on the 21st, 19:00Z.
		{"half-hour zone before the day's edge", "Asia/Kolkata", time.Date(2026, 1, 20, 18, 45, 0, 0, time.UTC), 1900},
		{"half-hour zone at the day's edge", "Asia/Kolkata", time.Date(2026, 1, 20, 19, 0, 0, 0, time.UTC), 2000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			f.svc.Now = func() time.Time { return tt.now }
			plan, err := f.svc.Plan(ctx, f.ws, c.ID, loc, "", "CNY")
			if err != nil {
				t.Fatal(err)
			}
			if plan.Measured == nil || plan.Measured.Cost.People != tt.people {
				t.Errorf("measurement %+v, want people cost %g", plan.Measured, tt.people)
			}
			if n := plan.KPI[0]; n.Cost == nil || n.Cost.People != tt.people || n.Actual == nil || *n.Actual != tt.people {
				t.Errorf("cost target: cost %+v, actual %v; want people cost %g", n.Cost, n.Actual, tt.people)
			}
		})
	}
}

func ptr(v float64) *float64 { return &v }

// TestPlanPeopleCostByStatus: the team's hours cost money only while the
// campaign runs. A draft has spent no people cost; a campaign cancelled or
// marked done keeps what it cost up to the day it stopped (the days ended
// by then) and grows no more; one reopened counts its days again. A
// campaign cancelled before the time was kept counts up to its last save.
func TestPlanPeopleCostByStatus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.brand.SaveBudget(ctx, f.ws, brand.Budget{Currency: "CNY", HourlyCost: 100}); err != nil {
		t.Fatal(err)
	}
	f.svc.Measurer = &fakeMeasurer{figures: map[string]map[string]float64{"": {"revenue": 3000}}}
	at := func(month time.Month, day, hour int) time.Time {
		return time.Date(2026, month, day, hour, 0, 0, 0, shanghai)
	}
	plan := func(id int64, now time.Time) campaign.CostSplit {
		t.Helper()
		f.svc.Now = func() time.Time { return now }
		p, err := f.svc.Plan(ctx, f.ws, id, shanghai, "", "CNY")
		if err != nil {
			t.Fatal(err)
		}
		if p.Measured == nil {
			t.Fatal("not measured")
		}
		if n := p.KPI[0]; n.Cost == nil || *n.Cost != p.Measured.Cost {
			t.Errorf("ROAS target's cost %+v, want the campaign's %+v", n.Cost, p.Measured.Cost)
		} else if want := 3000 / p.Measured.Cost.Total; n.Actual == nil || *n.Actual != want {
			t.Errorf("ROAS = %v, want %g", n.Actual, want)
		}
		return p.Measured.Cost
	}
	newCampaign := func(status string, now time.Time) campaign.Campaign {
		t.Helper()
		c := base() // 2026-01-01 … 02-28
		c.Phases, c.Status = nil, status
		// The fixture's member, 7 h a week at the team's 100: 100 a day.
		c.Hours = []campaign.HoursLine{{MemberID: f.ids["member"], HoursPerWeek: 7}}
		c.BudgetLines = []campaign.BudgetLine{{Kind: "production", Planned: 800, Spent: 500}}
		c.Targets = []campaign.Target{{ID: 1, Metric: "roas", Value: 2}}
		f.svc.Now = func() time.Time { return now }
		return f.create(c)
	}
	setStatus := func(c campaign.Campaign, status string, now time.Time) campaign.Campaign {
		t.Helper()
		f.svc.Now = func() time.Time { return now }
		c.Status = status
		c, err := f.svc.Update(ctx, f.ws, c.ID, c)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want := func(name string, got campaign.CostSplit, people float64) {
		t.Helper()
		if got.People != people || got.Media != 500 || got.Total != 500+people {
			t.Errorf("%s: cost %+v, want 500 spent + %g people", name, got, people)
		}
	}

	active := newCampaign("active", at(1, 1, 9))
	want("active on the 20th", plan(active.ID, at(1, 20, 12)), 1900)

	draft := newCampaign("draft", at(1, 1, 9))
	want("draft on the 20th", plan(draft.ID, at(1, 20, 12)), 0)

	// Cancelled on the 5th at 10:00: the 1st to the 4th had ended.
	cancelled := setStatus(newCampaign("active", at(1, 1, 9)), "cancelled", at(1, 5, 10))
	want("cancelled, that evening", plan(cancelled.ID, at(1, 5, 23)), 400)
	want("cancelled, weeks later", plan(cancelled.ID, at(1, 20, 12)), 400)
	// An edit after the cancellation does not move it.
	cancelled.Name = "冬日暖咖季（取消）"
	cancelled = setStatus(cancelled, "cancelled", at(1, 12, 10))
	want("cancelled, renamed later", plan(cancelled.ID, at(1, 20, 12)), 400)
	reopened := setStatus(cancelled, "active", at(1, 15, 10))
	want("reopened", plan(reopened.ID, at(1, 20, 12)), 1900)

	cancelledEarly := newCampaign("cancelled", time.Date(2025, 12, 20, 9, 0, 0, 0, shanghai))
	want("cancelled before its first day", plan(cancelledEarly.ID, at(1, 20, 12)), 0)

	// Marked done on the 10th at 18:00, seven weeks before its end date:
	// the 1st to the 9th had ended, and the days after cost nothing.
	done := setStatus(newCampaign("active", at(1, 1, 9)), "done", at(1, 10, 18))
	want("done early, weeks later", plan(done.ID, at(1, 20, 12)), 900)
	want("done early, after its end date", plan(done.ID, at(3, 20, 12)), 900)
	// Cancelled once done, it still stopped when it was done.
	done = setStatus(done, "cancelled", at(1, 15, 10))
	want("done, then cancelled", plan(done.ID, at(1, 20, 12)), 900)
	// Marked done after its end date: its 59 days, as before.
	late := setStatus(newCampaign("active", at(1, 1, 9)), "done", at(3, 2, 10))
	want("done after its end date", plan(late.ID, at(3, 20, 12)), 5900)

	// Stored cancelled, with no time of cancellation: its last save.
	legacy := base()
	legacy.Phases, legacy.Status, legacy.Slug = nil, "cancelled", "legacy"
	legacy.Hours = []campaign.HoursLine{{MemberID: f.ids["member"], HoursPerWeek: 7}}
	legacy.BudgetLines = []campaign.BudgetLine{{Kind: "production", Planned: 800, Spent: 500}}
	legacy.Targets = []campaign.Target{{ID: 1, Metric: "roas", Value: 2}}
	f.db.Now = func() time.Time { return at(1, 8, 15) }
	stored, err := f.db.CreateCampaign(ctx, f.ws, legacy)
	if err != nil {
		t.Fatal(err)
	}
	want("cancelled before the time was kept", plan(stored.ID, at(1, 20, 12)), 700)
	// Its next save keeps that time, so edits after it do not move it.
	f.db.Now = func() time.Time { return at(1, 18, 15) }
	f.svc.Now = f.db.Now
	if _, err := f.svc.SetHours(ctx, f.ws, stored.ID, stored.Hours, ""); err != nil {
		t.Fatal(err)
	}
	f.db.Now = func() time.Time { return at(1, 19, 15) }
	stored, err = f.svc.Get(ctx, f.ws, stored.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored.Name = "冬日暖咖季（旧）"
	if _, err := f.svc.Update(ctx, f.ws, stored.ID, stored); err != nil {
		t.Fatal(err)
	}
	want("cancelled before the time was kept, edited since", plan(stored.ID, at(1, 20, 12)), 700)
}

// TestPlanCostInWorkspaceCurrency: the team's hourly rates are in the
// brand budget's currency. When that is not the workspace's, in which the
// budget lines are, the people cost cannot be added to what they spent:
// it is left out of every cost, the cost basis says so, and a warning
// names both currencies. A budget in the workspace's currency, or with
// no currency of its own, counts the people cost.
func TestPlanCostInWorkspaceCurrency(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Measurer = &fakeMeasurer{figures: map[string]map[string]float64{"": {"revenue": 3000}}}
	f.svc.Now = func() time.Time { return time.Date(2026, 1, 11, 12, 0, 0, 0, shanghai) }
	c := base() // 2026-01-01 … 02-28
	c.Phases, c.Status = nil, "active"
	// The fixture's member, 7 h a week at the team's 100: 100 a day, 10
	// days ended.
	c.Hours = []campaign.HoursLine{{MemberID: f.ids["member"], HoursPerWeek: 7}}
	c.BudgetLines = []campaign.BudgetLine{{Kind: "production", Planned: 800, Spent: 500}}
	c.Targets = []campaign.Target{{ID: 1, Metric: "roas", Value: 2}}
	c = f.create(c)
	for _, tt := range []struct {
		name, rates, workspace string
		people                 float64
		basis, rateCurrency    string
	}{
		{"same currency", "CNY", "CNY", 1000, campaign.CostFromSpentAndPlannedHours, ""},
		{"rates in another currency", "USD", "CNY", 0, campaign.CostFromSpent, "USD"},
		{"workspace currency unknown", "USD", "", 1000, campaign.CostFromSpentAndPlannedHours, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.brand.SaveBudget(ctx, f.ws, brand.Budget{Currency: tt.rates, HourlyCost: 100}); err != nil {
				t.Fatal(err)
			}
			plan, err := f.svc.Plan(ctx, f.ws, c.ID, shanghai, "", tt.workspace)
			if err != nil {
				t.Fatal(err)
			}
			want := campaign.CostSplit{Media: 500, People: tt.people, Total: 500 + tt.people}
			if m := plan.Measured; m == nil || m.Cost != want || m.CostBasis != tt.basis {
				t.Errorf("measurement %+v, want cost %+v on basis %s", m, want, tt.basis)
			}
			if n := plan.KPI[0]; n.Actual == nil {
				t.Errorf("ROAS not measured, want %g", 3000/want.Total)
			} else if *n.Actual != 3000/want.Total {
				t.Errorf("ROAS = %g, want %g", *n.Actual, 3000/want.Total)
			}
			if plan.RateCurrency != tt.rateCurrency {
				t.Errorf("rate currency %q, want %q", plan.RateCurrency, tt.rateCurrency)
			}
			warned := slices.ContainsFunc(plan.Warnings, func(w campaign.Warning) bool {
				return w.Key == "warning.campaign.rate_currency" && w.Args["Rates"] == tt.rates && w.Args["Currency"] == tt.workspace
			})
			if warned != (tt.rateCurrency != "") {
				t.Errorf("warnings %+v; want the rates' currency warned about: %v", plan.Warnings, tt.rateCurrency != "")
			}
			// The hours table keeps the rates as they are, in their currency.
			if len(plan.Hours) != 1 || plan.Hours[0].WeeklyCost != 700 {
				t.Errorf("hours %+v, want the member's 700 a week", plan.Hours)
			}
		})
	}
}
