package demo

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func listenDeps(t *testing.T) (Deps, *store.DB) {
	t.Helper()
	db := storetest.SQLite(t)
	catalog, err := platform.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := brand.NewService(db, catalog.Has)
	return Deps{
		Accounts:  account.NewService(db, account.DefaultThrottle(db)),
		Brand:     b,
		Platforms: platform.NewService(catalog, db),
		Listen:    listen.NewService(db, listen.Brands{Competitors: b.Competitors.List, Products: b.Products.List}, listen.Options{}),
		Alerts:    db,
	}, db
}

func countMentions(t *testing.T, ls *listen.Service, ws int64) (n int, text string) {
	t.Helper()
	var before int64
	for {
		ms, err := ls.Mentions(context.Background(), ws, listen.MentionFilter{Limit: listen.MaxMentionPage, BeforeID: before})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			text += m.Text + "\n"
		}
		n += len(ms)
		if len(ms) < listen.MaxMentionPage {
			return n, text
		}
		before = ms[len(ms)-1].ID
	}
}

func testListeningDemo(t *testing.T) {
	d, db := listenDeps(t)
	ctx := context.Background()
	start := time.Now()
	if _, err := Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	t.Logf("first load: %v", time.Since(start))
	ws, err := d.Accounts.WorkspaceBySlug(ctx, Slug)
	if err != nil {
		t.Fatal(err)
	}
	n, text := countMentions(t, d.Listen, ws.ID)
	if n <= 500 {
		t.Errorf("%d mentions, want > 500", n)
	}
	for _, name := range []string{"闲岚", "橡果", "鲸豆"} {
		if !strings.Contains(text, name) {
			t.Errorf("no mention of %s", name)
		}
	}
	topics, err := d.Listen.Topics(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(topics) < 2 {
		t.Errorf("%d topics, want at least 2", len(topics))
	}
	alerts, err := alert.NewService(db).Alerts(ctx, ws.ID, alert.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) == 0 {
		t.Fatal("no alert on record")
	}
	kinds := map[string]bool{}
	for _, a := range alerts {
		kinds[a.Kind] = true
		if len(a.MentionIDs) == 0 {
			t.Errorf("alert %d carries no mentions", a.ID)
		}
	}
	t.Logf("alert kinds: %v", kinds)
	// The rules deliver to chat robots and e-mail on .example hosts, which
	// reach no one; the spike's alerts show as delivered, with no try left
	// for a running server's delivery job.
	rules, err := alert.NewService(db).Rules(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	kindsOf := map[int64][]string{}
	for _, r := range rules {
		for _, c := range r.Channels {
			kindsOf[r.ID] = append(kindsOf[r.ID], c.Kind)
			host := c.Email[strings.LastIndex(c.Email, "@")+1:]
			if c.URL != "" {
				u, err := url.Parse(c.URL)
				if err != nil {
					t.Fatal(err)
				}
				host = u.Hostname()
			}
			if !strings.HasSuffix(host, ".example") {
				t.Errorf("rule %q delivers to %q, not an .example host", r.Name, host)
			}
		}
	}
	if got := fmt.Sprint(kindsOf); !strings.Contains(got, "[wecom email]") || !strings.Contains(got, "[dingtalk]") {
		t.Errorf("demo rules' channels %s, want a WeCom robot and an e-mail, and a DingTalk robot", got)
	}
	// The WeCom robot and the e-mail took the crisis alert; the DingTalk
	// robot refused the volume alert for good (a wrong access_token), so
	// the alert page shows the refusal and offers to send it again.
	refused := 0
	ruleOf := map[int64]listen.AlertRule{}
	for _, r := range rules {
		ruleOf[r.ID] = r
	}
	for _, a := range alerts {
		out := alert.DeliveryOutcome(a)
		if len(out) != len(kindsOf[a.RuleID]) || a.DeliveryDueAt != nil {
			t.Errorf("alert %d: delivery %v, due %v; want an outcome for each of its rule's %d channels, none due", a.ID, out, a.DeliveryDueAt, len(kindsOf[a.RuleID]))
		}
		for k, v := range out {
			o := alert.ReadOutcome(v)
			switch {
			case strings.HasSuffix(k, ":dingtalk"):
				if o.State != alert.StateRefused || o.Reason != "platform_code" || o.Args["Code"] != "300001" || o.Hint != "dingtalk.300001" {
					t.Errorf("alert %d: channel %s: %s, want DingTalk's refusal of a wrong token", a.ID, k, v)
				}
				refused++
			case o.State != alert.StateOK:
				t.Errorf("alert %d: channel %s: %s, want ok", a.ID, k, v)
			}
		}
		_, err := alert.RedeliverOutcome(ruleOf[a.RuleID], a)
		if missed := alert.Missed(a); missed != (err == nil) {
			t.Errorf("alert %d: missed %v, send again: %v", a.ID, missed, err)
		}
	}
	if refused != 1 {
		t.Errorf("%d refused deliveries, want 1", refused)
	}
	// A running server's delivery job does not try the refused alert
	// again: it is not due.
	sent := &countingSender{}
	job := alert.NewEvaluator(db, alert.Options{Sender: sent, Now: func() time.Time { return time.Now().Add(24 * time.Hour) }})
	if tried, err := job.DeliverDue(ctx); err != nil || tried != 0 || sent.n != 0 {
		t.Errorf("delivery job: tried %d alerts, sent %d messages, err %v; want none", tried, sent.n, err)
	}
	if !kinds["crisis_word"] {
		t.Errorf("alert kinds %v lack crisis_word", kinds)
	}
	spike := time.Now().AddDate(0, 0, -spikeDaysAgo)
	neg, err := d.Listen.Mentions(ctx, ws.ID, listen.MentionFilter{Sentiment: listen.Negative, Limit: listen.MaxMentionPage})
	if err != nil {
		t.Fatal(err)
	}
	var around int
	for _, m := range neg {
		if m.PublishedAt.Sub(spike).Abs() < 36*time.Hour {
			around++
		}
	}
	if around < 20 {
		t.Errorf("%d negative mentions around the spike, want ≥ 20", around)
	}
	// The complaint copied by other accounts is one cluster, every copy
	// stored and counted.
	all, err := d.Listen.Mentions(ctx, ws.ID, listen.MentionFilter{Limit: listen.MaxMentionPage})
	if err != nil {
		t.Fatal(err)
	}
	biggest := 0
	for _, m := range all {
		biggest = max(biggest, m.ClusterSize)
	}
	if biggest < 12 {
		t.Errorf("largest repost cluster %d, want the spike's copied complaint (≥ 12)", biggest)
	}

	// The team corrected a few mentions that only state facts but that
	// the model read as opinions, and labelled the posts of labelledPosts;
	// the corrections export has them, and a second load corrects no more.
	corrections := exportCorrections(t, d.Listen, ws.ID)
	labelOf := map[string]string{}
	for i, lp := range labelledPosts {
		labelOf[labelledText(i)] = lp.label
	}
	stream, labelled := 0, 0
	for _, row := range corrections[1:] {
		text, label, _ := strings.Cut(row, ",")
		switch {
		case labelOf[text] == label:
			labelled++
		case label == listen.Neutral && saysNothing(text):
			stream++
		default:
			t.Errorf("correction %q, want a labelled post with its label or a neutral sentence corrected to neutral", row)
		}
	}
	if stream < 1 || stream > maxCorrections || labelled != len(labelledPosts) {
		t.Errorf("corrections export: %d stream corrections, %d labelled posts; want 1–%d and %d", stream, labelled, maxCorrections, len(labelledPosts))
	}
	// The workspace's model was retrained on them, as `chorus listen
	// train` retrains it, and kept: not worse on the held-out rows.
	own, ok, err := d.Listen.OwnModel(ctx, ws.ID)
	if err != nil || !ok {
		t.Fatalf("workspace model: %v, %v; want the demo's own", ok, err)
	}
	t.Logf("workspace model: %d rows trained, %d held out, macro-F1 %.4f (built-in %.4f)", own.TrainRows, own.HeldOutRows, own.MacroF1, own.BaseMacroF1)
	if own.TrainRows+own.HeldOutRows != len(corrections)-1 || own.MacroF1 < own.BaseMacroF1 {
		t.Errorf("workspace model of %d+%d rows, macro-F1 %.4f against %.4f; want the %d corrections, not worse", own.TrainRows, own.HeldOutRows, own.MacroF1, own.BaseMacroF1, len(corrections)-1)
	}

	// A second load adds nothing.
	if _, err := Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	if again := exportCorrections(t, d.Listen, ws.ID); !slices.Equal(again, corrections) {
		t.Errorf("second load: corrections %q, want %q", again, corrections)
	}
	if again, _, _ := d.Listen.OwnModel(ctx, ws.ID); !again.CreatedAt.Equal(own.CreatedAt) {
		t.Errorf("second load: workspace model of %s, want the first load's of %s", again.CreatedAt, own.CreatedAt)
	}
	if n2, _ := countMentions(t, d.Listen, ws.ID); n2 != n {
		t.Errorf("second load: %d mentions, want %d", n2, n)
	}
	topics2, _ := d.Listen.Topics(ctx, ws.ID)
	alerts2, _ := alert.NewService(db).Alerts(ctx, ws.ID, alert.Filter{})
	rules, _ = alert.NewService(db).Rules(ctx, ws.ID)
	if len(topics2) != len(topics) || len(alerts2) != len(alerts) || len(rules) != 2 {
		t.Errorf("second load: %d topics %d alerts %d rules, want %d, %d, 2", len(topics2), len(alerts2), len(rules), len(topics), len(alerts))
	}
}

// countingSender counts what it is asked to send.
type countingSender struct{ n int }

func (s *countingSender) Send(context.Context, notify.Target, notify.Message) error {
	s.n++
	return nil
}

// exportCorrections returns the lines of the workspace's corrections
// export, its header first.
func exportCorrections(t *testing.T, ls *listen.Service, ws int64) []string {
	t.Helper()
	var b strings.Builder
	if err := ls.ExportCorrections(context.Background(), ws, &b); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(b.String()), "\n")
}

func TestListeningDemo(t *testing.T) { testListeningDemo(t) }

// Without the shared corpus the built-in sentences stand in.
func TestListeningDemoWithoutCorpus(t *testing.T) {
	old := WeiboCorpus
	WeiboCorpus = "/nonexistent/corpus.csv"
	t.Cleanup(func() { WeiboCorpus = old })
	if _, err := os.Stat(WeiboCorpus); err == nil {
		t.Skip("corpus path exists")
	}
	testListeningDemo(t)
}

// TestDemoPostsKeepTheirKeysWithoutCorpus: a day's posts have the same
// ids, sources, times and authors whether the corpus is found or not, so
// a load run from where it is not found does not add the posts of an
// earlier load again under other keys; only the texts differ.
func TestDemoPostsKeepTheirKeysWithoutCorpus(t *testing.T) {
	loc, _ := time.LoadLocation(timeZone)
	var corpus []corpusText
	for _, c := range []corpusText{{text: "今天的咖啡真不错，推荐给大家"}, {text: "排队一个小时，太失望了", neg: true}, {text: "下雨了，在家喝杯热的"}, {text: "快递三天还没到，客服也不回", neg: true}} {
		c.fit = fitOf(c.text)
		corpus = append(corpus, c)
	}
	with := &mentionGen{loc: loc}
	with.setCorpus(corpus)
	without := &mentionGen{loc: loc}
	day := time.Date(2026, 11, 3, 0, 0, 0, 0, loc)
	now := day.AddDate(0, 0, 2)
	a, b := with.day(day, true, now), without.day(day, true, now)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d posts with the corpus, %d without", len(a), len(b))
	}
	sameTexts := 0
	for i := range a {
		if a[i].ExternalID != b[i].ExternalID || a[i].SourceKind != b[i].SourceKind || !a[i].PublishedAt.Equal(b[i].PublishedAt) || a[i].Author != b[i].Author {
			t.Errorf("post %d: %s %s %s %s with the corpus, %s %s %s %s without", i,
				a[i].SourceKind, a[i].ExternalID, a[i].PublishedAt, a[i].Author, b[i].SourceKind, b[i].ExternalID, b[i].PublishedAt, b[i].Author)
		}
		if a[i].Text == b[i].Text {
			sameTexts++
		}
	}
	if sameTexts == len(a) {
		t.Error("the texts do not depend on the corpus")
	}
}
