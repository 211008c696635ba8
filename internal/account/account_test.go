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
