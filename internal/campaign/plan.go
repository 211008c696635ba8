package campaign

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

// Thresholds of the plan's warnings.
const (
	// LowFit is the fit score under which a platform is a poor match for
	// the campaign's personas and objective.
	LowFit = 40
	// HighShare is the budget share, in percent, from which a low-fit
	// platform's share is worth a second look.
	HighShare = 25
)

// Plan is a campaign with what follows from it: fit of every platform,
// budget sums, hours against capacity, the KPI tree, and warnings that do
// not block saving but deserve a look.
type Plan struct {
	Campaign Campaign  `json:"campaign"`
	Warnings []Warning `json:"warnings"`
	// Fit maps every catalog platform key to its mean fit score (0–100)
	// over the campaign's personas for its objective, so a page can show
	// fit beside any choice. Without personas the score rests on the
	// platform alone (objective and capability).
	Fit    map[string]float64 `json:"fit"`
	Budget BudgetSummary      `json:"budget"`
	Hours  []MemberHours      `json:"hours"`
	// OtherHours are every team member's hours in other campaigns at the
	// same time (MemberHours.Other), by member id, for planning members
	// not yet on this campaign.
	OtherHours map[int64]float64 `json:"other_hours"`
	KPI        []KPINode         `json:"kpi"`
	// RateCurrency is the currency of the team's hourly rates (brand.Budget)
	// when it is not the workspace's, in which the rest of the plan's money
	// is; "" when they agree. Amounts in two currencies do not add up, so
	// the people cost is then left out of every cost (a warning says so),
	// and Hours' rates and weekly costs are in this currency.
	RateCurrency string `json:"rate_currency,omitempty"`
	// Measured says how the KPI actuals were measured; nil when nothing
	// measures them.
	Measured *Measurement `json:"measured,omitempty"`
}

// Warning is a localizable remark about a plan, like apperr.FieldError:
// Field is a JSON path, Key a message key, Args its template's arguments.
type Warning struct {
	Field string         `json:"field"`
	Key   string         `json:"key"`
	Args  map[string]any `json:"args,omitempty"`
}

// BudgetSummary sums the budget lines, overall and by platform, kind and
// phase. Total is the campaign's budget.
type BudgetSummary struct {
	Total      float64     `json:"total"`
	Planned    float64     `json:"planned"`
	Committed  float64     `json:"committed"`
	Spent      float64     `json:"spent"`
	ByPlatform []BudgetRow `json:"by_platform"`
	ByKind     []BudgetRow `json:"by_kind"`
	ByPhase    []BudgetRow `json:"by_phase"`
}

// BudgetRow is the sum of the budget lines of one platform, kind or phase.
// Key is the platform key, the kind, or the phase id in decimal; "" holds
// the lines tied to no platform or phase. Name is the phase's name in
// ByPhase rows. Rows come in catalog, kind and phase order.
type BudgetRow struct {
	Key       string  `json:"key"`
	Name      string  `json:"name,omitempty"`
	Planned   float64 `json:"planned"`
	Committed float64 `json:"committed"`
	Spent     float64 `json:"spent"`
}

// MemberHours is a team member's weekly hours on the campaign against what
// they have. Planned is this campaign's hours; Other is the most they have
// in the workspace's other planned or active campaigns on any one day of
// this one; Over is Planned + Other > Capacity.
type MemberHours struct {
	MemberID int64   `json:"member_id"`
	Name     string  `json:"name"`
	Planned  float64 `json:"planned"`
	Other    float64 `json:"other"`
	Capacity float64 `json:"capacity"`
	Over     bool    `json:"over"`
	// Removed: the member has left the team since their hours were
	// planned (no name, no capacity).
	Removed bool `json:"removed"`
	// HourlyRate is what an hour of the member's work costs (brand.Budget's
	// Rate; the team's rate for a removed member), and WeeklyCost their
	// planned hours at that rate: the people part of the campaign's cost
	// (METRICS.md: team hours × hourly rate).
	HourlyRate float64 `json:"hourly_rate"`
	WeeklyCost float64 `json:"weekly_cost"`
}

