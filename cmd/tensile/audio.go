package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tensile-ml/tensile/audio"
	"github.com/tensile-ml/tensile/internal/cputime"
	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/speech"
)

func init() {
	register(&command{name: "train-audio", summary: "train a speech model on WAV files: train-audio --data DIR [--arch cnn|crnn] [--split fsdd|folders] [--ctc]", run: runTrainAudio})
}

// audioReport is the JSON that train-audio --report writes.
type audioReport struct {
	Arch          string             `json:"arch"`
	CTC           bool               `json:"ctc,omitempty"`
	Split         string             `json:"split"`
	Classes       []string           `json:"classes"`
	Params        int                `json:"params"`
	Epochs        int                `json:"epochs"`
	Seed          uint64             `json:"seed"`
	Threads       int                `json:"threads"`
	TrainSamples  int                `json:"train_samples"`
	TestSamples   int                `json:"test_samples"`
	TrainSeconds  float64            `json:"train_seconds"`
	TestAccuracy  *float64           `json:"test_accuracy,omitempty"`
	TestDER       *float64           `json:"test_digit_error_rate,omitempty"`
	TestDERBeam   *float64           `json:"test_digit_error_rate_beam,omitempty"`
	TestDigits    int                `json:"test_digits,omitempty"`
	SpeakerAcc    map[string]float64 `json:"leave_one_speaker_out,omitempty"`
	SpeakerMean   *float64           `json:"leave_one_speaker_out_mean,omitempty"`
	Examples      []ctcExample       `json:"examples,omitempty"`
	Output        string             `json:"output,omitempty"`
	TrainAccuracy *float64           `json:"train_accuracy,omitempty"`
	TrainLoss     *float64           `json:"train_loss,omitempty"`
}

type ctcExample struct {
	Truth   string `json:"truth"`
	Decoded string `json:"decoded"`
}

type labelled struct {
	waves  [][]float32
	labels []int
}

func loadLabelled(clips []speech.Clip, rate int) (labelled, error) {
	w, err := speech.LoadMono(clips, rate)
	if err != nil {
		return labelled{}, err
	}
	l := make([]int, len(clips))
	for i, c := range clips {
		l[i] = c.Label
	}
	return labelled{w, l}, nil
}

