package conversion

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/metric"
)

// Filter selects the part of a workspace's traffic a funnel counts: one
// campaign and/or one channel (empty fields do not filter), over [From, To).
// Zero times mean the 30 days before now.
type Filter struct {
	CampaignID *int64
	Channel    string
	From, To   time.Time
}

// MaxRange bounds a funnel's period.
const MaxRange = 2 * 366 * 24 * time.Hour

// Funnel is the path from effective click to purchase over a period, in
// the names of METRICS.md. Click figures come from the roll-ups, among
// them the steps of the visit (landed clicks, engaged visits); landing
// and engaged count visit events on their own click; the conversion
// figures are shares under Model, so with first touch or linear they may
// be fractional. Rates are nil when their denominator is 0.
type Funnel struct {
	Model           Model     `json:"model"`
	From            time.Time `json:"from"`
	To              time.Time `json:"to"`
	Clicks          int64     `json:"clicks"`
	HumanClicks     int64     `json:"human_clicks"`
	UniqueClicks    int64     `json:"unique_clicks"`
	EffectiveClicks int64     `json:"effective_clicks"`
	// LandedClicks are the effective clicks whose visitor's landing was
	// reported (the funnel's landing step): a person who taps a link twice
	// on a day and lands both times is one, as they are one effective
	// click, where Landing counts both landing events.
	LandedClicks  int64 `json:"landed_clicks"`
	EngagedVisits int64 `json:"engaged_visits"`
	// EffectiveFallbackLinks counts the links whose effective clicks are
	// their unique clicks, because no landing was ever reported from
	// their destinations (METRICS.md); reports say so when it is not 0.
	EffectiveFallbackLinks int64   `json:"effective_fallback_links"`
	Landing                float64 `json:"landing"`
	Engaged                float64 `json:"engaged"`
	Inquiries              float64 `json:"inquiries"`
	// Leads counts lead and signup events (METRICS.md: sign-up, contact left).
	Leads          float64 `json:"leads"`
	Signups        float64 `json:"signups"`
	PurchaseIntent float64 `json:"purchase_intent"`
	Purchases      float64 `json:"purchases"`
	Revenue        float64 `json:"revenue"`
	Custom         float64 `json:"custom"`
	// Unattributed counts the conversions (not visits) of the period that
	// no click or campaign earned; only an unfiltered funnel has them.
	Unattributed           float64  `json:"unattributed"`
	LeadConversionRate     *float64 `json:"lead_conversion_rate"`
	PurchaseConversionRate *float64 `json:"purchase_conversion_rate"`
}

// CreditDecimals is how many decimals a figure of conversion credit
// (a count, or revenue, that first touch and linear share between
// clicks) is shown with: a conversion split three ways reads 0.33. The
// sums stay exact; the API, the pages and the workbook round them with
// RoundCredit where they show them, so that the noise of adding shares
// (863.0000000000059 leads) never shows, and they show the same figure.
const CreditDecimals = 2

// RoundCredit rounds a figure of credit to CreditDecimals.
func RoundCredit(v float64) float64 {
	p := math.Pow10(CreditDecimals)
	return math.Round(v*p) / p
}

// Rounded is the funnel with its figures of credit rounded by
// RoundCredit, for showing; its rates stay those of the exact sums.
func (fn Funnel) Rounded() Funnel {
	for _, v := range []*float64{&fn.Landing, &fn.Engaged, &fn.Inquiries, &fn.Leads, &fn.Signups,
		&fn.PurchaseIntent, &fn.Purchases, &fn.Revenue, &fn.Custom, &fn.Unattributed} {
		*v = RoundCredit(*v)
	}
	return fn
}

// FunnelRow is the funnel of one campaign or one channel. Key is the
// campaign id or the channel; "" gathers what no campaign (or channel)
// earned.
type FunnelRow struct {
	Key        string `json:"key"`
	CampaignID *int64 `json:"campaign_id,omitempty"`
	Channel    string `json:"channel,omitempty"`
	Funnel
}

// Breakdowns a funnel can be split by.
const (
	ByCampaign = "campaign"
	ByChannel  = "channel"
)

