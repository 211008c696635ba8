package main

import (
	"context"

	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/jobs"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/store"
)

// newSources builds the poller of listening sources, whose every request
// goes through the SSRF-safe fetch client, and the source service of the
// API.
func newSources(db *store.DB, cfg config.Config) (*source.Poller, *source.Service) {
	poller := source.NewPoller(source.Options{Fetch: fetch.New(fetch.Options{AllowPrivate: cfg.AllowPrivateFetch})})
	return poller, source.NewService(db, poller)
}

// listenIngester hands polled posts to the listening pipeline; nil when
// there is no pipeline, and then the poll job is off.
func listenIngester(svc *listen.Service) jobs.Ingester {
	if svc == nil {
		return nil
	}
	return jobs.IngestFunc(func(ctx context.Context, ws int64, posts []listen.Post) (int, error) {
		res, err := svc.Ingest(ctx, ws, posts)
		return res.Stored, err
	})
}
