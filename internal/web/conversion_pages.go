package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/metric"
)

// conversionPageRoutes serve the conversions page of step 5 (evaluation):
// the funnel from effective clicks to purchases under a chosen model and
// period, per campaign and per channel, and the snippet with its install
// instructions.
func (s *Server) conversionPageRoutes() {
	m := s.mux
	// Revenue and ROI are for the roles that read reports (an agent,
	// who answers customers, does not).
	m.Handle("GET /w/{ws}/evaluation", s.page(account.ReadReports, s.conversionsPage))
	m.Handle("GET /w/{ws}/conversions", s.page(account.ReadReports, s.conversionsPage))
	m.Handle("POST /w/{ws}/conversions/rotate-key", s.page(account.EditWorkspace, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		if _, err := s.Conversions.RotateKey(r.Context(), p.Workspace.ID); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.key_rotated")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/conversions#snippet")
		return nil
	}))
	m.Handle("POST /w/{ws}/conversions/purchases", s.page(account.EditWorkspace, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		on := r.PostFormValue("server_only") != ""
		if err := s.Conversions.SetServerPurchasesOnly(r.Context(), p.Workspace.ID, on); err != nil {
			return err
		}
		msg := "flash.purchases_any"
		if on {
			msg = "flash.purchases_server_only"
		}
		s.flash(w, r, "ok", msg)
		redirect(w, r, "/w/"+p.Workspace.Slug+"/conversions#purchases")
		return nil
	}))
}

// funnelPeriods are the periods the page offers, in days.
var funnelPeriods = []int{7, 30, 60}

// funnelStage is one bar of the funnel: its count, its rate from the
// stage before and its share of the effective clicks (nil when the
// denominator is 0).
type funnelStage struct {
	Key         string
	Value       float64
	Rate, Share *float64
}

// funnelRowView is a campaign's or channel's funnel with its name.
type funnelRowView struct {
	Name string
	conversion.FunnelRow
}

func (s *Server) conversionsPage(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	model, err := conversion.ParseModel(q.Get("model"))
	if err != nil {
		model = conversion.LastTouch
	}
	days := 30
	if n, err := strconv.Atoi(q.Get("days")); err == nil {
		for _, d := range funnelPeriods {
			if d == n {
				days = n
			}
		}
	}
	loc := p.Workspace.Location()
	now := time.Now()
	var f conversion.Filter
	f.From, f.To = lastDays(now, loc, days)
	fb, err := s.Conversions.FunnelBreakdown(ctx, p.Workspace.ID, f, model)
	if err != nil {
		return err
	}
	total, byCampaign, byChannel := fb.Total, fb.ByCampaign, fb.ByChannel
	camps, err := s.Campaigns.List(ctx, p.Workspace.ID)
	if err != nil {
		return err
	}
	channels, err := s.channelChoices(r, p)
	if err != nil {
		return err
	}
	tr := s.lang(r)
	campaignNames := map[string]string{}
	for _, c := range camps {
		campaignNames[strconv.FormatInt(c.ID, 10)] = c.Name
	}
	channelNames := map[string]string{}
	for _, c := range channels {
		channelNames[c.Value] = c.Label
	}
	// The "" row gathers what no campaign (channel) earned: conversions of
	// links outside any campaign as well as unattributed ones.
	name := func(names map[string]string, key, none string) string {
		if key == "" {
			return tr.T(none)
		}
		if n := names[key]; n != "" {
			return n
		}
		return key
	}
	campaignRows := make([]funnelRowView, len(byCampaign))
	for i, row := range byCampaign {
		campaignRows[i] = funnelRowView{Name: name(campaignNames, row.Key, "tracking.no_campaign"), FunnelRow: row}
		if row.Key != "" && campaignNames[row.Key] == "" {
			campaignRows[i].Name = tr.T("tracking.deleted_campaign", "ID", row.Key)
		}
	}
	channelRows := make([]funnelRowView, len(byChannel))
	for i, row := range byChannel {
		channelRows[i] = funnelRowView{Name: name(channelNames, row.Key, "tracking.no_channel"), FunnelRow: row}
	}
	byFigures(campaignRows)
	byFigures(channelRows)
	stages := funnelStages(total)
	site, err := s.Conversions.Site(ctx, p.Workspace.ID)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "conversions", map[string]any{
		"Section": "evaluation", "Model": string(model), "Models": conversion.Models, "Days": days, "Periods": funnelPeriods,
		"Funnel": total, "Stages": stages, "Chart": funnelChart(stages, tr), "Currency": p.Workspace.Currency,
		// A funnel of zeros draws an empty axis beside a table of zeros.
		"Drawn":      slices.ContainsFunc(stages, func(st funnelStage) bool { return st.Value > 0 }),
		"ByCampaign": campaignRows, "ByChannel": channelRows, "Snippet": s.snippetInfo(r, site),
		"DayStart": metric.DayStart(now, loc), "Zone": p.Workspace.TimeZone,
	})
	return nil
}

