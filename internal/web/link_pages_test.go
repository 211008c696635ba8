package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// trackingFixture is a workspace with a campaign, a tracked link of it
// with a few clicks of each kind, and a purchase attributed to it.
type trackingFixture struct {
	h            *harness
	owner, other tenant
	camp         campaign.Campaign
	link         link.Link
}

func newTrackingFixture(t *testing.T) trackingFixture {
	t.Helper()
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	f := trackingFixture{h: h, owner: h.tenant("acme", account.Owner), other: h.tenant("other", account.Owner)}
	var err error
	f.camp, err = h.campaigns.Create(ctx, f.owner.ws.ID, campaign.Campaign{Name: "冬日暖咖季", Slug: "winter", Objective: "sales", Start: "2026-01-01", End: "2026-12-31", Budget: 100})
	must(t, err)
	f.link, err = h.links.Create(ctx, f.owner.ws.ID, link.Input{Destination: "https://shop.example.com/winter", Label: "阿May 笔记", CampaignID: &f.camp.ID, Channel: "xiaohongshu"})
	must(t, err)
	// The other workspace has a link too, which acme must never see.
	_, err = h.links.Create(ctx, f.other.ws.ID, link.Input{Destination: "https://rival.example.com/", Label: "Rival secret link"})
	must(t, err)

	now := time.Now()
	hit := func(ua, method string) string {
		cid := link.NewClickID()
		h.clicks.Record(link.Hit{ClickID: cid, LinkID: f.link.ID, WorkspaceID: f.owner.ws.ID, Loc: time.UTC, At: now, Method: method, UserAgent: ua, IP: "203.0.113.7", Referrer: "https://www.xiaohongshu.com/explore"})
		return cid
	}
	human := hit(chromeUA, "GET")
	hit("Mozilla/5.0 (compatible; Sinaweibobot; +http://weibo.com)", "GET")
	hit("Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", "GET")
	hit(chromeUA, "GET") // the same person again: human, not unique
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := h.db.Click(ctx, human); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("clicks not written")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the rest of the batch
	site := conversion.Site{WorkspaceID: f.owner.ws.ID, Currency: "CNY"}
	for _, p := range []conversion.Payload{
		{Event: conversion.Landing, ClickID: human},
		{Event: conversion.Lead, ClickID: human},
		{Event: conversion.Purchase, ClickID: human, Value: 199, Currency: "CNY", OrderID: "o-1"},
		{Event: conversion.Purchase, Value: 50, Currency: "CNY", OrderID: "o-2"}, // no click: unattributed
	} {
		res, err := h.conversions.Collect(ctx, site, conversion.SourceServer, p)
		must(t, err)
		if !res.Attributed && p.OrderID != "o-2" {
			t.Fatalf("%s not attributed", p.Event)
		}
	}
	return f
}

var comingNav = regexp.MustCompile(`data-section="(execution|evaluation)">[^<]*<span class="badge coming"`)

func (f trackingFixture) linkPath() string { return fmt.Sprintf("/w/acme/links/%d", f.link.ID) }

// pages are every tracking page of acme with what the owner must see.
func (f trackingFixture) pages() []struct {
	path     string
	contains []string
} {
	return []struct {
		path     string
		contains []string
	}{
		{"/w/acme/execution", []string{`id="links"`, "阿May 笔记", "冬日暖咖季", "/l/" + f.link.Code, `badge link-active`, "qr.png", "qr.svg"}},
		{"/w/acme/links", []string{`id="links"`, "阿May 笔记", `aria-current="page" data-section="execution"`}},
		{f.linkPath(), []string{`id="clicks-chart"`, `data-chart=`, "/l/" + f.link.Code, `data-copy=`, `id="breakdown-class"`, `data-key="preview"`, `data-key="bot"`, `data-key="human"`, "www.xiaohongshu.com", "utm_campaign=winter"}},
		{f.linkPath() + "?period=24h", []string{`id="clicks-chart"`, `id="total-clicks">4<`, `id="total-human">2<`, `id="total-unique">1<`, `id="total-effective">1<`}},
		{"/w/acme/evaluation", []string{`id="funnel-chart"`, `id="by-campaign"`, `id="by-channel"`, "冬日暖咖季", "不属于任何活动或未归因", "无渠道或未归因", `id="snippet-tag"`, "/t.js", "data-key=", `chorus.track("purchase"`, "/api/v1/collect"}},
		{"/w/acme/conversions?model=linear&days=7", []string{`value="linear" selected`, `value="7" selected`, `id="funnel-chart"`, `class="num revenue" data-label="收入 (CNY)">199<`}},
		{"/w/acme/conversions?model=bogus&days=3", []string{`value="last_touch" selected`, `value="30" selected`}},
	}
}

