package campaign

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/platform"
)

// Store keeps campaigns whole, one row each, scoped by workspace: a
// campaign of another workspace does not exist. It stores what the Service
// gives it and judges nothing.
type Store interface {
	// Campaigns returns the workspace's campaigns; none is an empty slice.
	Campaigns(ctx context.Context, workspaceID int64) ([]Campaign, error)
	// Campaign returns one campaign. Returns apperr.NotFound if it does not
	// exist in the workspace.
	Campaign(ctx context.Context, workspaceID, id int64) (Campaign, error)
	// CreateCampaign stores a new campaign with version 1 and returns it
	// with its id, version and times. Returns apperr.Conflict with field
	// "slug" when the slug is taken in the workspace.
	CreateCampaign(ctx context.Context, workspaceID int64, c Campaign) (Campaign, error)
	// UpdateCampaign replaces campaign c.ID when its stored version is
	// expectVersion, and returns it with the next version. Returns
	// apperr.NotFound if it does not exist in the workspace, and
	// apperr.Conflict when the stored version differs or the slug is taken
	// (field "slug").
	UpdateCampaign(ctx context.Context, workspaceID int64, c Campaign, expectVersion int64) (Campaign, error)
	// DeleteCampaign removes a campaign. Returns apperr.NotFound if it does
	// not exist in the workspace.
	DeleteCampaign(ctx context.Context, workspaceID, id int64) error
}

// Service is step 3, strategy: it validates every plan whole before it is
// stored, so a campaign is never half-saved, and derives the plan view
// (fit, budget sums, hours, KPI tree, warnings) from it.
type Service struct {
	store     Store
	brands    *brand.Service
	platforms *platform.Service
	catalog   *platform.Catalog
	// Now is the clock, for generated slugs and for how far KPI actuals
	// are measured; tests set it.
	Now func() time.Time
	// Measurer measures KPI actuals; nil leaves them empty.
	Measurer Measurer
	// dryRun makes every write check what it would store and store
	// nothing (DryRun).
	dryRun bool
}

// DryRun returns a service whose writes (Create, FromTemplate, Update,
// Delete and every change of a part) check everything a real write checks
// and return what they would store, with the same errors, but store
// nothing. A form with a value that does not parse uses it to tell the
// form's other mistakes in the same answer.
func (s *Service) DryRun() *Service {
	d := *s
	d.dryRun = true
	return &d
}

// NewService returns the campaign service. brands checks and names the
// products, personas, team members and amplifiers a campaign refers to;
// platforms scores fit; catalog checks platform keys. None may be nil.
func NewService(store Store, brands *brand.Service, platforms *platform.Service, catalog *platform.Catalog) *Service {
	if store == nil || brands == nil || platforms == nil || catalog == nil {
		panic("campaign.NewService: store, brands, platforms and catalog are required")
	}
	return &Service{store: store, brands: brands, platforms: platforms, catalog: catalog, Now: time.Now}
}