func runTrainAudio(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train-audio", flag.ContinueOnError)
	dir := fs.String("data", "", "folder of WAVs: FSDD-style names {digit}_{speaker}_{take}.wav, or class sub-folders")
	split := fs.String("split", "", "fsdd (takes 0-4 test) or folders (class sub-folders, --test-fraction held out); default: fsdd when the names parse")
	testFrac := fs.Float64("test-fraction", 0.1, "--split folders: fraction of the files held out for testing")
	arch := fs.String("arch", "cnn", "classifier: cnn or crnn")
	ctc := fs.Bool("ctc", false, "train a CTC recogniser of spoken digit strings (3-7 joined clips) instead of a classifier")
	loso := fs.Bool("loso", false, "leave-one-speaker-out: train once per FSDD speaker, test on that speaker, report the mean")
	epochs := fs.Int("epochs", 0, "training epochs (default 12, CTC 15)")
	batch := fs.Int("batch-size", 32, "batch size")
	lr := fs.Float64("lr", 2e-3, "Adam learning rate (quartered for the last third of the epochs)")
	seed := fs.Uint64("seed", 1, "random seed (weights, shuffling, augmentation)")
	noAug := fs.Bool("no-augment", false, "classifiers: train without augmentation")
	seconds := fs.Float64("seconds", 0, "input length in seconds (default 1, CTC 4.5)")
	rate := fs.Int("sample-rate", 8000, "audio is resampled to this rate")
	strs := fs.Int("strings", 2000, "CTC: training strings per epoch")
	testStrs := fs.Int("test-strings", 300, "CTC: test strings")
	beam := fs.Int("beam", 8, "CTC: beam width for the beam-search figure")
	out := fs.String("out", "", "save the model (weights + feature settings + classes) to FILE")
	reportPath := fs.String("report", "", "write a JSON report to FILE")
	threads := fs.Int("threads", 0, "worker threads (0: all cores)")
	verbose := fs.Int("verbose", 2, "0 silent, 1 progress bar, 2 one line per epoch")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("unexpected argument %q (the data comes from --data)", pos[0])
	}
	if err := errors.Join(checkOutputPath("--out", *out), checkOutputPath("--report", *reportPath)); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--data DIR is required")
	}
	switch {
	case *lr <= 0:
		return errors.New("--lr must be positive")
	case *epochs < 0:
		return errors.New("--epochs must not be negative")
	case *batch <= 0:
		return errors.New("--batch-size must be positive")
	case *seconds < 0 || *seconds > 60:
		return errors.New("--seconds must be in (0, 60]")
	case *rate < 1000 || *rate > 192000:
		return errors.New("--sample-rate must be in [1000, 192000]")
	case *testFrac <= 0 || *testFrac >= 1:
		return errors.New("--test-fraction must be in (0, 1)")
	case *strs < 1 || *testStrs < 1:
		return errors.New("--strings and --test-strings must be positive")
	}
	if *arch != "cnn" && *arch != "crnn" {
		return fmt.Errorf("--arch %q: want cnn or crnn", *arch)
	}
	if err := setThreads(*threads); err != nil {
		return err
	}
	verb := []model.Verbosity{model.VerboseSilent, model.VerboseBar, model.VerboseEpoch}[min(max(*verbose, 0), 2)]

	// The data: FSDD names or class folders.
	var clips []speech.Clip
	classes := speech.DigitClasses
	if *split == "" {
		*split = "folders"
		if c, err := speech.ListFSDD(*dir); err == nil {
			clips, *split = c, "fsdd"
		}
	}
	var train, test []speech.Clip
	switch *split {
	case "fsdd":
		if clips == nil {
			if clips, err = speech.ListFSDD(*dir); err != nil {
				return fmt.Errorf("--split fsdd: %w", err)
			}
		}
		train, test = speech.SplitFSDD(clips)
	case "folders":
		if *ctc || *loso {
			return errors.New("--ctc and --loso need FSDD-style names (--split fsdd)")
		}
		if clips, classes, err = speech.ListFolders(*dir); err != nil {
			return err
		}
		perm := rand.New(rand.NewPCG(*seed, 0xf01d)).Perm(len(clips))
		nTest := max(1, int(float64(len(clips))**testFrac))
		for i, j := range perm {
			if i < nTest {
				test = append(test, clips[j])
			} else {
				train = append(train, clips[j])
			}
		}
	default:
		return fmt.Errorf("--split %q: want fsdd or folders", *split)
	}
	if len(train) == 0 || len(test) == 0 {
		return fmt.Errorf("%s: the split leaves %d training and %d test files", *dir, len(train), len(test))
	}
	rep := audioReport{Arch: *arch, CTC: *ctc, Split: *split, Classes: classes, Epochs: *epochs, Seed: *seed, Threads: parallel.Threads()}
	if *ctc {
		rep.Arch = "crnn-ctc"
		return trainCTC(train, test, classes, *rate, *seconds, *epochs, *batch, *lr, *seed, *strs, *testStrs, *beam, verb, *out, *reportPath, rep, stdout)
	}
	cfg := speech.Config{Arch: *arch, Epochs: *epochs, BatchSize: *batch, LearningRate: float32(*lr), Seed: *seed,
		Seconds: *seconds, SampleRate: *rate, NoAugment: *noAug, Verbose: verb, Output: stdout}
	if *loso {
		return leaveOneSpeakerOut(clips, classes, cfg, *reportPath, rep, stdout)
	}
	tr, err := loadLabelled(train, *rate)
	if err != nil {
		return err
	}
	te, err := loadLabelled(test, *rate)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d training and %d test clips (%s split), %d classes; training %s\n", len(train), len(test), *split, len(classes), *arch)
	start := time.Now()
	r, hist, err := speech.Train(tr.waves, tr.labels, classes, cfg)
	if err != nil {
		return err
	}
	rep.TrainSeconds = time.Since(start).Seconds()
	acc, err := r.Accuracy(te.waves, te.labels)
	if err != nil {
		return err
	}
	_, rep.Params = r.Model.CountParams()
	rep.Epochs = len(hist.Epochs)
	rep.TrainSamples, rep.TestSamples, rep.TestAccuracy = len(train), len(test), &acc
	rep.TrainLoss, rep.TrainAccuracy = finite(hist.Last("loss")), finite(hist.Last("sparse_categorical_accuracy"))
	fmt.Fprintf(stdout, "trained in %.1fs; test accuracy %.4f (%d clips)\n", rep.TrainSeconds, acc, len(test))
	if *out != "" {
		if err := r.Save(*out); err != nil {
			return err
		}
		rep.Output = *out
		fmt.Fprintf(stdout, "saved %s\n", *out)
	}
	return writeReport(*reportPath, rep)
}

