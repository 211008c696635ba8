package web

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
)

// alertRulePageRoutes serve the alert rules of the listening page: the
// editor creates a rule or replaces one (?rule=ID opens it), with its
// delivery channels; the list pauses, resumes and deletes them. An
// alert's page sends it again to the channels that refused it or failed
// to take it (canRedeliver).
func (s *Server) alertRulePageRoutes() {
	m := s.mux
	m.Handle("POST /w/{ws}/listening/rules", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.saveRule(w, r, p, 0)
	}))
	m.Handle("POST /w/{ws}/listening/rules/{id}", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, ok := pathID(r, "id")
		if !ok {
			return apperr.NotFoundf("alert_rule")
		}
		return s.saveRule(w, r, p, id)
	}))
	for _, on := range []bool{true, false} {
		verb, flash := "disable", "flash.listening.rule_paused"
		if on {
			verb, flash = "enable", "flash.listening.rule_resumed"
		}
		m.Handle("POST /w/{ws}/listening/rules/{id}/"+verb, s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, ok := pathID(r, "id")
			if !ok {
				return apperr.NotFoundf("alert_rule")
			}
			if _, err := s.Alerts.SetEnabled(r.Context(), p.Workspace.ID, id, on); err != nil {
				return err
			}
			s.flash(w, r, "ok", flash)
			redirect(w, r, "/w/"+p.Workspace.Slug+"/listening#rules")
			return nil
		}))
	}
	m.Handle("POST /w/{ws}/listening/alerts/{id}/redeliver", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, ok := pathID(r, "id")
		if !ok {
			return apperr.NotFoundf("alert")
		}
		if _, err := s.Alerts.Redeliver(r.Context(), p.Workspace.ID, id); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.listening.redelivered")
		redirect(w, r, AlertPagePath(p.Workspace.Slug, id))
		return nil
	}))
	m.Handle("POST /w/{ws}/listening/rules/{id}/delete", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err := s.Alerts.DeleteRule(r.Context(), p.Workspace.ID, id); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.listening.rule_deleted")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/listening#rules")
		return nil
	}))
}

// saveRule creates a rule (id 0) or replaces the workspace's rule id from
// the editor's form; a rule that does not validate comes back in the
// editor with each mistake beside its field.
func (s *Server) saveRule(w http.ResponseWriter, r *http.Request, p account.Principal, id int64) error {
	ctx, ws := r.Context(), p.Workspace.ID
	f, ru, from, rowOf := readRuleForm(r)
	f.ID = id
	var err error
	if id == 0 {
		ru.Enabled = true
		_, err = s.Alerts.CreateRule(ctx, ws, ru)
	} else {
		var old listen.AlertRule
		if old, err = s.Alerts.Rule(ctx, ws, id); err != nil {
			return err
		}
		// What the editor does not show stays as it was; of the
		// options it lists, those ticked for removal go.
		remove := r.PostForm["remove_option"]
		ru.Enabled, ru.Extra = old.Enabled, maps.Clone(old.Extra)
		for _, k := range remove {
			delete(ru.Extra, k)
		}
		f.Options = optionRows(old.Extra, remove)
		for i, c := range ru.Channels {
			if was, ok := alert.StoredChannel(old.Channels, from, i, c.Kind); ok {
				f.Channels[rowOf[i]].SecretSet = was.Secret != ""
			}
		}
		_, err = s.Alerts.UpdateRuleFrom(ctx, ws, id, ru, from)
	}
	if apperr.Is(err, apperr.Invalid) {
		ae := s.asAppErr(r, err)
		f.fail(ae, rowOf)
		return s.listeningPage(w, r, p, http.StatusUnprocessableEntity, map[string]any{"RuleForm": f, "RuleError": ae})
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.saved")
	redirect(w, r, "/w/"+p.Workspace.Slug+"/listening#rules")
	return nil
}

// ruleForm is the alert-rule editor: a new rule, a stored one, or what was
// typed, with each mistake beside its field. Numbers are kept as typed.
type ruleForm struct {
	ID        int64
	Name      string
	Kind      string
	TopicID   int64
	Threshold string
	Quiet     string
	Channels  []channelRow
	Options   []optionRow
	// Errs are the mistakes of the rule's own fields (name, kind,
	// topic_id, threshold, quiet_minutes, channels); Summary lists every
	// mistake, channels' included, for the box above the form.
	Errs    map[string][]apperr.FieldError
	Summary []ruleProblem
	// notNumbers are the number fields (threshold, quiet_minutes) whose
	// text does not read as a number: the rule carries a value out of
	// range for them, and the editor says "not a number" instead.
	notNumbers []string
}

// channelRow is one delivery channel in the editor. A stored channel shows
// its webhook URL redacted (channelView) and never its secret: sent back
// as shown, or blank, they keep the stored values.
type channelRow struct {
	N     int // the row's place in the form: channels.N.url
	From  int // the channel's place in the stored rule, -1 for a new one
	Kind  string
	URL   string
	Email string
	// SecretSet: a secret is stored, and a blank one keeps it.
	SecretSet bool
	// SecretTyped: a secret was typed, and is not shown back when the
	// form comes back with a mistake: it must be typed again.
	SecretTyped bool
	Errs        map[string][]apperr.FieldError // kind, url, secret, email
}

// optionRow is an option a stored rule holds beyond the editor's fields
// (listen.AlertRule.Extra), set through the API or by an earlier version:
// shown as stored, and kept on a save unless ticked for removal, so that
// one this version refuses (an unknown one) can be cleared here.
type optionRow struct {
	N          int // the row's place: r-opt-N
	Key, Value string
	// Label is the catalog key that says what a known option does.
	Label  string
	Remove bool
	Errs   []apperr.FieldError
}

// optionLabels say what the options alert rules know do.
var optionLabels = map[string]string{"min_volume": "listening.rule.option.min_volume"}

// optionRows are the rows of a rule's options, by key, those named in
// remove ticked.
func optionRows(extra map[string]string, remove []string) []optionRow {
	var out []optionRow
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		out = append(out, optionRow{N: len(out), Key: k, Value: extra[k], Label: optionLabels[k], Remove: slices.Contains(remove, k)})
	}
	return out
}

