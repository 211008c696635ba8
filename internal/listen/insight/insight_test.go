package insight_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

var seq atomic.Int64

type fixture struct {
	db *store.DB
	ws int64
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newFixture(t *testing.T, db *store.DB) fixture {
	t.Helper()
	f := fixture{db: db}
	must(t, db.WriteDB().QueryRowContext(context.Background(), `INSERT INTO workspaces (slug, name, time_zone, currency, created_at, updated_at)
		VALUES ($1, 'T', 'Asia/Shanghai', 'CNY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, fmt.Sprintf("insight-%d", seq.Add(1))).Scan(&f.ws))
	return f
}

func (f fixture) topic(t *testing.T, name, kind string) int64 {
	t.Helper()
	return f.topicQuery(t, name, kind, name)
}

// topicQuery adds a topic whose query is not its name.
func (f fixture) topicQuery(t *testing.T, name, kind, query string) int64 {
	t.Helper()
	var id int64
	must(t, f.db.WriteDB().QueryRowContext(context.Background(), `INSERT INTO topics (workspace_id, name, kind, query, enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, f.ws, name, kind, query).Scan(&id))
	return id
}

// competitorTopic adds a competitor topic of the brand's competitor comp
// (none when 0).
func (f fixture) competitorTopic(t *testing.T, name string, comp int64) int64 {
	t.Helper()
	id := f.topic(t, name, "competitor")
	if comp != 0 {
		_, err := f.db.WriteDB().ExecContext(context.Background(), `UPDATE topics SET competitor_id = $1 WHERE id = $2`, comp, id)
		must(t, err)
	}
	return id
}

// post stores n mentions of the topics as listening does: each its row,
// one match per topic and a count in each topic's roll-up.
func (f fixture) post(t *testing.T, n int, sentiment string, followers int64, at time.Time, topics ...int64) {
	t.Helper()
	batch := make([]listen.NewMention, n)
	for i := range batch {
		k := seq.Add(1)
		batch[i] = listen.NewMention{Mention: listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint("p", k), Text: fmt.Sprint("post ", k),
			ContentHash: fmt.Sprint("h", k), Sentiment: sentiment, AuthorFollowers: followers, TopicIDs: topics, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1}
	}
	_, _, err := f.db.SaveMentions(context.Background(), f.ws, batch, listen.NearSync{})
	must(t, err)
}

// posts stores pos positive, neu neutral and neg negative mentions of the
// topics at a time.
func (f fixture) posts(t *testing.T, at time.Time, pos, neu, neg int, topics ...int64) {
	t.Helper()
	f.post(t, pos, "positive", 10, at, topics...)
	f.post(t, neu, "neutral", 10, at, topics...)
	f.post(t, neg, "negative", 10, at, topics...)
}

func (f fixture) mention(t *testing.T, topic int64, author string, followers int64, source, text, sentiment string, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	n := seq.Add(1)
	must(t, f.db.WriteDB().QueryRowContext(ctx, `INSERT INTO mentions (workspace_id, source_kind, external_id, author, author_followers, text, content_hash, sentiment, likes, published_at, fetched_at, topic_ids)
		VALUES ($1, $2, $3, $4, $5, $6, $3, $7, 1, $8, $8, $9) RETURNING id`, f.ws, source, fmt.Sprint("m", n), author, followers, text, sentiment, at.UTC(), fmt.Sprint(topic)).Scan(&id))
	_, err := f.db.WriteDB().ExecContext(ctx, `INSERT INTO mention_topics (mention_id, topic_id, workspace_id, published_at) VALUES ($1, $2, $3, $4)`, id, topic, f.ws, at.UTC())
	must(t, err)
	return id
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func TestShareOfVoiceAndSentiment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		brand, rival := f.topic(t, "好茶", "brand"), f.topic(t, "对手", "competitor")
		other := newFixture(t, db)
		otherBrand := other.topic(t, "别家", "brand")
		day1 := time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)
		// 23:30 Shanghai on day 1 is 15:30 UTC: it belongs to day 1 there.
		f.posts(t, day1.Add(23*time.Hour+30*time.Minute), 3, 0, 1, brand)
		f.posts(t, day1.Add(10*time.Hour), 2, 2, 0, rival)
		f.posts(t, day1.Add(34*time.Hour), 0, 1, 1, brand)
		other.posts(t, day1.Add(10*time.Hour), 5, 0, 0, otherBrand)
		s := insight.NewService(db)
		p := insight.Period{From: day1, To: day1.AddDate(0, 0, 3), Loc: shanghai}
		sov, err := s.ShareOfVoice(ctx, f.ws, p)
		must(t, err)
		if fmt.Sprint(sov.Days) != "[2026-03-01 2026-03-02 2026-03-03]" || fmt.Sprint(sov.Brand) != "[4 2 0]" || fmt.Sprint(sov.Competitors[0].Mentions) != "[4 0 0]" {
			t.Fatalf("share of voice days %v brand %v rival %v", sov.Days, sov.Brand, sov.Competitors[0].Mentions)
		}
		if *sov.Share[0] != 0.5 || *sov.Share[1] != 1 || sov.Share[2] != nil || math.Abs(*sov.Total-0.6) > 1e-9 {
			t.Errorf("shares %v %v %v total %v", *sov.Share[0], *sov.Share[1], sov.Share[2], *sov.Total)
		}
		se, err := s.Sentiment(ctx, f.ws, brand, p)
		must(t, err)
		if se.Total.Volume != 6 || *se.Total.PositiveRate != 0.5 || math.Abs(*se.Total.NetSentiment-0.2) > 1e-9 {
			t.Errorf("sentiment total %+v", se.Total)
		}
		if _, err := s.Sentiment(ctx, f.ws, otherBrand, p); err == nil {
			t.Errorf("sentiment of another workspace's topic: no error")
		}
		if _, err := s.ShareOfVoice(ctx, f.ws, insight.Period{From: day1, To: day1}); err == nil {
			t.Errorf("empty period accepted")
		}
	})
}

func TestTermsAuthorsSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		brand := f.topic(t, "好茶", "brand")
		start := time.Date(2026, 3, 8, 0, 0, 0, 0, shanghai)
		// Previous week: the same everyday words.
		for i := 0; i < 6; i++ {
			f.mention(t, brand, "老用户", 10, "rss", "好茶的包装很漂亮，味道清香", "positive", start.AddDate(0, 0, -7).Add(time.Duration(i)*time.Hour))
		}
		// This week: a quality problem rises.
		for i := 0; i < 5; i++ {
			f.mention(t, brand, "大V", 100000, "weibo_search", "好茶喝完肚子疼，质量问题太严重，要求退款", "negative", start.Add(time.Duration(i)*time.Hour))
		}
		for i := 0; i < 3; i++ {
			f.mention(t, brand, "老用户", 10, "rss", "好茶的包装很漂亮，味道清香", "positive", start.Add(time.Duration(30+i)*time.Hour))
		}
		s := insight.NewService(db)
		p := insight.Period{From: start, To: start.AddDate(0, 0, 7), Loc: shanghai}
		hot, err := s.HotTerms(ctx, f.ws, 0, p)
		must(t, err)
		if hot.Mentions != 8 || len(hot.Terms) == 0 {
			t.Fatalf("hot terms: %+v", hot)
		}
		top := hot.Terms[0]
		if top.Count != 5 || top.Previous != 0 || len(top.MentionIDs) == 0 || len(top.Trend) != 7 || top.Trend[0] != 5 {
			t.Errorf("top hot term %+v, want a term of the 5 new complaints", top)
		}
		rank := map[string]int{}
		for i, h := range hot.Terms {
			rank[h.Term] = i + 1
		}
		if rank["退款"] == 0 || (rank["包装"] != 0 && rank["包装"] < rank["退款"]) {
			t.Errorf("退款 should rank above 包装: %v", rank)
		}
		if len(hot.Cloud) == 0 {
			t.Errorf("no word cloud")
		}
		co, err := s.CoOccurring(ctx, f.ws, 0, p)
		must(t, err)
		has := func(ts []insight.CoTerm, w string) bool {
			for _, x := range ts {
				if x.Term == w {
					return true
				}
			}
			return false
		}
		if !has(co.Negative, "退款") || has(co.Negative, "包装") || !has(co.Positive, "包装") || has(co.Positive, "好茶") {
			t.Errorf("co-occurring: positive %+v negative %+v", co.Positive, co.Negative)
		}
		as, err := s.Authors(ctx, f.ws, brand, p, 10)
		must(t, err)
		if len(as) != 2 || as[0].Author != "大V" || as[0].Mentions != 5 || as[0].Negative != 5 || as[0].Engagement != 5 {
			t.Errorf("authors %+v", as)
		}
		src, err := s.Sources(ctx, f.ws, 0, p)
		must(t, err)
		if len(src) != 2 || src[0].Source != "weibo_search" || src[0].Mentions != 5 {
			t.Errorf("sources %+v", src)
		}
	})
}

