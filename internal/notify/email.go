package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// sendMail sends m as a plain-text e-mail to t.Email through n.SMTP. The
// connection is TLS from the start on port 465 (implicit TLS), and uses
// STARTTLS on other ports when the server offers it; authentication is
// on when a user is set (PLAIN, only over TLS or to localhost). A message
// the server has taken is delivered, even if the connection fails after.
func (n *Notifier) sendMail(ctx context.Context, t Target, m Message) error {
	s := n.SMTP
	if s.Host == "" || s.From == "" {
		return &Error{Kind: Email, Msg: "no SMTP server configured", Hint: "set --smtp-host and --smtp-from (CHORUS_SMTP_HOST, CHORUS_SMTP_FROM)", Settings: true,
			Reason: "no_smtp", HintCode: "set_smtp"}
	}
	msg := mail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return &Error{Kind: Email, Msg: "bad sender address: " + err.Error(), Hint: "check --smtp-from (CHORUS_SMTP_FROM)", Settings: true,
			Reason: "bad_sender", Args: map[string]any{"Err": err.Error()}, HintCode: "smtp_from"}
	}
	if err := msg.To(t.Email); err != nil {
		return &Error{Kind: Email, Msg: "bad recipient address: " + err.Error(), Reason: "bad_recipient", Args: map[string]any{"Err": err.Error()}}
	}
	// A subject is one line: untrusted text never reaches it, but strip
	// line breaks anyway.
	msg.Subject(cut(strings.NewReplacer("\r", " ", "\n", " ").Replace(m.Title), 150))
	msg.SetBodyString(mail.TypeTextPlain, plainText(m))
	port := s.Port
	if port == 0 {
		port = 587
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(30 * time.Second)}
	if port == 465 {
		// Port 465 is SMTP in TLS from the first byte (RFC 8314), where a
		// plain connection waits for a greeting that never comes.
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	var auth *login
	if s.User != "" {
		// PLAIN refuses to send the password unencrypted except to
		// localhost. It is tried even if the server does not list
		// PLAIN: its refusal then says what it wants.
		auth = &login{Auth: smtp.PlainAuth("", s.User, s.Password, s.Host, false)}
		opts = append(opts, mail.WithSMTPAuthCustom(auth))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return &Error{Kind: Email, Msg: "SMTP settings: " + err.Error(), Settings: true, Reason: "smtp_settings", Args: map[string]any{"Err": err.Error()}}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		if msg.IsDelivered() {
			// The server answered 250 to the data: it has taken the
			// message, whatever failed after (RSET, QUIT). Sending it
			// again would deliver it twice.
			n.logger().WarnContext(ctx, "e-mail delivered, but the mail server failed after taking it",
				slog.String("server", fmt.Sprintf("%s:%d", s.Host, port)), slog.Any("err", err))
			return nil
		}
		if auth != nil && auth.tried && !auth.passed {
			return loginError(s.Host, port, err)
		}
		// Only the server's permanent answer (5xx, such as an unknown
		// mailbox) will not change; an unreachable server or a 4xx
		// answer (greylisting, a full queue) may pass later. A sender
		// it refuses is --smtp-from, not the rule's address.
		var se *mail.SendError
		permanent := errors.As(err, &se) && se.ErrorCode() >= 500
		server := fmt.Sprintf("%s:%d", s.Host, port)
		e := &Error{Kind: Email, Msg: fmt.Sprintf("send through %s: %v", server, err), Retryable: !permanent,
			Reason: "smtp_send", Args: map[string]any{"Server": server, "Err": err.Error()}}
		if permanent && se.Reason == mail.ErrSMTPMailFrom {
			e.Hint, e.Settings = "check --smtp-from (CHORUS_SMTP_FROM): the mail server does not send as this sender", true
			e.HintCode = "smtp_sender_refused"
		}
		return e
	}
	return nil
}

// login is the SMTP login. go-mail reports a login the server refused as
// it reports a server it could not reach; login remembers whether it was
// tried and passed, so that Send can tell the two apart.
type login struct {
	smtp.Auth
	tried, passed bool
}

func (l *login) Start(si *smtp.ServerInfo) (string, []byte, error) {
	l.tried = true
	return l.Auth.Start(si)
}

func (l *login) Next(fromServer []byte, more bool) ([]byte, error) {
	resp, err := l.Auth.Next(fromServer, more)
	l.passed = err == nil && !more
	return resp, err
}

// loginError is the error of a login to host:port that failed with err.
// A permanent (5xx) answer, such as 535 for a wrong user or password, or
// a server that offers no encryption for the password meets every later
// try until the settings change; a temporary (4xx) answer, such as 454
// when the server cannot check passwords now, or a dropped connection
// may pass later.
func loginError(host string, port int, err error) error {
	var te *textproto.Error
	server := fmt.Sprintf("%s:%d", host, port)
	args := map[string]any{"Server": server, "Err": err.Error()}
	switch {
	case errors.Is(err, smtp.ErrUnencrypted):
		return &Error{Kind: Email, Msg: fmt.Sprintf("the SMTP login to %s was not tried: the server offers no encryption (STARTTLS), and the password is only sent encrypted", server),
			Hint: "use a server, or a port of it (--smtp-port), that offers STARTTLS", Settings: true,
			Reason: "smtp_unencrypted", Args: map[string]any{"Server": server}, HintCode: "smtp_starttls"}
	case errors.As(err, &te) && te.Code >= 500:
		return &Error{Kind: Email, Msg: fmt.Sprintf("the SMTP login was refused by %s: %v", server, err),
			Hint: "check --smtp-user (CHORUS_SMTP_USER) and CHORUS_SMTP_PASSWORD", Settings: true,
			Reason: "smtp_login_refused", Args: args, HintCode: "smtp_login"}
	}
	return &Error{Kind: Email, Msg: fmt.Sprintf("SMTP login to %s failed: %v", server, err), Retryable: true, Reason: "smtp_login_failed", Args: args}
}
