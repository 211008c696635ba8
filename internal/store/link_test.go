package store_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

var linkTestSlugs atomic.Int64

func linkTestWorkspace(t testing.TB, db *store.DB) int64 {
	t.Helper()
	slug := fmt.Sprintf("link-test-%d", linkTestSlugs.Add(1))
	var id int64
	err := db.WriteDB().QueryRowContext(context.Background(), `INSERT INTO workspaces
		(slug, name, time_zone, currency, created_at, updated_at)
		VALUES ($1, 'Test', 'Asia/Shanghai', 'CNY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
		RETURNING id`, slug).Scan(&id)
	if err != nil {
		t.Fatalf("insert workspace: %v", err)
	}
	return id
}

func newTestLink(t testing.TB, db *store.DB, ws int64) link.Link {
	t.Helper()
	campaign := int64(42)
	l, err := db.CreateLink(context.Background(), link.Link{WorkspaceID: ws, Code: link.NewCode(), Destination: "https://shop.example.com/p?id=1",
		Label: "春茶", CampaignID: &campaign, Channel: "weibo", UTM: link.UTM{Source: "weibo", Medium: "social", Campaign: "spring"}})
	if err != nil {
		t.Fatalf("CreateLink: %v", err)
	}
	return l
}

func TestLinkStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, other := linkTestWorkspace(t, db), linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		if l.ID == 0 || l.CreatedAt.IsZero() {
			t.Fatalf("created %+v", l)
		}
		_, err := db.CreateLink(ctx, link.Link{WorkspaceID: ws, Code: l.Code, Destination: "https://x.example/"})
		wantCode(t, "duplicate code", err, apperr.Conflict)

		got, err := db.Link(ctx, ws, l.ID)
		if err != nil || got.Code != l.Code || got.Label != "春茶" || got.CampaignID == nil || *got.CampaignID != 42 || got.PostID != nil || got.UTM.Campaign != "spring" {
			t.Fatalf("Link = %+v, %v", got, err)
		}
		_, err = db.Link(ctx, other, l.ID)
		wantCode(t, "link of another workspace", err, apperr.NotFound)
		wantCode(t, "update in another workspace", db.UpdateLink(ctx, link.Link{ID: l.ID, WorkspaceID: other, Destination: "https://x.example/"}), apperr.NotFound)
		wantCode(t, "delete in another workspace", db.DeleteLink(ctx, other, l.ID), apperr.NotFound)

		exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		got.ExpiresAt, got.Destination = &exp, "https://shop.example.com/q"
		if err := db.UpdateLink(ctx, got); err != nil {
			t.Fatal(err)
		}
		byCode, tz, err := db.LinkByCode(ctx, l.Code)
		if err != nil || tz != "Asia/Shanghai" || byCode.Destination != "https://shop.example.com/q" || byCode.ExpiresAt == nil || !byCode.ExpiresAt.Equal(exp) {
			t.Fatalf("LinkByCode = %+v, %q, %v", byCode, tz, err)
		}
		_, _, err = db.LinkByCode(ctx, "zzzzzzz")
		wantCode(t, "unknown code", err, apperr.NotFound)

		second := newTestLink(t, db, ws)
		list, err := db.Links(ctx, ws, link.Filter{})
		if err != nil || len(list) != 2 || list[0].ID != second.ID {
			t.Fatalf("Links = %+v, %v", list, err)
		}
		c := int64(42)
		if list, _ := db.Links(ctx, ws, link.Filter{CampaignID: &c, Channel: "weibo"}); len(list) != 2 {
			t.Errorf("filtered list has %d", len(list))
		}
		if list, _ := db.Links(ctx, ws, link.Filter{Channel: "wechat"}); len(list) != 0 {
			t.Errorf("channel filter let %d through", len(list))
		}
		if list, _ := db.Links(ctx, other, link.Filter{}); len(list) != 0 {
			t.Errorf("other workspace sees %d links", len(list))
		}

		if d, err := db.AllowedDomains(ctx, ws); err != nil || len(d) != 0 {
			t.Fatalf("AllowedDomains = %v, %v", d, err)
		}
		if err := db.SetAllowedDomains(ctx, ws, []string{"shop.example.com", "cdn.example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAllowedDomains(ctx, ws, []string{"shop.example.com"}); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.AllowedDomains(ctx, ws); len(d) != 1 || d[0] != "shop.example.com" {
			t.Errorf("AllowedDomains = %v", d)
		}
		if d, _ := db.AllowedDomains(ctx, other); len(d) != 0 {
			t.Errorf("allowlist leaked to another workspace: %v", d)
		}

		if err := db.DeleteLink(ctx, ws, second.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.Link(ctx, ws, second.ID)
		wantCode(t, "deleted link", err, apperr.NotFound)
	})
}

