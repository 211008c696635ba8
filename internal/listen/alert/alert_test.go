package alert_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
	"github.com/chorus-hq/chorus/internal/notify/fake"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestVolumeZ(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		current  int64
		baseline []int64
		want     float64
	}{
		{"flat zero baseline uses the floor", 5, make([]int64, 14), 5},
		{"flat baseline of 9: floor sqrt(9)=3", 18, []int64{9, 9, 9, 9}, 3},
		{"varying baseline: sqrt(mean) floor above stddev", 30, []int64{8, 12, 8, 12}, 20 / math.Sqrt(10)},
		{"wide baseline: stddev", 30, []int64{0, 20, 0, 20}, 2},
		{"no baseline", 3, nil, 3},
		{"below the mean", 0, []int64{4, 4}, -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, _, _ := alert.VolumeZ(tt.current, tt.baseline)
			if math.Abs(z-tt.want) > 1e-9 {
				t.Errorf("VolumeZ(%d, %v) = %v, want %v", tt.current, tt.baseline, z, tt.want)
			}
		})
	}
}

func TestSpikeCheck(t *testing.T) {
	t.Parallel()
	hour := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	series := func(cur listen.Rollup, sameHour int64, everyHour listen.Rollup) map[time.Time]listen.Rollup {
		m := map[time.Time]listen.Rollup{hour: cur}
		for h := 1; h <= 14*24; h++ {
			at := hour.Add(-time.Duration(h) * time.Hour)
			r := everyHour
			if h%24 == 0 {
				r.Volume = sameHour
			}
			m[at] = r
		}
		return m
	}
	tests := []struct {
		name   string
		rule   listen.AlertRule
		series map[time.Time]listen.Rollup
		fire   bool
	}{
		{"volume spike", listen.AlertRule{Kind: "volume_spike", Threshold: 3}, series(listen.Rollup{Volume: 40}, 10, listen.Rollup{}), true},
		{"volume normal", listen.AlertRule{Kind: "volume_spike", Threshold: 3}, series(listen.Rollup{Volume: 12}, 10, listen.Rollup{}), false},
		{"zero-variance zero baseline, few mentions", listen.AlertRule{Kind: "volume_spike", Threshold: 3}, series(listen.Rollup{Volume: 4}, 0, listen.Rollup{}), false},
		{"zero-variance zero baseline, min volume met", listen.AlertRule{Kind: "volume_spike", Threshold: 3}, series(listen.Rollup{Volume: 6}, 0, listen.Rollup{}), true},
		{"min volume option", listen.AlertRule{Kind: "volume_spike", Threshold: 3, Extra: map[string]string{"min_volume": "50"}}, series(listen.Rollup{Volume: 40}, 10, listen.Rollup{}), false},
		{"negative share up", listen.AlertRule{Kind: "negative_spike", Threshold: 0.2}, series(listen.Rollup{Volume: 20, Negative: 12}, 0, listen.Rollup{Volume: 10, Negative: 1}), true},
		{"negative share flat", listen.AlertRule{Kind: "negative_spike", Threshold: 0.2}, series(listen.Rollup{Volume: 20, Negative: 3}, 0, listen.Rollup{Volume: 10, Negative: 1}), false},
		{"negative share up, volume too small", listen.AlertRule{Kind: "negative_spike", Threshold: 0.2}, series(listen.Rollup{Volume: 5, Negative: 5}, 0, listen.Rollup{Volume: 10, Negative: 1}), false},
		{"negative, empty baseline", listen.AlertRule{Kind: "negative_spike", Threshold: 0.5}, series(listen.Rollup{Volume: 10, Negative: 6}, 0, listen.Rollup{}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, b, fire, detail := alert.SpikeCheck(tt.rule, tt.series, hour)
			if fire != tt.fire {
				t.Errorf("fire = %v, want %v (value %v, baseline %v, %v)", fire, tt.fire, v, b, detail)
			}
		})
	}
}

func TestQuiet(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { x := now.Add(-d); return &x }
	tests := []struct {
		name string
		rule listen.AlertRule
		want bool
	}{
		{"never fired", listen.AlertRule{QuietMinutes: 60}, false},
		{"fired 10 min ago, quiet 60", listen.AlertRule{QuietMinutes: 60, LastFiredAt: ago(10 * time.Minute)}, true},
		{"fired 2 h ago, quiet 60", listen.AlertRule{QuietMinutes: 60, LastFiredAt: ago(2 * time.Hour)}, false},
		{"no quiet period", listen.AlertRule{LastFiredAt: ago(time.Second)}, false},
	}
	for _, tt := range tests {
		if got := alert.Quiet(tt.rule, now); got != tt.want {
			t.Errorf("%s: Quiet = %v, want %v", tt.name, got, tt.want)
		}
	}
}

var slugs atomic.Int64

// fixture is a workspace with a brand topic and a crisis topic.
type fixture struct {
	db            *store.DB
	ws            int64
	brand, crisis int64
}

func newFixture(t *testing.T, db *store.DB) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{db: db}
	must(t, db.WriteDB().QueryRowContext(ctx, `INSERT INTO workspaces (slug, name, time_zone, currency, created_at, updated_at)
		VALUES ($1, 'T', 'Asia/Shanghai', 'CNY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, fmt.Sprintf("alert-%d", slugs.Add(1))).Scan(&f.ws))
	f.brand = f.topic(t, "好茶", "brand")
	f.crisis = f.topic(t, "危机", "crisis")
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f fixture) topic(t *testing.T, name, kind string) int64 {
	t.Helper()
	var id int64
	must(t, f.db.WriteDB().QueryRowContext(context.Background(), `INSERT INTO topics (workspace_id, name, kind, query, enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $2, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, f.ws, name, kind).Scan(&id))
	return id
}

var mentionSeq atomic.Int64

func (f fixture) mention(t *testing.T, topic int64, text, sentiment string, at time.Time) int64 {
	t.Helper()
	return f.pushed(t, topic, text, sentiment, at, at)
}

// pushed stores a mention published at published that reached Chorus at
// fetched.
func (f fixture) pushed(t *testing.T, topic int64, text, sentiment string, published, fetched time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	n := mentionSeq.Add(1)
	must(t, f.db.WriteDB().QueryRowContext(ctx, `INSERT INTO mentions (workspace_id, source_kind, external_id, author, text, content_hash, sentiment, published_at, fetched_at, topic_ids)
		VALUES ($1, 'webhook', $2, 'u', $3, $2, $4, $5, $6, $7) RETURNING id`, f.ws, fmt.Sprint("m", n), text, sentiment, published.UTC(), fetched.UTC(), fmt.Sprint(topic)).Scan(&id))
	_, err := f.db.WriteDB().ExecContext(ctx, `INSERT INTO mention_topics (mention_id, topic_id, workspace_id, published_at) VALUES ($1, $2, $3, $4)`, id, topic, f.ws, published.UTC())
	must(t, err)
	return id
}

