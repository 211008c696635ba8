package mastodon_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/connector/mastodon"
	"github.com/chorus-hq/chorus/internal/connector/mastodon/fake"
)

func setup(t *testing.T, token string) (*fake.Server, *mastodon.Client) {
	t.Helper()
	srv := fake.New()
	t.Cleanup(srv.Close)
	return srv, &mastodon.Client{BaseURL: srv.URL, Token: token, HTTP: srv.Client()}
}

func TestTagTimelinePaging(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, "")
	var ids []string
	for i := range 7 {
		ids = append(ids, srv.Post("alice", fmt.Sprintf("post %d about #Oolong", i), 10).ID)
	}
	srv.Post("bob", "nothing to see #other", 1)
	ctx := context.Background()

	first, err := c.TagTimeline(ctx, "#oolong", mastodon.Params{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := statusIDs(first); fmt.Sprint(got) != fmt.Sprint([]string{ids[6], ids[5], ids[4]}) {
		t.Fatalf("first page = %v, want the newest three newest first", got)
	}
	if first.Next.MaxID != ids[4] || first.Prev.MinID != ids[6] {
		t.Errorf("Link: next %+v prev %+v, want max_id %s and min_id %s", first.Next, first.Prev, ids[4], ids[6])
	}
	second, err := c.TagTimeline(ctx, "oolong", first.Next)
	if err != nil {
		t.Fatal(err)
	}
	if got := statusIDs(second); fmt.Sprint(got) != fmt.Sprint([]string{ids[3], ids[2], ids[1]}) {
		t.Errorf("second page = %v", got)
	}
	// min_id pages forward from a known id without a gap.
	fwd, err := c.TagTimeline(ctx, "oolong", mastodon.Params{MinID: ids[1], Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := statusIDs(fwd); fmt.Sprint(got) != fmt.Sprint([]string{ids[3], ids[2]}) {
		t.Errorf("min_id page = %v, want the two right after %s", got, ids[1])
	}
	since, err := c.TagTimeline(ctx, "oolong", mastodon.Params{SinceID: ids[5]})
	if err != nil || len(since.Statuses) != 1 || since.Statuses[0].ID != ids[6] {
		t.Errorf("since_id page = %v, %v", statusIDs(since), err)
	}
	st := first.Statuses[0]
	if st.Account.FollowersCount != 10 || st.ReblogsCount != 2 || st.FavouritesCount != 3 || st.RepliesCount != 1 {
		t.Errorf("status counts = %+v", st)
	}
	if n := len(srv.Requests()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}

func statusIDs(p mastodon.Page) []string {
	var out []string
	for _, s := range p.Statuses {
		out = append(out, s.ID)
	}
	return out
}

func TestSearchNeedsToken(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, fake.Token)
	srv.Post("alice", "I love Oolong tea", 5)
	srv.Post("bob", "coffee only", 5)
	p, err := c.SearchStatuses(context.Background(), "oolong", mastodon.Params{})
	if err != nil || len(p.Statuses) != 1 {
		t.Fatalf("search = %v, %v; want one status", statusIDs(p), err)
	}
	anon := &mastodon.Client{BaseURL: srv.URL, HTTP: srv.Client()}
	p, err = anon.SearchStatuses(context.Background(), "oolong", mastodon.Params{})
	if err != nil || len(p.Statuses) != 0 {
		t.Errorf("anonymous search = %v, %v; want no statuses, as instances answer", statusIDs(p), err)
	}
}

// TestSearchPaging: search answers newest first and pages by offset;
// min_id and max_id only filter by creation time, to the second; a status
// deleted after it was indexed keeps its place and shortens the page.
func TestSearchPaging(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, fake.Token)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var ids []string
	for i := range 6 {
		ids = append(ids, srv.PostAt("alice", fmt.Sprintf("oolong %d", i), 1, base.Add(time.Duration(i)*time.Second+time.Millisecond)).ID)
	}
	srv.Delete(ids[3])
	tests := []struct {
		name string
		p    mastodon.Params
		want []string
	}{
		{"newest first", mastodon.Params{Limit: 2}, []string{ids[5], ids[4]}},
		{"offset, deleted left out", mastodon.Params{Limit: 2, Offset: 2}, []string{ids[2]}},
		{"past the end", mastodon.Params{Limit: 2, Offset: 6}, nil},
		{"min_id filters, newest first still", mastodon.Params{MinID: ids[1], Limit: 2}, []string{ids[5], ids[4]}},
		{"min_id with offset", mastodon.Params{MinID: ids[1], Limit: 2, Offset: 2}, []string{ids[2]}},
		{"max_id filters", mastodon.Params{MaxID: ids[2]}, []string{ids[1], ids[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := c.SearchStatuses(context.Background(), "oolong", tt.p)
			if err != nil || fmt.Sprint(statusIDs(pg)) != fmt.Sprint(tt.want) {
				t.Errorf("search %+v = %v, %v; want %v", tt.p, statusIDs(pg), err, tt.want)
			}
		})
	}
}

func TestBadToken(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, "wrong")
	_, err := c.TagTimeline(context.Background(), "oolong", mastodon.Params{})
	e, ok := mastodon.AsError(err)
	if !ok || e.Status != http.StatusUnauthorized || e.Message != "The access token is invalid" {
		t.Fatalf("bad token: %v, want 401 with the instance's message", err)
	}
	if ae, ok := err.(*apperr.Error); !ok || ae.Key != "error.source_auth" {
		t.Errorf("bad token: %#v, want key error.source_auth", err)
	}
	srv.RevokeToken(fake.Token)
	c.Token = fake.Token
	if _, err := c.SearchStatuses(context.Background(), "x", mastodon.Params{}); err == nil {
		t.Error("revoked token: no error")
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, "")
	reset := time.Now().Add(90 * time.Second)
	srv.SetRateLimit(1, reset)
	if _, err := c.TagTimeline(context.Background(), "x", mastodon.Params{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.TagTimeline(context.Background(), "x", mastodon.Params{})
	e, ok := mastodon.AsError(err)
	if !ok || e.Status != http.StatusTooManyRequests {
		t.Fatalf("over the limit: %v, want 429", err)
	}
	if d := e.RetryAfter(); d < 80*time.Second || d > 91*time.Second {
		t.Errorf("RetryAfter = %s, want about 90s from X-RateLimit-Reset", d)
	}
	if !apperr.Is(err, apperr.TooMany) {
		t.Errorf("code = %s, want too_many", apperr.CodeOf(err))
	}
}
