package metric

import (
	"testing"
	"time"
)

// TestDayStart: a day is measured from the first whole UTC hour in it,
// which is its midnight only in zones a whole number of hours from UTC.
func TestDayStart(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		zone, start string
		from        time.Time // OnHour of the local midnight of at's day
	}{
		{"Asia/Shanghai", "", time.Date(2026, 1, 14, 16, 0, 0, 0, time.UTC)},
		{"UTC", "", time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)},
		{"Asia/Kolkata", "00:30", time.Date(2026, 1, 14, 19, 0, 0, 0, time.UTC)},   // midnight is 18:30Z
		{"Asia/Kathmandu", "00:45", time.Date(2026, 1, 14, 19, 0, 0, 0, time.UTC)}, // 18:15Z
		{"Australia/Adelaide", "00:30", time.Date(2026, 1, 14, 14, 0, 0, 0, time.UTC)},
		{"America/St_Johns", "00:30", time.Date(2026, 1, 15, 4, 0, 0, 0, time.UTC)}, // 03:30Z
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			if got := DayStart(at, loc); got != tt.start {
				t.Errorf("DayStart = %q, want %q", got, tt.start)
			}
			l := at.In(loc)
			if got := OnHour(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)); !got.Equal(tt.from) {
				t.Errorf("OnHour(midnight) = %v, want %v", got, tt.from)
			}
			if got := OnHour(tt.from); !got.Equal(tt.from) {
				t.Errorf("OnHour(%v) = %v, want it unchanged", tt.from, got)
			}
		})
	}
}
