package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/metric"
	"github.com/chorus-hq/chorus/internal/platform"
)

// strategyRoutes serve step 3: the campaign list with "new from template",
// the campaign page (timeline, KPI tree, mix with fit, budget, hours) and
// one edit page per part of a plan.
func (s *Server) strategyRoutes() {
	m := s.mux
	m.Handle("GET /w/{ws}/strategy", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.strategyList(w, r, p, http.StatusOK, nil, nil)
	}))
	m.Handle("POST /w/{ws}/strategy/campaigns/from-template", s.page(account.EditStrategy, s.campaignFromTemplate))
	m.Handle("POST /w/{ws}/strategy/campaigns", s.page(account.EditStrategy, s.campaignCreate))

	c := "/w/{ws}/strategy/campaigns/{id}"
	m.Handle("GET "+c, s.page("", s.campaignPage))
	m.Handle("GET "+c+"/plan.xlsx", s.page("", s.campaignPlanXLSX))
	m.Handle("GET "+c+"/edit", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		cp, err := s.Campaigns.Get(r.Context(), p.Workspace.ID, campaignID(r))
		if err != nil {
			return err
		}
		return s.campaignForm(w, r, p, http.StatusOK, cp, cp.Version, nil, nil)
	}))
	m.Handle("POST "+c, s.page(account.EditStrategy, s.campaignSave))
	m.Handle("POST "+c+"/delete", s.page(account.EditStrategy, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		if err := s.Campaigns.Delete(r.Context(), p.Workspace.ID, campaignID(r)); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.deleted")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/strategy")
		return nil
	}))
	registerCampaignChild(s, s.phaseChild())
	registerCampaignChild(s, s.targetChild())
	registerCampaignChild(s, s.budgetLineChild())
	m.Handle("GET "+c+"/mix", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.mixForm(w, r, p, http.StatusOK, nil, nil)
	}))
	m.Handle("POST "+c+"/mix", s.page(account.EditStrategy, s.mixSave))
	m.Handle("GET "+c+"/hours", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.hoursForm(w, r, p, http.StatusOK, nil, nil)
	}))
	m.Handle("POST "+c+"/hours", s.page(account.EditStrategy, s.hoursSave))
}

func campaignID(r *http.Request) int64 {
	id, _ := pathID(r, "id")
	return id
}

func campaignURL(p account.Principal, id int64) string {
	return "/w/" + p.Workspace.Slug + "/strategy/campaigns/" + strconv.FormatInt(id, 10)
}

// lang translates into one locale from Go code that builds page data.
type lang struct {
	s   *Server
	loc string
}

func (s *Server) lang(r *http.Request) lang { return lang{s: s, loc: s.locale(r)} }

