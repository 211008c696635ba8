package web

import (
	"encoding/json"
	"html/template"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/platform"
)

// platformRoutes serve step 2: the catalog, a platform's figures with their
// sources and the workspace's overrides, and the fit ranking.
func (s *Server) platformRoutes() {
	s.mux.Handle("GET /w/{ws}/platforms", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		entries, err := s.Platforms.List(r.Context(), p.Workspace.ID)
		if err != nil {
			return err
		}
		personas, err := s.Brand.Personas.List(r.Context(), p.Workspace.ID)
		if err != nil {
			return err
		}
		data := map[string]any{"Section": "platforms", "Entries": entries, "Personas": personas,
			"Objectives": platform.Objectives, "Version": s.Platforms.CatalogVersion()}
		if len(personas) > 0 {
			fit, err := s.fitView(r, p, personas[0].ID, platform.ObjectiveSales)
			if err != nil {
				return err
			}
			data["Fit"] = fit
		}
		s.render(w, r, http.StatusOK, "platforms", data)
		return nil
	}))
	s.mux.Handle("GET /w/{ws}/platforms/fit", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := strconv.ParseInt(r.URL.Query().Get("persona"), 10, 64)
		fit, err := s.fitView(r, p, id, r.URL.Query().Get("objective"))
		if err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, "fit", map[string]any{"Section": "platforms", "Fit": fit, "Partial": "fit_result"})
		return nil
	}))
	s.mux.Handle("GET /w/{ws}/platforms/{key}", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.platformPage(w, r, p, http.StatusOK, "", nil)
	}))
	s.mux.Handle("POST /w/{ws}/platforms/{key}/override", s.page(account.EditPlatforms, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		// The editor shows the whole override, so what it sends replaces
		// it, unless someone else saved over the override it showed.
		patch := r.PostFormValue("patch")
		_, err := s.Platforms.ReplaceOverride(r.Context(), p.Workspace.ID, r.PathValue("key"),
			json.RawMessage(r.PostFormValue("shown")), json.RawMessage(patch))
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			return s.platformPage(w, r, p, status(err), patch, err)
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.saved")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/platforms/"+r.PathValue("key"))
		return nil
	}))
	s.mux.Handle("POST /w/{ws}/platforms/{key}/reset", s.page(account.EditPlatforms, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		if _, err := s.Platforms.ResetOverride(r.Context(), p.Workspace.ID, r.PathValue("key")); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.reset")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/platforms/"+r.PathValue("key"))
		return nil
	}))
	s.platformAPI()
}

func (s *Server) platformPage(w http.ResponseWriter, r *http.Request, p account.Principal, status int, patch string, err error) error {
	e, gerr := s.Platforms.Get(r.Context(), p.Workspace.ID, r.PathValue("key"))
	if gerr != nil {
		return gerr
	}
	if patch == "" && len(e.Override) > 0 {
		patch = string(e.Override)
	}
	// The override the editor shows, which its save may replace: after a
	// conflict the one stored now, so that saving again replaces it
	// knowingly; after an invalid save still the one first shown.
	shown := string(e.Override)
	if apperr.Is(err, apperr.Invalid) {
		shown = r.PostFormValue("shown")
	}
	var ae *apperr.Error
	if err != nil {
		ae = s.asAppErr(r, err)
	}
	s.render(w, r, status, "platform", map[string]any{"Section": "platforms", "E": e, "Patch": patch, "Shown": shown, "Error": ae,
		"Ages": orderedShares(e.Audience.Age, brand.AgeBands), "CityTiers": orderedShares(e.Audience.CityTiers, brand.CityTiers)})
	return nil
}

// share is one band of an audience split as the platform page lists it.
type share struct {
	Key   string
	Share float64
}

