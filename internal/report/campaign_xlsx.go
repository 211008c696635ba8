// Package report turns plans and figures into the documents teams pass
// around: exports today, weekly, campaign and stage reports later.
package report

import (
	"fmt"
	"io"
	"maps"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/metric"
)

// Names gives the display names an export shows instead of keys and ids.
// Any map may be nil or miss an entry; the key or id shows then.
type Names struct {
	Currency string // the workspace's, in which every amount is
	// Location is the workspace's time zone, in which times show; nil
	// shows them in UTC.
	Location  *time.Location
	Platforms map[string]string // platform key → name
	Personas  map[int64]string
	Products  map[int64]string
	Members   map[int64]string // team member id → name
	Resources map[int64]string // amplifier id → name
	Metrics   map[string]string
	// Message translates a warning's key and arguments; nil leaves the
	// warnings out of the overview.
	Message func(key string, args map[string]any) string
}

// The sheets of a campaign plan, in order.
const (
	SheetOverview = "概览 Overview"
	SheetPhases   = "阶段 Phases"
	SheetKPI      = "KPI 目标 Targets"
	SheetMix      = "平台组合 Mix"
	SheetBudget   = "预算 Budget"
)

// Labels of closed sets, in both languages, since the sheet goes to people
// who read either.
var (
	objectiveLabels = map[string]string{"sales": "销售转化 Sales", "voice": "品牌声量 Awareness", "pr": "公关 PR",
		"growth": "涨粉 Growth", "service": "客户服务 Service"}
	statusLabels = map[string]string{"draft": "草稿 Draft", "planned": "已计划 Planned", "active": "进行中 Active",
		"done": "已完成 Done", "cancelled": "已取消 Cancelled"}
	kindLabels = map[string]string{"kol_fee": "KOL 费用 KOL fee", "paid_boost": "付费推广 Paid boost",
		"moderator_fee": "版主费用 Moderator fee", "production": "内容制作 Production", "other": "其他 Other"}
	directionLabels = map[string]string{campaign.AtLeast: "不低于 At least", campaign.AtMost: "不高于 At most"}
	modelLabels     = map[string]string{"last_touch": "末次触点 Last touch", "first_touch": "首次触点 First touch", "linear": "线性 Linear"}
	paceLabels      = map[string]string{"on_track": "进度正常 On track", "behind": "进度落后 Behind", "met": "已达成 Met", "missed": "未达成 Missed"}
	unitLabels      = map[string]string{string(metric.Count): "个 count", string(metric.Rate): "比率 rate",
		string(metric.Ratio): "倍 ratio", string(metric.Signed): "−1…1", string(metric.Money): "金额 money",
		string(metric.Duration): "分钟 minutes"}
)

// CampaignPlanXLSX writes a campaign plan as an XLSX workbook with the
// sheets 概览 Overview, 阶段 Phases, KPI 目标 Targets, 平台组合 Mix and
// 预算 Budget (with the hours plan below the budget lines): header rows in
// bold with Chinese and English headers, dates as dates and numbers as
// numbers, the form Chinese teams pass around for approval.
func CampaignPlanXLSX(w io.Writer, plan campaign.Plan, names Names) error {
	f := excelize.NewFile()
	defer f.Close()
	x := &book{f: f, names: names}
	if err := x.styles(); err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetOverview); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for _, s := range []string{SheetPhases, SheetKPI, SheetMix, SheetBudget} {
		if _, err := f.NewSheet(s); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	x.overview(plan)
	x.phases(plan.Campaign)
	x.kpi(plan)
	x.mix(plan)
	x.budget(plan)
	if x.err != nil {
		return fmt.Errorf("xlsx: %w", x.err)
	}
	f.SetActiveSheet(0)
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

// book writes cells and keeps the first error, so the sheets read as
// plain lists of rows.
type book struct {
	f                                            *excelize.File
	names                                        Names
	err                                          error
	bold, date, dateTime, money, percent, number int
	// units are the number formats of a KPI sheet's figures by unit, so
	// that they read as on the campaign page: a rate of 0.05 as 5.0 %.
	units map[metric.Unit]int
	// fraction is the format of a count that is not whole (actual).
	fraction int
}

func (x *book) styles() error {
	var err error
	fmtDate, fmtDateTime, fmtMoney, fmtPct := "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "#,##0.00", "0.00\"%\""
	if x.bold, err = x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF7"}}}); err != nil {
		return err
	}
	if x.date, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &fmtDate}); err != nil {
		return err
	}
	if x.dateTime, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &fmtDateTime}); err != nil {
		return err
	}
	if x.money, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &fmtMoney}); err != nil {
		return err
	}
	if x.percent, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &fmtPct}); err != nil {
		return err
	}
	if x.number, err = x.f.NewStyle(&excelize.Style{NumFmt: 0}); err != nil {
		return err
	}
	fmtFraction := "#,##0." + strings.Repeat("0", conversion.CreditDecimals)
	if x.fraction, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &fmtFraction}); err != nil {
		return err
	}
	x.units = map[metric.Unit]int{metric.Money: x.money}
	for u, format := range map[metric.Unit]string{metric.Count: "#,##0", metric.Rate: "0.0%", metric.Ratio: "0.00",
		metric.Signed: "+0.00;-0.00;0.00", metric.Duration: "0.0"} {
		if x.units[u], err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
			return err
		}
	}
	return nil
}

