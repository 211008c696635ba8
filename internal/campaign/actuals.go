package campaign

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/metric"
)

// Measurer measures the figures of METRICS.md that a campaign's work
// gives — tracked clicks, visits, conversions and revenue, the brand's
// voice — in each of scopes, answering one map per scope, in order.
// Figures it cannot measure are absent.
type Measurer interface {
	Measure(ctx context.Context, workspaceID, campaignID int64, scopes []metric.Scope) ([]map[string]float64, error)
}

// Measurers measure together, each adding the figures it gives.
type Measurers []Measurer

// Measure merges the figures of every measurer; the first error stops it.
func (ms Measurers) Measure(ctx context.Context, workspaceID, campaignID int64, scopes []metric.Scope) ([]map[string]float64, error) {
	out := make([]map[string]float64, len(scopes))
	for i := range out {
		out[i] = map[string]float64{}
	}
	for _, m := range ms {
		figs, err := m.Measure(ctx, workspaceID, campaignID, scopes)
		if err != nil {
			return nil, err
		}
		for i := range min(len(figs), len(out)) {
			maps.Copy(out[i], figs[i])
		}
	}
	return out, nil
}

// Measurement says what a plan's KPI actuals were measured over: until
// At, each target from its phase's start (or the campaign's), with
// conversions credited by the Attribution model and costs as CostBasis
// says.
type Measurement struct {
	At time.Time `json:"at"`
	// Attribution is the model conversions were credited by
	// (metric.Scope's Attribution).
	Attribution string `json:"attribution"`
	// CostBasis names the fallback METRICS.md asks reports to state: cost
	// is what the budget lines of a target's scope have spent plus the
	// team's hours at their hourly rates, hours as the hours plan plans
	// them (no hours are logged) for the whole days ended: today counts
	// once it is over, so the cost holds still through a day. A draft has
	// no people cost, a campaign marked done or cancelled only the days
	// ended when it stopped (Campaign.workedUntil). It is CostFromSpent,
	// with no people cost, when the team's rates are in another currency
	// (Plan.RateCurrency).
	CostBasis string `json:"cost_basis"`
	// Cost is the campaign's cost so far by where it comes from.
	Cost CostSplit `json:"cost"`
	// FallbackLinks counts the campaign's links whose effective clicks
	// are their unique clicks (no landing ever reported from their page),
	// which METRICS.md asks a report to say.
	FallbackLinks int `json:"effective_fallback_links,omitempty"`
	// DayStart is the local time ("00:30") at which the measured days
	// begin and end when the workspace's time zone is not a whole number
	// of hours from UTC (see metric.OnHour); empty when days run midnight to
	// midnight.
	DayStart string `json:"day_start,omitempty"`
}

// The cost bases: CostFromSpentAndPlannedHours, the budget lines' spent
// amounts and the hours plan's hours at the team's rates; CostFromSpent,
// the spent amounts alone, when the team's rates are in another currency
// than the workspace's (Plan.RateCurrency) and cannot be added to them.
const (
	CostFromSpentAndPlannedHours = "budget_spent_and_planned_hours"
	CostFromSpent                = "budget_spent"
)

// CostSplit is a cost (METRICS.md cost) by where it comes from: Media is
// what budget lines have spent (KOL fees, paid boosts, moderators,
// production, other logged costs), People the team's hours at their
// hourly rates, and Total both.
type CostSplit struct {
	Media  float64 `json:"media"`
	People float64 `json:"people"`
	Total  float64 `json:"total"`
}

// costMetrics are the figures that divide by cost, or are cost.
var costMetrics = []string{"cost", "cost_per_lead", "roas", "roi"}

