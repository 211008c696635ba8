package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

var wantKeys = []string{
	"weibo", "wechat_oa", "wechat_channels", "douyin", "kuaishou", "xiaohongshu", "bilibili", "zhihu", "toutiao", "tieba",
	"blog_rss", "mastodon", "bluesky", "x", "facebook", "instagram", "linkedin", "youtube", "tiktok", "telegram",
}

func mustLoad(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// TestCatalogFile checks the shipped file on its own terms, independently of
// Validate, so that a bug in Validate cannot hide a bad figure.
func TestCatalogFile(t *testing.T) {
	t.Parallel()
	c := mustLoad(t)
	if got := c.Version(); got != "2026.11" {
		t.Errorf("version = %q, want 2026.11", got)
	}
	if got := c.Keys(); !slices.Equal(got, wantKeys) {
		t.Fatalf("keys = %v, want %v", got, wantKeys)
	}
	sumNear := func(t *testing.T, what string, m map[string]float64, keys []string) {
		t.Helper()
		var sum float64
		for k, v := range m {
			if !slices.Contains(keys, k) {
				t.Errorf("%s: key %q not in %v", what, k, keys)
			}
			sum += v
		}
		if math.Abs(sum-100) > 2 {
			t.Errorf("%s sums to %v, want ~100", what, sum)
		}
	}
	for _, p := range c.Platforms() {
		t.Run(p.Key, func(t *testing.T) {
			t.Parallel()
			if err := p.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if p.Name.ZhCN == "" || p.Name.En == "" {
				t.Errorf("names = %+v, want both", p.Name)
			}
			if !slices.Contains(Regions, p.Region) {
				t.Errorf("region = %q", p.Region)
			}
			sumNear(t, "age", p.Audience.Age, brand.AgeBands)
			sumNear(t, "city_tiers", p.Audience.CityTiers, brand.CityTiers)
			if g := p.Audience.Gender; math.Abs(g.Female+g.Male-100) > 2 {
				t.Errorf("gender sums to %v, want ~100", g.Female+g.Male)
			}
			if p.Audience.MAUMillions == nil && p.Key != "blog_rss" {
				t.Errorf("mau_millions missing")
			}
			if p.Region == RegionGlobal && p.Audience.CityTiers["overseas"] < 50 && p.Key != "blog_rss" {
				t.Errorf("global platform with %v%% overseas", p.Audience.CityTiers["overseas"])
			}
			if e := p.EngagementRate; e.Min > e.Max || e.Min < 0 || e.Max > 1 {
				t.Errorf("engagement_rate = %+v, want 0 ≤ min ≤ max ≤ 1", e)
			}
			for _, h := range append(slices.Clone(p.PeakHours.Weekday), p.PeakHours.Weekend...) {
				if h < 0 || h > 23 {
					t.Errorf("peak hour %d outside 0–23", h)
				}
			}
			if len(p.PeakHours.Weekday) == 0 || len(p.PeakHours.Weekend) == 0 {
				t.Errorf("peak_hours = %+v, want weekday and weekend", p.PeakHours)
			}
			for _, c := range []Capability{p.API.Publish, p.API.Metrics, p.API.Comments, p.API.Listening} {
				if !slices.Contains(CapabilityLevels, c) {
					t.Errorf("capability %q not in %v", c, CapabilityLevels)
				}
			}
			if len(p.Formats) == 0 {
				t.Errorf("no formats")
			}
			if len(p.Sources) == 0 {
				t.Fatalf("no sources")
			}
			covered := map[string]bool{}
			for _, s := range p.Sources {
				if s.Publisher == "" || s.Title.En == "" || s.Year < 2000 {
					t.Errorf("source %+v lacks publisher, title or year", s)
				}
				if s.Estimate && s.Why.En == "" {
					t.Errorf("estimate without why: %+v", s)
				}
				if strings.Contains(s.Title.En+s.Title.ZhCN+s.Why.En+s.Why.ZhCN+s.Note.En+s.Note.ZhCN, "http") {
					t.Errorf("source carries a URL: %+v", s)
				}
				for _, f := range s.Fields {
					covered[f] = true
				}
			}
			for _, f := range SourceFields {
				if !covered[f] {
					t.Errorf("no source for %s", f)
				}
			}
		})
	}
}

// TestCatalogAPINotes pins the capabilities that shared/platforms/README.md
// states, so that an edit of the file cannot drift from the connector notes.
func TestCatalogAPINotes(t *testing.T) {
	t.Parallel()
	c := mustLoad(t)
	// An empty want is not checked: the README does not say.
	tests := []struct {
		key                                   string
		publish, metrics, comments, listening Capability
	}{
		{key: "xiaohongshu", publish: CapNone},
		{key: "wechat_channels", publish: CapNone},
		{key: "zhihu", publish: CapNone},
		{key: "kuaishou", publish: CapNone},
		{key: "mastodon", publish: CapOpen, metrics: CapOpen, comments: CapOpen, listening: CapOpen},
		{key: "bluesky", publish: CapOpen, metrics: CapOpen, comments: CapOpen, listening: CapOpen},
		{key: "wechat_oa", publish: CapOpen, metrics: CapOpen, listening: CapNone},
		{key: "weibo", publish: CapOpen, metrics: CapOpen, comments: CapOpen, listening: CapPaid},
		{key: "telegram", publish: CapOpen, metrics: CapNone, listening: CapNone},
		{key: "douyin", publish: CapEnterprise, listening: CapNone},
		{key: "bilibili", publish: CapEnterprise, listening: CapNone},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			p, err := c.Platform(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				name      string
				got, want Capability
			}{{"publish", p.API.Publish, tt.publish}, {"metrics", p.API.Metrics, tt.metrics}, {"comments", p.API.Comments, tt.comments}, {"listening", p.API.Listening, tt.listening}} {
				if f.want != "" && f.got != f.want {
					t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
				}
			}
		})
	}
}

