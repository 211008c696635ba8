package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/metric"
)

// linkPageRoutes serve the links pages of step 4 (execution): the list
// with its create form and UTM preview, a link's page with its charts and
// its edit form, the buttons that switch a link off and on or delete it,
// and the settings page's form of the destination-domain allowlist.
func (s *Server) linkPageRoutes() {
	m := s.mux
	list := func(section string) pageHandler {
		return func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			return s.linksPage(w, r, p, http.StatusOK, section, linkForm{}, nil)
		}
	}
	m.Handle("GET /w/{ws}/execution", s.page("", list("execution")))
	m.Handle("GET /w/{ws}/links", s.page("", list("links")))
	m.Handle("POST /w/{ws}/links", s.page(account.EditContent, s.linkCreate))
	m.Handle("POST /w/{ws}/links/preview", s.readPage(account.EditContent, s.linkPreview))
	m.Handle("GET /w/{ws}/links/{id}", s.page("", s.linkDetail))
	m.Handle("POST /w/{ws}/links/{id}", s.page(account.EditContent, s.linkEdit))
	m.Handle("POST /w/{ws}/links/{id}/delete", s.page(account.EditContent, s.linkDelete))
	m.Handle("POST /w/{ws}/settings/allowlist", s.page(account.EditWorkspace, s.allowlistSave))
	m.Handle("POST /w/{ws}/links/{id}/disable", s.page(account.EditContent, s.linkSwitch(true)))
	m.Handle("POST /w/{ws}/links/{id}/enable", s.page(account.EditContent, s.linkSwitch(false)))
}

// linkForm is the create or edit form as typed; the edit form has the
// destination, label and expiry only.
type linkForm struct {
	Destination, Label, Campaign, Channel, Content, Expires string
}

func readLinkForm(r *http.Request) linkForm {
	g := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return linkForm{Destination: g("destination"), Label: g("label"), Campaign: g("campaign_id"), Channel: g("channel"), Content: g("utm_content"), Expires: g("expires_at")}
}

// input turns the form into the link service's input; a campaign or an
// expiry that does not parse is a field error.
func (f linkForm) input(loc *time.Location) (link.Input, error) {
	in := link.Input{Destination: f.Destination, Label: f.Label, Channel: f.Channel, UTMContent: f.Content}
	var fs apperr.Fields
	if f.Campaign != "" {
		id, err := strconv.ParseInt(f.Campaign, 10, 64)
		if err != nil || id <= 0 {
			fs.Add("campaign_id", "error.invalid")
		} else {
			in.CampaignID = &id
		}
	}
	if f.Expires != "" {
		t, ok := parseLocalTime(f.Expires, loc)
		if !ok {
			fs.Add("expires_at", "error.when")
		} else {
			in.ExpiresAt = &t
		}
	}
	return in, fs.Err()
}

// joinInvalid is one apperr.Invalid with the field errors of every
// Invalid in errs, nil when none has any; the first other error, such as
// a database's, is returned as it is.
func joinInvalid(errs ...error) error {
	var fs apperr.Fields
	for _, err := range errs {
		if err != nil && !apperr.Is(err, apperr.Invalid) {
			return err
		}
		fs.Nest("", err)
	}
	return fs.Err()
}

// parseLocalTime reads a datetime-local value ("2026-03-01T18:00") or a
// date, which means the end of that day, in loc.
func parseLocalTime(v string, loc *time.Location) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t.AddDate(0, 0, 1), true
	}
	return time.Time{}, false
}

// linkRow is a link as the list shows it.
type linkRow struct {
	linkResp
	CampaignName, ChannelName string
}

