package web

import (
	"reflect"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
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
