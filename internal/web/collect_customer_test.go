package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestCollectCustomerSteering: the public key is on every landing page,
// and customer ids are often guessable (10001, 10002 …). An outsider who
// clicks a link of the campaign they want credited, then sends events
// with that click and other people's customer ids, must not move those
// customers: the shop server's purchases that name only the customer
// stay with the click their own browser came from, under every model.
// The landing page's own flow keeps working: chorus.track('signup',
// {customer_id}) after a real click attributes the server's later
// purchase to that click, and the same browser's next tracked visit moves
// the customer on. A customer the server bound itself (a cid sent with a
// token) is moved only by the server.
func TestCollectCustomerSteering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.conversions.ClickWait = 2 * time.Second
		ctx := context.Background()
		acme := newConvFixture(t, h, "acme")
		today := campaign.Date(time.Now().Format(campaign.DateLayout))
		kol, err := h.campaigns.Create(ctx, acme.tn.ws.ID, campaign.Campaign{Name: "KOL", Objective: "sales", Start: today.AddDays(-30), End: today.AddDays(30), Budget: 100})
		must(t, err)
		kolLink, err := h.links.Create(ctx, acme.tn.ws.ID, link.Input{Destination: "https://shop.example/kol", CampaignID: &kol.ID, Channel: "weibo"})
		must(t, err)
		server := map[string]string{"Authorization": "Bearer " + acme.tn.token}
		send := func(name, body string, header map[string]string) map[string]any {
			t.Helper()
			status, answer, _ := collect(t, h, body, header)
			if status != http.StatusOK {
				t.Fatalf("%s: status %d: %s", name, status, jsonText(answer))
			}
			return answer
		}
		const ann, annBrowser = "10001", "browser-of-ann-0001"
		const bob = "10002"

		// Ann comes from the shop's campaign and signs up on the landing
		// page; Bob signs up at the shop, whose server reports his click.
		annClick := clickAs(t, h, acme.link, "ann")
		send("ann's landing", payload("key", acme.key, "event", "landing", "cid", annClick, "bid", annBrowser), nil)
		send("ann's signup", payload("key", acme.key, "event", "signup", "cid", annClick, "bid", annBrowser, "customer_id", ann), nil)
		bobClick := clickAs(t, h, acme.link, "bob")
		send("bob's signup by the server", payload("event", "signup", "cid", bobClick, "customer_id", bob), server)

		// The outsider clicks the KOL's link and claims both customers
		// with it, from their own browser and from none.
		time.Sleep(10 * time.Millisecond) // the outsider's click is the latest
		evil := clickAs(t, h, kolLink, "mallory")
		for _, who := range []string{ann, bob} {
			send("claim of "+who, payload("key", acme.key, "event", "signup", "cid", evil, "bid", "browser-of-mallory1", "customer_id", who), nil)
			send("claim of "+who+" without a browser", payload("key", acme.key, "event", "lead", "cid", evil, "customer_id", who), nil)
		}

		for _, who := range []string{ann, bob} {
			res := send("purchase of "+who, payload("event", "purchase", "order_id", "o-"+who, "value", 100, "currency", "CNY", "customer_id", who), server)
			if !answerHas(res, "attributed=true") || res["campaign_id"] != float64(acme.campaign) {
				t.Errorf("purchase of customer %s = %s; want attributed to the shop's campaign %d, not the outsider's %d", who, jsonText(res), acme.campaign, kol.ID)
			}
		}
		period := "from=" + time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly) + "&to=" + time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
		for _, model := range []string{"last_touch", "first_touch", "linear"} {
			status, fn := h.api("GET", "/workspaces/acme/funnel?"+period+"&by=campaign&model="+model, acme.tn.token, nil)
			if status != http.StatusOK {
				t.Fatalf("funnel: status %d: %s", status, jsonText(fn))
			}
			rows, _ := fn["rows"].([]any)
			for _, r := range rows {
				r := r.(map[string]any)
				if r["campaign_id"] == float64(kol.ID) && r["revenue"] != 0.0 {
					t.Errorf("%s: the outsider's campaign has revenue %v; want 0 (the customers' purchases are the shop campaign's)", model, r["revenue"])
				}
			}
		}

		// Ann's own browser, back through the KOL's link, moves her on: her
		// next purchase is the KOL's.
		time.Sleep(10 * time.Millisecond)
		again := clickAs(t, h, kolLink, "ann")
		send("ann's return", payload("key", acme.key, "event", "add_to_cart", "cid", again, "bid", annBrowser, "customer_id", ann), nil)
		res := send("ann's second purchase", payload("event", "purchase", "order_id", "o-ann-2", "value", 50, "currency", "CNY", "customer_id", ann), server)
		if res["campaign_id"] != float64(kol.ID) {
			t.Errorf("ann's purchase after her return through the KOL's link = %s; want campaign %d", jsonText(res), kol.ID)
		}
	})
}

// clickAs follows a tracked link as who's own browser (a user agent of
// theirs: the test's people share an address) and returns the cid.
func clickAs(t *testing.T, h *harness, l link.Link, who string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+"/l/"+l.Code, nil)
	req.Header.Set("User-Agent", chromeUA+" "+who)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	must(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !link.ValidClickID(loc.Query().Get("cid")) {
		t.Fatalf("redirect: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("cid")
}

// TestCollectDocumentsCustomerClaims: the OpenAPI document, and the
// snippet's help on the conversions page, say what a customer id sent
// with the public key may bind.
func TestCollectDocumentsCustomerClaims(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	acme := newConvFixture(t, h, "acme")
	b := h.browser()
	_, raw := b.get("/api/v1/openapi.json")
	if !strings.Contains(raw, "only events with the same bid move them") {
		t.Errorf("the OpenAPI document does not say which events bind a customer")
	}
	b.login(acme.tn.email, acme.tn.password)
	_, page := b.get("/w/acme/conversions")
	if !strings.Contains(page, "之后也只认最先上报它的那个浏览器") {
		t.Errorf("the conversions page does not say which pages' customer ids count")
	}
}
