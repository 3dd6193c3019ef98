package charlm

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/text"
)

// Report holds the figures of a training run.
type Report struct {
	Arch       string
	Params     int     // trainable parameters
	VocabSize  int     // ids, the two reserved ones included
	TrainChars int     // characters in the training part
	ValChars   int     // characters held out
	TrainLoss  float64 // mean cross-entropy (nats) of the last epoch
	// ValBPC is the held-out bits per character (NaN without held-out
	// text); UnigramBPC the entropy of the held-out characters'
	// frequencies estimated on the training part (add-one smoothed): the
	// context-free baseline, in bits.
	ValBPC     float64
	UnigramBPC float64
	Epochs     int
	Steps      int
	Duration   time.Duration
}

func (r Report) String() string {
	return fmt.Sprintf("%s: %d params, vocab %d, train %d chars, val %d chars: %d epochs (%d steps) in %s, train loss %.3f nats, val %.3f bits/char (unigram %.3f)",
		r.Arch, r.Params, r.VocabSize, r.TrainChars, r.ValChars, r.Epochs, r.Steps, r.Duration.Round(time.Millisecond), r.TrainLoss, r.ValBPC, r.UnigramBPC)
}

// Split returns the training part of corpus and the held-out part (the last
// fraction valFraction of its characters).
func Split(corpus string, valFraction float64) (train, val string) {
	rs := []rune(corpus)
	nVal := int(float64(len(rs)) * valFraction)
	return string(rs[:len(rs)-nVal]), string(rs[len(rs)-nVal:])
}

// Train builds a vocabulary from the training part of corpus, trains a model
// of cfg on it and reports the held-out bits per character. Progress goes to
// log (nil: silent).
func Train(corpus string, cfg Config, log io.Writer) (*LM, Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, Report{}, err
	}
	trainText, valText := Split(corpus, cfg.ValFraction)
	vec := &text.Vectorizer{Tokenizer: text.CharTokenizer{Lower: cfg.Lower}, Length: cfg.SeqLen}
	if err := vec.Adapt([]string{trainText}, text.VocabOptions{}); err != nil {
		return nil, Report{}, err
	}
	trainIDs, valIDs := vec.Encode(trainText), vec.Encode(valText)
	if len(trainIDs) < cfg.SeqLen+1 {
		return nil, Report{}, fmt.Errorf("charlm: the training text has %d characters, fewer than seq-len+1 = %d", len(trainIDs), cfg.SeqLen+1)
	}
	m, err := NewModel(vec.Vocab.Size(), cfg)
	if err != nil {
		return nil, Report{}, err
	}
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: cfg.LearningRate, GlobalClipNorm: cfg.ClipNorm}})
	if err != nil {
		return nil, Report{}, err
	}
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{FromLogits: true}), nil); err != nil {
		return nil, Report{}, err
	}
	lm := &LM{Model: m, Vectorizer: vec, Arch: cfg.Arch, SeqLen: cfg.SeqLen}
	trainable, _ := m.CountParams()
	rep := Report{Arch: cfg.Arch, Params: trainable, VocabSize: vec.Vocab.Size(), TrainChars: len(trainIDs), ValChars: len(valIDs),
		ValBPC: math.NaN(), UnigramBPC: crossUnigramBits(trainIDs, valIDs)}
	if log == nil {
		log = io.Discard
	}
	fmt.Fprintf(log, "charlm: %s, %d parameters, vocabulary %d, %d training and %d held-out characters\n",
		cfg.Arch, trainable, vec.Vocab.Size(), len(trainIDs), len(valIDs))
	rng := tensor.NewRNG(cfg.Seed)
	// Batch buffers reused by every step; model.TrainStep copies them into
	// the model's training arena.
	xb := make([]float32, cfg.BatchSize*cfg.SeqLen)
	yb := make([]float32, cfg.BatchSize*cfg.SeqLen)
	start := time.Now()
	for epoch := range cfg.Epochs {
		// A random offset each epoch, so windows see different cuts.
		off := 0
		if len(trainIDs) > 2*cfg.SeqLen+1 {
			off = rng.IntN(min(cfg.Step, len(trainIDs)-2*cfg.SeqLen-1))
		}
		ds, err := windows(trainIDs[off:], cfg.SeqLen, cfg.Step)
		if err != nil {
			return nil, rep, err
		}
		perm := rng.Perm(ds.N)
		var sum float64
		steps := 0
		// Progress within the epoch: about ten lines for a long epoch.
		total := (ds.N + cfg.BatchSize - 1) / cfg.BatchSize
		every := max((total+9)/10, 1)
		for lo := 0; lo < ds.N; lo += cfg.BatchSize {
			l, err := trainStep(m, ds, perm[lo:min(lo+cfg.BatchSize, ds.N)], xb, yb)
			if err != nil {
				return nil, rep, fmt.Errorf("charlm: epoch %d: %w", epoch+1, err)
			}
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return nil, rep, fmt.Errorf("charlm: epoch %d, step %d: the loss is %v (lower the learning rate)", epoch+1, steps+1, l)
			}
			sum += l
			steps++
			if total >= 20 && steps%every == 0 && steps < total {
				fmt.Fprintf(log, "epoch %d/%d: step %d/%d, loss %.4f (%.3f bits/char), %s\n", epoch+1, cfg.Epochs, steps, total,
					sum/float64(steps), sum/float64(steps)/math.Ln2, time.Since(start).Round(time.Second))
			}
		}
		rep.Epochs++
		rep.Steps += steps
		rep.TrainLoss = sum / float64(steps)
		fmt.Fprintf(log, "epoch %d/%d: %d steps, loss %.4f (%.3f bits/char), %s\n", epoch+1, cfg.Epochs, steps,
			rep.TrainLoss, rep.TrainLoss/math.Ln2, time.Since(start).Round(time.Second))
	}
	rep.Duration = time.Since(start)
	if len(valIDs) > cfg.SeqLen {
		if rep.ValBPC, err = lm.BitsPerChar(valIDs); err != nil {
			return nil, rep, err
		}
	}
	fmt.Fprintf(log, "charlm: %s\n", rep)
	return lm, rep, nil
}

