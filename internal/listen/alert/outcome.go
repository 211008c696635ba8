package alert

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/notify"
)

// The states of a channel's delivery outcome.
const (
	// StateOK: the channel took the alert.
	StateOK = "ok"
	// StatePending: it is to be sent again (PendingOutcome).
	StatePending = "pending"
	// StateFailed: a try failed, and a later one may pass.
	StateFailed = "failed"
	// StateRefused: the channel refused the alert for good
	// (notify.Permanent); it is not tried again.
	StateRefused = "refused"
)

// Outcome is a channel's outcome of an alert's delivery, read from the
// alert's detail (ReadOutcome).
type Outcome struct {
	State string `json:"state"`
	// Settings is set on a refusal whose fix belongs in the server's
	// settings (notify.InSettings: its SMTP login or sender), not in the
	// rule's channel.
	Settings bool `json:"settings,omitempty"`
	// Reason and Args say what went wrong as a message of the catalog
	// ("notify.error."+Reason), Hint what to do ("notify.hint."+Hint):
	// people read them in their language. The platform's own code and
	// message are arguments, kept as the platform answered them. Reason
	// is "" for an outcome an earlier version stored as English text, or
	// a failure notify does not describe.
	Reason string         `json:"reason,omitempty"`
	Args   map[string]any `json:"args,omitempty"`
	Hint   string         `json:"hint,omitempty"`
	// Text is the same in English, as the error said it: what earlier
	// versions stored, and what the API gives beside the code.
	Text string `json:"text,omitempty"`
}

// An outcome is stored as a string, as every version has stored it:
// "ok", PendingOutcome, and a failure as an Outcome in JSON. Earlier
// versions stored a failure as its English text, a refusal for good
// after refusedPrefix, or refusedSettingsPrefix when fixed in the
// server's settings; ReadOutcome still reads them.
const (
	refusedPrefix         = "refused: "
	refusedSettingsPrefix = "refused, server settings: "
)

// ReadOutcome reads a value of DeliveryOutcome.
func ReadOutcome(s string) Outcome {
	switch s {
	case StateOK, StatePending:
		return Outcome{State: s}
	}
	if strings.HasPrefix(s, "{") {
		var o Outcome
		if json.Unmarshal([]byte(s), &o) == nil && (o.State == StateFailed || o.State == StateRefused) {
			return o
		}
	}
	if why, ok := strings.CutPrefix(s, refusedSettingsPrefix); ok {
		return Outcome{State: StateRefused, Settings: true, Text: why}
	}
	if why, ok := strings.CutPrefix(s, refusedPrefix); ok {
		return Outcome{State: StateRefused, Text: why}
	}
	return Outcome{State: StateFailed, Text: s}
}

// String is o as the alert's detail stores it.
func (o Outcome) String() string {
	if o.State == StateOK || o.State == StatePending {
		return o.State
	}
	b, _ := json.Marshal(o) // strings, numbers and maps of them
	return string(b)
}

// Plain is o as earlier versions stored it, in English: "ok",
// PendingOutcome, a refusal's text after its prefix, a failure's text.
// The API's alert detail keeps showing it so, for the clients that read it.
func (o Outcome) Plain() string {
	switch {
	case o.State == StateRefused && o.Settings:
		return refusedSettingsPrefix + o.Text
	case o.State == StateRefused:
		return refusedPrefix + o.Text
	case o.State == StateFailed:
		return o.Text
	}
	return o.State
}

// outcomeOf is the outcome of a try that failed with err, in state.
func outcomeOf(state string, err error) Outcome {
	o := Outcome{State: state, Text: err.Error()}
	var ne *notify.Error
	switch {
	case errors.As(err, &ne):
		o.Settings = state == StateRefused && ne.Settings
		o.Reason, o.Args, o.Hint = ne.Reason, ne.Args, ne.HintCode
	case errors.Is(err, context.DeadlineExceeded):
		// The try's time ran out between two attempts of a channel.
		o.Reason = "timeout"
	}
	return o
}

// RefusedOutcome is the outcome of a channel that refused the alert for
// good with err (notify.Permanent).
func RefusedOutcome(err error) string { return outcomeOf(StateRefused, err).String() }

// FailedOutcome is the outcome of a try that failed with err, which a
// later try may pass.
func FailedOutcome(err error) string { return outcomeOf(StateFailed, err).String() }

// DeliveryOutcome is each channel's outcome of a's tries so far, keyed
// by channelKey: "ok", PendingOutcome, or a failure (ReadOutcome).
func DeliveryOutcome(a listen.Alert) map[string]string {
	out := map[string]string{}
	prev, _ := a.Detail["delivery"].(map[string]any)
	for k, v := range prev {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}
