package store

import (
	"database/sql/driver"
	"strings"
	"unicode/utf8"

	"modernc.org/sqlite"
)

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// containsFolded returns the condition that the text expr contains q,
// ignoring case, with $? for its LIKE pattern, and that pattern.
// Lower-casing every row is most of a search's scan (3 to 4 times the
// cost of SQLite's own), so it is done only where it changes the answer:
// a q without cased letters (Chinese, digits) is looked for as it is, and
// SQLite's LIKE already ignores the case of A to Z. Other letters are
// folded as strings.ToLower folds them: PostgreSQL's LOWER folds every
// letter (in a UTF-8 database), SQLite's only A to Z, so there it is
// go_lower, registered with the driver below.
func (d Dialect) containsFolded(expr, q string) (string, string) {
	low := strings.ToLower(q)
	pattern := "%" + likeEscaper.Replace(low) + "%"
	switch {
	case strings.ToUpper(low) == low, d == SQLite && !strings.ContainsFunc(low, func(r rune) bool { return r >= utf8.RuneSelf }):
	case d == SQLite:
		expr = "go_lower(" + expr + ")"
	default:
		expr = "LOWER(" + expr + ")"
	}
	return expr + ` LIKE $? ESCAPE '\'`, pattern
}

func init() {
	// Queries only: a schema (an index, a view) that used go_lower could
	// not be read without Chorus.
	sqlite.MustRegisterDeterministicScalarFunction("go_lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		if s, ok := args[0].(string); ok {
			return strings.ToLower(s), nil
		}
		return args[0], nil
	})
}
