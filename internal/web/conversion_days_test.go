package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestHalfHourDaysAgree: in an Asia/Kolkata workspace (UTC+05:30), whose
// days are measured from 00:30 to 00:30 (the first whole UTC hour in
// each), the funnel's days, the link page's days and the campaign's days
// count the same clicks and purchases, stored in both databases around
// every midnight, and sum to the funnel of the whole period: nothing
// counted on two days, nothing left out.
func TestHalfHourDaysAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		tn := h.tenant("acme", account.Owner)
		loc, err := time.LoadLocation("Asia/Kolkata")
		must(t, err)
		tn.ws.TimeZone = "Asia/Kolkata"
		must(t, db.UpdateWorkspace(ctx, tn.ws))

		// Three days that are over, in Kolkata.
		now := time.Now().In(loc)
		midnight := func(i int) time.Time { // of the i-th day, 1 … 3; 4 ends the third
			return time.Date(now.Year(), now.Month(), now.Day()-6+i, 0, 0, 0, 0, loc)
		}
		date := func(i int) string { return midnight(i).Format(time.DateOnly) }
		c, err := h.campaigns.Create(ctx, tn.ws.ID, campaign.Campaign{Name: "Diwali", Slug: "diwali", Objective: "sales", Start: campaign.Date(date(1)), End: campaign.Date(date(3)), Budget: 100})
		must(t, err)
		metrics := []string{"clicks", "purchases", "revenue"}
		for _, m := range metrics {
			_, err = h.campaigns.AddTarget(ctx, tn.ws.ID, c.ID, campaign.Target{Metric: m, Value: 100000})
			must(t, err)
		}
		phase := map[int64]int{} // phase id → day
		for i := 1; i <= 3; i++ {
			c, err = h.campaigns.AddPhase(ctx, tn.ws.ID, c.ID, campaign.Phase{Name: "Day " + date(i), Objective: "sales", Start: campaign.Date(date(i)), End: campaign.Date(date(i))})
			must(t, err)
			id := c.Phases[len(c.Phases)-1].ID
			phase[id] = i
			for _, m := range metrics {
				_, err = h.campaigns.AddTarget(ctx, tn.ws.ID, c.ID, campaign.Target{PhaseID: id, Metric: m, Value: 1})
				must(t, err)
			}
		}
		l, err := h.links.Create(ctx, tn.ws.ID, link.Input{Destination: "https://shop.example.in/", Label: "Diwali", CampaignID: &c.ID, Channel: "wechat"})
		must(t, err)

		// Around each midnight, a click and five minutes later a purchase:
		// 20 minutes before, 10 after (both in the UTC hour from 23:30, of
		// the day before), 40 after and at noon. The 10 minutes after
		// midnight of the first day count on the day before it, outside the
		// period; those after the last midnight on the third day. The day
		// before the first is the first of the last 7 days, and 00:10 on it
		// is on the day before.
		clicks := []time.Time{midnight(0).Add(10 * time.Minute), midnight(0).Add(40 * time.Minute)}
		for i := 1; i <= 4; i++ {
			m := midnight(i)
			clicks = append(clicks, m.Add(-20*time.Minute), m.Add(10*time.Minute))
			if i < 4 {
				clicks = append(clicks, m.Add(40*time.Minute), m.Add(12*time.Hour))
			}
		}
		site := conversion.Site{WorkspaceID: tn.ws.ID, Currency: "CNY"}
		want := map[int]map[string]float64{} // day → figure; 0 is the period
		for i := 0; i <= 3; i++ {
			want[i] = map[string]float64{}
		}
		for n, at := range clicks {
			id := link.NewClickID()
			_, err := db.WriteClicks(ctx, []link.Click{{ClickID: id, WorkspaceID: tn.ws.ID, LinkID: l.ID, At: at.UTC(), Class: link.Human,
				Visitor: fmt.Sprint("v", n), UniqueDay: at.UTC().Format(time.DateOnly)}})
			must(t, err)
			ts, value := at.Add(5*time.Minute).UTC(), float64(n+1)
			res, err := h.conversions.Collect(ctx, site, conversion.SourceServer, conversion.Payload{Event: conversion.Purchase, ClickID: id,
				OrderID: fmt.Sprint("o", n), Value: value, Currency: "CNY", TS: &ts})
			must(t, err)
			if !res.Attributed {
				t.Fatalf("purchase %d not attributed", n)
			}
			// The day of a click is the local day in which its UTC hour
			// begins.
			hour := at.UTC().Truncate(time.Hour).In(loc)
			for i := 1; i <= 3; i++ {
				if !hour.Before(midnight(i)) && hour.Before(midnight(i+1)) {
					for _, d := range []int{0, i} {
						want[d]["clicks"]++
						want[d]["purchases"]++
						want[d]["revenue"] += value
					}
				}
			}
		}
		if want[0]["clicks"] != 12 || want[1]["clicks"] != 4 {
			t.Fatalf("the test's own days: %v", want)
		}

		// The funnel, per day and for the period.
		funnel := func(from, to int) map[string]float64 {
			status, fn := h.api("GET", "/workspaces/acme/funnel?from="+date(from)+"&to="+date(to), tn.token, nil)
			if status != http.StatusOK {
				t.Fatalf("funnel: status %d: %s", status, jsonText(fn))
			}
			if fn["day_start"] != "00:30" {
				t.Errorf("funnel of %s … %s: day_start %v, want 00:30", date(from), date(to), fn["day_start"])
			}
			out := map[string]float64{}
			for _, m := range metrics {
				out[m], _ = fn[m].(float64)
			}
			return out
		}
		check := func(what string, got, want map[string]float64) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: %v, want %v", what, got, want)
			}
		}
		for i := 1; i <= 3; i++ {
			check("funnel of "+date(i), funnel(i, i), want[i])
		}
		check("funnel of the period", funnel(1, 3), want[0])

		// The campaign: each phase is a day, the campaign the period.
		status, plan := h.api("GET", fmt.Sprintf("/workspaces/acme/campaigns/%d/plan", c.ID), tn.token, nil)
		if status != http.StatusOK {
			t.Fatalf("plan: status %d: %s", status, jsonText(plan))
		}
		got := map[int]map[string]float64{0: {}, 1: {}, 2: {}, 3: {}}
		var walk func(nodes []any)
		walk = func(nodes []any) {
			for _, n := range nodes {
				n := n.(map[string]any)
				tg := n["target"].(map[string]any)
				pid, _ := tg["phase_id"].(float64)
				got[phase[int64(pid)]][tg["metric"].(string)], _ = n["actual"].(float64)
				children, _ := n["children"].([]any)
				walk(children)
			}
		}
		nodes, _ := plan["kpi"].([]any)
		walk(nodes)
		for i := 0; i <= 3; i++ {
			check(fmt.Sprintf("campaign, day %d", i), got[i], want[i])
		}

		// The link page: its daily chart over the last 30 days.
		b := h.signedIn(tn)
		_, page := b.get(fmt.Sprintf("/w/acme/links/%d?period=30d", l.ID))
		m := regexp.MustCompile(`id="clicks-chart" data-chart="([^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the link page has no clicks chart")
		}
		var chart struct {
			XAxis  struct{ Data []string }
			Series []struct{ Data []float64 }
		}
		must(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &chart))
		sum := 0.0
		for i := 1; i <= 3; i++ {
			label := midnight(i).Format("01-02")
			for j, d := range chart.XAxis.Data {
				if d == label {
					check("link page, "+label, map[string]float64{"clicks": chart.Series[0].Data[j]}, map[string]float64{"clicks": want[i]["clicks"]})
					sum += chart.Series[0].Data[j]
				}
			}
		}
		if sum != want[0]["clicks"] {
			t.Errorf("link page: the three days sum to %v clicks, want %v", sum, want[0]["clicks"])
		}

		// The conversions page's last 7 days, today included, begin at
		// 00:30 six days ago: all the clicks but the first.
		_, page = b.get("/w/acme/conversions?days=7")
		if m := regexp.MustCompile(`id="stage-effective_clicks"><td>[^<]*</td><td class="num"[^>]*>([^<]*)<`).FindStringSubmatch(page); m == nil || m[1] != fmt.Sprint(len(clicks)-1) {
			t.Errorf("conversions page, last 7 days: effective clicks %v, want %d", m, len(clicks)-1)
		}

		// Every page whose figures run by days says when they begin, in
		// both languages; the hourly chart has no days.
		const zh, en = "此处每天从 00:30 算到次日 00:30（Asia/Kolkata）", "Days here run from 00:30 to 00:30 (Asia/Kolkata)"
		for _, p := range []struct {
			path string
			note bool
		}{
			{"/w/acme/conversions", true},
			{fmt.Sprintf("/w/acme/links/%d?period=30d", l.ID), true},
			{fmt.Sprintf("/w/acme/links/%d?period=24h", l.ID), false},
		} {
			for _, lang := range []struct{ code, note string }{{"zh-CN", zh}, {"en", en}} {
				_, body, _ := b.do("GET", p.path, nil, map[string]string{"Accept-Language": lang.code})
				if has := strings.Contains(body, lang.note); has != p.note {
					t.Errorf("%s in %s: day note %v, want %v", p.path, lang.code, has, p.note)
				}
			}
		}
	})
}

// TestLinkAndFunnelDaysAgree: the link page's 7 and 30 days are the
// conversions page's, the last days of the workspace's calendar with
// today, so a campaign's only link shows the effective clicks its funnel
// shows, and its chart a point for each of those days, none for a part of
// the day before. The zone puts local noon at the test's hour, so that the
// day before the period has hours within 30 × 24 hours of now.
func TestLinkAndFunnelDaysAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		tn := h.tenant("acme", account.Owner)
		now := time.Now()
		offset := 12 - now.UTC().Hour()
		tn.ws.TimeZone = fmt.Sprintf("Etc/GMT%+d", -offset)
		loc, err := time.LoadLocation(tn.ws.TimeZone)
		must(t, err)
		must(t, db.UpdateWorkspace(ctx, tn.ws))
		l, err := h.links.Create(ctx, tn.ws.ID, link.Input{Destination: "https://shop.example.com/", Label: "Only", Channel: "weibo"})
		must(t, err)
		local := now.In(loc)
		day := func(i int) time.Time { // midnight i days before today
			return time.Date(local.Year(), local.Month(), local.Day()-i, 0, 0, 0, 0, loc)
		}
		// For each period, a click in the evening of the day before it and
		// one in the first hour of its first day; one today.
		var clicks []time.Time
		for _, days := range []int{7, 30} {
			clicks = append(clicks, day(days).Add(18*time.Hour), day(days-1).Add(30*time.Minute))
		}
		clicks = append(clicks, day(0).Add(30*time.Minute))
		for n, at := range clicks {
			_, err := db.WriteClicks(ctx, []link.Click{{ClickID: link.NewClickID(), WorkspaceID: tn.ws.ID, LinkID: l.ID, At: at.UTC(), Class: link.Human,
				Visitor: fmt.Sprint("v", n), UniqueDay: at.In(loc).Format(time.DateOnly)}})
			must(t, err)
		}
		b := h.signedIn(tn)
		figure := func(path, pattern string) string {
			t.Helper()
			_, page := b.get(path)
			m := regexp.MustCompile(pattern).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("%s: no %s", path, pattern)
			}
			return m[1]
		}
		for _, days := range []int{7, 30} {
			funnel := figure(fmt.Sprintf("/w/acme/conversions?days=%d", days), `id="stage-effective_clicks"><td>[^<]*</td><td class="num"[^>]*>([^<]*)<`)
			linkPage := fmt.Sprintf("/w/acme/links/%d?period=%dd", l.ID, days)
			// The 30 days hold the evening before the 7.
			want := map[int]string{7: "2", 30: "4"}[days]
			if got := figure(linkPage, `id="total-effective">([^<]*)<`); got != want || funnel != want {
				t.Errorf("last %d days: link page %s effective clicks, conversions page %s; want both %s", days, got, funnel, want)
			}
			var chart struct{ XAxis struct{ Data []string } }
			must(t, json.Unmarshal([]byte(html.UnescapeString(figure(linkPage, `id="clicks-chart" data-chart="([^"]*)"`))), &chart))
			if n := len(chart.XAxis.Data); n != days || chart.XAxis.Data[0] != day(days-1).Format("01-02") {
				t.Errorf("last %d days: the chart has %d days from %v; want %d from %s", days, n, chart.XAxis.Data[:1], days, day(days-1).Format("01-02"))
			}
		}
	})
}

