package textclf

import (
	"fmt"
	"math"
	"time"

	"github.com/tensile-ml/tensile/text"
)

// FoldResult is the outcome of one cross-validation fold.
type FoldResult struct {
	Fold      int
	Train     int // training texts
	Test      int // held-out texts
	Vocab     int // vocabulary size built on the training texts
	Accuracy  float64
	TrainTime time.Duration
}

// CrossValidate runs k-fold cross-validation with text.StratifiedKFold
// (seed foldSeed): for each fold it trains a fresh classifier (vectorizer
// adapted on the training folds only) and measures its accuracy on the
// held-out fold. maxFolds > 0 stops after that many folds. each, when not
// nil, is called after every fold.
func CrossValidate(texts []string, labels []int, classes []string, cfg Config, k int, foldSeed uint64, maxFolds int, each func(FoldResult)) ([]FoldResult, error) {
	if len(texts) != len(labels) {
		return nil, fmt.Errorf("textclf: %d texts but %d labels", len(texts), len(labels))
	}
	if k < 2 || k > len(texts) {
		return nil, fmt.Errorf("textclf: %d folds for %d texts", k, len(texts))
	}
	var out []FoldResult
	for f, split := range text.StratifiedKFold(labels, k, foldSeed) {
		if maxFolds > 0 && f >= maxFolds {
			break
		}
		trX, trY := text.Subset(texts, split[0]), text.Subset(labels, split[0])
		teX, teY := text.Subset(texts, split[1]), text.Subset(labels, split[1])
		start := time.Now()
		c, _, err := Train(trX, trY, classes, cfg)
		if err != nil {
			return out, fmt.Errorf("fold %d: %w", f+1, err)
		}
		dur := time.Since(start)
		acc, err := c.Accuracy(teX, teY)
		if err != nil {
			return out, fmt.Errorf("fold %d: %w", f+1, err)
		}
		r := FoldResult{Fold: f + 1, Train: len(trX), Test: len(teX), Vocab: c.Vectorizer.Vocab.Size(), Accuracy: acc, TrainTime: dur}
		out = append(out, r)
		if each != nil {
			each(r)
		}
	}
	return out, nil
}

// MeanStd returns the mean and the sample standard deviation of the
// folds' accuracies.
func MeanStd(rs []FoldResult) (mean, std float64) {
	if len(rs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, r := range rs {
		mean += r.Accuracy
	}
	mean /= float64(len(rs))
	if len(rs) < 2 {
		return mean, 0
	}
	for _, r := range rs {
		std += (r.Accuracy - mean) * (r.Accuracy - mean)
	}
	return mean, math.Sqrt(std / float64(len(rs)-1))
}
