package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestSnippetInBrowser runs t.js in a real headless Chromium: a tracked
// link redirects to a landing page on another origin that carries the
// snippet; the landing must reach the store and mark the click landed
// (which makes it effective), and a purchase tracked on the page must be
// attributed to the link's campaign. A page without cid must not throw.
func TestSnippetInBrowser(t *testing.T) {
	exe := chromium(t)
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	cp, err := h.campaigns.Create(ctx, owner.ws.ID, campaign.Campaign{Name: "Spring", Objective: "sales", Start: "2026-01-01", End: "2026-12-31", Budget: 100})
	must(t, err)
	key, err := h.conversions.PublicKey(ctx, owner.ws.ID)
	must(t, err)

	page := fmt.Sprintf(`<!doctype html><html><head><meta charset="utf-8"><title>Landing</title>
<script>window.__errs = []; window.addEventListener("error", function (e) { window.__errs.push(String(e.message)); });
window.chorus = {q: [["custom:early", {step: 1}]]};</script>
<script src="%s/t.js" data-key="%s" async></script></head>
<body><h1>Oolong tea</h1><div style="height:3000px"></div></body></html>`, html.EscapeString(h.ts.URL), html.EscapeString(key))
	landing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer landing.Close()

	// The landing server is on loopback, which link creation may refuse;
	// the store takes the link as it is.
	l, err := h.db.CreateLink(ctx, link.Link{WorkspaceID: owner.ws.ID, Code: link.NewCode(), Destination: landing.URL + "/spring", CampaignID: &cp.ID, Channel: "weibo"})
	must(t, err)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserAgent(chromeUA),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first Run starts the browser; it must not carry the timeout.
	must(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")))
	bctx, cancel = context.WithTimeout(bctx, 60*time.Second)
	defer cancel()

	// A page without cid: the snippet loads, offers track, throws nothing.
	must(t, chromedp.Do(bctx, chromedp.Navigate(landing.URL+"/plain")))
	ready, err := poll[bool](bctx, `window.chorus && typeof window.chorus.track === "function"`)
	if err != nil || !ready {
		t.Fatalf("snippet did not load on a page without cid: %v", err)
	}
	errs, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`window.__errs`))
	must(t, err)
	if len(errs) > 0 {
		t.Errorf("page without cid raised %v", errs)
	}
	// Nor does it make a browser id: only a tracked visit does.
	plainBid, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.cookie.indexOf("chorus_bid=") >= 0 || localStorage.getItem("chorus_bid") !== null`))
	must(t, err)
	if plainBid {
		t.Error("a page without cid stored a browser id")
	}
	// Clear what the first page stored, so the tracked visit starts clean.
	must(t, chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`document.cookie = "chorus_cid=; max-age=0; path=/"; localStorage.clear(); undefined`)))

	// The tracked visit: redirect, landing, then a purchase on the page.
	must(t, chromedp.Do(bctx, chromedp.Navigate(h.ts.URL+"/l/"+l.Code)))
	cid, err := poll[string](bctx, `window.chorus && window.chorus.cid()`)
	if err != nil || !link.ValidClickID(cid) {
		t.Fatalf("snippet cid = %q, %v; want the click id the redirect appended", cid, err)
	}
	stored, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.cookie.replace(/.*chorus_cid=([^;]*).*/, "$1") + "|" + JSON.parse(localStorage.getItem("chorus_cid")).c`))
	must(t, err)
	if stored != cid+"|"+cid {
		t.Errorf("cookie|localStorage = %q; want the cid in both", stored)
	}
	bid, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.cookie.replace(/.*chorus_bid=([^;]*).*/, "$1") + "|" + JSON.parse(localStorage.getItem("chorus_bid")).c`))
	must(t, err)
	bid, both, _ := strings.Cut(bid, "|")
	if len(bid) != 16 || both != bid {
		t.Errorf("browser id in cookie|localStorage = %q|%q; want the same 16 characters in both", bid, both)
	}
	sent, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`chorus.track("purchase", {value: 88, currency: "CNY", order_id: "web-1", colour: "green"})`))
	if err != nil || !sent {
		t.Fatalf("chorus.track = %v, %v; want true", sent, err)
	}

	// Scrolling past half the page is engagement.
	must(t, chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.documentElement.scrollHeight); undefined`)))

	deadline := time.Now().Add(15 * time.Second)
	var landed, purchase, engaged *conversion.Conversion
	for time.Now().Before(deadline) && (landed == nil || purchase == nil || engaged == nil) {
		list, err := h.conversions.List(ctx, owner.ws.ID, conversion.ListFilter{})
		must(t, err)
		for i := range list {
			switch list[i].Event {
			case conversion.Landing:
				landed = &list[i]
			case conversion.Purchase:
				purchase = &list[i]
			case conversion.Engaged:
				engaged = &list[i]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if landed == nil || landed.ClickID != cid || landed.CampaignID == nil || *landed.CampaignID != cp.ID {
		t.Fatalf("landing event = %+v; want attributed to click %s of campaign %d", landed, cid, cp.ID)
	}
	if purchase == nil || purchase.CampaignID == nil || *purchase.CampaignID != cp.ID || purchase.Value != 88 || purchase.Channel != "weibo" {
		t.Fatalf("purchase = %+v; want 88 CNY attributed to campaign %d on weibo", purchase, cp.ID)
	}
	if landed.BrowserID != bid || purchase.BrowserID != bid {
		t.Errorf("browser ids of landing, purchase = %q, %q; want %q", landed.BrowserID, purchase.BrowserID, bid)
	}
	if purchase.Props["colour"] != "green" {
		t.Errorf("purchase props = %v; want colour green", purchase.Props)
	}
	if engaged == nil || engaged.ClickID != cid {
		t.Errorf("engaged event = %+v; want one for click %s after scrolling", engaged, cid)
	}
	ref, err := h.db.Click(ctx, cid)
	must(t, err)
	if !ref.Landed || !ref.Engaged || ref.Class != string(link.Human) || !ref.Unique {
		t.Errorf("click = %+v; want a unique human click, landed and engaged", ref)
	}
	f, err := h.conversions.Funnel(ctx, owner.ws.ID, conversion.Filter{CampaignID: &cp.ID}, conversion.LastTouch)
	must(t, err)
	if f.EffectiveClicks != 1 || f.EngagedVisits != 1 || f.Landing != 1 || f.Engaged != 1 || f.Purchases != 1 || f.Revenue != 88 {
		t.Errorf("campaign funnel = %+v; want 1 effective click, 1 engaged visit, 1 landing, 1 purchase of 88", f)
	}
	// The call made before the snippet loaded was sent too.
	early := "custom:early"
	if list, _ := h.conversions.List(ctx, owner.ws.ID, conversion.ListFilter{Event: &early}); len(list) == 0 {
		t.Errorf("queued chorus.q call was not sent")
	}

	// Signed in, the conversions page shows the purchase under its
	// campaign, and the links page the effective click.
	_, shot := screenshotter(t)
	must(t, chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(h.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), owner.email),
		chromedp.SendKeys(chromedp.CSS(`#password`), owner.password),
	))
	if _, err := chromedp.RunResponse(bctx, chromedp.Submit(chromedp.CSS(`#password`))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	must(t, chromedp.Do(bctx,
		chromedp.Navigate(h.ts.URL+"/w/acme/conversions"),
		chromedp.WaitVisible(chromedp.CSS(`#funnel-chart canvas`)),
		shot("conversions.png"),
	))
	row := fmt.Sprintf(`#by-campaign tr[data-key="%d"]`, cp.ID)
	rowText, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(row)))
	if err != nil {
		t.Fatalf("campaign row %s: %v", row, err)
	}
	purchases, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(row+` td.purchases`)))
	must(t, err)
	revenue, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(row+` td.revenue`)))
	must(t, err)
	if !strings.Contains(rowText, "Spring") || strings.TrimSpace(purchases) != "1" || strings.TrimSpace(revenue) != "88" {
		t.Errorf("conversions page, campaign row = %q (purchases %q, revenue %q); want Spring with 1 purchase of 88", rowText, purchases, revenue)
	}
	must(t, chromedp.Do(bctx,
		chromedp.Navigate(h.ts.URL+"/w/acme/links"),
		chromedp.WaitVisible(chromedp.CSS(`#links`)),
		shot("links.png"),
	))
	linkRow, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(fmt.Sprintf(`#link-%d`, l.ID))))
	must(t, err)
	if !strings.Contains(linkRow, l.Code) {
		t.Errorf("links page row = %q; want the link %s", linkRow, l.Code)
	}
}

