package brand

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// Kinds name the brand documents in storage. They are stored in every row:
// never rename one.
const (
	KindProduct    = "product"
	KindPersona    = "persona"
	KindCompetitor = "competitor"
	KindTeamMember = "team_member"
	KindAmplifier  = "amplifier"
	KindProfile    = "profile"
	KindBudget     = "budget"
)

// MaxBody bounds the JSON body of one item or document in bytes, so that a
// pasted document cannot bloat a workspace; a larger one is apperr.Invalid.
const MaxBody = 64 << 10

// Doc is one stored brand document as the store keeps it: the JSON body of
// an item or a singleton, and the row's bookkeeping. ID is 0 for singletons.
type Doc struct {
	ID        int64
	Name      string
	Body      []byte
	UpdatedAt time.Time
}

// Store keeps brand documents as opaque JSON bytes; the service validates
// and decodes them. Collections are keyed by (workspace, kind, id) and
// singletons by (workspace, kind); every method is scoped by workspace, and
// an item of another workspace or another kind does not exist.
type Store interface {
	// BrandItems returns the items of a kind in the workspace, oldest first;
	// none is an empty result, not an error.
	BrandItems(ctx context.Context, workspaceID int64, kind string) ([]Doc, error)
	// BrandItem returns one item. Returns apperr.NotFound if it does not
	// exist in the workspace with that kind.
	BrandItem(ctx context.Context, workspaceID int64, kind string, id int64) (Doc, error)
	// CreateBrandItem stores a new item and returns its id.
	CreateBrandItem(ctx context.Context, workspaceID int64, kind, name string, body []byte) (int64, error)
	// UpdateBrandItem replaces an item's name and body; when prev is not
	// nil, only if the stored body is still prev. Returns apperr.NotFound
	// if it does not exist in the workspace with that kind, and
	// ChangedError when the stored body is no longer prev.
	UpdateBrandItem(ctx context.Context, workspaceID int64, kind string, id int64, name string, body, prev []byte) error
	// DeleteBrandItem removes an item. Returns apperr.NotFound if it does
	// not exist in the workspace with that kind.
	DeleteBrandItem(ctx context.Context, workspaceID int64, kind string, id int64) error
	// BrandDoc returns a singleton document. Returns apperr.NotFound if it
	// was never saved.
	BrandDoc(ctx context.Context, workspaceID int64, kind string) (Doc, error)
	// PutBrandDoc creates or replaces a singleton document and returns the
	// time it was stored; when prev is not nil, only if the stored body is
	// still prev, an empty prev meaning that none is stored. Returns
	// ChangedError when it is not.
	PutBrandDoc(ctx context.Context, workspaceID int64, kind string, body, prev []byte) (time.Time, error)
}

// Item is what a Collection keeps: a pointer to a brand type that validates
// itself, carries its id and has a title for lists. P is *T, so that the
// collection can hand out values while the methods keep pointer receivers.
type Item[T any] interface {
	*T
	Validate() error
	// ItemID returns the item's id, 0 before it is created.
	ItemID() int64
	// SetItemID sets the id; the service does it, from the stored row.
	SetItemID(id int64)
	// Title names the item in lists.
	Title() string
	// ItemVersion and SetItemVersion are the item's Revision.
	ItemVersion() string
	SetItemVersion(v string)
}

// ChangedError is the error of a save refused because someone else saved
// the item or document after it was read (see Revision).
func ChangedError() error { return apperr.New(apperr.Conflict, "error.brand.changed", nil) }

// Digest is the version of a stored body: it changes whenever the body
// does, and equal bodies have equal digests. A document never stored has
// the version of an empty body. The campaign's parts use it too.
func Digest(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:8])
}

// Service is step 1, "know yourself": the brand profile and budget of a
// workspace, and its collections of products, personas, competitors, team
// members and amplifiers.
type Service struct {
	Products    *Collection[Product, *Product]
	Personas    *Collection[Persona, *Persona]
	Competitors *Collection[Competitor, *Competitor]
	Team        *Collection[TeamMember, *TeamMember]
	Amplifiers  *Collection[Amplifier, *Amplifier]

	store         Store
	knownPlatform func(key string) bool
}

