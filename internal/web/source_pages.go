package web

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
)

// sourcePageRoutes serve the sources page and its changes: adding a
// source, pausing, resuming and deleting one, and importing a file after a
// preview. Everything goes through the services the source and listening
// API use, with the API's permission.
func (s *Server) sourcePageRoutes() {
	if s.Sources == nil {
		return
	}
	m := s.mux
	m.Handle("GET /w/{ws}/listening/sources", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.sourcesPage(w, r, p, http.StatusOK, nil)
	}))
	m.Handle("POST /w/{ws}/listening/sources", s.page(account.EditListening, s.addSource))
	for _, a := range []struct {
		path, flash string
		enabled     bool
	}{{"enable", "flash.sources.enabled", true}, {"disable", "flash.sources.disabled", false}} {
		m.Handle("POST /w/{ws}/listening/sources/{id}/"+a.path, s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, ok := pathID(r, "id")
			if !ok {
				return apperr.NotFoundf("source")
			}
			enabled := a.enabled
			if _, err := s.Sources.Update(r.Context(), p.Workspace.ID, id, source.Update{Enabled: &enabled}); err != nil {
				return err
			}
			s.flash(w, r, "ok", a.flash)
			redirect(w, r, sourcesPath(p, "source-"+strconv.FormatInt(id, 10)))
			return nil
		}))
	}
	m.Handle("POST /w/{ws}/listening/sources/{id}/delete", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, ok := pathID(r, "id")
		if !ok {
			return apperr.NotFoundf("source")
		}
		if err := s.Sources.Delete(r.Context(), p.Workspace.ID, id); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.sources.deleted")
		redirect(w, r, sourcesPath(p, "source-health"))
		return nil
	}))
	// The preview saves nothing: no audit entry, like the API's twin.
	m.Handle("POST /w/{ws}/listening/sources/import/preview", s.withImportUpload(s.readPage(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.importStep(w, r, p, false)
	})))
	m.Handle("POST /w/{ws}/listening/sources/import", s.withImportUpload(s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.importStep(w, r, p, true)
	})))
}

func sourcesPath(p account.Principal, fragment string) string {
	return "/w/" + url.PathEscape(p.Workspace.Slug) + "/listening/sources#" + fragment
}

// sourcesPage renders the sources page with its health table and extra: a draft source with its errors, or an import's
// preview or outcome.
func (s *Server) sourcesPage(w http.ResponseWriter, r *http.Request, p account.Principal, status int, extra map[string]any) error {
	srcs, err := s.sourceHealth(r.Context(), p.Workspace.ID)
	if err != nil {
		return err
	}
	lang := s.locale(r)
	waits := make([]string, len(srcs))
	for i, src := range srcs {
		if src.BackoffSeconds > 0 {
			waits[i] = waitText(time.Duration(src.BackoffSeconds)*time.Second, func(k string, args map[string]any) string { return s.cat.T(lang, k, args) })
		}
	}
	data := map[string]any{"Section": "listening", "Sources": srcs, "Waits": waits}
	for k, v := range extra {
		data[k] = v
	}
	s.render(w, r, status, "listening_sources", data)
	return nil
}

// --- Adding a source ---

// sourceField is one config input of the add-source form: a config key of
// the source API. Secrets (source.IsSecret) are password inputs that are
// never filled back.
type sourceField struct {
	Key      string
	Required bool
	// Type is text, url or checkbox (a flag stored as "true").
	Type string
}

// sourceForms are the kinds a person adds on the page, with the config
// each needs, as the source API takes them (see its POST summary and
// source.Service.Validate). Own channels are left out: they wait for the
// publishing connectors and could only fail.
var sourceForms = []struct {
	Kind   string
	Fields []sourceField
}{
	{source.KindRSS, []sourceField{{source.KeyURL, true, "url"}}},
	{source.KindMastodonTag, []sourceField{{source.KeyInstance, true, "url"}, {source.KeyTag, true, "text"}, {source.KeyToken, false, "text"}}},
	{source.KindMastodonSearch, []sourceField{{source.KeyInstance, true, "url"}, {source.KeyQuery, true, "text"}, {source.KeyToken, true, "text"}}},
	{source.KindBlueskySearch, []sourceField{{source.KeyQuery, true, "text"}, {source.KeyIdentifier, true, "text"}, {source.KeyAppPassword, true, "text"}, {source.KeyService, false, "url"}}},
	// Weibo's keyword search is the paid API: the flag says the app has
	// been granted it, and the service refuses the source without it.
	{source.KindWeiboSearch, []sourceField{{source.KeyPaidAPI, true, "checkbox"}, {source.KeyQuery, true, "text"}, {source.KeyAccessToken, true, "text"}}},
	{source.KindWebhook, nil},
	{source.KindImport, nil},
}

