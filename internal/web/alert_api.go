package web

import (
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
)

// alertRuleInput is what a client sends for an alert rule. Channel
// secrets are write-only: send them once; an empty secret, or the
// redacted URL the API showed, keeps the stored value.
type alertRuleInput struct {
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	TopicID      int64             `json:"topic_id,omitempty"`
	Threshold    float64           `json:"threshold" doc:"volume_spike: the z-score of the hour's mentions, (0, 100]; negative_spike: the rise of the negative share over the last 14 days' as a fraction, (0, 1], 0.15 for 15 points (the web editor takes and shows percentage points); crisis_word: the mentions needed, [0, 1000]"`
	QuietMinutes int               `json:"quiet_minutes"`
	Channels     []channelInput    `json:"channels"`
	Enabled      *bool             `json:"enabled,omitempty"`
	Extra        map[string]string `json:"extra,omitempty"`
}

// channelInput is a channel a client sends. From, on an update, is the
// channel's place (from 0) in the rule's channels as the API showed them:
// the one whose stored URL and secret it keeps. Without From on any
// channel, the channels keep the stored ones at their own places, so a
// client that removes a channel and sends the others back as shown must
// give From, or the one after the removed channel would keep its URL and
// secret; a channel without From among others with it is new.
type channelInput struct {
	listen.Channel
	From *int `json:"from,omitempty"`
}

func (in alertRuleInput) rule() (listen.AlertRule, []int) {
	enabled := in.Enabled == nil || *in.Enabled
	r := listen.AlertRule{Name: in.Name, Kind: in.Kind, TopicID: in.TopicID, Threshold: in.Threshold, QuietMinutes: in.QuietMinutes,
		Enabled: enabled, Extra: in.Extra}
	var from []int
	for _, c := range in.Channels {
		r.Channels = append(r.Channels, c.Channel)
		if c.From != nil && from == nil {
			from = make([]int, 0, len(in.Channels))
		}
	}
	if from != nil {
		for _, c := range in.Channels {
			if c.From != nil {
				from = append(from, *c.From)
			} else {
				from = append(from, -1)
			}
		}
	}
	return r, from
}

// alertRuleSwitch pauses (enabled false) or resumes a rule and changes
// nothing else, so it works on a rule stored before a check was
// tightened, which PUT would refuse until it is fixed.
type alertRuleSwitch struct {
	Enabled *bool `json:"enabled" doc:"Required: false pauses the rule, true resumes it"`
}

// channelView is a channel as the API shows it: the webhook URL without
// its key or token, and whether a secret is set, never the secret.
type channelView struct {
	Kind      string `json:"kind"`
	URL       string `json:"url,omitempty"`
	Email     string `json:"email,omitempty"`
	SecretSet bool   `json:"secret_set"`
}