// brandSpike gives the brand two weeks of about ten mentions an hour, one
// of them negative, then an hour of 60 with 40 negative, and returns the
// time evaluated (within that hour) and the hour.
func (f fixture) brandSpike(t *testing.T) (now, hour time.Time) {
	t.Helper()
	now = time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
	hour = now.Truncate(time.Hour)
	for d := 1; d <= 14; d++ {
		f.rollup(t, f.brand, hour.Add(-time.Duration(d)*24*time.Hour), int64(8+d%3), 1)
	}
	f.rollup(t, f.brand, hour, 60, 40)
	return now, hour
}

func (f fixture) rollup(t *testing.T, topic int64, hour time.Time, volume, negative int64) {
	t.Helper()
	_, err := f.db.WriteDB().ExecContext(context.Background(), `INSERT INTO topic_rollups (topic_id, hour, workspace_id, volume, positive, neutral, negative, reach)
		VALUES ($1, $2, $3, $4, 0, $5, $6, 0)`, topic, hour.UTC(), f.ws, volume, volume-negative, negative)
	must(t, err)
}

// sender records deliveries.
type sender struct {
	mu  sync.Mutex
	got []notify.Message
}

func (s *sender) Send(_ context.Context, _ notify.Target, m notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, m)
	return nil
}

func TestCrisisAfterIngestIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		rule, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true,
			Channels: []listen.Channel{{Kind: "wecom", URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}}})
		must(t, err)
		snd := &sender{}
		ev := alert.NewEvaluator(db, alert.Options{Sender: snd, Now: func() time.Time { return now }})
		m1 := f.mention(t, f.crisis, "产品爆炸了 [点我](http://x)", "negative", now.Add(-time.Minute))
		m2 := f.mention(t, f.brand, "好茶不错", "positive", now.Add(-time.Minute))

		ev.AfterIngest(ctx, f.ws, []int64{m1, m2})
		ev.AfterIngest(ctx, f.ws, []int64{m1, m2}) // the same batch again
		as, err := db.Alerts(ctx, f.ws, alert.Filter{})
		must(t, err)
		if len(as) != 1 || len(as[0].MentionIDs) != 1 || as[0].MentionIDs[0] != m1 || as[0].RuleID != rule.ID {
			t.Fatalf("alerts = %+v, want one crisis alert carrying mention %d", as, m1)
		}
		// The hourly run sees the same mention and fires nothing.
		fired, err := ev.Evaluate(ctx, f.ws, nil)
		must(t, err)
		if len(fired) != 0 {
			t.Errorf("hourly run fired %d alerts for mentions already alerted", len(fired))
		}
		// A new crisis mention fires again (quiet period 0).
		m3 := f.mention(t, f.crisis, "又出事了", "negative", now)
		ev.AfterIngest(ctx, f.ws, []int64{m3})
		as, _ = db.Alerts(ctx, f.ws, alert.Filter{})
		if len(as) != 2 || as[0].MentionIDs[0] != m3 {
			t.Errorf("after a new crisis mention: %d alerts, want 2 with the new mention", len(as))
		}
		ev.Wait()
		snd.mu.Lock()
		if len(snd.got) != 2 || len(snd.got[0].Quotes) == 0 {
			t.Errorf("deliveries = %d (%+v), want 2 with quotes", len(snd.got), snd.got)
		}
		snd.mu.Unlock()
		a, err := db.Alert(ctx, f.ws, as[1].ID)
		must(t, err)
		if d := alert.DeliveryOutcome(a); len(d) != 1 || !allOK(d) {
			t.Errorf("delivery outcome = %v", a.Detail)
		}
		// Read: the in-app list.
		if _, err := alert.NewService(db).MarkRead(ctx, f.ws, a.ID); err != nil {
			t.Fatal(err)
		}
		unread, _ := db.Alerts(ctx, f.ws, alert.Filter{Unread: true})
		if len(unread) != 1 {
			t.Errorf("unread = %d, want 1", len(unread))
		}
		d, err := alert.NewService(db).Alert(ctx, f.ws, a.ID)
		must(t, err)
		if len(d.Mentions) != 1 || d.Mentions[0].ID != m1 {
			t.Errorf("alert detail mentions = %+v", d.Mentions)
		}
	})
}

// TestCrisisHitsAddUp: a crisis rule's threshold counts the hits that
// reached Chorus in the last CrisisWindow, over several pushes and
// whenever they were published, as soon as the push that reaches it is
// stored; not the hits of one batch, nor those published in the last
// hours only.
func TestCrisisHitsAddUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		_, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Threshold: 3, Enabled: true})
		must(t, err)
		clock := now
		ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return clock }})
		push := func(at time.Duration, ids ...int64) []listen.Alert {
			t.Helper()
			clock = now.Add(at)
			fired, err := ev.Evaluate(ctx, f.ws, ids)
			must(t, err)
			return fired
		}
		ago := func(d time.Duration) time.Time { return now.Add(-d) }
		// Before the window: does not count.
		f.pushed(t, f.crisis, "早就出过事", "negative", ago(4*time.Hour), ago(3*time.Hour))
		a := f.pushed(t, f.crisis, "产品爆炸了", "negative", ago(5*time.Hour), ago(40*time.Minute))
		b := f.pushed(t, f.crisis, "又爆炸了", "negative", ago(3*time.Hour), ago(20*time.Minute))
		if fired := push(-40*time.Minute, a); len(fired) != 0 {
			t.Fatalf("the first hit fired %+v; the threshold is 3", fired)
		}
		if fired := push(-20*time.Minute, b); len(fired) != 0 {
			t.Fatalf("the second hit fired %+v; the threshold is 3", fired)
		}
		c := f.pushed(t, f.crisis, "还在爆炸", "negative", ago(26*time.Hour), now)
		old := f.pushed(t, f.crisis, "去年的事故", "negative", ago(30*24*time.Hour), now) // an import: history
		brand := f.pushed(t, f.brand, "好茶不错", "positive", now, now)
		fired := push(0, c, old, brand)
		if len(fired) != 1 || fmt.Sprint(fired[0].MentionIDs) != fmt.Sprint([]int64{c, b, a}) {
			t.Fatalf("the third push fired %+v; want one alert of mentions %v", fired, []int64{c, b, a})
		}
		if fired := push(time.Hour); len(fired) != 0 {
			t.Errorf("the hourly run fired %+v again", fired)
		}
	})
}

