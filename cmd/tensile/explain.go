package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/tensile-ml/tensile/explain"
	"github.com/tensile-ml/tensile/textclf"
)

// The explain and visualize commands: attribution heatmaps for a model's
// prediction, and pictures of its layers and graph (package explain).

func init() {
	register(&command{name: "explain", summary: "attribution heatmap: explain MODEL INPUT --method saliency|gradxinput|smoothgrad|ig|gradcam|occlusion [--target C] [--layer NAME] --out heat.png [--report r.json]", run: runExplain})
	register(&command{name: "visualize", summary: "model pictures: visualize MODEL --layer NAME [--input FILE] --out grid.png | visualize MODEL --graph --out model.svg|model.dot", run: runVisualize})
}

func runExplain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stdout)
	method := fs.String("method", "saliency", "saliency, gradxinput, smoothgrad, ig, gradcam or occlusion")
	target := fs.Int("target", -1, "class to explain (default: the predicted class)")
	layer := fs.String("layer", "", "Grad-CAM layer (default: the last Conv2D)")
	steps := fs.Int("steps", 100, "Integrated Gradients steps")
	baseline := fs.Float64("baseline", 0, "Integrated Gradients baseline value (every input value)")
	samples := fs.Int("samples", 25, "SmoothGrad samples")
	noise := fs.Float64("noise", 0.15, "SmoothGrad noise, a fraction of the input range")
	window := fs.Int("window", 4, "occlusion patch size")
	stride := fs.Int("stride", 2, "occlusion stride")
	prob := fs.Bool("probability", false, "explain the class probability instead of its logit")
	out := fs.String("out", "", "heatmap PNG to write (required)")
	report := fs.String("report", "", "JSON report to write")
	scale := fs.Int("scale", 0, "pixels per input pixel in the PNG (default: fit about 256 pixels)")
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New(`want MODEL and INPUT (.png, .jpg, .npy or .csv holding one sample), or TEXT-MODEL and "a sentence"`)
	}
	if err := errors.Join(
		check(*steps >= 1 && *steps <= 10000, "--steps %d: want 1 to 10000", *steps),
		check(*samples >= 1 && *samples <= 1000, "--samples %d: want 1 to 1000", *samples),
		check(*noise > 0 && *noise <= 10, "--noise %g: want a fraction of the input range in (0, 10]", *noise),
		check(*window >= 1 && *stride >= 1, "--window %d and --stride %d: want positive sizes", *window, *stride),
		check(*scale >= 0 && *scale <= 64, "--scale %d: want 0 (automatic) to 64", *scale),
	); err != nil {
		return err
	}
	for _, c := range [][2]string{{"--out", *out}, {"--report", *report}} {
		if c[1] != "" {
			if err := checkOutputPath(c[0], c[1]); err != nil {
				return err
			}
		}
	}
	m, err := loadAny(pos[0])
	if err != nil {
		return err
	}
	if tc, ok, err := textclf.FromModel(m); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	} else if ok {
		return explainText(tc, pos[1], *target, *steps, *out, *report, stdout)
	}
	if *out == "" {
		return errors.New("--out is required (the heatmap PNG to write)")
	}
	e, err := explain.New(m)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if *prob {
		e.Score = explain.Probability
	}
	shape := e.InputShape()
	x, names, err := loadInput(pos[1], shape)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return fmt.Errorf("%s: holds %d samples; give one", pos[1], len(names))
	}
	probs, pred, err := e.Predict(x)
	if err != nil {
		return err
	}
	cls := pred
	if *target >= 0 {
		if *target >= len(probs) {
			return fmt.Errorf("--target %d: the model has %d classes", *target, len(probs))
		}
		cls = *target
	}
	if len(shape) < 2 || len(shape) > 3 {
		return fmt.Errorf("%s: input %v is not an image; explain draws heatmaps over images [H, W, C]", pos[0], shape)
	}
	H, W := shape[0], shape[1]
	rep := map[string]any{"predicted": pred, "probability": probs[pred], "method": *method, "target": cls}
	var heat []float32
	attrMap := func(a []float32) error {
		heat, _, _, err = explain.Heatmap(a, shape)
		return err
	}
	switch *method {
	case "saliency":
		a, err := e.Saliency(x, cls)
		if err != nil {
			return err
		}
		err = attrMap(a)
	case "gradxinput":
		a, err := e.GradientXInput(x, cls)
		if err != nil {
			return err
		}
		err = attrMap(a)
	case "smoothgrad":
		a, err := e.SmoothGrad(x, cls, *samples, *noise, 1)
		if err != nil {
			return err
		}
		err = attrMap(a)
	case "ig":
		b := make([]float32, len(x))
		for i := range b {
			b[i] = float32(*baseline)
		}
		r, err := e.IntegratedGradients(x, b, cls, *steps)
		if err != nil {
			return err
		}
		rep["completeness_error"] = r.CompletenessError
		rep["attribution_sum"] = r.Sum
		rep["score_difference"] = r.Delta
		rep["steps"] = *steps
		fmt.Fprintf(stdout, "integrated gradients: sum %.5g, f(x)-f(baseline) %.5g, completeness error %.3g%%\n", r.Sum, r.Delta, 100*r.CompletenessError)
		err = attrMap(r.Attributions)
	case "gradcam":
		name := *layer
		if name == "" {
			if name = e.LastConv(); name == "" {
				return errors.New("the model has no Conv2D layer; give --layer")
			}
		}
		cam, h, w, err := e.GradCAM(x, cls, name)
		if err != nil {
			return err
		}
		rep["layer"] = name
		heat = explain.Upsample(cam, h, w, H, W)
	case "occlusion":
		heat, err = e.Occlusion(x, cls, *window, *stride, 0)
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("--method %q: want saliency, gradxinput, smoothgrad, ig, gradcam or occlusion", *method)
	}
	if err != nil {
		return err
	}
	// Background: the input, averaged over channels.
	bg := make([]float32, H*W)
	c := len(x) / (H * W)
	for p := range bg {
		for k := 0; k < c; k++ {
			bg[p] += x[p*c+k] / float32(c)
		}
	}
	s := *scale
	if s <= 0 {
		s = max(1, 256/max(H, W))
	}
	var buf bytes.Buffer
	if err := explain.WritePNG(&buf, explain.HeatmapImage(heat, H, W, bg, s)); err != nil {
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "predicted class %d (probability %.4f); %s heatmap of class %d written to %s\n", pred, probs[pred], *method, cls, *out)
	if *report != "" {
		return writeReport(*report, rep)
	}
	return nil
}