// alertRuleView is an alert rule as the API shows it.
type alertRuleView struct {
	ID           int64             `json:"id"`
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	TopicID      int64             `json:"topic_id,omitempty"`
	Threshold    float64           `json:"threshold" doc:"volume_spike: the z-score of the hour's mentions, (0, 100]; negative_spike: the rise of the negative share over the last 14 days' as a fraction, (0, 1], 0.15 for 15 points (the web editor takes and shows percentage points); crisis_word: the mentions needed, [0, 1000]"`
	QuietMinutes int               `json:"quiet_minutes"`
	Channels     []channelView     `json:"channels"`
	Enabled      bool              `json:"enabled"`
	Extra        map[string]string `json:"extra,omitempty"`
	LastFiredAt  *time.Time        `json:"last_fired_at,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

func ruleView(r listen.AlertRule) alertRuleView {
	v := alertRuleView{ID: r.ID, Name: r.Name, Kind: r.Kind, TopicID: r.TopicID, Threshold: r.Threshold, QuietMinutes: r.QuietMinutes,
		Enabled: r.Enabled, Extra: r.Extra, LastFiredAt: r.LastFiredAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Channels: []channelView{}}
	for _, c := range r.Channels {
		cv := channelView{Kind: c.Kind, Email: c.Email, SecretSet: c.Secret != ""}
		if c.URL != "" {
			cv.URL = notify.RedactURL(c.URL)
		}
		v.Channels = append(v.Channels, cv)
	}
	return v
}

// alertView is an alert as the API shows it: as stored, with each
// channel's delivery outcome read in the reader's language (deliveries).
type alertView struct {
	listen.Alert
	Deliveries []deliveryView `json:"deliveries"`
}

// alertDetailView is an alert with a page of its mentions, as alertView.
type alertDetailView struct {
	alert.Detail
	Deliveries []deliveryView `json:"deliveries"`
}

// alertView is a as the API shows it to r.
func (s *Server) alertView(r *http.Request, a listen.Alert) alertView {
	return alertView{Alert: plainDelivery(a), Deliveries: s.deliveries(r, a)}
}

// plainDelivery is a with its detail's "delivery" as earlier versions
// stored it, each outcome in English (alert.Outcome.Plain), for the
// clients that read it there; deliveries holds the rest.
func plainDelivery(a listen.Alert) listen.Alert {
	d := alert.DeliveryOutcome(a)
	if len(d) == 0 {
		return a
	}
	for k, v := range d {
		d[k] = alert.ReadOutcome(v).Plain()
	}
	a.Detail = maps.Clone(a.Detail)
	a.Detail["delivery"] = d
	return a
}

// alertAPI serves alert rules and alerts.
func (s *Server) alertAPI() {
	if s.Alerts == nil {
		return
	}
	rules := "/workspaces/{ws}/alert-rules"
	tag := "alerts"
	s.handleAPI(op{Method: "GET", Path: rules, Summary: "List alert rules", Tag: tag, Resp: typeOf[list[alertRuleView]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			rs, err := s.Alerts.Rules(r.Context(), p.Workspace.ID)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(ruleViews(rs)))
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: rules, Summary: "Create an alert rule", Tag: tag, Perm: account.EditListening, Req: typeOf[alertRuleInput](), Resp: typeOf[alertRuleView](), Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var in alertRuleInput
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			rule, _ := in.rule()
			rule, err := s.Alerts.CreateRule(r.Context(), p.Workspace.ID, rule)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, ruleView(rule))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: rules + "/{id}", Summary: "Get an alert rule", Tag: tag, Resp: typeOf[alertRuleView]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			rule, err := s.Alerts.Rule(r.Context(), p.Workspace.ID, id)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, ruleView(rule))
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: rules + "/{id}", Summary: "Replace an alert rule (empty secrets keep the stored ones)", Tag: tag, Perm: account.EditListening, Req: typeOf[alertRuleInput](), Resp: typeOf[alertRuleView]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			var in alertRuleInput
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			rule, from := in.rule()
			rule, err := s.Alerts.UpdateRuleFrom(r.Context(), p.Workspace.ID, id, rule, from)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, ruleView(rule))
			return nil
		})
	s.handleAPI(op{Method: "PATCH", Path: rules + "/{id}", Summary: "Pause or resume an alert rule; the rest stays as stored, even what a later check refuses", Tag: tag, Perm: account.EditListening, Req: typeOf[alertRuleSwitch](), Resp: typeOf[alertRuleView]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			var in alertRuleSwitch
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			if in.Enabled == nil {
				return apperr.Field("enabled", "error.required")
			}
			rule, err := s.Alerts.SetEnabled(r.Context(), p.Workspace.ID, id, *in.Enabled)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, ruleView(rule))
			return nil
		})
	s.handleAPI(op{Method: "DELETE", Path: rules + "/{id}", Summary: "Delete an alert rule (its alerts stay)", Tag: tag, Perm: account.EditListening, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			if err := s.Alerts.DeleteRule(r.Context(), p.Workspace.ID, id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})

	alerts := "/workspaces/{ws}/alerts"
	s.handleAPI(op{Method: "GET", Path: alerts, Summary: "List alerts, newest first", Tag: tag, Resp: typeOf[list[alertView]](),
		Query: []param{{Name: "unread", Doc: "1 or true: only the unread ones"}, {Name: "before", Type: typeOf[int64](), Doc: "Only alerts with a smaller id: the next page"},
			{Name: "limit", Type: typeOf[int](), Doc: "At most this many, 1–200"}}},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			q := r.URL.Query()
			var f alert.Filter
			var fs apperr.Fields
			f.Unread = queryBool(&fs, q.Get("unread"), "unread")
			if id := queryID(&fs, q.Get("before"), "before"); id != nil {
				f.BeforeID = *id
			}
			f.Limit = queryLimit(&fs, q.Get("limit"), 200)
			if err := fs.Err(); err != nil {
				return err
			}
			as, err := s.Alerts.Alerts(r.Context(), p.Workspace.ID, f)
			if err != nil {
				return err
			}
			views := make([]alertView, len(as))
			for i, a := range as {
				views[i] = s.alertView(r, a)
			}
			writeJSON(w, http.StatusOK, listOf(views))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: alerts + "/{id}", Summary: "Get an alert with a page of the mentions it carries (mention_ids): " +
		strconv.Itoa(alert.MaxAlertMentions) + " a page in the order they reached Chorus, the newest first; mentions_page is the page, of mentions_pages",
		Tag: tag, Resp: typeOf[alertDetailView](),
		Query: []param{{Name: "page", Type: typeOf[int](), Doc: "The page of the mentions, 1 (the newest, when absent) to mentions_pages; another is 422 at page"}}},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			d, err := s.Alerts.AlertPage(r.Context(), p.Workspace.ID, id, alertPageQuery(r))
			if err != nil {
				return err
			}
			deliveries := s.deliveries(r, d.Alert)
			d.Alert = plainDelivery(d.Alert)
			writeJSON(w, http.StatusOK, alertDetailView{Detail: d, Deliveries: deliveries})
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: alerts + "/{id}/read", Summary: "Mark an alert read", Tag: tag, Perm: account.EditListening, Resp: typeOf[alertView]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			a, err := s.Alerts.MarkRead(r.Context(), p.Workspace.ID, id)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, s.alertView(r, a))
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: alerts + "/{id}/redeliver", Summary: "Send an alert again to its rule's channels that refused it or failed to take it, " +
		"not twice to one that took it (202: queued for the delivery job, those channels pending; 409 when there is nothing to send again, and why)",
		Tag: tag, Perm: account.EditListening, Resp: typeOf[alertView](), Status: http.StatusAccepted},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			a, err := s.Alerts.Redeliver(r.Context(), p.Workspace.ID, id)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusAccepted, s.alertView(r, a))
			return nil
		})
}
