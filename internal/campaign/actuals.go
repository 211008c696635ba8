package campaign

import (
	"context"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// Measurer measures the figures of METRICS.md that a campaign's tracked
// traffic gives (clicks, visits, conversions, revenue) in [from, to), on
// one platform or on all (""). Figures it cannot measure are absent.
type Measurer interface {
	Measure(ctx context.Context, workspaceID, campaignID int64, platform string, from, to time.Time) (map[string]float64, error)
}

// Measurement says what a plan's KPI actuals were measured over: until
// At, each target from its phase's start (or the campaign's), with costs
// from the budget lines' spent amounts (CostBasis).
type Measurement struct {
	At time.Time `json:"at"`
	// CostBasis names the fallback METRICS.md asks reports to state: cost
	// is what the budget lines of a target's scope have spent, without
	// team hours.
	CostBasis string `json:"cost_basis"`
}

// CostFromBudgetSpent is the only cost basis so far.
const CostFromBudgetSpent = "budget_spent"

// measure fills the plan's KPI actuals with what s.Measurer reports for
// each target's scope: its phase's days (or the campaign's) up to now, read
// in loc, on its platform (or all). A target whose days have not begun,
// or whose metric nothing measures yet, keeps a nil actual. Cost figures
// (cost, cost per lead, ROAS, ROI) divide by the spent amounts of the
// budget lines in the target's scope.
func (s *Service) measure(ctx context.Context, workspaceID int64, p *Plan, loc *time.Location) error {
	if s.Measurer == nil {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	now := s.Now()
	type scope struct {
		phase    int64
		platform string
	}
	figures := map[scope]map[string]float64{}
	c := p.Campaign
	var walk func(nodes []KPINode) error
	walk = func(nodes []KPINode) error {
		for i := range nodes {
			n := &nodes[i]
			if err := walk(n.Children); err != nil {
				return err
			}
			sc := scope{n.Target.PhaseID, n.Target.Platform}
			fig, ok := figures[sc]
			if !ok {
				from, to, started := c.days(sc.phase, loc, now)
				if started {
					var err error
					if fig, err = s.Measurer.Measure(ctx, workspaceID, c.ID, sc.platform, from, to); err != nil {
						return apperr.Wrap(err, "measure campaign")
					}
					if fig == nil {
						fig = map[string]float64{}
					}
					addCostFigures(fig, c.spent(sc.phase, sc.platform))
				}
				figures[sc] = fig
			}
			if v, ok := fig[n.Target.Metric]; ok {
				n.Actual = &v
			}
		}
		return nil
	}
	if err := walk(p.KPI); err != nil {
		return err
	}
	p.Measured = &Measurement{At: now.UTC(), CostBasis: CostFromBudgetSpent}
	return nil
}

// days returns the instants from the first day of a phase (or, for phase
// 0 or a phase no longer in the plan, of the campaign) to the end of its
// last day or now, whichever is sooner, and whether it has begun.
func (c Campaign) days(phaseID int64, loc *time.Location, now time.Time) (from, to time.Time, started bool) {
	start, end := c.Start, c.End
	for _, ph := range c.Phases {
		if ph.ID == phaseID {
			start, end = ph.Start, ph.End
		}
	}
	from, ok1 := start.Parse(loc)
	to, ok2 := end.AddDays(1).Parse(loc)
	if !ok1 || !ok2 || !from.Before(now) {
		return time.Time{}, time.Time{}, false
	}
	if now.Before(to) {
		to = now
	}
	return from, to, true
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