// KPINode is one target in the KPI tree. Campaign-level targets are at the
// top; a phase's target sits under the campaign's target of the same metric
// (at the top when there is none); a platform's target sits under the
// all-platform target of its phase, or else of the campaign, on the same
// metric. Actual is the figure measured so far (see Service.Measurer), nil
// when nothing measures the metric yet or the target's days have not
// begun.
type KPINode struct {
	Target Target   `json:"target"`
	Actual *float64 `json:"actual"`
	// Pace and Forecast (METRICS.md), for additive figures measured: Pace
	// is actual / (target × the share of the days gone), on track at ≥ 1
	// for an "at least" target and ≤ 1 for an "at most" one; Forecast is
	// the actual at the current rate on the last day. Once the days are
	// over (Ended) the pace is final, actual / target.
	Pace     *float64 `json:"pace,omitempty"`
	Forecast *float64 `json:"forecast,omitempty"`
	// Ended says the target's days are over and it was measured: its
	// figure is final, the target met or missed.
	Ended bool `json:"ended,omitempty"`
	// Cost is where the cost behind a cost-based figure (cost, cost per
	// lead, ROAS, ROI) comes from; nil for other figures.
	Cost     *CostSplit `json:"cost,omitempty"`
	Children []KPINode  `json:"children"`
}

// Verdict judges a measured target in its direction (at least or at
// most its value): "met" or "missed" once its days are over, "on_track" or
// "behind" by its pace while they run, and "" with nothing to judge by.
func (n KPINode) Verdict() string {
	switch {
	case n.Actual == nil:
		return ""
	case n.Ended && n.reached(*n.Actual, n.Target.Value):
		return "met"
	case n.Ended:
		return "missed"
	case n.Pace == nil:
		return ""
	case n.reached(*n.Pace, 1):
		return "on_track"
	}
	return "behind"
}

// Reached says the actual so far is on the target's side of its value,
// and nothing says it will leave it: false for an "at most" target whose
// pace is behind, on course to pass its value before its days are over.
func (n KPINode) Reached() bool {
	return n.Actual != nil && n.reached(*n.Actual, n.Target.Value) && n.Verdict() != "behind"
}

// reached says v is at least w for an "at least" target, at most w for an
// "at most" one.
func (n KPINode) reached(v, w float64) bool {
	if n.Target.Direction == AtMost {
		return v <= w
	}
	return v >= w
}

// Plan returns the campaign with its fit scores, budget sums, hours, KPI
// tree with the actuals measured so far, and warnings; loc is the
// workspace's time zone, in which the plan's days begin and end,
// attribution the model conversions are credited by (metric.Scope's
// Attribution), and currency the workspace's, in which the plan's money is
// ("" when unknown: the team's rates are taken to be in it). Returns
// apperr.NotFound if the campaign does not exist in the workspace.
func (s *Service) Plan(ctx context.Context, workspaceID, id int64, loc *time.Location, attribution, currency string) (Plan, error) {
	c, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return Plan{}, err
	}
	// The fit reads the workspace's last 30 days of attribution and the
	// measure the campaign's: two long reads of their own, run side by
	// side (each on its own read connection).
	type fitRead struct {
		fit map[string]float64
		err error
	}
	fitc := make(chan fitRead, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		fit, err := s.meanFit(ctx, workspaceID, c.PersonaIDs, c.Objective)
		fitc <- fitRead{fit, err}
	}()
	p, err := s.plan(ctx, workspaceID, c, loc, attribution, currency)
	if err != nil {
		cancel()
	}
	fr := <-fitc
	if err != nil {
		return Plan{}, err
	}
	if fr.err != nil {
		return Plan{}, fr.err
	}
	p.Fit = fr.fit
	p.Warnings = append(warnings(c, fr.fit, p.Budget, p.Hours), p.Warnings...)
	return p, nil
}

