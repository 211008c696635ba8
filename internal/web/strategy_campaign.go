package web

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/metric"
)

// ---------- list and create ----------

type campaignRow struct {
	ID                          int64
	Name, Objective, Status     string
	Start, End, Budget, Version string
}

func (s *Server) templateFields(x strategyRefs) []sfield {
	obj := sf("objective", "select")
	obj.Options, obj.OptionPrefix = campaign.Objectives, "objective."
	name := sf("name", "text")
	name.Required = true
	personas := sf("persona_ids", "multi")
	personas.Int, personas.Choices = true, choicesOf(x.Personas, personaID, personaName)
	return []sfield{obj, name, sf("start", "date"), sf("end", "date"), personas, sf("budget", "number")}
}

func (s *Server) newCampaignFields() []sfield {
	name := sf("name", "text")
	name.Required = true
	obj := sf("objective", "select")
	obj.Options, obj.OptionPrefix = campaign.Objectives, "objective."
	return []sfield{name, obj, sf("start", "date"), sf("end", "date"), sf("budget", "number")}
}

// strategyList renders the campaign list with its two forms; tpl and blank
// are those forms when they come back with errors.
func (s *Server) strategyList(w http.ResponseWriter, r *http.Request, p account.Principal, status int, tpl, blank *strategyForm) error {
	cs, err := s.Campaigns.List(r.Context(), p.Workspace.ID)
	if err != nil {
		return err
	}
	x, err := s.strategyRefs(r, p)
	if err != nil {
		return err
	}
	l := s.lang(r)
	rows := make([]campaignRow, len(cs))
	for i, c := range cs {
		rows[i] = campaignRow{ID: c.ID, Name: c.Name, Objective: l.T("objective." + c.Objective), Status: c.Status,
			Start: string(c.Start), End: string(c.End), Budget: money(c.Budget, p.Workspace.Currency)}
	}
	day := today(p)
	if tpl == nil {
		fields := s.templateFields(x)
		in := campaign.TemplateRequest{Objective: "sales", Start: day, End: day.AddDays(55), PersonaIDs: []int64{}}
		for _, pe := range x.Personas {
			in.PersonaIDs = append(in.PersonaIDs, pe.ID)
		}
		f := newStrategyForm(l, "tpl", "campaign", "", fields, strategyValues(fields, in), nil)
		f.Values["budget"] = ""
		tpl = &f
	}
	if blank == nil {
		fields := s.newCampaignFields()
		f := newStrategyForm(l, "new", "campaign", "", fields, strategyValues(fields, campaign.Campaign{Objective: "sales", Start: day, End: day.AddDays(27)}), nil)
		f.Values["budget"] = ""
		blank = &f
	}
	s.render(w, r, status, "strategy", map[string]any{
		"Section": "strategy", "Rows": rows, "Template": tpl, "Blank": blank,
		"Currency": p.Workspace.Currency, "Today": string(day),
	})
	return nil
}

// templatePhase names a template's phase in the page's language.
func (l lang) templatePhase(key string) string { return l.T("template.phase." + key) }

