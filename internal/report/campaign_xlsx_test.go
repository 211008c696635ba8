package report

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chorus-hq/chorus/internal/campaign"
)

func samplePlan() campaign.Plan {
	base := 0.03
	c := campaign.Campaign{
		Name: "冬日暖咖季", Slug: "winter", Objective: "sales", Status: "active", Start: "2026-01-01", End: "2026-02-28", Budget: 10000,
		OwnerID: 3, PersonaIDs: []int64{5},
		Pillars: []campaign.Pillar{{Name: "产地故事", Share: 100}},
		Phases: []campaign.Phase{
			{ID: 1, Name: "预热", Objective: "voice", Start: "2026-01-01", End: "2026-01-10"},
			{ID: 2, Name: "引爆", Objective: "sales", Start: "2026-01-11", End: "2026-02-28"},
		},
		Targets: []campaign.Target{
			{ID: 1, Metric: "purchases", Value: 100, Unit: "count", Direction: campaign.AtLeast},
			{ID: 2, PhaseID: 2, Metric: "purchases", Value: 80, Unit: "count", Direction: campaign.AtLeast},
			{ID: 3, PhaseID: 2, Platform: "weibo", Metric: "purchases", Value: 30, Unit: "count", Direction: campaign.AtLeast},
			{ID: 4, Metric: "engagement_rate", Value: 0.05, Unit: "rate", Direction: campaign.AtLeast, Baseline: &base},
			{ID: 5, Metric: "roas", Value: 2, Unit: "ratio", Direction: campaign.AtLeast},
		},
		Mix: []campaign.MixEntry{{Platform: "weibo", Role: "声量", BudgetShare: 60, HoursShare: 50, PostsPerWeek: 5}, {Platform: "douyin", BudgetShare: 40, HoursShare: 50}},
		BudgetLines: []campaign.BudgetLine{
			{ID: 1, Kind: "kol_fee", Description: "阿May", Platform: "weibo", PhaseID: 2, ResourceID: 9, Planned: 6000, Committed: 6000, Spent: 2500.5},
			{ID: 2, Kind: "production", Planned: 2000},
		},
		Hours: []campaign.HoursLine{{MemberID: 3, HoursPerWeek: 12}},
	}
	return campaign.Plan{
		Campaign: c,
		Fit:      map[string]float64{"weibo": 62.5, "douyin": 71},
		Budget: campaign.BudgetSummary{Total: 10000, Planned: 8000, Committed: 6000, Spent: 2500.5,
			ByPlatform: []campaign.BudgetRow{{Key: "weibo", Planned: 6000, Committed: 6000, Spent: 2500.5}, {Key: "", Planned: 2000}}},
		Hours: []campaign.MemberHours{{MemberID: 3, Name: "陈思雨", Planned: 12, Capacity: 10, Over: true, HourlyRate: 110, WeeklyCost: 1320}},
		KPI:   campaign.KPITree(c.Targets),
		Warnings: []campaign.Warning{{Field: "hours[0].hours_per_week", Key: "warning.campaign.member_over"},
			{Field: "mix[1].budget_share", Key: "warning.campaign.platform_over_mix", Args: map[string]any{"Platform": "douyin"}}},
	}
}