// pollChoices are the poll intervals the form offers, in seconds, all
// within the service's bounds; source.DefaultPollSeconds is preselected.
var pollChoices = []int{300, source.DefaultPollSeconds, 1800, 3600, 6 * 3600, 86400}

// sourceDraft is an add-source form as posted, without its secrets, to be
// shown back with its errors.
type sourceDraft struct {
	Kind, Name, Poll string
	Config           map[string]string
}

// addSource creates a source from the add-source form; a refused one is
// shown back in its form, each error beside its input.
func (s *Server) addSource(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	kind := r.PostFormValue("kind")
	in := source.Input{Kind: kind, Name: r.PostFormValue("name"), Config: map[string]string{}}
	draft := sourceDraft{Kind: kind, Name: in.Name, Poll: strings.TrimSpace(r.PostFormValue("poll_seconds")), Config: map[string]string{}}
	if draft.Poll != "" {
		n, err := strconv.Atoi(draft.Poll)
		if err != nil {
			n = -1 // out of range: the service names the field
		}
		in.PollSeconds = n
	}
	for _, f := range sourceFields(kind) {
		v := r.PostFormValue("config." + f.Key)
		if f.Type == "checkbox" {
			// Unticked is "false", which the service refuses with the
			// flag's own message rather than "required".
			v = strconv.FormatBool(v != "")
		}
		in.Config[f.Key] = v
		if !source.IsSecret(f.Key) {
			draft.Config[f.Key] = v
		}
	}
	src, err := s.Sources.Create(r.Context(), p.Workspace.ID, in)
	if apperr.Is(err, apperr.Invalid) {
		return s.sourcesPage(w, r, p, http.StatusUnprocessableEntity, map[string]any{"SourceDraft": draft, "SourceError": s.asAppErr(r, err)})
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.sources.added")
	redirect(w, r, sourcesPath(p, "source-"+strconv.FormatInt(src.ID, 10)))
	return nil
}

func sourceFields(kind string) []sourceField {
	for _, f := range sourceForms {
		if f.Kind == kind {
			return f.Fields
		}
	}
	return nil
}

// sourceInput is one input of an add-source form as the template shows
// it: Name is the form name (name, poll_seconds, config.url …), Label and
// Hint catalog keys.
type sourceInput struct {
	ID, Name, Label, Hint string
	// Type is text, url, password, checkbox or select.
	Type     string
	Required bool
	Value    string
	Options  []sourceOption
	Errs     []apperr.FieldError
}

type sourceOption struct {
	Value, Label string
}

// sourceForm is one kind's add-source form; Open when it is the one
// being shown back, Other its errors that belong to no input.
type sourceForm struct {
	Kind   string
	Open   bool
	Inputs []sourceInput
	Other  []apperr.FieldError
}

// SourceForms are the add-source forms, one per kind, with the draft and
// errors of a refused one (Data "SourceDraft" and "SourceError"). A
// secret is never given a value.
func (v *view) SourceForms() []sourceForm {
	draft, _ := v.Data["SourceDraft"].(sourceDraft)
	var errs map[string][]apperr.FieldError
	if e, ok := v.Data["SourceError"].(*apperr.Error); ok && e != nil {
		errs = fieldErrors(e)
	}
	t := func(k string, args map[string]any) string { return v.s.cat.T(v.Locale, k, args) }
	out := make([]sourceForm, len(sourceForms))
	for i, sf := range sourceForms {
		mine := draft.Kind == sf.Kind
		f := sourceForm{Kind: sf.Kind, Open: mine}
		taken := map[string]bool{}
		input := func(in sourceInput) {
			in.ID = "src-" + sf.Kind + "-" + strings.ReplaceAll(in.Name, ".", "-")
			if mine {
				in.Errs = errs[in.Name]
				taken[in.Name] = true
			}
			f.Inputs = append(f.Inputs, in)
		}
		name := ""
		if mine {
			name = draft.Name
		}
		input(sourceInput{Name: "name", Label: "sources.field.name", Type: "text", Required: true, Value: name})
		for _, fl := range sf.Fields {
			in := sourceInput{Name: "config." + fl.Key, Label: "sources.field." + fl.Key, Type: fl.Type, Required: fl.Required,
				Hint: "sources.hint." + sf.Kind + "." + fl.Key}
			if !v.s.cat.Has(in.Hint) {
				in.Hint = ""
			}
			if source.IsSecret(fl.Key) {
				in.Type, in.Hint = "password", "sources.hint.secret"
			} else if mine {
				in.Value = draft.Config[fl.Key]
			}
			input(in)
		}
		if source.Polled(sf.Kind) {
			sel := strconv.Itoa(source.DefaultPollSeconds)
			if mine && draft.Poll != "" {
				sel = draft.Poll
			}
			in := sourceInput{Name: "poll_seconds", Label: "sources.field.poll_seconds", Type: "select", Value: sel, Hint: "sources.hint.poll_seconds"}
			for _, sec := range pollChoices {
				in.Options = append(in.Options, sourceOption{Value: strconv.Itoa(sec), Label: waitText(time.Duration(sec)*time.Second, t)})
			}
			input(in)
		}
		if mine {
			names := make([]string, 0, len(errs))
			for name := range errs {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				if !taken[name] {
					f.Other = append(f.Other, errs[name]...)
				}
			}
		}
		out[i] = f
	}
	return out
}

// --- Importing a file ---

// importUpload is an import form read before the page wrapper runs: the
// wrapper finds the CSRF token among its fields, the handler the file.
type importUpload struct {
	name  string
	data  []byte
	found bool // a file was chosen
	err   error
}

type uploadKey struct{}

// withImportUpload bounds an import form's body as the import API does
// and reads it, keeping its small fields as the request's form values and
// its file aside. A file over listen.MaxImportBytes is an error on the
// field "file" that the page shows, not a refused request: the CSRF token
// comes first in the form, so it is read before the file. Only a
// signed-in user's upload is read: anyone else's 20 MB was read into
// memory before the page sent them to sign in.
func (s *Server) withImportUpload(next http.Handler) http.Handler {
	return s.withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, signedIn := authFrom(r.Context())
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" || !signedIn {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxImportBody)
		up := &importUpload{}
		vals := url.Values{}
		up.err = readUploadForm(r, vals, up)
		r.PostForm, r.Form = vals, vals
		r.MultipartForm = &multipart.Form{Value: vals}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), uploadKey{}, up)))
	}))
}

