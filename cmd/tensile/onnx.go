package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx"
	"github.com/tensile-ml/tensile/torchweights"
)

// ONNX interop commands: export writes a tensile model as ONNX, import
// converts an ONNX file to a tensile model file; predict and evaluate read
// .onnx files directly through loadModelFile.

func init() {
	register(&command{name: "export", summary: "write a model as ONNX: export MODEL --format onnx --out m.onnx [--opset N]", run: runExport})
	register(&command{name: "import", summary: "convert an ONNX model: import m.onnx --out m.safetensors", run: runImport})
	register(&command{name: "import-weights", summary: "load a PyTorch state dict: import-weights MODEL|SPEC.json state.safetensors --out m.safetensors", run: runImportWeights})
}

func runImportWeights(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import-weights", flag.ContinueOnError)
	out := fs.String("out", "", "tensile model file to write (required)")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New("want MODEL (a model file, SPEC.json or zoo name) and a state dict state.safetensors")
	}
	if *out == "" {
		return errors.New("--out is required (the tensile model file to write)")
	}
	if err := checkOutputPath("--out", *out); err != nil {
		return err
	}
	switch strings.ToLower(filepath.Ext(pos[1])) {
	case ".pt", ".pth", ".ckpt", ".pkl":
		return fmt.Errorf("%s %w", pos[1], torchweights.ErrPickle)
	}
	sd, err := torchweights.ReadFile(pos[1])
	if err != nil {
		return err
	}
	m, err := loadAny(pos[0])
	if err != nil {
		return err
	}
	if err := m.Build(nil); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if err := torchweights.Load(m, sd); err != nil {
		return err
	}
	if err := m.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d tensors from %s into %d parameters)\n", *out, len(sd), pos[1], nn.CountParams(m.Weights()))
	return nil
}

// isONNX reports whether path names an ONNX file.
func isONNX(path string) bool { return strings.EqualFold(filepath.Ext(path), ".onnx") }

// loadModelFile loads a saved tensile model, or imports an .onnx file.
func loadModelFile(path string) (*model.Model, error) {
	if isONNX(path) {
		return onnx.Read(path)
	}
	return model.Load(path)
}

// compileConfigOf returns a model file's compile configuration. An ONNX
// file has none; it is evaluated as a classifier (sparse categorical
// cross-entropy on its outputs, accuracy).
func compileConfigOf(path string) (map[string]any, error) {
	if isONNX(path) {
		return map[string]any{"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": []any{"accuracy"}}, nil
	}
	return model.CompileConfig(path)
}

func runImport(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	out := fs.String("out", "", "tensile model file to write (required), e.g. m.safetensors")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || !isONNX(pos[0]) {
		return errors.New("want one .onnx file")
	}
	if *out == "" {
		return errors.New("--out is required (the tensile model file to write)")
	}
	if err := checkOutputPath("--out", *out); err != nil {
		return err
	}
	m, err := onnx.Read(pos[0])
	if err != nil {
		return err
	}
	if err := m.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d layers, %d parameters; inputs %v)\n", *out, len(m.Layers()), nn.CountParams(m.Params()), m.InputShapes())
	return nil
}

func runExport(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	format := fs.String("format", "onnx", "output format (onnx)")
	out := fs.String("out", "", "output file (required), e.g. model.onnx")
	opset := fs.Int("opset", onnx.DefaultOpset, fmt.Sprintf("ONNX opset version (%d..%d)", onnx.MinOpset, onnx.MaxOpset))
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want one MODEL: a saved model file, SPEC.json or a zoo name")
	}
	if *format != "onnx" {
		return fmt.Errorf("--format %q: only onnx is supported", *format)
	}
	if *out == "" {
		return errors.New("--out is required (the .onnx file to write)")
	}
	if *opset < onnx.MinOpset || *opset > onnx.MaxOpset {
		return fmt.Errorf("--opset %d: want %d..%d", *opset, onnx.MinOpset, onnx.MaxOpset)
	}
	if err := checkOutputPath("--out", *out); err != nil {
		return err
	}
	m, err := loadAny(pos[0])
	if err != nil {
		return err
	}
	if err := onnx.Save(m, *out, onnx.ExportOptions{Opset: *opset}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (ONNX opset %d)\n", *out, *opset)
	return nil
}