// figure is a KPI figure in its unit's number format; the cell keeps the
// exact value.
func (x *book) figure(unit string, v float64) cell {
	return cell{v: v, style: x.units[metric.Unit(unit)]}
}

// actual is a KPI figure measured: counts and money, which first touch
// and linear make sums of shares, hold what the campaign page and the API
// show (conversion.RoundCredit), a count that is not whole with its
// decimals, where "#,##0" showed 773.06 leads as 773.
func (x *book) actual(unit string, v float64) cell {
	switch metric.Unit(unit) {
	case metric.Count:
		v = conversion.RoundCredit(v)
		if v != math.Trunc(v) {
			return cell{v: v, style: x.fraction}
		}
	case metric.Money:
		v = conversion.RoundCredit(v)
	}
	return x.figure(unit, v)
}

// cell is one value with an optional style.
type cell struct {
	v     any
	style int
}

func (x *book) row(sheet string, r int, cells ...cell) {
	for i, c := range cells {
		if x.err != nil {
			return
		}
		ref, err := excelize.CoordinatesToCellName(i+1, r)
		if err != nil {
			x.err = err
			return
		}
		if c.v == nil {
			continue
		}
		if err := x.f.SetCellValue(sheet, ref, c.v); err != nil {
			x.err = err
			return
		}
		if c.style != 0 {
			x.err = x.f.SetCellStyle(sheet, ref, ref, c.style)
		}
	}
}

func (x *book) header(sheet string, r int, titles ...string) {
	cells := make([]cell, len(titles))
	for i, t := range titles {
		cells[i] = cell{t, x.bold}
	}
	x.row(sheet, r, cells...)
}

func (x *book) widths(sheet string, ws ...float64) {
	for i, w := range ws {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if x.err == nil {
			x.err = x.f.SetColWidth(sheet, col, col, w)
		}
	}
}

func txt(s string) cell { return cell{v: s} }

func num(v float64) cell { return cell{v: v} }

func (x *book) dateCell(d campaign.Date) cell {
	t, ok := d.Time()
	if !ok {
		return cell{v: string(d)}
	}
	return cell{v: t, style: x.date}
}

func (x *book) moneyCell(v float64) cell { return cell{v: v, style: x.money} }

func (x *book) pctCell(v float64) cell { return cell{v: v, style: x.percent} }

