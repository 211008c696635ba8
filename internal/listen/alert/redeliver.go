package alert

import (
	"context"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
)

// PendingOutcome is the outcome of a channel that is to be sent the
// alert again (Redeliver) and has not been tried since: the delivery job
// tries it as a channel that failed.
const PendingOutcome = StatePending

// Redeliver sends an alert again, through the delivery job, to the
// channels of its rule that have not taken it: once the cause of a
// refusal is fixed (the channel's address, key or secret in the rule, or
// the server's SMTP settings), or after its tries ran out. The channels
// are the rule's present ones, known as deliverOnce knows them (by where
// they send), so a channel whose address was corrected is sent the alert
// and one that took it is not sent it twice. The tries start again from
// the first, with their backoff.
//
// Returns apperr.NotFound if the alert is not the workspace's, and
// apperr.Conflict when there is nothing to send again: its rule was
// deleted (error.alert.redeliver_no_rule), is paused
// (error.alert.redeliver_paused: a paused rule sends nothing, so resume
// it first) or has no channel (error.alert.redeliver_no_channels); a try
// is on its way (error.alert.redeliver_pending); or no channel of the
// rule is left that refused the alert or failed to take it
// (error.alert.redeliver_nothing).
func (s *Service) Redeliver(ctx context.Context, ws, id int64) (listen.Alert, error) {
	a, err := s.store.Alert(ctx, ws, id)
	if err != nil {
		return a, err
	}
	var r listen.AlertRule
	if a.RuleID != 0 {
		r, err = s.store.AlertRule(ctx, ws, a.RuleID)
	}
	if a.RuleID == 0 || apperr.Is(err, apperr.NotFound) {
		return a, apperr.New(apperr.Conflict, "error.alert.redeliver_no_rule", nil)
	}
	if err != nil {
		return a, err
	}
	if _, err := RedeliverOutcome(r, a); err != nil {
		return a, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	// Asked again under the alert's lock: a try or another Redeliver may
	// have come first.
	return s.store.RequeueDelivery(ctx, ws, id, now().UTC(), func(stored listen.Alert) (map[string]string, error) {
		return RedeliverOutcome(r, stored)
	})
}

// RedeliverOutcome is the delivery outcome that sends a, an alert of rule
// r, again (Redeliver): each of the rule's channels that took it stays
// "ok", every other one is PendingOutcome. Its error, an apperr.Conflict,
// says why there is nothing to send again; the alert page offers to send
// again when it is nil.
func RedeliverOutcome(r listen.AlertRule, a listen.Alert) (map[string]string, error) {
	switch {
	case !r.Enabled:
		return nil, apperr.New(apperr.Conflict, "error.alert.redeliver_paused", nil)
	case len(r.Channels) == 0:
		return nil, apperr.New(apperr.Conflict, "error.alert.redeliver_no_channels", nil)
	case a.DeliveryDueAt != nil:
		return nil, apperr.New(apperr.Conflict, "error.alert.redeliver_pending", nil)
	}
	prev := DeliveryOutcome(a)
	// Only an alert that a channel refused or failed to take is sent
	// again: not one fired before its rule had the channels it has now.
	missed := Missed(a)
	out := make(map[string]string, len(r.Channels))
	pending := 0
	for i, c := range r.Channels {
		key := channelKey(c)
		if took(prev, i, c) {
			out[key] = StateOK
			continue
		}
		out[key] = PendingOutcome
		pending++
	}
	if !missed || pending == 0 {
		return nil, apperr.New(apperr.Conflict, "error.alert.redeliver_nothing", nil)
	}
	return out, nil
}

// Missed reports whether a channel refused a or failed to take it: its
// delivery outcome holds something other than "ok".
func Missed(a listen.Alert) bool {
	for _, v := range DeliveryOutcome(a) {
		if v != StateOK {
			return true
		}
	}
	return false
}
