package apperr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fill func(fs *Fields)
		want []string // field:key
	}{
		{"nothing wrong", func(fs *Fields) { fs.Text("name", "茶", 1, true); fs.OneOf("k", "a", []string{"a", "b"}) }, nil},
		{"required", func(fs *Fields) { fs.Text("name", "  ", 10, true) }, []string{"name:error.required"}},
		{"too long counts runes", func(fs *Fields) { fs.Text("name", "好茶不贵", 3, false) }, []string{"name:error.too_long"}},
		{"not one of", func(fs *Fields) { fs.OneOf("kind", "x", []string{"a"}) }, []string{"kind:error.one_of"}},
		{"nested", func(fs *Fields) {
			var inner Fields
			inner.Add("start", "error.required")
			fs.Nest("phases[1].", inner.Err())
		}, []string{"phases[1].start:error.required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var fs Fields
			tt.fill(&fs)
			var got []string
			for _, f := range fs {
				got = append(got, f.Field+":"+f.Key)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if (fs.Err() == nil) != (len(tt.want) == 0) || (fs.Err() != nil && CodeOf(fs.Err()) != Invalid) {
				t.Errorf("Err() = %v", fs.Err())
			}
		})
	}
}

// TestFieldsBounded: a million bad items give MaxFieldErrors errors and
// one saying there are more, directly or nested.
func TestFieldsBounded(t *testing.T) {
	t.Parallel()
	var inner Fields
	for i := range 1_000_000 {
		inner.Add(fmt.Sprintf("ids[%d]", i), "error.negative")
	}
	var fs Fields
	fs.Add("name", "error.required")
	fs.Nest("campaign.", inner.Err())
	if len(inner) != MaxFieldErrors+1 || len(fs) != MaxFieldErrors+1 {
		t.Fatalf("%d and %d errors; want %d each", len(inner), len(fs), MaxFieldErrors+1)
	}
	if last := fs[len(fs)-1]; last.Key != "error.too_many_errors" || fs[0].Field != "name" {
		t.Errorf("first %+v, last %+v; want name first and the too-many error last", fs[0], last)
	}
}

func TestCodeOfAndWrap(t *testing.T) {
	t.Parallel()
	cause := errors.New("disk on fire")
	w := Wrap(cause, "save campaign")
	if CodeOf(w) != Internal || !errors.Is(w, cause) || !strings.Contains(w.Error(), "save campaign") {
		t.Errorf("Wrap: %v", w)
	}
	nf := NotFoundf("campaign")
	if Wrap(nf, "x") != error(nf) || !Is(fmt.Errorf("ctx: %w", nf), NotFound) {
		t.Error("Wrap must keep application errors; Is must see through wrapping")
	}
	if CodeOf(nil) != "" || CodeOf(cause) != Internal {
		t.Error("CodeOf of nil and of foreign errors")
	}
}
