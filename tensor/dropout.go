package tensor

import "math/rand/v2"

// dropFill fills d with inverted-dropout mask values: 0 with probability
// rate, else 1/(1-rate).
func dropFill(d []float32, rng *rand.Rand, rate float32) {
	keep := 1 / (1 - rate)
	for i := range d {
		if rng.Float32() < rate {
			d[i] = 0
		} else {
			d[i] = keep
		}
	}
}

func dropCheck(op string, rate float32) {
	if !(rate >= 0 && rate < 1) {
		argErr(op, "rate %g is not in [0, 1)", rate)
	}
}

// DropoutMask returns an inverted-dropout mask of the given shape: each
// element is 0 with probability rate and 1/(1-rate) otherwise, so that
// x·mask keeps the expected value of x (as in Keras and PyTorch). rate must
// lie in [0, 1). The mask is drawn from rng.
func DropoutMask(rng *rand.Rand, rate float32, shape ...int) *Tensor {
	dropCheck("DropoutMask", rate)
	checkShape("DropoutMask", shape)
	m := empty(nil, shape...)
	dropFill(m.buf.Host, rng, rate)
	return m
}

// Dropout returns x·mask with a fresh DropoutMask(rng, rate) of x's shape;
// the gradient flows through the same mask. With rate 0 it returns x
// itself. Use it in training only.
func Dropout(x *Tensor, rate float32, rng *rand.Rand) *Tensor {
	dropCheck("Dropout", rate)
	if rate == 0 {
		return x
	}
	m := empty(x.arena, x.shape...)
	dropFill(m.buf.Host, rng, rate)
	return Mul(x, m)
}
