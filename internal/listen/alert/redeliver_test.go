package alert_test

import (
	"context"
	"errors"
	"strings"
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

// TestRedeliverAfterFix: the deliveries a robot refused for good (a
// wrong signing secret, which keeps the channel's address, and a wrong
// key in its address) are lost once the rule is fixed: the delivery job
// never sends them. Send again queues them for the job, which sends the
// alert to the fixed channels and not again to the one that took it.
func TestRedeliverAfterFix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		ding := fake.New(t, notify.DingTalk, "d1", "SECgood")
		ding.Now = func() time.Time { return now }
		wecom := fake.New(t, notify.WeCom, "k1", "")
		feishu := fake.New(t, notify.Feishu, "f1", "")
		notifier := &notify.Notifier{HTTP: fetch.New(fetch.Options{AllowPrivate: true}), Attempts: 1, Now: func() time.Time { return now }}
		svc := alert.NewService(db)
		svc.Webhooks, svc.Now = notifier, func() time.Time { return now }
		rule, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true, Channels: []listen.Channel{
			{Kind: notify.DingTalk, URL: ding.URL(), Secret: "SECwrong"},
			{Kind: notify.WeCom, URL: strings.Replace(wecom.URL(), "k1", "k2", 1)},
			{Kind: notify.Feishu, URL: feishu.URL()},
		}})
		must(t, err)
		ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return now }, Sender: notifier})
		fired, err := ev.Evaluate(ctx, f.ws, []int64{f.mention(t, f.crisis, "产品爆炸了", "negative", now)})
		must(t, err)
		ev.Wait()
		if len(fired) != 1 {
			t.Fatalf("fired %d alerts, want 1", len(fired))
		}
		id := fired[0].ID
		rule.Channels[0].Secret, rule.Channels[1].URL = "SECgood", wecom.URL()
		_, err = svc.UpdateRule(ctx, f.ws, rule.ID, rule)
		must(t, err)
		for range 10 {
			now = now.Add(time.Hour)
			_, err := ev.DeliverDue(ctx)
			must(t, err)
		}
		if len(ding.Received()) != 0 || len(wecom.Received()) != 0 {
			t.Fatalf("the job sent the refused alert unasked: dingtalk took %d, wecom %d", len(ding.Received()), len(wecom.Received()))
		}

		a, err := svc.Redeliver(ctx, f.ws, id)
		must(t, err)
		out := alert.DeliveryOutcome(a)
		pending, ok := 0, 0
		for _, v := range out {
			switch v {
			case alert.PendingOutcome:
				pending++
			case "ok":
				ok++
			}
		}
		if a.DeliveryDueAt == nil || !a.DeliveryDueAt.Equal(now) || a.DeliveryAttempts != 0 || pending != 2 || ok != 1 || len(out) != 3 {
			t.Fatalf("after send again: due %v, tries %d, outcome %v; want due now, no try yet, 2 pending and 1 ok", a.DeliveryDueAt, a.DeliveryAttempts, out)
		}
		if _, err := svc.Redeliver(ctx, f.ws, id); !isConflict(err, "error.alert.redeliver_pending") {
			t.Errorf("send again while queued: %v, want the pending conflict", err)
		}
		if n, err := ev.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("DeliverDue after send again: %d, %v", n, err)
		}
		if len(ding.Received()) != 1 || len(wecom.Received()) != 1 || len(feishu.Received()) != 1 {
			t.Errorf("dingtalk took %d, wecom %d, feishu %d; want each once", len(ding.Received()), len(wecom.Received()), len(feishu.Received()))
		}
		a, err = db.Alert(ctx, f.ws, id)
		must(t, err)
		if out := alert.DeliveryOutcome(a); len(out) != 3 || !allOK(out) || a.DeliveryDueAt != nil || a.DeliveryAttempts != 1 {
			t.Errorf("after the job: outcome %v, due %v, tries %d; want all 3 ok, none due, 1 try", out, a.DeliveryDueAt, a.DeliveryAttempts)
		}
		if _, err := svc.Redeliver(ctx, f.ws, id); !isConflict(err, "error.alert.redeliver_nothing") {
			t.Errorf("send again once all took it: %v, want the nothing-to-send conflict", err)
		}
	})
}

// TestRedeliverRuleDeletedMeanwhile: an alert sent again whose rule is
// deleted before the delivery job comes leaves no channel waiting.
func TestRedeliverRuleDeletedMeanwhile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		svc := alert.NewService(db)
		svc.Now = func() time.Time { return now }
		snd := &sender{}
		ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return now }, Sender: snd})
		r, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "危机", Kind: "crisis_word", Enabled: true,
			Channels: []listen.Channel{{Kind: notify.Email, Email: "pr@acme.com"}}})
		must(t, err)
		a, _, err := db.FireAlert(ctx, f.ws, listen.Alert{RuleID: r.ID, Kind: "crisis_word", FiredAt: now}, now, nil)
		must(t, err)
		must(t, db.SetAlertDelivery(ctx, f.ws, a.ID, map[string]string{"0:email": "refused, server settings: no SMTP server configured"}, nil))
		_, err = svc.Redeliver(ctx, f.ws, a.ID)
		must(t, err)
		must(t, svc.DeleteRule(ctx, f.ws, r.ID))
		_, err = ev.DeliverDue(ctx)
		must(t, err)
		got, err := db.Alert(ctx, f.ws, a.ID)
		must(t, err)
		for k, v := range alert.DeliveryOutcome(got) {
			if v == alert.PendingOutcome {
				t.Errorf("channel %s still waits to be sent, its rule deleted", k)
			}
		}
		if got.DeliveryDueAt != nil || len(snd.got) != 0 {
			t.Errorf("due %v, sent %d; want nothing due or sent", got.DeliveryDueAt, len(snd.got))
		}
	})
}

