package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

// memStore is an in-memory Store for domain tests; the SQL store has its
// own conformance suite.
type memStore struct {
	mu   sync.Mutex
	data map[int64]map[string]json.RawMessage
	err  error // returned by every call when set
	// beforeSet, when set, runs once at the next SetOverride, between the
	// service's read and its write: another save at the same time.
	beforeSet func()
	// strict makes DeleteOverride of a missing patch return NotFound, as
	// the SQL store does.
	strict bool
}

func newMemStore() *memStore { return &memStore{data: map[int64]map[string]json.RawMessage{}} }

func (m *memStore) Overrides(_ context.Context, ws int64) (map[string]json.RawMessage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	return maps.Clone(m.data[ws]), nil
}

func (m *memStore) SetOverride(_ context.Context, ws int64, key string, prev, patch json.RawMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if m.beforeSet != nil {
		f := m.beforeSet
		m.beforeSet = nil
		m.mu.Unlock()
		f()
		m.mu.Lock()
	}
	if cur, ok := m.data[ws][key]; ok != (prev != nil) || !bytes.Equal(cur, prev) {
		return apperr.New(apperr.Conflict, "error.platform.override_changed", nil)
	}
	if m.data[ws] == nil {
		m.data[ws] = map[string]json.RawMessage{}
	}
	m.data[ws][key] = slices.Clone(patch)
	return nil
}

func (m *memStore) DeleteOverride(_ context.Context, ws int64, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if _, ok := m.data[ws][key]; !ok && m.strict {
		return apperr.NotFoundf("platform_override")
	}
	delete(m.data[ws], key)
	return nil
}

func (m *memStore) raw(ws int64, key string) (json.RawMessage, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.data[ws][key]
	return r, ok
}

func newTestService(t *testing.T) (*Service, *memStore) {
	t.Helper()
	st := newMemStore()
	return NewService(mustLoad(t), st), st
}

