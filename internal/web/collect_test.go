package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

const chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"

// convFixture is a workspace with a campaign, a tracked link of it on
// WeChat, and the workspace's public key.
type convFixture struct {
	tn       tenant
	campaign int64
	link     link.Link
	key      string
}

func newConvFixture(t *testing.T, h *harness, slug string) convFixture {
	t.Helper()
	ctx := context.Background()
	f := convFixture{tn: h.tenant(slug, account.Owner)}
	today := campaign.Date(time.Now().Format(campaign.DateLayout))
	cp, err := h.campaigns.Create(ctx, f.tn.ws.ID, campaign.Campaign{Name: "Launch " + slug, Objective: "sales", Start: today.AddDays(-30), End: today.AddDays(30), Budget: 100})
	must(t, err)
	f.campaign = cp.ID
	f.link, err = h.links.Create(ctx, f.tn.ws.ID, link.Input{Destination: "https://shop.example/landing", CampaignID: &cp.ID, Channel: "wechat"})
	must(t, err)
	status, body := h.api("GET", "/workspaces/"+slug+"/snippet", f.tn.token, nil)
	if status != http.StatusOK {
		t.Fatalf("snippet: status %d: %v", status, body)
	}
	f.key, _ = body["key"].(string)
	return f
}

// clickThrough follows the tracked link as a person's browser would and
// returns the cid the redirect appended.
func clickThrough(t *testing.T, h *harness, l link.Link) string {
	t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+"/l/"+l.Code, nil)
	req.Header.Set("User-Agent", chromeUA)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	must(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("redirect: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cid := loc.Query().Get("cid")
	if !link.ValidClickID(cid) {
		t.Fatalf("redirect appended cid %q", cid)
	}
	return cid
}

// collect posts a raw body to the collect endpoint.
func collect(t *testing.T, h *harness, body string, header map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", h.ts.URL+"/api/v1/collect", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("Accept-Language", "en")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"_raw": string(raw)}
	}
	return resp.StatusCode, out, resp.Header
}

