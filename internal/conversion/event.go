// Package conversion records what visitors do after a tracked click —
// landing, engaging, asking, signing up, buying — and attributes each event
// to the click, link, channel and campaign that brought it, under the
// attribution models of METRICS.md. Events come from the landing-page
// snippet (t.js), from shops' servers and from the inbox.
package conversion

import (
	"errors"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/link"
)

// The events Chorus knows. Custom events are CustomPrefix plus a short name.
const (
	Landing       = "landing"
	Engaged       = "engaged"
	Inquiry       = "inquiry"
	Lead          = "lead"
	Signup        = "signup"
	AddToCart     = "add_to_cart"
	CouponClaim   = "coupon_claim"
	CheckoutStart = "checkout_start"
	Purchase      = "purchase"
	CustomPrefix  = "custom:"
)

// Events lists the built-in events, in funnel order.
var Events = []string{Landing, Engaged, Inquiry, Lead, Signup, AddToCart, CouponClaim, CheckoutStart, Purchase}

// The limits of one collected event. They keep a public endpoint cheap to
// serve and its rows small.
const (
	MaxPayloadBytes = 8 << 10
	MaxIDLength     = 128
	MaxClickID      = 64
	MaxKeyLength    = 64
	MaxProps        = 20
	MaxPropKey      = 40
	MaxPropValue    = 256
	MaxValue        = 1e12
	// MaxAge is how old a server-reported timestamp may be; MaxSkew how far
	// in the future.
	MaxAge  = 90 * 24 * time.Hour
	MaxSkew = 5 * time.Minute
)

// Sources of an event.
const (
	SourceSnippet = "snippet"
	SourceServer  = "server"
	SourceInbox   = "inbox"
)

var (
	customNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,31}$`)
	currencyRE   = regexp.MustCompile(`^[A-Z]{3}$`)
	propKeyRE    = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,40}$`)
)

// ValidEvent reports whether name is a built-in event or a custom one
// ("custom:" and 1–32 characters of a–z, 0–9, _ . -).
func ValidEvent(name string) bool {
	if custom, ok := strings.CutPrefix(name, CustomPrefix); ok {
		return customNameRE.MatchString(custom)
	}
	for _, e := range Events {
		if e == name {
			return true
		}
	}
	return false
}

// IsVisit reports whether the event measures the click itself (the page
// loaded, the visit engaged) rather than a conversion. Visit events belong
// to their own click under every attribution model.
func IsVisit(event string) bool { return event == Landing || event == Engaged }

// IsIntent reports whether the event counts as purchase intent (消费倾向).
func IsIntent(event string) bool {
	return event == AddToCart || event == CouponClaim || event == CheckoutStart
}

// Payload is one event as the snippet or a shop's server sends it to
// /api/v1/collect. Key is the workspace's public key (the snippet); a
// server may authenticate with an API token instead and omit it.
// BrowserID is the snippet's first-party id of the browser, kept for 30
// days: it ties the visitor's clicks of other days to a conversion.
type Payload struct {
	Key        string         `json:"key,omitempty" doc:"The workspace's public key, which the snippet sends; a shop's server sends an API token instead. A workspace may count only the purchases its server reports: a purchase sent with the public key is then refused with 403."`
	Event      string         `json:"event"`
	ClickID    string         `json:"cid,omitempty"`
	CustomerID string         `json:"customer_id,omitempty" doc:"The shop's id of the customer: their later events that carry no cid attribute to the click bound to them. Sent with an API token, it binds the customer to this event's cid. Sent with the public key, which any landing page shows, it is the claim of the browser (bid) that sends it: it binds the customer to this event's cid only when no click is bound to them yet and the shop's server did not name them more than 30 minutes before; once bound, only events with the same bid move them, and other claims earn no credit for the customer's events. For a returning customer on another device, the shop's server sends the cid (the chorus_cid cookie of its own site) with the customer id. Send ids nobody can guess (a keyed hash of the shop's id, not a sequence): a claim can bind a customer the server has not named yet."`
	BrowserID  string         `json:"bid,omitempty" doc:"The snippet's random first-party id of the browser (the chorus_bid cookie), kept for 30 days: it ties the browser's clicks of other days to its events."`
	EventID    string         `json:"event_id,omitempty"`
	OrderID    string         `json:"order_id,omitempty"`
	Value      float64        `json:"value,omitempty"`
	Currency   string         `json:"currency,omitempty"`
	TS         *time.Time     `json:"ts,omitempty"`
	Props      map[string]any `json:"props,omitempty"`
	// Dropped are the property keys tidy left out.
	Dropped []string `json:"-"`
}

