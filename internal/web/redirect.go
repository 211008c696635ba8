package web

import (
	"html"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-hq/chorus/internal/link"
)

// redirectRoutes serves the short links.
func (s *Server) redirectRoutes() {
	s.mux.HandleFunc("GET /l/{code}", s.redirect)
	if s.Clicks != nil {
		registerClickMetrics(s.Registry, s.Clicks)
	}
}

// registerClickMetrics exports the click writer's counters.
func registerClickMetrics(reg *prometheus.Registry, wr *link.Writer) {
	counter := func(name, help string, v func(link.WriterStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v(wr.Stats())) })
	}
	reg.MustRegister(
		counter("chorus_click_events_queued_total", "Clicks accepted into the writer's queue.", func(s link.WriterStats) uint64 { return s.Queued }),
		counter("chorus_click_events_dropped_total", "Clicks answered but not stored because the queue was full or draining.", func(s link.WriterStats) uint64 { return s.Dropped }),
		counter("chorus_click_events_written_total", "Clicks stored by the batch writer.", func(s link.WriterStats) uint64 { return s.Written }),
		counter("chorus_click_events_failed_total", "Clicks lost to database errors after retries.", func(s link.WriterStats) uint64 { return s.Failed }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chorus_click_queue_length", Help: "Clicks waiting in the writer's queue."},
			func() float64 { return float64(wr.Stats().Pending) }),
	)
}

// redirect answers GET /l/{code}: a 302 to the link's tagged destination
// with a fresh cid, from the link cache, after handing the click to the
// batch writer without waiting. A code that is not seven base62 characters
// is refused before any lookup; a disabled or expired link answers a small
// page and no redirect.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if !link.ValidCode(code) || s.Links == nil {
		s.linkPage(w, r, http.StatusNotFound, "link.gone.unknown")
		return
	}
	res, err := s.Links.Resolve(r.Context(), code)
	if err != nil {
		s.log.ErrorContext(r.Context(), "resolve link", "err", err)
		s.linkPage(w, r, http.StatusServiceUnavailable, "link.gone.unavailable")
		return
	}
	if !res.Found {
		s.linkPage(w, r, http.StatusNotFound, "link.gone.unknown")
		return
	}
	now := time.Now()
	if !res.Active(now) {
		s.linkPage(w, r, http.StatusGone, "link.gone.disabled")
		return
	}
	cid := link.NewClickID()
	if s.Clicks != nil {
		s.Clicks.Record(link.Hit{
			ClickID: cid, LinkID: res.LinkID, WorkspaceID: res.WorkspaceID, Loc: res.Loc, At: now,
			Method: r.Method, UserAgent: link.Truncate(r.UserAgent(), link.MaxUserAgent), IP: clientIP(r),
			Referrer: truncateBytes(r.Referer(), 1024), Purpose: link.PurposeOf(r.Header),
		})
	}
	h := w.Header()
	h["Location"] = []string{res.Target.URL(cid)}
	h["Cache-Control"] = []string{"private, max-age=0"}
	w.WriteHeader(http.StatusFound)
}

func truncateBytes(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// linkPage is the small page of a short link that does not redirect:
// escaped text, no links out, never cached by shared caches.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request, status int, key string) {
	loc := localeFromRequest(r)
	title := html.EscapeString(s.cat.T(loc, "link.gone.title", nil))
	msg := html.EscapeString(s.cat.T(loc, key, nil))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, max-age=0")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<!doctype html><html lang="` + html.EscapeString(loc) + `"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` +
		title + `</title><body style="font-family:sans-serif;max-width:30em;margin:4em auto;padding:0 1em"><h1>` + title + `</h1><p>` + msg + `</p></body></html>`))
}