// ruleProblem is one mistake of the editor: the catalog key of its
// field's label, the channel row it is in (1-based, 0 for none).
type ruleProblem struct {
	Label string
	Row   int
	Err   apperr.FieldError
}

// ruleLabels are the catalog keys of the labels of the editor's fields.
var ruleLabels = map[string]string{
	"name": "listening.name", "kind": "listening.kind", "topic_id": "listening.topic", "threshold": "listening.rule.threshold",
	"quiet_minutes": "listening.rule.quiet", "channels": "listening.channels",
}

// channelLabels are those of a channel row's fields.
var channelLabels = map[string]string{
	"kind": "listening.channel.kind", "url": "listening.channel.url", "secret": "listening.channel.secret", "email": "listening.channel.email",
}

// spareChannelRows is how many blank channel rows the editor offers after
// the rule's channels, up to alert.MaxChannels: a rule gets more channels
// over several saves, without JavaScript.
const spareChannelRows = 2

// newRuleForm is the editor of a new rule.
func newRuleForm() ruleForm {
	f := ruleForm{Kind: "volume_spike", Threshold: "3", Quiet: strconv.Itoa(alert.DefaultQuietMinutes)}
	f.pad()
	return f
}

// storedRuleForm is the editor of a stored rule, its channels as the API
// shows them.
func storedRuleForm(ru listen.AlertRule) ruleForm {
	f := ruleForm{ID: ru.ID, Name: ru.Name, Kind: ru.Kind, TopicID: ru.TopicID,
		Threshold: thresholdText(ru.Kind, ru.Threshold), Quiet: strconv.Itoa(ru.QuietMinutes)}
	for i, c := range ruleView(ru).Channels {
		f.Channels = append(f.Channels, channelRow{N: i, From: i, Kind: c.Kind, URL: c.URL, Email: c.Email, SecretSet: c.SecretSet})
	}
	f.Options = optionRows(ru.Extra, nil)
	f.pad()
	return f
}

// pad adds the blank channel rows.
func (f *ruleForm) pad() {
	n := min(len(f.Channels)+spareChannelRows, alert.MaxChannels)
	for len(f.Channels) < n {
		f.Channels = append(f.Channels, channelRow{N: len(f.Channels), From: -1, Kind: notify.WeCom})
	}
}

