package alert_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
)

// TestReadOutcome: an outcome reads back as recorded, and one an earlier
// version stored as English text reads as that text, a refusal still as
// a refusal and one fixed in the server's settings still as such.
func TestReadOutcome(t *testing.T) {
	refusal := &notify.Error{Kind: notify.WeCom, Code: 93000, Msg: "invalid webhook url", Hint: "the webhook URL or its key is wrong: copy it again from the group robot",
		Reason: "platform_code", Args: map[string]any{"Code": "93000", "Msg": "invalid webhook url"}, HintCode: "wecom.93000"}
	noSMTP := &notify.Error{Kind: notify.Email, Msg: "no SMTP server configured", Settings: true, Reason: "no_smtp", HintCode: "set_smtp"}
	timeout := fmt.Errorf("%w (last: wecom: HTTP 503: busy)", context.DeadlineExceeded)
	for _, tt := range []struct {
		name, stored string
		want         alert.Outcome
	}{
		{"delivered", "ok", alert.Outcome{State: alert.StateOK}},
		{"to be sent again", alert.PendingOutcome, alert.Outcome{State: alert.StatePending}},
		{"refused", alert.RefusedOutcome(refusal), alert.Outcome{State: alert.StateRefused, Reason: "platform_code",
			Args: map[string]any{"Code": "93000", "Msg": "invalid webhook url"}, Hint: "wecom.93000", Text: refusal.Error()}},
		{"refused, server settings", alert.RefusedOutcome(noSMTP), alert.Outcome{State: alert.StateRefused, Settings: true, Reason: "no_smtp", Hint: "set_smtp",
			Text: "email: no SMTP server configured"}},
		{"failed, may pass later", alert.FailedOutcome(&notify.Error{Kind: notify.Feishu, Status: 503, Msg: "busy", Retryable: true, Reason: "http_status",
			Args: map[string]any{"Status": "503", "Msg": "busy"}}), alert.Outcome{State: alert.StateFailed, Reason: "http_status",
			Args: map[string]any{"Status": "503", "Msg": "busy"}, Text: "feishu: HTTP 503: busy"}},
		{"the try's time ran out", alert.FailedOutcome(timeout), alert.Outcome{State: alert.StateFailed, Reason: "timeout", Text: timeout.Error()}},
		{"an error notify does not describe", alert.FailedOutcome(errors.New("wecom: no HTTP client configured")),
			alert.Outcome{State: alert.StateFailed, Text: "wecom: no HTTP client configured"}},
		{"refused, stored as text", "refused: wecom: error 93000: invalid webhook url", alert.Outcome{State: alert.StateRefused, Text: "wecom: error 93000: invalid webhook url"}},
		{"refused, server settings, stored as text", "refused, server settings: email: no SMTP server configured",
			alert.Outcome{State: alert.StateRefused, Settings: true, Text: "email: no SMTP server configured"}},
		{"failed, stored as text", "feishu: HTTP 503: busy", alert.Outcome{State: alert.StateFailed, Text: "feishu: HTTP 503: busy"}},
		{"text that looks like JSON", `{"errcode": -1}`, alert.Outcome{State: alert.StateFailed, Text: `{"errcode": -1}`}},
		{"refused, as the API's detail shows it", alert.Outcome{State: alert.StateRefused, Settings: true, Reason: "no_smtp", Text: "email: no SMTP server configured"}.Plain(),
			alert.Outcome{State: alert.StateRefused, Settings: true, Text: "email: no SMTP server configured"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := alert.ReadOutcome(tt.stored)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadOutcome(%q)\n got %+v\nwant %+v", tt.stored, got, tt.want)
			}
			// As earlier versions stored it: what the API's detail shows.
			if plain := got.Plain(); !strings.HasPrefix(tt.stored, "{") && plain != tt.stored {
				t.Errorf("Plain() = %q, want %q", plain, tt.stored)
			}
		})
	}
}
