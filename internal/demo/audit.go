package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
)

// AuditStore keeps the audit log, which the demo fills with the changes
// its team made while setting the workspace up.
type AuditStore interface {
	AddAudit(ctx context.Context, e account.AuditEntry) error
	Audit(ctx context.Context, workspaceID int64, limit int, beforeID int64) ([]account.AuditEntry, error)
	// DateToken dates a token's creation and last use back to the log's
	// entries that made and used it.
	DateToken(ctx context.Context, id int64, created time.Time, lastUsed *time.Time) error
}

// tokenAction is the log's action of making an API token.
const tokenAction = "POST /w/{ws}/settings/tokens"

// tokenName names the API token the log shows the team making: the
// monitoring tool's export pushes mentions with it.
const tokenName = "舆情导出推送"

// memberAction is the log's action of adding a member: the demo's team
// is invited (see inviteTeam).
const memberAction = "POST /w/{ws}/settings/members"

// pushAction is the log's action of the token's pushes of mentions.
const pushAction = "POST /api/v1/workspaces/{ws}/mentions"

// allowlistAction is the log's action of saving the destination-domain
// allowlist; the demo's links made before it may lead outside it.
const allowlistAction = "POST /w/{ws}/settings/allowlist"

// demoAudit is the demo team's changes, oldest first: days before the
// load, the hour of day (workspace time), the action as the web layer
// records it, the target's path under the workspace, or whom the change
// was for (no path: the team's invitations), and what the web layer
// noted it did. The monitoring export pushes with its token the morning
// after it was made, then weekly, the last time yesterday.
var demoAudit = []struct {
	daysAgo, hour          int
	token                  bool
	action, target, detail string
}{
	{62, 10, false, "POST /w/{ws}/brand/profile", "/brand/profile", ""},
	{62, 10, false, "POST /w/{ws}/brand/products", "/brand/products", ""},
	{62, 11, false, "POST /w/{ws}/brand/personas", "/brand/personas", ""},
	{62, 11, false, "POST /w/{ws}/brand/competitors", "/brand/competitors", ""},
	{62, 15, false, "POST /w/{ws}/brand/budget", "/brand/budget", ""},
	{61, 9, false, "POST /w/{ws}/listening/seed", "/listening/seed", ""},
	{61, 9, false, "POST /w/{ws}/listening/sources", "/listening/sources", ""},
	{61, 10, false, "POST /w/{ws}/listening/rules", "/listening/rules", ""},
	{61, 14, false, tokenAction, "/settings/tokens", ""},
	{61, 16, false, memberAction, invitations[0].email, string(account.MemberInvited)},
	{61, 16, false, memberAction, invitations[1].email, string(account.MemberInvited)},
	{60, 9, true, pushAction, "/mentions", ""},
	{60, 16, false, "POST /w/{ws}/strategy/campaigns/from-template", "/strategy/campaigns/from-template", ""},
	{60, 17, false, "POST /w/{ws}/links", "/links", ""},
	{57, 9, true, pushAction, "/mentions", ""},
	{50, 9, true, pushAction, "/mentions", ""},
	{45, 11, false, "POST /w/{ws}/platforms/{key}/override", "/platforms/xiaohongshu/override", ""},
	{43, 9, true, pushAction, "/mentions", ""},
	{40, 15, false, allowlistAction, "/settings/allowlist", ""},
	{36, 9, true, pushAction, "/mentions", ""},
	{30, 10, false, "POST /w/{ws}/strategy/campaigns", "/strategy/campaigns", ""},
	{29, 9, true, pushAction, "/mentions", ""},
	{22, 9, true, pushAction, "/mentions", ""},
	{15, 9, true, pushAction, "/mentions", ""},
	{12, 20, false, "POST /w/{ws}/listening/mentions/{id}/sentiment", "/listening/mentions", ""},
	{8, 9, true, pushAction, "/mentions", ""},
	{1, 9, true, pushAction, "/mentions", ""},
}

func loadAudit(ctx context.Context, d Deps, ws int64) error {
	u, err := d.Accounts.UserByEmail(ctx, Email)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		return err
	}
	made, used, err := refreshAudit(ctx, d.Audit, ws, u.ID, loc, time.Now())
	if err != nil || made.IsZero() {
		return err
	}
	// The token the log made and used, so that Settings lists it; its
	// secret is never shown, so nobody holds it.
	_, tok, err := d.Accounts.CreateToken(ctx, Email, Slug, account.Editor, tokenName)
	if err != nil {
		return fmt.Errorf("demo token: %w", err)
	}
	var lastUsed *time.Time
	if !used.IsZero() {
		lastUsed = &used
	}
	if err := d.Audit.DateToken(ctx, tok.ID, made, lastUsed); err != nil {
		return fmt.Errorf("demo token: %w", err)
	}
	return nil
}

// refreshAudit writes the demo team's changes into an empty audit log; a
// log with entries (an earlier load's, or people's since) is left alone,
// so loading twice leaves one history. When it writes, it returns when
// the log makes an API token and when a token last acts.
func refreshAudit(ctx context.Context, s AuditStore, ws, user int64, loc *time.Location, now time.Time) (made, used time.Time, err error) {
	have, err := s.Audit(ctx, ws, 1, 0)
	if err != nil || len(have) > 0 {
		return made, used, err
	}
	today := now.In(loc)
	for _, a := range demoAudit {
		day := today.AddDate(0, 0, -a.daysAgo)
		at := time.Date(day.Year(), day.Month(), day.Day(), a.hour, 7*a.daysAgo%60, 0, 0, loc) // minutes vary by day
		actor, prefix := Email, "/w/"+Slug
		if a.token {
			actor, prefix = Email+" (token)", "/api/v1/workspaces/"+Slug
			used = at.UTC()
		}
		if a.action == tokenAction {
			made = at.UTC()
		}
		target := a.target
		if strings.HasPrefix(target, "/") {
			target = prefix + target
		}
		e := account.AuditEntry{WorkspaceID: ws, UserID: user, Actor: actor, Action: a.action, Target: target, Detail: a.detail,
			IP: "10.8.0.0/24", CreatedAt: at.UTC()}
		if err := s.AddAudit(ctx, e); err != nil {
			return made, used, fmt.Errorf("demo audit log: %w", err)
		}
	}
	return made, used, nil
}