// NewService returns the brand service over store. knownPlatform reports
// whether a key is in the platform catalog; personas, competitor accounts and
// amplifiers may only name known platforms. Neither may be nil.
func NewService(store Store, knownPlatform func(key string) bool) *Service {
	if store == nil || knownPlatform == nil {
		panic("brand.NewService: store and knownPlatform are required")
	}
	s := &Service{store: store, knownPlatform: knownPlatform}
	s.Products = newCollection[Product](s, KindProduct)
	s.Personas = newCollection[Persona](s, KindPersona)
	s.Competitors = newCollection[Competitor](s, KindCompetitor)
	s.Team = newCollection[TeamMember](s, KindTeamMember)
	s.Amplifiers = newCollection[Amplifier](s, KindAmplifier)
	return s
}

// Collection is the list of one kind of brand item in a workspace. Items are
// validated on every write; an item of another workspace does not exist.
type Collection[T any, P Item[T]] struct {
	svc  *Service
	kind string
}

func newCollection[T any, P Item[T]](s *Service, kind string) *Collection[T, P] {
	return &Collection[T, P]{svc: s, kind: kind}
}

// Kind is the stored kind of the collection's items ("product").
func (c *Collection[T, P]) Kind() string { return c.kind }

// List returns the workspace's items, oldest first; none is an empty slice.
func (c *Collection[T, P]) List(ctx context.Context, workspaceID int64) ([]T, error) {
	docs, err := c.svc.store.BrandItems(ctx, workspaceID, c.kind)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(docs))
	for _, d := range docs {
		v, err := c.decode(workspaceID, d)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get returns one item. Returns apperr.NotFound if it does not exist in the
// workspace.
func (c *Collection[T, P]) Get(ctx context.Context, workspaceID, id int64) (T, error) {
	d, err := c.svc.store.BrandItem(ctx, workspaceID, c.kind, id)
	if err != nil {
		var zero T
		return zero, err
	}
	return c.decode(workspaceID, d)
}

// Create validates and stores a new item and returns it with its id; the id
// given is ignored. Returns apperr.Invalid with the fields that are wrong.
func (c *Collection[T, P]) Create(ctx context.Context, workspaceID int64, v T) (T, error) {
	var zero T
	p := P(&v)
	body, err := c.encode(p)
	if err != nil {
		return zero, err
	}
	id, err := c.svc.store.CreateBrandItem(ctx, workspaceID, c.kind, p.Title(), body)
	if err != nil {
		return zero, err
	}
	p.SetItemID(id)
	p.SetItemVersion(Digest(body))
	return v, nil
}

// Update validates v and replaces item id with it, and returns it with its
// new version; the id inside v is ignored. Returns apperr.Invalid with the
// fields that are wrong, apperr.NotFound if the item does not exist in the
// workspace, and ChangedError when v carries a version and the item has
// been saved since.
func (c *Collection[T, P]) Update(ctx context.Context, workspaceID, id int64, v T) (T, error) {
	var zero T
	p := P(&v)
	body, err := c.encode(p)
	if err != nil {
		return zero, err
	}
	var prev []byte
	if version := p.ItemVersion(); version != "" {
		d, err := c.svc.store.BrandItem(ctx, workspaceID, c.kind, id)
		if err != nil {
			return zero, err
		}
		if Digest(d.Body) != version {
			return zero, ChangedError()
		}
		prev = d.Body
	}
	if err := c.svc.store.UpdateBrandItem(ctx, workspaceID, c.kind, id, p.Title(), body, prev); err != nil {
		return zero, err
	}
	p.SetItemID(id)
	p.SetItemVersion(Digest(body))
	return v, nil
}

// Delete removes an item. Returns apperr.NotFound if it does not exist in
// the workspace.
func (c *Collection[T, P]) Delete(ctx context.Context, workspaceID, id int64) error {
	return c.svc.store.DeleteBrandItem(ctx, workspaceID, c.kind, id)
}

// encode validates p and returns its stored body. The id lives in the row
// and the version follows from the body, so both are left out.
func (c *Collection[T, P]) encode(p P) ([]byte, error) {
	if err := c.svc.validate(p); err != nil {
		return nil, err
	}
	emptyLists(p)
	id, version := p.ItemID(), p.ItemVersion()
	p.SetItemID(0)
	p.SetItemVersion("")
	body, err := encode(c.kind, p)
	p.SetItemID(id)
	p.SetItemVersion(version)
	return body, err
}

func (c *Collection[T, P]) decode(workspaceID int64, d Doc) (T, error) {
	var v T
	if err := decode(c.kind, workspaceID, d, &v); err != nil {
		return v, err
	}
	P(&v).SetItemID(d.ID)
	P(&v).SetItemVersion(Digest(d.Body))
	emptyLists(&v)
	return v, nil
}

// emptyLists makes the nil lists of the struct p points to empty, so that
// an item without selling points answers [] as its schema says, not null.
func emptyLists(p any) {
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.IsNil() && f.CanSet() {
			f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		}
	}
}

