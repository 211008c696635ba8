package store_test

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/store"
)

// TestOpenNames checks which database each --db value names: a URL of a
// database Chorus does not speak is refused without showing the rest of
// it (it may hold a password), instead of being taken for a SQLite file
// path.
func TestOpenNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name, dsn, wantFile, wantErr string
	}{
		{"data folder", "", filepath.Join(dir, "chorus.db"), ""},
		{"path", filepath.Join(dir, "other.db"), filepath.Join(dir, "other.db"), ""},
		{"sqlite URL", "sqlite://" + filepath.Join(dir, "url.db"), filepath.Join(dir, "url.db"), ""},
		{"file URL", "file:" + filepath.Join(dir, "file.db"), filepath.Join(dir, "file.db"), ""},
		{"mysql", "mysql://chorus:s3cret@db.internal/chorus", "", "unsupported database mysql://…: use postgres://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := store.SQLiteFile(c.dsn, dir); got != c.wantFile {
				t.Errorf("SQLiteFile = %q, want %q", got, c.wantFile)
			}
			db, err := store.Open(context.Background(), c.dsn, dir, nil)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				db.Close()
				return
			}
			if err == nil {
				db.Close()
				t.Fatalf("Open succeeded, want an error saying %q", c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("Open: %v, want an error saying %q without the password", err, c.wantErr)
			}
		})
	}
}

// TestOpenPostgresThatNeverAnswers: a server that accepts the connection
// but never answers (a stuck proxy, the wrong port) fails the start with
// a timeout instead of holding it forever, when the URL sets none.
func TestOpenPostgresThatNeverAnswers(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	began := time.Now()
	db, err := store.Open(context.Background(), "postgres://chorus@"+ln.Addr().String()+"/chorus?sslmode=disable", "", nil)
	if err == nil {
		db.Close()
		t.Fatal("Open succeeded")
	}
	if took := time.Since(began); took > 30*time.Second || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("Open failed after %s with %v, want a timeout within 30 s", took.Round(time.Second), err)
	}
}
