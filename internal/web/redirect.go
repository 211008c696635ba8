package web

import (
	"context"
	"html"
	"maps"
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, ok := strings.CutPrefix(r.URL.Path, "/l/")
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) || !link.ValidCode(code) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		s.redirects.count(s.followLink(r.Context(), httpAnswer{w}, s.visitOf(r), code), start)
	})
}

// redirectMetrics are the request metrics of the redirect's route, bound
// once for the two servers that answer it.
type redirectMetrics struct {
	counted map[int]prometheus.Counter
	took    prometheus.Observer
}

func newRedirectMetrics(m *httpMetrics) redirectMetrics {
	r := redirectMetrics{counted: map[int]prometheus.Counter{}, took: m.duration.WithLabelValues(redirectRoute)}
	for _, st := range []int{http.StatusFound, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusGone, http.StatusServiceUnavailable} {
		r.counted[st] = m.requests.WithLabelValues(redirectRoute, strconv.Itoa(st))
	}
	return r
}

func (m redirectMetrics) count(status int, start time.Time) {
	m.counted[status].Inc()
	m.took.Observe(time.Since(start).Seconds())
}

// redirect answers what of /l/{code} reaches the mux: codes that are not
// seven base62 characters, refused before any lookup.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if !link.ValidCode(code) || s.Links == nil {
		s.linkPage(w, r, http.StatusNotFound, "link.gone.unknown")
		return
	}
	s.followLink(r.Context(), httpAnswer{w}, s.visitOf(r), code)
}

// visit is what the redirect reads of a request, on either server.
type visit struct {
	method, userAgent, referrer, purpose, ip string
	// locale is the language of the page of a link that does not
	// redirect, read only then.
	locale func() string
}

func (s *Server) visitOf(r *http.Request) visit {
	return visit{method: r.Method, userAgent: r.UserAgent(), referrer: r.Referer(), purpose: link.PurposeOf(r.Header.Get),
		ip: s.clientIP(r), locale: func() string { return localeFromRequest(r) }}
}

// answer is how the redirect answers, on either server.
type answer interface {
	found(location string)
	page(status int, h http.Header, body []byte)
}

// httpAnswer answers on the main server.
type httpAnswer struct{ w http.ResponseWriter }

func (a httpAnswer) found(location string) {
	h := a.w.Header()
	h["Location"] = []string{location}
	h["Cache-Control"] = []string{noStore}
	a.w.WriteHeader(http.StatusFound)
}

func (a httpAnswer) page(status int, h http.Header, body []byte) {
	maps.Copy(a.w.Header(), h)
	a.w.WriteHeader(status)
	_, _ = a.w.Write(body)
}

// noStore is the Cache-Control of every answer to a short link: each
// redirect carries a new click id, and a link's state may change.
const noStore = "private, max-age=0"

// followLink answers a short link with a well-formed code: a 302 to the
// link's tagged destination with a fresh cid, from the link cache, after
// handing the click to the batch writer without waiting. A disabled or
// expired link answers a small page and no redirect. It returns the status
// it answered.
func (s *Server) followLink(ctx context.Context, a answer, v visit, code string) int {
	res, err := s.Links.Resolve(ctx, code)
	if err != nil {
		s.log.ErrorContext(ctx, "resolve link", "err", err)
		return s.answerPage(a, v.locale(), http.StatusServiceUnavailable, "link.gone.unavailable")
	}
	if !res.Found {
		return s.answerPage(a, v.locale(), http.StatusNotFound, "link.gone.unknown")
	}
	now := time.Now()
	if !res.Active(now) {
		key := "link.gone.expired"
		if res.Disabled {
			key = "link.gone.disabled"
		}
		return s.answerPage(a, v.locale(), http.StatusGone, key)
	}
	cid := link.NewClickID()
	if s.Clicks != nil {
		s.Clicks.Record(link.Hit{
			ClickID: cid, LinkID: res.LinkID, WorkspaceID: res.WorkspaceID, Loc: res.Loc, At: now,
			Method: v.method, UserAgent: link.Truncate(v.userAgent, link.MaxUserAgent), IP: v.ip,
			Referrer: truncateBytes(v.referrer, maxReferrer), Purpose: v.purpose,
		})
	}
	a.found(res.Target.URL(cid))
	return http.StatusFound
}

// maxReferrer bounds the referrer a click keeps.
const maxReferrer = 1024

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
	return s.answerPage(httpAnswer{w}, localeFromRequest(r), status, key)
}

func (s *Server) answerPage(a answer, loc string, status int, key string) int {
	title := html.EscapeString(s.cat.T(loc, "link.gone.title", nil))
	msg := html.EscapeString(s.cat.T(loc, key, nil))
	h := http.Header{}
	setSecurityHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", noStore)
	a.page(status, h, []byte(`<!doctype html><html lang="`+html.EscapeString(loc)+`"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>`+
		title+`</title><body style="font-family:sans-serif;max-width:30em;margin:4em auto;padding:0 1em"><h1>`+title+`</h1><p>`+msg+`</p></body></html>`))
	return status
}