// List returns the workspace's campaigns, the newest start first (then the
// newest created); none is an empty slice.
func (s *Service) List(ctx context.Context, workspaceID int64) ([]Campaign, error) {
	cs, err := s.store.Campaigns(ctx, workspaceID)
	if err != nil {
		return nil, apperr.Wrap(err, "list campaigns")
	}
	if cs == nil {
		cs = []Campaign{}
	}
	slices.SortStableFunc(cs, func(a, b Campaign) int {
		if c := cmp.Compare(b.Start, a.Start); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return cs, nil
}

// Get returns one campaign. Returns apperr.NotFound if it does not exist in
// the workspace.
func (s *Service) Get(ctx context.Context, workspaceID, id int64) (Campaign, error) {
	if id <= 0 {
		return Campaign{}, notFound()
	}
	c, err := s.store.Campaign(ctx, workspaceID, id)
	if err != nil {
		return Campaign{}, storeErr(err, "read campaign")
	}
	return c, nil
}

// Create validates c whole and stores it. An empty slug is generated
// (ASCII, from the start date and a random part) and an empty status is
// "draft". Child ids (phases, targets, budget lines) that are set are kept,
// so that one request can tie targets and budget lines to its phases; unset
// ones get max+1 within the campaign. Returns apperr.Invalid with the
// fields that are wrong, and apperr.Conflict with field "slug" when a given
// slug is taken.
func (s *Service) Create(ctx context.Context, workspaceID int64, c Campaign) (Campaign, error) {
	c.ID, c.Version = 0, 0
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	if c.Status == "" {
		c.Status = "draft"
	}
	c.markStopped(Campaign{}, s.Now())
	assignIDs(&c)
	generated := c.Slug == ""
	if generated {
		c.Slug = s.newSlug(c.Start)
	}
	if err := s.check(ctx, workspaceID, &c, refs{}); err != nil {
		return Campaign{}, err
	}
	if s.dryRun {
		return c, nil
	}
	for attempt := 0; ; attempt++ {
		out, err := s.store.CreateCampaign(ctx, workspaceID, c)
		if generated && attempt < 3 && apperr.Is(err, apperr.Conflict) {
			c.Slug = s.newSlug(c.Start)
			continue
		}
		if err != nil {
			return Campaign{}, storeErr(err, "create campaign")
		}
		return out, nil
	}
}

// Update replaces campaign id's top-level fields (name, slug, objective,
// owner, dates, status, products, personas, pillars, key messages,
// hashtags, budget) with c's and keeps its phases, targets, mix, budget
// lines and hours, then validates the result whole. c.Version, when not 0,
// must be the stored version. Returns apperr.NotFound if the campaign does
// not exist in the workspace, apperr.Conflict when c.Version is stale or
// the slug is taken (field "slug"), and apperr.Invalid with the fields that
// are wrong — also when the new dates leave a phase outside.
func (s *Service) Update(ctx context.Context, workspaceID, id int64, c Campaign) (Campaign, error) {
	old, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return Campaign{}, err
	}
	if c.Version != 0 && c.Version != old.Version {
		return Campaign{}, versionConflict()
	}
	next := old
	next.Name, next.Objective, next.OwnerID = c.Name, c.Objective, c.OwnerID
	next.Start, next.End, next.Status = c.Start, c.End, c.Status
	next.ProductIDs, next.PersonaIDs, next.Pillars = c.ProductIDs, c.PersonaIDs, c.Pillars
	next.KeyMessages, next.Hashtags, next.Budget = c.KeyMessages, c.Hashtags, c.Budget
	if c.Slug != "" {
		next.Slug = c.Slug
	}
	next.markStopped(old, s.Now())
	return s.save(ctx, workspaceID, next, old.Version, old.refs())
}

// Delete removes a campaign with everything in it. Returns apperr.NotFound
// if it does not exist in the workspace.
func (s *Service) Delete(ctx context.Context, workspaceID, id int64) error {
	if s.dryRun {
		_, err := s.Get(ctx, workspaceID, id)
		return err
	}
	if id <= 0 {
		return notFound()
	}
	return storeErr(s.store.DeleteCampaign(ctx, workspaceID, id), "delete campaign")
}

// AddPhase adds a phase with the next id and returns the campaign, phases
// in date order. A phase without an objective takes the campaign's.
// Returns apperr.NotFound for a missing campaign and apperr.Invalid with
// fields under "phases[i]." when the phase is wrong, falls outside the
// campaign or overlaps another.
func (s *Service) AddPhase(ctx context.Context, workspaceID, id int64, p Phase) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		p.ID = c.childID()
		c.Phases = append(c.Phases, p)
		return nil
	})
}

// UpdatePhase replaces a phase, keeping its id. shown is the Digest of the
// phase as the editor showed it, "" to replace it whatever it is now.
// Returns apperr.NotFound for a missing campaign or phase, PartChanged when
// the phase is no longer as shown, and apperr.Invalid as AddPhase does.
func (s *Service) UpdatePhase(ctx context.Context, workspaceID, id, phaseID int64, p Phase, shown string) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		p.ID = phaseID
		return replaceChild(c.Phases, p, phaseID, "phase", shown)
	})
}