func (s *Server) campaignFromTemplate(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	x, err := s.strategyRefs(r, p)
	if err != nil {
		return err
	}
	fields := s.templateFields(x)
	var in campaign.TemplateRequest
	body, formErr := strategyJSON(fields, r.PostForm)
	err = decodeBytes(body, &in)
	var c campaign.Campaign
	if err == nil {
		in.PhaseName = s.lang(r).templatePhase
		err = s.saveOrCheck("", formErr, func(svc *campaign.Service) (err error) {
			c, err = svc.FromTemplate(r.Context(), p.Workspace.ID, in)
			return err
		})
	}
	if apperr.Is(err, apperr.Invalid) {
		f := newStrategyForm(s.lang(r), "tpl", "campaign", "", fields, rawFormValues(baseFields(fields), r.PostForm), err)
		return s.strategyList(w, r, p, http.StatusUnprocessableEntity, &f, nil)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.saved")
	redirect(w, r, campaignURL(p, c.ID))
	return nil
}

func (s *Server) campaignCreate(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	fields := s.newCampaignFields()
	var c campaign.Campaign
	body, formErr := strategyJSON(fields, r.PostForm)
	err := decodeBytes(body, &c)
	if err == nil {
		c.Status = "draft"
		err = s.saveOrCheck("", formErr, func(svc *campaign.Service) (err error) {
			c, err = svc.Create(r.Context(), p.Workspace.ID, c)
			return err
		})
	}
	if apperr.Is(err, apperr.Invalid) {
		f := newStrategyForm(s.lang(r), "new", "campaign", "", fields, rawFormValues(baseFields(fields), r.PostForm), err)
		return s.strategyList(w, r, p, http.StatusUnprocessableEntity, nil, &f)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.saved")
	redirect(w, r, campaignURL(p, c.ID))
	return nil
}

// ---------- the campaign page ----------

// kpiRow is one target of the KPI tree as a table row.
type kpiRow struct {
	ID                   int64
	Depth                int
	Metric, Label, Tier  string
	Scope, Level         string // Level: campaign, phase or platform
	Direction, Target    string
	Baseline, Actual     string
	DirectionTitle, Unit string
	Measured             bool
	// Attainment is actual / target (METRICS.md); Met says the target is
	// reached in its direction and not on course to leave it
	// (campaign.KPINode.Reached).
	Attainment string
	Met        bool
	// Pace is "on_track" or "behind" for a target partway through its
	// days, with the Forecast for its last day; "met" or "missed" for one
	// whose days are over, whose final pace is its Attainment.
	Pace, Forecast string
	// Cost says where the cost behind a cost-based figure comes from:
	// budget lines spent and team hours.
	Cost string
}

type mixRow struct {
	Platform, Name, Role string
	BudgetShare          float64
	HoursShare           float64
	PostsPerWeek         float64
	Fit                  float64
	HasFit, LowFit       bool
	// Amount is the money the budget share gives the platform, Planned
	// what its budget lines plan; Over when they plan more.
	Amount, Planned string
	Over            bool
}

type budgetLineRow struct {
	ID                        int64
	Kind, Description         string
	Platform, Phase, Resource string
	Planned, Committed, Spent string
}

type phaseRow struct {
	ID              int64
	Name, Objective string
	Start, End      string
	Days            int
	Current         bool
}

// warningAmounts are the arguments of the campaign's warnings that are
// money (campaign.Plan's budget and mix warnings).
var warningAmounts = []string{"Planned", "Given", "Left", "Committed", "Budget", "Spent"}

func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	plan, x, err := s.planAndRefs(r, p)
	if err != nil {
		return err
	}
	l := s.lang(r)
	c := plan.Campaign
	cur := p.Workspace.Currency
	day := today(p)

	var warnings []string
	for _, wa := range plan.Warnings {
		args := maps.Clone(wa.Args)
		if key, ok := args["Platform"].(string); ok {
			args["Platform"] = x.platformName(key)
		}
		// Amounts read as the page's other amounts, in the workspace
		// currency; a member's Planned is hours.
		if !strings.HasPrefix(wa.Key, "warning.campaign.member_") {
			for _, name := range warningAmounts {
				if v, ok := args[name].(float64); ok {
					args[name] = money(v, cur)
				}
			}
		}
		warnings = append(warnings, s.cat.T(l.loc, wa.Key, args))
	}

	phases := make([]phaseRow, len(c.Phases))
	for i, ph := range c.Phases {
		phases[i] = phaseRow{ID: ph.ID, Name: ph.Name, Objective: l.T("objective." + ph.Objective),
			Start: string(ph.Start), End: string(ph.End), Days: campaign.Days(ph.Start, ph.End),
			Current: ph.Start <= day && day <= ph.End}
	}

	var kpi []kpiRow
	var walk func(nodes []campaign.KPINode, depth int)
	walk = func(nodes []campaign.KPINode, depth int) {
		for _, n := range nodes {
			t := n.Target
			u := unitOf(t)
			row := kpiRow{ID: t.ID, Depth: depth, Metric: t.Metric, Label: l.Or("metric."+t.Metric, t.Metric),
				Target: metricValue(l, u, t.Value, cur), Baseline: "—", Actual: "—", Unit: string(u),
				Direction: "≥", DirectionTitle: l.T("direction.at_least")}
			if d, ok := metric.Lookup(t.Metric); ok {
				row.Tier = l.T("tier." + string(d.Tier))
			}
			if t.Direction == campaign.AtMost {
				row.Direction, row.DirectionTitle = "≤", l.T("direction.at_most")
			}
			if t.Baseline != nil {
				row.Baseline = metricValue(l, u, *t.Baseline, cur)
			}
			if n.Actual != nil {
				row.Actual, row.Measured = metricValue(l, u, *n.Actual, cur), true
				if t.Value > 0 {
					row.Attainment = number(100**n.Actual/t.Value, 0) + "%"
				}
				row.Met = n.Reached()
			}
			row.Pace = n.Verdict()
			if !n.Ended && n.Forecast != nil {
				row.Forecast = forecastValue(l, u, *n.Forecast, cur)
			}
			if n.Cost != nil {
				row.Cost = l.T("strategy.cost_split", "Media", money(n.Cost.Media, cur), "People", money(n.Cost.People, cur))
			}
			var scope []string
			row.Level = "campaign"
			if t.PhaseID != 0 {
				scope, row.Level = append(scope, phaseName(c, t.PhaseID)), "phase"
			}
			if t.Platform != "" {
				scope, row.Level = append(scope, x.platformName(t.Platform)), "platform"
			}
			if len(scope) == 0 {
				scope = []string{l.T("strategy.scope.campaign")}
			}
			row.Scope = strings.Join(scope, " · ")
			kpi = append(kpi, row)
			walk(n.Children, depth+1)
		}
	}
	walk(plan.KPI, 0)

	mix := make([]mixRow, len(c.Mix))
	for i, m := range c.Mix {
		f, ok := plan.Fit[m.Platform]
		given, planned := c.MixAmount(m), plan.Budget.Platform(m.Platform).Planned
		mix[i] = mixRow{Platform: m.Platform, Name: x.platformName(m.Platform), Role: m.Role,
			BudgetShare: m.BudgetShare, HoursShare: m.HoursShare, PostsPerWeek: m.PostsPerWeek, Fit: f, HasFit: ok,
			LowFit: ok && f < campaign.LowFit && (m.BudgetShare >= campaign.HighShare || m.HoursShare >= campaign.HighShare),
			Amount: money(given, cur), Planned: money(planned, cur), Over: planned > given+0.005}
	}
	// The lines the mix gives no platform for, against what its shares
	// leave; shown when there are any.
	var outside *mixRow
	if left, planned := plan.OutsideMix(); len(c.Mix) > 0 && planned > 0 {
		left = max(left, 0)
		outside = &mixRow{Name: l.T("strategy.mix_outside"), Amount: money(left, cur), Planned: money(planned, cur), Over: planned > left+0.005}
	}

	// What the shares split, when lines on no platform take part of the
	// budget first.
	mixNote := ""
	if general := c.Budget - c.MixBudget(); len(c.Mix) > 0 && general > 0 {
		mixNote = l.T("strategy.mix_budget_note", "Split", money(c.MixBudget(), cur), "General", money(general, cur))
	}

	lines := make([]budgetLineRow, len(c.BudgetLines))
	for i, bl := range c.BudgetLines {
		lines[i] = budgetLineRow{ID: bl.ID, Kind: l.T("budget_kind." + bl.Kind), Description: bl.Description,
			Platform: x.platformName(bl.Platform), Phase: phaseName(c, bl.PhaseID), Resource: x.amplifierName(bl.ResourceID),
			Planned: money(bl.Planned, cur), Committed: money(bl.Committed, cur), Spent: money(bl.Spent, cur)}
		if bl.Platform == "" {
			lines[i].Platform = ""
		}
	}

	platformLabel := func(k string) string {
		if k == "" {
			return l.T("strategy.unassigned")
		}
		return x.platformName(k)
	}
	kindLabel := func(k string) string {
		if k == "" {
			return l.T("strategy.unassigned")
		}
		return l.Or("budget_kind."+k, k)
	}
	b := plan.Budget
	model := conversion.LastTouch
	if m := plan.Measured; m != nil && m.Attribution != "" {
		model = conversion.Model(m.Attribution)
	}
	data := map[string]any{
		"Section": "strategy", "C": c, "Plan": plan, "Warnings": warnings,
		"Objective": l.T("objective." + c.Objective), "Owner": x.memberName(c.OwnerID),
		"Products": names(x.Products, productID, productName, c.ProductIDs),
		"Personas": names(x.Personas, personaID, personaName, c.PersonaIDs),
		"Budget":   money(c.Budget, cur), "Days": campaign.Days(c.Start, c.End),
		"Zone": p.Workspace.TimeZone, "Today": string(day),
		"Phases": phases, "KPI": kpi, "Mix": mix, "MixOutside": outside, "MixNote": mixNote, "Lines": lines, "Hours": plan.Hours, "Measured": plan.Measured != nil,
		"ReportsHidden": !p.Can(account.ReadReports),
		"Sum": map[string]string{
			"Total": money(b.Total, cur), "Planned": money(b.Planned, cur),
			"Committed": money(b.Committed, cur), "Spent": money(b.Spent, cur),
		},
		"OverCommitted": b.Committed > b.Total+0.005,
		"PlanURL":       campaignURL(p, c.ID),
		"XLSX":          campaignURL(p, c.ID) + "/plan.xlsx",
		"Model":         string(model), "Models": conversion.Models, "Currency": cur,
		"RateCurrency": cmp.Or(plan.RateCurrency, cur),
	}
	if model != conversion.LastTouch {
		data["XLSX"] = data["XLSX"].(string) + "?model=" + string(model)
	}
	if m := plan.Measured; m != nil {
		data["Cost"] = map[string]string{"Media": money(m.Cost.Media, cur), "People": money(m.Cost.People, cur), "Total": money(m.Cost.Total, cur)}
	}
	if len(c.Phases) > 0 {
		data["Timeline"] = timelineChart(c, day, l)
		data["TimelineHeight"] = 90 + 44*len(c.Phases)
	}
	if len(b.ByPlatform) > 0 {
		data["ByPlatform"] = budgetBars(b.ByPlatform, platformLabel, l)
		data["ByKind"] = budgetBars(b.ByKind, kindLabel, l)
		data["KindDonut"] = budgetDonut(b.ByKind, kindLabel, l)
	}
	s.render(w, r, http.StatusOK, "strategy_campaign", data)
	return nil
}

// forecastValue formats a target's forecast as metricValue does its
// figures, but a count as a whole number, as the workbook shows it:
// "about 10,394.97 clicks by the last day" claims a precision no forecast
// has.
func forecastValue(l lang, unit metric.Unit, v float64, currency string) string {
	if unit == metric.Count {
		return number(v, 0)
	}
	return metricValue(l, unit, v, currency)
}

// timelineChart is an ECharts option: each phase a thick line from its
// first day to the end of its last on a time axis (a time axis cannot stack
// bars, and options carry no functions), today a dashed mark line. A line
// shows no tooltip of its own, so each day of a phase carries an invisible
// symbol as tall as the line, which does.
func timelineChart(c campaign.Campaign, day campaign.Date, l lang) chartOption {
	cats := make([]string, len(c.Phases))
	series := make([]any, len(c.Phases))
	for i, ph := range c.Phases {
		label := fmt.Sprintf("%d. %s", i+1, ph.Name)
		cats[i] = label
		var data [][]string
		for d := ph.Start; d <= ph.End.AddDays(1); d = d.AddDays(1) {
			data = append(data, []string{string(d), label})
		}
		series[i] = map[string]any{
			"type": "line", "name": fmt.Sprintf("%s: %s – %s (%s)", label, ph.Start, ph.End, l.T("strategy.days", "N", campaign.Days(ph.Start, ph.End))),
			"data":       data,
			"symbol":     "rect",
			"symbolSize": []int{24, 22},
			"itemStyle":  map[string]any{"opacity": 0},
			"lineStyle":  map[string]any{"width": 22, "cap": "butt"},
			"emphasis":   map[string]any{"scale": false, "lineStyle": map[string]any{"width": 22}},
			"label":      map[string]any{"show": false},
		}
	}
	if c.Start <= day && day <= c.End && len(series) > 0 {
		first := series[0].(map[string]any)
		first["markLine"] = map[string]any{
			"symbol": []string{"none", "none"}, "silent": true,
			"lineStyle": map[string]any{"color": "#b42318", "type": "dashed", "width": 2},
			"label":     map[string]any{"formatter": "{b}", "position": "start", "color": "#b42318"},
			"data":      []any{map[string]any{"name": l.T("strategy.today"), "xAxis": string(day)}},
		}
	}
	return map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "item", "formatter": "{a}"},
		"grid":      map[string]any{"left": 8, "right": 24, "top": 32, "bottom": 8, "containLabel": true},
		// hideOverlap: on a phone the day and month labels ran together
		// ("2912月").
		"xAxis": map[string]any{"type": "time", "min": string(c.Start), "max": string(c.End.AddDays(1)),
			"splitLine": map[string]any{"show": true}, "axisLabel": map[string]any{"hideOverlap": true}},
		"yAxis":  map[string]any{"type": "category", "data": cats, "inverse": true, "axisTick": map[string]any{"show": false}},
		"series": series,
	}
}

