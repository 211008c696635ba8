package metric

import "time"

// OnHour returns t, or the next whole UTC hour when t is not on one.
// Clicks and mentions are kept per UTC hour, so in a time zone that is not
// a whole number of hours from UTC (Asia/Kolkata, UTC+05:30) they cannot
// be cut at local midnight: every figure of a day is measured from the
// first whole UTC hour in it (00:30 to 00:30 in Kolkata), the hour each
// roll-up's day is read by, so that clicks, conversions and mentions cover
// the same hours and none is counted twice. Both edges of a period go
// through OnHour, so that adjacent periods meet.
func OnHour(t time.Time) time.Time {
	if h := t.Truncate(time.Hour); !h.Equal(t) {
		return h.Add(time.Hour)
	}
	return t
}

// DayStart is the local time ("00:30") from which the day of loc holding t
// is measured (OnHour of its midnight), or "" when that is midnight, as
// in every zone a whole number of hours from UTC. A page whose figures
// run by days says so when it is not "".
func DayStart(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	start := OnHour(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc))
	if at := start.In(loc).Format("15:04"); at != "00:00" {
		return at
	}
	return ""
}