// TestCrisisWaveAlertsOnce: a wave of more crisis hits than an alert
// shows fires one alert, which counts them all; the next evaluation
// finds none of them new. Before, the alert kept the newest 50, and the
// hourly run fired a second alert for the other 10 of the same wave.
func TestCrisisWaveAlertsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		_, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Threshold: 5, Enabled: true})
		must(t, err)
		clock := now
		ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return clock }})
		wave := alert.MaxAlertMentions + 10
		var ids []int64
		for i := range wave {
			at := now.Add(time.Duration(i-wave) * time.Second)
			ids = append(ids, f.pushed(t, f.crisis, fmt.Sprint("喝出异物 ", i), "negative", at, at))
		}
		fired, err := ev.Evaluate(ctx, f.ws, ids)
		must(t, err)
		if len(fired) != 1 || fired[0].Caused() != wave || len(fired[0].MentionIDs) != wave {
			t.Fatalf("the wave fired %d alerts (%+v); want one of %d mentions", len(fired), fired, wave)
		}
		clock = now.Add(time.Hour)
		if again, err := ev.Evaluate(ctx, f.ws, nil); err != nil || len(again) != 0 {
			t.Fatalf("the hourly run fired %+v, %v; the wave was alerted already", again, err)
		}
		d, err := alert.NewService(db).Alert(ctx, f.ws, fired[0].ID)
		must(t, err)
		if len(d.Mentions) != alert.MaxAlertMentions || d.Mentions[0].ID != ids[wave-1] {
			t.Errorf("the alert shows %d mentions, the first %d; want the newest %d, %d first", len(d.Mentions), d.Mentions[0].ID, alert.MaxAlertMentions, ids[wave-1])
		}
	})
}

// TestCrisisAfterLongQuiet: crisis hits that arrive during a quiet period
// longer than the crisis window are carried by the first alert after it,
// not lost.
func TestCrisisAfterLongQuiet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		_, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Threshold: 1, QuietMinutes: 6 * 60, Enabled: true})
		must(t, err)
		clock := now
		ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return clock }})
		push := func(at time.Time, id int64) []listen.Alert {
			t.Helper()
			clock = at
			fired, err := ev.Evaluate(ctx, f.ws, []int64{id})
			must(t, err)
			return fired
		}
		first := f.pushed(t, f.crisis, "产品爆炸了", "negative", now, now)
		if fired := push(now, first); len(fired) != 1 {
			t.Fatalf("the first hit fired %d alerts, want 1", len(fired))
		}
		held := f.pushed(t, f.crisis, "又爆炸了", "negative", now.Add(time.Hour), now.Add(time.Hour))
		if fired := push(now.Add(time.Hour), held); len(fired) != 0 {
			t.Fatalf("a hit in the quiet period fired %+v", fired)
		}
		after := now.Add(6*time.Hour + time.Minute)
		last := f.pushed(t, f.crisis, "还在爆炸", "negative", after, after)
		fired := push(after, last)
		if len(fired) != 1 || !slices.Contains(fired[0].MentionIDs, held) || !slices.Contains(fired[0].MentionIDs, last) {
			t.Fatalf("after the quiet period: %+v; want one alert carrying the held hit %d and %d", fired, held, last)
		}
	})
}

func TestSpikeQuietPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now, hour := f.brandSpike(t)
		var ids []int64
		for i := 0; i < 3; i++ {
			ids = append(ids, f.mention(t, f.brand, "差评", "negative", hour.Add(time.Duration(i)*time.Minute)))
		}
		svc := alert.NewService(db)
		_, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "量", Kind: "volume_spike", TopicID: f.brand, Threshold: 3, QuietMinutes: 120, Enabled: true})
		must(t, err)
		_, err = svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "负", Kind: "negative_spike", TopicID: f.brand, Threshold: 0.3, QuietMinutes: 120, Enabled: true})
		must(t, err)
		clock := now
		ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return clock }})
		fired, err := ev.Evaluate(ctx, f.ws, ids)
		must(t, err)
		if len(fired) != 2 {
			t.Fatalf("fired %d alerts, want a volume and a negative spike: %+v", len(fired), fired)
		}
		for _, a := range fired {
			if len(a.MentionIDs) != 3 || a.Detail["hour"] != hour.Format(time.RFC3339) {
				t.Errorf("%s alert: mentions %v, detail %v", a.Kind, a.MentionIDs, a.Detail)
			}
		}
		// Within the quiet period nothing fires, even with more volume.
		clock = now.Add(90 * time.Minute)
		f.rollup(t, f.brand, clock.Truncate(time.Hour), 80, 60)
		if fired, _ := ev.Evaluate(ctx, f.ws, nil); len(fired) != 0 {
			t.Errorf("fired %d alerts within the quiet period", len(fired))
		}
		// After it, the new hour fires; the old hour does not fire again.
		clock = now.Add(150 * time.Minute)
		fired, err = ev.Evaluate(ctx, f.ws, nil)
		must(t, err)
		if len(fired) != 2 {
			t.Errorf("after the quiet period: fired %d, want 2", len(fired))
		}
	})
}

// store stores n mentions of a sentiment published at at, matching the
// topics, as listening does (rows, matches and roll-ups in one batch).
func (f fixture) store(t *testing.T, n int, sentiment string, at time.Time, topics ...int64) {
	t.Helper()
	batch := make([]listen.NewMention, n)
	for i := range batch {
		k := mentionSeq.Add(1)
		batch[i] = listen.NewMention{Mention: listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint("s", k), Text: fmt.Sprint("post ", k),
			ContentHash: fmt.Sprint("h", k), Sentiment: sentiment, TopicIDs: topics, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1}
	}
	_, _, err := f.db.SaveMentions(context.Background(), f.ws, batch, listen.NearSync{})
	must(t, err)
}

// TestAllTopicsSpikeCountsMentionOnce: a spike rule on all topics counts a
// mention of two topics once, in the hour's volume and negative share as
// in their baseline, and leaves out mentions of crisis topics only, as
// the insights pages count them.
func TestAllTopicsSpikeCountsMentionOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		hour := now.Truncate(time.Hour)
		for _, tt := range []struct {
			kind      string
			threshold float64
		}{
			// Baseline 10 an hour; now 10 mentions of both topics, which
			// the topics' roll-ups add up to 20 (z 3.2).
			{"volume_spike", 3},
			// Now 10 negative of both topics and 10 positive of one: 50 %
			// negative, 67 % when added up per topic.
			{"negative_spike", 0.6},
		} {
			t.Run(tt.kind, func(t *testing.T) {
				f := newFixture(t, db)
				product := f.topic(t, "奶茶", "product")
				for d := 1; d <= 14; d++ {
					f.store(t, 10, "positive", hour.Add(-time.Duration(d)*24*time.Hour), f.brand)
				}
				if tt.kind == "volume_spike" {
					f.store(t, 10, "positive", hour, f.brand, product)
				} else {
					f.store(t, 10, "negative", hour, f.brand, product)
					f.store(t, 10, "positive", hour, f.brand)
				}
				f.store(t, 30, "negative", hour, f.crisis)
				_, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "全部", Kind: tt.kind, Threshold: tt.threshold, Enabled: true})
				must(t, err)
				ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return now }})
				fired, err := ev.Evaluate(ctx, f.ws, nil)
				must(t, err)
				if len(fired) != 0 {
					t.Fatalf("fired %+v; each mention counted once is no spike", fired[0].Detail)
				}
				// 10 more mentions of one topic make it a spike, of
				// mentions each counted once.
				sentiment := "positive"
				if tt.kind == "negative_spike" {
					sentiment = "negative"
				}
				f.store(t, 10, sentiment, hour, product)
				fired, err = ev.Evaluate(ctx, f.ws, nil)
				must(t, err)
				if len(fired) != 1 || fmt.Sprint(fired[0].Detail["volume"]) != map[string]string{"volume_spike": "20", "negative_spike": "30"}[tt.kind] {
					t.Errorf("after 10 more mentions: fired %+v; want one alert of 20 (volume) or 30 (negative) mentions", fired)
				}
			})
		}
	})
}

