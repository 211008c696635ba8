package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/report"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestFunnelStages(t *testing.T) {
	t.Parallel()
	// More leads than inquiries: a lead needs no inquiry.
	// The visit steps count clicks, not the visit events a second tap adds to.
	fn := conversion.Funnel{EffectiveClicks: 200, LandedClicks: 200, Landing: 230, EngagedVisits: 100, Engaged: 120, Inquiries: 10, Leads: 25, Purchases: 5}
	want := []struct {
		key         string
		rate, share float64 // -1: nil
	}{
		{"effective_clicks", -1, -1},
		{"landing", 1, 1},
		{"engaged", 0.5, 0.5},
		{"inquiries", 0.1, 0.05},
		{"leads", 2.5, 0.125},
		{"purchases", 0.2, 0.025},
	}
	got := funnelStages(fn)
	if len(got) != len(want) {
		t.Fatalf("%d stages, want %d", len(got), len(want))
	}
	val := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	for i, w := range want {
		g := got[i]
		if g.Key != w.key || val(g.Rate) != w.rate || val(g.Share) != w.share {
			t.Errorf("stage %d = %s rate %v share %v; want %s rate %v share %v", i, g.Key, val(g.Rate), val(g.Share), w.key, w.rate, w.share)
		}
	}
	// No effective clicks and no engaged visits: no shares, and no rate
	// after an empty stage.
	got = funnelStages(conversion.Funnel{LandedClicks: 3, Leads: 2})
	for _, g := range got {
		if g.Share != nil {
			t.Errorf("%s: share %v of no effective clicks", g.Key, *g.Share)
		}
	}
	if got[1].Rate != nil || got[2].Rate == nil || *got[2].Rate != 0 || got[3].Rate != nil || got[4].Rate != nil {
		t.Errorf("rates = landing %v, engaged %v, inquiries %v, leads %v; want nil, 0, nil, nil", got[1].Rate, got[2].Rate, got[3].Rate, got[4].Rate)
	}
}

// TestFunnelChartLinear: the funnel's bars are drawn on a linear axis, so
// that 461 purchases look a twentieth of 10,037 effective clicks (a log
// axis drew them 80 % as long), and labelled as the table writes counts.
func TestFunnelChartLinear(t *testing.T) {
	t.Parallel()
	l := lang{s: &Server{cat: mustCatalog(t)}, loc: "en"}
	opt := chartJSON(t, funnelChart(funnelStages(conversion.Funnel{EffectiveClicks: 10037, LandedClicks: 9433, EngagedVisits: 5471, Inquiries: 1238, Leads: 847, Purchases: 461}), l))
	if typ := optAt(t, opt, "xAxis")["type"]; typ != "value" {
		t.Errorf("xAxis type %v, want value (linear)", typ)
	}
	series, _ := opt["series"].([]any)
	data, _ := series[0].(map[string]any)["data"].([]any)
	widest, _ := data[len(data)-1].(map[string]any)
	label, _ := widest["label"].(map[string]any)
	if f := label["formatter"]; f != "10,037" {
		t.Errorf("label of the effective clicks = %v, want 10,037", f)
	}
}

// TestFunnelEngagedVisits: the funnel's landings and engaged visits are
// effective clicks whose visitor landed, and whose visit engaged
// (METRICS.md engaged_visits), as the API and the link page count them: a
// person who taps a link twice and whose two page loads both report
// landing and engagement is one effective click, one landing and one
// engaged visit, not two, so no step outgrows the effective clicks.
func TestFunnelEngagedVisits(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	l, err := h.links.Create(ctx, f.owner.ws.ID, link.Input{Destination: "https://shop.example.com/twice", CampaignID: &f.camp.ID, Channel: "weibo"})
	must(t, err)
	var cids []string
	for range 2 {
		cid := link.NewClickID()
		cids = append(cids, cid)
		h.clicks.Record(link.Hit{ClickID: cid, LinkID: l.ID, WorkspaceID: f.owner.ws.ID, Loc: time.UTC, At: time.Now(), Method: "GET", UserAgent: chromeUA, IP: "198.51.100.9"})
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err1 := h.db.Click(ctx, cids[0])
		_, err2 := h.db.Click(ctx, cids[1])
		if err1 == nil && err2 == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("clicks not written")
		}
	}
	site := conversion.Site{WorkspaceID: f.owner.ws.ID, Currency: "CNY"}
	for _, cid := range cids {
		for _, ev := range []string{conversion.Landing, conversion.Engaged} {
			_, err := h.conversions.Collect(ctx, site, conversion.SourceSnippet, conversion.Payload{Event: ev, ClickID: cid})
			must(t, err)
		}
	}
	got, err := h.links.Get(ctx, f.owner.ws.ID, l.ID)
	must(t, err)
	if got.Counts.UniqueClicks != 1 || got.Counts.EffectiveClicks != 1 || got.Counts.EngagedVisits != 1 {
		t.Fatalf("link counts %+v; want 1 unique, 1 effective, 1 engaged visit", got.Counts)
	}

	b := h.signedIn(f.owner)
	_, body := b.get("/w/acme/conversions")
	// The fixture's person landed without engaging; this one engaged once.
	stage := regexp.MustCompile(`<tr id="stage-engaged"><td>[^<]*</td><td class="num"[^>]*>([^<]*)</td>`).FindStringSubmatch(body)
	if stage == nil || stage[1] != "1" {
		t.Errorf("engaged visits stage = %q; want 1", stage)
	}
	// The fixture's person and this one landed: 2 of 2 effective clicks.
	stage = regexp.MustCompile(`<tr id="stage-landing"><td>[^<]*</td><td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td>`).FindStringSubmatch(body)
	if stage == nil || stage[1] != "2" || stage[2] != "100%" {
		t.Errorf("landing stage (count, rate) = %q; want 2 at 100%%", stage)
	}
	row := regexp.MustCompile(`(?s)<tr data-key="weibo">\s*<td>[^<]*</td><td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td>`).FindStringSubmatch(body)
	if row == nil || row[1] != "1" || row[2] != "1" || row[3] != "1" {
		t.Errorf("weibo row (effective, landings, engaged visits) = %q; want 1 of each", row)
	}
}

