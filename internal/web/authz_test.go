package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/report"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestPlanActualsNeedReadReports: a campaign plan's actuals (revenue, ROI)
// are report figures, for the roles that read reports, as the funnel is.
// An agent got them from the plan's API, its workbook and its page while
// the funnel refused them.
func TestPlanActualsNeedReadReports(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	acme := newConvFixture(t, h, "acme")
	cid := clickThrough(t, h, acme.link)
	if status, out, _ := collect(t, h, payload("key", acme.key, "event", "purchase", "cid", cid, "value", 4321, "order_id", "o-1"),
		map[string]string{"Origin": "https://shop.example"}); status != http.StatusOK || out["attributed"] != true {
		t.Fatalf("collect: status %d: %v", status, out)
	}
	_, err := h.campaigns.AddTarget(ctx, acme.tn.ws.ID, acme.campaign, campaign.Target{Metric: "revenue", Value: 9000})
	must(t, err)
	owner := account.Principal{User: account.User{ID: 1}, Workspace: acme.tn.ws, Role: account.Owner}
	for _, tt := range []struct {
		role  account.Role
		shown bool
	}{{account.Agent, false}, {account.Analyst, true}} {
		t.Run(string(tt.role), func(t *testing.T) {
			tok, _, err := h.accounts.NewToken(ctx, owner, tt.role, string(tt.role))
			must(t, err)
			status, out := h.api("GET", fmt.Sprintf("/workspaces/acme/campaigns/%d/plan", acme.campaign), tok, nil)
			if status != http.StatusOK {
				t.Fatalf("plan: status %d: %s", status, jsonText(out))
			}
			if got := strings.Contains(jsonText(out), `"actual": 4321`); got != tt.shown {
				t.Errorf("plan API shows the revenue: %v, want %v: %s", got, tt.shown, jsonText(out))
			}
			b := h.member(acme.tn, string(tt.role)+"@acme.test", tt.role)
			_, page := b.get(fmt.Sprintf("/w/acme/strategy/campaigns/%d", acme.campaign))
			if got := strings.Contains(section(page, `id="kpi-table"`, "</table>"), "4,321"); got != tt.shown {
				t.Errorf("plan page shows the revenue: %v, want %v", got, tt.shown)
			}
			// The page says why, where it says when actuals are pending.
			hidden := html.EscapeString(h.srv.cat.T("zh-CN", "strategy.actual_reports_only", nil))
			if got := strings.Contains(section(page, `id="actual-note"`, "</p>"), hidden); got == tt.shown {
				t.Errorf("plan page says actuals are for report readers: %v, want %v", got, !tt.shown)
			}
			status, book, _ := b.do("GET", fmt.Sprintf("/w/acme/strategy/campaigns/%d/plan.xlsx", acme.campaign), nil, nil)
			if status != http.StatusOK {
				t.Fatalf("plan.xlsx: status %d", status)
			}
			x, err := excelize.OpenReader(strings.NewReader(book))
			must(t, err)
			defer x.Close()
			sheet, err := x.GetRows(report.SheetKPI)
			must(t, err)
			got := slices.ContainsFunc(sheet, func(r []string) bool { return slices.Contains(r, "4,321.00") })
			if got != tt.shown {
				t.Errorf("plan.xlsx shows the revenue: %v, want %v: %v", got, tt.shown, sheet)
			}
		})
	}
}
