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
