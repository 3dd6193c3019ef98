package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tensile-ml/tensile/internal/atomicfile"
	"github.com/tensile-ml/tensile/model"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/datasets/mnist"
)

// dataFlags are the flags that name a data set, shared by train and
// evaluate.
type dataFlags struct {
	path      string // --data
	labels    string // --labels (for .npy and IDX inputs)
	labelCol  string // --label-column (CSV)
	imageSize string // --image-size HxW (image folders)
	grayscale bool   // --grayscale (image folders)
	xKey      string // --x-key (.npz)
	yKey      string // --y-key (.npz)

	dataFlag   string // the flag that gave path, for errors: "--data" when empty
	labelsFlag string // the flag that gave labels: "--labels" when empty
	// heldOut marks data used for evaluation (evaluate --data, train
	// --test-data): there a bare "mnist" names the test set, so that it
	// never scores a model on the images it was trained on.
	heldOut bool
}

// add registers the data flags on fs.
func (f *dataFlags) add(fs *flag.FlagSet, dataUsage string) {
	fs.StringVar(&f.path, "data", "", dataUsage)
	fs.StringVar(&f.labels, "labels", "", "labels file for .npy or IDX data")
	fs.StringVar(&f.labelCol, "label-column", "", "CSV label column: name or index (default: last)")
	fs.StringVar(&f.imageSize, "image-size", "", "resize images to HxW (image folders)")
	fs.BoolVar(&f.grayscale, "grayscale", false, "load images as one channel (image folders)")
	fs.StringVar(&f.xKey, "x-key", "", ".npz member holding the samples (default: x, x_train, data, ...)")
	fs.StringVar(&f.yKey, "y-key", "", ".npz member holding the labels (default: the x key's usual partner)")
}

// dataFormat names the format of a --data path: "mnist", "folder", "csv",
// "npz", "npy", "idx" or "" (unknown).
func dataFormat(p string) string {
	switch p {
	case "mnist", "mnist:train", "mnist:test":
		return "mnist"
	}
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return "folder"
	}
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(p)), ".gz")
	switch {
	case strings.HasSuffix(name, ".csv"):
		return "csv"
	case strings.HasSuffix(name, ".npz"):
		return "npz"
	case strings.HasSuffix(name, ".npy"):
		return "npy"
	case strings.HasSuffix(name, ".idx") || strings.Contains(name, "-ubyte") || strings.Contains(name, "idx"):
		return "idx"
	}
	return ""
}

// checkFlags rejects flags that would do nothing with f's data format, so
// that a mistyped command fails instead of silently ignoring them.
func (f dataFlags) checkFlags() error {
	dataFlag, labelsFlag := cmp.Or(f.dataFlag, "--data"), cmp.Or(f.labelsFlag, "--labels")
	format := dataFormat(f.path)
	what := map[string]string{"mnist": "the embedded MNIST", "folder": "an image folder", "csv": "CSV", "npz": ".npz", "npy": ".npy", "idx": "IDX", "": "this"}[format]
	type use struct {
		flag, formats, want string
		set                 bool
	}
	for _, u := range []use{
		{labelsFlag, "npy idx", ".npy and IDX data", f.labels != ""},
		{"--label-column", "csv", "CSV data", f.labelCol != ""},
		{"--image-size", "folder", "image folders", f.imageSize != ""},
		{"--grayscale", "folder", "image folders", f.grayscale},
		{"--x-key", "npz", ".npz data", f.xKey != ""},
		{"--y-key", "npz", ".npz data", f.yKey != ""},
	} {
		if u.set && format != "" && !slices.Contains(strings.Fields(u.formats), format) {
			return fmt.Errorf("%s applies to %s; %s %s is %s data", u.flag, u.want, dataFlag, f.path, what)
		}
	}
	if f.yKey != "" && f.xKey == "" {
		return fmt.Errorf("--y-key %s: name the samples too, with --x-key", f.yKey)
	}
	return nil
}

// loadData loads the data set a --data flag names:
//   - "mnist:train", "mnist:test": the embedded MNIST sets; a bare "mnist"
//     is the training set, or the test set where f.heldOut is set;
//   - a directory: an image folder with one sub-folder per class;
//   - FILE.csv: features and a label column (the last by default);
//   - FILE.npz: arrays x/y (or x_train/y_train, data/labels, ...), or
//     those --x-key and --y-key name;
//   - FILE.npy with --labels LABELS.npy;
//   - IDX files (.idx, *-ubyte, optionally .gz) with --labels.
func loadData(f dataFlags) (*data.Dataset, error) {
	p := f.path
	dataFlag, labelsFlag := cmp.Or(f.dataFlag, "--data"), cmp.Or(f.labelsFlag, "--labels")
	if p == "" {
		return nil, fmt.Errorf("missing %s", dataFlag)
	}
	if err := f.checkFlags(); err != nil {
		return nil, err
	}
	switch dataFormat(p) {
	case "mnist":
		train, test, err := mnist.Load()
		if err != nil {
			return nil, err
		}
		if p == "mnist:test" || (p == "mnist" && f.heldOut) {
			return test, nil
		}
		return train, nil
	case "folder":
		opt := data.ImageOptions{Grayscale: f.grayscale}
		if f.imageSize != "" {
			var extra string
			if n, _ := fmt.Sscanf(f.imageSize+" .", "%dx%d %s", &opt.Height, &opt.Width, &extra); n != 3 || extra != "." || opt.Height < 1 || opt.Width < 1 {
				return nil, fmt.Errorf("--image-size %q: want HxW with positive sizes, e.g. 28x28", f.imageSize)
			}
		}
		ds, _, err := data.LoadImageFolder(p, opt)
		return ds, err
	}
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("%s %s: %w", dataFlag, p, errors.Unwrap(err))
	}
	switch dataFormat(p) {
	case "csv":
		return data.LoadCSV(p, data.CSVOptions{LabelColumn: f.labelCol})
	case "npz":
		return data.LoadNPZDataset(p, f.xKey, f.yKey)
	case "npy":
		if f.labels == "" {
			return nil, fmt.Errorf("%s: a .npy input needs %s LABELS.npy", p, labelsFlag)
		}
		return data.LoadNPYDataset(p, f.labels)
	case "idx":
		if f.labels == "" {
			return nil, fmt.Errorf("%s: IDX images need %s LABELS-idx1-ubyte", p, labelsFlag)
		}
		return data.LoadIDXDataset(p, f.labels)
	}
	return nil, fmt.Errorf("%s: unknown data format (want a directory of class folders, .csv, .npz, .npy or IDX)", p)
}