func leaveOneSpeakerOut(clips []speech.Clip, classes []string, cfg speech.Config, reportPath string, rep audioReport, stdout io.Writer) error {
	speakers := speech.Speakers(clips)
	if len(speakers) < 2 {
		return fmt.Errorf("--loso needs at least 2 speakers, the data has %d", len(speakers))
	}
	all, err := loadLabelled(clips, cfg.SampleRate)
	if err != nil {
		return err
	}
	rep.SpeakerAcc = map[string]float64{}
	start := time.Now()
	var sum float64
	for _, sp := range speakers {
		var tr, te labelled
		for i, c := range clips {
			if c.Speaker == sp {
				te.waves, te.labels = append(te.waves, all.waves[i]), append(te.labels, all.labels[i])
			} else {
				tr.waves, tr.labels = append(tr.waves, all.waves[i]), append(tr.labels, all.labels[i])
			}
		}
		fmt.Fprintf(stdout, "speaker %s held out: %d training, %d test clips\n", sp, len(tr.waves), len(te.waves))
		r, _, err := speech.Train(tr.waves, tr.labels, classes, cfg)
		if err != nil {
			return err
		}
		acc, err := r.Accuracy(te.waves, te.labels)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "speaker %s: accuracy %.4f\n", sp, acc)
		rep.SpeakerAcc[sp] = acc
		sum += acc
	}
	mean := sum / float64(len(speakers))
	rep.SpeakerMean = &mean
	rep.TrainSeconds = time.Since(start).Seconds()
	rep.TrainSamples, rep.TestSamples = len(clips), len(clips)
	fmt.Fprintf(stdout, "leave-one-speaker-out mean accuracy %.4f over %d speakers (%.0fs)\n", mean, len(speakers), rep.TrainSeconds)
	return writeReport(reportPath, rep)
}

func digitsString(classes []string, ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(classes[id])
	}
	return b.String()
}

