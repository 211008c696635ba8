package campaign

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

// valid is a campaign that passes Validate; each case breaks one rule.
func valid() Campaign {
	c := Campaign{
		Name: "冬日暖咖季", Objective: "sales", Status: "draft", Start: "2026-01-01", End: "2026-02-28", Budget: 1000,
		Pillars: []Pillar{{Name: "a", Share: 60}, {Name: "b", Share: 40}},
		Phases: []Phase{
			{ID: 1, Name: "预热", Objective: "voice", Start: "2026-01-01", End: "2026-01-10"},
			{ID: 2, Name: "引爆", Start: "2026-01-11", End: "2026-02-28"},
		},
		Targets: []Target{
			{ID: 1, Metric: "purchases", Value: 100},
			{ID: 2, PhaseID: 2, Metric: "purchases", Value: 80},
			{ID: 3, Metric: "engagement_rate", Value: 0.05},
			{ID: 4, Metric: "net_sentiment", Value: -0.2},
			{ID: 5, Platform: "weibo", Metric: "purchases", Value: 50},
		},
		Mix: []MixEntry{
			{Platform: "weibo", BudgetShare: 33.33, HoursShare: 50, PostsPerWeek: 3},
			{Platform: "douyin", BudgetShare: 66.67, HoursShare: 50},
		},
		BudgetLines: []BudgetLine{{ID: 1, Kind: "kol_fee", Planned: 600, Committed: 2000}, {ID: 2, Kind: "other", Planned: 400, PhaseID: 1}},
		Hours:       []HoursLine{{MemberID: 7, HoursPerWeek: 10}},
	}
	c.normalize()
	return c
}

func fieldsOf(err error) []apperr.FieldError {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Fields
	}
	return nil
}

