// Package brand is step 1 of the loop, "know yourself": who the brand is,
// what it sells, whom it sells to, whom it competes with and what people,
// hours and money it really has.
package brand

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
)

// Revision is the stored state an item or document was read at, so that
// a save does not silently overwrite what someone else saved meanwhile.
// Every item and document embeds it.
type Revision struct {
	// Version changes whenever the stored item changes. A save that
	// carries the version it read is refused with apperr.Conflict
	// (error.brand.changed) when someone else has saved since; a save
	// without one replaces whatever is stored.
	Version string `json:"version,omitempty"`
}

// ItemVersion returns the version the item was read at.
func (r *Revision) ItemVersion() string { return r.Version }

// SetItemVersion sets the version a save checks the stored item against.
func (r *Revision) SetItemVersion(v string) { r.Version = v }

// Limits on free text, so that a pasted document cannot bloat a profile.
const (
	maxShort = 200
	maxLong  = 4000
	maxList  = 100
)

// Profile is how the brand sees itself: one per workspace.
type Profile struct {
	Revision
	Positioning      string    `json:"positioning"`
	ValueProposition string    `json:"value_proposition"`
	Tone             Tone      `json:"tone"`
	StageGoal        string    `json:"stage_goal"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Tone is the brand's tone of voice, used by editors and later by checks on
// drafts.
type Tone struct {
	Description  string   `json:"description"`
	WordsToUse   []string `json:"words_to_use"`
	WordsToAvoid []string `json:"words_to_avoid"`
	Examples     []string `json:"examples"`
}

// Validate reports every field that is wrong.
func (p *Profile) Validate() error {
	var fs apperr.Fields
	fs.Text("positioning", p.Positioning, maxLong, false)
	fs.Text("value_proposition", p.ValueProposition, maxLong, false)
	fs.Text("tone.description", p.Tone.Description, maxLong, false)
	list(&fs, "tone.words_to_use", p.Tone.WordsToUse, maxShort)
	list(&fs, "tone.words_to_avoid", p.Tone.WordsToAvoid, maxShort)
	list(&fs, "tone.examples", p.Tone.Examples, maxLong)
	fs.Text("stage_goal", p.StageGoal, maxLong, false)
	return fs.Err()
}

// Product is something the brand sells.
type Product struct {
	Revision
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	Category      string   `json:"category"`
	PriceBand     string   `json:"price_band"`
	SellingPoints []string `json:"selling_points"`
}

// Validate reports every field that is wrong.
func (p *Product) Validate() error {
	var fs apperr.Fields
	fs.Text("name", p.Name, maxShort, true)
	fs.Text("category", p.Category, maxShort, false)
	fs.Text("price_band", p.PriceBand, maxShort, false)
	list(&fs, "selling_points", p.SellingPoints, maxLong)
	return fs.Err()
}

// Age bands, city tiers and genders are closed sets so that personas and the
// platform catalog speak the same language and can be compared.
var (
	AgeBands  = []string{"under18", "18-24", "25-34", "35-44", "45-54", "55+"}
	CityTiers = []string{"tier1", "new_tier1", "tier2", "tier3_below", "overseas"}
)

// GenderSplit is a share in percent of each gender; it sums to 100, or
// is all zero when it is not known (the fit score then leaves it out).
type GenderSplit struct {
	Female float64 `json:"female"`
	Male   float64 `json:"male"`
	Other  float64 `json:"other"`
}

// PlatformShare says how much of a persona's social time goes to a platform,
// in percent; Platform is a catalog key ("weibo").
type PlatformShare struct {
	Platform string  `json:"platform"`
	Share    float64 `json:"share"`
}

// Persona is a consumer the brand sells to.
type Persona struct {
	Revision
	ID              int64           `json:"id"`
	Name            string          `json:"name"`
	Description     string          `json:"description"`
	AgeBands        []string        `json:"age_bands"`
	Gender          GenderSplit     `json:"gender"`
	Regions         []string        `json:"regions"`
	CityTiers       []string        `json:"city_tiers"`
	Interests       []string        `json:"interests"`
	Platforms       []PlatformShare `json:"platforms"`
	PurchaseDrivers []string        `json:"purchase_drivers"`
	PainPoints      []string        `json:"pain_points"`
}

// Validate reports every field that is wrong. Platform keys are checked
// against the catalog by the service, which knows it.
// Sums100 reports whether shares people typed sum to 100 within a
// hundredth, so that thirds typed as 33.33 pass (99.99 is further from 100
// than 0.01 in floating point, so the bound carries a little slack).
func Sums100(sum float64) bool { return math.Abs(sum-100) <= 0.01+1e-9 }

func (p *Persona) Validate() error {
	var fs apperr.Fields
	fs.Text("name", p.Name, maxShort, true)
	fs.Text("description", p.Description, maxLong, false)
	oneOf(&fs, "age_bands", p.AgeBands, AgeBands)
	oneOf(&fs, "city_tiers", p.CityTiers, CityTiers)
	g := p.Gender
	switch {
	case g.Female < 0 || g.Male < 0 || g.Other < 0:
		fs.Add("gender", "error.negative")
	case g == GenderSplit{}:
		// Not known: a new persona's form starts so.
	case !Sums100(g.Female + g.Male + g.Other):
		fs.Add("gender", "error.sum_100", "Sum", round1(g.Female+g.Male+g.Other))
	}
	list(&fs, "regions", p.Regions, maxShort)
	list(&fs, "interests", p.Interests, maxShort)
	list(&fs, "purchase_drivers", p.PurchaseDrivers, maxLong)
	list(&fs, "pain_points", p.PainPoints, maxLong)
	var sum float64
	seen := map[string]bool{}
	if len(p.Platforms) > maxList {
		fs.Add("platforms", "error.too_many", "Max", maxList)
	}
	for i, s := range p.Platforms {
		at := fmt.Sprintf("platforms[%d].", i)
		switch {
		case s.Platform == "":
			fs.Add(at+"platform", "error.required")
		case seen[s.Platform]:
			fs.Add(at+"platform", "error.duplicate", "Value", s.Platform)
		}
		if s.Share < 0 || s.Share > 100 {
			fs.Add(at+"share", "error.range", "Min", 0, "Max", 100)
		}
		seen[s.Platform] = true
		sum += s.Share
	}
	if len(p.Platforms) > 0 && sum > 100.01 {
		fs.Add("platforms", "error.sum_max_100", "Sum", round1(sum))
	}
	return fs.Err()
}

// Account is a competitor's presence on one platform.
type Account struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"`
}

