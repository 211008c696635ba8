package conversion

import (
	"math"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// history is a hand-built click history: a visitor clicked a Weibo link of
// campaign 1 forty days ago (outside the window), a WeChat link of
// campaign 1 twenty days ago, a Weibo link of campaign 2 ten days ago and
// a link of no campaign on Xiaohongshu one day ago.
var (
	now     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	day     = 24 * time.Hour
	history = []Touch{
		{ClickID: "old", LinkID: 1, CampaignID: ptr[int64](1), Channel: "weibo", At: now.Add(-40 * day)},
		{ClickID: "c1", LinkID: 2, CampaignID: ptr[int64](1), Channel: "wechat", At: now.Add(-20 * day)},
		{ClickID: "c2", LinkID: 3, CampaignID: ptr[int64](2), Channel: "weibo", At: now.Add(-10 * day)},
		{ClickID: "c3", LinkID: 4, Channel: "xiaohongshu", At: now.Add(-1 * day)},
	}
)

func TestAttribute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		model   Model
		at      time.Time
		own     string // the conversion's own click
		touches []Touch
		want    map[string]float64 // click id -> weight
	}{
		{"last touch", LastTouch, now, "", history, map[string]float64{"c3": 1}},
		{"first touch skips clicks older than 30 days", FirstTouch, now, "", history, map[string]float64{"c1": 1}},
		{"linear splits equally in the window", Linear, now, "", history, map[string]float64{"c1": 1.0 / 3, "c2": 1.0 / 3, "c3": 1.0 / 3}},
		{"later clicks do not count", LastTouch, now.Add(-5 * day), "", history, map[string]float64{"c2": 1}},
		{"its own click within MaxSkew after a server's time counts", LastTouch, now.Add(-day - MaxSkew), "c3", history, map[string]float64{"c3": 1}},
		{"another click within MaxSkew after it does not", LastTouch, now.Add(-day - time.Second), "c2", history, map[string]float64{"c2": 1}},
		{"its own click beyond MaxSkew does not", LastTouch, now.Add(-day - MaxSkew - time.Second), "c3", history, map[string]float64{"c2": 1}},
		{"linear before the last click", Linear, now.Add(-5 * day), "", history, map[string]float64{"c1": 0.5, "c2": 0.5}},
		{"window edge is inclusive", FirstTouch, now.Add(-40*day + Window), "", history, map[string]float64{"old": 1}},
		{"duplicates count once", Linear, now, "", append(append([]Touch{}, history...), history[1], history[1]), map[string]float64{"c1": 1.0 / 3, "c2": 1.0 / 3, "c3": 1.0 / 3}},
		{"nothing in the window", LastTouch, now, "", history[:1], nil},
		{"no touches", Linear, now, "", nil, nil},
		{"ties break by click id", LastTouch, now, "", []Touch{{ClickID: "b", At: now}, {ClickID: "a", At: now}}, map[string]float64{"b": 1}},
		{"ties break the same in reverse", FirstTouch, now, "", []Touch{{ClickID: "b", At: now}, {ClickID: "a", At: now}}, map[string]float64{"a": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shares := Attribute(tt.model, tt.at, tt.own, tt.touches)
			got := map[string]float64{}
			sum := 0.0
			for _, s := range shares {
				got[s.ClickID] += s.Weight
				sum += s.Weight
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Attribute = %v; want %v", got, tt.want)
			}
			for id, w := range tt.want {
				if math.Abs(got[id]-w) > 1e-12 {
					t.Fatalf("Attribute = %v; want %v", got, tt.want)
				}
			}
			if len(shares) > 0 && math.Abs(sum-1) > 1e-12 {
				t.Errorf("shares sum to %v; want 1", sum)
			}
		})
	}
}

