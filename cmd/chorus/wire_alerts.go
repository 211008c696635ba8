package main

import (
	"fmt"
	"log/slog"

	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
	"github.com/chorus-hq/chorus/internal/store"
)

// newAlerts builds the alert evaluator, which delivers through chat
// webhooks (with the same SSRF-safe client as listening sources, since
// their addresses come from users) and SMTP; base is the address alerts
// link back to.
func newAlerts(db *store.DB, cfg config.Config, log *slog.Logger, base string) *alert.Evaluator {
	sender := &notify.Notifier{
		HTTP: fetch.New(fetch.Options{AllowPrivate: cfg.AllowPrivateFetch}),
		SMTP: notify.SMTP{Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.SMTPFrom},
	}
	return alert.NewEvaluator(db, alert.Options{
		Sender: sender,
		Logger: log,
		Link: func(ws, alertID int64) string {
			return fmt.Sprintf("%s/api/v1/workspaces/%d/alerts/%d", base, ws, alertID)
		},
	})
}
