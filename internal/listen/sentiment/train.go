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
	// Emotion, when known (SMP's six emotions), is the output to learn;
	// otherwise the example teaches only its Label's group of outputs, by
	// their summed probability, and the model is free to split it.
	Emotion Emotion
}

// targets returns, as bit sets of outputs, the outputs e's label stands
// for (want) and those its loss weighs them against (among): its loss is
// −log(P(want)/P(among)). A three-class label leaves surprise out; a binary
// one leaves out neutral too.
func targets(e Example) (want, among uint8) {
	if e.Emotion != UnknownEmotion {
		return 1 << e.Emotion.output(), 1<<numOutputs - 1
	}
	for o, g := range outGroup {
		if g == e.Label {
			want |= 1 << o
		}
		if g == Positive || g == Negative || (g == Neutral && !e.Binary) {
			among |= 1 << o
		}
	}
	return want, among
}

// TrainOptions are the knobs of Train. The zero value means the defaults
// below (MinDocs and NB default to off); the embedded model was trained
// with DefaultTrainOptions.
type TrainOptions struct {
	Bits      uint8   // log2 of the number of hashed buckets (default 22)
	Epochs    int     // passes over the data (default 8)
	Rate      float32 // AdaGrad learning rate (default 0.1)
	L2        float32 // L2 penalty per update (default 1e-4)
	Seed      uint64  // shuffling seed (default 42)
	NoAverage bool    // use the last weights instead of their average over all steps
	Prune     float32 // buckets whose largest |weight| is below this are dropped (default 0)
	// MinDocs keeps at zero every bucket that fewer than MinDocs training
	// texts hit: a feature seen once or twice teaches nothing general, and
	// leaving its bucket empty means fewer collisions for the features that
	// do, and a smaller file. 0 or 1: train every bucket.
	MinDocs int
	// NB interpolates each feature's value for class c between 1 (NB = 0)
	// and |r|, r its naive-Bayes log-count ratio of c against the other
	// classes (NB = 1), as NBSVM does (Wang & Manning 2012): features that
	// tell the classes apart learn faster and are penalised less. The
	// scales are folded into the saved weights, so classifying costs the
	// same.
	NB   float32
	Note string // description stored in the model file
	// Init, when set, is the starting point (fine-tuning); Bits is taken
	// from it, and MinDocs and NB do not apply (Init's weights already hold
	// its scales). Init itself is not changed.
	Init    *Model
	Verbose func(epoch int, loss float64)
}