func payload(kv ...any) string {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestCollect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.conversions.ClickWait = 300 * time.Millisecond
		acme := newConvFixture(t, h, "acme")
		other := newConvFixture(t, h, "other")
		cid := clickThrough(t, h, acme.link)
		foreign := clickThrough(t, h, other.link)
		origin := map[string]string{"Origin": "https://shop.example"}
		readOnly, _, err := h.accounts.CreateToken(context.Background(), acme.tn.email, "acme", account.Analyst, "read-only")
		must(t, err)

		tests := []struct {
			name     string
			body     string
			header   map[string]string
			status   int
			contains []string // "key=value" pairs of the JSON answer, or field names
			absent   []string
		}{
			{"landing with a real cid", payload("key", acme.key, "event", "landing", "cid", cid), origin, 200,
				[]string{"attributed=true", "duplicate=false"}, nil},
			{"landing again", payload("key", acme.key, "event", "landing", "cid", cid), origin, 200,
				[]string{"duplicate=true"}, nil},
			{"lead attributed to the campaign", payload("key", acme.key, "event", "lead", "cid", cid, "customer_id", "c-1"), origin, 200,
				[]string{"attributed=true"}, nil},
			{"forged cid", payload("key", acme.key, "event", "lead", "cid", "AAAAAAAAAAAAAAAAAAAAAA"), origin, 200,
				[]string{"attributed=false"}, nil},
			{"cid of another workspace", payload("key", acme.key, "event", "inquiry", "cid", foreign), origin, 200,
				[]string{"attributed=false"}, nil},
			{"purchase by the server with a token", payload("event", "purchase", "order_id", "o-1", "value", 199.5, "currency", "CNY", "customer_id", "c-1"),
				map[string]string{"Authorization": "Bearer " + acme.tn.token}, 200, []string{"attributed=true", "duplicate=false"}, nil},
			{"purchase with a read-only token", payload("event", "purchase", "order_id", "o-ro", "value", 88888),
				map[string]string{"Authorization": "Bearer " + readOnly}, 403, nil, nil},
			{"the same order again", payload("event", "purchase", "order_id", "o-1", "value", 199.5, "key", acme.key), origin, 200,
				[]string{"duplicate=true"}, nil},
			{"wrong currency", payload("key", acme.key, "event", "purchase", "order_id", "o-2", "value", 10, "currency", "USD"), origin, 422,
				[]string{"field:currency"}, nil},
			{"a cart in another currency", payload("key", acme.key, "event", "add_to_cart", "value", 10, "currency", "USD"), origin, 422,
				[]string{"field:currency"}, nil},
			{"a cart with an items list", payload("key", acme.key, "event", "add_to_cart", "value", 99, "currency", "cny",
				"props", map[string]any{"items": []any{map[string]any{"sku": "beans-1kg", "qty": 1}}, "coupon": "WINTER"}), origin, 200,
				[]string{"duplicate=false", `dropped_props=["items"]`}, nil},
			{"custom event", payload("key", acme.key, "event", "custom:video_play", "props", map[string]any{"seconds": 30}), origin, 200, nil, nil},
			{"unknown event", payload("key", acme.key, "event", "buy"), origin, 422, []string{"field:event"}, nil},
			{"negative value", payload("key", acme.key, "event", "purchase", "value", -1), origin, 422, []string{"field:value"}, nil},
			{"unknown key", payload("key", "pk_nope", "event", "lead"), origin, 401, nil, nil},
			{"no key", payload("event", "lead"), nil, 401, nil, nil},
			{"bad token", payload("event", "lead"), map[string]string{"Authorization": "Bearer nope"}, 401, nil, nil},
			{"20 KB body", payload("key", acme.key, "event", "lead", "props", map[string]any{"x": strings.Repeat("x", 20<<10)}), origin, 413,
				[]string{"field:body"}, nil},
			{"not JSON", `event=lead`, origin, 422, []string{"field:body"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, body, hdr := collect(t, h, tt.body, tt.header)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, jsonText(body))
				}
				if o := tt.header["Origin"]; o != "" && hdr.Get("Access-Control-Allow-Origin") != o {
					t.Errorf("Access-Control-Allow-Origin = %q; want %q", hdr.Get("Access-Control-Allow-Origin"), o)
				}
				if hdr.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("collect allows credentials")
				}
				for _, c := range tt.contains {
					if !answerHas(body, c) {
						t.Errorf("answer lacks %s: %s", c, jsonText(body))
					}
				}
			})
		}

		// What was stored: one purchase, attributed through the customer;
		// the forged and the foreign events unattributed; the click landed.
		ctx := context.Background()
		ref, err := db.Click(ctx, cid)
		must(t, err)
		if !ref.Landed {
			t.Errorf("click %s not marked landed", cid)
		}
		if ref, _ := db.Click(ctx, foreign); ref.Landed {
			t.Errorf("the other workspace's click was marked by acme's event")
		}
		status, list := h.api("GET", "/workspaces/acme/conversions?event=purchase", acme.tn.token, nil)
		items, _ := list["items"].([]any)
		if status != 200 || len(items) != 1 {
			t.Fatalf("purchases: status %d, %d items; want one: %s", status, len(items), jsonText(list))
		}
		p := items[0].(map[string]any)
		if p["campaign_id"] != float64(acme.campaign) || p["channel"] != "wechat" || p["value"] != 199.5 {
			t.Errorf("purchase = %v; want campaign %d on wechat, 199.5", p, acme.campaign)
		}
		_, list = h.api("GET", "/workspaces/acme/conversions?event=inquiry", acme.tn.token, nil)
		if items, _ := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["campaign_id"] != nil {
			t.Errorf("inquiry with a foreign cid = %s; want one, unattributed", jsonText(list))
		}
		_, list = h.api("GET", "/workspaces/other/conversions", other.tn.token, nil)
		if items, _ := list["items"].([]any); len(items) != 0 {
			t.Errorf("the other workspace has conversions: %s", jsonText(list))
		}

		// The funnel sees the effective click, the lead and the sale.
		today := time.Now().UTC()
		period := "from=" + today.AddDate(0, 0, -2).Format(time.DateOnly) + "&to=" + today.AddDate(0, 0, 2).Format(time.DateOnly)
		status, fn := h.api("GET", "/workspaces/acme/funnel?"+period+"&by=campaign", acme.tn.token, nil)
		if status != 200 {
			t.Fatalf("funnel: status %d: %s", status, jsonText(fn))
		}
		if fn["effective_clicks"] != 1.0 || fn["leads"] != 2.0 || fn["purchases"] != 1.0 || fn["revenue"] != 199.5 || fn["currency"] != "CNY" {
			t.Errorf("funnel = %s; want 1 effective click, 2 leads (one unattributed), 1 purchase of 199.5", jsonText(fn))
		}
		rows, _ := fn["rows"].([]any)
		if len(rows) == 0 || rows[0].(map[string]any)["campaign_id"] != float64(acme.campaign) || rows[0].(map[string]any)["revenue"] != 199.5 {
			t.Errorf("funnel rows = %v; want the campaign first with the revenue", rows)
		}
		// The campaign's KPI targets are measured by the same figures.
		for _, tg := range []campaign.Target{{Metric: "effective_clicks", Value: 4}, {Metric: "leads", Value: 1}, {Metric: "revenue", Value: 1000},
			{Metric: "roas", Value: 2}, {Metric: "engagement_rate", Value: 0.05}} {
			_, err := h.campaigns.AddTarget(ctx, acme.tn.ws.ID, acme.campaign, tg)
			must(t, err)
		}
		_, err = h.campaigns.AddBudgetLine(ctx, acme.tn.ws.ID, acme.campaign, campaign.BudgetLine{Kind: "paid_boost", Planned: 100, Spent: 50})
		must(t, err)
		status, plan := h.api("GET", fmt.Sprintf("/workspaces/acme/campaigns/%d/plan", acme.campaign), acme.tn.token, nil)
		actual := map[string]any{}
		nodes, _ := plan["kpi"].([]any)
		for _, n := range nodes {
			n := n.(map[string]any)
			actual[n["target"].(map[string]any)["metric"].(string)] = n["actual"]
		}
		if want := map[string]any{"effective_clicks": 1.0, "leads": 1.0, "revenue": 199.5, "roas": 3.99, "engagement_rate": nil}; status != 200 || fmt.Sprint(actual) != fmt.Sprint(want) {
			t.Errorf("plan actuals = %v (status %d); want %v", actual, status, want)
		}
		b := h.signedIn(acme.tn)
		status, page := b.get(fmt.Sprintf("/w/acme/strategy/campaigns/%d", acme.campaign))
		if status != http.StatusOK {
			t.Errorf("campaign page: status %d", status)
		}
		// A month of two gone: one effective click of four is behind, one
		// lead of one is on track (the page is in zh-CN).
		for _, w := range []string{`data-metric="revenue"`, "199.5 CNY", "20%", `class="num actual met"`, ">进度落后<", ">进度正常<"} {
			if !strings.Contains(page, w) {
				t.Errorf("campaign page lacks %q", w)
			}
		}

		for _, bad := range []string{"model=magic", "by=post", "from=yesterday", "campaign=x", "from=2000-01-01&to=2100-01-01"} {
			if status, body := h.api("GET", "/workspaces/acme/funnel?"+bad, acme.tn.token, nil); status != 422 {
				t.Errorf("funnel?%s: status %d, want 422: %s", bad, status, jsonText(body))
			}
		}
	})
}