func testClick(l link.Link, at time.Time, class link.Class, visitor string, candidate bool) link.Click {
	c := link.Click{ClickID: link.NewClickID(), WorkspaceID: l.WorkspaceID, LinkID: l.ID, At: at, Class: class, Visitor: visitor,
		Device: "mobile", OS: "iOS", Browser: "Safari", Referrer: "s.weibo.com", Country: "CN", Region: "GD"}
	if candidate {
		c.UniqueDay = at.Format(time.DateOnly)
	}
	return c
}

func TestWriteClicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		l := newTestLink(t, db, ws)
		h := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		batch := []link.Click{
			testClick(l, h.Add(1*time.Minute), link.Human, "v1", true),
			testClick(l, h.Add(2*time.Minute), link.Human, "v2", true),
			testClick(l, h.Add(3*time.Minute), link.Preview, "v3", false),
			testClick(l, h.Add(4*time.Minute), link.Bot, "v4", false),
			testClick(l, h.Add(65*time.Minute), link.Human, "v1", false),
		}
		// v2 landed before its click was written.
		if _, err := db.MarkClick(ctx, batch[1].ClickID, true, false); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("early MarkClick: %v, want NotFound", err)
		}
		if err := db.WriteClicks(ctx, batch); err != nil {
			t.Fatalf("WriteClicks: %v", err)
		}
		if !batch[0].Unique || !batch[1].Unique || batch[2].Unique || batch[4].Unique {
			t.Errorf("unique flags %v %v %v %v", batch[0].Unique, batch[1].Unique, batch[2].Unique, batch[4].Unique)
		}
		// A second writer claiming v1 again the same day loses the claim.
		again := []link.Click{testClick(l, h.Add(90*time.Minute), link.Human, "v1", true)}
		if err := db.WriteClicks(ctx, again); err != nil {
			t.Fatal(err)
		}
		if again[0].Unique {
			t.Error("a second claim of the same visitor and day was unique")
		}

		ref, err := db.MarkClick(ctx, batch[0].ClickID, true, false)
		if err != nil || !ref.Unique || ref.Class != "human" || ref.LinkID != l.ID || ref.CampaignID == nil || *ref.CampaignID != 42 || ref.Channel != "weibo" || ref.Visitor != "v1" {
			t.Fatalf("MarkClick = %+v, %v", ref, err)
		}
		if _, err := db.MarkClick(ctx, batch[0].ClickID, true, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkClick(ctx, batch[0].ClickID, true, true); err != nil { // counted once
			t.Fatal(err)
		}
		if _, err := db.MarkClick(ctx, batch[2].ClickID, true, true); err != nil { // preview: not counted
			t.Fatal(err)
		}
		_, err = db.MarkClick(ctx, "no-such-click-id-at-all", true, false)
		wantCode(t, "unknown cid", err, apperr.NotFound)
		_, err = db.Click(ctx, "../../etc/passwd")
		wantCode(t, "malformed cid", err, apperr.NotFound)
		got, err := db.Click(ctx, batch[1].ClickID)
		if err != nil || !got.Landed || got.Engaged || !got.At.Equal(batch[1].At) {
			t.Errorf("Click = %+v, %v; want the early landing applied", got, err)
		}

		st, err := db.LinkStats(ctx, ws, l.ID, h.Add(-time.Hour), h.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Hourly) != 2 {
			t.Fatalf("hourly = %+v", st.Hourly)
		}
		first, second := st.Hourly[0], st.Hourly[1]
		want1 := link.Counts{Clicks: 4, HumanClicks: 2, UniqueClicks: 2, EffectiveClicks: 2, EngagedVisits: 1}
		want2 := link.Counts{Clicks: 2, HumanClicks: 2}
		if !first.At.Equal(h) || first.Counts != want1 || second.Counts != want2 {
			t.Errorf("hourly\n got %+v %+v\nwant %+v %+v", first, second, want1, want2)
		}
		classes := map[string]int64{}
		for _, b := range st.Breakdowns["class"] {
			classes[b.Key] = b.Clicks
		}
		if classes["human"] != 4 || classes["preview"] != 1 || classes["bot"] != 1 {
			t.Errorf("class breakdown %v", st.Breakdowns["class"])
		}
		if r := st.Breakdowns["region"]; len(r) != 1 || r[0].Key != "CN-GD" || r[0].HumanClicks != 4 {
			t.Errorf("region breakdown %v", r)
		}
		list, _ := db.Links(ctx, ws, link.Filter{})
		if list[0].Counts.Clicks != 6 || list[0].Counts.EffectiveClicks != 2 {
			t.Errorf("list counts %+v", list[0].Counts)
		}
		_, err = db.LinkStats(ctx, linkTestWorkspace(t, db), l.ID, h, h.Add(time.Hour))
		wantCode(t, "stats of another workspace", err, apperr.NotFound)
	})
}

