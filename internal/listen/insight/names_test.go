package insight_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// The demo workspace's names, as its topics and products write them.
var (
	demoPrimary = []string{"闲岚咖啡", "闲岚", "橡果冷萃（Acornbrew）", "橡果冷萃", "acornbrew", "橡果", "橡果咖啡液", "测评", "冷萃", "对比",
		"鲸豆咖啡（Whalebean Coffee）", "鲸豆", "鲸豆冻干", "速溶", "谷拾咖啡（Grainpick）", "谷拾", "谷拾挂耳", "好喝吗"}
	demoProducts   = []string{"闲岚冻干咖啡·经典 12 颗装", "闲岚冷萃咖啡液·6 瓶装", "闲岚产地挂耳咖啡·环球风味 10 包"}
	demoCategories = []string{"冻干速溶咖啡", "冷萃咖啡液", "挂耳咖啡"}
)

func TestNames(t *testing.T) {
	t.Parallel()
	got := insight.NamesForTest(demoPrimary, demoProducts, demoCategories)
	want := []string{"冷萃", "冻干", "挂耳", "橡果", "谷拾", "闲岚", "鲸豆"}
	if !slices.Equal(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
}

func TestTermsKeepNamesWhole(t *testing.T) {
	t.Parallel()
	// Fragments the segmenter made of these names before it knew them.
	fragments := []string{"前闲岚", "开会前闲岚", "十点闲岚", "十点闲岚到", "闲岚到", "同事闲岚", "冷萃喝出", "喝了闲岚", "闲岚冻", "冷萃投诉"}
	cases := []struct {
		name string
		text string
		want []string
	}{
		{"time word before the name", "下午开会前喝了闲岚冷萃", []string{"闲岚", "冷萃", "闲岚冷萃", "开会"}},
		{"noun before, verb after", "同事闲岚冷萃喝出了花香", []string{"闲岚", "冷萃", "同事", "喝出", "花香"}},
		{"clock time before", "早上十点闲岚到了", []string{"闲岚"}},
		{"name glued to a preposition", "开会前闲岚", []string{"闲岚", "开会"}},
		{"brand product", "闲岚冻干真方便", []string{"闲岚", "冻干", "闲岚冻干"}},
		{"complaint after the product", "冷萃投诉无门", []string{"冷萃", "投诉", "投诉无门"}},
		{"full name as written", "闲岚咖啡比橡果冷萃好喝", []string{"闲岚", "闲岚咖啡", "橡果", "冷萃", "橡果冷萃"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := map[string]bool{}
			var list []string
			for _, x := range insight.SegmentNamesForTest(demoPrimary, demoProducts, demoCategories, c.text) {
				got[x.Text] = true
				list = append(list, x.Text)
			}
			for _, w := range c.want {
				if !got[w] {
					t.Errorf("terms of %q: %v, want %q among them", c.text, list, w)
				}
			}
			for _, f := range fragments {
				if got[f] {
					t.Errorf("terms of %q: %v, want no %q", c.text, list, f)
				}
			}
		})
	}
}

func TestHotTermsRankNamesNotFragments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var topic int64
		must(t, db.WriteDB().QueryRowContext(ctx, `INSERT INTO topics (workspace_id, name, kind, query, enabled, created_at, updated_at)
			VALUES ($1, '闲岚咖啡', 'brand', '"闲岚咖啡" OR "闲岚"', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, f.ws).Scan(&topic))
		body, err := json.Marshal(brand.Product{Name: "闲岚冷萃咖啡液·6 瓶装", Category: "冷萃咖啡液"})
		must(t, err)
		_, err = db.CreateBrandItem(ctx, f.ws, brand.KindProduct, "闲岚冷萃咖啡液·6 瓶装", body)
		must(t, err)
		start := time.Date(2026, 3, 8, 0, 0, 0, 0, shanghai)
		texts := []string{"下午开会前喝了闲岚冷萃", "同事闲岚冷萃喝出了花香", "早上十点闲岚到了"}
		for i := 0; i < 9; i++ {
			f.mention(t, topic, "用户", 10, "rss", texts[i%len(texts)], "positive", start.Add(time.Duration(i)*time.Hour))
		}
		s := insight.NewService(db)
		hot, err := s.HotTerms(ctx, f.ws, 0, insight.Period{From: start, To: start.AddDate(0, 0, 7), Loc: shanghai})
		must(t, err)
		var ranked []string
		rank := map[string]int{}
		for i, h := range hot.Terms {
			ranked = append(ranked, h.Term)
			rank[h.Term] = i + 1
		}
		// 闲岚 is what the topic searches for, so neither it nor the
		// phrase 闲岚冷萃 is a hot term; the product 冷萃 is, whole.
		if rank["闲岚"] != 0 || rank["闲岚冷萃"] != 0 || rank["冷萃"] != 1 {
			t.Errorf("hot terms %v: want 冷萃 first, without the searched-for 闲岚 and its phrase 闲岚冷萃", ranked)
		}
		for _, term := range ranked {
			if strings.Contains(term, "闲岚") && term != "闲岚" && term != "闲岚冷萃" || strings.Contains(term, "冷萃") && term != "冷萃" && term != "闲岚冷萃" {
				t.Errorf("hot terms %v: %q joins a name to another word", ranked, term)
			}
		}
	})
}

// A name the dictionary cuts into a word and a character it knows (三顿
// and 半 of 三顿半) is kept whole, not cut into 三顿 / 半冷萃; a written
// name that holds it gives no dictionary word (咖啡) as a name.
func TestTermsKeepNamesOfKnownWordsWhole(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		primary []string
		names   []string
		text    string
		want    []string
	}{
		{"brand alone", []string{"三顿半"}, []string{"三顿半"}, "三顿半冷萃真好喝", []string{"三顿半", "好喝"}},
		{"brand and its full name", []string{"三顿半咖啡", "三顿半"}, []string{"三顿半"}, "三顿半冷萃真好喝", []string{"三顿半", "好喝"}},
		{"name with the demo's", append([]string{"三顿半"}, demoPrimary...), []string{"三顿半", "冷萃", "冻干", "挂耳", "橡果", "谷拾", "闲岚", "鲸豆"}, "三顿半冷萃比橡果冷萃好喝", []string{"三顿半", "冷萃", "三顿半冷萃", "橡果冷萃"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := insight.NamesForTest(c.primary, nil, nil); !slices.Equal(got, slices.Sorted(slices.Values(c.names))) {
				t.Errorf("names of %v: %v, want %v", c.primary, got, c.names)
			}
			got := map[string]bool{}
			var list []string
			for _, x := range insight.SegmentNamesForTest(c.primary, nil, nil, c.text) {
				got[x.Text] = true
				list = append(list, x.Text)
			}
			for _, w := range c.want {
				if !got[w] {
					t.Errorf("terms of %q: %v, want %q among them", c.text, list, w)
				}
			}
			for _, f := range []string{"三顿", "半冷萃", "三顿半冷", "半冷"} {
				if got[f] {
					t.Errorf("terms of %q: %v, want no %q", c.text, list, f)
				}
			}
		})
	}
}