func trainCTC(train, test []speech.Clip, classes []string, rate int, seconds float64, epochs, batch int, lr float64, seed uint64,
	nStr, nTest, beam int, verb model.Verbosity, out, reportPath string, rep audioReport, stdout io.Writer) error {
	tr, err := loadLabelled(train, rate)
	if err != nil {
		return err
	}
	te, err := loadLabelled(test, rate)
	if err != nil {
		return err
	}
	cfg := speech.CTCConfig{Epochs: epochs, Strings: nStr, BatchSize: batch, LearningRate: float32(lr), Seed: seed,
		Seconds: seconds, SampleRate: rate, Verbose: verb, Output: stdout}
	fmt.Fprintf(stdout, "CTC: strings of 3-7 digits from %d training clips, tested on %d strings from %d test clips\n", len(train), nTest, len(test))
	start := time.Now()
	r, hist, err := speech.TrainCTC(tr.waves, tr.labels, classes, cfg)
	if err != nil {
		return err
	}
	rep.TrainSeconds = time.Since(start).Seconds()
	rep.Epochs = len(hist.Epochs)
	rep.TrainLoss = finite(hist.Last("loss"))
	// Test strings from test takes only, with a fixed seed.
	trimmed := make([][]float32, len(te.waves))
	for i, w := range te.waves {
		trimmed[i] = speech.TrimSilence(w, rate)
	}
	waves, refs, err := speech.Strings(trimmed, te.labels, nTest, rate, r.Settings.Samples, speech.StringConfig{}, rand.New(rand.NewPCG(seed+1000, 0x7e57)))
	if err != nil {
		return err
	}
	greedy, err := r.Transcribe(waves, 1)
	if err != nil {
		return err
	}
	der := speech.ErrorRate(greedy, refs)
	rep.TestDER = &der
	if beam > 1 {
		bs, err := r.Transcribe(waves, beam)
		if err != nil {
			return err
		}
		derB := speech.ErrorRate(bs, refs)
		rep.TestDERBeam = &derB
		fmt.Fprintf(stdout, "beam search (width %d): digit error rate %.4f\n", beam, derB)
	}
	_, rep.Params = r.Model.CountParams()
	rep.TrainSamples, rep.TestSamples = nStr*rep.Epochs, nTest
	for _, ref := range refs {
		rep.TestDigits += len(ref)
	}
	for i := 0; i < min(8, len(refs)); i++ {
		rep.Examples = append(rep.Examples, ctcExample{Truth: digitsString(classes, refs[i]), Decoded: digitsString(classes, greedy[i])})
		fmt.Fprintf(stdout, "  truth %-8s decoded %s\n", digitsString(classes, refs[i]), digitsString(classes, greedy[i]))
	}
	fmt.Fprintf(stdout, "trained in %.1fs; greedy digit error rate %.4f (%d strings, %d digits)\n", rep.TrainSeconds, der, nTest, rep.TestDigits)
	if out != "" {
		if err := r.Save(out); err != nil {
			return err
		}
		rep.Output = out
		fmt.Fprintf(stdout, "saved %s\n", out)
	}
	return writeReport(reportPath, rep)
}

// predictAudio handles predict for a speech model: each argument is a WAV
// file. ok is false for other models.
func predictAudio(m *model.Model, modelPath string, files []string, asJSON bool, stdout io.Writer) (ok bool, err error) {
	r, ok, err := speech.FromModel(m)
	if !ok {
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("%s: %w", modelPath, err)
	}
	if len(files) == 0 {
		return true, errors.New("want at least one WAV file")
	}
	waves := make([][]float32, len(files))
	for i, f := range files {
		if waves[i], err = speech.ReadMono(f, r.Settings.Features.SampleRate); err != nil {
			return true, err
		}
	}
	type result struct {
		File string `json:"file"`
		speech.Prediction
		Text string `json:"text,omitempty"`
	}
	var res []result
	if r.Settings.CTC {
		ids, err := r.Transcribe(waves, 8)
		if err != nil {
			return true, err
		}
		for i, f := range files {
			res = append(res, result{File: f, Text: digitsString(r.Settings.Classes, ids[i])})
		}
	} else {
		preds, err := r.Classify(waves)
		if err != nil {
			return true, err
		}
		for i, f := range files {
			res = append(res, result{File: f, Prediction: preds[i]})
		}
	}
	if asJSON {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return true, err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return true, nil
	}
	for _, p := range res {
		if r.Settings.CTC {
			fmt.Fprintf(stdout, "%s: %q\n", p.File, p.Text)
		} else {
			fmt.Fprintf(stdout, "%s: %s (p=%.4f)\n", p.File, p.Class, p.Probability)
		}
	}
	return true, nil
}

