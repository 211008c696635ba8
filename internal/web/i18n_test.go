package web

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/platform"
)

// The i18n tests fail when a key the UI or the domain code uses is missing
// from the catalog, or when the two languages disagree on their keys.

func mustCatalog(t *testing.T) *catalog {
	t.Helper()
	c, err := loadCatalog()
	if err != nil {
		t.Fatalf("loadCatalog: %v", err)
	}
	return c
}

// catalogKeys reads every catalog file of a locale as the flat objects
// they must be, and merges them; a key may live in one area only.
func catalogKeys(t *testing.T, locale string) map[string]string {
	t.Helper()
	files, err := catalogFileNames()
	if err != nil {
		t.Fatal(err)
	}
	merged := map[string]string{}
	owner := map[string]string{}
	for _, f := range files {
		if f.locale != locale {
			continue
		}
		m := areaKeys(t, f.name)
		for k, v := range m {
			if prev, dup := owner[k]; dup {
				t.Errorf("key %q is in both %s and %s", k, prev, f.name)
			}
			owner[k] = f.name
			merged[k] = v
		}
	}
	return merged
}

func areaKeys(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := catalogFiles.ReadFile("i18n/" + name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s is not a flat object: %v", name, err)
	}
	m := make(map[string]string, len(raw))
	for k, v := range raw {
		var text string
		if json.Unmarshal(v, &text) == nil {
			m[k] = text
			continue
		}
		// A message with plural forms: "other", and "one" beside it.
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			t.Fatalf("%s: %q is neither a string nor an object of plural forms: %v", name, k, err)
		}
		for f := range forms {
			if f != "one" && f != "other" {
				t.Errorf("%s: %q has plural form %q; the catalogs use one and other", name, k, f)
			}
		}
		if forms["other"] == "" {
			t.Errorf("%s: %q has plural forms but no other", name, k)
		}
		m[k] = forms["other"]
	}
	return m
}

// TestI18nEveryAreaInEveryLocale: each area's file exists in every locale.
func TestI18nEveryAreaInEveryLocale(t *testing.T) {
	files, err := catalogFileNames()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range files {
		have[f.area+"."+f.locale] = true
	}
	for _, f := range files {
		for _, loc := range Locales {
			if !have[f.area+"."+loc] {
				t.Errorf("%s has no %s.%s.json beside it", f.name, f.area, loc)
			}
		}
	}
}

func TestI18nCatalogsMatch(t *testing.T) {
	c := mustCatalog(t)
	files := map[string]map[string]string{}
	for _, loc := range Locales {
		files[loc] = catalogKeys(t, loc)
		if len(files[loc]) == 0 {
			t.Fatalf("%s.json is empty", loc)
		}
	}
	for _, a := range Locales {
		for _, b := range Locales {
			if a == b {
				continue
			}
			t.Run(a+"_keys_in_"+b, func(t *testing.T) {
				var missing []string
				for k := range files[a] {
					if _, ok := files[b][k]; !ok {
						missing = append(missing, k)
					}
				}
				sort.Strings(missing)
				for _, k := range missing {
					t.Errorf("key %q is in %s.json but not in %s.json", k, a, b)
				}
			})
		}
	}
	// Every message renders in every locale: a broken template makes T fall
	// back to the key, and an empty text shows nothing.
	for _, loc := range Locales {
		t.Run("render_"+loc, func(t *testing.T) {
			for k, text := range files[loc] {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s: %q is empty", loc, k)
					continue
				}
				if got := c.T(loc, k, nil); got == k {
					t.Errorf("%s: %q does not render", loc, k)
				}
			}
		})
	}
}

var templateKeyRE = regexp.MustCompile(`\bT\s+"([^"]+)"`)

func TestI18nTemplateKeys(t *testing.T) {
	c := mustCatalog(t)
	found := 0
	eachTemplate(t, func(path, text string) {
		t.Run(strings.TrimPrefix(path, "templates/"), func(t *testing.T) {
			for _, m := range templateKeyRE.FindAllStringSubmatch(text, -1) {
				found++
				if !c.Has(m[1]) {
					t.Errorf("template key %q is missing", m[1])
				}
			}
		})
	})
	if found == 0 {
		t.Fatal("no T \"key\" calls found in the templates; is the pattern stale?")
	}
}