// DeletePhase removes a phase with its targets, and unties the budget lines
// tied to it. Returns apperr.NotFound for a missing campaign or phase.
func (s *Service) DeletePhase(ctx context.Context, workspaceID, id, phaseID int64) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		var err error
		if c.Phases, err = deleteChild(c.Phases, phaseID, "phase"); err != nil {
			return err
		}
		c.Targets = slices.DeleteFunc(c.Targets, func(t Target) bool { return t.PhaseID == phaseID })
		for j := range c.BudgetLines {
			if c.BudgetLines[j].PhaseID == phaseID {
				c.BudgetLines[j].PhaseID = 0
			}
		}
		return nil
	})
}

// AddTarget adds a KPI target with the next id; an empty unit or direction
// is taken from the metric. Returns apperr.NotFound for a missing campaign
// and apperr.Invalid with fields under "targets[i]." for an unknown metric,
// a wrong unit, a value out of range, an unknown phase or platform, or a
// value above its campaign's target on an additive metric.
func (s *Service) AddTarget(ctx context.Context, workspaceID, id int64, t Target) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		t.ID = c.childID()
		c.Targets = append(c.Targets, t)
		return nil
	})
}

// UpdateTarget replaces a KPI target, keeping its id; shown as for
// UpdatePhase. Returns apperr.NotFound for a missing campaign or target,
// PartChanged, and apperr.Invalid as AddTarget does.
func (s *Service) UpdateTarget(ctx context.Context, workspaceID, id, targetID int64, t Target, shown string) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		t.ID = targetID
		return replaceChild(c.Targets, t, targetID, "target", shown)
	})
}

// DeleteTarget removes a KPI target. Returns apperr.NotFound for a missing
// campaign or target.
func (s *Service) DeleteTarget(ctx context.Context, workspaceID, id, targetID int64) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		var err error
		c.Targets, err = deleteChild(c.Targets, targetID, "target")
		return err
	})
}

// SetMix replaces the platform mix as a whole, since its shares must sum to
// 100 together; shown is the Digest of the mix as the editor showed it, ""
// to replace it whatever it is now. Returns apperr.NotFound for a missing
// campaign, PartChanged when the mix is no longer as shown, and
// apperr.Invalid with fields under "mix" for unknown or repeated
// platforms, shares out of 0–100 or not summing to 100, and negative
// posting rates.
func (s *Service) SetMix(ctx context.Context, workspaceID, id int64, mix []MixEntry, shown string) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		if err := unchanged(c.Mix, shown); err != nil {
			return err
		}
		c.Mix = slices.Clone(mix)
		return nil
	})
}

// AddBudgetLine adds a budget line with the next id. Returns
// apperr.NotFound for a missing campaign and apperr.Invalid with fields
// under "budget_lines[i]." for a wrong kind, negative amounts, an unknown
// platform, phase or resource, and at "budget_lines" when the planned
// amounts together exceed the campaign's budget.
func (s *Service) AddBudgetLine(ctx context.Context, workspaceID, id int64, l BudgetLine) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		l.ID = c.childID()
		c.BudgetLines = append(c.BudgetLines, l)
		return nil
	})
}

// UpdateBudgetLine replaces a budget line, keeping its id; shown as for
// UpdatePhase. Returns apperr.NotFound for a missing campaign or line,
// PartChanged, and apperr.Invalid as AddBudgetLine does.
func (s *Service) UpdateBudgetLine(ctx context.Context, workspaceID, id, lineID int64, l BudgetLine, shown string) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		l.ID = lineID
		return replaceChild(c.BudgetLines, l, lineID, "budget_line", shown)
	})
}

// DeleteBudgetLine removes a budget line. Returns apperr.NotFound for a
// missing campaign or line.
func (s *Service) DeleteBudgetLine(ctx context.Context, workspaceID, id, lineID int64) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		var err error
		c.BudgetLines, err = deleteChild(c.BudgetLines, lineID, "budget_line")
		return err
	})
}

