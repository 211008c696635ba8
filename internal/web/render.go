package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/platform"
)

//go:embed templates
var templateFS embed.FS

// pages holds one template set per page: the layout plus the page's own
// "content" (and any partials it defines).
type pages struct {
	sets map[string]*template.Template
}

// funcs are the templates' functions. A figure reads the same on every
// page: exact, with thousands separators (12,345; 1.2万 would hide
// 2,345 a marketer compares against last week), through number — num
// for a count, count for one that attribution or hours make fractional,
// credit for conversions shared between clicks, amount for money (to the
// cent), pct for shares and rates — and the catalog's messages write the
// counts they carry the same way (plainNumbers). Units of ten thousand
// (万, 亿; M, B) are only for the estimates the platform catalog gives
// in them (view.MAU), never for a figure Chorus measured.
var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join": strings.Join,
	"pct":  percent,
	// amount is money without its currency, to the cent.
	"amount": func(f float64) string { return number(f, 2) },
	"add":    func(a, b int) int { return a + b },
	// count shows a count that linear attribution may make fractional:
	// whole numbers without decimals, others with one; thousands
	// separated.
	"count": func(f float64) string { return number(f, 1) },
	// credit shows a conversion count that attribution may share between
	// clicks as the API gives it (conversion.CreditDecimals).
	"credit": func(f float64) string { return number(f, conversion.CreditDecimals) },
	// num is a whole amount (a count, a score) with thousands separators;
	// money goes through amount, which keeps its cents.
	"num": func(v any) (string, error) {
		switch n := v.(type) {
		case int:
			return number(float64(n), 0), nil
		case int64:
			return number(float64(n), 0), nil
		case float64:
			return number(n, 0), nil
		}
		return "", fmt.Errorf("num of a %T", v)
	},
	"list": func(vs ...string) []string { return vs },
	"deref": func(f *float64) float64 {
		if f == nil {
			return 0
		}
		return *f
	},
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// percent is a share or a rate in percent, with one decimal when it is
// not whole (a lead rate of 0.4 % is not 0 %), two below 1 % (an
// engagement rate of 0.05 % is not 0.1 %). Every rate of the UI goes
// through it, so that one figure reads the same on every page.
func percent(f float64) string {
	v, prec := f*100, 1
	if math.Abs(v) < 1 {
		prec = 2
	}
	return number(v, prec) + "%"
}

func loadPages(st *staticFiles) (*pages, error) {
	f := template.FuncMap{"static": st.URL}
	for k, v := range funcs {
		f[k] = v
	}
	base, err := template.New("layout").Funcs(f).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		set, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/pages/"), ".html")
		p.sets[name] = set
	}
	return p, nil
}

// view is what every template gets: the page's data and the request's
// language, user and workspace.
type view struct {
	s         *Server
	Locale    string
	Locales   []string
	User      *account.User
	P         *account.Principal
	CSRF      string
	Section   string
	Path      string
	Here      string // where switching the language comes back to (viewFor)
	Version   string
	Data      map[string]any
	Flash     string
	FlashKind string
}

// T translates a key, with arguments given as name, value pairs.
func (v *view) T(key string, kv ...any) string {
	var args map[string]any
	if len(kv) > 0 {
		args = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return v.s.cat.T(v.Locale, key, args)
}

// TOr translates key, or returns fallback when the catalog lacks it; for
// keys built from data, such as a role's name.
func (v *view) TOr(key, fallback string) string {
	if v.s.cat.Has(key) {
		return v.s.cat.T(v.Locale, key, nil)
	}
	return fallback
}

// Err translates an apperr field error or message.
func (v *view) Err(e apperr.FieldError) string { return v.s.cat.T(v.Locale, e.Key, e.Args) }

// Msg translates an application error's message.
func (v *view) Msg(e *apperr.Error) string { return v.s.cat.T(v.Locale, e.Key, e.Args) }

// Can reports whether the current principal may do perm.
func (v *view) Can(perm string) bool {
	return v.P != nil && v.P.Can(account.Permission(perm))
}

// Coming reports whether a section of the navigation is not built yet.
func (v *view) Coming(section string) bool { return slices.Contains(comingSections, section) }

// Reason translates a fit score's reason.
func (v *view) Reason(r platform.Reason) string { return v.s.cat.T(v.Locale, r.Key, r.Args) }

// Show renders a form value in a list cell: a set of options as their
// labels, anything else as text.
func (v *view) Show(x any) string {
	if set, ok := x.(map[string]bool); ok {
		keys := make([]string, 0, len(set))
		for k := range set {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return strings.Join(keys, ", ")
	}
	return fmt.Sprint(x)
}

// GoodFor lists the objectives a platform serves well (score ≥ 0.7), or
// a dash, as other empty figures read, when it serves none well.
func (v *view) GoodFor(g platform.GoodFor) string {
	var out []string
	for _, o := range append(append([]string{}, platform.Objectives...), "community") {
		if score, _ := g.For(o); score >= 0.7 {
			out = append(out, v.T("objective."+o))
		}
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, " · ")
}

// Time shows a time in the workspace's time zone.
func (v *view) Time(t time.Time) string {
	return t.In(v.location()).Format("2006-01-02 15:04")
}

// When is Time as a <time> element, which the style sheet keeps on one
// line: a narrow column would otherwise break it at the date's hyphen
// ("2026-12-" over "07 15:25").
func (v *view) When(t time.Time) template.HTML {
	t = t.In(v.location())
	return template.HTML(`<time datetime="` + t.Format(time.RFC3339) + `">` + t.Format("2006-01-02 15:04") + `</time>`)
}

func (v *view) location() *time.Location {
	if v.P != nil {
		return v.P.Workspace.Location()
	}
	return time.UTC
}

// WS is the current workspace's URL prefix.
func (v *view) WS() string {
	if v.P == nil {
		return ""
	}
	return "/w/" + v.P.Workspace.Slug
}

// render writes page name with data. An htmx request gets only the page's
// "partial" template when data names one ("Partial"), else its "content".
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	set, ok := s.pages.sets[name]
	if !ok {
		s.log.Error("no such page template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v := s.viewFor(r, data)
	tmpl := "layout"
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true" {
		tmpl = "content"
		if p, ok := data["Partial"].(string); ok {
			tmpl = p
		}
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, tmpl, v); err != nil {
		s.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if v.Flash != "" {
		http.SetCookie(w, &http.Cookie{Name: "flash", Path: "/", MaxAge: -1})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) viewFor(r *http.Request, data map[string]any) *view {
	v := &view{s: s, Locale: s.locale(r), Locales: Locales, Path: r.URL.Path, Here: r.URL.Path, Version: s.Version, Data: data}
	// The page with its query (the sign-in page's next=, a list's
	// filters); only the path when a POST rendered it.
	if r.Method == http.MethodGet {
		v.Here = r.URL.RequestURI()
	}
	if a, ok := authFrom(r.Context()); ok {
		v.User = &a.user
		v.CSRF = a.session.CSRFToken
		if a.principal != nil {
			v.P = a.principal
		}
	}
	if sec, ok := data["Section"].(string); ok {
		v.Section = sec
	}
	if c, err := r.Cookie("flash"); err == nil {
		v.FlashKind, v.Flash, _ = strings.Cut(c.Value, ":")
	}
	return v
}