// Profile returns the workspace's brand profile; one never saved is the
// zero Profile. Its lists are empty, never nil, as its schema says.
func (s *Service) Profile(ctx context.Context, workspaceID int64) (Profile, error) {
	var p Profile
	d, err := s.store.BrandDoc(ctx, workspaceID, KindProfile)
	switch {
	case apperr.Is(err, apperr.NotFound):
		p.Version = Digest(nil)
		emptyLists(&p.Tone)
		return p, nil
	case err != nil:
		return p, err
	}
	if err := decode(KindProfile, workspaceID, d, &p); err != nil {
		return Profile{}, err
	}
	emptyLists(&p.Tone)
	p.UpdatedAt, p.Version = d.UpdatedAt, Digest(d.Body)
	return p, nil
}

// SaveProfile validates and stores the workspace's brand profile and returns
// it with the time it was stored and its new version. Returns
// apperr.Invalid with the fields that are wrong, and ChangedError when p
// carries a version and the profile has been saved since.
func (s *Service) SaveProfile(ctx context.Context, workspaceID int64, p Profile) (Profile, error) {
	if err := s.validate(&p); err != nil {
		return Profile{}, err
	}
	version := p.Version
	p.UpdatedAt, p.Version = time.Time{}, "" // kept by the row
	body, err := encode(KindProfile, &p)
	if err != nil {
		return Profile{}, err
	}
	at, err := s.putDoc(ctx, workspaceID, KindProfile, body, version)
	if err != nil {
		return Profile{}, err
	}
	emptyLists(&p.Tone)
	p.UpdatedAt, p.Version = at, Digest(body)
	return p, nil
}

// Budget returns the workspace's budget; one never saved is a zero budget
// in defaultCurrency, the workspace's currency.
func (s *Service) Budget(ctx context.Context, workspaceID int64, defaultCurrency string) (Budget, error) {
	d, err := s.store.BrandDoc(ctx, workspaceID, KindBudget)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return Budget{Currency: defaultCurrency, Revision: Revision{Version: Digest(nil)}}, nil
	case err != nil:
		return Budget{}, err
	}
	var b Budget
	if err := decode(KindBudget, workspaceID, d, &b); err != nil {
		return Budget{}, err
	}
	if b.Currency == "" {
		b.Currency = defaultCurrency
	}
	b.UpdatedAt, b.Version = d.UpdatedAt, Digest(d.Body)
	return b, nil
}

// KeepBudgetCurrency saves a budget never saved as a zero budget in
// currency, the workspace's, before the workspace's currency changes:
// the team's hourly costs and the amplifiers' prices carry no currency but
// the budget's, they were typed in this one, and Chorus converts no
// amounts. A budget saved keeps its own currency. A currency no budget
// may have (one stored before codes were checked) is left to the change.
func (s *Service) KeepBudgetCurrency(ctx context.Context, workspaceID int64, currency string) error {
	_, err := s.SaveBudget(ctx, workspaceID, Budget{Currency: currency, Revision: Revision{Version: Digest(nil)}})
	if apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Invalid) {
		return nil
	}
	return err
}

// SaveBudget validates and stores the workspace's budget and returns it with
// the time it was stored and its new version. Returns apperr.Invalid with
// the fields that are wrong, and ChangedError when b carries a version and
// the budget has been saved since.
func (s *Service) SaveBudget(ctx context.Context, workspaceID int64, b Budget) (Budget, error) {
	if err := s.validate(&b); err != nil {
		return Budget{}, err
	}
	version := b.Version
	b.UpdatedAt, b.Version = time.Time{}, "" // kept by the row
	body, err := encode(KindBudget, &b)
	if err != nil {
		return Budget{}, err
	}
	at, err := s.putDoc(ctx, workspaceID, KindBudget, body, version)
	if err != nil {
		return Budget{}, err
	}
	b.UpdatedAt, b.Version = at, Digest(body)
	return b, nil
}

// putDoc stores a singleton document's body; with a version, only over
// the stored document of that version.
func (s *Service) putDoc(ctx context.Context, workspaceID int64, kind string, body []byte, version string) (time.Time, error) {
	var prev []byte
	if version != "" {
		d, err := s.store.BrandDoc(ctx, workspaceID, kind)
		switch {
		case apperr.Is(err, apperr.NotFound):
			prev = []byte{}
		case err != nil:
			return time.Time{}, err
		default:
			prev = d.Body
		}
		if Digest(prev) != version {
			return time.Time{}, ChangedError()
		}
	}
	return s.store.PutBrandDoc(ctx, workspaceID, kind, body, prev)
}

