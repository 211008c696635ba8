package platform

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

// Objectives are the campaign objectives a platform can be scored for, in
// the order the web layer shows them. Campaigns use the same keys.
var Objectives = []string{ObjectiveSales, ObjectiveVoice, ObjectivePR, ObjectiveGrowth, ObjectiveService}

// The objective keys. Community is not an objective of its own but is kept
// in GoodFor because it describes a platform.
const (
	ObjectiveSales   = "sales"   // sell: tracked clicks and conversions
	ObjectiveVoice   = "voice"   // awareness: reach and share of voice
	ObjectivePR      = "pr"      // public relations: statements, crisis handling
	ObjectiveGrowth  = "growth"  // followers
	ObjectiveService = "service" // answering customers
)

// Capability says how far a platform's API lets a server do one thing.
type Capability string

// The capability levels, from most to least reachable.
const (
	CapOpen       Capability = "open"       // any developer, after ordinary registration or app review
	CapEnterprise Capability = "enterprise" // only registered companies or approved partners
	CapPaid       Capability = "paid"       // anyone who pays for an API tier
	CapNone       Capability = "none"       // no server-side API: manual work or file exports
)

// CapabilityLevels lists the allowed capability values, for validation and
// for the web layer's legends.
var CapabilityLevels = []Capability{CapOpen, CapEnterprise, CapPaid, CapNone}

// LinkSupport says whether a post can carry a clickable external link, which
// decides whether Chorus's tracked links can measure sales there.
type LinkSupport string

// The link support levels.
const (
	LinksInline  LinkSupport = "inline"  // clickable links in posts
	LinksLimited LinkSupport = "limited" // only in a profile, a "read more" slot, a sticker or to the platform's own shop
	LinksNone    LinkSupport = "none"    // no external links at all
)

// LinkLevels lists the allowed link support values.
var LinkLevels = []LinkSupport{LinksInline, LinksLimited, LinksNone}

// Regions: where a platform's users mainly are.
const (
	RegionCN     = "cn"
	RegionGlobal = "global"
)

// Regions lists the allowed region values.
var Regions = []string{RegionCN, RegionGlobal}

// FormatKinds is the closed set of content format kinds, so that content
// planning can match a draft to the formats of several platforms.
var FormatKinds = []string{"text", "article", "image", "video", "short_video", "live", "story", "answer", "message", "link_share"}

// LengthUnits says how a platform counts a text limit: plain characters
// (Unicode code points), user-perceived characters (graphemes, Bluesky),
// weighted characters (X counts most CJK characters twice) or bytes.
var LengthUnits = []string{"chars", "graphemes", "weighted_chars", "bytes"}

// EngagementBases are the denominators of an engagement rate, as in
// METRICS.md: per impression (reads, views, plays) or, where a platform
// shows no impressions, per follower.
var EngagementBases = []string{"impressions", "followers"}

// LocalTime is the peak-hours time zone of platforms whose audience is
// spread over many zones: hours are in each viewer's own local time, and the
// scheduler applies them in the zone of the market a campaign targets.
const LocalTime = "local"

// The fields a source can support. Every platform must name a source for
// each of them, so no figure in the catalog is without provenance.
const (
	FieldMAU        = "audience.mau_millions"
	FieldAge        = "audience.age"
	FieldGender     = "audience.gender"
	FieldCityTiers  = "audience.city_tiers"
	FieldFormats    = "formats"
	FieldPeakHours  = "peak_hours"
	FieldEngagement = "engagement_rate"
	FieldGoodFor    = "good_for"
	FieldAPI        = "api"
	FieldLinks      = "links"
)

// SourceFields lists the fields a source can name; all must be covered.
var SourceFields = []string{FieldMAU, FieldAge, FieldGender, FieldCityTiers, FieldFormats, FieldPeakHours, FieldEngagement, FieldGoodFor, FieldAPI, FieldLinks}

// Platform is what Chorus knows about one social platform. The catalog
// provides one per key; a workspace may override any field except Key.
type Platform struct {
	// Key is the stable snake_case identifier ("weibo"), used by personas,
	// campaigns, channels and connectors. It never changes.
	Key            string      `json:"key"`
	Name           Text        `json:"name"`
	Region         string      `json:"region"`
	Audience       Audience    `json:"audience"`
	Formats        []Format    `json:"formats"`
	PeakHours      PeakHours   `json:"peak_hours"`
	EngagementRate Engagement  `json:"engagement_rate"`
	GoodFor        GoodFor     `json:"good_for"`
	API            API         `json:"api"`
	Links          LinkSupport `json:"links"`
	Sources        []Source    `json:"sources"`
}

