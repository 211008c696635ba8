package bluesky_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

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
