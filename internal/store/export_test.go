package store

import "context"

// MigrateThrough applies the migrations up to the one named last.
func (db *DB) MigrateThrough(ctx context.Context, last string) error {
	_, err := db.migrateThrough(ctx, last)
	return err
}

// VisitorKey is visitorKey, for its table test.
var VisitorKey = visitorKey
