package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
}

// loadData loads the data set a --data flag names:
//   - "mnist" or "mnist:train", "mnist:test": the embedded MNIST sets;
//   - a directory: an image folder with one sub-folder per class;
//   - FILE.csv: features and a label column (the last by default);
//   - FILE.npz: arrays x/y (or x_train/y_train, data/labels, ...);
//   - FILE.npy with --labels LABELS.npy;
//   - IDX files (.idx, *-ubyte, optionally .gz) with --labels.
func loadData(f dataFlags) (*data.Dataset, error) {
	p := f.path
	switch p {
	case "":
		return nil, fmt.Errorf("missing --data")
	case "mnist", "mnist:train", "mnist:test":
		train, test, err := mnist.Load()
		if err != nil {
			return nil, err
		}
		if p == "mnist:test" {
			return test, nil
		}
		return train, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		opt := data.ImageOptions{Grayscale: f.grayscale}
		if f.imageSize != "" {
			if _, err := fmt.Sscanf(f.imageSize, "%dx%d", &opt.Height, &opt.Width); err != nil {
				return nil, fmt.Errorf("--image-size %q: want HxW, e.g. 28x28", f.imageSize)
			}
		}
		ds, _, err := data.LoadImageFolder(p, opt)
		return ds, err
	}
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(p)), ".gz")
	switch {
	case strings.HasSuffix(name, ".csv"):
		return data.LoadCSV(p, data.CSVOptions{LabelColumn: f.labelCol})
	case strings.HasSuffix(name, ".npz"):
		return data.LoadNPZDataset(p, "", "")
	case strings.HasSuffix(name, ".npy"):
		if f.labels == "" {
			return nil, fmt.Errorf("%s: a .npy input needs --labels LABELS.npy", p)
		}
		return data.LoadNPYDataset(p, f.labels)
	case strings.HasSuffix(name, ".idx") || strings.Contains(name, "-ubyte") || strings.Contains(name, "idx"):
		if f.labels == "" {
			return nil, fmt.Errorf("%s: IDX images need --labels LABELS-idx1-ubyte", p)
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

// alignClasses renumbers ds's class-id labels by name to the ids m was
// trained with: loaders number text labels and folders per file, so an
// evaluation file holding only some classes would otherwise get other ids.
// A class the model does not know is an error naming it.
func alignClasses(m *model.Model, ds *data.Dataset, path string) error {
	names := modelClasses(m)
	if names == nil || len(ds.Classes) == 0 || ds.LabelSize() != 1 {
		return nil
	}
	id := make(map[string]int, len(names))
	for i, n := range names {
		id[n] = i
	}
	remap := make([]float32, len(ds.Classes))
	for i, n := range ds.Classes {
		j, ok := id[n]
		if !ok {
			return fmt.Errorf("%s: class %q is not one the model was trained on %q", path, n, names)
		}
		remap[i] = float32(j)
	}
	for i, y := range ds.Y {
		if k := int(y); float32(k) == y && k >= 0 && k < len(remap) {
			ds.Y[i] = remap[k]
		}
	}
	ds.Classes = names
	return nil
}
