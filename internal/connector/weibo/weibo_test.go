package weibo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/connector/weibo"
	"github.com/chorus-hq/chorus/internal/connector/weibo/fake"
)

func setup(t *testing.T) (*fake.Server, *weibo.Client) {
	t.Helper()
	srv := fake.New()
	t.Cleanup(srv.Close)
	return srv, &weibo.Client{BaseURL: srv.URL, AccessToken: fake.Token, HTTP: srv.Client()}
}

func TestSearchPagingAndTimes(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i := range 5 {
		srv.Post("茶友", fmt.Sprintf("乌龙茶 第%d条", i), base.Add(time.Duration(i)*time.Minute), 1200)
	}
	srv.Post("路人", "咖啡", base, 1)
	ctx := context.Background()
	var got []string
	for page := 1; page < 10; page++ {
		res, err := c.SearchLimited(ctx, weibo.SearchParams{Q: "乌龙茶", Count: 2, Page: page, StartTime: base.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if res.TotalNumber != 4 {
			t.Errorf("total_number = %d, want 4", res.TotalNumber)
		}
		for _, s := range res.Statuses {
			got = append(got, s.Text)
		}
		if len(res.Statuses) < 2 {
			break
		}
	}
	if want := "[乌龙茶 第4条 乌龙茶 第3条 乌龙茶 第2条 乌龙茶 第1条]"; fmt.Sprint(got) != want {
		t.Errorf("statuses = %v, want %s", got, want)
	}
	res, _ := c.SearchLimited(ctx, weibo.SearchParams{Q: "乌龙茶", Count: 1})
	st := res.Statuses[0]
	at, err := st.Created()
	if err != nil || !at.Equal(base.Add(4*time.Minute)) || st.User.FollowersCount != 1200 {
		t.Errorf("status %+v: created %v (%v)", st, at, err)
	}
}

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(*fake.Server, *weibo.Client)
		code    int
		key     string
	}{
		{"expired token", func(s *fake.Server, _ *weibo.Client) { s.ExpireToken(fake.Token) }, weibo.CodeExpiredToken, "error.source_reconnect"},
		{"unknown token", func(_ *fake.Server, c *weibo.Client) { c.AccessToken = "nope" }, weibo.CodeInvalidToken, "error.source_reconnect"},
		{"rate limit", func(s *fake.Server, _ *weibo.Client) { s.SetRemaining(0) }, weibo.CodeUserLimit, "error.source_rate_limited"},
		{"no paid permission", func(s *fake.Server, _ *weibo.Client) { s.SetPermission(false) }, weibo.CodeNoPermission, "error.source_weibo_permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t)
			tt.prepare(srv, c)
			_, err := c.SearchLimited(context.Background(), weibo.SearchParams{Q: "x"})
			e, ok := weibo.AsError(err)
			if !ok || e.Code != tt.code {
				t.Fatalf("err = %v, want error_code %d", err, tt.code)
			}
			if ae, ok := err.(*apperr.Error); !ok || ae.Key != tt.key {
				t.Errorf("err = %#v, want key %s", err, tt.key)
			}
			if tt.code == weibo.CodeUserLimit && e.RetryAfter() <= 0 {
				t.Error("rate limit without RetryAfter")
			}
		})
	}
	_, c := setup(t)
	_, err := c.SearchLimited(context.Background(), weibo.SearchParams{})
	if e, ok := weibo.AsError(err); !ok || e.Code != weibo.CodeMissingParam {
		t.Errorf("missing q: %v", err)
	}
}