// staleRecent is a store whose evaluations read the rule's recent alerts
// before another evaluation stored its own, as two at once do.
type staleRecent struct{ *store.DB }

func (staleRecent) RecentAlerts(context.Context, int64, int64, time.Time) ([]listen.Alert, error) {
	return nil, nil
}

// TestSimultaneousEvaluationsFireOnce: two evaluations that both found
// the same spike or crisis mention new store one alert, even without a
// quiet period.
func TestSimultaneousEvaluationsFireOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now, hour := f.brandSpike(t)
		ids := []int64{f.mention(t, f.brand, "差评", "negative", hour), f.mention(t, f.crisis, "产品爆炸了", "negative", hour)}
		svc := alert.NewService(db)
		_, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "量", Kind: "volume_spike", TopicID: f.brand, Threshold: 3, Enabled: true})
		must(t, err)
		_, err = svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true})
		must(t, err)
		ev := alert.NewEvaluator(staleRecent{db}, alert.Options{Now: func() time.Time { return now }})
		for range 2 {
			_, err := ev.Evaluate(ctx, f.ws, ids)
			must(t, err)
		}
		as, err := db.Alerts(ctx, f.ws, alert.Filter{})
		must(t, err)
		if len(as) != 2 || as[0].Kind == as[1].Kind {
			t.Errorf("alerts %+v; want one volume spike and one crisis alert", as)
		}
	})
}

func TestValidate(t *testing.T) {
	t.Parallel()
	webhook := func(kind, url string) listen.AlertRule {
		return listen.AlertRule{Name: "x", Kind: "crisis_word", Channels: []listen.Channel{{Kind: kind, URL: url}}}
	}
	strict := alert.NewService(nil)
	local := alert.NewService(nil)
	local.Webhooks = &notify.Notifier{HTTP: fetch.New(fetch.Options{AllowPrivate: true})}
	tests := []struct {
		name  string
		svc   *alert.Service
		rule  listen.AlertRule
		field string // the field of the one error, "" when valid
		key   string
	}{
		{"ok", strict, listen.AlertRule{Name: "x", Kind: "volume_spike", Threshold: 3}, "", ""},
		{"bad kind", strict, listen.AlertRule{Name: "x", Kind: "nope", Threshold: 3}, "kind", "error.one_of"},
		{"share above 1", strict, listen.AlertRule{Name: "x", Kind: "negative_spike", Threshold: 2}, "threshold", "error.alert.threshold_range"},
		// Crisis words need 0 to 1,000 mentions, both ends allowed, as the
		// form says: 0 fires on the first new one, as 1 does.
		{"crisis words, 0", strict, listen.AlertRule{Name: "x", Kind: "crisis_word", Threshold: 0}, "", ""},
		{"crisis words, 1,000", strict, listen.AlertRule{Name: "x", Kind: "crisis_word", Threshold: alert.MaxCountedMentions}, "", ""},
		{"crisis words, more than counted", strict, listen.AlertRule{Name: "x", Kind: "crisis_word", Threshold: alert.MaxCountedMentions + 1}, "threshold", "error.range"},
		{"crisis words, negative", strict, listen.AlertRule{Name: "x", Kind: "crisis_word", Threshold: -1}, "threshold", "error.range"},
		{"bad webhook", strict, webhook("dingtalk", "ftp://x"), "channels[0].url", "error.alert.bad_webhook_url"},
		{"bad email", strict, listen.AlertRule{Name: "x", Kind: "crisis_word", Channels: []listen.Channel{{Kind: "email", Email: "nope"}}}, "channels[0].email", "error.alert.bad_email"},
		{"unknown topic", strict, listen.AlertRule{Name: "x", Kind: "crisis_word", TopicID: 99}, "topic_id", "error.alert.unknown_topic"},
		{"bad min volume", strict, listen.AlertRule{Name: "x", Kind: "volume_spike", Threshold: 3, Extra: map[string]string{"min_volume": "-1"}}, "extra.min_volume", "error.alert.min_volume"},
		// A webhook URL carries the robot's key or token: https only, at
		// a public address, unless the server allows private addresses.
		{"https webhook", strict, webhook("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t"), "", ""},
		{"http webhook", strict, webhook("dingtalk", "http://oapi.dingtalk.com/robot/send?access_token=t"), "channels[0].url", "error.alert.webhook_https"},
		{"HTTP webhook", strict, webhook("slack", "HTTP://hooks.slack.com/services/T/B/x"), "channels[0].url", "error.alert.webhook_https"},
		{"loopback webhook", strict, webhook("wecom", "https://127.0.0.1:6379/"), "channels[0].url", "error.alert.webhook_private"},
		{"metadata webhook", strict, webhook("feishu", "http://169.254.169.254/latest/meta-data/"), "channels[0].url", "error.alert.webhook_private"},
		{"localhost webhook", strict, webhook("feishu", "https://localhost/open-apis/bot/v2/hook/x"), "channels[0].url", "error.alert.webhook_private"},
		{"webhook with password", strict, webhook("wecom", "https://u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"), "channels[0].url", "error.fetch_credentials"},
		{"http webhook allowed", local, webhook("dingtalk", "http://oapi.dingtalk.com/robot/send?access_token=t"), "", ""},
		{"local bridge allowed", local, webhook("wecom", "http://127.0.0.1:8080/cgi-bin/webhook/send?key=k"), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.svc.Validate(context.Background(), tt.rule, nil)
			var ae *apperr.Error
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("Validate = %v, want valid", err)
			case tt.field != "" && (!errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != tt.field || ae.Fields[0].Key != tt.key):
				t.Errorf("Validate = %v, want %s on %s", err, tt.key, tt.field)
			}
		})
	}
}