// maxUploadField bounds a small field of the import form (a column name,
// a source id).
const maxUploadField = 4 << 10

func readUploadForm(r *http.Request, vals url.Values, up *importUpload) error {
	return readParts(r, func(part *multipart.Part) error {
		switch name := part.FormName(); name {
		case "file":
			b, err := readPart(part, listen.MaxImportBytes)
			if err == nil && (part.FileName() != "" || len(b) > 0) {
				up.name, up.data, up.found = part.FileName(), b, true
			}
			return err
		case "":
			return nil
		default:
			b, err := readPart(part, maxUploadField)
			if err == nil {
				vals.Add(name, string(b))
			}
			return err
		}
	})
}

// mappingFields are the names of the importer's mapping (listen.Mapping's
// JSON names), in its order: what a column can be mapped to.
var mappingFields = func() []string {
	t := reflect.TypeFor[listen.Mapping]()
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}()

// requiredMapping are the fields the importer cannot guess its way past.
var requiredMapping = []string{"text", "published_at"}

// importView is the import card after a preview or an import.
type importView struct {
	// Preview is the file read with the mapping, as the import API answers.
	Preview *importResponse
	Mapping []mappingInput
	// Errs are the form's errors by field: file, source_id, mapping.text …
	Errs     map[string][]apperr.FieldError
	SourceID int64
	Skip     bool
	// Refused: an import with row errors, not told to skip them; nothing
	// was stored.
	Refused bool
	Result  *listen.IngestResult
	// BadRows are the rows left out for their errors (skip_errors).
	BadRows int
	// Reselect: the answer is a whole page, whose file input the browser
	// has emptied; the file must be chosen again to import it.
	Reselect bool
}