// TestHotTermsCompareWithListenedPeriods: a term's previous frequency is
// the mean of the earlier periods that have mentions; one before
// listening began (none at all) is no period in which the term was never
// said, which made every term of a young workspace look three times as
// hot as it was (the demo's 30 days: its own name 闲岚 a hot term, its
// share of mentions 47 % before and 55 % now).
func TestHotTermsCompareWithListenedPeriods(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Date(2026, 3, 8, 0, 0, 0, 0, shanghai)
		for _, c := range []struct {
			name     string
			earlier  []int // the earlier weeks (1 the week before) with the same mentions as this one
			previous float64
		}{
			{"every earlier week listened", []int{1, 2, 3}, 2},
			{"only the week before", []int{1}, 2},
			{"two of three weeks", []int{1, 3}, 2},
			{"none", nil, 0},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := newFixture(t, db)
				brand := f.topic(t, "好茶", "brand")
				for _, week := range append([]int{0}, c.earlier...) {
					at := start.AddDate(0, 0, -7*week)
					f.mention(t, brand, "a", 1, "rss", "好茶的包装很漂亮", "positive", at)
					f.mention(t, brand, "b", 1, "rss", "好茶的包装很漂亮", "positive", at.Add(time.Hour))
					f.mention(t, brand, "c", 1, "rss", "好茶味道清香", "positive", at.Add(2*time.Hour))
				}
				hot, err := insight.NewService(db).HotTerms(ctx, f.ws, 0, insight.Period{From: start, To: start.AddDate(0, 0, 7), Loc: shanghai})
				must(t, err)
				i := slices.IndexFunc(hot.Terms, func(h insight.HotTerm) bool { return h.Term == "包装" })
				if i < 0 {
					t.Fatalf("no hot term 包装: %+v", hot.Terms)
				}
				if h := hot.Terms[i]; h.Count != 2 || h.Previous != c.previous {
					t.Errorf("包装: %d mentions, previously %v; want 2, previously %v", h.Count, h.Previous, c.previous)
				}
			})
		}
	})
}

// TestAuthorsBySource: the same display name on two platforms is two
// accounts, each with its own followers and mentions.
func TestAuthorsBySource(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		brand := f.topic(t, "好茶", "brand")
		at := time.Date(2026, 3, 8, 10, 0, 0, 0, shanghai)
		f.mention(t, brand, "小王", 12, "weibo", "好茶不错", "positive", at)
		f.mention(t, brand, "小王", 12, "weibo", "好茶还行", "neutral", at.Add(time.Hour))
		f.mention(t, brand, "小王", 250000, "xiaohongshu", "好茶太差", "negative", at)
		p := insight.Period{From: at.Add(-time.Hour), To: at.Add(2 * time.Hour), Loc: shanghai}
		as, err := insight.NewService(db).Authors(context.Background(), f.ws, 0, p, 10)
		must(t, err)
		var got []string
		for _, a := range as {
			got = append(got, fmt.Sprintf("%s@%s %d followers %d mentions", a.Author, a.Source, a.Followers, a.Mentions))
		}
		want := []string{"小王@xiaohongshu 250000 followers 1 mentions", "小王@weibo 12 followers 2 mentions"}
		if !slices.Equal(got, want) {
			t.Errorf("authors %q, want %q", got, want)
		}
	})
}

