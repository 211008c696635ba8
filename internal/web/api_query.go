package web

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// knownQuery returns apperr.Invalid with a field error (error.unknown_query,
// or error.unknown_query_none for an operation that takes none) for each
// parameter of q that documented does not name, in name order. handleAPI
// asks it for every operation: a misspelt filter (campaign_id for
// campaign) would otherwise be ignored, and the answer cover more than was
// asked for without a word. The OpenAPI document is generated from the
// same list, so what is documented and what is accepted cannot drift.
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