func TestTrackingPages(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()

	anon := h.browser()
	if status, _ := anon.get("/w/acme/links"); status != http.StatusSeeOther {
		t.Errorf("anonymous links page: status %d, want redirect to sign-in", status)
	}

	b := h.signedIn(f.owner)
	for _, p := range f.pages() {
		t.Run("owner "+p.path, func(t *testing.T) {
			status, body := b.get(p.path)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200", status)
			}
			for _, c := range p.contains {
				if !strings.Contains(body, c) {
					t.Errorf("page lacks %q", c)
				}
			}
			if strings.Contains(body, "Rival secret link") || strings.Contains(body, f.other.ws.Name) {
				t.Errorf("page shows the other workspace's data")
			}
			if comingNav.MatchString(body) {
				t.Errorf("execution or evaluation is still marked as coming")
			}
		})
	}
	for _, p := range []string{"/w/acme/execution", "/w/acme/conversions"} {
		_, body := b.get(p)
		for _, want := range []string{`id="link-form"`, `id="rotate-key"`} {
			if p == "/w/acme/execution" && want == `id="rotate-key"` || p == "/w/acme/conversions" && want == `id="link-form"` {
				continue
			}
			if !strings.Contains(body, want) {
				t.Errorf("owner's %s lacks %s", p, want)
			}
		}
	}
	if status, _ := b.get("/w/acme/links/999999"); status != http.StatusNotFound {
		t.Errorf("unknown link: status %d, want 404", status)
	}

	t.Run("create through the form", func(t *testing.T) {
		b.get("/w/acme/links")
		form := url.Values{"destination": {"https://shop.example.com/p?sku=12#buy"}, "label": {"微博话题主帖"}, "campaign_id": {itoa64(f.camp.ID)},
			"channel": {"weibo"}, "utm_content": {"post-42"}, "expires_at": {time.Now().AddDate(0, 1, 0).Format("2006-01-02T15:04")}}
		status, body, hdr := b.post("/w/acme/links", form)
		if status != http.StatusSeeOther || hdr.Get("Location") != "/w/acme/links" {
			t.Fatalf("create: status %d, location %q: %.300s", status, hdr.Get("Location"), body)
		}
		_, body = b.get("/w/acme/links")
		if !strings.Contains(body, "微博话题主帖") || !strings.Contains(body, `class="flash ok"`) {
			t.Errorf("created link not listed, or no confirmation")
		}
		links, err := h.links.List(ctx, f.owner.ws.ID, link.Filter{Channel: "weibo"})
		must(t, err)
		if len(links) != 1 || links[0].ExpiresAt == nil || links[0].UTM.Campaign != "winter" || links[0].UTM.Content != "post-42" {
			t.Fatalf("stored links = %+v", links)
		}
		if got := links[0].Tagged(); !strings.Contains(got, "sku=12") || !strings.HasSuffix(got, "#buy") || !strings.Contains(got, "utm_source=weibo") {
			t.Errorf("tagged = %q", got)
		}
	})

	t.Run("hostile destination", func(t *testing.T) {
		for _, dest := range []string{"javascript:alert(1)", "https://user:pw@shop.example.com/", "data:text/html,<script>alert(1)</script>", ""} {
			status, body, _ := b.post("/w/acme/links", url.Values{"destination": {dest}, "label": {"x"}})
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="link-destination-err"`) || !strings.Contains(body, `aria-invalid="true" aria-describedby="link-destination-err"`) {
				t.Errorf("destination %q: status %d, want 422 with an error at the destination field", dest, status)
			}
			if strings.Contains(body, "<script>alert") {
				t.Errorf("destination %q shown unescaped", dest)
			}
		}
		status, body, _ := b.post("/w/acme/links", url.Values{"destination": {"https://shop.example.com/"}, "expires_at": {"next week"}, "campaign_id": {"abc"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="link-expires_at-err"`) || !strings.Contains(body, `id="link-campaign_id-err"`) {
			t.Errorf("bad expiry and campaign: status %d, want 422 at both fields", status)
		}
		// An expiry that is no time does not hide the other fields' mistakes.
		status, body, _ = b.post("/w/acme/links", url.Values{"destination": {"javascript:alert(1)"}, "label": {strings.Repeat("长", link.MaxLabel+1)},
			"channel": {"Not A Channel"}, "expires_at": {"next week"}})
		for _, field := range []string{"destination", "label", "channel", "expires_at"} {
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="link-`+field+`-err"`) {
				t.Errorf("bad expiry with other mistakes: status %d, no error at %s", status, field)
			}
		}
		// Nor does a campaign that is no number, or one that does not exist.
		for _, camp := range []string{"abc", "999999"} {
			status, body, _ = b.post("/w/acme/links", url.Values{"destination": {""}, "campaign_id": {camp}, "expires_at": {"2020-01-01T10:00"}})
			for _, field := range []string{"destination", "campaign_id", "expires_at"} {
				if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="link-`+field+`-err"`) {
					t.Errorf("campaign %q with other mistakes: status %d, no error at %s", camp, status, field)
				}
			}
		}
	})

	t.Run("UTM preview", func(t *testing.T) {
		form := url.Values{"destination": {"https://shop.example.com/p?a=1"}, "label": {"Note"}, "campaign_id": {itoa64(f.camp.ID)}, "channel": {"douyin"}, "csrf": {b.csrf}}
		status, body, _ := b.do("POST", "/w/acme/links/preview", form, map[string]string{"HX-Request": "true"})
		if status != 200 || !strings.HasPrefix(strings.TrimSpace(body), `<div id="link-preview"`) || strings.Contains(body, "<html") {
			t.Fatalf("htmx preview: status %d, body %.200q", status, body)
		}
		for _, want := range []string{"a=1&amp;utm_source=douyin&amp;utm_medium=social&amp;utm_campaign=winter&amp;utm_content=Note", `id="tagged-url"`} {
			if !strings.Contains(body, want) {
				t.Errorf("preview lacks %q: %s", want, body)
			}
		}
		// Without JavaScript the preview button answers the whole page.
		status, body, _ = b.post("/w/acme/links/preview", url.Values{"destination": {"https://shop.example.com/"}, "channel": {"weibo"}})
		if status != 200 || !strings.Contains(body, "<html") || !strings.Contains(body, `id="tagged-url"`) || !strings.Contains(body, `value="weibo" selected`) {
			t.Errorf("plain preview: status %d", status)
		}
		_, body, _ = b.do("POST", "/w/acme/links/preview", url.Values{"destination": {"javascript:alert(1)"}, "csrf": {b.csrf}}, map[string]string{"HX-Request": "true"})
		if !strings.Contains(body, `class="field-error"`) {
			t.Errorf("preview of a hostile destination shows no error: %s", body)
		}
	})

	t.Run("disable and enable", func(t *testing.T) {
		b.get("/w/acme/links")
		status, _, hdr := b.post(f.linkPath()+"/disable", url.Values{"back": {"detail"}})
		if status != http.StatusSeeOther || hdr.Get("Location") != f.linkPath() {
			t.Fatalf("disable: status %d, location %q", status, hdr.Get("Location"))
		}
		_, body := b.get("/w/acme/links")
		if !strings.Contains(body, fmt.Sprintf(`id="link-%d" class="state-disabled"`, f.link.ID)) {
			t.Errorf("disabled link not shown as disabled")
		}
		if resp, err := http.Get(h.ts.URL + "/l/" + f.link.Code); err != nil || resp.StatusCode != http.StatusGone {
			t.Errorf("redirect of a disabled link: %v %v", resp, err)
		}
		if status, _, _ := b.post(f.linkPath()+"/enable", nil); status != http.StatusSeeOther {
			t.Errorf("enable: status %d", status)
		}
		l, err := h.links.Get(ctx, f.owner.ws.ID, f.link.ID)
		must(t, err)
		if l.DisabledAt != nil {
			t.Errorf("link still disabled")
		}
	})

	t.Run("rotate the public key", func(t *testing.T) {
		before, err := h.conversions.PublicKey(ctx, f.owner.ws.ID)
		must(t, err)
		b.get("/w/acme/conversions")
		status, _, hdr := b.post("/w/acme/conversions/rotate-key", nil)
		if status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/w/acme/conversions") {
			t.Fatalf("rotate: status %d", status)
		}
		after, err := h.conversions.PublicKey(ctx, f.owner.ws.ID)
		must(t, err)
		_, body := b.get("/w/acme/conversions")
		if after == before || !strings.Contains(body, after) || strings.Contains(body, before) {
			t.Errorf("key not rotated or not shown: before %s after %s", before, after)
		}
	})
}

func TestTrackingRoles(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()

	// An analyst of acme sees the pages, no create or rotate buttons, and
	// may change nothing.
	a := h.member(f.owner, "analyst@example.com", account.Analyst)
	for _, p := range f.pages() {
		status, body := a.get(p.path)
		if status != http.StatusOK {
			t.Errorf("analyst GET %s: status %d, want 200", p.path, status)
		}
		for _, hidden := range []string{`id="link-form"`, `id="create-link"`, `id="rotate-key"`, `class="link disable-link"`, `action="` + f.linkPath() + `/disable"`} {
			if strings.Contains(body, hidden) {
				t.Errorf("analyst sees %s on %s", hidden, p.path)
			}
		}
	}
	posts := []string{"/w/acme/links", "/w/acme/links/preview", f.linkPath() + "/disable", f.linkPath() + "/enable", "/w/acme/conversions/rotate-key"}
	for _, path := range posts {
		if status, _, _ := a.post(path, url.Values{"destination": {"https://shop.example.com/"}}); status != http.StatusForbidden {
			t.Errorf("analyst POST %s: status %d, want 403", path, status)
		}
	}
	if links, _ := h.links.List(ctx, f.owner.ws.ID, link.Filter{}); len(links) != 1 {
		t.Errorf("analyst's posts changed the links: %d", len(links))
	}

	// A member of another workspace gets 404 on every page and post.
	o := h.signedIn(f.other)
	for _, p := range f.pages() {
		if status, body := o.get(p.path); status != http.StatusNotFound || strings.Contains(body, "阿May 笔记") {
			t.Errorf("other workspace's member GET %s: status %d, want 404", p.path, status)
		}
	}
	o.get("/w/other/links")
	for _, path := range posts {
		if status, _, _ := o.post(path, url.Values{"destination": {"https://shop.example.com/"}}); status != http.StatusNotFound {
			t.Errorf("other workspace's member POST %s: status %d, want 404", path, status)
		}
	}
	// Their own links page does not show acme's link.
	if status, body := o.get("/w/other/links"); status != 200 || strings.Contains(body, "阿May 笔记") || !strings.Contains(body, "Rival secret link") {
		t.Errorf("other's own links page: status %d", status)
	}
}

