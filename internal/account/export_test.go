package account

import "time"

// SetThrottleClock puts a throttle on a clock the test moves.
func SetThrottleClock(t *Throttle, now func() time.Time) { t.now = now }
