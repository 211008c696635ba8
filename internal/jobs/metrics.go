package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/chorus-hq/chorus/internal/store"
)

// scrapeTimeout bounds the count query of one scrape.
const scrapeTimeout = 3 * time.Second

// collector exports the job table's counts at scrape time and this node's
// finished jobs as counters.
type collector struct {
	db        *store.DB
	kinds     []string
	jobs      *prometheus.Desc
	completed *prometheus.CounterVec
	failed    *prometheus.CounterVec
	polls     *prometheus.CounterVec
}

// newPollCounter counts this node's source polls by source kind and
// result (ok or failed): a failing source does not fail its poll job.
func newPollCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chorus_source_polls_total",
		Help: "Listening source polls on this node, by source kind and result (ok, failed).",
	}, []string{"kind", "result"})
}

func newCollector(db *store.DB, kinds []string, polls *prometheus.CounterVec) *collector {
	c := &collector{
		db:    db,
		kinds: kinds,
		polls: polls,
		jobs: prometheus.NewDesc("chorus_jobs",
			"Jobs in the queue by kind and state, counted in the database at scrape time (the same on every node).",
			[]string{"kind", "state"}, nil),
		completed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chorus_jobs_completed_total",
			Help: "Jobs this node completed, by kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chorus_jobs_failed_total",
			Help: "Job attempts that failed on this node, by kind, whether retried or discarded.",
		}, []string{"kind"}),
	}
	for _, k := range kinds {
		c.completed.WithLabelValues(k)
		c.failed.WithLabelValues(k)
	}
	return c
}

// Collector returns the Prometheus collector of the job queue:
// chorus_jobs{kind,state} (a gauge read from river_job when scraped),
// chorus_jobs_completed_total{kind}, chorus_jobs_failed_total{kind} and
// chorus_source_polls_total{kind,result} (counted by this client). The
// caller registers it on its own registry.
func (c *Client) Collector() prometheus.Collector { return c.metrics }

// count records a finished job attempt.
func (c *collector) count(ev *river.Event) {
	if ev.Job == nil {
		return
	}
	switch ev.Kind {
	case river.EventKindJobCompleted:
		c.completed.WithLabelValues(ev.Job.Kind).Inc()
	case river.EventKindJobFailed:
		c.failed.WithLabelValues(ev.Job.Kind).Inc()
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jobs
	c.completed.Describe(ch)
	c.failed.Describe(ch)
	c.polls.Describe(ch)
}

// Collect implements prometheus.Collector. Every known kind reports every
// state, zero included, so that alerts on a state have a series to watch. A
// failed count query is logged and leaves the gauge out of this scrape
// rather than failing the whole scrape.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	c.completed.Collect(ch)
	c.failed.Collect(ch)
	c.polls.Collect(ch)

	counts, err := c.countJobs()
	if err != nil {
		slog.Default().Warn("count jobs for metrics", slog.Any("err", err))
		return
	}
	type key struct{ kind, state string }
	for _, kind := range c.kinds {
		for _, state := range rivertype.JobStates() {
			k := key{kind, string(state)}
			if _, ok := counts[k]; !ok {
				counts[k] = 0
			}
		}
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(n), k.kind, k.state)
	}
}

// countJobs runs one GROUP BY over river_job. Completed and cancelled jobs
// are deleted after a day, so the table stays small.
func (c *collector) countJobs() (map[struct{ kind, state string }]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	rows, err := c.db.WriteDB().QueryContext(ctx, `SELECT kind, state, count(*) FROM river_job GROUP BY kind, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := make(map[struct{ kind, state string }]int64)
	for rows.Next() {
		var kind, state string
		var n int64
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return nil, err
		}
		counts[struct{ kind, state string }{kind, state}] = n
	}
	return counts, rows.Err()
}