// T translates key with arguments as name, value pairs.
func (l lang) T(key string, kv ...any) string {
	var args map[string]any
	if len(kv) > 0 {
		args = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return l.s.cat.T(l.loc, key, args)
}

// Or translates key, or returns fallback when the catalog lacks it.
func (l lang) Or(key, fallback string) string {
	if l.s.cat.Has(key) {
		return l.s.cat.T(l.loc, key, nil)
	}
	return fallback
}

// strategyRefs are the step-1 and step-2 items a plan names by id or key,
// so pages can show names instead.
type strategyRefs struct {
	Products   []brand.Product
	Personas   []brand.Persona
	Team       []brand.TeamMember
	Amplifiers []brand.Amplifier
	Platforms  []platform.Entry
	loc        string
}

// planAndRefs loads the plan of the campaign in the path and the names
// its pages show beside it.
func (s *Server) planAndRefs(r *http.Request, p account.Principal) (campaign.Plan, strategyRefs, error) {
	plan, err := s.Campaigns.Plan(r.Context(), p.Workspace.ID, campaignID(r))
	if err != nil {
		return plan, strategyRefs{}, err
	}
	x, err := s.strategyRefs(r, p)
	return plan, x, err
}

func (s *Server) strategyRefs(r *http.Request, p account.Principal) (strategyRefs, error) {
	ctx, ws := r.Context(), p.Workspace.ID
	x := strategyRefs{loc: s.locale(r)}
	var err error
	if x.Products, err = s.Brand.Products.List(ctx, ws); err != nil {
		return x, err
	}
	if x.Personas, err = s.Brand.Personas.List(ctx, ws); err != nil {
		return x, err
	}
	if x.Team, err = s.Brand.Team.List(ctx, ws); err != nil {
		return x, err
	}
	if x.Amplifiers, err = s.Brand.Amplifiers.List(ctx, ws); err != nil {
		return x, err
	}
	if x.Platforms, err = s.Platforms.List(ctx, ws); err != nil {
		return x, err
	}
	return x, nil
}

func (x strategyRefs) platformName(key string) string {
	for _, e := range x.Platforms {
		if e.Key == key {
			return e.Name.In(x.loc)
		}
	}
	return key
}

func (x strategyRefs) memberName(id int64) string {
	for _, m := range x.Team {
		if m.ID == id {
			return m.Name
		}
	}
	return ""
}

func (x strategyRefs) amplifierName(id int64) string {
	for _, a := range x.Amplifiers {
		if a.ID == id {
			return a.Name
		}
	}
	return ""
}

// names returns the names of the items with ids, in the order of ids;
// ids that no longer exist are left out.
func names[T any](items []T, id func(T) int64, name func(T) string, ids []int64) []string {
	out := []string{}
	for _, want := range ids {
		if i := slices.IndexFunc(items, func(v T) bool { return id(v) == want }); i >= 0 {
			out = append(out, name(items[i]))
		}
	}
	return out
}

func choicesOf[T any](items []T, id func(T) int64, name func(T) string) []choice {
	out := make([]choice, len(items))
	for i, v := range items {
		out[i] = choice{Value: strconv.FormatInt(id(v), 10), Label: name(v)}
	}
	return out
}

func (x strategyRefs) platformChoices(none string) []choice {
	out := []choice{{Value: "", Label: none}}
	for _, e := range x.Platforms {
		out = append(out, choice{Value: e.Key, Label: e.Name.In(x.loc)})
	}
	return out
}

func phaseChoices(c campaign.Campaign, none string) []choice {
	out := []choice{{Value: "", Label: none}}
	for _, ph := range c.Phases {
		out = append(out, choice{Value: strconv.FormatInt(ph.ID, 10), Label: ph.Name})
	}
	return out
}

func phaseName(c campaign.Campaign, id int64) string {
	for _, ph := range c.Phases {
		if ph.ID == id {
			return ph.Name
		}
	}
	return ""
}

func productID(p brand.Product) int64        { return p.ID }
func productName(p brand.Product) string     { return p.Name }
func personaID(p brand.Persona) int64        { return p.ID }
func personaName(p brand.Persona) string     { return p.Name }
func memberID(m brand.TeamMember) int64      { return m.ID }
func memberName(m brand.TeamMember) string   { return m.Name }
func amplifierID(a brand.Amplifier) int64    { return a.ID }
func amplifierName(a brand.Amplifier) string { return a.Name }

// today is the current day in the workspace's time zone.
func today(p account.Principal) campaign.Date {
	return campaign.DateOf(time.Now().In(p.Workspace.Location()))
}

// ---------- formatting ----------

// number formats v with thousands separators and at most prec decimals.
func number(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && s != "0" {
		b.WriteByte('-')
	}
	for i, ch := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

func money(v float64, currency string) string { return number(v, 2) + " " + currency }

// metricValue formats a target's value by its metric's unit: rates as
// percent, money in the workspace currency.
func metricValue(l lang, unit metric.Unit, v float64, currency string) string {
	switch unit {
	case metric.Rate:
		return number(v*100, 2) + "%"
	case metric.Money:
		return money(v, currency)
	case metric.Ratio:
		return number(v, 2) + "×"
	case metric.Signed:
		if v > 0 {
			return "+" + number(v, 2)
		}
		return number(v, 2)
	case metric.Duration:
		return l.T("strategy.unit.minutes", "N", number(v, 1))
	}
	return number(v, 2)
}

func unitOf(t campaign.Target) metric.Unit {
	if d, ok := metric.Lookup(t.Metric); ok {
		return d.Unit
	}
	return metric.Unit(t.Unit)
}

// ---------- strategy forms ----------

// sfield is one input of a strategy form: a generic field, plus what plans
// need beyond it — dates, options labelled with names, ids.
type sfield struct {
	field
	// Choices label the options of a select or multi with names, such as
	// personas; without them, Options are labelled by OptionPrefix.
	Choices []choice
	// Int marks a select or multi of ids: "" is 0, values are integers.
	Int bool
	// Optional marks a number that may be left empty (JSON null).
	Optional bool
	// Percent lets a number be typed as "5%", meaning 0.05.
	Percent bool
}

// choice is one labelled option.
type choice struct{ Value, Label string }

// sf builds an sfield.
func sf(name, typ string) sfield { return sfield{field: field{Name: name, Type: typ}} }

// strategyForm is what the strategy_fields partial needs.
type strategyForm struct {
	ID     string // prefix of the inputs' ids: "<ID>-<name>"
	Kind   string // labels are field.<Kind>.<name>
	Fields []sfield
	Values map[string]any
	Errors map[string][]apperr.FieldError
	// Other are translated errors on what the form does not show.
	Other []string
}

func baseFields(fields []sfield) []field {
	out := make([]field, len(fields))
	for i, f := range fields {
		out[i] = f.field
		if f.Type == "shares" {
			out[i] = field{Name: f.Name, Type: "pairs", PairKey: "name", PairValue: "share", PairNumber: true}
		}
	}
	return out
}

// strategyValues renders v as the strings its form shows.
func strategyValues(fields []sfield, v any) map[string]any {
	out := formValues(baseFields(fields), v)
	for _, f := range fields {
		if f.Type == "select" && f.Int && out[f.Name] == "0" {
			out[f.Name] = ""
		}
	}
	return out
}

// strategyJSON builds the JSON object a strategy form's values describe;
// values that do not parse are field errors.
func strategyJSON(fields []sfield, form url.Values) ([]byte, error) {
	var fs apperr.Fields
	var plain []field
	extra := map[string]any{}
	for _, f := range fields {
		raw := strings.TrimSpace(form.Get(f.Name))
		switch {
		case f.Type == "multi" && f.Int:
			ids := []int64{}
			for _, v := range nonEmpty(form[f.Name]) {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					fs.Add(f.Name, "error.number")
					break
				}
				ids = append(ids, n)
			}
			extra[f.Name] = ids
		case f.Type == "select" && f.Int:
			var n int64
			if raw != "" {
				var err error
				if n, err = strconv.ParseInt(raw, 10, 64); err != nil {
					fs.Add(f.Name, "error.number")
					continue
				}
			}
			extra[f.Name] = n
		case f.Type == "number":
			if raw == "" && f.Optional {
				continue
			}
			n, ok := parseNumber(raw, f.Percent)
			if !ok {
				fs.Add(f.Name, "error.number")
				continue
			}
			extra[f.Name] = n
		case f.Type == "shares":
			shares, ok := parseShares(raw)
			if !ok {
				fs.Add(f.Name, "error.pairs_format")
				continue
			}
			extra[f.Name] = shares
		default:
			plain = append(plain, f.field)
		}
	}
	body, err := formToJSON(plain, form)
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return nil, err
		}
		fs = append(fs, ae.Fields...)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	root := map[string]any{}
	if err := json.Unmarshal(body, &root); err != nil {
		return nil, err
	}
	for k, v := range extra {
		setPath(root, k, v)
	}
	return json.Marshal(root)
}

