package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

// brandKind is one collection of step 1 as the UI and API show it.
type brandKind struct {
	Path    string  // URL segment, plural ("products")
	Kind    string  // stored kind, singular ("product")
	Fields  []field // the form
	Columns []string
}

// Money says the column is a field holding an amount of money.
func (k brandKind) Money(column string) bool {
	return slices.ContainsFunc(k.Fields, func(f field) bool { return f.Name == column && f.Money() })
}

func platformPairs(name string) field {
	return field{Name: name, Type: "pairs", PairKey: "platform", PairValue: "share", PairNumber: true}
}

var (
	productKind = brandKind{Path: "products", Kind: brand.KindProduct, Columns: []string{"category", "price_band"}, Fields: []field{
		{Name: "name", Type: "text", Required: true},
		{Name: "category", Type: "text"},
		{Name: "price_band", Type: "text"},
		{Name: "selling_points", Type: "list"},
	}}
	personaKind = brandKind{Path: "personas", Kind: brand.KindPersona, Columns: []string{"age_bands", "city_tiers"}, Fields: []field{
		{Name: "name", Type: "text", Required: true},
		{Name: "description", Type: "textarea"},
		{Name: "age_bands", Type: "multi", Options: brand.AgeBands, OptionPrefix: "option.age_band."},
		{Name: "gender.female", Type: "number"},
		{Name: "gender.male", Type: "number"},
		{Name: "gender.other", Type: "number"},
		{Name: "regions", Type: "list"},
		{Name: "city_tiers", Type: "multi", Options: brand.CityTiers, OptionPrefix: "option.city_tier."},
		{Name: "interests", Type: "list"},
		platformPairs("platforms"),
		{Name: "purchase_drivers", Type: "list"},
		{Name: "pain_points", Type: "list"},
	}}
	competitorKind = brandKind{Path: "competitors", Kind: brand.KindCompetitor, Columns: []string{"aliases"}, Fields: []field{
		{Name: "name", Type: "text", Required: true},
		{Name: "aliases", Type: "list"},
		{Name: "keywords", Type: "list"},
		{Name: "accounts", Type: "pairs", PairKey: "platform", PairValue: "handle"},
		{Name: "notes", Type: "textarea"},
	}}
	teamKind = brandKind{Path: "team", Kind: brand.KindTeamMember, Columns: []string{"role", "weekly_hours"}, Fields: []field{
		{Name: "name", Type: "text", Required: true},
		{Name: "role", Type: "text"},
		{Name: "weekly_hours", Type: "number"},
		{Name: "hourly_cost", Type: "number", Number: moneyNumber},
	}}
	amplifierKind = brandKind{Path: "amplifiers", Kind: brand.KindAmplifier, Columns: []string{"kind", "platform", "reach", "price"}, Fields: []field{
		{Name: "name", Type: "text", Required: true},
		{Name: "kind", Type: "select", Options: brand.AmplifierKinds, OptionPrefix: "option.amplifier."},
		{Name: "platform", Type: "text"},
		{Name: "reach", Type: "number", Number: countNumber},
		{Name: "price", Type: "number", Number: moneyNumber},
		{Name: "price_unit", Type: "select", Options: append([]string{""}, brand.PriceUnits...), OptionPrefix: "option.price_unit."},
		{Name: "notes", Type: "textarea"},
	}}
	profileFields = []field{
		{Name: "positioning", Type: "textarea"},
		{Name: "value_proposition", Type: "textarea"},
		{Name: "tone.description", Type: "textarea"},
		{Name: "tone.words_to_use", Type: "list"},
		{Name: "tone.words_to_avoid", Type: "list"},
		{Name: "tone.examples", Type: "list"},
		{Name: "stage_goal", Type: "textarea"},
	}
	budgetFields = []field{
		{Name: "monthly", Type: "number", Number: moneyNumber},
		{Name: "currency", Type: "text"},
		{Name: "hourly_cost", Type: "number", Number: moneyNumber},
	}
)

