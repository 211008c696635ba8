package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/chorus-hq/chorus/internal/link"
)

// ServeShortLinks serves short links alone on ln until ctx ends, then
// lets running requests finish for up to shutdownGrace, as Serve does:
// the listener a short domain points at. It answers GET and HEAD
// /l/{code} as the main server does, /healthz, and a 404 page for
// anything else. It is built on fasthttp rather than net/http: a short
// link takes a platform's whole click traffic, and net/http's costs per
// request (a header map, a response wrapper, a read that waits on every
// kept-alive connection for the next request) let it answer about two
// thirds as many redirects (chorus bench redirect, clicks classified but
// not stored). The pages, the API and the tracking snippet stay on the
// main server, whose handlers need net/http.
func (s *Server) ServeShortLinks(ctx context.Context, ln net.Listener) error {
	if s.Links == nil {
		return fmt.Errorf("short links: no link service")
	}
	srv := s.shortLinkServer()
	return serveUntil(ctx, func() error { return srv.Serve(ln) }, srv.ShutdownWithContext)
}

// shortLinkServer has the main server's limits: headers up to 64 KB
// (larger ones answer 431), the same timeouts, and a small body, which no
// click has.
func (s *Server) shortLinkServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:               s.serveShortLink,
		ReadBufferSize:        64 << 10,
		MaxRequestBodySize:    maxShortBody,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		CloseOnShutdown:       true,
		Logger:                fastLogger{s.log},
	}
}

// maxShortBody bounds a request body on the short-link listener: a click
// has none.
const maxShortBody = 4 << 10

func (s *Server) serveShortLink(c *fasthttp.RequestCtx) {
	start := time.Now()
	code, ok := bytes.CutPrefix(c.Path(), []byte("/l/"))
	if !ok {
		s.shortOther(c, start)
		return
	}
	v := visit{method: string(c.Method()), ip: s.forwardedFor(c.RemoteIP().String(), func(name string) []string {
		var out []string
		for _, line := range c.Request.Header.PeekAll(name) {
			out = append(out, string(line))
		}
		return out
	}), locale: func() string {
		return localeFrom(string(c.Request.Header.Cookie("lang")), string(c.Request.Header.Peek("Accept-Language")))
	}}
	a := fastAnswer{c}
	switch {
	case !c.IsGet() && !c.IsHead():
		c.Response.Header.Set("Allow", "GET, HEAD")
		a.page(http.StatusMethodNotAllowed, http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, []byte("Method Not Allowed\n"))
		s.redirects.count(http.StatusMethodNotAllowed, start)
		return
	case !link.ValidCode(string(code)):
		s.redirects.count(s.answerPage(a, v.locale(), http.StatusNotFound, "link.gone.unknown"), start)
		return
	}
	// Bounded before they are copied: followLink cuts them to these.
	v.userAgent = string(prefix(c.UserAgent(), link.MaxUserAgent))
	v.referrer = string(prefix(c.Referer(), maxReferrer))
	v.purpose = link.PurposeOf(func(name string) string { return string(c.Request.Header.Peek(name)) })
	s.redirects.count(s.followLink(c, a, v, string(code)), start)
}

// shortOther answers what is not a short link on the short-link listener:
// /healthz for load balancers, and the unknown link page for the rest.
func (s *Server) shortOther(c *fasthttp.RequestCtx, start time.Time) {
	route := "unmatched"
	if string(c.Path()) == "/healthz" && (c.IsGet() || c.IsHead()) {
		route = "GET /healthz"
		body, _ := json.Marshal(map[string]string{"status": "ok", "version": s.Version})
		c.SetContentType("application/json")
		c.SetBody(body)
	} else {
		s.answerPage(fastAnswer{c}, localeFrom(string(c.Request.Header.Cookie("lang")), string(c.Request.Header.Peek("Accept-Language"))),
			http.StatusNotFound, "link.gone.unknown")
	}
	status := fmt.Sprint(c.Response.StatusCode())
	s.metrics.requests.WithLabelValues(route, status).Inc()
	s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

func prefix(b []byte, n int) []byte { return b[:min(len(b), n)] }

// fastAnswer answers on the short-link listener.
type fastAnswer struct{ c *fasthttp.RequestCtx }

func (a fastAnswer) found(location string) {
	a.c.Response.Header.Set("Location", location)
	a.c.Response.Header.Set("Cache-Control", noStore)
	a.c.SetStatusCode(http.StatusFound)
}

func (a fastAnswer) page(status int, h http.Header, body []byte) {
	for k, vs := range h {
		for _, v := range vs {
			a.c.Response.Header.Add(k, v)
		}
	}
	a.c.SetStatusCode(status)
	a.c.SetBody(body)
}

// fastLogger hands fasthttp's messages (malformed requests, mostly) to the
// server's log at debug level: they are the clients' errors.
type fastLogger struct{ log *slog.Logger }

func (l fastLogger) Printf(format string, args ...any) {
	l.log.Debug("short links: " + fmt.Sprintf(format, args...))
}