// parseNumber reads a number as people type it: "12,000", "5%" (a
// fraction, when percent is allowed). Empty is 0.
func parseNumber(raw string, percent bool) (float64, bool) {
	raw = strings.ReplaceAll(strings.TrimSpace(raw), ",", "")
	if raw == "" {
		return 0, true
	}
	div := 1.0
	if p, ok := strings.CutSuffix(raw, "%"); ok && percent {
		raw, div = strings.TrimSpace(p), 100
	}
	n, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n / div, true
}

// parseShares reads lines of "name share": the share is after the last
// space or colon, so names may contain spaces.
func parseShares(raw string) ([]map[string]any, bool) {
	out := []map[string]any{}
	for _, line := range lines(raw) {
		line = strings.TrimSpace(line)
		i := strings.LastIndexAny(line, " \t:：")
		if i <= 0 {
			return nil, false
		}
		_, size := utf8DecodeAt(line, i)
		name := strings.TrimRight(strings.TrimSpace(line[:i]), ":：")
		v := strings.TrimSuffix(strings.TrimSpace(line[i+size:]), "%")
		n, err := strconv.ParseFloat(v, 64)
		if name == "" || err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, false
		}
		out = append(out, map[string]any{"name": strings.TrimSpace(name), "share": n})
	}
	return out, true
}

func utf8DecodeAt(s string, i int) (rune, int) {
	for _, r := range s[i:] {
		return r, len(string(r))
	}
	return 0, 0
}

