package demo

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

type fixture struct {
	deps    Deps
	catalog *platform.Catalog
	db      *store.DB
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := storetest.SQLite(t)
	catalog, err := platform.Load()
	if err != nil {
		t.Fatalf("load catalog: %v", err)
	}
	return fixture{
		deps: Deps{
			Accounts:  account.NewService(db, account.DefaultThrottle(db)),
			Brand:     brand.NewService(db, catalog.Has),
			Platforms: platform.NewService(catalog, db),
		},
		catalog: catalog,
		db:      db,
	}
}

// workspace enters the demo workspace as the demo user.
func (f fixture) workspace(t *testing.T) account.Principal {
	t.Helper()
	ctx := context.Background()
	u, err := f.deps.Accounts.UserByEmail(ctx, Email)
	if err != nil {
		t.Fatalf("demo user: %v", err)
	}
	p, err := f.deps.Accounts.Enter(ctx, u, Slug)
	if err != nil {
		t.Fatalf("enter demo workspace: %v", err)
	}
	return p
}

type snapshot struct {
	profile     brand.Profile
	budget      brand.Budget
	products    []brand.Product
	personas    []brand.Persona
	competitors []brand.Competitor
	team        []brand.TeamMember
	amplifiers  []brand.Amplifier
}

func take(t *testing.T, b *brand.Service, wsID int64) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	must := func(what string, err error) {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	s.profile, err = b.Profile(ctx, wsID)
	must("profile", err)
	s.budget, err = b.Budget(ctx, wsID, "XXX")
	must("budget", err)
	s.products, err = b.Products.List(ctx, wsID)
	must("products", err)
	s.personas, err = b.Personas.List(ctx, wsID)
	must("personas", err)
	s.competitors, err = b.Competitors.List(ctx, wsID)
	must("competitors", err)
	s.team, err = b.Team.List(ctx, wsID)
	must("team", err)
	s.amplifiers, err = b.Amplifiers.List(ctx, wsID)
	must("amplifiers", err)
	return s
}

func (s snapshot) counts() [5]int {
	return [5]int{len(s.products), len(s.personas), len(s.competitors), len(s.team), len(s.amplifiers)}
}

