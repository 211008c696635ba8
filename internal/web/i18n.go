package web

import (
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/chorus-hq/chorus/internal/account"
)

//go:embed i18n/*.json
var catalogFiles embed.FS

// Locales are the UI languages, the default first.
var Locales = []string{"zh-CN", "en"}

var matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// catalog translates message keys; every user-facing string goes through it.
type catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
}

func loadCatalog() (*catalog, error) {
	b := i18n.NewBundle(language.SimplifiedChinese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &catalog{bundle: b, localizers: map[string]*i18n.Localizer{}}
	files, err := catalogFileNames()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(catalogFiles, "i18n/"+f.name); err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", f.name, err)
		}
	}
	for _, loc := range Locales {
		c.localizers[loc] = i18n.NewLocalizer(b, loc)
	}
	return c, nil
}

// catalogFile is one file of the catalog: each area of the product keeps
// its messages in "<area>.<locale>.json", so that work on one area does not
// touch another's file.
type catalogFile struct {
	name, area, locale string
}

func catalogFileNames() ([]catalogFile, error) {
	entries, err := catalogFiles.ReadDir("i18n")
	if err != nil {
		return nil, err
	}
	var out []catalogFile
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".json")
		area, locale, ok2 := strings.Cut(base, ".")
		if !ok || !ok2 || normalizeLocale(locale) != locale {
			return nil, fmt.Errorf("catalog file %s: want <area>.<locale>.json with a locale of %v", e.Name(), Locales)
		}
		out = append(out, catalogFile{name: e.Name(), area: area, locale: locale})
	}
	return out, nil
}

// T translates key into locale; a missing key shows as itself, so a gap is
// visible rather than blank.
func (c *catalog) T(locale, key string, args map[string]any) string {
	l, ok := c.localizers[locale]
	if !ok {
		l = c.localizers[Locales[0]]
	}
	// A message with plural forms ({"one": …, "other": …}) picks its form
	// by the Count argument; Chinese has one form, English two. A message
	// without the form asked for renders its "other" text, with an error
	// that only says so.
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: c.labels(locale, plainNumbers(args)), PluralCount: args["Count"]})
	if err != nil && s == "" {
		return key
	}
	return s
}

// labels returns args with each argument whose name ends in Label, which
// holds a message key, translated: a domain names a thing as the pages
// do ("MetricLabel": "metric.leads" reads 潜在客户 or Leads) without
// knowing the language.
func (c *catalog) labels(locale string, args map[string]any) map[string]any {
	var out map[string]any
	for k, v := range args {
		if key, ok := v.(string); ok && strings.HasSuffix(k, "Label") {
			if out == nil {
				out = maps.Clone(args)
			}
			out[k] = c.T(locale, key, nil)
		}
	}
	if out == nil {
		return args
	}
	return out
}

// plainNumbers returns args with fractional numbers written as people
// read them, with thousands separators and no exponent: a template prints
// a float64 as Go does, and 1,600,000 read "1.6e+06". Count, the number a
// message's plural form follows, and the other arguments that always
// count something (quantityArgs) get their separators too (a link's 3,878
// clicks, not 3878), as the figures of the tables do; other whole numbers
// may be ids or years and stay as they are.
func plainNumbers(args map[string]any) map[string]any {
	var out map[string]any
	for k, v := range args {
		f, ok := v.(float64)
		switch n := v.(type) {
		case int:
			f, ok = float64(n), quantityArgs[k]
		case int64:
			f, ok = float64(n), quantityArgs[k]
		}
		if !ok {
			continue
		}
		if out == nil {
			out = maps.Clone(args)
		}
		if shareArgs[k] {
			out[k] = percent(f)
		} else {
			out[k] = number(f, cmp.Or(argDecimals[k], 4))
		}
	}
	if out == nil {
		return args
	}
	return out
}

// quantityArgs are the catalog's arguments that are counts wherever they
// appear: mentions by sentiment, rows of an import, mentions a rule
// matched. A message that gives a count a new name adds it here.
var quantityArgs = map[string]bool{
	"Count": true, "Positive": true, "Neutral": true, "Negative": true,
	"Stored": true, "Duplicates": true, "Skipped": true, "Total": true, "Valid": true, "Errors": true,
	"Matched": true, "Scanned": true, "Rows": true,
}

// shareArgs are the catalog's arguments that are shares as fractions
// (0.452), which read in percent as the pages write them (45.2%, pct);
// other messages' shares are given in percent already.
var shareArgs = map[string]bool{"NegativeShare": true, "BaselineShare": true}

// argDecimals are the decimals of the catalog's fractional arguments that
// need fewer than four: a z-score's two (3.46 standard deviations, not
// 3.464), a mean of mentions' one (1,234.6 mentions an hour).
var argDecimals = map[string]int{"Z": 2, "Mean": 1}

// Has reports whether key exists in the catalog.
func (c *catalog) Has(key string) bool {
	_, err := c.localizers["en"].Localize(&i18n.LocalizeConfig{MessageID: key})
	return err == nil
}

// Messages renders catalog keys outside a request, for text that leaves
// Chorus: alerts sent to chat robots and e-mail.
type Messages struct{ cat *catalog }

// LoadMessages loads the catalog the pages use.
func LoadMessages() (*Messages, error) {
	c, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	return &Messages{cat: c}, nil
}

// Text renders keys in locale, the default language when locale is not
// one of Locales; a missing key shows as itself.
func (m *Messages) Text(locale string) func(key string, args map[string]any) string {
	return func(key string, args map[string]any) string { return m.cat.T(locale, key, args) }
}

// WorkspaceLocale is the language of a workspace where no request says
// one: its owners' choice, else another member's, else the default. The
// locale is chosen per user, and owners set the workspace up.
func WorkspaceLocale(members []account.Member) string {
	for _, owners := range []bool{true, false} {
		for _, m := range members {
			if (m.Role == account.Owner) == owners {
				if l := normalizeLocale(m.User.Locale); l != "" {
					return l
				}
			}
		}
	}
	return Locales[0]
}

// normalizeLocale returns one of Locales for a user's choice, or "".
func normalizeLocale(s string) string {
	for _, l := range Locales {
		if strings.EqualFold(s, l) {
			return l
		}
	}
	return ""
}

// localeFromRequest picks the language of an anonymous request: the lang
// cookie, then Accept-Language, then the default.
func localeFromRequest(r *http.Request) string {
	cookie := ""
	if c, err := r.Cookie("lang"); err == nil {
		cookie = c.Value
	}
	return localeFrom(cookie, r.Header.Get("Accept-Language"))
}

// localeFrom is localeFromRequest for the lang cookie's value and the
// Accept-Language header.
func localeFrom(cookie, acceptLanguage string) string {
	if l := normalizeLocale(cookie); l != "" {
		return l
	}
	if acceptLanguage != "" {
		tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return Locales[i]
			}
		}
	}
	return Locales[0]
}