// TestCollectBrowserOnly: an event that carries only the snippet's
// browser id says it is attributed when the funnel credits it, to the
// click its browser landed from, and not when the browser never landed
// from a click.
func TestCollectBrowserOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		acme := newConvFixture(t, h, "acme")
		cid := clickThrough(t, h, acme.link)
		origin := map[string]string{"Origin": "https://shop.example"}
		for _, tt := range []struct {
			name, body string
			want       []string
		}{
			{"landing that names its browser", payload("key", acme.key, "event", "landing", "cid", cid, "bid", "browser-of-the-landing1"), []string{"attributed=true"}},
			{"lead with only the browser id", payload("key", acme.key, "event", "lead", "bid", "browser-of-the-landing1"), []string{"attributed=true"}},
			{"lead of a browser that never landed", payload("key", acme.key, "event", "lead", "bid", "browser-never-landed-1"), []string{"attributed=false"}},
		} {
			status, body, _ := collect(t, h, tt.body, origin)
			for _, w := range tt.want {
				if status != 200 || !answerHas(body, w) {
					t.Errorf("%s: status %d, answer %s; want 200 and %s", tt.name, status, jsonText(body), w)
				}
			}
		}
		today := time.Now().UTC()
		period := "from=" + today.AddDate(0, 0, -2).Format(time.DateOnly) + "&to=" + today.AddDate(0, 0, 2).Format(time.DateOnly)
		status, fn := h.api("GET", "/workspaces/acme/funnel?"+period, acme.tn.token, nil)
		if status != 200 || fn["leads"] != 2.0 || fn["unattributed"] != 1.0 {
			t.Errorf("funnel: status %d, %s; want 2 leads, the one of the browser that never landed unattributed", status, jsonText(fn))
		}
	})
}