// plan is Plan without the fit: the budget, the hours, the KPI tree and
// its actuals, and the warning about the rates' currency.
func (s *Service) plan(ctx context.Context, workspaceID int64, c Campaign, loc *time.Location, attribution, currency string) (Plan, error) {
	team, err := s.brands.Team.List(ctx, workspaceID)
	if err != nil {
		return Plan{}, apperr.Wrap(err, "list team")
	}
	rates, err := s.brands.Budget(ctx, workspaceID, "")
	if err != nil {
		return Plan{}, apperr.Wrap(err, "read budget")
	}
	all, err := s.store.Campaigns(ctx, workspaceID)
	if err != nil {
		return Plan{}, apperr.Wrap(err, "list campaigns")
	}
	p := Plan{Campaign: c}
	p.Budget = summarize(c, s.catalog.Keys())
	p.Hours, p.OtherHours = memberHours(c, team, rates, all)
	p.KPI = KPITree(c.Targets)
	if currency != "" && rates.Currency != "" && rates.Currency != currency && len(p.Hours) > 0 {
		p.RateCurrency = rates.Currency
		p.Warnings = append(p.Warnings, Warning{Field: "hours", Key: "warning.campaign.rate_currency",
			Args: map[string]any{"Rates": rates.Currency, "Currency": currency}})
	}
	if err := s.measure(ctx, workspaceID, &p, loc, attribution); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// meanFit averages the fit scores of every platform over the personas,
// skipping personas that no longer exist.
func (s *Service) meanFit(ctx context.Context, workspaceID int64, personaIDs []int64, objective string) (map[string]float64, error) {
	var personas []brand.Persona
	for _, id := range personaIDs {
		p, err := s.brands.Personas.Get(ctx, workspaceID, id)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return nil, apperr.Wrap(err, "read persona")
		}
		personas = append(personas, p)
	}
	if len(personas) == 0 {
		personas = []brand.Persona{{}}
	}
	each, err := s.platforms.FitEach(ctx, workspaceID, personas, objective)
	if err != nil {
		return nil, err
	}
	sum := map[string]float64{}
	for _, fits := range each {
		for _, f := range fits {
			sum[f.Platform] += f.Score
		}
	}
	for k, v := range sum {
		sum[k] = math.Round(v/float64(len(personas))*10) / 10
	}
	return sum, nil
}

func summarize(c Campaign, platformOrder []string) BudgetSummary {
	b := BudgetSummary{Total: c.Budget, ByPlatform: []BudgetRow{}, ByKind: []BudgetRow{}, ByPhase: []BudgetRow{}}
	byPlatform, byKind, byPhase := map[string]*BudgetRow{}, map[string]*BudgetRow{}, map[string]*BudgetRow{}
	add := func(m map[string]*BudgetRow, key string, l BudgetLine) {
		r := m[key]
		if r == nil {
			r = &BudgetRow{Key: key}
			m[key] = r
		}
		r.Planned += l.Planned
		r.Committed += l.Committed
		r.Spent += l.Spent
	}
	for _, l := range c.BudgetLines {
		b.Planned += l.Planned
		b.Committed += l.Committed
		b.Spent += l.Spent
		add(byPlatform, l.Platform, l)
		add(byKind, l.Kind, l)
		phase := ""
		if l.PhaseID != 0 {
			phase = strconv.FormatInt(l.PhaseID, 10)
		}
		add(byPhase, phase, l)
	}
	collect := func(m map[string]*BudgetRow, order []string) []BudgetRow {
		out := []BudgetRow{}
		for _, k := range append(order, "") {
			if r := m[k]; r != nil {
				out = append(out, *r)
				delete(m, k)
			}
		}
		// Keys outside the order (a platform that left the catalog) last,
		// in a stable order.
		rest := make([]string, 0, len(m))
		for k := range m {
			rest = append(rest, k)
		}
		slices.Sort(rest)
		for _, k := range rest {
			out = append(out, *m[k])
		}
		return out
	}
	b.ByPlatform = collect(byPlatform, slices.Clone(platformOrder))
	b.ByKind = collect(byKind, slices.Clone(BudgetKinds))
	var phaseOrder []string
	names := map[string]string{}
	for _, p := range c.Phases {
		k := strconv.FormatInt(p.ID, 10)
		phaseOrder = append(phaseOrder, k)
		names[k] = p.Name
	}
	b.ByPhase = collect(byPhase, phaseOrder)
	for i := range b.ByPhase {
		b.ByPhase[i].Name = names[b.ByPhase[i].Key]
	}
	return b
}

