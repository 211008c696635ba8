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
	b := h.browser()
	b.login(owner.email, owner.password)
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