// Text is a text per locale, keyed by the locale tags of the i18n
// catalog: {"zh-CN": "微博", "en": "Weibo"}. A plain JSON string is read as
// English, so that overrides saved when notes were English only still
// apply.
type Text struct {
	ZhCN string `json:"zh-CN,omitempty"`
	En   string `json:"en"`
}

// In returns the text for a locale tag, falling back to English.
func (t Text) In(locale string) string {
	if t.Lang(locale) == "zh-CN" {
		return t.ZhCN
	}
	return t.En
}

// Lang is the locale tag of the text In returns for locale, so that a
// page can mark English shown for want of a translation as English.
func (t Text) Lang(locale string) string {
	if strings.HasPrefix(strings.ToLower(locale), "zh") && t.ZhCN != "" {
		return "zh-CN"
	}
	return "en"
}

// UnmarshalJSON reads an object of locales (no other members) or a plain
// string.
func (t *Text) UnmarshalJSON(b []byte) error {
	if s := bytes.TrimSpace(b); len(s) > 0 && s[0] == '"' {
		*t = Text{}
		return json.Unmarshal(s, &t.En)
	}
	type plain Text
	var v plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*t = Text(v)
	return nil
}

// validate checks a text's locales; English is required of a required
// text, and of an optional one that has a Chinese text.
func (t Text) validate(fs *apperr.Fields, field string, required bool) {
	text(fs, field+".zh-CN", t.ZhCN, required)
	text(fs, field+".en", t.En, required || t.ZhCN != "")
}

// Audience describes who uses a platform. Shares are percentages over the
// platform's users; Age and CityTiers are keyed by brand.AgeBands and
// brand.CityTiers so that they compare with personas.
type Audience struct {
	// MAUMillions is monthly active users in millions; nil when no
	// meaningful figure exists (a protocol, not a company).
	MAUMillions *float64           `json:"mau_millions"`
	Age         map[string]float64 `json:"age"`
	Gender      Gender             `json:"gender"`
	CityTiers   map[string]float64 `json:"city_tiers"`
}

// Gender is the female/male split of a platform's users in percent. Panels
// and ad tools report only these two, so unlike brand.GenderSplit there is
// no "other".
type Gender struct {
	Female float64 `json:"female"`
	Male   float64 `json:"male"`
}

// Format is one kind of content a platform accepts, with its limits. A zero
// limit means no documented limit, not zero.
type Format struct {
	Key             string `json:"key"`
	Kind            string `json:"kind"`
	MaxLength       int    `json:"max_length,omitempty"`
	LengthUnit      string `json:"length_unit,omitempty"`
	MaxTitle        int    `json:"max_title,omitempty"`
	MaxImages       int    `json:"max_images,omitempty"`
	MaxVideoSeconds int    `json:"max_video_seconds,omitempty"`
	Note            Text   `json:"note,omitzero"`
}

// PeakHours are the hours (0–23) when a platform's audience is most active,
// in Timezone: an IANA zone for platforms with one main audience
// ("Asia/Shanghai"), or LocalTime.
type PeakHours struct {
	Timezone string `json:"timezone"`
	Weekday  []int  `json:"weekday"`
	Weekend  []int  `json:"weekend"`
}

// Engagement is the typical engagement-rate range of ordinary brand
// accounts, as fractions (0.01 = 1 %), on the given basis.
type Engagement struct {
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Basis string  `json:"basis"`
}

// GoodFor scores, from 0 to 1, how well a platform serves each objective,
// plus community building.
type GoodFor struct {
	Sales     float64 `json:"sales"`
	Voice     float64 `json:"voice"`
	PR        float64 `json:"pr"`
	Growth    float64 `json:"growth"`
	Service   float64 `json:"service"`
	Community float64 `json:"community"`
}

// For returns the score of an objective key, and false for an unknown key.
func (g GoodFor) For(objective string) (float64, bool) {
	switch objective {
	case ObjectiveSales:
		return g.Sales, true
	case ObjectiveVoice:
		return g.Voice, true
	case ObjectivePR:
		return g.PR, true
	case ObjectiveGrowth:
		return g.Growth, true
	case ObjectiveService:
		return g.Service, true
	case "community":
		return g.Community, true
	}
	return 0, false
}

// API says what a server can do on a platform without a person at the
// keyboard. Note explains the catch, if any ("link shares only").
type API struct {
	Publish   Capability `json:"publish"`
	Metrics   Capability `json:"metrics"`
	Comments  Capability `json:"comments"`
	Listening Capability `json:"listening"`
	Note      Text       `json:"note,omitzero"`
}

// Source is where figures come from: which fields it supports, who
// published it and when. Estimate marks figures with no public source, and
// Why says how they were reached. URLs are left out on purpose: a title and
// a publisher can be found again, a remembered URL may be wrong. Publisher
// and Title stay as published, so that the source can be found again.
type Source struct {
	Fields    []string `json:"fields"`
	Publisher string   `json:"publisher"`
	// Title is the work's own title, in its own language; Chorus's own
	// works (estimates, the team's judgment) are titled in both.
	Title    Text `json:"title"`
	Year     int  `json:"year"`
	Estimate bool `json:"estimate,omitempty"`
	Why      Text `json:"why,omitzero"`
	Note     Text `json:"note,omitzero"`
}

