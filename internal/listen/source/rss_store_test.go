package source_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// numberedFeed is a feed whose guids are 0, 1, 2, as many feeds number
// their items.
func numberedFeed(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>%s</title>`, name)
	for i := range 3 {
		fmt.Fprintf(&b, `<item><title>%s item %d</title><guid isPermaLink="false">%d</guid><pubDate>Mon, 02 Mar 2026 1%d:00:00 GMT</pubDate></item>`, name, i, i, i)
	}
	return b.String() + `</channel></rss>`
}

// newWorkspace inserts a workspace for a test's mentions and returns its
// id.
func newWorkspace(t *testing.T, db *store.DB, slug string) int64 {
	t.Helper()
	var ws int64
	err := db.WriteDB().QueryRowContext(context.Background(), `INSERT INTO workspaces (slug, name, time_zone, currency, created_at, updated_at)
		VALUES ($1, $1, 'Asia/Shanghai', 'CNY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, slug).Scan(&ws)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// pollAndStore polls src once and ingests what it gives into workspace
// ws, as the poll job does.
func pollAndStore(t *testing.T, p *source.Poller, svc *listen.Service, ws int64, src listen.Source) listen.IngestResult {
	t.Helper()
	ctx := context.Background()
	res, err := p.Poll(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	in, err := svc.Ingest(ctx, ws, res.Posts)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestRSSFeedsSharingGUIDs: two feeds that both number their items 0, 1,
// 2 each have their items stored, where the second one's were all dropped
// as duplicates of the first's; and a feed's items stored before with a
// bare guid are not stored again when fetched with the scoped id.
func TestRSSFeedsSharingGUIDs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, numberedFeed(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".xml")))
	}))
	t.Cleanup(srv.Close)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := newWorkspace(t, db, "feeds")
		feed := func(name string) listen.Source {
			t.Helper()
			s, err := db.CreateSource(ctx, ws, listen.Source{Kind: source.KindRSS, Name: name, Config: map[string]string{source.KeyURL: srv.URL + "/" + name + ".xml"}, Enabled: true, PollSeconds: 900})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		a, b := feed("alpha"), feed("beta")
		p := source.NewPoller(source.Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true})})
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		pollAndIngest := func(src listen.Source, bare bool) int {
			t.Helper()
			res, err := p.Poll(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			if bare { // as polls stored them before guids were scoped
				for i := range res.Posts {
					res.Posts[i].ExternalID = strings.TrimPrefix(res.Posts[i].ExternalID, fmt.Sprintf("s%d:", src.ID))
				}
			}
			in, err := svc.Ingest(ctx, ws, res.Posts)
			if err != nil {
				t.Fatal(err)
			}
			return in.Stored
		}
		if n := pollAndIngest(a, true); n != 3 {
			t.Fatalf("alpha stored with bare guids: %d, want 3", n)
		}
		if n := pollAndIngest(a, false); n != 0 {
			t.Errorf("alpha fetched again with scoped ids: %d stored, want 0 (the same items)", n)
		}
		if n := pollAndIngest(b, false); n != 3 {
			t.Errorf("beta, whose guids alpha uses too: %d stored, want its 3 items", n)
		}
	})
}

// TestWeiboStatusesWithoutIDs: Weibo statuses that come without an id are
// each stored, where they all had the id "0" and all but the first were
// dropped as its duplicates; polled again, none is stored twice.
func TestWeiboStatusesWithoutIDs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"statuses":[
			{"text":"闲岚的乌龙茶很好喝","created_at":"Mon Mar 02 10:00:00 +0800 2026","user":{"id":9,"screen_name":"茶友甲"}},
			{"text":"乌龙茶涨价了，不开心","created_at":"Mon Mar 02 11:00:00 +0800 2026","user":{"id":8,"screen_name":"茶友乙"}}]}`)
	}))
	t.Cleanup(srv.Close)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ws := newWorkspace(t, db, "weibo")
		p := source.NewPoller(source.Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), WeiboBaseURL: srv.URL})
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		src := listen.Source{ID: 1, Kind: source.KindWeiboSearch, Config: map[string]string{source.KeyQuery: "乌龙茶", source.KeyAccessToken: "t", source.KeyPaidAPI: "true"}}
		for i, want := range []int{2, 0} {
			if in := pollAndStore(t, p, svc, ws, src); in.Stored != want {
				t.Errorf("poll %d stored %d (%+v), want %d", i+1, in.Stored, in, want)
			}
		}
	})
}

// TestRSSRepeatedGUIDs: a feed that gives every item the same guid or
// link (its home page, a CMS's "0") has each item stored, where all but
// the first were dropped as duplicates of it; polled again, none is
// stored twice.
func TestRSSRepeatedGUIDs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>`)
		for i := range 3 {
			switch r.URL.Path {
			case "/guid":
				fmt.Fprintf(w, `<item><title>same guid %d</title><guid>https://news.example/</guid><link>https://news.example/</link></item>`, i)
			case "/link":
				fmt.Fprintf(w, `<item><title>same link %d</title><link>https://news.example/</link></item>`, i)
			}
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	t.Cleanup(srv.Close)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ws := newWorkspace(t, db, "feeds")
		p := source.NewPoller(source.Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true})})
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		for i, path := range []string{"/guid", "/link"} {
			src := listen.Source{ID: int64(i + 1), Kind: source.KindRSS, Config: map[string]string{source.KeyURL: srv.URL + path}}
			for poll, want := range []int{3, 0} {
				if in := pollAndStore(t, p, svc, ws, src); in.Stored != want {
					t.Errorf("%s poll %d stored %d (%+v), want %d", path, poll+1, in.Stored, in, want)
				}
			}
		}
	})
}