// lastDays is the period of the last days of loc's calendar, today
// included, as the listening insights count them: what the conversions
// page and a link's page mean by the last 30 days, so that they show the
// same figures for it. The services move each day to its first whole UTC
// hour, as the API's and the campaign's days are (metric.OnHour).
func lastDays(now time.Time, loc *time.Location, days int) (from, to time.Time) {
	l := now.In(loc)
	to = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
	return to.AddDate(0, 0, -days), to
}

// byFigures orders a breakdown's rows for reading: the most effective
// clicks first, then the most revenue, and the unattributed row "" last;
// ties keep the order of their keys, in which the service gives them.
func byFigures(rows []funnelRowView) {
	slices.SortStableFunc(rows, func(a, b funnelRowView) int {
		if (a.Key == "") != (b.Key == "") {
			if a.Key == "" {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(b.EffectiveClicks, a.EffectiveClicks); c != 0 {
			return c
		}
		return cmp.Compare(b.Revenue, a.Revenue)
	})
}

// funnelStages are the stages of METRICS.md in order: effective clicks →
// landing (effective clicks whose visitor's landing was reported) →
// engaged visits (engaged_visits: effective clicks whose visit engaged),
// both counted on clicks, not visit events, which a person's second tap
// adds to →
// inquiry → lead → purchase, each with its rate from
// the stage before and its share of the effective clicks. A stage is not a
// subset of the one before (a lead needs no inquiry), so a rate above
// 100 % is a true figure; the share is the one to compare stages by.
func funnelStages(fn conversion.Funnel) []funnelStage {
	values := []funnelStage{
		{Key: "effective_clicks", Value: float64(fn.EffectiveClicks)},
		{Key: "landing", Value: float64(fn.LandedClicks)},
		{Key: "engaged", Value: float64(fn.EngagedVisits)},
		{Key: "inquiries", Value: fn.Inquiries},
		{Key: "leads", Value: fn.Leads},
		{Key: "purchases", Value: fn.Purchases},
	}
	ratio := func(a, b float64) *float64 {
		if b <= 0 {
			return nil
		}
		r := a / b
		return &r
	}
	for i := 1; i < len(values); i++ {
		values[i].Rate = ratio(values[i].Value, values[i-1].Value)
		values[i].Share = ratio(values[i].Value, values[0].Value)
	}
	return values
}

// funnelChart draws the stages as horizontal bars, widest first, with
// counts as labels; bars rather than a funnel shape, since a later stage
// may outgrow an earlier one (a lead without an inquiry). The axis is
// linear: on a log axis 461 purchases drew 80 % as long as 10,037
// clicks, and a bar's length is what a reader compares.
func funnelChart(stages []funnelStage, tr lang) chartOption {
	cats := make([]string, 0, len(stages))
	data := make([]any, 0, len(stages))
	colors := []string{"#2e8b57", "#3f8fb5", "#2f6f9f", "#7a6fb0", "#c07a2c", "#c0392b"}
	for i := len(stages) - 1; i >= 0; i-- {
		v := conversion.RoundCredit(stages[i].Value)
		cats = append(cats, tr.T("tracking.stage."+stages[i].Key))
		// The label is the count as the table beside writes it (10,037).
		data = append(data, map[string]any{"value": v, "itemStyle": map[string]any{"color": colors[i%len(colors)]},
			"label": map[string]any{"formatter": number(v, conversion.CreditDecimals)}})
	}
	return map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"grid":      map[string]any{"left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": true},
		"xAxis":     map[string]any{"type": "value", "minInterval": 1, "axisLabel": map[string]any{"hideOverlap": true}},
		"yAxis":     map[string]any{"type": "category", "data": cats},
		"series":    []any{map[string]any{"type": "bar", "data": data, "label": map[string]any{"show": true, "position": "right"}}},
	}
}
