package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestPlatformOverrides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := brandTestWorkspace(t, db), brandTestWorkspace(t, db)

		got, err := db.Overrides(ctx, a)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("Overrides of new workspace = %#v, %v; want empty, non-nil", got, err)
		}
		if err := db.SetOverride(ctx, a, "weibo", nil, json.RawMessage(`{"peak_hours":[20,21]}`)); err != nil {
			t.Fatal(err)
		}
		if err := db.SetOverride(ctx, a, "wechat", nil, json.RawMessage(`{"name":"公众号"}`)); err != nil {
			t.Fatal(err)
		}
		// Setting again replaces, over the patch read before: a save over
		// another (or over none when there is one) is refused.
		for _, prev := range []string{"", `{"peak_hours":[7]}`} {
			var p json.RawMessage
			if prev != "" {
				p = json.RawMessage(prev)
			}
			if err := db.SetOverride(ctx, a, "weibo", p, json.RawMessage(`{"peak_hours":[13]}`)); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("SetOverride over %q = %v, want conflict", prev, err)
			}
		}
		if err := db.SetOverride(ctx, a, "weibo", json.RawMessage(`{"peak_hours":[20,21]}`), json.RawMessage(`{"peak_hours":[12]}`)); err != nil {
			t.Fatalf("second SetOverride: %v", err)
		}
		got, err = db.Overrides(ctx, a)
		if err != nil || len(got) != 2 || string(got["weibo"]) != `{"peak_hours":[12]}` || string(got["wechat"]) != `{"name":"公众号"}` {
			t.Fatalf("Overrides = %s, %v", fmtOverrides(got), err)
		}

		if got, _ := db.Overrides(ctx, b); len(got) != 0 {
			t.Errorf("Overrides of B = %s, want none", fmtOverrides(got))
		}
		if err := db.DeleteOverride(ctx, b, "weibo"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("DeleteOverride from B = %v, want not found", err)
		}
		if err := db.SetOverride(ctx, b, "weibo", nil, json.RawMessage(`{"peak_hours":[8]}`)); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Overrides(ctx, a); string(got["weibo"]) != `{"peak_hours":[12]}` {
			t.Errorf("A's weibo after B set its own = %s, want unchanged", got["weibo"])
		}

		if err := db.DeleteOverride(ctx, a, "weibo"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteOverride(ctx, a, "weibo"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("second DeleteOverride = %v, want not found", err)
		}
		got, _ = db.Overrides(ctx, a)
		if _, ok := got["weibo"]; ok || len(got) != 1 {
			t.Errorf("Overrides after delete = %s, want only wechat", fmtOverrides(got))
		}
		if got, _ := db.Overrides(ctx, b); string(got["weibo"]) != `{"peak_hours":[8]}` {
			t.Errorf("B's weibo after A deleted its own = %s, want unchanged", got["weibo"])
		}

		if err := db.SetOverride(ctx, a, "weibo", nil, json.RawMessage(`{"peak_hours":`)); !apperr.Is(err, apperr.Internal) {
			t.Errorf("SetOverride of broken JSON = %v, want internal", err)
		}
	})
}

func fmtOverrides(m map[string]json.RawMessage) string {
	b, _ := json.Marshal(m)
	return string(b)
}