func (x *book) overview(p campaign.Plan) {
	c := p.Campaign
	s := SheetOverview
	x.widths(s, 24, 60)
	x.header(s, 1, "项目 Item", "内容 Value")
	rows := []struct {
		label string
		value cell
	}{
		{"活动名称 Campaign", txt(c.Name)},
		{"短名称 Slug", txt(c.Slug)},
		{"目标 Objective", txt(label(objectiveLabels, c.Objective))},
		{"状态 Status", txt(label(statusLabels, c.Status))},
		{"开始 Start", x.dateCell(c.Start)},
		{"结束 End", x.dateCell(c.End)},
		{"天数 Days", num(float64(campaign.Days(c.Start, c.End)))},
		{"负责人 Owner", txt(x.member(c.OwnerID))},
		{"币种 Currency", txt(x.names.Currency)},
		{"总预算 Budget", x.moneyCell(c.Budget)},
		{"计划 Planned", x.moneyCell(p.Budget.Planned)},
		{"已承诺 Committed", x.moneyCell(p.Budget.Committed)},
		{"已花费 Spent", x.moneyCell(p.Budget.Spent)},
		{"目标人群 Personas", txt(joinIDs(c.PersonaIDs, x.names.Personas))},
		{"产品 Products", txt(joinIDs(c.ProductIDs, x.names.Products))},
		{"核心信息 Key messages", txt(join(c.KeyMessages, "\n"))},
		{"话题标签 Hashtags", txt(join(c.Hashtags, " "))},
	}
	r := 2
	for _, row := range rows {
		x.row(s, r, cell{row.label, x.bold}, row.value)
		r++
	}
	if len(c.Pillars) > 0 {
		r++
		x.header(s, r, "内容支柱 Pillar", "占比 Share")
		for _, pl := range c.Pillars {
			r++
			x.row(s, r, txt(pl.Name), x.pctCell(pl.Share))
		}
		r++
	}
	if m := p.Measured; m != nil {
		// METRICS.md: a report says what its figures were measured over
		// and which fallbacks apply (cost without team hours).
		r++
		loc := x.names.Location
		if loc == nil {
			loc = time.UTC
		}
		at := m.At.In(loc)
		wall := time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), 0, 0, time.UTC)
		x.row(s, r, cell{"实际值截至 Measured at (" + loc.String() + ")", x.bold}, cell{wall, x.dateTime})
		// METRICS.md cost: what the budget lines spent plus team hours
		// × hourly rate, split so that a reader sees where it comes from.
		for _, row := range []struct {
			label string
			value cell
		}{
			{"归因模型 Attribution", txt(label(modelLabels, m.Attribution))},
			{"预算明细已花费 Budget lines spent", x.moneyCell(m.Cost.Media)},
			{"人力成本（计划工时 × 时薪） People cost (planned hours × rate)", x.moneyCell(m.Cost.People)},
			{"总成本 Cost so far", x.moneyCell(m.Cost.Total)},
		} {
			r++
			x.row(s, r, cell{row.label, x.bold}, row.value)
		}
		if x.names.Message != nil {
			r++
			model := x.names.Message("tracking.model."+m.Attribution, nil)
			x.row(s, r, cell{"实际值口径 How actuals are measured", x.bold}, txt(x.names.Message("strategy.actual_note", map[string]any{"Model": model})))
			if m.FallbackLinks > 0 {
				r++
				x.row(s, r, cell{"精准有效点击 Effective clicks", x.bold}, txt(x.names.Message("tracking.effective_fallback_funnel", map[string]any{"Count": m.FallbackLinks})))
			}
		}
		r++
	}
	if x.names.Message != nil && len(p.Warnings) > 0 {
		r++
		// The message says what it is about; the field is the form's
		// path (hours[3].hours_per_week), not for people.
		x.header(s, r, "提醒 Warning")
		for _, w := range p.Warnings {
			r++
			x.row(s, r, txt(x.names.Message(w.Key, x.warningArgs(w.Args))))
		}
	}
}

func (x *book) phases(c campaign.Campaign) {
	s := SheetPhases
	x.widths(s, 8, 20, 22, 14, 14, 10)
	x.header(s, 1, "序号 No.", "阶段 Phase", "目标 Objective", "开始 Start", "结束 End", "天数 Days")
	for i, p := range c.Phases {
		x.row(s, i+2, num(float64(i+1)), txt(p.Name), txt(label(objectiveLabels, p.Objective)),
			x.dateCell(p.Start), x.dateCell(p.End), num(float64(campaign.Days(p.Start, p.End))))
	}
}

