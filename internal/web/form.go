package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// field describes one input of a form. Forms carry values as JSON paths
// ("gender.female"), so one decoder turns any form into its domain type by
// way of JSON, the same shape the API accepts.
type field struct {
	Name     string   // JSON path, dotted
	Type     string   // text, email, password, textarea, number, select, multi, list, pairs
	Options  []string // for select and multi
	Required bool
	// OptionPrefix is the catalog prefix of option labels ("option.age_band.").
	OptionPrefix string
	// PairKey and PairValue name the JSON keys of a pairs field's objects
	// ("platform", "share"); PairNumber says the value is a number.
	PairKey, PairValue string
	PairNumber         bool
	// Number says what a number field holds, and so what may be typed in it.
	Number numberKind
	// Autocomplete is the input's autocomplete token ("username",
	// "new-password"), so that a browser offers to keep what is typed.
	Autocomplete string
}

// Money says the field holds an amount of money.
func (f field) Money() bool { return f.Number == moneyNumber }

// formToJSON builds the JSON object that a form's values describe. Numbers
// that do not parse and malformed pair lines are field errors; the object
// is built without them all the same, so that the rest of the form can be
// checked too (see withFormErrors).
func formToJSON(fields []field, form url.Values) ([]byte, error) {
	var fs apperr.Fields
	root := map[string]any{}
	for _, f := range fields {
		raw := strings.TrimSpace(form.Get(f.Name))
		var v any
		switch f.Type {
		case "number":
			if raw == "" {
				v = 0
				break
			}
			n, bad := readNumber(raw, f.Number, false)
			if bad != "" {
				fs.Add(f.Name, bad)
				continue
			}
			v = n
		case "multi":
			v = nonEmpty(form[f.Name])
		case "list":
			v = lines(raw)
		case "pairs":
			pairs, ok := parsePairs(f, raw)
			if !ok {
				fs.Add(f.Name, "error.pairs_format")
				continue
			}
			v = pairs
		default:
			v = raw
		}
		setPath(root, f.Name, v)
	}
	body, err := json.Marshal(root)
	if err != nil {
		return nil, err
	}
	return body, fs.Err()
}

// numberKind is what a number field holds. Counts and money take the
// amounts Chinese teams type ("5万", "1.2万", "3亿", "5w", "20k"); money
// also a currency sign before or 元 after ("¥5000", "5万元"). Plain
// numbers — hours, shares, posts a week — take neither: "40万" hours or a
// share of "5k" is a slip, not a shorthand.
type numberKind int

const (
	plainNumber numberKind = iota
	countNumber
	moneyNumber
)

// maxNumberInput bounds what is read as a number: the largest amount with
// separators and decimals is far shorter.
const maxNumberInput = 40

// numberUnits are the units a count or an amount may end in, as powers
// of ten.
var numberUnits = map[rune]int{'万': 4, 'w': 4, 'W': 4, '亿': 8, 'k': 3, 'K': 3}

// readNumber reads a number as people type it into a field of kind k:
// "12,000", "５０００", "5%" (a fraction, when percent), and for counts and
// money the units and signs of numberKind. It returns the error key of a
// refusal, "" when it reads. Empty is 0. A plain number reads as
// strconv.ParseFloat reads it once the separators are gone, as before
// units were accepted; a number with a unit or currency sign is digits
// and one point, never negative.
func readNumber(raw string, k numberKind, percent bool) (float64, string) {
	bad := numberErrors[k]
	if percent {
		bad = "error.number_percent"
	}
	if len(raw) > maxNumberInput {
		return 0, bad
	}
	// Full-width digits and marks, as Chinese input methods type them,
	// read as ASCII.
	s := strings.ReplaceAll(strings.TrimSpace(width.Narrow.String(raw)), ",", "")
	if s == "" {
		return 0, ""
	}
	if p, ok := strings.CutSuffix(s, "%"); ok && percent {
		n, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, bad
		}
		return n / 100, ""
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, bad
		}
		return n, ""
	}
	if k == plainNumber {
		return 0, bad
	}
	digits, neg := strings.CutPrefix(s, "-")
	if k == moneyNumber {
		for _, sign := range []string{"¥", "$"} {
			if rest, ok := strings.CutPrefix(digits, sign); ok {
				digits = rest
				break
			}
		}
		digits = strings.TrimSuffix(digits, "元")
	}
	digits, exp := strings.TrimSpace(digits), 0
	if r, size := utf8.DecodeLastRuneInString(digits); numberUnits[r] != 0 {
		exp, digits = numberUnits[r], strings.TrimSpace(digits[:len(digits)-size])
	}
	if !plainDecimal.MatchString(digits) {
		return 0, bad
	}
	if neg {
		return 0, "error.negative"
	}
	// The unit moves the point, so that 1.1万 is 11000, not 11000.000000000002.
	n, err := strconv.ParseFloat(digits+"e"+strconv.Itoa(exp), 64)
	if err != nil {
		return 0, bad
	}
	return n, ""
}

