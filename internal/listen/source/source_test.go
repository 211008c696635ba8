package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/connector/bluesky"
	bskyfake "github.com/chorus-hq/chorus/internal/connector/bluesky/fake"
	"github.com/chorus-hq/chorus/internal/connector/mastodon"
	mastofake "github.com/chorus-hq/chorus/internal/connector/mastodon/fake"
	"github.com/chorus-hq/chorus/internal/connector/weibo"
	weibofake "github.com/chorus-hq/chorus/internal/connector/weibo/fake"
	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/listen"
)

// localPoller may reach the loopback test servers.
func localPoller(t *testing.T, opts fetch.Options) *Poller {
	t.Helper()
	opts.AllowPrivate = true
	return NewPoller(Options{Fetch: fetch.New(opts)})
}

func keyOf(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Key
	}
	return ""
}

const rssFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tea News</title><language>zh-CN</language>
<item><title>新品 Oolong</title><link>https://news.example.com/1</link><guid>tea-1</guid>
<description>&lt;p&gt;Our &lt;b&gt;new&lt;/b&gt; oolong&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description>
<author>li@example.com (Li)</author><pubDate>Mon, 02 Mar 2026 10:00:00 +0800</pubDate></item>
<item><title>Second</title><link>https://news.example.com/2</link><description>plain</description></item>
</channel></rss>`

func TestRSSConditionalGet(t *testing.T) {
	t.Parallel()
	var hits, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Mon, 02 Mar 2026 02:00:00 GMT" {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Mar 2026 02:00:00 GMT")
		fmt.Fprint(w, rssFeed)
	}))
	t.Cleanup(srv.Close)
	p := localPoller(t, fetch.Options{})
	src := listen.Source{ID: 7, Kind: KindRSS, Config: map[string]string{KeyURL: srv.URL + "/feed.xml"}}
	res, err := p.Poll(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 2 || res.ETag != `"v1"` || res.LastModified == "" || res.NotModified {
		t.Fatalf("first poll = %+v", res)
	}
	first := res.Posts[0]
	if first.ExternalID != "s7:tea-1" || first.Text != "新品 Oolong\nOur new oolong" || first.URL != "https://news.example.com/1" ||
		first.SourceID != 7 || first.SourceKind != KindRSS || first.Author == "" || first.Lang != "zh-cn" {
		t.Errorf("first item = %+v", first)
	}
	if want := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC); !first.PublishedAt.Equal(want) {
		t.Errorf("published = %v, want %v", first.PublishedAt, want)
	}
	if res.Posts[1].ExternalID != "https://news.example.com/2" {
		t.Errorf("item without guid: external id %q, want its link", res.Posts[1].ExternalID)
	}
	src.ETag, src.LastModified = res.ETag, res.LastModified
	res, err = p.Poll(context.Background(), src)
	if err != nil || !res.NotModified || len(res.Posts) != 0 || res.ETag != `"v1"` {
		t.Fatalf("conditional poll = %+v, %v; want 304 with the validators kept", res, err)
	}
	if notModified.Load() != 1 {
		t.Errorf("server saw %d conditional requests, want 1", notModified.Load())
	}
}

// TestRSSExternalIDs: a guid that names the item anywhere (a URL, a tag:
// or urn: URI) is its external id; any other guid is the feed's own, and
// scoped by the source, since other feeds use it for other items.
func TestRSSExternalIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		item gofeed.Item
		want string
	}{
		{"number", gofeed.Item{GUID: "0", Link: "https://a.example/0"}, "s9:0"},
		{"CMS post id", gofeed.Item{GUID: "post-12"}, "s9:post-12"},
		{"relative path", gofeed.Item{GUID: "/p/12"}, "s9:/p/12"},
		{"permalink", gofeed.Item{GUID: "https://a.example/?p=12"}, "https://a.example/?p=12"},
		{"tag URI", gofeed.Item{GUID: "tag:a.example,2024:12"}, "tag:a.example,2024:12"},
		{"urn:uuid", gofeed.Item{GUID: "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6"}, "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6"},
		{"link without guid", gofeed.Item{Link: "https://a.example/12"}, "https://a.example/12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := feedPost(9, &gofeed.Feed{}, &tt.item, time.Now(), nil).ExternalID; got != tt.want {
				t.Errorf("external id = %q, want %q", got, tt.want)
			}
		})
	}
}

func serve(t *testing.T, contentType, body string, status int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRSSBadInput(t *testing.T) {
	t.Parallel()
	p := localPoller(t, fetch.Options{MaxBytes: 64 << 10})
	tests := []struct {
		name, ct, body string
		status         int
		key, text      string
	}{
		{"malformed XML", "application/rss+xml", `<?xml version="1.0"?><rss><channel><item><title>x</title></chan`, 200, "error.source_bad_feed", "malformed feed"},
		{"HTML error page", "text/html; charset=utf-8", `<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>`, 200, "error.source_not_feed", "not a feed: got text/html"},
		{"HTML without type", "", `<html><body>Login</body></html>`, 200, "error.source_not_feed", "not a feed"},
		{"server error", "text/html", `oops`, 503, "error.source_http", "HTTP 503"},
		{"JSON that is no JSON Feed", "application/json", `{"error":"invalid api key"}`, 200, "error.source_not_feed", "not a feed: got application/json"},
		{"truncated", "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>one</title></item><item><title>tw`, 200, "error.source_bad_feed", "unexpected EOF"},
		{"empty", "application/rss+xml", ``, 200, "error.source_bad_feed", "malformed feed"},
		{"gigantic", "application/rss+xml", `<?xml version="1.0"?><rss><channel>` + strings.Repeat("<item><title>spam</title></item>", 10000), 200, "error.fetch_too_large", "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := serve(t, tt.ct, tt.body, tt.status)
			_, err := p.Poll(context.Background(), listen.Source{Kind: KindRSS, Config: map[string]string{KeyURL: url}})
			if keyOf(err) != tt.key || !strings.Contains(Describe(err), tt.text) {
				t.Errorf("err = %v (key %q, text %q), want key %s and text containing %q", err, keyOf(err), Describe(err), tt.key, tt.text)
			}
		})
	}
}

func TestRSSInvalidUTF8Tolerated(t *testing.T) {
	t.Parallel()
	body := "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item><title>bad \xff\xfe byte</title><guid>g1</guid></item></channel></rss>"
	p := localPoller(t, fetch.Options{})
	res, err := p.Poll(context.Background(), listen.Source{Kind: KindRSS, Config: map[string]string{KeyURL: serve(t, "application/xml", body, 200)}})
	if err != nil || len(res.Posts) != 1 || !strings.Contains(res.Posts[0].Text, "bad") {
		t.Fatalf("invalid UTF-8 feed: %+v, %v", res, err)
	}
}