// orderedShares lists a split in the order of its closed set (ages
// ascending, city tiers from first tier to overseas), so that the page does
// not show them in the alphabetical order of their keys. Keys outside the
// set, which validation refuses, follow in key order.
func orderedShares(m map[string]float64, order []string) []share {
	out := make([]share, 0, len(m))
	for _, k := range order {
		if v, ok := m[k]; ok {
			out = append(out, share{k, v})
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(order, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, share{k, m[k]})
	}
	return out
}

// PlatformName shows a stored platform key (a persona's share, an
// amplifier's platform, a link's channel) as the platform's name in the
// page's language; a key the catalog does not know shows as it is.
func (v *view) PlatformName(key string) string {
	if v.s.Platforms == nil {
		return key
	}
	if n, ok := v.s.Platforms.Name(key); ok {
		return n.In(v.Locale)
	}
	return key
}

// platformChoice is a platform key beside its name, for forms that take
// keys.
type platformChoice struct{ Key, Name string }

// PlatformChoices lists the catalog's platforms with their names in the
// page's language, in catalog order.
func (v *view) PlatformChoices() []platformChoice {
	if v.s.Platforms == nil {
		return nil
	}
	keys := v.s.Platforms.Keys()
	out := make([]platformChoice, len(keys))
	for i, k := range keys {
		out[i] = platformChoice{k, v.PlatformName(k)}
	}
	return out
}

// MAU shows monthly active users given in millions: "5.9 亿" or "8000 万"
// in Chinese, "590M" or "3.1B" in English; a dash when there is no figure.
func (v *view) MAU(millions *float64) string {
	if millions == nil {
		return "—"
	}
	m := *millions
	// The unit follows the figure as shown: 99.996 million rounds to
	// 10000 万, which reads 1 亿; 999.96 million to 1000M, which reads 1B.
	key := "platform.mau.value"
	if math.Round(m*100) < 10000 {
		key = "platform.mau.value_small"
	}
	billions := ""
	if math.Round(m*10) >= 10000 {
		billions = trimNum(m/1000, 1)
	}
	return v.T(key, "M", trimNum(m, 1), "B", billions, "Yi", trimNum(m/100, 1), "Wan", trimNum(m*100, 0))
}

// trimNum formats f with at most decimals digits after the point, without
// trailing zeros.
func trimNum(f float64, decimals int) string {
	p := math.Pow(10, float64(decimals))
	return strconv.FormatFloat(math.Round(f*p)/p, 'f', -1, 64)
}

// Rate shows a rate such as an engagement rate as a percentage with up to
// two decimals ("0.05%"), where pct would round small rates to "0%".
func (v *view) Rate(f float64) string { return trimNum(f*100, 2) + "%" }

// FormatName is a content format's label: the platform's own name for it
// where the UI has one ("帖子"), else its key.
func (v *view) FormatName(f platform.Format) string {
	return v.TOr("platform.format_key."+f.Key, f.Key)
}

// FormatLimits lists a content format's documented limits in words:
// text length with its unit, title, images and video duration.
func (v *view) FormatLimits(f platform.Format) string {
	var out []string
	if f.MaxLength > 0 {
		unit := v.TOr("platform.unit."+f.LengthUnit, f.LengthUnit)
		out = append(out, v.T("platform.limit.length", "Count", f.MaxLength, "Unit", unit))
	}
	if f.MaxTitle > 0 {
		out = append(out, v.T("platform.limit.title", "Count", f.MaxTitle))
	}
	if f.MaxImages > 0 {
		out = append(out, v.T("platform.limit.images", "Count", f.MaxImages))
	}
	if f.MaxVideoSeconds > 0 {
		d := v.T("platform.duration.seconds", "Count", f.MaxVideoSeconds)
		if f.MaxVideoSeconds%60 == 0 {
			d = v.T("platform.duration.minutes", "Count", f.MaxVideoSeconds/60)
		}
		out = append(out, v.T("platform.limit.video", "Duration", d))
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, " · ")
}

// CatalogText shows a text of the catalog (a note, why a figure is an
// estimate) in the page's language. A text with only English, as overrides
// saved before the catalog spoke Chinese have, shows in English marked
// lang="en", so that a screen reader does not read it as Chinese.
func (v *view) CatalogText(t platform.Text) template.HTML {
	s := template.HTMLEscapeString(t.In(v.Locale))
	if lang := t.Lang(v.Locale); s != "" && lang != v.Locale {
		return template.HTML(`<span lang="` + lang + `">` + s + `</span>`)
	}
	return template.HTML(s)
}

// SourceFields names the catalog fields a source supports, in words.
func (v *view) SourceFields(fields []string) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = v.TOr("platform.field."+f, f)
	}
	return strings.Join(names, " · ")
}

// PeakZone says in which time zone a platform's peak hours are given.
func (v *view) PeakZone(tz string) string {
	if tz == platform.LocalTime {
		return v.T("platform.tz.local")
	}
	return v.T("platform.tz.zone", "Zone", tz)
}

// fitRow is one ranked platform as the page shows it.
type fitRow struct {
	platform.Fit
	Name string
}

