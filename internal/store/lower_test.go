package store

import (
	"strings"
	"testing"
)

// Only a search with letters the database's LIKE does not fold itself
// pays for lower-casing every row.
func TestContainsFoldedLowersOnlyWhenNeeded(t *testing.T) {
	for _, tt := range []struct {
		d       Dialect
		q, cond string
		pattern string
	}{
		{SQLite, "燕麦 100%", `m.text LIKE`, `%燕麦 100\%%`},
		{Postgres, "燕麦", `m.text LIKE`, `%燕麦%`},
		{SQLite, "Oat_Latte", `m.text LIKE`, `%oat\_latte%`},
		{Postgres, "Oat", `LOWER(m.text) LIKE`, `%oat%`},
		{SQLite, "CAFÉ", `go_lower(m.text) LIKE`, `%café%`},
		{Postgres, "CAFÉ", `LOWER(m.text) LIKE`, `%café%`},
		{SQLite, "星澜 Café", `go_lower(m.text) LIKE`, `%星澜 café%`},
	} {
		cond, pattern := tt.d.containsFolded("m.text", tt.q)
		if !strings.HasPrefix(cond, tt.cond+" $?") || pattern != tt.pattern {
			t.Errorf("%v %q: %s with %q, want %s $? with %q", tt.d, tt.q, cond, pattern, tt.cond, tt.pattern)
		}
	}
}
