package sentiment

// Calibrate sets m's emotion offsets, which apply to texts with Chinese
// characters, to those that maximise the six-emotion macro-F1 on dev:
// Chinese posts labelled with emotions, which m was not trained on. A
// softmax learns the priors of its training mix, and macro-F1 rewards the
// rare emotions (fear, surprise) more than accuracy does. The three
// sentiment scores are not changed. It returns the dev macro-F1 before and
// after.
//
// The search is coordinate ascent, three rounds, over a grid of ±1 in
// steps of 0.05, nearest zero first, so equal scores keep the smaller
// offset and the result is deterministic.
func Calibrate(m *Model, dev []Example) (before, after float64) {
	type scored struct {
		logit   [numOutputs]float32
		n       int
		cjk     bool
		emotion Emotion
	}
	var xs []scored
	for _, e := range dev {
		if e.Emotion != UnknownEmotion {
			l, n, cjk := m.logits(e.Text)
			xs = append(xs, scored{l, n, cjk, e.Emotion})
		}
	}
	f1 := func() float64 {
		var mt Metrics
		for _, x := range xs {
			mt.Confusion[x.emotion.output()][m.result(x.logit, x.n, x.cjk).Emotion.output()]++
		}
		mt.score([]int{0, 1, 2, 3, 4, 5})
		return mt.MacroF1
	}
	m.emoOff = [numOutputs]float32{}
	after = f1()
	before = after
	for range 3 {
		for o := range m.emoOff {
			keep := m.emoOff[o]
			for k := 1; k <= 20; k++ {
				for _, sign := range []float32{1, -1} {
					m.emoOff[o] = sign * float32(k) * 0.05
					if s := f1(); s > after+1e-9 {
						after, keep = s, m.emoOff[o]
					}
				}
			}
			m.emoOff[o] = keep
		}
	}
	return before, after
}

// EmotionOffset returns m's calibrated log-prior offset of e.
func (m *Model) EmotionOffset(e Emotion) float64 {
	if e == UnknownEmotion || e > Calm {
		return 0
	}
	return float64(m.emoOff[e.output()])
}

// CopyOffsets gives m the calibrated offsets of from, typically a model
// trained without the dev part that calibrated them. Only a model being
// built may change: Model is otherwise immutable.
func (m *Model) CopyOffsets(from *Model) { m.emoOff = from.emoOff }
