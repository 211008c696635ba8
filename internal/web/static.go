package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves the embedded files under checksummed URLs, so browsers
// may cache them for good and a new release is fetched at once.
type staticFiles struct {
	files map[string][]byte
	sums  map[string]string
}

func loadStatic() (*staticFiles, error) {
	st := &staticFiles{files: map[string][]byte{}, sums: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := p[len("static/"):]
		if name == "t.js" {
			b = trimJS(b)
		}
		sum := sha256.Sum256(b)
		st.files[name] = b
		st.sums[name] = hex.EncodeToString(sum[:4])
		return nil
	})
	return st, err
}

// trimJS drops the indentation, blank lines and whole-line comments of a
// script, keeping every line break: landing pages load the snippet on
// every visit, and the issue caps it at 3 KB, while its source stays
// commented. Only comments that start a line go, so no string or regular
// expression that looks like one is touched.
func trimJS(b []byte) []byte {
	var out []byte
	inBlock := false
	for line := range bytes.Lines(b) {
		t := bytes.TrimSpace(line)
		if !inBlock && bytes.HasPrefix(t, []byte("/*")) {
			inBlock, t = true, t[2:]
		}
		if inBlock {
			end := bytes.Index(t, []byte("*/"))
			if end < 0 {
				continue
			}
			inBlock, t = false, bytes.TrimSpace(t[end+2:])
		}
		if len(t) == 0 || bytes.HasPrefix(t, []byte("//")) {
			continue
		}
		out = append(append(out, t...), '\n')
	}
	return out
}

// URL returns the checksummed address of a static file.
func (st *staticFiles) URL(name string) string {
	return "/static/" + st.sums[name] + "/" + name
}

func (st *staticFiles) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	b, ok := st.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.PathValue("sum") == st.sums[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
