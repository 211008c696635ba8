package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestBrandListFigures: number columns of a brand list read as figures do
// on the other pages, with thousands separated, not as typed in a form.
func TestBrandListFigures(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	_, err := h.brand.Amplifiers.Create(context.Background(), owner.ws.ID, brand.Amplifier{Name: "阿May", Kind: "kol", Platform: "xiaohongshu", Reach: 280000, Price: 8000.5})
	must(t, err)
	b := h.signedIn(owner)
	_, body := b.get("/w/acme/brand/amplifiers")
	for _, want := range []string{">280,000</td>", ">8,000.5</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("amplifier list lacks %q: %s", want, between(body, "<tbody>", "</tbody>"))
		}
	}
}

// TestBrandMoneyNamesItsCurrency: an amplifier's price and a team
// member's hourly cost are in the budget's currency, which each amount
// does not record, so their forms and the amplifiers' list name it beside
// the label: the workspace's until a budget is saved, then the budget's.
// Before, they showed a bare 8,000.
func TestBrandMoneyNamesItsCurrency(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	amp, err := h.brand.Amplifiers.Create(ctx, owner.ws.ID, brand.Amplifier{Name: "阿May", Kind: "kol", Price: 8000})
	must(t, err)
	b := h.signedIn(owner)
	// where is each page's part that must name the currency.
	where := map[string][2]string{
		"/w/acme/brand/amplifiers":                         {"<thead>", "</thead>"},
		fmt.Sprintf("/w/acme/brand/amplifiers/%d", amp.ID): {`<label for="f-price">`, "</label>"},
		"/w/acme/brand/team/new":                           {`<label for="f-hourly_cost">`, "</label>"},
	}
	for _, c := range []struct {
		budget, lang, want string // budget "": none saved
	}{
		{"", "en", " (" + owner.ws.Currency + ")"},
		{"USD", "en", " (USD)"},
		{"USD", "zh-CN", "（USD）"},
	} {
		if c.budget != "" {
			_, err := h.brand.SaveBudget(ctx, owner.ws.ID, brand.Budget{Currency: c.budget, Revision: brand.Revision{Version: brand.Digest(nil)}})
			if err != nil && !apperr.Is(err, apperr.Conflict) {
				t.Fatal(err)
			}
		}
		b.get("/w/acme/brand")
		if status, _, _ := b.post("/lang", url.Values{"lang": {c.lang}, "next": {"/w/acme"}}); status != http.StatusSeeOther {
			t.Fatalf("language %s: status %d", c.lang, status)
		}
		for path, at := range where {
			_, body := b.get(path)
			if got := between(body, at[0], at[1]); !strings.Contains(got, c.want) {
				t.Errorf("budget %q, %s, %s: the amount's label does not read %q: %s", c.budget, c.lang, path, c.want, got)
			}
		}
		if _, body := b.get("/w/acme/brand/competitors/new"); strings.Contains(body, c.want) {
			t.Errorf("%s: a form without money names a currency", c.lang)
		}
	}
}

// TestBrandOverviewMoneyKeepsCents: the overview's monthly budget and
// the team's cost a week read to the cent, as the campaign plan's hours
// table and every other amount do (1,130.25 CNY), not rounded to the
// yuan (1,130 CNY) where the plan shows the same cost with its cents.
func TestBrandOverviewMoneyKeepsCents(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	_, err := h.brand.SaveBudget(ctx, owner.ws.ID, brand.Budget{Monthly: 12345.5, Currency: "CNY", HourlyCost: 100})
	must(t, err)
	_, err = h.brand.Team.Create(ctx, owner.ws.ID, brand.TeamMember{Name: "Li", WeeklyHours: 7.5, HourlyCost: 150.7})
	must(t, err)
	b := h.signedIn(owner)
	_, body := b.get("/w/acme/brand")
	for _, want := range []string{"<strong>12,345.5 CNY</strong>", "<strong>1,130.25 CNY</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("brand overview lacks %q: %s", want, between(body, `id="resources"`, "</section>"))
		}
	}
}