func runVisualize(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("visualize", flag.ContinueOnError)
	fs.SetOutput(stdout)
	layer := fs.String("layer", "", "layer to draw: its feature maps for --input, else its conv filters")
	input := fs.String("input", "", "input sample (.png, .jpg, .npy, .csv) for feature maps")
	graph := fs.Bool("graph", false, "draw the model graph (.svg or .dot by --out's extension)")
	out := fs.String("out", "", "file to write (required)")
	cols := fs.Int("cols", 8, "tiles per row")
	scale := fs.Int("scale", 0, "pixels per value (default: tiles of about 64 pixels)")
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want MODEL (a model file, SPEC.json or zoo name)")
	}
	if err := check(*cols >= 1 && *scale >= 0 && *scale <= 64, "--cols %d and --scale %d: want cols ≥ 1 and scale 0 (automatic) to 64", *cols, *scale); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	if err := checkOutputPath("--out", *out); err != nil {
		return err
	}
	m, err := loadAny(pos[0])
	if err != nil {
		return err
	}
	if err := m.Build(nil); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	var buf bytes.Buffer
	if *graph {
		nodes, err := explain.Graph(m)
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".svg":
			err = explain.WriteSVG(&buf, nodes)
		case ".dot", ".gv":
			err = explain.WriteDOT(&buf, m.Name(), nodes)
		default:
			return fmt.Errorf("--out %s: want a .svg or .dot file for --graph", *out)
		}
		if err != nil {
			return err
		}
		if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%d layers)\n", *out, len(nodes))
		return nil
	}
	if *layer == "" {
		return errors.New("give --layer NAME (or --graph)")
	}
	l := m.Layer(*layer)
	if l == nil {
		var names []string
		for _, l := range m.Layers() {
			names = append(names, l.Name())
		}
		return fmt.Errorf("--layer %q: no such layer (layers: %s)", *layer, strings.Join(names, ", "))
	}
	var tiles [][]float32
	var h, w int
	what := "filters"
	if *input != "" {
		e, err := explain.New(m)
		if err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
		x, names, err := loadInput(*input, e.InputShape())
		if err != nil {
			return err
		}
		if len(names) != 1 {
			return fmt.Errorf("%s: holds %d samples; give one", *input, len(names))
		}
		act, shape, err := e.Activations(x, *layer)
		if err != nil {
			return err
		}
		if tiles, h, w, err = explain.FeatureMaps(act, shape); err != nil {
			return fmt.Errorf("--layer %q: %w", *layer, err)
		}
		what = "feature maps"
	} else {
		ps := l.Params()
		if len(ps) == 0 || ps[0].Dims() != 4 {
			return fmt.Errorf("--layer %q (%s) has no conv kernel; give --input to draw its feature maps", *layer, l.ClassName())
		}
		if tiles, h, w, err = explain.Filters(ps[0].Float32s(), ps[0].Shape()); err != nil {
			return err
		}
	}
	s := *scale
	if s <= 0 {
		s = max(1, 64/max(h, w))
	}
	if err := explain.WritePNG(&buf, explain.Grid(tiles, h, w, *cols, s)); err != nil {
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d %s of layer %s, %dx%d each)\n", *out, len(tiles), what, *layer, h, w)
	return nil
}