func (x *book) kpi(p campaign.Plan) {
	s := SheetKPI
	x.widths(s, 14, 16, 16, 28, 16, 16, 14, 14, 14, 14, 14, 14, 18, 18, 18)
	x.header(s, 1, "层级 Level", "阶段 Phase", "平台 Platform", "指标 Metric", "方向 Direction", "目标值 Target", "单位 Unit", "基线 Baseline", "实际 Actual",
		"达成率 Attainment", "进度 Pace", "预测 Forecast", "判定 Verdict", "预算明细已花费 Budget lines spent", "人力成本（计划工时） People cost (planned hours)")
	r := 2
	var walk func(nodes []campaign.KPINode, depth int)
	walk = func(nodes []campaign.KPINode, depth int) {
		for _, n := range nodes {
			t := n.Target
			level := "活动 Campaign"
			switch {
			case t.Platform != "":
				level = "平台 Platform"
			case t.PhaseID != 0:
				level = "阶段 Phase"
			}
			phase := ""
			if ph, ok := p.Campaign.Phase(t.PhaseID); ok {
				phase = ph.Name
			}
			// METRICS.md: attainment is actual / target, pace and
			// forecast as the plan measured them; blank when not known.
			var baseline, actual, attainment, pace, forecast, verdict, media, people cell
			if t.Baseline != nil {
				baseline = x.figure(t.Unit, *t.Baseline)
			}
			if n.Actual != nil {
				actual = x.actual(t.Unit, *n.Actual)
				if t.Value > 0 {
					attainment = x.pctCell(*n.Actual / t.Value * 100)
				}
			}
			// Pace is a ratio (≥ 1 on track), as the page shows it,
			// live or ended.
			if n.Pace != nil {
				pace = x.figure(string(metric.Ratio), *n.Pace)
			}
			if n.Forecast != nil {
				forecast = x.figure(t.Unit, *n.Forecast)
			}
			if v := n.Verdict(); v != "" {
				verdict = txt(label(paceLabels, v))
			}
			if n.Cost != nil {
				media, people = x.moneyCell(n.Cost.Media), x.moneyCell(n.Cost.People)
			}
			indent := strings.Repeat("    ", depth)
			x.row(s, r, txt(indent+level), txt(phase), txt(x.platform(t.Platform)), txt(x.metric(t.Metric)),
				txt(label(directionLabels, t.Direction)), x.figure(t.Unit, t.Value), txt(label(unitLabels, t.Unit)), baseline, actual, attainment, pace, forecast,
				verdict, media, people)
			r++
			walk(n.Children, depth+1)
		}
	}
	walk(p.KPI, 0)
}

func (x *book) mix(p campaign.Plan) {
	s := SheetMix
	c := p.Campaign
	x.widths(s, 18, 18, 12, 16, 16, 22, 16, 14)
	x.header(s, 1, "平台 Platform", "角色 Role", "适配度 Fit", "预算占比 Budget share", "预算金额 Budget",
		"预算明细计划 Planned in lines", "人力占比 Hours share", "每周发帖 Posts/week")
	for i, m := range c.Mix {
		var fit cell
		if f, ok := p.Fit[m.Platform]; ok {
			fit = num(f)
		}
		x.row(s, i+2, txt(x.platform(m.Platform)), txt(m.Role), fit, x.pctCell(m.BudgetShare),
			x.moneyCell(c.MixAmount(m)), x.moneyCell(p.Budget.Platform(m.Platform).Planned), x.pctCell(m.HoursShare), num(m.PostsPerWeek))
	}
	// The lines on no platform, which the shares do not split, and those
	// on a platform without a place in the mix against what the shares
	// leave, so that the sheet's money adds up to the budget sheet's.
	r := len(c.Mix) + 2
	if general := c.Budget - c.MixBudget(); len(c.Mix) > 0 && general > 0 {
		x.row(s, r, txt("未指定 Not assigned"), cell{}, cell{}, cell{}, x.moneyCell(general), x.moneyCell(p.Budget.Platform("").Planned))
		r++
	}
	if left, planned := p.OutsideMix(); len(c.Mix) > 0 && planned > 0 {
		x.row(s, r, txt("组合外 Not in the mix"), cell{}, cell{}, cell{}, x.moneyCell(max(left, 0)), x.moneyCell(planned))
	}
}

