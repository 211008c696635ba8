package conversion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/link"
)

// clickStore is a Store whose Click answers NotFound until its click is
// written, after a number of lookups; it counts the lookups. Other methods
// are not used by the click lookup and panic.
type clickStore struct {
	Store
	ref     link.ClickRef
	missing int // lookups that answer NotFound before ref appears
	calls   int
}

func (s *clickStore) Click(_ context.Context, cid string) (link.ClickRef, error) {
	s.calls++
	if s.calls <= s.missing || cid != s.ref.ClickID {
		return link.ClickRef{}, apperr.New(apperr.NotFound, "error.not_found", nil)
	}
	return s.ref, nil
}

// cidAt is a well-formed click id whose prefix says it was made at t, as
// link.NewClickID writes it.
func cidAt(t *testing.T, at time.Time) string {
	t.Helper()
	const sortable64 = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
	var out [7]byte
	ms := uint64(at.UnixMilli())
	for i := 6; i >= 0; i-- {
		out[i] = sortable64[ms&63]
		ms >>= 6
	}
	cid := string(out[:]) + "Qm9ndXNSYW5kb20x"
	if got, ok := link.ClickIDTime(cid); !ok || !got.Equal(at.Truncate(time.Millisecond)) {
		t.Fatalf("cidAt(%v) = %q, which decodes to %v", at, cid, got)
	}
	return cid
}

func TestClickWaitsOnlyForRecentIDs(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	window := DefaultClickWait + clickRecent
	for _, tt := range []struct {
		name  string
		cid   string
		waits bool
	}{
		{"made a second ago", cidAt(t, clock.Add(-time.Second)), true},
		{"made just inside the window", cidAt(t, clock.Add(-window+time.Second)), true},
		{"made a little ahead of this clock", cidAt(t, clock.Add(clickAhead-time.Second)), true},
		{"made just before the window", cidAt(t, clock.Add(-window-time.Second)), false},
		{"made an hour ago", cidAt(t, clock.Add(-time.Hour)), false},
		{"made too far ahead", cidAt(t, clock.Add(clickAhead+time.Second)), false},
		{"made a year ahead", cidAt(t, clock.AddDate(1, 0, 0)), false},
		{"forged without a time", "AAAAAAAAAAAAAAAAAAAAAA", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := &clickStore{}
			s := NewService(st)
			s.Now = func() time.Time { return clock }
			// A cancelled context ends a wait at its first poll, so a wait
			// shows as ctx.Err() without sleeping, and none as a plain
			// not found.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, ok, _, err := s.click(ctx, 1, tt.cid, clock)
			if ok {
				t.Fatalf("click(%q) found an unknown click", tt.cid)
			}
			if waited := errors.Is(err, context.Canceled); waited != tt.waits {
				t.Errorf("click(%q): waited %v (err %v); want %v", tt.cid, waited, err, tt.waits)
			}
			if !tt.waits && (err != nil || st.calls != 1) {
				t.Errorf("click(%q) = err %v after %d lookups; want not found after 1", tt.cid, err, st.calls)
			}
		})
	}
}

func TestClickWaitDisabled(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := &clickStore{}
	s := NewService(st)
	s.Now = func() time.Time { return clock }
	s.ClickWait = 0
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok, unwritten, err := s.click(ctx, 1, cidAt(t, clock), clock); ok || !unwritten || err != nil || st.calls != 1 {
		t.Errorf("click with ClickWait 0 = %v, %v, %v after %d lookups; want not found (unwritten) after 1", ok, unwritten, err, st.calls)
	}
}

func TestClickFoundAfterOnePoll(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cid := cidAt(t, clock.Add(-500*time.Millisecond))
	campaign := int64(7)
	st := &clickStore{missing: 1, ref: link.ClickRef{ClickID: cid, WorkspaceID: 1, LinkID: 3, CampaignID: &campaign,
		Channel: "wechat", At: clock.Add(-500 * time.Millisecond)}}
	s := NewService(st)
	s.Now = func() time.Time { return clock }
	touch, ok, _, err := s.click(context.Background(), 1, cid, clock)
	if err != nil || !ok {
		t.Fatalf("click(%q) = %v, %v; want found", cid, ok, err)
	}
	if st.calls != 2 {
		t.Errorf("click(%q) looked %d times; want 2 (one miss, one poll)", cid, st.calls)
	}
	if touch.ClickID != cid || touch.LinkID != 3 || touch.CampaignID == nil || *touch.CampaignID != 7 || touch.Channel != "wechat" {
		t.Errorf("touch = %+v; want click %s of link 3, campaign 7, wechat", touch, cid)
	}
}

