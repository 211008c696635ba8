package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestEmptyBrandListsSayWhatToAdd: a newcomer's empty list of products,
// personas, competitors, team or amplifiers says what goes there and what
// it serves, in either language, where it said only "Nothing here yet".
func TestEmptyBrandListsSayWhatToAdd(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	c := mustCatalog(t)
	for _, locale := range Locales {
		b.get("/w/acme/brand")
		if status, _, _ := b.post("/lang", url.Values{"lang": {locale}, "next": {"/w/acme/brand"}}); status != http.StatusSeeOther {
			t.Fatalf("switch to %s: %d", locale, status)
		}
		for _, k := range []brandKind{productKind, personaKind, competitorKind, teamKind, amplifierKind} {
			t.Run(locale+"/"+k.Path, func(t *testing.T) {
				status, body := b.get("/w/acme/brand/" + k.Path)
				if status != http.StatusOK {
					t.Fatalf("status %d", status)
				}
				want := html.EscapeString(c.T(locale, "brand.empty."+k.Path, nil))
				if !strings.Contains(body, want) {
					t.Errorf("the empty list lacks %q: %s", want, between(body, `<tbody>`, `</tbody>`))
				}
				if plain := c.T(locale, "list.empty", nil); strings.Contains(body, plain) {
					t.Errorf("the empty list says only %q", plain)
				}
			})
		}
	}
}

// TestFirstPersonaWithoutGenderSplit: a persona saved as its new form
// starts, a name and the gender split 0/0/0 as not known, is created,
// where the form's own defaults were refused as not summing to 100; the
// overview shows the unknown split as a dash, not as 0% and 0%. A split
// given must still sum to 100.
func TestFirstPersonaWithoutGenderSplit(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	_, form := b.get("/w/acme/brand/personas/new")
	for _, name := range []string{"gender.female", "gender.male", "gender.other"} {
		if want := `name="` + name + `" type="text" inputmode="decimal" value="0"`; !strings.Contains(form, want) {
			t.Fatalf("the new persona form lacks %s", want)
		}
	}
	// Its hint says so.
	if want := "不清楚时全部填 0"; !strings.Contains(form, want) {
		t.Errorf("the gender hint lacks %q", want)
	}
	zero := url.Values{"name": {"学生党"}, "gender.female": {"0"}, "gender.male": {"0"}, "gender.other": {"0"}}
	if status, body, _ := b.post("/w/acme/brand/personas", zero); status != http.StatusSeeOther {
		t.Fatalf("a persona as its form starts: status %d: %s", status, between(body, `class="field-error"`, `</div>`))
	}
	_, body := b.get("/w/acme/brand")
	row := between(body, `学生党</a>`, `</tr>`)
	if strings.Contains(row, "♀0%") || !strings.Contains(row, `data-label="性别分布">—</td>`) {
		t.Errorf("the unknown split shows as %s", row)
	}
	b.get("/w/acme/brand/personas/new")
	off := url.Values{"name": {"上班族"}, "gender.female": {"60"}, "gender.male": {"30"}, "gender.other": {"0"}}
	if status, body, _ := b.post("/w/acme/brand/personas", off); status != http.StatusUnprocessableEntity || !strings.Contains(body, "当前为 90") {
		t.Errorf("a split of 90: status %d, want 422 saying so", status)
	}
}
