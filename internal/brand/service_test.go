package brand_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

// memStore is an in-memory brand.Store with the same scoping as the real
// one: by workspace and kind.
type memStore struct {
	mu     sync.Mutex
	nextID int64
	items  map[int64]memItem
	docs   map[memKey]brand.Doc
	now    time.Time
}

type memItem struct {
	ws   int64
	kind string
	doc  brand.Doc
}

type memKey struct {
	ws   int64
	kind string
}

func newMemStore() *memStore {
	return &memStore{
		items: map[int64]memItem{},
		docs:  map[memKey]brand.Doc{},
		now:   time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC),
	}
}

func (m *memStore) BrandItems(_ context.Context, ws int64, kind string) ([]brand.Doc, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []brand.Doc
	for _, it := range m.items {
		if it.ws == ws && it.kind == kind {
			out = append(out, it.doc)
		}
	}
	slices.SortFunc(out, func(a, b brand.Doc) int { return int(a.ID - b.ID) })
	return out, nil
}

func (m *memStore) BrandItem(_ context.Context, ws int64, kind string, id int64) (brand.Doc, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[id]
	if !ok || it.ws != ws || it.kind != kind {
		return brand.Doc{}, apperr.NotFoundf(kind)
	}
	return it.doc, nil
}

func (m *memStore) CreateBrandItem(_ context.Context, ws int64, kind, name string, body []byte) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	m.items[m.nextID] = memItem{ws, kind, brand.Doc{ID: m.nextID, Name: name, Body: slices.Clone(body), UpdatedAt: m.now}}
	return m.nextID, nil
}

func (m *memStore) UpdateBrandItem(_ context.Context, ws int64, kind string, id int64, name string, body, prev []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[id]
	if !ok || it.ws != ws || it.kind != kind {
		return apperr.NotFoundf(kind)
	}
	if prev != nil && string(prev) != string(it.doc.Body) {
		return brand.ChangedError()
	}
	it.doc = brand.Doc{ID: id, Name: name, Body: slices.Clone(body), UpdatedAt: m.now}
	m.items[id] = it
	return nil
}

func (m *memStore) DeleteBrandItem(_ context.Context, ws int64, kind string, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[id]
	if !ok || it.ws != ws || it.kind != kind {
		return apperr.NotFoundf(kind)
	}
	delete(m.items, id)
	return nil
}

func (m *memStore) BrandDoc(_ context.Context, ws int64, kind string) (brand.Doc, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.docs[memKey{ws, kind}]
	if !ok {
		return brand.Doc{}, apperr.NotFoundf(kind)
	}
	return d, nil
}

func (m *memStore) PutBrandDoc(_ context.Context, ws int64, kind string, body, prev []byte) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d, ok := m.docs[memKey{ws, kind}]; prev != nil && (ok != (len(prev) > 0) || string(prev) != string(d.Body)) {
		return time.Time{}, brand.ChangedError()
	}
	m.docs[memKey{ws, kind}] = brand.Doc{Name: kind, Body: slices.Clone(body), UpdatedAt: m.now}
	return m.now, nil
}

// corrupt replaces a stored body, as a damaged row would.
func (m *memStore) corrupt(id int64, body string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it := m.items[id]
	it.doc.Body = []byte(body)
	m.items[id] = it
}

func knownPlatform(key string) bool {
	return key == "weibo" || key == "wechat" || key == "bluesky"
}

func newService(t *testing.T) (*brand.Service, *memStore) {
	t.Helper()
	st := newMemStore()
	return brand.NewService(st, knownPlatform), st
}

// wantField checks that err is apperr.Invalid with a field error of that
// field and key (and, when value is not nil, Args["Value"] == value).
func wantField(t *testing.T, err error, field, key string, value any) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("err = %v, want invalid with %s: %s", err, field, key)
	}
	for _, f := range ae.Fields {
		if f.Field == field && f.Key == key && (value == nil || f.Args["Value"] == value) {
			return
		}
	}
	t.Fatalf("err = %v, want field %s: %s (Value %v)", err, field, key, value)
}