func TestValidate(t *testing.T) {
	if err := func() error { c := valid(); return c.Validate() }(); err != nil {
		t.Fatalf("valid campaign: %v", err)
	}
	tests := []struct {
		name       string
		change     func(c *Campaign)
		field, key string
	}{
		{"name required", func(c *Campaign) { c.Name = " " }, "name", "error.required"},
		{"bad slug", func(c *Campaign) { c.Slug = "冬日" }, "slug", "error.slug"},
		{"objective outside set", func(c *Campaign) { c.Objective = "fame" }, "objective", "error.one_of"},
		{"status outside set", func(c *Campaign) { c.Status = "paused" }, "status", "error.one_of"},
		{"start required", func(c *Campaign) { c.Start = "" }, "start", "error.required"},
		{"start not a date", func(c *Campaign) { c.Start = "2026-13-01" }, "start", "error.campaign.date"},
		{"end before start", func(c *Campaign) { c.End = "2025-12-31" }, "end", "error.campaign.end_before_start"},
		{"start before year 2000", func(c *Campaign) { c.Start = "0001-01-01"; c.Phases = nil }, "start", "error.campaign.date_range"},
		{"end after 2099", func(c *Campaign) { c.End = "9999-12-31" }, "end", "error.campaign.date_range"},
		{"longer than five years", func(c *Campaign) { c.End = "2031-01-02" }, "end", "error.campaign.too_many_days"},
		{"phase before year 2000", func(c *Campaign) { c.Phases[0].Start = "1999-12-31" }, "phases[0].start", "error.campaign.date_range"},
		{"negative budget", func(c *Campaign) { c.Budget = -1 }, "budget", "error.negative"},
		{"budget not finite", func(c *Campaign) { c.Budget = math.Inf(1) }, "budget", "error.not_finite"},
		{"budget beyond any budget", func(c *Campaign) { c.Budget = 1e308 }, "budget", "error.range"},
		{"pillars not 100", func(c *Campaign) { c.Pillars[1].Share = 30 }, "pillars", "error.campaign.pillar_sum"},
		{"pillar share out of range", func(c *Campaign) { c.Pillars[0].Share = 160; c.Pillars[1].Share = -60 }, "pillars[0].share", "error.range"},
		{"duplicate product", func(c *Campaign) { c.ProductIDs = []int64{3, 3} }, "product_ids[1]", "error.duplicate"},
		{"zero persona id", func(c *Campaign) { c.PersonaIDs = []int64{0} }, "persona_ids[0]", "error.required"},
		{"empty hashtag", func(c *Campaign) { c.Hashtags = []string{""} }, "hashtags[0]", "error.required"},
		{"phase name required", func(c *Campaign) { c.Phases[1].Name = "" }, "phases[1].name", "error.required"},
		{"phase objective outside set", func(c *Campaign) { c.Phases[0].Objective = "fame" }, "phases[0].objective", "error.one_of"},
		{"phase before campaign", func(c *Campaign) { c.Phases[0].Start = "2025-12-20" }, "phases[0].start", "error.campaign.phase_outside"},
		{"phase after campaign", func(c *Campaign) { c.Phases[1].End = "2026-03-05" }, "phases[1].end", "error.campaign.phase_outside"},
		{"phase ends before it starts", func(c *Campaign) { c.Phases[1].End = "2026-01-05" }, "phases[1].end", "error.campaign.end_before_start"},
		{"phases overlap", func(c *Campaign) { c.Phases[1].Start = "2026-01-10" }, "phases[1].start", "error.campaign.phase_overlap"},
		{"phases overlap out of order", func(c *Campaign) {
			c.Phases = append(c.Phases, Phase{ID: 3, Name: "x", Objective: "sales", Start: "2026-01-05", End: "2026-01-06"})
		}, "phases[2].start", "error.campaign.phase_overlap"},
		{"duplicate phase id", func(c *Campaign) { c.Phases[1].ID = 1 }, "phases[1].id", "error.duplicate"},
		{"unknown metric", func(c *Campaign) { c.Targets[0].Metric = "vibes" }, "targets[0].metric", "error.campaign.unknown_metric"},
		{"metric required", func(c *Campaign) { c.Targets[0].Metric = "" }, "targets[0].metric", "error.required"},
		{"wrong unit", func(c *Campaign) { c.Targets[2].Unit = "count" }, "targets[2].unit", "error.campaign.target_unit"},
		{"negative count", func(c *Campaign) { c.Targets[0].Value = -5 }, "targets[0].value", "error.negative"},
		{"negative money", func(c *Campaign) {
			c.Targets = append(c.Targets, Target{ID: 9, Metric: "revenue", Value: -1, Unit: "money", Direction: AtLeast})
		}, "targets[5].value", "error.negative"},
		{"rate above 1", func(c *Campaign) { c.Targets[2].Value = 5 }, "targets[2].value", "error.campaign.rate_range"},
		{"signed below -1", func(c *Campaign) { c.Targets[3].Value = -1.5 }, "targets[3].value", "error.campaign.signed_range"},
		{"baseline out of range", func(c *Campaign) { b := 2.0; c.Targets[2].Baseline = &b }, "targets[2].baseline", "error.campaign.rate_range"},
		{"bad direction", func(c *Campaign) { c.Targets[0].Direction = "up" }, "targets[0].direction", "error.one_of"},
		{"unknown phase", func(c *Campaign) { c.Targets[1].PhaseID = 9 }, "targets[1].phase_id", "error.campaign.unknown_phase"},
		{"phase target above campaign target", func(c *Campaign) { c.Targets[1].Value = 150 }, "targets[1].value", "error.campaign.target_above_parent"},
		{"platform target above all platforms", func(c *Campaign) { c.Targets[4].Value = 101 }, "targets[4].value", "error.campaign.target_above_parent"},
		{"duplicate target", func(c *Campaign) { c.Targets[1].PhaseID = 0; c.Targets[1].Value = 10 }, "targets[1].metric", "error.campaign.target_duplicate"},
		{"mix platform required", func(c *Campaign) { c.Mix[0].Platform = "" }, "mix[0].platform", "error.required"},
		{"mix platform repeated", func(c *Campaign) { c.Mix[1].Platform = "weibo" }, "mix[1].platform", "error.duplicate"},
		{"mix budget shares not 100", func(c *Campaign) { c.Mix[1].BudgetShare = 60 }, "mix", "error.campaign.mix_budget_sum"},
		{"mix hours shares not 100", func(c *Campaign) { c.Mix[1].HoursShare = 10 }, "mix", "error.campaign.mix_hours_sum"},
		{"mix share out of range", func(c *Campaign) { c.Mix[0].HoursShare = 150; c.Mix[1].HoursShare = -50 }, "mix[0].hours_share", "error.range"},
		{"negative posts", func(c *Campaign) { c.Mix[0].PostsPerWeek = -1 }, "mix[0].posts_per_week", "error.negative"},
		{"budget kind outside set", func(c *Campaign) { c.BudgetLines[0].Kind = "bribe" }, "budget_lines[0].kind", "error.one_of"},
		{"negative spent", func(c *Campaign) { c.BudgetLines[0].Spent = -1 }, "budget_lines[0].spent", "error.negative"},
		{"budget line unknown phase", func(c *Campaign) { c.BudgetLines[1].PhaseID = 5 }, "budget_lines[1].phase_id", "error.campaign.unknown_phase"},
		{"planned over budget", func(c *Campaign) { c.BudgetLines[1].Planned = 401 }, "budget_lines", "error.campaign.planned_over_budget"},
		{"hours member required", func(c *Campaign) { c.Hours[0].MemberID = 0 }, "hours[0].member_id", "error.required"},
		{"hours member repeated", func(c *Campaign) { c.Hours = append(c.Hours, HoursLine{MemberID: 7}) }, "hours[1].member_id", "error.duplicate"},
		{"negative hours", func(c *Campaign) { c.Hours[0].HoursPerWeek = -2 }, "hours[0].hours_per_week", "error.range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			err := c.Validate()
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Validate = %v, want apperr.Invalid", err)
			}
			fs := fieldsOf(err)
			if !slices.ContainsFunc(fs, func(f apperr.FieldError) bool { return f.Field == tt.field && f.Key == tt.key }) {
				t.Errorf("fields = %+v, want %s: %s", fs, tt.field, tt.key)
			}
		})
	}
}

