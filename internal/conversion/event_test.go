package conversion

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// fieldsOf returns the fields an error names, "field:key" each.
func fieldsOf(err error) []string {
	var ae *apperr.Error
	if err == nil {
		return nil
	}
	if !errors.As(err, &ae) {
		return []string{"<not apperr> " + err.Error()}
	}
	var out []string
	for _, f := range ae.Fields {
		out = append(out, f.Field+":"+f.Key)
	}
	return out
}

// TestTidyPayload: what a page or a shop sends is stored rather than
// refused for its properties or a lower-case currency; what is left out
// is named.
func TestTidyPayload(t *testing.T) {
	t.Parallel()
	props21 := map[string]int{}
	for i := range 21 {
		props21[fmt.Sprintf("k%02d", i)] = i
	}
	p21, _ := json.Marshal(props21)
	long := strings.Repeat("长", 100) // 300 bytes
	tests := []struct {
		name, body string
		currency   string
		props      []string // kept keys, sorted
		dropped    []string
	}{
		{"lower-case currency", `{"event":"purchase","value":9,"currency":" cny"}`, "CNY", nil, nil},
		{"GA-style items", `{"event":"purchase","props":{"items":[{"sku":"beans-1kg","qty":1}],"coupon":"WINTER"}}`, "", []string{"coupon"}, []string{"items"}},
		{"nested object", `{"event":"lead","props":{"a":{"b":1},"c":2}}`, "", []string{"c"}, []string{"a"}},
		{"bad key", `{"event":"lead","props":{"a b":1,"ok":true}}`, "", []string{"ok"}, []string{"a b"}},
		{"21 props keep the first 20", `{"event":"lead","props":` + string(p21) + `}`, "", nil, []string{"k20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePayload([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParsePayload = %v; want the event taken", err)
			}
			if p.Currency != tt.currency || !slices.Equal(p.Dropped, tt.dropped) {
				t.Errorf("currency %q, dropped %q; want %q, %q", p.Currency, p.Dropped, tt.currency, tt.dropped)
			}
			if tt.props != nil && !slices.Equal(slices.Sorted(maps.Keys(p.Props)), tt.props) {
				t.Errorf("props %v; want %v", p.Props, tt.props)
			}
			if len(p.Props) > MaxProps {
				t.Errorf("%d props kept; want at most %d", len(p.Props), MaxProps)
			}
		})
	}
	p, err := ParsePayload([]byte(`{"event":"lead","props":{"note":"` + long + `"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if note := p.Props["note"].(string); len(note) > MaxPropValue || !utf8.ValidString(note) || !strings.HasSuffix(note, "…") {
		t.Errorf("long note kept as %d bytes %q; want clipped to %d with …", len(note), note, MaxPropValue)
	}
}

func TestParsePayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want string // "" = valid; else "field:key" that must be named
	}{
		{"landing with cid", `{"key":"pk_x","event":"landing","cid":"AbC123_-"}`, ""},
		{"purchase", `{"event":"purchase","order_id":"o-1","value":99.5,"currency":"CNY","customer_id":"u1"}`, ""},
		{"every built-in", `{"event":"checkout_start"}`, ""},
		{"browser id", `{"event":"landing","cid":"AbC123_-AbC123_-","bid":"q1w2e3r4t5y6u7i8"}`, ""},
		{"short browser id", `{"event":"landing","bid":"q1w2e3"}`, "bid:error.conversion.bid"},
		{"browser id with a dot", `{"event":"landing","bid":"q1w2e3r4t5y6u7i8."}`, "bid:error.conversion.bid"},
		{"custom", `{"event":"custom:video_play"}`, ""},
		{"custom with dots", `{"event":"custom:step.2-done"}`, ""},
		{"ts", `{"event":"lead","ts":"2026-01-02T03:04:05Z"}`, ""},
		{"props scalar", `{"event":"lead","props":{"plan":"pro","seats":3,"trial":true,"x":null}}`, ""},
		{"empty body", ``, "body:error.json_empty"},
		{"not JSON", `{"event":`, "body:error.json_syntax"},
		{"array", `[1,2]`, "body:error.json_type"},
		{"trailing", `{"event":"lead"} {"event":"lead"}`, "body:error.json_syntax"},
		{"unknown field", `{"event":"lead","price":3}`, "price:error.json_unknown_field"},
		{"no event", `{"cid":"abc"}`, "event:error.required"},
		{"unknown event", `{"event":"buy"}`, "event:error.conversion.event"},
		{"custom without name", `{"event":"custom:"}`, "event:error.conversion.event"},
		{"custom upper case", `{"event":"custom:Play"}`, "event:error.conversion.event"},
		{"custom too long", `{"event":"custom:` + strings.Repeat("a", 33) + `"}`, "event:error.conversion.event"},
		{"value as string", `{"event":"purchase","value":"9"}`, "value:error.json_type"},
		{"negative value", `{"event":"purchase","value":-1}`, "value:error.negative"},
		{"huge value", `{"event":"purchase","value":1e13}`, "value:error.range"},
		{"overflowing value", `{"event":"purchase","value":1e400}`, "value:error.json_type"},
		{"currency long", `{"event":"purchase","currency":"CNYX"}`, "currency:error.currency"},
		{"long order id", `{"event":"purchase","order_id":"` + strings.Repeat("o", 129) + `"}`, "order_id:error.too_long"},
		{"control char in id", `{"event":"purchase","order_id":"a\u0001b"}`, "order_id:error.conversion.id_chars"},
		{"NUL anywhere", `{"event":"purchase","order_id":"a\u0000b"}`, "body:error.text_bytes"},
		{"long cid", `{"event":"landing","cid":"` + strings.Repeat("c", 65) + `"}`, "cid:error.too_long"},
		{"long key", `{"event":"landing","key":"` + strings.Repeat("k", 65) + `"}`, "key:error.too_long"},
		{"bad ts", `{"event":"lead","ts":"yesterday"}`, "ts:error.conversion.ts"},
		{"ts as number", `{"event":"lead","ts":1700000000}`, "ts:error.conversion.ts"},
		{"too large", `{"event":"lead","props":{"a":"` + strings.Repeat("x", 9000) + `"}}`, "body:error.body_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePayload([]byte(tt.body))
			got := fieldsOf(err)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ParsePayload(%.80s) = %v; want valid", tt.body, got)
				}
				return
			}
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("ParsePayload(%.80s) error %v; want apperr.Invalid", tt.body, err)
			}
			for _, g := range got {
				if g == tt.want {
					return
				}
			}
			t.Fatalf("ParsePayload(%.80s) names %v; want %s", tt.body, got, tt.want)
		})
	}
}

func TestValidEvent(t *testing.T) {
	t.Parallel()
	for _, e := range Events {
		if !ValidEvent(e) {
			t.Errorf("ValidEvent(%q) = false", e)
		}
	}
	for _, e := range []string{"", "Purchase", "custom", "custom:", "custom:a b", "custom:é", "landing "} {
		if ValidEvent(e) {
			t.Errorf("ValidEvent(%q) = true; want false", e)
		}
	}
}

// FuzzParsePayload: whatever the body, the parser returns a valid payload
// or an apperr.Invalid, never panics, and what it accepts stays within the
// limits.
func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{
		`{"key":"pk_abc","event":"landing","cid":"x1"}`,
		`{"event":"purchase","order_id":"o1","value":12.5,"currency":"CNY","customer_id":"c","props":{"a":1}}`,
		`{"event":"custom:x","ts":"2026-01-01T00:00:00Z"}`,
		`{"event":"lead","props":{"a":{"b":[1,2]}}}`,
		`{"event":"purchase","value":-0}`,
		`{"event":"purchase","value":1e308}`,
		`{"event":"\u0000"}`,
		`[]`, `null`, `"x"`, `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePayload(body)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("ParsePayload error %v is not apperr.Invalid", err)
			}
			return
		}
		if !ValidEvent(p.Event) || p.Value < 0 || p.Value > MaxValue || p.Value != p.Value {
			t.Fatalf("accepted %+v", p)
		}
		if len(p.Props) > MaxProps || len(p.ClickID) > MaxClickID || len(p.OrderID) > MaxIDLength ||
			len(p.EventID) > MaxIDLength || len(p.CustomerID) > MaxIDLength || !utf8.ValidString(p.OrderID) {
			t.Fatalf("accepted out-of-bounds fields: %+v", p)
		}
		if len(body) > MaxPayloadBytes {
			t.Fatalf("accepted a body of %d bytes", len(body))
		}
	})
}