func TestRegionLabel(t *testing.T) {
	t.Parallel()
	s := &Server{cat: mustCatalog(t)}
	tests := []struct{ loc, key, want string }{
		{"zh-CN", "CN-SH", "中国 · 上海"},
		{"en", "CN-SH", "China · Shanghai"},
		{"zh-CN", "CN", "中国"},
		{"en", "US-CA", "United States · CA"},
		{"zh-CN", "HK", "中国香港特别行政区"}, // CLDR's name
		// A code no catalog names stays as it came.
		{"en", "CN-Shanghai", "China · Shanghai"},
		{"en", "XX", "XX"},
		{"en", "not a place", "not a place"},
	}
	for _, tt := range tests {
		if got := bucketLabel(lang{s: s, loc: tt.loc}, "region", tt.key); got != tt.want {
			t.Errorf("%s: region %q = %q, want %q", tt.loc, tt.key, got, tt.want)
		}
	}
	if got := bucketLabel(lang{s: s, loc: "zh-CN"}, "region", ""); got != s.cat.T("zh-CN", "tracking.unknown", nil) {
		t.Errorf("no region = %q, want the catalog's unknown", got)
	}
}

// TestEffectiveFallbackNotes: a link from whose page no landing was ever
// reported counts its unique clicks as effective, and the links list, its
// page and the funnel say so; a link with the snippet says nothing.
func TestEffectiveFallbackNotes(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	b := h.signedIn(f.owner)
	const note = `id="effective-fallback"`
	for _, path := range []string{"/w/acme/links", f.linkPath(), "/w/acme/evaluation"} {
		if _, body := b.get(path); strings.Contains(body, note) {
			t.Errorf("%s has the fallback note, though every link reported a landing", path)
		}
	}
	plain, err := h.links.Create(ctx, f.owner.ws.ID, link.Input{Destination: "https://shop.example.com/plain", Label: "无代码页", CampaignID: &f.camp.ID, Channel: "weibo"})
	must(t, err)
	now := time.Now().UTC()
	_, err = h.db.WriteClicks(ctx, []link.Click{{ClickID: link.NewClickID(), WorkspaceID: f.owner.ws.ID, LinkID: plain.ID, At: now,
		Class: link.Human, Visitor: "v-plain", UniqueDay: now.Format(time.DateOnly)}})
	must(t, err)
	for _, p := range []struct {
		path string
		want []string
	}{
		{"/w/acme/links", []string{note, `class="muted fallback-mark"`}},
		{fmt.Sprintf("/w/acme/links/%d", plain.ID), []string{note, `id="total-effective">1<`}},
		{"/w/acme/evaluation", []string{note, "有 1 个链接的部分点击早于落地页首次上报落地"}},
	} {
		_, body := b.get(p.path)
		for _, w := range p.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", p.path, w)
			}
		}
	}
	if _, body := b.get(f.linkPath()); strings.Contains(body, note) {
		t.Errorf("the link with the snippet has the fallback note")
	}
}

// TestRegionNote: the hint that regions need --geoip shows only while no
// click of the link has a region.
func TestRegionNote(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	b := h.signedIn(f.owner)
	if _, body := b.get(f.linkPath()); !strings.Contains(body, `id="region-note"`) {
		t.Error("a link without located clicks lacks the GeoIP hint")
	}
	now := time.Now().UTC()
	_, err := h.db.WriteClicks(ctx, []link.Click{{ClickID: link.NewClickID(), WorkspaceID: f.owner.ws.ID, LinkID: f.link.ID, At: now,
		Class: link.Human, Visitor: "v-located", Country: "CN", Region: "SH"}})
	must(t, err)
	if _, body := b.get(f.linkPath()); strings.Contains(body, `id="region-note"`) {
		t.Error("a link with a located click still shows the GeoIP hint")
	}
}

// TestClicksChartLabels: the hourly chart names each hour by the local
// time it begins at, so that in Asia/Kolkata (UTC+05:30) the hour from
// 18:00 UTC reads 23:30, not 23:00; whole-hour zones read as before.
func TestClicksChartLabels(t *testing.T) {
	t.Parallel()
	l := lang{s: &Server{cat: mustCatalog(t)}, loc: "en"}
	h := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	st := link.Stats{From: h, To: h.Add(2 * time.Hour), Hourly: []link.Point{{At: h, Counts: link.Counts{Clicks: 2}}}}
	for _, tt := range []struct{ zone, want string }{
		{"Asia/Kolkata", `["03-01 23:30","03-02 00:30"]`},
		{"Asia/Kathmandu", `["03-01 23:45","03-02 00:45"]`},
		{"Asia/Shanghai", `["03-02 02:00","03-02 03:00"]`},
	} {
		loc, err := time.LoadLocation(tt.zone)
		must(t, err)
		cats, err := json.Marshal(optAt(t, chartJSON(t, clicksChart(st, true, loc, l)), "xAxis")["data"])
		must(t, err)
		if got := string(cats); got != tt.want {
			t.Errorf("%s: hours %s, want %s", tt.zone, got, tt.want)
		}
	}
}

