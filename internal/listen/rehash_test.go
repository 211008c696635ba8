package listen

import (
	"context"
	"strings"
	"testing"
	"time"
)

// fakeRehashStore hands out its mentions once and keeps what is saved.
type fakeRehashStore struct{ stale, saved []StaleMention }

func (f *fakeRehashStore) StaleMentions(_ context.Context, version, limit int) ([]StaleMention, error) {
	out := f.stale[:min(limit, len(f.stale))]
	f.stale = f.stale[len(out):]
	return append([]StaleMention(nil), out...), nil
}

func (f *fakeRehashStore) SaveRehashed(_ context.Context, version int, ms []StaleMention) (int, error) {
	f.saved = append(f.saved, ms...)
	return 0, nil
}

// TestRehash: a stored mention gets the hashes the pipeline gives the same
// post now; a text stored cut keeps the hashes made of the whole.
func TestRehash(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	long := strings.Repeat("长", MaxStoredRunes)
	tests := []struct {
		name, author, text string
		wantHash           string
		wantSim            uint64
	}{
		{"traditional phrase", "amy", "中國聯通道歉", ContentHash("amy", "中国联信道歉", at), SimHash("中国联信道歉")},
		{"links only", "", " https://t.cn/A6abc ", ContentHash("", "\x00https://t.cn/A6abc", at), 0},
		{"cut", "bob", long, "old", 7},
	}
	st := &fakeRehashStore{}
	for i, tt := range tests {
		st.stale = append(st.stale, StaleMention{ID: int64(i + 1), WorkspaceID: 1, Author: tt.author, Text: tt.text, PublishedAt: at, ContentHash: "old", SimHash: 7})
	}
	res, err := Rehash(context.Background(), st, 10)
	if err != nil || res != (RehashResult{Rehashed: 3, Changed: 2}) {
		t.Fatalf("Rehash = %+v, %v; want 3 re-hashed, 2 changed", res, err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := st.saved[i]; got.ContentHash != tt.wantHash || got.SimHash != tt.wantSim {
				t.Errorf("saved %q %x, want %q %x", got.ContentHash, got.SimHash, tt.wantHash, tt.wantSim)
			}
		})
	}
	// The same posts through the pipeline get the same hashes.
	s := NewService(nil, Brands{}, Options{})
	for i, tt := range tests[:2] {
		a := s.analyse(Post{Author: tt.author, Text: tt.text, PublishedAt: at}, applied{model: s.model()}, at)
		if a.m.ContentHash != st.saved[i].ContentHash || a.m.SimHash != st.saved[i].SimHash {
			t.Errorf("%s: the pipeline hashes %q %x, Rehash %q %x", tt.name, a.m.ContentHash, a.m.SimHash, st.saved[i].ContentHash, st.saved[i].SimHash)
		}
	}
	if res, err := Rehash(context.Background(), st, 10); err != nil || res.Rehashed != 0 {
		t.Errorf("Rehash with none left = %+v, %v", res, err)
	}
}