// budgetBars is an ECharts option: planned, committed and spent side by
// side for each row.
func budgetBars(rows []campaign.BudgetRow, label func(string) string, l lang) chartOption {
	cats := make([]string, len(rows))
	planned, committed, spent := make([]float64, len(rows)), make([]float64, len(rows)), make([]float64, len(rows))
	for i, r := range rows {
		cats[i] = label(r.Key)
		planned[i], committed[i], spent[i] = r.Planned, r.Committed, r.Spent
	}
	bar := func(name string, data []float64, color string) map[string]any {
		return map[string]any{"type": "bar", "name": name, "data": data, "itemStyle": map[string]any{"color": color}}
	}
	return map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":    map[string]any{"top": 0},
		"grid":      map[string]any{"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": true},
		"xAxis":     map[string]any{"type": "category", "data": cats, "axisLabel": map[string]any{"interval": 0, "rotate": 30, "width": 90, "overflow": "truncate"}},
		"yAxis":     map[string]any{"type": "value"},
		"series": []any{
			bar(l.T("strategy.budget.planned"), planned, "#9db8cf"),
			bar(l.T("strategy.budget.committed"), committed, "#1f5f8b"),
			bar(l.T("strategy.budget.spent"), spent, "#e0a526"),
		},
	}
}

// budgetDonut is an ECharts option: the planned amounts as a donut.
func budgetDonut(rows []campaign.BudgetRow, label func(string) string, l lang) chartOption {
	data := []any{}
	for _, r := range rows {
		if r.Planned > 0 {
			data = append(data, map[string]any{"name": label(r.Key), "value": r.Planned})
		}
	}
	return map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
		"legend":    map[string]any{"bottom": 0},
		"series": []any{map[string]any{
			"type": "pie", "name": l.T("strategy.budget.planned"), "radius": []string{"42%", "68%"}, "center": []string{"50%", "45%"},
			// {d} with one decimal, as pct writes shares (40.7%, not 40.66%).
			"percentPrecision": 1,
			"label":            map[string]any{"position": "inside", "formatter": "{d}%", "color": "#fff", "fontSize": 11}, "minShowLabelAngle": 15, "data": data,
		}},
	}
}

