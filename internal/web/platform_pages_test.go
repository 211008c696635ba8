package web

import (
	"context"
	"html"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// pageCase is one page as a person reads it: what it must say and what
// must not leak into it (raw keys, English units in Chinese).
type pageCase struct {
	path             string
	contains, absent []string
}

func checkPages(t *testing.T, b *browser, locale string, cases []pageCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(locale+" "+c.path, func(t *testing.T) {
			status, body := b.get(c.path)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200", status)
			}
			if want := `<html lang="` + locale + `">`; !strings.Contains(body, want) {
				t.Fatalf("page is not in %s (no %s)", locale, want)
			}
			for _, s := range c.contains {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(body, s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}
}

// inOrder fails unless the labels appear in body in this order, within
// the element that starts at marker.
func inOrder(t *testing.T, body, marker string, labels []string) {
	t.Helper()
	start := strings.Index(body, marker)
	if start < 0 {
		t.Fatalf("page lacks %q", marker)
	}
	seg := body[start:]
	if end := strings.Index(seg, "</table>"); end >= 0 {
		seg = seg[:end]
	}
	last := -1
	for _, l := range labels {
		i := strings.Index(seg, "<td>"+l+"</td>")
		if i < 0 {
			t.Errorf("%s lacks %q", marker, l)
			continue
		}
		if i < last {
			t.Errorf("%s: %q is out of order; want %v", marker, l, labels)
		}
		last = i
	}
}

func setLocale(t *testing.T, b *browser, locale string) {
	t.Helper()
	b.get("/w/acme/brand")
	if status, _, _ := b.post("/lang", url.Values{"lang": {locale}, "next": {"/w/acme/brand"}}); status != http.StatusSeeOther {
		t.Fatalf("switch language to %s: status %d", locale, status)
	}
}

// TestPlatformPageLabels: a platform's page speaks the UI's language for
// everything that is not catalog data (units, format and field names) and
// lists audience splits in their natural order under headings.
func TestPlatformPageLabels(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	seed(t, h, owner.ws.ID)
	b := h.signedIn(owner)
	c := mustCatalog(t)

	// What must never show in either language: raw field keys, the old
	// "[a, b]" field list, units and kinds as stored.
	raw := []string{"audience.mau_millions", "audience.city_tiers", "audience.age,", "[audience", "engagement_rate]",
		"2000 chars", "900 s<", "(followers)", "(text)", "(link_share)", "api_share", "weibo · "}
	checkPages(t, b, "zh-CN", []pageCase{
		{"/w/acme/platforms/weibo",
			[]string{"年龄分布", "城市分布", "5.9 亿", "正文最多 2,000 字", "最多 18 张图片", "标题最多 32 字", "视频最长 15 分钟",
				"帖子<span class=\"muted\">（文字）</span>", "API 分享", "（链接分享）", "0.05%–1%", "（按粉丝数计）", "时区 Asia/Shanghai",
				"支撑数据：月活跃用户", "年龄分布 · 性别分布 · 城市分布", "估算依据：", "标识 <code>weibo</code>", "发布方和标题保留原文",
				"超过 140 字的微博会折叠在“全文”之后。", "开放接口只能分享链接",
				// A format without a note (live) says so, rather than an empty cell.
				`data-label="说明">—</td>`},
			append(raw, "（直播）", "（文章）", "Posts over 140 characters", "Open publishing is link shares only")},
		{"/w/acme/platforms/xiaohongshu",
			[]string{"图文笔记", "视频笔记", "（短视频）", "3 亿", "按曝光计"},
			append(raw, "image_note", "video_note", "(impressions)")},
		{"/w/acme/platforms", []string{"5.9 亿", "小红书"}, []string{"590M"}},
	})
	_, body := b.get("/w/acme/platforms/weibo")
	label := func(prefix string, keys []string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = c.T("zh-CN", prefix+k, nil)
		}
		return out
	}
	inOrder(t, body, `id="audience-age"`, label("option.age_band.", brand.AgeBands))
	inOrder(t, body, `id="audience-city-tiers"`, label("option.city_tier.", brand.CityTiers))

	// The catalog stacks on a phone too, each figure after its column's
	// name, rather than scrolling users, rates and APIs off screen.
	_, catalog := b.get("/w/acme/platforms")
	for _, p := range stackProblems(t, catalog, "catalog-table") {
		t.Error(p)
	}
	// And a platform's content formats, their limits and notes under
	// their column's name.
	_, weibo := b.get("/w/acme/platforms/weibo")
	for _, p := range stackProblems(t, weibo, "format-table") {
		t.Error(p)
	}
	setLocale(t, b, "en")
	checkPages(t, b, "en", []pageCase{
		{"/w/acme/platforms/weibo",
			[]string{"City tiers", "590M", "text up to 2,000 characters", "up to 18 images", "title up to 32 characters", "video up to 15 minutes",
				"Share via API", "<span class=\"muted small\"> (per follower)</span>", "<span class=\"muted\"> (Link share)</span>", "Supports: Monthly active users", "Age · Gender · City tiers", "Why estimated:",
				"Posts over 140 characters fold behind", "Open publishing is link shares only"},
			append(raw, "发布方和标题保留原文", "超过 140 字")},
	})
}

// TestPlatformNamesOnPages: pages that store a platform or source key show
// its name: personas' platforms, amplifiers, a link's channel and where a
// mention came from.
func TestPlatformNamesOnPages(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ids := seed(t, h, owner.ws.ID)
	ctx := context.Background()
	_, err := h.brand.Personas.Create(ctx, owner.ws.ID, brand.Persona{Name: "Mix", AgeBands: []string{"55+", "under18"}, Gender: brand.GenderSplit{Female: 50, Male: 50},
		Platforms: []brand.PlatformShare{{Platform: "douyin", Share: 30}, {Platform: "wechat_channels", Share: 10}}})
	must(t, err)
	_, err = h.listen.Ingest(ctx, owner.ws.ID, []listen.Post{{SourceKind: "weibo_search", ExternalID: "names-1", Text: "Rival 在微博上", PublishedAt: time.Now().Add(-time.Hour)}})
	must(t, err)
	b := h.signedIn(owner)
	link := "/w/acme/links/" + itoa64(ids["links"])

	checkPages(t, b, "zh-CN", []pageCase{
		{"/w/acme/brand", []string{"小红书 60%", "抖音 30%", "微信视频号 10%"}, []string{"xiaohongshu 60", "douyin 30", "wechat_channels 10"}},
		{"/w/acme/brand/amplifiers", []string{`<td class="small" data-label="平台">微博</td>`, "KOL / 达人"}, []string{`<td class="small" data-label="平台">weibo</td>`, `<td class="small" data-label="类型">kol</td>`}},
		{"/w/acme/brand/personas", []string{"18岁以下、55岁及以上", "25–34岁"}, []string{"55+", "under18", "tier1"}},
		{"/w/acme/brand/personas/new", []string{`id="platform-keys"`, "平台标识对照", "小红书 <code>xiaohongshu</code>"}, nil},
		{link, []string{"<dd>微博</dd>"}, []string{"<dd>weibo</dd>"}},
		{"/w/acme/listening", []string{"微博搜索 · ", "Webhook · ", ">微博搜索</option>"}, []string{"weibo_search · ", ">weibo_search</option>"}},
		// The fit ranking stacks on a phone, a block per platform headed
		// by its rank and name, each figure and the reasons after their
		// column's name, rather than a wide table whose reasons sit off
		// screen beside rows nine lines tall.
		{"/w/acme/platforms", []string{`<table class="fit stack">`, `<td><span class="rank">1</span> <a href="/w/acme/platforms/`, `data-label="得分"`, `data-label="受众匹配"`, `data-label="原因"`,
			"发布：", "聆听："}, []string{"发布: ", "聆听: "}},
		// A label before its value takes the language's colon.
		{"/w/acme/platforms/weibo", []string{"互动率：", "API："}, []string{"互动率: ", "API: "}},
	})
	setLocale(t, b, "en")
	checkPages(t, b, "en", []pageCase{
		{"/w/acme/brand", []string{"Xiaohongshu (RED) 60%", "Douyin 30%"}, []string{"xiaohongshu 60"}},
		{link, []string{"<dd>Weibo</dd>"}, []string{"<dd>weibo</dd>"}},
		{"/w/acme/listening", []string{"Weibo search · "}, []string{"weibo_search · "}},
		{"/w/acme/platforms/weibo", []string{"Engagement rate: ", "API: "}, nil},
	})
}

// TestPlatformCatalogLabels: every format, unit, basis and source field of
// the shipped catalog has a label in every language, so none shows as a key.
func TestPlatformCatalogLabels(t *testing.T) {
	c := mustCatalog(t)
	cat, err := platform.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, k := range platform.FormatKinds {
		keys["platform.format_kind."+k] = true
	}
	for _, u := range platform.LengthUnits {
		keys["platform.unit."+u] = true
	}
	for _, b := range platform.EngagementBases {
		keys["platform.basis."+b] = true
	}
	for _, f := range platform.SourceFields {
		keys["platform.field."+f] = true
	}
	for _, p := range cat.Platforms() {
		for _, f := range p.Formats {
			keys["platform.format_key."+f.Key] = true
		}
	}
	for k := range keys {
		for _, loc := range Locales {
			if got := c.T(loc, k, nil); got == k || got == "" {
				t.Errorf("%s: %q has no label", loc, k)
			}
		}
	}
}

// TestFitChartBarsAreScores: a bar's stacked components add up to the
// score, also for a platform whose score the reach cut.
func TestFitChartBarsAreScores(t *testing.T) {
	comps := func() []platform.Component {
		hi, lo := 80.0, 40.0
		return []platform.Component{{Name: "audience", Score: &hi, Effective: 0.5}, {Name: "objective", Score: &lo, Effective: 0.5}}
	}
	rows := []fitRow{
		{Fit: platform.Fit{Platform: "weibo", Score: 60, Reach: 1, Components: comps()}, Name: "Weibo"},
		{Fit: platform.Fit{Platform: "x", Score: 15, Reach: 0.25, Components: comps()}, Name: "X"},
	}
	chart := fitChart(rows, func(k string) string { return k })
	// The bars are listed bottom up: X first.
	want := []float64{15, 60}
	got := make([]float64, len(want))
	for _, s := range chart["series"].([]any) {
		for i, v := range s.(map[string]any)["data"].([]any) {
			f, _ := v.(float64)
			got[i] += f
		}
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 0.2 {
			t.Errorf("bar %d adds up to %.1f, want its score %.1f", i, got[i], want[i])
		}
	}
}

// TestFitChartTableLeavesUnmeasuredOut: a component the fit could not
// measure (performance before the workspace published anything) has no
// bar and reads "—" in the chart's data table, as in the score table
// beside it, not 0, which would say it was measured and scored nothing.
func TestFitChartTableLeavesUnmeasuredOut(t *testing.T) {
	t.Parallel()
	score := 80.0
	rows := []fitRow{{Fit: platform.Fit{Platform: "weibo", Score: 80, Reach: 1, Components: []platform.Component{
		{Name: "audience", Score: &score, Effective: 1},
		{Name: "performance", Score: nil, Effective: 0},
	}}, Name: "Weibo"}}
	tab, err := fitChart(rows, func(k string) string { return k }).Table([]string{"platform"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Weibo", "80", "—"}}
	if !slices.EqualFunc(tab.Rows, want, slices.Equal) {
		t.Errorf("rows = %q; want %q", tab.Rows, want)
	}
}

// TestMAU: monthly active users read in each language's units, billions
// in English.
func TestMAU(t *testing.T) {
	c := mustCatalog(t)
	for _, tt := range []struct {
		locale   string
		millions float64
		want     string
	}{
		{"en", 3065, "3.1B"},
		{"en", 590, "590M"},
		{"en", 80, "80M"},
		{"zh-CN", 3065, "30.7 亿"},
		{"zh-CN", 80, "8000 万"},
		// A figure that rounds up to the next unit reads in it.
		{"zh-CN", 99.996, "1 亿"},
		{"zh-CN", 100, "1 亿"},
		{"zh-CN", 99.9, "9990 万"},
		{"zh-CN", 0.5, "50 万"},
		{"en", 999.96, "1B"},
		{"en", 999.9, "999.9M"},
		{"en", 1000, "1B"},
	} {
		v := &view{s: &Server{cat: c}, Locale: tt.locale, Data: map[string]any{}}
		if got := v.MAU(&tt.millions); got != tt.want {
			t.Errorf("MAU(%v) in %s = %q; want %q", tt.millions, tt.locale, got, tt.want)
		}
	}
}

// TestFitWithoutPersonaLinksToOne: with no persona yet, the fit card says
// to add one and, to whom may, offers the form for it, as the brand page's
// empty cards do, where it named the step and left the way there to find.
func TestFitWithoutPersonaLinksToOne(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	analyst := h.member(owner, "analyst@example.com", account.Analyst)
	for _, tt := range []struct {
		who  string
		b    *browser
		link bool
	}{{"owner", h.signedIn(owner), true}, {"analyst", analyst, false}} {
		status, body := tt.b.get("/w/acme/platforms")
		fit := section(body, `id="fit-result"`, `id="catalog"`)
		if status != http.StatusOK || !strings.Contains(fit, "目标人群") {
			t.Fatalf("%s: status %d, fit card %q", tt.who, status, fit)
		}
		if got := strings.Contains(fit, `href="/w/acme/brand/personas/new"`); got != tt.link {
			t.Errorf("%s: the empty fit card links to a new persona: %v, want %v", tt.who, got, tt.link)
		}
	}
}

// TestGoodFor: what a platform is good for reads as its objectives, and
// as a dash when it is good for none, as the catalog's other empty cells
// do, where blogs read "Good for: " and nothing.
func TestGoodFor(t *testing.T) {
	c := mustCatalog(t)
	for _, tt := range []struct {
		locale string
		g      platform.GoodFor
		want   string
	}{
		{"en", platform.GoodFor{Sales: 0.9, PR: 0.7, Voice: 0.6}, "Sales · PR"},
		{"zh-CN", platform.GoodFor{Community: 0.8}, "社群运营"},
		{"en", platform.GoodFor{Sales: 0.5, Community: 0.6}, "—"},
		{"zh-CN", platform.GoodFor{}, "—"},
	} {
		v := &view{s: &Server{cat: c}, Locale: tt.locale, Data: map[string]any{}}
		if got := v.GoodFor(tt.g); got != tt.want {
			t.Errorf("GoodFor(%+v) in %s = %q; want %q", tt.g, tt.locale, got, tt.want)
		}
	}
}

var shownOverride = regexp.MustCompile(`name="shown" value="([^"]*)"`)

// TestOverrideEditorSaveOverAnother: two people open a platform's
// correction editor; the first saves, and the second's save, which would
// replace the whole override and so drop the first's correction, is
// refused with 409, keeps what was typed and shows the override stored
// now, so that saving again replaces it knowingly.
func TestOverrideEditorSaveOverAnother(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	a, b := h.browser(), h.browser()
	a.login(owner.email, owner.password)
	b.login(owner.email, owner.password)
	const path = "/w/acme/platforms/weibo"
	shown := func(body string) string {
		t.Helper()
		m := shownOverride.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("editor has no shown override")
		}
		return html.UnescapeString(m[1])
	}
	_, pageA := a.get(path)
	_, pageB := b.get(path)
	first := `{"engagement_rate":{"min":0.01,"max":0.04}}`
	if status, body, _ := a.post(path+"/override", url.Values{"shown": {shown(pageA)}, "patch": {first}}); status != http.StatusSeeOther {
		t.Fatalf("first save: status %d: %s", status, body)
	}
	second := `{"peak_hours":{"weekday":[20,21]}}`
	status, body, _ := b.post(path+"/override", url.Values{"shown": {shown(pageB)}, "patch": {second}})
	if status != http.StatusConflict || !strings.Contains(body, html.EscapeString(second)) {
		t.Fatalf("second save: status %d, want 409 keeping the patch typed: %s", status, between(body, `id="override"`, "</section>"))
	}
	e, err := h.srv.Platforms.Get(context.Background(), owner.ws.ID, "weibo")
	must(t, err)
	if !slices.Equal(e.Overridden, []string{"engagement_rate.max", "engagement_rate.min"}) {
		t.Errorf("after the refused save: overridden %v, want the first save's", e.Overridden)
	}
	if got := shown(body); got != string(e.Override) {
		t.Errorf("refused editor shows %q, want the override stored now %q", got, e.Override)
	}
	if status, _, _ := b.post(path+"/override", url.Values{"shown": {shown(body)}, "patch": {second}}); status != http.StatusSeeOther {
		t.Errorf("save again after the conflict: status %d", status)
	}
}

// TestFitReasonAtZeroReads: the reasons for a share that shows as 0 read
// as words in both languages, with no "0%" and no gap.
func TestFitReasonAtZeroReads(t *testing.T) {
	c, err := loadCatalog()
	must(t, err)
	args := map[string]any{"Share": 0.0, "Reach": 0.0, "Bands": "25-34"}
	for _, key := range []string{"fit.reason.reach_none", "fit.reason.audience_age_none", "fit.reason.audience_city_none"} {
		for _, loc := range Locales {
			got := c.T(loc, key, args)
			if got == key || strings.Contains(got, "no value") || strings.Contains(got, " 0% 的") || strings.Contains(got, "Only 0%") || strings.HasPrefix(got, "0%") {
				t.Errorf("%s in %s reads %q", key, loc, got)
			}
		}
	}
}

// A refused correction's error is read out with the text area it is about.
func TestOverrideErrorTiedToItsField(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	const path = "/w/acme/platforms/weibo"
	_, page := b.get(path)
	m := shownOverride.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("editor has no shown override")
	}
	_, body, _ := b.post(path+"/override", url.Values{"shown": {html.UnescapeString(m[1])}, "patch": {`{"engagement_rate": `}})
	for _, want := range []string{`<textarea id="patch" name="patch" rows="5" aria-invalid="true" aria-describedby="patch-err"`, `<div class="field-error" id="patch-err">`} {
		if !strings.Contains(body, want) {
			t.Errorf("refused correction lacks %q: %s", want, between(body, `id="patch"`, "</form>"))
		}
	}
}

// TestPlatformSourcesInReadersLanguage: why a figure is an estimate and the
// notes on sources read in the page's language; English shows in a Chinese
// page only where a workspace saved it as plain text, and is marked so.
func TestPlatformSourcesInReadersLanguage(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	// An override as saved when these texts were English only.
	all := `["audience.mau_millions","audience.age","audience.gender","audience.city_tiers","formats","peak_hours","engagement_rate","good_for","api","links"]`
	_, err := h.srv.Platforms.SetOverride(context.Background(), owner.ws.ID, "weibo", []byte(`{"api":{"note":"Link shares only."},
		"sources":[{"fields":`+all+`,"publisher":"Our agency","title":"Weibo audit","year":2026,"estimate":true,"why":"Our own panel.","note":"Checked in June."}]}`))
	must(t, err)

	checkPages(t, b, "zh-CN", []pageCase{
		{"/w/acme/platforms/bilibili",
			[]string{"估算依据： 监测机构（QuestMobile）和平台自己的报告", "B站公布的用户平均年龄约为 25 岁。", "说明： 2024 年第四季度平均月活约 3.4 亿（凭记忆）。",
				"估算依据： 没有按营销目标给平台排名的公开资料", "发布方和标题保留原文",
				`<span lang="en">Chorus</span> — 按行业惯例估计`, `<span lang="en">Bilibili Inc.</span> — <span lang="en">Fourth quarter`},
			[]string{"Panels (QuestMobile", "as remembered", "No public ranking", `<span lang="en">Average`, "保留英文原文", "Estimate from industry practice"}},
		{"/w/acme/platforms/weibo",
			[]string{`估算依据： <span lang="en">Our own panel.</span>`, `说明： <span lang="en">Checked in June.</span>`, `<span class="small muted"><span lang="en">Link shares only.</span></span>`},
			nil},
	})
	setLocale(t, b, "en")
	checkPages(t, b, "en", []pageCase{
		{"/w/acme/platforms/bilibili",
			[]string{"Why estimated: Panels (QuestMobile", "Note: Average MAU of about 340 million in Q4 2024 as remembered.",
				`<span lang="en">Chorus</span> — Estimate from industry practice`},
			[]string{"监测机构", "凭记忆", `<span lang="en">Panels`, "发布方和标题", "按行业惯例估计"}},
		{"/w/acme/platforms/weibo",
			[]string{"Why estimated: Our own panel.", "Note: Checked in June.", `<span class="small muted">Link shares only.</span>`},
			[]string{`<span lang="en">Our own`}},
	})
}