// TestCatalogTextsInBothLocales: every localized text of the shipped
// catalog (names, format and API notes, why a figure is an estimate, notes
// on sources) reads in Chinese and in English. It finds the texts by their
// type, so that a text added to the catalog later is checked too.
func TestCatalogTextsInBothLocales(t *testing.T) {
	t.Parallel()
	var count int
	for _, p := range mustLoad(t).Platforms() {
		walkTexts(reflect.ValueOf(p), p.Key, func(path string, tx Text) {
			count++
			// Another publisher's work keeps its own title, in its own
			// language; Chorus's own are titled in both.
			if strings.HasSuffix(path, ".Title") && tx.En != "" {
				return
			}
			if tx.ZhCN == "" || tx.En == "" {
				t.Errorf("%s = %+v: want both locales", path, tx)
			}
		})
		for i, s := range p.Sources {
			if s.Publisher == "Chorus" && s.Title.ZhCN == "" {
				t.Errorf("%s.Sources[%d]: Chorus's own %q has no Chinese title", p.Key, i, s.Title.En)
			}
		}
	}
	// 20 names, 131 texts and 144 titles on sources: a walk that finds
	// fewer has stopped looking somewhere.
	if count < 295 {
		t.Errorf("found %d texts, want every text of the catalog", count)
	}
}

// walkTexts calls f with every non-empty Text inside v, named by its path.
func walkTexts(v reflect.Value, path string, f func(string, Text)) {
	if tx, ok := v.Interface().(Text); ok {
		if tx != (Text{}) {
			f(path, tx)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkTexts(v.Field(i), path+"."+v.Type().Field(i).Name, f)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkTexts(v.Index(i), fmt.Sprintf("%s[%d]", path, i), f)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			walkTexts(v.Elem(), path, f)
		}
	}
}

