package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tensile-ml/tensile/onnx"
)

// ONNX interop commands: export writes a tensile model as ONNX.

func init() {
	register(&command{name: "export", summary: "write a model as ONNX: export MODEL --format onnx --out m.onnx [--opset N]", run: runExport})
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