// poll waits up to 10 s for expr to be truthy in the current page. Under
// load (the race detector, a busy machine) chromedp may still hold the
// execution context of the page before a navigation when Navigate returns,
// and the browser then answers "Cannot find context with specified id";
// the poll starts again once the new page's context is known.
func poll[T any](ctx context.Context, expr string) (T, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil || !strings.Contains(err.Error(), "Cannot find context") || time.Now().After(deadline) {
			return v, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSnippetWaitsForPrerender: a prerendered landing page runs the
// snippet before anyone sees it, and may never be seen; its landing,
// which makes a prefetched click a person's, is sent when the page is
// shown (prerenderingchange), not before.
func TestSnippetWaitsForPrerender(t *testing.T) {
	exe := chromium(t)
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	key, err := h.conversions.PublicKey(ctx, owner.ws.ID)
	must(t, err)
	page := fmt.Sprintf(`<!doctype html><html><head><meta charset="utf-8"><title>Landing</title>
<script>window.__shown = false; Object.defineProperty(document, "prerendering", {configurable: true, get: function () { return !window.__shown; }});</script>
<script src="%s/t.js" data-key="%s"></script></head><body><h1>Oolong tea</h1></body></html>`, html.EscapeString(h.ts.URL), html.EscapeString(key))
	landing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer landing.Close()
	l, err := h.db.CreateLink(ctx, link.Link{WorkspaceID: owner.ws.ID, Code: link.NewCode(), Destination: landing.URL + "/spring", Channel: "weibo"})
	must(t, err)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserAgent(chromeUA), chromedp.Flag("disable-background-networking", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	must(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")))
	bctx, cancel = context.WithTimeout(bctx, 60*time.Second)
	defer cancel()

	must(t, chromedp.Do(bctx, chromedp.Navigate(h.ts.URL+"/l/"+l.Code)))
	if cid, err := poll[string](bctx, `window.chorus && window.chorus.cid()`); err != nil || !link.ValidClickID(cid) {
		t.Fatalf("snippet cid = %q, %v", cid, err)
	}
	landings := func() int {
		ev := conversion.Landing
		list, err := h.conversions.List(ctx, owner.ws.ID, conversion.ListFilter{Event: &ev})
		must(t, err)
		return len(list)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := landings(); n != 0 {
		t.Fatalf("%d landings sent while the page was prerendered; want none", n)
	}
	must(t, chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`window.__shown = true; document.dispatchEvent(new Event("prerenderingchange")); undefined`)))
	deadline := time.Now().Add(10 * time.Second)
	for landings() == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := landings(); n != 1 {
		t.Errorf("%d landings once the page was shown; want 1", n)
	}
}
