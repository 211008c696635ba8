package web

import (
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-hq/chorus/internal/link"
)

// redirectRoutes serves the short links.
func (s *Server) redirectRoutes() {
	s.mux.HandleFunc(redirectRoute, s.redirect)
	if s.Clicks != nil {
		registerClickMetrics(s.Registry, s.Clicks)
	}
}

// registerClickMetrics exports the click writer's counters.
func registerClickMetrics(reg *prometheus.Registry, wr *link.Writer) {
	type c = statCounter[link.WriterStats]
	registerStats(reg, wr.Stats,
		c{"chorus_click_events_queued_total", "Clicks accepted into the writer's queue.", func(s link.WriterStats) uint64 { return s.Queued }},
		c{"chorus_click_events_dropped_total", "Clicks answered but not stored because the queue was full or draining.", func(s link.WriterStats) uint64 { return s.Dropped }},
		c{"chorus_click_events_written_total", "Clicks stored by the batch writer.", func(s link.WriterStats) uint64 { return s.Written }},
		c{"chorus_click_events_failed_total", "Clicks lost to database errors after retries.", func(s link.WriterStats) uint64 { return s.Failed }},
		c{"chorus_click_events_orphaned_total", "Clicks not stored because their link was deleted before the writer stored them.", func(s link.WriterStats) uint64 { return s.Orphans }},
	)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chorus_click_queue_length", Help: "Clicks waiting in the writer's queue."},
		func() float64 { return float64(wr.Stats().Pending) }))
}

// redirectRoute is the mux pattern of short links, also the route label
// of their request metrics.
const redirectRoute = "GET /l/{code}"

// shortLinks answers GET and HEAD /l/{code} with a well-formed code ahead
// of the mux and the middleware of pages: the redirect is the one route
// that takes a platform's whole click traffic, so it skips the pattern
// match, the response wrapper and the page headers (a 302 has no body to
// protect; the small page of a dead link sets its own). It counts requests
// in the same metrics as instrument, through counters bound once. Every
// other request, a malformed code included, goes to next.
func (s *Server) shortLinks(next http.Handler) http.Handler {
	if s.Links == nil {
		return next
	}
	counted := map[int]prometheus.Counter{}
	for _, st := range []int{http.StatusFound, http.StatusNotFound, http.StatusGone, http.StatusServiceUnavailable} {
		counted[st] = s.metrics.requests.WithLabelValues(redirectRoute, strconv.Itoa(st))
	}
	took := s.metrics.duration.WithLabelValues(redirectRoute)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, ok := strings.CutPrefix(r.URL.Path, "/l/")
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) || !link.ValidCode(code) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		counted[s.followLink(w, r, code)].Inc()
		took.Observe(time.Since(start).Seconds())
	})
}

// redirect answers what of /l/{code} reaches the mux: codes that are not
// seven base62 characters, refused before any lookup.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if !link.ValidCode(code) || s.Links == nil {
		s.linkPage(w, r, http.StatusNotFound, "link.gone.unknown")
		return
	}
	s.followLink(w, r, code)
}

// followLink answers a short link with a well-formed code: a 302 to the
// link's tagged destination with a fresh cid, from the link cache, after
// handing the click to the batch writer without waiting. A disabled or
// expired link answers a small page and no redirect. It returns the status
// it answered.
func (s *Server) followLink(w http.ResponseWriter, r *http.Request, code string) int {
	res, err := s.Links.Resolve(r.Context(), code)
	if err != nil {
		s.log.ErrorContext(r.Context(), "resolve link", "err", err)
		return s.linkPage(w, r, http.StatusServiceUnavailable, "link.gone.unavailable")
	}
	if !res.Found {
		return s.linkPage(w, r, http.StatusNotFound, "link.gone.unknown")
	}
	now := time.Now()
	if !res.Active(now) {
		key := "link.gone.expired"
		if res.Disabled {
			key = "link.gone.disabled"
		}
		return s.linkPage(w, r, http.StatusGone, key)
	}
	cid := link.NewClickID()
	if s.Clicks != nil {
		s.Clicks.Record(link.Hit{
			ClickID: cid, LinkID: res.LinkID, WorkspaceID: res.WorkspaceID, Loc: res.Loc, At: now,
			Method: r.Method, UserAgent: link.Truncate(r.UserAgent(), link.MaxUserAgent), IP: s.clientIP(r),
			Referrer: truncateBytes(r.Referer(), 1024), Purpose: link.PurposeOf(r.Header),
		})
	}
	h := w.Header()
	h["Location"] = []string{res.Target.URL(cid)}
	h["Cache-Control"] = []string{"private, max-age=0"}
	w.WriteHeader(http.StatusFound)
	return http.StatusFound
}

func truncateBytes(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// linkPage is the small page of a short link that does not redirect:
// escaped text, no links out, never cached by shared caches. It returns
// status.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request, status int, key string) int {
	loc := localeFromRequest(r)
	title := html.EscapeString(s.cat.T(loc, "link.gone.title", nil))
	msg := html.EscapeString(s.cat.T(loc, key, nil))
	h := w.Header()
	setSecurityHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, max-age=0")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<!doctype html><html lang="` + html.EscapeString(loc) + `"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` +
		title + `</title><body style="font-family:sans-serif;max-width:30em;margin:4em auto;padding:0 1em"><h1>` + title + `</h1><p>` + msg + `</p></body></html>`))
	return status
}