func names[T any, P brand.Item[T]](items []T) []string {
	out := make([]string, len(items))
	for i := range items {
		out[i] = P(&items[i]).Title()
	}
	return out
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	login, err := Load(ctx, f.deps)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if login != (Login{Workspace: "demo", Email: "demo@chorus.local", Password: "chorus-demo"}) {
		t.Errorf("login = %+v", login)
	}
	p := f.workspace(t)
	if p.Role != account.Owner {
		t.Errorf("demo user's role = %q, want owner", p.Role)
	}
	if p.Workspace.TimeZone != "Asia/Shanghai" || p.Workspace.Currency != "CNY" {
		t.Errorf("workspace = %+v, want Asia/Shanghai and CNY", p.Workspace)
	}
	if p.User.IsAdmin {
		t.Error("the demo user must not be an instance admin")
	}

	s := take(t, f.deps.Brand, p.Workspace.ID)
	if got, want := s.counts(), [5]int{3, 4, 3, 5, 2}; got != want {
		t.Fatalf("counts (products, personas, competitors, team, amplifiers) = %v, want %v", got, want)
	}
	if s.profile.Positioning == "" || s.profile.ValueProposition == "" || s.profile.Tone.Description == "" || s.profile.StageGoal == "" {
		t.Errorf("profile has empty fields: %+v", s.profile)
	}
	if len(s.profile.Tone.WordsToUse) == 0 || len(s.profile.Tone.WordsToAvoid) == 0 || len(s.profile.Tone.Examples) != 3 {
		t.Errorf("tone = %+v, want words to use and avoid and 3 examples", s.profile.Tone)
	}
	if s.budget.Monthly <= 0 || s.budget.Currency != "CNY" || s.budget.HourlyCost <= 0 {
		t.Errorf("budget = %+v", s.budget)
	}
	for _, pr := range s.products {
		if n := len(pr.SellingPoints); n < 3 || n > 4 || pr.Category == "" || pr.PriceBand == "" {
			t.Errorf("product %q: %d selling points, category %q, price band %q", pr.Name, n, pr.Category, pr.PriceBand)
		}
	}
	for _, pe := range s.personas {
		if err := pe.Validate(); err != nil {
			t.Errorf("persona %q: %v", pe.Name, err)
		}
		if g := pe.Gender; math.Abs(g.Female+g.Male+g.Other-100) > 0.01 {
			t.Errorf("persona %q: gender sums to %v", pe.Name, g.Female+g.Male+g.Other)
		}
		var sum float64
		for _, ps := range pe.Platforms {
			if !f.catalog.Has(ps.Platform) {
				t.Errorf("persona %q: unknown platform %q", pe.Name, ps.Platform)
			}
			sum += ps.Share
		}
		if sum > 100 || len(pe.Platforms) == 0 {
			t.Errorf("persona %q: %d platforms summing to %v", pe.Name, len(pe.Platforms), sum)
		}
		if len(pe.AgeBands) == 0 || len(pe.CityTiers) == 0 || len(pe.PurchaseDrivers) == 0 || len(pe.PainPoints) == 0 {
			t.Errorf("persona %q is incomplete: %+v", pe.Name, pe)
		}
	}
	for _, c := range s.competitors {
		if len(c.Aliases) < 3 || len(c.Keywords) == 0 || len(c.Accounts) == 0 || c.Notes == "" {
			t.Errorf("competitor %q is incomplete: %+v", c.Name, c)
		}
		for _, a := range c.Accounts {
			if !f.catalog.Has(a.Platform) {
				t.Errorf("competitor %q: unknown platform %q", c.Name, a.Platform)
			}
		}
	}
	for _, m := range s.team {
		if m.Role == "" || m.WeeklyHours <= 0 || m.HourlyCost <= 0 {
			t.Errorf("team member %+v is incomplete", m)
		}
	}
	var ampPlatforms []string
	for _, a := range s.amplifiers {
		if a.Kind != "kol" || a.PriceUnit != "per_post" || a.Reach <= 0 || a.Price <= 0 {
			t.Errorf("amplifier %+v", a)
		}
		ampPlatforms = append(ampPlatforms, a.Platform)
	}
	if !slices.Contains(ampPlatforms, "xiaohongshu") || !(slices.Contains(ampPlatforms, "weibo") || slices.Contains(ampPlatforms, "douyin")) {
		t.Errorf("amplifier platforms = %v, want xiaohongshu and weibo or douyin", ampPlatforms)
	}
}

func TestLoadTwiceIsIdempotent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := Load(ctx, f.deps); err != nil {
		t.Fatalf("first Load: %v", err)
	}
	p := f.workspace(t)
	first := take(t, f.deps.Brand, p.Workspace.ID)

	// Edits made during a demo are reset by the next Load.
	if _, err := f.deps.Brand.Products.Create(ctx, p.Workspace.ID, brand.Product{Name: "演示时加的产品"}); err != nil {
		t.Fatal(err)
	}
	if err := f.deps.Brand.Team.Delete(ctx, p.Workspace.ID, first.team[0].ID); err != nil {
		t.Fatal(err)
	}
	edited := first.personas[0]
	edited.Name = "改过的画像"
	if _, err := f.deps.Brand.Personas.Update(ctx, p.Workspace.ID, edited.ID, edited); err != nil {
		t.Fatal(err)
	}

	if _, err := Load(ctx, f.deps); err != nil {
		t.Fatalf("second Load: %v", err)
	}
	if p2 := f.workspace(t); p2.Workspace.ID != p.Workspace.ID || p2.User.ID != p.User.ID {
		t.Errorf("second Load made a new workspace or user: %+v, was %+v", p2, p)
	}
	ws, err := f.deps.Accounts.Workspaces(ctx, p.User)
	if err != nil || len(ws) != 1 {
		t.Errorf("demo user's workspaces = %v, %v; want exactly one", ws, err)
	}
	second := take(t, f.deps.Brand, p.Workspace.ID)
	if first.counts() != second.counts() {
		t.Errorf("counts changed: %v, then %v", first.counts(), second.counts())
	}
	check := func(kind string, a, b []string) {
		if !slices.Equal(a, b) {
			t.Errorf("%s: %q, then %q", kind, a, b)
		}
	}
	check("products", names(first.products), names(second.products))
	check("personas", names(first.personas), names(second.personas))
	check("competitors", names(first.competitors), names(second.competitors))
	check("team", names(first.team), names(second.team))
	check("amplifiers", names(first.amplifiers), names(second.amplifiers))
	if first.profile.Positioning != second.profile.Positioning || first.budget.Monthly != second.budget.Monthly {
		t.Error("profile or budget changed")
	}
	// The team's invitations are there once, with their roles.
	invs, err := f.deps.Accounts.Invitations(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]account.Role{}
	for _, inv := range invs {
		got[inv.Email] = inv.Role
	}
	if len(invs) != len(invitations) || got["chen.siyu@chorus.local"] != account.Editor || got["wang.ke@chorus.local"] != account.Agent {
		t.Errorf("invitations = %+v; want the demo team's two", invs)
	}
}

