package platform

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
)

// Store keeps each workspace's overrides of the catalog: one JSON merge
// patch per platform key. It stores what the Service gives it and judges
// nothing; the Service has validated every patch before it is stored.
type Store interface {
	// Overrides returns the workspace's patches by platform key; an empty
	// map (not an error) when there are none.
	Overrides(ctx context.Context, workspaceID int64) (map[string]json.RawMessage, error)
	// SetOverride stores the patch for a platform when the stored one is
	// still prev (nil: none), else returns apperr.Conflict.
	SetOverride(ctx context.Context, workspaceID int64, key string, prev, patch json.RawMessage) error
	// DeleteOverride removes the patch for a platform. When there is none it
	// may succeed or return apperr.NotFound; the Service treats both as done.
	DeleteOverride(ctx context.Context, workspaceID int64, key string) error
}

// Service is the platform catalog as a workspace sees it: the shipped
// catalog with the workspace's own corrections applied, and fit scores
// computed from that view.
type Service struct {
	catalog *Catalog
	store   Store
	// Results, when set, reads what the workspace's own tracked links
	// brought on each platform lately, which fit scores as measured
	// performance (Performance); without it that component stays empty.
	Results func(ctx context.Context, workspaceID int64) ([]ChannelResult, error)
}

// NewService returns a service over a catalog (usually Load's) and a store.
func NewService(catalog *Catalog, store Store) *Service {
	return &Service{catalog: catalog, store: store}
}

// Entry is one platform as a workspace sees it. Overridden lists the JSON
// paths the workspace has set ("peak_hours.weekday"), so that pages can mark
// them and offer a reset; Override is the stored patch itself. When a stored
// patch no longer applies (a newer catalog changed the shape), the catalog's
// platform is shown, InvalidOverride is true and the patch is kept for the
// user to fix or reset.
type Entry struct {
	Platform
	Overridden      []string        `json:"overridden"`
	Override        json.RawMessage `json:"override,omitempty"`
	InvalidOverride bool            `json:"invalid_override,omitempty"`
}

// Name returns a platform's display names from the shipped catalog, and
// false for an unknown key; see Catalog.Name. A workspace's override of
// the name shows on the platform's own pages, not here.
func (s *Service) Name(key string) (Text, bool) { return s.catalog.Name(key) }

// Keys returns the catalog's platform keys in catalog order, for pages
// that let a person pick or type a platform.
func (s *Service) Keys() []string { return s.catalog.Keys() }

// CatalogVersion is the version of the catalog the service reads from.
func (s *Service) CatalogVersion() string { return s.catalog.Version() }