// TestRSSRetryAfter: a feed's 429 or 503 with Retry-After, in seconds or
// as an HTTP date, is an error whose RetryAfter the next poll time
// honours, as the platforms' rate limits are.
func TestRSSRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header string
		want   time.Duration
	}{
		{"429 in seconds", http.StatusTooManyRequests, "7200", 2 * time.Hour},
		{"503 as a date", http.StatusServiceUnavailable, now.Add(90 * time.Minute).Format(http.TimeFormat), 90 * time.Minute},
		{"503 without", http.StatusServiceUnavailable, "", 0},
		{"date gone by", http.StatusServiceUnavailable, now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"malformed", http.StatusTooManyRequests, "soon", 0},
		{"too long a number", http.StatusTooManyRequests, "99999999999999999999", 0},
		{"absurdly far", http.StatusTooManyRequests, "9999999999", fetch.MaxRetryAfter},
		{"404 says nothing of retrying", http.StatusNotFound, "60", 0},
	}
	p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), Now: func() time.Time { return now }})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
			}))
			t.Cleanup(srv.Close)
			_, err := p.Poll(context.Background(), listen.Source{Kind: KindRSS, Config: map[string]string{KeyURL: srv.URL}})
			if got := RetryAfter(err); keyOf(err) != "error.source_http" || got != tt.want {
				t.Errorf("poll = %v, retry after %s; want error.source_http, retry after %s", err, got, tt.want)
			}
		})
	}
}

// TestRSSCharset: a feed is read in the charset its Content-Type names
// when its XML declaration names none, where GBK text became U+FFFD; the
// declaration still decides when it names one, and a body that is UTF-8
// already is not decoded twice under a wrong label or declaration.
func TestRSSCharset(t *testing.T) {
	t.Parallel()
	encode := func(e encoding.Encoding, s string) string {
		t.Helper()
		out, err := e.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	item := `<rss version="2.0"><channel><title>茶</title><item><title>闲岚新品发布，质量很好</title><guid>g1</guid></item></channel></rss>`
	latin := `<rss version="2.0"><channel><title>t</title><item><title>Café crème</title><guid>g1</guid></item></channel></rss>`
	tests := []struct {
		name, ct, body, want string
	}{
		{"GBK named by the header only", "application/rss+xml; charset=gbk", encode(simplifiedchinese.GBK, `<?xml version="1.0"?>`+item), "闲岚新品发布，质量很好"},
		{"GB2312 label, no declaration", "text/xml; charset=GB2312", encode(simplifiedchinese.GBK, item), "闲岚新品发布，质量很好"},
		{"Latin-1 named by the header only", "application/xml; charset=iso-8859-1", encode(charmap.ISO8859_1, latin), "Café crème"},
		{"GBK named by the declaration", "application/rss+xml", encode(simplifiedchinese.GBK, `<?xml version="1.0" encoding="GBK"?>`+item), "闲岚新品发布，质量很好"},
		{"UTF-8 under a wrong label", "application/rss+xml; charset=gbk", `<?xml version="1.0"?>` + item, "闲岚新品发布，质量很好"},
		{"UTF-8 under a wrong declaration", "application/rss+xml", `<?xml version="1.0" encoding="GBK"?>` + item, "闲岚新品发布，质量很好"},
		{"UTF-8 declared Latin-1", "application/xml", `<?xml version='1.0' encoding='ISO-8859-1'?>` + latin, "Café crème"},
	}
	p := localPoller(t, fetch.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := p.Poll(context.Background(), listen.Source{Kind: KindRSS, Config: map[string]string{KeyURL: serve(t, tt.ct, tt.body, 200)}})
			if err != nil || len(res.Posts) != 1 || res.Posts[0].Text != tt.want {
				t.Errorf("poll = %+v, %v; want one post with text %q", res.Posts, err, tt.want)
			}
		})
	}
}

func TestRSSPrivateAddressRefusedByDefault(t *testing.T) {
	t.Parallel()
	p := NewPoller(Options{Fetch: fetch.New(fetch.Options{})})
	_, err := p.Poll(context.Background(), listen.Source{Kind: KindRSS, Config: map[string]string{KeyURL: serve(t, "application/rss+xml", rssFeed, 200)}})
	if keyOf(err) != "error.fetch_private" {
		t.Errorf("poll of a loopback feed with the default rules: %v, want error.fetch_private", err)
	}
}

func TestMastodonPoll(t *testing.T) {
	t.Parallel()
	srv := mastofake.New()
	t.Cleanup(srv.Close)
	for i := range 3 {
		srv.Post("alice", fmt.Sprintf("<b>hi</b> #Oolong %d", i), 42)
	}
	p := localPoller(t, fetch.Options{})
	src := listen.Source{ID: 1, Kind: KindMastodonTag, Config: map[string]string{KeyInstance: srv.URL, KeyTag: "oolong"}}
	res, err := p.Poll(context.Background(), src)
	if err != nil || len(res.Posts) != 3 || res.Cursor == "" {
		t.Fatalf("first poll: %+v, %v", res, err)
	}
	post := res.Posts[0]
	if post.Text != "<b>hi</b> #Oolong 2" || post.AuthorFollowers != 42 || post.Likes != 3 || post.Reposts != 2 || post.Comments != 1 || post.Author != "@alice" {
		t.Errorf("post = %+v (HTML is stripped: the fake escapes the text it is given)", post)
	}
	seen := map[string]bool{}
	fresh := func(res PollResult) int {
		n := 0
		for _, x := range res.Posts {
			if !seen[x.ExternalID] {
				seen[x.ExternalID] = true
				n++
			}
		}
		return n
	}
	fresh(res)
	// A busy tag: more than a page since the cursor. The posts of the
	// overlap window come again, for the pipeline to drop.
	for i := range 45 {
		srv.Post("bob", fmt.Sprintf("more #oolong %d", i), 1)
	}
	src.Cursor = res.Cursor
	res, err = p.Poll(context.Background(), src)
	if n := fresh(res); err != nil || n != 45 {
		t.Fatalf("second poll: %d new posts, %v; want the 45 new ones", n, err)
	}
	src.Cursor = res.Cursor
	res, err = p.Poll(context.Background(), src)
	if n := fresh(res); err != nil || n != 0 || res.Cursor != src.Cursor {
		t.Errorf("third poll: %d new posts, cursor %q, %v; want nothing new and the cursor kept (%q)", n, res.Cursor, err, src.Cursor)
	}

	search := listen.Source{Kind: KindMastodonSearch, Config: map[string]string{KeyInstance: srv.URL, KeyQuery: "more", KeyToken: "bad"}}
	if _, err := p.Poll(context.Background(), search); keyOf(err) != "error.source_auth" || !strings.Contains(Describe(err), "The access token is invalid") {
		t.Errorf("bad token: %v", err)
	}
	srv.SetRateLimit(0, time.Now().Add(time.Minute))
	_, err = p.Poll(context.Background(), src)
	if d := RetryAfter(err); keyOf(err) != "error.source_rate_limited" || d <= 0 || d > time.Minute+time.Second {
		t.Errorf("rate limited: %v, retry after %s", err, d)
	}
}