// ParsePayload decodes and validates one collect body. It refuses bodies
// over MaxPayloadBytes, unknown fields, trailing data and values of the
// wrong type, each as apperr.Invalid naming the field. It checks what can
// be checked without the workspace; Service.Collect checks the rest
// (currency, time).
func ParsePayload(body []byte) (Payload, error) {
	var p Payload
	var fs apperr.Fields
	if len(body) > MaxPayloadBytes {
		fs.Add("body", "error.body_too_large", "Max", MaxPayloadBytes)
		return p, fs.Err()
	}
	if err := apperr.DecodeJSON(body, &p); err != nil {
		// The time has a message of its own, which says what else it must be.
		var ae *apperr.Error
		if errors.As(err, &ae) && len(ae.Fields) == 1 && ae.Fields[0].Field == "ts" {
			ae.Fields[0] = apperr.FieldError{Field: "ts", Key: "error.conversion.ts"}
		}
		return Payload{}, err
	}
	p.tidy()
	return p, p.Validate()
}

// tidy makes what a landing page or a shop sends storable instead of
// refusing the event for it: a refused event is lost, and the snippet
// cannot show an error. It upper-cases the currency (Stripe reports
// "cny"), clips string properties to MaxPropValue bytes, and leaves out
// properties under keys Chorus does not take, values that are not flat (a
// GA-style items list) and those beyond MaxProps in key order, naming
// them in Dropped; the answer lists them.
func (p *Payload) tidy() {
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	keys := slices.Sorted(maps.Keys(p.Props))
	kept := 0
	for _, k := range keys {
		v := p.Props[k]
		if s, ok := v.(string); ok && len(s) > MaxPropValue {
			v = clip(s, MaxPropValue-len("…"))
			p.Props[k] = v
		}
		if !propKeyRE.MatchString(k) || !scalar(v) || kept == MaxProps {
			delete(p.Props, k)
			p.Dropped = append(p.Dropped, clip(k, MaxPropKey))
			continue
		}
		kept++
	}
}

// Validate checks the payload's shape: a known event, bounded identifiers,
// a finite non-negative value and an ISO 4217-shaped currency (tidy has
// made the properties storable).
func (p *Payload) Validate() error {
	var fs apperr.Fields
	switch {
	case p.Event == "":
		fs.Add("event", "error.required")
	case !ValidEvent(p.Event):
		fs.Add("event", "error.conversion.event", "Value", clip(p.Event, 40))
	}
	if len(p.Key) > MaxKeyLength {
		fs.Add("key", "error.too_long", "Max", MaxKeyLength)
	}
	if len(p.ClickID) > MaxClickID {
		fs.Add("cid", "error.too_long", "Max", MaxClickID)
	}
	checkID(&fs, "customer_id", p.CustomerID)
	// The snippet makes browser ids in the shape of click ids.
	if p.BrowserID != "" && !link.ValidClickID(p.BrowserID) {
		fs.Add("bid", "error.conversion.bid")
	}
	checkID(&fs, "event_id", p.EventID)
	checkID(&fs, "order_id", p.OrderID)
	switch {
	case math.IsNaN(p.Value) || math.IsInf(p.Value, 0):
		fs.Add("value", "error.not_finite")
	case p.Value < 0:
		fs.Add("value", "error.negative")
	case p.Value > MaxValue:
		fs.Add("value", "error.range", "Min", 0, "Max", MaxValue)
	}
	if p.Currency != "" && !currencyRE.MatchString(p.Currency) {
		fs.Add("currency", "error.currency")
	}
	return fs.Err()
}

// checkID bounds an identifier and refuses control characters, which have
// no place in an id and would make logs and exports lie.
func checkID(fs *apperr.Fields, field, v string) {
	if len(v) > MaxIDLength {
		fs.Add(field, "error.too_long", "Max", MaxIDLength)
		return
	}
	if !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		fs.Add(field, "error.conversion.id_chars")
	}
}

// scalar reports whether a decoded property is a string (of at most
// MaxPropValue bytes), a finite number, a boolean or null: properties are
// flat.
func scalar(v any) bool {
	switch v := v.(type) {
	case nil, bool:
		return true
	case string:
		return len(v) <= MaxPropValue
	case float64:
		return !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	return false
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
