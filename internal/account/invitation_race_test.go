package account_test

import (
	"context"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// claimedMeanwhile is a store where another request of the same user
// (a second tab, the workspace list) claims the user's invitations just
// before this one does, which so finds none left.
type claimedMeanwhile struct{ *store.DB }

func (s claimedMeanwhile) ClaimInvitations(ctx context.Context, userID int64, email string) (int, error) {
	if _, err := s.DB.ClaimInvitations(ctx, userID, email); err != nil {
		return 0, err
	}
	return s.DB.ClaimInvitations(ctx, userID, email)
}

// TestEnterWhileInvitationClaimed: an invited user who opens the
// workspace while another of their requests claims the invitation comes
// in with the invitation's role, not a 404.
func TestEnterWhileInvitationClaimed(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	s := account.NewService(claimedMeanwhile{db}, account.DefaultThrottle(db))
	ctx := context.Background()
	owner := mustUser(t, s, "owner@example.com", false)
	cy := mustUser(t, s, "cy@example.com", false)
	mustWorkspace(t, s, "acme", owner.Email)
	if _, err := s.AddMember(ctx, mustEnter(t, s, owner, "acme"), cy.Email, account.Editor); err != nil {
		t.Fatal(err)
	}
	p, err := s.Enter(ctx, cy, "acme")
	if err != nil || p.Role != account.Editor {
		t.Fatalf("Enter(cy) = %q, %v; want editor", p.Role, err)
	}
}