// DefaultTrainOptions are the settings of the shipped model.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Bits: 22, Epochs: 8, Rate: 0.1, L2: 1e-4, Seed: 42, MinDocs: 7, NB: 0.5}
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
	// Extract every example's buckets once, numbered in the order they are
	// first met: the training state is kept for those buckets only, which
	// for a workspace's fine-tuning is a small part of the 2^Bits.
	shift := 64 - uint(opt.Bits)
	slot := make([]int32, 1<<opt.Bits) // 1 + the bucket's number; 0 unused
	var used []uint32                  // number -> bucket
	offs := make([]int, len(examples)+1)
	var feats []uint32
	for i, e := range examples {
		extract(e.Text, func(h uint64) {
			b := uint32(h >> shift)
			if slot[b] == 0 {
				used = append(used, b)
				slot[b] = int32(len(used))
			}
			feats = append(feats, uint32(slot[b]-1))
		})
		offs[i+1] = len(feats)
	}
	slot = nil
	w := make([]float32, len(used)*numOutputs) // number*numOutputs + output
	if opt.Init != nil {
		for n, b := range used {
			opt.Init.bucketWeights(uint64(b), w[n*numOutputs:(n+1)*numOutputs])
		}
		opt.MinDocs, opt.NB = 0, 0
	}
	nb, frozen := bucketScales(examples, feats, offs, len(used), opt)
	g2 := make([]float32, len(w)) // AdaGrad sums of squared gradients
	// Averaging (Polyak): the model is the mean of the weights over all
	// steps, kept lazily as w − u/t with u = Σ t·Δw.
	var u []float32
	if !opt.NoAverage {
		u = make([]float32, len(w))
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
			var logit [numOutputs]float32
			for _, b := range f {
				v := w[int(b)*numOutputs : int(b)*numOutputs+numOutputs]
				s := nb[int(b)*numOutputs : int(b)*numOutputs+numOutputs]
				for o := range numOutputs {
					logit[o] += v[o] * s[o]
				}
			}
			p := softmax(logit, len(f))
			want, among := targets(e)
			var pWant, pAmong float32
			for o, po := range p {
				if want>>o&1 != 0 {
					pWant += po
				}
				if among>>o&1 != 0 {
					pAmong += po
				}
			}
			pWant, pAmong = max(pWant, 1e-30), max(pAmong, 1e-30)
			loss -= math.Log(math.Max(float64(pWant/pAmong), 1e-12))
			wt := e.Weight
			if wt == 0 {
				wt = 1
			}
			// d loss / d logit_o = p_o/P(among) − [o ∈ want]·p_o/P(want).
			var grad [numOutputs]float32
			scale := featScale(len(f)) * wt
			for o, po := range p {
				if among>>o&1 == 0 {
					continue
				}
				grad[o] = po / pAmong
				if want>>o&1 != 0 {
					grad[o] -= po / pWant
				}
				grad[o] *= scale
			}
			for _, b := range f {
				if frozen[b] {
					continue
				}
				base := int(b) * numOutputs
				for o := range numOutputs {
					if among>>o&1 == 0 {
						continue
					}
					j := base + o
					g := grad[o]*nb[j] + opt.L2*w[j]
					g2[j] += g * g
					d := opt.Rate * g / float32(math.Sqrt(float64(g2[j]))+1e-6)
					w[j] -= d
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
		for j := range w {
			w[j] -= u[j] / t
		}
	}
	for j := range w {
		w[j] *= nb[j]
	}
	// The whole model: the initial one's weights, or zeros, where no
	// example reached.
	var all []float32
	if opt.Init != nil {
		all = opt.Init.floats()
	} else {
		all = make([]float32, (1<<opt.Bits)*numOutputs)
	}
	for n, b := range used {
		copy(all[int(b)*numOutputs:(int(b)+1)*numOutputs], w[n*numOutputs:(n+1)*numOutputs])
	}
	w = all
	if opt.Prune > 0 {
		for b := 0; b < len(w); b += numOutputs {
			big := false
			for o := range numOutputs {
				big = big || float32(math.Abs(float64(w[b+o]))) >= opt.Prune
			}
			if !big {
				clear(w[b : b+numOutputs])
			}
		}
	}
	m := quantiseModel(opt.Bits, w, opt.Note)
	if opt.Init != nil {
		m.emoOff = opt.Init.emoOff
	}
	return m
}

// bucketScales returns, per bucket and output, the NB scale of the
// bucket's feature (1 when opt.NB is 0), and per bucket whether it is
// frozen at zero by opt.MinDocs. The ratios are of the sentiment groups
// (surprise a group of its own), since most texts name only their group;
// each output takes its group's. Counts are of texts, not occurrences;
// a binary-set text counts for its own group like any other.
func bucketScales(examples []Example, feats []uint32, offs []int, buckets int, opt TrainOptions) ([]float32, []bool) {
	const groups = numClasses + 1           // the sentiments and surprise (noSentiment)
	docs := make([]float32, buckets*groups) // texts per bucket and group
	last := make([]int32, buckets)          // 1 + the last text that hit the bucket
	var texts [groups]float32
	for i, e := range examples {
		g := e.Label
		if e.Emotion != UnknownEmotion {
			g = outGroup[e.Emotion.output()]
		}
		for _, b := range feats[offs[i]:offs[i+1]] {
			if last[b] != int32(i+1) {
				last[b] = int32(i + 1)
				docs[int(b)*groups+int(g)]++
			}
		}
		texts[g]++
	}
	all := texts[0] + texts[1] + texts[2] + texts[3]
	frozen := make([]bool, buckets)
	scale := make([]float32, buckets*numOutputs)
	for b := range buckets {
		d := docs[b*groups : b*groups+groups]
		sum := d[0] + d[1] + d[2] + d[3]
		frozen[b] = sum < float32(opt.MinDocs)
		var gs [groups]float32
		for g := range groups {
			// Add-one smoothed rates of the feature in g and in the rest.
			in := (d[g] + 1) / (texts[g] + 1)
			out := (sum - d[g] + 1) / (all - texts[g] + 1)
			r := float32(math.Abs(math.Log(float64(in / out))))
			gs[g] = 1 - opt.NB + opt.NB*r
		}
		for o, g := range outGroup {
			scale[b*numOutputs+o] = gs[g]
		}
	}
	return scale, frozen
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
