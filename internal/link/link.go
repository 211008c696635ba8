// Package link makes tracked short links and handles their clicks: codes,
// destination validation (Chorus is never an open redirect), UTM tagging,
// the redirect's link cache, click classification (human, bot, preview,
// prefetch), visitor hashing with a daily salt, unique clicks, and the
// bounded queue and batch writer that store clicks without the redirect
// ever waiting for the database.
package link

import (
	"context"
	"regexp"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// Link is a tracked short link of a workspace, optionally tied to a
// campaign, a channel (a platform key, the utm_source) and a post.
type Link struct {
	ID          int64      `json:"id"`
	WorkspaceID int64      `json:"-"`
	Code        string     `json:"code"`
	Destination string     `json:"destination"`
	Label       string     `json:"label"`
	CampaignID  *int64     `json:"campaign_id,omitempty"`
	Channel     string     `json:"channel"`
	PostID      *int64     `json:"post_id,omitempty"`
	UTM         UTM        `json:"utm"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	DisabledAt  *time.Time `json:"disabled_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// Counts are the link's totals from the roll-ups, filled by reads.
	Counts Counts `json:"counts"`
}

// Tagged is the destination with the link's UTM parameters.
func (l Link) Tagged() string { return Tag(l.Destination, l.UTM) }

// Active reports whether the link redirects at now: not disabled and not
// expired.
func (l Link) Active(now time.Time) bool {
	return l.DisabledAt == nil && (l.ExpiresAt == nil || now.Before(*l.ExpiresAt))
}

// Counts are click totals of METRICS.md. EffectiveFallback says that some
// of the effective clicks are unique clicks: those before the first hour
// in which a person's landing was reported from the link's destination
// (all of them when none ever was), when it did not carry the snippet yet,
// as METRICS.md defines for that case; reports say so.
type Counts struct {
	Clicks            int64 `json:"clicks"`
	HumanClicks       int64 `json:"human_clicks"`
	UniqueClicks      int64 `json:"unique_clicks"`
	EffectiveClicks   int64 `json:"effective_clicks"`
	EngagedVisits     int64 `json:"engaged_visits"`
	EffectiveFallback bool  `json:"effective_fallback,omitempty" doc:"Some effective clicks are unique clicks, counted so before the destination reported landings (METRICS.md); absent otherwise"`
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Clicks += o.Clicks
	c.HumanClicks += o.HumanClicks
	c.UniqueClicks += o.UniqueClicks
	c.EffectiveClicks += o.EffectiveClicks
	c.EngagedVisits += o.EngagedVisits
	c.EffectiveFallback = c.EffectiveFallback || o.EffectiveFallback
}

// Input is a new link as a client asks for it. UTM parameters are derived
// (utm_source = channel, utm_medium = social, utm_campaign = the campaign's
// slug, utm_content = the post id or the label) unless given.
type Input struct {
	Destination string     `json:"destination"`
	Label       string     `json:"label,omitempty"`
	CampaignID  *int64     `json:"campaign_id,omitempty"`
	Channel     string     `json:"channel,omitempty"`
	PostID      *int64     `json:"post_id,omitempty"`
	UTMCampaign string     `json:"utm_campaign,omitempty"`
	UTMContent  string     `json:"utm_content,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	Disabled    bool       `json:"disabled,omitempty"`
}

// Update changes a link; nil fields stay as they are. Changing the
// destination re-applies the link's UTM parameters.
type Update struct {
	Destination *string    `json:"destination,omitempty"`
	Label       *string    `json:"label,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	// ClearExpiry removes the expiry.
	ClearExpiry bool  `json:"clear_expiry,omitempty"`
	Disabled    *bool `json:"disabled,omitempty"`
}

// Filter narrows a list of links.
type Filter struct {
	CampaignID *int64
	Channel    string
	// Limit is how many links, newest first, at most MaxList; 0 means
	// MaxList.
	Limit int
}

// MaxList bounds one list of links.
const MaxList = 1000

// Totals are the counts of all a workspace's links, however many a list
// holds. EffectiveFallback says that some of the effective clicks are
// unique clicks (see Counts).
type Totals struct {
	Links int64 `json:"links"`
	Counts
}

// Limits of a link's fields.
const (
	MaxLabel   = 200
	maxUTM     = 200
	maxChannel = 40
)

var channelRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)

// ValidChannel reports whether c names a channel as links do (weibo,
// wechat, phone): what the funnel groups clicks and conversions by.
func ValidChannel(c string) bool { return channelRE.MatchString(c) }

