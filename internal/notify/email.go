package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// sendMail sends m as a plain-text e-mail to t.Email through n.SMTP. The
// connection uses STARTTLS when the server offers it; authentication is
// on when a user is set (PLAIN, only over TLS or to localhost).
func (n *Notifier) sendMail(ctx context.Context, t Target, m Message) error {
	s := n.SMTP
	if s.Host == "" || s.From == "" {
		return &Error{Kind: Email, Msg: "no SMTP server configured", Hint: "set --smtp-host and --smtp-from (CHORUS_SMTP_HOST, CHORUS_SMTP_FROM)"}
	}
	msg := mail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return &Error{Kind: Email, Msg: "bad sender address: " + err.Error()}
	}
	if err := msg.To(t.Email); err != nil {
		return &Error{Kind: Email, Msg: "bad recipient address: " + err.Error()}
	}
	// A subject is one line: untrusted text never reaches it, but strip
	// line breaks anyway.
	msg.Subject(cut(strings.NewReplacer("\r", " ", "\n", " ").Replace(m.Title), 150))
	msg.SetBodyString(mail.TypeTextPlain, plainText(m))
	port := s.Port
	if port == 0 {
		port = 587
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTLSPolicy(mail.TLSOpportunistic), mail.WithTimeout(30 * time.Second)}
	if s.User != "" {
		// PLAIN refuses to send the password unencrypted except to
		// localhost.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.User), mail.WithPassword(s.Password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return &Error{Kind: Email, Msg: "SMTP settings: " + err.Error()}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		// Only the server's permanent answer (5xx, such as an unknown
		// mailbox) will not change; an unreachable server or a 4xx
		// answer (greylisting, a full queue) may pass later.
		var se *mail.SendError
		permanent := errors.As(err, &se) && se.ErrorCode() >= 500
		return &Error{Kind: Email, Msg: fmt.Sprintf("send through %s:%d: %v", s.Host, port, err), Retryable: !permanent}
	}
	return nil
}