// period fills in a filter's period (the last Window by default) and
// moves both its edges to whole UTC hours (metric.OnHour): clicks are
// counted by the hour, so conversions must be counted over the same
// hours, or the first hour's clicks are left out while its conversions
// are in. A local day is then measured as a campaign target's is, from the
// first whole UTC hour in it (00:30 to 00:30 in Asia/Kolkata), and the
// days of adjacent periods neither overlap nor leave a gap.
func (s *Service) period(f Filter) (Filter, error) {
	if f.To.IsZero() {
		f.To = s.now()
	}
	if f.From.IsZero() {
		f.From = f.To.Add(-Window)
	}
	f.From, f.To = metric.OnHour(f.From.UTC()), metric.OnHour(f.To.UTC())
	var fs apperr.Fields
	if !f.From.Before(f.To) {
		fs.Add("from", "error.conversion.period")
	} else if f.To.Sub(f.From) > MaxRange {
		fs.Add("to", "error.conversion.period")
	}
	if len(f.Channel) > 40 {
		fs.Add("channel", "error.too_long", "Max", 40)
	}
	return f, fs.Err()
}

// Funnel computes the funnel of the workspace's traffic that f selects,
// under model m.
func (s *Service) Funnel(ctx context.Context, ws int64, f Filter, m Model) (Funnel, error) {
	rows, err := s.funnel(ctx, ws, f, m, "")
	if err != nil {
		return Funnel{}, err
	}
	return rows[0].Funnel, nil
}

// Figures are the funnel's figures under their METRICS.md keys, and the
// links counted by the effective-click fallback (metric.FallbackLinks); a
// rate whose denominator is 0 is left out.
func (fn Funnel) Figures() map[string]float64 {
	out := map[string]float64{
		"clicks": float64(fn.Clicks), "human_clicks": float64(fn.HumanClicks), "unique_clicks": float64(fn.UniqueClicks),
		"effective_clicks": float64(fn.EffectiveClicks), "engaged_visits": float64(fn.EngagedVisits),
		"inquiries": fn.Inquiries, "leads": fn.Leads, "purchase_intent": fn.PurchaseIntent,
		"purchases": fn.Purchases, "revenue": fn.Revenue,
	}
	if fn.EffectiveFallbackLinks > 0 {
		out[metric.FallbackLinks] = float64(fn.EffectiveFallbackLinks)
	}
	if fn.LeadConversionRate != nil {
		out["lead_conversion_rate"] = *fn.LeadConversionRate
	}
	if fn.PurchaseConversionRate != nil {
		out["purchase_conversion_rate"] = *fn.PurchaseConversionRate
	}
	return out
}