func TestBlueskyPollKeepsSession(t *testing.T) {
	t.Parallel()
	srv := bskyfake.New()
	t.Cleanup(srv.Close)
	srv.Post("fan.bsky.social", "I drink oolong")
	p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), BlueskyBaseURL: srv.URL})
	src := listen.Source{ID: 3, Kind: KindBlueskySearch, Config: map[string]string{KeyQuery: "oolong", KeyIdentifier: bskyfake.Handle, KeyAppPassword: bskyfake.AppPassword}}
	res, err := p.Poll(context.Background(), src)
	if err != nil || len(res.Posts) != 1 || res.Cursor == "" {
		t.Fatalf("first poll: %+v, %v", res, err)
	}
	if pp := res.Posts[0]; pp.Likes != 3 || pp.Comments != 1 || pp.Reposts != 2 || !strings.HasPrefix(pp.URL, "https://bsky.app/profile/") {
		t.Errorf("post = %+v", pp)
	}
	srv.ExpireAccess()
	src.Cursor = res.Cursor
	if _, err := p.Poll(context.Background(), src); err != nil {
		t.Fatalf("poll after the access token expired: %v", err)
	}
	if l, r := srv.Calls("com.atproto.server.createSession"), srv.Calls("com.atproto.server.refreshSession"); l != 1 || r != 1 {
		t.Errorf("logins %d, refreshes %d; want the session kept between polls and refreshed once", l, r)
	}
	src.Config[KeyAppPassword] = "wrong"
	if _, err := p.Poll(context.Background(), src); keyOf(err) != "error.source_auth" {
		t.Errorf("changed password: %v, want error.source_auth", err)
	}
	_ = bluesky.DefaultBaseURL
}

// TestBlueskyLegacyRecords: a post whose record is not a valid datetime
// (legacy records lack a time zone) or not of the lexicon's shape fails
// neither its poll nor the polls after; its time is read leniently, or
// the time it was indexed.
func TestBlueskyLegacyRecords(t *testing.T) {
	t.Parallel()
	srv := bskyfake.New()
	t.Cleanup(srv.Close)
	p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), BlueskyBaseURL: srv.URL})
	src := listen.Source{ID: 5, Kind: KindBlueskySearch, Config: map[string]string{KeyQuery: "oolong", KeyIdentifier: bskyfake.Handle, KeyAppPassword: bskyfake.AppPassword}}
	srv.Post("fan.bsky.social", "oolong first")
	res, err := p.Poll(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	src.Cursor = res.Cursor
	created := time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	legacy := srv.PostRecord("old.bsky.social", `{"$type":"app.bsky.feed.post","text":"oolong legacy","createdAt":"`+created.Format("2006-01-02T15:04:05.000")+`"}`)
	undated := srv.PostRecord("old.bsky.social", `{"$type":"app.bsky.feed.post","text":"oolong undated","createdAt":"sometime"}`)
	srv.PostRecord("odd.bsky.social", `{"$type":"app.bsky.feed.post","text":"oolong odd","langs":"en","createdAt":"2023-02-01T10:00:00Z"}`)
	srv.Post("fan.bsky.social", "oolong after")
	res, err = p.Poll(context.Background(), src)
	if err != nil {
		t.Fatalf("poll over legacy records: %v", err)
	}
	published := map[string]time.Time{}
	for _, x := range res.Posts {
		published[x.ExternalID] = x.PublishedAt
	}
	if at := published[legacy.URI]; !at.Equal(created) {
		t.Errorf("legacy post published at %v, want its createdAt read as UTC", at)
	}
	if at := published[undated.URI]; !at.Equal(undated.IndexedAt) {
		t.Errorf("post with an unreadable createdAt published at %v, want its indexedAt %v", at, undated.IndexedAt)
	}
	if len(res.Posts) != 4 {
		t.Errorf("%d posts, want the 3 readable new ones and the first again", len(res.Posts))
	}
}

func TestWeiboPoll(t *testing.T) {
	t.Parallel()
	srv := weibofake.New()
	t.Cleanup(srv.Close)
	srv.Post("茶友", "乌龙茶真香", time.Now().Add(-time.Hour), 500)
	srv.Post("茶友", "旧的乌龙茶", time.Now().Add(-48*time.Hour), 500)
	p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), WeiboBaseURL: srv.URL})
	src := listen.Source{Kind: KindWeiboSearch, Config: map[string]string{KeyQuery: "乌龙茶", KeyAccessToken: weibofake.Token}}
	if _, err := p.Poll(context.Background(), src); keyOf(err) != "error.source_weibo_disabled" || srv.Requests() != 0 {
		t.Fatalf("capability off: %v (%d requests), want a refusal before any request", err, srv.Requests())
	}
	src.Config[KeyPaidAPI] = "true"
	res, err := p.Poll(context.Background(), src)
	if err != nil || len(res.Posts) != 1 || res.Posts[0].AuthorFollowers != 500 || res.Posts[0].Likes != 6 || res.Cursor == "" {
		t.Fatalf("poll: %+v, %v; want the one post of the last day", res, err)
	}
	srv.ExpireToken(weibofake.Token)
	_, err = p.Poll(context.Background(), src)
	if keyOf(err) != "error.source_reconnect" || !strings.Contains(Describe(err), "21327") {
		t.Errorf("expired token: %v, want reconnect needed", err)
	}
}