func validateInput(in Input) apperr.Fields {
	var fs apperr.Fields
	if len([]rune(in.Label)) > MaxLabel {
		fs.Add("label", "error.too_long", "Max", MaxLabel)
	}
	if in.Channel != "" && !ValidChannel(in.Channel) {
		fs.Add("channel", "error.link_channel")
	}
	if in.CampaignID != nil && *in.CampaignID <= 0 {
		fs.Add("campaign_id", "error.link_campaign", "Value", *in.CampaignID)
	}
	if in.PostID != nil && *in.PostID <= 0 {
		fs.Add("post_id", "error.link_post", "Value", *in.PostID)
	}
	if len(in.UTMCampaign) > maxUTM {
		fs.Add("utm_campaign", "error.too_long", "Max", maxUTM)
	}
	if len(in.UTMContent) > maxUTM {
		fs.Add("utm_content", "error.too_long", "Max", maxUTM)
	}
	return fs
}

// Store keeps links. Writes that name a link of another workspace return
// apperr.NotFound, as for a link that does not exist.
type Store interface {
	// CreateLink stores a new link and returns it with its id. Returns
	// apperr.Conflict if the code is taken.
	CreateLink(ctx context.Context, l Link) (Link, error)
	// Link returns one link with its counts. Returns apperr.NotFound.
	Link(ctx context.Context, workspaceID, id int64) (Link, error)
	// Links returns the workspace's links, newest first, with counts, at
	// most f.Limit of them (MaxList when 0).
	Links(ctx context.Context, workspaceID int64, f Filter) ([]Link, error)
	// LinkTotals counts the workspace's links and sums the counts of all
	// of them.
	LinkTotals(ctx context.Context, workspaceID int64) (Totals, error)
	// UpdateLink saves a changed link. Returns apperr.NotFound.
	UpdateLink(ctx context.Context, l Link) error
	// DeleteLink removes a link and its clicks. Returns apperr.NotFound.
	DeleteLink(ctx context.Context, workspaceID, id int64) error
	// LinkByCode returns the link with a code and its workspace's time
	// zone, for the redirect. Returns apperr.NotFound.
	LinkByCode(ctx context.Context, code string) (Link, string, error)
	// LinkVersion counts the changes and deletions of links made so far
	// by every node sharing the database.
	LinkVersion(ctx context.Context) (int64, error)
	// EachLinkDestination calls fn with every link of the workspace, newest
	// first, with only what LinkRef holds, one at a time: a workspace may
	// hold hundreds of thousands of links, which no caller should need at
	// once. It stops at fn's first error and returns it.
	EachLinkDestination(ctx context.Context, workspaceID int64, fn func(LinkRef) error) error
	// AllowedDomains returns the workspace's destination-domain
	// allowlist, empty when every domain is allowed.
	AllowedDomains(ctx context.Context, workspaceID int64) ([]string, error)
	// SetAllowedDomains replaces the allowlist.
	SetAllowedDomains(ctx context.Context, workspaceID int64, domains []string) error
	// LinkStats returns the hourly roll-ups of a link in [from, to) and
	// its breakdowns over the raw clicks of that range. Returns
	// apperr.NotFound.
	LinkStats(ctx context.Context, workspaceID, id int64, from, to time.Time) (Stats, error)
}

// LinkRef is what a look over all of a workspace's links needs of each.
type LinkRef struct {
	ID          int64
	Code        string
	Label       string
	Destination string
}

// Stats are a link's figures over a period.
type Stats struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Totals Counts    `json:"totals"`
	// Hourly has one point per hour that saw clicks (UTC hours).
	Hourly []Point `json:"hourly"`
	// Daily has one point per calendar day of the workspace, every day of
	// the period included.
	Daily []Point `json:"daily"`
	// Breakdowns count clicks by class, device, os, browser, referrer and
	// region, largest first.
	Breakdowns map[string][]Bucket `json:"breakdowns"`
}

// Point is the counts of one bucket of time.
type Point struct {
	At time.Time `json:"at"`
	Counts
}

// Bucket is the clicks with one value of a dimension.
type Bucket struct {
	Key         string `json:"key"`
	Clicks      int64  `json:"clicks"`
	HumanClicks int64  `json:"human_clicks"`
}

// Dimensions are the breakdowns of Stats.
var Dimensions = []string{"class", "device", "os", "browser", "referrer", "region"}

// ClickRef is what the conversion side needs of a stored click: whose it
// is and how it counted.
type ClickRef struct {
	ClickID     string    `json:"click_id"`
	WorkspaceID int64     `json:"workspace_id"`
	LinkID      int64     `json:"link_id"`
	CampaignID  *int64    `json:"campaign_id,omitempty"`
	Channel     string    `json:"channel"`
	PostID      *int64    `json:"post_id,omitempty"`
	At          time.Time `json:"at"`
	Visitor     string    `json:"visitor"`
	Class       string    `json:"class"`
	Unique      bool      `json:"unique"`
	Landed      bool      `json:"landed"`
	Engaged     bool      `json:"engaged"`
}
