package listen_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/sentiment"
	"github.com/chorus-hq/chorus/internal/listen/textnorm"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

var wsSeq int

func newWorkspace(t testing.TB, db *store.DB) int64 {
	t.Helper()
	wsSeq++
	var id int64
	err := db.WriteDB().QueryRowContext(context.Background(), `INSERT INTO workspaces (slug, name, time_zone, currency, created_at, updated_at)
		VALUES ($1, '闲岚咖啡（演示）', 'Asia/Shanghai', 'CNY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, fmt.Sprintf("listen-%d", wsSeq)).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func normText(s string) string { return textnorm.Normalize(s).Norm }

func post(id, text string, at time.Time) listen.Post { return postBy(id, "a"+id, text, at) }

// postBy is post with another author than the id's.
func postBy(id, author, text string, at time.Time) listen.Post {
	return listen.Post{SourceKind: "weibo", ExternalID: id, Author: author, AuthorFollowers: 100, Text: text, PublishedAt: at}
}

func TestSimHashNearDuplicates(t *testing.T) {
	orig := "今天去闲岚咖啡喝了冷萃，味道真的很不错，推荐大家试试看！价格也很实惠。"
	tests := []struct {
		name string
		a, b string
		near bool
	}{
		{"repost prefix", orig, "转发微博 //@小美: " + orig, true},
		{"punctuation", orig, strings.NewReplacer("，", ",", "！", "!").Replace(orig), true},
		{"different text", orig, "快递三天都没到，客服也不回消息，太失望了，再也不买了。", false},
		{"different topic", "华为新手机发布会今晚八点直播，大家记得准时观看。", "小米新手机发布会明天上午十点直播，欢迎大家观看。", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := listen.SimHash(normText(tt.a)), listen.SimHash(normText(tt.b))
			d := listen.Hamming(a, b)
			if (d <= listen.NearBits) != tt.near {
				t.Errorf("distance %d, want near=%v", d, tt.near)
			}
		})
	}
}

func TestIngestDedupAndRollups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		topic, err := svc.CreateTopic(ctx, ws, listen.Topic{Name: "闲岚", Kind: "brand", Query: "闲岚 OR xianlan", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		var hooked []int64
		svc.AfterIngest = func(ctx context.Context, _ int64, ids []int64) { hooked = append(hooked, ids...) }
		at := time.Now().UTC().Truncate(time.Hour).Add(-5*time.Hour + 20*time.Minute)
		orig := "闲岚的冷萃咖啡太好喝了，强烈推荐，喜欢喜欢！"
		res, err := svc.Ingest(ctx, ws, []listen.Post{
			post("1", orig, at),
			post("1", orig, at), // same external id
			{SourceKind: "rss", ExternalID: "2", Author: "a1", Text: orig, PublishedAt: at.Add(time.Minute)}, // same author and text, other source
			post("6", orig, at.Add(90*time.Second)),                                                          // copy-paste by another author
			post("3", "转发微博 //@someone: "+orig, at.Add(2*time.Minute)),                                       // repost
			post("4", "闲岚客服太差了，退款拖了一个月，非常失望，生气！", at.Add(time.Hour)),
			post("5", "   ", at),
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stored != 4 || res.Duplicates != 2 || res.Clustered != 2 || res.Matched != 4 || res.Skipped != 1 {
			t.Fatalf("result %+v, want 4 stored, 2 duplicates, 2 clustered, 4 matched, 1 skipped", res)
		}
		if len(hooked) != 4 {
			t.Errorf("AfterIngest saw %v", hooked)
		}
		// The same external id again, in a later batch: still one row.
		res, err = svc.Ingest(ctx, ws, []listen.Post{post("1", "完全不同的内容，讲的是另一回事", at)})
		if err != nil || res.Duplicates != 1 || res.Stored != 0 {
			t.Fatalf("second batch %+v, %v", res, err)
		}
		ms, err := svc.Mentions(ctx, ws, listen.MentionFilter{})
		if err != nil || len(ms) != 4 {
			t.Fatalf("mentions %d, %v", len(ms), err)
		}
		root, repost, copied := ms[3], ms[1], ms[2]
		if root.ClusterSize != 3 || repost.ClusterID != root.ID || copied.ClusterID != root.ID || copied.Author != "a6" || root.ClusterID != 0 {
			t.Errorf("root %d size %d, repost cluster %d, copy %+v", root.ID, root.ClusterSize, repost.ClusterID, copied)
		}
		if len(root.TopicIDs) != 1 || root.TopicIDs[0] != topic.ID || root.Lang != "zh" || root.Sentiment != listen.Positive {
			t.Errorf("root %+v", root)
		}
		rollups, err := db.TopicRollups(ctx, ws, nil, at.Add(-24*time.Hour), at.Add(24*time.Hour))
		if err != nil || len(rollups) != 2 {
			t.Fatalf("rollups %+v, %v", rollups, err)
		}
		first, second := rollups[0], rollups[1]
		if !first.Hour.Equal(at.Truncate(time.Hour)) || first.Volume != 3 || first.Positive != 3 || first.Reach != 300 {
			t.Errorf("first hour %+v", first)
		}
		if second.Volume != 1 || second.Negative != 1 {
			t.Errorf("second hour %+v", second)
		}
		// A correction moves the count.
		if _, err := svc.CorrectSentiment(ctx, ws, root.ID, listen.Neutral); err != nil {
			t.Fatal(err)
		}
		rollups, _ = db.TopicRollups(ctx, ws, []int64{topic.ID}, at.Add(-time.Hour), at.Add(time.Hour))
		if rollups[0].Positive != 2 || rollups[0].Neutral != 1 || rollups[0].Volume != 3 {
			t.Errorf("after correction %+v", rollups[0])
		}
		if _, err := svc.CorrectSentiment(ctx, ws, root.ID, "happy"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("bad label: %v", err)
		}
		if _, err := svc.CorrectSentiment(ctx, ws+999, root.ID, listen.Negative); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other workspace: %v", err)
		}
		var buf bytes.Buffer
		if err := svc.ExportCorrections(ctx, ws, &buf); err != nil || buf.String() != "text,label\n"+orig+",neutral\n" {
			t.Errorf("export %q, %v", buf.String(), err)
		}
		// A restarted service rebuilds the near-duplicate index from the store.
		fresh := listen.NewService(db, listen.Brands{}, listen.Options{})
		res, err = fresh.Ingest(ctx, ws, []listen.Post{post("9", "//@other: "+orig+"!!", at.Add(3*time.Minute))})
		if err != nil || res.Clustered != 1 {
			t.Fatalf("after restart %+v, %v", res, err)
		}
		got, _ := svc.Mention(ctx, ws, root.ID)
		if got.ClusterSize != 4 {
			t.Errorf("cluster size %d, want 4", got.ClusterSize)
		}
		// The same author's text: under a new id the same day it is the
		// post seen again; the day before, it is a post of its own.
		res, err = fresh.Ingest(ctx, ws, []listen.Post{{SourceKind: "rss", ExternalID: "10", Author: "a1", Text: orig, PublishedAt: at.Add(time.Minute)}})
		if err != nil || res.Duplicates != 1 || res.Stored != 0 {
			t.Fatalf("same day, new id: %+v, %v", res, err)
		}
		res, err = fresh.Ingest(ctx, ws, []listen.Post{{SourceKind: "rss", ExternalID: "11", Author: "a1", Text: orig, PublishedAt: at.Add(-24 * time.Hour)}})
		if err != nil || res.Stored != 1 || res.Clustered != 1 {
			t.Fatalf("the day before: %+v, %v", res, err)
		}
	})
}

func TestTopicsQueryErrorsAndTry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		_, err := svc.CreateTopic(ctx, ws, listen.Topic{Name: "bad", Query: "(华为 OR 小米"})
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), "query: query.unclosed_paren") || !strings.Contains(err.Error(), "Pos:1") {
			t.Fatalf("bad query: %v", err)
		}
		at := time.Now().Add(-time.Hour)
		if _, err := svc.Ingest(ctx, ws, []listen.Post{post("1", "华为手机很好用", at), post("2", "小米手机一般", at), post("3", "今天天气好", at)}); err != nil {
			t.Fatal(err)
		}
		res, err := svc.TryQuery(ctx, ws, "手机 -小米")
		if err != nil || res.Scanned != 3 || len(res.Matched) != 1 || !strings.Contains(res.Matched[0].Text, "华为") {
			t.Fatalf("try %+v, %v", res, err)
		}
		// Topics created after posts were stored match later posts.
		tp, err := svc.CreateTopic(ctx, ws, listen.Topic{Name: "天气", Query: "天气", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := svc.Ingest(ctx, ws, []listen.Post{post("4", "天气预报说明天下雨", at)})
		if err != nil || r.Matched != 1 {
			t.Fatalf("after new topic %+v, %v", r, err)
		}
		ms, _ := svc.Mentions(ctx, ws, listen.MentionFilter{TopicID: tp.ID})
		if len(ms) != 1 {
			t.Errorf("topic filter: %d mentions", len(ms))
		}
	})
}

// TestTraditionalPostMatchesAcrossPhrases: tw2sp turns 中國聯通道歉 into
// 中国联信道歉 (通道 read as the Taiwan word for 信道), yet a topic on 联通
// gets the post, and one written with Taiwan words still gets its own.
func TestTraditionalPostMatchesAcrossPhrases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		unicom, err := svc.CreateTopic(ctx, ws, listen.Topic{Name: "联通", Kind: "brand", Query: "联通", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		software, err := svc.CreateTopic(ctx, ws, listen.Topic{Name: "软件", Kind: "product", Query: "软件", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-time.Hour)
		if _, err := svc.Ingest(ctx, ws, []listen.Post{post("1", "中國聯通道歉", at), post("2", "這個軟體很好用", at)}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			topic int64
			text  string
		}{{unicom.ID, "中國聯通道歉"}, {software.ID, "這個軟體很好用"}} {
			ms, err := svc.Mentions(ctx, ws, listen.MentionFilter{TopicID: tt.topic})
			if err != nil || len(ms) != 1 || ms[0].Text != tt.text {
				t.Errorf("mentions of topic %d: %+v, %v; want %s", tt.topic, ms, err, tt.text)
			}
		}
	})
}

func TestSeedTopics(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	ws := newWorkspace(t, db)
	brands := listen.Brands{Competitors: func(ctx context.Context, ws int64) ([]brand.Competitor, error) {
		return []brand.Competitor{{ID: 7, Name: "橡果冷萃（Acornbrew）", Aliases: []string{"橡果"}, Keywords: []string{"橡果 测评"}}}, nil
	}, Products: func(ctx context.Context, ws int64) ([]brand.Product, error) {
		return []brand.Product{{Name: "闲岚冻干咖啡"}, {Name: "闲岚冷萃咖啡液"}}, nil
	}}
	svc := listen.NewService(db, brands, listen.Options{})
	res, err := svc.SeedTopics(ctx, ws)
	if err != nil || len(res.Created) != 2 {
		t.Fatalf("seed %+v, %v", res, err)
	}
	if q := res.Created[0].Query; res.Created[0].Kind != "brand" || !strings.Contains(q, `"闲岚咖啡"`) || !strings.Contains(q, `"闲岚"`) || strings.Contains(q, "演示") {
		t.Errorf("brand topic %+v", res.Created[0])
	}
	if c := res.Created[1]; c.CompetitorID != 7 || !strings.Contains(c.Query, `"Acornbrew"`) || !strings.Contains(c.Query, `("橡果" "测评")`) {
		t.Errorf("competitor topic %+v", c)
	}
	again, err := svc.SeedTopics(ctx, ws)
	if err != nil || len(again.Created) != 0 || len(again.Topics) != 2 {
		t.Errorf("seed again %+v, %v", again, err)
	}
}

func FuzzIngestHostileText(f *testing.F) {
	f.Add("正常的文本 https://example.com/x")
	f.Add("\xff\xfe\x00控制\x01字符\x7f\u0085")
	f.Add(strings.Repeat("闲岚", 1000))
	f.Add("转发微博 //@a: //@b: ")
	db := storetest.SQLite(f)
	ws := newWorkspace(f, db)
	svc := listen.NewService(db, listen.Brands{}, listen.Options{})
	if _, err := svc.CreateTopic(context.Background(), ws, listen.Topic{Name: "x", Query: "闲岚 OR \"a b\"", Enabled: true}); err != nil {
		f.Fatal(err)
	}
	n := 0
	f.Fuzz(func(t *testing.T, text string) {
		n++
		res, err := svc.Ingest(context.Background(), ws, []listen.Post{{SourceKind: "fuzz", ExternalID: fmt.Sprint(n), Text: text, Author: text, URL: text, PublishedAt: time.Now()}})
		if err != nil {
			t.Fatalf("Ingest(%q): %v", text, err)
		}
		if res.Stored+res.Duplicates+res.Skipped != 1 {
			t.Fatalf("result %+v", res)
		}
	})
}

func TestIngestHugePost(t *testing.T) {
	db := storetest.SQLite(t)
	ws := newWorkspace(t, db)
	svc := listen.NewService(db, listen.Brands{}, listen.Options{})
	huge := strings.Repeat("闲岚咖啡好喝\x00\xff", (2<<20)/20)
	res, err := svc.Ingest(context.Background(), ws, []listen.Post{post("h", huge, time.Now())})
	if err != nil || res.Stored != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	m, _ := svc.Mention(context.Background(), ws, res.IDs[0])
	if n := len([]rune(m.Text)); n > listen.MaxStoredRunes || strings.ContainsRune(m.Text, 0) {
		t.Errorf("stored %d runes", n)
	}
}

// TestIngestDropsBidiControls: the characters that force or embed a
// writing direction (U+202A–U+202E, U+2066–U+2069) are dropped from what
// an outsider posts, so that "\u202e官方客服 moc.nalnaix" is not shown
// as "xianlan.com 服客方官", a name it does not hold; Arabic and Hebrew
// read right to left without them.
func TestIngestDropsBidiControls(t *testing.T) {
	m := ingestOne(t, postBy("rlo", "\u202e官方客服 moc.nalnaix", "闲岚咖啡 \u202a\u202b\u202c\u202d\u202e款退求要\u2066\u2067\u2068\u2069 مرحبا \u200f", time.Now()))
	if want := "官方客服 moc.nalnaix"; m.Author != want {
		t.Errorf("author %q; want %q", m.Author, want)
	}
	if want := "闲岚咖啡 款退求要 مرحبا \u200f"; m.Text != want {
		t.Errorf("text %q; want %q (a right-to-left mark kept: it forces nothing)", m.Text, want)
	}
}

// TestIngestKeepsLinkOfAnyCase: a post's link whose scheme is written in
// capitals (HTTPS://), as some exports write it, is kept as its link.
func TestIngestKeepsLinkOfAnyCase(t *testing.T) {
	p := postBy("caps", "小王", "闲岚咖啡真好喝", time.Now())
	p.URL = "HTTPS://weibo.example/1"
	if m := ingestOne(t, p); m.URL != p.URL {
		t.Errorf("link %q; want %q", m.URL, p.URL)
	}
}

// ingestOne ingests p alone into a new workspace and returns its mention.
func ingestOne(t *testing.T, p listen.Post) listen.Mention {
	t.Helper()
	db := storetest.SQLite(t)
	ws := newWorkspace(t, db)
	svc := listen.NewService(db, listen.Brands{}, listen.Options{})
	res, err := svc.Ingest(context.Background(), ws, []listen.Post{p})
	if err != nil || res.Stored != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	m, err := svc.Mention(context.Background(), ws, res.IDs[0])
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestIngestCountsBounded: counts a polled platform reports are kept
// within 0 and MaxCount, so that adding them up cannot overflow.
func TestIngestCountsBounded(t *testing.T) {
	db := storetest.SQLite(t)
	ws := newWorkspace(t, db)
	svc := listen.NewService(db, listen.Brands{}, listen.Options{})
	p := post("big", "闲岚咖啡上了热搜", time.Now())
	p.Likes, p.Reposts, p.Comments, p.AuthorFollowers = math.MaxInt64, -5, 42, math.MaxInt64
	res, err := svc.Ingest(context.Background(), ws, []listen.Post{p})
	if err != nil || res.Stored != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	m, err := svc.Mention(context.Background(), ws, res.IDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.Likes != listen.MaxCount || m.Reposts != 0 || m.Comments != 42 || m.AuthorFollowers != listen.MaxCount {
		t.Errorf("stored likes %d, reposts %d, comments %d, followers %d; want %d, 0, 42, %d", m.Likes, m.Reposts, m.Comments, m.AuthorFollowers, int64(listen.MaxCount), int64(listen.MaxCount))
	}
}

// racingStore holds the first batch's SaveMentions until a second batch
// has looked its duplicates up, so the second batch's lookup misses what
// the first stores.
type racingStore struct {
	*store.DB
	saving, looked chan struct{}
	lookups, saves atomic.Int32
}

func (r *racingStore) KnownMentions(ctx context.Context, ws int64, keys []listen.ExactKey, hashes []string) (map[listen.ExactKey]bool, map[string]bool, error) {
	k, h, err := r.DB.KnownMentions(ctx, ws, keys, hashes)
	if r.lookups.Add(1) == 2 {
		close(r.looked)
	}
	return k, h, err
}

func (r *racingStore) SaveMentions(ctx context.Context, ws int64, batch []listen.NewMention, near listen.NearSync) ([]int64, []listen.DedupEntry, error) {
	if r.saves.Add(1) == 1 {
		close(r.saving)
		<-r.looked
	}
	return r.DB.SaveMentions(ctx, ws, batch, near)
}

func TestIngestConcurrentDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		rs := &racingStore{DB: db, saving: make(chan struct{}), looked: make(chan struct{})}
		svc := listen.NewService(rs, listen.Brands{}, listen.Options{})
		at := time.Now().UTC().Add(-time.Hour)
		first := []listen.Post{post("1", "闲岚的冷萃咖啡太好喝了", at), post("2", "快递三天都没到，客服也不回消息", at)}
		second := []listen.Post{
			post("1", "完全不同的内容，讲的是另一回事", at),     // same external id
			postBy("3", "a1", "闲岚的冷萃咖啡太好喝了", at), // same author and text
			post("4", "华为新手机发布会今晚八点直播", at),
		}
		var wg sync.WaitGroup
		var firstRes listen.IngestResult
		var firstErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			firstRes, firstErr = svc.Ingest(ctx, ws, first)
		}()
		<-rs.saving
		res, err := svc.Ingest(ctx, ws, second)
		wg.Wait()
		if firstErr != nil || firstRes.Stored != 2 {
			t.Fatalf("first batch %+v, %v", firstRes, firstErr)
		}
		if err != nil || res.Stored != 1 || res.Duplicates != 2 {
			t.Fatalf("second batch %+v, %v; want 1 stored, 2 duplicates", res, err)
		}
		if n := rs.lookups.Load(); n != 2 {
			t.Errorf("%d lookups of stored duplicates, want 2 (one a batch)", n)
		}
		ms, err := svc.Mentions(ctx, ws, listen.MentionFilter{})
		if err != nil || len(ms) != 3 {
			t.Fatalf("%d mentions, %v; want 3", len(ms), err)
		}
	})
}

// twoNodes makes a workspace and two services over db, which stand for
// two nodes over one database.
func twoNodes(t *testing.T, db *store.DB) (ws int64, a, b *listen.Service) {
	t.Helper()
	ws = newWorkspace(t, db)
	return ws, listen.NewService(db, listen.Brands{}, listen.Options{}), listen.NewService(db, listen.Brands{}, listen.Options{})
}

// TestTopicsOfAnotherNode: two services over one store are two nodes. A
// topic made, changed or deleted on one is used by the other's next batch,
// though the other compiled its topics before.
func TestTopicsOfAnotherNode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, a, b := twoNodes(t, db)
		at := time.Now().UTC().Add(-time.Hour)
		n := 0
		matchedOnB := func() int {
			t.Helper()
			n++
			res, err := b.Ingest(ctx, ws, []listen.Post{post(fmt.Sprint("b", n), fmt.Sprintf("第%d杯 quokkabrew 冷萃", n), at)})
			if err != nil {
				t.Fatal(err)
			}
			return res.Matched
		}
		if got := matchedOnB(); got != 0 {
			t.Fatalf("matched %d with no topics", got)
		}
		topic, err := a.CreateTopic(ctx, ws, listen.Topic{Name: "Quokka", Kind: "product", Query: "quokkabrew", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := matchedOnB(); got != 1 {
			t.Errorf("node B matched %d after node A made the topic, want 1", got)
		}
		topic.Enabled = false
		if _, err := a.UpdateTopic(ctx, ws, topic); err != nil {
			t.Fatal(err)
		}
		if got := matchedOnB(); got != 0 {
			t.Errorf("node B matched %d after node A disabled the topic, want 0", got)
		}
		topic.Enabled = true
		if _, err := a.UpdateTopic(ctx, ws, topic); err != nil {
			t.Fatal(err)
		}
		if got := matchedOnB(); got != 1 {
			t.Errorf("node B matched %d after node A enabled the topic again, want 1", got)
		}
		tagged := func() (n int) {
			t.Helper()
			ms, err := a.Mentions(ctx, ws, listen.MentionFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if slices.Contains(m.TopicIDs, topic.ID) {
					n++
				}
			}
			return n
		}
		if got := tagged(); got != 2 {
			t.Errorf("%d mentions carry the topic, want 2", got)
		}
		if err := a.DeleteTopic(ctx, ws, topic.ID); err != nil {
			t.Fatal(err)
		}
		if got := matchedOnB(); got != 0 {
			t.Errorf("node B matched %d after node A deleted the topic, want 0", got)
		}
		if got := tagged(); got != 0 {
			t.Errorf("%d mentions still carry the deleted topic", got)
		}
		if _, _, err := b.Matcher(ctx, ws+1000); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("matcher of a missing workspace: %v, want NotFound", err)
		}
	})
}

// TestNearDuplicatesOfAnotherNode: two services over one store are two
// nodes whose near-duplicate indexes were built before. A repost on one
// node of a post stored by the other joins the original's cluster, also
// when both nodes store batches at the same time.
func TestNearDuplicatesOfAnotherNode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, a, b := twoNodes(t, db)
		at := time.Now().UTC().Add(-time.Hour)
		ingest := func(svc *listen.Service, posts ...listen.Post) listen.IngestResult {
			t.Helper()
			res, err := svc.Ingest(ctx, ws, posts)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		// Both nodes build their indexes.
		ingest(a, post("a0", "华为新手机发布会今晚八点直播，大家记得准时观看。", at))
		ingest(b, post("b0", "快递三天都没到，客服也不回消息，太失望了，再也不买了。", at))
		orig := "今天去闲岚咖啡喝了冷萃，味道真的很不错，推荐大家试试看！价格也很实惠。"
		first := ingest(a, post("a1", orig, at))
		res := ingest(b, post("b1", "转发微博 //@小美: "+orig, at))
		if res.Clustered != 1 {
			t.Fatalf("node B: %+v; want the repost of node A's post clustered", res)
		}
		m, err := b.Mention(ctx, ws, res.IDs[0])
		if err != nil {
			t.Fatal(err)
		}
		if m.ClusterID != first.IDs[0] {
			t.Errorf("repost's cluster %d, want node A's post %d", m.ClusterID, first.IDs[0])
		}
		// Batches of both nodes at once: each of B's next reposts finds
		// the original A stored in the batch before, whichever committed
		// first.
		for i := range 5 {
			text := fmt.Sprintf("第%d家分店开业了，全场饮品第二杯半价，活动持续到月底，欢迎大家来店里坐坐！", i)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, _ = a.Ingest(ctx, ws, []listen.Post{post(fmt.Sprint("a-shop-", i), text, at)})
			}()
			go func() {
				defer wg.Done()
				_, _ = b.Ingest(ctx, ws, []listen.Post{post(fmt.Sprint("b-other-", i), fmt.Sprintf("无关的第%d条：今天的天气不错，适合出门散步。", i), at)})
			}()
			wg.Wait()
			if res := ingest(b, post(fmt.Sprint("b-shop-", i), "转发微博 "+text, at)); res.Clustered != 1 {
				t.Errorf("round %d: node B's repost %+v; want it clustered with node A's post", i, res)
			}
		}
	})
}

// TestWorkspaceModelOnEveryNode: a workspace's retrained sentiment model
// is stored only when it is not worse on the held-out rows, and then every
// node applies it to the workspace's next batch; other workspaces keep the
// built-in model.
func TestWorkspaceModelOnEveryNode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, other := newWorkspace(t, db), newWorkspace(t, db)
		a := listen.NewService(db, listen.Brands{}, listen.Options{})
		b := listen.NewService(db, listen.Brands{}, listen.Options{})
		if _, own, err := b.CurrentModel(ctx, ws); err != nil || own {
			t.Fatalf("before training: own %v, err %v; want the built-in model", own, err)
		}
		// The workspace's own jargon: 袋熊 (wombat) is praise, 考拉 (koala)
		// a complaint, which the built-in model cannot know.
		var examples []sentiment.Example
		for i := range 40 {
			examples = append(examples,
				sentiment.Example{Text: fmt.Sprintf("第%d批袋熊款到了", i), Label: sentiment.Positive},
				sentiment.Example{Text: fmt.Sprintf("第%d批考拉款到了", i), Label: sentiment.Negative})
		}
		_, rep, err := a.Retrain(ctx, ws, examples, sentiment.TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Better || rep.New.MacroF1 <= rep.Current.MacroF1 {
			t.Fatalf("retrain report %+v; want the new model better on held-out rows", rep)
		}
		if _, own, err := b.CurrentModel(ctx, ws); err != nil || !own {
			t.Errorf("node B after node A trained: own %v, err %v; want the workspace's model", own, err)
		}
		at := time.Now().UTC().Add(-time.Hour)
		label := func(svc *listen.Service, ws int64, id, text string) string {
			t.Helper()
			res, err := svc.Ingest(ctx, ws, []listen.Post{post(id, text, at)})
			if err != nil || len(res.IDs) != 1 {
				t.Fatalf("ingest %q: %+v, %v", text, res, err)
			}
			m, err := svc.Mention(ctx, ws, res.IDs[0])
			if err != nil {
				t.Fatal(err)
			}
			return m.Sentiment
		}
		if got := label(b, ws, "w1", "第99批袋熊款到了"); got != listen.Positive {
			t.Errorf("node B labels the workspace's praise %q, want positive", got)
		}
		if got := label(b, ws, "k1", "第99批考拉款到了"); got != listen.Negative {
			t.Errorf("node B labels the workspace's complaint %q, want negative", got)
		}
		if _, own, _ := b.CurrentModel(ctx, other); own {
			t.Errorf("another workspace got the model")
		}
		// A model that is not better is not stored: the rows it trains on
		// now say the opposite (袋熊 and 考拉 swapped, labels kept, so
		// the same rows are held out), the held-out ones stay right.
		stored, err := db.SentimentModel(ctx, ws)
		if err != nil {
			t.Fatal(err)
		}
		_, held := sentiment.SplitByLabel(examples)
		swap := strings.NewReplacer("袋熊", "考拉", "考拉", "袋熊")
		for i := range examples {
			if !slices.Contains(held, examples[i]) {
				examples[i].Text = swap.Replace(examples[i].Text)
			}
		}
		if _, rep, err := a.Retrain(ctx, ws, examples, sentiment.TrainOptions{}); err != nil || rep.Better {
			t.Fatalf("retrain on noise: %+v, %v; want not better", rep, err)
		}
		if again, _ := db.SentimentModel(ctx, ws); !again.CreatedAt.Equal(stored.CreatedAt) {
			t.Errorf("a worse model replaced the stored one")
		}
		if _, _, err := a.Retrain(ctx, ws, examples[:5], sentiment.TrainOptions{}); err == nil {
			t.Errorf("retrain on 5 rows: no error")
		}
	})
}

// staleLookups is the store as a node sees it when another node stores
// the same text between its lookup and its commit: the first lookup of
// duplicates finds nothing.
type staleLookups struct {
	*store.DB
	looked atomic.Bool
}

func (s *staleLookups) KnownMentions(ctx context.Context, ws int64, keys []listen.ExactKey, hashes []string) (map[listen.ExactKey]bool, map[string]bool, error) {
	if s.looked.CompareAndSwap(false, true) {
		return map[listen.ExactKey]bool{}, map[string]bool{}, nil
	}
	return s.DB.KnownMentions(ctx, ws, keys, hashes)
}

// TestSameTextOnTwoNodes: an author's text that another node stored
// after this node looked its batch up is refused by the store and then counted as a
// duplicate, not stored twice.
func TestSameTextOnTwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		a := listen.NewService(db, listen.Brands{}, listen.Options{})
		b := listen.NewService(&staleLookups{DB: db}, listen.Brands{}, listen.Options{})
		at := time.Now().UTC().Add(-time.Hour)
		text := "闲岚的新品燕麦拿铁今天上市，第一杯半价。"
		if res, err := a.Ingest(ctx, ws, []listen.Post{post("a1", text, at)}); err != nil || res.Stored != 1 {
			t.Fatalf("node A: %+v, %v", res, err)
		}
		res, err := b.Ingest(ctx, ws, []listen.Post{postBy("b1", "aa1", text, at), post("b2", "另一条完全不同的微博，讲的是天气。", at)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stored != 1 || res.Duplicates != 1 {
			t.Errorf("node B after a stale lookup: %+v; want the other text stored and this one a duplicate", res)
		}
		ms, err := a.Mentions(ctx, ws, listen.MentionFilter{})
		if err != nil || len(ms) != 2 {
			t.Errorf("stored %d mentions, %v; want 2", len(ms), err)
		}
	})
}

// TestPushedSourceHealth: a webhook or import source has no poll to say how
// it is doing, so the batches it brings are its health: each new mention
// counts, duplicates do not, and every batch is a success, one of
// duplicates only too, as a poll that finds nothing new is. A polled
// source named by a post keeps the health its polls give it, and another
// workspace's source is not touched.
func TestPushedSourceHealth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, other := newWorkspace(t, db), newWorkspace(t, db)
		mk := func(ws int64, kind string) int64 {
			t.Helper()
			s, err := db.CreateSource(ctx, ws, listen.Source{Kind: kind, Name: kind, Config: map[string]string{}, Enabled: true, PollSeconds: 900})
			if err != nil {
				t.Fatal(err)
			}
			return s.ID
		}
		hook, file, feed, foreign := mk(ws, "webhook"), mk(ws, "import"), mk(ws, "rss"), mk(other, "webhook")
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		at := time.Now().UTC().Add(-time.Hour)
		from := func(src int64, id, text string) listen.Post {
			p := post(id, text, at)
			p.SourceID = src
			return p
		}
		batch := []listen.Post{
			from(hook, "1", "闲岚的冷萃咖啡太好喝了"), from(hook, "2", "快递三天都没到，客服也不回消息"),
			from(file, "3", "华为新手机发布会今晚八点直播"), from(feed, "4", "小米新手机发布会明天上午十点直播"),
			from(foreign, "5", "今天天气不错，适合出门散步"),
		}
		if _, err := svc.Ingest(ctx, ws, batch); err != nil {
			t.Fatal(err)
		}
		// The same texts again, and one new post from the webhook.
		again := append(batch[:2:2], from(hook, "6", "新开的门店装修很有格调"))
		second := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
		db.Now = func() time.Time { return second }
		if res, err := svc.Ingest(ctx, ws, again); err != nil || res.Stored != 1 {
			t.Fatalf("second batch %+v, %v; want 1 stored", res, err)
		}
		// The file once more, a day later: nothing new, yet received.
		third := second.Add(24 * time.Hour)
		db.Now = func() time.Time { return third }
		if res, err := svc.Ingest(ctx, ws, batch[2:3]); err != nil || res.Stored != 0 || res.Duplicates != 1 {
			t.Fatalf("third batch %+v, %v; want 1 duplicate", res, err)
		}
		for _, tt := range []struct {
			ws, id  int64
			items   int64
			success time.Time
		}{
			{ws, hook, 3, second}, {ws, file, 1, third}, {ws, feed, 0, time.Time{}}, {other, foreign, 0, time.Time{}},
		} {
			s, err := db.Source(ctx, tt.ws, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			var got time.Time
			if s.LastSuccessAt != nil {
				got = *s.LastSuccessAt
			}
			if s.ItemsFetched != tt.items || !got.Equal(tt.success) {
				t.Errorf("%s source: %d items, last success %v; want %d items, success %v", s.Kind, s.ItemsFetched, got, tt.items, tt.success)
			}
		}
	})
}

// TestLocalExternalIDs: pushed and imported posts number themselves 1, 2,
// 3 … per source or file; another source's or file's 1 is another post,
// while the same batch again is the same posts.
func TestLocalExternalIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		mk := func(kind string) int64 {
			t.Helper()
			s, err := db.CreateSource(ctx, ws, listen.Source{Kind: kind, Name: kind, Config: map[string]string{}, Enabled: true, PollSeconds: 900})
			if err != nil {
				t.Fatal(err)
			}
			return s.ID
		}
		hookA, hookB := mk("webhook"), mk("webhook")
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		at := time.Now().UTC().Add(-time.Hour)
		push := func(src int64, texts ...string) []listen.Post {
			var ps []listen.Post
			for i, text := range texts {
				ps = append(ps, listen.Post{SourceID: src, SourceKind: "webhook", ExternalID: fmt.Sprint(i + 1), Author: "监测平台", Text: text, PublishedAt: at})
			}
			return ps
		}
		first := push(hookA, "闲岚咖啡新品上市", "门店排队很长", "冷萃好喝")
		second := push(hookB, "快递三天都没到", "客服也不回消息", "再也不买了")
		csv := func(texts ...string) *listen.ImportFile {
			t.Helper()
			body := "编号,内容,作者,发布时间\n"
			for i, text := range texts {
				body += fmt.Sprintf("%d,%s,小美,%s\n", i+1, text, at.Format(time.RFC3339))
			}
			f, err := listen.ReadImport(strings.NewReader(body), listen.Mapping{ExternalID: "编号"}, listen.ImportOptions{Name: "export.csv"})
			if err != nil || len(f.Rows) != len(texts) {
				t.Fatalf("read import: %+v, %v", f, err)
			}
			return f
		}
		fileA := csv("华为新手机发布会", "今晚八点直播", "大家记得准时观看")
		fileB := csv("小米新手机发布会", "明天上午十点", "欢迎大家观看")
		for _, tt := range []struct {
			name              string
			posts             []listen.Post
			stored, duplicate int
		}{
			{"first source", first, 3, 0},
			{"second source, same ids", second, 3, 0},
			{"first source again", first, 0, 3},
			{"first file", fileA.Posts(0), 3, 0},
			{"second file, same ids", fileB.Posts(0), 3, 0},
			{"first file again", csv("华为新手机发布会", "今晚八点直播", "大家记得准时观看").Posts(0), 0, 3},
			{"second file into a source", fileB.Posts(hookA), 0, 3}, // same author, text and day
		} {
			res, err := svc.Ingest(ctx, ws, tt.posts)
			if err != nil || res.Stored != tt.stored || res.Duplicates != tt.duplicate {
				t.Fatalf("%s: %+v, %v; want %d stored, %d duplicates", tt.name, res, err, tt.stored, tt.duplicate)
			}
		}
		// A push without a source keeps its bare id, which a source's post
		// numbered alike does not take for its own (mentions stored bare
		// before ids were scoped: store's TestUpgradedBareIDs).
		bare := push(0, "没有来源的推送")
		bare[0].ExternalID = "bare-1"
		if res, err := svc.Ingest(ctx, ws, bare); err != nil || res.Stored != 1 {
			t.Fatalf("push without a source: %+v, %v", res, err)
		}
		bare[0].Text = "没有来源的推送（已编辑）"
		if res, err := svc.Ingest(ctx, ws, bare); err != nil || res.Duplicates != 1 {
			t.Fatalf("pushed again without a source: %+v, %v; want a duplicate", res, err)
		}
		bare[0].SourceID, bare[0].Text = hookA, "来源自己编号的推送"
		if res, err := svc.Ingest(ctx, ws, bare); err != nil || res.Stored != 1 {
			t.Fatalf("a source's post numbered as the push without a source: %+v, %v; want it stored", res, err)
		}
	})
}

// TestSameTextAnotherDay: a post without an external id posted again on
// another day by the same author (a daily ad, a daily check-in) counts
// every day, as ContentHash says; the same day it is one post seen twice.
func TestSameTextAnotherDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		day := time.Now().UTC().Truncate(24 * time.Hour).Add(-48 * time.Hour)
		ad := func(at time.Time) []listen.Post {
			return []listen.Post{{SourceKind: "rss", Author: "闲岚咖啡", Text: "每日特惠：冷萃第二杯半价", PublishedAt: at}}
		}
		for _, tt := range []struct {
			name              string
			at                time.Time
			stored, duplicate int
		}{
			{"first day", day.Add(9 * time.Hour), 1, 0},
			{"same day, later", day.Add(15 * time.Hour), 0, 1},
			{"next day", day.Add(33 * time.Hour), 1, 0},
		} {
			res, err := svc.Ingest(ctx, ws, ad(tt.at))
			if err != nil || res.Stored != tt.stored || res.Duplicates != tt.duplicate {
				t.Fatalf("%s: %+v, %v; want %d stored, %d duplicates", tt.name, res, err, tt.stored, tt.duplicate)
			}
		}
	})
}

// TestSentimentOfText: sentiment is the text's, links left out, and a post
// of links only is neutral (0/1/0) instead of the model's prior.
func TestSentimentOfText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		at := time.Now().UTC().Add(-time.Hour)
		text := "ＡＣＭＥ的客服太差了，退款拖了一个月"
		if _, err := svc.Ingest(ctx, ws, []listen.Post{
			post("1", "https://t.cn/A6abc", at),
			post("2", "https://t.cn/A6abc https://example.com/x?a=1", at),
			post("3", text+" https://t.cn/A6xyzQQQ", at),
		}); err != nil {
			t.Fatal(err)
		}
		ms, err := svc.Mentions(ctx, ws, listen.MentionFilter{})
		if err != nil || len(ms) != 3 {
			t.Fatalf("mentions %d, %v", len(ms), err)
		}
		want := sentiment.Default().Classify(normText(text))
		for _, m := range ms {
			label, p := listen.Neutral, [3]float64{0, 1, 0}
			if m.ExternalID == "3" {
				label, p = want.Label.String(), [3]float64{want.Scores.Positive, want.Scores.Neutral, want.Scores.Negative}
			}
			if got := [3]float64{m.PPositive, m.PNeutral, m.PNegative}; m.Sentiment != label || !closeScores(got, p) {
				t.Errorf("%q: %s %v, want %s %v", m.Text, m.Sentiment, got, label, p)
			}
		}
	})
}

// closeScores compares scores as stored: a database may keep fewer digits.
func closeScores(a, b [3]float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-6 {
			return false
		}
	}
	return true
}

// TestIngestStats: the service counts what every batch did, and a batch
// that fails as received and failed only.
func TestIngestStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		at := time.Now().UTC().Add(-time.Hour)
		orig := "今天去闲岚咖啡喝了冷萃，味道真的很不错，推荐大家试试看！价格也很实惠。"
		_, err := svc.Ingest(ctx, ws, []listen.Post{
			post("1", orig, at), postBy("2", "a1", orig, at), post("3", "转发微博 "+orig+"!!", at), post("4", "  ", at),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Ingest(ctx, ws+1000, []listen.Post{post("5", orig, at)}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("a batch for a missing workspace: %v, want NotFound", err)
		}
		want := listen.IngestStats{Batches: 2, FailedBatches: 1, Posts: 5, Stored: 2, Duplicates: 1, Clustered: 1, Skipped: 1}
		if got := svc.Stats(); got != want {
			t.Errorf("stats %+v, want %+v", got, want)
		}
	})
}

// TestConcurrentCorrections: corrections of one mention at once, as from
// two nodes, leave the roll-ups equal to the mentions' labels.
func TestConcurrentCorrections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		svc := listen.NewService(db, listen.Brands{}, listen.Options{Workers: 1})
		topic, err := svc.CreateTopic(ctx, ws, listen.Topic{Name: "咖啡", Kind: "brand", Query: "咖啡", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC().Add(-2 * time.Hour)
		var posts []listen.Post
		for i := range 8 {
			posts = append(posts, post(fmt.Sprint(i), fmt.Sprintf("第%d杯咖啡，难喝得要命，再也不买了。编号%d", i, i*7919), at))
		}
		res, err := svc.Ingest(ctx, ws, posts)
		if err != nil || res.Stored != len(posts) {
			t.Fatalf("ingest %+v, %v", res, err)
		}
		var wg sync.WaitGroup
		for _, id := range res.IDs {
			for _, label := range []string{listen.Positive, listen.Neutral, listen.Positive} {
				wg.Go(func() {
					if _, err := svc.CorrectSentiment(ctx, ws, id, label); err != nil {
						t.Errorf("correct %d: %v", id, err)
					}
				})
			}
		}
		wg.Wait()
		ms, err := svc.Mentions(ctx, ws, listen.MentionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{}
		for _, m := range ms {
			want[m.Sentiment]++
		}
		rollups, err := db.TopicRollups(ctx, ws, []int64{topic.ID}, at.Add(-time.Hour), at.Add(time.Hour))
		if err != nil || len(rollups) != 1 {
			t.Fatalf("rollups %+v, %v", rollups, err)
		}
		r := rollups[0]
		if r.Volume != int64(len(posts)) || r.Positive != want[listen.Positive] || r.Neutral != want[listen.Neutral] || r.Negative != want[listen.Negative] {
			t.Errorf("roll-up %+v; the mentions are %v", r, want)
		}
	})
}

// TestMentionsNewestPublishedFirst: the mentions stream is in publication
// order, newest first, whatever order posts arrived in (a backfill
// imported after live posts), and pages on from a mention.
func TestMentionsNewestPublishedFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db)
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		at := time.Now().UTC().Truncate(time.Hour).Add(-48 * time.Hour)
		for _, batch := range [][]listen.Post{
			{post("live-1", "今天的新品发布会", at.Add(40*time.Hour)), post("live-2", "发布会直播开始了", at.Add(41*time.Hour))},
			{post("old-1", "上个月的旧帖子", at), post("old-2", "上个月的另一条", at.Add(time.Hour)), post("mid", "昨天的一条", at.Add(20*time.Hour))},
		} {
			if _, err := svc.Ingest(ctx, ws, batch); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		before := int64(0)
		for range 5 {
			ms, err := svc.Mentions(ctx, ws, listen.MentionFilter{Limit: 2, BeforeID: before})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 {
				break
			}
			for _, m := range ms {
				got = append(got, m.ExternalID)
			}
			before = ms[len(ms)-1].ID
		}
		if want := []string{"live-2", "live-1", "mid", "old-2", "old-1"}; !slices.Equal(got, want) {
			t.Errorf("stream %q; want %q", got, want)
		}
	})
}