// TestBacklogLeavesNoGap: more new posts between two polls than one poll
// takes (200) are all taken by the polls that follow, on Bluesky, Weibo
// and Mastodon search, which answer newest first, and on Mastodon tag
// timelines. Mastodon search pages by offset: min_id is no cursor there,
// and statuses deleted after they were indexed make its pages short. No
// poll goes over its cap.
func TestBacklogLeavesNoGap(t *testing.T) {
	t.Parallel()
	// missedBy polls src the given times and counts the posts of want
	// none of the polls took.
	missedBy := func(t *testing.T, p *Poller, src listen.Source, polls int, want []string) int {
		t.Helper()
		seen := map[string]bool{}
		for range polls {
			res, err := p.Poll(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Posts) > p.opts.MaxItems {
				t.Errorf("a poll took %d posts, over its cap of %d", len(res.Posts), p.opts.MaxItems)
			}
			for _, x := range res.Posts {
				seen[x.ExternalID] = true
			}
			src.Cursor = res.Cursor // as RecordSourceSuccess saves it
		}
		missed := 0
		for _, id := range want {
			if !seen[id] {
				missed++
			}
		}
		return missed
	}
	t.Run("bluesky", func(t *testing.T) {
		t.Parallel()
		srv := bskyfake.New()
		t.Cleanup(srv.Close)
		srv.Post("first.bsky.social", "oolong first")
		p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), BlueskyBaseURL: srv.URL})
		src := listen.Source{ID: 3, Kind: KindBlueskySearch, Config: map[string]string{KeyQuery: "oolong", KeyIdentifier: bskyfake.Handle, KeyAppPassword: bskyfake.AppPassword}}
		res, err := p.Poll(context.Background(), src)
		if err != nil || len(res.Posts) != 1 {
			t.Fatalf("first poll: %+v, %v", res, err)
		}
		src.Cursor = res.Cursor
		time.Sleep(5 * time.Millisecond)
		// Posts hidden from the viewer make pages short: a poll must not
		// go past its cap and then drop what went over it.
		var want []string
		for i := range 450 {
			pv := srv.Post(fmt.Sprintf("u%d.bsky.social", i), fmt.Sprintf("oolong post %d", i))
			if i%10 == 3 {
				srv.Hide(pv.URI)
				continue
			}
			want = append(want, pv.URI)
		}
		if missed := missedBy(t, p, src, 4, want); missed > 0 {
			t.Errorf("4 polls missed %d of the %d new posts", missed, len(want))
		}
	})
	for _, kind := range []string{KindMastodonSearch, KindMastodonTag} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := mastofake.New()
			t.Cleanup(srv.Close)
			srv.Post("first", "first #oolong", 1)
			cfg := map[string]string{KeyInstance: srv.URL, KeyQuery: "oolong", KeyToken: mastofake.Token}
			if kind == KindMastodonTag {
				cfg = map[string]string{KeyInstance: srv.URL, KeyTag: "oolong"}
			}
			src := listen.Source{ID: 4, Kind: kind, Config: cfg}
			p := localPoller(t, fetch.Options{})
			res, err := p.Poll(context.Background(), src)
			if err != nil || len(res.Posts) != 1 {
				t.Fatalf("first poll: %+v, %v", res, err)
			}
			src.Cursor = res.Cursor
			var want []string
			for i := range 450 {
				st := srv.Post(fmt.Sprintf("u%d", i), fmt.Sprintf("#oolong post %d", i), 1)
				if i%10 == 3 {
					srv.Delete(st.ID)
					continue
				}
				want = append(want, st.URI)
			}
			if missed := missedBy(t, p, src, 4, want); missed > 0 {
				t.Errorf("4 polls missed %d of the %d new statuses", missed, len(want))
			}
		})
	}
	t.Run("weibo", func(t *testing.T) {
		t.Parallel()
		srv := weibofake.New()
		t.Cleanup(srv.Close)
		var want []string
		for i := range 430 {
			st := srv.Post(fmt.Sprintf("茶友%d", i), fmt.Sprintf("乌龙茶 %d", i), time.Now().Add(-time.Duration(500-i)*time.Second), 10)
			want = append(want, weiboPost(st).ExternalID)
		}
		// A cap that is no whole number of pages (50 each).
		p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), WeiboBaseURL: srv.URL, MaxItems: 120})
		src := listen.Source{Kind: KindWeiboSearch, Config: map[string]string{KeyQuery: "乌龙茶", KeyAccessToken: weibofake.Token, KeyPaidAPI: "true"}}
		if missed := missedBy(t, p, src, 5, want); missed > 0 {
			t.Errorf("5 polls missed %d of the 430 posts of the first window", missed)
		}
	})
}

// TestLatePostsAreTaken: a post that reaches the platform's index after a
// poll but is dated before that poll's cursor (a remote status federated
// late keeps its author's time and so its id; a Bluesky or Weibo post
// searchable a while after its time) is taken by the next poll, which
// looks back overlapWindow; a poll with nothing new keeps the cursor.
func TestLatePostsAreTaken(t *testing.T) {
	t.Parallel()
	const late = 2 * time.Minute
	check := func(t *testing.T, p *Poller, src listen.Source, postLate func() string) {
		t.Helper()
		ctx := context.Background()
		res, err := p.Poll(ctx, src)
		if err != nil || len(res.Posts) != 1 {
			t.Fatalf("first poll: %+v, %v", res, err)
		}
		src.Cursor = res.Cursor
		id := postLate()
		res, err = p.Poll(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(res.Posts, func(x listen.Post) bool { return x.ExternalID == id }) {
			t.Errorf("the late post was not taken; the poll took %d posts", len(res.Posts))
		}
		if src.Kind == KindWeiboSearch {
			return // its cursor is the clock's
		}
		src.Cursor = res.Cursor
		if again, err := p.Poll(ctx, src); err != nil || again.Cursor != src.Cursor {
			t.Errorf("poll with nothing new: cursor %q, %v; want %q kept", again.Cursor, err, src.Cursor)
		}
	}
	for _, kind := range []string{KindMastodonTag, KindMastodonSearch} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := mastofake.New()
			t.Cleanup(srv.Close)
			srv.Post("alice", "#oolong first", 1)
			cfg := map[string]string{KeyInstance: srv.URL, KeyQuery: "oolong", KeyToken: mastofake.Token}
			if kind == KindMastodonTag {
				cfg = map[string]string{KeyInstance: srv.URL, KeyTag: "oolong"}
			}
			check(t, localPoller(t, fetch.Options{}), listen.Source{ID: 6, Kind: kind, Config: cfg}, func() string {
				return srv.PostAt("bob@remote.example", "#oolong from afar", 1, time.Now().Add(-late)).URI
			})
		})
	}
	t.Run("bluesky", func(t *testing.T) {
		t.Parallel()
		srv := bskyfake.New()
		t.Cleanup(srv.Close)
		srv.Post("fan.bsky.social", "oolong first")
		p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), BlueskyBaseURL: srv.URL})
		src := listen.Source{ID: 6, Kind: KindBlueskySearch, Config: map[string]string{KeyQuery: "oolong", KeyIdentifier: bskyfake.Handle, KeyAppPassword: bskyfake.AppPassword}}
		check(t, p, src, func() string {
			created := time.Now().UTC().Add(-late).Format("2006-01-02T15:04:05.000Z")
			return srv.PostRecord("slow.bsky.social", `{"$type":"app.bsky.feed.post","text":"oolong indexed late","createdAt":"`+created+`"}`).URI
		})
	})
	t.Run("weibo", func(t *testing.T) {
		t.Parallel()
		srv := weibofake.New()
		t.Cleanup(srv.Close)
		now := time.Now()
		srv.Post("茶友", "乌龙茶 一", now.Add(-time.Hour), 10)
		p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), WeiboBaseURL: srv.URL, Now: func() time.Time { return now }})
		src := listen.Source{Kind: KindWeiboSearch, Config: map[string]string{KeyQuery: "乌龙茶", KeyAccessToken: weibofake.Token, KeyPaidAPI: "true"}}
		check(t, p, src, func() string {
			st := srv.Post("茶友", "乌龙茶 二", now.Add(-20*time.Second), 10)
			now = now.Add(15 * time.Minute)
			return st.IDStr
		})
	})
}