func (s *Server) linksPage(w http.ResponseWriter, r *http.Request, p account.Principal, status int, section string, form linkForm, ferr error) error {
	ctx := r.Context()
	links, err := s.Links.List(ctx, p.Workspace.ID, link.Filter{})
	if err != nil {
		return err
	}
	// The list holds the newest links only; the figures above it are
	// those of all of them.
	all, err := s.Links.Totals(ctx, p.Workspace.ID)
	if err != nil {
		return err
	}
	camps, err := s.Campaigns.List(ctx, p.Workspace.ID)
	if err != nil {
		return err
	}
	channels, err := s.channelChoices(r, p)
	if err != nil {
		return err
	}
	allow, err := s.Links.AllowedDomains(ctx, p.Workspace.ID)
	if err != nil {
		return err
	}
	campaignNames := map[int64]string{}
	for _, c := range camps {
		campaignNames[c.ID] = c.Name
	}
	channelNames := map[string]string{}
	for _, c := range channels {
		channelNames[c.Value] = c.Label
	}
	rows := make([]linkRow, len(links))
	var total link.Counts
	for i, l := range links {
		rows[i] = linkRow{linkResp: s.linkResp(r, l), ChannelName: channelNames[l.Channel]}
		if rows[i].ChannelName == "" {
			rows[i].ChannelName = l.Channel
		}
		if l.CampaignID != nil {
			rows[i].CampaignName = campaignNames[*l.CampaignID]
		}
		total.Add(l.Counts)
	}
	campaignChoices := []choice{{Value: "", Label: "—"}}
	for _, c := range camps {
		campaignChoices = append(campaignChoices, choice{Value: strconv.FormatInt(c.ID, 10), Label: c.Name})
	}
	errs := fieldErrors(ferr)
	preview := s.previewFor(r, form, camps, allow)
	if preview != nil && len(errs["destination"]) > 0 {
		preview.Error = "" // said beside the field
	}
	data := map[string]any{
		"Section": "execution", "Page": section, "Rows": rows, "Total": total, "All": all,
		"Campaigns": campaignChoices, "Channels": channels, "Form": form,
		"Errors": errs, "Preview": preview, "Allowlist": newAllowNote(allow),
	}
	s.render(w, r, status, "links", data)
	return nil
}

// channelChoices are the catalog's platforms, for the channel select.
func (s *Server) channelChoices(r *http.Request, p account.Principal) ([]choice, error) {
	entries, err := s.Platforms.List(r.Context(), p.Workspace.ID)
	if err != nil {
		return nil, err
	}
	loc := s.locale(r)
	out := []choice{{Value: "", Label: "—"}}
	for _, e := range entries {
		out = append(out, choice{Value: e.Key, Label: e.Name.In(loc)})
	}
	return out, nil
}

// linkPreview is the tagged destination the form would make, and why it
// would be refused: the UTM parameters follow the link service's rules
// (utm_source = channel, utm_medium = social, utm_campaign = the campaign's
// slug, utm_content = the given content or the label). An address outside
// the allowlist is still tagged, so the preview shows what it would be.
type linkPreview struct {
	Tagged string
	UTM    link.UTM
	// Error is the destination's problem; the page clears it when it says
	// so beside the field.
	Error string
}

func (s *Server) previewFor(r *http.Request, f linkForm, camps []campaign.Campaign, allow []string) *linkPreview {
	if f.Destination == "" {
		return nil
	}
	problem := func(err error) string {
		msg := ""
		for _, fe := range fieldErrors(err)["destination"] {
			msg = s.cat.T(s.locale(r), fe.Key, fe.Args)
		}
		return msg
	}
	dest, err := link.ValidateDestination("destination", f.Destination, nil)
	if err != nil {
		return &linkPreview{Error: problem(err)}
	}
	p := &linkPreview{}
	if _, err := link.ValidateDestination("destination", f.Destination, allow); err != nil {
		p.Error = problem(err)
	}
	u := link.UTM{Source: f.Channel, Medium: "social", Content: f.Content}
	if f.Campaign != "" {
		for _, c := range camps {
			if strconv.FormatInt(c.ID, 10) == f.Campaign {
				u.Campaign = c.Slug
			}
		}
	}
	if u.Content == "" {
		u.Content = link.Truncate(f.Label, 200)
	}
	p.Tagged, p.UTM = link.Tag(dest, u), u
	return p
}

func (s *Server) linkPreview(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	if r.Header.Get("HX-Request") != "true" {
		// Without JavaScript the preview button posts the whole form:
		// answer the page with the preview filled in.
		return s.linksPage(w, r, p, http.StatusOK, "links", readLinkForm(r), nil)
	}
	camps, err := s.Campaigns.List(r.Context(), p.Workspace.ID)
	if err != nil {
		return err
	}
	allow, err := s.Links.AllowedDomains(r.Context(), p.Workspace.ID)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "links", map[string]any{"Section": "execution", "Partial": "link_preview",
		"Preview": s.previewFor(r, readLinkForm(r), camps, allow)})
	return nil
}

