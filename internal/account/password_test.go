package account_test

import (
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
)

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h := account.HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("HashPassword = %q; want an argon2id PHC string", h)
	}
	if !account.CheckPassword(h, "correct horse battery") {
		t.Fatalf("CheckPassword rejects the right password")
	}
	if account.CheckPassword(h, "correct horse batterY") {
		t.Fatalf("CheckPassword accepts a wrong password")
	}
	if h2 := account.HashPassword("correct horse battery"); h2 == h {
		t.Fatalf("two hashes of one password are equal; want a fresh salt each time")
	}

	parts := strings.Split(h, "$")
	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	tampered := map[string]string{
		"key":          strings.Join(append(parts[:5:5], flip(parts[5])), "$"),
		"salt":         strings.Join(append(parts[:4:4], flip(parts[4]), parts[5]), "$"),
		"params":       strings.Replace(h, "t=2", "t=3", 1),
		"zero passes":  strings.Replace(h, "t=2", "t=0", 1),
		"zero threads": strings.Replace(h, "p=1", "p=0", 1),
		"algorithm":    strings.Replace(h, "argon2id", "argon2i", 1),
		"truncated":    h[:len(h)-10],
		"no key":       strings.Join(parts[:5], "$") + "$",
		"bad base64":   strings.Join(parts[:5], "$") + "$!!!",
		"empty":        "",
		"garbage":      "$argon2id$v=19$m=x$y$z",
	}
	for name, enc := range tampered {
		t.Run(name, func(t *testing.T) {
			if account.CheckPassword(enc, "correct horse battery") {
				t.Fatalf("CheckPassword(%q) accepts the password; want a tampered hash rejected", enc)
			}
		})
	}
}

func TestHashToken(t *testing.T) {
	t.Parallel()
	a, b := account.HashToken("abc"), account.HashToken("abd")
	if len(a) != 64 || a == b || a != account.HashToken("abc") {
		t.Fatalf("HashToken = %q, %q; want stable, distinct hex SHA-256", a, b)
	}
}