// TestSecretsOverHTTP: a token or app password is not sent to an http://
// address, neither when the source is saved nor when one saved before is
// polled; an operator who allows private fetching (local servers, tests)
// may use http.
func TestSecretsOverHTTP(t *testing.T) {
	t.Parallel()
	local := NewService(nil, localPoller(t, fetch.Options{}))
	src := listen.Source{Kind: KindMastodonSearch, Name: "x", PollSeconds: 900, Config: map[string]string{KeyInstance: "http://mastodon.example", KeyQuery: "q", KeyToken: "t"}}
	if err := local.Validate(context.Background(), src); err != nil {
		t.Errorf("http instance with private fetching allowed: %v, want accepted", err)
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	p := NewPoller(Options{Fetch: fetch.New(fetch.Options{}), BlueskyBaseURL: srv.URL})
	for _, src := range []listen.Source{
		{Kind: KindMastodonSearch, Config: map[string]string{KeyInstance: srv.URL, KeyQuery: "q", KeyToken: "secret"}},
		{Kind: KindBlueskySearch, Config: map[string]string{KeyQuery: "q", KeyIdentifier: "a", KeyAppPassword: "secret"}},
	} {
		if _, err := p.Poll(context.Background(), src); keyOf(err) != "error.source_https" {
			t.Errorf("%s poll over http: %v, want error.source_https", src.Kind, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server got %d requests, want none", n)
	}
}

func TestOwnChannelSaysWhatItWaitsFor(t *testing.T) {
	t.Parallel()
	_, err := NewPoller(Options{}).Poll(context.Background(), listen.Source{Kind: KindOwnChannel})
	if keyOf(err) != "error.source_own_channel" || !strings.Contains(Describe(err), "needs a connected channel (coming with publishing)") {
		t.Errorf("own channel: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("GET https://api.weibo.com/2/x?access_token=2.00secret&q=1: Bearer abc.def.ghi refused; password=hunter2")
	got := Describe(err)
	for _, secret := range []string{"2.00secret", "abc.def.ghi", "hunter2"} {
		if strings.Contains(got, secret) {
			t.Errorf("Describe kept %q: %s", secret, got)
		}
	}
	if long := Describe(errors.New(strings.Repeat("x", 2000))); len([]rune(long)) > MaxErrorText {
		t.Errorf("Describe of a long error: %d runes", len([]rune(long)))
	}
}

// TestProblem: a failed poll keeps the error's catalog message, for the UI
// in its language, beside the redacted English text.
func TestProblem(t *testing.T) {
	t.Parallel()
	keyed := fail(apperr.Unavailable, "error.source_http", map[string]any{"Status": 503}, "GET %s?access_token=s3cret: HTTP 503", "https://x.example/feed")
	p := Problem(keyed)
	if p.Key != "error.source_http" || p.Args["Status"] != 503 || p.Text == "" || strings.Contains(p.Text, "s3cret") {
		t.Errorf("Problem(keyed) = %+v; want its key and args, and text without the token", p)
	}
	if p := Problem(errors.New("connection refused")); p.Key != "" || p.Args != nil || p.Text != "connection refused" {
		t.Errorf("Problem(plain) = %+v; want the text alone", p)
	}
}

func TestStripHTML(t *testing.T) {
	t.Parallel()
	got := StripHTML(`<p>Hello <a href="x">@bob</a> &amp; friends</p><p>line two<br>three</p><style>p{}</style>`)
	if want := "Hello @bob & friends\nline two\nthree"; got != want {
		t.Errorf("StripHTML = %q, want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	svc := NewService(nil, NewPoller(Options{Fetch: fetch.New(fetch.Options{})}))
	tests := []struct {
		name  string
		src   listen.Source
		field string
		key   string
	}{
		{"private feed", listen.Source{Kind: KindRSS, Name: "x", PollSeconds: 900, Config: map[string]string{KeyURL: "http://127.0.0.1/feed"}}, "config.url", "error.fetch_private"},
		{"file scheme", listen.Source{Kind: KindRSS, Name: "x", PollSeconds: 900, Config: map[string]string{KeyURL: "file:///etc/passwd"}}, "config.url", "error.fetch_scheme"},
		{"missing app password", listen.Source{Kind: KindBlueskySearch, Name: "x", PollSeconds: 900, Config: map[string]string{KeyQuery: "q", KeyIdentifier: "a"}}, "config.app_password", "error.required"},
		{"weibo flag off", listen.Source{Kind: KindWeiboSearch, Name: "x", PollSeconds: 900, Config: map[string]string{KeyQuery: "q", KeyAccessToken: "t", KeyPaidAPI: "no"}}, "config.paid_api", "error.source_weibo_disabled"},
		{"unknown key", listen.Source{Kind: KindRSS, Name: "x", PollSeconds: 900, Config: map[string]string{KeyURL: "https://example.com/f", "colour": "red"}}, "config.colour", "error.source_config_key"},
		{"a setting of a kind that takes none", listen.Source{Kind: KindWebhook, Name: "x", PollSeconds: 900, Config: map[string]string{"colour": "red"}}, "config.colour", "error.source_config_none"},
		{"poll too often", listen.Source{Kind: KindRSS, Name: "x", PollSeconds: 5, Config: map[string]string{KeyURL: "https://example.com/f"}}, "poll_seconds", "error.source_poll_seconds"},
		{"ok", listen.Source{Kind: KindMastodonTag, Name: "x", PollSeconds: 900, Config: map[string]string{KeyInstance: "https://mastodon.example", KeyTag: "tea"}}, "", ""},
		// A tag of # alone asked the instance for /timelines/tag/ (404).
		{"tag of # alone", listen.Source{Kind: KindMastodonTag, Name: "x", PollSeconds: 900, Config: map[string]string{KeyInstance: "https://mastodon.example", KeyTag: "#"}}, "config.tag", "error.source_tag"},
		{"tag with a full-width space", listen.Source{Kind: KindMastodonTag, Name: "x", PollSeconds: 900, Config: map[string]string{KeyInstance: "https://mastodon.example", KeyTag: "闲岚　新品"}}, "config.tag", "error.source_tag"},
		{"tag with a full-width ＃", listen.Source{Kind: KindMastodonTag, Name: "x", PollSeconds: 900, Config: map[string]string{KeyInstance: "https://mastodon.example", KeyTag: "＃闲岚"}}, "", ""},
		// An address that receives a token or app password must be https.
		{"token over http", listen.Source{Kind: KindMastodonSearch, Name: "x", PollSeconds: 900, Config: map[string]string{KeyInstance: "http://mastodon.example", KeyQuery: "q", KeyToken: "t"}}, "config.instance", "error.source_https"},
		{"tag token over http", listen.Source{Kind: KindMastodonTag, Name: "x", PollSeconds: 900, Config: map[string]string{KeyInstance: "HTTP://mastodon.example", KeyTag: "tea", KeyToken: "t"}}, "config.instance", "error.source_https"},
		{"public tag over http", listen.Source{Kind: KindMastodonTag, Name: "x", PollSeconds: 900, Config: map[string]string{KeyInstance: "http://mastodon.example", KeyTag: "tea"}}, "", ""},
		{"app password over http", listen.Source{Kind: KindBlueskySearch, Name: "x", PollSeconds: 900, Config: map[string]string{KeyService: "http://bsky.example", KeyQuery: "q", KeyIdentifier: "a", KeyAppPassword: "p"}}, "config.service", "error.source_https"},
		{"app password over https", listen.Source{Kind: KindBlueskySearch, Name: "x", PollSeconds: 900, Config: map[string]string{KeyService: "https://bsky.example", KeyQuery: "q", KeyIdentifier: "a", KeyAppPassword: "p"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := svc.Validate(context.Background(), tt.src)
			if tt.field == "" {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("Validate = %v, want field %s", err, tt.field)
			}
			for _, f := range ae.Fields {
				if f.Field == tt.field && f.Key == tt.key {
					return
				}
			}
			t.Errorf("Validate = %v, want %s: %s", err, tt.field, tt.key)
		})
	}
}

// TestCircularPagesEnd: a platform that answers a next page with the same
// cursor, or with the same posts again (it ignores max_id, offset or
// page), ends the walk through its pages: the source's cursor moves on to
// the newest post instead of resuming from that page at every poll,
// where it would never read a new post again.
func TestCircularPagesEnd(t *testing.T) {
	t.Parallel()
	statuses := func(n int) string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(`{"id":"%d","uri":"https://m.example/%d","created_at":"2026-01-01T00:00:00Z","content":"x","account":{"acct":"a"}}`, 1000-i, 1000-i)
		}
		return strings.Join(out, ",")
	}
	weiboStatuses := make([]string, weibo.MaxCount)
	for i := range weiboStatuses {
		weiboStatuses[i] = fmt.Sprintf(`{"id":%d,"idstr":"%d","text":"x","created_at":"Tue May 31 17:46:55 +0800 2026"}`, i+1, i+1)
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch p := r.URL.Path; {
		case strings.HasSuffix(p, "createSession"):
			fmt.Fprint(w, `{"did":"did:plc:x","handle":"x.bsky.social","accessJwt":"a","refreshJwt":"r"}`)
		case strings.HasSuffix(p, "searchPosts"):
			fmt.Fprint(w, `{"cursor":"same","posts":[{"uri":"at://did:plc:x/app.bsky.feed.post/1","author":{"handle":"x.bsky.social"},"record":{"text":"x","createdAt":"2026-01-01T00:00:00Z"},"indexedAt":"2026-01-01T00:00:00Z"}]}`)
		case strings.HasPrefix(p, "/api/v1/timelines/tag/"):
			fmt.Fprint(w, "["+statuses(mastodon.MaxLimit)+"]")
		case p == "/api/v2/search":
			fmt.Fprint(w, `{"statuses":[`+statuses(1)+`]}`)
		case strings.HasSuffix(p, "limited.json"):
			fmt.Fprint(w, `{"statuses":[`+strings.Join(weiboStatuses, ",")+`]}`)
		}
	}))
	t.Cleanup(srv.Close)
	p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), BlueskyBaseURL: srv.URL, WeiboBaseURL: srv.URL})
	tests := []struct {
		kind string
		cfg  map[string]string
	}{
		{KindBlueskySearch, map[string]string{KeyQuery: "x", KeyIdentifier: "x.bsky.social", KeyAppPassword: "p"}},
		{KindMastodonTag, map[string]string{KeyInstance: srv.URL, KeyTag: "x"}},
		{KindMastodonSearch, map[string]string{KeyInstance: srv.URL, KeyQuery: "x", KeyToken: "t"}},
		{KindWeiboSearch, map[string]string{KeyQuery: "x", KeyAccessToken: "t", KeyPaidAPI: "true"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			src := listen.Source{ID: 1, Kind: tt.kind, Config: tt.cfg}
			for i := range 3 {
				calls.Store(0)
				res, err := p.Poll(context.Background(), src)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(res.Cursor, "|") || calls.Load() > 3 {
					t.Fatalf("poll %d: cursor %q after %d requests; want the walk ended at the repeated page", i, res.Cursor, calls.Load())
				}
				src.Cursor = res.Cursor
			}
		})
	}
}

// TestRSSLongFeedGivesNewest: a feed of thousands of items, oldest first,
// gives its newest items up to the cap, where the poll took the first
// (oldest) ones at every poll and never a new one.
func TestRSSLongFeedGivesNewest(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>`)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		fmt.Fprintf(&b, `<item><title>item %d</title><guid>https://e.example/%d</guid><pubDate>%s</pubDate></item>`,
			i, i, start.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	p := localPoller(t, fetch.Options{})
	res, err := p.Poll(context.Background(), listen.Source{Kind: KindRSS, Config: map[string]string{KeyURL: serve(t, "application/rss+xml", b.String(), 200)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != DefaultMaxItems || res.Posts[0].Text != "item 2999" || res.Posts[len(res.Posts)-1].Text != "item 2800" {
		t.Errorf("poll gave %d posts, %q … %q; want the %d newest, item 2999 … item 2800", len(res.Posts), res.Posts[0].Text, res.Posts[len(res.Posts)-1].Text, DefaultMaxItems)
	}
}

// TestRSSJSONFeed: a JSON Feed, which names its version, is read as a
// feed (JSON without one is refused by TestRSSBadInput).
func TestRSSJSONFeed(t *testing.T) {
	t.Parallel()
	body := `{"version":"https://jsonfeed.org/version/1.1","title":"Tea","items":[{"id":"1","url":"https://e.example/1","content_text":"新茶上市","date_published":"2026-03-02T10:00:00+08:00"}]}`
	p := localPoller(t, fetch.Options{})
	res, err := p.Poll(context.Background(), listen.Source{ID: 2, Kind: KindRSS, Config: map[string]string{KeyURL: serve(t, "application/feed+json", body, 200)}})
	if err != nil || len(res.Posts) != 1 || res.Posts[0].Text != "新茶上市" {
		t.Fatalf("JSON Feed poll = %+v, %v; want its one item", res.Posts, err)
	}
}

// TestOversizedAnswers: a platform's answer over the size cap, sent
// without a length (chunked), fails as too large on every platform,
// where the clients cut it at their own cap and then failed to decode
// it, so the health said the answer could not be read.
func TestOversizedAnswers(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "createSession") {
			fmt.Fprint(w, `{"did":"did:plc:x","handle":"x.bsky.social","accessJwt":"a","refreshJwt":"r"}`)
			return
		}
		fmt.Fprint(w, `{"statuses":[{"text":"`)
		chunk := strings.Repeat("x", 1<<20)
		for range 8 {
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), BlueskyBaseURL: srv.URL, WeiboBaseURL: srv.URL})
	for _, src := range []listen.Source{
		{Kind: KindMastodonTag, Config: map[string]string{KeyInstance: srv.URL, KeyTag: "x"}},
		{Kind: KindBlueskySearch, Config: map[string]string{KeyQuery: "x", KeyIdentifier: "x.bsky.social", KeyAppPassword: "p"}},
		{Kind: KindWeiboSearch, Config: map[string]string{KeyQuery: "x", KeyAccessToken: "t", KeyPaidAPI: "true"}},
	} {
		t.Run(src.Kind, func(t *testing.T) {
			_, err := p.Poll(context.Background(), src)
			if keyOf(err) != "error.fetch_too_large" || !strings.Contains(Describe(err), "larger than") {
				t.Errorf("poll = %v (%q); want error.fetch_too_large", err, Describe(err))
			}
		})
	}
}

// TestRedirectRefusalsSayWhy: a feed whose redirect is refused (another
// scheme, an address with a password, a loop) keeps a health text that
// says why and names the host, where it read "invalid: error.fetch_…".
func TestRedirectRefusalsSayWhy(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ftp":
			http.Redirect(w, r, "ftp://files.example/feed", http.StatusFound)
		case "/password":
			http.Redirect(w, r, "http://u:p@files.example/feed", http.StatusFound)
		default:
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct{ path, key, text string }{
		{"/ftp", "error.fetch_scheme", "only http:// and https:// addresses are fetched, not ftp:// ones"},
		{"/password", "error.fetch_credentials", "the address of files.example holds a user name or password"},
		{"/loop", "error.fetch_redirects", host + " redirected more than 5 times"},
	}
	p := localPoller(t, fetch.Options{})
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			_, err := p.Poll(context.Background(), listen.Source{Kind: KindRSS, Config: map[string]string{KeyURL: srv.URL + tt.path}})
			if keyOf(err) != tt.key || !strings.Contains(Describe(err), tt.text) {
				t.Errorf("poll = %v, health text %q; want %s and a text with %q", err, Describe(err), tt.key, tt.text)
			}
		})
	}
}