// TestDuplicateTargetAlone: a second target of a scope is told it is a
// duplicate, and only that: the other targets are still checked against
// the first of that scope, not against the duplicate (a platform's 50
// purchases above a duplicate whole-campaign 10).
func TestDuplicateTargetAlone(t *testing.T) {
	c := valid()
	c.Targets[1].PhaseID, c.Targets[1].Value = 0, 10
	fs := fieldsOf(c.Validate())
	if len(fs) != 1 || fs[0].Field != "targets[1].metric" || fs[0].Key != "error.campaign.target_duplicate" {
		t.Errorf("fields = %+v, want the duplicate's error alone", fs)
	}
}

// TestRangeOfAmounts: a number too large is told the range its field
// really has: 0 … MaxNumber for what cannot be negative (a budget, a
// spend, a count), a rate's or a share's own range, never −MaxNumber …
// MaxNumber.
func TestRangeOfAmounts(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*Campaign)
		field    string
		key      string
		min, max any
	}{
		{"budget", func(c *Campaign) { c.Budget = 2e12 }, "budget", "error.range", 0, float64(MaxNumber)},
		{"planned", func(c *Campaign) { c.Budget = 3e12; c.BudgetLines[0].Planned = 2e12 }, "budget_lines[0].planned", "error.range", 0, float64(MaxNumber)},
		{"spent", func(c *Campaign) { c.BudgetLines[0].Spent = 2e12 }, "budget_lines[0].spent", "error.range", 0, float64(MaxNumber)},
		{"posts a week", func(c *Campaign) { c.Mix[0].PostsPerWeek = 2e12 }, "mix[0].posts_per_week", "error.range", 0, float64(MaxNumber)},
		{"count target", func(c *Campaign) { c.Targets[0].Value = 2e12 }, "targets[0].value", "error.range", 0, float64(MaxNumber)},
		{"rate target", func(c *Campaign) { c.Targets[2].Value = 2e12 }, "targets[2].value", "error.campaign.rate_range", nil, nil},
		{"share", func(c *Campaign) { c.Mix[0].HoursShare = 2e12 }, "mix[0].hours_share", "error.range", 0, 100},
		{"hours", func(c *Campaign) { c.Hours[0].HoursPerWeek = 2e12 }, "hours[0].hours_per_week", "error.range", 0, 168},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			fs := fieldsOf(c.Validate())
			i := slices.IndexFunc(fs, func(f apperr.FieldError) bool { return f.Field == tt.field })
			if i < 0 || fs[i].Key != tt.key || fs[i].Args["Min"] != tt.min || fs[i].Args["Max"] != tt.max {
				t.Errorf("fields = %+v; want %s: %s from %v to %v", fs, tt.field, tt.key, tt.min, tt.max)
			}
		})
	}
}