// answerHas checks "field:name" (a field error) or "key=value" (a JSON
// member, compared as text).
func answerHas(body map[string]any, want string) bool {
	if field, ok := strings.CutPrefix(want, "field:"); ok {
		e, _ := body["error"].(map[string]any)
		fields, _ := e["fields"].([]any)
		for _, f := range fields {
			if f.(map[string]any)["field"] == field {
				return true
			}
		}
		return false
	}
	k, v, _ := strings.Cut(want, "=")
	got, ok := body[k]
	if !ok {
		return false
	}
	b, _ := json.Marshal(got)
	return string(b) == v
}

func TestCollectPreflightAndSnippet(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	req, _ := http.NewRequest("OPTIONS", h.ts.URL+"/api/v1/collect", nil)
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "content-type") ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight: status %d, headers %v", resp.StatusCode, resp.Header)
	}

	resp, err = http.Get(h.ts.URL + "/t.js")
	must(t, err)
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("t.js: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if len(js) >= 3<<10 {
		t.Errorf("t.js is %d bytes; want under 3 KB", len(js))
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=300") || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("t.js headers: Cache-Control %q, ACAO %q", cc, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	for _, want := range []string{"/api/v1/collect", "sendBeacon", "keepalive", "landing", "engaged", "chorus_cid", "track"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("t.js lacks %q", want)
		}
	}
}

