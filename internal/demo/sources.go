package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
)

// SourceStore keeps the demo's listening sources and their health;
// *store.DB is one. The demo writes to it directly: its addresses are
// invented (.example hosts), which the source service's checks would
// refuse, and their health is what a few days of polling would have left.
type SourceStore interface {
	Sources(ctx context.Context, ws int64) ([]listen.Source, error)
	CreateSource(ctx context.Context, ws int64, s listen.Source) (listen.Source, error)
	ResetSourcePoll(ctx context.Context, ws, id int64) error
	RecordSourceSuccess(ctx context.Context, ws, id int64, cursor, etag, lastModified string, items int, next time.Time) error
	RecordSourceFailure(ctx context.Context, ws, id int64, problem string, next time.Time) error
}

// demoSource is one of the demo's sources and the health it is given:
// items from its last good poll, or the error of its failed polls.
type demoSource struct {
	src      listen.Source
	items    int
	failures int
	problem  string
}

// demoSources are a healthy feed, a healthy Mastodon hashtag and a Bluesky
// search whose app password was revoked, failing three times in a row.
var demoSources = []demoSource{
	{src: listen.Source{Kind: "rss", Name: "闲岚咖啡官方博客", PollSeconds: 3600,
		Config: map[string]string{"url": "https://blog.xianlan.example/feed.xml"}}, items: 36},
	{src: listen.Source{Kind: "mastodon_tag", Name: "Mastodon #精品咖啡", PollSeconds: 900,
		Config: map[string]string{"instance": "https://mastodon.example", "tag": "精品咖啡"}}, items: 128},
	{src: listen.Source{Kind: "bluesky_search", Name: "Bluesky 搜索：闲岚", PollSeconds: 900,
		Config: map[string]string{"q": "闲岚 OR xianlan", "identifier": "xianlan.bsky.example", "app_password": "demo-revoked-pass"}},
		failures: 3, problem: "bluesky: HTTP 401: AuthenticationRequired: Invalid identifier or password (the app password may have been revoked)"},
}

// refreshSources creates the demo's sources once and gives them their
// health again on every load, so the page looks the same after a restart.
// A failing source waits its interval doubled per failure, as the poll
// job's backoff does.
func refreshSources(ctx context.Context, st SourceStore, wsID int64, now time.Time) error {
	have, err := st.Sources(ctx, wsID)
	if err != nil {
		return err
	}
	byName := map[string]listen.Source{}
	for _, s := range have {
		byName[s.Name] = s
	}
	for _, d := range demoSources {
		s, ok := byName[d.src.Name]
		if !ok {
			in := d.src
			in.Enabled = true
			if s, err = st.CreateSource(ctx, wsID, in); err != nil {
				return fmt.Errorf("demo: source %q: %w", d.src.Name, err)
			}
		}
		interval := time.Duration(s.PollSeconds) * time.Second
		if d.failures == 0 {
			err = st.RecordSourceSuccess(ctx, wsID, s.ID, "", "", "", d.items, now.Add(interval))
		} else if err = st.ResetSourcePoll(ctx, wsID, s.ID); err == nil {
			for i := 1; i <= d.failures && err == nil; i++ {
				err = st.RecordSourceFailure(ctx, wsID, s.ID, d.problem, now.Add(interval<<i))
			}
		}
		if err != nil {
			return fmt.Errorf("demo: health of source %q: %w", d.src.Name, err)
		}
	}
	return nil
}