// TestFunnelRowsOrder: the tables by campaign and by channel list the
// rows with the most effective clicks first, not in the order of their
// keys (campaign ID, channel name), and the unattributed row last.
func TestFunnelRowsOrder(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	spring, err := h.campaigns.Create(ctx, f.owner.ws.ID, campaign.Campaign{Name: "春季上新", Slug: "spring", Objective: "sales", Start: "2026-01-01", End: "2026-12-31", Budget: 100})
	must(t, err)
	l, err := h.links.Create(ctx, f.owner.ws.ID, link.Input{Destination: "https://shop.example.com/spring", CampaignID: &spring.ID, Channel: "zhihu"})
	must(t, err)
	// Two people: two effective clicks, more than the fixture's one.
	var cids []string
	for _, ip := range []string{"198.51.100.9", "198.51.100.10"} {
		cid := link.NewClickID()
		cids = append(cids, cid)
		h.clicks.Record(link.Hit{ClickID: cid, LinkID: l.ID, WorkspaceID: f.owner.ws.ID, Loc: time.UTC, At: time.Now(), Method: "GET", UserAgent: chromeUA, IP: ip})
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err1 := h.db.Click(ctx, cids[0])
		_, err2 := h.db.Click(ctx, cids[1])
		if err1 == nil && err2 == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("clicks not written")
		}
	}
	time.Sleep(100 * time.Millisecond) // the rest of the batch
	b := h.signedIn(f.owner)
	_, body := b.get("/w/acme/conversions")
	keys := regexp.MustCompile(`<tr data-key="([^"]*)">`)
	order := func(id string) []string {
		var out []string
		for _, m := range keys.FindAllStringSubmatch(section(body, `id="by-`+id+`"`, "</table>"), -1) {
			out = append(out, m[1])
		}
		return out
	}
	if got, want := order("campaign"), []string{strconv.FormatInt(spring.ID, 10), strconv.FormatInt(f.camp.ID, 10), ""}; !slices.Equal(got, want) {
		t.Errorf("rows by campaign %q, want %q", got, want)
	}
	if got, want := order("channel"), []string{"zhihu", "xiaohongshu", ""}; !slices.Equal(got, want) {
		t.Errorf("rows by channel %q, want %q", got, want)
	}
}

// TestPurchaseIntentExplained: purchase intent, a figure beside the
// funnel rather than one of its steps, says what it counts (METRICS.md),
// in both languages, beside the figure and on the tables' column.
func TestPurchaseIntentExplained(t *testing.T) {
	f := newTrackingFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	_, zh := b.get("/w/acme/conversions")
	_, en, _ := b.do("GET", "/w/acme/conversions", nil, map[string]string{"Accept-Language": "en"})
	for _, tt := range []struct{ body, note string }{
		// 购买意向, as Chinese marketers say it: 消费倾向 is the economists'
		// propensity to consume.
		{zh, "购买意向：加入购物车、领取优惠券和开始结账"},
		{en, "Purchase intent: add-to-cart, coupon-claim and checkout-start"},
	} {
		note := section(tt.body, `id="purchase-intent-note"`, "</p>")
		if !strings.Contains(note, tt.note) {
			t.Errorf("note on purchase intent %q, want %q", note, tt.note)
		}
		if !strings.Contains(tt.body, `aria-describedby="purchase-intent-note"`) || strings.Count(section(tt.body, `id="by-campaign"`, "</thead>"), `title="`) != 1 {
			t.Error("the figure or the tables' column of purchase intent does not point to what it counts")
		}
	}
	// A campaign's KPI of purchase intent is named as the conversions page
	// names the figure.
	cat := mustCatalog(t)
	for _, lang := range Locales {
		if kpi, page := cat.T(lang, "metric.purchase_intent", nil), cat.T(lang, "tracking.purchase_intent", nil); kpi != page {
			t.Errorf("%s: the KPI is %q, the conversions page says %q", lang, kpi, page)
		}
	}
}

