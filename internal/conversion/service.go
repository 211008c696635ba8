package conversion

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/link"
)

// Conversion is one stored event. ClickID, LinkID, CampaignID and Channel
// are its direct attribution: the click it carried (or, with only a
// customer id, the customer's last click within Window), or for an inbox
// inquiry the campaign and channel it was marked for. The attribution
// models share credit at query time; see Attribute.
type Conversion struct {
	ID          int64          `json:"id"`
	WorkspaceID int64          `json:"-"`
	Event       string         `json:"event"`
	EventID     string         `json:"event_id,omitempty"`
	OrderID     string         `json:"order_id,omitempty"`
	ClickID     string         `json:"click_id,omitempty"`
	LinkID      *int64         `json:"link_id,omitempty"`
	CampaignID  *int64         `json:"campaign_id,omitempty"`
	Channel     string         `json:"channel,omitempty"`
	CustomerID  string         `json:"customer_id,omitempty"`
	BrowserID   string         `json:"browser_id,omitempty"`
	Value       float64        `json:"value"`
	Currency    string         `json:"currency,omitempty"`
	Source      string         `json:"source"`
	Props       map[string]any `json:"props,omitempty"`
	At          time.Time      `json:"at"`
}

// Attributed reports whether the conversion is tied to a click or a
// campaign.
func (c Conversion) Attributed() bool { return c.ClickID != "" || c.CampaignID != nil }

// Customer is a shop's customer as the workspace knows them: their first
// and last tracked click, so that a later purchase carrying only the
// customer id still attributes.
//
// Who may bind a customer to clicks: the public key is on every landing
// page, and customer ids are often guessable, so a customer id sent with
// it is the claim of one browser, not an identity. An event of the shop's
// server (an API token) moves its customer to the click it carries, always.
// An event sent with the public key binds its customer to its click only
// when no click is bound to them yet and the server has not named them
// more than ClaimSpan before; once bound, only events of the browser that
// bound them (the same bid) move them. Other claims store their events
// but give the customer no click, and their clicks are none of the
// customer's touches under any model.
type Customer struct {
	ID           string    `json:"customer_id"`
	FirstClickID string    `json:"first_click_id"`
	FirstAt      time.Time `json:"first_at"`
	LastClickID  string    `json:"last_click_id"`
	LastAt       time.Time `json:"last_at"`
}

// ClaimSpan is how long after the shop's server first named a customer an
// event sent with the public key may still bind them (see Customer): the
// landing page and the server may both report one signup, in either
// order. A customer the server named before that is the server's to bind.
const ClaimSpan = 30 * time.Minute

// ClickAt names a click and when it happened, for a customer's first and
// last click.
type ClickAt struct {
	ClickID string
	At      time.Time
}

// Addition is a conversion for Store.AddConversions, with the click its
// customer moves to (nil for none).
type Addition struct {
	Conversion Conversion
	Customer   *ClickAt
}

// Added is what Store.AddConversions did with an Addition: the event it
// stored, or the one it kept when the addition was a duplicate.
type Added struct {
	Conversion Conversion
	Duplicate  bool
}

// Site is a workspace as its landing pages know it: the public key the
// snippet sends, and the currency purchases must be in.
type Site struct {
	WorkspaceID int64  `json:"-"`
	Key         string `json:"key"`
	Currency    string `json:"currency"`
	// ServerPurchasesOnly refuses purchases sent with the public key:
	// the key is on every landing page, so anyone could report revenue
	// with it; the shop's server reports them with an API token.
	ServerPurchasesOnly bool `json:"server_purchases_only"`
}

// ListFilter narrows the conversion list; nil fields do not filter.
type ListFilter struct {
	Event      *string
	CampaignID *int64
	// Limit is at most 500; 0 means 100.
	Limit    int
	BeforeID int64
}

// ClickTotal is the click side of the funnel for one campaign and channel
// over a period, summed from the hourly roll-ups.
type ClickTotal struct {
	CampaignID                        *int64
	Channel                           string
	Clicks, HumanClicks, UniqueClicks int64
	EffectiveClicks                   int64
	// LandedClicks are the unique human clicks whose visitor's landing
	// was reported: the effective clicks, less those counted because
	// their link reports no landings.
	LandedClicks  int64
	EngagedVisits int64
	// FallbackLinks counts the links whose effective clicks are their
	// unique clicks: no landing was ever reported from them.
	FallbackLinks int64
}