func TestSnippetKeyAPI(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	editor, _, err := h.accounts.NewToken(ctx, account.Principal{User: account.User{ID: 1}, Workspace: owner.ws, Role: account.Owner}, account.Editor, "editor")
	must(t, err)
	agent, _, err := h.accounts.NewToken(ctx, account.Principal{User: account.User{ID: 1}, Workspace: owner.ws, Role: account.Owner}, account.Agent, "agent")
	must(t, err)
	analyst, _, err := h.accounts.NewToken(ctx, account.Principal{User: account.User{ID: 1}, Workspace: owner.ws, Role: account.Owner}, account.Analyst, "analyst")
	must(t, err)

	status, first := h.api("GET", "/workspaces/acme/snippet", editor, nil)
	key, _ := first["key"].(string)
	tag, _ := first["script_tag"].(string)
	if status != 200 || !strings.HasPrefix(key, "pk_") || !strings.Contains(tag, `data-key="`+key+`"`) || !strings.Contains(tag, `/t.js"`) || !strings.Contains(tag, " async>") {
		t.Fatalf("snippet: status %d: %s", status, jsonText(first))
	}
	if _, again := h.api("GET", "/workspaces/acme/snippet", owner.token, nil); again["key"] != key {
		t.Errorf("second read gave another key")
	}
	if status, _ := h.api("POST", "/workspaces/acme/snippet/rotate", editor, nil); status != http.StatusForbidden {
		t.Errorf("editor rotates the key: status %d, want 403", status)
	}
	status, rotated := h.api("POST", "/workspaces/acme/snippet/rotate", owner.token, nil)
	if status != 200 || rotated["key"] == key {
		t.Fatalf("rotate: status %d: %s", status, jsonText(rotated))
	}
	if status, _, _ := collect(t, h, payload("key", key, "event", "lead"), nil); status != http.StatusUnauthorized {
		t.Errorf("old key after rotation: status %d, want 401", status)
	}
	if status, _, _ := collect(t, h, payload("key", rotated["key"], "event", "lead"), nil); status != 200 {
		t.Errorf("new key: status %d", status)
	}

	// The inbox hook: agents and editors may mark inquiries, analysts not.
	cp, err := h.campaigns.Create(ctx, owner.ws.ID, campaign.Campaign{Name: "Hotline", Objective: "service", Start: "2026-01-01", End: "2026-12-31", Budget: 1})
	must(t, err)
	mark := map[string]any{"campaign_id": cp.ID, "channel": "phone", "kind": "call", "note": "asked for the price list", "event_id": "call-7"}
	status, res := h.api("POST", "/workspaces/acme/conversions/inquiry", agent, mark)
	if status != 200 || res["attributed"] != true || res["duplicate"] != false {
		t.Fatalf("agent marks an inquiry: status %d: %s", status, jsonText(res))
	}
	if status, res := h.api("POST", "/workspaces/acme/conversions/inquiry", editor, mark); status != 200 || res["duplicate"] != true {
		t.Errorf("the same event id again: status %d: %s", status, jsonText(res))
	}
	if status, _ := h.api("POST", "/workspaces/acme/conversions/inquiry", analyst, mark); status != http.StatusForbidden {
		t.Errorf("analyst marks an inquiry: status %d, want 403", status)
	}
	other := h.tenant("other", account.Owner)
	ocp, err := h.campaigns.Create(ctx, other.ws.ID, campaign.Campaign{Name: "Theirs", Objective: "sales", Start: "2026-01-01", End: "2026-12-31", Budget: 1})
	must(t, err)
	if status, _ := h.api("POST", "/workspaces/acme/conversions/inquiry", owner.token, map[string]any{"campaign_id": ocp.ID}); status != http.StatusNotFound {
		t.Errorf("inquiry for another workspace's campaign: status %d, want 404", status)
	}
	_, fn := h.api("GET", "/workspaces/acme/funnel?channel=phone", owner.token, nil)
	if fn["inquiries"] != 1.0 {
		t.Errorf("funnel on phone = %s; want 1 inquiry", jsonText(fn))
	}
}

// TestCollectFlood: one address sending 200 events at once gets some 429s
// with Retry-After, and never a 5xx.
func TestCollectFlood(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	f := newConvFixture(t, h, "acme")
	var mu sync.Mutex
	counts := map[int]int{}
	retryAfter := true
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range 200 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			status, _, hdr := collect(t, h, payload("key", f.key, "event", "custom:flood", "event_id", "flood-"+itoa64(int64(i))), nil)
			mu.Lock()
			defer mu.Unlock()
			counts[status]++
			if status == http.StatusTooManyRequests && hdr.Get("Retry-After") == "" {
				retryAfter = false
			}
		})
	}
	wg.Wait()
	if counts[http.StatusTooManyRequests] == 0 || counts[http.StatusOK] == 0 {
		t.Errorf("statuses %v; want some 200 and some 429", counts)
	}
	for status, n := range counts {
		if status >= 500 {
			t.Errorf("%d answers with status %d", n, status)
		}
	}
	if !retryAfter {
		t.Errorf("a 429 lacked Retry-After")
	}
	_, list := h.api("GET", "/workspaces/acme/conversions?event=custom:flood&limit=500", f.tn.token, nil)
	if items, _ := list["items"].([]any); len(items) != counts[http.StatusOK] {
		t.Errorf("stored %d events; answered 200 to %d", len(items), counts[http.StatusOK])
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := newLimiter(1, 3, 2)
	now := time.Unix(1_700_000_000, 0)
	for i := range 3 {
		if ok, _ := l.take("a", now); !ok {
			t.Fatalf("call %d refused within the burst", i)
		}
	}
	ok, wait := l.take("a", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("fourth call = %v, wait %v; want refused for at most a second", ok, wait)
	}
	if ok, _ := l.take("b", now); !ok {
		t.Errorf("another address is refused")
	}
	if ok, _ := l.take("a", now.Add(1100*time.Millisecond)); !ok {
		t.Errorf("refused after the bucket refilled")
	}
	// The map stays bounded: a third address makes room.
	l.take("c", now.Add(time.Hour))
	if len(l.buckets) > 2 {
		t.Errorf("limiter holds %d addresses; want at most 2", len(l.buckets))
	}
}