// TestFunnelTableStacksOnPhone: the funnel's table turns into a block per
// step on a phone, each figure after its column's name, rather than a
// table whose share of effective clicks sits off screen, as the tables by
// campaign and by channel do.
func TestFunnelTableStacksOnPhone(t *testing.T) {
	f := newTrackingFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	_, body := b.get("/w/acme/conversions")
	for _, p := range stackProblems(t, body, "funnel-table") {
		t.Error(p)
	}
}

// TestLinearCreditRounded: a lead and a purchase of 100 shared by linear
// attribution between three clicks on three channels show as 0.33 and
// 33.33 in the funnel's API, on the conversions page, in the campaign
// plan's API and in its workbook, where the API answered the float sums
// of the shares (0.3333333333333333) and the page and the workbook
// rounded them otherwise (0.3, 0).
func TestLinearCreditRounded(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	acme := newConvFixture(t, h, "acme")
	for _, ch := range []string{"weibo", "douyin"} {
		l, err := h.links.Create(ctx, acme.tn.ws.ID, link.Input{Destination: "https://shop.example/landing", CampaignID: &acme.campaign, Channel: ch})
		must(t, err)
		clickThrough(t, h, l)
	}
	cid := clickThrough(t, h, acme.link)
	origin := map[string]string{"Origin": "https://shop.example"}
	for _, body := range []string{payload("key", acme.key, "event", "lead", "cid", cid), payload("key", acme.key, "event", "purchase", "cid", cid, "value", 100, "order_id", "o-1")} {
		if status, out, _ := collect(t, h, body, origin); status != 200 || out["attributed"] != true {
			t.Fatalf("collect %s: status %d: %v", body, status, out)
		}
	}
	_, err := h.campaigns.AddTarget(ctx, acme.tn.ws.ID, acme.campaign, campaign.Target{Metric: "leads", Value: 3, Platform: "weibo"})
	must(t, err)
	_, err = h.campaigns.AddTarget(ctx, acme.tn.ws.ID, acme.campaign, campaign.Target{Metric: "revenue", Value: 300, Platform: "weibo"})
	must(t, err)

	today := time.Now().UTC()
	period := "from=" + today.AddDate(0, 0, -2).Format(time.DateOnly) + "&to=" + today.AddDate(0, 0, 2).Format(time.DateOnly)
	status, fn := h.api("GET", "/workspaces/acme/funnel?model=linear&by=channel&"+period, acme.tn.token, nil)
	rows, _ := fn["rows"].([]any)
	if status != 200 || len(rows) != 3 {
		t.Fatalf("funnel by channel: status %d: %s", status, jsonText(fn))
	}
	for _, r := range rows {
		if r := r.(map[string]any); r["leads"] != 0.33 || r["purchases"] != 0.33 || r["revenue"] != 33.33 {
			t.Errorf("funnel row %v: leads %v, purchases %v, revenue %v; want 0.33, 0.33, 33.33", r["key"], r["leads"], r["purchases"], r["revenue"])
		}
	}

	b := h.signedIn(acme.tn)
	_, page := b.get("/w/acme/conversions?model=linear&days=7")
	row := section(page, `data-key="wechat"`, "</tr>")
	for _, want := range []string{`data-label="潜在客户">0.33<`, `data-label="购买">0.33<`, `>33.33<`} {
		if !strings.Contains(row, want) {
			t.Errorf("conversions page, wechat row lacks %s: %s", want, row)
		}
	}

	plan := fmt.Sprintf("/workspaces/acme/campaigns/%d/plan?model=linear", acme.campaign)
	status, out := h.api("GET", plan, acme.tn.token, nil)
	actual := map[string]any{}
	nodes, _ := out["kpi"].([]any)
	for _, n := range nodes {
		n := n.(map[string]any)
		actual[n["target"].(map[string]any)["metric"].(string)] = n["actual"]
	}
	if status != 200 || actual["leads"] != 0.33 || actual["revenue"] != 33.33 {
		t.Errorf("plan actuals under linear: status %d, %v; want leads 0.33, revenue 33.33", status, actual)
	}
	status, xbody, _ := b.do("GET", fmt.Sprintf("/w/acme/strategy/campaigns/%d/plan.xlsx?model=linear", acme.campaign), nil, nil)
	if status != 200 {
		t.Fatalf("plan.xlsx: status %d", status)
	}
	x, err := excelize.OpenReader(strings.NewReader(xbody))
	must(t, err)
	defer x.Close()
	sheet, _ := x.GetRows(report.SheetKPI)
	got := map[string]string{}
	for _, r := range sheet {
		if len(r) > 8 {
			got[r[3]] = r[8]
		}
	}
	if !slices.ContainsFunc(sheet, func(r []string) bool { return len(r) > 8 && r[8] == "0.33" }) ||
		!slices.ContainsFunc(sheet, func(r []string) bool { return len(r) > 8 && r[8] == "33.33" }) {
		t.Errorf("plan.xlsx actuals %v; want 0.33 leads and 33.33 of revenue", got)
	}
}