func TestVisitorSalts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, err := db.VisitorSalt(ctx, "2024-05-01", "first")
		if err != nil || a != "first" {
			t.Fatalf("VisitorSalt = %q, %v", a, err)
		}
		if b, _ := db.VisitorSalt(ctx, "2024-05-01", "second"); b != "first" {
			t.Errorf("a second node got its own salt %q", b)
		}
		if _, err := db.VisitorSalt(ctx, "2024-05-03", "third"); err != nil {
			t.Fatal(err)
		}
		if err := db.ForgetBefore(ctx, "2024-05-02", time.Now()); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.VisitorSalt(ctx, "2024-05-01", "new"); s != "new" {
			t.Errorf("old salt survived: %q", s)
		}
		if s, _ := db.VisitorSalt(ctx, "2024-05-03", "x"); s != "third" {
			t.Errorf("current salt deleted: %q", s)
		}
	})
}

// BenchmarkWriteClicks measures the batch writer's storage: clicks per
// second in batches of 5,000 (a busy writer's batch), a tenth of them
// unique candidates, over 50 links. Run with -bench WriteClicks; set
// CHORUS_TEST_POSTGRES_URL for PostgreSQL.
func BenchmarkWriteClicks(b *testing.B) {
	run := func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(b, db)
		links := make([]link.Link, 50)
		for i := range links {
			links[i] = newTestLink(b, db, ws)
		}
		const batchSize = 5000
		at := time.Now().UTC().Truncate(time.Second)
		batch := make([]link.Click, batchSize)
		b.ResetTimer()
		written := 0
		for n := 0; written < b.N; n++ {
			b.StopTimer()
			for i := range batch {
				l := links[(n*batchSize+i)%len(links)]
				batch[i] = testClick(l, at.Add(time.Duration(i)*time.Millisecond), link.Human, fmt.Sprintf("v%d-%d", n, i), i%10 == 0)
			}
			b.StartTimer()
			if err := db.WriteClicks(ctx, batch); err != nil {
				b.Fatal(err)
			}
			written += batchSize
		}
		b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "clicks/s")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, storetest.SQLite(b)) })
	if os.Getenv(storetest.PostgresEnv) != "" {
		b.Run("postgres", func(b *testing.B) { run(b, storetest.Postgres(b)) })
	}
}