// VisitTotal counts the visits (landing and engaged events) of a period
// that the funnel's landing and engaged steps count, per campaign and
// channel the visits arrived with: those on their own click, unless that
// click is a crawler's, a link preview's or a prefetch. Visits of no click
// (none, or a made-up cid) are not counted. A visit belongs to its click,
// so no attribution model moves it.
type VisitTotal struct {
	CampaignID       *int64
	Channel          string
	Landing, Engaged int64
}

// Fact is one conversion (not a visit) with the clicks that may earn
// credit for it: its own click, that visitor's human clicks and the
// clicks known through the customer's cids.
type Fact struct {
	Conversion
	Touches []Touch
}

// Store is what the service needs from storage.
type Store interface {
	// Click returns a click by id; apperr.NotFound when unknown.
	Click(ctx context.Context, clickID string) (link.ClickRef, error)
	// MarkClicks records that the visitors of clickIDs landed, and those
	// of the ids engaged says so stayed, in as few commits as the store
	// can; it counts each in the roll-ups once, however often it is asked.
	// A click not written yet keeps its mark until it is.
	MarkClicks(ctx context.Context, clickIDs []string, engaged map[string]bool) error

	// SetServerPurchasesOnly sets Site.ServerPurchasesOnly of the
	// workspace; apperr.NotFound when it has no public key yet.
	SetServerPurchasesOnly(ctx context.Context, workspaceID int64, on bool) error
	// SiteByKey returns the workspace of a public key; apperr.NotFound when
	// no workspace has it.
	SiteByKey(ctx context.Context, key string) (Site, error)
	// EnsurePublicKey stores key as the workspace's public key unless it
	// has one, and returns the one in force. When it has one, it only
	// reads: pages ask for it on every view.
	EnsurePublicKey(ctx context.Context, workspaceID int64, key string) (string, error)
	// SetPublicKey replaces the workspace's public key.
	SetPublicKey(ctx context.Context, workspaceID int64, key string) error

	// AddConversion stores c unless the workspace has an event with the
	// same event id, or the same event and order id; then it returns that
	// one and true. With customer set, it also moves the customer's first
	// and last click, when c may (see Customer: c.Source and c.BrowserID
	// say whose claim it is). Both happen in one transaction.
	AddConversion(ctx context.Context, c Conversion, customer *ClickAt) (Conversion, bool, error)
	// AddConversions stores each addition as AddConversion does, in
	// order, all in one transaction: one of them that repeats an earlier
	// one's event id or order id is its duplicate. Nothing is stored on
	// error.
	AddConversions(ctx context.Context, as []Addition) ([]Added, error)
	// ReplaceConversion stores c in place of the workspace's events with
	// its event id, or its event and order id, when all of them came from
	// the source replaceable, moving the customer as AddConversion does,
	// and returns c stored and true; otherwise it changes nothing and
	// returns the event kept and false. Both in one transaction.
	ReplaceConversion(ctx context.Context, c Conversion, customer *ClickAt, replaceable string) (Conversion, bool, error)
	// Customer returns a customer; apperr.NotFound when unknown.
	Customer(ctx context.Context, workspaceID int64, customerID string) (Customer, error)
	// Conversions lists conversions, newest first.
	Conversions(ctx context.Context, workspaceID int64, f ListFilter) ([]Conversion, error)
	// ClickTotals sums the click roll-ups of [from, to) per campaign and
	// channel.
	ClickTotals(ctx context.Context, workspaceID int64, from, to time.Time) ([]ClickTotal, error)
	// VisitTotals counts the visits of [from, to) per campaign and
	// channel (VisitTotal).
	VisitTotals(ctx context.Context, workspaceID int64, from, to time.Time) ([]VisitTotal, error)
	// ConversionFacts returns the conversions of [from, to) that are not
	// visits, with the touches of each that happened in [since, to).
	ConversionFacts(ctx context.Context, workspaceID int64, from, to, since time.Time) ([]Fact, error)
}