func isConflict(err error, key string) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Code == apperr.Conflict && ae.Key == key
}

// TestRedeliverRefused: send again says why when there is nothing to send
// again, and changes nothing then.
func TestRedeliverRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
		svc := alert.NewService(db)
		svc.Now = func() time.Time { return now }
		const wecom, ding = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "https://oapi.dingtalk.com/robot/send?access_token=d"
		channels := []listen.Channel{{Kind: notify.WeCom, URL: wecom}, {Kind: notify.DingTalk, URL: ding}}
		// outcome is the delivery outcome a rule with channels records,
		// keyed as the delivery keys them (read back from an alert).
		keys := func(t *testing.T) []string {
			t.Helper()
			r, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: "keys", Kind: "crisis_word", Enabled: true, Channels: channels})
			must(t, err)
			stored, _, err := db.FireAlert(ctx, f.ws, listen.Alert{RuleID: r.ID, Kind: "crisis_word", FiredAt: now}, now, nil)
			must(t, err)
			ev := alert.NewEvaluator(db, alert.Options{Now: func() time.Time { return now }, Sender: &sender{}})
			must(t, db.SetAlertDelivery(ctx, f.ws, stored.ID, map[string]string{}, &now))
			_, err = ev.DeliverDue(ctx)
			must(t, err)
			a, err := db.Alert(ctx, f.ws, stored.ID)
			must(t, err)
			var ks []string
			for k := range alert.DeliveryOutcome(a) {
				ks = append(ks, k)
			}
			must(t, svc.DeleteRule(ctx, f.ws, r.ID))
			if len(ks) != 2 {
				t.Fatalf("keys %v", ks)
			}
			if !strings.HasSuffix(ks[0], ":"+notify.WeCom) {
				ks[0], ks[1] = ks[1], ks[0]
			}
			return ks
		}(t)
		refusedBoth := map[string]string{keys[0]: "refused: error 93000", keys[1]: "refused: error 310000"}
		later := now.Add(time.Minute)
		tests := []struct {
			name     string
			enabled  bool
			channels []listen.Channel
			delete   bool
			outcome  map[string]string
			due      *time.Time
			want     string // the conflict's key, "" when it is sent again
		}{
			{"refused for good", true, channels, false, refusedBoth, nil, ""},
			{"failed after all tries", true, channels, false, map[string]string{keys[0]: "ok", keys[1]: "HTTP 503"}, nil, ""},
			{"a try on its way", true, channels, false, map[string]string{keys[0]: "ok", keys[1]: "HTTP 503"}, &later, "error.alert.redeliver_pending"},
			{"every channel took it", true, channels, false, map[string]string{keys[0]: "ok", keys[1]: "ok"}, nil, "error.alert.redeliver_nothing"},
			{"the refused channel was removed", true, channels[:1], false, map[string]string{keys[0]: "ok", keys[1]: "refused: error 310000"}, nil, "error.alert.redeliver_nothing"},
			{"none refused, a channel added since", true, channels, false, map[string]string{keys[0]: "ok"}, nil, "error.alert.redeliver_nothing"},
			{"rule paused", false, channels, false, refusedBoth, nil, "error.alert.redeliver_paused"},
			{"rule without channels", true, []listen.Channel{}, false, refusedBoth, nil, "error.alert.redeliver_no_channels"},
			{"rule deleted", true, channels, true, refusedBoth, nil, "error.alert.redeliver_no_rule"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r, err := svc.CreateRule(ctx, f.ws, listen.AlertRule{Name: tt.name, Kind: "crisis_word", Enabled: tt.enabled, Channels: tt.channels})
				must(t, err)
				a, _, err := db.FireAlert(ctx, f.ws, listen.Alert{RuleID: r.ID, Kind: "crisis_word", FiredAt: now, Detail: map[string]any{"mentions": 1}}, now, nil)
				must(t, err)
				must(t, db.SetAlertDelivery(ctx, f.ws, a.ID, tt.outcome, tt.due))
				if tt.delete {
					must(t, svc.DeleteRule(ctx, f.ws, r.ID))
				}
				before, err := db.Alert(ctx, f.ws, a.ID)
				must(t, err)
				got, err := svc.Redeliver(ctx, f.ws, a.ID)
				if tt.want != "" {
					if !isConflict(err, tt.want) {
						t.Fatalf("Redeliver: %v, want conflict %s", err, tt.want)
					}
					after, err := db.Alert(ctx, f.ws, a.ID)
					must(t, err)
					if after.DeliveryAttempts != before.DeliveryAttempts || (after.DeliveryDueAt == nil) != (before.DeliveryDueAt == nil) ||
						len(alert.DeliveryOutcome(after)) != len(tt.outcome) {
						t.Errorf("a refused send again changed the alert: %+v, was %+v", after, before)
					}
					return
				}
				must(t, err)
				if got.DeliveryDueAt == nil || !got.DeliveryDueAt.Equal(now) || got.DeliveryAttempts != 0 || got.Detail["mentions"] == nil {
					t.Errorf("queued alert: due %v, tries %d, detail %v; want due now, no tries, its detail kept", got.DeliveryDueAt, got.DeliveryAttempts, got.Detail)
				}
				for k, v := range alert.DeliveryOutcome(got) {
					if want := map[bool]string{true: "ok", false: alert.PendingOutcome}[tt.outcome[k] == "ok"]; v != want {
						t.Errorf("channel %s: %q, want %q", k, v, want)
					}
				}
			})
		}
		if _, err := svc.Redeliver(ctx, f.ws+1000, 1); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("an alert of another workspace: %v, want not found", err)
		}
	})
}
