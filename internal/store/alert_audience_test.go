package store_test

import (
	"context"
	"testing"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestWorkspaceByID(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, a := accountFixture(t, db, "a@example.com", "alpha")
		_, b := accountFixture(t, db, "b@example.com", "beta")
		for _, want := range []struct {
			id   int64
			slug string
		}{{a.ID, "alpha"}, {b.ID, "beta"}} {
			got, err := db.WorkspaceByID(ctx, want.id)
			if err != nil || got.Slug != want.slug || got.TimeZone != "Asia/Shanghai" {
				t.Errorf("WorkspaceByID(%d) = %+v, %v; want slug %q", want.id, got, err, want.slug)
			}
		}
		_, err := db.WorkspaceByID(ctx, a.ID+b.ID+100)
		wantAccountCode(t, "missing workspace", err, apperr.NotFound)
	})
}
