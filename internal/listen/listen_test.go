package listen_test

import (
	"testing"

	"github.com/chorus-hq/chorus/internal/listen"
)

func TestAlertCaused(t *testing.T) {
	ids := make([]int64, 50)
	for _, tt := range []struct {
		name string
		a    listen.Alert
		want int
	}{
		{"crisis words, more than the mentions kept", listen.Alert{Kind: "crisis_word", Value: 60, MentionIDs: ids}, 60},
		{"crisis words, all kept", listen.Alert{Kind: "crisis_word", Value: 2, MentionIDs: ids[:2]}, 2},
		{"volume spike: its examples", listen.Alert{Kind: "volume_spike", Value: 4.2, MentionIDs: ids[:7]}, 7},
	} {
		if got := tt.a.Caused(); got != tt.want {
			t.Errorf("%s: Caused() = %d, want %d", tt.name, got, tt.want)
		}
	}
}