func TestCatalogReturnsCopies(t *testing.T) {
	t.Parallel()
	c := mustLoad(t)
	p, err := c.Platform("weibo")
	if err != nil {
		t.Fatal(err)
	}
	p.Audience.Age["18-24"] = 99
	*p.Audience.MAUMillions = 1
	p.PeakHours.Weekday[0] = 3
	p.Sources[0].Fields[0] = "x"
	all := c.Platforms()
	all[0].Formats[0].MaxLength = 1

	again, _ := c.Platform("weibo")
	if again.Audience.Age["18-24"] == 99 || *again.Audience.MAUMillions == 1 || again.PeakHours.Weekday[0] == 3 ||
		again.Sources[0].Fields[0] == "x" || again.Formats[0].MaxLength == 1 {
		t.Errorf("catalog changed through a returned copy: %+v", again)
	}
	if _, err := c.Platform("myspace"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Platform(myspace) error = %v, want not_found", err)
	}
	if !c.Has("weibo") || c.Has("myspace") {
		t.Errorf("Has: weibo %v, myspace %v", c.Has("weibo"), c.Has("myspace"))
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	good := validPlatform("alpha")
	encode := func(version string, ps ...Platform) string {
		b, err := json.Marshal(catalogFile{Version: version, Platforms: ps})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	bad := validPlatform("beta")
	bad.PeakHours.Weekend = []int{25}
	tests := []struct {
		name      string
		data      string
		wantCode  apperr.Code
		wantField string
	}{
		{name: "valid", data: encode("1", good)},
		{name: "not json", data: "{", wantCode: apperr.Internal},
		{name: "unknown field", data: `{"version":"1","platforms":[],"extra":1}`, wantCode: apperr.Internal},
		{name: "no version", data: encode("", good), wantCode: apperr.Invalid, wantField: "version"},
		{name: "no platforms", data: encode("1"), wantCode: apperr.Invalid, wantField: "platforms"},
		{name: "duplicate key", data: encode("1", good, good), wantCode: apperr.Invalid, wantField: "platforms[alpha].key"},
		{name: "invalid platform", data: encode("1", good, bad), wantCode: apperr.Invalid, wantField: "platforms[beta].peak_hours.weekend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tt.data))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if got := c.Keys(); !slices.Equal(got, []string{"alpha"}) {
					t.Errorf("keys = %v", got)
				}
				return
			}
			if got := apperr.CodeOf(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if tt.wantField != "" {
				assertField(t, err, tt.wantField, "")
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		change    func(p *Platform)
		wantField string
		wantKey   string
	}{
		{"valid", func(p *Platform) {}, "", ""},
		{"key not snake_case", func(p *Platform) { p.Key = "Weibo" }, "key", "error.key_format"},
		{"name missing", func(p *Platform) { p.Name.En = " " }, "name.en", "error.required"},
		{"region unknown", func(p *Platform) { p.Region = "eu" }, "region", "error.one_of"},
		{"negative mau", func(p *Platform) { p.Audience.MAUMillions = ptr(-1) }, "audience.mau_millions", "error.range"},
		{"age band unknown", func(p *Platform) { p.Audience.Age["18-29"] = 0 }, "audience.age.18-29", "error.one_of"},
		{"age sum off", func(p *Platform) { p.Audience.Age["55+"] += 10 }, "audience.age", "error.sum_100"},
		{"gender sum off", func(p *Platform) { p.Audience.Gender.Male = 10 }, "audience.gender", "error.sum_100"},
		{"city tiers empty", func(p *Platform) { p.Audience.CityTiers = nil }, "audience.city_tiers", "error.sum_100"},
		{"no formats", func(p *Platform) { p.Formats = nil }, "formats", "error.required"},
		{"format kind unknown", func(p *Platform) { p.Formats[0].Kind = "hologram" }, "formats[0].kind", "error.one_of"},
		{"format unit missing", func(p *Platform) { p.Formats[0].LengthUnit = "" }, "formats[0].length_unit", "error.one_of"},
		{"format key twice", func(p *Platform) { p.Formats = append(p.Formats, p.Formats[0]) }, "formats[1].key", "error.duplicate"},
		{"hour 24", func(p *Platform) { p.PeakHours.Weekday = []int{24} }, "peak_hours.weekday", "error.range"},
		{"hour twice", func(p *Platform) { p.PeakHours.Weekend = []int{9, 9} }, "peak_hours.weekend", "error.duplicate"},
		{"no weekend hours", func(p *Platform) { p.PeakHours.Weekend = nil }, "peak_hours.weekend", "error.required"},
		{"bad timezone", func(p *Platform) { p.PeakHours.Timezone = "Beijing time" }, "peak_hours.timezone", "error.timezone"},
		{"engagement min above max", func(p *Platform) { p.EngagementRate.Min = 0.5 }, "engagement_rate", "error.min_above_max"},
		{"engagement above 1", func(p *Platform) { p.EngagementRate.Max = 2 }, "engagement_rate.max", "error.range"},
		{"engagement basis", func(p *Platform) { p.EngagementRate.Basis = "vibes" }, "engagement_rate.basis", "error.one_of"},
		{"good_for above 1", func(p *Platform) { p.GoodFor.PR = 1.5 }, "good_for.pr", "error.range"},
		{"capability unknown", func(p *Platform) { p.API.Comments = "partly" }, "api.comments", "error.one_of"},
		{"links unknown", func(p *Platform) { p.Links = "some" }, "links", "error.one_of"},
		{"no sources", func(p *Platform) { p.Sources = nil }, "sources", "error.required"},
		{"estimate without why", func(p *Platform) { p.Sources[0].Estimate, p.Sources[0].Why = true, Text{} }, "sources[0].why", "error.required"},
		{"source field unknown", func(p *Platform) { p.Sources[0].Fields = append(p.Sources[0].Fields, "mood") }, "sources[0].fields", "error.one_of"},
		{"source year", func(p *Platform) { p.Sources[0].Year = 1999 }, "sources[0].year", "error.range"},
		{"figure without source", func(p *Platform) { p.Sources[0].Fields = []string{FieldMAU} }, "sources", "error.source_missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := validPlatform("alpha")
			tt.change(&p)
			err := p.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			assertField(t, err, tt.wantField, tt.wantKey)
		})
	}
}

func TestNamesIn(t *testing.T) {
	t.Parallel()
	n := Text{ZhCN: "微博", En: "Weibo"}
	for locale, want := range map[string]string{"zh-CN": "微博", "zh": "微博", "en": "Weibo", "fr": "Weibo", "": "Weibo"} {
		t.Run("locale "+locale, func(t *testing.T) {
			t.Parallel()
			if got := n.In(locale); got != want {
				t.Errorf("In(%q) = %q, want %q", locale, got, want)
			}
		})
	}
}

// validPlatform returns a small platform that passes Validate, for tests
// that change one thing at a time.
func validPlatform(key string) Platform {
	return Platform{
		Key:    key,
		Name:   Text{ZhCN: key, En: key},
		Region: RegionCN,
		Audience: Audience{
			MAUMillions: ptr(100),
			Age:         map[string]float64{"under18": 10, "18-24": 20, "25-34": 30, "35-44": 20, "45-54": 10, "55+": 10},
			Gender:      Gender{Female: 50, Male: 50},
			CityTiers:   map[string]float64{"tier1": 20, "new_tier1": 20, "tier2": 20, "tier3_below": 30, "overseas": 10},
		},
		Formats:        []Format{{Key: "post", Kind: "text", MaxLength: 500, LengthUnit: "chars"}},
		PeakHours:      PeakHours{Timezone: "Asia/Shanghai", Weekday: []int{8, 12, 20}, Weekend: []int{10, 21}},
		EngagementRate: Engagement{Min: 0.01, Max: 0.05, Basis: "impressions"},
		GoodFor:        GoodFor{Sales: 0.5, Voice: 0.5, PR: 0.5, Growth: 0.5, Service: 0.5, Community: 0.5},
		API:            API{Publish: CapOpen, Metrics: CapOpen, Comments: CapOpen, Listening: CapNone},
		Links:          LinksInline,
		Sources:        []Source{{Fields: slices.Clone(SourceFields), Publisher: "Test", Title: Text{En: "Test data"}, Year: 2026, Estimate: true, Why: Text{ZhCN: "测试", En: "test"}}},
	}
}

// assertField fails unless err is apperr.Invalid with an error on field
// (and, when key is set, with that message key).
// assertField checks that err is invalid with key on field; a key of
// "error.json_type:text" also wants that type named.
func assertField(t *testing.T, err error, field, key string) {
	t.Helper()
	key, want, _ := strings.Cut(key, ":")
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("error = %v, want invalid on %s", err, field)
	}
	for _, f := range ae.Fields {
		if f.Field == field && (key == "" || f.Key == key) && (want == "" || f.Args["Want"] == want) {
			return
		}
	}
	t.Fatalf("fields = %+v, want %s %s", ae.Fields, field, key)
}

func TestCatalogName(t *testing.T) {
	t.Parallel()
	c := mustLoad(t)
	tests := []struct {
		key    string
		ok     bool
		zh, en string
	}{
		{"xiaohongshu", true, "小红书", "Xiaohongshu (RED)"},
		{"weibo", true, "微博", "Weibo"},
		{"myspace", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			n, ok := c.Name(tt.key)
			if ok != tt.ok {
				t.Fatalf("Name(%q) ok = %v, want %v", tt.key, ok, tt.ok)
			}
			if !ok {
				return
			}
			if n.In("zh-CN") != tt.zh || n.In("en") != tt.en {
				t.Errorf("Name(%q) = %+v, want %s / %s", tt.key, n, tt.zh, tt.en)
			}
		})
	}
	// Every key has both names, since pages fall back to the key only for
	// keys the catalog does not know.
	for _, k := range c.Keys() {
		if n, ok := c.Name(k); !ok || n.ZhCN == "" || n.En == "" {
			t.Errorf("Name(%q) = %+v, %v; want both names", k, n, ok)
		}
	}
}
