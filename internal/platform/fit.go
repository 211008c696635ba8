package platform

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

// The components of a fit score, in the order a Fit lists them.
const (
	ComponentAudience    = "audience"    // persona vs platform audience
	ComponentUsage       = "usage"       // the persona's own stated platform use
	ComponentObjective   = "objective"   // the platform's good_for score for the objective
	ComponentCapability  = "capability"  // what the API lets Chorus do for the objective
	ComponentPerformance = "performance" // the workspace's own measured results
)

// Base weights of the components. A fit score is the weighted mean of the
// components that have a value, so a missing one (no persona age bands, no
// measured performance yet) drops out and the others keep their ratios. The
// four components available today sum to 1; when performance is measured it
// joins with its own weight without any other weight changing.
const (
	WeightAudience    = 0.35
	WeightUsage       = 0.25
	WeightObjective   = 0.25
	WeightCapability  = 0.15
	WeightPerformance = 0.35
)

// ReachFull is the share of a platform's users (percent) that must live in
// the persona's city tiers for the platform to reach the persona fully.
// Geography is not one preference among others: a platform whose users
// are almost all elsewhere cannot reach the persona however well the rest
// fits, so below ReachFull the whole score shrinks in proportion
// (Instagram, with 2 % of its users in China's first-tier and new
// first-tier cities, keeps a fifth of its score for a Shanghai office
// worker). Platforms that publish no city split are not cut.
const ReachFull = 10.0

// Weights of the audience dimensions inside the audience component.
const (
	weightAge    = 0.40
	weightGender = 0.25
	weightCity   = 0.35
)

// Fit is one platform's score for a persona and an objective, with the
// parts it is made of, so that a strategist can see why and disagree.
type Fit struct {
	Platform string  `json:"platform"`
	Score    float64 `json:"score"` // 0–100, one decimal
	// Reach is the factor the weighted mean of the components was
	// multiplied by: 1 unless too few of the platform's users live in the
	// persona's city tiers (ReachFull).
	Reach      float64     `json:"reach"`
	Components []Component `json:"components"`
	Reasons    []Reason    `json:"reasons"`
}

// Component is one part of a fit score. Score is nil when the part has no
// value (not measured, or nothing in the persona to compare); it then does
// not count. Weight is the base weight; Effective is the share it really had
// in this score (its weight over the sum of the counted weights).
type Component struct {
	Name      string   `json:"name"`
	Score     *float64 `json:"score"`
	Weight    float64  `json:"weight"`
	Effective float64  `json:"effective_weight"`
}

// Reason is a localizable explanation: an i18n message key and the
// arguments of its template, translated at the edge like apperr messages.
type Reason struct {
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
}

// capabilityNeed is how much an objective relies on one API feature.
type capabilityNeed struct {
	feature string // publish, metrics, comments, listening, links
	weight  float64
}

// capabilityNeeds says what each objective needs from a platform's API; the
// weights of one objective sum to 1. Sales needs tracked links, publishing
// and figures; service needs comments above all.
var capabilityNeeds = map[string][]capabilityNeed{
	ObjectiveSales:   {{"links", 0.4}, {"publish", 0.3}, {"metrics", 0.3}},
	ObjectiveVoice:   {{"publish", 0.5}, {"metrics", 0.3}, {"listening", 0.2}},
	ObjectivePR:      {{"listening", 0.4}, {"comments", 0.3}, {"publish", 0.3}},
	ObjectiveGrowth:  {{"publish", 0.4}, {"metrics", 0.4}, {"comments", 0.2}},
	ObjectiveService: {{"comments", 0.7}, {"listening", 0.2}, {"publish", 0.1}},
}

// capabilityValue and linkValue turn levels into 0–1: an enterprise-only API
// is reachable for many brands, a paid one costs money every month, none
// means manual work.
var (
	capabilityValue = map[Capability]float64{CapOpen: 1, CapEnterprise: 0.6, CapPaid: 0.5, CapNone: 0}
	linkValue       = map[LinkSupport]float64{LinksInline: 1, LinksLimited: 0.4, LinksNone: 0}
)