func TestDemoUserSignsIn(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	login, err := Load(ctx, f.deps)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	u, err := f.deps.Accounts.Authenticate(ctx, login.Email, login.Password, "127.0.0.1")
	if err != nil {
		t.Fatalf("Authenticate(%s, %s): %v", login.Email, login.Password, err)
	}
	if _, err := f.deps.Accounts.Enter(ctx, u, login.Workspace); err != nil {
		t.Errorf("Enter %q: %v", login.Workspace, err)
	}
}

func TestFitDiffersBetweenPersonas(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := Load(ctx, f.deps); err != nil {
		t.Fatalf("Load: %v", err)
	}
	p := f.workspace(t)
	personas, err := f.deps.Brand.Personas.List(ctx, p.Workspace.ID)
	if err != nil {
		t.Fatal(err)
	}
	tops := map[string]bool{}
	for _, pe := range personas {
		fits, err := f.deps.Platforms.Fit(ctx, p.Workspace.ID, pe, platform.ObjectiveSales)
		if err != nil {
			t.Fatalf("Fit %q: %v", pe.Name, err)
		}
		if len(fits) != 20 {
			t.Errorf("Fit %q: %d platforms, want 20", pe.Name, len(fits))
		}
		if len(fits) > 0 {
			t.Logf("%s: top %s (%.1f)", pe.Name, fits[0].Platform, fits[0].Score)
			tops[fits[0].Platform] = true
		}
	}
	if len(tops) < 2 {
		t.Errorf("every persona has the same top platform: %v", tops)
	}
}

func TestLoadRefusesForeignWorkspace(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	acc := f.deps.Accounts
	owner, err := acc.CreateUser(ctx, "owner@example.com", "Owner", "a-real-password", true)
	if err != nil {
		t.Fatal(err)
	}
	w, err := acc.CreateWorkspace(ctx, account.Workspace{Slug: "demo", Name: "真实品牌", TimeZone: "Europe/Berlin", Currency: "EUR"}, owner.Email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.deps.Brand.Products.Create(ctx, w.ID, brand.Product{Name: "真实产品"}); err != nil {
		t.Fatal(err)
	}

	refused := func(t *testing.T) {
		t.Helper()
		_, err := Load(ctx, f.deps)
		if !errors.Is(err, ErrForeignWorkspace) || !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("Load = %v, want a conflict wrapping ErrForeignWorkspace", err)
		}
		ps, err := f.deps.Brand.Products.List(ctx, w.ID)
		if err != nil || len(ps) != 1 || ps[0].Name != "真实产品" {
			t.Errorf("products = %+v, %v; want the one real product", ps, err)
		}
		pr, err := f.deps.Brand.Profile(ctx, w.ID)
		if err != nil || pr.Positioning != "" {
			t.Errorf("profile = %+v, %v; want none", pr, err)
		}
		op, err := acc.Enter(ctx, owner, "demo")
		if err != nil {
			t.Fatal(err)
		}
		members, err := acc.Members(ctx, op)
		if err != nil || len(members) != 1 || members[0].User.ID != owner.ID {
			t.Errorf("members = %+v, %v; want the owner only", members, err)
		}
	}

	t.Run("no demo user", func(t *testing.T) {
		refused(t)
		if _, err := acc.UserByEmail(ctx, Email); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("demo user was created: %v", err)
		}
	})
	t.Run("demo user is not a member", func(t *testing.T) {
		if _, err := acc.CreateUser(ctx, Email, "someone", "another-password", false); err != nil {
			t.Fatal(err)
		}
		refused(t)
	})
}

