package platform

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

var (
	youngUrbanWomen = brand.Persona{
		Name:      "young urban women",
		AgeBands:  []string{"18-24", "25-34"},
		Gender:    brand.GenderSplit{Female: 100},
		CityTiers: []string{"tier1"},
		Platforms: []brand.PlatformShare{{Platform: "xiaohongshu", Share: 50}, {Platform: "douyin", Share: 25}, {Platform: "wechat_oa", Share: 15}},
	}
	olderMen = brand.Persona{
		Name:      "older men in smaller cities",
		AgeBands:  []string{"45-54", "55+"},
		Gender:    brand.GenderSplit{Male: 100},
		CityTiers: []string{"tier2", "tier3_below"},
		Platforms: []brand.PlatformShare{{Platform: "toutiao", Share: 40}, {Platform: "wechat_channels", Share: 40}},
	}
	overseasProfessionals = brand.Persona{
		Name:      "overseas professionals",
		AgeBands:  []string{"25-34", "35-44"},
		Gender:    brand.GenderSplit{Female: 50, Male: 50},
		CityTiers: []string{"overseas"},
		Platforms: []brand.PlatformShare{{Platform: "linkedin", Share: 40}, {Platform: "x", Share: 30}},
	}
)

func rankOf(fits []Fit, key string) int {
	return slices.IndexFunc(fits, func(f Fit) bool { return f.Platform == key })
}