// windows returns the ShiftedWindows of ids as a dataset: x [N, T] ids and
// y [N, T] next ids.
func windows(ids []int, seqLen, step int) (*data.Dataset, error) {
	x, xs, y, ys := text.ShiftedWindows(ids, seqLen, step)
	return data.New(x, xs[1:], y, ys[1:])
}

// BitsPerChar returns the model's mean cross-entropy, in bits, of
// predicting each id of ids from the ones before it within non-overlapping
// SeqLen windows (each starting from an empty context).
func (lm *LM) BitsPerChar(ids []int) (float64, error) {
	ds, err := windows(ids, lm.SeqLen, lm.SeqLen)
	if err != nil {
		return 0, err
	}
	if ds.N == 0 {
		return math.NaN(), fmt.Errorf("charlm: %d characters are too few for one window of %d", len(ids), lm.SeqLen+1)
	}
	loss := losses.NewSparseCategoricalCrossentropy(losses.Options{FromLogits: true})
	const batch = 64
	var sum float64
	for lo := 0; lo < ds.N; lo += batch {
		hi := min(lo+batch, ds.N)
		T := lm.SeqLen
		x := tensor.FromSlice(ds.X[lo*T:hi*T], hi-lo, T)
		y := tensor.FromSlice(ds.Y[lo*T:hi*T], hi-lo, T)
		var err error
		func() {
			var out []*tensor.Tensor
			if out, err = lm.Model.Call([]*tensor.Tensor{x.InferenceMode()}, false); err != nil {
				return
			}
			err = model.Guard(func() error {
				sum += float64(tensor.Sum(loss.PerSample(y, out[0]), nil, false).Item())
				return nil
			})
		}()
		if err != nil {
			return 0, err
		}
	}
	return sum / float64(ds.N) / math.Ln2, nil
}

// trainStep runs model.TrainStep on the windows idx of ds, gathered into
// the buffers xb and yb, and returns the batch loss.
func trainStep(m *model.Model, ds *data.Dataset, idx []int, xb, yb []float32) (float64, error) {
	T := ds.XShape[0]
	n := len(idx)
	for i, j := range idx {
		copy(xb[i*T:(i+1)*T], ds.X[j*T:(j+1)*T])
		copy(yb[i*T:(i+1)*T], ds.Y[j*T:(j+1)*T])
	}
	return m.TrainStep(tensor.FromSlice(xb[:n*T], n, T), tensor.FromSlice(yb[:n*T], n, T), nil)
}

// BitsPerCharText is BitsPerChar on a text encoded with the model's
// vocabulary.
func (lm *LM) BitsPerCharText(s string) (float64, error) { return lm.BitsPerChar(lm.Encode(s)) }

// crossUnigramBits returns the cross-entropy, in bits, of the held-out ids
// under the training part's character frequencies (add-one smoothed over the
// training vocabulary so that a rare character costs finite bits).
func crossUnigramBits(train, val []int) float64 {
	if len(val) == 0 {
		return UnigramBits(train)
	}
	counts := map[int]int{}
	maxID := 0
	for _, id := range train {
		counts[id]++
		maxID = max(maxID, id)
	}
	for _, id := range val {
		maxID = max(maxID, id)
	}
	total := float64(len(train) + maxID + 1)
	var h float64
	for _, id := range val {
		h -= math.Log2(float64(counts[id]+1) / total)
	}
	return h / float64(len(val))
}
