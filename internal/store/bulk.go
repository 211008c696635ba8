package store

import (
	"math/bits"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// insertAll begins a multi-row INSERT. On SQLite it is OR ROLLBACK: a
// multi-row statement that may abort half-way (for a NOT NULL column, an
// immediate foreign key or an index on an expression) costs SQLite a
// statement journal, a copy of every page it changes, freed again after
// every statement; that was a quarter of a click batch's time. The
// batches that use it fail as a whole anyway. (ON CONFLICT DO UPDATE
// still aborts by itself, so upserts keep their journal.) Foreign keys
// of the tables written in bulk are deferred on SQLite for the same
// reason (migrations 0011 and 0012).
func insertAll(d Dialect) string {
	if d == SQLite {
		return "INSERT OR ROLLBACK INTO "
	}
	return "INSERT INTO "
}

// bulk is a multi-row INSERT: table, rows of cols parameters, tail. A
// batch runs it in chunks of max rows and the remainder in chunks of
// falling powers of two, so that its texts are few: SQLite prepares them
// once on the writer and pgx caches them.
type bulk struct {
	into, tail string // INSERT INTO into VALUES … tail
	cols, max  int    // max is a power of two

	once  sync.Once
	texts [2][]string // [anonymous][log2(rows)]
}

// text returns the statement of rows, a power of two up to max.
func (s *bulk) text(rows int, anon bool) string {
	return s.all(anon)[bits.Len(uint(rows))-1]
}

// all returns the statement of every chunk size.
func (s *bulk) all(anon bool) []string {
	s.once.Do(func() {
		for a := range s.texts {
			d := Postgres
			if a == 1 {
				d = SQLite
			}
			for n := 1; n <= s.max; n *= 2 {
				s.texts[a] = append(s.texts[a], insertAll(d)+s.into+placeholders(n, s.cols, a == 1)+s.tail)
			}
		}
	})
	if anon {
		return s.texts[1]
	}
	return s.texts[0]
}

// chunks calls fn with consecutive ranges [start, end) that cover n rows.
func (s *bulk) chunks(n int, fn func(start, end int) error) error {
	start := 0
	for size := s.max; size > 0; size /= 2 {
		for n-start >= size {
			if err := fn(start, start+size); err != nil {
				return err
			}
			// A batch holds a core for tens of milliseconds; between its
			// statements the redirects waiting for that core go first
			// (bench redirect: p99 22 ms → 20 ms under load).
			runtime.Gosched()
			start += size
		}
	}
	return nil
}

// placeholders returns "($1, $2), ($3, $4)" for rows of cols columns, or
// "(?, ?), (?, ?)" when anon.
func placeholders(rows, cols int, anon bool) string {
	var sb strings.Builder
	sb.Grow(rows * cols * 6)
	n := 0
	for r := range rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range cols {
			if c > 0 {
				sb.WriteString(", ")
			}
			n++
			if anon {
				sb.WriteByte('?')
				continue
			}
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(n))
		}
		sb.WriteByte(')')
	}
	return sb.String()
}
