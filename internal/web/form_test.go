package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestReadNumber(t *testing.T) {
	for _, tt := range []struct {
		raw     string
		kind    numberKind
		percent bool
		want    float64
		bad     string // the refusal's key; "" when it reads
	}{
		// What read before units were accepted reads as before, in every kind.
		{"", moneyNumber, false, 0, ""},
		{"5000", plainNumber, false, 5000, ""},
		{"12,000", plainNumber, false, 12000, ""},
		{" 7.5 ", plainNumber, false, 7.5, ""},
		{"-5", moneyNumber, false, -5, ""}, // the domain's check says "not negative"
		{"1e3", countNumber, false, 1000, ""},
		{"5%", countNumber, true, 0.05, ""},
		{"-20%", countNumber, true, -0.2, ""},
		// Full-width digits, point and separators, in every kind.
		{"５０００", plainNumber, false, 5000, ""},
		{"７．５", plainNumber, false, 7.5, ""},
		{"５，０００", moneyNumber, false, 5000, ""},
		{"1，200，000", countNumber, false, 1200000, ""},
		{"１２％", countNumber, true, 0.12, ""},
		// Units, for counts and money.
		{"5万", countNumber, false, 50000, ""},
		{"1.2万", moneyNumber, false, 12000, ""},
		{"1.1万", moneyNumber, false, 11000, ""},
		{"0.35万", countNumber, false, 3500, ""},
		{"3亿", countNumber, false, 300000000, ""},
		{"5w", moneyNumber, false, 50000, ""},
		{"5W", countNumber, false, 50000, ""},
		{"20k", moneyNumber, false, 20000, ""},
		{"2.5K", countNumber, false, 2500, ""},
		{"5 万", countNumber, false, 50000, ""},
		{"１．２万", countNumber, false, 12000, ""},
		{"1,200k", countNumber, false, 1200000, ""},
		{"5万", countNumber, true, 50000, ""},
		// Currency, for money only.
		{"¥5000", moneyNumber, false, 5000, ""},
		{"￥5,000", moneyNumber, false, 5000, ""},
		{"$1.5k", moneyNumber, false, 1500, ""},
		{"5000元", moneyNumber, false, 5000, ""},
		{"5万元", moneyNumber, false, 50000, ""},
		{"¥ 5万", moneyNumber, false, 50000, ""},
		// Refusals, each saying what its kind takes.
		{"5万万", countNumber, false, 0, "error.number_count"},
		{"5万万", moneyNumber, false, 0, "error.number_money"},
		{"abc", moneyNumber, false, 0, "error.number_money"},
		{"abc", plainNumber, false, 0, "error.number_plain"},
		{"five", countNumber, true, 0, "error.number_percent"},
		{"1e309", moneyNumber, false, 0, "error.number_money"},
		{"-1e309", plainNumber, false, 0, "error.number_plain"},
		{"NaN", countNumber, false, 0, "error.number_count"},
		{"Inf", moneyNumber, false, 0, "error.number_money"},
		{"-Inf", plainNumber, false, 0, "error.number_plain"},
		{"NaN%", countNumber, true, 0, "error.number_percent"},
		{"-5万", moneyNumber, false, 0, "error.negative"},
		{"-¥5000", moneyNumber, false, 0, "error.negative"},
		{"¥-5000", moneyNumber, false, 0, "error.number_money"},
		{strings.Repeat("1", 41), moneyNumber, false, 0, "error.number_money"},
		{strings.Repeat("１", 20), plainNumber, false, 0, "error.number_plain"}, // 60 bytes
		{"40万", plainNumber, false, 0, "error.number_plain"},                   // hours take no units
		{"20k", plainNumber, false, 0, "error.number_plain"},
		{"¥5000", countNumber, false, 0, "error.number_count"}, // a count is not money
		{"5000元", countNumber, true, 0, "error.number_percent"},
		{"5万%", countNumber, true, 0, "error.number_percent"},
		{"1e3万", countNumber, false, 0, "error.number_count"},
		{"万", countNumber, false, 0, "error.number_count"},
		{"¥", moneyNumber, false, 0, "error.number_money"},
		{"5元万", moneyNumber, false, 0, "error.number_money"},
		{"1.2.3万", countNumber, false, 0, "error.number_count"},
		{"¥￥5", moneyNumber, false, 0, "error.number_money"},
		{"5元元", moneyNumber, false, 0, "error.number_money"},
	} {
		got, bad := readNumber(tt.raw, tt.kind, tt.percent)
		if got != tt.want || bad != tt.bad {
			t.Errorf("readNumber(%q, %d, %v) = %v, %q; want %v, %q", tt.raw, tt.kind, tt.percent, got, bad, tt.want, tt.bad)
		}
	}
}