// SetHours replaces the hours plan as a whole; shown as for SetMix.
// Returns apperr.NotFound for a missing campaign, PartChanged, and
// apperr.Invalid with fields under "hours[i]." for unknown or repeated
// members and hours outside 0–168. A member planned above their weekly
// hours is a Plan warning, not an error.
func (s *Service) SetHours(ctx context.Context, workspaceID, id int64, hours []HoursLine, shown string) (Campaign, error) {
	return s.change(ctx, workspaceID, id, func(c *Campaign) error {
		if err := unchanged(c.Hours, shown); err != nil {
			return err
		}
		c.Hours = slices.Clone(hours)
		return nil
	})
}

// Digest is the version of one part of a campaign as an editor shows it:
// a phase, a target, a budget line, the mix or the hours plan. The editor
// sends it back with its save, so that a save over a part someone else
// has changed since is refused (PartChanged) instead of silently undoing
// their change. The whole campaign's Version would also refuse saves of
// parts nobody else touched.
func Digest(part any) string {
	b, err := json.Marshal(part)
	if err != nil {
		return "" // plain data always encodes; "" checks nothing
	}
	return brand.Digest(b)
}

// PartChanged is the error of a save refused because the part it replaces
// changed after the editor showed it (see Digest).
func PartChanged() error { return apperr.New(apperr.Conflict, "error.campaign.part_changed", nil) }

// unchanged checks part against the digest an editor showed; "" checks
// nothing.
func unchanged(part any, shown string) error {
	if shown != "" && Digest(part) != shown {
		return PartChanged()
	}
	return nil
}

// change loads a campaign, applies fn and saves the result whole against
// the version it loaded. fn changes one child, which no caller pinned to
// a version, so a save that another one beat is tried again on the new
// version: several people adding budget lines at once all succeed.
func (s *Service) change(ctx context.Context, workspaceID, id int64, fn func(c *Campaign) error) (Campaign, error) {
	for try := 1; ; try++ {
		c, err := s.Get(ctx, workspaceID, id)
		if err != nil {
			return Campaign{}, err
		}
		version, had := c.Version, c.refs()
		// fn keeps the status: this only fixes a time not kept before.
		c.markStopped(c, s.Now())
		if err := fn(&c); err != nil {
			return Campaign{}, err
		}
		out, err := s.save(ctx, workspaceID, c, version, had)
		if apperr.Is(err, apperr.Conflict) && isVersionConflict(err) && try < changeTries {
			continue
		}
		return out, err
	}
}

// changeTries bounds the tries of one change under concurrent saves.
const changeTries = 5

func isVersionConflict(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Key == "error.campaign.version_conflict"
}

// save stores c over the version it was loaded at; had are the step-1
// items it named then (Campaign.refs).
func (s *Service) save(ctx context.Context, workspaceID int64, c Campaign, version int64, had refs) (Campaign, error) {
	if err := s.check(ctx, workspaceID, &c, had); err != nil {
		return Campaign{}, err
	}
	if s.dryRun {
		return c, nil
	}
	out, err := s.store.UpdateCampaign(ctx, workspaceID, c, version)
	if err != nil {
		return Campaign{}, storeErr(err, "update campaign")
	}
	return out, nil
}

