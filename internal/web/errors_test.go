package web

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// notFoundKinds are the kinds of thing that apperr.NotFoundf names, with
// the words each language must use. The brand kinds reach NotFoundf
// through a variable, so the code walk below cannot see them.
var notFoundKinds = map[string][2]string{ // kind: en, zh-CN
	"workspace":          {"Workspace", "工作区"},
	"member":             {"Member", "成员"},
	"user":               {"User", "用户"},
	"session":            {"Session", "会话"},
	"token":              {"API token", "API 令牌"},
	"invitation":         {"Invitation", "邀请"},
	"secret":             {"Setting", "配置项"},
	"platform":           {"Platform", "平台"},
	"platform_override":  {"Platform correction", "平台修正"},
	brand.KindProduct:    {"Product", "产品"},
	brand.KindPersona:    {"Persona", "目标人群"},
	brand.KindCompetitor: {"Competitor", "竞品"},
	brand.KindTeamMember: {"Team member", "团队成员"},
	brand.KindAmplifier:  {"Amplifier", "推广资源"},
	brand.KindProfile:    {"Brand profile", "品牌档案"},
	brand.KindBudget:     {"Budget", "预算"},
	"campaign":           {"Campaign", "活动"},
	"link":               {"Link", "链接"},
	"click":              {"Click", "点击记录"},
	"public_key":         {"Public key", "公钥"},
	"conversion":         {"Conversion", "转化事件"},
	"customer":           {"Customer", "客户"},
	"topic":              {"Topic", "话题"},
	"mention":            {"Mention", "提及"},
	"source":             {"Source", "来源"},
	"sentiment model":    {"Sentiment model", "情感模型"},
	"alert_rule":         {"Alert rule", "预警规则"},
	"alert":              {"Alert", "预警"},
}

// notFoundCalls are the functions that pass a kind, as their last
// argument, to apperr.NotFoundf.
var notFoundCalls = map[string]bool{"NotFoundf": true, "notFound": true, "brandRowsOne": true, "accountRowsOne": true}

// kindsInCode walks the Go code under internal/ for the string literals
// passed as a kind to a not-found error.
func kindsInCode(t *testing.T) map[string][]string {
	t.Helper()
	kinds := map[string][]string{} // kind -> where
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			lit, ok := call.Args[len(call.Args)-1].(*ast.BasicLit)
			if !notFoundCalls[name] || !ok || lit.Kind != token.STRING {
				return true
			}
			kind, err := strconv.Unquote(lit.Value)
			if err == nil {
				kinds[kind] = append(kinds[kind], fset.Position(lit.Pos()).String())
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return kinds
}

var asciiWord = regexp.MustCompile(`[A-Za-z_]+`)

// TestNotFoundNamesEveryKind: a not-found message names the thing in the
// reader's words, never by the code's name for it ("alert_rule", "找不到该link").
func TestNotFoundNamesEveryKind(t *testing.T) {
	t.Parallel()
	c := mustCatalog(t)
	inCode := kindsInCode(t)
	if len(inCode) < 10 {
		t.Fatalf("found %d kinds in the code; is the walk stale? %v", len(inCode), inCode)
	}
	for kind, where := range inCode {
		if _, ok := notFoundKinds[kind]; !ok {
			t.Errorf("kind %q (%s) is not in notFoundKinds: name it in error.not_found of both catalogs and here", kind, strings.Join(where, ", "))
		}
	}
	kinds := make([]string, 0, len(notFoundKinds))
	for k := range notFoundKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		want := notFoundKinds[kind]
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			args := map[string]any{"Kind": kind}
			en := c.T("en", "error.not_found", args)
			if en != want[0]+" not found." {
				t.Errorf("en: %q, want %q", en, want[0]+" not found.")
			}
			zh := c.T("zh-CN", "error.not_found", args)
			if zh != "找不到该"+want[1]+"。" {
				t.Errorf("zh-CN: %q, want %q", zh, "找不到该"+want[1]+"。")
			}
			for _, w := range asciiWord.FindAllString(zh, -1) {
				if w != "API" {
					t.Errorf("zh-CN: %q has the Latin word %q", zh, w)
				}
			}
			if strings.Contains(en, "_") || strings.Contains(zh, kind) {
				t.Errorf("the raw kind shows: %q / %q", en, zh)
			}
		})
	}
	// A kind someone adds without a name reads as a thing, not as code.
	for _, loc := range Locales {
		if got := c.T(loc, "error.not_found", map[string]any{"Kind": "gizmo_part"}); strings.Contains(got, "gizmo") {
			t.Errorf("%s: unknown kind shows as %q", loc, got)
		}
	}
}