// readRuleForm reads the editor's post: the form to show back, the rule,
// and for each of its channels the stored place it came from (from) and
// its row in the form (rowOf). A new row left blank, and a row marked
// for removal, are no channel.
func readRuleForm(r *http.Request) (f ruleForm, ru listen.AlertRule, from, rowOf []int) {
	f = ruleForm{Name: strings.TrimSpace(r.PostFormValue("name")), Kind: r.PostFormValue("kind"),
		Threshold: strings.TrimSpace(r.PostFormValue("threshold")), Quiet: strings.TrimSpace(r.PostFormValue("quiet_minutes"))}
	f.TopicID, _ = strconv.ParseInt(r.PostFormValue("topic_id"), 10, 64)
	ru = listen.AlertRule{Name: f.Name, Kind: f.Kind, TopicID: f.TopicID, Channels: []listen.Channel{}}
	var err error
	var ok bool
	if ru.Threshold, ok = readThreshold(f.Kind, f.Threshold); !ok {
		ru.Threshold = -1 // out of every kind's range: Validate names the field
		f.notNumbers = append(f.notNumbers, "threshold")
	}
	// A quiet period left blank is the default, not none: none lets an
	// alert fire again at every batch.
	ru.QuietMinutes = alert.DefaultQuietMinutes
	if f.Quiet != "" {
		if ru.QuietMinutes, err = strconv.Atoi(f.Quiet); err != nil {
			ru.QuietMinutes = -1
			if _, err := strconv.ParseFloat(f.Quiet, 64); err != nil {
				f.notNumbers = append(f.notNumbers, "quiet_minutes")
			}
		}
	}
	// Twice the rows the editor shows: a post with more channels than a
	// rule may have is told so, and no post makes unbounded work.
	for n := 0; n < 2*alert.MaxChannels; n++ {
		key := func(field string) string { return r.PostFormValue("channels." + strconv.Itoa(n) + "." + field) }
		row := channelRow{From: -1, Kind: key("kind"), URL: strings.TrimSpace(key("url")), Email: strings.TrimSpace(key("email"))}
		if v, err := strconv.Atoi(key("from")); err == nil && v >= 0 {
			row.From = v
		}
		secret := strings.TrimSpace(key("secret"))
		if key("remove") != "" || row.From < 0 && row.URL == "" && row.Email == "" && secret == "" {
			continue
		}
		row.N, row.SecretTyped = len(f.Channels), secret != ""
		c := listen.Channel{Kind: row.Kind}
		switch row.Kind {
		case notify.Email:
			c.Email = row.Email
		case notify.DingTalk, notify.Feishu:
			c.URL, c.Secret = row.URL, secret
		default:
			c.URL = row.URL
		}
		f.Channels = append(f.Channels, row)
		ru.Channels = append(ru.Channels, c)
		from = append(from, row.From)
		rowOf = append(rowOf, row.N)
	}
	f.pad()
	return f, ru, from, rowOf
}

// percentThreshold reports whether a kind's threshold is a share: a
// negative spike's is the rise of the negative share over the last 14
// days'. The editor takes and shows it in percentage points (15, or 15%,
// for 0.15), as the UI shows every share; the rule, the alert service
// and the API keep the fraction (0.15).
func percentThreshold(kind string) bool { return kind == "negative_spike" }

