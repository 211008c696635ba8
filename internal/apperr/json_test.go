package apperr

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

type jsonMix struct {
	Platform string  `json:"platform"`
	Share    float64 `json:"share"`
}

type jsonBase struct {
	Note string `json:"note"`
}

type jsonInput struct {
	jsonBase
	Name       string            `json:"name"`
	CampaignID int64             `json:"campaign_id"`
	ExpiresAt  *time.Time        `json:"expires_at"`
	Enabled    bool              `json:"enabled"`
	Tags       []string          `json:"tags"`
	Mix        []jsonMix         `json:"mix"`
	Props      map[string]int    `json:"props"`
	Raw        json.RawMessage   `json:"raw"`
	Amount     json.Number       `json:"amount"`
	Nested     *jsonMix          `json:"nested"`
	Labels     map[string]string `json:"labels,omitempty"`
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		want  string // "" = valid; else field:key[:Want]
		extra string // an argument the error must carry, as name=value
	}{
		{"valid", `{"name":"x","campaign_id":3,"expires_at":"2026-03-01T08:00:00Z","mix":[{"platform":"weibo","share":50}],"raw":[1,{"a":2}],"note":"n"}`, "", ""},
		{"null time", `{"expires_at":null}`, "", ""},
		{"field name ignores case", `{"Name":"x"}`, "", ""},
		{"empty", "  \n", "body:error.json_empty", ""},
		{"array for object", `[]`, "body:error.json_type:object", ""},
		{"string for object", `"x"`, "body:error.json_type:object", ""},
		{"text for integer", `{"campaign_id":"abc"}`, "campaign_id:error.json_type:integer", ""},
		{"fraction for integer", `{"campaign_id":1.5}`, "campaign_id:error.json_type:integer", ""},
		{"number for text", `{"name":3}`, "name:error.json_type:text", ""},
		{"text for boolean", `{"enabled":"yes"}`, "enabled:error.json_type:boolean", ""},
		{"object for list", `{"tags":{"a":1}}`, "tags:error.json_type:list", ""},
		{"object for list of objects", `{"mix":{"platform":"weibo"}}`, "mix:error.json_type:list", ""},
		{"list element", `{"mix":[{"platform":"weibo","share":50},{"platform":"wechat","share":"half"}]}`, "mix[1].share:error.json_type:number", ""},
		{"map value", `{"props":{"a":1,"b":"two"}}`, "props.b:error.json_type:integer", ""},
		{"nested object", `{"nested":{"share":true}}`, "nested.share:error.json_type:number", ""},
		{"bad time text", `{"expires_at":"yesterday"}`, "expires_at:error.json_type:datetime", ""},
		{"time as number", `{"expires_at":1700000000}`, "expires_at:error.json_type:datetime", ""},
		{"bad number", `{"amount":"many"}`, "amount:error.json_type:number", ""},
		{"overflow", `{"mix":[{"share":1e400}]}`, "mix[0].share:error.json_type:number", ""},
		{"first bad field in order", `{"name":1,"campaign_id":"x"}`, "name:error.json_type:text", ""},
		{"unknown field", `{"name":"x","price":3}`, "price:error.json_unknown_field", ""},
		{"unknown nested field", `{"mix":[{"platform":"weibo","colour":"red"}]}`, "mix[0].colour:error.json_unknown_field", ""},
		{"embedded field type", `{"note":5}`, "note:error.json_type:text", ""},
		{"syntax", `{"name":}`, "body:error.json_syntax", "Offset=9"},
		{"truncated", `{"name":"x"`, "body:error.json_syntax", "Offset=11"},
		{"trailing", `{"name":"x"} {}`, "body:error.json_syntax", "Offset=14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var in jsonInput
			err := DecodeJSON([]byte(tt.body), &in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("DecodeJSON(%s) = %v, want nil", tt.body, err)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Code != Invalid || len(ae.Fields) != 1 {
				t.Fatalf("DecodeJSON(%s) = %v, want one Invalid field", tt.body, err)
			}
			f := ae.Fields[0]
			got := f.Field + ":" + f.Key
			if w, ok := f.Args["Want"]; ok {
				got += ":" + fmt.Sprint(w)
			}
			if got != tt.want {
				t.Errorf("DecodeJSON(%s) = %s, want %s", tt.body, got, tt.want)
			}
			if tt.extra != "" {
				name, value, _ := strings.Cut(tt.extra, "=")
				if fmt.Sprint(f.Args[name]) != value {
					t.Errorf("DecodeJSON(%s) args %v, want %s", tt.body, f.Args, tt.extra)
				}
			}
			// Nothing of Go may reach the message's arguments.
			for k, v := range f.Args {
				if s := fmt.Sprint(v); strings.Contains(s, ".") || strings.Contains(s, "[]") || strings.Contains(s, "json") {
					t.Errorf("argument %s = %q looks like Go", k, s)
				}
			}
		})
	}
}

// TestDecodeJSONNull: a body of null is refused with what it should have
// been, unless the target can hold null; before, it decoded as an empty
// value, and a PUT of it emptied what was stored.
func TestDecodeJSONNull(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target any
		want   string // "" = null is accepted
	}{
		{"object", &jsonInput{}, WantObject},
		{"list", &[]jsonMix{}, WantList},
		{"map", &map[string]int{}, WantObject},
		{"text", new(string), WantText},
		{"pointer", new(*jsonMix), ""},
		{"raw JSON", new(json.RawMessage), ""},
		{"any value", new(any), ""},
	}
	for _, tt := range tests {
		for _, body := range []string{"null", " null\n"} {
			err := DecodeJSON([]byte(body), tt.target)
			var ae *Error
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("%s: DecodeJSON(%q) = %v, want nil", tt.name, body, err)
			case tt.want == "":
			case !errors.As(err, &ae) || len(ae.Fields) != 1:
				t.Errorf("%s: DecodeJSON(%q) = %v, want one field error", tt.name, body, err)
			case ae.Fields[0].Field != "body" || ae.Fields[0].Key != "error.json_type" || ae.Fields[0].Args["Want"] != tt.want:
				t.Errorf("%s: DecodeJSON(%q) = %+v, want body:error.json_type:%s", tt.name, body, ae.Fields[0], tt.want)
			}
		}
	}
}

func TestDecodeJSONBadTarget(t *testing.T) {
	t.Parallel()
	if err := DecodeJSON([]byte(`{}`), nil); CodeOf(err) != Internal {
		t.Errorf("DecodeJSON into nil = %v, want Internal", err)
	}
}
