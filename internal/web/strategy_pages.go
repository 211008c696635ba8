package web

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
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

// planAndRefs loads the plan of the campaign in the path, its
// conversions credited by the request's model (last touch for none or a
// model that is not one, as the funnel page), and the names its pages show
// beside it.
func (s *Server) planAndRefs(r *http.Request, p account.Principal) (campaign.Plan, strategyRefs, error) {
	model, err := conversion.ParseModel(r.URL.Query().Get("model"))
	if err != nil {
		model = conversion.LastTouch
	}
	plan, err := s.campaignPlan(r.Context(), p, campaignID(r), model)
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
		return percent(v)
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