// TestStoredHTTPWebhook: a rule stored with a plain http:// webhook URL
// before those were refused can still be paused; a new http URL is
// refused; and its alert sends nothing there, saying why on the alert.
func TestStoredHTTPWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		robot := fake.New(t, notify.WeCom, "k1", "")
		bridge := listen.Channel{Kind: notify.WeCom, URL: robot.URL()}
		rule, err := db.CreateAlertRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true, Channels: []listen.Channel{bridge}})
		must(t, err)
		svc := alert.NewService(db)
		rule.Enabled = false
		if _, err := svc.UpdateRule(ctx, f.ws, rule.ID, rule); err != nil {
			t.Fatalf("pausing the stored rule: %v", err)
		}
		rule.Enabled = true
		rule.Channels = []listen.Channel{{Kind: notify.WeCom, URL: robot.URL() + "&x=1"}}
		if _, err := svc.UpdateRule(ctx, f.ws, rule.ID, rule); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("changing it to another loopback http URL: %v, want refused", err)
		}
		rule.Channels = []listen.Channel{bridge}
		_, err = svc.UpdateRule(ctx, f.ws, rule.ID, rule)
		must(t, err)

		now := time.Now().UTC()
		ev := alert.NewEvaluator(db, alert.Options{Sender: &notify.Notifier{HTTP: fetch.New(fetch.Options{}), Backoff: time.Millisecond},
			Now: func() time.Time { return now }})
		fired, err := ev.Evaluate(ctx, f.ws, []int64{f.mention(t, f.crisis, "产品爆炸了", "negative", now)})
		must(t, err)
		ev.Wait()
		if len(fired) != 1 {
			t.Fatalf("fired %d alerts, want 1", len(fired))
		}
		a, err := db.Alert(ctx, f.ws, fired[0].ID)
		must(t, err)
		out := alert.DeliveryOutcome(a)
		if len(out) != 1 {
			t.Fatalf("delivery outcome %v, want one channel", out)
		}
		for _, v := range out {
			if !strings.Contains(v, "nothing sent: ") || strings.Contains(v, "k1") {
				t.Errorf("delivery outcome %q, want why nothing was sent, without the key", v)
			}
		}
		if n := robot.Requests(); n != 0 {
			t.Errorf("the robot got %d requests, want none", n)
		}
	})
}

func TestUpdateKeepsSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		svc := alert.NewService(db)
		url := "https://oapi.dingtalk.com/robot/send?access_token=abcdef"
		r, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "x", Kind: "crisis_word", Enabled: true, Channels: []listen.Channel{{Kind: "dingtalk", URL: url, Secret: "SECabc"}}})
		must(t, err)
		r.Name = "y"
		r.Channels = []listen.Channel{{Kind: "dingtalk", URL: notify.RedactURL(url)}}
		got, err := svc.UpdateRule(ctx, f.ws, r.ID, r)
		must(t, err)
		if got.Name != "y" || got.Channels[0].URL != url || got.Channels[0].Secret != "SECabc" {
			t.Errorf("after update: %+v", got.Channels)
		}
		other := newFixture(t, db)
		if _, err := svc.UpdateRule(ctx, other.ws, r.ID, r); err == nil {
			t.Errorf("another workspace updated the rule")
		}
	})
}

// TestUpdateRuleFrom: an editor that removes a channel says where each
// remaining one came from, so a channel keeps its own stored URL and
// secret, not those of the one before it; a redacted URL that cannot be
// kept is refused, not stored.
func TestUpdateRuleFrom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		svc := alert.NewService(db)
		a := listen.Channel{Kind: "dingtalk", URL: "https://oapi.dingtalk.com/robot/send?access_token=aaaaaa", Secret: "SECaaa"}
		b := listen.Channel{Kind: "dingtalk", URL: "https://oapi.dingtalk.com/robot/send?access_token=bbbbbb", Secret: "SECbbb"}
		mail := listen.Channel{Kind: "email", Email: "pr@example.com"}
		shown := func(c listen.Channel) listen.Channel { // as the API and the editor show it
			if c.URL != "" {
				c.URL = notify.RedactURL(c.URL)
			}
			c.Secret = ""
			return c
		}
		tests := []struct {
			name    string
			sent    []listen.Channel
			from    []int
			want    []listen.Channel
			invalid string
		}{
			{"the first removed", []listen.Channel{shown(b), shown(mail)}, []int{1, 2}, []listen.Channel{b, mail}, ""},
			{"reordered", []listen.Channel{shown(mail), shown(b), shown(a)}, []int{2, 1, 0}, []listen.Channel{mail, b, a}, ""},
			{"a new one keeps nothing", []listen.Channel{shown(a), {Kind: "dingtalk", URL: notify.RedactURL(b.URL)}}, []int{0, -1}, nil, "channels[1].url"},
			{"kind changed keeps nothing", []listen.Channel{{Kind: "feishu", URL: notify.RedactURL(a.URL)}}, []int{0}, nil, "channels[0].url"},
			{"new secret", []listen.Channel{{Kind: "dingtalk", URL: notify.RedactURL(a.URL), Secret: "SECnew"}}, []int{0}, []listen.Channel{{Kind: "dingtalk", URL: a.URL, Secret: "SECnew"}}, ""},
			{"nil from is by position", []listen.Channel{shown(b)}, nil, []listen.Channel{a}, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: tt.name, Kind: "crisis_word", Enabled: true, Channels: []listen.Channel{a, b, mail}})
				must(t, err)
				r.Channels = tt.sent
				got, err := svc.UpdateRuleFrom(ctx, f.ws, r.ID, r, tt.from)
				if tt.invalid != "" {
					var ae *apperr.Error
					if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != tt.invalid {
						t.Fatalf("UpdateRuleFrom = %v, want an error on %s", err, tt.invalid)
					}
					return
				}
				must(t, err)
				if !reflect.DeepEqual(got.Channels, tt.want) {
					t.Errorf("channels = %+v, want %+v", got.Channels, tt.want)
				}
			})
		}
	})
}

