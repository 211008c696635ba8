package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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

// TestPublicKeyReadsWhenSet: once a workspace has its public key, asking
// for it (every view of the conversions page) only reads, so that it does
// not wait for a writer: on SQLite a write would queue behind the click
// batches for the one writer, and it took that writer on every view.
func TestPublicKeyReadsWhenSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newConvWorld(t, db)
		// A writer holds the lock of the workspace's key row until the
		// reads below are done.
		locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- db.InTx(ctx, func(tx *store.Tx) error {
				q := fmt.Sprintf(`UPDATE workspace_keys SET created_at = created_at WHERE workspace_id = %d`, w.ws)
				if _, err := tx.SQL().ExecContext(ctx, q); err != nil {
					return err
				}
				close(locked)
				<-release
				return nil
			})
		}()
		select {
		case <-locked:
		case err := <-done:
			t.Fatalf("lock the key row: %v", err)
		}
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		key, kerr := w.svc.PublicKey(short, w.ws)
		site, serr := w.svc.Site(short, w.ws)
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if kerr != nil || key != w.site.Key {
			t.Errorf("PublicKey while a writer holds the lock = %q, %v; want %q at once", key, kerr, w.site.Key)
		}
		if serr != nil || site.Key != w.site.Key {
			t.Errorf("Site while a writer holds the lock = %+v, %v; want key %q at once", site, serr, w.site.Key)
		}
	})
}
