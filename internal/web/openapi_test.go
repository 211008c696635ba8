package web

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestOpenAPIDocumentsValues checks that the document names every value a
// word-valued answer field can take, so that a new value cannot be added
// without the document saying so.
func TestOpenAPIDocumentsValues(t *testing.T) {
	d := newAPIDoc()
	d.add(op{Method: "GET", Path: "/sources", Resp: reflect.TypeFor[sourceResp]()})
	d.add(op{Method: "GET", Path: "/alerts", Resp: reflect.TypeFor[alertView]()})
	d.add(op{Method: "GET", Path: "/links", Resp: reflect.TypeFor[linkResp]()})
	doc := d.document("test")
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	desc := func(schema, field string) string {
		props := schemas[schema].(map[string]any)["properties"].(map[string]any)
		s, _ := props[field].(map[string]any)["description"].(string)
		return s
	}
	for _, c := range []struct {
		schema, field string
		values        []string
	}{
		{"SourceResp", "status", sourceStatuses},
		{"FieldError", "field", []string{"mentions[3]", "body"}},
		{"DeliveryView", "state", []string{alert.StateOK, alert.StatePending, alert.StateFailed, alert.StateRefused}},
		{"DeliveryView", "channel", notify.Kinds},
		{"LinkResp", "state", []string{"active", "disabled", "expired"}},
	} {
		d := desc(c.schema, c.field)
		for _, v := range c.values {
			if !strings.Contains(d, v) {
				t.Errorf("%s.%s: description %q does not name %q", c.schema, c.field, d, v)
			}
		}
	}
}

// TestAnswersMatchOpenAPI calls every GET operation of a seeded workspace,
// and a refused write, and checks each answer against the schema the
// document gives it: every field documented with its type, null only
// where the document says nullable.
func TestAnswersMatchOpenAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		owner := h.tenant("alpha", account.Owner)
		ids := seed(t, h, owner.ws.ID)
		doc := h.srv.api.document("test")
		v := schemaCheck{schemas: doc["components"].(map[string]any)["schemas"].(map[string]any)}
		paths := doc["paths"].(map[string]map[string]any)
		// answer checks body against what the document says operation o
		// answers with status.
		answer := func(o op, path string, status int, body map[string]any) {
			responses := paths[o.Path][strings.ToLower(o.Method)].(map[string]any)["responses"].(map[string]any)
			r, ok := responses[fmt.Sprint(status)].(map[string]any)
			if !ok {
				r = responses["default"].(map[string]any)
			}
			content, _ := r["content"].(map[string]any)
			json, _ := content["application/json"].(map[string]any)
			if json == nil {
				t.Errorf("%s %s: status %d has no JSON schema", o.Method, path, status)
				return
			}
			for _, p := range v.check(body, json["schema"].(map[string]any), o.Method+" "+path) {
				t.Error(p)
			}
		}
		walked := 0
		for _, o := range h.srv.api.ops {
			if o.Method != "GET" || !strings.Contains(o.Path, "{ws}") || o.Produces != "" {
				continue
			}
			path := fillPath(o.Path, "alpha", ids, 0)
			if strings.HasSuffix(o.Path, "/fit") {
				path += fmt.Sprintf("?persona=%d&objective=sales", ids["personas"])
			}
			if strings.HasSuffix(o.Path, "/funnel") {
				path += "?by=channel"
			}
			status, body := h.api("GET", path, owner.token, nil)
			if status != http.StatusOK {
				t.Errorf("GET %s: status %d: %v", path, status, body)
				continue
			}
			walked++
			answer(o, path, status, body)
		}
		if walked < 30 {
			t.Errorf("checked %d answers; the API has more", walked)
		}
		push := op{Method: "POST", Path: "/workspaces/{ws}/mentions"}
		status, body := h.api(push.Method, "/workspaces/alpha/mentions", owner.token, map[string]any{"mentions": []any{map[string]any{}, 5}})
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("bad batch: status %d: %v", status, body)
		}
		answer(push, "/workspaces/alpha/mentions", status, body)
	})
}

// schemaCheck validates a decoded JSON answer against the document's
// schemas.
type schemaCheck struct{ schemas map[string]any }

// resolve follows $ref and allOf to the schema they stand for, keeping
// nullable.
func (c schemaCheck) resolve(s map[string]any) map[string]any {
	nullable, _ := s["nullable"].(bool)
	for {
		if all, ok := s["allOf"].([]any); ok {
			s = all[0].(map[string]any)
			continue
		}
		if ref, ok := s["$ref"].(string); ok {
			s = c.schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
			continue
		}
		break
	}
	if nullable {
		s = maps.Clone(s)
		s["nullable"] = true
	}
	return s
}

func (c schemaCheck) check(v any, s map[string]any, at string) []string {
	s = c.resolve(s)
	typ, _ := s["type"].(string)
	if v == nil {
		if nullable, _ := s["nullable"].(bool); !nullable && typ != "" {
			return []string{at + ": null, documented as not nullable " + typ}
		}
		return nil
	}
	var bad []string
	switch typ {
	case "":
		return nil
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			break
		}
		props, _ := s["properties"].(map[string]any)
		extra, _ := s["additionalProperties"].(map[string]any)
		for k, x := range obj {
			switch p, ok := props[k].(map[string]any); {
			case ok:
				bad = append(bad, c.check(x, p, at+"."+k)...)
			case extra != nil:
				bad = append(bad, c.check(x, extra, at+"["+k+"]")...)
			default:
				bad = append(bad, at+": undocumented field "+k)
			}
		}
		return bad
	case "array":
		list, ok := v.([]any)
		if !ok {
			break
		}
		for i, x := range list {
			bad = append(bad, c.check(x, s["items"].(map[string]any), fmt.Sprintf("%s[%d]", at, i))...)
		}
		return bad
	case "string":
		if _, ok := v.(string); ok {
			return nil
		}
	case "boolean":
		if _, ok := v.(bool); ok {
			return nil
		}
	case "number", "integer":
		if n, ok := v.(float64); ok && (typ == "number" || n == math.Trunc(n)) {
			return nil
		}
	}
	return []string{fmt.Sprintf("%s: %v is not %s", at, v, typ)}
}
