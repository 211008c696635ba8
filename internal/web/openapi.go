package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// apiDoc collects the API's operations and renders them as OpenAPI 3.
type apiDoc struct {
	ops []op
}

func newAPIDoc() *apiDoc { return &apiDoc{} }

func (d *apiDoc) add(o op) { d.ops = append(d.ops, o) }

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// document builds the OpenAPI 3.0 document: paths from the registered
// operations, schemas from their Go types.
func (d *apiDoc) document(version string) map[string]any {
	schemas := &schemaSet{defs: map[string]any{}, types: map[string]reflect.Type{}}
	paths := map[string]map[string]any{}
	for _, o := range d.ops {
		item := paths[o.Path]
		if item == nil {
			item = map[string]any{}
			paths[o.Path] = item
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(o.Path, -1) {
			schema := map[string]any{"type": "string"} // a workspace's slug, a platform's key
			if m[1] == "id" {
				schema = map[string]any{"type": "integer", "format": "int64"}
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": schema})
		}
		for _, q := range o.Query {
			p := map[string]any{"name": q.Name, "in": "query", "required": q.Required, "schema": q.schema(schemas)}
			if q.Doc != "" {
				p["description"] = q.Doc
			}
			params = append(params, p)
		}
		status := o.Status
		if status == 0 {
			status = http.StatusOK
		}
		resp := map[string]any{"description": http.StatusText(status)}
		switch {
		case o.Produces != "":
			resp["content"] = map[string]any{o.Produces: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
		case o.Resp != nil:
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(o.Resp, schemas)}}
		}
		operation := map[string]any{
			"summary":     o.Summary,
			"tags":        []string{o.Tag},
			"operationId": operationID(o),
			"responses": map[string]any{
				strconv.Itoa(status): resp,
				"default":            map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[apiError](), schemas)}}},
			},
		}
		if o.Perm != "" {
			operation["x-permission"] = string(o.Perm)
		}
		if o.Public {
			// Anonymous (the key is in the body) or a bearer token.
			operation["security"] = []any{map[string]any{}, map[string]any{"bearer": []any{}}}
			operation["x-public"] = true
		}
		if len(params) > 0 {
			operation["parameters"] = params
		}
		if o.Req != nil {
			operation["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(o.Req, schemas)}}}
		}
		if len(o.Form) > 0 {
			operation["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": formSchema(o.Form, schemas)}}
		}
		item[strings.ToLower(o.Method)] = operation
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "Chorus API", "version": version},
		"servers": []any{map[string]any{"url": "/api/v1"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         schemas.defs,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

func operationID(o op) string {
	s := strings.ToLower(o.Method) + pathParam.ReplaceAllString(o.Path, "by_$1")
	return strings.NewReplacer("/", "_", "-", "_").Replace(s)
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	rawType    = reflect.TypeFor[json.RawMessage]()
	bytesType  = reflect.TypeFor[[]byte]()
	rawDocType = reflect.TypeFor[rawDoc]()
	webPkgPath = reflect.TypeFor[op]().PkgPath()
)

// schemaSet is the named schemas of one document, with the type each
// name stands for, so that two types cannot share a name unseen.
type schemaSet struct {
	defs  map[string]any
	types map[string]reflect.Type
}

// rawDoc is implemented by a request type that keeps fields as raw JSON
// to decode them itself (so that it can name each bad element): it says,
// by JSON name, what such a field holds, and the document shows that.
type rawDoc interface {
	rawFieldTypes() map[string]reflect.Type
}

// schema is the JSON schema of a query parameter.
func (p param) schema(schemas *schemaSet) map[string]any {
	if p.Type == nil {
		return map[string]any{"type": "string"}
	}
	return schemaOf(p.Type, schemas)
}

// formSchema documents a multipart/form-data body: a []byte part is a
// file, a struct part is a JSON document, anything else a plain value.
func formSchema(form []param, schemas *schemaSet) map[string]any {
	props := map[string]any{}
	encoding := map[string]any{}
	var required []string
	for _, f := range form {
		var sch map[string]any
		switch {
		case f.Type == bytesType:
			sch = map[string]any{"type": "string", "format": "binary"}
		case f.Type != nil && (f.Type.Kind() == reflect.Struct || f.Type.Kind() == reflect.Map):
			sch = schemaOf(f.Type, schemas)
			encoding[f.Name] = map[string]any{"contentType": "application/json"}
		default:
			sch = f.schema(schemas)
		}
		props[f.Name] = describe(sch, f.Doc)
		if f.Required {
			required = append(required, f.Name)
		}
	}
	body := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		body["required"] = required
	}
	out := map[string]any{"schema": body}
	if len(encoding) > 0 {
		out["encoding"] = encoding
	}
	return out
}

// describe gives sch the description doc, if any. OpenAPI 3.0 ignores
// the siblings of a $ref, so a reference is wrapped in allOf first.
func describe(sch map[string]any, doc string) map[string]any {
	if doc == "" {
		return sch
	}
	if _, isRef := sch["$ref"]; isRef {
		sch = map[string]any{"allOf": []any{sch}}
	}
	sch["description"] = doc
	return sch
}

// schemaOf returns the JSON schema of t, adding named structs to schemas
// and referring to them.
func schemaOf(t reflect.Type, schemas *schemaSet) map[string]any {
	if t.Kind() == reflect.Pointer {
		s := schemaOf(t.Elem(), schemas)
		if _, isRef := s["$ref"]; isRef {
			return map[string]any{"allOf": []any{s}, "nullable": true}
		}
		s["nullable"] = true
		return s
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawType:
		return map[string]any{"description": "Any JSON value."}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case reflect.Struct:
		name := schemaName(t)
		if name == "" {
			return structSchema(t, schemas)
		}
		if prev, ok := schemas.types[name]; ok && prev != t {
			panic("openapi: schema " + name + " would name both " + prev.String() + " and " + t.String())
		}
		if _, ok := schemas.defs[name]; !ok {
			schemas.types[name] = t
			schemas.defs[name] = map[string]any{} // placeholder against recursion
			schemas.defs[name] = structSchema(t, schemas)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	case reflect.Interface:
		return map[string]any{}
	}
	return map[string]any{}
}

// schemaName names a struct type for the document: the package and the
// type ("ListenMention"), without a stutter ("Campaign", not
// "CampaignCampaign"); the web package's own request and response types
// by their name alone ("WebhookRequest"); a list of T as T's name and
// "List" ("ListenMentionList").
func schemaName(t reflect.Type) string {
	if t.Name() == "" {
		return ""
	}
	return typeName(t.PkgPath(), t.Name())
}

func typeName(pkgPath, name string) string {
	if base, arg, generic := strings.Cut(name, "["); generic {
		arg = strings.TrimLeft(strings.TrimSuffix(arg, "]"), "*")
		i := strings.LastIndex(arg, ".")
		if i < 0 {
			return capitalize(arg) + capitalize(base)
		}
		return typeName(arg[:i], arg[i+1:]) + capitalize(base)
	}
	if pkgPath == webPkgPath {
		for _, in := range []string{"api", "kpi", "url", "utm"} {
			if rest, ok := strings.CutPrefix(name, in); ok && (rest == "" || rest[0] >= 'A' && rest[0] <= 'Z') {
				return strings.ToUpper(in) + rest
			}
		}
		return capitalize(name)
	}
	name = capitalize(name)
	pkg := capitalize(pkgPath[strings.LastIndex(pkgPath, "/")+1:])
	if strings.HasPrefix(name, pkg) {
		return name
	}
	return pkg + name
}

// capitalize upper-cases the first letter of an ASCII identifier.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func structSchema(t reflect.Type, schemas *schemaSet) map[string]any {
	props := map[string]any{}
	var raw map[string]reflect.Type
	if t.Implements(rawDocType) {
		raw = reflect.Zero(t).Interface().(rawDoc).rawFieldTypes()
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		// encoding/json promotes the fields of an embedded struct, of
		// an unexported type too.
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			inner := structSchema(f.Type, schemas)
			for k, v := range inner["properties"].(map[string]any) {
				props[k] = v
			}
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name := f.Name
		if n, _, _ := strings.Cut(tag, ","); n != "" {
			name = n
		}
		ft := f.Type
		if rt, ok := raw[name]; ok {
			ft = rt
		}
		props[name] = describe(schemaOf(ft, schemas), f.Tag.Get("doc"))
	}
	return map[string]any{"type": "object", "properties": props}
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.api.document(s.Version))
}