// Tolerances and limits of validation.
const (
	shareTolerance = 2.0 // percentage points a share set may miss 100 by (rounding)
	maxText        = 500
	maxFormats     = 20
	maxSources     = 30
)

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate reports every field that is wrong, as apperr.Invalid with one
// FieldError per problem; field names are JSON paths ("audience.age").
func (p *Platform) Validate() error {
	var fs apperr.Fields
	if !keyPattern.MatchString(p.Key) || len(p.Key) > 40 {
		fs.Add("key", "error.key_format")
	}
	p.Name.validate(&fs, "name", true)
	oneOf(&fs, "region", p.Region, Regions)
	p.Audience.validate(&fs)
	validateFormats(&fs, p.Formats)
	p.PeakHours.validate(&fs)
	p.EngagementRate.validate(&fs)
	p.GoodFor.validate(&fs)
	p.API.validate(&fs)
	oneOf(&fs, "links", p.Links, LinkLevels)
	validateSources(&fs, p.Sources)
	return fs.Err()
}

func (a *Audience) validate(fs *apperr.Fields) {
	if a.MAUMillions != nil && (*a.MAUMillions < 0 || math.IsNaN(*a.MAUMillions) || *a.MAUMillions > 10000) {
		fs.Add("audience.mau_millions", "error.range", "Min", 0, "Max", 10000)
	}
	shares(fs, "audience.age", a.Age, brand.AgeBands)
	g := a.Gender
	switch {
	case g.Female < 0 || g.Male < 0:
		fs.Add("audience.gender", "error.negative")
	case math.Abs(g.Female+g.Male-100) > shareTolerance:
		fs.Add("audience.gender", "error.sum_100", "Sum", round1(g.Female+g.Male))
	}
	shares(fs, "audience.city_tiers", a.CityTiers, brand.CityTiers)
}

// shares checks a percentage map: known keys, no negatives, sum ≈ 100.
func shares(fs *apperr.Fields, field string, m map[string]float64, keys []string) {
	var sum float64
	for _, k := range sortedKeys(m) {
		v := m[k]
		switch {
		case !slices.Contains(keys, k):
			fs.Add(field+"."+k, "error.one_of", "Value", k, "Allowed", strings.Join(keys, ", "))
		case v < 0 || v > 100 || math.IsNaN(v):
			fs.Add(field+"."+k, "error.range", "Min", 0, "Max", 100)
		}
		sum += v
	}
	if math.Abs(sum-100) > shareTolerance {
		fs.Add(field, "error.sum_100", "Sum", round1(sum))
	}
}

func validateFormats(fs *apperr.Fields, formats []Format) {
	switch {
	case len(formats) == 0:
		fs.Add("formats", "error.required")
		return
	case len(formats) > maxFormats:
		fs.Add("formats", "error.too_many", "Max", maxFormats)
		return
	}
	seen := map[string]bool{}
	for i, f := range formats {
		at := "formats[" + strconv.Itoa(i) + "]."
		switch {
		case !keyPattern.MatchString(f.Key):
			fs.Add(at+"key", "error.key_format")
		case seen[f.Key]:
			fs.Add(at+"key", "error.duplicate", "Value", f.Key)
		}
		seen[f.Key] = true
		oneOf(fs, at+"kind", f.Kind, FormatKinds)
		if f.MaxLength < 0 || f.MaxTitle < 0 || f.MaxImages < 0 || f.MaxVideoSeconds < 0 {
			fs.Add(at[:len(at)-1], "error.negative")
		}
		if f.MaxLength > 0 || f.LengthUnit != "" {
			oneOf(fs, at+"length_unit", f.LengthUnit, LengthUnits)
		}
		f.Note.validate(fs, at+"note", false)
	}
}

func (h *PeakHours) validate(fs *apperr.Fields) {
	tz := h.Timezone
	if tz != LocalTime && tz != "UTC" && (!strings.Contains(tz, "/") || strings.ContainsAny(tz, " \t") || len(tz) > 64) {
		fs.Add("peak_hours.timezone", "error.timezone", "Value", tz)
	}
	hours(fs, "peak_hours.weekday", h.Weekday)
	hours(fs, "peak_hours.weekend", h.Weekend)
}

