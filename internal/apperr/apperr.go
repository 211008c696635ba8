// Package apperr defines the application's error codes and localizable
// messages. Domains return these; each surface (HTML, JSON API, CLI) maps the
// code to its own form in one place and translates the message key at the edge.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Code classifies an error for the edges. Codes are stable strings: the JSON
// API returns them as they are.
type Code string

// The codes. Each surface maps them through one table (web.statusOf).
const (
	Invalid      Code = "invalid"      // input failed validation; see Fields
	NotFound     Code = "not_found"    // the thing does not exist, or not in this workspace
	Conflict     Code = "conflict"     // a unique value is taken, or the state forbids the change
	Unauthorized Code = "unauthorized" // not signed in, or the credentials are wrong
	Forbidden    Code = "forbidden"    // signed in, but the role does not allow it
	TooMany      Code = "too_many"     // throttled; try again later
	NotAllowed   Code = "not_allowed"  // the path takes other methods
	Unavailable  Code = "unavailable"  // a dependency is down
	Internal     Code = "internal"     // a bug or an unexpected failure
)

// FieldError says what is wrong with one input field. Key is a message key of
// the i18n catalog; Args fill its template.
type FieldError struct {
	Field string         `json:"field"`
	Key   string         `json:"key"`
	Args  map[string]any `json:"args,omitempty"`
}

// Error is the application error. Key and Args form a localizable message;
// Err, when set, is the internal cause, logged but never shown to a user.
type Error struct {
	Code   Code
	Key    string
	Args   map[string]any
	Fields []FieldError
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Key)
		if len(f.Args) > 0 {
			fmt.Fprintf(&b, " %v", f.Args)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a message key.
func New(code Code, key string, args map[string]any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Wrap returns an Internal error that keeps err as its cause. what says what
// was being done, for the log.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	return &Error{Code: Internal, Key: "error.internal", Err: fmt.Errorf("%s: %w", what, err)}
}

// NotFoundf returns a NotFound error for a kind of thing ("campaign", "user").
func NotFoundf(kind string) *Error {
	return &Error{Code: NotFound, Key: "error.not_found", Args: map[string]any{"Kind": kind}}
}

// CodeOf returns the code of err, Internal for errors that are not ours, and
// "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return Internal
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Fields collects field errors while a value is validated; Err returns nil
// when nothing was added.
type Fields []FieldError

// MaxFieldErrors bounds the errors one answer lists: a body of a million
// bad items is told of the first ones and that there are more, instead of
// being answered with a million errors.
const MaxFieldErrors = 100

// Bounds of what an error repeats of its input: a field named by a key
// the client sent (an unknown field, a config key) and the value a
// message quotes ("“…” is not allowed"). A 100 KB value was quoted
// whole, in every language, however long.
const (
	maxFieldRunes = 200
	maxValueRunes = 80
)

// clip shortens s to max runes, the cut marked with an ellipsis.
func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

// push appends f, or, past MaxFieldErrors, one error saying so.
func (fs *Fields) push(f FieldError) {
	f.Field = clip(f.Field, maxFieldRunes)
	if v, ok := f.Args["Value"].(string); ok && clip(v, maxValueRunes) != v {
		args := make(map[string]any, len(f.Args))
		for k, a := range f.Args {
			args[k] = a
		}
		args["Value"] = clip(v, maxValueRunes)
		f.Args = args
	}
	switch n := len(*fs); {
	case n < MaxFieldErrors:
		*fs = append(*fs, f)
	case n == MaxFieldErrors:
		*fs = append(*fs, FieldError{Field: "body", Key: "error.too_many_errors", Args: map[string]any{"Max": MaxFieldErrors}})
	}
}

// Add records that field is wrong, with a message key and its arguments
// given as name, value pairs.
func (fs *Fields) Add(field, key string, kv ...any) {
	var args map[string]any
	if len(kv) > 0 {
		args = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	fs.push(FieldError{Field: field, Key: key, Args: args})
}

// Text checks a free-text field: present when required, at most max
// characters (runes, so that Chinese counts as people count it), UTF-8
// and without NUL (PlainText).
func (fs *Fields) Text(field, v string, max int, required bool) {
	switch n := len([]rune(v)); {
	case !PlainText(v):
		fs.Add(field, "error.text_bytes")
	case required && strings.TrimSpace(v) == "":
		fs.Add(field, "error.required")
	case n > max:
		fs.Add(field, "error.too_long", "Max", max)
	}
}

// PlainText reports whether s is text every store keeps as it is: UTF-8,
// without NUL, which PostgreSQL refuses.
func PlainText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// OneOf checks that v is one of allowed.
func (fs *Fields) OneOf(field, v string, allowed []string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	fs.Add(field, "error.one_of", "Value", v, "Allowed", strings.Join(allowed, ", "))
}

// Nest appends the errors of a nested value under a prefix ("personas[2].").
// An error about the nested value as a whole (field "body", as DecodeJSON
// names it) is about the prefix itself: "personas[2]", not
// "personas[2].body".
func (fs *Fields) Nest(prefix string, err error) {
	var ae *Error
	if !errors.As(err, &ae) {
		if err != nil {
			fs.Add(strings.TrimSuffix(prefix, "."), "error.invalid")
		}
		return
	}
	for _, f := range ae.Fields {
		if f.Field == "body" && prefix != "" {
			f.Field = strings.TrimSuffix(prefix, ".")
		} else {
			f.Field = prefix + f.Field
		}
		fs.push(f)
	}
}

// Field returns an Invalid error about one field.
func Field(field, key string, kv ...any) error {
	var fs Fields
	fs.Add(field, key, kv...)
	return fs.Err()
}

// Err returns an Invalid error carrying the fields, or nil.
func (fs Fields) Err() error {
	if len(fs) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Key: "error.invalid", Fields: fs}
}