// mappingInput is one field of the mapping form: the column chosen, or ""
// to let the importer guess it from the header.
type mappingInput struct {
	Field, Value string
	Required     bool
	Errs         []apperr.FieldError
}

// importStep previews an uploaded file with a mapping, or imports it
// (save): all rows, or with skip_errors the good ones; a file with row
// errors and no skip_errors stores nothing and comes back as its preview.
// Both read the file with listen.ReadImport and store with Ingest, as the
// import API does.
func (s *Server) importStep(w http.ResponseWriter, r *http.Request, p account.Principal, save bool) error {
	ctx, ws := r.Context(), p.Workspace.ID
	iv := importView{Skip: r.PostFormValue("skip_errors") != ""}
	values := map[string]string{}
	for _, f := range mappingFields {
		values[f] = strings.TrimSpace(r.PostFormValue("mapping." + f))
	}
	var fs apperr.Fields
	if v := strings.TrimSpace(r.PostFormValue("source_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil && id > 0 {
			_, err = s.Sources.Get(ctx, ws, id)
		}
		switch {
		case err == nil:
			iv.SourceID = id
		case apperr.Is(err, apperr.NotFound) || id <= 0:
			fs.Add("source_id", "error.invalid")
		default:
			return err
		}
	}
	up, _ := r.Context().Value(uploadKey{}).(*importUpload)
	switch {
	case up == nil:
		fs.Add("file", "error.listen.multipart")
	case up.err != nil:
		fs.Nest("", up.err)
	case !up.found:
		fs.Add("file", "error.required")
	}
	var f *listen.ImportFile
	err := fs.Err()
	if err == nil {
		var m listen.Mapping
		if b, jerr := json.Marshal(values); jerr == nil {
			err = json.Unmarshal(b, &m)
		}
		if err == nil {
			f, err = listen.ReadImport(bytes.NewReader(up.data), m, listen.ImportOptions{Name: up.name, Location: p.Workspace.Location(), Now: time.Now()})
		}
	}
	status := http.StatusOK
	switch {
	case apperr.Is(err, apperr.Invalid):
		iv.Errs, status = fieldErrors(err), http.StatusUnprocessableEntity
	case err != nil:
		return err
	default:
		resp := s.importResponse(r, f)
		iv.Preview = &resp
		// The mapping as the importer resolved it: guesses filled in.
		if b, jerr := json.Marshal(f.Mapping); jerr == nil {
			resolved := map[string]string{}
			if json.Unmarshal(b, &resolved) == nil {
				values = resolved
			}
		}
	}
	for _, name := range mappingFields {
		in := mappingInput{Field: name, Value: values[name], Required: slices.Contains(requiredMapping, name), Errs: iv.Errs["mapping."+name]}
		iv.Mapping = append(iv.Mapping, in)
	}
	if save && f != nil {
		if f.ErrorCount > 0 && !iv.Skip {
			iv.Refused, status = true, http.StatusUnprocessableEntity
		} else {
			res, err := s.Listen.Ingest(ctx, ws, f.Posts(iv.SourceID))
			if err != nil {
				return err
			}
			iv.Result, iv.BadRows = &res, f.Total-len(f.Rows)
		}
	}
	if r.Header.Get("HX-Request") == "true" {
		// htmx swaps only 2xx answers by default; the errors are content.
		s.render(w, r, http.StatusOK, "listening_sources", map[string]any{"Section": "listening", "Import": iv, "Partial": "import_panel"})
		return nil
	}
	iv.Reselect = iv.Result == nil
	return s.sourcesPage(w, r, p, status, map[string]any{"Import": iv})
}
