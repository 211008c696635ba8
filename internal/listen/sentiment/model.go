// Package sentiment classifies short Chinese and English texts as positive,
// neutral or negative, with probabilities: a multinomial logistic regression
// over hashed character/word 1–3-grams, negation and degree scopes, emoji,
// Weibo emoticons and a small shipped cue list. Pure Go; the trained model
// is embedded (model.bin), and workspaces may retrain their own.
package sentiment

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
)

// Label is one of the three classes.
type Label uint8

// The classes, in the order of a model's outputs.
const (
	Negative Label = iota
	Neutral
	Positive
	numClasses = 3
)

// String returns the label's name as the CLI and API spell it.
func (l Label) String() string {
	switch l {
	case Negative:
		return "negative"
	case Neutral:
		return "neutral"
	case Positive:
		return "positive"
	}
	return fmt.Sprintf("Label(%d)", l)
}

// ParseLabel reads a label name ("positive", "neutral", "negative"; also
// "pos", "neu", "neg").
func ParseLabel(s string) (Label, bool) {
	switch s {
	case "positive", "pos":
		return Positive, true
	case "neutral", "neu":
		return Neutral, true
	case "negative", "neg":
		return Negative, true
	}
	return 0, false
}

// Scores are the class probabilities of one text; they sum to 1.
type Scores struct {
	Positive float64 `json:"positive"`
	Neutral  float64 `json:"neutral"`
	Negative float64 `json:"negative"`
}

// Result is the classification of one text: the most probable label and
// the probabilities.
type Result struct {
	Label  Label
	Scores Scores
}

// Binary returns Positive or Negative, whichever is more probable,
// ignoring Neutral: for sets labelled positive/negative only.
func (r Result) Binary() Label {
	if r.Scores.Positive >= r.Scores.Negative {
		return Positive
	}
	return Negative
}

// stride is the number of weights per bucket: three classes padded to four
// so that one bucket is one aligned 32-bit word.
const stride = 4

// Model is a trained classifier. It is immutable once built, and safe for
// concurrent use. Weights are kept as they are stored: one int8 code per
// bucket and class, decoded through a 256-entry table per class, so the
// whole table of 2^20 buckets takes 4 MB and mostly stays in cache.
type Model struct {
	bits uint8  // log2 of the number of buckets
	q    []int8 // bucket*stride + class
	mx   [numClasses]float32
	lut  [numClasses][256]float32 // lut[c][uint8(code)] = weight
	note string                   // what the model was trained on (kept in the file)
}

// Note returns the model's description of its training data.
func (m *Model) Note() string { return m.note }

// Buckets returns the number of hashed feature buckets.
func (m *Model) Buckets() int { return 1 << m.bits }

// quantiseModel turns trained float weights (bucket*stride + class) into a
// Model.
func quantiseModel(bits uint8, w []float32, note string) *Model {
	m := &Model{bits: bits, q: make([]int8, len(w)), note: note}
	for i := 0; i < len(w); i += stride {
		for c := range numClasses {
			m.mx[c] = max(m.mx[c], float32(math.Abs(float64(w[i+c]))))
		}
	}
	for i := 0; i < len(w); i += stride {
		for c := range numClasses {
			m.q[i+c] = quantise(w[i+c], m.mx[c])
		}
	}
	m.buildLUT()
	return m
}

func (m *Model) buildLUT() {
	for c := range numClasses {
		for k := range 256 {
			m.lut[c][k] = dequantise(int8(uint8(k)), m.mx[c])
		}
	}
}

// floats decodes the weights (for fine-tuning).
func (m *Model) floats() []float32 {
	w := make([]float32, len(m.q))
	for i := 0; i < len(w); i += stride {
		for c := range numClasses {
			w[i+c] = m.lut[c][uint8(m.q[i+c])]
		}
	}
	return w
}

// Classify scores text. Only the first MaxTextBytes bytes count; invalid
// UTF-8 is skipped. It allocates nothing.
func (m *Model) Classify(text string) Result {
	var logit [numClasses]float32
	n := 0
	shift := 64 - uint(m.bits)
	q := m.q
	l0, l1, l2 := &m.lut[0], &m.lut[1], &m.lut[2]
	extract(text, func(h uint64) {
		b := (h >> shift) * stride
		v := q[b : b+3 : b+3]
		logit[0] += l0[uint8(v[0])]
		logit[1] += l1[uint8(v[1])]
		logit[2] += l2[uint8(v[2])]
		n++
	})
	p := softmax(logit, n)
	return Result{
		Label:  argmax(p),
		Scores: Scores{Positive: float64(p[Positive]), Neutral: float64(p[Neutral]), Negative: float64(p[Negative])},
	}
}

// featScale is the weight of each feature occurrence in a text of n
// features: 1/√n, an L2 normalisation that keeps long reviews and short
// posts on one scale.
func featScale(n int) float32 {
	if n <= 0 {
		return 1
	}
	return float32(1 / math.Sqrt(float64(n)))
}

func softmax(logit [numClasses]float32, n int) [numClasses]float32 {
	s := featScale(n)
	mx := float32(math.Inf(-1))
	for c := range logit {
		logit[c] *= s
		mx = max(mx, logit[c])
	}
	var sum float32
	for c := range logit {
		logit[c] = float32(math.Exp(float64(logit[c] - mx)))
		sum += logit[c]
	}
	for c := range logit {
		logit[c] /= sum
	}
	return logit
}