// ---------- the campaign's own fields ----------

func (s *Server) campaignFields(x strategyRefs, l lang) []sfield {
	name := sf("name", "text")
	name.Required = true
	obj := sf("objective", "select")
	obj.Options, obj.OptionPrefix = campaign.Objectives, "objective."
	st := sf("status", "select")
	st.Options, st.OptionPrefix = campaign.Statuses, "status."
	owner := sf("owner_id", "select")
	owner.Int = true
	owner.Choices = append([]choice{{Value: "", Label: "—"}}, choicesOf(x.Team, memberID, memberName)...)
	products := sf("product_ids", "multi")
	products.Int, products.Choices = true, choicesOf(x.Products, productID, productName)
	personas := sf("persona_ids", "multi")
	personas.Int, personas.Choices = true, choicesOf(x.Personas, personaID, personaName)
	return []sfield{name, obj, st, owner, sf("start", "date"), sf("end", "date"), sf("budget", "number"),
		products, personas, sf("pillars", "shares"), sf("key_messages", "list"), sf("hashtags", "list")}
}

// campaignForm renders the campaign's own fields; values are what was
// posted when they come back with err, and version is the version the next
// save names.
func (s *Server) campaignForm(w http.ResponseWriter, r *http.Request, p account.Principal, status int, c campaign.Campaign, version int64, values map[string]any, err error) error {
	x, xerr := s.strategyRefs(r, p)
	if xerr != nil {
		return xerr
	}
	l := s.lang(r)
	fields := s.campaignFields(x, l)
	if values == nil {
		values = strategyValues(fields, c)
	}
	f := newStrategyForm(l, "campaign", "campaign", "", fields, values, err)
	s.render(w, r, status, "strategy_form", map[string]any{
		"Section": "strategy", "C": c, "Form": f, "Title": l.T("strategy.form.campaign"),
		"Action": campaignURL(p, c.ID), "Back": campaignURL(p, c.ID), "Version": version,
		"Delete": campaignURL(p, c.ID) + "/delete", "DeleteConfirm": l.T("strategy.confirm_delete_campaign"),
	})
	return nil
}

