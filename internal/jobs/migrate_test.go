package jobs

import (
	"os"
	"sync"
	"testing"

	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		// Each time it says what it applied: River's migrations, then none.
		for i, want := range []string{"river 1 (create river migration)", ""} {
			got, err := Migrate(t.Context(), db, nil)
			if err != nil || len(got) > 0 != (want != "") || len(got) > 0 && got[0] != want {
				t.Errorf("Migrate #%d = %q, %v; want %q first, or none", i+1, got, err, want)
			}
		}
		for _, table := range []string{"river_job", "river_leader", "river_queue"} {
			if n := countRows(t, db.WriteDB(), table); n != 0 {
				t.Errorf("%s has %d rows, want 0", table, n)
			}
		}
	})
}

// TestMigrateConcurrently starts several nodes' migrations at once on one
// PostgreSQL database: the advisory lock makes them take turns.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skipf("%s is not set", storetest.PostgresEnv)
	}
	url := storetest.PostgresURL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		db, err := store.Open(t.Context(), url, "", nil)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		wg.Go(func() {
			_, err := Migrate(t.Context(), db, nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
}
