package store_test

import (
	"context"
	"testing"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestServerPurchasesOnlySetting: a workspace's site says whether only
// the server's purchases count, off until set; the setting is the
// workspace's alone, and a workspace without a public key has none to
// set.
func TestServerPurchasesOnlySetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, other := newConvWorld(t, db), newConvWorld(t, db)
		if w.site.ServerPurchasesOnly {
			t.Fatal("a new site counts only the server's purchases")
		}
		if err := w.svc.SetServerPurchasesOnly(ctx, w.ws, true); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			w    *convWorld
			want bool
		}{{w, true}, {other, false}} {
			site, err := c.w.svc.Site(ctx, c.w.ws)
			if err != nil || site.ServerPurchasesOnly != c.want || site.Key != c.w.site.Key {
				t.Errorf("Site(%d) = %+v, %v; want key %s and server purchases only %v", c.w.ws, site, err, c.w.site.Key, c.want)
			}
		}
		wantCode(t, "a workspace without a key", db.SetServerPurchasesOnly(ctx, brandTestWorkspace(t, db), true), apperr.NotFound)
	})
}