// TestConcurrentCorrections: a correction saved between another save's
// read and its write is merged into that save, not overwritten by it.
func TestConcurrentCorrections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newTestService(t)
	st.beforeSet = func() {
		if _, err := s.SetOverride(ctx, 1, "weibo", json.RawMessage(`{"audience":{"mau_millions":600}}`)); err != nil {
			t.Errorf("the save in between: %v", err)
		}
	}
	e, err := s.SetOverride(ctx, 1, "weibo", json.RawMessage(`{"peak_hours":{"weekday":[9,10]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"audience.mau_millions", "peak_hours.weekday"}; !slices.Equal(e.Overridden, want) {
		t.Errorf("overridden %v, want %v", e.Overridden, want)
	}
}

func TestServiceList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestService(t)
	if _, err := s.SetOverride(ctx, 1, "weibo", json.RawMessage(`{"peak_hours":{"weekday":[9,10]},"audience":{"mau_millions":600}}`)); err != nil {
		t.Fatalf("SetOverride: %v", err)
	}
	tests := []struct {
		name           string
		ws             int64
		wantWeekday    []int
		wantOverridden []string
	}{
		{"workspace with override", 1, []int{9, 10}, []string{"audience.mau_millions", "peak_hours.weekday"}},
		{"other workspace untouched", 2, []int{7, 8, 12, 13, 20, 21, 22}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			list, err := s.List(ctx, tt.ws)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if len(list) != 20 || list[0].Key != "weibo" {
				t.Fatalf("List = %d entries starting %q, want 20 starting weibo", len(list), list[0].Key)
			}
			w := list[0]
			if !slices.Equal(w.PeakHours.Weekday, tt.wantWeekday) || !slices.Equal(w.Overridden, tt.wantOverridden) {
				t.Errorf("weibo weekday %v overridden %v, want %v %v", w.PeakHours.Weekday, w.Overridden, tt.wantWeekday, tt.wantOverridden)
			}
			for _, e := range list[1:] {
				if len(e.Overridden) != 0 || e.Override != nil {
					t.Errorf("%s overridden %v", e.Key, e.Overridden)
				}
			}
		})
	}
}

func TestServiceSetOverride(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name           string
		key            string
		patches        []string // applied in order; only the last may fail
		wantCode       apperr.Code
		wantField      string
		wantOverridden []string
		wantStored     bool
	}{
		{
			name:           "one field",
			key:            "xiaohongshu",
			patches:        []string{`{"good_for":{"sales":1}}`},
			wantOverridden: []string{"good_for.sales"},
			wantStored:     true,
		},
		{
			name:           "later patches merge into earlier ones",
			key:            "xiaohongshu",
			patches:        []string{`{"good_for":{"sales":1}}`, `{"good_for":{"pr":0.1}}`, `{"peak_hours":{"weekend":[9]}}`},
			wantOverridden: []string{"good_for.pr", "good_for.sales", "peak_hours.weekend"},
			wantStored:     true,
		},
		{
			name:       "empty patch stores nothing",
			key:        "douyin",
			patches:    []string{`{}`},
			wantStored: false,
		},
		{
			name:       "key in patch is dropped when unchanged",
			key:        "douyin",
			patches:    []string{`{"key":"douyin"}`},
			wantStored: false,
		},
		{name: "unknown platform", key: "myspace", patches: []string{`{}`}, wantCode: apperr.NotFound},
		{name: "key change refused", key: "douyin", patches: []string{`{"key":"tiktok"}`}, wantCode: apperr.Invalid, wantField: "key"},
		{name: "wrong type refused", key: "douyin", patches: []string{`{"audience":{"mau_millions":"many"}}`}, wantCode: apperr.Invalid, wantField: "audience.mau_millions"},
		{
			name:           "invalid merge refused, earlier override kept",
			key:            "douyin",
			patches:        []string{`{"engagement_rate":{"max":0.5}}`, `{"engagement_rate":{"min":0.9}}`},
			wantCode:       apperr.Invalid,
			wantField:      "engagement_rate",
			wantOverridden: []string{"engagement_rate.max"},
			wantStored:     true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, st := newTestService(t)
			var err error
			for _, p := range tt.patches {
				_, err = s.SetOverride(ctx, 7, tt.key, json.RawMessage(p))
			}
			if tt.wantCode != "" {
				if got := apperr.CodeOf(err); got != tt.wantCode {
					t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
				}
				if tt.wantField != "" {
					assertField(t, err, tt.wantField, "")
				}
			} else if err != nil {
				t.Fatalf("SetOverride: %v", err)
			}
			if _, stored := st.raw(7, tt.key); stored != tt.wantStored {
				t.Errorf("stored = %v, want %v", stored, tt.wantStored)
			}
			if tt.wantCode == apperr.NotFound {
				return
			}
			e, err := s.Get(ctx, 7, tt.key)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			want := tt.wantOverridden
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(e.Overridden, want) {
				t.Errorf("overridden = %v, want %v", e.Overridden, want)
			}
		})
	}
}

func TestServiceResetAndGet(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		t.Run(map[bool]string{false: "lenient store", true: "store returning not_found"}[strict], func(t *testing.T) {
			t.Parallel()
			testResetAndGet(t, strict)
		})
	}
}

func testResetAndGet(t *testing.T, strict bool) {
	ctx := context.Background()
	s, st := newTestService(t)
	st.strict = strict
	base, err := s.Get(ctx, 3, "bilibili")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOverride(ctx, 3, "bilibili", json.RawMessage(`{"links":"inline"}`)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		key      string
		wantCode apperr.Code
	}{
		{"reset an override", "bilibili", ""},
		{"reset without override", "zhihu", ""},
		{"reset unknown platform", "myspace", apperr.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := s.ResetOverride(ctx, 3, tt.key)
			if got := apperr.CodeOf(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if len(e.Overridden) != 0 || e.Override != nil {
				t.Errorf("after reset: overridden %v", e.Overridden)
			}
			if _, stored := st.raw(3, tt.key); stored {
				t.Errorf("override still stored")
			}
		})
	}
	if got, _ := s.Get(ctx, 3, "bilibili"); got.Links != base.Links {
		t.Errorf("links after reset = %q, want %q", got.Links, base.Links)
	}
	if _, err := s.Get(ctx, 3, "myspace"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Get(myspace) = %v, want not_found", err)
	}
}

func TestServiceStaleOverride(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newTestService(t)
	// As if an older catalog had a field this one no longer has.
	st.data[5] = map[string]json.RawMessage{"weibo": json.RawMessage(`{"audience":{"dau_millions":260}}`), "zhihu": json.RawMessage(`not json`)}
	for _, key := range []string{"weibo", "zhihu"} {
		t.Run(key, func(t *testing.T) {
			e, err := s.Get(ctx, 5, key)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !e.InvalidOverride || len(e.Overridden) != 0 || e.Override == nil {
				t.Errorf("entry = invalid %v overridden %v override %s, want flagged with the patch kept", e.InvalidOverride, e.Overridden, e.Override)
			}
			if _, err := s.List(ctx, 5); err != nil {
				t.Errorf("List: %v", err)
			}
		})
	}
}

// TestServiceOldSourceOverride: an override stored when a source's why and
// note were plain English strings still applies, read as the English text,
// which a Chinese page then shows for want of a Chinese one.
func TestServiceOldSourceOverride(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newTestService(t)
	old, err := json.Marshal(map[string]any{"sources": []map[string]any{{
		"fields": SourceFields, "publisher": "Our agency", "title": "Bilibili audit", "year": 2026,
		"estimate": true, "why": "Our own panel.", "note": "Checked in June.",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	st.data[6] = map[string]json.RawMessage{"bilibili": old}
	e, err := s.Get(ctx, 6, "bilibili")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if e.InvalidOverride || len(e.Sources) != 1 {
		t.Fatalf("entry = invalid %v, %d sources; want the stored override applied", e.InvalidOverride, len(e.Sources))
	}
	got := e.Sources[0]
	if got.Why != (Text{En: "Our own panel."}) || got.Note != (Text{En: "Checked in June."}) {
		t.Errorf("why %+v note %+v, want the English texts", got.Why, got.Note)
	}
	if got.Why.In("zh-CN") != "Our own panel." {
		t.Errorf("why in Chinese = %q, want the English text", got.Why.In("zh-CN"))
	}
	// Saving another correction over it keeps the old texts valid.
	if _, err := s.SetOverride(ctx, 6, "bilibili", json.RawMessage(`{"audience":{"mau_millions":350}}`)); err != nil {
		t.Errorf("SetOverride over the old override: %v", err)
	}
}

func TestServiceStoreErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newTestService(t)
	st.err = errors.New("disk on fire")
	calls := map[string]func() error{
		"List":          func() error { _, err := s.List(ctx, 1); return err },
		"Get":           func() error { _, err := s.Get(ctx, 1, "weibo"); return err },
		"SetOverride":   func() error { _, err := s.SetOverride(ctx, 1, "weibo", json.RawMessage(`{}`)); return err },
		"ResetOverride": func() error { _, err := s.ResetOverride(ctx, 1, "weibo"); return err },
		"Fit":           func() error { _, err := s.Fit(ctx, 1, brand.Persona{}, ObjectiveSales); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := call(); !apperr.Is(err, apperr.Internal) || !errors.Is(err, st.err) {
				t.Errorf("error = %v, want internal wrapping the store's", err)
			}
		})
	}
}

func TestServiceFitUsesOverrides(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestService(t)
	persona := brand.Persona{AgeBands: []string{"25-34"}}
	before, err := s.Fit(ctx, 9, persona, ObjectiveService)
	if err != nil {
		t.Fatal(err)
	}
	if before[0].Platform == "tieba" {
		t.Fatalf("tieba already first: %+v", before[0])
	}
	// The workspace knows better: its Tieba moderators answer customers.
	patch := `{"good_for":{"service":1},"api":{"comments":"open","listening":"open","publish":"open"},"audience":{"age":{"25-34":90,"18-24":2,"under18":2,"35-44":2,"45-54":2,"55+":2}}}`
	if _, err := s.SetOverride(ctx, 9, "tieba", json.RawMessage(patch)); err != nil {
		t.Fatal(err)
	}
	after, err := s.Fit(ctx, 9, persona, ObjectiveService)
	if err != nil {
		t.Fatal(err)
	}
	if after[0].Platform != "tieba" {
		t.Errorf("first = %s (%v), want tieba after the override", after[0].Platform, after[0].Score)
	}
	other, err := s.Fit(ctx, 10, persona, ObjectiveService)
	if err != nil {
		t.Fatal(err)
	}
	if other[0].Platform != before[0].Platform {
		t.Errorf("other workspace first = %s, want %s", other[0].Platform, before[0].Platform)
	}
	if _, err := s.Fit(ctx, 9, persona, "fame"); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("Fit(fame) = %v, want invalid", err)
	} else {
		assertField(t, err, "objective", "error.one_of")
	}
}

// TestReplaceOverride: the page's editor shows the whole override, so its
// save replaces it: a correction taken out of it goes, where SetOverride
// (the API's merge patch) keeps what it does not name.
func TestReplaceOverride(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestService(t)
	if _, err := s.SetOverride(ctx, 4, "weibo", json.RawMessage(`{"peak_hours":{"weekday":[9,10]},"audience":{"mau_millions":600}}`)); err != nil {
		t.Fatal(err)
	}
	e, err := s.SetOverride(ctx, 4, "weibo", json.RawMessage(`{"audience":{"mau_millions":610}}`))
	if err != nil || !slices.Equal(e.Overridden, []string{"audience.mau_millions", "peak_hours.weekday"}) {
		t.Fatalf("merged = %v, %v; want both corrections kept", e.Overridden, err)
	}
	e, err = s.ReplaceOverride(ctx, 4, "weibo", e.Override, json.RawMessage(`{"audience":{"mau_millions":610}}`))
	if err != nil || !slices.Equal(e.Overridden, []string{"audience.mau_millions"}) {
		t.Fatalf("replaced = %v, %v; want only the audience's", e.Overridden, err)
	}
	if e, err = s.ReplaceOverride(ctx, 4, "weibo", e.Override, json.RawMessage(`{}`)); err != nil || len(e.Overridden) != 0 {
		t.Fatalf("replaced by nothing = %v, %v; want no override left", e.Overridden, err)
	}
}

// TestReplaceOverrideShownChanged: two people open the editor on the same
// override; the first saves, and the second's save, which would drop the
// first's correction, is refused rather than made silently. Saving over
// what is stored now goes through.
func TestReplaceOverrideShownChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestService(t)
	for _, shown := range []json.RawMessage{nil, json.RawMessage(`{"audience":{"mau_millions":600}}`)} {
		if len(shown) > 0 {
			if _, err := s.SetOverride(ctx, 5, "weibo", shown); err != nil {
				t.Fatal(err)
			}
		}
		first, err := s.ReplaceOverride(ctx, 5, "weibo", shown, json.RawMessage(`{"peak_hours":{"weekday":[9,10]}}`))
		if err != nil {
			t.Fatalf("first save over %s: %v", shown, err)
		}
		_, err = s.ReplaceOverride(ctx, 5, "weibo", shown, json.RawMessage(`{"audience":{"mau_millions":610}}`))
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second save over %s, replaced since = %v, want a conflict", shown, err)
		}
		if e, _ := s.Get(ctx, 5, "weibo"); !slices.Equal(e.Overridden, []string{"peak_hours.weekday"}) {
			t.Errorf("after the refused save: %v, want the first save's correction", e.Overridden)
		}
		if _, err := s.ReplaceOverride(ctx, 5, "weibo", first.Override, json.RawMessage(`{}`)); err != nil {
			t.Fatalf("save over what is stored now: %v", err)
		}
	}
}
