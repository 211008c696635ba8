package alert_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// failingStore fails to read one workspace's rules and to fire one rule's
// alert, as a database error would.
type failingStore struct {
	*store.DB
	ws, rule int64
}

func (s failingStore) AlertRules(ctx context.Context, ws int64) ([]listen.AlertRule, error) {
	if ws == s.ws {
		return nil, errors.New("rules unreadable")
	}
	return s.DB.AlertRules(ctx, ws)
}

func (s failingStore) FireAlert(ctx context.Context, ws int64, a listen.Alert, quietSince time.Time, seen func([]listen.Alert) bool) (listen.Alert, bool, error) {
	if a.RuleID == s.rule {
		return listen.Alert{}, false, errors.New("alert not stored")
	}
	return s.DB.FireAlert(ctx, ws, a, quietSince, seen)
}

// TestEvaluateAllPastFailures: the hourly evaluation goes on past a
// workspace, and a rule, that fail, and tells of both.
func TestEvaluateAllPastFailures(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
	svc := alert.NewService(db)
	var fs []fixture
	var rules []listen.AlertRule
	for range 3 {
		f := newFixture(t, db)
		f.mention(t, f.crisis, "产品爆炸了", "negative", now.Add(-time.Minute))
		for _, name := range []string{"危机一", "危机二"} {
			r, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: name, Kind: "crisis_word", Enabled: true})
			must(t, err)
			rules = append(rules, r)
		}
		fs = append(fs, f)
	}
	// The first workspace's rules cannot be read; the second's first rule
	// cannot store its alert.
	st := failingStore{DB: db, ws: fs[0].ws, rule: rules[2].ID}
	ev := alert.NewEvaluator(st, alert.Options{Now: func() time.Time { return now }})
	fired, err := ev.EvaluateAll(ctx)
	if err == nil || !strings.Contains(err.Error(), "rules unreadable") || !strings.Contains(err.Error(), "alert not stored") {
		t.Errorf("EvaluateAll error = %v; want both failures", err)
	}
	// The second workspace's other rule, and the third workspace's two.
	if fired != 3 {
		t.Errorf("fired %d alerts; want 3", fired)
	}
	for i, want := range []int{0, 1, 2} {
		as, err := db.Alerts(ctx, fs[i].ws, alert.Filter{})
		must(t, err)
		if len(as) != want {
			t.Errorf("workspace %d: %d alerts; want %d", i+1, len(as), want)
		}
	}
}