// TestListsStackOnPhone: the brand's lists (the overview's personas and
// each collection) and the campaign list turn into a block per row on a
// phone, each value after its column's name, rather than a table scrolled
// sideways whose reach, prices, dates and budgets sit off screen.
func TestListsStackOnPhone(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	seed(t, h, owner.ws.ID)
	b := h.signedIn(owner)
	for _, tt := range []struct{ path, table string }{
		{"/w/acme/brand", "persona-table"},
		{"/w/acme/brand/products", "item-table"},
		{"/w/acme/brand/personas", "item-table"},
		{"/w/acme/brand/competitors", "item-table"},
		{"/w/acme/brand/team", "item-table"},
		{"/w/acme/brand/amplifiers", "item-table"},
		{"/w/acme/strategy", "campaign-table"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			_, body := b.get(tt.path)
			for _, p := range stackProblems(t, body, tt.table) {
				t.Error(p)
			}
		})
	}
}

// TestPersonaListsAgree: the brand overview lists a persona's age bands,
// city tiers and platforms as the personas page does, joined with the
// language's list separator (25–34岁、35–44岁), not run together with
// spaces (25–34岁 35–44岁).
func TestPersonaListsAgree(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	_, err := h.brand.Personas.Create(context.Background(), owner.ws.ID, brand.Persona{Name: "Xiaomei", AgeBands: []string{"25-34", "35-44"},
		Gender: brand.GenderSplit{Female: 70, Male: 30}, CityTiers: []string{"tier1", "new_tier1"},
		Platforms: []brand.PlatformShare{{Platform: "xiaohongshu", Share: 60}, {Platform: "douyin", Share: 30}}})
	must(t, err)
	b := h.signedIn(owner)
	cell := func(body, table, label string) string {
		doc, err := html.Parse(strings.NewReader(body))
		must(t, err)
		tbl := findNode(doc, func(n *html.Node) bool { return n.Data == "table" && attr(n, "id") == table })
		if tbl == nil {
			t.Fatalf("no table#%s", table)
		}
		if td := findNode(tbl, func(n *html.Node) bool { return n.Data == "td" && attr(n, "data-label") == label }); td != nil {
			return strings.TrimSpace(textOf(td))
		}
		return ""
	}
	for _, loc := range Locales {
		setLocale(t, b, loc)
		_, overview := b.get("/w/acme/brand")
		if !strings.Contains(overview, `<html lang="`+loc+`">`) {
			t.Fatalf("the overview is not in %s", loc)
		}
		_, list := b.get("/w/acme/brand/personas")
		sep := h.srv.cat.T(loc, "brand.list_sep", nil)
		for _, key := range []string{"field.persona.age_bands", "field.persona.city_tiers"} {
			label := h.srv.cat.T(loc, key, nil)
			got, want := cell(overview, "persona-table", label), cell(list, "item-table", label)
			if got == "" || got != want {
				t.Errorf("%s: the overview's %s read %q, the personas page's %q", loc, label, got, want)
			}
		}
		if got := cell(overview, "persona-table", h.srv.cat.T(loc, "field.persona.platforms", nil)); strings.Count(got, sep) != 1 {
			t.Errorf("%s: the overview's platforms %q are not two joined by %q", loc, got, sep)
		}
	}
}

var hiddenVersion = regexp.MustCompile(`name="version" value="([0-9a-f]+)"`)

