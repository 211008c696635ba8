package link

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/metric"
)

// Options tune a Service; the zero value works.
type Options struct {
	// CampaignSlug returns the slug of a workspace's campaign, the
	// utm_campaign of its links; it returns apperr.NotFound for a campaign
	// that does not exist. When nil, links of a campaign use
	// "campaign-<id>" unless the input names utm_campaign.
	CampaignSlug func(ctx context.Context, workspaceID, campaignID int64) (string, error)
	// CacheSize bounds the redirect's link cache (default 100,000).
	CacheSize int
	// CacheTTL is how long a cached link is trusted before it is reloaded
	// (default 30 s). A change made on another node shows sooner, at the
	// next Sync.
	CacheTTL time.Duration
	// Now is the clock; tests set it.
	Now func() time.Time
}

// Service makes and changes links and resolves codes for the redirect.
type Service struct {
	store Store
	opt   Options
	cache *Cache
	locs  sync.Map // time zone name -> *time.Location

	// version is the link version of the last Sync; -1 before the first.
	syncMu  sync.Mutex
	version int64

	// ListLimit is how many links a list without a Limit holds (MaxList);
	// tests lower it, to hold more links than a list without making a
	// thousand.
	ListLimit int
}

func (s *Service) location(tz string) *time.Location {
	if v, ok := s.locs.Load(tz); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	s.locs.Store(tz, loc)
	return loc
}

// NewService returns the link service over st.
func NewService(st Store, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{store: st, opt: o, version: -1, ListLimit: MaxList}
	s.cache = NewCache(o.CacheSize, o.CacheTTL, s.load)
	s.cache.now = o.Now
	return s
}

// codeAttempts bounds the retries when a new code is taken.
const codeAttempts = 8

// Create validates in, tags the destination and stores a new link with a
// fresh code. Returns apperr.Invalid with every field's mistake at once,
// a destination outside the workspace's allowlist included, and
// apperr.NotFound for a campaign that does not exist, unless in has other
// mistakes, which campaign_id then joins.
func (s *Service) Create(ctx context.Context, workspaceID int64, in Input) (Link, error) {
	l, err := s.prepare(ctx, workspaceID, in)
	if err != nil {
		return Link{}, err
	}
	for range codeAttempts {
		l.Code = NewCode()
		created, err := s.store.CreateLink(ctx, l)
		if apperr.Is(err, apperr.Conflict) {
			continue
		}
		if err == nil {
			s.cache.Invalidate(created.Code)
		}
		return created, err
	}
	return Link{}, apperr.Wrap(errCodesExhausted, "create link")
}

// Validate checks in as Create does, without storing a link: a form
// that has mistakes of its own learns every other at once. Its errors are
// Create's.
func (s *Service) Validate(ctx context.Context, workspaceID int64, in Input) error {
	_, err := s.prepare(ctx, workspaceID, in)
	return err
}

// prepare is the link Create would store, but its code, or every field
// mistake of in; a campaign that does not exist is apperr.NotFound when
// in has no other mistake, one of its field errors (campaign_id) when it
// has.
func (s *Service) prepare(ctx context.Context, workspaceID int64, in Input) (Link, error) {
	fs := validateInput(in)
	allow, err := s.store.AllowedDomains(ctx, workspaceID)
	if err != nil {
		return Link{}, err
	}
	dest, derr := ValidateDestination("destination", in.Destination, allow)
	fs.Nest("", derr)
	now := s.opt.Now().UTC()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		fs.Add("expires_at", "error.link_expiry_past")
	}
	l := Link{
		WorkspaceID: workspaceID, Destination: dest, Label: in.Label,
		CampaignID: in.CampaignID, Channel: in.Channel, PostID: in.PostID,
		ExpiresAt: utcPtr(in.ExpiresAt),
	}
	l.UTM, err = s.utm(ctx, workspaceID, in)
	switch {
	case apperr.Is(err, apperr.NotFound) && fs.Err() != nil:
		// Among other mistakes, the missing campaign is one more, unless
		// its id was already refused as no id at all.
		if *in.CampaignID > 0 {
			fs.Add("campaign_id", "error.link_campaign", "Value", *in.CampaignID)
		}
	case err != nil:
		return Link{}, err
	case derr == nil && l.taggedTooLong():
		fs.Add("destination", "error.too_long", "Max", MaxDestination)
	}
	if err := fs.Err(); err != nil {
		return Link{}, err
	}
	if in.Disabled {
		l.DisabledAt = &now
	}
	return l, nil
}