func (s *Server) linkCreate(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	ctx, ws := r.Context(), p.Workspace.ID
	form := readLinkForm(r)
	in, perr := form.input(p.Workspace.Location())
	var err error
	if perr == nil {
		_, err = s.Links.Create(ctx, ws, in)
	} else {
		err = s.Links.Validate(ctx, ws, in)
	}
	if apperr.Is(err, apperr.NotFound) && in.CampaignID != nil {
		err = apperr.Field("campaign_id", "error.invalid")
	}
	if err = joinInvalid(perr, err); apperr.Is(err, apperr.Invalid) {
		return s.linksPage(w, r, p, http.StatusUnprocessableEntity, "links", form, err)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.link_created")
	redirect(w, r, "/w/"+p.Workspace.Slug+"/links")
	return nil
}

func (s *Server) linkSwitch(disable bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, ok := pathID(r, "id")
		if !ok {
			return apperr.NotFoundf("link")
		}
		if _, err := s.Links.Update(r.Context(), p.Workspace.ID, id, link.Update{Disabled: &disable}); err != nil {
			return err
		}
		key := "flash.link_enabled"
		if disable {
			key = "flash.link_disabled"
		}
		s.flash(w, r, "ok", key)
		back := "/w/" + p.Workspace.Slug + "/links"
		if r.PostFormValue("back") == "detail" {
			back += "/" + strconv.FormatInt(id, 10)
		}
		redirect(w, r, back)
		return nil
	}
}

// expiryLayout is how the edit form shows an expiry: a datetime-local
// value in the workspace's zone.
const expiryLayout = "2006-01-02T15:04"

// editForm is the edit form of l as stored.
func editForm(l link.Link, loc *time.Location) linkForm {
	f := linkForm{Destination: l.Destination, Label: l.Label}
	if l.ExpiresAt != nil {
		f.Expires = l.ExpiresAt.In(loc).Format(expiryLayout)
	}
	return f
}

// update is the change the edit form asks of l: only the fields that
// differ from l's, so that saving a new label neither checks the old
// destination against an allowlist set after it nor refuses an expiry
// that has passed; an emptied expiry removes it. An expiry that does not
// parse is a field error returned with the rest of the change, so that
// the other fields are checked too.
func (f linkForm) update(l link.Link, loc *time.Location) (link.Update, error) {
	was := editForm(l, loc)
	var u link.Update
	if f.Destination != was.Destination {
		u.Destination = &f.Destination
	}
	if f.Label != was.Label {
		u.Label = &f.Label
	}
	switch {
	case f.Expires == was.Expires:
	case f.Expires == "":
		u.ClearExpiry = true
	default:
		t, ok := parseLocalTime(f.Expires, loc)
		if !ok {
			return u, apperr.Field("expires_at", "error.when")
		}
		u.ExpiresAt = &t
	}
	return u, nil
}