// Rank scores every platform for a persona and an objective and returns
// them by score, highest first, then by key. performance maps platform keys
// to the workspace's measured results on a 0–100 scale; nil (today) leaves
// that component empty.
//
// Each component is 0–100:
//
//   - audience: the weighted mean (age 0.40, gender 0.25, city 0.35) of the
//     dimensions the persona fills in. Age and city: the share of the
//     platform's users inside the persona's bands or tiers, Σ platform[b] for
//     b in the persona's set. Gender: the overlap of the two splits,
//     Σ min(persona_g, platform_g) over female and male, each normalized to
//     female+male = 100 (the persona's "other" is left out as platforms do
//     not report it); 100 for identical splits, the platform's female share
//     for an all-female persona.
//   - usage: 100 × the persona's share on the platform ÷ the persona's
//     largest share, so the persona's main platform scores 100 and an
//     unlisted one 0; empty when the persona lists no platform.
//   - objective: 100 × good_for[objective].
//   - capability: 100 × Σ need × level over the features the objective
//     needs (capabilityNeeds), with open 1, enterprise 0.6, paid 0.5, none 0
//     and links inline 1, limited 0.4, none 0.
//   - performance: the measured value, when there is one.
//
// score = reach × Σ weight × component / Σ weight, over the components
// with a value, where reach = min(1, the platform's share of users in the
// persona's city tiers ÷ ReachFull) when both give a city split, else 1.
//
// Returns apperr.Invalid with field "objective" for an unknown objective,
// and "persona.age_bands", "persona.city_tiers", "persona.gender" or
// "persona.platforms" for values outside their closed sets or ranges.
// Persona platform keys unknown to the catalog are ignored, so an old
// persona survives a platform leaving the catalog.
func Rank(platforms []Platform, persona brand.Persona, objective string, performance map[string]float64) ([]Fit, error) {
	if err := checkObjective(objective); err != nil {
		return nil, err
	}
	if err := checkPersona(persona); err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(platforms))
	for _, p := range platforms {
		known[p.Key] = true
	}
	usage, maxUsage := map[string]float64{}, 0.0
	for _, s := range persona.Platforms {
		if known[s.Platform] && s.Share > 0 {
			usage[s.Platform] += s.Share
			maxUsage = max(maxUsage, usage[s.Platform])
		}
	}
	ages := dedupe(persona.AgeBands)
	tiers := dedupe(persona.CityTiers)

	out := make([]Fit, 0, len(platforms))
	for _, p := range platforms {
		var reasons []Reason
		audience, rs := audienceScore(p.Audience, ages, tiers, persona.Gender)
		reasons = append(reasons, rs...)

		var use *float64
		switch {
		case maxUsage == 0:
			reasons = append(reasons, Reason{Key: "fit.reason.usage_unknown"})
		case usage[p.Key] > 0:
			use = ptr(100 * usage[p.Key] / maxUsage)
			reasons = append(reasons, Reason{Key: "fit.reason.usage", Args: map[string]any{"Share": round1(usage[p.Key])}})
		default:
			use = ptr(0)
			reasons = append(reasons, Reason{Key: "fit.reason.usage_none"})
		}

		good, _ := p.GoodFor.For(objective)
		reasons = append(reasons, Reason{Key: "fit.reason.objective", Args: map[string]any{"Objective": objective, "Score": good}})

		capability, rs := capabilityScore(p, objective)
		reasons = append(reasons, rs...)

		var perf *float64
		if v, ok := performance[p.Key]; ok && !math.IsNaN(v) {
			perf = ptr(math.Max(0, math.Min(100, v)))
			reasons = append(reasons, Reason{Key: "fit.reason.performance", Args: map[string]any{"Score": round1(*perf)}})
		} else {
			reasons = append(reasons, Reason{Key: "fit.reason.performance_unmeasured"})
		}

		components := []Component{
			{Name: ComponentAudience, Score: audience, Weight: WeightAudience},
			{Name: ComponentUsage, Score: use, Weight: WeightUsage},
			{Name: ComponentObjective, Score: ptr(100 * good), Weight: WeightObjective},
			{Name: ComponentCapability, Score: ptr(capability), Weight: WeightCapability},
			{Name: ComponentPerformance, Score: perf, Weight: WeightPerformance},
		}
		reach := 1.0
		if share := inShare(p.Audience.CityTiers, tiers); len(tiers) > 0 && len(p.Audience.CityTiers) > 0 && share < ReachFull {
			reach = share / ReachFull
			reasons = append(reasons, Reason{Key: shareKey("fit.reason.reach", share), Args: map[string]any{"Share": round1(share), "Reach": round1(100 * reach)}})
		}
		out = append(out, Fit{Platform: p.Key, Score: round1(combine(components) * reach), Reach: reach, Components: components, Reasons: reasons})
	}
	slices.SortFunc(out, func(a, b Fit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Platform, b.Platform)
	})
	return out, nil
}

// combine computes the weighted mean of the counted components, fills in
// their effective weights and rounds the scores for display. Sorting uses
// the rounded total, so the order always agrees with what is shown.
func combine(cs []Component) float64 {
	var sum, weights float64
	for _, c := range cs {
		if c.Score != nil {
			sum += c.Weight * *c.Score
			weights += c.Weight
		}
	}
	for i := range cs {
		if cs[i].Score != nil {
			cs[i].Effective = math.Round(cs[i].Weight/weights*1000) / 1000
			*cs[i].Score = round1(*cs[i].Score)
		}
	}
	return round1(sum / weights)
}

