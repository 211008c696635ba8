// Package campaign is step 3 of the loop, strategy: per stage of the work,
// what it is for (objective), what success means in numbers (KPI targets),
// which platforms carry it and how budget and hours split between them, and
// which amplification resources it buys. Execution follows this plan and
// evaluation measures against it.
package campaign

import (
	"time"
)

// Objectives a campaign or phase can have. They are the platform catalog's
// objectives, so fit scores rank platforms for them.
var Objectives = []string{"sales", "voice", "pr", "growth", "service"}

// Statuses of a campaign, in their usual order.
var Statuses = []string{"draft", "planned", "active", "done", "cancelled"}

// BudgetKinds are the kinds of budget line.
var BudgetKinds = []string{"kol_fee", "paid_boost", "moderator_fee", "production", "other"}

// Directions of a KPI target.
const (
	AtLeast = "at_least"
	AtMost  = "at_most"
)

// Date is a calendar day, "2006-01-02", in the workspace's time zone. Plans
// speak in days; the workspace zone turns them into instants at the edges.
type Date string

// DateLayout is the layout of a Date.
const DateLayout = "2006-01-02"

// Parse returns the date as midnight in loc, and false when it is not a
// valid date.
func (d Date) Parse(loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation(DateLayout, string(d), loc)
	return t, err == nil
}

// Campaign is one plan: its objective, dates, audience, messages, and the
// phases, targets, platform mix, budget and hours inside it. It is stored
// and validated whole, so a plan is never half-saved.
type Campaign struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Slug        string   `json:"slug"`
	Objective   string   `json:"objective"`
	OwnerID     int64    `json:"owner_id,omitempty"`
	Start       Date     `json:"start"`
	End         Date     `json:"end"`
	Status      string   `json:"status"`
	ProductIDs  []int64  `json:"product_ids"`
	PersonaIDs  []int64  `json:"persona_ids"`
	Pillars     []Pillar `json:"pillars"`
	KeyMessages []string `json:"key_messages"`
	Hashtags    []string `json:"hashtags"`
	// Budget is the total budget in the workspace currency.
	Budget float64 `json:"budget"`

	Phases      []Phase      `json:"phases"`
	Targets     []Target     `json:"targets"`
	Mix         []MixEntry   `json:"mix"`
	BudgetLines []BudgetLine `json:"budget_lines"`
	Hours       []HoursLine  `json:"hours"`
	// LastChildID is the largest id a phase, target or budget line was
	// given. Ids are never given twice: a form still open on a deleted
	// phase would otherwise save over the phase that took its id.
	LastChildID int64 `json:"last_child_id,omitempty"`
	// StoppedAt is when the campaign stopped: when it was marked done or
	// cancelled (the first of the two, if it went from one to the other),
	// zero while it has any other status. The team's hours cost nothing
	// after it. The service keeps it; what a request sends is ignored.
	StoppedAt time.Time `json:"stopped_at,omitzero"`

	// Version counts saves; an update that names an older version is
	// refused, so two editors do not overwrite each other unseen.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Pillar is a content theme with its share of the campaign's posts, in
// percent; the shares sum to 100.
type Pillar struct {
	Name  string  `json:"name"`
	Share float64 `json:"share"`
}

// Phase is an ordered stage inside a campaign (预热 warm-up, 引爆 launch,
// 持续 sustain, 收尾 wrap-up) with its own objective. Phases lie inside the
// campaign and do not overlap.
type Phase struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Objective string `json:"objective"`
	Start     Date   `json:"start"`
	End       Date   `json:"end"`
}

// Target is a KPI target on a metric key of METRICS.md, for the whole
// campaign (PhaseID 0) or one phase, and for all platforms ("") or one.
type Target struct {
	ID        int64   `json:"id"`
	PhaseID   int64   `json:"phase_id,omitempty"`
	Platform  string  `json:"platform,omitempty"`
	Metric    string  `json:"metric"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Direction string  `json:"direction"`
	// Baseline is what the figure was before, to compare with; nil when
	// unknown.
	Baseline *float64 `json:"baseline,omitempty"`
}

// MixEntry is one platform carrying the campaign: its role, its shares of
// the budget and of the team's hours (each set sums to 100), and how often
// it posts.
type MixEntry struct {
	Platform     string  `json:"platform"`
	Role         string  `json:"role"`
	BudgetShare  float64 `json:"budget_share"`
	HoursShare   float64 `json:"hours_share"`
	PostsPerWeek float64 `json:"posts_per_week"`
}

// BudgetLine is money planned, committed and spent on one thing, optionally
// tied to a platform, a phase and an amplification resource of step 1.
type BudgetLine struct {
	ID          int64   `json:"id"`
	Kind        string  `json:"kind"`
	Description string  `json:"description"`
	Platform    string  `json:"platform,omitempty"`
	PhaseID     int64   `json:"phase_id,omitempty"`
	ResourceID  int64   `json:"resource_id,omitempty"`
	Planned     float64 `json:"planned"`
	Committed   float64 `json:"committed"`
	Spent       float64 `json:"spent"`
}

// HoursLine is the hours a week a team member of step 1 gives the
// campaign.
type HoursLine struct {
	MemberID     int64   `json:"member_id"`
	HoursPerWeek float64 `json:"hours_per_week"`
}

// stopped reports whether the campaign's status says its work is over:
// done, or cancelled.
func (c Campaign) stopped() bool { return c.Status == "done" || c.Status == "cancelled" }

// markStopped keeps StoppedAt as c's status says, old being the campaign
// before this save (zero for a new one): now when c becomes done or
// cancelled, unchanged while it stays either, zero once it runs again. A
// campaign stored stopped before the time was kept takes its last save
// (Campaign.stoppedAt), so later edits do not move it.
func (c *Campaign) markStopped(old Campaign, now time.Time) {
	switch {
	case !c.stopped():
		c.StoppedAt = time.Time{}
	case !old.stopped():
		c.StoppedAt = now.UTC()
	default:
		c.StoppedAt = old.stoppedAt()
	}
}

// stoppedAt is when a done or cancelled campaign stopped: StoppedAt, or
// for one stored so before that was kept, its last save, the latest it
// can have been. It is zero for any other status.
func (c Campaign) stoppedAt() time.Time {
	if !c.stopped() {
		return time.Time{}
	}
	if !c.StoppedAt.IsZero() {
		return c.StoppedAt
	}
	return c.UpdatedAt
}