// registerBrandCollection serves one collection's pages and API.
func registerBrandCollection[T any, P brand.Item[T]](s *Server, k brandKind, c *brand.Collection[T, P]) {
	base := "/w/{ws}/brand/" + k.Path
	s.mux.Handle("GET "+base, s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		items, err := c.List(r.Context(), p.Workspace.ID)
		if err != nil {
			return err
		}
		cur, err := s.moneyCurrency(r.Context(), p, k.Fields)
		if err != nil {
			return err
		}
		rows := make([]map[string]any, len(items))
		for i := range items {
			rows[i] = map[string]any{"ID": P(&items[i]).ItemID(), "Title": P(&items[i]).Title(), "Values": formValues(k.Fields, &items[i])}
		}
		s.render(w, r, http.StatusOK, "brand_items", map[string]any{"Section": "brand", "Kind": k, "Rows": rows, "Currency": cur})
		return nil
	}))
	// version is the item's version the form was loaded at, which a save
	// sends back so as not to overwrite someone else's save unseen.
	form := func(w http.ResponseWriter, r *http.Request, p account.Principal, status int, id int64, version string, values map[string]any, err error) error {
		fv := newFormView(k.Kind, k.Fields, values, err)
		var cerr error
		if fv.Currency, cerr = s.moneyCurrency(r.Context(), p, k.Fields); cerr != nil {
			return cerr
		}
		s.render(w, r, status, "brand_form", map[string]any{"Section": "brand", "Kind": k, "ID": id, "Version": version,
			"Form": fv, "FormError": formError(err)})
		return nil
	}
	s.mux.Handle("GET "+base+"/new", s.page(account.EditBrand, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		var zero T
		return form(w, r, p, http.StatusOK, 0, "", formValues(k.Fields, &zero), nil)
	}))
	s.mux.Handle("GET "+base+"/{id}", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := pathID(r, "id")
		v, err := c.Get(r.Context(), p.Workspace.ID, id)
		if err != nil {
			return err
		}
		return form(w, r, p, http.StatusOK, id, P(&v).ItemVersion(), formValues(k.Fields, &v), nil)
	}))
	save := func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := pathID(r, "id")
		version := r.PostFormValue("version")
		var v T
		body, formErr := formToJSON(k.Fields, r.PostForm)
		err := decodeBytes(body, &v)
		if err == nil && formErr != nil {
			err = withFormErrors(formErr, P(&v).Validate())
		}
		if err == nil {
			P(&v).SetItemVersion(version)
			if id == 0 {
				_, err = c.Create(r.Context(), p.Workspace.ID, v)
			} else {
				_, err = c.Update(r.Context(), p.Workspace.ID, id, v)
			}
		}
		if apperr.Is(err, apperr.Conflict) {
			// Someone else saved meanwhile: their version is the one a
			// second save, made knowing it, replaces.
			cur, gerr := c.Get(r.Context(), p.Workspace.ID, id)
			if gerr != nil {
				return gerr
			}
			version = P(&cur).ItemVersion()
		}
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			return form(w, r, p, status(err), id, version, rawFormValues(k.Fields, r.PostForm), err)
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.saved")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/brand/"+k.Path)
		return nil
	}
	s.mux.Handle("POST "+base, s.page(account.EditBrand, save))
	s.mux.Handle("POST "+base+"/{id}", s.page(account.EditBrand, save))
	s.mux.Handle("POST "+base+"/{id}/delete", s.page(account.EditBrand, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := pathID(r, "id")
		if err := c.Delete(r.Context(), p.Workspace.ID, id); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.deleted")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/brand/"+k.Path)
		return nil
	}))
	registerBrandAPI(s, k, c)
}

// moneyCurrency is the currency of the money among fields, which the
// brand's items do not record with each amount: the budget's (the
// workspace's until a budget is saved). "" when fields hold no money.
func (s *Server) moneyCurrency(ctx context.Context, p account.Principal, fields []field) (string, error) {
	if !slices.ContainsFunc(fields, field.Money) {
		return "", nil
	}
	b, err := s.Brand.Budget(ctx, p.Workspace.ID, p.Workspace.Currency)
	return b.Currency, err
}

// brandDoc is a singleton document of step 1 (profile, budget) as the UI
// shows it. load returns a pointer to the document; save stores a body
// built from the form over the version the form was loaded at.
type brandDoc struct {
	Path   string
	Fields []field
	load   func(r *http.Request, p account.Principal) (versioned, error)
	save   func(r *http.Request, p account.Principal, body []byte, version string) error
	// check validates a body without saving it, for a form with values
	// that do not parse; nil when the document has no such values.
	check func(body []byte) error
	// currency names the field that is a currency, chosen as the
	// workspace's is (currencyPicker), with the catalog key of its hint;
	// "" for none.
	currency, currencyHint string
}

// versioned is a brand document with its brand.Revision.
type versioned interface{ ItemVersion() string }