// TestCoOccurringLeavesOutTheBrand: what customers say with the brand
// leaves out the words that name it, its topics' query terms too (here
// the Chinese name of a brand topic called Acme), and the phrases with
// them.
func TestCoOccurringLeavesOutTheBrand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		got := positiveCoTerms(t, db, "艾克美 OR acme",
			"艾克美的包装很漂亮", "艾克美包装漂亮", "艾克美 acme coffee 包装漂亮", "acme coffee 味道不错，包装很好")
		for _, own := range []string{"艾克美", "acme", "acme coffee"} {
			if slices.Contains(got, own) {
				t.Errorf("positive terms %q name the brand: %q", got, own)
			}
		}
		if !slices.Contains(got, "包装") || !slices.Contains(got, "coffee") {
			t.Errorf("positive terms %q; want 包装 and coffee among them", got)
		}
	})
}

// positiveCoTerms stores texts as positive mentions of the brand topic
// Acme with query, and one negative mention, and returns what customers
// say with the brand in the positive ones.
func positiveCoTerms(t *testing.T, db *store.DB, query string, texts ...string) []string {
	t.Helper()
	f := newFixture(t, db)
	brand := f.topicQuery(t, "Acme", "brand", query)
	at := time.Date(2026, 3, 8, 10, 0, 0, 0, shanghai)
	for i, text := range texts {
		f.mention(t, brand, "u", 1, "weibo", text, "positive", at.Add(time.Duration(i)*time.Minute))
	}
	f.mention(t, brand, "u", 1, "weibo", "acme 退款太慢", "negative", at)
	p := insight.Period{From: at.Add(-time.Hour), To: at.Add(time.Hour), Loc: shanghai}
	co, err := insight.NewService(db).CoOccurring(context.Background(), f.ws, 0, p)
	must(t, err)
	var got []string
	for _, c := range co.Positive {
		got = append(got, c.Term)
	}
	return got
}

// TestCoOccurringKeepsExcludedWords: a word the team excluded from the
// brand's query (NOT, -) is not a word of the brand, so what customers
// say with the brand still shows it (here in mentions stored before the
// exclusion was added).
func TestCoOccurringKeepsExcludedWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		got := positiveCoTerms(t, db, "(艾克美 OR acme) -招聘", "艾克美门店招聘店员", "艾克美又在招聘", "acme 招聘 咖啡师")
		if !slices.Contains(got, "招聘") || slices.Contains(got, "艾克美") {
			t.Errorf("positive terms %q; want 招聘 and not the brand's 艾克美", got)
		}
	})
}

// TestCoOccurringDropsWordsOfPhrases: what customers say with the brand
// lists a phrase once, not also each of its words when they are nearly
// always said in it (买到假货, not 买到 and 假货 beside it, one story in
// three rows), as the hot terms do; a word also said apart stays.
func TestCoOccurringDropsWordsOfPhrases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		got := positiveCoTerms(t, db, "艾克美", "在艾克美买到假货，包装", "又在艾克美买到假货", "艾克美买到假货了，包装", "艾克美包装不错")
		if !slices.Contains(got, "买到假货") || slices.Contains(got, "买到") || slices.Contains(got, "假货") || !slices.Contains(got, "包装") {
			t.Errorf("positive terms %q; want 买到假货 without its words 买到 and 假货, and 包装", got)
		}
	})
}

func TestTerms(t *testing.T) {
	t.Parallel()
	start := time.Now()
	terms := insight.SegmentForTest("蒙牛的牛奶质量太差了，喝完肚子疼 Social Listening is great! http://t.cn/x")
	t.Logf("first segmentation (dictionary load) took %v", time.Since(start))
	got := map[string]bool{}
	for _, x := range terms {
		got[x.Text] = true
	}
	for _, want := range []string{"牛奶", "质量", "social listening"} {
		if !got[want] {
			t.Errorf("terms lack %q: %v", want, terms)
		}
	}
	for _, bad := range []string{"的", "了", "is", "，", "http"} {
		if got[bad] {
			t.Errorf("terms keep %q", bad)
		}
	}
}