// TestBudgetInWan saves a campaign whose budget is typed "5万" and finds
// 50000 stored and shown as the page shows amounts.
func TestBudgetInWan(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	b.get("/w/acme/strategy")
	status, body, hdr := b.post("/w/acme/strategy/campaigns", url.Values{
		"name": {"Tea week"}, "objective": {"sales"}, "start": {"2026-05-01"}, "end": {"2026-05-31"}, "budget": {"5万"}})
	m := campaignLocation.FindStringSubmatch(hdr.Get("Location"))
	if status != http.StatusSeeOther || m == nil {
		t.Fatalf("campaign with a budget of 5万: status %d: %s", status, between(body, "<form", "</form>"))
	}
	cs, err := h.campaigns.List(context.Background(), owner.ws.ID)
	must(t, err)
	if len(cs) != 1 || cs[0].Budget != 50000 {
		t.Fatalf("stored campaigns %+v, want one with a budget of 50000", cs)
	}
	if _, body = b.get(m[0]); !strings.Contains(body, "50,000 CNY") {
		t.Errorf("campaign page does not show the budget as 50,000 CNY")
	}
	if _, body = b.get(m[0] + "/edit"); !strings.Contains(body, `value="50000"`) {
		t.Errorf("edit form does not show the budget as 50000")
	}
	// A phone's decimal keypad has no 万 or ¥: amounts get the full one.
	if i := strings.Index(body, `name="budget"`); i < 0 || strings.Contains(body[strings.LastIndex(body[:i], "<input"):i+strings.Index(body[i:], ">")], "inputmode") {
		t.Errorf("the budget input asks for a decimal keypad")
	}

	// What does not read says what does, in the page's language.
	for _, tt := range []struct{ budget, lang, want string }{
		{"5万万", "zh-CN", "请输入数字或金额，例如 5000、5,000、5万、1.2万、20k、¥5000 或 5000元。"},
		{"5万万", "en", "Enter a number or an amount, such as 5000, 5,000, 5万 (= 50,000), 1.2万, 20k, ¥5000 or 5000元."},
		{"-5万", "zh-CN", "不能为负数。"},
	} {
		form := url.Values{"name": {"Refused"}, "objective": {"sales"}, "start": {"2026-05-01"}, "end": {"2026-05-31"},
			"budget": {tt.budget}, "csrf": {b.csrf}}
		status, body, _ := b.do("POST", "/w/acme/strategy/campaigns", form, map[string]string{"Accept-Language": tt.lang})
		if got := between(body, `id="new-budget-err"`, "</div>"); status != http.StatusUnprocessableEntity || !strings.Contains(got, tt.want) {
			t.Errorf("budget %q in %s: status %d, error %q; want 422 and %q", tt.budget, tt.lang, status, got, tt.want)
		}
	}
	if cs, err = h.campaigns.List(context.Background(), owner.ws.ID); err != nil || len(cs) != 1 {
		t.Errorf("refused budgets stored campaigns: %d, %v", len(cs), err)
	}
}

// TestBrandAmountsInWan saves step 1's money and counts typed as Chinese
// teams type them, and refuses a unit in hours.
func TestBrandAmountsInWan(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	ctx := context.Background()

	b.get("/w/acme/brand/amplifiers/new")
	if status, body, _ := b.post("/w/acme/brand/amplifiers", url.Values{"name": {"Tea KOL"}, "kind": {"kol"}, "reach": {"１２万"}, "price": {"¥1.5万"}}); status != http.StatusSeeOther {
		t.Fatalf("amplifier: status %d: %s", status, between(body, "<form", "</form>"))
	}
	amps, err := h.brand.Amplifiers.List(ctx, owner.ws.ID)
	must(t, err)
	if len(amps) != 1 || amps[0].Reach != 120000 || amps[0].Price != 15000 {
		t.Errorf("amplifiers %+v, want reach 120000 and price 15000", amps)
	}
	if _, body := b.get("/w/acme/brand/amplifiers"); !strings.Contains(body, "120,000") {
		t.Errorf("amplifier list does not show the reach as 120,000")
	}

	b.get("/w/acme/brand/team/new")
	status, body, _ := b.post("/w/acme/brand/team", url.Values{"name": {"Li"}, "weekly_hours": {"40万"}, "hourly_cost": {"150元"}})
	if got := between(body, `id="f-weekly_hours-err">`, "</div>"); status != http.StatusUnprocessableEntity || !strings.Contains(got, "请输入数字，例如 40 或 7.5。") {
		t.Errorf("40万 hours: status %d, error %q; want 422 and the plain number's example", status, got)
	}
	if status, _, _ := b.post("/w/acme/brand/team", url.Values{"name": {"Li"}, "weekly_hours": {"４０"}, "hourly_cost": {"150元"}}); status != http.StatusSeeOther {
		t.Fatalf("team member: status %d", status)
	}
	team, err := h.brand.Team.List(ctx, owner.ws.ID)
	must(t, err)
	if len(team) != 1 || team[0].WeeklyHours != 40 || team[0].HourlyCost != 150 {
		t.Errorf("team %+v, want 40 hours a week at 150", team)
	}
}