func (s *Server) linkEdit(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	l, err := s.pathLink(r, p)
	if err != nil {
		return err
	}
	form := readLinkForm(r)
	u, perr := form.update(l, p.Workspace.Location())
	if perr == nil {
		_, err = s.Links.Update(r.Context(), p.Workspace.ID, l.ID, u)
	} else {
		err = joinInvalid(perr, s.Links.ValidateUpdate(r.Context(), p.Workspace.ID, l.ID, u))
	}
	if apperr.Is(err, apperr.Invalid) {
		return s.linkDetailPage(w, r, p, l, http.StatusUnprocessableEntity, form, err)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.link_saved")
	redirect(w, r, "/w/"+p.Workspace.Slug+"/links/"+strconv.FormatInt(l.ID, 10))
	return nil
}

func (s *Server) linkDelete(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	id, ok := pathID(r, "id")
	if !ok {
		return apperr.NotFoundf("link")
	}
	if err := s.Links.Delete(r.Context(), p.Workspace.ID, id); err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.link_deleted")
	redirect(w, r, "/w/"+p.Workspace.Slug+"/links")
	return nil
}

// allowlistSave replaces the destination-domain allowlist with the
// domains typed one a line (commas separate them too), or shows the
// settings page with the refused ones and their lines. Lines are not
// split on spaces: "http://bad domain" is one wrong entry, not two.
func (s *Server) allowlistSave(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	// A "\r" before "\n" goes with the trimming of each domain.
	domains := strings.Split(r.PostFormValue("domains"), "\n")
	_, err := s.Links.SetAllowedDomains(r.Context(), p.Workspace.ID, domains)
	if apperr.Is(err, apperr.Invalid) {
		return s.settingsPage(w, r, p, http.StatusUnprocessableEntity, "allowlist", err, "")
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.allowlist_saved")
	// To the list, where the settings page says which links it leaves out.
	redirect(w, r, "/w/"+p.Workspace.Slug+"/settings#allowlist")
	return nil
}

// allowNote is what the link forms say of the allowlist: whether there
// is one, its domains in force, and whether it holds saved entries that
// are refused today and allow nothing (link.InForce).
type allowNote struct {
	Listed, Refused bool
	Domains         []string
}

func newAllowNote(stored []string) allowNote {
	d, refused := link.InForce(stored)
	return allowNote{Listed: len(stored) > 0, Refused: refused != nil, Domains: d}
}

// outsideShown is how many of the links outside the allowlist the
// settings page names.
const outsideShown = 5

// outsideView is the settings page's note of the links that lead outside
// the allowlist: how many, the newest named with their hosts, how many
// more.
type outsideView struct {
	Count, More int
	Newest      []outsideLink
}

type outsideLink struct {
	ID         int64
	Name, Host string
}

// allowlistOutside is the note of the workspace's links outside its
// allowlist; its Count is 0 when there are none or no list.
func (s *Server) allowlistOutside(ctx context.Context, ws int64) (outsideView, error) {
	o, err := s.Links.OutsideAllowlist(ctx, ws, outsideShown)
	if err != nil {
		return outsideView{}, err
	}
	v := outsideView{Count: o.Count, More: o.Count - len(o.Newest)}
	for _, r := range o.Newest {
		name, host := r.Label, r.Destination
		if name == "" {
			name = r.Code
		}
		if u, err := url.Parse(r.Destination); err == nil && u.Host != "" {
			host = u.Host
		}
		v.Newest = append(v.Newest, outsideLink{ID: r.ID, Name: name, Host: host})
	}
	return v, nil
}

// linkPeriods are the periods the link page offers, in hours; up to two
// days the chart is hourly over the last hours, beyond that daily over the
// last days of the workspace's calendar (lastDays).
var linkPeriods = []struct {
	Key   string
	Hours int
}{{"24h", 24}, {"7d", 7 * 24}, {"30d", 30 * 24}, {"60d", 60 * 24}}

func (s *Server) linkDetail(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	l, err := s.pathLink(r, p)
	if err != nil {
		return err
	}
	return s.linkDetailPage(w, r, p, l, http.StatusOK, editForm(l, p.Workspace.Location()), nil)
}

// linkDetailPage is a link's page with its edit form as typed and its
// errors beside the fields.
func (s *Server) linkDetailPage(w http.ResponseWriter, r *http.Request, p account.Principal, l link.Link, status int, form linkForm, ferr error) error {
	period := r.URL.Query().Get("period")
	hours := 0
	for _, pe := range linkPeriods {
		if pe.Key == period {
			hours = pe.Hours
		}
	}
	if hours == 0 {
		period, hours = "30d", 30*24
	}
	loc := p.Workspace.Location()
	now := time.Now()
	from, to := now.Add(-time.Duration(hours)*time.Hour), now
	if hours > 48 {
		// Counted by days: the conversions page's days, not a part of
		// the day before them.
		from, to = lastDays(now, loc, hours/24)
	}
	st, err := s.Links.Stats(r.Context(), p.Workspace.ID, l.ID, from, to, loc)
	if err != nil {
		return err
	}
	allow, err := s.Links.AllowedDomains(r.Context(), p.Workspace.ID)
	if err != nil {
		return err
	}
	tr := s.lang(r)
	var campaignName string
	if l.CampaignID != nil {
		if c, err := s.Campaigns.Get(r.Context(), p.Workspace.ID, *l.CampaignID); err == nil {
			campaignName = c.Name
		}
	}
	breakdowns := map[string][]bucketRow{}
	charts := map[string]any{}
	for _, dim := range []string{"class", "device", "referrer", "region", "os", "browser"} {
		rows := bucketRows(st.Breakdowns[dim], st.Totals.Clicks, func(k string) string { return bucketLabel(tr, dim, k) })
		breakdowns[dim] = rows
		charts[dim] = bucketChart(rows, dim == "class" || dim == "device", tr)
	}
	s.render(w, r, status, "links_detail", map[string]any{
		"Section": "execution", "L": s.linkResp(r, l), "CampaignName": campaignName, "Stats": st,
		"Form": form, "Errors": fieldErrors(ferr), "Allowlist": newAllowNote(allow),
		"Period": period, "Periods": linkPeriods, "Hourly": hours <= 48,
		"Chart": clicksChart(st, hours <= 48, loc, tr), "Breakdowns": breakdowns, "Charts": charts,
		"Located":        slices.ContainsFunc(st.Breakdowns["region"], func(b link.Bucket) bool { return b.Key != "" }),
		"DayStart":       metric.DayStart(now, loc),
		"TaggedReadable": readableURL(l.Tagged()),
	})
	return nil
}

// readableURL returns u with its percent-encoded UTF-8 characters decoded
// and, in its query, + as a space (utm_content=阿May 笔记 rather than
// utm_content=%E9%98%BFMay+%E7%AC%94%E8%AE%B0), as a browser's address bar
// shows it, or "" when that reads the same. The escapes of ASCII (%26, %3D,
// %2F) stay, so that the parameters still read apart, and so does an
// escape of anything but a printable character (a bidi control, invalid
// UTF-8). It is for reading only: the link uses u.
func readableURL(u string) string {
	var b strings.Builder
	inQuery := false
	for i := 0; i < len(u); {
		c := u[i]
		switch {
		case c == '?' && !inQuery:
			inQuery = true
		case c == '#':
			inQuery = false
		case c == '+' && inQuery:
			b.WriteByte(' ')
			i++
			continue
		case c == '%':
			// A run of escapes of bytes ≥ 0x80: decode the characters
			// it spells.
			var raw []byte
			j := i
			for j+2 < len(u) && u[j] == '%' {
				v, err := strconv.ParseUint(u[j+1:j+3], 16, 8)
				if err != nil || v < 0x80 {
					break
				}
				raw = append(raw, byte(v))
				j += 3
			}
			if len(raw) > 0 && printableUTF8(raw) {
				b.Write(raw)
				i = j
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	if b.String() == u {
		return ""
	}
	return b.String()
}

// printableUTF8 tells whether raw is valid UTF-8 of printable characters
// only.
func printableUTF8(raw []byte) bool {
	if !utf8.Valid(raw) {
		return false
	}
	for _, r := range string(raw) {
		if !unicode.IsPrint(r) || unicode.Is(unicode.Bidi_Control, r) {
			return false
		}
	}
	return true
}

// bucketRow is one value of a breakdown with its share of the clicks.
type bucketRow struct {
	Key, Label          string
	Clicks, HumanClicks int64
	Share               float64
}

func bucketRows(bs []link.Bucket, total int64, label func(string) string) []bucketRow {
	out := make([]bucketRow, 0, len(bs))
	for _, b := range bs {
		row := bucketRow{Key: b.Key, Label: label(b.Key), Clicks: b.Clicks, HumanClicks: b.HumanClicks}
		if total > 0 {
			row.Share = float64(b.Clicks) / float64(total)
		}
		out = append(out, row)
	}
	return out
}

// bucketLabel names a breakdown value: classes and devices from the
// catalog, an empty referrer or region as "direct" or "unknown".
func bucketLabel(tr lang, dim, key string) string {
	switch {
	case dim == "class" || dim == "device":
		if key == "" {
			return tr.T("tracking.unknown")
		}
		return tr.Or("tracking."+dim+"."+key, key)
	case key == "" && dim == "referrer":
		return tr.T("tracking.referrer.direct")
	case key == "":
		return tr.T("tracking.unknown")
	case dim == "region":
		return regionLabel(tr, key)
	}
	return key
}

// regionLabel names a click's place, "CN" or "CN-SH" (ISO 3166-1 country
// and ISO 3166-2 subdivision codes, as GeoIP databases give them), in the
// page's language: the country from CLDR's names, China's provinces from
// the catalog, other subdivisions by their code.
func regionLabel(tr lang, key string) string {
	country, division, _ := strings.Cut(key, "-")
	if r, err := language.ParseRegion(country); err == nil && r.IsCountry() {
		if name := display.Regions(language.Make(tr.loc)).Name(r); name != "" {
			country = name
		}
	}
	if division == "" {
		return country
	}
	return tr.T("tracking.geo.label", "Country", country, "Division", tr.Or("tracking.geo."+key, division))
}

// bucketChart is an ECharts option for a breakdown: a donut for few
// values, horizontal bars (top ten) for many. Breakdown charts are narrow
// (a .chart-grid column, 300 px at least): the donut's legend wraps below
// it instead of paging, and the bars' value axis has few, non-overlapping
// numbers and truncated category labels.
func bucketChart(rows []bucketRow, donut bool, tr lang) chartOption {
	if donut {
		data := make([]map[string]any, 0, len(rows))
		for _, r := range rows {
			data = append(data, map[string]any{"name": r.Label, "value": r.Clicks})
		}
		return map[string]any{
			"animation": false,
			"tooltip":   map[string]any{"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
			"legend": map[string]any{"type": "plain", "orient": "horizontal", "bottom": 0, "left": "center",
				"itemWidth": 12, "itemHeight": 8, "itemGap": 8, "textStyle": map[string]any{"fontSize": 11}},
			"series": []any{map[string]any{"type": "pie", "radius": []string{"32%", "55%"}, "center": []string{"50%", "38%"},
				"percentPrecision": 1, "label": map[string]any{"show": false}, "data": data}},
		}
	}
	n := min(len(rows), 10)
	cats := make([]string, 0, n)
	all := make([]int64, 0, n)
	human := make([]int64, 0, n)
	for i := n - 1; i >= 0; i-- {
		cats = append(cats, rows[i].Label)
		all = append(all, rows[i].Clicks)
		human = append(human, rows[i].HumanClicks)
	}
	return map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"grid":      map[string]any{"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": true},
		"xAxis": map[string]any{"type": "value", "minInterval": 1, "splitNumber": 3,
			"axisLabel": map[string]any{"hideOverlap": true, "fontSize": 11}},
		"yAxis": map[string]any{"type": "category", "data": cats,
			"axisLabel": map[string]any{"interval": 0, "width": 96, "overflow": "truncate"}},
		"series": []any{
			map[string]any{"name": tr.T("tracking.clicks"), "type": "bar", "data": all, "barGap": "-100%", "itemStyle": map[string]any{"color": "#c9d6e3"}},
			map[string]any{"name": tr.T("tracking.human"), "type": "bar", "data": human, "itemStyle": map[string]any{"color": "#2f6f9f"}},
		},
	}
}

// clicksChart is the link's clicks over time: all, human, unique and
// effective as lines, hourly or daily in loc.
func clicksChart(st link.Stats, hourly bool, loc *time.Location, tr lang) chartOption {
	var cats []string
	var series [4][]int64
	add := func(label string, c link.Counts) {
		cats = append(cats, label)
		series[0] = append(series[0], c.Clicks)
		series[1] = append(series[1], c.HumanClicks)
		series[2] = append(series[2], c.UniqueClicks)
		series[3] = append(series[3], c.EffectiveClicks)
	}
	if hourly {
		byHour := map[time.Time]link.Counts{}
		for _, p := range st.Hourly {
			byHour[p.At.UTC()] = p.Counts
		}
		for h := st.From.UTC().Truncate(time.Hour); h.Before(st.To); h = h.Add(time.Hour) {
			// The minutes too: in Asia/Kolkata an hour begins at 23:30.
			add(h.In(loc).Format("01-02 15:04"), byHour[h])
		}
	} else {
		for _, p := range st.Daily {
			add(p.At.In(loc).Format("01-02"), p.Counts)
		}
	}
	names := []string{tr.T("tracking.clicks"), tr.T("tracking.human"), tr.T("tracking.unique"), tr.T("tracking.effective")}
	colors := []string{"#9aa7b4", "#2f6f9f", "#e0913a", "#2e8b57"}
	out := make([]any, 4)
	for i := range out {
		out[i] = map[string]any{"name": names[i], "type": "line", "data": series[i], "showSymbol": false, "smooth": true,
			"itemStyle": map[string]any{"color": colors[i]}}
	}
	return map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "axis"},
		"legend":    map[string]any{"top": 0},
		// The lines start and end on the chart's edges, so the edge labels
		// need room, and labels that would run together are left out.
		"grid":   map[string]any{"left": 40, "right": 40, "top": 36, "bottom": 8, "containLabel": true},
		"xAxis":  map[string]any{"type": "category", "data": cats, "boundaryGap": false, "axisLabel": map[string]any{"hideOverlap": true}},
		"yAxis":  map[string]any{"type": "value", "minInterval": 1},
		"series": out,
	}
}