func argmax(p [numClasses]float32) Label {
	best := 0
	for c := 1; c < numClasses; c++ {
		if p[c] > p[best] {
			best = c
		}
	}
	return Label(best)
}

// The model file: gzip of
//
//	magic "CHSENT\x00\x01", feature version u16, bits u8, note length u16,
//	note, per-class max |w| as 3 float32, count of non-zero buckets u32,
//	then per non-zero bucket: uvarint gap from the previous bucket index
//	and 3 int8 codes q, where w = sign(q)·max·(q/127)².
//
// The square-law code keeps small weights precise; zero buckets cost
// nothing. Integers are little-endian.
var fileMagic = [8]byte{'C', 'H', 'S', 'E', 'N', 'T', 0, 1}

// ErrModelFormat is returned by Load for a file that is not a model of this
// version.
var ErrModelFormat = errors.New("sentiment: not a model file of this version")

// WriteTo writes m in the model file format; a reloaded model scores
// exactly as m.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(zw)
	nonzero := 0
	for b := 0; b < len(m.q); b += stride {
		if m.q[b] != 0 || m.q[b+1] != 0 || m.q[b+2] != 0 {
			nonzero++
		}
	}
	note := m.note
	if len(note) > math.MaxUint16 {
		note = note[:math.MaxUint16]
	}
	bw.Write(fileMagic[:])
	binary.Write(bw, binary.LittleEndian, uint16(featureVersion))
	bw.WriteByte(m.bits)
	binary.Write(bw, binary.LittleEndian, uint16(len(note)))
	bw.WriteString(note)
	binary.Write(bw, binary.LittleEndian, m.mx)
	binary.Write(bw, binary.LittleEndian, uint32(nonzero))
	prev := -1
	var vb [binary.MaxVarintLen64]byte
	for b := 0; b < len(m.q)/stride; b++ {
		q := m.q[b*stride : b*stride+numClasses]
		if q[0] == 0 && q[1] == 0 && q[2] == 0 {
			continue
		}
		bw.Write(vb[:binary.PutUvarint(vb[:], uint64(b-prev))])
		bw.Write([]byte{byte(q[0]), byte(q[1]), byte(q[2])})
		prev = b
	}
	if err := bw.Flush(); err != nil {
		return cw.n, err
	}
	if err := zw.Close(); err != nil {
		return cw.n, err
	}
	return cw.n, cw.err
}

func quantise(w, mx float32) int8 {
	if mx == 0 {
		return 0
	}
	q := math.Round(127 * math.Sqrt(math.Abs(float64(w/mx))))
	if w < 0 {
		q = -q
	}
	return int8(q)
}

func dequantise(q int8, mx float32) float32 {
	f := float32(q) / 127
	if f < 0 {
		return -mx * f * f
	}
	return mx * f * f
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// Load reads a model written by WriteTo. Returns ErrModelFormat (wrapped)
// for anything else.
func Load(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	br := bufio.NewReader(zr)
	var hdr struct {
		Magic   [8]byte
		Version uint16
		Bits    uint8
		NoteLen uint16
	}
	if err := binary.Read(br, binary.LittleEndian, &hdr); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	if hdr.Magic != fileMagic || hdr.Version != featureVersion || hdr.Bits < 8 || hdr.Bits > 26 {
		return nil, ErrModelFormat
	}
	note := make([]byte, hdr.NoteLen)
	if _, err := io.ReadFull(br, note); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	var mx [numClasses]float32
	var nonzero uint32
	if err := binary.Read(br, binary.LittleEndian, &mx); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	if err := binary.Read(br, binary.LittleEndian, &nonzero); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	m := &Model{bits: hdr.Bits, q: make([]int8, (1<<hdr.Bits)*stride), mx: mx, note: string(note)}
	m.buildLUT()
	buckets := uint64(1) << hdr.Bits
	if uint64(nonzero) > buckets {
		return nil, ErrModelFormat
	}
	b := int64(-1)
	var q [numClasses]byte
	for range nonzero {
		gap, err := binary.ReadUvarint(br)
		if err != nil || gap == 0 || gap > buckets {
			return nil, ErrModelFormat
		}
		b += int64(gap)
		if uint64(b) >= buckets {
			return nil, ErrModelFormat
		}
		if _, err := io.ReadFull(br, q[:]); err != nil {
			return nil, ErrModelFormat
		}
		for c := range numClasses {
			m.q[int(b)*stride+c] = int8(q[c])
		}
	}
	return m, nil
}

// LoadFile reads a model file from disk.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Load(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// SaveFile writes m to path atomically (a temporary file renamed into
// place), so a reader never sees half a model.
func (m *Model) SaveFile(path string) error {
	tmp, err := os.CreateTemp(dirOf(path), ".model-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := m.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}

//go:embed model.bin
var embedded []byte

var defaultModel = sync.OnceValues(func() (*Model, error) {
	return Load(bytes.NewReader(embedded))
})

// Default returns the model shipped with Chorus, loaded on first use
// (about a tenth of a second; see MODEL_CARD.md). It panics if the embedded
// file is broken, which a test rules out.
func Default() *Model {
	m, err := defaultModel()
	if err != nil {
		panic(err)
	}
	return m
}
