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
	now := time.Now().UTC()
	plan := queryPlan(t, touchQueries(SQLite)[2], int64(1), now.Add(-time.Hour), now, now.Add(-24*time.Hour))
	if !strings.Contains(plan, "COVERING INDEX conversions_customer") {
		t.Errorf("plan of the customer's touches:\n%s\nwant it to read conversions_customer alone (COVERING INDEX)", plan)
	}
}

// TestBrowserTouchesFromIndex: the clicks whose landing a browser reported
// are read per browser of the period's events, its landings from the
// index alone, which holds their clicks (migration 0032), and each
// landing's click by its id: never the period's events one by one.
func TestBrowserTouchesFromIndex(t *testing.T) {
	now := time.Now().UTC()
	plan := queryPlan(t, browserTouchesSQL, int64(1), now.Add(-time.Hour), now, now.Add(-24*time.Hour))
	for _, want := range []string{"COVERING INDEX conversions_browser", "LIST SUBQUERY", "click_events_1 (click_id=?)"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan of the browser's touches:\n%s\nwant %q", plan, want)
		}
	}
}

// queryPlan is SQLite's plan of q on a new database, one step a line.
func queryPlan(t *testing.T, q string, args ...any) string {
	t.Helper()
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
	rows, err := db.reader().query(ctx, `EXPLAIN QUERY PLAN `+q, args...)
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
	return strings.Join(plan, "\n")
}
