package bluesky_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/connector/bluesky"
	"github.com/chorus-hq/chorus/internal/connector/bluesky/fake"
)

func setup(t *testing.T, password string) (*fake.Server, *bluesky.Client) {
	t.Helper()
	srv := fake.New()
	t.Cleanup(srv.Close)
	return srv, &bluesky.Client{BaseURL: srv.URL, Identifier: fake.Handle, Password: password, HTTP: srv.Client()}
}

func TestSearchPostsPaging(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, fake.AppPassword)
	for i := range 5 {
		srv.Post("fan.bsky.social", fmt.Sprintf("Oolong number %d", i))
	}
	srv.Post("other.bsky.social", "coffee")
	ctx := context.Background()
	var texts []string
	cursor := ""
	for range 10 {
		res, err := c.SearchPosts(ctx, bluesky.SearchParams{Q: "oolong", Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.Posts {
			texts = append(texts, p.Record.Text)
		}
		if cursor = res.Cursor; cursor == "" {
			break
		}
	}
	want := "[Oolong number 4 Oolong number 3 Oolong number 2 Oolong number 1 Oolong number 0]"
	if fmt.Sprint(texts) != want {
		t.Errorf("pages = %v, want %s", texts, want)
	}
	if n := srv.Calls("com.atproto.server.createSession"); n != 1 {
		t.Errorf("createSession called %d times, want 1: the session is cached", n)
	}
	res, _ := c.SearchPosts(ctx, bluesky.SearchParams{Q: "oolong", Limit: 1})
	p := res.Posts[0]
	if p.LikeCount != 3 || p.RepostCount != 2 || p.ReplyCount != 1 || p.WebURL() == "" {
		t.Errorf("post = %+v, url %q", p, p.WebURL())
	}
}

func TestExpiredTokenIsRefreshed(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, fake.AppPassword)
	srv.Post("fan.bsky.social", "oolong")
	ctx := context.Background()
	if _, err := c.SearchPosts(ctx, bluesky.SearchParams{Q: "oolong"}); err != nil {
		t.Fatal(err)
	}
	before, _ := c.Session(ctx)
	srv.ExpireAccess()
	res, err := c.SearchPosts(ctx, bluesky.SearchParams{Q: "oolong"})
	if err != nil || len(res.Posts) != 1 {
		t.Fatalf("after expiry: %v, %v", res, err)
	}
	after, _ := c.Session(ctx)
	if after.AccessJwt == before.AccessJwt {
		t.Error("access token not replaced")
	}
	if n := srv.Calls("com.atproto.server.refreshSession"); n != 1 {
		t.Errorf("refreshSession called %d times, want 1", n)
	}
	if n := srv.Calls("com.atproto.server.createSession"); n != 1 {
		t.Errorf("createSession called %d times, want 1: a refresh is enough", n)
	}
}

func TestReloginWhenRefreshFails(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, fake.AppPassword)
	ctx := context.Background()
	if _, err := c.SearchPosts(ctx, bluesky.SearchParams{Q: "x"}); err != nil {
		t.Fatal(err)
	}
	srv.ExpireAll()
	if _, err := c.SearchPosts(ctx, bluesky.SearchParams{Q: "x"}); err != nil {
		t.Fatalf("after both tokens expired: %v", err)
	}
	if r, l := srv.Calls("com.atproto.server.refreshSession"), srv.Calls("com.atproto.server.createSession"); r != 1 || l != 2 {
		t.Errorf("refresh %d, login %d; want a failed refresh then a second login", r, l)
	}
}

func TestWrongAppPassword(t *testing.T) {
	t.Parallel()
	_, c := setup(t, "wrong-pass-word-0000")
	_, err := c.SearchPosts(context.Background(), bluesky.SearchParams{Q: "x"})
	e, ok := bluesky.AsError(err)
	if !ok || e.Status != http.StatusUnauthorized || e.Name != "AuthenticationRequired" {
		t.Fatalf("wrong password: %v", err)
	}
	if ae, ok := err.(*apperr.Error); !ok || ae.Key != "error.source_auth" {
		t.Errorf("wrong password: %#v, want error.source_auth", err)
	}
}

func TestSessionRateLimit(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, fake.AppPassword)
	srv.SetSessionLimit(0)
	_, err := c.SearchPosts(context.Background(), bluesky.SearchParams{Q: "x"})
	e, ok := bluesky.AsError(err)
	if !ok || e.Status != http.StatusTooManyRequests || e.RetryAfter() <= 0 {
		t.Fatalf("createSession over its limit: %v", err)
	}
}

// TestLegacyRecords: a record written before the lexicon was enforced
// (a createdAt without a time zone, langs of the wrong shape) never fails
// the page it is on: its time is read leniently, and a post that cannot
// be read at all is left out of the page alone.
func TestLegacyRecords(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, fake.AppPassword)
	srv.Post("fan.bsky.social", "oolong new")
	legacy := srv.PostRecord("old.bsky.social", `{"$type":"app.bsky.feed.post","text":"oolong legacy","createdAt":"2023-02-01T10:00:00.000"}`)
	srv.PostRecord("odd.bsky.social", `{"$type":"app.bsky.feed.post","text":"oolong odd","langs":"en","createdAt":"2023-02-01T10:00:00Z"}`)
	srv.Post("fan.bsky.social", "oolong newer")
	res, err := c.SearchPosts(context.Background(), bluesky.SearchParams{Q: "oolong"})
	if err != nil {
		t.Fatalf("page with legacy records: %v", err)
	}
	var texts []string
	for _, p := range res.Posts {
		texts = append(texts, p.Record.Text)
	}
	if want := "[oolong newer oolong new oolong legacy]"; fmt.Sprint(texts) != want {
		t.Errorf("posts = %v, want %s (latest first by sort time)", texts, want)
	}
	if at, ok := res.Posts[2].Record.Created(); !ok || !at.Equal(time.Date(2023, 2, 1, 10, 0, 0, 0, time.UTC)) || res.Posts[2].URI != legacy.URI {
		t.Errorf("legacy createdAt read as %v, %v; want 2023-02-01 10:00 UTC", at, ok)
	}
}

func TestRecordCreated(t *testing.T) {
	t.Parallel()
	utc := time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC)
	tests := []struct {
		raw  string
		want time.Time
		ok   bool
	}{
		{"2024-05-06T07:08:09.123Z", utc, true},
		{"2024-05-06T15:08:09.123+08:00", utc, true},
		{"2024-05-06T07:08:09.123-00:00", utc, true},
		{"2024-05-06T07:08:09.123+0000", utc, true},
		{"2024-05-06T07:08:09.123", utc, true},
		{"2024-05-06T07:08:09", utc.Truncate(time.Second), true},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, ok := bluesky.Record{CreatedAt: tt.raw}.Created()
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("Created(%q) = %v, %v; want %v, %v", tt.raw, got, ok, tt.want, tt.ok)
			}
		})
	}
}