type constError string

func (e constError) Error() string { return string(e) }

const errCodesExhausted = constError("no free code after several attempts")

func (s *Service) utm(ctx context.Context, workspaceID int64, in Input) (UTM, error) {
	u := UTM{Source: in.Channel, Medium: "social", Campaign: in.UTMCampaign, Content: in.UTMContent}
	if u.Campaign == "" && in.CampaignID != nil {
		if s.opt.CampaignSlug != nil {
			slug, err := s.opt.CampaignSlug(ctx, workspaceID, *in.CampaignID)
			if err != nil {
				return UTM{}, err
			}
			u.Campaign = slug
		} else {
			u.Campaign = "campaign-" + strconv.FormatInt(*in.CampaignID, 10)
		}
	}
	if u.Content == "" {
		if in.PostID != nil {
			u.Content = "post-" + strconv.FormatInt(*in.PostID, 10)
		} else {
			u.Content = Truncate(in.Label, maxUTM)
		}
	}
	return u, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// Get returns a link with its counts. Returns apperr.NotFound.
func (s *Service) Get(ctx context.Context, workspaceID, id int64) (Link, error) {
	return s.store.Link(ctx, workspaceID, id)
}

// List returns the workspace's links, newest first: f.Limit of them, or
// ListLimit when 0, and never more than MaxList. Totals counts them all.
func (s *Service) List(ctx context.Context, workspaceID int64, f Filter) ([]Link, error) {
	if f.Limit <= 0 {
		f.Limit = s.ListLimit
	}
	f.Limit = min(f.Limit, MaxList)
	return s.store.Links(ctx, workspaceID, f)
}

// Totals counts the workspace's links and sums the counts of all of
// them, where a list holds the newest MaxList.
func (s *Service) Totals(ctx context.Context, workspaceID int64) (Totals, error) {
	return s.store.LinkTotals(ctx, workspaceID)
}

// Update changes a link and drops it from the redirect cache. Returns
// apperr.NotFound, or apperr.Invalid for a bad destination or label.
func (s *Service) Update(ctx context.Context, workspaceID, id int64, u Update) (Link, error) {
	l, err := s.updated(ctx, workspaceID, id, u)
	if err != nil {
		return Link{}, err
	}
	if err := s.store.UpdateLink(ctx, l); err != nil {
		return Link{}, err
	}
	s.cache.Invalidate(l.Code)
	return s.store.Link(ctx, workspaceID, id)
}

// ValidateUpdate checks u as Update does, without saving it: a form that
// has mistakes of its own learns every other at once. Its errors are
// Update's.
func (s *Service) ValidateUpdate(ctx context.Context, workspaceID, id int64, u Update) error {
	_, err := s.updated(ctx, workspaceID, id, u)
	return err
}

// updated is the link id with u applied, or every field mistake of u.
func (s *Service) updated(ctx context.Context, workspaceID, id int64, u Update) (Link, error) {
	l, err := s.store.Link(ctx, workspaceID, id)
	if err != nil {
		return Link{}, err
	}
	var fs apperr.Fields
	now := s.opt.Now().UTC()
	if u.Destination != nil {
		allow, err := s.store.AllowedDomains(ctx, workspaceID)
		if err != nil {
			return Link{}, err
		}
		dest, derr := ValidateDestination("destination", *u.Destination, allow)
		fs.Nest("", derr)
		l.Destination = dest
		if derr == nil && l.taggedTooLong() {
			fs.Add("destination", "error.too_long", "Max", MaxDestination)
		}
	}
	if u.Label != nil {
		if len([]rune(*u.Label)) > MaxLabel {
			fs.Add("label", "error.too_long", "Max", MaxLabel)
		}
		l.Label = *u.Label
	}
	switch {
	case u.ClearExpiry:
		l.ExpiresAt = nil
	case u.ExpiresAt != nil:
		if !u.ExpiresAt.After(now) {
			fs.Add("expires_at", "error.link_expiry_past") // disabling stops a link now
		}
		l.ExpiresAt = utcPtr(u.ExpiresAt)
	}
	if u.Disabled != nil {
		switch {
		case *u.Disabled && l.DisabledAt == nil:
			l.DisabledAt = &now
		case !*u.Disabled:
			l.DisabledAt = nil
		}
	}
	return l, fs.Err()
}

// taggedTooLong tells whether the destination with the link's UTM tags
// is longer than a destination and its four tags may be.
func (l Link) taggedTooLong() bool { return len(l.Tagged()) > MaxDestination+4*maxUTM }

// Delete removes a link and its clicks. Returns apperr.NotFound.
func (s *Service) Delete(ctx context.Context, workspaceID, id int64) error {
	l, err := s.store.Link(ctx, workspaceID, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteLink(ctx, workspaceID, id); err != nil {
		return err
	}
	s.cache.Invalidate(l.Code)
	return nil
}

// AllowedDomains returns the workspace's destination-domain allowlist as
// stored, entries refused since included; InForce tells which allow.
func (s *Service) AllowedDomains(ctx context.Context, workspaceID int64) ([]string, error) {
	return s.store.AllowedDomains(ctx, workspaceID)
}

// SetAllowedDomains replaces the allowlist with the cleaned domains and
// returns them; an empty list allows every domain. Existing links keep
// their destinations. Returns apperr.Invalid for a malformed domain.
func (s *Service) SetAllowedDomains(ctx context.Context, workspaceID int64, domains []string) ([]string, error) {
	clean, err := NormalizeDomains(domains)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetAllowedDomains(ctx, workspaceID, clean); err != nil {
		return nil, err
	}
	return clean, nil
}

// Outside is the links of a workspace whose destinations its allowlist
// does not allow: made before the list, or before a domain left it.
type Outside struct {
	// Count is all of them.
	Count int
	// Newest are the newest of them, up to the number asked for.
	Newest []LinkRef
}

// OutsideAllowlist returns how many of the workspace's links have a
// destination host its allowlist does not allow (DomainAllowed by its
// domains InForce), none when it has no list, with the newest n of them. It goes through the
// links one at a time and keeps only those n, so that a workspace of
// 100,000 links costs a pass over them, not their room in memory. The
// redirect does not look at the list: such links go on redirecting to
// their destinations.
func (s *Service) OutsideAllowlist(ctx context.Context, workspaceID int64, n int) (Outside, error) {
	stored, err := s.store.AllowedDomains(ctx, workspaceID)
	if err != nil || len(stored) == 0 {
		return Outside{}, err
	}
	allow, _ := InForce(stored)
	var out Outside
	err = s.store.EachLinkDestination(ctx, workspaceID, func(r LinkRef) error {
		if u, err := url.Parse(r.Destination); err == nil && DomainAllowed(u.Hostname(), allow) {
			return nil
		}
		out.Count++
		if len(out.Newest) < n {
			out.Newest = append(out.Newest, r)
		}
		return nil
	})
	if err != nil {
		return Outside{}, err
	}
	return out, nil
}

// MaxStatsRange bounds the period of one stats request.
const MaxStatsRange = 400 * 24 * time.Hour

// Stats returns a link's figures in [from, to), both on the first whole
// UTC hour at or after them (metric.OnHour), with daily points in loc.
// A zero from means 30 days before to; a zero to means now. Returns
// apperr.NotFound, or apperr.Invalid for a period that is reversed or too
// long.
func (s *Service) Stats(ctx context.Context, workspaceID, id int64, from, to time.Time, loc *time.Location) (Stats, error) {
	if loc == nil {
		loc = time.UTC
	}
	if to.IsZero() {
		to = s.opt.Now()
	}
	if from.IsZero() {
		from = to.Add(-30 * 24 * time.Hour)
	}
	var fs apperr.Fields
	if !from.Before(to) {
		fs.Add("from", "error.link_stats_range")
	} else if to.Sub(from) > MaxStatsRange {
		fs.Add("to", "error.link_stats_range")
	}
	if err := fs.Err(); err != nil {
		return Stats{}, err
	}
	// Clicks are kept by the UTC hour: both edges move to the first whole
	// hour at or after them, so that a day of a zone such as Asia/Kolkata
	// runs from 00:30 to 00:30, as the funnel's and the campaign's days.
	from, to = metric.OnHour(from.UTC()), metric.OnHour(to.UTC())
	st, err := s.store.LinkStats(ctx, workspaceID, id, from, to)
	if err != nil {
		return Stats{}, err
	}
	st.From, st.To = from, to
	st.Totals = Counts{}
	for _, p := range st.Hourly {
		st.Totals.Add(p.Counts)
	}
	st.Daily = Daily(st.Hourly, from, to, loc)
	if st.Hourly == nil {
		st.Hourly = []Point{}
	}
	return st, nil
}

// Daily sums hourly points into the calendar days of loc that [from, to)
// touches, every day present: an hour counts on the day it begins in, so
// that in a zone not a whole number of hours from UTC a day runs from its
// first whole UTC hour (metric.DayStart).
func Daily(hourly []Point, from, to time.Time, loc *time.Location) []Point {
	dayOf := func(t time.Time) time.Time {
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	}
	out := []Point{}
	index := map[time.Time]int{}
	for d := dayOf(from); metric.OnHour(d).Before(to); d = d.AddDate(0, 0, 1) {
		index[d] = len(out)
		out = append(out, Point{At: d})
	}
	for _, p := range hourly {
		if i, ok := index[dayOf(p.At)]; ok {
			out[i].Counts.Add(p.Counts)
		}
	}
	return out
}

// Resolve returns the link with code for the redirect, from the cache.
// A code that is not a code, or that no link has, resolves to a Resolved
// that is not Found.
func (s *Service) Resolve(ctx context.Context, code string) (Resolved, error) {
	if !ValidCode(code) {
		return Resolved{}, nil
	}
	return s.cache.Get(ctx, code)
}

// Sync brings the cache in step with link changes made anywhere: when the
// links' change count moved since the last Sync (or this is the first),
// every cached link is marked stale.
func (s *Service) Sync(ctx context.Context) error {
	v, err := s.store.LinkVersion(ctx)
	if err != nil {
		return err
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if v != s.version {
		s.cache.MarkStale()
		s.version = v
	}
	return nil
}

// Follow runs Sync every interval until ctx ends, so that a link
// disabled, changed or deleted on another node stops redirecting here
// within about that interval. A failing Sync is logged when it starts
// failing and tried again next round; meanwhile the cache's TTL still
// bounds how stale a link can be.
func (s *Service) Follow(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		err := s.Sync(ctx)
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			log.Error("follow link changes", "err", err)
		case err == nil && failing:
			log.Info("follow link changes: recovered")
		}
		failing = err != nil
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Cache is the redirect's link cache.
func (s *Service) Cache() *Cache { return s.cache }

func (s *Service) load(ctx context.Context, code string) (Resolved, error) {
	l, tz, err := s.store.LinkByCode(ctx, code)
	if apperr.Is(err, apperr.NotFound) {
		return Resolved{}, nil
	}
	if err != nil {
		return Resolved{}, err
	}
	loc := s.location(tz)
	r := Resolved{Found: true, LinkID: l.ID, WorkspaceID: l.WorkspaceID, Target: SplitTarget(l.Tagged()), Disabled: l.DisabledAt != nil, Loc: loc}
	if l.ExpiresAt != nil {
		r.ExpiresAt = *l.ExpiresAt
	}
	return r, nil
}
