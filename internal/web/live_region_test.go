package web

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// A screen reader announces a change inside a live region that was already
// on the page, not a new region put in place of the old one: htmx's
// outerHTML swap replaces the target element, so the target must not be
// the region itself but sit inside one that stays (the link preview, the
// query's try box and the import preview).
func TestSwappedRegionsAnnounce(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	for path, ids := range map[string][]string{
		"/w/acme/links":             {"link-preview"},
		"/w/acme/listening":         {"try-result"},
		"/w/acme/listening/sources": {"import-preview"},
	} {
		_, body := b.get(path)
		doc, err := html.Parse(strings.NewReader(body))
		must(t, err)
		for _, id := range ids {
			target := findNode(doc, func(n *html.Node) bool { return attr(n, "id") == id })
			if target == nil {
				t.Errorf("%s: no #%s", path, id)
				continue
			}
			if attr(target, "aria-live") != "" {
				t.Errorf("%s: #%s is itself the live region, which each swap replaces", path, id)
			}
			if p := target.Parent; p == nil || attr(p, "aria-live") != "polite" {
				t.Errorf("%s: #%s is not inside a polite live region that stays", path, id)
			}
		}
	}
}