// markStore is a clickStore that stores conversions and records the
// clicks MarkClicks was asked to mark.
type markStore struct {
	clickStore
	marked []string
}

func (s *markStore) AddConversions(_ context.Context, as []Addition) ([]Added, error) {
	out := make([]Added, len(as))
	for i, a := range as {
		out[i] = Added{Conversion: a.Conversion}
	}
	return out, nil
}

func (s *markStore) MarkClicks(_ context.Context, cids []string, _ map[string]bool) error {
	s.marked = append(s.marked, cids...)
	return nil
}

// TestVisitMarksItsClickWithinTheVisit: a landing or an engaged visit
// makes its click effective (engaged) when it comes during the visit the
// click began; the snippet keeps the cid for 30 days, and a return days
// later that stays 10 s is another visit (METRICS.md: effective clicks
// whose visit stayed ≥ 10 s), which marks nothing, though it is stored.
func TestVisitMarksItsClickWithinTheVisit(t *testing.T) {
	t.Parallel()
	clicked := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		event string
		after time.Duration
		marks bool
	}{
		{"landing seconds after", Landing, 3 * time.Second, true},
		{"engaged a few minutes after", Engaged, 3 * time.Minute, true},
		{"engaged at the end of the visit", Engaged, VisitSpan, true},
		{"engaged on a return two days later", Engaged, 48 * time.Hour, false},
		{"landing from a bookmarked address the next week", Landing, 7 * 24 * time.Hour, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cid := cidAt(t, clicked)
			st := &markStore{clickStore: clickStore{ref: link.ClickRef{ClickID: cid, WorkspaceID: 1, LinkID: 3, At: clicked, Class: "human"}}}
			s := NewService(st)
			s.Now = func() time.Time { return clicked.Add(tt.after) }
			res, err := s.Collect(context.Background(), Site{WorkspaceID: 1, Currency: "CNY"}, SourceSnippet, Payload{Event: tt.event, ClickID: cid})
			if err != nil || !res.Attributed {
				t.Fatalf("Collect = %+v, %v; want the event stored and attributed", res, err)
			}
			if marked := len(st.marked) > 0; marked != tt.marks {
				t.Errorf("marked the click: %v; want %v", marked, tt.marks)
			}
		})
	}
}

// TestInquiryMarkChannel: an inquiry's channel follows a link's rule, as
// the funnel compares the two; anything else is refused with that rule,
// not called too long.
func TestInquiryMarkChannel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		channel string
		ok      bool
	}{
		{"", true},
		{"phone", true},
		{"wechat.work", true},
		{"Phone", false},
		{"电话", false},
		{"a\tb", false},
		{"-phone", false},
		{"x23456789012345678901234567890123456789012", false},
	} {
		in := InquiryMark{CampaignID: 1, Channel: tt.channel}
		err := in.Validate()
		var ae *apperr.Error
		switch {
		case tt.ok && err != nil:
			t.Errorf("channel %q: %v, want nil", tt.channel, err)
		case tt.ok:
		case !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != "channel" || ae.Fields[0].Key != "error.link_channel":
			t.Errorf("channel %q: %v, want channel: error.link_channel", tt.channel, err)
		}
	}
}

// customerStore knows one customer's first and last click and stores
// what Collect adds.
type customerStore struct {
	Store
	customer Customer
	clicks   map[string]link.ClickRef
	added    []Conversion
}

func (s *customerStore) Click(_ context.Context, cid string) (link.ClickRef, error) {
	if ref, ok := s.clicks[cid]; ok {
		return ref, nil
	}
	return link.ClickRef{}, apperr.New(apperr.NotFound, "error.not_found", nil)
}

func (s *customerStore) Customer(_ context.Context, _ int64, id string) (Customer, error) {
	if id != s.customer.ID {
		return Customer{}, apperr.New(apperr.NotFound, "error.not_found", nil)
	}
	return s.customer, nil
}

func (s *customerStore) AddConversions(_ context.Context, as []Addition) ([]Added, error) {
	out := make([]Added, len(as))
	for i, a := range as {
		c := a.Conversion
		c.ID = int64(len(s.added) + 1)
		s.added = append(s.added, c)
		out[i] = Added{Conversion: c}
	}
	return out, nil
}

// ConversionFacts gives each conversion added in [from, to) every click
// of [since, to) as a touch, as the customer's events carried them all.
func (s *customerStore) ConversionFacts(_ context.Context, _ int64, from, to, since time.Time) ([]Fact, error) {
	var out []Fact
	for _, c := range s.added {
		if c.At.Before(from) || !c.At.Before(to) {
			continue
		}
		fa := Fact{Conversion: c}
		for _, ref := range s.clicks {
			if !ref.At.Before(since) && ref.At.Before(to) {
				fa.Touches = append(fa.Touches, Touch{ClickID: ref.ClickID, LinkID: ref.LinkID, At: ref.At})
			}
		}
		out = append(out, fa)
	}
	return out, nil
}