// TestBrandSaveOverAnother: two people open the same product (and the
// profile); the first saves, and the second's save is refused with a
// message instead of silently replacing the first, keeps what they typed
// and carries the new version, so that saving again replaces it knowingly.
// The API refuses a stale version the same way.
func TestBrandSaveOverAnother(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	prod, err := h.brand.Products.Create(ctx, owner.ws.ID, brand.Product{Name: "Oolong", PriceBand: "¥49–69"})
	must(t, err)
	a, b := h.browser(), h.browser()
	a.login(owner.email, owner.password)
	b.login(owner.email, owner.password)
	version := func(body string) string {
		t.Helper()
		m := hiddenVersion.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("form has no version: %s", between(body, "<form", "</form>"))
		}
		return m[1]
	}

	for _, tt := range []struct {
		name, path    string
		first, second url.Values
		field, kept   string
	}{
		{"product", fmt.Sprintf("/w/acme/brand/products/%d", prod.ID),
			url.Values{"name": {"Oolong"}, "price_band": {"¥59–79"}}, url.Values{"name": {"Oolong (renamed)"}, "price_band": {"¥49–69"}},
			"price_band", "¥59–79"},
		{"profile", "/w/acme/brand/profile",
			url.Values{"positioning": {"Tea for commuters"}}, url.Values{"positioning": {"Tea for everyone"}},
			"positioning", "Tea for commuters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, formA := a.get(tt.path)
			_, formB := b.get(tt.path)
			tt.first.Set("version", version(formA))
			tt.second.Set("version", version(formB))
			if status, body, _ := a.post(tt.path, tt.first); status != http.StatusSeeOther {
				t.Fatalf("first save: status %d: %s", status, body)
			}
			status, body, _ := b.post(tt.path, tt.second)
			if status != http.StatusConflict || !strings.Contains(body, `id="form-error"`) || !strings.Contains(body, "其他人已保存") {
				t.Fatalf("second save: status %d, want 409 with the conflict message: %s", status, between(body, "<form", "</form>"))
			}
			if !strings.Contains(body, tt.second.Get(tt.field)) {
				t.Errorf("refused form lost what was typed (%q)", tt.second.Get(tt.field))
			}
			_, now := a.get(tt.path)
			if !strings.Contains(now, tt.kept) {
				t.Errorf("after the refused save the first save (%q) is gone", tt.kept)
			}
			// Saving again, having seen the message, replaces the first.
			tt.second.Set("version", version(body))
			if status, body, _ := b.post(tt.path, tt.second); status != http.StatusSeeOther {
				t.Fatalf("save after the conflict: status %d: %s", status, body)
			}
		})
	}

	stale := prod.Version
	status, resp := h.api("PUT", fmt.Sprintf("/workspaces/acme/brand/products/%d", prod.ID), owner.token,
		map[string]any{"name": "From the API", "version": stale})
	// The message suits the API too: there is no form to speak of.
	if msg := fmt.Sprint(resp["error"]); status != http.StatusConflict || strings.Contains(msg, "form") {
		t.Errorf("API save over a stale version: status %d %v, want 409 with a message for API clients too", status, resp)
	}
}