func TestParseModel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Model{"": LastTouch, "last_touch": LastTouch, "first_touch": FirstTouch, "linear": Linear} {
		if got, err := ParseModel(in); err != nil || got != want {
			t.Errorf("ParseModel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseModel("data_driven"); err == nil {
		t.Errorf("ParseModel(data_driven) = nil error; want Invalid")
	}
}

// TestBuildFunnel checks the funnel arithmetic on the hand-built history:
// a purchase of 300 now by the visitor, a lead, an unattributed purchase,
// an inbox inquiry for campaign 2, and visits on their own clicks.
func TestBuildFunnel(t *testing.T) {
	t.Parallel()
	f := Filter{From: now.Add(-30 * day), To: now.Add(time.Hour)}
	totals := []ClickTotal{
		{CampaignID: ptr[int64](1), Channel: "wechat", Clicks: 90, HumanClicks: 70, UniqueClicks: 50, EffectiveClicks: 40, EngagedVisits: 20},
		{CampaignID: ptr[int64](2), Channel: "weibo", Clicks: 100, HumanClicks: 80, UniqueClicks: 70, EffectiveClicks: 60, EngagedVisits: 30},
		{Channel: "xiaohongshu", Clicks: 300, HumanClicks: 200, UniqueClicks: 150, EffectiveClicks: 100, EngagedVisits: 10},
	}
	conv := func(event string, value float64, c *int64, ch, click string) Conversion {
		return Conversion{Event: event, Value: value, CampaignID: c, Channel: ch, ClickID: click, At: now}
	}
	facts := []Fact{
		{Conversion: conv(Purchase, 300, nil, "xiaohongshu", "c3"), Touches: history},
		{Conversion: conv(Lead, 0, nil, "xiaohongshu", "c3"), Touches: history},
		{Conversion: conv(Purchase, 50, nil, "", "")},
		{Conversion: conv(Inquiry, 0, ptr[int64](2), "phone", "")},
		{Conversion: conv(AddToCart, 0, nil, "", ""), Touches: history[1:2]},
	}
	// Visits are counted by the store, for the period only (VisitTotals).
	visits := []VisitTotal{{CampaignID: ptr[int64](1), Channel: "wechat", Landing: 1, Engaged: 1}}
	in := funnelInput{totals: totals, visits: visits, facts: facts}
	third := 1.0 / 3
	tests := []struct {
		name   string
		filter Filter
		model  Model
		check  func(t *testing.T, fn Funnel)
	}{
		{"facts outside the period", Filter{From: now.Add(time.Minute), To: now.Add(time.Hour)}, LastTouch, func(t *testing.T, fn Funnel) {
			want(t, "purchases", fn.Purchases, 0)
			want(t, "leads", fn.Leads, 0)
		}},
		{"last touch total", f, LastTouch, func(t *testing.T, fn Funnel) {
			want(t, "clicks", float64(fn.Clicks), 490)
			want(t, "human_clicks", float64(fn.HumanClicks), 350)
			want(t, "unique_clicks", float64(fn.UniqueClicks), 270)
			want(t, "effective_clicks", float64(fn.EffectiveClicks), 200)
			want(t, "purchases", fn.Purchases, 2)
			want(t, "revenue", fn.Revenue, 350)
			want(t, "leads", fn.Leads, 1)
			want(t, "inquiries", fn.Inquiries, 1)
			want(t, "landing", fn.Landing, 1)
			want(t, "purchase intent", fn.PurchaseIntent, 1)
			want(t, "unattributed", fn.Unattributed, 1)
			want(t, "lead_conversion_rate", *fn.LeadConversionRate, 1.0/200)
			want(t, "purchase_conversion_rate", *fn.PurchaseConversionRate, 2)
		}},
		{"last touch, campaign 1", Filter{CampaignID: ptr[int64](1), From: f.From, To: f.To}, LastTouch, func(t *testing.T, fn Funnel) {
			want(t, "clicks", float64(fn.Clicks), 90)
			want(t, "unique_clicks", float64(fn.UniqueClicks), 50)
			want(t, "effective_clicks", float64(fn.EffectiveClicks), 40)
			want(t, "purchases", fn.Purchases, 0)
			want(t, "landing", fn.Landing, 1)
			want(t, "engaged", fn.Engaged, 1)
			want(t, "purchase intent", fn.PurchaseIntent, 1)
			if fn.PurchaseConversionRate != nil {
				t.Errorf("purchase_conversion_rate = %v; want nil with no leads", *fn.PurchaseConversionRate)
			}
		}},
		{"first touch, campaign 1", Filter{CampaignID: ptr[int64](1), From: f.From, To: f.To}, FirstTouch, func(t *testing.T, fn Funnel) {
			want(t, "purchases", fn.Purchases, 1)
			want(t, "revenue", fn.Revenue, 300)
			want(t, "leads", fn.Leads, 1)
			want(t, "lead_conversion_rate", *fn.LeadConversionRate, 1.0/40)
		}},
		{"linear, campaign 2", Filter{CampaignID: ptr[int64](2), From: f.From, To: f.To}, Linear, func(t *testing.T, fn Funnel) {
			want(t, "purchases", fn.Purchases, third)
			want(t, "revenue", fn.Revenue, 100)
			want(t, "leads", fn.Leads, third)
			want(t, "inquiries", fn.Inquiries, 1)
			want(t, "purchase_conversion_rate", *fn.PurchaseConversionRate, 1)
		}},
		{"linear, channel weibo", Filter{Channel: "weibo", From: f.From, To: f.To}, Linear, func(t *testing.T, fn Funnel) {
			want(t, "effective_clicks", float64(fn.EffectiveClicks), 60)
			want(t, "revenue", fn.Revenue, 100)
			want(t, "inquiries", fn.Inquiries, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows := buildFunnel(tt.filter, tt.model, "", in)
			if len(rows) != 1 {
				t.Fatalf("buildFunnel without a breakdown returned %d rows; want 1", len(rows))
			}
			tt.check(t, rows[0].Funnel)
		})
	}

	t.Run("by campaign, linear", func(t *testing.T) {
		t.Parallel()
		rows := buildFunnel(f, Linear, ByCampaign, in)
		keys := []string{}
		byKey := map[string]Funnel{}
		sum := 0.0
		for _, r := range rows {
			keys = append(keys, r.Key)
			byKey[r.Key] = r.Funnel
			sum += r.Revenue
		}
		if len(keys) != 3 || keys[0] != "1" || keys[1] != "2" || keys[2] != "" {
			t.Fatalf("rows %v; want [1 2 \"\"]", keys)
		}
		want(t, "campaign 1 revenue", byKey["1"].Revenue, 100)
		want(t, "campaign 2 revenue", byKey["2"].Revenue, 100)
		want(t, "no campaign revenue (c3 third + unattributed)", byKey[""].Revenue, 150)
		want(t, "revenue over rows", sum, 350)
	})
	// A link deleted since: its clicks are gone, so its conversions have
	// no touches, but they keep the campaign they arrived with, as its
	// landing does.
	t.Run("deleted link", func(t *testing.T) {
		t.Parallel()
		visits := []VisitTotal{{CampaignID: ptr[int64](1), Channel: "wechat", Landing: 1}}
		gone := []Fact{
			{Conversion: conv(Lead, 0, ptr[int64](1), "wechat", "gone")},
			{Conversion: conv(Purchase, 100, ptr[int64](1), "wechat", "gone")},
		}
		for _, m := range []Model{LastTouch, FirstTouch, Linear} {
			rows := buildFunnel(Filter{CampaignID: ptr[int64](1), From: f.From, To: f.To}, m, "", funnelInput{visits: visits, facts: gone})
			if fn := rows[0].Funnel; fn.Landing != 1 || fn.Leads != 1 || fn.Revenue != 100 || fn.Unattributed != 0 {
				t.Errorf("%s: landing %v, leads %v, revenue %v, unattributed %v; want 1, 1, 100, 0", m, fn.Landing, fn.Leads, fn.Revenue, fn.Unattributed)
			}
		}
	})
	// A deleted link of no campaign: its conversions arrived attributed to
	// its click and channel, so they keep the channel, as its landing
	// does, and are not counted unattributed.
	t.Run("deleted link outside any campaign", func(t *testing.T) {
		t.Parallel()
		visits := []VisitTotal{{Channel: "weibo", Landing: 1}}
		gone := []Fact{
			{Conversion: conv(Lead, 0, nil, "weibo", "gone")},
			{Conversion: conv(Purchase, 100, nil, "weibo", "gone")},
		}
		for _, m := range []Model{LastTouch, FirstTouch, Linear} {
			if fn := buildFunnel(Filter{From: f.From, To: f.To}, m, "", funnelInput{visits: visits, facts: gone})[0].Funnel; fn.Unattributed != 0 {
				t.Errorf("%s, all: unattributed %v; want 0", m, fn.Unattributed)
			}
			fn := buildFunnel(Filter{Channel: "weibo", From: f.From, To: f.To}, m, "", funnelInput{visits: visits, facts: gone})[0].Funnel
			if fn.Landing != 1 || fn.Leads != 1 || fn.Revenue != 100 {
				t.Errorf("%s, weibo: landing %v, leads %v, revenue %v; want 1, 1, 100", m, fn.Landing, fn.Leads, fn.Revenue)
			}
		}
	})
	// Links outside any campaign that only crawlers followed: their clicks
	// are in the total, so a breakdown has their row, and its rows sum to
	// the total.
	t.Run("by campaign, clicks only outside campaigns", func(t *testing.T) {
		t.Parallel()
		bots := []ClickTotal{totals[0], {Channel: "weibo", Clicks: 5}}
		rows := buildFunnel(f, LastTouch, ByCampaign, funnelInput{totals: bots})
		var sum int64
		for _, r := range rows {
			sum += r.Clicks
		}
		if len(rows) != 2 || rows[1].Key != "" || sum != 95 {
			t.Errorf("%d rows summing to %d clicks; want 2, the last \"\", summing to 95", len(rows), sum)
		}
	})
	t.Run("by channel, last touch", func(t *testing.T) {
		t.Parallel()
		rows := buildFunnel(f, LastTouch, ByChannel, in)
		byKey := map[string]Funnel{}
		for _, r := range rows {
			byKey[r.Key] = r.Funnel
		}
		want(t, "xiaohongshu revenue", byKey["xiaohongshu"].Revenue, 300)
		want(t, "phone inquiries", byKey["phone"].Inquiries, 1)
		want(t, "wechat landing", byKey["wechat"].Landing, 1)
		want(t, "unattributed revenue", byKey[""].Revenue, 50)
	})
}

func want(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %v; want %v", name, got, want)
	}
}

// TestPeriodWholeHours: a period runs on whole UTC hours, as clicks are
// counted, from the first whole hour at or after each edge — the hours
// campaign targets are measured by — so that its clicks and its
// conversions cover the same time, and in a zone such as Asia/Kolkata
// (UTC+05:30) a local day is 24 hours from 00:30 to 00:30, none of them
// counted on the day before as well.
func TestPeriodWholeHours(t *testing.T) {
	t.Parallel()
	s := &Service{Now: func() time.Time { return now.Add(25 * time.Minute) }}
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	// days is the period of the local days first … last in loc, as the
	// API reads from=first&to=last.
	days := func(loc *time.Location, first, last int) Filter {
		return Filter{From: time.Date(2026, 3, first, 0, 0, 0, 0, loc), To: time.Date(2026, 3, last+1, 0, 0, 0, 0, loc)}
	}
	utc := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		in       Filter
		from, to time.Time
	}{
		{"default: the last Window, to the end of this hour", Filter{}, now.Add(time.Hour - Window), now.Add(time.Hour)},
		{"inside hours", Filter{From: now.Add(-time.Second), To: now.Add(time.Hour + time.Second)}, now, now.Add(2 * time.Hour)},
		{"whole hours stay", Filter{From: now.Add(-day), To: now}, now.Add(-day), now},
		{"a day in Asia/Shanghai", days(zone("Asia/Shanghai"), 1, 1), utc(0, 16), utc(1, 16)}, // 2026-02-28T16:00Z
		{"a day in Asia/Kolkata, 00:30 to 00:30", days(zone("Asia/Kolkata"), 1, 1), utc(0, 19), utc(1, 19)},
		{"the next day begins where it ends", days(zone("Asia/Kolkata"), 2, 2), utc(1, 19), utc(2, 19)},
		{"a week in Asia/Kolkata", days(zone("Asia/Kolkata"), 1, 7), utc(0, 19), utc(7, 19)},
		{"a day in Asia/Kathmandu, 00:45 to 00:45", days(zone("Asia/Kathmandu"), 1, 1), utc(0, 19), utc(1, 19)},
		{"a day in America/St_Johns, 00:30 to 00:30", days(zone("America/St_Johns"), 1, 1), utc(1, 4), utc(2, 4)},
	}
	for _, tt := range tests {
		f, err := s.period(tt.in)
		if err != nil || !f.From.Equal(tt.from) || !f.To.Equal(tt.to) {
			t.Errorf("%s: %v – %v (%v), %v; want %v – %v", tt.name, f.From, f.To, f.To.Sub(f.From), err, tt.from, tt.to)
		}
	}
}
