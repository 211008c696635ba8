package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
)

// SourceStore keeps the demo's listening sources and their health;
// *store.DB is one. The demo writes to it directly: the failing source's
// address is invented (an .example host), which the source service's
// checks would refuse, and its health is what a few failed polls would
// have left.
type SourceStore interface {
	Sources(ctx context.Context, ws int64) ([]listen.Source, error)
	CreateSource(ctx context.Context, ws int64, s listen.Source) (listen.Source, error)
	ResetSourcePoll(ctx context.Context, ws, id int64) error
	RecordSourceFailure(ctx context.Context, ws, id int64, problem listen.SourceProblem, next time.Time) error
	DeleteSource(ctx context.Context, ws, id int64) error
}

// demoSource is one of the demo's sources. A pushed source (webhook,
// import) brings the demo's posts of its post kind, so its health comes
// from ingesting them; a failing one is given failures and their error.
type demoSource struct {
	src      listen.Source
	postKind string
	failures int
	problem  listen.SourceProblem
}

// demoSources: a monitoring service pushing Weibo posts through the
// webhook, the Weibo back-end's exports imported as files, and a Bluesky
// search whose app password was revoked, failing three times in a row.
// The pushed ones stay healthy on a running server, where no poll job
// visits them.
var demoSources = []demoSource{
	{src: listen.Source{Kind: "webhook", Name: "舆情监测平台推送（微博）"}, postKind: "weibo_search"},
	{src: listen.Source{Kind: "import", Name: "微博后台导出（CSV）"}, postKind: "import"},
	{src: listen.Source{Kind: "bluesky_search", Name: "Bluesky 搜索：闲岚", PollSeconds: 900,
		Config: map[string]string{"q": "闲岚 OR xianlan", "identifier": "xianlan.bsky.example", "app_password": "demo-revoked-pass"}},
		failures: 3, problem: listen.SourceProblem{Key: "error.source_auth", Args: map[string]any{"Platform": "Bluesky"},
			Text: "bluesky: HTTP 401: AuthenticationRequired: Invalid identifier or password (the app password may have been revoked)"}},
}

// retiredSources are sources that earlier versions of the demo made, on
// .example hosts that fail on a running server's first poll; a load
// deletes them (their mentions stay, without a source).
var retiredSources = []string{"闲岚咖啡官方博客", "Mastodon #精品咖啡"}

// refreshSources creates the demo's sources once and gives the failing
// one its failures again on every load, so the page looks the same after a
// restart; a failing source waits its interval doubled per failure, as the
// poll job's backoff does. It returns the pushed sources' ids by the kind
// of post they bring.
func refreshSources(ctx context.Context, st SourceStore, wsID int64, now time.Time) (map[string]int64, error) {
	have, err := st.Sources(ctx, wsID)
	if err != nil {
		return nil, err
	}
	byName := map[string]listen.Source{}
	for _, s := range have {
		byName[s.Name] = s
	}
	for _, name := range retiredSources {
		if s, ok := byName[name]; ok {
			if err := st.DeleteSource(ctx, wsID, s.ID); err != nil {
				return nil, fmt.Errorf("demo: retire source %q: %w", name, err)
			}
		}
	}
	pushed := map[string]int64{}
	for _, d := range demoSources {
		s, ok := byName[d.src.Name]
		if !ok {
			in := d.src
			in.Enabled = true
			if in.Config == nil {
				in.Config = map[string]string{}
			}
			if s, err = st.CreateSource(ctx, wsID, in); err != nil {
				return nil, fmt.Errorf("demo: source %q: %w", d.src.Name, err)
			}
		}
		if d.postKind != "" {
			pushed[d.postKind] = s.ID
			continue
		}
		interval := time.Duration(s.PollSeconds) * time.Second
		err = st.ResetSourcePoll(ctx, wsID, s.ID)
		for i := 1; i <= d.failures && err == nil; i++ {
			err = st.RecordSourceFailure(ctx, wsID, s.ID, d.problem, now.Add(interval<<i))
		}
		if err != nil {
			return nil, fmt.Errorf("demo: health of source %q: %w", d.src.Name, err)
		}
	}
	return pushed, nil
}