// apiIn calls the API in a language and returns the status and the
// error's message and fields.
func apiIn(t *testing.T, h *harness, lang, method, path, token, body string) (int, apiError, string) {
	t.Helper()
	req, _ := http.NewRequest(method, h.ts.URL+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out apiError
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, string(raw)
}

// goLeaks are bits of Go that must never reach an API message.
var goLeaks = regexp.MustCompile(`\[\]|\b(int64|int|float64|string|bool)\b|[a-z]+\.[A-Z][A-Za-z]+|parsing time|cannot parse|json:|Time\.Unmarshal|<nil>|<no value>`)

func TestAPIErrorMessages(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ids := seed(t, h, owner.ws.ID)
	links := "/workspaces/acme/links"
	mix := fmt.Sprintf("/workspaces/acme/campaigns/%d/mix", ids["campaigns"])
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
		en, zh                   string // in the field's message, or the error's when field is ""
	}{
		{"array for object", "POST", links, `[]`, 422, "body", "expected an object", "应为对象"},
		{"object for list", "PUT", mix, `{"platform":"weibo"}`, 422, "body", "expected a list", "应为列表"},
		{"text for whole number", "POST", links, `{"destination":"https://shop.example.com/","campaign_id":"abc"}`, 422, "campaign_id", "expected a whole number", "应为整数"},
		{"bad date-time", "POST", links, `{"destination":"https://shop.example.com/","expires_at":"yesterday"}`, 422, "expires_at", "a date-time (RFC 3339, e.g. 2026-03-01T08:00:00Z)", "日期时间（RFC 3339 格式，例如 2026-03-01T08:00:00Z）"},
		{"number for text", "POST", links, `{"destination":5}`, 422, "destination", "expected text", "应为文本"},
		{"text for true/false", "POST", links, `{"destination":"https://shop.example.com/","disabled":"no"}`, 422, "disabled", "true or false", "true 或 false"},
		{"list element", "PUT", mix, `[{"platform":"weibo","budget_share":"half"}]`, 422, "[0].budget_share", "expected a number", "应为数字"},
		{"unknown field", "POST", links, `{"destination":"https://shop.example.com/","colour":"red"}`, 422, "colour", "Unknown field", "未知字段"},
		{"syntax", "POST", links, `{"destination": }`, 422, "body", "near character 17", "第 17 个字符"},
		{"empty", "POST", links, ``, 422, "body", "empty", "为空"},
		{"missing link", "GET", links + "/99999", ``, 404, "", "Link not found.", "找不到该链接。"},
		{"missing topic", "GET", "/workspaces/acme/topics/99999", ``, 404, "", "Topic not found.", "找不到该话题。"},
		{"missing alert rule", "GET", "/workspaces/acme/alert-rules/99999", ``, 404, "", "Alert rule not found.", "找不到该预警规则。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, lang := range []string{"en", "zh-CN"} {
				status, got, raw := apiIn(t, h, lang, tt.method, tt.path, owner.token, tt.body)
				if status != tt.status {
					t.Fatalf("%s: status %d, want %d: %s", lang, status, tt.status, raw)
				}
				want := tt.en
				if lang == "zh-CN" {
					want = tt.zh
				}
				msg := got.Error.Message
				if tt.field != "" {
					if len(got.Error.Fields) != 1 || got.Error.Fields[0].Field != tt.field {
						t.Fatalf("%s: fields %+v, want one named %q", lang, got.Error.Fields, tt.field)
					}
					msg = got.Error.Fields[0].Message
				}
				if !strings.Contains(msg, want) {
					t.Errorf("%s: message %q, want it to contain %q", lang, msg, want)
				}
				if leak := goLeaks.FindString(raw); leak != "" {
					t.Errorf("%s: %q leaks Go: %s", lang, leak, raw)
				}
			}
		})
	}
}
