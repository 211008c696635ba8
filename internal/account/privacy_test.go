package account_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestNoRawAddressStored: signing in (failing and succeeding) and making
// a change leave no client address in any table of the database, nor
// what was typed as the e-mail of a failed sign-in (a password typed
// into the wrong field, often); the throttle still counts them, and the
// audit log and the session keep the client's network.
func TestNoRawAddressStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := account.NewService(db, account.NewThrottle(db, 15*time.Minute, account.ThrottleLimits{PerAccountNetwork: 100, PerNetwork: 2, PerAccount: 100}))
		mustUser(t, s, "ann@example.com", false)
		w := mustWorkspace(t, s, "acme", "ann@example.com")
		const v4, v6 = "203.0.113.77", "2001:db8:abcd:12:3456:789a:bcde:f012"
		const typo = "Secret-Typed-As-Email"
		for _, ip := range []string{v4, v6} {
			if _, err := s.Authenticate(ctx, typo, "x", ip); err == nil {
				t.Fatal("sign-in with a wrong e-mail succeeded")
			}
			if _, err := s.Authenticate(ctx, "ann@example.com", "wrong password", ip); err == nil {
				t.Fatal("sign-in with a wrong password succeeded")
			}
		}
		// The addresses are throttled all the same: two failures each.
		for _, ip := range []string{v4, v6} {
			_, err := s.Authenticate(ctx, "ann@example.com", goodPassword, ip)
			wantCode(t, "sign-in from "+ip+" after 2 failures", err, "too_many")
		}
		u, _, sess, err := s.SignIn(ctx, "ann@example.com", goodPassword, "198.51.100.23", "test")
		if err != nil {
			t.Fatal(err)
		}
		if sess.IP != "198.51.100.0/24" {
			t.Errorf("session network %q; want 198.51.100.0/24", sess.IP)
		}
		p := mustEnter(t, s, u, w.Slug)
		for _, ip := range []string{"198.51.100.23", v6} {
			if err := s.Record(ctx, p, "POST /w/{ws}/settings", "/w/acme/settings", "", ip); err != nil {
				t.Fatal(err)
			}
		}
		entries, err := s.Audit(ctx, p, 10, 0)
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit %v, %v; want 2 entries", entries, err)
		}
		if entries[0].IP != "2001:db8:abcd::/48" || entries[1].IP != "198.51.100.0/24" {
			t.Errorf("audit networks %q, %q; want 2001:db8:abcd::/48, 198.51.100.0/24", entries[0].IP, entries[1].IP)
		}
		for _, raw := range []string{v4, "198.51.100.23", "2001:db8:abcd:12:", strings.ToLower(typo)} {
			if where := findInTables(t, db, raw); where != "" {
				t.Errorf("%q is stored in %s", raw, where)
			}
		}
	})
}

// findInTables names the first table with a value that contains s, ""
// when none does.
func findInTables(t *testing.T, db *store.DB, s string) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.Dialect() == store.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	w := db.WriteDB()
	rows, err := w.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	for _, table := range tables {
		rows, err := w.QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				if strings.Contains(strings.ToLower(fmt.Sprint(v)), strings.ToLower(s)) {
					rows.Close()
					return table + "." + cols[i]
				}
			}
		}
		rows.Close()
	}
	return ""
}
