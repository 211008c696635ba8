package web

import (
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/campaign"
)

// ---------- strategy forms ----------

// sfield is one input of a strategy form: a generic field, plus what plans
// need beyond it — dates, options labelled with names, ids.
type sfield struct {
	field
	// Choices label the options of a select or multi with names, such as
	// personas; without them, Options are labelled by OptionPrefix.
	Choices []choice
	// Int marks a select or multi of ids: "" is 0, values are integers.
	Int bool
	// Optional marks a number that may be left empty (JSON null).
	Optional bool
	// Percent lets a number be typed as "5%", meaning 0.05.
	Percent bool
}

// choice is one labelled option.
type choice struct{ Value, Label string }

// sf builds an sfield; a number field's kind is that of its name in
// strategyNumbers.
func sf(name, typ string) sfield {
	f := sfield{field: field{Name: name, Type: typ}}
	if typ == "number" {
		f.Number = strategyNumbers[name]
	}
	return f
}

// strategyNumbers are the kinds of the strategy forms' numbers: budgets
// and budget lines are money; KPI targets and baselines are counts (or
// percentages, by sfield.Percent) — a target of 5万 clicks, never ¥5万.
// Hours and shares, read apart, stay plain.
var strategyNumbers = map[string]numberKind{
	"budget": moneyNumber, "planned": moneyNumber, "committed": moneyNumber, "spent": moneyNumber,
	"value": countNumber, "baseline": countNumber,
}

// strategyForm is what the strategy_fields partial needs.
type strategyForm struct {
	ID     string // prefix of the inputs' ids: "<ID>-<name>"
	Kind   string // labels are field.<Kind>.<name>
	Fields []sfield
	Values map[string]any
	Errors map[string][]apperr.FieldError
	// Other are translated errors on what the form does not show.
	Other []string
}

func baseFields(fields []sfield) []field {
	out := make([]field, len(fields))
	for i, f := range fields {
		out[i] = f.field
		if f.Type == "shares" {
			out[i] = field{Name: f.Name, Type: "pairs", PairKey: "name", PairValue: "share", PairNumber: true}
		}
	}
	return out
}

// strategyValues renders v as the strings its form shows.
func strategyValues(fields []sfield, v any) map[string]any {
	out := formValues(baseFields(fields), v)
	for _, f := range fields {
		if f.Type == "select" && f.Int && out[f.Name] == "0" {
			out[f.Name] = ""
		}
	}
	return out
}

// strategyJSON builds the JSON object a strategy form's values describe.
// Values that do not parse are field errors; the object is built without
// them all the same, so that the rest of the form can be checked too (see
// saveOrCheck).
func strategyJSON(fields []sfield, form url.Values) ([]byte, error) {
	var fs apperr.Fields
	var plain []field
	extra := map[string]any{}
	for _, f := range fields {
		raw := strings.TrimSpace(form.Get(f.Name))
		switch {
		case f.Type == "multi" && f.Int:
			ids := []int64{}
			for _, v := range nonEmpty(form[f.Name]) {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					fs.Add(f.Name, "error.number")
					break
				}
				ids = append(ids, n)
			}
			extra[f.Name] = ids
		case f.Type == "select" && f.Int:
			var n int64
			if raw != "" {
				var err error
				if n, err = strconv.ParseInt(raw, 10, 64); err != nil {
					fs.Add(f.Name, "error.number")
					continue
				}
			}
			extra[f.Name] = n
		case f.Type == "number":
			if raw == "" && f.Optional {
				continue
			}
			n, bad := readNumber(raw, f.Number, f.Percent)
			if bad != "" {
				fs.Add(f.Name, bad)
				continue
			}
			extra[f.Name] = n
		case f.Type == "shares":
			shares, ok := parseShares(raw)
			if !ok {
				fs.Add(f.Name, "error.pairs_format")
				continue
			}
			extra[f.Name] = shares
		default:
			plain = append(plain, f.field)
		}
	}
	body, err := formToJSON(plain, form)
	var ae *apperr.Error
	if errors.As(err, &ae) {
		fs = append(fs, ae.Fields...)
	} else if err != nil {
		return nil, err
	}
	root := map[string]any{}
	if err := json.Unmarshal(body, &root); err != nil {
		return nil, err
	}
	for k, v := range extra {
		setPath(root, k, v)
	}
	if body, err = json.Marshal(root); err != nil {
		return nil, err
	}
	return body, fs.Err()
}

