package platform

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// MaxPatchBytes bounds an override, which comes from a user.
const MaxPatchBytes = 64 << 10

// Apply returns base with patch applied as a JSON merge patch (RFC 7386)
// over the platform's JSON object: members replace, nested objects merge,
// null removes (sets the field to its zero value), arrays replace whole.
//
// The patch must be a JSON object and must not change the key. The result
// is checked exactly like the catalog file: an unknown field, a value of the
// wrong type or a platform that no longer validates returns apperr.Invalid
// with one FieldError per problem, named by JSON path
// ("audience.age.18-24", "peak_hours.weekday"). base is not modified.
func Apply(base Platform, patch json.RawMessage) (Platform, error) {
	p, err := decodePatch(patch)
	if err != nil {
		return Platform{}, err
	}
	return applyPatch(base, p)
}

func applyPatch(base Platform, patch map[string]any) (Platform, error) {
	var fs apperr.Fields
	if k, ok := patch["key"]; ok && k != base.Key {
		fs.Add("key", "error.immutable")
	}
	doc, err := toValue(base)
	if err != nil {
		return Platform{}, err
	}
	merged := mergePatch(doc, patch)
	checkShape(&fs, "", merged, reflect.TypeFor[Platform]())
	if err := fs.Err(); err != nil {
		return Platform{}, err
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return Platform{}, apperr.Wrap(err, "encode patched platform")
	}
	var out Platform
	if err := json.Unmarshal(b, &out); err != nil {
		// checkShape accepts only what decodes; reaching here is a bug.
		return Platform{}, apperr.Wrap(err, "decode patched platform")
	}
	if err := out.Validate(); err != nil {
		return Platform{}, err
	}
	return out, nil
}

// decodePatch parses an override: a JSON object of bounded size.
func decodePatch(patch json.RawMessage) (map[string]any, error) {
	var fs apperr.Fields
	if len(patch) > MaxPatchBytes {
		fs.Add("patch", "error.too_long", "Max", MaxPatchBytes)
		return nil, fs.Err()
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(patch))
	if err := dec.Decode(&v); err != nil || dec.More() {
		fs.Add("patch", "error.json")
		return nil, fs.Err()
	}
	m, ok := v.(map[string]any)
	if !ok {
		fs.Add("patch", "error.patch_object")
		return nil, fs.Err()
	}
	return m, nil
}

func toValue(p Platform) (map[string]any, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, apperr.Wrap(err, "encode platform")
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, apperr.Wrap(err, "decode platform")
	}
	return m, nil
}

// mergePatch is RFC 7386 MergePatch(target, patch).
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// composePatches returns one patch that has the effect of first, then
// second, for a workspace that corrects one field after another. Objects
// merge member by member and the later value wins, null included. The one
// case a merge patch cannot express exactly is an object after a null at the
// same path (remove, then set some members): the composed patch merges those
// members into the catalog's value instead of an empty one.
func composePatches(first, second map[string]any) map[string]any {
	out := make(map[string]any, len(first)+len(second))
	for k, v := range first {
		out[k] = v
	}
	for k, v := range second {
		a, aok := out[k].(map[string]any)
		b, bok := v.(map[string]any)
		if aok && bok {
			out[k] = composePatches(a, b)
			continue
		}
		out[k] = v
	}
	return out
}

// patchPaths lists the JSON paths a patch sets or removes, sorted: objects
// are walked, anything else (a value, an array, null) is one path.
func patchPaths(patch map[string]any) []string {
	paths := []string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			paths = append(paths, prefix+k)
		}
	}
	walk("", patch)
	slices.Sort(paths)
	return paths
}

// checkShape compares a decoded JSON value with the Go type it must decode
// into, reporting unknown fields and wrong types by full JSON path, which
// encoding/json's own errors do not give. null is accepted anywhere: it
// decodes to the zero value, which Validate then judges.
func checkShape(fs *apperr.Fields, path string, v any, t reflect.Type) {
	if v == nil {
		return
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[Text]() {
		switch v.(type) {
		case string:
			return // English only (Text.UnmarshalJSON)
		case map[string]any: // by locale, checked as a struct
		default:
			fs.Add(path, "error.json_type", "Want", apperr.WantText)
			return
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			fs.Add(path, "error.json_type", "Want", apperr.WantObject)
			return
		}
		fields := jsonFields(t)
		for _, k := range sortedKeys(m) {
			f, ok := fields[k]
			if !ok {
				fs.Add(join(path, k), "error.unknown_field", "Value", k)
				continue
			}
			checkShape(fs, join(path, k), m[k], f)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			fs.Add(path, "error.json_type", "Want", apperr.WantObject)
			return
		}
		for _, k := range sortedKeys(m) {
			checkShape(fs, join(path, k), m[k], t.Elem())
		}
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			fs.Add(path, "error.json_type", "Want", apperr.WantList)
			return
		}
		for i, e := range a {
			checkShape(fs, path+"["+strconv.Itoa(i)+"]", e, t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			fs.Add(path, "error.json_type", "Want", apperr.WantText)
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(float64); !ok {
			fs.Add(path, "error.json_type", "Want", apperr.WantNumber)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(float64)
		if !ok || n != math.Trunc(n) || math.Abs(n) > math.MaxInt32 {
			fs.Add(path, "error.json_type", "Want", apperr.WantInteger)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			fs.Add(path, "error.json_type", "Want", apperr.WantBoolean)
		}
	}
}

// jsonFields maps a struct's JSON member names to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
