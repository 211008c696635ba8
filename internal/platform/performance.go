package platform

// ChannelResult is what a workspace's own tracked links on one platform
// brought in a period: effective clicks, and the inquiries, leads and
// purchases credited to them.
type ChannelResult struct {
	Platform        string
	EffectiveClicks int64
	Conversions     float64
}

// MinMeasuredClicks is the fewest effective clicks a platform needs for
// its results to count: below it a rate is luck.
const MinMeasuredClicks = 30

// Performance scores each platform's measured results for objective,
// 0–100 against the best platform's: conversions per effective click for
// sales, effective clicks for voice. The other objectives are measured by
// figures Chorus does not hold yet (statements, followers, replies), so
// they get none, and nor does a platform under MinMeasuredClicks.
func Performance(objective string, results []ChannelResult) map[string]float64 {
	if objective != ObjectiveSales && objective != ObjectiveVoice {
		return nil
	}
	sum := map[string]ChannelResult{}
	for _, r := range results {
		t := sum[r.Platform]
		t.EffectiveClicks += r.EffectiveClicks
		t.Conversions += r.Conversions
		sum[r.Platform] = t
	}
	value := map[string]float64{}
	best := 0.0
	for k, r := range sum {
		if k == "" || r.EffectiveClicks < MinMeasuredClicks {
			continue
		}
		v := float64(r.EffectiveClicks)
		if objective == ObjectiveSales {
			v = r.Conversions / float64(r.EffectiveClicks)
		}
		value[k] = v
		best = max(best, v)
	}
	if best == 0 {
		return nil
	}
	for k, v := range value {
		value[k] = 100 * v / best
	}
	return value
}
