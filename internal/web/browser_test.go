package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chorus-hq/chorus/internal/demo"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// chromium finds the browser: CHORUS_BROWSER, else chromium on the PATH.
func chromium(t *testing.T) string {
	if p := os.Getenv("CHORUS_BROWSER"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found: install Debian's chromium or set CHORUS_BROWSER (CI does)")
	return ""
}

// TestBrowser signs in to the demo in a real headless Chromium, opens the
// brand and platform pages, switches the language, creates a campaign from
// the sales template and renames its first phase, walks the demo's
// links, conversions and listening (mentions, charts, the try-it box, an
// alert, source health), and saves screenshots.
// screenshotter makes actions that save a screenshot under a name in
// CHORUS_SCREENSHOT_DIR, or in a temporary folder: shot of the viewport,
// full of the whole page.
func screenshotter(t *testing.T) (shot, full func(name string) chromedp.Action[chromedp.Void]) {
	dir := os.Getenv("CHORUS_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	save := func(name string, capture chromedp.Action[[]byte]) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			buf, err := capture(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, buf, 0o644); err != nil {
				return chromedp.Void{}, err
			}
			t.Logf("screenshot: %s", path)
			return chromedp.Void{}, nil
		}
	}
	shot = func(name string) chromedp.Action[chromedp.Void] { return save(name, chromedp.CaptureScreenshot()) }
	full = func(name string) chromedp.Action[chromedp.Void] { return save(name, chromedp.FullScreenshot(100)) }
	return shot, full
}

