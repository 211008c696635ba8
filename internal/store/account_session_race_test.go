package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestSessionOfAnOldPassword: a sign-in checks the password, then stores
// its session. A password change that lands in between (its new hash and
// its deletion of the user's sessions not yet committed when the session
// is stored) must not let the session survive: it waits for the change
// and is refused. A session checked against the present hash is stored.
func TestSessionOfAnOldPassword(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann, _ := accountFixture(t, db, "ann@example.com", "acme")
		old := "hash-" + ann.Email
		now := time.Now()
		sess := account.Session{UserID: ann.ID, CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}

		change, err := db.WriteDB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := change.ExecContext(ctx, `UPDATE users SET password_hash = 'new-hash' WHERE id = $1`, ann.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := change.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, ann.ID); err != nil {
			t.Fatal(err)
		}
		stored := make(chan error, 1)
		go func() { stored <- db.CreateSession(ctx, "racer", sess, old) }()
		time.Sleep(300 * time.Millisecond)
		if err := change.Commit(); err != nil {
			t.Fatal(err)
		}
		wantAccountCode(t, "CreateSession checked against the old password", <-stored, apperr.Unauthorized)
		if _, err := db.SessionByHash(ctx, "racer"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the session of the old password is there after the change (%v)", err)
		}

		if err := db.CreateSession(ctx, "fresh", sess, "new-hash"); err != nil {
			t.Fatalf("CreateSession with the present password: %v", err)
		}
		if _, err := db.SessionByHash(ctx, "fresh"); err != nil {
			t.Errorf("the session of the present password: %v", err)
		}
		sess.UserID = ann.ID + 1000
		wantAccountCode(t, "CreateSession of no user", db.CreateSession(ctx, "nobody", sess, "new-hash"), apperr.Unauthorized)
	})
}