// Competitor is a brand we compete with; its aliases and keywords seed the
// listening topics later.
type Competitor struct {
	Revision
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Aliases  []string  `json:"aliases"`
	Keywords []string  `json:"keywords"`
	Accounts []Account `json:"accounts"`
	Notes    string    `json:"notes"`
}

// Validate reports every field that is wrong.
func (c *Competitor) Validate() error {
	var fs apperr.Fields
	fs.Text("name", c.Name, maxShort, true)
	list(&fs, "aliases", c.Aliases, maxShort)
	list(&fs, "keywords", c.Keywords, maxShort)
	if len(c.Accounts) > maxList {
		fs.Add("accounts", "error.too_many", "Max", maxList)
	}
	for i, a := range c.Accounts {
		at := fmt.Sprintf("accounts[%d]", i)
		if a.Platform == "" || strings.TrimSpace(a.Handle) == "" {
			fs.Add(at, "error.account_format")
			continue
		}
		fs.Text(at+".handle", a.Handle, maxShort, true)
	}
	fs.Text("notes", c.Notes, maxLong, false)
	return fs.Err()
}

// TeamMember is a person who works on social media, with the hours a week
// they really have for it.
type TeamMember struct {
	Revision
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Role        string  `json:"role"`
	WeeklyHours float64 `json:"weekly_hours"`
	HourlyCost  float64 `json:"hourly_cost"`
}

