package jobs

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// gather collects c through a pedantic registry, as a scrape would, and
// returns each sample by name{labels}.
func gather(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatalf("register collector: %v", err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	samples := make(map[string]float64)
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			v := m.GetGauge().GetValue()
			if m.GetCounter() != nil {
				v = m.GetCounter().GetValue()
			}
			samples[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = v
		}
	}
	return samples
}

func TestCollectorReportsCompletedCleanup(t *testing.T) {
	t.Parallel()
	migratedDBs(t, func(t *testing.T, db *store.DB) {
		client := newClient(t, db, Deps{Cleaner: &funcCleaner{}}, testOptions(t, "", time.Hour, nil))

		before := gather(t, client.Collector())
		for _, name := range []string{
			`chorus_jobs{kind="cleanup_expired",state="available"}`,
			`chorus_jobs{kind="cleanup_expired",state="completed"}`,
			`chorus_jobs_completed_total{kind="cleanup_expired"}`,
			`chorus_jobs_failed_total{kind="cleanup_expired"}`,
		} {
			if v, ok := before[name]; !ok || v != 0 {
				t.Errorf("before start: %s = %v (present %v), want 0", name, v, ok)
			}
		}

		start(t, client)
		eventually(t, 10*time.Second, "cleanup job completed", func() bool {
			return slices.Equal(jobStates(t, db), []string{"completed"})
		})
		var got map[string]float64
		eventually(t, 5*time.Second, "completed counter at 1", func() bool {
			got = gather(t, client.Collector())
			return got[`chorus_jobs_completed_total{kind="cleanup_expired"}`] == 1
		})
		want := map[string]float64{
			`chorus_jobs{kind="cleanup_expired",state="completed"}`: 1,
			`chorus_jobs{kind="cleanup_expired",state="available"}`: 0,
			`chorus_jobs{kind="cleanup_expired",state="running"}`:   0,
			`chorus_jobs_completed_total{kind="cleanup_expired"}`:   1,
			`chorus_jobs_failed_total{kind="cleanup_expired"}`:      0,
		}
		for name, w := range want {
			if g, ok := got[name]; !ok || g != w {
				t.Errorf("%s = %v (present %v), want %v", name, g, ok, w)
			}
		}
	})
}

// TestPollSeriesStartAtZero: with the poll job on, every polled kind's
// ok and failed series is there before any poll, at 0, so that a rate or
// an alert on failed polls sees the first failure.
func TestPollSeriesStartAtZero(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ingest := IngestFunc(func(context.Context, int64, []listen.Post) (int, error) { return 0, nil })
	client, err := New(db, Deps{Cleaner: &funcCleaner{}, Sources: &memSources{}, Poller: pollerFunc(nil), Ingester: ingest}, Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	got := gather(t, client.Collector())
	for _, kind := range source.PolledKinds {
		for _, result := range []string{"failed", "ok"} {
			name := fmt.Sprintf(`chorus_source_polls_total{kind=%q,result=%q}`, kind, result)
			if v, ok := got[name]; !ok || v != 0 {
				t.Errorf("%s = %v (present %v), want 0", name, v, ok)
			}
		}
	}
}
