package account_test

import (
	"errors"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
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

// TestWorkspaceCurrency: a workspace's currency is an ISO 4217 code in
// capitals; three capitals that no country uses are refused, and the error
// names what was typed.
func TestWorkspaceCurrency(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code string
		ok   bool
	}{
		{"CNY", true},
		{"EUR", true},
		{"USD", true},
		{"XYZ", false}, // three capitals, no currency
		{"QQQ", false},
		{"cny", false}, // amounts are stored with capitals
		{"CN", false},
		{"CNYY", false},
	} {
		w := account.Workspace{Slug: "acme", Name: "Acme", TimeZone: "Asia/Shanghai", Currency: tt.code}
		err := w.Validate()
		if tt.ok != (err == nil) || tt.ok != account.ValidCurrency(tt.code) {
			t.Errorf("currency %q: Validate = %v, ValidCurrency = %v; want valid %v", tt.code, err, account.ValidCurrency(tt.code), tt.ok)
			continue
		}
		if tt.ok {
			continue
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != "currency" || ae.Fields[0].Key != "error.currency" || ae.Fields[0].Args["Value"] != tt.code {
			t.Errorf("currency %q: error %+v; want currency error.currency naming the value", tt.code, err)
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