// platformRef is a platform key named by a field of a brand item.
type platformRef struct {
	field string
	key   string
}

// platformNamer is a brand item that names platforms; the service checks
// the names against the catalog, which the types do not know.
type platformNamer interface {
	platformRefs() []platformRef
}

// validate runs v's own Validate and, for items that name platforms, checks
// every platform key against the catalog; all field errors come back in one
// apperr.Invalid.
func (s *Service) validate(v interface{ Validate() error }) error {
	err := v.Validate()
	pn, ok := v.(platformNamer)
	if !ok {
		return err
	}
	var unknown apperr.Fields
	seen := map[platformRef]bool{}
	for _, r := range pn.platformRefs() {
		// An empty key is reported by Validate already.
		if r.key == "" || seen[r] || s.knownPlatform(r.key) {
			continue
		}
		seen[r] = true
		unknown.Add(r.field, "error.unknown_platform", "Value", r.key)
	}
	if len(unknown) == 0 {
		return err
	}
	var fs apperr.Fields
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
			return err
		}
		fs = append(fs, ae.Fields...)
	}
	return append(fs, unknown...).Err()
}

// encode returns the JSON body of a validated value, apperr.Invalid when it
// is larger than MaxBody or holds a number JSON cannot carry (NaN, ±Inf,
// which a parsed form field can produce and range checks let through).
func encode(kind string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		if _, ok := errors.AsType[*json.UnsupportedValueError](err); ok {
			return nil, apperr.New(apperr.Invalid, "error.not_finite", nil)
		}
		return nil, apperr.Wrap(err, "encode "+kind)
	}
	if len(body) > MaxBody {
		return nil, apperr.New(apperr.Invalid, "error.too_large", map[string]any{"Max": MaxBody})
	}
	return body, nil
}

// decode reads a stored body into v; a body that does not decode is a bug
// or a damaged row, so it is apperr.Internal naming the row.
func decode(kind string, workspaceID int64, d Doc, v any) error {
	if err := json.Unmarshal(d.Body, v); err != nil {
		return apperr.Wrap(err, fmt.Sprintf("decode %s %d of workspace %d", kind, d.ID, workspaceID))
	}
	return nil
}

// ItemID returns the product's id.
func (p *Product) ItemID() int64 { return p.ID }

// SetItemID sets the product's id.
func (p *Product) SetItemID(id int64) { p.ID = id }

// Title returns the product's name.
func (p *Product) Title() string { return p.Name }

// ItemID returns the persona's id.
func (p *Persona) ItemID() int64 { return p.ID }

// SetItemID sets the persona's id.
func (p *Persona) SetItemID(id int64) { p.ID = id }

// Title returns the persona's name.
func (p *Persona) Title() string { return p.Name }

func (p *Persona) platformRefs() []platformRef {
	refs := make([]platformRef, 0, len(p.Platforms))
	for i, s := range p.Platforms {
		refs = append(refs, platformRef{fmt.Sprintf("platforms[%d].platform", i), s.Platform})
	}
	return refs
}

// ItemID returns the competitor's id.
func (c *Competitor) ItemID() int64 { return c.ID }

// SetItemID sets the competitor's id.
func (c *Competitor) SetItemID(id int64) { c.ID = id }

// Title returns the competitor's name.
func (c *Competitor) Title() string { return c.Name }

func (c *Competitor) platformRefs() []platformRef {
	refs := make([]platformRef, 0, len(c.Accounts))
	for i, a := range c.Accounts {
		refs = append(refs, platformRef{fmt.Sprintf("accounts[%d].platform", i), a.Platform})
	}
	return refs
}

// ItemID returns the team member's id.
func (m *TeamMember) ItemID() int64 { return m.ID }

// SetItemID sets the team member's id.
func (m *TeamMember) SetItemID(id int64) { m.ID = id }

// Title returns the team member's name.
func (m *TeamMember) Title() string { return m.Name }

// ItemID returns the amplifier's id.
func (a *Amplifier) ItemID() int64 { return a.ID }

// SetItemID sets the amplifier's id.
func (a *Amplifier) SetItemID(id int64) { a.ID = id }

// Title returns the amplifier's name.
func (a *Amplifier) Title() string { return a.Name }

func (a *Amplifier) platformRefs() []platformRef {
	return []platformRef{{"platform", a.Platform}}
}
