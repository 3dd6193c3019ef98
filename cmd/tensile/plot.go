package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tensile-ml/tensile/dashboard"
	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/internal/floats"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/plot"
)

func init() {
	register(&command{name: "plot", summary: "draw training curves: plot report.json|history.csv --out curves.png|.svg|.pdf", run: runPlot})
}

func runPlot(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	out := fs.String("out", "", "picture to write: .png, .svg or .pdf")
	title := fs.String("title", "", "title (default: the input file's name)")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want one report .json (tensile train --report) or CSVLogger .csv file")
	}
	if err := checkPlotPath("--out", *out); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out FILE is required")
	}
	s, err := plot.ReadFile(pos[0])
	if err != nil {
		return err
	}
	if *title == "" {
		*title = filepath.Base(pos[0])
	}
	if err := plot.Curves(*out, *title, s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

// checkPlotPath checks a picture path flag before any work is done.
func checkPlotPath(flagName, path string) error {
	if path == "" {
		return nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".svg", ".pdf":
	default:
		return fmt.Errorf("%s %s: want a .png, .svg or .pdf file", flagName, path)
	}
	return checkOutputPath(flagName, path)
}

// trainWatch is what train's --dashboard and --plot add to a Fit.
type trainWatch struct {
	callbacks []model.Callback
	dash      *dashboard.Dashboard
	plotPath  string
	title     string
	stdout    io.Writer
}

// startWatch starts the live dashboard (when dashAddr is set) and checks
// the --plot path, before training starts.
func startWatch(dashAddr, plotPath, title string, cfg model.FitConfig, samples int, stdout io.Writer) (*trainWatch, error) {
	if err := checkPlotPath("--plot", plotPath); err != nil {
		return nil, err
	}
	w := &trainWatch{plotPath: plotPath, title: title, stdout: stdout}
	if dashAddr != "" {
		d, err := dashboard.Listen(dashAddr, dashboard.Options{Title: "tensile train " + title, Epochs: cfg.Epochs, Samples: samples, BatchSize: cfg.BatchSize})
		if err != nil {
			return nil, fmt.Errorf("--dashboard %s: %w", dashAddr, err)
		}
		fmt.Fprintf(stdout, "dashboard: http://%s/\n", d.Addr())
		w.dash = d
		w.callbacks = append(w.callbacks, d)
	}
	return w, nil
}

// finish draws the curves of a finished training.
func (w *trainWatch) finish(h *model.History) error {
	if w.plotPath == "" {
		return nil
	}
	if err := plot.Curves(w.plotPath, w.title, plot.FromHistory(h)); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	fmt.Fprintf(w.stdout, "wrote %s\n", w.plotPath)
	return nil
}

func (w *trainWatch) close() {
	if w.dash != nil {
		w.dash.Close()
	}
}

// plotConfusion draws evaluate's --plot confusion matrix of m on ds.
func plotConfusion(path string, m *model.Model, ds *data.Dataset, stdout io.Writer) error {
	if path == "" {
		return nil
	}
	out := m.OutputShapes()
	if len(out) != 1 || len(out[0]) != 1 || out[0][0] < 2 {
		return fmt.Errorf("--plot %s: a confusion matrix needs a classifier with one [classes] output, this model gives %v", path, out)
	}
	k := out[0][0]
	pred, err := m.Predict(ds, model.EvalConfig{BatchSize: 256, Verbose: model.VerboseSilent})
	if err != nil {
		return err
	}
	p := pred.Data()
	ls := ds.LabelSize()
	if ls != 1 && ls != k {
		return fmt.Errorf("--plot %s: labels of size %d fit neither class ids nor %d one-hot classes", path, ls, k)
	}
	labels, preds := make([]int, ds.N), make([]int, ds.N)
	for i := range ds.N {
		preds[i] = floats.ArgMax(p[i*k : (i+1)*k])
		if ls == 1 {
			labels[i] = int(ds.Y[i])
		} else {
			labels[i] = floats.ArgMax(ds.Y[i*k : (i+1)*k])
		}
	}
	cm, err := plot.Confusion(labels, preds, k)
	if err != nil {
		return err
	}
	if err := plot.ConfusionMatrix(path, fmt.Sprintf("confusion matrix (%d samples)", ds.N), cm, modelClasses(m)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}