func (s *Server) registerBrandDoc(d brandDoc) {
	base := "/w/{ws}/brand/" + d.Path
	// The currency field is a picker below the others.
	typed := slices.DeleteFunc(slices.Clone(d.Fields), func(f field) bool { return f.Name == d.currency })
	form := func(w http.ResponseWriter, r *http.Request, p account.Principal, status int, version string, values map[string]any, err error) {
		fv := newFormView(d.Path, typed, values, err)
		data := map[string]any{"Section": "brand", "Doc": d, "Version": version, "Form": fv, "FormError": formError(err)}
		if d.currency != "" {
			cur, _ := values[d.currency].(string)
			data["Currency"] = s.currencyPicker(r, &fv, d.Path, d.currency, d.currencyHint, cur, p.Workspace.Currency, err)
			data["Form"] = fv
		}
		s.render(w, r, status, "brand_doc", data)
	}
	s.mux.Handle("GET "+base, s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		v, err := d.load(r, p)
		if err != nil {
			return err
		}
		form(w, r, p, http.StatusOK, v.ItemVersion(), formValues(d.Fields, v), nil)
		return nil
	}))
	s.mux.Handle("POST "+base, s.page(account.EditBrand, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		version := r.PostFormValue("version")
		if d.currency != "" {
			// "other…" left empty is an empty code, which the document
			// refuses in words.
			r.PostForm.Set(d.currency, picked(r.PostForm, d.currency, &apperr.Fields{}))
		}
		body, err := formToJSON(d.Fields, r.PostForm)
		switch {
		case err == nil:
			err = d.save(r, p, body, version)
		case d.check != nil && body != nil:
			err = withFormErrors(err, d.check(body))
		}
		if apperr.Is(err, apperr.Conflict) {
			cur, gerr := d.load(r, p)
			if gerr != nil {
				return gerr
			}
			version = cur.ItemVersion()
		}
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			form(w, r, p, status(err), version, rawFormValues(d.Fields, r.PostForm), err)
			return nil
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.saved")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/brand")
		return nil
	}))
}

func (s *Server) brandDocs() []brandDoc {
	return []brandDoc{
		{Path: "profile", Fields: profileFields,
			load: func(r *http.Request, p account.Principal) (versioned, error) {
				v, err := s.Brand.Profile(r.Context(), p.Workspace.ID)
				return &v, err
			},
			save: func(r *http.Request, p account.Principal, body []byte, version string) error {
				var v brand.Profile
				if err := decodeBytes(body, &v); err != nil {
					return err
				}
				v.Version = version
				_, err := s.Brand.SaveProfile(r.Context(), p.Workspace.ID, v)
				return err
			}},
		{Path: "budget", Fields: budgetFields,
			load: func(r *http.Request, p account.Principal) (versioned, error) {
				v, err := s.Brand.Budget(r.Context(), p.Workspace.ID, p.Workspace.Currency)
				return &v, err
			},
			save: func(r *http.Request, p account.Principal, body []byte, version string) error {
				var v brand.Budget
				if err := decodeBytes(body, &v); err != nil {
					return err
				}
				v.Version = version
				_, err := s.Brand.SaveBudget(r.Context(), p.Workspace.ID, v)
				return err
			},
			check: func(body []byte) error {
				var v brand.Budget
				if err := decodeBytes(body, &v); err != nil {
					return err
				}
				return v.Validate()
			}, currency: "currency", currencyHint: "brand.budget.currency_hint"},
	}
}

// currencyPicker is the picker of a brand document's currency field name
// (the budget's, that of the team's hourly costs) with the hint of key
// hint and cur chosen: the workspace currency's list, the workspace's
// first when the list lacks it. err's errors of the field show beside it,
// and not again above form.
func (s *Server) currencyPicker(r *http.Request, form *formView, kind, name, hint, cur, workspace string, err error) picker {
	errs := fieldErrors(err)[name]
	form.Other = slices.DeleteFunc(form.Other, func(e apperr.FieldError) bool { return e.Field == name })
	loc := s.locale(r)
	label := func(c string) string { return s.currencyLabel(loc, c) }
	codes := commonCurrencies
	if !slices.Contains(codes, workspace) && account.ValidCurrency(workspace) {
		codes = append([]string{workspace}, codes...)
	}
	p := newPicker(name, cur, workspace, errs, label, pickerGroup{Options: options(codes, label)})
	p.Label, p.Hint = "field."+kind+"."+name, hint
	return p
}