// check normalizes c, validates it on its own and against the workspace
// (catalog platforms, products, personas, members, amplifiers), and sorts
// its phases; all field errors come back in one apperr.Invalid. Items in
// had, which the stored campaign already named, pass even when deleted
// since: a persona deleted from step 1 must not lock every campaign that
// names it against renaming a phase.
func (s *Service) check(ctx context.Context, workspaceID int64, c *Campaign, had refs) error {
	c.normalize()
	var fs apperr.Fields
	if err := c.Validate(); err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
			return err
		}
		fs = append(fs, ae.Fields...)
	}
	refs, err := s.references(ctx, workspaceID)
	if err != nil {
		return err
	}
	refs.add(had)
	for i, t := range c.Targets {
		if t.Platform != "" && !s.catalog.Has(t.Platform) {
			fs.Add(fmt.Sprintf("targets[%d].platform", i), "error.unknown_platform", "Value", t.Platform)
		}
	}
	for i, m := range c.Mix {
		if m.Platform != "" && !s.catalog.Has(m.Platform) {
			fs.Add(fmt.Sprintf("mix[%d].platform", i), "error.unknown_platform", "Value", m.Platform)
		}
	}
	for i, l := range c.BudgetLines {
		if l.Platform != "" && !s.catalog.Has(l.Platform) {
			fs.Add(fmt.Sprintf("budget_lines[%d].platform", i), "error.unknown_platform", "Value", l.Platform)
		}
		if l.ResourceID > 0 && !refs.amplifiers[l.ResourceID] {
			fs.Add(fmt.Sprintf("budget_lines[%d].resource_id", i), "error.campaign.unknown_resource", "Value", l.ResourceID)
		}
	}
	for i, id := range c.ProductIDs {
		if id > 0 && !refs.products[id] {
			fs.Add(fmt.Sprintf("product_ids[%d]", i), "error.campaign.unknown_product", "Value", id)
		}
	}
	for i, id := range c.PersonaIDs {
		if id > 0 && !refs.personas[id] {
			fs.Add(fmt.Sprintf("persona_ids[%d]", i), "error.campaign.unknown_persona", "Value", id)
		}
	}
	if c.OwnerID > 0 && !refs.members[c.OwnerID] {
		fs.Add("owner_id", "error.campaign.unknown_member", "Value", c.OwnerID)
	}
	for i, h := range c.Hours {
		if h.MemberID > 0 && !refs.members[h.MemberID] {
			fs.Add(fmt.Sprintf("hours[%d].member_id", i), "error.campaign.unknown_member", "Value", h.MemberID)
		}
	}
	if err := fs.Err(); err != nil {
		return err
	}
	c.sortPhases()
	body, err := json.Marshal(c)
	if err != nil {
		return apperr.New(apperr.Invalid, "error.not_finite", nil)
	}
	if len(body) > MaxBody {
		return apperr.New(apperr.Invalid, "error.too_large", map[string]any{"Max": MaxBody})
	}
	return nil
}

// refs are the ids of the workspace's step-1 items a campaign may name.
type refs struct {
	products, personas, members, amplifiers map[int64]bool
}

// refs are the step-1 items c names.
func (c Campaign) refs() refs {
	r := refs{products: map[int64]bool{}, personas: map[int64]bool{}, members: map[int64]bool{}, amplifiers: map[int64]bool{}}
	for _, id := range c.ProductIDs {
		r.products[id] = true
	}
	for _, id := range c.PersonaIDs {
		r.personas[id] = true
	}
	r.members[c.OwnerID] = true
	for _, h := range c.Hours {
		r.members[h.MemberID] = true
	}
	for _, l := range c.BudgetLines {
		r.amplifiers[l.ResourceID] = true
	}
	return r
}

// add allows the items of o too.
func (r refs) add(o refs) {
	for _, p := range []struct{ into, from map[int64]bool }{
		{r.products, o.products}, {r.personas, o.personas}, {r.members, o.members}, {r.amplifiers, o.amplifiers},
	} {
		for id := range p.from {
			p.into[id] = true
		}
	}
}

func (s *Service) references(ctx context.Context, workspaceID int64) (refs, error) {
	var r refs
	var err error
	if r.products, err = idSet(s.brands.Products.List(ctx, workspaceID)); err != nil {
		return r, apperr.Wrap(err, "list products")
	}
	if r.personas, err = idSet(s.brands.Personas.List(ctx, workspaceID)); err != nil {
		return r, apperr.Wrap(err, "list personas")
	}
	if r.members, err = idSet(s.brands.Team.List(ctx, workspaceID)); err != nil {
		return r, apperr.Wrap(err, "list team")
	}
	if r.amplifiers, err = idSet(s.brands.Amplifiers.List(ctx, workspaceID)); err != nil {
		return r, apperr.Wrap(err, "list amplifiers")
	}
	return r, nil
}