// Service holds the rules of conversions.
type Service struct {
	store Store
	// Now is the clock; tests set it.
	Now func() time.Time
	// CampaignExists, when set, returns apperr.NotFound unless the
	// workspace has the campaign, so an inquiry is never marked for another
	// workspace's campaign.
	CampaignExists func(ctx context.Context, workspaceID, campaignID int64) error
	// ClickWait is how long Collect waits for an unknown click to appear:
	// the redirect stores clicks in batches, so a fast landing page can
	// report before its click is written. Only a cid whose time prefix
	// says it was made lately waits (see clickWait): an old, future or
	// random one answers at once, and a forger must write a fresh prefix
	// to cost this wait.
	ClickWait time.Duration
}

// VisitSpan is how long after its click a landing or an engaged visit
// still belongs to the visit the click began, and marks the click: the
// time Plausible and Google Analytics let a visit run without activity.
// The snippet keeps the cid for 30 days so that a later purchase
// attributes, and reports engagement on every page that has it; a return
// days later that stays 10 s is not the click's visit (METRICS.md:
// effective clicks whose visit stayed ≥ 10 s or scrolled ≥ 50 %).
const VisitSpan = 30 * time.Minute

// DefaultClickWait covers the click writer's one-second flush with room.
const DefaultClickWait = 2500 * time.Millisecond

