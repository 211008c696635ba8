package listen

import (
	"bytes"
	"context"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen/sentiment"
)

// SentimentModel is a workspace's own sentiment model, fine-tuned from its
// labelled examples, with the held-out scores by which it replaced the
// model before: MacroF1 its own, BaseMacroF1 the replaced model's.
type SentimentModel struct {
	Data                   []byte // the model file (sentiment.Model.WriteTo)
	TrainRows, HeldOutRows int
	MacroF1, BaseMacroF1   float64
	CreatedAt              time.Time
}

// CurrentModel returns the sentiment model the pipeline applies to the
// workspace's posts, and whether it is the workspace's own (else the
// built-in one).
func (s *Service) CurrentModel(ctx context.Context, ws int64) (*sentiment.Model, bool, error) {
	a, err := s.applied(ctx, ws)
	return a.model, !a.own.CreatedAt.IsZero(), err
}

// OwnModel describes (without its data) the workspace's own sentiment
// model, and false when it uses the built-in one.
func (s *Service) OwnModel(ctx context.Context, ws int64) (SentimentModel, bool, error) {
	a, err := s.applied(ctx, ws)
	return a.own, !a.own.CreatedAt.IsZero(), err
}

// Retrain fine-tunes the workspace's current model on its labelled
// examples (sentiment.Retrain) and, only when the new model's held-out
// macro-F1 is not worse, stores it as the workspace's own: every node
// applies it from its next batch on. It returns the comparison and the
// new model, stored or not.
func (s *Service) Retrain(ctx context.Context, ws int64, examples []sentiment.Example, opt sentiment.TrainOptions) (*sentiment.Model, sentiment.RetrainReport, error) {
	current, _, err := s.CurrentModel(ctx, ws)
	if err != nil {
		return nil, sentiment.RetrainReport{}, err
	}
	m, rep, err := sentiment.Retrain(current, examples, opt)
	if err != nil {
		return nil, rep, err
	}
	if !rep.Better {
		return m, rep, nil
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return nil, rep, apperr.Wrap(err, "encode the sentiment model")
	}
	err = s.store.SaveSentimentModel(ctx, ws, SentimentModel{Data: buf.Bytes(), TrainRows: rep.Train, HeldOutRows: rep.HeldOut,
		MacroF1: rep.New.MacroF1, BaseMacroF1: rep.Current.MacroF1, CreatedAt: s.now().UTC().Truncate(time.Microsecond)})
	if err == nil {
		s.invalidate(ws)
	}
	return m, rep, err
}