// saveOrCheck runs save on the campaign service when every value of the
// form parsed (formErr is nil). Otherwise it runs save on a dry run of the
// service, which checks the rest of the form and stores nothing, and
// joins what that says to formErr (withFormErrors): one post tells every
// mistake. coll is the collection whose item the form edits ("phases"), as
// in newStrategyForm: the check's errors on that item are named by the
// item's own fields, as the form's are.
func (s *Server) saveOrCheck(coll string, formErr error, save func(svc *campaign.Service) error) error {
	if formErr == nil {
		return save(s.Campaigns)
	}
	checkErr := save(s.Campaigns.DryRun())
	var ae *apperr.Error
	if coll != "" && errors.As(checkErr, &ae) {
		out := *ae
		out.Fields = slices.Clone(ae.Fields)
		for i, fe := range out.Fields {
			if m := indexedPath.FindStringSubmatch(fe.Field); m != nil && m[1] == coll && m[3] != "" {
				out.Fields[i].Field = m[3]
			}
		}
		checkErr = &out
	}
	return withFormErrors(formErr, checkErr)
}

// parseNumber reads a plain number as people type it: "12,000", "5%" (a
// fraction, when percent is allowed). Empty is 0.
func parseNumber(raw string, percent bool) (float64, bool) {
	n, bad := readNumber(raw, plainNumber, percent)
	return n, bad == ""
}

// parseShares reads lines of "name share": the share is after the last
// space or colon, so names may contain spaces.
func parseShares(raw string) ([]map[string]any, bool) {
	out := []map[string]any{}
	for _, line := range lines(raw) {
		line = strings.TrimSpace(line)
		i := strings.LastIndexAny(line, " \t:：")
		if i <= 0 {
			return nil, false
		}
		_, size := utf8DecodeAt(line, i)
		name := strings.TrimRight(strings.TrimSpace(line[:i]), ":：")
		v := strings.TrimSuffix(strings.TrimSpace(line[i+size:]), "%")
		n, err := strconv.ParseFloat(v, 64)
		if name == "" || err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, false
		}
		out = append(out, map[string]any{"name": strings.TrimSpace(name), "share": n})
	}
	return out, true
}

func utf8DecodeAt(s string, i int) (rune, int) {
	for _, r := range s[i:] {
		return r, len(string(r))
	}
	return 0, 0
}

var indexedPath = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](?:\.(.+))?$`)

// collKinds are the collections of a campaign as error paths name them,
// with the form kind that labels their fields.
var collKinds = map[string]string{
	"phases": "phase", "targets": "target", "budget_lines": "budget_line",
	"mix": "mix", "hours": "hours", "pillars": "pillar",
	"product_ids": "campaign", "persona_ids": "campaign",
}

// errLabel names the place of a field error for the top of a form:
// "Phase 2 · Start".
func (l lang) errLabel(kind, path string) string {
	if m := indexedPath.FindStringSubmatch(path); m != nil {
		k, ok := collKinds[m[1]]
		if ok && k == "campaign" {
			return l.Or("field.campaign."+m[1], m[1])
		}
		if ok {
			n, _ := strconv.Atoi(m[2])
			label := l.T("strategy.item."+k, "N", n+1)
			if m[3] != "" {
				label += " · " + l.Or("field."+k+"."+m[3], m[3])
			}
			return label
		}
	}
	return l.Or("field."+kind+"."+path, path)
}

// newStrategyForm places err's field errors at the form's fields. coll
// names the collection the form edits ("phases"): an error under any of
// its items belongs to this form's item, since only it changed.
func newStrategyForm(l lang, id, kind, coll string, fields []sfield, values map[string]any, err error) strategyForm {
	f := strategyForm{ID: id, Kind: kind, Fields: fields, Values: values, Errors: map[string][]apperr.FieldError{}}
	var ae *apperr.Error
	if err == nil || !errors.As(err, &ae) {
		return f
	}
	if len(ae.Fields) == 0 {
		f.Other = append(f.Other, l.s.cat.T(l.loc, ae.Key, ae.Args))
		return f
	}
	for _, fe := range ae.Fields {
		path := fe.Field
		if m := indexedPath.FindStringSubmatch(path); coll != "" && m != nil && m[1] == coll && m[3] != "" {
			path = m[3]
		}
		if name := matchField(fields, path); name != "" {
			f.Errors[name] = append(f.Errors[name], fe)
			continue
		}
		f.Other = append(f.Other, l.errLabel(kind, fe.Field)+": "+l.s.cat.T(l.loc, fe.Key, fe.Args))
	}
	return f
}

// matchField returns the field an error path points into: "pillars[1].share"
// is the pillars field.
func matchField(fields []sfield, path string) string {
	for _, f := range fields {
		if path == f.Name || strings.HasPrefix(path, f.Name+"[") || strings.HasPrefix(path, f.Name+".") {
			return f.Name
		}
	}
	return ""
}
