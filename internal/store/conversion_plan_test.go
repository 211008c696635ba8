package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCustomerTouchesFromIndex: attribution reads the clicks a customer's
// events carried from the index alone, which holds only events naming a
// customer and a click, so that the planner does not take a customer for
// thousands of events (the NULLs of the other events) and read every
// click of the window instead.
func TestCustomerTouchesFromIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "chorus.db"), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	rows, err := db.reader().query(ctx, `EXPLAIN QUERY PLAN `+touchQueries(SQLite)[2], int64(1), now.Add(-time.Hour), now, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(plan, "\n"); !strings.Contains(got, "COVERING INDEX conversions_customer") {
		t.Errorf("plan of the customer's touches:\n%s\nwant it to read conversions_customer alone (COVERING INDEX)", got)
	}
}