func validPersona() brand.Persona {
	return brand.Persona{
		Name:      "Urban mothers",
		AgeBands:  []string{"25-34"},
		Gender:    brand.GenderSplit{Female: 80, Male: 20},
		CityTiers: []string{"tier1"},
		Platforms: []brand.PlatformShare{{Platform: "weibo", Share: 40}, {Platform: "wechat", Share: 50}},
	}
}

func TestValidationThroughService(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	long := strings.Repeat("名", 201)
	tests := []struct {
		name   string
		create func(s *brand.Service) error
		field  string
		key    string
		value  any
	}{
		{"gender does not sum to 100", func(s *brand.Service) error {
			p := validPersona()
			p.Gender = brand.GenderSplit{Female: 60, Male: 30}
			_, err := s.Personas.Create(ctx, 1, p)
			return err
		}, "gender", "error.sum_100", nil},
		{"negative weekly hours", func(s *brand.Service) error {
			_, err := s.Team.Create(ctx, 1, brand.TeamMember{Name: "Li", WeeklyHours: -1})
			return err
		}, "weekly_hours", "error.range", nil},
		{"persona on unknown platform", func(s *brand.Service) error {
			p := validPersona()
			p.Platforms = append(p.Platforms, brand.PlatformShare{Platform: "myspace", Share: 5})
			_, err := s.Personas.Create(ctx, 1, p)
			return err
		}, "platforms[2].platform", "error.unknown_platform", "myspace"},
		{"competitor account on unknown platform", func(s *brand.Service) error {
			_, err := s.Competitors.Create(ctx, 1, brand.Competitor{Name: "Rival",
				Accounts: []brand.Account{{Platform: "weibo", Handle: "rival"}, {Platform: "orkut", Handle: "rival"}}})
			return err
		}, "accounts[1].platform", "error.unknown_platform", "orkut"},
		{"amplifier on unknown platform", func(s *brand.Service) error {
			_, err := s.Amplifiers.Create(ctx, 1, brand.Amplifier{Name: "KOL", Kind: "kol", Platform: "friendster"})
			return err
		}, "platform", "error.unknown_platform", "friendster"},
		{"unknown platform on update", func(s *brand.Service) error {
			a, err := s.Amplifiers.Create(ctx, 1, brand.Amplifier{Name: "KOL", Kind: "kol", Platform: "weibo"})
			if err != nil {
				return err
			}
			a.Platform = "friendster"
			_, err = s.Amplifiers.Update(ctx, 1, a.ID, a)
			return err
		}, "platform", "error.unknown_platform", "friendster"},
		{"unknown platform with other errors", func(s *brand.Service) error {
			p := validPersona()
			p.Name = ""
			p.Platforms = []brand.PlatformShare{{Platform: "myspace", Share: 5}}
			_, err := s.Personas.Create(ctx, 1, p)
			return err
		}, "platforms[0].platform", "error.unknown_platform", "myspace"},
		{"persona share out of range, named by its entry", func(s *brand.Service) error {
			p := validPersona()
			p.Platforms[1].Share = -50
			_, err := s.Personas.Create(ctx, 1, p)
			return err
		}, "platforms[1].share", "error.range", nil},
		{"persona platform repeated", func(s *brand.Service) error {
			p := validPersona()
			p.Platforms[1].Platform = "weibo"
			_, err := s.Personas.Create(ctx, 1, p)
			return err
		}, "platforms[1].platform", "error.duplicate", "weibo"},
		{"competitor account without a handle, named by its entry", func(s *brand.Service) error {
			_, err := s.Competitors.Create(ctx, 1, brand.Competitor{Name: "Rival",
				Accounts: []brand.Account{{Platform: "weibo", Handle: "rival"}, {Platform: "douyin", Handle: " "}}})
			return err
		}, "accounts[1]", "error.account_format", nil},
		{"over-long competitor handle", func(s *brand.Service) error {
			_, err := s.Competitors.Create(ctx, 1, brand.Competitor{Name: "Rival", Accounts: []brand.Account{{Platform: "weibo", Handle: long}}})
			return err
		}, "accounts[0].handle", "error.too_long", nil},
		{"over-long alias, named by its item", func(s *brand.Service) error {
			_, err := s.Competitors.Create(ctx, 1, brand.Competitor{Name: "Rival", Aliases: []string{"对手", long}})
			return err
		}, "aliases[1]", "error.too_long", nil},
		{"age band twice", func(s *brand.Service) error {
			p := validPersona()
			p.AgeBands = []string{"25-34", "18-24", "25-34"}
			_, err := s.Personas.Create(ctx, 1, p)
			return err
		}, "age_bands[2]", "error.duplicate", "25-34"},
		{"city tier outside the set, named by its item", func(s *brand.Service) error {
			p := validPersona()
			p.CityTiers = []string{"tier1", "tier9"}
			_, err := s.Personas.Create(ctx, 1, p)
			return err
		}, "city_tiers[1]", "error.one_of", "tier9"},
		{"blank selling point", func(s *brand.Service) error {
			_, err := s.Products.Create(ctx, 1, brand.Product{Name: "Oolong", SellingPoints: []string{"清香", " "}})
			return err
		}, "selling_points[1]", "error.required", nil},
		{"over-long product name", func(s *brand.Service) error {
			_, err := s.Products.Create(ctx, 1, brand.Product{Name: long})
			return err
		}, "name", "error.too_long", nil},
		{"over-long competitor name", func(s *brand.Service) error {
			_, err := s.Competitors.Create(ctx, 1, brand.Competitor{Name: long})
			return err
		}, "name", "error.too_long", nil},
		{"product name required", func(s *brand.Service) error {
			_, err := s.Products.Create(ctx, 1, brand.Product{Name: "  "})
			return err
		}, "name", "error.required", nil},
		{"team member name required", func(s *brand.Service) error {
			_, err := s.Team.Create(ctx, 1, brand.TeamMember{WeeklyHours: 10})
			return err
		}, "name", "error.required", nil},
		{"budget currency", func(s *brand.Service) error {
			_, err := s.SaveBudget(ctx, 1, brand.Budget{Monthly: 1000, Currency: "rmb"})
			return err
		}, "currency", "error.currency", "rmb"},
		{"budget currency of three capitals that no country uses", func(s *brand.Service) error {
			_, err := s.SaveBudget(ctx, 1, brand.Budget{Monthly: 1000, Currency: "XYZ"})
			return err
		}, "currency", "error.currency", "XYZ"},
		{"hourly cost that makes the team's cost infinite", func(s *brand.Service) error {
			_, err := s.Team.Create(ctx, 1, brand.TeamMember{Name: "Li", WeeklyHours: 40, HourlyCost: 1e308})
			return err
		}, "hourly_cost", "error.range", nil},
		{"monthly budget beyond any budget", func(s *brand.Service) error {
			_, err := s.SaveBudget(ctx, 1, brand.Budget{Monthly: 2e12, Currency: "CNY"})
			return err
		}, "monthly", "error.range", nil},
		{"amplifier price beyond any budget", func(s *brand.Service) error {
			_, err := s.Amplifiers.Create(ctx, 1, brand.Amplifier{Name: "KOL", Kind: "kol", Price: 1e300})
			return err
		}, "price", "error.range", nil},
		{"negative amplifier reach", func(s *brand.Service) error {
			_, err := s.Amplifiers.Create(ctx, 1, brand.Amplifier{Name: "KOL", Kind: "kol", Reach: -1})
			return err
		}, "reach", "error.negative", nil},
		{"profile too long", func(s *brand.Service) error {
			_, err := s.SaveProfile(ctx, 1, brand.Profile{Positioning: strings.Repeat("x", 4001)})
			return err
		}, "positioning", "error.too_long", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newService(t)
			wantField(t, tt.create(s), tt.field, tt.key, tt.value)
		})
	}
}

func TestInvalidItemsAreNotStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	p := validPersona()
	p.Platforms[0].Platform = "myspace"
	if _, err := s.Personas.Create(ctx, 1, p); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("Create = %v, want invalid", err)
	}
	got, err := s.Personas.List(ctx, 1)
	if err != nil || len(got) != 0 {
		t.Fatalf("List = %v, %v; want none", got, err)
	}
}

func TestKnownPlatformsPass(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	if _, err := s.Personas.Create(ctx, 1, validPersona()); err != nil {
		t.Errorf("persona: %v", err)
	}
	if _, err := s.Competitors.Create(ctx, 1, brand.Competitor{Name: "Rival",
		Accounts: []brand.Account{{Platform: "bluesky", Handle: "rival.bsky.social"}}}); err != nil {
		t.Errorf("competitor: %v", err)
	}
	// An amplifier need not be tied to one platform.
	if _, err := s.Amplifiers.Create(ctx, 1, brand.Amplifier{Name: "Boost", Kind: "paid_boost"}); err != nil {
		t.Errorf("amplifier without platform: %v", err)
	}
}

func TestBodySizeBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	// 100 points of 1000 runes of 3 bytes each pass Validate but make a
	// body of about 300 KB.
	points := make([]string, 100)
	for i := range points {
		points[i] = strings.Repeat("好", 1000)
	}
	_, err := s.Products.Create(ctx, 1, brand.Product{Name: "Big", SellingPoints: points})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Key != "error.too_large" {
		t.Fatalf("Create = %v, want invalid error.too_large", err)
	}
	if ae.Args["Max"] != brand.MaxBody {
		t.Errorf("Max = %v, want %d", ae.Args["Max"], brand.MaxBody)
	}
	// Just under the bound is fine.
	_, err = s.Products.Create(ctx, 1, brand.Product{Name: "Fits", SellingPoints: points[:20]})
	if err != nil {
		t.Fatalf("Create of about 60 KB = %v", err)
	}
}