// TestPlatformRetryAfter: Mastodon and Bluesky answering 429 or 503 with
// a Retry-After header (a proxy or CDN in front of an instance sends it
// rather than the platform's own rate-limit headers) make the source wait
// as long as asked, where a 429 waited a fixed 5 minutes and a 503 the
// backoff alone.
func TestPlatformRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		header string
		want   time.Duration
	}{
		{http.StatusTooManyRequests, "3600", time.Hour},
		{http.StatusServiceUnavailable, "600", 10 * time.Minute},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if strings.HasSuffix(r.URL.Path, "createSession") {
				fmt.Fprint(w, `{"did":"did:plc:x","handle":"x.bsky.social","accessJwt":"a","refreshJwt":"r"}`)
				return
			}
			w.Header().Set("Retry-After", tt.header)
			w.WriteHeader(tt.status)
			fmt.Fprint(w, `{"error":"busy"}`)
		}))
		t.Cleanup(srv.Close)
		p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), BlueskyBaseURL: srv.URL})
		for _, src := range []listen.Source{
			{Kind: KindMastodonTag, Config: map[string]string{KeyInstance: srv.URL, KeyTag: "x"}},
			{Kind: KindBlueskySearch, Config: map[string]string{KeyQuery: "x", KeyIdentifier: "x.bsky.social", KeyAppPassword: "p"}},
		} {
			t.Run(fmt.Sprintf("%s %d", src.Kind, tt.status), func(t *testing.T) {
				_, err := p.Poll(context.Background(), src)
				if got := RetryAfter(err); got < tt.want-5*time.Second || got > tt.want {
					t.Errorf("poll = %v, retry after %s; want %s", err, got, tt.want)
				}
			})
		}
	}
}

