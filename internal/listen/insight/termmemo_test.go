package insight_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestPackTerms(t *testing.T) {
	for _, c := range []struct {
		name  string
		terms []insight.Term
		ok    bool
	}{
		{"none", []insight.Term{}, true},
		{"words and phrases", []insight.Term{{Text: "冷萃"}, {Text: "闲岚冷萃", Of: [2]string{"闲岚", "冷萃"}},
			{Text: "iced latte", Of: [2]string{"iced", "latte"}}, {Text: "latte"}}, true},
		{"a phrase that is not its words", []insight.Term{{Text: "冷萃"}, {Text: "闲岚", Of: [2]string{"闲", "冷"}}}, false},
		{"a phrase with more than one character between its words", []insight.Term{{Text: "iced  latte", Of: [2]string{"iced", "latte"}}}, false},
		{"longer than 64 KB", []insight.Term{{Text: strings.Repeat("长", 30_000)}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := insight.PackForTest(c.terms)
			if ok != c.ok {
				t.Fatalf("packed: %v, want %v", ok, c.ok)
			}
			if ok && !reflect.DeepEqual(got, c.terms) {
				t.Errorf("unpacked %q, want %q", got, c.terms)
			}
		})
	}
}

// The memo of terms must not outlive the names it cut with: once the
// brand's product is known, 闲岚冷萃 is cut around the name 闲岚 by a
// service that cut the same mentions before, as by a new one.
func TestHotTermsMemoFollowsNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		topic := f.topic(t, "咖啡", "other")
		start := time.Date(2026, 3, 8, 0, 0, 0, 0, shanghai)
		texts := []string{"下午开会前喝了闲岚冷萃", "同事闲岚冷萃喝出了花香", "早上十点闲岚到了"}
		// More than a hundred mentions, so that they are cut on two cores.
		for i := range 150 {
			f.mention(t, topic, "用户", 10, "rss", texts[i%len(texts)], "positive", start.Add(time.Duration(i)*time.Minute))
		}
		period := insight.Period{From: start, To: start.AddDate(0, 0, 7), Loc: shanghai}
		s := insight.NewService(db)
		before, err := s.HotTerms(ctx, f.ws, 0, period)
		must(t, err)
		again, err := s.HotTerms(ctx, f.ws, 0, period)
		must(t, err)
		if !reflect.DeepEqual(again, before) {
			t.Errorf("hot terms from the memo:\n%+v\nwant as cut:\n%+v", again, before)
		}

		_, err = db.WriteDB().ExecContext(ctx, `INSERT INTO topics (workspace_id, name, kind, query, enabled, created_at, updated_at)
			VALUES ($1, '闲岚咖啡', 'brand', '"闲岚咖啡" OR "闲岚"', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, f.ws)
		must(t, err)
		body, err := json.Marshal(brand.Product{Name: "闲岚冷萃咖啡液·6 瓶装", Category: "冷萃咖啡液"})
		must(t, err)
		_, err = db.CreateBrandItem(ctx, f.ws, brand.KindProduct, "闲岚冷萃咖啡液·6 瓶装", body)
		must(t, err)
		after, err := s.HotTerms(ctx, f.ws, 0, period)
		must(t, err)
		fresh, err := insight.NewService(db).HotTerms(ctx, f.ws, 0, period)
		must(t, err)
		if !reflect.DeepEqual(after, fresh) {
			t.Errorf("hot terms after the names changed:\n%+v\nwant as a new service cuts them:\n%+v", after, fresh)
		}
		if reflect.DeepEqual(after.Terms, before.Terms) {
			t.Errorf("hot terms did not change with the names: %+v", after.Terms)
		}
	})
}

// TestTermMemoHoldsWhatFits: the memo keeps the terms of as many mentions
// as its limit says for a page that reads them over again. The insights
// page reads six samples, 30,000 mentions at a busy workspace; a memo of
// two generations of half the limit each kept them only up to half the
// limit and cut two thirds of them again on every view (2 s of CPU).
func TestTermMemoHoldsWhatFits(t *testing.T) {
	for _, n := range []int{100, insight.TermMemoLimit / 2, insight.TermMemoLimit * 3 / 4, insight.TermMemoLimit} {
		if got := insight.MemoHitsForTest(n); got != n {
			t.Errorf("%d mentions read twice: %d held the second time, want all", n, got)
		}
	}
}