// TestCollectCurrencyMessage: an event with a value in another currency
// is refused as a purchase is, and the message says which events the
// rule is for, not only purchases, in both languages.
func TestCollectCurrencyMessage(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	acme := newConvFixture(t, h, "acme")
	for _, tt := range []struct{ lang, want string }{
		{"en", "Purchases and events with a value must be in the workspace currency CNY, not “USD”"},
		{"zh-CN", "购买事件和带金额的事件必须使用工作区币种 CNY，而不是“USD”"},
	} {
		status, body, _ := collect(t, h, payload("key", acme.key, "event", "lead", "value", 5, "currency", "USD"), map[string]string{"Accept-Language": tt.lang})
		if status != 422 || !strings.Contains(jsonText(body), tt.want) {
			t.Errorf("%s: status %d, %s; want 422 saying %q", tt.lang, status, jsonText(body), tt.want)
		}
	}
}

// TestCollectServerReplacesClaim: the audit's case. Purchase o-1001 at
// 0.01, sent with the public key any landing page shows, is replaced by
// the shop's o-1001 at 999 sent with an API token, and the answer says
// so; the key's event sent again is a duplicate of the server's. The
// OpenAPI document describes the answer's replaced.
func TestCollectServerReplacesClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		acme := newConvFixture(t, h, "acme")
		server := map[string]string{"Authorization": "Bearer " + acme.tn.token}
		claim := payload("key", acme.key, "event", "purchase", "order_id", "o-1001", "value", 0.01)
		order := payload("event", "purchase", "order_id", "o-1001", "value", 999, "currency", "CNY")
		for _, step := range []struct {
			name   string
			body   string
			header map[string]string
			want   []string
		}{
			{"claim with the public key", claim, nil, []string{"duplicate=false", "replaced=false"}},
			{"claim again", claim, nil, []string{"duplicate=true", "replaced=false"}},
			{"the shop's order with a token", order, server, []string{"duplicate=false", "replaced=true"}},
			{"the shop's order again", order, server, []string{"duplicate=true", "replaced=false"}},
			{"claim after the order", claim, nil, []string{"duplicate=true", "replaced=false"}},
		} {
			status, body, _ := collect(t, h, step.body, step.header)
			if status != http.StatusOK {
				t.Fatalf("%s: status %d: %s", step.name, status, jsonText(body))
			}
			for _, w := range step.want {
				if !answerHas(body, w) {
					t.Errorf("%s: answer lacks %s: %s", step.name, w, jsonText(body))
				}
			}
		}
		_, list := h.api("GET", "/workspaces/acme/conversions?event=purchase", acme.tn.token, nil)
		items, _ := list["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["value"] != 999.0 || items[0].(map[string]any)["source"] != "server" {
			t.Errorf("purchases = %s; want the server's one of 999", jsonText(list))
		}
		_, raw := h.browser().get("/api/v1/openapi.json")
		var doc struct {
			Components struct {
				Schemas map[string]struct {
					Properties map[string]struct {
						Description string `json:"description"`
					} `json:"properties"`
				} `json:"schemas"`
			} `json:"components"`
		}
		must(t, json.Unmarshal([]byte(raw), &doc))
		if d := doc.Components.Schemas["ConversionResult"].Properties["replaced"].Description; !strings.Contains(d, "replaced events sent with the workspace's public key") {
			t.Errorf("the OpenAPI document describes replaced as %q", d)
		}
	})
}