func TestDropWordsOfPhrases(t *testing.T) {
	phrases := map[string][2]string{"投诉无门": {"投诉", "无门"}, "小孩赶紧": {"小孩", "赶紧"}, "冷萃好喝": {"冷萃", "好喝"}}
	term := func(s string, n int) insight.HotTerm {
		_, phrase := phrases[s]
		return insight.HotTerm{Term: s, Phrase: phrase, Count: n}
	}
	tests := []struct {
		name string
		in   []insight.HotTerm
		want []string
	}{
		{"words only said in the phrase", []insight.HotTerm{term("投诉", 17), term("无门", 17), term("投诉无门", 17)}, []string{"投诉无门"}},
		{"at 90 % of the word's mentions", []insight.HotTerm{term("小孩", 13), term("小孩赶紧", 12)}, []string{"小孩赶紧"}},
		{"a word said apart too", []insight.HotTerm{term("冷萃", 30), term("冷萃好喝", 5)}, []string{"冷萃", "冷萃好喝"}},
		{"a phrase not among the terms", []insight.HotTerm{term("投诉", 17), term("无门", 3)}, []string{"投诉", "无门"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, h := range insight.DropWordsOfPhrases(tt.in, phrases) {
				got = append(got, h.Term)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestTermsLeaveOutGenericWords: words any post uses, which filled the
// demo's word cloud, are no terms (Chorus's supplement to the SnowNLP
// list, and numbers in Chinese); what the post is about stays.
func TestTermsLeaveOutGenericWords(t *testing.T) {
	t.Parallel()
	texts := []string{
		"真的无语，闲岚冷萃喝完拉肚子，感觉就是变质了，今天要求退款",
		"一个人在家，现在还是觉得闲岚冻干什么都好，希望别人也发现",
		"五十块钱买到假货，想想就头疼，我掐指一算，够TM呛",
		"lol omg this cold brew is gonna be my thing",
	}
	got := map[string]bool{}
	for _, text := range texts {
		for _, x := range insight.SegmentNamesForTest([]string{"闲岚"}, []string{"闲岚冷萃", "闲岚冻干"}, nil, text) {
			got[x.Text] = true
		}
	}
	for _, bad := range []string{"真的", "感觉", "就是", "今天", "一个", "现在", "还是", "觉得", "什么", "希望", "别人", "发现",
		"五十", "块钱", "想想", "指一算", "tm", "lol", "omg", "gonna"} {
		if got[bad] {
			t.Errorf("terms keep the generic %q", bad)
		}
	}
	for _, want := range []string{"闲岚冷萃", "拉肚子", "变质", "退款", "闲岚冻干", "在家", "假货", "头疼", "cold brew"} {
		if !got[want] {
			t.Errorf("terms lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("terms: %v", slices.Sorted(maps.Keys(got)))
	}
}

// TestExamples: each list's example is its first mention still there, read
// in one query; another workspace's mention is none.
func TestExamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, other := newFixture(t, db), newFixture(t, db)
		at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
		a := f.mention(t, f.topic(t, "Acme", "brand"), "fan", 10, "rss", "冷萃好喝", "positive", at)
		b := f.mention(t, f.topic(t, "Acme 2", "brand"), "fan", 10, "rss", "要求退款", "negative", at)
		foreign := other.mention(t, other.topic(t, "Else", "brand"), "x", 10, "rss", "别家的帖子", "neutral", at)
		got, err := insight.NewService(db).Examples(ctx, f.ws, [][]int64{{a, b}, {b + 1000, b}, {foreign, a}, {foreign}, nil})
		must(t, err)
		want := []string{"冷萃好喝", "要求退款", "冷萃好喝", "", ""}
		if !slices.Equal(got, want) {
			t.Errorf("examples %q, want %q", got, want)
		}
	})
}

// TestHotTermsLeaveOutSearchedTerms: the hot terms (and their word cloud)
// leave out what the topics read search for — their names and their
// queries' words and phrases, however a mention writes them (ＡＣＭＥ,
// Acme) — since every mention of a topic carries them by construction;
// a crisis topic's watched words stay, as their rise is the news, and
// with every topic read a disabled topic's words stay too.
func TestHotTermsLeaveOutSearchedTerms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		brand := f.topicQuery(t, "Acme 咖啡", "brand", `"艾克美冷萃" OR 艾克美 OR acme`)
		rival := f.topicQuery(t, "橡果", "competitor", `橡果 OR acornbrew`)
		crisis := f.topicQuery(t, "危机词", "crisis", `艾克美 ("退款" OR "假货")`)
		off := f.topicQuery(t, "旧活动", "campaign", `露营`)
		_, err := db.WriteDB().ExecContext(ctx, `UPDATE topics SET enabled = FALSE WHERE id = $1`, off)
		must(t, err)
		start := time.Date(2026, 3, 8, 0, 0, 0, 0, shanghai)
		for i := 0; i < 3; i++ {
			at := start.Add(time.Duration(i) * time.Hour)
			f.mention(t, brand, "u", 1, "weibo", "ＡＣＭＥ 艾克美冷萃 包装漂亮", "positive", at)
			f.mention(t, brand, "u", 1, "weibo", "Acme 艾克美 露营", "positive", at)
			f.mention(t, rival, "u", 1, "weibo", "橡果 AcornBrew 包装一般", "neutral", at)
			f.mention(t, crisis, "u", 1, "weibo", "艾克美 退款", "negative", at)
		}
		s := insight.NewService(db)
		p := insight.Period{From: start, To: start.AddDate(0, 0, 7), Loc: shanghai}
		for _, c := range []struct {
			name          string
			topic         int64
			without, with []string
		}{
			{"every topic", 0, []string{"艾克美", "艾克美冷萃", "冷萃", "acme", "ａｃｍｅ", "橡果", "acornbrew"}, []string{"包装", "退款", "露营"}},
			{"the brand", brand, []string{"艾克美", "艾克美冷萃", "冷萃", "acme", "ａｃｍｅ"}, []string{"包装漂亮", "露营"}},
			{"the competitor", rival, []string{"橡果", "acornbrew"}, []string{"包装"}},
			{"the crisis topic", crisis, []string{"艾克美"}, []string{"退款"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				hot, err := s.HotTerms(ctx, f.ws, c.topic, p)
				must(t, err)
				var terms, words []string
				for _, h := range hot.Terms {
					terms = append(terms, h.Term)
				}
				for _, w := range hot.Cloud {
					words = append(words, w.Name)
				}
				for _, w := range c.without {
					if slices.Contains(terms, w) || slices.Contains(words, w) {
						t.Errorf("hot terms %q (cloud %q) hold the searched-for %q", terms, words, w)
					}
				}
				for _, w := range c.with {
					if !slices.Contains(terms, w) {
						t.Errorf("hot terms %q lack %q", terms, w)
					}
				}
			})
		}
	})
}

// TestCoOccurringLeavesOutTheBrandAnyWidth: what customers say with the
// brand leaves out its name however a mention writes it (full width,
// upper case), as matching finds it, and the phrases with it (ＡＣＭＥ包装).
func TestCoOccurringLeavesOutTheBrandAnyWidth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		got := positiveCoTerms(t, db, "艾克美 OR acme", "ＡＣＭＥ 包装漂亮", "ＡＣＭＥ 包装很好", "Acme 包装不错")
		for _, term := range got {
			if strings.Contains(term, "ａｃｍｅ") || strings.Contains(term, "acme") {
				t.Errorf("positive terms %q name the brand: %q", got, term)
			}
		}
		if !slices.Contains(got, "包装") {
			t.Errorf("positive terms %q; want 包装 among them", got)
		}
	})
}
