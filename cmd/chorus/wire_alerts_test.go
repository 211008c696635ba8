package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/notify"
	"github.com/chorus-hq/chorus/internal/notify/fake"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestAlertsSpeakTheWorkspaceLanguage delivers a crisis alert through the
// wired evaluator to a fake WeCom robot: written in the owner's language
// (Chinese by default, English once chosen), fired in the workspace's
// time zone, linking to the alert's page in the UI.
func TestAlertsSpeakTheWorkspaceLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u, err := db.CreateUser(ctx, account.User{Email: "owner@example.com", Name: "o"}, "hash")
		must(t, err)
		ws, err := db.CreateWorkspace(ctx, account.Workspace{Slug: "acme", Name: "Acme", TimeZone: "Asia/Shanghai", Currency: "CNY"}, u.ID)
		must(t, err)
		var topic int64
		must(t, db.WriteDB().QueryRowContext(ctx, `INSERT INTO topics (workspace_id, name, kind, query, enabled, created_at, updated_at)
			VALUES ($1, '危机', 'crisis', '爆炸', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, ws.ID).Scan(&topic))
		robot := fake.New(t, "wecom", "k1", "")
		base := "https://chorus.example.com"
		reg := prometheus.NewRegistry()
		ev, rules := newAlerts(db, config.Config{AllowPrivateFetch: true}, slog.New(slog.NewTextHandler(io.Discard, nil)), base, reg)
		_, err = rules.CreateRule(ctx, ws.ID, listen.AlertRule{Name: "危机词", Kind: "crisis_word", Enabled: true,
			Channels: []listen.Channel{{Kind: "wecom", URL: robot.URL()}}})
		must(t, err)

		fired := time.Now().Add(-time.Minute).UTC()
		tests := []struct {
			locale string
			want   []string
		}{
			{"", []string{"危机词：1 条新提及", "危机话题提及", "触发时间: "}},
			{"en", []string{"1 new mention with crisis words", "1 mention of a crisis topic", "Fired: "}},
		}
		for i, tt := range tests {
			must(t, db.SetUserLocale(ctx, u.ID, tt.locale))
			var id int64
			must(t, db.WriteDB().QueryRowContext(ctx, `INSERT INTO mentions (workspace_id, source_kind, external_id, author, text, content_hash, sentiment, published_at, fetched_at, topic_ids)
				VALUES ($1, 'webhook', $2, 'u', '工厂爆炸', $2, 'negative', $3, $3, $4) RETURNING id`, ws.ID, "m"+strconv.Itoa(i), fired, strconv.FormatInt(topic, 10)).Scan(&id))
			_, err = db.WriteDB().ExecContext(ctx, `INSERT INTO mention_topics (mention_id, topic_id, workspace_id, published_at) VALUES ($1, $2, $3, $4)`, id, topic, ws.ID, fired)
			must(t, err)
			got, err := ev.Evaluate(ctx, ws.ID, []int64{id})
			must(t, err)
			if len(got) != 1 {
				t.Fatalf("locale %q: fired %d alerts, want 1", tt.locale, len(got))
			}
			ev.Wait()
			rec := robot.Received()
			if len(rec) != i+1 {
				t.Fatalf("locale %q: robot received %d messages, want %d", tt.locale, len(rec), i+1)
			}
			raw, _ := json.Marshal(rec[i])
			text := string(raw)
			link := "(" + base + "/w/acme/listening/alerts/" + strconv.FormatInt(got[0].ID, 10) + ")"
			if !strings.Contains(text, link) || strings.Contains(text, "/api/") {
				t.Errorf("locale %q: message lacks the UI link %s: %s", tt.locale, link, text)
			}
			shanghai := notify.EscapeChatMarkdown(got[0].FiredAt.In(ws.Location()).Format("2006-01-02 15:04") + " CST")
			if strings.Contains(text, "alert.") {
				t.Errorf("locale %q: a message key was not rendered: %s", tt.locale, text)
			}
			for _, w := range append(tt.want, shanghai) {
				if !strings.Contains(text, w) {
					t.Errorf("locale %q: message lacks %q: %s", tt.locale, w, text)
				}
			}
		}
		// /metrics counts both alerts and their deliveries.
		families, err := reg.Gather()
		must(t, err)
		got := map[string]float64{}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				name := f.GetName()
				for _, l := range m.GetLabel() {
					name += " " + l.GetName() + "=" + l.GetValue()
				}
				got[name] = m.GetCounter().GetValue()
			}
		}
		for series, n := range map[string]float64{
			"chorus_alerts_fired_total kind=crisis_word":            2,
			"chorus_alert_deliveries_total channel=wecom result=ok": 2,
		} {
			if got[series] != n {
				t.Errorf("%s = %v, want %v (all: %v)", series, got[series], n, got)
			}
		}
	})
}

// TestAlertWebhooksFollowAllowPrivateFetch: the rules' service accepts
// the webhook URLs the wired notifier sends to: https at a public address,
// and also plain http and a loopback bridge when the server runs with
// --allow-private-fetch.
func TestAlertWebhooksFollowAllowPrivateFetch(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, account.User{Email: "owner@example.com", Name: "o"}, "hash")
	must(t, err)
	ws, err := db.CreateWorkspace(ctx, account.Workspace{Slug: "acme", Name: "Acme", TimeZone: "Asia/Shanghai", Currency: "CNY"}, u.ID)
	must(t, err)
	tests := []struct {
		url          string
		allowPrivate bool
		want         string // the error key on channels[0].url; "" when saved
	}{
		{"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", false, ""},
		{"http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", false, "error.alert.webhook_https"},
		{"http://127.0.0.1:8080/cgi-bin/webhook/send?key=k", false, "error.alert.webhook_private"},
		{"http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", true, ""},
		{"http://127.0.0.1:8080/cgi-bin/webhook/send?key=k", true, ""},
	}
	for _, tt := range tests {
		_, rules := newAlerts(db, config.Config{AllowPrivateFetch: tt.allowPrivate}, slog.New(slog.DiscardHandler), "https://chorus.example.com", prometheus.NewRegistry())
		_, err := rules.CreateRule(ctx, ws.ID, listen.AlertRule{Name: "x", Kind: "crisis_word", Enabled: true,
			Channels: []listen.Channel{{Kind: "wecom", URL: tt.url}}})
		got := ""
		var ae *apperr.Error
		if errors.As(err, &ae) && len(ae.Fields) == 1 && ae.Fields[0].Field == "channels[0].url" {
			got = ae.Fields[0].Key
		} else if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s with AllowPrivateFetch %v: %q, want %q", tt.url, tt.allowPrivate, got, tt.want)
		}
	}
}

// TestAlertSeriesStartAtZero: every alert kind's and delivery channel's
// series is on /metrics from the start, at 0, so that a rate or an alert
// on failed deliveries sees the first failure.
func TestAlertSeriesStartAtZero(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	newAlerts(storetest.SQLite(t), config.Config{}, slog.New(slog.DiscardHandler), "https://chorus.example.com", reg)
	families, err := reg.Gather()
	must(t, err)
	got := map[string]bool{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			name := f.GetName()
			for _, l := range m.GetLabel() {
				name += " " + l.GetName() + "=" + l.GetValue()
			}
			got[name] = m.GetCounter().GetValue() == 0
		}
	}
	var want []string
	for _, k := range listen.AlertKinds {
		want = append(want, "chorus_alerts_fired_total kind="+k)
	}
	for _, ch := range notify.Kinds {
		want = append(want, "chorus_alert_deliveries_total channel="+ch+" result=failed", "chorus_alert_deliveries_total channel="+ch+" result=ok")
	}
	for _, series := range want {
		if !got[series] {
			t.Errorf("%s is missing or not 0 (all: %v)", series, got)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