// TestLinkEditPage: the link's page changes its destination (checked as
// on create, against the allowlist), label and expiry, each refusal
// beside its field with what was typed kept; a field left as it was is
// not sent, so a new label saves though the destination is outside an
// allowlist set after it.
func TestLinkEditPage(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	b := h.signedIn(f.owner)
	stored := func() link.Link {
		t.Helper()
		l, err := h.links.Get(ctx, f.owner.ws.ID, f.link.ID)
		must(t, err)
		return l
	}
	// form is the edit form as the page fills it, with changes.
	form := func(changes ...string) url.Values {
		l := stored()
		v := url.Values{"destination": {l.Destination}, "label": {l.Label}, "expires_at": {""}}
		if l.ExpiresAt != nil {
			v.Set("expires_at", l.ExpiresAt.In(f.owner.ws.Location()).Format("2006-01-02T15:04"))
		}
		for i := 0; i+1 < len(changes); i += 2 {
			v.Set(changes[i], changes[i+1])
		}
		return v
	}
	save := func(t *testing.T, v url.Values) {
		t.Helper()
		status, body, hdr := b.post(f.linkPath(), v)
		if status != http.StatusSeeOther || hdr.Get("Location") != f.linkPath() {
			t.Fatalf("save %v: status %d, location %q: %.400s", v, status, hdr.Get("Location"), body)
		}
	}
	refuse := func(t *testing.T, v url.Values, field string, want ...string) {
		t.Helper()
		before := stored()
		status, body, _ := b.post(f.linkPath(), v)
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", status)
		}
		for _, w := range append(want, `id="link-`+field+`-err"`, `aria-invalid="true" aria-describedby="link-`+field+`-err"`, `id="edit-link"><details open>`) {
			if !strings.Contains(body, w) {
				t.Errorf("refusal lacks %q", w)
			}
		}
		if after := stored(); after.Destination != before.Destination || after.Label != before.Label || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("refused edit changed the link: %+v", after)
		}
	}

	_, body := b.get(f.linkPath())
	for _, want := range []string{`id="link-edit-form"`, `value="https://shop.example.com/winter"`, `value="阿May 笔记"`, `id="link-expires_at"`, f.link.Code, `id="delete-link"`} {
		if !strings.Contains(body, want) {
			t.Errorf("link page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="allowlist-note"`) {
		t.Error("the page speaks of an allowlist the workspace has not set")
	}

	t.Run("label", func(t *testing.T) {
		save(t, form("label", "阿May 笔记 · 二月"))
		if l := stored(); l.Label != "阿May 笔记 · 二月" || l.UTM != f.link.UTM || l.Destination != f.link.Destination {
			t.Errorf("after a new label: %+v", l)
		}
		_, body := b.get(f.linkPath())
		if !strings.Contains(body, `class="flash ok"`) || !strings.Contains(body, "阿May 笔记 · 二月") {
			t.Error("saved label not shown, or no confirmation")
		}
		long := strings.Repeat("长", link.MaxLabel+1)
		refuse(t, form("label", long), "label", `value="`+long+`"`)
	})

	t.Run("destination", func(t *testing.T) {
		save(t, form("destination", "https://shop.example.com/spring?utm_source=newsletter#top"))
		l := stored()
		if l.Code != f.link.Code || l.Destination != "https://shop.example.com/spring?utm_source=newsletter#top" {
			t.Fatalf("after a new destination: %+v", l)
		}
		want := "https://shop.example.com/spring?utm_source=xiaohongshu&utm_medium=social&utm_campaign=winter&utm_content=%E9%98%BFMay+%E7%AC%94%E8%AE%B0#top"
		if got := l.Tagged(); got != want {
			t.Errorf("tagged = %q, want %q", got, want)
		}
		resp, err := noFollow.Get(h.ts.URL + "/l/" + f.link.Code)
		must(t, err)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "https://shop.example.com/spring?utm_source=xiaohongshu&") {
			t.Errorf("redirect after the change: %d to %q", resp.StatusCode, loc)
		}
		refuse(t, form("destination", "javascript:alert(1)"), "destination", `value="javascript:alert(1)"`)
		refuse(t, form("destination", ""), "destination")
	})

	t.Run("expiry", func(t *testing.T) {
		next := time.Now().In(f.owner.ws.Location()).AddDate(0, 0, 10).Format("2006-01-02T15:04")
		save(t, form("expires_at", next))
		l := stored()
		if l.ExpiresAt == nil || l.ExpiresAt.In(f.owner.ws.Location()).Format("2006-01-02T15:04") != next {
			t.Fatalf("expiry = %v, want %s", l.ExpiresAt, next)
		}
		if _, body := b.get(f.linkPath()); !strings.Contains(body, `value="`+next+`"`) {
			t.Errorf("the form does not show the expiry %s", next)
		}
		// The form sent back unchanged leaves the expiry alone.
		save(t, form())
		if got := stored().ExpiresAt; got == nil || !got.Equal(*l.ExpiresAt) {
			t.Errorf("unchanged form moved the expiry to %v", got)
		}
		refuse(t, form("expires_at", "next week"), "expires_at", `value="next week"`)
		refuse(t, form("expires_at", "2020-01-01T10:00"), "expires_at", `value="2020-01-01T10:00"`)
		// An expiry that is no time does not hide the other fields' mistakes.
		refuse(t, form("expires_at", "next week", "destination", "javascript:alert(1)", "label", strings.Repeat("长", link.MaxLabel+1)), "expires_at",
			`id="link-destination-err"`, `id="link-label-err"`)
		// An expired link's form, its expiry untouched, saves a new label.
		l = stored()
		past := time.Now().Add(-time.Hour).UTC().Truncate(time.Minute)
		l.ExpiresAt = &past
		must(t, h.db.UpdateLink(ctx, l))
		save(t, form("label", "过期后改名"))
		if got := stored(); got.Label != "过期后改名" || got.ExpiresAt == nil || !got.ExpiresAt.Equal(past) {
			t.Errorf("expired link after a new label: %+v", got)
		}
		save(t, form("expires_at", ""))
		if got := stored().ExpiresAt; got != nil {
			t.Errorf("emptied expiry kept: %v", got)
		}
	})

	t.Run("allowlist", func(t *testing.T) {
		// The current destination, shop.example.com, is outside the list.
		_, err := h.links.SetAllowedDomains(ctx, f.owner.ws.ID, []string{"example.org"})
		must(t, err)
		_, body := b.get(f.linkPath())
		if !strings.Contains(body, `id="allowlist-note"`) || !strings.Contains(body, "example.org") {
			t.Error("the link page does not say which domains the allowlist allows")
		}
		save(t, form("label", "只改名称"))
		if l := stored(); l.Label != "只改名称" {
			t.Errorf("a new label was refused for the old destination: %+v", l)
		}
		refuse(t, form("destination", "https://evil.example.net/win"), "destination", `value="https://evil.example.net/win"`, "evil.example.net")
		save(t, form("destination", "https://www.example.org/landing"))
		if l := stored(); l.Destination != "https://www.example.org/landing" {
			t.Errorf("sub-domain of an allowed domain refused: %+v", l)
		}
	})

	t.Run("another workspace's link", func(t *testing.T) {
		o := h.signedIn(f.other)
		o.get("/w/other/links")
		for _, path := range []string{fmt.Sprintf("/w/other/links/%d", f.link.ID), fmt.Sprintf("/w/other/links/%d/delete", f.link.ID)} {
			if status, _, _ := o.post(path, url.Values{"destination": {"https://rival.example.com/"}, "label": {"taken"}}); status != http.StatusNotFound {
				t.Errorf("POST %s: status %d, want 404", path, status)
			}
		}
		if l := stored(); l.Label == "taken" {
			t.Error("another workspace's member changed the link")
		}
	})
}

// TestLinkDelete: deleting a link asks first, naming its clicks, deletes
// them with it, and its short link then answers "no such link".
func TestLinkDelete(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	b := h.signedIn(f.owner)
	cid := link.NewClickID()
	_, err := h.db.WriteClicks(ctx, []link.Click{{ClickID: cid, WorkspaceID: f.owner.ws.ID, LinkID: f.link.ID, At: time.Now().UTC(), Class: link.Human, Visitor: "v-delete"}})
	must(t, err)
	l, err := h.links.Get(ctx, f.owner.ws.ID, f.link.ID)
	must(t, err)
	_, body := b.get(f.linkPath())
	if confirm := fmt.Sprintf(`data-confirm="删除这个链接？它的 %d 次点击记录会一并删除`, l.Counts.Clicks); l.Counts.Clicks < 5 || !strings.Contains(body, confirm) {
		t.Errorf("delete button lacks %q (clicks %d)", confirm, l.Counts.Clicks)
	}
	status, _, hdr := b.post(f.linkPath()+"/delete", nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/w/acme/links" {
		t.Fatalf("delete: status %d, location %q", status, hdr.Get("Location"))
	}
	_, body = b.get("/w/acme/links")
	if !strings.Contains(body, "链接及其点击记录已删除") || strings.Contains(body, "阿May 笔记") {
		t.Error("no confirmation, or the deleted link is still listed")
	}
	if _, err := h.links.Get(ctx, f.owner.ws.ID, f.link.ID); err == nil {
		t.Error("link still stored")
	}
	if _, err := h.db.Click(ctx, cid); err == nil {
		t.Error("the deleted link's click is still stored")
	}
	resp, err := noFollow.Get(h.ts.URL + "/l/" + f.link.Code)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("short link of a deleted link: status %d, want 404", resp.StatusCode)
	}
	if status, _, _ := b.post(f.linkPath()+"/delete", nil); status != http.StatusNotFound {
		t.Errorf("deleting it again: status %d, want 404", status)
	}
}