// MixAmount is the money the mix gives platform m: its budget share of
// the money the mix splits (MixBudget).
func (c Campaign) MixAmount(m MixEntry) float64 { return c.MixBudget() * m.BudgetShare / 100 }

// MixBudget is the money the mix's budget shares split: the campaign's
// budget less its budget lines on no platform (production, agency fees,
// other costs of the whole campaign), which are no platform's to share.
// Shares sum to 100, so a split of the whole budget would leave those
// lines nothing.
func (c Campaign) MixBudget() float64 {
	general := 0.0
	for _, bl := range c.BudgetLines {
		if bl.Platform == "" {
			general += bl.Planned
		}
	}
	return max(c.Budget-general, 0)
}

// Platform returns the sums of the budget lines on platform key ("" for
// the lines on no platform), zero when there are none.
func (b BudgetSummary) Platform(key string) BudgetRow {
	i := slices.IndexFunc(b.ByPlatform, func(r BudgetRow) bool { return r.Key == key })
	if i < 0 {
		return BudgetRow{Key: key}
	}
	return b.ByPlatform[i]
}

// OutsideMix returns the money the mix's shares leave to no platform (the
// MixBudget less every platform's MixAmount) and the budget lines that
// must live on it: those on a platform without a place in the mix.
func (p Plan) OutsideMix() (left, planned float64) {
	c := p.Campaign
	left = c.MixBudget()
	in := map[string]bool{"": true}
	for _, m := range c.Mix {
		left -= c.MixAmount(m)
		in[m.Platform] = true
	}
	for _, r := range p.Budget.ByPlatform {
		if !in[r.Key] {
			planned += r.Planned
		}
	}
	return left, planned
}

// mixWarnings reconciles the two ways a plan splits its money: the mix's
// budget shares and the budget lines. A platform whose lines plan more
// than its share of the budget, or lines outside the mix planning more than
// the shares leave, mean the mix promises money the lines spend elsewhere.
// A mix without budget shares splits nothing and is not checked.
func mixWarnings(c Campaign, b BudgetSummary) []Warning {
	if !slices.ContainsFunc(c.Mix, func(m MixEntry) bool { return m.BudgetShare != 0 }) {
		return nil
	}
	var ws []Warning
	for i, m := range c.Mix {
		given, planned := c.MixAmount(m), b.Platform(m.Platform).Planned
		if planned > given+0.005 {
			ws = append(ws, Warning{Field: "mix[" + strconv.Itoa(i) + "].budget_share", Key: "warning.campaign.platform_over_mix",
				Args: map[string]any{"Platform": m.Platform, "Planned": round2(planned), "Share": m.BudgetShare, "Given": round2(given)}})
		}
	}
	// Shares may sum to 100 within a hundredth, which can leave a few
	// cents below zero: nothing is left then.
	left, planned := Plan{Campaign: c, Budget: b}.OutsideMix()
	if left = max(left, 0); planned > left+0.005 {
		ws = append(ws, Warning{Field: "budget_lines", Key: "warning.campaign.outside_mix_over",
			Args: map[string]any{"Planned": round2(planned), "Left": round2(left)}})
	}
	return ws
}

// memberHours lists the campaign's hours per member, at their rate, with
// the member's hours in other campaigns running at the same time: the
// peak of their load over this campaign's days, since two others that
// never meet do not add up.
func memberHours(c Campaign, team []brand.TeamMember, rates brand.Budget, all []Campaign) ([]MemberHours, map[int64]float64) {
	var others []Campaign
	days := []Date{c.Start} // the load changes only where a campaign starts
	for _, o := range all {
		if o.ID == c.ID || (o.Status != "planned" && o.Status != "active") || !overlaps(c, o) {
			continue
		}
		others = append(others, o)
		if o.Start > c.Start {
			days = append(days, o.Start)
		}
	}
	other := map[int64]float64{}
	for _, day := range days {
		load := map[int64]float64{}
		for _, o := range others {
			if o.Start <= day && day <= o.End {
				for _, h := range o.Hours {
					load[h.MemberID] += h.HoursPerWeek
				}
			}
		}
		for m, v := range load {
			other[m] = max(other[m], v)
		}
	}
	out := []MemberHours{}
	for _, h := range c.Hours {
		mh := MemberHours{MemberID: h.MemberID, Planned: h.HoursPerWeek, Other: other[h.MemberID], HourlyRate: rates.HourlyCost}
		if i := slices.IndexFunc(team, func(m brand.TeamMember) bool { return m.ID == h.MemberID }); i >= 0 {
			mh.Name = team[i].Name
			mh.Capacity = team[i].WeeklyHours
			mh.Over = mh.Planned+mh.Other > mh.Capacity+1e-9
			mh.HourlyRate = rates.Rate(team[i])
		} else {
			mh.Removed = true
		}
		mh.WeeklyCost = mh.Planned * mh.HourlyRate
		out = append(out, mh)
	}
	return out, other
}