func audienceScore(a Audience, ages, tiers []string, g brand.GenderSplit) (*float64, []Reason) {
	var sum, weights float64
	var reasons []Reason
	if len(ages) > 0 {
		share := inShare(a.Age, ages)
		sum, weights = sum+weightAge*share, weights+weightAge
		reasons = append(reasons, Reason{Key: shareKey("fit.reason.audience_age", share), Args: map[string]any{"Share": round1(share), "Bands": strings.Join(ages, ", ")}})
	}
	if pf, pm := g.Female, g.Male; pf+pm > 0 {
		qf, qm := a.Gender.Female, a.Gender.Male
		if qf+qm > 0 {
			pf, pm = 100*pf/(pf+pm), 100*pm/(pf+pm)
			qf, qm = 100*qf/(qf+qm), 100*qm/(qf+qm)
		}
		overlap := math.Min(pf, qf) + math.Min(pm, qm)
		sum, weights = sum+weightGender*overlap, weights+weightGender
		reasons = append(reasons, Reason{Key: "fit.reason.audience_gender", Args: map[string]any{"Overlap": round1(overlap), "Female": round1(qf)}})
	}
	if len(tiers) > 0 {
		share := inShare(a.CityTiers, tiers)
		sum, weights = sum+weightCity*share, weights+weightCity
		reasons = append(reasons, Reason{Key: shareKey("fit.reason.audience_city", share), Args: map[string]any{"Share": round1(share), "Tiers": strings.Join(tiers, ", ")}})
	}
	if weights == 0 {
		return nil, []Reason{{Key: "fit.reason.audience_unknown"}}
	}
	return ptr(sum / weights), reasons
}

// shareKey is key, or key+"_none" when share (percent) shows as 0: the
// catalog's shares are rounded estimates, so a 0 reads "almost none of its
// users", not "only 0%".
func shareKey(key string, share float64) string {
	if round1(share) == 0 {
		return key + "_none"
	}
	return key
}

// inShare is the share of the audience inside a set of keys, capped at 100
// for shares that sum a little over because of rounding.
func inShare(dist map[string]float64, keys []string) float64 {
	var s float64
	for _, k := range keys {
		s += dist[k]
	}
	return math.Min(100, s)
}

func capabilityScore(p Platform, objective string) (float64, []Reason) {
	var score float64
	var reasons []Reason
	for _, n := range capabilityNeeds[objective] {
		var v float64
		var level string
		if n.feature == "links" {
			v, level = linkValue[p.Links], string(p.Links)
		} else {
			c := p.API.capability(n.feature)
			v, level = capabilityValue[c], string(c)
		}
		score += n.weight * v
		if v < 1 {
			reasons = append(reasons, Reason{Key: "fit.reason.capability_limited", Args: map[string]any{"Feature": n.feature, "Level": level}})
		}
	}
	if len(reasons) == 0 {
		reasons = append(reasons, Reason{Key: "fit.reason.capability_full", Args: map[string]any{"Objective": objective}})
	}
	return 100 * score, reasons
}

func (a API) capability(feature string) Capability {
	switch feature {
	case "publish":
		return a.Publish
	case "metrics":
		return a.Metrics
	case "comments":
		return a.Comments
	case "listening":
		return a.Listening
	}
	return CapNone
}

func checkObjective(objective string) error {
	if slices.Contains(Objectives, objective) {
		return nil
	}
	return apperr.Field("objective", "error.one_of", "Value", objective, "Allowed", strings.Join(Objectives, ", "))
}

// checkPersona checks only what the fit score reads; brand.Persona.Validate
// judges the rest (a name, for one, which a fit does not need).
func checkPersona(p brand.Persona) error {
	var fs apperr.Fields
	for _, b := range p.AgeBands {
		if !slices.Contains(brand.AgeBands, b) {
			fs.Add("persona.age_bands", "error.one_of", "Value", b, "Allowed", strings.Join(brand.AgeBands, ", "))
			break
		}
	}
	for _, t := range p.CityTiers {
		if !slices.Contains(brand.CityTiers, t) {
			fs.Add("persona.city_tiers", "error.one_of", "Value", t, "Allowed", strings.Join(brand.CityTiers, ", "))
			break
		}
	}
	if g := p.Gender; g.Female < 0 || g.Male < 0 || g.Other < 0 {
		fs.Add("persona.gender", "error.negative")
	}
	for _, s := range p.Platforms {
		if s.Share < 0 || s.Share > 100 || math.IsNaN(s.Share) {
			fs.Add("persona.platforms", "error.range", "Min", 0, "Max", 100)
			break
		}
	}
	return fs.Err()
}

func dedupe(vs []string) []string {
	var out []string
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func ptr(f float64) *float64 { return &f }
