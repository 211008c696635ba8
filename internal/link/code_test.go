package link

import (
	"testing"
	"time"
)

func TestClickIDTime(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cid  string
		want time.Time
		ok   bool
	}{
		{"zero prefix", "-------AAAAAAAAAAAAAAAA", time.UnixMilli(0), true},
		{"one millisecond", "------0AAAAAAAAAAAAAAAA", time.UnixMilli(1), true},
		{"most significant first", "-----0-AAAAAAAAAAAAAAAA", time.UnixMilli(64), true},
		{"largest prefix", "zzzzzzzAAAAAAAAAAAAAAAA", time.UnixMilli(1<<42 - 1), true},
		{"prefix only", "-------", time.UnixMilli(0), true},
		{"too short", "------", time.Time{}, false},
		{"empty", "", time.Time{}, false},
		{"character outside the alphabet", "abc=defAAAAAAAAAAAAAAAA", time.Time{}, false},
		{"non-ASCII", "abcdéfAAAAAAAAAAAAAAAA", time.Time{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ClickIDTime(tt.cid)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("ClickIDTime(%q) = %v, %v; want %v, %v", tt.cid, got, ok, tt.want, tt.ok)
			}
		})
	}

	t.Run("NewClickID round trip", func(t *testing.T) {
		before := time.Now().Truncate(time.Millisecond)
		id := NewClickID()
		after := time.Now()
		got, ok := ClickIDTime(id)
		if !ok || got.Before(before) || got.After(after) {
			t.Errorf("ClickIDTime(%q) = %v, %v; want between %v and %v", id, got, ok, before, after)
		}
		if got.Location() != time.UTC {
			t.Errorf("ClickIDTime(%q) is in %v; want UTC", id, got.Location())
		}
	})
}
