package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestBrandListFigures: number columns of a brand list read as figures do
// on the other pages, with thousands separated, not as typed in a form.
func TestBrandListFigures(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	_, err := h.brand.Amplifiers.Create(context.Background(), owner.ws.ID, brand.Amplifier{Name: "阿May", Kind: "kol", Platform: "xiaohongshu", Reach: 280000, Price: 8000.5})
	must(t, err)
	b := h.browser()
	b.login(owner.email, owner.password)
	_, body := b.get("/w/acme/brand/amplifiers")
	for _, want := range []string{">280,000</td>", ">8,000.5</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("amplifier list lacks %q: %s", want, between(body, "<tbody>", "</tbody>"))
		}
	}
}
