package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
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
	for _, loc := range Locales {
		if _, err := b.LoadMessageFileFS(catalogFiles, "i18n/"+loc+".json"); err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", loc, err)
		}
		c.localizers[loc] = i18n.NewLocalizer(b, loc)
	}
	return c, nil
}

// T translates key into locale; a missing key shows as itself, so a gap is
// visible rather than blank.
func (c *catalog) T(locale, key string, args map[string]any) string {
	l, ok := c.localizers[locale]
	if !ok {
		l = c.localizers[Locales[0]]
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: args})
	if err != nil {
		return key
	}
	return s
}

// Has reports whether key exists in the catalog.
func (c *catalog) Has(key string) bool {
	_, err := c.localizers["en"].Localize(&i18n.LocalizeConfig{MessageID: key})
	return err == nil
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
	if c, err := r.Cookie("lang"); err == nil {
		if l := normalizeLocale(c.Value); l != "" {
			return l
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return Locales[i]
			}
		}
	}
	return Locales[0]
}
