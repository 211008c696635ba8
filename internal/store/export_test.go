package store

import "context"

// MigrateThrough applies the migrations up to the one named last.
func (db *DB) MigrateThrough(ctx context.Context, last string) error {
	return db.migrateThrough(ctx, last)
}

// VisitorKey is visitorKey, for its table test.
var VisitorKey = visitorKey
