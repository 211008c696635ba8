// Package sentiment classifies short Chinese and English texts as positive,
// neutral or negative, with probabilities, and names their most probable
// emotion: a multinomial logistic regression over six emotions (summed into
// the three sentiments) on hashed character/word 1–4-grams, negation and
// degree scopes, emoji, Weibo emoticons and a small shipped cue list. Pure
// Go; the trained model is embedded (model.bin), and workspaces may retrain
// their own.
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
	"math/bits"
	"os"
	"strings"
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
// "pos", "neu", "neg", and the Chinese 正面 or 积极, 中性, 负面 or 消极 that
// a team's own spreadsheet may use).
func ParseLabel(s string) (Label, bool) {
	switch s {
	case "positive", "pos", "正面", "积极":
		return Positive, true
	case "neutral", "neu", "中性":
		return Neutral, true
	case "negative", "neg", "负面", "消极":
		return Negative, true
	}
	return 0, false
}

// Emotion is one of SMP2020-EWECT's six emotions, the model's outputs.
// Sentiment is their grouping: happy is positive, angry, sad and fear are
// negative, "neutral" (Calm) is neutral, and surprise belongs to no
// sentiment. One softmax output per emotion lets negative be a union of
// three vocabularies instead of one linear class.
type Emotion uint8

// The emotions; the zero value means "not labelled" in an Example.
const (
	UnknownEmotion Emotion = iota
	Happy
	Angry
	Sad
	Fear
	Surprise
	Calm       // SMP's "neutral": no emotion
	numOutputs = 6
)

// String returns the emotion's name as SMP2020-EWECT spells it.
func (e Emotion) String() string {
	switch e {
	case Happy:
		return "happy"
	case Angry:
		return "angry"
	case Sad:
		return "sad"
	case Fear:
		return "fear"
	case Surprise:
		return "surprise"
	case Calm:
		return "neutral"
	}
	return fmt.Sprintf("Emotion(%d)", e)
}

// output is e's index among the model's outputs.
func (e Emotion) output() int { return int(e) - 1 }

// noSentiment is the group of surprise, which has no sentiment.
const noSentiment = Label(numClasses)

// outGroup is the sentiment of each output.
var outGroup = [numOutputs]Label{Positive, Negative, Negative, Negative, noSentiment, Neutral}

// Sentiment returns the emotion's sentiment; ok is false for surprise and
// UnknownEmotion.
func (e Emotion) Sentiment() (l Label, ok bool) {
	if e == UnknownEmotion || e > Calm || outGroup[e.output()] == noSentiment {
		return 0, false
	}
	return outGroup[e.output()], true
}

// Scores are the class probabilities of one text; they sum to 1.
type Scores struct {
	Positive float64 `json:"positive"`
	Neutral  float64 `json:"neutral"`
	Negative float64 `json:"negative"`
}

// Result is the classification of one text: the most probable label and
// the probabilities, and the most probable of the six emotions.
type Result struct {
	Label  Label
	Scores Scores
	// Emotion may be Surprise, which the three scores leave out.
	Emotion Emotion
}

// Binary returns Positive or Negative, whichever is more probable,
// ignoring Neutral: for sets labelled positive/negative only.
func (r Result) Binary() Label {
	if r.Scores.Positive >= r.Scores.Negative {
		return Positive
	}
	return Negative
}

// stride is the number of codes per present bucket, one per output,
// unpadded: scoring is bound by cache misses, so the smaller table wins.
const stride = numOutputs

// Model is a trained classifier. It is immutable once built, and safe for
// concurrent use. Weights are kept as they are stored: one int8 code per
// present bucket and output, decoded through a 256-entry table per output.
// Most buckets are empty (frozen in training), so a bitmap says which are
// present and the codes of those are packed: 2^22 buckets take 1 MB of
// bitmap plus 6 bytes per present bucket, which mostly stays in cache where
// a dense table would miss on nearly every lookup.
type Model struct {
	bits    uint8      // log2 of the number of buckets
	present []rankWord // bucket b is present when present[b/64].set has bit b%64
	q       []int8     // per present bucket in bucket order: stride codes
	mx      [numOutputs]float32
	// emoOff holds log-prior offsets calibrated after training on Chinese
	// Weibo posts (see Calibrate), added to the scaled logits of texts with
	// Chinese characters before choosing Result.Emotion.
	emoOff [numOutputs]float32
	lut    [numOutputs][256]float32 // lut[o][uint8(code)] = weight
	note   string                   // what the model was trained on (kept in the file)
}

// rankWord is 64 buckets of the presence bitmap and the number of present
// buckets before them, so that a bucket's place in Model.q costs one
// popcount.
type rankWord struct {
	set    uint64
	before uint32
}

