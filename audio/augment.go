package audio

import (
	"math"
	"math/rand/v2"
)

// TimeShift returns x delayed by shift samples (advanced when negative),
// zero-filled, with the same length.
func TimeShift(x []float32, shift int) []float32 {
	out := make([]float32, len(x))
	for i := range out {
		if j := i - shift; j >= 0 && j < len(x) {
			out[i] = x[j]
		}
	}
	return out
}

// Gain scales x by db decibels in place.
func Gain(x []float32, db float64) {
	g := float32(math.Pow(10, db/20))
	for i := range x {
		x[i] *= g
	}
}

// AddNoise adds white Gaussian noise at the given signal-to-noise ratio
// (dB, relative to x's mean power) in place. Silent input is left alone.
func AddNoise(x []float32, snrDB float64, rng *rand.Rand) {
	var p float64
	for _, v := range x {
		p += float64(v) * float64(v)
	}
	if len(x) == 0 || p == 0 {
		return
	}
	p /= float64(len(x))
	sd := math.Sqrt(p / math.Pow(10, snrDB/10))
	for i := range x {
		x[i] += float32(rng.NormFloat64() * sd)
	}
}

// FreqMask sets count bands of up to maxWidth consecutive bins (widths drawn
// uniformly from [0, maxWidth]) to value in every frame (SpecAugment's
// frequency masking). In place.
func FreqMask(s *Spectrogram, count, maxWidth int, value float32, rng *rand.Rand) {
	for range count {
		w := rng.IntN(min(maxWidth, s.Bins) + 1)
		f0 := rng.IntN(s.Bins - w + 1)
		for t := 0; t < s.Frames; t++ {
			row := s.Row(t)
			for f := f0; f < f0+w; f++ {
				row[f] = value
			}
		}
	}
}

// TimeMask sets count runs of up to maxWidth consecutive frames to value
// (SpecAugment's time masking). In place.
func TimeMask(s *Spectrogram, count, maxWidth int, value float32, rng *rand.Rand) {
	for range count {
		w := rng.IntN(min(maxWidth, s.Frames) + 1)
		t0 := rng.IntN(s.Frames - w + 1)
		for t := t0; t < t0+w; t++ {
			row := s.Row(t)
			for f := range row {
				row[f] = value
			}
		}
	}
}
