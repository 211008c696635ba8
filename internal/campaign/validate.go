package campaign

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/metric"
)

// Limits that keep one plan a plan and not a database.
const (
	maxShort    = 200
	maxLong     = 2000
	maxList     = 100
	maxChildren = 200
	// MaxBody bounds a stored campaign in bytes; a larger one is
	// apperr.Invalid.
	MaxBody = 512 << 10
)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

// Time returns the date as midnight UTC, and false when it is not a valid
// date. Plans compare and count days; UTC keeps every day 24 hours long.
func (d Date) Time() (time.Time, bool) { return d.Parse(time.UTC) }

// Days returns the number of calendar days from d to e, both included; 0
// when either is invalid or e is before d.
func Days(d, e Date) int {
	s, ok1 := d.Time()
	t, ok2 := e.Time()
	if !ok1 || !ok2 || t.Before(s) {
		return 0
	}
	return int(t.Sub(s).Hours()/24) + 1
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date { return Date(t.Format(DateLayout)) }

// AddDays returns the date n days after d (before, for negative n); d
// itself when d is invalid.
func (d Date) AddDays(n int) Date {
	t, ok := d.Time()
	if !ok {
		return d
	}
	return DateOf(t.AddDate(0, 0, n))
}

// normalize fills the defaults a client may leave out: a target's unit and
// direction from its metric, a phase's objective from the campaign's, and
// nil lists as empty ones. It never hides an error: a value that is set
// stays as it is for Validate to judge.
func (c *Campaign) normalize() {
	for i := range c.Phases {
		if c.Phases[i].Objective == "" {
			c.Phases[i].Objective = c.Objective
		}
	}
	for i := range c.Targets {
		t := &c.Targets[i]
		def, ok := metric.Lookup(t.Metric)
		if !ok {
			continue
		}
		if t.Unit == "" {
			t.Unit = string(def.Unit)
		}
		if t.Direction == "" {
			t.Direction = AtLeast
			if def.LowerIsBetter {
				t.Direction = AtMost
			}
		}
	}
	if c.ProductIDs == nil {
		c.ProductIDs = []int64{}
	}
	if c.PersonaIDs == nil {
		c.PersonaIDs = []int64{}
	}
	if c.Pillars == nil {
		c.Pillars = []Pillar{}
	}
	if c.KeyMessages == nil {
		c.KeyMessages = []string{}
	}
	if c.Hashtags == nil {
		c.Hashtags = []string{}
	}
	if c.Phases == nil {
		c.Phases = []Phase{}
	}
	if c.Targets == nil {
		c.Targets = []Target{}
	}
	if c.Mix == nil {
		c.Mix = []MixEntry{}
	}
	if c.BudgetLines == nil {
		c.BudgetLines = []BudgetLine{}
	}
	if c.Hours == nil {
		c.Hours = []HoursLine{}
	}
}

// sortPhases orders the phases by start date (then id), the order they are
// saved and shown in.
func (c *Campaign) sortPhases() {
	slices.SortStableFunc(c.Phases, func(a, b Phase) int {
		if x := cmp.Compare(a.Start, b.Start); x != 0 {
			return x
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// Validate reports every rule of the plan that c breaks and that c alone
// can tell: closed sets, dates, phases inside the campaign and apart, KPI
// targets against METRICS.md, shares summing to 100 and budget lines within
// the budget. Whether platforms, products, personas, members and resources
// exist is for the Service, which knows them. Field names are JSON paths
// ("phases[1].start"). Returns apperr.Invalid with the fields, or nil.
func (c *Campaign) Validate() error {
	var fs apperr.Fields
	fs.Text("name", c.Name, maxShort, true)
	if c.Slug != "" && !slugRE.MatchString(c.Slug) {
		fs.Add("slug", "error.slug")
	}
	fs.OneOf("objective", c.Objective, Objectives)
	fs.OneOf("status", c.Status, Statuses)
	start, end, datesOK := c.validateDates(&fs)
	if c.OwnerID < 0 {
		fs.Add("owner_id", "error.negative")
	}
	ids(&fs, "product_ids", c.ProductIDs)
	ids(&fs, "persona_ids", c.PersonaIDs)
	list(&fs, "key_messages", c.KeyMessages, maxLong)
	list(&fs, "hashtags", c.Hashtags, maxShort)
	c.validatePillars(&fs)
	budgetOK := amount(&fs, "budget", c.Budget)
	for _, n := range []struct {
		field string
		n     int
	}{{"phases", len(c.Phases)}, {"targets", len(c.Targets)}, {"mix", len(c.Mix)}, {"budget_lines", len(c.BudgetLines)}, {"hours", len(c.Hours)}} {
		if n.n > maxChildren {
			fs.Add(n.field, "error.too_many", "Max", maxChildren)
		}
	}
	c.validatePhases(&fs, start, end, datesOK)
	c.validateTargets(&fs)
	c.validateMix(&fs)
	c.validateBudgetLines(&fs, budgetOK)
	c.validateHours(&fs)
	return fs.Err()
}

func (c *Campaign) validateDates(fs *apperr.Fields) (start, end time.Time, ok bool) {
	start, okS := date(fs, "start", c.Start)
	end, okE := date(fs, "end", c.End)
	switch {
	case okS && okE && end.Before(start):
		fs.Add("end", "error.campaign.end_before_start")
		return start, end, false
	case okS && okE && Days(c.Start, c.End) > MaxDays:
		fs.Add("end", "error.campaign.too_many_days", "Max", MaxDays, "Days", Days(c.Start, c.End))
		return start, end, false
	}
	return start, end, okS && okE
}

func (c *Campaign) validatePillars(fs *apperr.Fields) {
	if len(c.Pillars) > maxList {
		fs.Add("pillars", "error.too_many", "Max", maxList)
	}
	var sum float64
	seen := map[string]bool{}
	for i, p := range c.Pillars {
		at := fmt.Sprintf("pillars[%d].", i)
		fs.Text(at+"name", p.Name, maxShort, true)
		if seen[p.Name] && p.Name != "" {
			fs.Add(at+"name", "error.duplicate", "Value", p.Name)
		}
		seen[p.Name] = true
		share(fs, at+"share", p.Share)
		sum += p.Share
	}
	if len(c.Pillars) > 0 && !brand.Sums100(sum) {
		fs.Add("pillars", "error.campaign.pillar_sum", "Sum", round2(sum))
	}
}

func (c *Campaign) validatePhases(fs *apperr.Fields, start, end time.Time, datesOK bool) {
	type span struct {
		i          int
		start, end time.Time
	}
	var spans []span
	seen := map[int64]bool{}
	for i, p := range c.Phases {
		at := fmt.Sprintf("phases[%d].", i)
		childID(fs, at+"id", p.ID, seen)
		fs.Text(at+"name", p.Name, maxShort, true)
		fs.OneOf(at+"objective", p.Objective, Objectives)
		ps, okS := date(fs, at+"start", p.Start)
		pe, okE := date(fs, at+"end", p.End)
		if !okS || !okE {
			continue
		}
		if pe.Before(ps) {
			fs.Add(at+"end", "error.campaign.end_before_start")
			continue
		}
		if datesOK {
			if ps.Before(start) || ps.After(end) {
				fs.Add(at+"start", "error.campaign.phase_outside", "Start", string(c.Start), "End", string(c.End))
			}
			if pe.After(end) || pe.Before(start) {
				fs.Add(at+"end", "error.campaign.phase_outside", "Start", string(c.Start), "End", string(c.End))
			}
		}
		spans = append(spans, span{i, ps, pe})
	}
	// The error names both phases: a form for one phase shows the errors
	// of every phase, and "overlaps X" read there could name the phase
	// being edited. last is the phase reaching furthest so far, so that a
	// long phase is found overlapping each one it covers.
	slices.SortStableFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	var last span
	for k, cur := range spans {
		if k > 0 && !cur.start.After(last.end) {
			fs.Add(fmt.Sprintf("phases[%d].start", cur.i), "error.campaign.phase_overlap", "Phase", c.Phases[cur.i].Name, "Other", c.Phases[last.i].Name)
		}
		if k == 0 || cur.end.After(last.end) {
			last = cur
		}
	}
}

// targetScope is where a target applies: the whole campaign or one phase,
// all platforms or one.
type targetScope struct {
	phase    int64
	platform string
	metric   string
}

func (c *Campaign) validateTargets(fs *apperr.Fields) {
	phases := c.phaseIDs()
	seenID := map[int64]bool{}
	seen := map[targetScope]int{}
	for i, t := range c.Targets {
		at := fmt.Sprintf("targets[%d].", i)
		childID(fs, at+"id", t.ID, seenID)
		if t.PhaseID != 0 && !phases[t.PhaseID] {
			fs.Add(at+"phase_id", "error.campaign.unknown_phase", "Value", t.PhaseID)
		}
		if len(t.Platform) > maxShort {
			fs.Add(at+"platform", "error.too_long", "Max", maxShort)
		}
		def, ok := metric.Lookup(t.Metric)
		if !ok {
			if t.Metric == "" {
				fs.Add(at+"metric", "error.required")
			} else {
				fs.Add(at+"metric", "error.campaign.unknown_metric", "Value", t.Metric)
			}
			continue
		}
		scope := targetScope{t.PhaseID, t.Platform, t.Metric}
		if _, dup := seen[scope]; dup {
			// The first of the scope stays the one the others are
			// checked against.
			fs.Add(at+"metric", "error.campaign.target_duplicate", "MetricLabel", "metric."+t.Metric, "ScopeLabel", scopeLabel(t))
		} else {
			seen[scope] = i
		}
		if t.Unit != string(def.Unit) {
			fs.Add(at+"unit", "error.campaign.target_unit", "Value", t.Unit, "Want", string(def.Unit))
		}
		if t.Direction != AtLeast && t.Direction != AtMost {
			fs.Add(at+"direction", "error.one_of", "Value", t.Direction, "Allowed", AtLeast+", "+AtMost)
		}
		targetValue(fs, at+"value", def.Unit, t.Value)
		if t.Baseline != nil {
			targetValue(fs, at+"baseline", def.Unit, *t.Baseline)
		}
	}
	// A part's target cannot exceed the whole's on additive figures: a
	// phase's against the campaign's (same platform scope), a platform's
	// against all platforms' (same phase).
	for i, t := range c.Targets {
		def, ok := metric.Lookup(t.Metric)
		if !ok || !def.Additive {
			continue
		}
		var parents []targetScope
		if t.PhaseID != 0 {
			parents = append(parents, targetScope{0, t.Platform, t.Metric})
		}
		if t.Platform != "" {
			parents = append(parents, targetScope{t.PhaseID, "", t.Metric})
		}
		for _, ps := range parents {
			j, ok := seen[ps]
			if !ok || j == i {
				continue
			}
			if parent := c.Targets[j]; t.Value > parent.Value {
				fs.Add(fmt.Sprintf("targets[%d].value", i), "error.campaign.target_above_parent", "Value", t.Value, "Parent", parent.Value)
				break
			}
		}
	}
}

// scopeLabel is the message key naming a target's scope, as a duplicate
// target's error tells it: the whole campaign, a phase on all platforms,
// one platform over the whole campaign, or one platform in a phase.
func scopeLabel(t Target) string {
	switch {
	case t.PhaseID == 0 && t.Platform == "":
		return "campaign.target_scope.campaign"
	case t.Platform == "":
		return "campaign.target_scope.phase"
	case t.PhaseID == 0:
		return "campaign.target_scope.platform"
	}
	return "campaign.target_scope.phase_platform"
}

// targetValue checks a target or baseline against its unit's range.
func targetValue(fs *apperr.Fields, field string, u metric.Unit, v float64) {
	if notFinite(fs, field, v) {
		return
	}
	switch u {
	case metric.Rate:
		if v < 0 || v > 1 {
			fs.Add(field, "error.campaign.rate_range")
		}
	case metric.Signed:
		if v < -1 || v > 1 {
			fs.Add(field, "error.campaign.signed_range")
		}
	default:
		amount(fs, field, v)
	}
}

func (c *Campaign) validateMix(fs *apperr.Fields) {
	var budget, hours float64
	var anyBudget, anyHours bool
	seen := map[string]bool{}
	for i, m := range c.Mix {
		at := fmt.Sprintf("mix[%d].", i)
		switch {
		case strings.TrimSpace(m.Platform) == "":
			fs.Add(at+"platform", "error.required")
		case seen[m.Platform]:
			fs.Add(at+"platform", "error.duplicate", "Value", m.Platform)
		}
		seen[m.Platform] = true
		fs.Text(at+"role", m.Role, maxShort, false)
		share(fs, at+"budget_share", m.BudgetShare)
		share(fs, at+"hours_share", m.HoursShare)
		amount(fs, at+"posts_per_week", m.PostsPerWeek)
		budget += m.BudgetShare
		hours += m.HoursShare
		anyBudget = anyBudget || m.BudgetShare != 0
		anyHours = anyHours || m.HoursShare != 0
	}
	if anyBudget && !brand.Sums100(budget) {
		fs.Add("mix", "error.campaign.mix_budget_sum", "Sum", round2(budget))
	}
	if anyHours && !brand.Sums100(hours) {
		fs.Add("mix", "error.campaign.mix_hours_sum", "Sum", round2(hours))
	}
}

// validateBudgetLines checks the lines and, when the budget itself is
// valid (budgetOK), that they plan no more than it: over a budget of -5
// that error would only repeat the budget's own.
func (c *Campaign) validateBudgetLines(fs *apperr.Fields, budgetOK bool) {
	phases := c.phaseIDs()
	seenID := map[int64]bool{}
	var planned float64
	for i, l := range c.BudgetLines {
		at := fmt.Sprintf("budget_lines[%d].", i)
		childID(fs, at+"id", l.ID, seenID)
		fs.OneOf(at+"kind", l.Kind, BudgetKinds)
		fs.Text(at+"description", l.Description, maxShort, false)
		if len(l.Platform) > maxShort {
			fs.Add(at+"platform", "error.too_long", "Max", maxShort)
		}
		if l.PhaseID != 0 && !phases[l.PhaseID] {
			fs.Add(at+"phase_id", "error.campaign.unknown_phase", "Value", l.PhaseID)
		}
		if l.ResourceID < 0 {
			fs.Add(at+"resource_id", "error.negative")
		}
		for _, a := range []struct {
			field string
			v     float64
		}{{"planned", l.Planned}, {"committed", l.Committed}, {"spent", l.Spent}} {
			amount(fs, at+a.field, a.v)
		}
		planned += l.Planned
	}
	if budgetOK && planned > c.Budget+0.005 {
		fs.Add("budget_lines", "error.campaign.planned_over_budget", "Planned", round2(planned), "Budget", round2(c.Budget))
	}
}

func (c *Campaign) validateHours(fs *apperr.Fields) {
	seen := map[int64]bool{}
	for i, h := range c.Hours {
		at := fmt.Sprintf("hours[%d].", i)
		switch {
		case h.MemberID <= 0:
			fs.Add(at+"member_id", "error.required")
		case seen[h.MemberID]:
			fs.Add(at+"member_id", "error.duplicate", "Value", h.MemberID)
		}
		seen[h.MemberID] = true
		if !notFinite(fs, at+"hours_per_week", h.HoursPerWeek) && (h.HoursPerWeek < 0 || h.HoursPerWeek > 168) {
			fs.Add(at+"hours_per_week", "error.range", "Min", 0, "Max", 168)
		}
	}
}

func (c *Campaign) phaseIDs() map[int64]bool {
	m := make(map[int64]bool, len(c.Phases))
	for _, p := range c.Phases {
		m[p.ID] = true
	}
	return m
}

// Phase returns the phase with id, and false when there is none.
func (c *Campaign) Phase(id int64) (Phase, bool) {
	i := slices.IndexFunc(c.Phases, func(p Phase) bool { return p.ID == id })
	if i < 0 {
		return Phase{}, false
	}
	return c.Phases[i], true
}

// Validate reports what is wrong with the phase on its own (name,
// objective, dates); where it lies in the campaign is the campaign's
// Validate. Returns apperr.Invalid with the fields, or nil.
func (p *Phase) Validate() error {
	var fs apperr.Fields
	fs.Text("name", p.Name, maxShort, true)
	if p.Objective != "" {
		fs.OneOf("objective", p.Objective, Objectives)
	}
	s, okS := date(&fs, "start", p.Start)
	e, okE := date(&fs, "end", p.End)
	if okS && okE && e.Before(s) {
		fs.Add("end", "error.campaign.end_before_start")
	}
	return fs.Err()
}

func childID(fs *apperr.Fields, field string, id int64, seen map[int64]bool) {
	switch {
	case id < 0:
		fs.Add(field, "error.negative")
	case id > 0 && seen[id]:
		fs.Add(field, "error.duplicate", "Value", id)
	}
	seen[id] = true
}

// The days a plan may name, and the most one campaign may span: a plan
// is drawn day by day (its timeline, its measured days), so a campaign
// from year 1 to 9999 made every view of it megabytes long.
const (
	FirstDate Date = "2000-01-01"
	LastDate  Date = "2099-12-31"
	MaxDays        = 5*365 + 1
)

func date(fs *apperr.Fields, field string, d Date) (time.Time, bool) {
	if d == "" {
		fs.Add(field, "error.required")
		return time.Time{}, false
	}
	t, ok := d.Time()
	switch {
	case !ok:
		fs.Add(field, "error.campaign.date", "Value", string(d))
	case d < FirstDate || d > LastDate:
		fs.Add(field, "error.campaign.date_range", "Value", string(d), "Min", string(FirstDate), "Max", string(LastDate))
		ok = false
	}
	return t, ok
}

func ids(fs *apperr.Fields, field string, vs []int64) {
	if len(vs) > maxList {
		fs.Add(field, "error.too_many", "Max", maxList)
		return
	}
	seen := map[int64]bool{}
	for i, v := range vs {
		at := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case v <= 0:
			fs.Add(at, "error.required")
		case seen[v]:
			fs.Add(at, "error.duplicate", "Value", v)
		}
		seen[v] = true
	}
}

// share checks one percentage.
func share(fs *apperr.Fields, field string, v float64) {
	if !notFinite(fs, field, v) && (v < 0 || v > 100) {
		fs.Add(field, "error.range", "Min", 0, "Max", 100)
	}
}

// notFinite reports a NaN or infinite number, which JSON cannot carry, and
// returns true when it did. Each caller bounds the number by its own
// range, so that the message gives the range the field really has.
func notFinite(fs *apperr.Fields, field string, v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		fs.Add(field, "error.not_finite")
		return true
	}
	return false
}

// amount checks a number that cannot be negative (a budget, a spend, a
// count, a target) against 0 … MaxNumber, and returns true when it is
// within.
func amount(fs *apperr.Fields, field string, v float64) bool {
	switch {
	case notFinite(fs, field, v):
	case v < 0:
		fs.Add(field, "error.negative")
	case v > MaxNumber:
		fs.Add(field, "error.range", "Min", 0, "Max", float64(MaxNumber))
	default:
		return true
	}
	return false
}

// MaxNumber bounds the size of every amount, count and target of a
// campaign, as brand.MaxAmount bounds step 1's: sums of a few such numbers
// stay finite, and no budget is larger.
const MaxNumber = brand.MaxAmount

func list(fs *apperr.Fields, field string, vs []string, maxItem int) {
	if len(vs) > maxList {
		fs.Add(field, "error.too_many", "Max", maxList)
		return
	}
	for i, v := range vs {
		fs.Text(fmt.Sprintf("%s[%d]", field, i), v, maxItem, true)
	}
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
