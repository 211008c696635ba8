package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

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