// TestReportsNeedReadReports: revenue and ROI are for the roles that read
// reports. An agent, who answers customers, gets neither the evaluation
// pages nor the funnel and conversions of the API; an analyst gets them.
func TestReportsNeedReadReports(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	token := func(role account.Role) string {
		tok, _, err := h.accounts.NewToken(ctx, account.Principal{User: account.User{ID: 1}, Workspace: owner.ws, Role: account.Owner}, role, string(role))
		must(t, err)
		return tok
	}
	for _, tt := range []struct {
		role account.Role
		want int
	}{{account.Agent, http.StatusForbidden}, {account.Analyst, http.StatusOK}} {
		tok := token(tt.role)
		for _, path := range []string{"/workspaces/acme/funnel", "/workspaces/acme/conversions"} {
			if status, body := h.api("GET", path, tok, nil); status != tt.want {
				t.Errorf("%s GET %s: %d %s; want %d", tt.role, path, status, jsonText(body), tt.want)
			}
		}
		b := h.member(owner, string(tt.role)+"@acme.test", tt.role)
		for _, path := range []string{"/w/acme/evaluation", "/w/acme/conversions"} {
			if status, _ := b.get(path); status != tt.want {
				t.Errorf("%s %s: %d; want %d", tt.role, path, status, tt.want)
			}
		}
		// The navigation and the links page lead there only those who may go.
		_, page := b.get("/w/acme/links")
		for _, link := range []string{`data-section="evaluation"`, `id="to-conversions"`} {
			if strings.Contains(page, link) != (tt.want == http.StatusOK) {
				t.Errorf("%s: links page has %s: %v", tt.role, link, strings.Contains(page, link))
			}
		}
	}
}

// TestEmptyFunnelSaysWhatToDo: a workspace without clicks in the period
// sees, above the funnel's table of zeros, what brings the first ones
// (tracked links and the snippet), with links to both, and no chart of
// zeros (an empty axis); one with clicks sees the chart and no note.
func TestEmptyFunnelSaysWhatToDo(t *testing.T) {
	f := newTrackingFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	if _, body := b.get("/w/acme/conversions"); strings.Contains(body, `id="funnel-empty"`) || !strings.Contains(body, `id="funnel-chart"`) {
		t.Error("a workspace with clicks is told it has none, or not shown its funnel's chart")
	}
	fresh := f.h.tenant("fresh", account.Owner)
	nb := f.h.browser()
	nb.login(fresh.email, fresh.password)
	for _, lang := range Locales {
		_, body, _ := nb.do("GET", "/w/fresh/conversions", nil, map[string]string{"Accept-Language": lang})
		note := section(body, `id="funnel-empty"`, "</p>")
		if note == body || !strings.Contains(note, `href="/w/fresh/links"`) || !strings.Contains(note, `href="#snippet"`) {
			t.Errorf("%s: an empty funnel does not say where clicks come from: %s", lang, note)
		}
		if strings.Contains(body, `id="funnel-chart"`) {
			t.Errorf("%s: an empty funnel draws a chart of zeros", lang)
		}
	}
}

// TestConversionListLimit: the API's list of conversions takes a page of
// 1 to 500 and names the limit when asked for another.
func TestConversionListLimit(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	for _, c := range []struct {
		limit  string
		status int
	}{{"1", 200}, {"500", 200}, {"0", 422}, {"501", 422}, {"ten", 422}} {
		status, got := h.api("GET", "/workspaces/acme/conversions?limit="+c.limit, owner.token, nil)
		if status != c.status || (status == 422 && !strings.Contains(fmt.Sprint(got), "field:limit")) {
			t.Errorf("limit=%s: %d %v; want %d", c.limit, status, got, c.status)
		}
	}
}
