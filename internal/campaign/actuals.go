package campaign

import (
	"context"
	"maps"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/metric"
)

// Measurer measures the figures of METRICS.md that a campaign's tracked
// traffic gives (clicks, visits, conversions, revenue) in [from, to), on
// one platform or on all (""). Figures it cannot measure are absent.
type Measurer interface {
	Measure(ctx context.Context, workspaceID, campaignID int64, platform string, from, to time.Time) (map[string]float64, error)
}

// Measurers measure together, each adding the figures it gives (tracked
// traffic, listening).
type Measurers []Measurer

// Measure merges the figures of every measurer; the first error stops it.
func (ms Measurers) Measure(ctx context.Context, workspaceID, campaignID int64, platform string, from, to time.Time) (map[string]float64, error) {
	out := map[string]float64{}
	for _, m := range ms {
		fig, err := m.Measure(ctx, workspaceID, campaignID, platform, from, to)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, fig)
	}
	return out, nil
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
// budget lines in the target's scope. Additive figures of a target partway
// through its days get a pace and a forecast.
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
	type measured struct {
		fig   map[string]float64
		share float64 // of the scope's days gone
	}
	figures := map[scope]measured{}
	c := p.Campaign
	var walk func(nodes []KPINode) error
	walk = func(nodes []KPINode) error {
		for i := range nodes {
			n := &nodes[i]
			if err := walk(n.Children); err != nil {
				return err
			}
			sc := scope{n.Target.PhaseID, n.Target.Platform}
			m, ok := figures[sc]
			if !ok {
				if from, end, ok := c.days(sc.phase, loc); ok && from.Before(now) {
					to := earlier(end, now)
					var err error
					if m.fig, err = s.Measurer.Measure(ctx, workspaceID, c.ID, sc.platform, from, to); err != nil {
						return apperr.Wrap(err, "measure campaign")
					}
					if m.fig == nil {
						m.fig = map[string]float64{}
					}
					addCostFigures(m.fig, c.spent(sc.phase, sc.platform))
					m.share = float64(to.Sub(from)) / float64(end.Sub(from))
				}
				figures[sc] = m
			}
			v, ok := m.fig[n.Target.Metric]
			if !ok {
				continue
			}
			n.Actual = &v
			if d, ok := metric.Lookup(n.Target.Metric); ok && d.Additive && m.share > 0 && m.share < 1 {
				forecast := v / m.share
				n.Forecast = &forecast
				if n.Target.Value > 0 {
					pace := v / (n.Target.Value * m.share)
					n.Pace = &pace
				}
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

// days returns the instants at which the first day of a phase (or, for
// phase 0 or a phase no longer in the plan, of the campaign) begins and its
// last day ends, and false for dates that do not read.
func (c Campaign) days(phaseID int64, loc *time.Location) (from, end time.Time, ok bool) {
	first, last := c.Start, c.End
	for _, ph := range c.Phases {
		if ph.ID == phaseID {
			first, last = ph.Start, ph.End
		}
	}
	from, ok1 := first.Parse(loc)
	end, ok2 := last.AddDays(1).Parse(loc)
	return from, end, ok1 && ok2 && from.Before(end)
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
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
