package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestDeleteBatchIsBounded: one cleanup statement deletes at most its
// limit of the matching rows, so that on SQLite a backlog holds the write
// lock for one short batch at a time; rows that do not match stay.
func TestDeleteBatchIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2024, 5, 3, 12, 0, 0, 0, time.UTC)
		old := now.Add(-2 * account.FailureRetention)
		// Failures may share a key and a time: the bound holds for them
		// too, as they are picked by rowid on SQLite.
		if err := db.AddSignInFailures(ctx, []string{"a", "a", "a", "b", "c"}, old); err != nil {
			t.Fatal(err)
		}
		if err := db.AddSignInFailures(ctx, []string{"a"}, now); err != nil {
			t.Fatal(err)
		}
		for _, want := range []int64{2, 2, 1, 0} {
			n, err := store.DeleteBatch(db, ctx, "sign_in_failures", "rowid", "at < $1", 2, now.Add(-account.FailureRetention))
			if err != nil || n != want {
				t.Fatalf("DeleteBatch = %d, %v; want %d", n, err, want)
			}
		}
		if got := failures(t, db, "a"); got != 1 {
			t.Errorf("%d of a's recent failures left, want 1", got)
		}
	})
}

// TestDeleteExpiredBacklog: a backlog of failed sign-ins over two batches
// goes in one cleanup, and the failures still within the retention stay.
func TestDeleteExpiredBacklog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2024, 5, 3, 12, 0, 0, 0, time.UTC)
		keys := make([]string, 2*store.CleanupBatch+1)
		for i := range keys {
			keys[i] = fmt.Sprintf("ip:198.51.100.%d", i%256)
		}
		if err := db.AddSignInFailures(ctx, keys, now.Add(-account.FailureRetention-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.AddSignInFailures(ctx, []string{"ip:198.51.100.7"}, now.Add(-account.FailureRetention+time.Minute)); err != nil {
			t.Fatal(err)
		}
		n, err := db.DeleteExpired(ctx, now)
		if err != nil || n != int64(len(keys)) {
			t.Errorf("DeleteExpired = %d, %v; want %d", n, err, len(keys))
		}
		if got := failures(t, db, "ip:198.51.100.7"); got != 1 {
			t.Errorf("%d failures of ip:198.51.100.7 left, want the recent one", got)
		}
	})
}

// failures counts key's failed sign-ins that are stored.
func failures(t *testing.T, db *store.DB, key string) int {
	t.Helper()
	at, err := db.SignInFailures(t.Context(), key, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return len(at)
}