func TestCampaignPlanXLSX(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	names := Names{
		Platforms: map[string]string{"weibo": "微博", "douyin": "抖音"},
		Personas:  map[int64]string{5: "小美"},
		Members:   map[int64]string{3: "陈思雨"},
		Resources: map[int64]string{9: "咖啡续命的阿May"},
		Message: func(key string, args map[string]any) string {
			if p, ok := args["Platform"]; ok {
				return "translated " + key + " " + p.(string)
			}
			if m, ok := args["Model"]; ok {
				return "translated " + key + " " + m.(string)
			}
			return "translated " + key
		},
		Currency: "CNY",
		Location: shanghai,
	}
	plan := samplePlan()
	plan.Measured = &campaign.Measurement{At: time.Date(2026, 1, 20, 16, 30, 0, 0, time.UTC), Attribution: "first_touch",
		CostBasis: campaign.CostFromSpentAndPlannedHours, Cost: campaign.CostSplit{Media: 2500.5, People: 3960, Total: 6460.5}}
	actual, pace, forecast := plan.KPI[0].Target.Value/2, 0.8, plan.KPI[0].Target.Value*0.9
	plan.KPI[0].Actual, plan.KPI[0].Pace, plan.KPI[0].Forecast = &actual, &pace, &forecast
	// Phase 2 is over with 88 of its 80: met, at a final pace of 1.1.
	final, finalPace := 88.0, 1.1
	phase2 := &plan.KPI[0].Children[0]
	phase2.Actual, phase2.Pace, phase2.Forecast, phase2.Ended = &final, &finalPace, &final, true
	roas := 1.5
	plan.KPI[2].Actual, plan.KPI[2].Cost = &roas, &campaign.CostSplit{Media: 2500.5, People: 3960, Total: 6460.5}
	if err = CampaignPlanXLSX(&buf, plan, names); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{SheetOverview, SheetPhases, SheetKPI, SheetMix, SheetBudget}; !slices.Equal(got, want) {
		t.Fatalf("sheets = %v, want %v", got, want)
	}
	cell := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	raw := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, sheet, ref, want string
		raw                    bool
	}{
		{"phase header bilingual", SheetPhases, "B1", "阶段 Phase", false},
		{"phase name", SheetPhases, "B2", "预热", false},
		{"phase start shown as date", SheetPhases, "D2", "2026-01-01", false},
		{"phase start stored as a date serial", SheetPhases, "D2", "46023", true},
		{"phase days a number", SheetPhases, "F3", "49", true},
		{"overview name", SheetOverview, "B2", "冬日暖咖季", false},
		{"overview objective", SheetOverview, "B4", "销售转化 Sales", false},
		{"overview currency", SheetOverview, "B10", "CNY", false},
		{"overview persona names", SheetOverview, "B15", "小美", false},
		{"kpi attainment", SheetKPI, "J2", "50", true},
		{"kpi pace", SheetKPI, "K2", "0.8", true},
		{"kpi live pace reads as a ratio", SheetKPI, "K2", "0.80", false},
		{"kpi forecast", SheetKPI, "L2", strconv.FormatFloat(forecast, 'f', -1, 64), true},
		{"kpi top level", SheetKPI, "A2", "活动 Campaign", false},
		{"kpi phase child", SheetKPI, "A3", "    阶段 Phase", false},
		{"kpi platform grandchild", SheetKPI, "C4", "微博", false},
		{"kpi target number", SheetKPI, "F3", "80", true},
		{"kpi baseline", SheetKPI, "H5", "0.03", true},
		{"kpi rate target reads as a percent", SheetKPI, "F5", "5.0%", false},
		{"kpi rate baseline reads as a percent", SheetKPI, "H5", "3.0%", false},
		{"kpi count forecast reads whole", SheetKPI, "L2", "90", false},
		{"kpi count target with separators", SheetKPI, "F2", "100", false},
		{"kpi running verdict", SheetKPI, "M2", "进度落后 Behind", false},
		{"kpi ended pace reads as a ratio", SheetKPI, "K3", "1.10", false},
		{"kpi ended verdict", SheetKPI, "M3", "已达成 Met", false},
		{"kpi no verdict without pace", SheetKPI, "M5", "", false},
		{"kpi roas budget lines spent", SheetKPI, "N6", "2500.5", true},
		{"kpi budget lines spent header", SheetKPI, "N1", "预算明细已花费 Budget lines spent", false},
		{"kpi roas people cost", SheetKPI, "O6", "3960", true},
		{"kpi no cost split for purchases", SheetKPI, "N2", "", true},
		{"mix platform name", SheetMix, "A2", "微博", false},
		{"mix fit", SheetMix, "C2", "62.5", true},
		{"mix budget amount: its share of the budget less the lines on no platform", SheetMix, "E2", "4800", true},
		{"mix planned in lines", SheetMix, "F2", "6000", true},
		{"mix planned in no line", SheetMix, "F3", "0", true},
		{"mix hours share", SheetMix, "G2", "50", true},
		{"lines on no platform beside the mix", SheetMix, "A4", "未指定 Not assigned", false},
		{"what the shares do not split", SheetMix, "E4", "2000", true},
		{"lines on no platform planned", SheetMix, "F4", "2000", true},
		{"no line outside the mix", SheetMix, "A5", "", false},
		{"budget resource name", SheetBudget, "E2", "咖啡续命的阿May", false},
		{"budget line platform", SheetBudget, "C2", "微博", false},
		{"budget line on no platform", SheetBudget, "C3", "未指定 Not assigned", false},
		{"budget kind as the page names it", SheetBudget, "A3", "内容制作 Production", false},
		{"budget spent number", SheetBudget, "H2", "2500.5", true},
		{"budget total", SheetBudget, "F4", "8000", true},
		{"hours header", SheetBudget, "A7", "成员 Member", false},
		{"hours member", SheetBudget, "A8", "陈思雨", false},
		{"hours over", SheetBudget, "E8", "是 Yes", false},
		{"hours rate", SheetBudget, "F8", "110", true},
		{"hours weekly cost", SheetBudget, "G8", "1320", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if tt.raw {
				got = raw(tt.sheet, tt.ref)
			} else {
				got = cell(tt.sheet, tt.ref)
			}
			if got != tt.want {
				t.Errorf("%s!%s = %q, want %q", tt.sheet, tt.ref, got, tt.want)
			}
		})
	}
	// Header rows are bold.
	for _, s := range []string{SheetPhases, SheetKPI, SheetMix, SheetBudget} {
		id, err := f.GetCellStyle(s, "A1")
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s header not bold: %+v %v", s, st, err)
		}
	}
	// Warnings are translated into the overview.
	rows, _ := f.GetRows(SheetOverview)
	var text []string
	for _, r := range rows {
		text = append(text, strings.Join(r, "|"))
	}
	if all := strings.Join(text, "\n"); !strings.Contains(all, "translated warning.campaign.member_over") ||
		!strings.Contains(all, "translated warning.campaign.platform_over_mix 抖音") || strings.Contains(all, "hours[0]") {
		t.Errorf("overview lacks the warning, or shows its field path: %v", text)
	}
	// When the actuals were measured, in the workspace's zone, and how
	// (METRICS.md: a report states its fallbacks, here hours as planned),
	// under which attribution, and where the cost comes from.
	for _, want := range []string{"实际值截至 Measured at (Asia/Shanghai)|2026-01-21 00:30",
		"实际值口径 How actuals are measured|translated strategy.actual_note translated tracking.model.first_touch",
		"归因模型 Attribution|首次触点 First touch", "预算明细已花费 Budget lines spent|2,500.50",
		"人力成本（计划工时 × 时薪） People cost (planned hours × rate)|3,960.00", "总成本 Cost so far|6,460.50"} {
		if !slices.Contains(text, want) {
			t.Errorf("overview lacks %q: %v", want, text)
		}
	}
}
