package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestServerPurchasesOnly: an owner can make the workspace count only the
// purchases its shop's server reports. The snippet's purchases are then
// refused with 403, saying why in the caller's language, while its leads
// and the server's purchases are taken; a new public key keeps the
// setting; a member who may not edit the workspace sees it and cannot
// change it; switched off, the snippet's purchases are taken again. The
// API reads and sets it too.
func TestServerPurchasesOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		acme := newConvFixture(t, h, "acme")
		owner := h.signedIn(acme.tn)
		analyst := h.member(acme.tn, "ana@example.com", account.Analyst)
		snippetPurchase := func(key, order string, lang string) (int, map[string]any) {
			t.Helper()
			status, body, _ := collect(t, h, payload("key", key, "event", "purchase", "order_id", order, "value", 10), map[string]string{"Accept-Language": lang})
			return status, body
		}
		if status, body := snippetPurchase(acme.key, "o-1", "en"); status != http.StatusOK {
			t.Fatalf("a snippet purchase by default: status %d, %s; want 200", status, jsonText(body))
		}

		// Each takes the page's form token, as a person does.
		owner.get("/w/acme/conversions")
		if status, _ := analyst.get("/w/acme/conversions"); status != http.StatusOK {
			t.Fatalf("the analyst's conversions page: status %d", status)
		}
		if status, _, _ := analyst.post("/w/acme/conversions/purchases", url.Values{"server_only": {"1"}}); status != http.StatusForbidden {
			t.Errorf("an analyst set where purchases come from: status %d; want 403", status)
		}
		status, _, hdr := owner.post("/w/acme/conversions/purchases", url.Values{"server_only": {"1"}})
		if status != http.StatusSeeOther || !strings.HasSuffix(hdr.Get("Location"), "/w/acme/conversions#purchases") {
			t.Fatalf("owner's setting: status %d to %q; want 303 to the conversions page", status, hdr.Get("Location"))
		}
		_, page := owner.get("/w/acme/conversions")
		if !strings.Contains(page, `name="server_only" value="1" checked`) || !strings.Contains(page, html.EscapeString(h.srv.cat.T("zh-CN", "flash.purchases_server_only", nil))) {
			t.Errorf("the owner's page shows no checked setting and no flash")
		}
		_, page = analyst.get("/w/acme/conversions")
		if !strings.Contains(page, h.srv.cat.T("zh-CN", "tracking.snippet.purchases_state_server", nil)) || strings.Contains(page, `id="purchases-form"`) {
			t.Errorf("the analyst's page does not say that only the server's purchases count, or offers the form")
		}

		for _, tt := range []struct{ lang, want string }{
			{"en", "counts only the purchases its shop's server reports"},
			{"zh-CN", "只统计店铺服务器用 API 令牌上报的购买"},
		} {
			if status, body := snippetPurchase(acme.key, "o-2", tt.lang); status != http.StatusForbidden || !strings.Contains(jsonText(body), tt.want) {
				t.Errorf("%s: a snippet purchase: status %d, %s; want 403 saying %q", tt.lang, status, jsonText(body), tt.want)
			}
		}
		if status, body, _ := collect(t, h, payload("key", acme.key, "event", "lead"), nil); status != http.StatusOK {
			t.Errorf("a snippet lead: status %d, %s; want 200", status, jsonText(body))
		}
		server := map[string]string{"Authorization": "Bearer " + acme.tn.token}
		if status, body, _ := collect(t, h, payload("event", "purchase", "order_id", "o-3", "value", 10), server); status != http.StatusOK {
			t.Errorf("the server's purchase: status %d, %s; want 200", status, jsonText(body))
		}

		if status, _, _ := owner.post("/w/acme/conversions/rotate-key", nil); status != http.StatusSeeOther {
			t.Fatalf("rotate key: status %d", status)
		}
		_, snippet := h.api("GET", "/workspaces/acme/snippet", acme.tn.token, nil)
		key, _ := snippet["key"].(string)
		if status, _ := snippetPurchase(key, "o-4", "en"); key == acme.key || status != http.StatusForbidden {
			t.Errorf("a purchase with the new key %q (old %q): status %d; want 403", key, acme.key, status)
		}

		if status, _, _ := owner.post("/w/acme/conversions/purchases", url.Values{}); status != http.StatusSeeOther {
			t.Fatalf("switching off: status %d", status)
		}
		if status, body := snippetPurchase(key, "o-5", "en"); status != http.StatusOK {
			t.Errorf("a snippet purchase switched on again: status %d, %s; want 200", status, jsonText(body))
		}

		// The API sets it as the page does, and says it.
		if status, body := h.api("PUT", "/workspaces/acme/snippet", acme.tn.token, map[string]any{"server_purchases_only": true}); status != http.StatusOK || body["server_purchases_only"] != true || body["key"] != key {
			t.Errorf("PUT snippet: status %d, %v; want 200 with server_purchases_only true and the key", status, body)
		}
		if _, body := h.api("GET", "/workspaces/acme/snippet", acme.tn.token, nil); body["server_purchases_only"] != true {
			t.Errorf("GET snippet: %v; want server_purchases_only true", body)
		}
		if status, _ := snippetPurchase(key, "o-6", "en"); status != http.StatusForbidden {
			t.Errorf("a snippet purchase after the API's setting: status %d; want 403", status)
		}
	})
}
