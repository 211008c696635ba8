package apperr

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The types a JSON value may be wanted as, in the words of the catalog's
// error.json_type: people who write JSON by hand know these, not Go's.
const (
	WantObject   = "object"
	WantList     = "list"
	WantInteger  = "integer"  // a whole number
	WantNumber   = "number"   // any finite number
	WantText     = "text"     // a JSON string
	WantBoolean  = "boolean"  // true or false
	WantDateTime = "datetime" // an RFC 3339 string
)

// DecodeJSON decodes data, which must hold exactly one JSON value, into v
// (a pointer), refusing object keys that v does not have. When data does
// not fit, it returns Invalid with one field error that says where and
// why, in words a user can act on and never in Go's: the field is a JSON
// path ("mix[2].share", "body" for the whole value) and the key one of
// error.json_empty, error.json_syntax (Offset: the 1-based byte position
// where reading failed), error.json_type (Want: one of the Want
// constants), error.json_unknown_field or, for a value refused for
// another reason, error.invalid. A v that cannot be decoded into is a bug:
// an Internal error.
func DecodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return Field("body", "error.json_empty")
	}
	// Text that PostgreSQL cannot store is refused here, whatever field
	// it is in: bytes that are not UTF-8 (Go would store U+FFFD instead)
	// and NUL characters.
	if !utf8.Valid(data) || bytes.Contains(data, []byte(`\u0000`)) {
		return Field("body", "error.text_bytes")
	}
	// A whole body of null would decode as nothing at all: a PUT of it
	// would replace a document with an empty one, or a list with none.
	if string(bytes.TrimSpace(data)) == "null" {
		if want := nullWant(v); want != "" {
			return Field("body", "error.json_type", "Want", want)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		off := dec.InputOffset()
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			return Field("body", "error.json_syntax", "Offset", off+int64(skipSpace(data[off:]))+1)
		}
		return nil
	}
	var synErr *json.SyntaxError
	var invErr *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &synErr):
		return Field("body", "error.json_syntax", "Offset", synErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Field("body", "error.json_syntax", "Offset", len(data))
	case errors.As(err, &invErr):
		return Wrap(err, "decode JSON")
	}
	// A value of the wrong type, a key v lacks, or a value a type's own
	// decoder refused (time.Time's): find which part of data it is.
	path, t, unknown := locate(data, reflect.TypeOf(v).Elem(), "")
	if path == "" {
		path = "body"
	}
	if unknown {
		return Field(path, "error.json_unknown_field")
	}
	if want := wantOf(t); want != "" {
		return Field(path, "error.json_type", "Want", want)
	}
	return Field(path, "error.invalid")
}

// nullWant names what v (a pointer) wants in place of a null; "" when
// null is a value v can hold (a pointer, an interface, raw JSON).
func nullWant(v any) string {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return ""
	}
	t = t.Elem()
	switch {
	case t == rawMessageType, t.Kind() == reflect.Pointer, t.Kind() == reflect.Interface:
		return ""
	}
	return wantOf(t)
}

func skipSpace(b []byte) int { return len(b) - len(bytes.TrimLeft(b, " \t\r\n")) }

var (
	timeType        = reflect.TypeFor[time.Time]()
	numberType      = reflect.TypeFor[json.Number]()
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// wantOf names what a value of t looks like in JSON; "" when it has no
// plain name.
func wantOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return WantDateTime
	case numberType:
		return WantNumber
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return WantObject
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(unmarshalerType) {
			return WantText // base64
		}
		return WantList
	case reflect.Array:
		return WantList
	case reflect.String:
		return WantText
	case reflect.Bool:
		return WantBoolean
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return WantInteger
	case reflect.Float32, reflect.Float64:
		return WantNumber
	}
	return ""
}

// locate finds the innermost part of data that does not decode into t:
// its JSON path under prefix, the type wanted there, and whether it is an
// object key that t does not have. It decodes the parts one by one, in
// the order they appear, so it names the first bad part a reader sees.
func locate(data []byte, t reflect.Type, prefix string) (path string, want reflect.Type, unknown bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) { // time.Time too
		return prefix, t, false
	}
	switch t.Kind() {
	case reflect.Struct:
		members, ok := objectMembers(data)
		if !ok {
			return prefix, t, false
		}
		fields := jsonFields(t)
		for _, m := range members {
			ft, ok := fieldType(fields, m.key)
			if !ok {
				return join(prefix, m.key), nil, true
			}
			if !decodes(m.value, ft) {
				return locate(m.value, ft, join(prefix, m.key))
			}
		}
	case reflect.Map:
		members, ok := objectMembers(data)
		if !ok {
			return prefix, t, false
		}
		for _, m := range members {
			if !decodes(m.value, t.Elem()) {
				return locate(m.value, t.Elem(), join(prefix, m.key))
			}
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return prefix, t, false
		}
		var items []json.RawMessage
		if json.Unmarshal(data, &items) != nil {
			return prefix, t, false
		}
		for i, item := range items {
			if !decodes(item, t.Elem()) {
				return locate(item, t.Elem(), prefix+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	return prefix, t, false
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// decodes reports whether data decodes into a new t as DecodeJSON would.
func decodes(data []byte, t reflect.Type) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(reflect.New(t).Interface()) == nil
}

type member struct {
	key   string
	value json.RawMessage
}

// objectMembers splits a JSON object into its members in their order;
// false when data is not an object.
func objectMembers(data []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out, false
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return out, false
		}
		out = append(out, member{key, value})
	}
	return out, true
}

// jsonFields maps the JSON names of a struct's fields, with those of
// embedded structs, to their types, as encoding/json sees them.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// fieldType finds a key's field: by exact name, else ignoring case, as
// encoding/json matches.
func fieldType(fields map[string]reflect.Type, key string) (reflect.Type, bool) {
	if t, ok := fields[key]; ok {
		return t, true
	}
	for name, t := range fields {
		if strings.EqualFold(name, key) {
			return t, true
		}
	}
	return nil, false
}
