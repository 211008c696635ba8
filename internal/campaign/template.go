package campaign

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/metric"
)

// TemplateRequest is what a team gives to start a campaign from the
// template of its objective.
type TemplateRequest struct {
	Objective  string  `json:"objective"`
	Name       string  `json:"name"`
	Start      Date    `json:"start"`
	End        Date    `json:"end"`
	PersonaIDs []int64 `json:"persona_ids"`
	Budget     float64 `json:"budget"`
	// PhaseName names a template phase by its key ("warmup") in the
	// team's language; nil keeps the Chinese names.
	PhaseName func(key string) string `json:"-"`
}

// phaseTemplate is one phase of a template: its share of the campaign's
// days and its own objective.
type phaseTemplate struct {
	Key, Name string // Name is the Chinese one
	Objective string
	Fraction  float64
}

// kpiTemplate is one starter target; value computes it from the budget
// basis, the campaign's weeks and the mix's posts a week.
type kpiTemplate struct {
	Metric string
	value  func(budget, weeks, postsPerWeek float64) float64
}

// templatePhases are the stages each objective usually runs through; the
// fractions of one objective sum to 1.
var templatePhases = map[string][]phaseTemplate{
	"sales": {
		{"warmup", "预热", "voice", 0.15}, {"launch", "引爆", "sales", 0.25}, {"sustain", "持续", "sales", 0.45}, {"wrapup", "收尾", "service", 0.15},
	},
	"voice": {
		{"warmup", "预热", "voice", 0.20}, {"launch", "引爆", "voice", 0.30}, {"spread", "发酵", "voice", 0.35}, {"longtail", "长尾", "growth", 0.15},
	},
	"pr": {
		{"prepare", "筹备", "pr", 0.20}, {"announce", "发布", "pr", 0.20}, {"respond", "回应", "service", 0.40}, {"review", "复盘", "pr", 0.20},
	},
	"growth": {
		{"coldstart", "冷启动", "growth", 0.20}, {"acquire", "拉新", "growth", 0.45}, {"activate", "促活", "voice", 0.25}, {"retain", "沉淀", "growth", 0.10},
	},
	"service": {
		{"ready", "准备", "service", 0.15}, {"peak", "高峰", "service", 0.50}, {"sustain", "持续", "service", 0.25}, {"review", "复盘", "pr", 0.10},
	},
}

// starterBudget is the budget basis of starter targets when a template is
// asked for without a budget.
const starterBudget = 10000

func perBudget(div float64) func(b, w, p float64) float64 {
	return func(b, _, _ float64) float64 { return b / div }
}

func fixed(v float64) func(b, w, p float64) float64 {
	return func(_, _, _ float64) float64 { return v }
}

// templateKPIs are the starter targets of each objective, from rough
// Chinese-market rates (about ¥2 an effective click, ¥40 a lead); the
// first additive one is split over the phases too.
var templateKPIs = map[string][]kpiTemplate{
	"sales": {
		{"effective_clicks", perBudget(2)}, {"leads", perBudget(40)}, {"purchases", perBudget(100)},
		{"revenue", func(b, _, _ float64) float64 { return b * 3 }}, {"roas", fixed(3)},
	},
	"voice": {
		{"impressions", func(b, _, _ float64) float64 { return b * 40 }}, {"mentions", perBudget(25)},
		{"interactions", perBudget(5)}, {"share_of_voice", fixed(0.15)}, {"positive_ratio", fixed(0.6)},
	},
	"pr": {
		{"net_sentiment", fixed(0.3)}, {"mentions", perBudget(50)}, {"first_response_time", fixed(60)}, {"positive_ratio", fixed(0.5)},
	},
	"growth": {
		{"follower_growth", perBudget(4)}, {"engagement_rate", fixed(0.03)},
		{"posts_published", func(_, w, p float64) float64 { return w * p }},
	},
	"service": {
		{"first_response_time", fixed(30)}, {"inquiries", perBudget(30)},
	},
}

// templateRoles name a platform's role in the mix by the objective it is
// best at.
var templateRoles = map[string]string{
	"sales": "种草转化", "voice": "声量曝光", "pr": "口碑与舆情", "growth": "涨粉", "service": "客服答疑",
}

// mixSize is how many platforms a template's mix takes.
const mixSize = 4

// FromTemplate creates a draft campaign from the template of
// req.Objective: phases (named by req.PhaseName, each with its own
// objective) split the dates by the template's fractions; starter KPI
// targets for the objective are scaled to the budget (to ¥10,000 when none
// is given), the first additive one also per phase; the mix takes the four
// platforms with the best mean fit over the personas, with budget and
// hours shares proportional to fit and rounded to sum to exactly 100.
// Everything stays editable. Returns apperr.Invalid with fields for a
// wrong objective, dates, budget, name or persona.
func (s *Service) FromTemplate(ctx context.Context, workspaceID int64, req TemplateRequest) (Campaign, error) {
	var fs apperr.Fields
	fs.OneOf("objective", req.Objective, Objectives)
	c := Campaign{Name: req.Name, Objective: req.Objective, Start: req.Start, End: req.End, Status: "draft",
		PersonaIDs: slices.Clone(req.PersonaIDs), Budget: req.Budget}
	_, _, datesOK := c.validateDates(&fs)
	fs.Text("name", req.Name, maxShort, true)
	amount(&fs, "budget", req.Budget)
	if err := fs.Err(); err != nil || !datesOK {
		return Campaign{}, err
	}

	fit, err := s.meanFit(ctx, workspaceID, req.PersonaIDs, req.Objective)
	if err != nil {
		return Campaign{}, err
	}
	c.Mix = s.templateMix(fit)
	c.Phases = templateSchedule(req.Start, req.End, templatePhases[req.Objective], req.PhaseName)

	days := float64(Days(req.Start, req.End))
	weeks := days / 7
	var posts float64
	for _, m := range c.Mix {
		posts += m.PostsPerWeek
	}
	basis := req.Budget
	if basis <= 0 {
		basis = starterBudget
	}
	split := false
	for _, k := range templateKPIs[req.Objective] {
		def, _ := metric.Lookup(k.Metric)
		v := starterValue(def, k.value(basis, weeks, posts))
		t := Target{Metric: k.Metric, Value: v}
		c.Targets = append(c.Targets, t)
		if split || !def.Additive || days == 0 {
			continue
		}
		split = true
		for i, part := range splitByDays(v, c.Phases) {
			c.Targets = append(c.Targets, Target{PhaseID: c.Phases[i].ID, Metric: k.Metric, Value: part})
		}
	}
	return s.Create(ctx, workspaceID, c)
}

