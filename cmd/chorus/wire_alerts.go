package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/web"
)

// newAlerts builds the alert evaluator, which delivers through chat
// webhooks (with the same SSRF-safe client as listening sources, since
// their addresses come from users) and SMTP, and the rules' service, which
// accepts the webhook URLs that notifier sends to; base is the public
// address alerts link back to.
func newAlerts(db *store.DB, cfg config.Config, log *slog.Logger, base string, reg prometheus.Registerer) (*alert.Evaluator, *alert.Service) {
	sender := &notify.Notifier{
		HTTP:   fetch.New(fetch.Options{AllowPrivate: cfg.AllowPrivateFetch}),
		SMTP:   notify.SMTP{Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.SMTPFrom},
		Logger: log,
	}
	fired := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "chorus_alerts_fired_total",
		Help: "Listening alerts this node fired, by kind."}, []string{"kind"})
	delivered := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "chorus_alert_deliveries_total",
		Help: "Alert deliveries this node attempted, by channel (wecom, dingtalk, feishu, slack, email) and result (ok, failed)."}, []string{"channel", "result"})
	reg.MustRegister(fired, delivered)
	// Every series exists from the start, at 0, so that a rate or an
	// alert on failed deliveries sees the first failure.
	for _, k := range listen.AlertKinds {
		fired.WithLabelValues(k)
	}
	for _, ch := range notify.Kinds {
		delivered.WithLabelValues(ch, "ok")
		delivered.WithLabelValues(ch, "failed")
	}
	rules := alert.NewService(db)
	rules.Webhooks = sender
	return alert.NewEvaluator(db, alert.Options{Sender: sender, Logger: log, Audience: alertAudience(db, log, base),
		Fired: func(kind string) { fired.WithLabelValues(kind).Inc() },
		Delivered: func(channel string, err error) {
			result := "ok"
			if err != nil {
				result = "failed"
			}
			delivered.WithLabelValues(channel, result).Inc()
		}}), rules
}

// alertAudience writes a workspace's alerts in its language, through the
// pages' catalog, with times in its time zone, and links each to its page
// in the UI under base.
func alertAudience(db *store.DB, log *slog.Logger, base string) func(context.Context, int64) (alert.Audience, error) {
	msgs, err := web.LoadMessages()
	if err != nil {
		// The catalog is embedded and tested, and the web server refuses
		// to start without it; alerts would still go out, showing keys.
		log.Error("load the message catalog for alerts", slog.Any("err", err))
	}
	return func(ctx context.Context, ws int64) (alert.Audience, error) {
		w, err := db.WorkspaceByID(ctx, ws)
		if err != nil {
			return alert.Audience{}, err
		}
		members, err := db.Members(ctx, ws)
		if err != nil {
			return alert.Audience{}, err
		}
		aud := alert.Audience{Location: w.Location(), Link: func(id int64) string { return base + web.AlertPagePath(w.Slug, id) }}
		if msgs != nil {
			aud.Text = msgs.Text(web.WorkspaceLocale(members))
		}
		return aud, nil
	}
}
