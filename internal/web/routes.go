package web

import (
	"net/http"

	"github.com/chorus-hq/chorus/internal/account"
)

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", s.metricsHandler())
	m.HandleFunc("GET /static/{sum}/{path...}", s.static.serve)
	// Pages name their icon; a client that asks the old way is sent there.
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.static.URL("favicon.svg"), http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	// Every other pattern is more specific than this one, so it gets only
	// what nothing else matches.
	m.HandleFunc("/", s.unknownPath)

	m.Handle("GET /{$}", s.withSession(http.HandlerFunc(s.home)))
	m.Handle("GET /setup", s.withSession(http.HandlerFunc(s.setupPage)))
	m.Handle("POST /setup", s.withSession(http.HandlerFunc(s.setupSubmit)))
	m.Handle("GET /login", s.withSession(http.HandlerFunc(s.loginPage)))
	m.Handle("POST /login", s.withSession(http.HandlerFunc(s.loginSubmit)))
	m.Handle("POST /logout", s.withSession(http.HandlerFunc(s.logout)))
	m.Handle("POST /lang", s.withSession(http.HandlerFunc(s.setLang)))

	m.Handle("GET /w/{ws}", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		http.Redirect(w, r, "/w/"+p.Workspace.Slug+"/brand", http.StatusSeeOther)
		return nil
	}))
	m.Handle("GET /w/{ws}/brand", s.page("", s.brandOverview))
	for _, d := range s.brandDocs() {
		s.registerBrandDoc(d)
	}
	registerBrandCollection(s, productKind, s.Brand.Products)
	registerBrandCollection(s, personaKind, s.Brand.Personas)
	registerBrandCollection(s, competitorKind, s.Brand.Competitors)
	registerBrandCollection(s, teamKind, s.Brand.Team)
	registerBrandCollection(s, amplifierKind, s.Brand.Amplifiers)
	s.registerBrandDocAPI()

	s.platformRoutes()
	s.listenAPI()
	s.insightAPI()
	s.alertAPI()
	s.linkRoutes()
	s.sourceRoutes()
	s.conversionRoutes()
	s.campaignAPI()
	s.settingsRoutes()
	s.accountRoutes()
	s.strategyRoutes()
	if s.Links != nil {
		s.linkPageRoutes()
	}
	if s.Conversions != nil {
		s.conversionPageRoutes()
	}
	if s.Listen != nil && s.Insights != nil && s.Alerts != nil {
		s.listeningPageRoutes()
		s.insightPageRoutes()
		s.sourcePageRoutes()
	}
	for _, sec := range comingSections {
		m.Handle("GET /w/{ws}/"+sec, s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			s.render(w, r, http.StatusOK, "coming", map[string]any{"Section": sec})
			return nil
		}))
	}
}

// comingSections are the steps of the loop that later work fills; until
// then their pages say what will be there.
var comingSections = []string{}