// TestPhaseOverlapNames: the overlap error names both phases of the pair,
// so that read in the form of either it never names only the phase being
// edited, and a long phase is found overlapping each phase it covers.
func TestPhaseOverlapNames(t *testing.T) {
	tests := []struct {
		name   string
		phases []Phase
		want   []string // field: phase / other
	}{
		{"new phase before the one it overlaps", []Phase{
			{ID: 1, Name: "预热", Start: "2026-01-01", End: "2026-01-10"},
			{ID: 2, Name: "引爆", Start: "2026-01-11", End: "2026-02-28"},
			{ID: 3, Name: "新阶段", Start: "2026-01-10", End: "2026-01-11"},
		}, []string{"phases[2].start: 新阶段 / 预热", "phases[1].start: 引爆 / 新阶段"}},
		{"a long phase covers two", []Phase{
			{ID: 1, Name: "全程", Start: "2026-01-01", End: "2026-02-28"},
			{ID: 2, Name: "一", Start: "2026-01-05", End: "2026-01-06"},
			{ID: 3, Name: "二", Start: "2026-01-20", End: "2026-01-21"},
		}, []string{"phases[1].start: 一 / 全程", "phases[2].start: 二 / 全程"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			c.Phases = tt.phases
			c.Targets, c.BudgetLines = nil, nil
			var got []string
			for _, f := range fieldsOf(c.Validate()) {
				if f.Key == "error.campaign.phase_overlap" {
					got = append(got, fmt.Sprintf("%s: %v / %v", f.Field, f.Args["Phase"], f.Args["Other"]))
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Errorf("overlaps = %q, want %q", got, want)
			}
		})
	}
}

// TestNegativeBudgetAlone: a budget below zero is told once, not also as
// budget lines planning more than it.
func TestNegativeBudgetAlone(t *testing.T) {
	c := valid()
	c.Budget = -5
	for _, f := range fieldsOf(c.Validate()) {
		if f.Key == "error.campaign.planned_over_budget" {
			t.Errorf("fields = %+v; want no planned_over_budget beside the negative budget", fieldsOf(c.Validate()))
		}
	}
}

func TestNormalizeDefaults(t *testing.T) {
	c := Campaign{Objective: "pr", Phases: []Phase{{Name: "x"}}, Targets: []Target{
		{Metric: "first_response_time"}, {Metric: "mentions"}, {Metric: "roas", Unit: "ratio", Direction: AtMost},
	}}
	c.normalize()
	if c.Phases[0].Objective != "pr" {
		t.Errorf("phase objective = %q, want the campaign's", c.Phases[0].Objective)
	}
	want := []struct{ unit, dir string }{{"duration", AtMost}, {"count", AtLeast}, {"ratio", AtMost}}
	for i, w := range want {
		if got := c.Targets[i]; got.Unit != w.unit || got.Direction != w.dir {
			t.Errorf("targets[%d] = %s/%s, want %s/%s", i, got.Unit, got.Direction, w.unit, w.dir)
		}
	}
	if c.Mix == nil || c.Hours == nil || c.KeyMessages == nil {
		t.Error("normalize left nil lists")
	}
}

func TestKPITree(t *testing.T) {
	targets := []Target{
		{ID: 1, Metric: "purchases"},
		{ID: 2, PhaseID: 1, Metric: "purchases"},
		{ID: 3, PhaseID: 1, Platform: "douyin", Metric: "purchases"},
		{ID: 4, Platform: "weibo", Metric: "purchases"},
		{ID: 5, PhaseID: 2, Metric: "leads"},
		{ID: 6, PhaseID: 2, Platform: "weibo", Metric: "leads"},
		{ID: 7, PhaseID: 3, Platform: "weibo", Metric: "purchases"},
	}
	got := KPITree(targets)
	var render func(ns []KPINode) string
	render = func(ns []KPINode) string {
		var parts []string
		for _, n := range ns {
			s := string(rune('0' + n.Target.ID))
			if len(n.Children) > 0 {
				s += "(" + render(n.Children) + ")"
			}
			if n.Actual != nil {
				s += "!"
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, " ")
	}
	// 1 is the campaign's purchases: its phase 1 target (with its douyin
	// child), the campaign's weibo target and phase 3's weibo target (no
	// phase-3 all-platform target) sit under it; leads have no campaign
	// target, so phase 2's sits at the top with its weibo child.
	if s, want := render(got), "1(2(3) 4 7) 5(6)"; s != want {
		t.Errorf("tree = %s, want %s", s, want)
	}
}

func TestApportion(t *testing.T) {
	tests := []struct {
		name    string
		weights []float64
		want    []int
	}{
		{"thirds", []float64{1, 1, 1}, []int{34, 33, 33}},
		{"proportional", []float64{80, 60, 40, 20}, []int{40, 30, 20, 10}},
		{"remainders", []float64{71.3, 65.2, 50.1, 48.8}, []int{30, 28, 21, 21}},
		{"all zero", []float64{0, 0}, []int{50, 50}},
		{"empty", nil, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Apportion(tt.weights, 100)
			sum := 0
			for _, v := range got {
				sum += v
			}
			if len(got) > 0 && sum != 100 {
				t.Errorf("sum = %d", sum)
			}
			if !slices.Equal(got, tt.want) && len(tt.want) > 0 {
				t.Errorf("Apportion(%v) = %v, want %v", tt.weights, got, tt.want)
			}
		})
	}
}

func TestTemplateSchedule(t *testing.T) {
	tests := []struct {
		name       string
		start, end Date
		objective  string
		want       []int // days per phase
	}{
		{"sales 100 days", "2026-01-01", "2026-04-10", "sales", []int{15, 25, 45, 15}},
		{"voice 40 days", "2026-03-01", "2026-04-09", "voice", []int{8, 12, 14, 6}},
		{"one day keeps one phase", "2026-03-01", "2026-03-01", "sales", []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := templateSchedule(tt.start, tt.end, templatePhases[tt.objective], nil)
			var days []int
			for i, p := range ps {
				days = append(days, Days(p.Start, p.End))
				if i == 0 && p.Start != tt.start {
					t.Errorf("first phase starts %s, want %s", p.Start, tt.start)
				}
				if i > 0 && ps[i-1].End.AddDays(1) != p.Start {
					t.Errorf("gap or overlap between %s and %s", ps[i-1].End, p.Start)
				}
			}
			if len(ps) > 0 && ps[len(ps)-1].End != tt.end {
				t.Errorf("last phase ends %s, want %s", ps[len(ps)-1].End, tt.end)
			}
			if !slices.Equal(days, tt.want) {
				t.Errorf("days = %v, want %v", days, tt.want)
			}
		})
	}
}

