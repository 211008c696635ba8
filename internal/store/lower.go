package store

import (
	"database/sql/driver"
	"strings"

	"modernc.org/sqlite"
)

// lower is the SQL of expr in lower case as strings.ToLower has it, for
// comparing with text Go lower-cased: PostgreSQL's LOWER folds every
// letter (in a UTF-8 database), SQLite's only A to Z, so there it is
// go_lower, registered with the driver below. Queries only: a schema
// (an index, a view) that used it could not be read without Chorus.
func (d Dialect) lower(expr string) string {
	if d == SQLite {
		return "go_lower(" + expr + ")"
	}
	return "LOWER(" + expr + ")"
}

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("go_lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		if s, ok := args[0].(string); ok {
			return strings.ToLower(s), nil
		}
		return args[0], nil
	})
}