// TestAPIPeriodDefaults: the funnel's and a link's stats take the period
// their OpenAPI document gives (periodParams), as the insights do: with
// neither edge the last 30 days of the workspace's calendar, today
// included, as the pages count them; with one edge, 30 days from or to it.
func TestAPIPeriodDefaults(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	tn := h.tenant("acme", account.Owner)
	loc := tn.ws.Location()
	l, err := h.links.Create(ctx, tn.ws.ID, link.Input{Destination: "https://shop.example.com/", Label: "A", Channel: "weibo"})
	must(t, err)
	midnight := func(y int, m time.Month, d int) string {
		return time.Date(y, m, d, 0, 0, 0, 0, loc).UTC().Format(time.RFC3339)
	}
	today := time.Now().In(loc)
	for _, tt := range []struct {
		query, from, to string
	}{
		{"", midnight(today.Year(), today.Month(), today.Day()-29), midnight(today.Year(), today.Month(), today.Day()+1)},
		{"from=2026-03-01", midnight(2026, 3, 1), midnight(2026, 3, 31)},
		{"to=2026-03-31", midnight(2026, 3, 2), midnight(2026, 4, 1)},
		{"from=2026-03-01&to=2026-03-01", midnight(2026, 3, 1), midnight(2026, 3, 2)},
	} {
		for _, path := range []string{"/workspaces/acme/funnel", fmt.Sprintf("/workspaces/acme/links/%d/stats", l.ID)} {
			status, out := h.api("GET", path+"?"+tt.query, tn.token, nil)
			if status != http.StatusOK || out["from"] != tt.from || out["to"] != tt.to {
				t.Errorf("%s?%s: status %d, from %v to %v; want 200, %s to %s", path, tt.query, status, out["from"], out["to"], tt.from, tt.to)
			}
		}
		// The insights give days: the first is from's, the last the one
		// before to.
		status, out := h.api("GET", "/workspaces/acme/insights/sentiment?"+tt.query, tn.token, nil)
		points, _ := out["points"].([]any)
		day := func(rfc string, back int) string {
			at, _ := time.Parse(time.RFC3339, rfc)
			return at.In(loc).AddDate(0, 0, -back).Format(time.DateOnly)
		}
		if status != http.StatusOK || len(points) == 0 || points[0].(map[string]any)["day"] != day(tt.from, 0) ||
			points[len(points)-1].(map[string]any)["day"] != day(tt.to, 1) {
			t.Errorf("insights?%s: status %d, %d days; want 200, %s to %s", tt.query, status, len(points), day(tt.from, 0), day(tt.to, 1))
		}
	}
	// A date that is none is told as the same mistake everywhere.
	for _, path := range []string{"/workspaces/acme/funnel", fmt.Sprintf("/workspaces/acme/links/%d/stats", l.ID), "/workspaces/acme/insights/sentiment"} {
		if status, out := h.api("GET", path+"?from=yesterday", tn.token, nil); status != http.StatusUnprocessableEntity || !strings.Contains(jsonText(out), `"error.when"`) {
			t.Errorf("%s?from=yesterday: status %d: %s; want 422, error.when", path, status, jsonText(out))
		}
	}
}

// TestFunnelRowsEmpty: a funnel asked for a breakdown gives its rows as a
// list also when nothing was counted, as its OpenAPI document says
// (an array), and none without by.
func TestFunnelRowsEmpty(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	tn := h.tenant("acme", account.Owner)
	for _, tt := range []struct {
		query   string
		hasRows bool
	}{
		{"by=campaign&from=2026-03-01&to=2026-03-07", true},
		{"by=channel&from=2026-03-01&to=2026-03-07", true},
		{"from=2026-03-01&to=2026-03-07", false},
	} {
		status, out := h.api("GET", "/workspaces/acme/funnel?"+tt.query, tn.token, nil)
		rows, has := out["rows"]
		if list, isList := rows.([]any); status != http.StatusOK || has != tt.hasRows || has && (!isList || len(list) != 0) {
			t.Errorf("funnel?%s: status %d, rows %v (present %v); want 200, present %v and empty", tt.query, status, rows, has, tt.hasRows)
		}
	}
}
