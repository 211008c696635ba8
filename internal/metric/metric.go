// Package metric names every figure Chorus reports, as METRICS.md defines
// them: quantity (数), quality (质) and return on investment (投资回报率).
// Code, API and reports use these keys and nothing else.
package metric

import (
	"slices"
	"time"
)

// Tier is the level a figure speaks to.
type Tier string

// The tiers.
const (
	Quantity Tier = "quantity"
	Quality  Tier = "quality"
	ROI      Tier = "roi"
)

// Unit says what kind of number a figure is, so that a target of the wrong
// unit can be refused.
type Unit string

// The units.
const (
	Count    Unit = "count"    // a whole number of things
	Rate     Unit = "rate"     // a fraction from 0 to 1
	Ratio    Unit = "ratio"    // a ratio that may exceed 1 (ROAS)
	Signed   Unit = "signed"   // a value from −1 to 1 (net sentiment)
	Money    Unit = "money"    // in the workspace currency
	Duration Unit = "duration" // in minutes
)

// Def defines one figure.
type Def struct {
	Key  string `json:"key"`
	Tier Tier   `json:"tier"`
	Unit Unit   `json:"unit"`
	// Additive figures sum over phases and platforms (posts, clicks,
	// revenue); a part's target can then not exceed the whole's.
	Additive bool `json:"additive"`
	// LowerIsBetter marks figures where less is the goal (cost per lead,
	// first response time); targets on them default to "at most".
	LowerIsBetter bool `json:"lower_is_better,omitempty"`
}

// Defs lists every figure of METRICS.md in its order.
var Defs = []Def{
	{Key: "followers", Tier: Quantity, Unit: Count},
	{Key: "follower_growth", Tier: Quantity, Unit: Count, Additive: true},
	{Key: "posts_published", Tier: Quantity, Unit: Count, Additive: true},
	{Key: "impressions", Tier: Quantity, Unit: Count, Additive: true},
	{Key: "reposts", Tier: Quantity, Unit: Count, Additive: true},
	{Key: "likes", Tier: Quantity, Unit: Count, Additive: true},
	{Key: "comments", Tier: Quantity, Unit: Count, Additive: true},
	{Key: "clicks", Tier: Quantity, Unit: Count, Additive: true},
	{Key: "mentions", Tier: Quantity, Unit: Count, Additive: true},

	{Key: "human_clicks", Tier: Quality, Unit: Count, Additive: true},
	{Key: "unique_clicks", Tier: Quality, Unit: Count, Additive: true},
	{Key: "effective_clicks", Tier: Quality, Unit: Count, Additive: true},
	{Key: "engaged_visits", Tier: Quality, Unit: Count, Additive: true},
	{Key: "effective_click_rate", Tier: Quality, Unit: Rate},
	{Key: "interactions", Tier: Quality, Unit: Count, Additive: true},
	{Key: "engagement_rate", Tier: Quality, Unit: Rate},
	{Key: "share_of_voice", Tier: Quality, Unit: Rate},
	{Key: "positive_ratio", Tier: Quality, Unit: Rate},
	{Key: "net_sentiment", Tier: Quality, Unit: Signed},
	{Key: "first_response_time", Tier: Quality, Unit: Duration, LowerIsBetter: true},

	{Key: "inquiries", Tier: ROI, Unit: Count, Additive: true},
	{Key: "leads", Tier: ROI, Unit: Count, Additive: true},
	{Key: "purchase_intent", Tier: ROI, Unit: Count, Additive: true},
	{Key: "purchases", Tier: ROI, Unit: Count, Additive: true},
	{Key: "revenue", Tier: ROI, Unit: Money, Additive: true},
	{Key: "lead_conversion_rate", Tier: ROI, Unit: Rate},
	{Key: "purchase_conversion_rate", Tier: ROI, Unit: Rate},
	{Key: "cost", Tier: ROI, Unit: Money, Additive: true, LowerIsBetter: true},
	{Key: "cost_per_lead", Tier: ROI, Unit: Money, LowerIsBetter: true},
	{Key: "roas", Tier: ROI, Unit: Ratio},
	{Key: "roi", Tier: ROI, Unit: Ratio},
}

// Lookup returns the definition of key.
func Lookup(key string) (Def, bool) {
	i := slices.IndexFunc(Defs, func(d Def) bool { return d.Key == key })
	if i < 0 {
		return Def{}, false
	}
	return Defs[i], true
}

// Keys lists every key, in the order of Defs.
func Keys() []string {
	out := make([]string, len(Defs))
	for i, d := range Defs {
		out[i] = d.Key
	}
	return out
}

// FallbackLinks is a key a measurer may answer beside the figures: how
// many links of the scope count their unique clicks as effective, since
// their page reports no landing (METRICS.md: "and the report says so").
const FallbackLinks = "effective_fallback_links"

// Scope is what a figure is measured over: the instants [From, To), on one
// platform (a catalog key) or on all (""), with conversions credited by
// the attribution model named Attribution (last_touch, first_touch or
// linear; "" is last touch).
type Scope struct {
	Platform    string
	From, To    time.Time
	Attribution string
}
