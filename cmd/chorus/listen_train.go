package main

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/listen/sentiment"
)

func listenTrainCmd(cfg *config.Config) *cobra.Command {
	var in, slug, out string
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Retrain a workspace's sentiment model from its labelled examples",
		Long: "Fine-tune the workspace's current sentiment model (its own, else the built-in one) on a CSV file of\n" +
			"labelled examples (columns text,label; label positive, neutral or negative), such as the corrections\n" +
			"exported from the mentions page. 20 % of the rows are held out; the new model becomes the workspace's\n" +
			"own only when its held-out macro-F1 is not worse than the current model's. It is kept in the database,\n" +
			"so every node applies it to the workspace's posts from its next batch. --out also writes it to a file,\n" +
			"for chorus sentiment --model.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(in)
			if err != nil {
				return err
			}
			examples, err := sentiment.ReadLabelledCSV(bufio.NewReader(f))
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			// Before anything is stored: a model kept for the workspace
			// must not end in an error about --out.
			if out != "" {
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
				if err := checkWritable(out); err != nil {
					return err
				}
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			return withApp(cfg, log, func(cmd *cobra.Command, a *app) error {
				ctx := cmd.Context()
				ws, err := workspaceBySlug(ctx, a, slug)
				if err != nil {
					return err
				}
				_, own, err := a.listen.CurrentModel(ctx, ws.ID)
				if err != nil {
					return err
				}
				current := "built-in"
				if own {
					current = "the workspace's own"
				}
				m, rep, err := a.listen.Retrain(ctx, ws.ID, examples, sentiment.TrainOptions{})
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "trained on %d rows, held out %d\n", rep.Train, rep.HeldOut)
				fmt.Fprintf(w, "current model (%s): macro-F1 %.4f, accuracy %.4f\n", current, rep.Current.MacroF1, rep.Current.Accuracy)
				fmt.Fprintf(w, "new model:     macro-F1 %.4f, accuracy %.4f\n", rep.New.MacroF1, rep.New.Accuracy)
				if !rep.Better {
					fmt.Fprintln(w, "kept the current model: the new one scores worse on the held-out rows")
					return nil
				}
				fmt.Fprintf(w, "the new model is now workspace %s's: every node applies it from its next batch\n", slug)
				if out == "" {
					return nil
				}
				if err := m.SaveFile(out); err != nil {
					return err
				}
				fmt.Fprintf(w, "wrote the new model to %s\n", out)
				return nil
			})(cmd, args)
		},
	}
	cmd.Flags().StringVar(&slug, "workspace", "", "the workspace (slug) whose model to retrain (required)")
	cmd.Flags().StringVar(&in, "in", "", "CSV file of labelled examples, columns text,label (required)")
	cmd.Flags().StringVar(&out, "out", "", "also write the new model to this file")
	_ = cmd.MarkFlagRequired("workspace")
	_ = cmd.MarkFlagRequired("in")
	return cmd
}

// checkWritable makes sure a model file can be written at path (an existing
// folder that takes a new file, and no folder at path itself) before the
// work that makes it.
func checkWritable(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("--out %s is a folder; name the model file", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".model-*.tmp")
	if err != nil {
		return fmt.Errorf("--out %s cannot be written: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
