package listen

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// NormVersion numbers the way a mention's content hash and SimHash are
// made from its text: textnorm.Normalize, hashInput, ContentHash and
// SimHash. Bump it in the same change as anything that can give some
// text another normalized form or another hash (a conversion table, how
// links are cut, case folding, the hash functions): the same text then
// gets another hash than the mentions stored before, which would no
// longer be known as its duplicates. Each stored mention records the
// version its hashes were made with (1: stored before versions were
// recorded), and Rehash makes the hashes of older ones anew.
//
// Version 2: Taiwan phrases converted only in runs that hold a
// traditional character; links cut before NFKC, ending at full-width
// punctuation.
const NormVersion = 2

// hashInput is what a text's content hash is made of: its normalized
// form, or for a text of links only, its links.
func hashInput(tn textnorm.Text) string {
	if tn.Norm == "" {
		return "\x00" + strings.Join(tn.URLs, " ")
	}
	return tn.Norm
}

// StaleMention is a stored mention whose hashes an older normalization
// made, with its hashes: the stored ones as RehashStore.StaleMentions
// reads them, the new ones as Rehash gives them to SaveRehashed.
type StaleMention struct {
	ID, WorkspaceID int64
	Author, Text    string
	PublishedAt     time.Time
	ContentHash     string
	SimHash         uint64
}

// RehashStore is what Rehash needs from the database.
type RehashStore interface {
	// StaleMentions returns up to limit mentions of any workspace whose
	// hashes were made with a normalization older than version, oldest
	// version first, then by id.
	StaleMentions(ctx context.Context, version, limit int) ([]StaleMention, error)
	// SaveRehashed stores the mentions' content hashes and SimHashes as
	// made with version, in one transaction. When another mention of the
	// workspace holds the same content hash (the same text by the same
	// author on the same day, stored twice because their hashes
	// differed), the older mention (lower id) keeps it and the other's
	// is marked taken: the hash with ":dup:" and its id, as store
	// migration 0008 marked texts stored twice. Both rows stay, with
	// their clusters and the roll-ups that count them. It returns how
	// many hashes it marked.
	SaveRehashed(ctx context.Context, version int, ms []StaleMention) (int, error)
}

// RehashResult counts what one Rehash call did: mentions given the
// current version, of which Changed got another content hash or SimHash
// and Marked a content hash marked taken.
type RehashResult struct {
	Rehashed, Changed, Marked int
}

// Rehash makes the hashes of up to limit mentions stored with an older
// normalization anew, with NormVersion, as the pipeline makes those of a
// new post, and stores them. Rehashed is 0 when none is left; a caller
// calls it again until then. Each call commits what it did, so that an
// interrupted run goes on where it stopped. A text stored cut
// (MaxStoredRunes) was hashed whole: its hashes cannot be made again and
// stay as they are.
func Rehash(ctx context.Context, st RehashStore, limit int) (RehashResult, error) {
	ms, err := st.StaleMentions(ctx, NormVersion, limit)
	if err != nil || len(ms) == 0 {
		return RehashResult{}, err
	}
	res := RehashResult{Rehashed: len(ms)}
	for i := range ms {
		m := &ms[i]
		if utf8.RuneCountInString(m.Text) >= MaxStoredRunes {
			continue
		}
		tn := textnorm.Normalize(m.Text)
		h, sim := ContentHash(m.Author, hashInput(tn), m.PublishedAt), SimHash(tn.Norm)
		if h != m.ContentHash || sim != m.SimHash {
			res.Changed++
		}
		m.ContentHash, m.SimHash = h, sim
	}
	res.Marked, err = st.SaveRehashed(ctx, NormVersion, ms)
	if err != nil {
		return RehashResult{}, err
	}
	return res, nil
}