// TestBrandFormSaysWhyItRefused: a profile too large to store as a whole
// (each field within its own limit) is refused with a message above the
// form; before, the form came back with 422 and no word of why.
func TestBrandFormSaysWhyItRefused(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/brand/profile")
	examples := strings.TrimSuffix(strings.Repeat(strings.Repeat("例", 3000)+"\n", 10), "\n")
	status, body, _ := b.post("/w/acme/brand/profile", url.Values{"positioning": {"Tea"}, "tone.examples": {examples}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="form-error"`) || !strings.Contains(body, "请求内容过大") {
		t.Errorf("too large a profile: status %d, want 422 with a message: %s", status, between(body, "<form", "<div class=\"field\">"))
	}
}

// TestAmountBoundReadsAsANumber: the bound of an amount reads with
// thousands separated, as figures do, not "1000000000000".
func TestAmountBoundReadsAsANumber(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/brand/team/new")
	status, body, _ := b.post("/w/acme/brand/team", url.Values{"name": {"Li"}, "weekly_hours": {"10"}, "hourly_cost": {"2000000000000"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "1,000,000,000,000") {
		t.Errorf("hourly cost over the bound: status %d: %s", status, between(body, `id="f-hourly_cost"`, "</div>"))
	}
	c, err := h.campaigns.Create(context.Background(), owner.ws.ID, campaign.Campaign{Name: "Big", Objective: "sales", Status: "draft", Start: "2026-03-01", End: "2026-03-31", Budget: 2e12})
	if err == nil || !strings.Contains(h.srv.cat.T("en", "error.range", fieldErrors(err)["budget"][0].Args), "1,000,000,000,000") {
		t.Errorf("campaign budget over the bound: %+v, %v", c, err)
	}
}

// TestBrandFormTellsEveryMistake: a brand form with a number that does not
// parse says so and, in the same answer, what is wrong with the other
// fields, instead of one mistake per post; nothing is saved.
func TestBrandFormTellsEveryMistake(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	field := func(body, name string) string { return between(body, `id="f-`+name+`-err">`, "</div>") }
	b.get("/w/acme/brand/team/new")
	status, body, _ := b.post("/w/acme/brand/team", url.Values{"name": {""}, "weekly_hours": {"-3"}, "hourly_cost": {"abc"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(field(body, "hourly_cost"), "请输入数字") ||
		!strings.Contains(field(body, "name"), "必填") || !strings.Contains(field(body, "weekly_hours"), "168") {
		t.Errorf("team member with three mistakes: status %d: name %q, weekly_hours %q, hourly_cost %q", status,
			field(body, "name"), field(body, "weekly_hours"), field(body, "hourly_cost"))
	}
	b.get("/w/acme/brand/budget")
	status, body, _ = b.post("/w/acme/brand/budget", url.Values{"monthly": {"lots"}, "currency": {"yuan"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(field(body, "monthly"), "请输入数字") || !strings.Contains(body, `id="f-currency"`) ||
		strings.Count(body, `class="field-error"`) < 2 {
		t.Errorf("budget with two mistakes: status %d: %s", status, between(body, "<form", "</form>"))
	}
	if items, err := h.brand.Team.List(context.Background(), owner.ws.ID); err != nil || len(items) != 0 {
		t.Errorf("team after refused saves = %v, %v; want none", items, err)
	}
}

// A field's error is read out with the field, whatever kind of control it
// is, and a group of check boxes is named by its label.
func TestBrandFormErrorsTiedToTheirControls(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/brand/amplifiers/new")
	status, body, _ := b.post("/w/acme/brand/amplifiers", url.Values{"name": {"K"}, "kind": {"bogus"}, "price_unit": {"bogus"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("amplifier with a bad kind: status %d", status)
	}
	for _, want := range []string{`<select id="f-kind" name="kind" aria-invalid="true" aria-describedby="f-kind-err">`, `id="f-kind-err"`} {
		if !strings.Contains(body, want) {
			t.Errorf("amplifier form lacks %q in %s", want, between(body, `id="f-kind"`, "</div>"))
		}
	}
	_, body = b.get("/w/acme/brand/personas/new")
	if !strings.Contains(body, `<div class="checks" id="f-city_tiers" role="group" aria-labelledby="f-city_tiers-label"`) || strings.Contains(body, `<label for="f-city_tiers"`) {
		t.Errorf("city tiers are not a group named by its label: %s", between(body, `f-city_tiers`, "</div>"))
	}
}

// TestBrandEmptyListsSayWhatToDo: on a new workspace's brand page each
// empty list (products, personas, competitors) says what it is for and,
// to those who may edit the brand, links to adding the first item, instead
// of a bare "暂无内容".
func TestBrandEmptyListsSayWhatToDo(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	analyst := h.member(owner, "analyst@example.com", account.Analyst)
	cat := mustCatalog(t)
	_, body := b.get("/w/acme/brand")
	_, readOnly := analyst.get("/w/acme/brand")
	for _, kind := range []string{"products", "personas", "competitors"} {
		card := section(body, `id="`+kind+`"`, "</section>")
		text := html.EscapeString(cat.T("zh-CN", "brand.empty."+kind, nil))
		if !strings.Contains(card, text) || !strings.Contains(card, `href="/w/acme/brand/`+kind+`/new"`) {
			t.Errorf("empty %s: no word on what to do or no link to add one: %s", kind, card)
		}
		if card := section(readOnly, `id="`+kind+`"`, "</section>"); !strings.Contains(card, text) || strings.Contains(card, "/new") {
			t.Errorf("empty %s for an analyst: %s", kind, card)
		}
	}
	// The sentence of an empty list is centred; a bullet stood far to its
	// left.
	css, err := staticFS.ReadFile("static/app.css")
	must(t, err)
	if !regexp.MustCompile(`(?m)^li\.empty \{ list-style: none; \}`).Match(css) {
		t.Error("an empty list's sentence keeps its bullet")
	}
}

// TestBrandFormTitles: a brand item's form is titled as a sentence says
// it, "New persona", "编辑目标人群", where it read "New · Personas", an
// action and a list's name.
func TestBrandFormTitles(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	seed(t, h, owner.ws.ID)
	personas, err := h.brand.Personas.List(context.Background(), owner.ws.ID)
	must(t, err)
	b := h.signedIn(owner)
	edit := "/w/acme/brand/personas/" + itoa64(personas[0].ID)
	for _, tt := range []struct{ locale, path, want string }{
		{"zh-CN", "/w/acme/brand/personas/new", "<h1>新建目标人群</h1>"},
		{"zh-CN", edit, "<h1>编辑目标人群</h1>"},
		{"zh-CN", "/w/acme/brand/team/new", "<h1>新建团队成员</h1>"},
		{"en", "/w/acme/brand/personas/new", "<h1>New persona</h1>"},
		{"en", edit, "<h1>Edit persona</h1>"},
		{"en", "/w/acme/brand/amplifiers/new", "<h1>New amplifier</h1>"},
	} {
		setLocale(t, b, tt.locale)
		if status, body := b.get(tt.path); status != http.StatusOK || !strings.Contains(body, tt.want) {
			t.Errorf("%s %s: status %d, title %q, want %q", tt.locale, tt.path, status, between(body, "<h1", "</h1>"), tt.want)
		}
	}
}

// TestBudgetCurrencyPicker: the brand budget's currency, that of the
// team's hourly costs, is chosen from the workspace currency's list, the
// workspace's chosen until another is saved, where it was typed text; the
// hint says that a campaign counts the team's hours only in the
// workspace's currency. Another code is typed beside "other…", and a
// refused one stays there with its error.
func TestBudgetCurrencyPicker(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	b := h.signedIn(owner)
	has := func(what, body string, want ...string) {
		t.Helper()
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: page lacks %q in %s", what, s, between(body, `id="doc-form"`, `</form>`))
			}
		}
	}
	_, body := b.get("/w/acme/brand/budget")
	has("new budget", body, `<select id="f-currency" name="currency"`, `<option value="CNY" selected>CNY · 人民币 · Chinese yuan</option>`,
		`<option value="other">其他币种…</option>`, `name="currency_other" type="text" value=""`, "工作区币种")
	if strings.Contains(body, `name="currency" type="text"`) {
		t.Error("the budget's currency is still a text input")
	}
	save := func(form url.Values, want int) string {
		t.Helper()
		_, page := b.get("/w/acme/brand/budget")
		if m := regexp.MustCompile(`name="version" value="([^"]*)"`).FindStringSubmatch(page); m != nil {
			form.Set("version", m[1])
		}
		form.Set("monthly", "50000")
		status, body, _ := b.post("/w/acme/brand/budget", form)
		if status != want {
			t.Fatalf("save %v: status %d, want %d: %s", form, status, want, between(body, `id="doc-form"`, `</form>`))
		}
		return body
	}
	stored := func() string {
		t.Helper()
		v, err := h.brand.Budget(ctx, owner.ws.ID, "")
		must(t, err)
		return v.Currency
	}
	save(url.Values{"currency": {"HKD"}}, http.StatusSeeOther)
	if got := stored(); got != "HKD" {
		t.Errorf("stored %q, want HKD", got)
	}
	save(url.Values{"currency": {"other"}, "currency_other": {"MXN"}}, http.StatusSeeOther)
	if got := stored(); got != "MXN" {
		t.Errorf("stored %q, want MXN", got)
	}
	_, body = b.get("/w/acme/brand/budget")
	has("saved MXN", body, `<option value="MXN" selected>`)
	body = save(url.Values{"currency": {"other"}, "currency_other": {"XYZ"}}, http.StatusUnprocessableEntity)
	has("refused XYZ", body, `name="currency_other" type="text" value="XYZ"`, `<option value="other" selected>`, `id="f-currency-err"`, "“XYZ”不是 ISO 4217 货币代码")
	if got := stored(); got != "MXN" {
		t.Errorf("after a refused save stored %q, want MXN", got)
	}
}