// TestBudgetWarnings: spending past the budget is said whether or not
// anything was committed.
func TestBudgetWarnings(t *testing.T) {
	t.Parallel()
	keys := func(c Campaign, b BudgetSummary) []string {
		var out []string
		for _, w := range warnings(c, nil, b, nil) {
			out = append(out, w.Key)
		}
		return out
	}
	c := Campaign{Budget: 1000}
	tests := []struct {
		name string
		b    BudgetSummary
		want []string
	}{
		{"within", BudgetSummary{Planned: 1000, Committed: 800, Spent: 500}, nil},
		{"spent past the budget, nothing committed", BudgetSummary{Spent: 5000}, []string{"warning.campaign.spent_over_budget"}},
		{"committed and spent past it", BudgetSummary{Committed: 2000, Spent: 3000}, []string{"warning.campaign.committed_over_budget", "warning.campaign.spent_over_committed"}},
	}
	for _, tt := range tests {
		if got := keys(c, tt.b); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestMemberHoursPeak: a member's hours in other campaigns are their peak
// over this campaign's days: two that never meet do not add up, and done
// or draft campaigns take no hours.
func TestMemberHoursPeak(t *testing.T) {
	t.Parallel()
	c := Campaign{ID: 1, Status: "planned", Start: "2026-01-01", End: "2026-02-28", Hours: []HoursLine{{MemberID: 7, HoursPerWeek: 24}}}
	other := func(id int64, status string, start, end Date, hours float64) Campaign {
		return Campaign{ID: id, Status: status, Start: start, End: end, Hours: []HoursLine{{MemberID: 7, HoursPerWeek: hours}}}
	}
	all := []Campaign{c,
		other(2, "planned", "2025-11-20", "2026-01-05", 10),
		other(3, "active", "2026-01-10", "2026-01-15", 10),
		other(4, "planned", "2026-01-12", "2026-01-20", 5), // meets 3 on the 12th to 15th
		other(5, "done", "2026-01-01", "2026-01-31", 30),
		other(6, "draft", "2026-01-01", "2026-01-31", 30),
		other(7, "planned", "2026-03-01", "2026-03-31", 30), // after this one
	}
	all = append(all, Campaign{ID: 8, Status: "active", Start: "2026-02-01", End: "2026-02-10", Hours: []HoursLine{{MemberID: 9, HoursPerWeek: 12}}})
	got, others := memberHours(c, []brand.TeamMember{{ID: 7, Name: "陈思雨", WeeklyHours: 40}, {ID: 9, Name: "王可", WeeklyHours: 20}}, brand.Budget{}, all)
	if len(got) != 1 || got[0].Other != 15 || got[0].Over {
		t.Errorf("hours = %+v; want other 15 (campaigns 3 and 4 together), not over 40", got)
	}
	if others[9] != 12 {
		t.Errorf("other hours %v; want 12 for member 9, who is not on this campaign yet", others)
	}
}

// TestRemovedMemberHours: hours planned for a member who has left the
// team warn that they are a removed member's, not that a nameless member
// with no capacity is over it.
func TestRemovedMemberHours(t *testing.T) {
	t.Parallel()
	c := Campaign{ID: 1, Status: "planned", Start: "2026-01-01", End: "2026-01-31",
		Hours: []HoursLine{{MemberID: 7, HoursPerWeek: 10}, {MemberID: 8, HoursPerWeek: 6}}}
	hours, _ := memberHours(c, []brand.TeamMember{{ID: 7, Name: "陈思雨", WeeklyHours: 40, HourlyCost: 300}}, brand.Budget{HourlyCost: 120}, []Campaign{c})
	if len(hours) != 2 || hours[0].Removed || hours[0].Over || !hours[1].Removed || hours[1].Over {
		t.Fatalf("hours = %+v; want member 8 removed and neither over", hours)
	}
	// Their hours still cost: at the team's rate, since theirs is gone.
	if hours[0].HourlyRate != 300 || hours[0].WeeklyCost != 3000 || hours[1].HourlyRate != 120 || hours[1].WeeklyCost != 720 {
		t.Errorf("rates and weekly costs %+v; want 300 and 3,000 for member 7, the team's 120 and 720 for member 8", hours)
	}
	var keys []string
	for _, w := range warnings(c, nil, BudgetSummary{}, hours) {
		keys = append(keys, w.Field+" "+w.Key)
	}
	if want := []string{"hours[1].hours_per_week warning.campaign.member_removed"}; !slices.Equal(keys, want) {
		t.Errorf("warnings = %q; want %q", keys, want)
	}
}

// TestTemplatePhaseNames: a template's phases are named in the team's
// language when asked, in Chinese otherwise.
func TestTemplatePhaseNames(t *testing.T) {
	t.Parallel()
	en := map[string]string{"warmup": "Warm-up", "launch": "Launch", "sustain": "Sustain", "wrapup": "Wrap-up"}
	ps := templateSchedule("2026-01-01", "2026-04-10", templatePhases["sales"], func(k string) string { return en[k] })
	if len(ps) != 4 || ps[0].Name != "Warm-up" || ps[3].Name != "Wrap-up" {
		t.Errorf("English phases = %+v", ps)
	}
	if ps := templateSchedule("2026-01-01", "2026-04-10", templatePhases["sales"], nil); ps[0].Name != "预热" {
		t.Errorf("default first phase = %q, want 预热", ps[0].Name)
	}
}