// Measure returns the figures of a campaign's tracked traffic in each
// scope under the scope's attribution model, on the scope's channel (a
// platform key) or on all: what the campaign's KPI targets are measured
// by. The conversions of all the scopes are read once. A scope longer than
// MaxRange keeps its last MaxRange. Returns apperr.Invalid naming "model"
// for an attribution that is no model.
func (s *Service) Measure(ctx context.Context, ws, campaignID int64, scopes []metric.Scope) ([]map[string]float64, error) {
	if len(scopes) == 0 {
		return nil, nil
	}
	filters := make([]Filter, len(scopes))
	models := make([]Model, len(scopes))
	var from, to time.Time
	for i, sc := range scopes {
		m, err := ParseModel(sc.Attribution)
		if err != nil {
			return nil, err
		}
		f, err := s.period(Filter{CampaignID: &campaignID, Channel: sc.Platform, From: later(sc.From, sc.To.Add(-MaxRange)), To: sc.To})
		if err != nil {
			return nil, err
		}
		filters[i], models[i] = f, m
		if i == 0 || f.From.Before(from) {
			from = f.From
		}
		if i == 0 || f.To.After(to) {
			to = f.To
		}
	}
	facts, err := s.store.ConversionFacts(ctx, ws, from, to, from.Add(-Window))
	if err != nil {
		return nil, err
	}
	out := make([]map[string]float64, len(scopes))
	for i, f := range filters {
		totals, err := s.store.ClickTotals(ctx, ws, f.From, f.To)
		if err != nil {
			return nil, err
		}
		// No target is of visit events (Figures has no landing or
		// engaged), so their totals are not read.
		out[i] = buildFunnel(f, models[i], "", funnelInput{totals: totals, facts: facts})[0].Figures()
	}
	return out, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// FunnelBy splits the funnel by campaign or by channel: one row per
// campaign (or channel) that had clicks or credit, ordered by key, with
// the unattributed row "" last when there is one.
func (s *Service) FunnelBy(ctx context.Context, ws int64, f Filter, m Model, by string) ([]FunnelRow, error) {
	if by != ByCampaign && by != ByChannel {
		var fs apperr.Fields
		fs.Add("by", "error.one_of", "Value", by, "Allowed", "campaign, channel")
		return nil, fs.Err()
	}
	return s.funnel(ctx, ws, f, m, by)
}

func (s *Service) funnel(ctx context.Context, ws int64, f Filter, m Model, by string) ([]FunnelRow, error) {
	f, in, err := s.read(ctx, ws, f, m)
	if err != nil {
		return nil, err
	}
	return buildFunnel(f, m, by, in), nil
}

// Breakdown is the funnel of a selection with its rows by campaign and by
// channel.
type Breakdown struct {
	Total                 Funnel
	ByCampaign, ByChannel []FunnelRow
}

// FunnelBreakdown returns what Funnel and FunnelBy of both kinds return,
// from one read of the clicks and conversions: a page that shows all
// three would otherwise read the touches of every conversion three times.
func (s *Service) FunnelBreakdown(ctx context.Context, ws int64, f Filter, m Model) (Breakdown, error) {
	f, in, err := s.read(ctx, ws, f, m)
	if err != nil {
		return Breakdown{}, err
	}
	return Breakdown{
		Total:      buildFunnel(f, m, "", in)[0].Funnel,
		ByCampaign: buildFunnel(f, m, ByCampaign, in),
		ByChannel:  buildFunnel(f, m, ByChannel, in),
	}, nil
}

// funnelInput is what a funnel is built from: the period's click totals,
// visit totals and conversion facts.
type funnelInput struct {
	totals []ClickTotal
	visits []VisitTotal
	facts  []Fact
}

// read checks the model and the period and reads the period's funnel
// input.
func (s *Service) read(ctx context.Context, ws int64, f Filter, m Model) (Filter, funnelInput, error) {
	var in funnelInput
	if !slices.Contains(Models, m) {
		_, err := ParseModel(string(m))
		return f, in, err
	}
	f, err := s.period(f)
	if err != nil {
		return f, in, err
	}
	if in.totals, err = s.store.ClickTotals(ctx, ws, f.From, f.To); err != nil {
		return f, in, err
	}
	if in.visits, err = s.store.VisitTotals(ctx, ws, f.From, f.To); err != nil {
		return f, in, err
	}
	in.facts, err = s.store.ConversionFacts(ctx, ws, f.From, f.To, f.From.Add(-Window))
	return f, in, err
}

// buildFunnel is the arithmetic of the funnel, apart from storage so that
// it can be tested on hand-built histories.
func buildFunnel(f Filter, m Model, by string, in funnelInput) []FunnelRow {
	rows := map[string]*FunnelRow{}
	row := func(campaign *int64, channel string) *FunnelRow {
		key := ""
		switch by {
		case ByCampaign:
			if campaign != nil {
				key = strconv.FormatInt(*campaign, 10)
			}
		case ByChannel:
			key = channel
		}
		r := rows[key]
		if r == nil {
			r = &FunnelRow{Key: key, Funnel: Funnel{Model: m, From: f.From, To: f.To}}
			switch by {
			case ByCampaign:
				r.CampaignID = campaign
			case ByChannel:
				r.Channel = channel
			}
			rows[key] = r
		}
		return r
	}
	match := func(campaign *int64, channel string) bool {
		if f.CampaignID != nil && (campaign == nil || *campaign != *f.CampaignID) {
			return false
		}
		return f.Channel == "" || channel == f.Channel
	}
	filtered := f.CampaignID != nil || f.Channel != ""
	row(nil, "") // an unfiltered funnel has its total row even when empty
	for _, t := range in.totals {
		if match(t.CampaignID, t.Channel) {
			r := row(t.CampaignID, t.Channel)
			r.Clicks += t.Clicks
			r.HumanClicks += t.HumanClicks
			r.UniqueClicks += t.UniqueClicks
			r.EffectiveClicks += t.EffectiveClicks
			r.LandedClicks += t.LandedClicks
			r.EngagedVisits += t.EngagedVisits
			r.EffectiveFallbackLinks += t.FallbackLinks
		}
	}
	for _, v := range in.visits {
		if match(v.CampaignID, v.Channel) {
			r := row(v.CampaignID, v.Channel)
			r.Landing += float64(v.Landing)
			r.Engaged += float64(v.Engaged)
		}
	}
	for _, fa := range in.facts {
		if fa.At.Before(f.From) || !fa.At.Before(f.To) {
			continue // read for a wider period
		}
		var shares []Share
		switch {
		case fa.ClickID == "" && fa.CampaignID != nil:
			// An inquiry marked for a campaign has no click to share
			// with.
			shares = []Share{{ClickID: fa.ClickID, CampaignID: fa.CampaignID, Channel: fa.Channel, Weight: 1}}
		default:
			shares = Attribute(m, fa.At, fa.ClickID, fa.Touches)
			if len(shares) == 0 && fa.ClickID != "" {
				// Its click went with its deleted link: the campaign
				// and channel it was attributed to on arrival keep it,
				// as they keep its visits, also when the link had no
				// campaign: it was attributed, to its channel.
				shares = []Share{{ClickID: fa.ClickID, CampaignID: fa.CampaignID, Channel: fa.Channel, Weight: 1}}
			}
		}
		if len(shares) == 0 {
			if !filtered {
				r := row(nil, "")
				add(&r.Funnel, fa.Conversion, 1)
				r.Unattributed++
			}
			continue
		}
		for _, sh := range shares {
			if match(sh.CampaignID, sh.Channel) {
				add(&row(sh.CampaignID, sh.Channel).Funnel, fa.Conversion, sh.Weight)
			}
		}
	}
	out := make([]FunnelRow, 0, len(rows))
	for _, r := range rows {
		rates(&r.Funnel)
		out = append(out, *r)
	}
	if by == "" {
		return out
	}
	slices.SortFunc(out, func(a, b FunnelRow) int {
		switch {
		case a.Key == b.Key:
			return 0
		case a.Key == "":
			return 1
		case b.Key == "":
			return -1
		}
		if a.CampaignID != nil && b.CampaignID != nil {
			return cmp.Compare(*a.CampaignID, *b.CampaignID)
		}
		return strings.Compare(a.Key, b.Key)
	})
	// The "" row exists for the total; a breakdown shows it only when it
	// has something.
	if n := len(out); n > 0 && out[n-1].Key == "" && out[n-1].Funnel.empty() {
		out = out[:n-1]
	}
	return out
}

// add counts weight w of conversion c in fn.
func add(fn *Funnel, c Conversion, w float64) {
	switch {
	case c.Event == Landing:
		fn.Landing += w
	case c.Event == Engaged:
		fn.Engaged += w
	case c.Event == Inquiry:
		fn.Inquiries += w
	case c.Event == Lead:
		fn.Leads += w
	case c.Event == Signup:
		fn.Leads += w
		fn.Signups += w
	case IsIntent(c.Event):
		fn.PurchaseIntent += w
	case c.Event == Purchase:
		fn.Purchases += w
		fn.Revenue += w * c.Value
	case strings.HasPrefix(c.Event, CustomPrefix):
		fn.Custom += w
	}
}

func rates(fn *Funnel) {
	if fn.EffectiveClicks > 0 {
		r := fn.Leads / float64(fn.EffectiveClicks)
		fn.LeadConversionRate = &r
	}
	if fn.Leads > 0 {
		r := fn.Purchases / fn.Leads
		fn.PurchaseConversionRate = &r
	}
}

// empty says the row has no clicks (crawlers' count: they are in the
// total) and no credit.
func (fn Funnel) empty() bool {
	return fn.Clicks == 0 && fn.Landing == 0 && fn.Engaged == 0 &&
		fn.Inquiries == 0 && fn.Leads == 0 && fn.PurchaseIntent == 0 && fn.Purchases == 0 && fn.Custom == 0
}