// eachTemplate calls fn with the path and the text of every page
// template.
func eachTemplate(t *testing.T, fn func(path, text string)) {
	t.Helper()
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := templateFS.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestI18nOneTermEach: a figure has one name in a language across every
// catalog. Effective clicks are 精准有效点击 (METRICS.md), shortened to
// 精准有效 only beside 真人 and 独立 in the links' narrow columns; budget
// lines are 预算明细, and what they have spent is never called media
// (they hold production and moderator fees too). An alert's title names
// its kind as the badge beside it does, and a Latin word in Chinese text
// is spaced from it.
func TestI18nOneTermEach(t *testing.T) {
	for _, tt := range []struct {
		locale, name string
		wrong        *regexp.Regexp
	}{
		{"zh-CN", "effective clicks are 精准有效点击", regexp.MustCompile(`(^|[^准])有效点击`)},
		{"zh-CN", "the short form is 精准有效", regexp.MustCompile(`^有效$|\d}} 有效`)},
		{"zh-CN", "budget lines are 预算明细", regexp.MustCompile(`预算条目`)},
		{"zh-CN", "a volume spike is 声量激增, as its badge says", regexp.MustCompile(`声量突增`)},
		{"zh-CN", "a negative spike is 负面上升, as its badge says", regexp.MustCompile(`负面激增`)},
		{"zh-CN", "budget lines spent is not media", regexp.MustCompile(`媒介`)},
		{"en", "budget lines spent is not media", regexp.MustCompile(`(?i)media (cost|{{)`)},
		{"en", "effective clicks are not precise effective clicks", regexp.MustCompile(`(?i)precise effective`)},
		// A percentage reads as the tables and the typed examples write it,
		// 30%, not 30 % beside them.
		{"en", "a percentage is 30%, not 30 %", regexp.MustCompile(`(\d|}}) %`)},
	} {
		t.Run(tt.locale+" "+tt.name, func(t *testing.T) {
			for k, text := range catalogKeys(t, tt.locale) {
				if tt.wrong.MatchString(text) {
					t.Errorf("%s %q = %q", tt.locale, k, text)
				}
			}
		})
	}
	// A Latin word stands a space apart from the Chinese around it, as
	// everywhere else in the catalog (编辑 KPI 目标, B 站 …); the query
	// language's messages quote what is typed (source:B站) as typed.
	unspaced := regexp.MustCompile(`\p{Han}[A-Za-z]|[A-Za-z]\p{Han}`)
	for k, text := range catalogKeys(t, "zh-CN") {
		if unspaced.MatchString(text) && !strings.HasPrefix(k, "query.") {
			t.Errorf("zh-CN %q = %q: a Latin word touches the Chinese beside it", k, text)
		}
	}
	// The rule editor's help on thresholds names each kind of alert as
	// its badge and the kind select do.
	for _, locale := range Locales {
		keys := catalogKeys(t, locale)
		help := keys["listening.rule.threshold_help"]
		for _, kind := range listen.AlertKinds {
			if label := keys["listening.alert_kind."+kind]; label == "" || !strings.Contains(help, label) {
				t.Errorf("%s threshold help %q does not name %s as %q", locale, help, kind, label)
			}
		}
	}
}

var optionKeyRE = regexp.MustCompile(`<option[^>]*>{{[^}]*\bT\s+"([^"]+)"`)

// TestI18nOptionLabelsCapitalised: an option of a select reads as a label
// in English, capitalised like its neighbours ("All topics", not "all
// topics").
func TestI18nOptionLabelsCapitalised(t *testing.T) {
	en := catalogKeys(t, "en")
	found := 0
	eachTemplate(t, func(path, text string) {
		for _, m := range optionKeyRE.FindAllStringSubmatch(text, -1) {
			found++
			if r := []rune(en[m[1]]); len(r) > 0 && unicode.IsLower(r[0]) {
				t.Errorf("%s: option label %q = %q, want it capitalised", path, m[1], en[m[1]])
			}
		}
	})
	if found == 0 {
		t.Fatal("no option labels found in the templates; is the pattern stale?")
	}
}

// badgeKeyRE finds the label a badge shows: a key, or the prefix of the
// keys it prints one of ({{$.T (print "status." .Status)}}).
var badgeKeyRE = regexp.MustCompile(`class="badge[^"]*"[^>]*>{{[^}]*?\bT (?:\(print )?"([^"]+)"`)

// TestI18nBadgesCapitalised: a badge reads as a label in English,
// capitalised like its neighbours ("Behind", "Missed", "Over-allocated",
// not "over-allocated" beside them).
func TestI18nBadgesCapitalised(t *testing.T) {
	en := catalogKeys(t, "en")
	found := 0
	eachTemplate(t, func(path, text string) {
		for _, m := range badgeKeyRE.FindAllStringSubmatch(text, -1) {
			for k, v := range en {
				if k != m[1] && (!strings.HasSuffix(m[1], ".") || !strings.HasPrefix(k, m[1])) {
					continue
				}
				found++
				if r := []rune(v); len(r) > 0 && unicode.IsLower(r[0]) {
					t.Errorf("%s: badge %q = %q, want it capitalised", path, k, v)
				}
			}
		}
	})
	if found == 0 {
		t.Fatal("no badge labels found in the templates; is the pattern stale?")
	}
}

var codeKeyRE = regexp.MustCompile(`"((?:error|flash|fit\.reason)\.[a-z0-9_.]+)"`)

// codeKeys are the message keys written in the files of internal/ whose
// names end in one of exts, tests left out, with the files using each.
func codeKeys(t *testing.T, exts ...string) map[string][]string {
	t.Helper()
	keys := map[string][]string{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !slices.ContainsFunc(exts, func(ext string) bool { return strings.HasSuffix(path, ext) }) || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range codeKeyRE.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(keys[m[1]], path) {
				keys[m[1]] = append(keys[m[1]], path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("no message keys found in Go code; is the walk rooted right?")
	}
	return keys
}

func TestI18nCodeKeys(t *testing.T) {
	c := mustCatalog(t)
	keys := codeKeys(t, ".go")
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Run(k, func(t *testing.T) {
			if !c.Has(k) {
				t.Errorf("key %q (used in %s) is missing", k, strings.Join(keys[k], ", "))
			}
		})
	}
}

// goCallKeyRE finds a key written whole as the argument of a translating
// call in Go: l.T("key"), s.cat.T(loc, "key", nil), tr.Or("key", v).
var goCallKeyRE = regexp.MustCompile(`\b(?:T|Or|TOr|text|tr)\((?:[A-Za-z_.]+(?:\(\))?,\s*)?"([a-z_]+\.[a-z0-9_.]*[a-z0-9_])"`)

// TestI18nGoCallKeys: a key the Go code translates, written whole, is in
// the catalog (and so in every language: TestI18nCatalogsMatch), not only
// those of errors and flashes (TestI18nCodeKeys) or of templates
// (TestI18nTemplateKeys).
func TestI18nGoCallKeys(t *testing.T) {
	c := mustCatalog(t)
	found := 0
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range goCallKeyRE.FindAllStringSubmatch(string(b), -1) {
			found++
			if !c.Has(m[1]) {
				t.Errorf("%s translates %q, which the catalog lacks", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no translating calls found in Go code; is the pattern stale?")
	}
}

// TestI18nErrorKeysUsed: every error message of the catalogs is one that
// the code or a template shows. A key nothing makes any more goes with its
// texts, as error.time_zone_fraction did when workspaces took time zones
// half an hour from UTC (the command line's hints are no use of a key).
func TestI18nErrorKeysUsed(t *testing.T) {
	used := codeKeys(t, ".go", ".html")
	for _, locale := range Locales {
		for k := range catalogKeys(t, locale) {
			if strings.HasPrefix(k, "error.") && used[k] == nil {
				t.Errorf("%s: %q is in the catalog, but no code or template uses it", locale, k)
			}
		}
	}
}

// dynamicKeyPrefixes are the families of keys built at run time from values
// that are data, not a closed set the tests can list (audit actions, the
// platforms' format keys, the notifiers' error codes…): a key under one
// of them counts as used. Keep it short: a key a page writes whole must be
// found whole, so that it goes once nothing shows it. Each prefix is
// checked to be built: written whole in the code, or as a written prefix
// and a written word ("hint." + "campaign").
var dynamicKeyPrefixes = []string{
	"account.field.", "alert.", "audit.action.", "audit.object.", "audit.verb.", "budget_kind.",
	"fit.reason.audience_age", "fit.reason.audience_city", "fit.reason.reach",
	"listening.alert_kind.", "listening.lang.", "listening.topic_kind.", "metric.", "notify.error.", "notify.hint.",
	"platform.basis.", "platform.field.", "platform.format_key.", "platform.format_kind.", "platform.unit.",
	"settings.currency.", "settings.zone.",
	"sources.about.", "sources.field.", "sources.hint.", "sources.import.field.", "sources.kind.", "sources.status.",
	"status.", "strategy.form.", "strategy.item.", "strategy.pace.", "template.phase.", "tier.",
	"tracking.by_", "tracking.class.", "tracking.col_", "tracking.device.", "tracking.dim.", "tracking.field.", "tracking.geo.",
	"tracking.hint.", "tracking.model.", "tracking.period.", "tracking.state.",
	// The strategy forms' labels and hints: field.<kind>.<name>.
	"field.budget_line.", "field.campaign.", "field.hours.", "field.mix.", "field.phase.", "field.pillar.", "field.target.",
	"hint.budget_line.", "hint.campaign.", "hint.target.",
}

var sourceTokenRE = regexp.MustCompile("[\"'`]([A-Za-z0-9_.\\-/+]+)[\"'`]")

// sourceTokens are the quoted words of the Go code, the templates and the
// scripts that ship, tests and vendored scripts left out.
func sourceTokens(t *testing.T) map[string]bool {
	t.Helper()
	tokens := map[string]bool{}
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "vendor", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, "_test.go") || !slices.ContainsFunc([]string{".go", ".html", ".js"}, func(ext string) bool { return strings.HasSuffix(path, ext) }) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range sourceTokenRE.FindAllStringSubmatch(string(b), -1) {
			tokens[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !tokens["nav.settings"] || !tokens["error.required"] {
		t.Fatal("the walk found neither a template's key nor the code's; is it rooted right?")
	}
	return tokens
}

// TestI18nKeysUsed: every key of the catalogs is one that the code, a
// template or a script shows, written whole, built from a closed set
// (dynamicKeys, and the forms' hints), or under one of the few
// dynamicKeyPrefixes. A key nothing shows any more goes with its texts,
// as the setup form's and the settings form's typed time zone and
// currency hints did when both became pickers.
func TestI18nKeysUsed(t *testing.T) {
	tokens := sourceTokens(t)
	built := map[string]bool{}
	for _, f := range dynamicKeys() {
		for _, k := range f.keys {
			built[k] = true
		}
	}
	for _, f := range allForms() {
		for _, fl := range f.Fields {
			built["hint."+f.Kind+"."+fl.Name] = true
		}
	}
	keys := map[string]map[string]string{}
	for _, locale := range Locales {
		keys[locale] = catalogKeys(t, locale)
	}
	for _, p := range dynamicKeyPrefixes {
		built := tokens[p]
		for i := 0; !built && i < len(p)-1; i++ {
			built = p[i] == '.' && tokens[p[:i+1]] && tokens[strings.TrimSuffix(p[i+1:], ".")]
		}
		if !built {
			t.Errorf("no code builds keys under %q; drop it from dynamicKeyPrefixes", p)
		}
		if !slices.ContainsFunc(slices.Collect(maps.Keys(keys[Locales[0]])), func(k string) bool { return strings.HasPrefix(k, p) }) {
			t.Errorf("no key of the catalog is under %q; drop it from dynamicKeyPrefixes", p)
		}
	}
	for _, locale := range Locales {
		var unused []string
		for k := range keys[locale] {
			if !tokens[k] && !built[k] && !slices.ContainsFunc(dynamicKeyPrefixes, func(p string) bool { return strings.HasPrefix(k, p) }) {
				unused = append(unused, k)
			}
		}
		sort.Strings(unused)
		for _, k := range unused {
			t.Errorf("%s: %q is in the catalog, but no code, template or script shows it", locale, k)
		}
	}
}

// formKind is one form as the templates label it: field.<Kind>.<name>.
type formKind struct {
	Kind   string
	Fields []field
}

func allForms() []formKind {
	forms := []formKind{}
	for _, k := range []brandKind{productKind, personaKind, competitorKind, teamKind, amplifierKind} {
		fs := slices.Clone(k.Fields)
		// List pages label their columns with the same keys.
		for _, col := range k.Columns {
			fs = append(fs, field{Name: col})
		}
		forms = append(forms, formKind{k.Kind, fs})
	}
	for _, d := range (&Server{}).brandDocs() {
		forms = append(forms, formKind{d.Path, d.Fields})
	}
	forms = append(forms,
		formKind{"profile", profileFields},
		formKind{"budget", budgetFields},
		formKind{"setup", setupFields},
		formKind{"workspace", workspaceFields},
		formKind{"login", []field{{Name: "email"}, {Name: "password"}}},
	)
	return forms
}

// keyFamily is a family of keys the code builds from a closed set of
// values: each key is shown.
type keyFamily struct {
	name string
	keys []string
}

// dynamicKeys are the keys built from the closed sets the code holds:
// the nav's sections, the forms' labels, the options of selects, roles…
func dynamicKeys() []keyFamily {
	family := func(prefix string, values ...string) []string {
		out := make([]string, 0, len(values))
		for _, v := range values {
			if v == "" { // an empty option shows as a dash, not a label
				continue
			}
			out = append(out, prefix+v)
		}
		return out
	}
	sections := append([]string{"brand", "platforms"}, comingSections...)
	var fieldKeys, optionKeys []string
	for _, f := range allForms() {
		for _, fl := range f.Fields {
			fieldKeys = append(fieldKeys, "field."+f.Kind+"."+fl.Name)
			if fl.OptionPrefix != "" {
				optionKeys = append(optionKeys, family(fl.OptionPrefix, fl.Options...)...)
			}
		}
	}
	var kinds []string
	for _, k := range []brandKind{productKind, personaKind, competitorKind, teamKind, amplifierKind} {
		kinds = append(kinds, "kind."+k.Path)
	}
	var docs, itemKeys []string
	for _, k := range []brandKind{productKind, personaKind, competitorKind, teamKind, amplifierKind} {
		itemKeys = append(itemKeys, "brand.empty."+k.Path, "brand.new."+k.Path, "brand.edit."+k.Path)
	}
	for _, d := range (&Server{}).brandDocs() {
		docs = append(docs, "brand."+d.Path)
	}
	var roles, caps []string
	for _, r := range account.Roles {
		roles = append(roles, string(r))
	}
	for _, l := range platform.CapabilityLevels {
		caps = append(caps, string(l))
	}
	components := []string{platform.ComponentAudience, platform.ComponentUsage, platform.ComponentObjective, platform.ComponentCapability, platform.ComponentPerformance}
	// The components a real fit lists, so a new one cannot slip by.
	if cat, err := platform.Load(); err == nil {
		if fits, err := platform.Rank(cat.Platforms(), brand.Persona{}, platform.Objectives[0], nil); err == nil && len(fits) > 0 {
			for _, comp := range fits[0].Components {
				components = append(components, comp.Name)
			}
		}
	}

	pickers := []string{"field.workspace.time_zone", "field.workspace.currency"}
	for _, name := range []string{"time_zone", "currency"} {
		pickers = append(pickers, family("settings.picker."+name+".", "other", "other_input", "placeholder", "hint")...)
	}
	return []keyFamily{
		{"nav", append(family("nav.", sections...), "nav.settings", "nav.logout", "nav.coming", "nav.label")},
		{"coming", family("coming.", comingSections...)},
		{"lang", family("lang.", Locales...)},
		{"fields", fieldKeys},
		{"field_options", optionKeys},
		{"kinds", kinds},
		{"brand_docs", docs},
		{"brand_item_lists_and_forms", itemKeys},
		{"age_bands", family("option.age_band.", brand.AgeBands...)},
		{"city_tiers", family("option.city_tier.", brand.CityTiers...)},
		{"amplifier_kinds", family("option.amplifier.", brand.AmplifierKinds...)},
		{"price_units", family("option.price_unit.", brand.PriceUnits...)},
		{"roles", family("role.", roles...)},
		{"objectives", family("objective.", append(slices.Clone(platform.Objectives), "community")...)},
		{"capabilities", family("cap.", caps...)},
		{"regions", family("region.", platform.Regions...)},
		{"fit_components", family("fit.component.", components...)},
		{"kpi_pace", family("strategy.pace.", "on_track", "behind")},
		{"pickers", pickers},
	}
}

func TestI18nDynamicKeys(t *testing.T) {
	c := mustCatalog(t)
	tests := dynamicKeys()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.keys) == 0 && tt.name != "coming" { // every section may be built
				t.Fatal("no keys in this family")
			}
			for _, k := range tt.keys {
				if !c.Has(k) {
					t.Errorf("key %q is missing", k)
				}
			}
		})
	}
}

func TestI18nTemplateArgs(t *testing.T) {
	c := mustCatalog(t)
	tests := []struct {
		name, locale, key string
		args              map[string]any
		want              []string
	}{
		{"too_long_en", "en", "error.too_long", map[string]any{"Max": 5}, []string{"5"}},
		{"too_long_zh", "zh-CN", "error.too_long", map[string]any{"Max": 5}, []string{"5"}},
		{"one_of", "en", "error.one_of", map[string]any{"Value": "x", "Allowed": "a, b"}, []string{"x", "a, b"}},
		{"sum_100", "zh-CN", "error.sum_100", map[string]any{"Sum": 90.5}, []string{"90.5"}},
		{"login_throttled", "en", "error.login_throttled", map[string]any{"Minutes": 15}, []string{"15"}},
		{"unknown_platform", "zh-CN", "error.unknown_platform", map[string]any{"Value": "myspace"}, []string{"myspace"}},
		{"not_found_en", "en", "error.not_found", map[string]any{"Kind": "workspace"}, []string{"Workspace"}},
		{"not_found_zh", "zh-CN", "error.not_found", map[string]any{"Kind": "persona"}, []string{"目标人群"}},
		{"not_found_unknown_kind", "en", "error.not_found", map[string]any{"Kind": "gizmo"}, []string{"Item not found."}},
		{"not_found_alert_rule_en", "en", "error.not_found", map[string]any{"Kind": "alert_rule"}, []string{"Alert rule not found."}},
		{"not_found_link_zh", "zh-CN", "error.not_found", map[string]any{"Kind": "link"}, []string{"找不到该链接。"}},
		{"json_type_datetime_zh", "zh-CN", "error.json_type", map[string]any{"Want": "datetime"}, []string{"日期时间", "2026-03-01T08:00:00Z"}},
		{"json_type_integer_en", "en", "error.json_type", map[string]any{"Want": "integer"}, []string{"a whole number"}},
		{"json_syntax_en", "en", "error.json_syntax", map[string]any{"Offset": 12}, []string{"12"}},
		{"platforms_intro", "en", "platforms.intro", map[string]any{"Version": "2025.1"}, []string{"2025.1"}},
		{"reason_objective_zh", "zh-CN", "fit.reason.objective", map[string]any{"Objective": "sales", "Score": 0.8}, []string{"销售转化", "0.8"}},
		{"reason_capability_en", "en", "fit.reason.capability_limited", map[string]any{"Feature": "publish", "Level": "enterprise"}, []string{"publishing", "enterprise only"}},
		{"json_type_list_zh", "zh-CN", "error.json_type", map[string]any{"Want": "list"}, []string{"列表"}},
		{"large amounts without an exponent", "zh-CN", "warning.campaign.committed_over_budget", map[string]any{"Committed": 1600000.0, "Budget": 1500000.5}, []string{"1,600,000", "1,500,000.5"}},
		{"plural_one_en", "en", "sources.failures", map[string]any{"Count": 1}, []string{"1 failure"}},
		{"plural_other_en", "en", "sources.failures", map[string]any{"Count": 3}, []string{"3 failures"}},
		{"plural_int64_en", "en", "listening.followers", map[string]any{"Count": int64(1)}, []string{"1 follower"}},
		{"plural_zh", "zh-CN", "sources.failures", map[string]any{"Count": 1}, []string{"连续失败 1 次"}},
		{"plural_title_en", "en", "alert.crisis_word.title", map[string]any{"Count": 1}, []string{"1 new mention with"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.T(tt.locale, tt.key, tt.args)
			if got == tt.key {
				t.Fatalf("T(%q) is missing", tt.key)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("T(%s, %q) = %q, want it to contain %q", tt.locale, tt.key, got, w)
				}
			}
			if strings.Contains(got, "<no value>") {
				t.Errorf("T(%s, %q) = %q: an argument name does not match", tt.locale, tt.key, got)
			}
		})
	}
}