// TestMastodonUnreadableStatuses: a status of a shape the client does not
// take (an empty or date-only created_at, a numeric id, a count as a
// string) is left out of its page alone, where it failed the page and so
// every poll after it; a status without an account has no author rather
// than "@".
func TestMastodonUnreadableStatuses(t *testing.T) {
	t.Parallel()
	const good = `{"id":"1","uri":"https://m.example/1","created_at":"2026-01-01T00:00:00Z","content":"ok","account":{"acct":"a"}}`
	tests := []struct {
		name, status string
		posts        int
		author       string
	}{
		{"empty created_at", `{"id":"2","uri":"https://m.example/2","created_at":"","content":"x","account":{"acct":"b"}}`, 1, ""},
		{"date only", `{"id":"2","uri":"https://m.example/2","created_at":"2026-01-01","content":"x","account":{"acct":"b"}}`, 1, ""},
		{"numeric id", `{"id":2,"uri":"https://m.example/2","created_at":"2026-01-01T00:00:00Z","content":"x","account":{"acct":"b"}}`, 1, ""},
		{"count as a string", `{"id":"2","uri":"https://m.example/2","content":"x","account":{"acct":"b","followers_count":"12"}}`, 1, ""},
		{"no account", `{"id":"2","uri":"https://m.example/2","created_at":null,"content":"x","account":null}`, 2, ""},
		{"no date", `{"id":"2","uri":"https://m.example/2","content":"x","account":{"acct":"b"}}`, 2, "@b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := `[` + good + `,` + tt.status + `]`
			p := localPoller(t, fetch.Options{})
			for _, kind := range []string{KindMastodonTag, KindMastodonSearch} {
				b := body
				if kind == KindMastodonSearch {
					b = `{"statuses":` + body + `}`
				}
				url := serve(t, "application/json", b, 200)
				res, err := p.Poll(context.Background(), listen.Source{Kind: kind, Config: map[string]string{KeyInstance: url, KeyTag: "x", KeyQuery: "x", KeyToken: "t"}})
				if err != nil || len(res.Posts) != tt.posts {
					t.Fatalf("%s poll = %d posts, %v; want %d", kind, len(res.Posts), err, tt.posts)
				}
				if tt.posts == 2 && res.Posts[1].Author != tt.author {
					t.Errorf("%s author = %q, want %q", kind, res.Posts[1].Author, tt.author)
				}
			}
		})
	}
}

