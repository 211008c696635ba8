package campaign

import (
	"slices"
	"strconv"
	"testing"
)

// TestMixWarnings: the mix's budget shares and the budget lines on
// platforms are two splits of the money left after the lines on no
// platform, and a plan where they disagree says so.
func TestMixWarnings(t *testing.T) {
	t.Parallel()
	line := func(platform string, planned float64) BudgetLine {
		return BudgetLine{Kind: "kol_fee", Platform: platform, Planned: planned}
	}
	tests := []struct {
		name  string
		mix   []MixEntry
		lines []BudgetLine
		want  []string
	}{
		{"lines within their shares", []MixEntry{{Platform: "weibo", BudgetShare: 60}, {Platform: "douyin", BudgetShare: 40}},
			[]BudgetLine{line("weibo", 6000), line("douyin", 4000)}, nil},
		{"a platform's lines over its share", []MixEntry{{Platform: "weibo", BudgetShare: 90}, {Platform: "douyin", BudgetShare: 10}},
			[]BudgetLine{line("douyin", 8000)}, []string{"mix[1].budget_share warning.campaign.platform_over_mix Planned=8000 Given=1000"}},
		// The shares sum to 100, so lines on no platform (production, the
		// agency) come off the budget before the shares split it;
		// otherwise every plan with such a line would warn.
		{"lines on no platform come off the budget first", []MixEntry{{Platform: "weibo", BudgetShare: 100}},
			[]BudgetLine{line("weibo", 8000), line("", 2000)}, nil},
		{"a platform over its share of what is left", []MixEntry{{Platform: "weibo", BudgetShare: 100}},
			[]BudgetLine{line("weibo", 9000), line("", 2000)}, []string{"mix[0].budget_share warning.campaign.platform_over_mix Planned=9000 Given=8000"}},
		{"lines on a platform outside the mix", []MixEntry{{Platform: "weibo", BudgetShare: 100}},
			[]BudgetLine{line("douyin", 1000)}, []string{"budget_lines warning.campaign.outside_mix_over Planned=1000 Left=0"}},
		{"shares of a hundredth over 100 leave nothing, not less", []MixEntry{{Platform: "weibo", BudgetShare: 33.34}, {Platform: "douyin", BudgetShare: 33.34}, {Platform: "bilibili", BudgetShare: 33.33}},
			[]BudgetLine{line("weibo", 3000)}, nil},
		{"a mix of hours only splits no money", []MixEntry{{Platform: "weibo", HoursShare: 100}},
			[]BudgetLine{line("douyin", 9000)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Campaign{Budget: 10000, Mix: tt.mix, BudgetLines: tt.lines}
			var got []string
			for _, w := range warnings(c, nil, summarize(c, []string{"weibo", "douyin", "bilibili"}), nil) {
				s := w.Field + " " + w.Key
				for _, k := range []string{"Planned", "Given", "Left"} {
					if v, ok := w.Args[k]; ok {
						s += " " + k + "=" + formatArg(v)
					}
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("warnings = %q, want %q", got, tt.want)
			}
		})
	}
}

func formatArg(v any) string {
	f, _ := v.(float64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// TestKPINodeVerdictAndReached: a target is judged by its pace while its
// days run and by its actual once they are over, in its direction, and
// reads as reached only where nothing says it will leave its side: not an
// "at most" target under its value but spending ahead of its days, nor
// one with nothing measured.
func TestKPINodeVerdictAndReached(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name         string
		direction    string
		value        float64
		actual, pace *float64
		ended        bool
		verdict      string
		reached      bool
	}{
		{"nothing measured", AtLeast, 100, nil, nil, false, "", false},
		{"at least, ahead", AtLeast, 100, f(40), f(1.2), false, "on_track", false},
		{"at least, already there", AtLeast, 100, f(120), f(3), false, "on_track", true},
		{"at least, behind", AtLeast, 100, f(10), f(0.5), false, "behind", false},
		{"at least, ended short", AtLeast, 100, f(90), f(0.9), true, "missed", false},
		{"at least 0, running", AtLeast, 0, f(5), nil, false, "", true},
		{"at most, under and on pace", AtMost, 8000, f(1000), f(0.8), false, "on_track", true},
		{"at most, under but spending ahead", AtMost, 8000, f(4500), f(3.5), false, "behind", false},
		{"at most, ended under", AtMost, 8000, f(7000), f(0.875), true, "met", true},
		{"at most, ended over", AtMost, 8000, f(9000), f(1.125), true, "missed", false},
		{"at most, a rate with no pace", AtMost, 30, f(20), nil, false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := KPINode{Target: Target{Direction: tt.direction, Value: tt.value}, Actual: tt.actual, Pace: tt.pace, Ended: tt.ended}
			if got := n.Verdict(); got != tt.verdict {
				t.Errorf("Verdict() = %q, want %q", got, tt.verdict)
			}
			if got := n.Reached(); got != tt.reached {
				t.Errorf("Reached() = %v, want %v", got, tt.reached)
			}
		})
	}
}
