package web

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

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

// periodParams document what queryPeriod reads.
var periodParams = []param{
	{Name: "from", Doc: "Start: a date (YYYY-MM-DD, in the workspace's time zone) or an RFC 3339 time; 30 days before to when absent"},
	{Name: "to", Doc: "End: a date (inclusive) or an RFC 3339 time (exclusive); 30 days after from, or the end of today, when absent"},
}

// queryPeriod reads a period as periodParams document it: with neither
// edge, the last 30 days of loc's calendar, today included, as the pages
// count them; with one, the 30 days from or to it.
func queryPeriod(fs *apperr.Fields, q url.Values, loc *time.Location, now time.Time) (from, to time.Time) {
	from = queryTime(fs, q.Get("from"), "from", loc, false)
	to = queryTime(fs, q.Get("to"), "to", loc, true)
	switch {
	case q.Get("from") == "" && q.Get("to") == "":
		return lastDays(now, loc, 30)
	case q.Get("to") == "" && !from.IsZero():
		to = from.AddDate(0, 0, 30)
	case q.Get("from") == "" && !to.IsZero():
		from = to.AddDate(0, 0, -30)
	}
	return from, to
}

// queryTime reads an edge of a period: a date in loc (its midnight; with
// endOfDay the next one, so that a "to" date counts whole) or an RFC 3339
// time.
func queryTime(fs *apperr.Fields, v, field string, loc *time.Location, endOfDay bool) time.Time {
	if v == "" {
		return time.Time{}
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		fs.Add(field, "error.when")
	}
	return t
}
