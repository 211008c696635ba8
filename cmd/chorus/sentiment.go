package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/listen/sentiment"
	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// defaultCorpus is where the shared data sets live beside a checkout.
const defaultCorpus = "../shared/data"

func sentimentCmd() *cobra.Command {
	var modelPath string
	cmd := &cobra.Command{
		Use:   "sentiment",
		Short: "Classify the sentiment of one text per line of stdin",
		Long: "Read one text per line on stdin and write one JSON object per line:\n" +
			`{"label":"positive|neutral|negative","scores":{"positive":p,"neutral":u,"negative":n}}` + "\n" +
			"Each line is read as the listening pipeline reads a post: normalized, links left out, and only\n" +
			"the first 4 KB of it count. Invalid UTF-8 is read as U+FFFD, and the first such line is named on stderr.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadSentimentModel(modelPath)
			if err != nil {
				return err
			}
			return classifyLines(m, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&modelPath, "model", "", "model file (default: the model built into chorus)")
	return cmd
}

func loadSentimentModel(path string) (*sentiment.Model, error) {
	if path == "" {
		return sentiment.Default(), nil
	}
	return sentiment.LoadFile(path)
}

// classifyLines writes one JSON line per input line, for the text the
// listening pipeline would classify (normalized, links left out). Scores
// are rounded to four decimals and the neutral score absorbs the
// rounding, so the three printed numbers sum to exactly 1.
func classifyLines(m *sentiment.Model, in io.Reader, out, warn io.Writer) error {
	buf := make([]byte, 0, 128)
	return eachLine(in, out, warn, func(w *bufio.Writer, text textnorm.Text) error {
		r := m.Classify(text.Norm)
		pos, neg := round4(r.Scores.Positive), round4(r.Scores.Negative)
		neu := max(0, 10000-pos-neg)
		buf = append(buf[:0], `{"label":"`...)
		buf = append(buf, r.Label.String()...)
		buf = append(buf, `","scores":{"positive":`...)
		buf = appendFixed4(buf, pos)
		buf = append(buf, `,"neutral":`...)
		buf = appendFixed4(buf, neu)
		buf = append(buf, `,"negative":`...)
		buf = appendFixed4(buf, neg)
		buf = append(buf, "}}\n"...)
		_, err := w.Write(buf)
		return err
	})
}

// round4 returns p in ten-thousandths.
func round4(p float64) int { return int(p*10000 + 0.5) }

func appendFixed4(b []byte, tenThousandths int) []byte {
	b = strconv.AppendInt(b, int64(tenThousandths/10000), 10)
	b = append(b, '.')
	frac := tenThousandths % 10000
	for d := 1000; d > 0; d /= 10 {
		b = append(b, byte('0'+frac/d%10))
	}
	return b
}

// listenCmd is the parent of the listening commands.
func listenCmd(cfg *config.Config) *cobra.Command {
	cmd := &cobra.Command{Use: "listen", Short: "Listening: sentiment evaluation and training"}
	cmd.AddCommand(listenSentimentCmds(cfg)...)
	return cmd
}

// listenSentimentCmds are the sentiment model's commands under `listen`.
func listenSentimentCmds(cfg *config.Config) []*cobra.Command {
	return []*cobra.Command{listenEvalCmd(), listenTrainBaseCmd(), listenTrainCmd(cfg)}
}

func listenEvalCmd() *cobra.Command {
	var corpus, modelPath string
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Score the sentiment model on every shared test split",
		Long: "Print accuracy and macro-F1 of the sentiment model on the test split of every shared data set\n" +
			"(--corpus, default ../shared/data), beside the measured baselines, and its throughput on one core.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadSentimentModel(modelPath)
			if err != nil {
				return err
			}
			corpora, err := sentiment.LoadCorpora(corpus, false)
			if err != nil {
				return fmt.Errorf("read the shared data in %s (set --corpus): %w", corpus, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%-42s %6s  %-15s  %-15s\n", "test split", "n", "accuracy / F1", "baseline (char)")
			var texts []string
			for _, c := range corpora {
				if len(c.Test) == 0 {
					continue
				}
				mt := c.Score(m, c.Test)
				base := "-"
				switch {
				case c.BaselineF1 > 0:
					base = fmt.Sprintf("%.3f / %.3f", c.BaselineAcc, c.BaselineF1)
				case c.BaselineAcc > 0:
					base = fmt.Sprintf("%.3f", c.BaselineAcc)
				}
				fmt.Fprintf(out, "%-42s %6d  %.3f / %.3f    %s\n", c.Name, mt.N, mt.Accuracy, mt.MacroF1, base)
				if texts == nil {
					for _, e := range c.Test {
						texts = append(texts, e.Text)
					}
				}
			}
			n, d := throughput(m, texts)
			fmt.Fprintf(out, "throughput: %.0f texts/s on one goroutine (%d SMP test texts in %v)\n", float64(n)/d.Seconds(), n, d.Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&corpus, "corpus", defaultCorpus, "folder of the shared data sets")
	cmd.Flags().StringVar(&modelPath, "model", "", "model file (default: the model built into chorus)")
	return cmd
}

// throughput classifies texts repeatedly for at least a second.
func throughput(m *sentiment.Model, texts []string) (int, time.Duration) {
	if len(texts) == 0 {
		return 0, time.Nanosecond
	}
	start := time.Now()
	n := 0
	for time.Since(start) < time.Second {
		for _, t := range texts {
			m.Classify(t)
		}
		n += len(texts)
	}
	return n, time.Since(start)
}

func listenTrainBaseCmd() *cobra.Command {
	var corpus, out string
	var dev bool
	cmd := &cobra.Command{
		Use:   "train-base",
		Short: "Train the built-in sentiment model from the shared data sets",
		Long: "Train the built-in sentiment model from the training parts of the shared data sets (--corpus)\n" +
			"and write it to --out (internal/listen/sentiment/model.bin when run from the repository).\n" +
			"It trains twice: first without the dev parts, printing their scores and calibrating the emotion\n" +
			"offsets on SMP's dev part, then on everything, keeping those offsets. Deterministic: the same\n" +
			"data gives the same file. With --dev, stop after the first (for choosing settings without\n" +
			"touching the test splits) and write nothing.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Minutes of training must not end in an error about --out.
			if !dev {
				if err := checkWritable(out); err != nil {
					return fmt.Errorf("%w (run it from the repository, or give --out)", err)
				}
			}
			w := cmd.OutOrStdout()
			opt := sentiment.DefaultTrainOptions()
			opt.Verbose = func(epoch int, loss float64) { fmt.Fprintf(w, "epoch %d: mean loss %.4f\n", epoch+1, loss) }
			// First without the dev parts: their scores, and the emotion
			// offsets calibrated on SMP's, which the final model takes over.
			held, err := sentiment.LoadCorpora(corpus, true)
			if err != nil {
				return fmt.Errorf("read the shared data in %s (set --corpus): %w", corpus, err)
			}
			fmt.Fprintln(w, "training without the dev parts")
			devModel := sentiment.Train(sentiment.BaseExamples(held), opt)
			for _, c := range held {
				if c.Calibrates {
					before, after := sentiment.Calibrate(devModel, c.Dev)
					fmt.Fprintf(w, "emotion offsets calibrated on %s dev: macro-F1 %.4f → %.4f\n", c.Name, before, after)
				}
			}
			for _, c := range held {
				if len(c.Dev) > 0 {
					mt := c.Score(devModel, c.Dev)
					fmt.Fprintf(w, "dev %-42s %5d  %.4f / %.4f\n", c.Name, mt.N, mt.Accuracy, mt.MacroF1)
				}
			}
			if dev {
				size, err := devModel.WriteTo(io.Discard)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "model file would be about %d bytes\n", size)
				return nil
			}
			corpora, err := sentiment.LoadCorpora(corpus, false)
			if err != nil {
				return err
			}
			for _, c := range corpora {
				fmt.Fprintf(w, "%-42s train %6d  test %5d  (left out of training as test duplicates: %d)\n", c.Name, len(c.Train), len(c.Test), c.Dropped)
			}
			opt.Note = sentiment.BaseNote(corpora)
			m := sentiment.Train(sentiment.BaseExamples(corpora), opt)
			m.CopyOffsets(devModel)
			if err := m.SaveFile(out); err != nil {
				return err
			}
			st, err := os.Stat(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s (%d bytes)\n", out, st.Size())
			return nil
		},
	}
	cmd.Flags().StringVar(&corpus, "corpus", defaultCorpus, "folder of the shared data sets")
	cmd.Flags().StringVar(&out, "out", "internal/listen/sentiment/model.bin", "model file to write")
	cmd.Flags().BoolVar(&dev, "dev", false, "hold out the dev parts and print their scores; write nothing")
	return cmd
}