// slot returns the index in m.q of bucket b's codes, or −1 if b is empty.
func (m *Model) slot(b uint64) int {
	w := &m.present[b>>6]
	bit := uint64(1) << (b & 63)
	if w.set&bit == 0 {
		return -1
	}
	return (int(w.before) + bits.OnesCount64(w.set&(bit-1))) * stride
}

// newModel returns an empty model of 2^bits buckets to be filled, in bucket
// order, by add.
func newModel(nbits uint8, mx [numOutputs]float32, note string) *Model {
	m := &Model{bits: nbits, present: make([]rankWord, (1<<nbits+63)/64), mx: mx, note: note}
	m.buildLUT()
	return m
}

// add appends bucket b's codes; b must be above every bucket added
// before, and seal must follow the last add.
func (m *Model) add(b int, codes [numOutputs]int8) {
	m.present[b>>6].set |= 1 << (b & 63)
	m.q = append(m.q, codes[:]...)
}

// seal counts the present buckets before each bitmap word.
func (m *Model) seal() {
	var n uint32
	for i := range m.present {
		m.present[i].before = n
		n += uint32(bits.OnesCount64(m.present[i].set))
	}
}

// Note returns the model's description of its training data.
func (m *Model) Note() string { return m.note }

// Buckets returns the number of hashed feature buckets.
func (m *Model) Buckets() int { return 1 << m.bits }

// quantiseModel turns trained float weights (bucket*numOutputs + output)
// into a Model.
func quantiseModel(nbits uint8, w []float32, note string) *Model {
	var mx [numOutputs]float32
	for i, v := range w {
		o := i % numOutputs
		mx[o] = max(mx[o], float32(math.Abs(float64(v))))
	}
	m := newModel(nbits, mx, note)
	for b := range len(w) / numOutputs {
		var codes [numOutputs]int8
		for o := range numOutputs {
			codes[o] = quantise(w[b*numOutputs+o], mx[o])
		}
		if codes != [numOutputs]int8{} {
			m.add(b, codes)
		}
	}
	m.seal()
	return m
}

func (m *Model) buildLUT() {
	for o := range numOutputs {
		for k := range 256 {
			m.lut[o][k] = dequantise(int8(uint8(k)), m.mx[o])
		}
	}
}

// floats decodes the weights (for fine-tuning), one entry per bucket and
// output as Train keeps them.
func (m *Model) floats() []float32 {
	w := make([]float32, (1<<m.bits)*numOutputs)
	for b := range uint64(1) << m.bits {
		m.bucketWeights(b, w[int(b)*numOutputs:int(b+1)*numOutputs])
	}
	return w
}

// bucketWeights writes bucket b's decoded weights into dst, which holds
// numOutputs zeros or more.
func (m *Model) bucketWeights(b uint64, dst []float32) {
	if k := m.slot(b); k >= 0 {
		for o := range numOutputs {
			dst[o] = m.lut[o][uint8(m.q[k+o])]
		}
	}
}

// Classify scores text. Only the first MaxTextBytes bytes count; invalid
// UTF-8 is skipped. Blank text is neutral, scored 0/1/0: given nothing to
// read, the model would answer its prior, which leans negative. It
// allocates nothing.
func (m *Model) Classify(text string) Result {
	if strings.TrimSpace(text) == "" {
		return Result{Label: Neutral, Scores: Scores{Neutral: 1}, Emotion: Calm}
	}
	return m.result(m.logits(text))
}

// logits returns the summed weights of text's features (unscaled, without
// offsets), the number of features, and whether text has Chinese
// characters.
func (m *Model) logits(text string) (logit [numOutputs]float32, n int, cjk bool) {
	shift := 64 - uint(m.bits)
	q := m.q
	l := &m.lut
	hasCJK := metaHashes[metaHasCJK]
	extract(text, func(h uint64) {
		n++
		cjk = cjk || h == hasCJK
		k := m.slot(h >> shift)
		if k < 0 {
			return
		}
		v := q[k : k+numOutputs : k+numOutputs]
		logit[0] += l[0][uint8(v[0])]
		logit[1] += l[1][uint8(v[1])]
		logit[2] += l[2][uint8(v[2])]
		logit[3] += l[3][uint8(v[3])]
		logit[4] += l[4][uint8(v[4])]
		logit[5] += l[5][uint8(v[5])]
	})
	return logit, n, cjk
}