// TestAllowlistSettings: owners and admins edit the destination-domain
// allowlist on the settings page, one domain a line; a malformed one is
// refused beside the field with what was typed kept; the links page then
// says which domains are allowed and refuses others; members who may not
// edit it see it read-only and are refused with 403.
func TestAllowlistSettings(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	b := h.signedIn(f.owner)
	domains := func() []string {
		t.Helper()
		d, err := h.links.AllowedDomains(ctx, f.owner.ws.ID)
		must(t, err)
		return d
	}
	_, body := b.get("/w/acme/settings")
	if !strings.Contains(body, `id="allowlist-form"`) || !strings.Contains(body, `<textarea id="allowlist-domains" name="domains"`) {
		t.Fatal("owner's settings page lacks the allowlist form")
	}

	status, _, hdr := b.post("/w/acme/settings/allowlist", url.Values{"domains": {"Shop.Example.com\r\n\r\nhttps://example.org, *.partner.example\n"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/w/acme/settings#allowlist" {
		t.Fatalf("save: status %d, location %q", status, hdr.Get("Location"))
	}
	if got, want := strings.Join(domains(), " "), "shop.example.com example.org partner.example"; got != want {
		t.Errorf("stored domains %q, want %q", got, want)
	}
	_, body = b.get("/w/acme/settings")
	if !strings.Contains(body, "shop.example.com\nexample.org\npartner.example</textarea>") || !strings.Contains(body, `class="flash ok"`) {
		t.Error("settings page does not show the saved domains, one a line, or no confirmation")
	}

	// A line is one entry: a space inside it does not split it into
	// others; names that allow no one public site are refused; each is
	// named with its line.
	typed := "shop.example.com\nhttp://bad domain\nlocalhost\n*.x\nbad_domain-.com"
	status, body, _ = b.post("/w/acme/settings/allowlist", url.Values{"domains": {typed}})
	errs := section(body, `id="allowlist-domains-err"`, "</div></div>")
	for _, want := range []string{"第 2 行：“http://bad domain”不是域名", "第 3 行：“localhost”只是单个名称", "第 4 行：“*.x”只是单个名称", "第 5 行：“bad_domain-.com”不是域名"} {
		if !strings.Contains(errs, want) {
			t.Errorf("malformed domains: %q not said beside the field: %s", want, errs)
		}
	}
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, ">"+typed+"</textarea>") {
		t.Errorf("malformed domains: status %d, want 422 with the text kept", status)
	}
	if got := len(domains()); got != 3 {
		t.Errorf("refused save changed the list: %d domains", got)
	}

	// The domains are listed with the language's own separator: 、 in
	// Chinese, not the English comma.
	_, body = b.get("/w/acme/links")
	if !strings.Contains(body, `id="allowlist-note"`) || !strings.Contains(body, "shop.example.com、example.org、partner.example") {
		t.Errorf("the create form does not say which domains are allowed: %s", section(body, `id="allowlist-note"`, "</p>"))
	}
	if _, en, _ := b.do("GET", "/w/acme/links", nil, map[string]string{"Accept-Language": "en"}); !strings.Contains(section(en, `id="allowlist-note"`, "</p>"), "shop.example.com, example.org, partner.example") {
		t.Errorf("the English create form does not list the allowed domains: %s", section(en, `id="allowlist-note"`, "</p>"))
	}
	status, body, _ = b.post("/w/acme/links", url.Values{"destination": {"https://evil.example.net/"}, "label": {"外链"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="link-destination-err"`) || !strings.Contains(body, "evil.example.net 不在") {
		t.Errorf("destination outside the allowlist: status %d, want 422 at the field", status)
	}
	// The refusal is said once, beside the field; the preview still shows
	// the address the link would tag.
	if n := strings.Count(body, "evil.example.net 不在"); n != 1 || !strings.Contains(section(body, `id="link-preview"`, "</code>"), "https://evil.example.net/?utm_medium=social") {
		t.Errorf("refusal said %d times, want once; preview: %s", n, section(body, `id="link-preview"`, "</div>\n</div>"))
	}
	// While typing, the preview is what answers: it says the refusal, once.
	_, body, _ = b.do("POST", "/w/acme/links/preview", url.Values{"destination": {"https://evil.example.net/"}, "csrf": {b.csrf}}, map[string]string{"HX-Request": "true"})
	if strings.Count(body, "evil.example.net 不在") != 1 || !strings.Contains(body, `id="tagged-url"`) {
		t.Errorf("live preview of a refused domain: %s", body)
	}
	// An address that is no address is said beside the field too, and the
	// preview says it waits for it.
	_, body, _ = b.post("/w/acme/links", url.Values{"destination": {"ftp://shop.example.com/"}})
	if preview := section(body, `id="link-preview"`, "</div>\n</div>"); !strings.Contains(body, `id="link-destination-err"`) || strings.Contains(preview, "field-error") || !strings.Contains(preview, "目标地址改正后") {
		t.Errorf("malformed destination: the preview repeats the field's error or says nothing: %s", preview)
	}

	// Emptied, the list allows every domain again.
	if status, _, _ := b.post("/w/acme/settings/allowlist", url.Values{"domains": {"  \n"}}); status != http.StatusSeeOther || len(domains()) != 0 {
		t.Errorf("emptying the list: status %d, domains %v", status, domains())
	}
	if _, body := b.get("/w/acme/links"); strings.Contains(body, `id="allowlist-note"`) {
		t.Error("the create form speaks of an emptied allowlist")
	}

	// An editor may change links but not the workspace's list; an analyst
	// neither. Both see the list.
	_, err := h.links.SetAllowedDomains(ctx, f.owner.ws.ID, []string{"shop.example.com"})
	must(t, err)
	ownerUser, err := h.accounts.UserByEmail(ctx, f.owner.email)
	must(t, err)
	op, err := h.accounts.Enter(ctx, ownerUser, "acme")
	must(t, err)
	for _, role := range []account.Role{account.Editor, account.Analyst} {
		t.Run(string(role), func(t *testing.T) {
			email := string(role) + "@example.com"
			_, err := h.accounts.CreateUser(ctx, email, string(role), "correct horse battery", false)
			must(t, err)
			_, err = h.accounts.AddMember(ctx, op, email, role)
			must(t, err)
			m := h.browser()
			m.login(email, "correct horse battery")
			_, body := m.get("/w/acme/settings")
			if strings.Contains(body, `id="allowlist-form"`) || !strings.Contains(body, `<ul class="plain" id="allowlist-domains"><li class="mono">shop.example.com</li></ul>`) {
				t.Error("settings page does not show the list read-only")
			}
			if status, _, _ := m.post("/w/acme/settings/allowlist", url.Values{"domains": {"evil.example.net"}}); status != http.StatusForbidden {
				t.Errorf("allowlist save: status %d, want 403", status)
			}
			_, body = m.get(f.linkPath())
			canEdit := role == account.Editor
			if strings.Contains(body, `id="link-edit-form"`) != canEdit || strings.Contains(body, `id="delete-link"`) != canEdit {
				t.Errorf("link page: edit form and delete button shown = %v, want %v", !canEdit, canEdit)
			}
			if !canEdit {
				for _, path := range []string{f.linkPath(), f.linkPath() + "/delete"} {
					if status, _, _ := m.post(path, url.Values{"destination": {"https://shop.example.com/x"}, "label": {"x"}}); status != http.StatusForbidden {
						t.Errorf("POST %s: status %d, want 403", path, status)
					}
				}
			}
		})
	}
	if got := domains(); len(got) != 1 || got[0] != "shop.example.com" {
		t.Errorf("members' posts changed the list: %v", got)
	}
	if _, err := h.links.Get(ctx, f.owner.ws.ID, f.link.ID); err != nil {
		t.Errorf("an analyst deleted the link: %v", err)
	}

	// Another workspace's member reaches neither acme's list nor its form.
	o := h.signedIn(f.other)
	o.get("/w/other/settings")
	if status, _, _ := o.post("/w/acme/settings/allowlist", url.Values{"domains": {"evil.example.net"}}); status != http.StatusNotFound {
		t.Errorf("other workspace's member: status %d, want 404", status)
	}
	if _, body := o.get("/w/other/settings"); !strings.Contains(body, `spellcheck="false"></textarea>`) {
		t.Error("another workspace's settings show acme's allowlist")
	}
}

// TestAllowlistOutsideLinks: saving an allowlist that existing links
// lead outside says, on the settings page and in both languages, how many
// they are and names the newest with links to their pages, and that they
// keep redirecting, as the redirect does.
func TestAllowlistOutsideLinks(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	ws := f.owner.ws.ID
	mk := func(dest, label string) link.Link {
		t.Helper()
		l, err := h.links.Create(ctx, ws, link.Input{Destination: dest, Label: label})
		must(t, err)
		return l
	}
	partner := mk("https://blog.partner.example/post", "合作方博客")
	outside := []link.Link{mk("https://other.example.net/x", "外站一")}
	for i := range 6 {
		outside = append(outside, mk(fmt.Sprintf("https://evil.example.org/%d", i), fmt.Sprintf("外站%d", i+2)))
	}
	b := h.signedIn(f.owner)
	b.get("/w/acme/settings")
	status, _, hdr := b.post("/w/acme/settings/allowlist", url.Values{"domains": {"shop.example.com\npartner.example"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/w/acme/settings#allowlist" {
		t.Fatalf("save: status %d, location %q; want 303 to the list", status, hdr.Get("Location"))
	}
	_, body := b.get("/w/acme/settings")
	note := section(body, `id="allowlist-outside"`, "</div>")
	for _, want := range []string{"7 个现有链接的目标地址不在白名单内", "仍照常跳转", "另有 2 个",
		`href="/w/acme/links/` + strconv.FormatInt(outside[6].ID, 10) + `"`, "外站7", "evil.example.org",
		`href="/w/acme/links/` + strconv.FormatInt(outside[2].ID, 10) + `"`} {
		if !strings.Contains(note, want) {
			t.Errorf("the note of links outside the list lacks %q: %s", want, note)
		}
	}
	for _, l := range []link.Link{f.link, partner, outside[0], outside[1]} {
		if strings.Contains(note, `href="/w/acme/links/`+strconv.FormatInt(l.ID, 10)+`"`) {
			t.Errorf("the note names %s (%s), which is allowed or not among the newest five", l.Label, l.Destination)
		}
	}
	_, en, _ := b.do("GET", "/w/acme/settings", nil, map[string]string{"Accept-Language": "en"})
	if note := section(en, `id="allowlist-outside"`, "</div>"); !strings.Contains(note, "7 existing links lead outside this list") || !strings.Contains(note, "keep redirecting") ||
		!strings.Contains(note, "and 2 more") {
		t.Errorf("English note: %s", note)
	}
	// As the note says: the redirect still takes such a link to its destination.
	status, _, hdr = b.do("GET", "/l/"+outside[0].Code, nil, nil)
	if status != http.StatusFound || !strings.HasPrefix(hdr.Get("Location"), "https://other.example.net/x?") {
		t.Errorf("a link outside the list: %d to %q, want 302 to its destination", status, hdr.Get("Location"))
	}

	// Allowing them all, or no list, says nothing.
	for _, domains := range []string{"shop.example.com\npartner.example\nother.example.net, evil.example.org", ""} {
		b.post("/w/acme/settings/allowlist", url.Values{"domains": {domains}})
		if _, body := b.get("/w/acme/settings"); strings.Contains(body, `id="allowlist-outside"`) {
			t.Errorf("list %q: the page speaks of links outside it", domains)
		}
	}
}

// heapGrowth runs fn and returns how far the live heap rose above where
// it stood before, sampled every millisecond, with the collector kept
// close behind (GOGC 1) so that garbage counts little: what fn holds at
// once, not what it passes through.
func heapGrowth(t *testing.T, fn func()) uint64 {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	<-stopped
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// TestAllowlistOutsideManyLinks: in a workspace with 100,000 links
// outside its allowlist, saving the list through the API answers the
// count of them all and names only the newest few, newest first, and the
// settings page names five and says how many more; neither holds every
// link in memory at once.
func TestAllowlistOutsideManyLinks(t *testing.T) {
	const n = 100_000
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	acme := h.tenant("acme", account.Owner)
	inside, err := h.links.Create(ctx, acme.ws.ID, link.Input{Destination: "https://shop.example.com/spring", Label: "店铺"})
	must(t, err)
	// The other workspace's links are never counted for acme.
	other := h.tenant("other", account.Owner)
	_, err = h.links.Create(ctx, other.ws.ID, link.Input{Destination: "https://rival.example.com/", Label: "Rival secret link"})
	must(t, err)
	now := time.Now().UTC()
	if _, err := h.db.WriteDB().ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		INSERT INTO links (workspace_id, code, destination, label, created_at, updated_at)
		SELECT ?2, 'many' || i, 'https://outside' || (i % 50) || '.example.net/landing/page-' || i || '?ref=many', '批量外站链接 ' || i || '，一段团队写的说明文字', ?3, ?3 FROM n`,
		n, acme.ws.ID, now); err != nil {
		t.Fatal(err)
	}

	var status int
	var resp map[string]any
	grew := heapGrowth(t, func() {
		status, resp = h.api("PUT", "/workspaces/acme/links/allowlist", acme.token, map[string]any{"domains": []string{"shop.example.com"}})
	})
	if status != http.StatusOK {
		t.Fatalf("PUT allowlist: status %d: %s", status, jsonText(resp))
	}
	if got := resp["outside_links"]; got != float64(n) {
		t.Errorf("outside_links = %v, want %d", got, n)
	}
	newest, _ := resp["outside_newest"].([]any)
	if len(newest) != outsideListed {
		t.Fatalf("outside_newest holds %d links, want the newest %d: %s", len(newest), outsideListed, jsonText(resp))
	}
	for i, v := range newest {
		l, _ := v.(map[string]any)
		want := fmt.Sprintf("https://outside%d.example.net/landing/page-%d?ref=many", (n-i)%50, n-i)
		if l["destination"] != want || l["code"] != fmt.Sprintf("many%d", n-i) || l["id"] == float64(inside.ID) {
			t.Errorf("outside_newest[%d] = %v, want the link to %s", i, l, want)
		}
	}
	// Holding 100,000 links' codes, labels and destinations takes some
	// 25 MB (measured with their LinkRefs in a slice); passing through
	// them, a few MB of garbage at most (2–4 MB
	// alone). The heap is the process's: in a run of the whole package
	// other tests' leftover goroutines add to it (12.1 MB seen once), so
	// the bound sits between the two.
	const bound = 20 << 20
	if grew > bound {
		t.Errorf("saving the allowlist held %.1f MB at once, want a bound that does not grow with the links", float64(grew)/(1<<20))
	}
	t.Logf("heap growth while saving: %.1f MB", float64(grew)/(1<<20))

	b := h.signedIn(acme)
	var body string
	grew = heapGrowth(t, func() { _, body = b.get("/w/acme/settings") })
	if grew > bound {
		t.Errorf("the settings page held %.1f MB at once", float64(grew)/(1<<20))
	}
	t.Logf("heap growth while showing the settings page: %.1f MB", float64(grew)/(1<<20))
	note := section(body, `id="allowlist-outside"`, "</div>")
	if c := strings.Count(note, `href="/w/acme/links/`); c != outsideShown {
		t.Errorf("the note names %d links, want %d: %s", c, outsideShown, note)
	}
	for _, want := range []string{"100,000 个现有链接的目标地址不在白名单内", "另有 99,995 个", "批量外站链接 100000"} {
		if !strings.Contains(note, want) {
			t.Errorf("the note lacks %q: %s", want, note)
		}
	}
	if strings.Contains(body, "Rival secret link") || strings.Contains(note, "店铺") {
		t.Errorf("the note names a link that is another workspace's or allowed: %s", note)
	}
	_, en, _ := b.do("GET", "/w/acme/settings", nil, map[string]string{"Accept-Language": "en"})
	if note := section(en, `id="allowlist-outside"`, "</div>"); !strings.Contains(note, "100,000 existing links lead outside this list") || !strings.Contains(note, "and 99,995 more") {
		t.Errorf("English note: %s", note)
	}
}

// TestAllowlistOldEntries: a list saved before single names, public
// suffixes, private names and IP addresses were refused still holds
// them. The settings page shows every stored entry and marks each refused
// one with its line and why, in both languages, as the API does; such an
// entry allows no destination (com would allow every .com site); the
// team's other settings still save, and removing the entries saves the
// list. A list of refused entries only allows nothing, not everything.
func TestAllowlistOldEntries(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	ws := f.owner.ws.ID
	// Stored as the settings page saved it before the refusals.
	must(t, h.db.SetAllowedDomains(ctx, ws, []string{"shop.example.com", "com", "intranet.local", "10.0.0.1", "co.uk"}))
	b := h.signedIn(f.owner)

	_, body := b.get("/w/acme/settings")
	if !strings.Contains(body, ">shop.example.com\ncom\nintranet.local\n10.0.0.1\nco.uk</textarea>") {
		t.Errorf("the form does not show every stored entry: %s", section(body, `<textarea id="allowlist-domains"`, "</textarea>"))
	}
	marked := section(body, `id="allowlist-refused"`, "</div>")
	for _, want := range []string{"4 个已保存的条目已不再有效", "第 2 行：“com”只是单个名称", "第 3 行：“intranet.local”是内网名称", "第 4 行：“10.0.0.1”是 IP 地址", "第 5 行：“co.uk”是许多人共用的公共后缀"} {
		if !strings.Contains(marked, want) {
			t.Errorf("the refused entries' note lacks %q: %s", want, marked)
		}
	}
	if strings.Contains(marked, "shop.example.com") {
		t.Errorf("the note marks an entry in force: %s", marked)
	}
	_, en, _ := b.do("GET", "/w/acme/settings", nil, map[string]string{"Accept-Language": "en"})
	if marked := section(en, `id="allowlist-refused"`, "</div>"); !strings.Contains(marked, "4 saved entries are no longer accepted and allow no destination: remove them and save the list.") ||
		!strings.Contains(marked, "Line 2: “com” is a single name") {
		t.Errorf("English note: %s", marked)
	}

	// A member who cannot edit the list is not told to remove entries.
	ab := h.member(f.owner, "ana@example.com", account.Analyst)
	_, ro, _ := ab.do("GET", "/w/acme/settings", nil, map[string]string{"Accept-Language": "en"})
	if marked := section(ro, `id="allowlist-refused"`, "</div>"); !strings.Contains(marked, "4 saved entries are no longer accepted and allow no destination until an owner or admin removes them.") ||
		!strings.Contains(marked, "Line 2: “com” is a single name") || strings.Contains(ro, `id="allowlist-form"`) {
		t.Errorf("an analyst's note: %s", marked)
	}

	// The team's other settings still save.
	if status, _, _ := b.post("/w/acme/settings", url.Values{"name": {"Acme 咖啡"}, "time_zone": {"Asia/Shanghai"}, "currency": {"CNY"}}); status != http.StatusSeeOther {
		t.Errorf("saving the workspace's name: status %d, want 303", status)
	}

	// A refused entry allows nothing; the entry in force still allows.
	for _, tt := range []struct {
		dest string
		ok   bool
	}{
		{"https://evil.com/login", false},
		{"https://phish.co.uk/", false},
		{"http://10.0.0.1/admin", false},
		{"http://printer.intranet.local/", false},
		{"https://m.shop.example.com/spring", true},
	} {
		_, err := h.links.Create(ctx, ws, link.Input{Destination: tt.dest})
		if (err == nil) != tt.ok {
			t.Errorf("create a link to %s: %v, want allowed %v", tt.dest, err, tt.ok)
		}
	}
	_, body = b.get("/w/acme/links")
	if note := section(body, `id="allowlist-note"`, "</p>"); !strings.Contains(note, "只能跳转到以下域名及其子域名：shop.example.com。") || !strings.Contains(note, "已不再有效的已保存条目不允许任何地址") {
		t.Errorf("the create form's note: %s", note)
	}
	status, resp := h.api("GET", "/workspaces/acme/links/allowlist", f.owner.token, nil)
	refused, _ := resp["refused"].([]any)
	if status != http.StatusOK || len(refused) != 4 || !strings.Contains(jsonText(resp), `"field": "domains[4]"`) || !strings.Contains(jsonText(resp), `"key": "error.link_domain_suffix"`) {
		t.Errorf("API: status %d, refused %d entries, want 4: %s", status, len(refused), jsonText(resp))
	}

	// Removing them saves the list, and the note goes.
	b.get("/w/acme/settings")
	if status, _, _ := b.post("/w/acme/settings/allowlist", url.Values{"domains": {"shop.example.com\nexample.co.uk"}}); status != http.StatusSeeOther {
		t.Errorf("saving the list without the refused entries: status %d, want 303", status)
	}
	if _, body := b.get("/w/acme/settings"); strings.Contains(body, `id="allowlist-refused"`) {
		t.Error("the note of refused entries stays after they were removed")
	}

	// Refused entries only: no destination is allowed, and the forms say so.
	must(t, h.db.SetAllowedDomains(ctx, ws, []string{"com"}))
	if _, err := h.links.Create(ctx, ws, link.Input{Destination: "https://shop.example.com/"}); err == nil || !strings.Contains(err.Error(), "error.link_domain_none_in_force") {
		t.Errorf("a list of refused entries only let a link through: %v", err)
	}
	_, body = b.get("/w/acme/links")
	if note := section(body, `id="allowlist-note"`, "</p>"); !strings.Contains(note, "跳转域名白名单中已没有有效条目") {
		t.Errorf("the create form's note with no entry in force: %s", note)
	}
}

// TestAllowlistOutsideCount: the note of links outside the allowlist
// reads right for one link as for many, in both languages: Chinese has
// one form, so it names no "they" (它们) that one link would not be.
func TestAllowlistOutsideCount(t *testing.T) {
	t.Parallel()
	c := mustCatalog(t)
	tests := []struct {
		locale      string
		count       int
		want, notIn string
	}{
		{"zh-CN", 1, "1 个现有链接的目标地址不在白名单内", "它们"},
		{"zh-CN", 7, "7 个现有链接的目标地址不在白名单内，但仍照常跳转", ""},
		{"en", 1, "1 existing link leads outside this list: it keeps", "links lead"},
		{"en", 7, "7 existing links lead outside this list: they keep", "link leads"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.locale, tt.count), func(t *testing.T) {
			got := c.T(tt.locale, "settings.allowlist.outside", map[string]any{"Count": tt.count})
			if !strings.Contains(got, tt.want) || tt.notIn != "" && strings.Contains(got, tt.notIn) {
				t.Errorf("%q; want %q, without %q", got, tt.want, tt.notIn)
			}
		})
	}
}

// TestLinksTableStacksOnPhone: the list of links turns into a block per
// link on a phone, each figure after its column's name, rather than a
// table scrolled sideways whose clicks and disable button sit off screen.
func TestLinksTableStacksOnPhone(t *testing.T) {
	f := newTrackingFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	_, body := b.get("/w/acme/links")
	for _, p := range stackProblems(t, body, "links-table") {
		t.Error(p)
	}
}

// TestReadableURL: a tagged destination reads with its Chinese (or other
// UTF-8) characters decoded and a query's + as a space, as an address bar
// shows it; escapes of ASCII and of what does not print stay, and an
// address with nothing to decode has no second form.
func TestReadableURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"https://shop.example.com/winter?utm_content=%E9%98%BFMay+%E7%AC%94%E8%AE%B0&utm_source=xiaohongshu", "https://shop.example.com/winter?utm_content=阿May 笔记&utm_source=xiaohongshu"},
		{"https://shop.example.com/%E5%86%AC/a+b?q=a%26b%3Dc+%E5%86%AC", "https://shop.example.com/冬/a+b?q=a%26b%3Dc 冬"},
		{"https://shop.example.com/?utm_content=%E2%80%AEevil", ""},          // a bidi override stays escaped
		{"https://shop.example.com/?utm_content=%E9%98", ""},                 // half a character
		{"https://shop.example.com/?utm_source=weibo&utm_medium=social", ""}, // nothing to decode
		{"https://shop.example.com/?x=%", ""},
		{"https://shop.example.com/#a+%E5%86%AC", "https://shop.example.com/#a+冬"},
	} {
		if got := readableURL(c.in); got != c.want {
			t.Errorf("readableURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestLinkPageReadsTaggedDestination: a link's page shows its tagged
// destination as the link uses it, percent-encoded, and beside it as it
// reads, with the post's Chinese label in utm_content.
func TestLinkPageReadsTaggedDestination(t *testing.T) {
	f := newTrackingFixture(t)
	l, err := f.h.links.Create(context.Background(), f.owner.ws.ID, link.Input{Destination: "https://shop.example.com/winter", Label: "阿May", UTMContent: "阿May 笔记"})
	must(t, err)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	for _, c := range []struct{ lang, note string }{{"zh-CN", "仅供阅读"}, {"en", "to read"}} {
		_, body, _ := b.do("GET", "/w/acme/links/"+strconv.FormatInt(l.ID, 10)+"?lang="+c.lang, nil, map[string]string{"Accept-Language": c.lang})
		if used := section(body, `id="tagged-url"`, "</dd>"); !strings.Contains(used, "utm_content=%E9%98%BFMay") {
			t.Errorf("%s: the tagged destination is not the one the link uses: %s", c.lang, used)
		}
		if read := section(body, `id="tagged-readable"`, "</dd>"); !strings.Contains(read, "utm_content=阿May 笔记") || !strings.Contains(read, c.note) {
			t.Errorf("%s: the tagged destination does not read decoded: %s", c.lang, read)
		}
	}
}

// TestFallbackNoteAfterSnippet: a link whose page first reported a
// landing after a dozen people had clicked it counts those earlier unique
// clicks as effective, and the notes say so in both languages without
// claiming that no landing was ever reported from it.
func TestFallbackNoteAfterSnippet(t *testing.T) {
	f := newTrackingFixture(t)
	h, ctx := f.h, context.Background()
	late, err := h.links.Create(ctx, f.owner.ws.ID, link.Input{Destination: "https://shop.example.com/late", Label: "late", CampaignID: &f.camp.ID, Channel: "weibo"})
	must(t, err)
	before := time.Now().UTC().Add(-3 * time.Hour)
	var clicks []link.Click
	for i := range 12 {
		clicks = append(clicks, link.Click{ClickID: link.NewClickID(), WorkspaceID: f.owner.ws.ID, LinkID: late.ID, At: before,
			Class: link.Human, Visitor: fmt.Sprint("early-", i), UniqueDay: before.Format(time.DateOnly)})
	}
	landed := link.NewClickID()
	now := time.Now().UTC()
	clicks = append(clicks, link.Click{ClickID: landed, WorkspaceID: f.owner.ws.ID, LinkID: late.ID, At: now,
		Class: link.Human, Visitor: "lands", UniqueDay: now.Format(time.DateOnly)})
	_, err = h.db.WriteClicks(ctx, clicks)
	must(t, err)
	_, err = h.db.MarkClick(ctx, landed, true, false)
	must(t, err)
	b := h.signedIn(f.owner)
	for _, lang := range []struct{ code, never, note string }{
		{"en", "ever reported", "before its page first reported a landing"},
		{"zh-CN", "从未上报落地，", "早于落地页首次上报落地"},
	} {
		for _, path := range []string{"/w/acme/links", fmt.Sprintf("/w/acme/links/%d", late.ID)} {
			_, body, _ := b.do("GET", path, nil, map[string]string{"Accept-Language": lang.code})
			if !strings.Contains(body, `id="effective-fallback"`) || strings.Contains(body, lang.never) || !strings.Contains(body, lang.note) {
				t.Errorf("%s in %s: note %v, says %q: %v, says %q: %v; want the note, saying the second only",
					path, lang.code, strings.Contains(body, `id="effective-fallback"`), lang.never, strings.Contains(body, lang.never), lang.note, strings.Contains(body, lang.note))
			}
		}
	}
}

// TestLinksTotalsSayWhatTheyCover: the totals above the list are those
// of all the workspace's links, however many the list holds (the newest
// 1,000; here 2), and the page says that the list holds the newest when
// it does not hold them all: they summed the listed links alone, 0 clicks
// for a workspace whose clicked links were older.
func TestLinksTotalsSayWhatTheyCover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.links.ListLimit = 2
		ctx := context.Background()
		tn := h.tenant("acme", account.Owner)
		b := h.signedIn(tn)
		totals := regexp.MustCompile(`<span class="muted small" id="links-totals">([^<]*)</span>`)
		var made []link.Link
		for _, tt := range []struct {
			links int
			want  string
		}{
			{1, "全部 1 个链接：2 次点击 · 1 真人 · 1 独立 · 1 精准有效"},
			{2, "全部 2 个链接：2 次点击 · 1 真人 · 1 独立 · 1 精准有效"},
			{3, "全部 3 个链接：2 次点击 · 1 真人 · 1 独立 · 1 精准有效 下面列出最新的 2 个。"},
		} {
			for len(made) < tt.links {
				l, err := h.links.Create(ctx, tn.ws.ID, link.Input{Destination: "https://shop.example.com/" + strconv.Itoa(len(made)), Channel: "weibo"})
				must(t, err)
				made = append(made, l)
				if len(made) == 1 {
					// The oldest link, which drops out of the list, has
					// the clicks: a person's and a crawler's.
					at := time.Now().UTC()
					_, err := db.WriteClicks(ctx, []link.Click{
						{ClickID: link.NewClickID(), WorkspaceID: tn.ws.ID, LinkID: l.ID, At: at, Class: link.Human, Visitor: "v", UniqueDay: at.Format(time.DateOnly)},
						{ClickID: link.NewClickID(), WorkspaceID: tn.ws.ID, LinkID: l.ID, At: at, Class: link.Bot, Visitor: "bot"},
					})
					must(t, err)
				}
			}
			_, page := b.get("/w/acme/links")
			if m := totals.FindStringSubmatch(page); m == nil || m[1] != tt.want {
				t.Errorf("%d links: totals %q; want %q", tt.links, m, tt.want)
			}
		}
	})
}

// TestLinkWithoutSchemeSaysHowToWriteIt: the commonest slip, a destination
// typed as in an address bar (shop.example.com/618), is answered with what
// to type instead, an address with its https:// and an example, in both
// languages, not only with the schemes that are allowed.
func TestLinkWithoutSchemeSaysHowToWriteIt(t *testing.T) {
	f := newTrackingFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	b.get("/w/acme/links")
	fieldErr := regexp.MustCompile(`id="link-destination-err"[^>]*>([^<]*)<`)
	example := regexp.MustCompile(`https://[a-z.]+/\S+`)
	for _, lang := range Locales {
		status, body, _ := b.do("POST", "/w/acme/links", url.Values{"destination": {"shop.example.com/618"}, "csrf": {b.csrf}}, map[string]string{"Accept-Language": lang})
		m := fieldErr.FindStringSubmatch(body)
		if status != http.StatusUnprocessableEntity || m == nil {
			t.Fatalf("%s: status %d, no error at the destination field", lang, status)
		}
		if !example.MatchString(m[1]) {
			t.Errorf("%s: the destination's error gives no example of a full address: %q", lang, m[1])
		}
	}
}