// measure fills the plan's KPI actuals with what s.Measurer reports for
// each target's scope: its phase's days (or the campaign's) up to now, read
// in loc, on its platform (or all), conversions credited by attribution.
// A target whose days have not begun, or whose metric nothing measures
// yet, keeps a nil actual. Cost figures (cost, cost per lead, ROAS, ROI)
// divide by the cost of the target's scope (Plan.cost). Additive figures
// get a pace and a forecast, final once their days are over.
func (s *Service) measure(ctx context.Context, workspaceID int64, p *Plan, loc *time.Location, attribution string) error {
	if s.Measurer == nil {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	now := s.Now()
	type target struct {
		phase    int64
		platform string
	}
	// The scopes the targets need, each once, measured together.
	type measured struct {
		index int     // into scopes; -1 when not begun
		share float64 // of the scope's days gone
		cost  CostSplit
	}
	c := p.Campaign
	byTarget := map[target]measured{}
	var scopes []metric.Scope
	var collect func(nodes []KPINode)
	collect = func(nodes []KPINode) {
		for _, n := range nodes {
			collect(n.Children)
			tg := target{n.Target.PhaseID, n.Target.Platform}
			if _, ok := byTarget[tg]; ok {
				continue
			}
			m := measured{index: -1}
			if from, end, ok := c.days(tg.phase, loc); ok && from.Before(now) {
				to := earlier(end, now)
				m = measured{index: len(scopes), share: float64(to.Sub(from)) / float64(end.Sub(from)),
					cost: p.cost(tg.phase, tg.platform, c.daysEnded(tg.phase, loc, c.workedUntil(now)))}
				scopes = append(scopes, metric.Scope{Platform: tg.platform, From: from, To: to, Attribution: attribution})
			}
			byTarget[tg] = m
		}
	}
	collect(p.KPI)
	var figures []map[string]float64
	if len(scopes) > 0 {
		var err error
		if figures, err = s.Measurer.Measure(ctx, workspaceID, c.ID, scopes); err != nil {
			return apperr.Wrap(err, "measure campaign")
		}
		if len(figures) != len(scopes) {
			return apperr.Wrap(fmt.Errorf("%d answers for %d scopes", len(figures), len(scopes)), "measure campaign")
		}
	}
	for _, m := range byTarget {
		if m.index >= 0 {
			if figures[m.index] == nil {
				figures[m.index] = map[string]float64{}
			}
			addCostFigures(figures[m.index], m.cost.Total)
		}
	}
	var fill func(nodes []KPINode)
	fill = func(nodes []KPINode) {
		for i := range nodes {
			n := &nodes[i]
			fill(n.Children)
			m := byTarget[target{n.Target.PhaseID, n.Target.Platform}]
			if m.index < 0 {
				continue
			}
			v, ok := figures[m.index][n.Target.Metric]
			if !ok {
				continue
			}
			n.Actual = &v
			n.Ended = m.share >= 1
			if slices.Contains(costMetrics, n.Target.Metric) {
				cost := m.cost
				n.Cost = &cost
			}
			if d, ok := metric.Lookup(n.Target.Metric); ok && d.Additive && m.share > 0 {
				forecast := v / m.share
				n.Forecast = &forecast
				// A target too small to divide by has no pace.
				if pace := v / (n.Target.Value * m.share); n.Target.Value > 0 && !math.IsInf(pace, 0) {
					n.Pace = &pace
				}
			}
		}
	}
	fill(p.KPI)
	p.Measured = &Measurement{At: now.UTC(), Attribution: attribution, CostBasis: CostFromSpentAndPlannedHours}
	if p.RateCurrency != "" {
		p.Measured.CostBasis = CostFromSpent
	}
	if from, _, ok := c.days(0, loc); ok && from.Before(now) {
		p.Measured.Cost = p.cost(0, "", c.daysEnded(0, loc, c.workedUntil(now)))
	}
	if start, ok := c.Start.Parse(loc); ok {
		p.Measured.DayStart = metric.DayStart(start, loc)
	}
	for _, f := range figures {
		p.Measured.FallbackLinks = max(p.Measured.FallbackLinks, int(f[metric.FallbackLinks]))
	}
	return nil
}

// days returns the instants at which the first day of a phase (or, for
// phase 0 or a phase no longer in the plan, of the campaign) begins and its
// last day ends, on whole UTC hours (metric.OnHour), and false for dates that do
// not read.
func (c Campaign) days(phaseID int64, loc *time.Location) (from, end time.Time, ok bool) {
	first, last := c.dates(phaseID)
	from, ok1 := first.Parse(loc)
	end, ok2 := last.AddDays(1).Parse(loc)
	return metric.OnHour(from), metric.OnHour(end), ok1 && ok2 && from.Before(end)
}

// dates returns the first and last day of a phase, or for phase 0 or a
// phase no longer in the plan, of the campaign.
func (c Campaign) dates(phaseID int64) (first, last Date) {
	first, last = c.Start, c.End
	for _, ph := range c.Phases {
		if ph.ID == phaseID {
			first, last = ph.Start, ph.End
		}
	}
	return first, last
}

// daysEnded counts the days of a phase (or the campaign, as days does) that
// are over at t, each ending where the next begins: on the whole UTC hour
// of its local midnight in loc (metric.OnHour), as the measured days do.
func (c Campaign) daysEnded(phaseID int64, loc *time.Location, t time.Time) int {
	first, last := c.dates(phaseID)
	n := 0
	for d := first; d <= last; d = d.AddDays(1) {
		end, ok := d.AddDays(1).Parse(loc)
		if !ok || metric.OnHour(end).After(t) {
			break
		}
		n++
	}
	return n
}

// workedUntil is the instant up to which the team's planned hours cost
// money at now: now while the campaign is planned or active; when it was
// marked done or cancelled, if earlier (Campaign.stoppedAt), so a
// campaign done before its end date costs no more days; and never for a
// draft, which no one was set to work on yet.
func (c Campaign) workedUntil(now time.Time) time.Time {
	switch {
	case c.Status == "draft":
		return time.Time{}
	case c.stopped():
		return earlier(c.stoppedAt(), now)
	}
	return now
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// cost is the cost of a target's scope with days of its days ended: what
// its budget lines have spent (Campaign.spent), and the team's weekly cost
// (MemberHours.WeeklyCost) for those days, a seventh of it a day; on one
// platform, its hours share of the mix of that, none when the mix gives it
// no hours. The team's cost counts only when its rates are in the
// workspace's currency (Plan.RateCurrency).
func (p Plan) cost(phaseID int64, platform string, days int) CostSplit {
	var weekly float64
	if p.RateCurrency == "" {
		for _, h := range p.Hours {
			weekly += h.WeeklyCost
		}
	}
	people := weekly * float64(days) / 7
	if platform != "" {
		share := 0.0
		if i := slices.IndexFunc(p.Campaign.Mix, func(m MixEntry) bool { return m.Platform == platform }); i >= 0 {
			share = p.Campaign.Mix[i].HoursShare
		}
		people *= share / 100
	}
	media := p.Campaign.spent(phaseID, platform)
	return CostSplit{Media: media, People: people, Total: media + people}
}

// spent sums the spent amounts of the budget lines in a target's scope:
// all lines for the whole campaign, else those of its phase and/or its
// platform.
func (c Campaign) spent(phaseID int64, platform string) float64 {
	var sum float64
	for _, l := range c.BudgetLines {
		if (phaseID == 0 || l.PhaseID == phaseID) && (platform == "" || l.Platform == platform) {
			sum += l.Spent
		}
	}
	return sum
}

// addCostFigures adds cost and the figures divided by it to fig: cost per
// lead, ROAS and ROI, each only when its denominator is above 0.
func addCostFigures(fig map[string]float64, cost float64) {
	fig["cost"] = cost
	if leads := fig["leads"]; leads > 0 {
		fig["cost_per_lead"] = cost / leads
	}
	if revenue, ok := fig["revenue"]; ok && cost > 0 {
		fig["roas"] = revenue / cost
		fig["roi"] = (revenue - cost) / cost
	}
}