func hours(fs *apperr.Fields, field string, hs []int) {
	if len(hs) == 0 {
		fs.Add(field, "error.required")
		return
	}
	seen := map[int]bool{}
	for _, h := range hs {
		switch {
		case h < 0 || h > 23:
			fs.Add(field, "error.range", "Min", 0, "Max", 23)
			return
		case seen[h]:
			fs.Add(field, "error.duplicate", "Value", h)
			return
		}
		seen[h] = true
	}
}

func (e *Engagement) validate(fs *apperr.Fields) {
	if e.Min < 0 || e.Min > 1 || math.IsNaN(e.Min) {
		fs.Add("engagement_rate.min", "error.range", "Min", 0, "Max", 1)
	}
	if e.Max < 0 || e.Max > 1 || math.IsNaN(e.Max) {
		fs.Add("engagement_rate.max", "error.range", "Min", 0, "Max", 1)
	}
	if e.Min > e.Max {
		fs.Add("engagement_rate", "error.min_above_max", "Min", e.Min, "Max", e.Max)
	}
	oneOf(fs, "engagement_rate.basis", e.Basis, EngagementBases)
}

func (g *GoodFor) validate(fs *apperr.Fields) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"sales", g.Sales}, {"voice", g.Voice}, {"pr", g.PR}, {"growth", g.Growth}, {"service", g.Service}, {"community", g.Community}} {
		if f.v < 0 || f.v > 1 || math.IsNaN(f.v) {
			fs.Add("good_for."+f.name, "error.range", "Min", 0, "Max", 1)
		}
	}
}

func (a *API) validate(fs *apperr.Fields) {
	oneOf(fs, "api.publish", a.Publish, CapabilityLevels)
	oneOf(fs, "api.metrics", a.Metrics, CapabilityLevels)
	oneOf(fs, "api.comments", a.Comments, CapabilityLevels)
	oneOf(fs, "api.listening", a.Listening, CapabilityLevels)
	a.Note.validate(fs, "api.note", false)
}

func validateSources(fs *apperr.Fields, sources []Source) {
	switch {
	case len(sources) == 0:
		fs.Add("sources", "error.required")
		return
	case len(sources) > maxSources:
		fs.Add("sources", "error.too_many", "Max", maxSources)
		return
	}
	covered := map[string]bool{}
	for i, s := range sources {
		at := "sources[" + strconv.Itoa(i) + "]."
		if len(s.Fields) == 0 {
			fs.Add(at+"fields", "error.required")
		}
		for _, f := range s.Fields {
			if !slices.Contains(SourceFields, f) {
				fs.Add(at+"fields", "error.one_of", "Value", f, "Allowed", strings.Join(SourceFields, ", "))
				continue
			}
			covered[f] = true
		}
		text(fs, at+"publisher", s.Publisher, true)
		// A work's own title may be in one language: English is asked
		// for, Chinese is added where Chorus titles its own work.
		text(fs, at+"title.zh-CN", s.Title.ZhCN, false)
		text(fs, at+"title.en", s.Title.En, true)
		if s.Year < 2000 || s.Year > 2100 {
			fs.Add(at+"year", "error.range", "Min", 2000, "Max", 2100)
		}
		// An estimate needs its why in English at least, not in both
		// languages: overrides saved when sources were English only must
		// still apply.
		if s.Estimate && strings.TrimSpace(s.Why.En) == "" && s.Why.ZhCN == "" {
			fs.Add(at+"why", "error.required")
		}
		s.Why.validate(fs, at+"why", false)
		s.Note.validate(fs, at+"note", false)
	}
	for _, f := range SourceFields {
		if !covered[f] {
			fs.Add("sources", "error.source_missing", "Field", f)
		}
	}
}

func text(fs *apperr.Fields, field, v string, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		fs.Add(field, "error.required")
	case len([]rune(v)) > maxText:
		fs.Add(field, "error.too_long", "Max", maxText)
	}
}

func oneOf[T ~string](fs *apperr.Fields, field string, v T, allowed []T) {
	if slices.Contains(allowed, v) {
		return
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	fs.Add(field, "error.one_of", "Value", string(v), "Allowed", strings.Join(names, ", "))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// clone returns a deep copy, so that callers can never change the shared
// catalog through maps or slices.
func (p Platform) clone() Platform {
	c := p
	if p.Audience.MAUMillions != nil {
		v := *p.Audience.MAUMillions
		c.Audience.MAUMillions = &v
	}
	c.Audience.Age = maps.Clone(p.Audience.Age)
	c.Audience.CityTiers = maps.Clone(p.Audience.CityTiers)
	c.Formats = slices.Clone(p.Formats)
	c.PeakHours.Weekday = slices.Clone(p.PeakHours.Weekday)
	c.PeakHours.Weekend = slices.Clone(p.PeakHours.Weekend)
	c.Sources = slices.Clone(p.Sources)
	for i := range c.Sources {
		c.Sources[i].Fields = slices.Clone(c.Sources[i].Fields)
	}
	return c
}