func idSet[T any, P interface {
	*T
	ItemID() int64
}](items []T, err error) (map[int64]bool, error) {
	if err != nil {
		return nil, err
	}
	m := make(map[int64]bool, len(items))
	for i := range items {
		m[P(&items[i]).ItemID()] = true
	}
	return m, nil
}

// assignIDs numbers the children of a new campaign that have no id, each
// kind from 1 up, as the request's phase_id references count them.
func assignIDs(c *Campaign) {
	next := nextID(c.Phases, idOf[Phase])
	for i := range c.Phases {
		if c.Phases[i].ID == 0 {
			c.Phases[i].ID = next
			next++
		}
	}
	next = nextID(c.Targets, idOf[Target])
	for i := range c.Targets {
		if c.Targets[i].ID == 0 {
			c.Targets[i].ID = next
			next++
		}
	}
	next = nextID(c.BudgetLines, idOf[BudgetLine])
	for i := range c.BudgetLines {
		if c.BudgetLines[i].ID == 0 {
			c.BudgetLines[i].ID = next
			next++
		}
	}
}

// nextID returns max+1 over the ids of items.
func nextID[T any](items []T, id func(T) int64) int64 {
	var m int64
	for _, it := range items {
		m = max(m, id(it))
	}
	return m + 1
}

// childID returns an id no child of c has had (LastChildID), for a child
// added to a stored campaign; campaigns saved before LastChildID start
// above their children's ids.
func (c *Campaign) childID() int64 {
	for _, p := range c.Phases {
		c.LastChildID = max(c.LastChildID, p.ID)
	}
	for _, t := range c.Targets {
		c.LastChildID = max(c.LastChildID, t.ID)
	}
	for _, l := range c.BudgetLines {
		c.LastChildID = max(c.LastChildID, l.ID)
	}
	c.LastChildID++
	return c.LastChildID
}

// newSlug returns an ASCII slug from a start date and a random part,
// "20260115-3fa2"; today's date when start is not a valid date.
func (s *Service) newSlug(start Date) string {
	day := strings.ReplaceAll(string(start), "-", "")
	if _, ok := start.Time(); !ok {
		day = s.Now().Format("20060102")
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return day + "-" + hex.EncodeToString(b)
}

func notFound() error {
	return apperr.New(apperr.NotFound, "error.campaign.not_found", nil)
}

func childNotFound(kind string) error {
	return apperr.New(apperr.NotFound, "error.campaign.child_not_found", map[string]any{"Kind": kind})
}

func versionConflict() error {
	return apperr.New(apperr.Conflict, "error.campaign.version_conflict", nil)
}

// storeErr keeps the store's apperr codes and wraps anything else; a
// NotFound gets the campaign's own message.
func storeErr(err error, what string) error {
	if err == nil {
		return nil
	}
	switch apperr.CodeOf(err) {
	case apperr.NotFound:
		return notFound()
	case apperr.Internal:
		return apperr.Wrap(err, what)
	}
	return err
}

// child is a numbered part of a campaign: a phase, a target, a budget line.
type child interface {
	Phase | Target | BudgetLine
}

func idOf[T child](v T) int64 {
	switch v := any(v).(type) {
	case Phase:
		return v.ID
	case Target:
		return v.ID
	case BudgetLine:
		return v.ID
	}
	return 0
}

// replaceChild puts v where the child with id is; apperr.NotFound when
// there is none, PartChanged when it is no longer as shown.
func replaceChild[T child](list []T, v T, id int64, kind, shown string) error {
	i := slices.IndexFunc(list, func(x T) bool { return idOf(x) == id })
	if i < 0 {
		return childNotFound(kind)
	}
	if err := unchanged(list[i], shown); err != nil {
		return err
	}
	list[i] = v
	return nil
}

// deleteChild removes the child with id; apperr.NotFound when there is
// none.
func deleteChild[T child](list []T, id int64, kind string) ([]T, error) {
	i := slices.IndexFunc(list, func(x T) bool { return idOf(x) == id })
	if i < 0 {
		return list, childNotFound(kind)
	}
	return slices.Delete(list, i, i+1), nil
}