func TestBrowser(t *testing.T) {
	exe := chromium(t)
	h := newHarness(t, storetest.SQLite(t))
	catalog, err := platform.Load()
	must(t, err)
	login, err := demo.Load(context.Background(), demo.Deps{Accounts: h.accounts, Brand: h.brand, Platforms: platform.NewService(catalog, h.db), Campaigns: h.campaigns,
		Links: h.links, Clicks: h.db, Conversions: h.conversions, Listen: h.listen, Alerts: h.db, Sources: h.db, Audit: h.db})
	must(t, err)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	// The first Run starts the browser; it must not carry the timeout.
	must(t, chromedp.Do(ctx, chromedp.Navigate(h.ts.URL+"/")))
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	shot, fullShot := screenshotter(t)
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	// wrapped lists the texts of the elements sel matches that run over
	// more than one line: their text's line boxes start at more than one
	// height.
	wrapped := func(sel string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(`+strconv.Quote(sel)+`)].filter(e => {
			const r = document.createRange(); r.selectNodeContents(e);
			const tops = [...r.getClientRects()].filter(x => x.width > 0).map(x => x.top).sort((a, b) => a - b);
			const em = parseFloat(getComputedStyle(e).fontSize);
			return tops.some((top, i) => i > 0 && top - tops[i - 1] > 0.8 * em);
		}).map(e => e.textContent.trim())`))
		if err != nil {
			t.Fatalf("lines of %s: %v", sel, err)
		}
		return v
	}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	step("sign in",
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), login.Email),
		chromedp.SendKeys(chromedp.CSS(`#password`), login.Password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#personas`)),
		shot("brand-zh.png"),
	)
	brandText := text("main")
	// A persona's age bands are checkboxes each beside its label and
	// apart from the next: styled only on the strategy pages, the brand
	// forms read "18岁以下 □ 18–24岁", each box as near the label before it
	// as its own.
	step("open a new persona",
		chromedp.Navigate(h.ts.URL+"/w/"+login.Workspace+"/brand/personas/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-age_bands`)),
	)
	apart, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`Math.min(...[...document.querySelectorAll('#f-age_bands .check')].slice(1)
		.map(l => [l.getBoundingClientRect(), l.previousElementSibling.getBoundingClientRect()])
		.filter(([r, p]) => Math.abs(r.top - p.top) < 2).map(([r, p]) => r.left - p.right))`))
	if err != nil || apart < 12 {
		t.Errorf("a persona's age band checkboxes stand %.1f px from the label before them, want at least 12 (%v)", apart, err)
	}
	step("back to the brand page",
		chromedp.Navigate(h.ts.URL+"/w/"+login.Workspace+"/brand"),
		chromedp.WaitVisible(chromedp.CSS(`#personas`)),
	)
	step("open the platforms page",
		chromedp.Click(chromedp.CSS(`a[data-section="platforms"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#fit-result canvas`)),
		shot("platforms-zh.png"),
	)
	personaID, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#fit-persona`)))
	must(t, err)
	firstLang, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`html`), "lang"))
	must(t, err)
	chartHTML, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`#fit-result`)))
	must(t, err)
	// The click posts a form and loads the next page; RunResponse waits
	// for that navigation, so the next query sees the new document.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`button[data-lang="en"]`))); err != nil {
		t.Fatalf("switch to English: %v", err)
	}
	step("see English",
		chromedp.WaitVisible(chromedp.CSS(`button[data-lang="en"][aria-current="true"]`)),
		shot("platforms-en.png"),
	)
	// The same page on a phone: the navigation becomes a row of its own.
	step("phone size",
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`nav.mainnav`)),
		shot("platforms-phone-en.png"),
	)
	// edges names the sides of the navigation row that sections are
	// hidden past, which the row fades to show there are more.
	edges := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`['more-before', 'more-after'].filter(c => document.querySelector('nav.mainnav').classList.contains(c)).join(' ')`))
		must(t, err)
		return v
	}
	// In English the row is wider than a phone: Evaluation and Listening
	// lie past its edge with nothing to say so.
	if got := edges(); got != "more-after" {
		t.Errorf("on a phone the platforms page's navigation marks %q, want more-after", got)
	}
	langAttr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`html`), "lang"))
	must(t, err)
	lang := langAttr.Value
	navText := text(`nav.mainnav`)
	// The row scrolls sideways; the last section's page shows its own tab,
	// not "Liste" cut at the screen's edge.
	step("listening on a phone",
		chromedp.Navigate(h.ts.URL+"/w/"+login.Workspace+"/listening"),
		chromedp.WaitVisible(chromedp.CSS(`nav.mainnav a[aria-current="page"]`)),
		shot("listening-phone-en.png"),
	)
	cut, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const n = document.querySelector('nav.mainnav').getBoundingClientRect();
		const c = document.querySelector('nav.mainnav a[aria-current="page"]').getBoundingClientRect();
		return c.left < n.left || c.right > n.right;
	})()`))
	must(t, err)
	if cut {
		t.Errorf("on a phone the current section's tab is past the edge of the navigation")
	}
	if got := edges(); got != "more-before" {
		t.Errorf("on a phone the listening page's navigation marks %q, want more-before", got)
	}
	// The narrowest phones still in use are 320 px wide: the top bar's
	// links (Settings, Account, Sign out) stay on the screen.
	step("a 320 px phone", chromedp.EmulateViewport(320, 640), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`nav.mainnav`)))
	past, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`Math.max(document.documentElement.scrollWidth - document.documentElement.clientWidth,
		...[...document.querySelectorAll('.topbar-end > *')].map(e => e.getBoundingClientRect().right - document.documentElement.clientWidth))`))
	if err != nil || past > 0 {
		t.Errorf("at 320 px the page or its top bar runs %.1f px past the screen (%v)", past, err)
	}
	if firstLang.Value != "zh-CN" || !strings.Contains(brandText, "了解自己") {
		t.Errorf("brand page is not in Chinese (lang %q): %.200s", firstLang.Value, brandText)
	}
	if personaID == "" || !strings.Contains(chartHTML, "<canvas") {
		t.Errorf("fit chart did not render for persona %q", personaID)
	}
	if lang != "en" || !strings.Contains(navText, "Know yourself") || !strings.Contains(navText, "Platforms") {
		t.Errorf("after switching: lang %q, nav %q", lang, navText)
	}

	// Step 3: a campaign from the sales template, then a phase renamed.
	step("open the strategy page",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(h.ts.URL+"/w/"+login.Workspace+"/strategy"),
		chromedp.WaitVisible(chromedp.CSS(`#template-form`)),
		chromedp.SetValue(chromedp.CSS(`#tpl-objective`), "sales"),
		chromedp.SendKeys(chromedp.CSS(`#tpl-name`), "Browser sales push"),
		chromedp.SendKeys(chromedp.CSS(`#tpl-budget`), "60000"),
		shot("strategy-list.png"),
	)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#create-from-template`))); err != nil {
		t.Fatalf("create from template: %v", err)
	}
	step("see the new campaign",
		chromedp.WaitVisible(chromedp.CSS(`#timeline-chart canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#budget`)),
	)
	campaignURL, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	heading := text(`#campaign-name`)
	phases, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`#phases a.edit-phase`)))
	must(t, err)
	if !strings.Contains(heading, "Browser sales push") || len(phases) != 4 {
		t.Fatalf("new campaign page %s: heading %q, %d phases, want 4", campaignURL, heading, len(phases))
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#phases a.edit-phase`))); err != nil {
		t.Fatalf("open the first phase: %v", err)
	}
	step("rename the first phase",
		chromedp.WaitVisible(chromedp.CSS(`#phase-name`)),
		chromedp.SetValue(chromedp.CSS(`#phase-name`), "预热 · teaser week"),
	)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#save`))); err != nil {
		t.Fatalf("save the phase: %v", err)
	}
	step("see the renamed phase",
		chromedp.WaitVisible(chromedp.CSS(`#timeline-chart canvas`)),
		shot("strategy-campaign.png"),
		fullShot("strategy-campaign-full.png"),
	)
	if got := text(`#phases tbody tr:first-child td:first-child`); !strings.Contains(got, "预热 · teaser week") {
		t.Errorf("first phase after saving: %q", got)
	}
	if flash := text(`.flash.ok`); flash == "" {
		t.Errorf("no confirmation after saving the phase")
	}
	// The audit log reads the rename, above the demo team's set-up.
	step("open the audit log",
		chromedp.Navigate(h.ts.URL+"/w/"+login.Workspace+"/audit"),
		chromedp.WaitVisible(chromedp.CSS(`main table`)),
		shot("audit.png"),
	)
	if got := text(`main tbody tr:first-child`); !strings.Contains(got, "Update phase") || !strings.Contains(got, login.Email) {
		t.Errorf("audit log's newest entry: %q, want the phase renamed by %s", got, login.Email)
	}
	if got := text(`main tbody`); !strings.Contains(got, "Create product") || !strings.Contains(got, "Create campaign from a template") || strings.Contains(got, "{ws}") {
		t.Errorf("audit log: %q, want the demo's set-up in words", got)
	}
	// The demo's running sales campaign, with budget lines and charts.
	step("open the demo's running campaign",
		chromedp.Navigate(h.ts.URL+"/w/"+login.Workspace+"/strategy"),
		chromedp.WaitVisible(chromedp.CSS(`#campaigns`)),
	)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#campaigns tr:has(.status-active) a`))); err != nil {
		t.Fatalf("open the running campaign: %v", err)
	}
	step("see its budget charts",
		chromedp.WaitVisible(chromedp.CSS(`#budget-donut canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#timeline-chart canvas`)),
		fullShot("strategy-demo-campaign.png"),
		chromedp.ScrollIntoView(chromedp.CSS(`#budget`)),
		shot("strategy-demo-budget.png"),
	)
	demoCampaign, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)

	// Step 4 and 5 on the demo's 60 days of traffic: the links, the
	// busiest link's charts, the funnel per campaign.
	step("open the demo's links",
		chromedp.Click(chromedp.CSS(`a[data-section="execution"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#links tbody tr`)),
		fullShot("links-demo.png"),
	)
	rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`#links tbody tr.state-active`)))
	must(t, err)
	if len(rows) < 10 {
		t.Errorf("demo links page lists %d active links, want the demo's", len(rows))
	}
	// On a phone a card's title keeps its line; the figures beside it go
	// below rather than squeezing "追踪链接" into a column of characters.
	step("links on a phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#links tbody tr`)),
	)
	broken, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.card-head h2')]
		.filter(h => h.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(h).fontSize))
		.map(h => h.textContent)`))
	must(t, err)
	if len(broken) > 0 {
		t.Errorf("on a phone these card titles break across lines: %q", broken)
	}
	// The links stack a block per link: the page does not scroll sideways.
	step("links stacked on a phone", chromedp.ScrollIntoView(chromedp.CSS(`#links table`)), shot("links-phone.png"))
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#links table').getBoundingClientRect().right > window.innerWidth`))
	must(t, err)
	if wide {
		t.Errorf("on a phone the links table runs past the screen's edge")
	}
	step("links on a desktop",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#links tbody tr`)),
	)
	// In English at 1280 px the table fits its card: the short addresses
	// made it scroll, with the last column's buttons out of sight.
	cut, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(w => w.scrollWidth > w.clientWidth)(document.querySelector('#links .table-wrap'))`))
	must(t, err)
	if cut {
		t.Errorf("on a desktop the links table scrolls sideways inside its card")
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#links tbody tr:first-child a.link-label`))); err != nil {
		t.Fatalf("open a demo link: %v", err)
	}
	step("see its charts",
		chromedp.WaitVisible(chromedp.CSS(`#clicks-chart canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#breakdown-class canvas`)),
		fullShot("link-demo.png"),
	)
	if got := text(`#breakdown-class`); !strings.Contains(got, "Link previews") && !strings.Contains(got, "链接预览") {
		t.Errorf("demo link's classification lacks previews: %q", got)
	}
	step("open its edit form",
		chromedp.Click(chromedp.CSS(`#edit-link summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#link-edit-form #link-destination`)),
		chromedp.ScrollIntoView(chromedp.CSS(`#edit-link`)),
		shot("link-edit-demo.png"),
	)
	if got := text(`#allowlist-note`); !strings.Contains(got, "xianlan-coffee.example, xianlan.tmall.example") {
		t.Errorf("demo link's edit form does not name the allowed domains: %q", got)
	}
	step("open the demo's conversions",
		chromedp.Click(chromedp.CSS(`a[data-section="evaluation"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#funnel-chart canvas`)),
		fullShot("conversions-demo.png"),
	)
	if got := text(`#by-campaign tbody`); !strings.Contains(got, "冬日暖咖季") {
		t.Errorf("demo funnel by campaign lacks the sales campaign: %q", got)
	}

	// Listening, back in Chinese: the stream and its chart, the topic
	// editor's try-it box, an alert with the mentions that caused it, and
	// the sources' health.
	step("open the demo's listening",
		chromedp.Click(chromedp.CSS(`a[data-section="listening"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#mentions li.mention`)),
	)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`button[data-lang="zh-CN"]`))); err != nil {
		t.Fatalf("switch to Chinese: %v", err)
	}
	step("see the stream and the volume chart",
		chromedp.WaitVisible(chromedp.CSS(`#summary .chart canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#mentions li.mention`)),
		// ECharts draws its first frame over a second (its default
		// animation); the picture should show the whole chart.
		chromedp.Sleep(1500*time.Millisecond),
		shot("listening-zh.png"),
	)
	// A mention's sentiment fix is one row: its label, select and button
	// side by side, the select no wider than its words need.
	fixRow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const f = document.querySelector('#mentions form.sentiment-fix');
		const [l, s, b] = ['label', 'select', 'button'].map(q => f.querySelector(q).getBoundingClientRect());
		return Math.abs(l.top + l.height / 2 - (s.top + s.height / 2)) < 4 && Math.abs(b.top + b.height / 2 - (s.top + s.height / 2)) < 4 && s.width < 200;
	})()`))
	must(t, err)
	if !fixRow {
		t.Errorf("a mention's sentiment fix is not one row of label, select and button")
	}
	// An unread alert's link underlines its subject, not the badge's
	// edge and the space after it ("▁闲岚咖啡").
	underlined, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#alerts .alert-list a')].flatMap(a =>
		[...a.childNodes].some(n => n.nodeType === Node.TEXT_NODE && /^\s/.test(n.textContent)) && getComputedStyle(a).textDecorationLine.includes('underline') ? [a.textContent] : [])`))
	if err != nil || len(underlined) > 0 {
		t.Errorf("unread alerts underline the space before their subject: %q (%v)", underlined, err)
	}
	// A hot term is one line beside its long example, not 买到 over 假货.
	if got := wrapped(`#hot-term-table td:first-child`); len(got) > 0 {
		t.Errorf("hot terms broken across lines: %q", got)
	}
	// Each term of the hot terms chart has room for its label and its two
	// bars, on a phone too: twelve terms in a standard chart box left them
	// 16 px each there, the labels touching.
	for _, size := range [][2]int64{{1280, 900}, {390, 844}} {
		step(fmt.Sprintf("hot terms chart at %d px", size[0]),
			chromedp.EmulateViewport(size[0], size[1]),
			chromedp.Reload(),
			chromedp.WaitVisible(chromedp.CSS(`#hot-terms .chart canvas`)),
		)
		room, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(c => c.convertToPixel({yAxisIndex: 0}, 1) - c.convertToPixel({yAxisIndex: 0}, 0))(echarts.getInstanceByDom(document.querySelector('#hot-terms .chart')))`))
		if err != nil || room < 26 {
			t.Errorf("at %d px the hot terms chart gives a term %.1f px, want at least 26 (%v)", size[0], room, err)
		}
	}
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#mentions li.mention`))))
	mentions, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`#mentions li.mention`)))
	must(t, err)
	if len(mentions) < 10 || !strings.Contains(text(`#summary`), "声量") {
		t.Errorf("listening page: %d mentions in the stream, summary %q", len(mentions), text(`#summary`))
	}
	step("try a query",
		chromedp.ScrollIntoView(chromedp.CSS(`#t-query`)),
		chromedp.SendKeys(chromedp.CSS(`#t-query`), "闲岚"),
		chromedp.WaitVisible(chromedp.CSS(`#try-result li.mention`)),
	)
	tried := text(`#try-result`)
	if !strings.Contains(tried, "闲岚") || !strings.Contains(tried, "条") {
		t.Errorf("try-it box after typing 闲岚: %.300q", tried)
	}
	// The alert rules, where each delivers, and one open in the editor.
	if rules := text(`#rules`); !strings.Contains(rules, "企业微信") || !strings.Contains(rules, "https://qyapi.weixin.example/cgi-bin/webhook/send?…") {
		t.Errorf("alert rules lack the demo's WeCom robot: %.400q", rules)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#rules tbody tr a[href*="?rule="]`))); err != nil {
		t.Fatalf("edit an alert rule: %v", err)
	}
	step("see an alert rule in the editor",
		chromedp.WaitVisible(chromedp.CSS(`#r-ch-0-url`)),
		chromedp.ScrollIntoView(chromedp.CSS(`#r-channels`)),
		shot("listening-rule-editor.png"),
	)
	if editor := text(`#rule-editor`); !strings.Contains(editor, "编辑预警规则") {
		t.Errorf("rule editor: %.300q", editor)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#alerts .alert-list a`))); err != nil {
		t.Fatalf("open an alert: %v", err)
	}
	step("see the alert's mentions",
		chromedp.WaitVisible(chromedp.CSS(`#alert-mentions li.mention`)),
		shot("listening-alert.png"),
	)
	if sent := text(`#alert-delivery`); !strings.Contains(sent, "企业微信") && !strings.Contains(sent, "钉钉") {
		t.Errorf("the demo alert's delivery: %q", sent)
	}
	if title := text(`#alert-title`); !strings.Contains(title, "危机词") && !strings.Contains(title, "声量激增") && !strings.Contains(title, "负面") {
		t.Errorf("alert title %q is not a Chinese alert title", title)
	}
	// A platform's long message, one word, stays inside a phone's screen.
	alertURL, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	alertID, err := strconv.ParseInt(alertURL[strings.LastIndex(alertURL, "/")+1:], 10, 64)
	must(t, err)
	demoWS, err := h.db.WorkspaceBySlug(context.Background(), login.Workspace)
	must(t, err)
	must(t, h.db.SetAlertDelivery(context.Background(), demoWS.ID, alertID, map[string]string{"1:wecom": "HTTP 400: " + strings.Repeat("x", 500)}, nil))
	step("see a long delivery outcome on a phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#alert-delivery`)),
		shot("listening-alert-phone.png"),
	)
	outcomeWide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
	must(t, err)
	if outcomeWide {
		t.Errorf("on a phone a long delivery outcome makes the alert page wider than the screen")
	}
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#alert-delivery`))))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#tab-sources`))); err != nil {
		t.Fatalf("open source health: %v", err)
	}
	step("see the sources' health",
		chromedp.WaitVisible(chromedp.CSS(`#source-health tr.status-failing`)),
		shot("sources.png"),
	)
	if health := text(`#source-health`); !strings.Contains(health, "接收帖子") || !strings.Contains(health, "失败") || !strings.Contains(health, "Bluesky 拒绝了凭据") {
		t.Errorf("source health: %.400q", health)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#tab-insights`))); err != nil {
		t.Fatalf("open insights: %v", err)
	}
	step("see the insights",
		chromedp.WaitVisible(chromedp.CSS(`#insight-sentiment .chart canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#word-cloud li`)),
		chromedp.Sleep(1500*time.Millisecond),
		shot("insights-zh.png"),
		chromedp.ScrollIntoView(chromedp.CSS(`#insight-co`)),
		shot("insights-terms-zh.png"),
	)
	coRows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`#co-negative tbody tr`)))
	must(t, err)
	if co := text(`#insight-co`); len(coRows) == 0 || !strings.Contains(co, "负面提及中") {
		t.Errorf("insights: %d terms of negative mentions in %.300q", len(coRows), co)
	}
	if authors := text(`#insight-authors`); !strings.Contains(authors, "粉丝数") {
		t.Errorf("insights: top authors %.300q", authors)
	}
	// The word cloud's least frequent terms are small text: WCAG AA asks
	// 4.5:1 of them against the card.
	lowest, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => {
		const lum = c => { const v = c.match(/\d+/g).slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
			return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
		const bg = lum(getComputedStyle(document.querySelector('#word-cloud').closest('.card')).backgroundColor);
		return Math.min(...[...document.querySelectorAll('#word-cloud li')].map(li => { const f = lum(getComputedStyle(li).color);
			return (Math.max(f, bg) + 0.05) / (Math.min(f, bg) + 0.05); }));
	})()`))
	if err != nil || lowest < 4.5 {
		t.Errorf("insights: a word cloud term's contrast is %.2f:1, want at least 4.5:1 (%v)", lowest, err)
	}
	// Back to the running campaign, in Chinese: a fact's name keeps its
	// line beside a long value (起止日期 beside the dates and their zone).
	step("open the running campaign in Chinese",
		chromedp.Navigate(demoCampaign),
		chromedp.WaitVisible(chromedp.CSS(`#overview`)),
	)
	if got := wrapped(`.campaign-facts .stat > .muted:first-child`); len(got) > 0 {
		t.Errorf("campaign facts whose names break across lines: %q", got)
	}
}