// TestMessageAudience renders a delivered alert through the workspace's
// audience (language, link, time zone), and still delivers, showing the
// catalog keys, when the audience cannot be read.
func TestMessageAudience(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		_, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true,
			Channels: []listen.Channel{{Kind: "wecom", URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}}})
		must(t, err)
		tokyo := time.FixedZone("JST", 9*3600)
		tests := []struct {
			name      string
			audience  func(context.Context, int64) (alert.Audience, error)
			title     string
			fired     string
			link      bool
			firstFact string
		}{
			{"workspace audience", func(_ context.Context, ws int64) (alert.Audience, error) {
				if ws != f.ws {
					return alert.Audience{}, fmt.Errorf("asked for workspace %d, want %d", ws, f.ws)
				}
				return alert.Audience{
					Text:     func(key string, args map[string]any) string { return fmt.Sprintf("zh:%s:%v", key, args["Count"]) },
					Link:     func(id int64) string { return fmt.Sprintf("https://chorus.example.com/w/t/listening/alerts/%d", id) },
					Location: tokyo,
				}, nil
			}, "zh:alert.crisis_word.title:1", "2026-03-10 23:30 JST", true, "zh:alert.fact.rule:<nil>"},
			{"audience fails", func(context.Context, int64) (alert.Audience, error) {
				return alert.Audience{}, fmt.Errorf("database down")
			},
				"alert.crisis_word.title", "2026-03-10 14:30 UTC", false, "alert.fact.rule"},
			{"no audience", nil, "alert.crisis_word.title", "2026-03-10 14:30 UTC", false, "alert.fact.rule"},
		}
		for _, tt := range tests {
			snd := &sender{}
			ev := alert.NewEvaluator(db, alert.Options{Sender: snd, Audience: tt.audience, Now: func() time.Time { return now }})
			id := f.mention(t, f.crisis, "又出事了", "negative", now)
			fired, err := ev.Evaluate(ctx, f.ws, []int64{id})
			must(t, err)
			ev.Wait()
			if len(fired) != 1 || len(snd.got) != 1 {
				t.Fatalf("%s: fired %d, delivered %d; want 1 and 1", tt.name, len(fired), len(snd.got))
			}
			m := snd.got[0]
			wantLink := ""
			if tt.link {
				wantLink = fmt.Sprintf("https://chorus.example.com/w/t/listening/alerts/%d", fired[0].ID)
			}
			if m.Title != tt.title || m.Link != wantLink || len(m.Facts) != 4 || m.Facts[0].Label != tt.firstFact || m.Facts[3].Value != tt.fired {
				t.Errorf("%s: title %q, link %q, facts %+v; want title %q, link %q, rule label %q, fired %q", tt.name, m.Title, m.Link, m.Facts, tt.title, wantLink, tt.firstFact, tt.fired)
			}
		}
	})
}

// TestMessageCountsEveryMention: a delivered crisis alert says how many
// mentions it carries, not only how many it quotes, so that the channels
// can say how many they leave out.
func TestMessageCountsEveryMention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		_, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Threshold: 1, Enabled: true,
			Channels: []listen.Channel{{Kind: "wecom", URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}}})
		must(t, err)
		snd := &sender{}
		ev := alert.NewEvaluator(db, alert.Options{Sender: snd, Now: func() time.Time { return now }})
		const wave = notify.MaxQuotes + 7
		var ids []int64
		for i := range wave {
			ids = append(ids, f.mention(t, f.crisis, fmt.Sprint("喝出异物 ", i), "negative", now.Add(time.Duration(i-wave)*time.Second)))
		}
		fired, err := ev.Evaluate(ctx, f.ws, ids)
		must(t, err)
		ev.Wait()
		if len(fired) != 1 || len(snd.got) != 1 {
			t.Fatalf("fired %d, delivered %d; want 1 and 1", len(fired), len(snd.got))
		}
		if m := snd.got[0]; m.Mentions != wave || len(m.Quotes) != notify.MaxQuotes {
			t.Errorf("message of %d mentions with %d quotes; want %d with %d", m.Mentions, len(m.Quotes), wave, notify.MaxQuotes)
		}
	})
}

// TestMessageGivesFigures: a spike's chat and e-mail message gives the
// catalog the alert's figures as stored under the names Figures gives
// them (a negative spike's shares as the fractions 0.667 and 0.11, which
// the catalog writes in percent as the pages do; a volume spike's z-score
// and mean), with the rule and the topic.
func TestMessageGivesFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now, _ := f.brandSpike(t)
		svc := alert.NewService(db)
		for _, kind := range []string{"negative_spike", "volume_spike"} {
			_, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: kind, Kind: kind, TopicID: f.brand, Threshold: 0.3, Enabled: true,
				Channels: []listen.Channel{{Kind: "wecom", URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + kind}}})
			must(t, err)
		}
		snd := &sender{}
		text := func(key string, args map[string]any) string {
			return fmt.Sprintf("%s %v", key, args)
		}
		ev := alert.NewEvaluator(db, alert.Options{Sender: snd, Now: func() time.Time { return now },
			Audience: func(context.Context, int64) (alert.Audience, error) { return alert.Audience{Text: text}, nil }})
		fired, err := ev.Evaluate(ctx, f.ws, nil)
		must(t, err)
		ev.Wait()
		if len(fired) != 2 || len(snd.got) != 2 {
			t.Fatalf("fired %d, delivered %d; want 2 and 2", len(fired), len(snd.got))
		}
		want := map[string]bool{}
		for _, a := range fired {
			args := alert.Figures(a)
			args["Rule"], args["Topic"] = a.Kind, "好茶"
			want[text("alert."+a.Kind+".detail", args)] = true
		}
		for _, m := range snd.got {
			if detail := m.Facts[2].Value; !want[detail] {
				t.Errorf("detail %q, want one of %v", detail, want)
			}
		}
		if neg := alert.Figures(fired[slices.IndexFunc(fired, func(a listen.Alert) bool { return a.Kind == "negative_spike" })]); neg["NegativeShare"] != 0.667 || neg["BaselineShare"] != 0.11 {
			t.Errorf("negative spike figures %v, want the shares 0.667 and 0.11", neg)
		}
	})
}

// TestFigures: each kind's texts get its figures under their own names,
// shares apart from other numbers, so that the catalog writes each as
// the pages do.
func TestFigures(t *testing.T) {
	tests := []struct {
		a    listen.Alert
		want map[string]any
	}{
		{listen.Alert{Kind: "negative_spike", Value: 0.667, Baseline: 0.11, MentionIDs: []int64{1, 2}},
			map[string]any{"NegativeShare": 0.667, "BaselineShare": 0.11, "Count": 2}},
		{listen.Alert{Kind: "volume_spike", Value: 3.464, Baseline: 1234.5, MentionIDs: []int64{1}},
			map[string]any{"Z": 3.464, "Mean": 1234.5, "Count": 1}},
		{listen.Alert{Kind: "crisis_word", Value: 1000, MentionIDs: []int64{1}}, map[string]any{"Count": 1000}},
	}
	for _, tt := range tests {
		if got := alert.Figures(tt.a); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Figures(%s) = %v, want %v", tt.a.Kind, got, tt.want)
		}
	}
}

// hangingSender never answers a send to hang until the try's deadline;
// any other send it takes, unless the deadline has passed, as an HTTP
// client or SMTP dialer would.
type hangingSender struct {
	hang string
	mu   sync.Mutex
	took []string
}

func (s *hangingSender) Send(ctx context.Context, to notify.Target, _ notify.Message) error {
	if to.URL == s.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.took = append(s.took, to.URL)
	return nil
}