// explainText prints each token of sentence with its Integrated Gradients
// score for the target class (coloured on a terminal), and writes the same
// as HTML to out when given.
func explainText(c *textclf.Classifier, sentence string, target, steps int, out, report string, stdout io.Writer) error {
	ids, _ := c.Vectorizer.Transform([]string{sentence})
	probs, err := c.PredictProba([]string{sentence})
	if err != nil {
		return err
	}
	pred := 0
	for i, p := range probs[0] {
		if p > probs[0][pred] {
			pred = i
		}
	}
	cls := pred
	if target >= 0 {
		if target >= len(probs[0]) {
			return fmt.Errorf("--target %d: the model has %d classes", target, len(probs[0]))
		}
		cls = target
	}
	r, err := explain.EmbeddingIG(c.Model, ids, cls, steps)
	if err != nil {
		return err
	}
	type tok struct {
		Token string  `json:"token"`
		Score float32 `json:"score"`
	}
	var toks []tok
	var maxAbs float32
	for i, id := range ids {
		if id == 0 {
			continue // padding
		}
		toks = append(toks, tok{c.Vectorizer.Vocab.Token(int(id)), r.Scores[i]})
		maxAbs = max(maxAbs, float32(math.Abs(float64(r.Scores[i]))))
	}
	name := func(k int) string {
		if k < len(c.Classes) {
			return c.Classes[k]
		}
		return fmt.Sprint(k)
	}
	fmt.Fprintf(stdout, "predicted class %s (probability %.4f); token scores for class %s (integrated gradients, completeness error %.3g%%):\n", name(pred), probs[0][pred], name(cls), 100*r.CompletenessError)
	colour := isTerminal(stdout)
	for _, t := range toks {
		if colour && maxAbs > 0 {
			// Green for support of the class, red against; brighter = stronger.
			lvl := int(math.Round(float64(4 * math.Abs(float64(t.Score)) / float64(maxAbs))))
			code := []int{0, 22, 28, 34, 46}[lvl]
			if t.Score < 0 {
				code = []int{0, 52, 88, 124, 196}[lvl]
			}
			fmt.Fprintf(stdout, "  \x1b[48;5;%dm%-20s\x1b[0m %+.5f\n", code, t.Token, t.Score)
		} else {
			fmt.Fprintf(stdout, "  %-20s %+.5f\n", t.Token, t.Score)
		}
	}
	if out != "" {
		var b strings.Builder
		fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tensile explain</title></head><body style=\"font-family:sans-serif;font-size:20px\">\n<p>predicted <b>%s</b> (%.4f); scores for class <b>%s</b></p>\n<p>", html.EscapeString(name(pred)), probs[0][pred], html.EscapeString(name(cls)))
		for _, t := range toks {
			a := float32(0)
			if maxAbs > 0 {
				a = float32(math.Abs(float64(t.Score))) / maxAbs
			}
			rgb := "0,160,0"
			if t.Score < 0 {
				rgb = "220,0,0"
			}
			fmt.Fprintf(&b, "<span title=\"%+.5f\" style=\"background:rgba(%s,%.2f);padding:2px;margin:1px\">%s</span> ", t.Score, rgb, a, html.EscapeString(t.Token))
		}
		b.WriteString("</p>\n</body></html>\n")
		if err := writeFileAtomic(out, []byte(b.String())); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", out)
	}
	if report != "" {
		return writeReport(report, map[string]any{"predicted": pred, "probability": probs[0][pred], "method": "ig", "target": cls,
			"completeness_error": r.CompletenessError, "tokens": toks})
	}
	return nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
