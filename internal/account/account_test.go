package account_test

import (
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
)

func TestWorkspaceTimeZone(t *testing.T) {
	t.Parallel()
	tests := []struct{ zone, key string }{
		{"Asia/Shanghai", ""},
		{"Europe/Berlin", ""}, // summer time, still whole hours
		{"UTC", ""},
		{"Asia/Kolkata", ""},       // UTC+5:30
		{"Asia/Kathmandu", ""},     // UTC+5:45
		{"Australia/Adelaide", ""}, // +9:30 and +10:30
		{"Mars/Olympus", "error.time_zone"},
		{"", "error.time_zone"},
	}
	for _, tt := range tests {
		w := account.Workspace{Slug: "acme", Name: "Acme", TimeZone: tt.zone, Currency: "CNY"}
		err := w.Validate()
		if tt.key == "" {
			if err != nil {
				t.Errorf("time zone %q: %v, want none", tt.zone, err)
			}
			continue
		}
		if got := fieldKeys(t, err)["time_zone"]; got != tt.key {
			t.Errorf("time zone %q: error %q, want %q", tt.zone, got, tt.key)
		}
	}
}

// TestWorkspaceLocation: a workspace's zone where it is set and known,
// else the default one new workspaces get; every page, API and import
// reads it through Location.
func TestWorkspaceLocation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ zone, want string }{
		{"Europe/Berlin", "Europe/Berlin"},
		{"UTC", "UTC"},
		{"", account.DefaultTimeZone},
		{"Mars/Olympus", account.DefaultTimeZone},
	} {
		w := account.Workspace{TimeZone: tt.zone}
		if got := w.Location().String(); got != tt.want {
			t.Errorf("zone %q: location %s, want %s", tt.zone, got, tt.want)
		}
	}
}