// TestHangingChannelLeavesOthersTheirTime: a robot that never answers
// uses up the try's time for itself only; the channels after it in the
// rule are still sent the alert in that try.
func TestHangingChannelLeavesOthersTheirTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		const hang, after = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=silent", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ok"
		_, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Threshold: 1, Enabled: true,
			Channels: []listen.Channel{{Kind: "wecom", URL: hang}, {Kind: "wecom", URL: after}}})
		must(t, err)
		snd := &hangingSender{hang: hang}
		ev := alert.NewEvaluator(db, alert.Options{Sender: snd, Now: func() time.Time { return now }, DeliveryTimeout: 200 * time.Millisecond})
		fired, err := ev.Evaluate(ctx, f.ws, []int64{f.mention(t, f.crisis, "喝出异物", "negative", now)})
		must(t, err)
		ev.Wait()
		snd.mu.Lock()
		defer snd.mu.Unlock()
		if len(fired) != 1 || !slices.Equal(snd.took, []string{after}) {
			t.Fatalf("fired %d; the channel after the silent one took %v, want it to take the alert", len(fired), snd.took)
		}
		a, err := db.Alert(ctx, f.ws, fired[0].ID)
		must(t, err)
		if d := alert.DeliveryOutcome(a); len(d) != 2 || allOK(d) {
			t.Errorf("delivery outcome %v; want the silent channel failed, the other ok", d)
		}
	})
}

// flakySender fails every send to a URL while fails[url] > 0, counting
// down, and counts the sends to each URL.
type flakySender struct {
	mu    sync.Mutex
	fails map[string]int
	sent  map[string]int
}

func (s *flakySender) Send(_ context.Context, to notify.Target, _ notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent[to.URL]++
	if s.fails[to.URL] > 0 {
		s.fails[to.URL]--
		return fmt.Errorf("robot %s is down", to.URL)
	}
	return nil
}

func allOK(outcome map[string]string) bool {
	for _, v := range outcome {
		if v != "ok" {
			return false
		}
	}
	return true
}

// TestDeliveryTriedAgain: a channel that refuses an alert is tried again
// after 1, then 2 minutes, by the delivery job, without sending the alert
// again to the channel that took it, also when the rule's channels were
// reordered in between; an alert whose node stopped before
// its first try is delivered by the job; a deleted rule's alert is not
// tried any more.
func TestDeliveryTriedAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		const up, down = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=up", "https://oapi.dingtalk.com/robot/send?access_token=down"
		rule, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true,
			Channels: []listen.Channel{{Kind: "wecom", URL: up}, {Kind: "dingtalk", URL: down}}})
		must(t, err)
		snd := &flakySender{fails: map[string]int{down: 2}, sent: map[string]int{}}
		clock := now
		ev := alert.NewEvaluator(db, alert.Options{Sender: snd, Now: func() time.Time { return clock }})
		check := func(when string, id int64, attempts int, due *time.Time, sentUp, sentDown int) listen.Alert {
			t.Helper()
			a, err := db.Alert(ctx, f.ws, id)
			must(t, err)
			if a.DeliveryAttempts != attempts || (due == nil) != (a.DeliveryDueAt == nil) || due != nil && !due.Equal(*a.DeliveryDueAt) ||
				snd.sent[up] != sentUp || snd.sent[down] != sentDown {
				t.Fatalf("%s: tries %d, due %v, sent %d and %d; want %d tries, due %v, sent %d and %d (delivery %v)", when,
					a.DeliveryAttempts, a.DeliveryDueAt, snd.sent[up], snd.sent[down], attempts, due, sentUp, sentDown, a.Detail["delivery"])
			}
			return a
		}
		at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }

		m := f.mention(t, f.crisis, "产品爆炸了", "negative", now)
		fired, err := ev.Evaluate(ctx, f.ws, []int64{m})
		must(t, err)
		ev.Wait()
		if len(fired) != 1 {
			t.Fatalf("fired %d alerts, want 1", len(fired))
		}
		id := fired[0].ID
		check("after the first try", id, 1, at(time.Minute), 1, 1)
		// The channels are reordered while the alert waits: the one that
		// took it is still not sent it again.
		rule.Channels = []listen.Channel{rule.Channels[1], rule.Channels[0]}
		rule, err = alert.NewService(db).UpdateRule(ctx, f.ws, rule.ID, rule)
		must(t, err)
		if n, err := ev.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("DeliverDue before the retry is due: %d, %v", n, err)
		}
		clock = now.Add(time.Minute)
		if n, err := ev.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("DeliverDue a minute later: %d, %v", n, err)
		}
		check("after the second try", id, 2, at(3*time.Minute), 1, 2)
		clock = now.Add(3 * time.Minute)
		if n, err := ev.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("DeliverDue two minutes later: %d, %v", n, err)
		}
		a := check("after the third try", id, 3, nil, 1, 3)
		if d := alert.DeliveryOutcome(a); len(d) != 2 || !allOK(d) {
			t.Errorf("delivery outcome %v; want both ok", a.Detail["delivery"])
		}

		// Fired, but the node stopped before trying: the job delivers
		// once the first try's lease is over.
		stored, ok, err := db.FireAlert(ctx, f.ws, listen.Alert{RuleID: rule.ID, Kind: "crisis_word", Value: 1, MentionIDs: []int64{m},
			FiredAt: clock, DeliveryDueAt: at(10 * time.Minute)}, clock, nil)
		must(t, err)
		if !ok {
			t.Fatal("FireAlert did not fire")
		}
		clock = now.Add(10 * time.Minute)
		if n, err := ev.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("DeliverDue of the untried alert: %d, %v", n, err)
		}
		check("the untried alert", stored.ID, 1, nil, 2, 4)

		// A rule deleted while its alert waits: no more tries.
		snd.fails[down] = 1
		m2 := f.mention(t, f.crisis, "又出事了", "negative", clock)
		fired, err = ev.Evaluate(ctx, f.ws, []int64{m2})
		must(t, err)
		ev.Wait()
		must(t, alert.NewService(db).DeleteRule(ctx, f.ws, rule.ID))
		clock = clock.Add(time.Minute)
		if n, err := ev.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("DeliverDue of a deleted rule's alert: %d, %v", n, err)
		}
		check("the deleted rule's alert", fired[0].ID, 2, nil, 3, 5)
	})
}