// NewService returns a service over store.
func NewService(store Store) *Service {
	return &Service{store: store, Now: time.Now, ClickWait: DefaultClickWait}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Result says what became of a collected event.
type Result struct {
	ID    int64  `json:"id" doc:"The stored event: the one kept for a duplicate; for a replacement a new id, the replaced events' ids are gone"`
	Event string `json:"event"`
	// Duplicate is true when the event was already stored (same event id,
	// or same event and order id); nothing was stored twice.
	Duplicate bool `json:"duplicate" doc:"The workspace already had this event (same event_id, or same event and order_id); nothing was stored, id names the event kept. An event sent with the public key never replaces another, and a server's never replaces a server's."`
	// Replaced is true when a server's event (sent with an API token) took
	// the place of events sent with the public key under its event id or
	// order id, which anyone may send: the server is the authority on its
	// orders.
	Replaced bool `json:"replaced" doc:"This event, sent with an API token, replaced events sent with the workspace's public key under the same event_id or the same event and order_id: value, currency, customer and attribution are now this event's."`
	// Attributed is false when the funnel credits the event to no click
	// or campaign: it carried no click of this workspace (unknown, forged
	// or foreign cid), and no click of its customer or of its browser
	// (the snippet's first-party id) is within Window before it.
	Attributed bool   `json:"attributed"`
	CampaignID *int64 `json:"campaign_id,omitempty"`
	// DroppedProps are the properties left out of the stored event: keys
	// Chorus does not take, values that are not flat, and those beyond
	// the 20th.
	DroppedProps []string `json:"dropped_props,omitempty"`
}

// Collect stores one event for site. Events from the snippet take the
// server's time; a server's may carry ts within MaxAge before and MaxSkew
// after now. Purchases, and events with a value, must be in the workspace
// currency (empty means it). A cid that is unknown, malformed or of another workspace is not an
// error: the event is stored unattributed. Landing and engaged events
// within VisitSpan of their click mark it, which makes a unique human
// click effective (engaged).
// Returns apperr.Invalid naming the field for bad input.
func (s *Service) Collect(ctx context.Context, site Site, source string, p Payload) (Result, error) {
	e, err := s.check(site, source, p)
	if err != nil {
		return Result{}, err
	}
	rs, err := s.collect(ctx, []collected{e})
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// CollectBatch stores events for site as Collect does one by one, in
// order, and returns their results in that order; the events are stored
// in one transaction (split only before an event whose customer's clicks
// the events before it moved), so that many events cost one commit
// rather than one each: months of a shop's events, or the demo's. The
// caller bounds a batch's size, since its transaction holds the writer.
// Returns apperr.Invalid naming the event's index and field
// ("events[3].currency"), and stores nothing, when an event is bad; after
// a storage error, the events before the failing one may be stored.
func (s *Service) CollectBatch(ctx context.Context, site Site, source string, ps []Payload) ([]Result, error) {
	es := make([]collected, len(ps))
	for i, p := range ps {
		var err error
		if es[i], err = s.check(site, source, p); err != nil {
			var fs apperr.Fields
			if fs.Nest(fmt.Sprintf("events[%d].", i), err); fs.Err() != nil {
				return nil, fs.Err()
			}
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
	}
	return s.collect(ctx, es)
}

// collect attributes and stores checked events, in order, in as few
// transactions as their customers allow, and answers for each.
func (s *Service) collect(ctx context.Context, es []collected) ([]Result, error) {
	out := make([]Result, 0, len(es))
	start := 0 // the first event not stored yet
	store := func(end int) error {
		if start == end {
			return nil
		}
		adds := make([]Addition, end-start)
		for i, e := range es[start:end] {
			adds[i] = Addition{Conversion: e.c, Customer: e.customer}
		}
		added, err := s.store.AddConversions(ctx, adds)
		if err != nil {
			return err
		}
		rs, err := s.finish(ctx, es[start:end], added)
		if err != nil {
			return err
		}
		out = append(out, rs...)
		start = end
		return nil
	}
	for i := range es {
		e := &es[i]
		if err := s.carriedClick(ctx, e); err != nil {
			return nil, err
		}
		if e.needsCustomer() {
			// Collect one by one would have stored the events before
			// this one, which may move its customer's clicks, first.
			if err := store(i); err != nil {
				return nil, err
			}
			if err := s.customersClick(ctx, e); err != nil {
				return nil, err
			}
		}
	}
	if err := store(len(es)); err != nil {
		return nil, err
	}
	return out, nil
}

// collected is an event on its way through Collect: the conversion to
// store and what the lookup of its click found.
type collected struct {
	p      Payload
	source string
	c      Conversion
	// customer is the click the event moves its customer to: the one it
	// carried.
	customer *ClickAt
	click    Touch
	// ok says that click attributes the event: the one it carried, else
	// its customer's.
	ok bool
	// unwritten says that the carried cid is well formed and was not
	// found: made up, or its click still queued.
	unwritten bool
}

// check validates p and makes the conversion it stores, not yet
// attributed. Returns apperr.Invalid naming the field for bad input.
func (s *Service) check(site Site, source string, p Payload) (collected, error) {
	p.tidy()
	if err := p.Validate(); err != nil {
		return collected{}, err
	}
	if source == SourceSnippet && p.Event == Purchase && site.ServerPurchasesOnly {
		return collected{}, apperr.New(apperr.Forbidden, "error.conversion.server_purchases_only", nil)
	}
	now := s.now()
	at := now
	var fs apperr.Fields
	if p.TS != nil && source != SourceSnippet {
		ts := p.TS.UTC().Truncate(time.Microsecond)
		if ts.Before(now.Add(-MaxAge)) || ts.After(now.Add(MaxSkew)) {
			fs.Add("ts", "error.conversion.ts")
		}
		at = ts
	}
	currency := p.Currency
	if currency == "" && (p.Value > 0 || p.Event == Purchase) {
		currency = site.Currency
	}
	if (p.Event == Purchase || p.Value > 0) && currency != site.Currency {
		fs.Add("currency", "error.conversion.currency", "Want", site.Currency, "Got", currency)
	}
	if err := fs.Err(); err != nil {
		return collected{}, err
	}
	c := Conversion{
		WorkspaceID: site.WorkspaceID, Event: p.Event, EventID: p.EventID, OrderID: p.OrderID,
		CustomerID: p.CustomerID, BrowserID: p.BrowserID, Value: p.Value, Currency: currency, Source: source, Props: p.Props, At: at,
	}
	if c.EventID == "" && IsVisit(c.Event) && p.ClickID != "" {
		// A page reloaded reports its landing again; one per click counts.
		c.EventID = VisitEventID(c.Event, p.ClickID)
	}
	return collected{p: p, source: source, c: c}, nil
}

// carriedClick attributes the event to the click it carried, when that
// is a click of the workspace within Window, and moves its customer (if
// any) to that click.
func (s *Service) carriedClick(ctx context.Context, e *collected) error {
	var err error
	e.click, e.ok, e.unwritten, err = s.click(ctx, e.c.WorkspaceID, e.p.ClickID, e.c.At)
	if err != nil {
		return err
	}
	if e.ok && e.c.CustomerID != "" {
		e.customer = &ClickAt{ClickID: e.click.ClickID, At: e.click.At}
	}
	e.attribute()
	return nil
}

// needsCustomer says that the event carried no click that attributes it
// and names a customer whose clicks may: a visit is only its own click's.
func (e *collected) needsCustomer() bool {
	return !e.ok && e.c.CustomerID != "" && !IsVisit(e.c.Event)
}

// customersClick attributes the event to its customer's latest known
// click (see customerClick).
func (s *Service) customersClick(ctx context.Context, e *collected) error {
	var err error
	if e.click, e.ok, err = s.customerClick(ctx, e.c.WorkspaceID, e.c.CustomerID, e.c.At); err != nil {
		return err
	}
	e.attribute()
	return nil
}

func (e *collected) attribute() {
	if e.ok {
		e.c.ClickID, e.c.LinkID, e.c.CampaignID, e.c.Channel = e.click.ClickID, &e.click.LinkID, e.click.CampaignID, e.click.Channel
	}
}

// finish does what follows the storing of events (added[i] of es[i]): a
// server's event takes the place of the public key's claims, visits mark
// their clicks, and the answers say whether the funnel credits each
// event. A click is marked once for all the visits of es that mark it.
func (s *Service) finish(ctx context.Context, es []collected, added []Added) ([]Result, error) {
	out := make([]Result, len(es))
	stored := make([]Conversion, len(es)) // after replacement
	for i, e := range es {
		c, dup, replaced := added[i].Conversion, added[i].Duplicate, false
		if dup && e.source == SourceServer && c.Source == SourceSnippet {
			// The public key is on every landing page: anyone may send an
			// order id (or event id) before the shop's server does. The
			// server, which holds a token, is the authority on its orders,
			// so its event takes the place of such claims; a claim never
			// takes a server's place, nor another claim's (a retry).
			var err error
			if c, replaced, err = s.store.ReplaceConversion(ctx, e.c, e.customer, SourceSnippet); err != nil {
				return nil, err
			}
			dup = !replaced
		}
		stored[i] = c
		out[i] = Result{ID: c.ID, Event: c.Event, Duplicate: dup, Replaced: replaced, Attributed: c.Attributed(),
			CampaignID: c.CampaignID, DroppedProps: e.p.Dropped}
	}
	var marked []string          // the clicks to mark, in order
	engaged := map[string]bool{} // click -> an engaged visit marks it
	for _, e := range es {
		if !IsVisit(e.c.Event) || !(e.ok && e.c.ClickID == e.p.ClickID && e.c.At.Sub(e.click.At) <= VisitSpan || e.unwritten) {
			// A visit after VisitSpan is another visit than the click's.
			continue
		}
		cid := e.p.ClickID
		if _, ok := engaged[cid]; !ok {
			marked = append(marked, cid)
		}
		engaged[cid] = engaged[cid] || e.c.Event == Engaged
	}
	// Marking counts once however often it is asked, so a retried or
	// duplicate event still marks a click whose first mark failed. A click
	// not written yet (a writer behind) gets its mark when it is: its
	// visitor landed all the same.
	if len(marked) > 0 {
		if err := s.store.MarkClicks(ctx, marked, engaged); err != nil {
			return nil, err
		}
	}
	for i, c := range stored {
		if !out[i].Attributed && !IsVisit(c.Event) && (c.BrowserID != "" || c.CustomerID != "") {
			var err error
			if out[i].Attributed, err = s.creditedLater(ctx, c); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// creditedLater says whether the funnel credits a stored conversion that
// carries no click: through the clicks its browser's earlier events (the
// snippet's first-party id) or its customer's carried, which only the
// funnel's read of touches finds. The answer is the funnel's, read the
// same way, so that it says what the reports will count.
func (s *Service) creditedLater(ctx context.Context, c Conversion) (bool, error) {
	facts, err := s.store.ConversionFacts(ctx, c.WorkspaceID, c.At, c.At.Add(time.Microsecond), c.At.Add(-Window))
	if err != nil {
		return false, err
	}
	for _, fa := range facts {
		if fa.ID == c.ID {
			return len(Attribute(LastTouch, fa.At, fa.ClickID, fa.Touches)) > 0, nil
		}
	}
	return false, nil
}

// VisitEventID is the event id of a visit event reported without one:
// one landing and one engaged visit per click. The store finds the visits
// of a click written after them by these ids, to attribute them.
func VisitEventID(event, clickID string) string {
	return event + ":" + clip(clickID, MaxClickID)
}

// click resolves a cid to a touch of this workspace no older than Window
// before at; ok is false for a cid that is empty, malformed, unknown, of
// another workspace, too old or later than at. unwritten says that a
// well-formed cid was not found: made up, or its click still queued.
func (s *Service) click(ctx context.Context, ws int64, cid string, at time.Time) (_ Touch, ok, unwritten bool, _ error) {
	if !link.ValidClickID(cid) {
		return Touch{}, false, false, nil
	}
	ref, err := s.store.Click(ctx, cid)
	for wait := s.clickWait(cid); apperr.Is(err, apperr.NotFound) && wait > 0; wait -= clickPoll {
		select {
		case <-ctx.Done():
			return Touch{}, false, false, ctx.Err()
		case <-time.After(clickPoll):
		}
		ref, err = s.store.Click(ctx, cid)
	}
	if apperr.Is(err, apperr.NotFound) {
		return Touch{}, false, true, nil
	}
	if err != nil {
		return Touch{}, false, false, err
	}
	if ref.WorkspaceID != ws || ref.At.Before(at.Add(-Window)) || ref.At.After(at.Add(MaxSkew)) {
		return Touch{}, false, false, nil
	}
	return Touch{ClickID: cid, LinkID: ref.LinkID, CampaignID: ref.CampaignID, Channel: ref.Channel, At: ref.At.UTC()}, true, false, nil
}

// clickWait is how long Collect waits for cid to be written: ClickWait
// when its prefix says it was made within ClickWait and clickRecent
// before now and at most clickAhead after, none otherwise. The click
// writer only holds clicks made in its last flush or so, so an id made
// earlier or later is not on its way.
func (s *Service) clickWait(cid string) time.Duration {
	made, ok := link.ClickIDTime(cid)
	now := s.Now()
	if !ok || made.Before(now.Add(-s.ClickWait-clickRecent)) || made.After(now.Add(clickAhead)) {
		return 0
	}
	return s.ClickWait
}

const (
	// clickPoll is how often Collect looks for a click it waits for.
	clickPoll = 250 * time.Millisecond
	// clickRecent is the margin beyond ClickWait within which a click may
	// still be queued: a writer slow under load, a landing page slow to
	// report.
	clickRecent = 30 * time.Second
	// clickAhead is how far a cid's prefix may be ahead of this node's
	// clock: another node's clock may run a little fast.
	clickAhead = 5 * time.Second
)

// customerClick is the customer's latest known click (the last, else the
// first) at or before at and within Window. A click the event did not
// carry earns nothing for it when made after it (Attribute): MaxSkew is
// for the clocks of a cid the event carried. A back-dated purchase is so
// still attributed when the customer has clicked again since.
func (s *Service) customerClick(ctx context.Context, ws int64, customerID string, at time.Time) (Touch, bool, error) {
	cu, err := s.store.Customer(ctx, ws, customerID)
	if apperr.Is(err, apperr.NotFound) {
		return Touch{}, false, nil
	}
	if err != nil {
		return Touch{}, false, err
	}
	for _, id := range []string{cu.LastClickID, cu.FirstClickID} {
		t, ok, _, err := s.click(ctx, ws, id, at)
		if err != nil || ok && !t.At.After(at) {
			return t, err == nil, err
		}
	}
	return Touch{}, false, nil
}

// InquiryMark marks a conversation or a phone call as an inquiry (咨询)
// for a campaign, from the inbox or by hand.
type InquiryMark struct {
	CampaignID int64  `json:"campaign_id"`
	Channel    string `json:"channel,omitempty"`
	// Kind is "conversation" (the default) or "call".
	Kind       string `json:"kind,omitempty"`
	Reference  string `json:"reference,omitempty"`
	Note       string `json:"note,omitempty"`
	EventID    string `json:"event_id,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
}

// Validate checks an inquiry's fields.
func (in *InquiryMark) Validate() error {
	var fs apperr.Fields
	if in.CampaignID <= 0 {
		fs.Add("campaign_id", "error.required")
	}
	if in.Channel != "" && !link.ValidChannel(in.Channel) {
		// The rule of a link's channel, which the funnel compares it with:
		// "Phone" or "电话" would be a channel of their own, and a tab was
		// called too long.
		fs.Add("channel", "error.link_channel")
	}
	switch in.Kind {
	case "", "conversation", "call":
	default:
		fs.Add("kind", "error.one_of", "Value", clip(in.Kind, 40), "Allowed", "conversation, call")
	}
	if n := len([]rune(in.Note)); n > 500 {
		fs.Add("note", "error.too_long", "Max", 500)
	}
	checkID(&fs, "reference", in.Reference)
	checkID(&fs, "event_id", in.EventID)
	checkID(&fs, "customer_id", in.CustomerID)
	return fs.Err()
}

// MarkInquiry stores an inquiry event attributed to the named campaign and
// channel; the event id makes it idempotent. Returns apperr.Invalid for
// bad fields and apperr.NotFound for a campaign of another workspace.
func (s *Service) MarkInquiry(ctx context.Context, ws int64, in InquiryMark) (Result, error) {
	if err := in.Validate(); err != nil {
		return Result{}, err
	}
	if s.CampaignExists != nil {
		if err := s.CampaignExists(ctx, ws, in.CampaignID); err != nil {
			return Result{}, err
		}
	}
	if in.Kind == "" {
		in.Kind = "conversation"
	}
	props := map[string]any{"kind": in.Kind}
	if in.Note != "" {
		props["note"] = in.Note
	}
	if in.Reference != "" {
		props["reference"] = in.Reference
	}
	campaign := in.CampaignID
	c := Conversion{
		WorkspaceID: ws, Event: Inquiry, EventID: in.EventID, CustomerID: in.CustomerID,
		CampaignID: &campaign, Channel: in.Channel, Source: SourceInbox, Props: props, At: s.now(),
	}
	stored, dup, err := s.store.AddConversion(ctx, c, nil)
	if err != nil {
		return Result{}, err
	}
	return Result{ID: stored.ID, Event: stored.Event, Duplicate: dup, Attributed: stored.Attributed(), CampaignID: stored.CampaignID}, nil
}

// List returns the workspace's recent conversions, newest first.
func (s *Service) List(ctx context.Context, ws int64, f ListFilter) ([]Conversion, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 500)
	if f.Event != nil && !ValidEvent(*f.Event) {
		var fs apperr.Fields
		fs.Add("event", "error.conversion.event", "Value", clip(*f.Event, 40))
		return nil, fs.Err()
	}
	return s.store.Conversions(ctx, ws, f)
}

// KeyPrefix starts every public key, so that one pasted in the wrong
// place is recognized.
const KeyPrefix = "pk_"

// NewKey returns a fresh random public key.
func NewKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// PublicKey returns the workspace's public key, creating it on first need.
// The key is not a secret — every landing page shows it — it only names
// the workspace; the endpoint's limits protect the rest.
func (s *Service) PublicKey(ctx context.Context, ws int64) (string, error) {
	return s.store.EnsurePublicKey(ctx, ws, NewKey())
}

// Site returns the workspace's site (its public key, made if it has
// none, and what the key may report).
func (s *Service) Site(ctx context.Context, ws int64) (Site, error) {
	key, err := s.PublicKey(ctx, ws)
	if err != nil {
		return Site{}, err
	}
	return s.store.SiteByKey(ctx, key)
}

// SetServerPurchasesOnly sets whether the workspace counts only the
// purchases its shop's server reports (Site.ServerPurchasesOnly).
// Purchases stored before stay counted.
func (s *Service) SetServerPurchasesOnly(ctx context.Context, ws int64, on bool) error {
	if _, err := s.PublicKey(ctx, ws); err != nil {
		return err
	}
	return s.store.SetServerPurchasesOnly(ctx, ws, on)
}

// RotateKey replaces the workspace's public key, so that a key copied to a
// site that should not report any more stops working.
func (s *Service) RotateKey(ctx context.Context, ws int64) (string, error) {
	k := NewKey()
	if err := s.store.SetPublicKey(ctx, ws, k); err != nil {
		return "", err
	}
	return k, nil
}

// SiteByKey returns the workspace of a public key. Returns
// apperr.Unauthorized when the key is malformed or unknown.
func (s *Service) SiteByKey(ctx context.Context, key string) (Site, error) {
	bad := apperr.New(apperr.Unauthorized, "error.conversion.key", nil)
	if !strings.HasPrefix(key, KeyPrefix) || len(key) > MaxKeyLength {
		return Site{}, bad
	}
	site, err := s.store.SiteByKey(ctx, key)
	if apperr.Is(err, apperr.NotFound) {
		return Site{}, bad
	}
	return site, err
}