// List returns every platform of the catalog, in catalog order, with the
// workspace's overrides applied.
func (s *Service) List(ctx context.Context, workspaceID int64) ([]Entry, error) {
	overrides, err := s.overrides(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	platforms := s.catalog.Platforms()
	out := make([]Entry, len(platforms))
	for i, p := range platforms {
		out[i] = entry(p, overrides[p.Key])
	}
	return out, nil
}

// Get returns one platform with the workspace's override applied. Returns
// apperr.NotFound if the key is not in the catalog.
func (s *Service) Get(ctx context.Context, workspaceID int64, key string) (Entry, error) {
	base, err := s.catalog.Platform(key)
	if err != nil {
		return Entry{}, err
	}
	overrides, err := s.overrides(ctx, workspaceID)
	if err != nil {
		return Entry{}, err
	}
	return entry(base, overrides[key]), nil
}

// SetOverride merges patch (a JSON merge patch, see Apply) into the
// workspace's override of one platform, so a workspace can correct one field
// after another; the result must validate before it is stored. A patch that
// leaves nothing overridden removes the override. Returns apperr.NotFound
// for an unknown key and apperr.Invalid, with field errors, for a patch that
// is not an object, changes the key, does not fit the type or makes the
// platform invalid.
func (s *Service) SetOverride(ctx context.Context, workspaceID int64, key string, patch json.RawMessage) (Entry, error) {
	return s.setOverride(ctx, workspaceID, key, patch, true, nil)
}

// ReplaceOverride stores patch as the workspace's whole override of one
// platform, as an editor that shows the whole override saves it: a
// correction left out of it goes. shown is the stored override the editor
// showed (empty for none): when another save has changed it since, the
// save is refused with apperr.Conflict (error.platform.override_changed),
// since replacing it would drop that save's corrections unseen. Other
// errors as SetOverride.
func (s *Service) ReplaceOverride(ctx context.Context, workspaceID int64, key string, shown, patch json.RawMessage) (Entry, error) {
	if shown == nil {
		shown = json.RawMessage{}
	}
	return s.setOverride(ctx, workspaceID, key, patch, false, shown)
}

// setOverride saves patch, merged into the stored override or replacing
// it; with shown not nil, only over that stored override.
func (s *Service) setOverride(ctx context.Context, workspaceID int64, key string, patch json.RawMessage, merge bool, shown json.RawMessage) (Entry, error) {
	base, err := s.catalog.Platform(key)
	if err != nil {
		return Entry{}, err
	}
	next, err := decodePatch(patch)
	if err != nil {
		return Entry{}, err
	}
	if k, ok := next["key"]; ok {
		if k != key {
			var fs apperr.Fields
			fs.Add("key", "error.immutable")
			return Entry{}, fs.Err()
		}
		delete(next, "key")
	}
	for try := 1; ; try++ {
		e, err := s.saveOverride(ctx, workspaceID, base, next, merge, shown)
		if apperr.Is(err, apperr.Conflict) && try < saveTries {
			continue // another save came first: merge over it
		}
		return e, err
	}
}

// saveTries bounds the tries of one save under concurrent saves.
const saveTries = 5

// saveOverride validates and stores next, merged into the stored
// override when merge is set, over the override it read, which must be
// shown when shown is not nil.
func (s *Service) saveOverride(ctx context.Context, workspaceID int64, base Platform, next map[string]any, merge bool, shown json.RawMessage) (Entry, error) {
	key := base.Key
	overrides, err := s.overrides(ctx, workspaceID)
	if err != nil {
		return Entry{}, err
	}
	if shown != nil && !bytes.Equal(shown, overrides[key]) {
		return Entry{}, apperr.New(apperr.Conflict, "error.platform.override_changed", nil)
	}
	composed := next
	if prev, perr := decodePatch(overrides[key]); merge && len(overrides[key]) > 0 && perr == nil {
		composed = composePatches(prev, next)
	}
	if _, err := applyPatch(base, composed); err != nil {
		return Entry{}, err
	}
	if len(patchPaths(composed)) == 0 {
		if _, had := overrides[key]; had {
			if err := s.deleteOverride(ctx, workspaceID, key); err != nil {
				return Entry{}, err
			}
		}
		return entry(base, nil), nil
	}
	raw, err := json.Marshal(composed)
	if err != nil {
		return Entry{}, apperr.Wrap(err, "encode platform override")
	}
	if err := s.store.SetOverride(ctx, workspaceID, key, overrides[key], raw); err != nil {
		return Entry{}, apperr.Wrap(err, "store platform override")
	}
	return entry(base, raw), nil
}

// ResetOverride drops the workspace's override of one platform and returns
// the catalog's platform. Resetting a platform without an override is not
// an error. Returns apperr.NotFound for an unknown key.
func (s *Service) ResetOverride(ctx context.Context, workspaceID int64, key string) (Entry, error) {
	base, err := s.catalog.Platform(key)
	if err != nil {
		return Entry{}, err
	}
	if err := s.deleteOverride(ctx, workspaceID, key); err != nil {
		return Entry{}, err
	}
	return entry(base, nil), nil
}

// Fit ranks every platform, with the workspace's overrides applied, for a
// persona and an objective; see Rank for the formula, and Performance for
// the measured component. Returns apperr.Invalid with field "objective"
// for an objective not in Objectives, and with "persona.…" fields for a
// persona whose bands or shares are out of their closed sets or ranges.
func (s *Service) Fit(ctx context.Context, workspaceID int64, persona brand.Persona, objective string) ([]Fit, error) {
	fits, err := s.FitEach(ctx, workspaceID, []brand.Persona{persona}, objective)
	if err != nil {
		return nil, err
	}
	return fits[0], nil
}

// FitEach is Fit for each of personas, reading the workspace's platforms
// and results once.
func (s *Service) FitEach(ctx context.Context, workspaceID int64, personas []brand.Persona, objective string) ([][]Fit, error) {
	if err := checkObjective(objective); err != nil {
		return nil, err
	}
	entries, err := s.List(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	platforms := make([]Platform, len(entries))
	for i, e := range entries {
		platforms[i] = e.Platform
	}
	var measured map[string]float64
	if s.Results != nil {
		results, err := s.Results(ctx, workspaceID)
		if err != nil {
			return nil, apperr.Wrap(err, "read measured results")
		}
		measured = Performance(objective, results)
	}
	out := make([][]Fit, len(personas))
	for i, p := range personas {
		if out[i], err = Rank(platforms, p, objective, measured); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) overrides(ctx context.Context, workspaceID int64) (map[string]json.RawMessage, error) {
	m, err := s.store.Overrides(ctx, workspaceID)
	if err != nil {
		return nil, apperr.Wrap(err, "load platform overrides")
	}
	return m, nil
}

// deleteOverride removes an override; one already gone is not an error.
func (s *Service) deleteOverride(ctx context.Context, workspaceID int64, key string) error {
	err := s.store.DeleteOverride(ctx, workspaceID, key)
	if err == nil || apperr.Is(err, apperr.NotFound) {
		return nil
	}
	return apperr.Wrap(err, "delete platform override")
}

// entry applies a stored patch for display; a patch that no longer applies
// is flagged, not fatal, so one stale override cannot break the page.
func entry(base Platform, patch json.RawMessage) Entry {
	e := Entry{Platform: base, Overridden: []string{}}
	if len(patch) == 0 {
		return e
	}
	e.Override = patch
	p, err := decodePatch(patch)
	if err != nil {
		e.InvalidOverride = true
		return e
	}
	applied, err := applyPatch(base, p)
	if err != nil {
		e.InvalidOverride = true
		return e
	}
	e.Platform = applied
	e.Overridden = patchPaths(p)
	return e
}