// evaluateAudio handles evaluate for a speech classifier: DIR holds
// FSDD-style names or class sub-folders, matched to the model's classes by
// name. ok is false for other models.
func evaluateAudio(m *model.Model, modelPath, dir string, asJSON bool, stdout io.Writer) (ok bool, err error) {
	r, ok, err := speech.FromModel(m)
	if !ok {
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("%s: %w", modelPath, err)
	}
	if r.Settings.CTC {
		return true, fmt.Errorf("%s is a CTC model; evaluate scores classifiers (train-audio --ctc reports the digit error rate)", modelPath)
	}
	if dir == "" {
		return true, errors.New("--data DIR is required")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return true, fmt.Errorf("--data %s: not a folder of WAV files", dir)
	}
	clips, err := speech.ListFSDD(dir)
	names := speech.DigitClasses
	if err != nil {
		var ferr error
		if clips, names, ferr = speech.ListFolders(dir); ferr != nil {
			return true, fmt.Errorf("%s: neither FSDD-style names (%v) nor class sub-folders (%v)", dir, err, ferr)
		}
	}
	index := map[string]int{}
	for i, c := range r.Settings.Classes {
		index[c] = i
	}
	labels := make([]int, len(clips))
	for i, c := range clips {
		j, ok := index[names[c.Label]]
		if !ok {
			return true, fmt.Errorf("%s: class %q is not one of the model's classes %q", filepath.Dir(c.Path), names[c.Label], r.Settings.Classes)
		}
		labels[i] = j
	}
	waves, err := speech.LoadMono(clips, r.Settings.Features.SampleRate)
	if err != nil {
		return true, err
	}
	acc, err := r.Accuracy(waves, labels)
	if err != nil {
		return true, err
	}
	if asJSON {
		fmt.Fprintf(stdout, "{\"accuracy\": %.6f, \"samples\": %d}\n", acc, len(clips))
		return true, nil
	}
	fmt.Fprintf(stdout, "accuracy=%.4f (%d samples)\n", acc, len(clips))
	return true, nil
}

func init() {
	benchTargets["logmel"] = benchLogMel
}

// benchLogMel times log-mel extraction (the default 8 kHz front end: 32 ms
// Hann windows every 10 ms, 40 mel bands) of every WAV in a folder, after
// reading them all into memory, on one goroutine.
func benchLogMel(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench logmel", flag.ContinueOnError)
	dir := fs.String("data", "", "folder of WAV files (e.g. FSDD's recordings)")
	repeat := fs.Int("repeat", 3, "passes over the files; the fastest is reported")
	fs.SetOutput(stdout)
	if _, err := splitArgs(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--data DIR is required")
	}
	if *repeat < 1 {
		return errors.New("--repeat must be positive")
	}
	files, err := filepath.Glob(filepath.Join(*dir, "*.wav"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: no .wav files", *dir)
	}
	clips := make([]speech.Clip, len(files))
	for i, f := range files {
		clips[i].Path = f
	}
	waves, err := speech.LoadMono(clips, 8000)
	if err != nil {
		return err
	}
	ex, err := audio.NewExtractor(audio.DefaultFeatures(8000))
	if err != nil {
		return err
	}
	best, bestCPU := math.Inf(1), math.Inf(1)
	frames := 0
	for range *repeat {
		frames = 0
		start := time.Now()
		c0, ok := cputime.Process()
		for _, w := range waves {
			f, err := ex.Features(w, 8000)
			if err != nil {
				return err
			}
			frames += f.Frames
		}
		best = min(best, time.Since(start).Seconds())
		if c1, ok1 := cputime.Process(); ok && ok1 {
			bestCPU = min(bestCPU, (c1 - c0).Seconds())
		}
	}
	fmt.Fprintf(stdout, "logmel: %d files, %d frames, best of %d: %.3f s (%.0f files/s), CPU %.3f s\n", len(waves), frames, *repeat, best, float64(len(waves))/best, bestCPU)
	return nil
}