var indexedPath = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](?:\.(.+))?$`)

// collKinds are the collections of a campaign as error paths name them,
// with the form kind that labels their fields.
var collKinds = map[string]string{
	"phases": "phase", "targets": "target", "budget_lines": "budget_line",
	"mix": "mix", "hours": "hours", "pillars": "pillar",
	"product_ids": "campaign", "persona_ids": "campaign",
}

// errLabel names the place of a field error for the top of a form:
// "Phase 2 · Start".
func (l lang) errLabel(kind, path string) string {
	if m := indexedPath.FindStringSubmatch(path); m != nil {
		k, ok := collKinds[m[1]]
		if ok && k == "campaign" {
			return l.Or("field.campaign."+m[1], m[1])
		}
		if ok {
			n, _ := strconv.Atoi(m[2])
			label := l.T("strategy.item."+k, "N", n+1)
			if m[3] != "" {
				label += " · " + l.Or("field."+k+"."+m[3], m[3])
			}
			return label
		}
	}
	return l.Or("field."+kind+"."+path, path)
}

// newStrategyForm places err's field errors at the form's fields. coll
// names the collection the form edits ("phases"): an error under any of
// its items belongs to this form's item, since only it changed.
func newStrategyForm(l lang, id, kind, coll string, fields []sfield, values map[string]any, err error) strategyForm {
	f := strategyForm{ID: id, Kind: kind, Fields: fields, Values: values, Errors: map[string][]apperr.FieldError{}}
	var ae *apperr.Error
	if err == nil || !errors.As(err, &ae) {
		return f
	}
	if len(ae.Fields) == 0 {
		f.Other = append(f.Other, l.s.cat.T(l.loc, ae.Key, ae.Args))
		return f
	}
	for _, fe := range ae.Fields {
		path := fe.Field
		if m := indexedPath.FindStringSubmatch(path); coll != "" && m != nil && m[1] == coll && m[3] != "" {
			path = m[3]
		}
		if name := matchField(fields, path); name != "" {
			f.Errors[name] = append(f.Errors[name], fe)
			continue
		}
		f.Other = append(f.Other, l.errLabel(kind, fe.Field)+": "+l.s.cat.T(l.loc, fe.Key, fe.Args))
	}
	return f
}

// matchField returns the field an error path points into: "pillars[1].share"
// is the pillars field.
func matchField(fields []sfield, path string) string {
	for _, f := range fields {
		if path == f.Name || strings.HasPrefix(path, f.Name+"[") || strings.HasPrefix(path, f.Name+".") {
			return f.Name
		}
	}
	return ""
}

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

func (s *Server) campaignFromTemplate(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	x, err := s.strategyRefs(r, p)
	if err != nil {
		return err
	}
	fields := s.templateFields(x)
	var in campaign.TemplateRequest
	body, err := strategyJSON(fields, r.PostForm)
	if err == nil {
		err = decodeBytes(body, &in)
	}
	var c campaign.Campaign
	if err == nil {
		c, err = s.Campaigns.FromTemplate(r.Context(), p.Workspace.ID, in)
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
	body, err := strategyJSON(fields, r.PostForm)
	if err == nil {
		err = decodeBytes(body, &c)
	}
	if err == nil {
		c.Status = "draft"
		c, err = s.Campaigns.Create(r.Context(), p.Workspace.ID, c)
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
}

type mixRow struct {
	Platform, Name, Role string
	BudgetShare          float64
	HoursShare           float64
	PostsPerWeek         float64
	Fit                  float64
	HasFit, LowFit       bool
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
		args := wa.Args
		if key, ok := args["Platform"].(string); ok {
			args = maps(args, "Platform", x.platformName(key))
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
		mix[i] = mixRow{Platform: m.Platform, Name: x.platformName(m.Platform), Role: m.Role,
			BudgetShare: m.BudgetShare, HoursShare: m.HoursShare, PostsPerWeek: m.PostsPerWeek, Fit: f, HasFit: ok,
			LowFit: ok && f < campaign.LowFit && (m.BudgetShare >= campaign.HighShare || m.HoursShare >= campaign.HighShare)}
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
	data := map[string]any{
		"Section": "strategy", "C": c, "Plan": plan, "Warnings": warnings,
		"Objective": l.T("objective." + c.Objective), "Owner": x.memberName(c.OwnerID),
		"Products": names(x.Products, productID, productName, c.ProductIDs),
		"Personas": names(x.Personas, personaID, personaName, c.PersonaIDs),
		"Budget":   money(c.Budget, cur), "Days": campaign.Days(c.Start, c.End),
		"Zone": p.Workspace.TimeZone, "Today": string(day),
		"Phases": phases, "KPI": kpi, "Mix": mix, "Lines": lines, "Hours": plan.Hours,
		"Sum": map[string]string{
			"Total": money(b.Total, cur), "Planned": money(b.Planned, cur),
			"Committed": money(b.Committed, cur), "Spent": money(b.Spent, cur),
		},
		"OverCommitted": b.Committed > b.Total+0.005,
		"PlanURL":       campaignURL(p, c.ID),
		"XLSX":          campaignURL(p, c.ID) + "/plan.xlsx",
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

// maps returns a copy of m with k set to v.
func maps(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}

// timelineChart is an ECharts option: each phase a thick line from its
// first day to the end of its last on a time axis (a time axis cannot stack
// bars, and options carry no functions), today a dashed mark line.
func timelineChart(c campaign.Campaign, day campaign.Date, l lang) map[string]any {
	cats := make([]string, len(c.Phases))
	series := make([]any, len(c.Phases))
	for i, ph := range c.Phases {
		label := fmt.Sprintf("%d. %s", i+1, ph.Name)
		cats[i] = label
		series[i] = map[string]any{
			"type": "line", "name": fmt.Sprintf("%s: %s – %s (%s)", label, ph.Start, ph.End, l.T("strategy.days", "N", campaign.Days(ph.Start, ph.End))),
			"data":      [][]string{{string(ph.Start), label}, {string(ph.End.AddDays(1)), label}},
			"symbol":    "none",
			"lineStyle": map[string]any{"width": 22, "cap": "butt"},
			"emphasis":  map[string]any{"lineStyle": map[string]any{"width": 22}},
			"label":     map[string]any{"show": false},
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
		"xAxis": map[string]any{"type": "time", "min": string(c.Start), "max": string(c.End.AddDays(1)),
			"splitLine": map[string]any{"show": true}},
		"yAxis":  map[string]any{"type": "category", "data": cats, "inverse": true, "axisTick": map[string]any{"show": false}},
		"series": series,
	}
}

// budgetBars is an ECharts option: planned, committed and spent side by
// side for each row.
func budgetBars(rows []campaign.BudgetRow, label func(string) string, l lang) map[string]any {
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
func budgetDonut(rows []campaign.BudgetRow, label func(string) string, l lang) map[string]any {
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
			"label": map[string]any{"position": "inside", "formatter": "{d}%", "color": "#fff", "fontSize": 11}, "minShowLabelAngle": 15, "data": data,
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
	body, err := strategyJSON(fields, r.PostForm)
	if err == nil {
		err = decodeBytes(body, &next)
	}
	if err == nil {
		_, err = s.Campaigns.Update(ctx, p.Workspace.ID, id, next)
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

// ---------- phases, targets and budget lines ----------

// campaignChild is one collection inside a campaign that has its own add,
// edit and delete pages.
type campaignChild[T any] struct {
	Path   string // URL segment: "phases"
	Kind   string // form kind and catalog prefix: "phase"
	Coll   string // collection in error paths: "phases"
	Anchor string // section of the campaign page to return to
	Fields func(x strategyRefs, c campaign.Campaign, l lang) []sfield
	Find   func(c campaign.Campaign, id int64) (T, bool)
	New    func(c campaign.Campaign, day campaign.Date) T
	Add    func(ctx context.Context, ws, id int64, v T) (campaign.Campaign, error)
	Update func(ctx context.Context, ws, id, itemID int64, v T) (campaign.Campaign, error)
	Delete func(ctx context.Context, ws, id, itemID int64) (campaign.Campaign, error)
}

func registerCampaignChild[T any](s *Server, k campaignChild[T]) {
	base := "/w/{ws}/strategy/campaigns/{id}/" + k.Path
	form := func(w http.ResponseWriter, r *http.Request, p account.Principal, status int, c campaign.Campaign, itemID int64, values func([]sfield) map[string]any, err error) error {
		x, xerr := s.strategyRefs(r, p)
		if xerr != nil {
			return xerr
		}
		l := s.lang(r)
		fields := k.Fields(x, c, l)
		f := newStrategyForm(l, k.Kind, k.Kind, k.Coll, fields, values(fields), err)
		data := map[string]any{"Section": "strategy", "C": c, "Form": f, "Back": campaignURL(p, c.ID) + "#" + k.Anchor,
			"Action": campaignURL(p, c.ID) + "/" + k.Path}
		if itemID == 0 {
			data["Title"] = l.T("strategy.form." + k.Kind + ".new")
		} else {
			data["Title"] = l.T("strategy.form." + k.Kind + ".edit")
			data["Action"] = fmt.Sprintf("%s/%s/%d", campaignURL(p, c.ID), k.Path, itemID)
			data["Delete"] = fmt.Sprintf("%s/%s/%d/delete", campaignURL(p, c.ID), k.Path, itemID)
			data["DeleteConfirm"] = l.T("action.confirm_delete")
		}
		s.render(w, r, status, "strategy_form", data)
		return nil
	}
	load := func(r *http.Request, p account.Principal) (campaign.Campaign, int64, error) {
		c, err := s.Campaigns.Get(r.Context(), p.Workspace.ID, campaignID(r))
		if err != nil {
			return c, 0, err
		}
		if r.PathValue("item") == "" {
			return c, 0, nil
		}
		itemID, _ := pathID(r, "item")
		if _, ok := k.Find(c, itemID); !ok {
			return c, 0, apperr.New(apperr.NotFound, "error.campaign.child_not_found", map[string]any{"Kind": k.Kind})
		}
		return c, itemID, nil
	}
	show := func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		c, itemID, err := load(r, p)
		if err != nil {
			return err
		}
		v, ok := k.Find(c, itemID)
		if !ok {
			v = k.New(c, today(p))
		}
		return form(w, r, p, http.StatusOK, c, itemID, func(fs []sfield) map[string]any { return strategyValues(fs, v) }, nil)
	}
	save := func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		c, itemID, err := load(r, p)
		if err != nil {
			return err
		}
		x, err := s.strategyRefs(r, p)
		if err != nil {
			return err
		}
		fields := k.Fields(x, c, s.lang(r))
		var v T
		body, err := strategyJSON(fields, r.PostForm)
		if err == nil {
			err = decodeBytes(body, &v)
		}
		if err == nil {
			if itemID == 0 {
				_, err = k.Add(r.Context(), p.Workspace.ID, c.ID, v)
			} else {
				_, err = k.Update(r.Context(), p.Workspace.ID, c.ID, itemID, v)
			}
		}
		if apperr.Is(err, apperr.Invalid) {
			return form(w, r, p, http.StatusUnprocessableEntity, c, itemID, func(fs []sfield) map[string]any {
				return rawFormValues(baseFields(fs), r.PostForm)
			}, err)
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.saved")
		redirect(w, r, campaignURL(p, c.ID)+"#"+k.Anchor)
		return nil
	}
	s.mux.Handle("GET "+base+"/new", s.page(account.EditStrategy, show))
	s.mux.Handle("POST "+base, s.page(account.EditStrategy, save))
	s.mux.Handle("GET "+base+"/{item}", s.page("", show))
	s.mux.Handle("POST "+base+"/{item}", s.page(account.EditStrategy, save))
	s.mux.Handle("POST "+base+"/{item}/delete", s.page(account.EditStrategy, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		c, itemID, err := load(r, p)
		if err != nil {
			return err
		}
		if _, err := k.Delete(r.Context(), p.Workspace.ID, c.ID, itemID); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.deleted")
		redirect(w, r, campaignURL(p, c.ID)+"#"+k.Anchor)
		return nil
	}))
}

func (s *Server) phaseChild() campaignChild[campaign.Phase] {
	return campaignChild[campaign.Phase]{
		Path: "phases", Kind: "phase", Coll: "phases", Anchor: "phases",
		Fields: func(x strategyRefs, c campaign.Campaign, l lang) []sfield {
			name := sf("name", "text")
			name.Required = true
			obj := sf("objective", "select")
			obj.Options, obj.OptionPrefix = campaign.Objectives, "objective."
			return []sfield{name, obj, sf("start", "date"), sf("end", "date")}
		},
		Find: func(c campaign.Campaign, id int64) (campaign.Phase, bool) {
			i := slices.IndexFunc(c.Phases, func(p campaign.Phase) bool { return p.ID == id })
			if i < 0 {
				return campaign.Phase{}, false
			}
			return c.Phases[i], true
		},
		New: func(c campaign.Campaign, day campaign.Date) campaign.Phase {
			start := c.Start
			if n := len(c.Phases); n > 0 {
				start = c.Phases[n-1].End.AddDays(1)
			}
			return campaign.Phase{Objective: c.Objective, Start: start, End: c.End}
		},
		Add:    s.Campaigns.AddPhase,
		Update: s.Campaigns.UpdatePhase,
		Delete: s.Campaigns.DeletePhase,
	}
}

func (s *Server) targetChild() campaignChild[campaign.Target] {
	return campaignChild[campaign.Target]{
		Path: "targets", Kind: "target", Coll: "targets", Anchor: "kpi",
		Fields: func(x strategyRefs, c campaign.Campaign, l lang) []sfield {
			m := sf("metric", "select")
			m.Required = true
			for _, d := range metric.Defs {
				m.Choices = append(m.Choices, choice{Value: d.Key, Label: l.T("tier."+string(d.Tier)) + " · " + l.Or("metric."+d.Key, d.Key)})
			}
			phase := sf("phase_id", "select")
			phase.Int, phase.Choices = true, phaseChoices(c, l.T("strategy.scope.whole_campaign"))
			pl := sf("platform", "select")
			pl.Choices = x.platformChoices(l.T("strategy.scope.all_platforms"))
			dir := sf("direction", "select")
			dir.Options, dir.OptionPrefix = []string{campaign.AtLeast, campaign.AtMost}, "direction."
			value := sf("value", "number")
			value.Percent = true
			base := sf("baseline", "number")
			base.Percent, base.Optional = true, true
			return []sfield{m, phase, pl, dir, value, base}
		},
		Find: func(c campaign.Campaign, id int64) (campaign.Target, bool) {
			i := slices.IndexFunc(c.Targets, func(t campaign.Target) bool { return t.ID == id })
			if i < 0 {
				return campaign.Target{}, false
			}
			return c.Targets[i], true
		},
		New: func(c campaign.Campaign, day campaign.Date) campaign.Target {
			return campaign.Target{Metric: "effective_clicks", Direction: campaign.AtLeast}
		},
		Add:    s.Campaigns.AddTarget,
		Update: s.Campaigns.UpdateTarget,
		Delete: s.Campaigns.DeleteTarget,
	}
}

func (s *Server) budgetLineChild() campaignChild[campaign.BudgetLine] {
	return campaignChild[campaign.BudgetLine]{
		Path: "budget-lines", Kind: "budget_line", Coll: "budget_lines", Anchor: "budget",
		Fields: func(x strategyRefs, c campaign.Campaign, l lang) []sfield {
			kind := sf("kind", "select")
			kind.Options, kind.OptionPrefix = campaign.BudgetKinds, "budget_kind."
			pl := sf("platform", "select")
			pl.Choices = x.platformChoices("—")
			phase := sf("phase_id", "select")
			phase.Int, phase.Choices = true, phaseChoices(c, "—")
			res := sf("resource_id", "select")
			res.Int = true
			res.Choices = append([]choice{{Value: "", Label: "—"}}, choicesOf(x.Amplifiers, amplifierID, amplifierName)...)
			return []sfield{kind, sf("description", "text"), pl, phase, res,
				sf("planned", "number"), sf("committed", "number"), sf("spent", "number")}
		},
		Find: func(c campaign.Campaign, id int64) (campaign.BudgetLine, bool) {
			i := slices.IndexFunc(c.BudgetLines, func(b campaign.BudgetLine) bool { return b.ID == id })
			if i < 0 {
				return campaign.BudgetLine{}, false
			}
			return c.BudgetLines[i], true
		},
		New: func(c campaign.Campaign, day campaign.Date) campaign.BudgetLine {
			return campaign.BudgetLine{Kind: campaign.BudgetKinds[0]}
		},
		Add:    s.Campaigns.AddBudgetLine,
		Update: s.Campaigns.UpdateBudgetLine,
		Delete: s.Campaigns.DeleteBudgetLine,
	}
}

// ---------- platform mix ----------

// mixFormRow is one catalog platform in the mix editor.
type mixFormRow struct {
	Key, Name                string
	Include                  bool
	Role, BudgetShare        string
	HoursShare, PostsPerWeek string
	Fit                      float64
	HasFit, LowFit           bool
	Errors                   map[string][]apperr.FieldError
}

var mixNumbers = []string{"budget_share", "hours_share", "posts_per_week"}

// mixForm renders the mix editor. form holds what was posted when it comes
// back with errors (err).
func (s *Server) mixForm(w http.ResponseWriter, r *http.Request, p account.Principal, status int, form url.Values, err error) error {
	plan, x, perr := s.planAndRefs(r, p)
	if perr != nil {
		return perr
	}
	l := s.lang(r)
	c := plan.Campaign
	rows := make([]mixFormRow, len(x.Platforms))
	for i, e := range x.Platforms {
		row := mixFormRow{Key: e.Key, Name: e.Name.In(x.loc), Errors: map[string][]apperr.FieldError{}}
		row.Fit, row.HasFit = plan.Fit[e.Key]
		if form != nil {
			row.Include = slices.Contains(form["include"], e.Key)
			row.Role = form.Get("role." + e.Key)
			row.BudgetShare, row.HoursShare, row.PostsPerWeek = form.Get("budget_share."+e.Key), form.Get("hours_share."+e.Key), form.Get("posts_per_week."+e.Key)
		} else if j := slices.IndexFunc(c.Mix, func(m campaign.MixEntry) bool { return m.Platform == e.Key }); j >= 0 {
			m := c.Mix[j]
			row.Include, row.Role = true, m.Role
			row.BudgetShare, row.HoursShare, row.PostsPerWeek = number(m.BudgetShare, 2), number(m.HoursShare, 2), number(m.PostsPerWeek, 1)
		}
		bs, _ := parseNumber(row.BudgetShare, false)
		hs, _ := parseNumber(row.HoursShare, false)
		row.LowFit = row.Include && row.HasFit && row.Fit < campaign.LowFit && (bs >= campaign.HighShare || hs >= campaign.HighShare)
		rows[i] = row
	}
	var other []string
	var ae *apperr.Error
	if err != nil && errors.As(err, &ae) {
		order := mixOrder(x, form)
		for _, fe := range ae.Fields {
			if m := indexedPath.FindStringSubmatch(fe.Field); m != nil && m[1] == "mix" && m[3] != "" {
				if n, _ := strconv.Atoi(m[2]); n < len(order) {
					if i := slices.IndexFunc(rows, func(r mixFormRow) bool { return r.Key == order[n] }); i >= 0 {
						rows[i].Errors[m[3]] = append(rows[i].Errors[m[3]], fe)
						continue
					}
				}
			}
			// Numbers that do not parse are named "<column>.<platform>".
			if key, name, ok := strings.Cut(fe.Field, "."); ok && slices.Contains(mixNumbers, key) {
				if i := slices.IndexFunc(rows, func(r mixFormRow) bool { return r.Key == name }); i >= 0 {
					rows[i].Errors[key] = append(rows[i].Errors[key], fe)
					continue
				}
			}
			if fe.Field == "mix" {
				other = append(other, s.cat.T(l.loc, fe.Key, fe.Args))
				continue
			}
			other = append(other, l.errLabel("mix", fe.Field)+": "+s.cat.T(l.loc, fe.Key, fe.Args))
		}
		if len(ae.Fields) == 0 {
			other = append(other, s.cat.T(l.loc, ae.Key, ae.Args))
		}
	}
	// The best fits first: the order in which to consider them.
	slices.SortStableFunc(rows, func(a, b mixFormRow) int {
		if a.Include != b.Include {
			if a.Include {
				return -1
			}
			return 1
		}
		switch {
		case a.Fit > b.Fit:
			return -1
		case a.Fit < b.Fit:
			return 1
		}
		return 0
	})
	s.render(w, r, status, "strategy_mix", map[string]any{
		"Section": "strategy", "C": c, "Rows": rows, "Other": other,
		"Action": campaignURL(p, c.ID) + "/mix", "Back": campaignURL(p, c.ID) + "#mix",
	})
	return nil
}

// mixOrder is the platforms a posted mix includes, in catalog order: the
// order of the entries sent to the service.
func mixOrder(x strategyRefs, form url.Values) []string {
	var out []string
	for _, e := range x.Platforms {
		if slices.Contains(form["include"], e.Key) {
			out = append(out, e.Key)
		}
	}
	return out
}

func (s *Server) mixSave(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	x, err := s.strategyRefs(r, p)
	if err != nil {
		return err
	}
	form := r.PostForm
	var fs apperr.Fields
	mix := []campaign.MixEntry{}
	for _, key := range mixOrder(x, form) {
		e := campaign.MixEntry{Platform: key, Role: strings.TrimSpace(form.Get("role." + key))}
		for _, n := range mixNumbers {
			v, ok := parseNumber(form.Get(n+"."+key), false)
			if !ok {
				fs.Add(n+"."+key, "error.number")
			}
			switch n {
			case "budget_share":
				e.BudgetShare = v
			case "hours_share":
				e.HoursShare = v
			default:
				e.PostsPerWeek = v
			}
		}
		mix = append(mix, e)
	}
	err = fs.Err()
	if err == nil {
		_, err = s.Campaigns.SetMix(r.Context(), p.Workspace.ID, campaignID(r), mix)
	}
	if apperr.Is(err, apperr.Invalid) {
		return s.mixForm(w, r, p, http.StatusUnprocessableEntity, form, err)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.saved")
	redirect(w, r, campaignURL(p, campaignID(r))+"#mix")
	return nil
}

// ---------- hours ----------

// hoursFormRow is one team member in the hours editor.
type hoursFormRow struct {
	ID       int64
	Name     string
	Role     string
	Hours    string
	Capacity float64
	Other    float64
	Errors   []apperr.FieldError
}

func (s *Server) hoursForm(w http.ResponseWriter, r *http.Request, p account.Principal, status int, form url.Values, err error) error {
	plan, x, perr := s.planAndRefs(r, p)
	if perr != nil {
		return perr
	}
	l := s.lang(r)
	c := plan.Campaign
	rows := make([]hoursFormRow, len(x.Team))
	for i, m := range x.Team {
		row := hoursFormRow{ID: m.ID, Name: m.Name, Role: m.Role, Capacity: m.WeeklyHours}
		if j := slices.IndexFunc(plan.Hours, func(h campaign.MemberHours) bool { return h.MemberID == m.ID }); j >= 0 {
			row.Other = plan.Hours[j].Other
		}
		if form != nil {
			row.Hours = form.Get(fmt.Sprintf("hours.%d", m.ID))
		} else if j := slices.IndexFunc(c.Hours, func(h campaign.HoursLine) bool { return h.MemberID == m.ID }); j >= 0 {
			row.Hours = number(c.Hours[j].HoursPerWeek, 1)
		}
		rows[i] = row
	}
	var other []string
	var ae *apperr.Error
	if err != nil && errors.As(err, &ae) {
		order := hoursOrder(x, form)
		for _, fe := range ae.Fields {
			var id int64 = -1
			if m := indexedPath.FindStringSubmatch(fe.Field); m != nil && m[1] == "hours" {
				if n, _ := strconv.Atoi(m[2]); n < len(order) {
					id = order[n]
				}
			} else if v, ok := strings.CutPrefix(fe.Field, "hours."); ok {
				id, _ = strconv.ParseInt(v, 10, 64)
			}
			if i := slices.IndexFunc(rows, func(r hoursFormRow) bool { return r.ID == id }); i >= 0 {
				rows[i].Errors = append(rows[i].Errors, fe)
				continue
			}
			other = append(other, l.errLabel("hours", fe.Field)+": "+s.cat.T(l.loc, fe.Key, fe.Args))
		}
		if len(ae.Fields) == 0 {
			other = append(other, s.cat.T(l.loc, ae.Key, ae.Args))
		}
	}
	s.render(w, r, status, "strategy_hours", map[string]any{
		"Section": "strategy", "C": c, "Rows": rows, "Other": other,
		"Action": campaignURL(p, c.ID) + "/hours", "Back": campaignURL(p, c.ID) + "#hours",
	})
	return nil
}

// hoursOrder is the members a posted hours plan names, in team order: the
// order of the lines sent to the service.
func hoursOrder(x strategyRefs, form url.Values) []int64 {
	var out []int64
	for _, m := range x.Team {
		if v := strings.TrimSpace(form.Get(fmt.Sprintf("hours.%d", m.ID))); v != "" {
			if n, ok := parseNumber(v, false); !ok || n != 0 {
				out = append(out, m.ID)
			}
		}
	}
	return out
}

func (s *Server) hoursSave(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	x, err := s.strategyRefs(r, p)
	if err != nil {
		return err
	}
	var fs apperr.Fields
	hours := []campaign.HoursLine{}
	for _, id := range hoursOrder(x, r.PostForm) {
		name := fmt.Sprintf("hours.%d", id)
		v, ok := parseNumber(r.PostForm.Get(name), false)
		if !ok {
			fs.Add(name, "error.number")
			continue
		}
		hours = append(hours, campaign.HoursLine{MemberID: id, HoursPerWeek: v})
	}
	err = fs.Err()
	if err == nil {
		_, err = s.Campaigns.SetHours(r.Context(), p.Workspace.ID, campaignID(r), hours)
	}
	if apperr.Is(err, apperr.Invalid) {
		return s.hoursForm(w, r, p, http.StatusUnprocessableEntity, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.saved")
	redirect(w, r, campaignURL(p, campaignID(r))+"#hours")
	return nil
}

// ---------- export ----------

// campaignPlanXLSX serves the plan as the workbook the API serves, for the
// download link on the campaign page.
func (s *Server) campaignPlanXLSX(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	return s.campaignXLSX(w, r, p, campaignID(r))
}
