package web

import (
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
	schemas := map[string]any{}
	paths := map[string]map[string]any{}
	for _, o := range d.ops {
		item := paths[o.Path]
		if item == nil {
			item = map[string]any{}
			paths[o.Path] = item
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(o.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		status := o.Status
		if status == 0 {
			status = http.StatusOK
		}
		resp := map[string]any{"description": http.StatusText(status)}
		if o.Resp != nil {
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
			operation["security"] = []any{}
			operation["x-public"] = true
		}
		if len(params) > 0 {
			operation["parameters"] = params
		}
		if o.Req != nil {
			operation["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(o.Req, schemas)}}}
		}
		item[strings.ToLower(o.Method)] = operation
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "Chorus API", "version": version},
		"servers": []any{map[string]any{"url": "/api/v1"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

func operationID(o op) string {
	s := strings.ToLower(o.Method) + pathParam.ReplaceAllString(o.Path, "by_$1")
	return strings.NewReplacer("/", "_", "-", "_").Replace(s)
}

var timeType = reflect.TypeFor[time.Time]()

// schemaOf returns the JSON schema of t, adding named structs to schemas
// and referring to them.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	if t.Kind() == reflect.Pointer {
		s := schemaOf(t.Elem(), schemas)
		if _, isRef := s["$ref"]; isRef {
			return map[string]any{"allOf": []any{s}, "nullable": true}
		}
		s["nullable"] = true
		return s
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
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
		if _, ok := schemas[name]; !ok {
			schemas[name] = map[string]any{} // placeholder against recursion
			schemas[name] = structSchema(t, schemas)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	case reflect.Interface:
		return map[string]any{}
	}
	return map[string]any{}
}

// schemaName names a struct type by package and type, without the
// instantiation brackets of generics.
func schemaName(t reflect.Type) string {
	if t.Name() == "" {
		return ""
	}
	pkg := t.PkgPath()
	pkg = pkg[strings.LastIndex(pkg, "/")+1:]
	name := t.Name()
	if i := strings.Index(name, "["); i >= 0 {
		inner := name[i+1 : len(name)-1]
		inner = inner[strings.LastIndex(inner, "/")+1:]
		pkgName, typeName, _ := strings.Cut(inner, ".")
		name = name[:i] + "Of" + capitalize(pkgName) + typeName
	}
	return capitalize(pkg) + name
}

// capitalize upper-cases the first letter of an ASCII identifier.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func structSchema(t reflect.Type, schemas map[string]any) map[string]any {
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		if n, _, _ := strings.Cut(tag, ","); n != "" {
			name = n
		}
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			inner := structSchema(f.Type, schemas)
			for k, v := range inner["properties"].(map[string]any) {
				props[k] = v
			}
			continue
		}
		props[name] = schemaOf(f.Type, schemas)
	}
	return map[string]any{"type": "object", "properties": props}
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.api.document(s.Version))
}