// TestRefusedDeliveryNotTriedAgain: a channel the platform refuses for
// good (DingTalk's signature error, WeCom's invalid key, Slack's 403, an
// e-mail with no mail server set up) is not tried again, and its alert
// says why and whether the server's settings are at fault; a robot that answers 5xx is
// tried again after a minute, without the refused channel beside it.
func TestRefusedDeliveryNotTriedAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		ding := fake.New(t, notify.DingTalk, "d1", "SECgood")
		ding.Now = func() time.Time { return now }
		wecom := fake.New(t, notify.WeCom, "k1", "")
		slack := fake.New(t, notify.Slack, "t1", "")
		down := fake.New(t, notify.Feishu, "f1", "")
		down.Fail5xx = 1000
		beside := fake.New(t, notify.WeCom, "k1", "")
		notifier := &notify.Notifier{HTTP: fetch.New(fetch.Options{AllowPrivate: true}), Attempts: 2, Backoff: time.Millisecond, Now: func() time.Time { return now }}
		svc := alert.NewService(db)
		svc.Webhooks = notifier
		refused, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "refused", Kind: "crisis_word", Enabled: true, Channels: []listen.Channel{
			{Kind: notify.DingTalk, URL: ding.URL(), Secret: "SECwrong"},
			{Kind: notify.WeCom, URL: strings.Replace(wecom.URL(), "k1", "k2", 1)},
			{Kind: notify.Slack, URL: strings.Replace(slack.URL(), "t1", "t2", 1)},
			{Kind: notify.Email, Email: "pr@acme.com"}, // no mail server set up
		}})
		must(t, err)
		_, err = svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "down", Kind: "crisis_word", Enabled: true,
			Channels: []listen.Channel{{Kind: notify.Feishu, URL: down.URL()}, {Kind: notify.WeCom, URL: strings.Replace(beside.URL(), "k1", "k2", 1)}}})
		must(t, err)

		ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return now },
			Sender: notifier})
		fired, err := ev.Evaluate(ctx, f.ws, []int64{f.mention(t, f.crisis, "产品爆炸了", "negative", now)})
		must(t, err)
		ev.Wait()
		if len(fired) != 2 {
			t.Fatalf("fired %d alerts, want 2", len(fired))
		}
		for _, fa := range fired {
			a, err := db.Alert(ctx, f.ws, fa.ID)
			must(t, err)
			if fa.RuleID != refused.ID {
				if a.DeliveryAttempts != 1 || a.DeliveryDueAt == nil || !a.DeliveryDueAt.Equal(now.Add(time.Minute)) {
					t.Errorf("a robot answering 503: tries %d, due %v; want 1 try, due a minute later", a.DeliveryAttempts, a.DeliveryDueAt)
				}
				continue
			}
			if a.DeliveryAttempts != 1 || a.DeliveryDueAt != nil {
				t.Errorf("refused for good: tries %d, due %v; want 1 try, none due", a.DeliveryAttempts, a.DeliveryDueAt)
			}
			out := alert.DeliveryOutcome(a)
			for want, settings := range map[string]bool{"error 310000": false, "error 93000": false, "HTTP 403: invalid_token": false, "no SMTP server configured": true} {
				if !slices.ContainsFunc(slices.Collect(maps.Values(out)), func(v string) bool {
					o := alert.ReadOutcome(v)
					return o.State == alert.StateRefused && strings.Contains(o.Text, want) && o.Settings == settings
				}) {
					t.Errorf("delivery outcome %v, want one refused for good saying %q, to be fixed in the server's settings: %v", out, want, settings)
				}
			}
			// Each says what went wrong as a message of the catalog, the
			// platform's code and message as it answered them.
			for _, want := range []alert.Outcome{
				{State: alert.StateRefused, Reason: "platform_code", Hint: "wecom.93000",
					Args: map[string]any{"Code": "93000", "Msg": "invalid webhook url, hint: [1700000000_1_abc], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000"}},
				{State: alert.StateRefused, Reason: "platform_code", Hint: "dingtalk.310000", Args: map[string]any{"Code": "310000", "Msg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}},
				{State: alert.StateRefused, Reason: "no_smtp", Hint: "set_smtp", Settings: true},
			} {
				if !slices.ContainsFunc(slices.Collect(maps.Values(out)), func(v string) bool {
					got := alert.ReadOutcome(v)
					got.Text = ""
					return reflect.DeepEqual(got, want)
				}) {
					t.Errorf("delivery outcome %v, want one %+v", out, want)
				}
			}
		}
		for name, r := range map[string]*fake.Robot{"dingtalk": ding, "wecom": wecom, "slack": slack} {
			if n := r.Requests(); n != 1 {
				t.Errorf("%s got %d requests, want 1", name, n)
			}
		}

		// The job's later tries leave the refused alert alone.
		now = now.Add(time.Hour)
		for range 7 {
			now = now.Add(time.Hour)
			_, err := ev.DeliverDue(ctx)
			must(t, err)
		}
		for name, r := range map[string]*fake.Robot{"dingtalk": ding, "wecom": wecom, "slack": slack, "wecom beside feishu": beside} {
			if n := r.Requests(); n != 1 {
				t.Errorf("%s got %d requests after the job's runs, want 1", name, n)
			}
		}
		if n := down.Requests(); n != alert.MaxDeliveryAttempts*2 {
			t.Errorf("the robot answering 503 got %d requests, want %d (%d tries of 2 attempts)", n, alert.MaxDeliveryAttempts*2, alert.MaxDeliveryAttempts)
		}
	})
}

// TestAlertMentionsNewestPublishedFirst: an alert shows the newest
// MaxAlertMentions mentions to reach Chorus, listed newest published
// first. Before, they came in the order they arrived, and a page read
// 21:44, 20:47, 20:00, 21:55.
func TestAlertMentionsNewestPublishedFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		_, err := alert.NewService(db).CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Threshold: 5, Enabled: true})
		must(t, err)
		ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return now }})
		// The first to arrive was published last; it is past the alert's
		// newest 50 by arrival, so it is not shown.
		first := f.pushed(t, f.crisis, "喝出异物 0", "negative", now.Add(-time.Minute), now.Add(-time.Hour))
		ids := []int64{first}
		for i := range alert.MaxAlertMentions {
			published := now.Add(-time.Duration((i*37)%alert.MaxAlertMentions+2) * time.Minute)
			ids = append(ids, f.pushed(t, f.crisis, fmt.Sprint("喝出异物 ", i+1), "negative", published, now.Add(time.Duration(i-alert.MaxAlertMentions)*time.Second)))
		}
		fired, err := ev.Evaluate(ctx, f.ws, ids)
		must(t, err)
		if len(fired) != 1 {
			t.Fatalf("fired %+v; want one alert", fired)
		}
		d, err := alert.NewService(db).Alert(ctx, f.ws, fired[0].ID)
		must(t, err)
		if len(d.Mentions) != alert.MaxAlertMentions {
			t.Fatalf("the alert shows %d mentions; want %d", len(d.Mentions), alert.MaxAlertMentions)
		}
		for i, m := range d.Mentions {
			if m.ID == first {
				t.Errorf("the alert shows mention %d, the first to arrive of %d", first, len(ids))
			}
			if i > 0 && m.PublishedAt.After(d.Mentions[i-1].PublishedAt) {
				t.Errorf("mention %d published %s follows one published %s; want newest first", i, m.PublishedAt.Format("15:04"), d.Mentions[i-1].PublishedAt.Format("15:04"))
			}
		}
	})
}