// Validate reports every field that is wrong.
func (m *TeamMember) Validate() error {
	var fs apperr.Fields
	fs.Text("name", m.Name, maxShort, true)
	fs.Text("role", m.Role, maxShort, false)
	if m.WeeklyHours < 0 || m.WeeklyHours > 168 {
		fs.Add("weekly_hours", "error.range", "Min", 0, "Max", 168)
	}
	amount(&fs, "hourly_cost", m.HourlyCost)
	return fs.Err()
}

// AmplifierKinds are the kinds of paid or borrowed reach a team can buy.
var AmplifierKinds = []string{"kol", "forum_moderator", "paid_boost", "media", "other"}

// Amplifier is an amplification resource: a KOL account, a forum moderator,
// a paid boost budget.
type Amplifier struct {
	Revision
	ID        int64   `json:"id"`
	Kind      string  `json:"kind"`
	Name      string  `json:"name"`
	Platform  string  `json:"platform"`
	Reach     int64   `json:"reach"`
	Price     float64 `json:"price"`
	PriceUnit string  `json:"price_unit"`
	Notes     string  `json:"notes"`
}

// PriceUnits say what a price buys.
var PriceUnits = []string{"per_post", "per_month", "per_campaign"}

// Validate reports every field that is wrong.
func (a *Amplifier) Validate() error {
	var fs apperr.Fields
	fs.Text("name", a.Name, maxShort, true)
	fs.OneOf("kind", a.Kind, AmplifierKinds)
	if a.PriceUnit != "" {
		fs.OneOf("price_unit", a.PriceUnit, PriceUnits)
	}
	amount(&fs, "reach", float64(a.Reach))
	amount(&fs, "price", a.Price)
	fs.Text("notes", a.Notes, maxLong, false)
	return fs.Err()
}

// Budget is what the team may spend a month, and what an hour of its work
// costs when no member sets their own rate.
type Budget struct {
	Revision
	Monthly    float64   `json:"monthly"`
	Currency   string    `json:"currency"`
	HourlyCost float64   `json:"hourly_cost"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Rate is what an hour of m's work costs: m's own hourly cost, or the
// team's when m sets none.
func (b Budget) Rate(m TeamMember) float64 {
	if m.HourlyCost != 0 {
		return m.HourlyCost
	}
	return b.HourlyCost
}

// Validate reports every field that is wrong.
func (b *Budget) Validate() error {
	var fs apperr.Fields
	amount(&fs, "monthly", b.Monthly)
	amount(&fs, "hourly_cost", b.HourlyCost)
	if !account.ValidCurrency(b.Currency) {
		fs.Add("currency", "error.currency", "Value", b.Currency)
	}
	return fs.Err()
}

// MaxAmount bounds every amount and count a person types (budgets,
// prices, hourly costs, reach), so that sums and products of a few stay
// finite: an hourly cost of 1e308 made the team's weekly cost infinite.
// No budget is larger.
const MaxAmount = 1e12

// amount checks a money amount or count: not negative, not above
// MaxAmount. NaN and ±Inf are left to encode, which cannot store them.
func amount(fs *apperr.Fields, field string, v float64) {
	switch {
	case v < 0:
		fs.Add(field, "error.negative")
	case v > MaxAmount:
		fs.Add(field, "error.range", "Min", 0, "Max", float64(MaxAmount))
	}
}

// list checks a list of texts: at most maxList items, each present and
// at most maxItem characters, errors named by the item ("aliases[2]").
func list(fs *apperr.Fields, field string, vs []string, maxItem int) {
	if len(vs) > maxList {
		fs.Add(field, "error.too_many", "Max", maxList)
		return
	}
	for i, v := range vs {
		fs.Text(fmt.Sprintf("%s[%d]", field, i), v, maxItem, true)
	}
}

// oneOf checks a set of choices: each one of allowed, and none twice,
// errors named by the item ("age_bands[1]").
func oneOf(fs *apperr.Fields, field string, vs, allowed []string) {
	for i, v := range vs {
		at := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !slices.Contains(allowed, v):
			fs.OneOf(at, v, allowed)
		case slices.Contains(vs[:i], v):
			fs.Add(at, "error.duplicate", "Value", v)
		}
	}
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