// templateMix takes the best platforms by fit, with shares proportional to
// fit.
func (s *Service) templateMix(fit map[string]float64) []MixEntry {
	keys := s.catalog.Keys()
	order := make(map[string]int, len(keys))
	for i, k := range keys {
		order[k] = i
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		if c := cmp.Compare(fit[b], fit[a]); c != 0 {
			return c
		}
		return cmp.Compare(order[a], order[b])
	})
	keys = keys[:min(mixSize, len(keys))]
	weights := make([]float64, len(keys))
	for i, k := range keys {
		weights[i] = fit[k]
	}
	shares := Apportion(weights, 100)
	mix := make([]MixEntry, len(keys))
	for i, k := range keys {
		role := ""
		if p, err := s.catalog.Platform(k); err == nil {
			best := -1.0
			for _, o := range Objectives {
				if g, _ := p.GoodFor.For(o); g > best {
					best, role = g, templateRoles[o]
				}
			}
		}
		mix[i] = MixEntry{Platform: k, Role: role, BudgetShare: float64(shares[i]), HoursShare: float64(shares[i]),
			PostsPerWeek: math.Max(1, math.Min(7, math.Round(fit[k]/15)))}
	}
	return mix
}

// Apportion splits total whole units in proportion to weights with the
// largest-remainder method, so the parts sum to total exactly. Zero or
// negative weights everywhere split total equally.
func Apportion(weights []float64, total int) []int {
	out := make([]int, len(weights))
	if len(weights) == 0 {
		return out
	}
	var sum float64
	for _, w := range weights {
		sum += math.Max(0, w)
	}
	exact := make([]float64, len(weights))
	for i, w := range weights {
		if sum > 0 {
			exact[i] = math.Max(0, w) / sum * float64(total)
		} else {
			exact[i] = float64(total) / float64(len(weights))
		}
	}
	given := 0
	for i, e := range exact {
		out[i] = int(math.Floor(e))
		given += out[i]
	}
	idx := make([]int, len(weights))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(exact[b]-math.Floor(exact[b]), exact[a]-math.Floor(exact[a]))
	})
	for k := 0; given < total; k = (k + 1) % len(idx) {
		out[idx[k]]++
		given++
	}
	return out
}

// splitByDays splits a campaign's target v over its phases in proportion
// to their days by the largest remainder, so that the phases' targets add
// up to exactly v (rounding each down lost units: 25,000 clicks came to
// 24,998). It splits in whole units, or in hundredths for the fractional
// target of a tiny budget (2.5).
func splitByDays(v float64, phases []Phase) []float64 {
	scale := 1.0
	if v != math.Trunc(v) {
		scale = 100
	}
	days := make([]float64, len(phases))
	for i, p := range phases {
		days[i] = float64(Days(p.Start, p.End))
	}
	out := make([]float64, len(phases))
	for i, n := range Apportion(days, int(math.Round(v*scale))) {
		out[i] = float64(n) / scale
	}
	return out
}

// templateSchedule cuts the campaign's days into phases by fraction; a
// phase that would get no day is left out, so a short campaign gets fewer
// phases. Ids run 1, 2, … in order.
func templateSchedule(start, end Date, tpl []phaseTemplate, name func(key string) string) []Phase {
	days := Days(start, end)
	var phases []Phase
	var cum float64
	from := 0
	for k, t := range tpl {
		cum += t.Fraction
		to := int(math.Round(cum * float64(days)))
		if k == len(tpl)-1 {
			to = days
		}
		if to <= from {
			continue
		}
		n := t.Name
		if name != nil {
			n = name(t.Key)
		}
		phases = append(phases, Phase{ID: int64(len(phases) + 1), Name: n, Objective: t.Objective,
			Start: start.AddDays(from), End: start.AddDays(to - 1)})
		from = to
	}
	return phases
}

// starterValue rounds a starter target so it reads like one a person
// would set: counts and money to two significant figures (at least 1),
// rates and ratios to two decimals, durations to whole minutes.
func starterValue(def metric.Def, v float64) float64 {
	switch def.Unit {
	case metric.Count, metric.Money:
		if v < 1 {
			return 1
		}
		mag := math.Pow(10, math.Floor(math.Log10(v))-1)
		return math.Round(v/mag) * mag
	case metric.Duration:
		return math.Round(v)
	}
	return round2(v)
}