// overlaps reports whether two campaigns share at least one day.
func overlaps(a, b Campaign) bool {
	return a.Start != "" && b.Start != "" && a.Start <= b.End && b.Start <= a.End
}

// KPITree arranges targets as the plan shows them; see KPINode.
func KPITree(targets []Target) []KPINode {
	index := func(phase int64, platform, metric string) int {
		return slices.IndexFunc(targets, func(t Target) bool {
			return t.PhaseID == phase && t.Platform == platform && t.Metric == metric
		})
	}
	parent := make([]int, len(targets))
	for i, t := range targets {
		parent[i] = -1
		switch {
		case t.Platform != "":
			if j := index(t.PhaseID, "", t.Metric); j >= 0 && j != i {
				parent[i] = j
			} else if j := index(0, "", t.Metric); t.PhaseID != 0 && j >= 0 {
				parent[i] = j
			}
		case t.PhaseID != 0:
			if j := index(0, "", t.Metric); j >= 0 {
				parent[i] = j
			}
		}
	}
	var build func(p int) []KPINode
	build = func(p int) []KPINode {
		out := []KPINode{}
		for i, t := range targets {
			if parent[i] == p {
				out = append(out, KPINode{Target: t, Children: build(i)})
			}
		}
		return out
	}
	return build(-1)
}

func warnings(c Campaign, fit map[string]float64, b BudgetSummary, hours []MemberHours) []Warning {
	ws := []Warning{}
	for i, m := range c.Mix {
		f, ok := fit[m.Platform]
		if ok && f < LowFit && m.BudgetShare >= HighShare {
			ws = append(ws, Warning{Field: "mix[" + strconv.Itoa(i) + "].budget_share", Key: "warning.campaign.low_fit_share",
				Args: map[string]any{"Platform": m.Platform, "Fit": f, "Share": m.BudgetShare}})
		}
	}
	ws = append(ws, mixWarnings(c, b)...)
	if b.Committed > c.Budget+0.005 {
		ws = append(ws, Warning{Field: "budget_lines", Key: "warning.campaign.committed_over_budget",
			Args: map[string]any{"Committed": round2(b.Committed), "Budget": round2(c.Budget)}})
	}
	if b.Spent > c.Budget+0.005 && b.Committed <= c.Budget+0.005 {
		// Spent past the budget with less committed: the committed
		// warning above does not say it.
		ws = append(ws, Warning{Field: "budget_lines", Key: "warning.campaign.spent_over_budget",
			Args: map[string]any{"Spent": round2(b.Spent), "Budget": round2(c.Budget)}})
	}
	if b.Spent > b.Committed+0.005 && b.Committed > 0 {
		ws = append(ws, Warning{Field: "budget_lines", Key: "warning.campaign.spent_over_committed",
			Args: map[string]any{"Spent": round2(b.Spent), "Committed": round2(b.Committed)}})
	}
	for i, h := range hours {
		field := "hours[" + strconv.Itoa(i) + "].hours_per_week"
		switch {
		case h.Removed:
			ws = append(ws, Warning{Field: field, Key: "warning.campaign.member_removed", Args: map[string]any{"Planned": round2(h.Planned)}})
		case h.Over:
			ws = append(ws, Warning{Field: field, Key: "warning.campaign.member_over",
				Args: map[string]any{"Name": h.Name, "Planned": round2(h.Planned + h.Other), "Capacity": h.Capacity}})
		}
	}
	return ws
}