func TestLoadRefusesAdminWhoIsNotMember(t *testing.T) {
	// An instance admin may enter every workspace; that is not membership.
	ctx := context.Background()
	f := newFixture(t)
	acc := f.deps.Accounts
	if _, err := acc.CreateUser(ctx, Email, "", "admin-password", true); err != nil {
		t.Fatal(err)
	}
	if _, err := acc.CreateUser(ctx, "owner@example.com", "", "a-real-password", false); err != nil {
		t.Fatal(err)
	}
	w, err := acc.CreateWorkspace(ctx, account.Workspace{Slug: "demo", Name: "真实品牌"}, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, f.deps); !errors.Is(err, ErrForeignWorkspace) {
		t.Fatalf("Load = %v, want ErrForeignWorkspace", err)
	}
	if pr, err := f.deps.Brand.Profile(ctx, w.ID); err != nil || pr.Positioning != "" {
		t.Errorf("profile = %+v, %v; want none", pr, err)
	}
}

func TestLoadKeepsExistingMember(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	acc := f.deps.Accounts
	// The demo user exists with its own password and already belongs to
	// the workspace: both are kept.
	u, err := acc.CreateUser(ctx, Email, "老演示", "kept-password", false)
	if err != nil {
		t.Fatal(err)
	}
	w, err := acc.CreateWorkspace(ctx, account.Workspace{Slug: "demo", Name: "旧演示"}, Email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, f.deps); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, err := acc.Authenticate(ctx, Email, "kept-password", "127.0.0.1"); err != nil {
		t.Errorf("existing password no longer works: %v", err)
	}
	p, err := acc.Enter(ctx, u, "demo")
	if err != nil || p.Workspace.ID != w.ID {
		t.Fatalf("Enter = %+v, %v", p, err)
	}
	if got := take(t, f.deps.Brand, w.ID).counts(); got != [5]int{3, 4, 3, 5, 2} {
		t.Errorf("counts = %v", got)
	}
}

// TestDemoAuditLog: the demo's audit log shows its team's set-up over the
// weeks before the load, newest first, once however often it is loaded,
// and a log with entries of its own is left alone.
func TestDemoAuditLog(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.deps.Audit = f.db
	for range 2 {
		if _, err := Load(ctx, f.deps); err != nil {
			t.Fatal(err)
		}
	}
	p := f.workspace(t)
	log, err := f.deps.Accounts.Audit(ctx, p, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != len(demoAudit) {
		t.Fatalf("audit log after two loads has %d entries, want %d", len(log), len(demoAudit))
	}
	for i, e := range log {
		if e.Actor == "" || e.Target == "" || e.UserID != p.User.ID || time.Since(e.CreatedAt) > 63*24*time.Hour {
			t.Errorf("entry %d = %+v", i, e)
		}
		if i > 0 && e.CreatedAt.After(log[i-1].CreatedAt) {
			t.Errorf("entry %d (%s) is newer than the one before it (%s)", i, e.CreatedAt, log[i-1].CreatedAt)
		}
	}

	// The team's invitations are logged as invitations of their addresses.
	invited := map[string]bool{}
	for _, e := range log {
		if e.Action == memberAction && e.Detail == string(account.MemberInvited) {
			invited[e.Target] = true
		}
	}
	for _, inv := range invitations {
		if !invited[inv.email] {
			t.Errorf("the audit log does not show %s invited", inv.email)
		}
	}

	// The token the log makes and uses is listed once, dated as the log
	// says (the log is newest first).
	var made, used time.Time
	for _, e := range log {
		if e.Action == tokenAction && made.IsZero() {
			made = e.CreatedAt
		}
		if strings.HasSuffix(e.Actor, "(token)") && used.IsZero() {
			used = e.CreatedAt
		}
	}
	toks, err := f.deps.Accounts.Tokens(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 1 || toks[0].Name != tokenName || toks[0].Role != account.Editor || toks[0].RevokedAt != nil {
		t.Fatalf("tokens after two loads = %+v; want the one %q", toks, tokenName)
	}
	// The demo speaks Chinese; its token's name is not half English.
	if strings.IndexFunc(toks[0].Name, func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }) >= 0 {
		t.Errorf("token name %q mixes in Latin letters", toks[0].Name)
	}
	if tok := toks[0]; !tok.CreatedAt.Equal(made) || tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(used) {
		t.Errorf("token made %v, last used %v; want %v and %v as the log says", tok.CreatedAt, tok.LastUsedAt, made, used)
	}
	// The export it pushes with is in use: the token acted in the last
	// days, not only the morning after it was made.
	if since := time.Since(used); since > 3*24*time.Hour || since < 0 {
		t.Errorf("the token last acted %v ago, want within the last days", since.Round(time.Hour))
	}
}
