package link

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// statsStore answers LinkStats with the hourly points in [from, to), as
// the databases do.
type statsStore struct {
	Store
	hourly []Point
}

func (s statsStore) LinkStats(_ context.Context, _, _ int64, from, to time.Time) (Stats, error) {
	var st Stats
	for _, p := range s.hourly {
		if !p.At.Before(from) && p.At.Before(to) {
			st.Hourly = append(st.Hourly, p)
		}
	}
	return st, nil
}

// TestStatsDays: a link's figures run on whole UTC hours from the first
// at or after each edge, as the funnel's and the campaign's do, so that in
// Asia/Kolkata (UTC+05:30) the day 2026-03-01 is the 24 hours from 00:30:
// the hour from 23:30 the day before is not in it, the hour from 23:30
// that evening is, and no day before it shows.
func TestStatsDays(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	point := func(at time.Time, n int64) Point { return Point{At: at, Counts: Counts{Clicks: n}} }
	s := NewService(statsStore{hourly: []Point{
		point(utc(0, 18), 1),    // 2026-02-28 23:30 in Kolkata
		point(utc(0, 19), 10),   // 03-01 00:30
		point(utc(1, 18), 100),  // 03-01 23:30
		point(utc(1, 19), 1000), // 03-02 00:30
	}}, Options{})
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, loc), time.Date(2026, 3, 2, 0, 0, 0, 0, loc)
	st, err := s.Stats(context.Background(), 1, 1, from, to, loc)
	if err != nil {
		t.Fatal(err)
	}
	if !st.From.Equal(utc(0, 19)) || !st.To.Equal(utc(1, 19)) {
		t.Errorf("period %v – %v, want %v – %v", st.From, st.To, utc(0, 19), utc(1, 19))
	}
	if st.Totals.Clicks != 110 {
		t.Errorf("%d clicks, want 110", st.Totals.Clicks)
	}
	if len(st.Daily) != 1 || !st.Daily[0].At.Equal(from) || st.Daily[0].Clicks != 110 {
		t.Errorf("days %+v, want 2026-03-01 with 110 clicks", st.Daily)
	}
}

// updateStore holds one link for Update.
type updateStore struct {
	Store
	l       Link
	updated *Link
}

func (s updateStore) Link(context.Context, int64, int64) (Link, error)        { return s.l, nil }
func (s updateStore) AllowedDomains(context.Context, int64) ([]string, error) { return nil, nil }
func (s updateStore) UpdateLink(_ context.Context, l Link) error              { *s.updated = l; return nil }

// TestUpdateTaggedTooLong: a new destination is refused, as on create,
// when it is too long with the link's UTM tags, not stored to be cut or
// refused later.
func TestUpdateTaggedTooLong(t *testing.T) {
	t.Parallel()
	tag := func(c string) string { return strings.Repeat(c, maxUTM) }
	var updated Link
	s := NewService(updateStore{l: Link{ID: 1, WorkspaceID: 1, Code: "abcdefg", Destination: "https://example.com/",
		UTM: UTM{Source: tag("s"), Medium: tag("m"), Campaign: tag("c"), Content: tag("t")}}, updated: &updated}, Options{})
	long := "https://example.com/" + strings.Repeat("a", MaxDestination-len("https://example.com/"))
	_, err := s.Update(context.Background(), 1, 1, Update{Destination: &long})
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != "destination" || ae.Fields[0].Key != "error.too_long" {
		t.Errorf("update to a %d-byte destination with four %d-byte tags: %v, want destination too long", len(long), maxUTM, err)
	}
	if updated.Destination != "" {
		t.Errorf("stored %d bytes", len(updated.Destination))
	}
}

// outsideStore has an allowlist and links.
type outsideStore struct {
	Store
	allow []string
	refs  []LinkRef
}

func (s outsideStore) AllowedDomains(context.Context, int64) ([]string, error) { return s.allow, nil }
func (s outsideStore) EachLinkDestination(_ context.Context, _ int64, fn func(LinkRef) error) error {
	for _, r := range s.refs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// TestOutsideAllowlist: the links outside are those whose host is neither
// a listed domain in force nor under one, counted all, the first n kept;
// with no list, none.
func TestOutsideAllowlist(t *testing.T) {
	t.Parallel()
	refs := []LinkRef{
		{ID: 5, Destination: "https://SHOP.example.com./a"},
		{ID: 4, Destination: "https://evil.example.org/"},
		{ID: 3, Destination: "https://m.shop.example.com/b"},
		{ID: 2, Destination: "https://notshop.example.com/"},
		{ID: 1, Destination: "https://example.com/"},
	}
	tests := []struct {
		name  string
		allow []string
		n     int
		count int
		ids   []int64
	}{
		{"two kept", []string{"shop.example.com"}, 2, 3, []int64{4, 2}},
		{"all kept", []string{"shop.example.com"}, 5, 3, []int64{4, 2, 1}},
		{"parent domain", []string{"example.com", "example.org"}, 5, 0, nil},
		{"old refused entry allows nothing", []string{"shop.example.com", "com", "org"}, 5, 3, []int64{4, 2, 1}},
		{"no list", nil, 5, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := NewService(outsideStore{allow: tt.allow, refs: refs}, Options{}).OutsideAllowlist(context.Background(), 1, tt.n)
			var ids []int64
			for _, r := range o.Newest {
				ids = append(ids, r.ID)
			}
			if err != nil || o.Count != tt.count || !slices.Equal(ids, tt.ids) {
				t.Errorf("OutsideAllowlist = %d %v, %v; want %d %v", o.Count, ids, err, tt.count, tt.ids)
			}
		})
	}
}

// TestCreateRefusesIDs: an id that is no id, or names no campaign of the
// workspace among other mistakes, is one mistake at its field that says
// which id, not two vague ones.
func TestCreateRefusesIDs(t *testing.T) {
	t.Parallel()
	neg, zero, missing := int64(-1), int64(0), int64(999)
	s := NewService(outsideStore{}, Options{CampaignSlug: func(_ context.Context, _, id int64) (string, error) {
		return "", apperr.NotFoundf("campaign")
	}})
	for _, tt := range []struct {
		name string
		in   Input
		want []string
	}{
		{"negative campaign", Input{Destination: "https://shop.example.com/", CampaignID: &neg}, []string{"campaign_id:error.link_campaign:-1"}},
		{"zero post", Input{Destination: "https://shop.example.com/", PostID: &zero}, []string{"post_id:error.link_post:0"}},
		{"missing campaign among other mistakes", Input{Destination: "https://shop.example.com/", Channel: "Not A Channel", CampaignID: &missing},
			[]string{"channel:error.link_channel:<nil>", "campaign_id:error.link_campaign:999"}},
	} {
		_, err := s.Create(context.Background(), 1, tt.in)
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			t.Fatalf("%s: %v, want field errors", tt.name, err)
		}
		var got []string
		for _, f := range ae.Fields {
			got = append(got, f.Field+":"+f.Key+":"+fmt.Sprint(f.Args["Value"]))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