func (x *book) budget(p campaign.Plan) {
	s := SheetBudget
	c := p.Campaign
	x.widths(s, 22, 30, 16, 14, 22, 16, 16, 16)
	x.header(s, 1, "类型 Kind", "说明 Description", "平台 Platform", "阶段 Phase", "资源 Resource", "计划 Planned", "已承诺 Committed", "已花费 Spent")
	r := 2
	for _, l := range c.BudgetLines {
		phase := ""
		if ph, ok := c.Phase(l.PhaseID); ok {
			phase = ph.Name
		}
		// A line on no platform is spent on none, not on all: no
		// platform's cost counts it, and the mix sheet has it outside.
		platform := "未指定 Not assigned"
		if l.Platform != "" {
			platform = x.platform(l.Platform)
		}
		x.row(s, r, txt(label(kindLabels, l.Kind)), txt(l.Description), txt(platform), txt(phase),
			txt(x.resource(l.ResourceID)), x.moneyCell(l.Planned), x.moneyCell(l.Committed), x.moneyCell(l.Spent))
		r++
	}
	x.row(s, r, cell{"合计 Total", x.bold}, cell{}, cell{}, cell{}, cell{},
		x.moneyCell(p.Budget.Planned), x.moneyCell(p.Budget.Committed), x.moneyCell(p.Budget.Spent))
	r++
	x.row(s, r, cell{"总预算 Budget", x.bold}, cell{}, cell{}, cell{}, cell{}, x.moneyCell(c.Budget))
	r += 2
	// Rates in another currency than the workspace's (the sheet's) say so.
	in := ""
	if p.RateCurrency != "" {
		in = " (" + p.RateCurrency + ")"
	}
	x.header(s, r, "成员 Member", "每周小时 Hours/week", "同期其他活动 Other campaigns", "每周可用 Capacity", "超额 Over", "时薪 Hourly rate"+in, "每周人力成本 Cost/week"+in)
	for _, h := range p.Hours {
		r++
		name := h.Name
		if name == "" {
			name = x.member(h.MemberID)
		}
		over := ""
		if h.Over {
			over = "是 Yes"
		}
		x.row(s, r, txt(name), num(h.Planned), num(h.Other), num(h.Capacity), txt(over), x.moneyCell(h.HourlyRate), x.moneyCell(h.WeeklyCost))
	}
}

// warningArgs names the platform a warning is about instead of giving
// its key, as the campaign page does.
func (x *book) warningArgs(args map[string]any) map[string]any {
	key, ok := args["Platform"].(string)
	if !ok {
		return args
	}
	args = maps.Clone(args)
	args["Platform"] = x.platform(key)
	return args
}

func (x *book) platform(key string) string {
	if key == "" {
		return "全部 All"
	}
	if n := x.names.Platforms[key]; n != "" {
		return n
	}
	return key
}

func (x *book) metric(key string) string {
	if n := x.names.Metrics[key]; n != "" {
		return n
	}
	return key
}

func (x *book) member(id int64) string {
	if id == 0 {
		return ""
	}
	if n := x.names.Members[id]; n != "" {
		return n
	}
	return "#" + strconv.FormatInt(id, 10)
}

func (x *book) resource(id int64) string {
	if id == 0 {
		return ""
	}
	if n := x.names.Resources[id]; n != "" {
		return n
	}
	return "#" + strconv.FormatInt(id, 10)
}

func label(m map[string]string, key string) string {
	if l, ok := m[key]; ok {
		return l
	}
	return key
}

func joinIDs(ids []int64, names map[int64]string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = names[id]
		if out[i] == "" {
			out[i] = "#" + strconv.FormatInt(id, 10)
		}
	}
	return join(out, "、")
}

func join(vs []string, sep string) string { return strings.Join(vs, sep) }
