package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

var brandTestSlugs atomic.Int64

// brandTestWorkspace inserts a workspace row with plain SQL (the same text
// runs on both databases) and returns its id.
func brandTestWorkspace(t *testing.T, db *store.DB) int64 {
	t.Helper()
	slug := fmt.Sprintf("brand-test-%d", brandTestSlugs.Add(1))
	var id int64
	err := db.WriteDB().QueryRowContext(context.Background(), `INSERT INTO workspaces
		(slug, name, time_zone, currency, created_at, updated_at)
		VALUES ('`+slug+`', 'Test', 'Asia/Shanghai', 'CNY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
		RETURNING id`).Scan(&id)
	if err != nil {
		t.Fatalf("insert workspace: %v", err)
	}
	return id
}

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Errorf("%s: err = %v, want code %q", what, err, code)
	}
}

func TestBrandItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := brandTestWorkspace(t, db)

		items, err := db.BrandItems(ctx, ws, brand.KindProduct)
		if err != nil || items == nil || len(items) != 0 {
			t.Fatalf("BrandItems of empty workspace = %#v, %v; want empty, non-nil", items, err)
		}
		tea, err := db.CreateBrandItem(ctx, ws, brand.KindProduct, "Tea", []byte(`{"name":"Tea","note":"茶"}`))
		if err != nil {
			t.Fatal(err)
		}
		cups, err := db.CreateBrandItem(ctx, ws, brand.KindProduct, "Cups", []byte(`{"name":"Cups"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateBrandItem(ctx, ws, brand.KindPersona, "Mothers", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}

		d, err := db.BrandItem(ctx, ws, brand.KindProduct, tea)
		if err != nil || d.ID != tea || d.Name != "Tea" || string(d.Body) != `{"name":"Tea","note":"茶"}` || d.UpdatedAt.IsZero() {
			t.Fatalf("BrandItem = %+v (%s), %v", d, d.Body, err)
		}
		items, err = db.BrandItems(ctx, ws, brand.KindProduct)
		if err != nil || len(items) != 2 || items[0].ID != tea || items[1].ID != cups {
			t.Fatalf("BrandItems = %+v, %v; want [%d %d]", items, err, tea, cups)
		}
		_, err = db.BrandItem(ctx, ws, brand.KindPersona, tea)
		wantCode(t, "BrandItem as another kind", err, apperr.NotFound)

		if err := db.UpdateBrandItem(ctx, ws, brand.KindProduct, tea, "Green tea", []byte(`{"name":"Green tea"}`), nil); err != nil {
			t.Fatal(err)
		}
		d, err = db.BrandItem(ctx, ws, brand.KindProduct, tea)
		if err != nil || d.Name != "Green tea" || string(d.Body) != `{"name":"Green tea"}` {
			t.Fatalf("after update BrandItem = %+v (%s), %v", d, d.Body, err)
		}
		wantCode(t, "UpdateBrandItem of missing id",
			db.UpdateBrandItem(ctx, ws, brand.KindProduct, cups+1000, "x", []byte(`{}`), nil), apperr.NotFound)
		wantCode(t, "UpdateBrandItem as another kind",
			db.UpdateBrandItem(ctx, ws, brand.KindPersona, tea, "x", []byte(`{}`), nil), apperr.NotFound)

		if err := db.DeleteBrandItem(ctx, ws, brand.KindProduct, tea); err != nil {
			t.Fatal(err)
		}
		_, err = db.BrandItem(ctx, ws, brand.KindProduct, tea)
		wantCode(t, "BrandItem after delete", err, apperr.NotFound)
		wantCode(t, "second DeleteBrandItem", db.DeleteBrandItem(ctx, ws, brand.KindProduct, tea), apperr.NotFound)
		items, _ = db.BrandItems(ctx, ws, brand.KindProduct)
		if len(items) != 1 || items[0].ID != cups {
			t.Errorf("BrandItems after delete = %+v, want only %d", items, cups)
		}
	})
}

func TestBrandItemsWorkspaceIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := brandTestWorkspace(t, db), brandTestWorkspace(t, db)
		body := `{"name":"Rival"}`
		id, err := db.CreateBrandItem(ctx, a, brand.KindCompetitor, "Rival", []byte(body))
		if err != nil {
			t.Fatal(err)
		}

		_, err = db.BrandItem(ctx, b, brand.KindCompetitor, id)
		wantCode(t, "BrandItem from B", err, apperr.NotFound)
		items, err := db.BrandItems(ctx, b, brand.KindCompetitor)
		if err != nil || len(items) != 0 {
			t.Errorf("BrandItems of B = %+v, %v; want none", items, err)
		}
		wantCode(t, "UpdateBrandItem from B",
			db.UpdateBrandItem(ctx, b, brand.KindCompetitor, id, "Taken", []byte(`{"name":"Taken"}`), nil), apperr.NotFound)
		wantCode(t, "DeleteBrandItem from B", db.DeleteBrandItem(ctx, b, brand.KindCompetitor, id), apperr.NotFound)

		d, err := db.BrandItem(ctx, a, brand.KindCompetitor, id)
		if err != nil || d.Name != "Rival" || string(d.Body) != body {
			t.Errorf("A's item after B's attempts = %+v (%s), %v; want unchanged", d, d.Body, err)
		}
	})
}

func TestBrandDocs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 3, 1, 8, 30, 0, 123456000, time.UTC)
		db.Now = func() time.Time { return clock }
		a, b := brandTestWorkspace(t, db), brandTestWorkspace(t, db)

		_, err := db.BrandDoc(ctx, a, brand.KindProfile)
		wantCode(t, "BrandDoc never saved", err, apperr.NotFound)

		at, err := db.PutBrandDoc(ctx, a, brand.KindProfile, []byte(`{"positioning":"one"}`), nil)
		if err != nil || !at.Equal(clock) {
			t.Fatalf("PutBrandDoc = %v, %v; want %v", at, err, clock)
		}
		clock = clock.Add(time.Hour)
		if _, err := db.PutBrandDoc(ctx, a, brand.KindProfile, []byte(`{"positioning":"two"}`), nil); err != nil {
			t.Fatalf("second PutBrandDoc: %v", err)
		}
		d, err := db.BrandDoc(ctx, a, brand.KindProfile)
		if err != nil || string(d.Body) != `{"positioning":"two"}` || !d.UpdatedAt.Equal(clock) || d.UpdatedAt.Location() != time.UTC {
			t.Fatalf("BrandDoc = %s at %v, %v; want two at %v UTC", d.Body, d.UpdatedAt, err, clock)
		}
		_, err = db.BrandDoc(ctx, a, brand.KindBudget)
		wantCode(t, "BrandDoc of another kind", err, apperr.NotFound)
		_, err = db.BrandDoc(ctx, b, brand.KindProfile)
		wantCode(t, "BrandDoc from B", err, apperr.NotFound)

		if _, err := db.PutBrandDoc(ctx, b, brand.KindProfile, []byte(`{"positioning":"B's"}`), nil); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.BrandDoc(ctx, a, brand.KindProfile); string(d.Body) != `{"positioning":"two"}` {
			t.Errorf("A's profile after B saved = %s, want unchanged", d.Body)
		}
	})
}

// TestBrandServiceOnStore runs the brand service over the real store, so
// that the JSON bodies and ids round-trip on both databases.
func TestBrandServiceOnStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := brand.NewService(db, func(key string) bool { return key == "weibo" })
		a, b := brandTestWorkspace(t, db), brandTestWorkspace(t, db)

		p, err := s.Personas.Create(ctx, a, brand.Persona{Name: "白领", Gender: brand.GenderSplit{Female: 55, Male: 45},
			Platforms: []brand.PlatformShare{{Platform: "weibo", Share: 60}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Personas.Get(ctx, a, p.ID)
		if err != nil || got.Name != "白领" || got.Gender.Female != 55 || len(got.Platforms) != 1 || got.ID != p.ID {
			t.Fatalf("Get = %+v, %v; want %+v", got, err, p)
		}
		if _, err := s.Personas.Get(ctx, b, p.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Get from B = %v, want not found", err)
		}
		// The id lives in the row, not in the body.
		d, _ := db.BrandItem(ctx, a, brand.KindPersona, p.ID)
		var raw map[string]any
		if err := json.Unmarshal(d.Body, &raw); err != nil || raw["id"] != float64(0) {
			t.Errorf("stored body = %s, want id 0", d.Body)
		}

		budget, err := s.Budget(ctx, a, "CNY")
		if err != nil || budget.Currency != "CNY" {
			t.Fatalf("Budget never saved = %+v, %v", budget, err)
		}
		saved, err := s.SaveBudget(ctx, a, brand.Budget{Monthly: 20000, Currency: "CNY", HourlyCost: 80})
		if err != nil {
			t.Fatal(err)
		}
		budget, err = s.Budget(ctx, a, "USD")
		if err != nil || budget.Monthly != 20000 || !budget.UpdatedAt.Equal(saved.UpdatedAt) {
			t.Errorf("Budget = %+v, %v; want %+v", budget, err, saved)
		}
	})
}

// TestBrandSavesOverAnother: a save that names the body it read is stored
// only while that body is still stored, on both databases; the service
// turns this into its "changed by someone else" error.
func TestBrandSavesOverAnother(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := brandTestWorkspace(t, db)
		changed := func(what string, err error) {
			t.Helper()
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Conflict || ae.Key != "error.brand.changed" {
				t.Errorf("%s = %v, want a conflict error.brand.changed", what, err)
			}
		}
		one, two := []byte(`{"name":"Tea"}`), []byte(`{"name":"Green tea"}`)
		id, err := db.CreateBrandItem(ctx, ws, brand.KindProduct, "Tea", one)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateBrandItem(ctx, ws, brand.KindProduct, id, "Green tea", two, one); err != nil {
			t.Fatalf("save over the body read: %v", err)
		}
		changed("save over a body replaced since",
			db.UpdateBrandItem(ctx, ws, brand.KindProduct, id, "Black tea", []byte(`{"name":"Black tea"}`), one))
		if d, _ := db.BrandItem(ctx, ws, brand.KindProduct, id); string(d.Body) != string(two) || d.Name != "Green tea" {
			t.Errorf("after the refused save: %s %s, want the second save kept", d.Name, d.Body)
		}
		wantCode(t, "save over a missing item",
			db.UpdateBrandItem(ctx, ws, brand.KindProduct, id+1000, "x", []byte(`{}`), one), apperr.NotFound)

		if _, err := db.PutBrandDoc(ctx, ws, brand.KindProfile, one, []byte{}); err != nil {
			t.Fatalf("first save of a document none has saved: %v", err)
		}
		_, err = db.PutBrandDoc(ctx, ws, brand.KindProfile, two, []byte{})
		changed("second first save of a document", err)
		if _, err := db.PutBrandDoc(ctx, ws, brand.KindProfile, two, one); err != nil {
			t.Fatalf("save over the document read: %v", err)
		}
		_, err = db.PutBrandDoc(ctx, ws, brand.KindProfile, []byte(`{}`), one)
		changed("save over a document replaced since", err)
		if d, _ := db.BrandDoc(ctx, ws, brand.KindProfile); string(d.Body) != string(two) {
			t.Errorf("document after the refused save = %s, want %s", d.Body, two)
		}
	})
}