// TestWeiboUnreadableStatuses: a status of a shape the client does not
// take (an id or a count as a string) is left out of its page alone,
// where it failed the page and so every poll after it; one without a
// user or a readable time is kept.
func TestWeiboUnreadableStatuses(t *testing.T) {
	t.Parallel()
	const good = `{"id":1,"idstr":"1","text":"乌龙茶","created_at":"Tue May 31 17:46:55 +0800 2026","user":{"id":9,"screen_name":"茶友"}}`
	tests := []struct {
		name, status string
		posts        int
	}{
		{"count as a string", `{"id":2,"idstr":"2","text":"乌龙茶","reposts_count":"100万+"}`, 1},
		{"id as a string", `{"id":"2","text":"乌龙茶"}`, 1},
		{"no user, no time", `{"id":2,"idstr":"2","text":"乌龙茶","created_at":"昨天","user":null}`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := serve(t, "application/json", `{"statuses":[`+good+`,`+tt.status+`],"total_number":2}`, 200)
			p := NewPoller(Options{Fetch: fetch.New(fetch.Options{AllowPrivate: true}), WeiboBaseURL: url})
			res, err := p.Poll(context.Background(), listen.Source{Kind: KindWeiboSearch, Config: map[string]string{KeyQuery: "乌龙茶", KeyAccessToken: "t", KeyPaidAPI: "true"}})
			if err != nil || len(res.Posts) != tt.posts {
				t.Fatalf("poll = %d posts, %v; want %d", len(res.Posts), err, tt.posts)
			}
		})
	}
}

// TestMastodonFullWidthTag: a hashtag typed with a Chinese keyboard's
// full-width ＃ is polled as the tag, where the ＃ went into the path and
// the instance answered 404.
func TestMastodonFullWidthTag(t *testing.T) {
	t.Parallel()
	srv := mastofake.New()
	t.Cleanup(srv.Close)
	srv.Post("alice", "新品上市 #闲岚", 1)
	p := localPoller(t, fetch.Options{})
	res, err := p.Poll(context.Background(), listen.Source{Kind: KindMastodonTag, Config: map[string]string{KeyInstance: srv.URL, KeyTag: "＃闲岚"}})
	if err != nil || len(res.Posts) != 1 {
		t.Fatalf("poll of ＃闲岚 = %+v, %v; want the one status tagged #闲岚", res.Posts, err)
	}
}

// TestRSSOversizedValidators: a feed whose ETag or Last-Modified is too
// long to send back (servers refuse request headers over about 8 KB) is
// fetched again without them, where the next poll sent them and the
// server's 431 failed it, and every poll after, for good.
func TestRSSOversizedValidators(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.Header.Get("If-None-Match"))+len(r.Header.Get("If-Modified-Since")) > 8<<10 {
			w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
			return
		}
		w.Header().Set("ETag", `"`+strings.Repeat("e", 20<<10)+`"`)
		w.Header().Set("Last-Modified", strings.Repeat("m", 20<<10))
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rssFeed)
	}))
	t.Cleanup(srv.Close)
	p := localPoller(t, fetch.Options{})
	src := listen.Source{Kind: KindRSS, Config: map[string]string{KeyURL: srv.URL}}
	for i := range 2 {
		res, err := p.Poll(context.Background(), src)
		if err != nil || len(res.Posts) != 2 {
			t.Fatalf("poll %d = %d posts, %v; want the feed's 2", i+1, len(res.Posts), err)
		}
		src.ETag, src.LastModified = res.ETag, res.LastModified // as RecordSourceSuccess saves them
	}
}

// TestRSSRelativeLinks: an item's relative link is resolved against the
// site the feed names, or else the feed's own address, where the mention
// kept no link and an item without a guid took "/post/1" as its id,
// which items of other feeds share.
func TestRSSRelativeLinks(t *testing.T) {
	t.Parallel()
	p := localPoller(t, fetch.Options{})
	withSite := `<rss version="2.0"><channel><title>t</title><link>https://blog.example/</link><item><title>x</title><link>/post/1</link></item></channel></rss>`
	res, err := p.Poll(context.Background(), listen.Source{ID: 3, Kind: KindRSS, Config: map[string]string{KeyURL: serve(t, "application/rss+xml", withSite, 200) + "/feed.xml"}})
	if err != nil || len(res.Posts) != 1 || res.Posts[0].URL != "https://blog.example/post/1" || res.Posts[0].ExternalID != "https://blog.example/post/1" {
		t.Errorf("feed naming its site: %+v, %v; want the link and id https://blog.example/post/1", res.Posts, err)
	}
	noSite := `<rss version="2.0"><channel><title>t</title><item><title>x</title><link>post/1</link></item></channel></rss>`
	url := serve(t, "application/rss+xml", noSite, 200)
	res, err = p.Poll(context.Background(), listen.Source{ID: 3, Kind: KindRSS, Config: map[string]string{KeyURL: url + "/blog/feed.xml"}})
	if want := url + "/blog/post/1"; err != nil || len(res.Posts) != 1 || res.Posts[0].URL != want {
		t.Errorf("feed naming no site: %+v, %v; want the link %s", res.Posts, err, want)
	}
}
