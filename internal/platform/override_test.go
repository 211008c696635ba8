package platform

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		patch     string
		check     func(t *testing.T, got Platform)
		wantField string // set when Apply must fail
		wantKey   string
	}{
		{
			name:  "value replaced, siblings kept",
			patch: `{"engagement_rate":{"max":0.2}}`,
			check: func(t *testing.T, got Platform) {
				if got.EngagementRate != (Engagement{Min: 0.01, Max: 0.2, Basis: "impressions"}) {
					t.Errorf("engagement_rate = %+v", got.EngagementRate)
				}
			},
		},
		{
			name:  "nested object merged",
			patch: `{"audience":{"gender":{"female":70,"male":30}}}`,
			check: func(t *testing.T, got Platform) {
				if got.Audience.Gender != (Gender{Female: 70, Male: 30}) || got.Audience.Age["25-34"] != 30 || *got.Audience.MAUMillions != 100 {
					t.Errorf("audience = %+v", got.Audience)
				}
			},
		},
		{
			name:  "map members merged one by one",
			patch: `{"audience":{"age":{"18-24":25,"55+":5}}}`,
			check: func(t *testing.T, got Platform) {
				want := map[string]float64{"under18": 10, "18-24": 25, "25-34": 30, "35-44": 20, "45-54": 10, "55+": 5}
				if !reflect.DeepEqual(got.Audience.Age, want) {
					t.Errorf("age = %v, want %v", got.Audience.Age, want)
				}
			},
		},
		{
			name:  "null removes",
			patch: `{"audience":{"mau_millions":null}}`,
			check: func(t *testing.T, got Platform) {
				if got.Audience.MAUMillions != nil {
					t.Errorf("mau_millions = %v, want nil", *got.Audience.MAUMillions)
				}
			},
		},
		{
			name:  "array replaced whole",
			patch: `{"peak_hours":{"weekday":[9]}}`,
			check: func(t *testing.T, got Platform) {
				if !slices.Equal(got.PeakHours.Weekday, []int{9}) || !slices.Equal(got.PeakHours.Weekend, []int{10, 21}) {
					t.Errorf("peak_hours = %+v", got.PeakHours)
				}
			},
		},
		{
			name:  "same key allowed",
			patch: `{"key":"alpha","good_for":{"sales":1}}`,
			check: func(t *testing.T, got Platform) {
				if got.Key != "alpha" || got.GoodFor.Sales != 1 {
					t.Errorf("got key %q sales %v", got.Key, got.GoodFor.Sales)
				}
			},
		},
		{name: "empty patch", patch: `{}`, check: func(t *testing.T, got Platform) {
			if !reflect.DeepEqual(got, validPlatform("alpha")) {
				t.Errorf("got %+v, want the base", got)
			}
		}},
		{
			name:  "a note as a plain string is English",
			patch: `{"api":{"note":"Link shares only."}}`,
			check: func(t *testing.T, got Platform) {
				if got.API.Note != (Text{En: "Link shares only."}) {
					t.Errorf("api.note = %+v", got.API.Note)
				}
			},
		},
		{
			name:  "a note per locale",
			patch: `{"api":{"note":{"zh-CN":"只能分享链接。","en":"Link shares only."}}}`,
			check: func(t *testing.T, got Platform) {
				if got.API.Note.In("zh-CN") != "只能分享链接。" || got.API.Note.In("en") != "Link shares only." {
					t.Errorf("api.note = %+v", got.API.Note)
				}
			},
		},
		{
			name:  "a source's why and note per locale",
			patch: `{"sources":[{"fields":["audience.mau_millions","audience.age","audience.gender","audience.city_tiers","formats","peak_hours","engagement_rate","good_for","api","links"],"publisher":"P","title":"T","year":2026,"estimate":true,"why":{"zh-CN":"估算。","en":"Estimated."},"note":{"zh-CN":"说明。","en":"A note."}}]}`,
			check: func(t *testing.T, got Platform) {
				if s := got.Sources[0]; s.Why != (Text{ZhCN: "估算。", En: "Estimated."}) || s.Note != (Text{ZhCN: "说明。", En: "A note."}) {
					t.Errorf("source = %+v", s)
				}
			},
		},
		{
			name:  "a source's why and note as plain strings are English",
			patch: `{"sources":[{"fields":["audience.mau_millions","audience.age","audience.gender","audience.city_tiers","formats","peak_hours","engagement_rate","good_for","api","links"],"publisher":"P","title":"T","year":2026,"estimate":true,"why":"Estimated.","note":"A note."}]}`,
			check: func(t *testing.T, got Platform) {
				if s := got.Sources[0]; s.Why != (Text{En: "Estimated."}) || s.Note != (Text{En: "A note."}) {
					t.Errorf("source = %+v", s)
				}
			},
		},
		{name: "an estimate's why in Chinese only", patch: `{"sources":[{"fields":["audience.mau_millions","audience.age","audience.gender","audience.city_tiers","formats","peak_hours","engagement_rate","good_for","api","links"],"publisher":"P","title":"T","year":2026,"estimate":true,"why":{"zh-CN":"估算。"}}]}`, wantField: "sources[0].why.en", wantKey: "error.required"},
		{name: "an estimate without why", patch: `{"sources":[{"fields":["audience.mau_millions","audience.age","audience.gender","audience.city_tiers","formats","peak_hours","engagement_rate","good_for","api","links"],"publisher":"P","title":"T","year":2026,"estimate":true,"why":{"en":" "}}]}`, wantField: "sources[0].why", wantKey: "error.required"},
		{name: "a Chinese note without English", patch: `{"api":{"note":{"zh-CN":"只能分享链接。"}}}`, wantField: "api.note.en", wantKey: "error.required"},
		{name: "a note in an unknown locale", patch: `{"api":{"note":{"fr":"x"}}}`, wantField: "api.note.fr", wantKey: "error.unknown_field"},
		{name: "key changed", patch: `{"key":"beta"}`, wantField: "key", wantKey: "error.immutable"},
		{name: "key removed", patch: `{"key":null}`, wantField: "key", wantKey: "error.immutable"},
		{name: "unknown top-level field", patch: `{"audiance":{}}`, wantField: "audiance", wantKey: "error.unknown_field"},
		{name: "unknown nested field", patch: `{"audience":{"mau":1}}`, wantField: "audience.mau", wantKey: "error.unknown_field"},
		{name: "unknown field in array element", patch: `{"formats":[{"key":"post","kind":"text","colour":"red"}]}`, wantField: "formats[0].colour", wantKey: "error.unknown_field"},
		{name: "string for number", patch: `{"engagement_rate":{"min":"0.01"}}`, wantField: "engagement_rate.min", wantKey: "error.json_type:number"},
		{name: "string for array", patch: `{"peak_hours":{"weekday":"9"}}`, wantField: "peak_hours.weekday", wantKey: "error.json_type:list"},
		{name: "fraction for integer", patch: `{"peak_hours":{"weekday":[9.5]}}`, wantField: "peak_hours.weekday[0]", wantKey: "error.json_type:integer"},
		{name: "number for object", patch: `{"api":1}`, wantField: "api", wantKey: "error.json_type:object"},
		{name: "number for a note", patch: `{"api":{"note":5}}`, wantField: "api.note", wantKey: "error.json_type:text"},
		{name: "hour out of range", patch: `{"peak_hours":{"weekend":[24]}}`, wantField: "peak_hours.weekend", wantKey: "error.range"},
		{name: "shares no longer sum to 100", patch: `{"audience":{"age":{"18-24":90}}}`, wantField: "audience.age", wantKey: "error.sum_100"},
		{name: "unknown age band", patch: `{"audience":{"age":{"18-29":0}}}`, wantField: "audience.age.18-29", wantKey: "error.one_of"},
		{name: "min above max", patch: `{"engagement_rate":{"min":0.09}}`, wantField: "engagement_rate", wantKey: "error.min_above_max"},
		{name: "capability outside the set", patch: `{"api":{"publish":"maybe"}}`, wantField: "api.publish", wantKey: "error.one_of"},
		{name: "sources removed", patch: `{"sources":null}`, wantField: "sources", wantKey: "error.required"},
		{name: "not an object", patch: `[1]`, wantField: "patch", wantKey: "error.patch_object"},
		{name: "null patch", patch: `null`, wantField: "patch", wantKey: "error.patch_object"},
		{name: "broken json", patch: `{"api":`, wantField: "patch", wantKey: "error.json"},
		{name: "trailing data", patch: `{} {}`, wantField: "patch", wantKey: "error.json"},
		{name: "too large", patch: `{"api":{"note":"` + strings.Repeat("a", MaxPatchBytes) + `"}}`, wantField: "patch", wantKey: "error.too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := validPlatform("alpha")
			got, err := Apply(base, json.RawMessage(tt.patch))
			if !reflect.DeepEqual(base, validPlatform("alpha")) {
				t.Errorf("Apply changed its base: %+v", base)
			}
			if tt.wantField != "" {
				assertField(t, err, tt.wantField, tt.wantKey)
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			tt.check(t, got)
		})
	}
}

func TestComposePatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		first, second string
		want          string
	}{
		{"disjoint", `{"a":1}`, `{"b":2}`, `{"a":1,"b":2}`},
		{"later wins", `{"a":1}`, `{"a":2}`, `{"a":2}`},
		{"objects merge", `{"a":{"x":1,"y":1}}`, `{"a":{"y":2}}`, `{"a":{"x":1,"y":2}}`},
		{"null kept", `{"a":{"x":1}}`, `{"a":null}`, `{"a":null}`},
		{"array replaces", `{"a":[1,2]}`, `{"a":[3]}`, `{"a":[3]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b, want := decodeObject(t, tt.first), decodeObject(t, tt.second), decodeObject(t, tt.want)
			if got := composePatches(a, b); !reflect.DeepEqual(got, want) {
				t.Errorf("composePatches(%s, %s) = %v, want %v", tt.first, tt.second, got, want)
			}
		})
	}
}

func TestPatchPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		patch string
		want  []string
	}{
		{"empty", `{}`, []string{}},
		{"leaves sorted", `{"peak_hours":{"weekend":[1],"weekday":[2]},"audience":{"mau_millions":null}}`, []string{"audience.mau_millions", "peak_hours.weekday", "peak_hours.weekend"}},
		{"empty object is no change", `{"api":{}}`, []string{}},
		{"arrays are one path", `{"formats":[{"key":"a"}]}`, []string{"formats"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := patchPaths(decodeObject(t, tt.patch)); !slices.Equal(got, tt.want) {
				t.Errorf("patchPaths = %v, want %v", got, tt.want)
			}
		})
	}
}

func decodeObject(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}