func TestRank(t *testing.T) {
	t.Parallel()
	platforms := mustLoad(t).Platforms()
	tests := []struct {
		name      string
		persona   brand.Persona
		objective string
		above     [][2]string // each pair: first must rank above second
		first     []string    // the first platform must be one of these
		notFirst  string
	}{
		{
			name: "young urban women on xiaohongshu, sales", persona: youngUrbanWomen, objective: ObjectiveSales,
			above: [][2]string{{"xiaohongshu", "linkedin"}, {"xiaohongshu", "toutiao"}, {"douyin", "tieba"}},
			first: []string{"xiaohongshu"},
		},
		{
			name: "older men in smaller cities, voice", persona: olderMen, objective: ObjectiveVoice,
			above:    [][2]string{{"toutiao", "xiaohongshu"}, {"wechat_channels", "bilibili"}, {"toutiao", "linkedin"}},
			first:    []string{"toutiao", "wechat_channels"},
			notFirst: "xiaohongshu",
		},
		{
			name: "overseas professionals, pr", persona: overseasProfessionals, objective: ObjectivePR,
			above: [][2]string{{"linkedin", "weibo"}, {"x", "douyin"}, {"linkedin", "tiktok"}},
			first: []string{"linkedin", "x"},
		},
		{
			name: "empty persona, service", persona: brand.Persona{}, objective: ObjectiveService,
			above: [][2]string{{"mastodon", "xiaohongshu"}, {"weibo", "kuaishou"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fits, err := Rank(platforms, tt.persona, tt.objective, nil)
			if err != nil {
				t.Fatalf("Rank: %v", err)
			}
			if len(fits) != len(platforms) {
				t.Fatalf("%d fits, want %d", len(fits), len(platforms))
			}
			for _, pair := range tt.above {
				if a, b := rankOf(fits, pair[0]), rankOf(fits, pair[1]); a > b {
					t.Errorf("%s (#%d, %v) ranks below %s (#%d, %v)", pair[0], a+1, fits[a].Score, pair[1], b+1, fits[b].Score)
				}
			}
			if len(tt.first) > 0 && !slices.Contains(tt.first, fits[0].Platform) {
				t.Errorf("first = %s (%v), want one of %v", fits[0].Platform, fits[0].Score, tt.first)
			}
			if tt.notFirst != "" && fits[0].Platform == tt.notFirst {
				t.Errorf("first = %s, want another", tt.notFirst)
			}
			checkFits(t, fits)
		})
	}
}

// checkFits checks what must hold for every ranking: bounds, order, weights,
// the empty performance slot.
func checkFits(t *testing.T, fits []Fit) {
	t.Helper()
	names := []string{ComponentAudience, ComponentUsage, ComponentObjective, ComponentCapability, ComponentPerformance}
	for i, f := range fits {
		if f.Score < 0 || f.Score > 100 {
			t.Errorf("%s score %v outside 0–100", f.Platform, f.Score)
		}
		if i > 0 && (fits[i-1].Score < f.Score || fits[i-1].Score == f.Score && fits[i-1].Platform > f.Platform) {
			t.Errorf("%s (%v) before %s (%v): not score desc, key asc", fits[i-1].Platform, fits[i-1].Score, f.Platform, f.Score)
		}
		var effective, weighted float64
		for j, c := range f.Components {
			if c.Name != names[j] {
				t.Errorf("%s component %d = %s, want %s", f.Platform, j, c.Name, names[j])
			}
			if c.Score == nil {
				if c.Effective != 0 {
					t.Errorf("%s %s: absent but effective weight %v", f.Platform, c.Name, c.Effective)
				}
				continue
			}
			if *c.Score < 0 || *c.Score > 100 {
				t.Errorf("%s %s = %v outside 0–100", f.Platform, c.Name, *c.Score)
			}
			effective += c.Effective
			weighted += c.Effective * *c.Score
		}
		if math.Abs(effective-1) > 0.01 {
			t.Errorf("%s effective weights sum to %v", f.Platform, effective)
		}
		if f.Reach < 0 || f.Reach > 1 {
			t.Errorf("%s reach %v outside 0–1", f.Platform, f.Reach)
		}
		if math.Abs(weighted*f.Reach-f.Score) > 0.5 {
			t.Errorf("%s score %v, but components give %v × reach %v", f.Platform, f.Score, weighted, f.Reach)
		}
		if cut := slices.ContainsFunc(f.Reasons, func(r Reason) bool { return strings.HasPrefix(r.Key, "fit.reason.reach") }); cut != (f.Reach < 1) {
			t.Errorf("%s reach %v, but reach reason present = %v", f.Platform, f.Reach, cut)
		}
		if perf := f.Components[4]; perf.Score != nil || perf.Weight != WeightPerformance {
			t.Errorf("%s performance = %+v, want absent with weight %v", f.Platform, perf, WeightPerformance)
		}
		if len(f.Reasons) == 0 {
			t.Errorf("%s has no reasons", f.Platform)
		}
	}
}

func TestRankAllObjectivesDeterministic(t *testing.T) {
	t.Parallel()
	platforms := mustLoad(t).Platforms()
	for _, objective := range Objectives {
		for _, persona := range []brand.Persona{{}, youngUrbanWomen, olderMen, overseasProfessionals} {
			t.Run(objective+"/"+persona.Name, func(t *testing.T) {
				t.Parallel()
				a, err := Rank(platforms, persona, objective, nil)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := Rank(slices.Clone(platforms), persona, objective, nil)
				if !reflect.DeepEqual(a, b) {
					t.Errorf("two rankings differ")
				}
				checkFits(t, a)
			})
		}
	}
}

// TestRankFormula pins the formula on a platform computed by hand.
func TestRankFormula(t *testing.T) {
	t.Parallel()
	p := validPlatform("alpha")
	p.Audience.Age = map[string]float64{"under18": 0, "18-24": 40, "25-34": 30, "35-44": 20, "45-54": 10, "55+": 0}
	p.Audience.Gender = Gender{Female: 60, Male: 40}
	p.Audience.CityTiers = map[string]float64{"tier1": 30, "new_tier1": 30, "tier2": 20, "tier3_below": 20, "overseas": 0}
	p.GoodFor.Sales = 0.8
	p.API = API{Publish: CapOpen, Metrics: CapNone, Comments: CapOpen, Listening: CapNone}
	p.Links = LinksInline
	persona := brand.Persona{
		AgeBands:  []string{"18-24"},
		Gender:    brand.GenderSplit{Female: 100},
		CityTiers: []string{"tier1"},
		Platforms: []brand.PlatformShare{{Platform: "alpha", Share: 50}, {Platform: "beta", Share: 100}, {Platform: "gone", Share: 100}},
	}
	beta := validPlatform("beta")

	tests := []struct {
		name        string
		performance map[string]float64
		want        map[string]float64 // component name → score; missing = absent
		wantScore   float64
		wantEff     map[string]float64
	}{
		{
			name: "performance not measured",
			// audience = 0.40×40 + 0.25×60 + 0.35×30 = 41.5; usage = 100×50/100;
			// capability = 0.4×links 1 + 0.3×publish 1 + 0.3×metrics 0 = 70;
			// score = 0.35×41.5 + 0.25×50 + 0.25×80 + 0.15×70 = 57.525
			want:      map[string]float64{ComponentAudience: 41.5, ComponentUsage: 50, ComponentObjective: 80, ComponentCapability: 70},
			wantScore: 57.5,
			wantEff:   map[string]float64{ComponentAudience: 0.35, ComponentUsage: 0.25, ComponentObjective: 0.25, ComponentCapability: 0.15},
		},
		{
			name:        "performance measured joins without changing the other weights",
			performance: map[string]float64{"alpha": 90},
			want:        map[string]float64{ComponentAudience: 41.5, ComponentUsage: 50, ComponentObjective: 80, ComponentCapability: 70, ComponentPerformance: 90},
			// (57.525 + 0.35×90) / 1.35 = 65.944…
			wantScore: 65.9,
			wantEff:   map[string]float64{ComponentAudience: 0.259, ComponentUsage: 0.185, ComponentObjective: 0.185, ComponentCapability: 0.111, ComponentPerformance: 0.259},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fits, err := Rank([]Platform{p, beta}, persona, ObjectiveSales, tt.performance)
			if err != nil {
				t.Fatal(err)
			}
			f := fits[rankOf(fits, "alpha")]
			if f.Score != tt.wantScore {
				t.Errorf("score = %v, want %v", f.Score, tt.wantScore)
			}
			for _, c := range f.Components {
				want, present := tt.want[c.Name]
				switch {
				case !present && c.Score != nil:
					t.Errorf("%s = %v, want absent", c.Name, *c.Score)
				case present && (c.Score == nil || *c.Score != want):
					t.Errorf("%s = %v, want %v", c.Name, c.Score, want)
				}
				if c.Effective != tt.wantEff[c.Name] {
					t.Errorf("%s effective weight = %v, want %v", c.Name, c.Effective, tt.wantEff[c.Name])
				}
			}
			wantReasons := []string{"fit.reason.audience_age", "fit.reason.audience_gender", "fit.reason.audience_city", "fit.reason.usage", "fit.reason.objective", "fit.reason.capability_limited"}
			for _, k := range wantReasons {
				if !slices.ContainsFunc(f.Reasons, func(r Reason) bool { return r.Key == k }) {
					t.Errorf("reasons %+v lack %s", f.Reasons, k)
				}
			}
			age := f.Reasons[0]
			if age.Args["Share"] != 40.0 || age.Args["Bands"] != "18-24" {
				t.Errorf("age reason args = %v", age.Args)
			}
		})
	}
}