// TestI18nFitReasons translates the reasons of real fit scores, so that a
// reason key or argument name the code passes and the catalog lacks shows.
func TestI18nFitReasons(t *testing.T) {
	c := mustCatalog(t)
	cat, err := platform.Load()
	if err != nil {
		t.Fatalf("platform catalog: %v", err)
	}
	ps := cat.Platforms()
	full := brand.Persona{
		Name: "p", AgeBands: []string{"18-24", "25-34"}, CityTiers: []string{"tier1", "new_tier1"},
		Gender:    brand.GenderSplit{Female: 70, Male: 30},
		Platforms: []brand.PlatformShare{{Platform: ps[0].Key, Share: 60}},
	}
	perf := map[string]float64{ps[0].Key: 55}
	seen := map[string]bool{}
	for _, persona := range []brand.Persona{full, {Name: "empty"}} {
		for _, obj := range platform.Objectives {
			fits, err := platform.Rank(ps, persona, obj, perf)
			if err != nil {
				t.Fatalf("Rank(%s, %s): %v", persona.Name, obj, err)
			}
			for _, f := range fits {
				for _, r := range f.Reasons {
					for _, loc := range Locales {
						got := c.T(loc, r.Key, r.Args)
						id := loc + "/" + r.Key
						if seen[id] && got != r.Key && !strings.Contains(got, "<no value>") {
							continue
						}
						seen[id] = true
						t.Run(id, func(t *testing.T) {
							if got == r.Key {
								t.Fatalf("reason %q is missing or does not render", r.Key)
							}
							if strings.Contains(got, "<no value>") || strings.Contains(got, "{{") {
								t.Errorf("reason %q with %v renders %q", r.Key, r.Args, got)
							}
						})
					}
				}
			}
		}
	}
}

// TestCountReadsWithSeparators: the count a message's plural form follows
// is written with thousands separators, as the figures beside it are;
// other whole numbers, ids among them, are written as they are.
func TestCountReadsWithSeparators(t *testing.T) {
	c := mustCatalog(t)
	for _, tc := range []struct {
		name, locale, key string
		args              map[string]any
		want              string
	}{
		{"int64 count", "en", "tracking.delete_confirm", map[string]any{"Count": int64(3878)}, "Its 3,878 recorded clicks are deleted"},
		{"one keeps its form", "en", "tracking.delete_confirm", map[string]any{"Count": int64(1)}, "Its 1 recorded click is deleted"},
		{"int count", "zh-CN", "tracking.delete_confirm", map[string]any{"Count": 1234567}, "它的 1,234,567 次点击记录"},
		{"id as it is", "en", "tracking.deleted_campaign", map[string]any{"ID": int64(12345)}, "Deleted campaign #12345"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.T(tc.locale, tc.key, tc.args); !strings.Contains(got, tc.want) {
				t.Errorf("T(%s, %s, %v) = %q; want it to contain %q", tc.locale, tc.key, tc.args, got, tc.want)
			}
		})
	}
}