func (s *Server) campaignSave(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	ctx, id := r.Context(), campaignID(r)
	cur, err := s.Campaigns.Get(ctx, p.Workspace.ID, id)
	if err != nil {
		return err
	}
	x, err := s.strategyRefs(r, p)
	if err != nil {
		return err
	}
	fields := s.campaignFields(x, s.lang(r))
	next := cur
	// The version the form was loaded with; 0 (none sent) skips the check.
	next.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	body, formErr := strategyJSON(fields, r.PostForm)
	err = decodeBytes(body, &next)
	if err == nil {
		err = s.saveOrCheck("", formErr, func(svc *campaign.Service) error {
			_, err := svc.Update(ctx, p.Workspace.ID, id, next)
			return err
		})
	}
	switch {
	case apperr.Is(err, apperr.Invalid):
		return s.campaignForm(w, r, p, http.StatusUnprocessableEntity, cur, next.Version, rawFormValues(baseFields(fields), r.PostForm), err)
	case apperr.Is(err, apperr.Conflict):
		// Someone saved in between: keep what was typed, say so, and let a
		// second save knowingly replace the newer version.
		return s.campaignForm(w, r, p, http.StatusConflict, cur, cur.Version, rawFormValues(baseFields(fields), r.PostForm), err)
	case err != nil:
		return err
	}
	s.flash(w, r, "ok", "flash.saved")
	redirect(w, r, campaignURL(p, id))
	return nil
}