// brandOverview is the step-1 landing page: everything the team said about
// itself, on one page.
func (s *Server) brandOverview(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	ctx, ws := r.Context(), p.Workspace.ID
	profile, err := s.Brand.Profile(ctx, ws)
	if err != nil {
		return err
	}
	budget, err := s.Brand.Budget(ctx, ws, p.Workspace.Currency)
	if err != nil {
		return err
	}
	products, err := s.Brand.Products.List(ctx, ws)
	if err != nil {
		return err
	}
	personas, err := s.Brand.Personas.List(ctx, ws)
	if err != nil {
		return err
	}
	competitors, err := s.Brand.Competitors.List(ctx, ws)
	if err != nil {
		return err
	}
	team, err := s.Brand.Team.List(ctx, ws)
	if err != nil {
		return err
	}
	amps, err := s.Brand.Amplifiers.List(ctx, ws)
	if err != nil {
		return err
	}
	var hours, teamCost float64
	for _, m := range team {
		hours += m.WeeklyHours
		teamCost += m.WeeklyHours * budget.Rate(m)
	}
	s.render(w, r, http.StatusOK, "brand", map[string]any{
		"Section": "brand", "Profile": profile, "Budget": budget,
		"Products": products, "Personas": personas, "Competitors": competitors,
		"Team": team, "Amplifiers": amps, "WeeklyHours": hours, "WeeklyTeamCost": teamCost,
	})
	return nil
}

// formError is an error about the whole form rather than one field
// (someone else saved first, an item too large to store), which the form
// shows above its fields: without it a refused save said nothing. nil for
// none.
func formError(err error) *apperr.Error {
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Fields) == 0 && (ae.Code == apperr.Invalid || ae.Code == apperr.Conflict) {
		return ae
	}
	return nil
}

// formView is what the form partial needs.
type formView struct {
	Kind   string
	Fields []field
	Values map[string]any
	Errors map[string][]apperr.FieldError
	// Other are errors on fields the form does not show.
	Other []apperr.FieldError
	// Currency is what the money fields are in, named beside their
	// labels, when the form itself does not choose it.
	Currency string
}

func newFormView(kind string, fields []field, values map[string]any, err error) formView {
	fv := formView{Kind: kind, Fields: fields, Values: values, Errors: map[string][]apperr.FieldError{}}
	for name, errs := range fieldErrors(err) {
		target := ""
		for _, f := range fields {
			if f.Name == name || (target == "" && len(f.Name) > len(name) && f.Name[:len(name)+1] == name+".") {
				target = f.Name
			}
		}
		if target == "" {
			fv.Other = append(fv.Other, errs...)
			continue
		}
		fv.Errors[target] = append(fv.Errors[target], errs...)
	}
	slices.SortFunc(fv.Other, func(a, b apperr.FieldError) int {
		if a.Field < b.Field {
			return -1
		}
		return 1
	})
	return fv
}

// Cell shows one column of a collection's list: options as their labels in
// the order of their closed set (age bands ascending), platform keys as the
// platforms' names, anything else as Show does.
func (v *view) Cell(k brandKind, column string, value any) string {
	i := slices.IndexFunc(k.Fields, func(f field) bool { return f.Name == column })
	if i < 0 {
		return v.Show(value)
	}
	f := k.Fields[i]
	switch {
	case f.OptionPrefix != "":
		var set map[string]bool
		if m, ok := value.(map[string]bool); ok {
			set = m
		} else if s, ok := value.(string); ok && s != "" {
			set = map[string]bool{s: true}
		}
		var out []string
		for _, o := range f.Options {
			if set[o] {
				out = append(out, v.TOr(f.OptionPrefix+o, o))
			}
		}
		other := map[string]bool{} // values outside the options, as they are
		for x := range set {
			if !slices.Contains(f.Options, x) {
				other[x] = true
			}
		}
		if len(other) > 0 {
			out = append(out, v.Show(other))
		}
		return strings.Join(out, v.T("brand.list_sep"))
	case f.Name == "platform":
		s, _ := value.(string)
		return v.PlatformName(s)
	case f.Type == "number":
		// A reach of 280000 reads 280,000, as figures do elsewhere.
		s, _ := value.(string)
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return number(n, 2)
		}
		return s
	case f.Type == "pairs" && f.PairKey == "platform":
		s, _ := value.(string)
		var out []string
		for _, line := range strings.Split(s, "\n") {
			key, rest, _ := strings.Cut(line, " ")
			out = append(out, strings.TrimSpace(v.PlatformName(key)+" "+rest))
		}
		return strings.Join(out, v.T("brand.list_sep"))
	}
	return v.Show(value)
}