// writeFileAtomic writes b to path through a synced temporary file and a
// rename, so a crash never leaves a half-written file.
func writeFileAtomic(path string, b []byte) error { return atomicfile.WriteFile(path, b) }

// writeReport writes v as indented JSON to path (atomically); an empty path
// writes nothing.
func writeReport(path string, v any) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// checkOutputPath fails early, before any training, when path's directory
// does not exist; an empty path is fine.
func checkOutputPath(flagName, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s %s: directory %s does not exist", flagName, path, dir)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s %s: %s is not a directory", flagName, path, dir)
	}
	return nil
}

// metaClasses is the model-file metadata key holding the class names a
// model was trained with (from a CSV's text labels or an image folder's
// sub-folders), in class-id order.
const metaClasses = "classes"

// recordClasses stores ds's class names in m, so that evaluation data whose
// files name the classes differently (another subset, another order) can be
// mapped onto the same ids.
func recordClasses(m *model.Model, ds *data.Dataset) error {
	if len(ds.Classes) == 0 {
		return nil
	}
	b, err := json.Marshal(ds.Classes)
	if err != nil {
		return err
	}
	return m.SetMetadata(metaClasses, b)
}

// modelClasses returns the class names stored by recordClasses, or nil.
func modelClasses(m *model.Model) []string {
	b, ok := m.Metadata(metaClasses)
	if !ok {
		return nil
	}
	var names []string
	if json.Unmarshal(b, &names) != nil {
		return nil
	}
	return names
}

// alignClasses renumbers ds's class-id labels to the ids m was trained
// with, by name: loaders number text labels and folders per file, so an
// evaluation file holding only some classes would otherwise get other ids.
// When only one side has names, numeric labels are matched to class names
// that are numbers (an image folder of "0".."9" against MNIST's ids);
// anything else that cannot be matched is an error naming the class, never
// a silent misnumbering.
func alignClasses(m *model.Model, ds *data.Dataset, path string) error {
	names := modelClasses(m)
	if ds.LabelSize() != 1 || (names == nil && len(ds.Classes) == 0) {
		return nil
	}
	if names == nil {
		// The model learnt numeric ids; the data names its classes.
		remap := make([]float32, len(ds.Classes))
		for i, n := range ds.Classes {
			k, err := strconv.Atoi(n)
			if err != nil || k < 0 {
				return fmt.Errorf("%s: the data names its classes %q, but the model was trained on numeric class ids: give numeric labels", path, ds.Classes)
			}
			remap[i] = float32(k)
		}
		relabel(ds, remap)
		ds.Classes = nil
		return nil
	}
	id := make(map[string]int, len(names))
	for i, n := range names {
		id[n] = i
	}
	if len(ds.Classes) == 0 {
		// The model knows class names; the data has numeric labels. They
		// match only names that are those numbers.
		for i, y := range ds.Y {
			k := int(y)
			j, ok := id[strconv.Itoa(k)]
			if float32(k) != y || !ok {
				return fmt.Errorf("%s: sample %d has the numeric label %v, but the model's classes are named %q: label the data with these names", path, i, y, names)
			}
			ds.Y[i] = float32(j)
		}
		ds.Classes = names
		return nil
	}
	remap := make([]float32, len(ds.Classes))
	for i, n := range ds.Classes {
		j, ok := id[n]
		if !ok {
			return fmt.Errorf("%s: class %q is not one the model was trained on %q", path, n, names)
		}
		remap[i] = float32(j)
	}
	relabel(ds, remap)
	ds.Classes = names
	return nil
}

// relabel maps every class-id label k of ds to remap[k].
func relabel(ds *data.Dataset, remap []float32) {
	for i, y := range ds.Y {
		if k := int(y); float32(k) == y && k >= 0 && k < len(remap) {
			ds.Y[i] = remap[k]
		}
	}
}

// withLabelSource adds to a training or evaluation error about labels (a
// class id out of range) where the labels came from, e.g. which CSV column
// was taken as the label.
func withLabelSource(err error, f dataFlags) error {
	if err == nil || !strings.Contains(err.Error(), "class id") {
		return err
	}
	var src string
	switch dataFormat(f.path) {
	case "csv":
		col := "the last column"
		if f.labelCol != "" {
			col = "column " + f.labelCol
		}
		src = fmt.Sprintf("the labels are %s of %s (--label-column)", col, f.path)
	case "npy", "idx":
		src = "the labels are " + f.labels
	case "npz":
		src = "the labels are " + cmp.Or(f.yKey, "the y array") + " of " + f.path
	default:
		return err
	}
	return fmt.Errorf("%w; %s", err, src)
}
