// Package web serves Chorus over HTTP: the HTML pages (html/template and
// htmx), the JSON API under /api/v1, static files and the operations
// endpoints. Handlers parse, call a domain service and render; they hold no
// business rules.
package web

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/listen/source"
	"github.com/chorus-hq/chorus/internal/platform"
)

// Deps are the services the web layer calls.
type Deps struct {
	Accounts  *account.Service
	Brand     *brand.Service
	Platforms *platform.Service
	Campaigns *campaign.Service
	// Conversions collects conversion events and computes the funnel; the
	// snippet, collect endpoint and conversion API are off without it.
	Conversions *conversion.Service
	// Links makes tracked links and resolves /l/{code}; Clicks is the
	// batch writer the redirect hands clicks to. Both off when nil.
	Links  *link.Service
	Clicks *link.Writer
	// Sources keeps listening sources (the source API); off when nil.
	Sources *source.Service
	// BaseURL is the address people reach Chorus at (--base-url): the
	// addresses shown to be pasted elsewhere (the tracking snippet, short
	// links) are printed with it. Empty means the address each request
	// reached, which behind a proxy or by an internal name may be one that
	// customers cannot reach.
	BaseURL string
	// ShortURL is the address short links are printed with (a short
	// domain); empty means BaseURL.
	ShortURL string
	// Listen is listening's pipeline and topics: the topic, mention,
	// webhook and import API is off without it.
	Listen *listen.Service
	// Insights computes the listening dashboards' figures (the insight
	// API); Alerts manages alert rules and the alert list. Off when nil.
	Insights *insight.Service
	Alerts   *alert.Service
	// Ready reports whether the database answers and is migrated.
	Ready func(ctx context.Context) error
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	Logger   *slog.Logger
	// MetricsToken, when set, is the bearer token /metrics asks for;
	// empty leaves it open.
	MetricsToken string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (clientIP); none when empty.
	TrustedProxies []netip.Prefix
	// SecureCookies marks cookies Secure; set it behind TLS. Requests that
	// arrive over TLS get Secure cookies either way.
	SecureCookies bool
	// Version is shown in the footer and by /healthz.
	Version string
}

// Server is the HTTP side of Chorus.
type Server struct {
	Deps
	log     *slog.Logger
	cat     *catalog
	pages   *pages
	static  *staticFiles
	mux     *routeMux
	api     *apiDoc
	metrics *httpMetrics
	// redirects are the metrics of short links, bound once.
	redirects redirectMetrics
}

// New builds the server and its routes.
func New(d Deps) (*Server, error) {
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	st, err := loadStatic()
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, log: d.Logger, cat: cat, static: st, mux: &routeMux{ServeMux: http.NewServeMux()}, api: newAPIDoc()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	s.metrics = newHTTPMetrics(s.Registry)
	s.redirects = newRedirectMetrics(s.metrics)
	if s.pages, err = loadPages(s.static); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// routeMux is the server's ServeMux, keeping the patterns it is given so
// that the authorization test walks every route: a route added without a
// permission check fails it rather than going unnoticed.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// Handler returns the root handler with the middleware every request gets.
func (s *Server) Handler() http.Handler {
	return s.recoverPanics(s.shortLinks(s.instrument(securityHeaders(s.boundInput(s.mux)))))
}

// maxFormBody bounds the body of a page's POST, whose forms carry a few
// fields; a multipart one may carry an import file (withImportUpload
// bounds it again by the import's size). The API bounds its bodies per
// operation. Without it, a multipart POST to any page was read in full and
// spooled to disk before the page refused it.
const maxFormBody = 1 << 20

// boundInput refuses query parameters that are not plain text (NUL, or
// not UTF-8: PostgreSQL refuses such text, which made searches 500) and
// bounds page bodies.
func (s *Server) boundInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := plainQuery(r.URL.RawQuery); err != nil {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				s.apiFail(w, r, err)
			} else {
				s.pageFail(w, r, err)
			}
			return
		}
		if r.Body != nil && !strings.HasPrefix(r.URL.Path, "/api/") {
			limit := int64(maxFormBody)
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
				limit = maxImportBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// plainQuery checks the parameters of a query that read (handlers skip
// those that do not, as url.Values does) for text that is not plain.
func plainQuery(raw string) error {
	q, _ := url.ParseQuery(raw)
	for k, vs := range q {
		for _, v := range append(vs, k) {
			if !apperr.PlainText(v) {
				return apperr.Field(strings.ToValidUTF8(k, "?"), "error.text_bytes")
			}
		}
	}
	return nil
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}

func setSecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", slog.Any("value", v), slog.String("path", r.URL.Path))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// clientIP is the address of the client: the peer's, or, when the peer is
// a trusted proxy, the last address in X-Forwarded-For that is not one.
// Proxies append the address they hear from, so what stands before that
// one may be forged; an entry that is no address ends the walk at the
// proxy that wrote it.
func (s *Server) clientIP(r *http.Request) string {
	return s.forwardedFor(peerIP(r.RemoteAddr), r.Header.Values)
}

// forwardedFor is clientIP for a peer address and a request's headers,
// given by name (http.Header.Values), read only when the peer is a
// trusted proxy.
func (s *Server) forwardedFor(ip string, header func(name string) []string) string {
	if len(s.TrustedProxies) == 0 {
		return ip
	}
	if peer, err := netip.ParseAddr(ip); err != nil || !s.trustedProxy(peer) {
		return ip
	}
	lines := header("X-Forwarded-For")
	for i := len(lines) - 1; i >= 0; i-- {
		hops := strings.Split(lines[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[j]))
			if err != nil {
				return ip
			}
			ip = a.Unmap().String()
			if !s.trustedProxy(a) {
				return ip
			}
		}
	}
	return ip
}

// publicBase is the address Chorus is reached at from outside, for the
// addresses it shows: the configured base URL, or when there is none the
// scheme and host the request reached.
func (s *Server) publicBase(r *http.Request) string {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/")
	}
	scheme := "http"
	if s.overHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// overHTTPS reports whether the client reached Chorus over HTTPS: on its
// own TLS listener, or through a trusted proxy that says so in
// X-Forwarded-Proto. Anyone else's header is ignored, as for clientIP.
func (s *Server) overHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if r.Header.Get("X-Forwarded-Proto") != "https" {
		return false
	}
	peer, err := netip.ParseAddr(peerIP(r.RemoteAddr))
	return err == nil && s.trustedProxy(peer)
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerIP is the address of a request's RemoteAddr, without its port.
func peerIP(remote string) string {
	host := remote
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			host = host[:i]
			break
		}
	}
	if len(host) > 1 && host[0] == '[' {
		host = host[1 : len(host)-1]
	}
	return host
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// httpServer is the HTTP server Serve runs, with its limits: headers over
// 64 KB (a 100 KB user agent) get 431 before any handler runs.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// shutdownGrace is how long running requests may take after SIGTERM.
const shutdownGrace = 20 * time.Second

// Serve serves on ln until ctx ends, then drains running requests for up
// to 20 seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.httpServer()
	return serveUntil(ctx, func() error { return srv.Serve(ln) }, srv.Shutdown)
}

// serveUntil runs serve until it fails or ctx ends, then shuts the server
// down, letting running requests finish for up to shutdownGrace; serve has
// returned when it returns.
func serveUntil(ctx context.Context, serve func() error, shutdown func(context.Context) error) error {
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
