package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
)

// handleAPIKnownQuery registers o as handleAPI does, and refuses before h
// runs a query parameter that o.Query does not document: a misspelt
// filter (campaign_id for campaign) would otherwise be ignored, and the
// answer cover more than was asked for without a word. The OpenAPI
// document is generated from o.Query too, so what is documented and what
// is accepted are one list.
func (s *Server) handleAPIKnownQuery(o op, h apiHandler) {
	s.handleAPI(o, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		if err := knownQuery(r.URL.Query(), o.Query); err != nil {
			return err
		}
		return h(w, r, p)
	})
}

// knownQuery returns apperr.Invalid with a field error (error.unknown_query,
// or error.unknown_query_none for an operation that takes none) for each
// parameter of q that documented does not name, in name order.
func knownQuery(q url.Values, documented []param) error {
	names := make([]string, len(documented))
	for i, p := range documented {
		names[i] = p.Name
	}
	var fs apperr.Fields
	for _, k := range slices.Sorted(maps.Keys(q)) {
		switch {
		case slices.Contains(names, k):
		case len(names) == 0:
			fs.Add(k, "error.unknown_query_none", "Value", k)
		default:
			fs.Add(k, "error.unknown_query", "Value", k, "Allowed", strings.Join(names, ", "))
		}
	}
	return fs.Err()
}