// fitView ranks the platforms for a persona of the workspace and an
// objective, with the chart's options.
func (s *Server) fitView(r *http.Request, p account.Principal, personaID int64, objective string) (map[string]any, error) {
	persona, err := s.Brand.Personas.Get(r.Context(), p.Workspace.ID, personaID)
	if err != nil {
		return nil, err
	}
	fits, err := s.Platforms.Fit(r.Context(), p.Workspace.ID, persona, objective)
	if err != nil {
		return nil, err
	}
	entries, err := s.Platforms.List(r.Context(), p.Workspace.ID)
	if err != nil {
		return nil, err
	}
	loc := s.locale(r)
	names := map[string]string{}
	for _, e := range entries {
		names[e.Key] = e.Name.In(loc)
	}
	rows := make([]fitRow, len(fits))
	for i, f := range fits {
		rows[i] = fitRow{Fit: f, Name: names[f.Platform]}
	}
	return map[string]any{
		"Persona": persona, "Objective": objective, "Rows": rows,
		"Chart": fitChart(rows, func(k string) string { return s.cat.T(loc, k, nil) }),
	}, nil
}

// fitChart is an ECharts option: one horizontal bar per platform, stacked
// by what each component contributed to the score, so that a bar is as
// long as the score: a platform that reaches few of the persona's cities
// has its components cut by the same reach factor as its score.
func fitChart(rows []fitRow, t func(string) string) chartOption {
	n := min(len(rows), 12)
	var cats []string
	for i := n - 1; i >= 0; i-- {
		cats = append(cats, rows[i].Name)
	}
	var series []any
	if n > 0 {
		for ci, c := range rows[0].Components {
			// A component not measured is null, no bar: its tooltip and
			// the data table read "—", as the score table does, not 0.
			data := make([]any, 0, n)
			for i := n - 1; i >= 0; i-- {
				comp := rows[i].Components[ci]
				var v any
				if comp.Score != nil {
					v = math.Round(*comp.Score*comp.Effective*rows[i].Reach*10) / 10
				}
				data = append(data, v)
			}
			series = append(series, map[string]any{"name": t("fit.component." + c.Name), "type": "bar", "stack": "score", "data": data})
		}
	}
	// The legend keeps one line that pages (scroll): a plain one wraps on a
	// phone into a second row drawn over the top bars.
	return map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":    map[string]any{"top": 0, "type": "scroll"},
		"grid":      map[string]any{"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": true},
		"xAxis":     map[string]any{"type": "value", "max": 100},
		"yAxis":     map[string]any{"type": "category", "data": cats},
		"series":    series,
	}
}

func (s *Server) platformAPI() {
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/platforms", Summary: "The platform catalog with the workspace's overrides", Tag: "platforms", Resp: typeOf[list[platform.Entry]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			es, err := s.Platforms.List(r.Context(), p.Workspace.ID)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(es))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/platforms/fit", Summary: "Rank platforms 0–100 for a persona and an objective", Tag: "platforms", Resp: typeOf[list[platform.Fit]](),
		Query: []param{{Name: "persona", Type: typeOf[int64](), Doc: "The persona's id (required)"},
			{Name: "objective", Doc: "sales, voice, pr, growth or service (required)"}}},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var fs apperr.Fields
			id := queryID(&fs, r.URL.Query().Get("persona"), "persona")
			if id == nil && len(fs) == 0 {
				fs.Add("persona", "error.required")
			}
			if err := fs.Err(); err != nil {
				return err
			}
			persona, err := s.Brand.Personas.Get(r.Context(), p.Workspace.ID, *id)
			if err != nil {
				return err
			}
			fits, err := s.Platforms.Fit(r.Context(), p.Workspace.ID, persona, r.URL.Query().Get("objective"))
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(fits))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/platforms/{key}", Summary: "One platform, with the workspace's overrides", Tag: "platforms", Resp: typeOf[platform.Entry]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			e, err := s.Platforms.Get(r.Context(), p.Workspace.ID, r.PathValue("key"))
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, e)
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: "/workspaces/{ws}/platforms/{key}/override", Summary: "Override any value of a platform for this workspace (a JSON merge patch, RFC 7386)", Tag: "platforms", Perm: account.EditPlatforms, Req: typeOf[map[string]any](), Resp: typeOf[platform.Entry]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return decodeJSON(r.Body, nil)
			}
			e, err := s.Platforms.SetOverride(r.Context(), p.Workspace.ID, r.PathValue("key"), body)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, e)
			return nil
		})
	s.handleAPI(op{Method: "DELETE", Path: "/workspaces/{ws}/platforms/{key}/override", Summary: "Drop the workspace's overrides of a platform", Tag: "platforms", Perm: account.EditPlatforms, Resp: typeOf[platform.Entry]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			e, err := s.Platforms.ResetOverride(r.Context(), p.Workspace.ID, r.PathValue("key"))
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, e)
			return nil
		})
}
