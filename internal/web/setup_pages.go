package web

import (
	"net/http"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
)

// setupPage is the first-run page; it needs the one-time token that serve
// printed. The first workspace's time zone and currency begin as a new
// workspace's.
func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if !s.Accounts.CheckSetupToken(r.Context(), token) {
		s.pageFail(w, r, apperr.New(apperr.Forbidden, "error.setup_token", nil))
		return
	}
	s.setupForm(w, r, http.StatusOK, token, map[string]any{}, account.DefaultTimeZone, account.DefaultCurrency, nil)
}

// setupFields are the setup form's typed fields; the workspace's time zone
// and currency are the settings page's pickers beside them.
var setupFields = []field{
	{Name: "email", Type: "email", Required: true, Autocomplete: "username"},
	{Name: "name", Type: "text", Autocomplete: "name"},
	{Name: "password", Type: "password", Required: true, Autocomplete: "new-password"},
	{Name: "workspace.name", Type: "text", Required: true},
	{Name: "workspace.slug", Type: "text", Required: true},
}

// setupForm renders the setup form with values, zone and cur chosen, and
// err's messages beside their fields. A form not yet sent (status 200)
// lets the browser choose its own time zone instead, when it is listed.
func (s *Server) setupForm(w http.ResponseWriter, r *http.Request, status int, token string, values map[string]any, zone, cur string, err error) {
	form := newFormView("setup", setupFields, values, err)
	zones, currencies := s.workspacePickers(r, &form, "workspace.", zone, cur, account.Workspace{}, err)
	s.render(w, r, status, "setup", map[string]any{"Token": token, "Form": form, "Zones": zones, "Currencies": currencies,
		"GuessZone": status == http.StatusOK, "PreCSRF": s.preCSRF(w, r)})
}

func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request) {
	f := r.PostFormValue
	token := f("token")
	if err := checkPreCSRF(r); err != nil {
		s.pageFail(w, r, err)
		return
	}
	// "other…" left empty is refused here: the service would take an
	// empty zone or currency for the default one.
	var chosen, fs apperr.Fields
	zone, cur := picked(r.PostForm, "time_zone", &chosen), picked(r.PostForm, "currency", &chosen)
	fs.Nest("workspace.", chosen.Err())
	err := fs.Err()
	var u account.User
	if err == nil {
		u, _, err = s.Accounts.Setup(r.Context(), token, f("email"), f("name"), f("password"), account.Workspace{
			Name: f("workspace.name"), Slug: f("workspace.slug"), TimeZone: zone, Currency: cur,
		})
	}
	if apperr.Is(err, apperr.Invalid) {
		values := rawFormValues(setupFields, r.PostForm)
		values["password"] = ""
		s.setupForm(w, r, http.StatusUnprocessableEntity, token, values, zone, cur, err)
		return
	}
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	session, _, err := s.Accounts.StartSession(r.Context(), u.ID, s.clientIP(r), r.UserAgent())
	if err == nil {
		err = s.signedIn(w, r, u, session)
	}
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