// plainDecimal is what may stand before a unit or after a currency sign.
var plainDecimal = regexp.MustCompile(`^(\d+(\.\d*)?|\.\d+)$`)

// numberErrors are the refusals of each kind, saying what it takes.
var numberErrors = map[numberKind]string{
	plainNumber: "error.number_plain", countNumber: "error.number_count", moneyNumber: "error.number_money",
}

// withFormErrors joins the errors of a form's values that do not parse
// (formErr) and what the domain's check says of the rest (checkErr), so
// that one post tells every mistake. What the check says of a field the
// form already refused is left out: it checked the field left empty.
func withFormErrors(formErr, checkErr error) error {
	var fe, ce *apperr.Error
	if !errors.As(formErr, &fe) || !errors.As(checkErr, &ce) || ce.Code != apperr.Invalid {
		return formErr
	}
	refused := map[string]bool{}
	for _, f := range fe.Fields {
		refused[f.Field] = true
	}
	fs := append(apperr.Fields{}, fe.Fields...)
	for _, f := range ce.Fields {
		if !refused[f.Field] {
			fs = append(fs, f)
		}
	}
	return fs.Err()
}

func nonEmpty(vs []string) []string {
	out := []string{}
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	return nonEmpty(strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n"))
}

// parsePairs reads lines of "key value" (a space, a colon or a full-width
// colon between) into objects.
func parsePairs(f field, raw string) ([]map[string]any, bool) {
	out := []map[string]any{}
	for _, line := range lines(raw) {
		line = strings.NewReplacer("：", " ", ":", " ", "\t", " ").Replace(line)
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		v = strings.TrimSuffix(strings.TrimSpace(v), "%")
		if !ok || k == "" || v == "" {
			return nil, false
		}
		item := map[string]any{f.PairKey: k}
		if f.PairNumber {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, false
			}
			item[f.PairValue] = n
		} else {
			item[f.PairValue] = v
		}
		out = append(out, item)
	}
	return out, true
}

func setPath(root map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	m := root
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

func getPath(root map[string]any, path string) any {
	var cur any = root
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// formValues renders a value of a domain type as the strings its form
// shows, keyed by field name.
func formValues(fields []field, v any) map[string]any {
	b, _ := json.Marshal(v)
	var root map[string]any
	_ = json.Unmarshal(b, &root)
	out := map[string]any{}
	for _, f := range fields {
		val := getPath(root, f.Name)
		switch f.Type {
		case "multi":
			set := map[string]bool{}
			for _, x := range asSlice(val) {
				set[fmt.Sprint(x)] = true
			}
			out[f.Name] = set
		case "list":
			var ss []string
			for _, x := range asSlice(val) {
				ss = append(ss, fmt.Sprint(x))
			}
			out[f.Name] = strings.Join(ss, "\n")
		case "pairs":
			var ss []string
			for _, x := range asSlice(val) {
				m, _ := x.(map[string]any)
				ss = append(ss, fmt.Sprintf("%v %v", m[f.PairKey], m[f.PairValue]))
			}
			out[f.Name] = strings.Join(ss, "\n")
		case "number":
			if n, ok := val.(float64); ok {
				out[f.Name] = strconv.FormatFloat(n, 'f', -1, 64)
			} else {
				out[f.Name] = ""
			}
		default:
			if val == nil {
				out[f.Name] = ""
			} else {
				out[f.Name] = fmt.Sprint(val)
			}
		}
	}
	return out
}

// rawFormValues keeps what the user typed, to show it again beside errors.
func rawFormValues(fields []field, form url.Values) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		if f.Type == "multi" {
			set := map[string]bool{}
			for _, x := range form[f.Name] {
				set[x] = true
			}
			out[f.Name] = set
			continue
		}
		out[f.Name] = form.Get(f.Name)
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// fieldErrors indexes an error's field errors by field, for the form.
func fieldErrors(err error) map[string][]apperr.FieldError {
	out := map[string][]apperr.FieldError{}
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return out
	}
	for _, f := range ae.Fields {
		name := f.Field
		if i := strings.Index(name, "["); i > 0 {
			name = name[:i]
		}
		out[name] = append(out[name], f)
	}
	return out
}