// TestCustomerClickBeforeTheEvent: an event that carries only a customer
// id is attributed to the customer's latest known click at or before it
// (the last, else the first), within Window: a click made after a
// purchase, even a minute after (the skew a carried cid is allowed), earns
// nothing for it (Attribute), and does not hide the click before it.
func TestCustomerClickBeforeTheEvent(t *testing.T) {
	t.Parallel()
	bought := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name        string
		first, last time.Duration // from the purchase
		want        string        // "first", "last" or "" (unattributed)
	}{
		{"last click an hour before", -48 * time.Hour, -time.Hour, "last"},
		{"last click two minutes after", -48 * time.Hour, 2 * time.Minute, "first"},
		{"last click the next day", -48 * time.Hour, 24 * time.Hour, "first"},
		{"one click, two minutes after", 2 * time.Minute, 2 * time.Minute, ""},
		{"first click too old, last after", -31 * 24 * time.Hour, time.Hour, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ref := func(at time.Time, linkID int64) link.ClickRef {
				return link.ClickRef{ClickID: cidAt(t, at), WorkspaceID: 1, LinkID: linkID, At: at, Class: "human"}
			}
			first, last := ref(bought.Add(tt.first), 1), ref(bought.Add(tt.last), 2)
			st := &customerStore{
				customer: Customer{ID: "c-1", FirstClickID: first.ClickID, FirstAt: first.At, LastClickID: last.ClickID, LastAt: last.At},
				clicks:   map[string]link.ClickRef{first.ClickID: first, last.ClickID: last},
			}
			s := NewService(st)
			s.Now = func() time.Time { return bought.Add(48 * time.Hour) }
			ts := bought
			res, err := s.Collect(context.Background(), Site{WorkspaceID: 1, Currency: "CNY"}, SourceServer,
				Payload{Event: Purchase, CustomerID: "c-1", OrderID: "o-1", Value: 10, TS: &ts})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{first.ClickID: "first", last.ClickID: "last"}[st.added[0].ClickID]
			if got != tt.want || res.Attributed != (tt.want != "") {
				t.Errorf("attributed %v to the %q click; want %q", res.Attributed, got, tt.want)
			}
		})
	}
}

// batchStore is a customerStore that records the marks of clicks.
type batchStore struct {
	customerStore
	marks []string
}

func (s *batchStore) MarkClicks(_ context.Context, cids []string, engaged map[string]bool) error {
	for _, cid := range cids {
		s.marks = append(s.marks, fmt.Sprintf("%s landed=true engaged=%t", cid, engaged[cid]))
	}
	return nil
}

// TestCollectBatchMarksEachClickOnce: a batch marks a click once with all
// its visits say, a landing and an engaged visit in one mark, and the
// batch's marks go to the store in one call (one transaction on SQLite);
// a visit after VisitSpan marks nothing.
func TestCollectBatchMarksEachClickOnce(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ref := func(at time.Time) link.ClickRef {
		return link.ClickRef{ClickID: cidAt(t, at), WorkspaceID: 1, LinkID: 1, At: at, Class: "human"}
	}
	a, b, late := ref(now.Add(-3*time.Hour)), ref(now.Add(-2*time.Hour)), ref(now.Add(-time.Hour))
	st := &batchStore{customerStore: customerStore{clicks: map[string]link.ClickRef{a.ClickID: a, b.ClickID: b, late.ClickID: late}}}
	s := NewService(st)
	s.Now = func() time.Time { return now }
	at := func(r link.ClickRef, d time.Duration) *time.Time { ts := r.At.Add(d); return &ts }
	res, err := s.CollectBatch(context.Background(), Site{WorkspaceID: 1, Currency: "CNY"}, SourceServer, []Payload{
		{Event: Landing, ClickID: a.ClickID, TS: at(a, 5*time.Second)},
		{Event: Landing, ClickID: b.ClickID, TS: at(b, 5*time.Second)},
		{Event: Engaged, ClickID: a.ClickID, TS: at(a, time.Minute)},
		{Event: Landing, ClickID: late.ClickID, TS: at(late, VisitSpan+time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 || !res[2].Attributed || res[2].Event != Engaged {
		t.Errorf("results %+v; want four, the third an attributed engaged visit", res)
	}
	want := []string{a.ClickID + " landed=true engaged=true", b.ClickID + " landed=true engaged=false"}
	if !slices.Equal(st.marks, want) {
		t.Errorf("marks\n%q\nwant\n%q", st.marks, want)
	}
}
