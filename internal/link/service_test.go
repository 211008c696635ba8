package link

import (
	"context"
	"testing"
	"time"
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