func TestNonFiniteNumbersAreInvalid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	_, err := s.Team.Create(ctx, 1, brand.TeamMember{Name: "Li", WeeklyHours: math.NaN()})
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("Create with NaN hours = %v, want invalid", err)
	}
}

func TestCollectionCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	a, err := s.Products.Create(ctx, 1, brand.Product{ID: 99, Name: "Tea", SellingPoints: []string{"fresh"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.ID == 99 {
		t.Fatalf("created ID = %d, want the store's", a.ID)
	}
	b, err := s.Products.Create(ctx, 1, brand.Product{Name: "Cups"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Products.Get(ctx, 1, a.ID)
	if err != nil || got.Name != "Tea" || got.ID != a.ID || !slices.Equal(got.SellingPoints, []string{"fresh"}) {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, a)
	}
	list, err := s.Products.List(ctx, 1)
	if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("List = %+v, %v; want [%d %d]", list, err, a.ID, b.ID)
	}
	a.Name = "Green tea"
	up, err := s.Products.Update(ctx, 1, a.ID, brand.Product{ID: 12345, Name: "Green tea"})
	if err != nil || up.ID != a.ID || up.Name != "Green tea" {
		t.Fatalf("Update = %+v, %v", up, err)
	}
	if got, _ := s.Products.Get(ctx, 1, a.ID); got.Name != "Green tea" {
		t.Errorf("after Update, Get name = %q, want Green tea", got.Name)
	}
	if err := s.Products.Delete(ctx, 1, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Products.Get(ctx, 1, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Get after Delete = %v, want not found", err)
	}
	if err := s.Products.Delete(ctx, 1, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("second Delete = %v, want not found", err)
	}
}

func TestCollectionTenancy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	a, err := s.Competitors.Create(ctx, 1, brand.Competitor{Name: "Rival"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Competitors.Get(ctx, 2, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Get from other workspace = %v, want not found", err)
	}
	if _, err := s.Products.Get(ctx, 1, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Get as another kind = %v, want not found", err)
	}
	if _, err := s.Competitors.Update(ctx, 2, a.ID, brand.Competitor{Name: "Taken"}); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Update from other workspace = %v, want not found", err)
	}
	if err := s.Competitors.Delete(ctx, 2, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Delete from other workspace = %v, want not found", err)
	}
	list, err := s.Competitors.List(ctx, 2)
	if err != nil || list == nil || len(list) != 0 {
		t.Errorf("List of other workspace = %#v, %v; want empty, non-nil", list, err)
	}
	if got, err := s.Competitors.Get(ctx, 1, a.ID); err != nil || got.Name != "Rival" {
		t.Errorf("own item after other workspace's attempts = %+v, %v", got, err)
	}
}

func TestUndecodableBodyIsInternal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newService(t)
	a, err := s.Team.Create(ctx, 7, brand.TeamMember{Name: "Li", WeeklyHours: 10})
	if err != nil {
		t.Fatal(err)
	}
	st.corrupt(a.ID, `{"name": 42`)
	_, err = s.Team.Get(ctx, 7, a.ID)
	if !apperr.Is(err, apperr.Internal) || !strings.Contains(err.Error(), "team_member") || !strings.Contains(err.Error(), "workspace 7") {
		t.Errorf("Get = %v, want internal naming the row", err)
	}
	if _, err := s.Team.List(ctx, 7); !apperr.Is(err, apperr.Internal) {
		t.Errorf("List = %v, want internal", err)
	}
}

func TestSingletons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newService(t)

	p, err := s.Profile(ctx, 1)
	if err != nil || p.Positioning != "" || !p.UpdatedAt.IsZero() {
		t.Fatalf("Profile never saved = %+v, %v; want zero", p, err)
	}
	b, err := s.Budget(ctx, 1, "CNY")
	if err != nil || b.Monthly != 0 || b.HourlyCost != 0 || b.Currency != "CNY" || !b.UpdatedAt.IsZero() {
		t.Fatalf("Budget never saved = %+v, %v; want zero in CNY", b, err)
	}

	saved, err := s.SaveProfile(ctx, 1, brand.Profile{Positioning: "Tea for commuters",
		Tone: brand.Tone{WordsToAvoid: []string{"cheap"}}})
	if err != nil || !saved.UpdatedAt.Equal(st.now) {
		t.Fatalf("SaveProfile = %+v, %v", saved, err)
	}
	st.now = st.now.Add(time.Hour)
	saved, err = s.SaveProfile(ctx, 1, brand.Profile{Positioning: "Tea for everyone"})
	if err != nil {
		t.Fatal(err)
	}
	p, err = s.Profile(ctx, 1)
	if err != nil || p.Positioning != "Tea for everyone" || len(p.Tone.WordsToAvoid) != 0 || !p.UpdatedAt.Equal(st.now) {
		t.Fatalf("Profile = %+v, %v; want the second save at %v", p, err, st.now)
	}
	if other, _ := s.Profile(ctx, 2); other.Positioning != "" {
		t.Errorf("other workspace's profile = %+v, want zero", other)
	}

	if _, err := s.SaveBudget(ctx, 1, brand.Budget{Monthly: 5000, Currency: "USD", HourlyCost: 30}); err != nil {
		t.Fatal(err)
	}
	b, err = s.Budget(ctx, 1, "CNY")
	if err != nil || b.Monthly != 5000 || b.Currency != "USD" || b.HourlyCost != 30 || !b.UpdatedAt.Equal(st.now) {
		t.Fatalf("Budget = %+v, %v", b, err)
	}
	if b, _ := s.Budget(ctx, 2, "EUR"); b.Currency != "EUR" || b.Monthly != 0 {
		t.Errorf("other workspace's budget = %+v, want zero in EUR", b)
	}
}

// TestKeepBudgetCurrency: before the workspace's currency changes, a
// budget never saved is saved in the old one, which the team's costs were
// typed in; a budget saved keeps its own, and a code no budget may have
// is left alone.
func TestKeepBudgetCurrency(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	if _, err := s.SaveBudget(ctx, 1, brand.Budget{Monthly: 5000, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ws         int64
		keep, want string
		monthly    float64
	}{
		{1, "CNY", "USD", 5000}, // saved: its own currency
		{2, "CNY", "CNY", 0},    // never saved: the old currency
		{3, "RMB", "EUR", 0},    // an unchecked code: still unsaved
	} {
		if err := s.KeepBudgetCurrency(ctx, c.ws, c.keep); err != nil {
			t.Fatalf("KeepBudgetCurrency(%d, %s): %v", c.ws, c.keep, err)
		}
		if b, err := s.Budget(ctx, c.ws, "EUR"); err != nil || b.Currency != c.want || b.Monthly != c.monthly {
			t.Errorf("workspace %d: Budget after keeping %s = %+v, %v; want %v in %s", c.ws, c.keep, b, err, c.monthly, c.want)
		}
	}
}

// TestSavesOverAnotherAreRefused: two people who opened the same item, or
// the profile or budget, both save; the second save carries the version it
// read and is refused with a conflict instead of silently replacing the
// first. A save without a version, and one over the latest version,
// still go through.
func TestSavesOverAnotherAreRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	conflict := func(t *testing.T, what string, err error) {
		t.Helper()
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict || ae.Key != "error.brand.changed" {
			t.Fatalf("%s = %v, want a conflict error.brand.changed", what, err)
		}
	}

	t.Run("item", func(t *testing.T) {
		created, err := s.Products.Create(ctx, 1, brand.Product{Name: "Oolong"})
		if err != nil || created.Version == "" {
			t.Fatalf("Create = %+v, %v; want a version", created, err)
		}
		a, _ := s.Products.Get(ctx, 1, created.ID)
		b, _ := s.Products.Get(ctx, 1, created.ID)
		if a.Version != created.Version {
			t.Fatalf("Get's version %q, Create's %q", a.Version, created.Version)
		}
		a.PriceBand = "¥59–79"
		savedA, err := s.Products.Update(ctx, 1, created.ID, a)
		if err != nil || savedA.Version == a.Version {
			t.Fatalf("first save = %+v, %v; want a new version", savedA, err)
		}
		b.Name = "Oolong (renamed)"
		_, err = s.Products.Update(ctx, 1, created.ID, b)
		conflict(t, "second save over the first", err)
		if got, _ := s.Products.Get(ctx, 1, created.ID); got.PriceBand != "¥59–79" || got.Name != "Oolong" {
			t.Errorf("after the refused save: %+v, want the first save kept", got)
		}
		b.Version = savedA.Version // seen the first save: may replace it
		if _, err := s.Products.Update(ctx, 1, created.ID, b); err != nil {
			t.Errorf("save over the latest version: %v", err)
		}
		b.Version = ""
		b.Category = "tea"
		if _, err := s.Products.Update(ctx, 1, created.ID, b); err != nil {
			t.Errorf("save without a version: %v", err)
		}
		b.Version = savedA.Version
		if _, err := s.Products.Update(ctx, 1, 9999, b); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("save of a missing item = %v, want not found", err)
		}
	})

	t.Run("profile", func(t *testing.T) {
		a, _ := s.Profile(ctx, 3)
		b, _ := s.Profile(ctx, 3)
		a.Positioning = "Tea for commuters"
		savedA, err := s.SaveProfile(ctx, 3, a)
		if err != nil {
			t.Fatal(err)
		}
		b.StageGoal = "Launch"
		_, err = s.SaveProfile(ctx, 3, b)
		conflict(t, "second first-ever save of the profile", err)
		savedA.StageGoal = "Launch"
		if _, err := s.SaveProfile(ctx, 3, savedA); err != nil {
			t.Fatalf("save over the latest version: %v", err)
		}
		_, err = s.SaveProfile(ctx, 3, savedA)
		conflict(t, "save over a version saved over since", err)
		if p, _ := s.Profile(ctx, 3); p.Positioning != "Tea for commuters" || p.StageGoal != "Launch" {
			t.Errorf("profile = %+v", p)
		}
	})

	t.Run("budget", func(t *testing.T) {
		a, _ := s.Budget(ctx, 4, "CNY")
		a.Monthly = 5000
		savedA, err := s.SaveBudget(ctx, 4, a)
		if err != nil {
			t.Fatal(err)
		}
		stale := savedA
		savedA.Monthly = 6000
		if _, err := s.SaveBudget(ctx, 4, savedA); err != nil {
			t.Fatal(err)
		}
		stale.HourlyCost = 80
		_, err = s.SaveBudget(ctx, 4, stale)
		conflict(t, "save of a budget read before the last save", err)
		if b, _ := s.Budget(ctx, 4, "CNY"); b.Monthly != 6000 || b.HourlyCost != 0 {
			t.Errorf("budget = %+v, want the last save kept", b)
		}
	})
}