// thresholdText is a stored threshold as the editor shows it.
func thresholdText(kind string, v float64) string {
	if percentThreshold(kind) {
		return trimNum(v*100, 6)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// RuleThreshold is a rule's threshold in the list of rules: a share in
// percent ("15%"), as the editor takes it; other kinds' as figures read,
// thousands separated (1,000 mentions), with every decimal they have.
func (v *view) RuleThreshold(ru alertRuleView) string {
	if percentThreshold(ru.Kind) {
		return percent(ru.Threshold)
	}
	return number(ru.Threshold, 6)
}

// readThreshold reads a threshold as typed for a rule of kind, full-width
// digits too; a share's in percentage points, with or without "%". ok is
// false for text that is no number, empty included.
func readThreshold(kind, typed string) (v float64, ok bool) {
	s := strings.TrimSpace(width.Narrow.String(typed))
	if percentThreshold(kind) {
		s = strings.TrimSpace(strings.TrimSuffix(s, "%"))
	}
	if s == "" {
		return 0, false
	}
	v, bad := readNumber(s, plainNumber, false)
	if bad != "" {
		return 0, false
	}
	if percentThreshold(kind) {
		v /= 100
	}
	return v, true
}

// fail puts each field error of ae beside its field: the service names a
// channel's fields by its place in the rule ("channels[1].url"), rowOf
// turns that into its row of the form; an option's ("extra.KEY") go to
// its row.
func (f *ruleForm) fail(ae *apperr.Error, rowOf []int) {
	f.Errs = map[string][]apperr.FieldError{}
	for _, fe := range ae.Fields {
		if rest, ok := strings.CutPrefix(fe.Field, "channels["); ok {
			i, field, _ := strings.Cut(rest, "].")
			if n, err := strconv.Atoi(i); err == nil && n >= 0 && n < len(rowOf) {
				row := &f.Channels[rowOf[n]]
				if row.Errs == nil {
					row.Errs = map[string][]apperr.FieldError{}
				}
				row.Errs[field] = append(row.Errs[field], fe)
				f.Summary = append(f.Summary, ruleProblem{Label: channelLabels[field], Row: row.N + 1, Err: fe})
				continue
			}
		}
		if key, ok := strings.CutPrefix(fe.Field, "extra."); ok {
			if i := slices.IndexFunc(f.Options, func(o optionRow) bool { return o.Key == key }); i >= 0 {
				f.Options[i].Errs = append(f.Options[i].Errs, fe)
				f.Summary = append(f.Summary, ruleProblem{Label: "listening.rule.options", Err: fe})
				continue
			}
		}
		if slices.Contains(f.notNumbers, fe.Field) {
			fe = apperr.FieldError{Field: fe.Field, Key: "error.number"}
		} else if fe.Field == "threshold" && percentThreshold(f.Kind) {
			// The range of a share in percent, as the editor takes it.
			fe = apperr.FieldError{Field: fe.Field, Key: fe.Key, Args: maps.Clone(fe.Args)}
			for _, k := range []string{"Min", "Max"} {
				if n, ok := fe.Args[k].(int); ok {
					fe.Args[k] = percent(float64(n))
				} else if n, ok := fe.Args[k].(float64); ok {
					fe.Args[k] = percent(n)
				}
			}
		}
		f.Errs[fe.Field] = append(f.Errs[fe.Field], fe)
		f.Summary = append(f.Summary, ruleProblem{Label: ruleLabels[fe.Field], Err: fe})
	}
}

// ruleEditor is the editor the listening page opens: the rule of
// ?rule=ID (Returns apperr.NotFound if it is not the workspace's), or a
// new one. A stored rule that a check tightened since would refuse opens
// with each mistake beside its field, and the error to show above them.
func (s *Server) ruleEditor(r *http.Request, ws int64) (ruleForm, *apperr.Error, error) {
	id, err := strconv.ParseInt(r.URL.Query().Get("rule"), 10, 64)
	if err != nil || id <= 0 {
		return newRuleForm(), nil, nil
	}
	ru, err := s.Alerts.Rule(r.Context(), ws, id)
	if err != nil {
		return ruleForm{}, nil, err
	}
	f := storedRuleForm(ru)
	err = s.Alerts.CheckRule(r.Context(), ws, ru)
	if !apperr.Is(err, apperr.Invalid) {
		return f, nil, err
	}
	ae := s.asAppErr(r, err)
	rowOf := make([]int, len(ru.Channels)) // the stored channels are the first rows
	for i := range rowOf {
		rowOf[i] = i
	}
	f.fail(ae, rowOf)
	return f, ae, nil
}

// ruleViews are the workspace's rules as the list shows them, their
// channels as the API does.
func ruleViews(rs []listen.AlertRule) []alertRuleView {
	out := make([]alertRuleView, len(rs))
	for i, x := range rs {
		out[i] = ruleView(x)
	}
	return out
}

// canRedeliver reports whether the alert page offers to send a again (to
// the channels of its rule, nil when deleted, that did not take it): the
// rule's channels that refused it or failed to take it are left, and no
// try is on its way (alert.RedeliverOutcome). When it does not, but a
// channel refused or failed to take the alert and no try is on its way,
// why is the catalog key that says what keeps it from being sent again
// (the rule deleted, paused or without channels).
func canRedeliver(a listen.Alert, rule *listen.AlertRule) (ok bool, why string) {
	if !alert.Missed(a) || a.DeliveryDueAt != nil {
		return false, ""
	}
	if rule == nil {
		return false, "error.alert.redeliver_no_rule"
	}
	_, err := alert.RedeliverOutcome(*rule, a)
	var ae *apperr.Error
	switch {
	case err == nil:
		return true, ""
	case errors.As(err, &ae) && ae.Key != "error.alert.redeliver_nothing":
		return false, ae.Key
	}
	return false, ""
}

// alertPageQuery reads the page of an alert's mentions asked for: 1 when
// absent, 0 (no page, which the service refuses) when not a number.
func alertPageQuery(r *http.Request) int {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0
	}
	return n
}

// alertPager is where a page of an alert's mentions is among those the
// alert carries (Carried of the Caused that caused it): From to To, from 1,
// on page Page of Pages, with the links to the newer and the older page
// ("" at either end).
type alertPager struct {
	Caused, Carried, From, To, Page, Pages int
	Newer, Older                           string
}

func newAlertPager(d alert.Detail, path string) alertPager {
	pg := alertPager{Caused: d.Caused(), Carried: len(d.MentionIDs), Page: d.Page, Pages: d.Pages}
	lo, hi := d.Span()
	pg.From, pg.To = min(lo+1, hi), hi
	at := func(n int) string { return path + "?page=" + strconv.Itoa(n) + "#alert-mentions" }
	if d.Page > 1 {
		pg.Newer = at(d.Page - 1)
	}
	if d.Page < d.Pages {
		pg.Older = at(d.Page + 1)
	}
	return pg
}

// deliveryView is a channel's delivery outcome as the alert page and the
// API show it: its state, what went wrong and what to do in the reader's
// language (Message), and for the API the stable code of what went wrong
// (notify.Error.Reason) and of its hint, and the English text. An outcome
// an earlier version stored as English text shows as it is.
type deliveryView struct {
	Key      string `json:"channel_key" doc:"The rule's channel, as in detail.delivery: a stable id and the kind (3f9a0c1e:wecom)"`
	Channel  string `json:"channel" doc:"The channel's kind: wecom, dingtalk, feishu, slack or email"`
	State    string `json:"state" doc:"ok, pending (to be sent again), failed (tried again later) or refused (for good, not tried again)"`
	Settings bool   `json:"settings,omitempty" doc:"A refusal fixed in the server's SMTP settings, not in the rule's channel"`
	Code     string `json:"code,omitempty" doc:"What went wrong, a stable code: platform_code (the platform's own code and message are in text and message), http_status, reserved_domain, no_smtp …"`
	HintCode string `json:"hint_code,omitempty" doc:"What to do, a stable code (set_smtp, smtp_login …); message says it"`
	Message  string `json:"message,omitempty" doc:"What went wrong and what to do, in the reader's language"`
	Text     string `json:"text,omitempty" doc:"The same in English"`
}

// OK, Pending and Refused tell the alert page the outcome's state.
func (v deliveryView) OK() bool      { return v.State == alert.StateOK }
func (v deliveryView) Pending() bool { return v.State == alert.StatePending }
func (v deliveryView) Refused() bool { return v.State == alert.StateRefused }

// deliveries reads the outcome of each channel of a's rule, in the order
// of their keys ("3f9a0c1e:wecom"), in the request's language.
func (s *Server) deliveries(r *http.Request, a listen.Alert) []deliveryView {
	loc := s.locale(r)
	d := alert.DeliveryOutcome(a)
	out := []deliveryView{}
	for _, k := range slices.Sorted(maps.Keys(d)) {
		_, kind, _ := strings.Cut(k, ":")
		o := alert.ReadOutcome(d[k])
		v := deliveryView{Key: k, Channel: kind, State: o.State, Settings: o.Settings, Code: o.Reason, HintCode: o.Hint, Text: o.Text, Message: o.Text}
		if o.Reason != "" {
			v.Message = s.cat.T(loc, "notify.error."+o.Reason, o.Args)
			if o.Hint != "" {
				v.Message = s.cat.T(loc, "notify.with_hint", map[string]any{"Msg": v.Message, "Hint": s.cat.T(loc, "notify.hint."+o.Hint, o.Args)})
			}
		}
		out = append(out, v)
	}
	return out
}
