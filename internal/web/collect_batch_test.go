package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestCollectBatch: a shop's server sends many events in one call with an
// API token, each taken as POST /collect takes it, answered in order; a
// batch with a bad event is refused naming the event and its field, and
// stores nothing; a batch too big, one of no events, one without a token
// or with a read-only token are refused.
func TestCollectBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		acme := newConvFixture(t, h, "acme")
		cid := clickThrough(t, h, acme.link)
		ctx := context.Background()
		stored := func() int {
			t.Helper()
			list, err := h.conversions.List(ctx, acme.tn.ws.ID, conversion.ListFilter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		events := func(es ...map[string]any) map[string]any { return map[string]any{"events": es} }
		status, body := h.api("POST", "/workspaces/acme/conversion-events", acme.tn.token, events(
			map[string]any{"event": "purchase", "cid": cid, "order_id": "o-1", "value": 120, "customer_id": "c-1"},
			map[string]any{"event": "purchase", "order_id": "o-2", "value": 80, "customer_id": "c-1"},
			map[string]any{"event": "purchase", "order_id": "o-1", "value": 120},
		))
		results, _ := body["results"].([]any)
		if status != http.StatusOK || len(results) != 3 {
			t.Fatalf("batch: status %d, %s; want 200 with 3 results", status, jsonText(body))
		}
		for i, want := range []struct{ attributed, duplicate bool }{{true, false}, {true, false}, {true, true}} {
			r, _ := results[i].(map[string]any)
			if r["attributed"] != want.attributed || r["duplicate"] != want.duplicate {
				t.Errorf("result %d = %v; want attributed %v, duplicate %v", i, r, want.attributed, want.duplicate)
			}
		}
		if n := stored(); n != 2 {
			t.Fatalf("%d events stored; want 2", n)
		}

		for _, tt := range []struct {
			name, token string
			body        any
			status      int
			field       string
		}{
			{"a bad event", acme.tn.token, events(map[string]any{"event": "lead"}, map[string]any{"event": "purchase", "order_id": "o-3", "value": 5, "currency": "USD"}), 422, "events[1].currency"},
			{"an event that does not parse", acme.tn.token, events(map[string]any{"event": "lead"}, map[string]any{"event": "lead", "colour": "red"}), 422, "events[1].colour"},
			{"no events", acme.tn.token, events(), 422, "events"},
			{"too many", acme.tn.token, events(manyLeads(maxCollectBatch + 1)...), 422, "events"},
			{"no token", "", events(map[string]any{"event": "lead", "key": acme.key}), 401, ""},
			{"a read-only token", readOnlyToken(t, h, acme), events(map[string]any{"event": "lead"}), 403, ""},
		} {
			status, body := h.api("POST", "/workspaces/acme/conversion-events", tt.token, tt.body)
			if status != tt.status || tt.field != "" && !strings.Contains(jsonText(body), `"field": "`+tt.field+`"`) {
				t.Errorf("%s: status %d, %s; want %d naming %q", tt.name, status, jsonText(body), tt.status, tt.field)
			}
		}
		if n := stored(); n != 2 {
			t.Errorf("%d events stored after the refused batches; want 2", n)
		}
	})
}

func manyLeads(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"event": "lead", "event_id": fmt.Sprint("e-", i)}
	}
	return out
}

func readOnlyToken(t *testing.T, h *harness, f convFixture) string {
	t.Helper()
	tok, _, err := h.accounts.CreateToken(context.Background(), f.tn.email, f.tn.ws.Slug, account.Analyst, "read-only")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