func TestRankEmptyPersona(t *testing.T) {
	t.Parallel()
	fits, err := Rank(mustLoad(t).Platforms(), brand.Persona{}, ObjectiveGrowth, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fits {
		if f.Components[0].Score != nil || f.Components[1].Score != nil {
			t.Fatalf("%s: audience %v usage %v, want both absent", f.Platform, f.Components[0].Score, f.Components[1].Score)
		}
		if f.Components[2].Effective != 0.625 || f.Components[3].Effective != 0.375 {
			t.Errorf("%s: effective weights %v / %v, want 0.625 / 0.375", f.Platform, f.Components[2].Effective, f.Components[3].Effective)
		}
		if f.Reasons[0].Key != "fit.reason.audience_unknown" || f.Reasons[1].Key != "fit.reason.usage_unknown" {
			t.Errorf("%s reasons start %v", f.Platform, f.Reasons[:2])
		}
	}
}

func TestRankTiesByKey(t *testing.T) {
	t.Parallel()
	fits, err := Rank([]Platform{validPlatform("charlie"), validPlatform("alpha"), validPlatform("bravo")}, brand.Persona{}, ObjectiveVoice, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{fits[0].Platform, fits[1].Platform, fits[2].Platform}
	if want := []string{"alpha", "bravo", "charlie"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestRankInvalid(t *testing.T) {
	t.Parallel()
	platforms := mustLoad(t).Platforms()
	tests := []struct {
		name      string
		persona   brand.Persona
		objective string
		wantField string
	}{
		{"unknown objective", brand.Persona{}, "fame", "objective"},
		{"community is not an objective", brand.Persona{}, "community", "objective"},
		{"empty objective", brand.Persona{}, "", "objective"},
		{"unknown age band", brand.Persona{AgeBands: []string{"18-29"}}, ObjectiveSales, "persona.age_bands"},
		{"unknown city tier", brand.Persona{CityTiers: []string{"tier0"}}, ObjectiveSales, "persona.city_tiers"},
		{"negative gender", brand.Persona{Gender: brand.GenderSplit{Female: -1}}, ObjectiveSales, "persona.gender"},
		{"share above 100", brand.Persona{Platforms: []brand.PlatformShare{{Platform: "weibo", Share: 120}}}, ObjectiveSales, "persona.platforms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Rank(platforms, tt.persona, tt.objective, nil)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("error = %v, want invalid", err)
			}
			assertField(t, err, tt.wantField, "")
		})
	}
}

// TestRankReach: a platform with almost none of its users in the persona's
// city tiers cannot reach the persona, so it ranks below every domestic
// platform the persona could be reached on, and the other way round for
// a persona abroad; a persona without city tiers cuts nothing.
func TestRankReach(t *testing.T) {
	t.Parallel()
	platforms := mustLoad(t).Platforms()
	officeWorker := brand.Persona{AgeBands: []string{"25-34"}, Gender: brand.GenderSplit{Female: 85, Male: 15}, CityTiers: []string{"tier1", "new_tier1"},
		Platforms: []brand.PlatformShare{{Platform: "xiaohongshu", Share: 45}, {Platform: "douyin", Share: 30}, {Platform: "wechat_channels", Share: 10}}}
	noTiers := officeWorker
	noTiers.CityTiers = nil
	for _, tt := range []struct {
		name           string
		persona        brand.Persona
		reached, apart []string // every reached one ranks above every apart one
	}{
		{"Shanghai office worker", officeWorker, []string{"wechat_oa", "wechat_channels", "weibo", "bilibili"}, []string{"instagram", "tiktok", "youtube", "facebook", "x"}},
		{"overseas professionals", overseasProfessionals, []string{"linkedin", "x", "youtube"}, []string{"weibo", "douyin", "wechat_oa"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fits, err := Rank(platforms, tt.persona, ObjectiveSales, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkFits(t, fits)
			for _, r := range tt.reached {
				for _, a := range tt.apart {
					if rankOf(fits, r) > rankOf(fits, a) {
						t.Errorf("%s ranks below %s", r, a)
					}
				}
				if f := fits[rankOf(fits, r)]; f.Reach != 1 {
					t.Errorf("%s reach %v, want 1", r, f.Reach)
				}
			}
			for _, a := range tt.apart {
				if f := fits[rankOf(fits, a)]; f.Reach >= 1 {
					t.Errorf("%s reach %v, want cut", a, f.Reach)
				}
			}
		})
	}
	fits, err := Rank(platforms, noTiers, ObjectiveSales, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fits {
		if f.Reach != 1 {
			t.Errorf("without city tiers, %s reach %v; want 1", f.Platform, f.Reach)
		}
	}
}

// TestShareReasonsAtZero: a share of a platform's users that shows as 0
// (the catalog's shares are rounded estimates) is told as "almost none",
// by a reason key of its own, never as "only 0%"; a share above 0 keeps
// the reason that names it.
func TestShareReasonsAtZero(t *testing.T) {
	t.Parallel()
	platforms := mustLoad(t).Platforms()
	for _, tt := range []struct {
		name    string
		persona brand.Persona
	}{
		{"lower-tier cities", brand.Persona{AgeBands: []string{"25-34"}, CityTiers: []string{"tier2", "tier3_below"}}},
		{"overseas", overseasProfessionals},
		{"Shanghai", brand.Persona{CityTiers: []string{"tier1"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fits, err := Rank(platforms, tt.persona, ObjectiveSales, nil)
			if err != nil {
				t.Fatal(err)
			}
			var zeros int
			for _, f := range fits {
				for _, r := range f.Reasons {
					share, ok := r.Args["Share"].(float64)
					if !ok || !strings.HasPrefix(r.Key, "fit.reason.reach") && !strings.HasPrefix(r.Key, "fit.reason.audience_") {
						continue
					}
					none := strings.HasSuffix(r.Key, "_none")
					if zero := share == 0; zero != none {
						t.Errorf("%s: reason %s with share %v", f.Platform, r.Key, share)
					}
					if none {
						zeros++
					}
				}
			}
			if tt.name == "lower-tier cities" && zeros == 0 {
				t.Errorf("no platform with none of its users in tier 2 and below; the case proves nothing")
			}
		})
	}
}
