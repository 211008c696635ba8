package sentiment

import (
	"math"
)

// Example is one labelled text for training or evaluation.
type Example struct {
	Text  string
	Label Label
	// Binary marks an example from a positive/negative-only set: it teaches
	// positive against negative and says nothing about neutral.
	Binary bool
	// Weight scales the example's loss; 0 means 1.
	Weight float32
}

// TrainOptions are the knobs of Train. The zero value means the defaults
// below; the embedded model was trained with DefaultTrainOptions.
type TrainOptions struct {
	Bits      uint8   // log2 of the number of hashed buckets (default 20)
	Epochs    int     // passes over the data (default 4)
	Rate      float32 // AdaGrad learning rate (default 0.1)
	L2        float32 // L2 penalty per update (default 1e-4)
	Seed      uint64  // shuffling seed (default 42)
	NoAverage bool    // use the last weights instead of their average over all steps
	Prune     float32 // buckets whose largest |weight| is below this are dropped (default 0)
	Note      string  // description stored in the model file
	// Init, when set, is the starting point (fine-tuning); Bits is taken
	// from it. Init itself is not changed.
	Init    *Model
	Verbose func(epoch int, loss float64)
}

// DefaultTrainOptions are the settings of the shipped model.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Bits: 20, Epochs: 4, Rate: 0.1, L2: 1e-4, Seed: 42}
}

func (o TrainOptions) withDefaults() TrainOptions {
	d := DefaultTrainOptions()
	if o.Bits == 0 {
		o.Bits = d.Bits
	}
	if o.Epochs == 0 {
		o.Epochs = d.Epochs
	}
	if o.L2 == 0 {
		o.L2 = d.L2
	}
	if o.Rate == 0 {
		o.Rate = d.Rate
	}
	if o.Seed == 0 {
		o.Seed = d.Seed
	}
	return o
}

// Train fits a new model on examples: multinomial logistic regression by
// AdaGrad, one example at a time in a seeded shuffled order, so the same
// examples and options always give the same model.
func Train(examples []Example, opt TrainOptions) *Model {
	opt = opt.withDefaults()
	if opt.Init != nil {
		opt.Bits = opt.Init.bits
	}
	var m struct{ w []float32 }
	if opt.Init != nil {
		m.w = opt.Init.floats()
	} else {
		m.w = make([]float32, (1<<opt.Bits)*stride)
	}
	shift := 64 - uint(opt.Bits)

	// Extract every example's buckets once.
	offs := make([]int, len(examples)+1)
	var feats []uint32
	for i, e := range examples {
		extract(e.Text, func(h uint64) { feats = append(feats, uint32(h>>shift)) })
		offs[i+1] = len(feats)
	}
	g2 := make([]float32, len(m.w)) // AdaGrad sums of squared gradients
	// Averaging (Polyak): the model is the mean of the weights over all
	// steps, kept lazily as w − u/t with u = Σ t·Δw.
	var u []float32
	if !opt.NoAverage {
		u = make([]float32, len(m.w))
	}
	t := float32(1)
	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	rng := splitMix(opt.Seed)
	for epoch := range opt.Epochs {
		shuffle(order, &rng)
		var loss float64
		for _, i := range order {
			e := examples[i]
			f := feats[offs[i]:offs[i+1]]
			var logit [numClasses]float32
			for _, b := range f {
				v := m.w[int(b)*stride : int(b)*stride+3]
				logit[0] += v[0]
				logit[1] += v[1]
				logit[2] += v[2]
			}
			p := softmax(logit, len(f))
			if e.Binary {
				// Positive against negative only: renormalise without neutral.
				s := p[Positive] + p[Negative]
				p[Positive] /= s
				p[Negative] /= s
				p[Neutral] = 0
			}
			loss -= math.Log(math.Max(float64(p[e.Label]), 1e-12))
			wt := e.Weight
			if wt == 0 {
				wt = 1
			}
			var grad [numClasses]float32
			scale := featScale(len(f)) * wt
			for c := range numClasses {
				y := float32(0)
				if Label(c) == e.Label {
					y = 1
				}
				grad[c] = (p[c] - y) * scale
			}
			for _, b := range f {
				base := int(b) * stride
				for c := range numClasses {
					if e.Binary && Label(c) == Neutral {
						continue
					}
					j := base + c
					g := grad[c] + opt.L2*m.w[j]
					g2[j] += g * g
					d := opt.Rate * g / float32(math.Sqrt(float64(g2[j]))+1e-6)
					m.w[j] -= d
					if u != nil {
						u[j] -= t * d
					}
				}
			}
			t++
		}
		if opt.Verbose != nil {
			opt.Verbose(epoch, loss/float64(max(len(examples), 1)))
		}
	}
	if u != nil {
		for j := range m.w {
			m.w[j] -= u[j] / t
		}
	}
	if opt.Prune > 0 {
		for b := 0; b < len(m.w); b += stride {
			big := false
			for c := range numClasses {
				big = big || float32(math.Abs(float64(m.w[b+c]))) >= opt.Prune
			}
			if !big {
				m.w[b], m.w[b+1], m.w[b+2] = 0, 0, 0
			}
		}
	}
	return quantiseModel(opt.Bits, m.w, opt.Note)
}

// splitMixState is SplitMix64, a tiny generator whose sequence is fixed by
// its definition, so splits and training orders are reproducible in any
// language (see MODEL_CARD.md).
type splitMixState uint64

func splitMix(seed uint64) splitMixState { return splitMixState(seed) }

func (s *splitMixState) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	return mix(uint64(*s))
}

// shuffle is Fisher–Yates from the last index down: j = next() mod (i+1).
func shuffle(a []int, rng *splitMixState) {
	for i := len(a) - 1; i > 0; i-- {
		j := int(rng.next() % uint64(i+1))
		a[i], a[j] = a[j], a[i]
	}
}

// Split divides examples into train and test parts reproducibly: indices
// 0…n−1 are shuffled by Fisher–Yates driven by SplitMix64(seed), and the
// first ⌈testFrac·n⌉ shuffled indices are the test part. Both parts keep the
// input order of their examples.
func Split(examples []Example, testFrac float64, seed uint64) (train, test []Example) {
	n := len(examples)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	rng := splitMix(seed)
	shuffle(idx, &rng)
	nTest := int(math.Ceil(testFrac * float64(n)))
	isTest := make([]bool, n)
	for _, i := range idx[:nTest] {
		isTest[i] = true
	}
	for i, e := range examples {
		if isTest[i] {
			test = append(test, e)
		} else {
			train = append(train, e)
		}
	}
	return train, test
}
