package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/conversion"
)

// The collect endpoint's per-IP budget: a burst for a busy page and a
// steady rate well above what one visitor's browser sends.
const (
	collectRate  = 20  // tokens per second
	collectBurst = 100 // bucket size
)

// collectRoutes serves the public side of conversions: the snippet and
// the endpoint it reports to. Neither needs a session: the snippet runs
// on other sites' pages, and the endpoint takes a workspace's public key
// (or a server's API token).
func (s *Server) collectRoutes() {
	lim := newLimiter(collectRate, collectBurst, 100_000)
	s.api.add(op{Method: "POST", Path: "/collect", Tag: "conversions", Public: true,
		Summary: "Report a conversion event (public: the workspace key in the body, or an API token with content.edit)",
		Req:     typeOf[conversion.Payload](), Resp: typeOf[conversion.Result]()})
	s.mux.HandleFunc("OPTIONS /api/v1/collect", s.collectPreflight)
	s.mux.HandleFunc("POST /api/v1/collect", func(w http.ResponseWriter, r *http.Request) {
		s.collect(w, r, lim)
	})
	s.mux.HandleFunc("GET /t.js", s.snippetJS)
}

// allowAnyOrigin lets any page call the endpoint without credentials: the
// origin is echoed (or * without one), and cookies are never accepted.
func allowAnyOrigin(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || len(origin) > 200 {
		origin = "*"
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
}

func (s *Server) collectPreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	allowAnyOrigin(h, r)
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// collect takes one event: rate limit, bounded read, parse, authenticate
// by public key or API token, then the conversion service.
func (s *Server) collect(w http.ResponseWriter, r *http.Request, lim *limiter) {
	allowAnyOrigin(w.Header(), r)
	if !lim.allow(w, s.clientIP(r), time.Now()) {
		s.apiFail(w, r, apperr.New(apperr.TooMany, "error.conversion.rate_limited", nil))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, conversion.MaxPayloadBytes))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		var fs apperr.Fields
		fs.Add("body", "error.body_too_large", "Max", conversion.MaxPayloadBytes)
		s.apiFail(&statusAs{ResponseWriter: w, status: http.StatusRequestEntityTooLarge}, r, fs.Err())
		return
	}
	if err != nil {
		return // the client went away
	}
	p, err := conversion.ParsePayload(body)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	site, source, err := s.collectSite(r, p)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	res, err := s.Conversions.Collect(r.Context(), site, source, p)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// collectSite authenticates a collect call: a bearer token is a shop's
// server, acting for the token's workspace, with content.edit (as for
// links and inquiries); otherwise the body's public
// key names the workspace and the event comes from the snippet.
func (s *Server) collectSite(r *http.Request, p conversion.Payload) (conversion.Site, string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return conversion.Site{}, "", apperr.New(apperr.Unauthorized, "error.bad_token", nil)
		}
		pr, err := s.Accounts.TokenPrincipal(r.Context(), strings.TrimSpace(tok))
		if err == nil {
			// A server may report revenue, back-dated too: a read-only
			// token may not.
			err = pr.Require(account.EditContent)
		}
		if err != nil {
			return conversion.Site{}, "", err
		}
		return serverSite(pr.Workspace), conversion.SourceServer, nil
	}
	site, err := s.Conversions.SiteByKey(r.Context(), p.Key)
	return site, conversion.SourceSnippet, err
}

// serverSite is the site a shop's server reports to with a token of ws.
func serverSite(ws account.Workspace) conversion.Site {
	return conversion.Site{WorkspaceID: ws.ID, Currency: ws.Currency}
}

// statusAs writes another status than the error funnel chose: the body is
// the same API error, the status more precise (413 for a body too large).
type statusAs struct {
	http.ResponseWriter
	status int
}

func (w *statusAs) WriteHeader(int) { w.ResponseWriter.WriteHeader(w.status) }

// snippetJS serves t.js at a fixed address, since landing pages paste it
// once: a short cache so that fixes arrive, and headers that let any site
// load it.
func (s *Server) snippetJS(w http.ResponseWriter, r *http.Request) {
	b, ok := s.static.files["t.js"]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("ETag", `"`+s.static.sums["t.js"]+`"`)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	http.ServeContent(w, r, "t.js", time.Time{}, bytes.NewReader(b))
}