// result turns logits into the three sentiment probabilities (sums over
// each sentiment's emotions, renormalised without surprise) and the most
// probable emotion.
func (m *Model) result(logit [numOutputs]float32, n int, cjk bool) Result {
	var emo *[numOutputs]float32
	if cjk {
		emo = &m.emoOff
	}
	p := softmax(logit, n)
	var g [numClasses]float32
	for o, po := range p {
		if grp := outGroup[o]; grp != noSentiment {
			g[grp] += po
		}
	}
	sum := g[0] + g[1] + g[2]
	for c := range g {
		g[c] /= sum
	}
	return Result{
		Label:   argmax(g),
		Scores:  Scores{Positive: float64(g[Positive]), Neutral: float64(g[Neutral]), Negative: float64(g[Negative])},
		Emotion: emotion(logit, n, emo),
	}
}

// emotion returns the emotion with the largest scaled logit plus offset
// (off nil: none).
func emotion(logit [numOutputs]float32, n int, off *[numOutputs]float32) Emotion {
	s := featScale(n)
	best, bestZ := 0, float32(math.Inf(-1))
	for o, z := range logit {
		z *= s
		if off != nil {
			z += off[o]
		}
		if z > bestZ {
			best, bestZ = o, z
		}
	}
	return Emotion(best + 1)
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

// softmax scales the logits of a text of n features by featScale(n) and
// returns the output probabilities.
func softmax(logit [numOutputs]float32, n int) [numOutputs]float32 {
	s := featScale(n)
	mx := float32(math.Inf(-1))
	for o := range logit {
		logit[o] *= s
		mx = max(mx, logit[o])
	}
	var sum float32
	for o := range logit {
		logit[o] = float32(math.Exp(float64(logit[o] - mx)))
		sum += logit[o]
	}
	for o := range logit {
		logit[o] /= sum
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
//	magic "CHSENT\x00\x02", feature version u16, bits u8, note length u16,
//	note, number of outputs u8 (6), per-output max |w| and emotion offset
//	as float32s, count of non-zero buckets u32, then per non-zero bucket:
//	uvarint gap from the previous bucket index and one int8 code q per
//	output, where w = sign(q)·max·(q/127)².
//
// The square-law code keeps small weights precise; zero buckets cost
// nothing. Integers are little-endian.
var fileMagic = [8]byte{'C', 'H', 'S', 'E', 'N', 'T', 0, 2}

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
	nonzero := len(m.q) / stride
	note := m.note
	if len(note) > math.MaxUint16 {
		note = note[:math.MaxUint16]
	}
	bw.Write(fileMagic[:])
	binary.Write(bw, binary.LittleEndian, uint16(featureVersion))
	bw.WriteByte(m.bits)
	binary.Write(bw, binary.LittleEndian, uint16(len(note)))
	bw.WriteString(note)
	bw.WriteByte(numOutputs)
	binary.Write(bw, binary.LittleEndian, m.mx)
	binary.Write(bw, binary.LittleEndian, m.emoOff)
	binary.Write(bw, binary.LittleEndian, uint32(nonzero))
	prev := -1
	var vb [binary.MaxVarintLen64]byte
	var codes [numOutputs]byte
	for b := range 1 << int(m.bits) {
		k := m.slot(uint64(b))
		if k < 0 {
			continue
		}
		for o := range codes {
			codes[o] = byte(m.q[k+o])
		}
		bw.Write(vb[:binary.PutUvarint(vb[:], uint64(b-prev))])
		bw.Write(codes[:])
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
	var outputs uint8
	var mx, emoOff [numOutputs]float32
	var nonzero uint32
	if err := binary.Read(br, binary.LittleEndian, &outputs); err != nil || outputs != numOutputs {
		return nil, ErrModelFormat
	}
	for _, v := range []any{&mx, &emoOff, &nonzero} {
		if err := binary.Read(br, binary.LittleEndian, v); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
		}
	}
	m := newModel(hdr.Bits, mx, string(note))
	m.emoOff = emoOff
	buckets := uint64(1) << hdr.Bits
	if uint64(nonzero) > buckets {
		return nil, ErrModelFormat
	}
	b := int64(-1)
	var raw [numOutputs]byte
	var q [numOutputs]int8
	m.q = make([]int8, 0, int(nonzero)*stride)
	for range nonzero {
		gap, err := binary.ReadUvarint(br)
		if err != nil || gap == 0 || gap > buckets {
			return nil, ErrModelFormat
		}
		b += int64(gap)
		if uint64(b) >= buckets {
			return nil, ErrModelFormat
		}
		if _, err := io.ReadFull(br, raw[:]); err != nil {
			return nil, ErrModelFormat
		}
		for o, c := range raw {
			q[o] = int8(c)
		}
		m.add(int(b), q)
	}
	m.seal()
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
