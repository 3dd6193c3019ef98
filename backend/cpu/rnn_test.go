package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// seqBufs holds every buffer of one LSTM or GRU sequence call and its
// backward pass, filled with the same inputs for each run.
type seqBufs struct {
	lstm backend.LSTMSeq
	lg   backend.LSTMSeqGrad
	gru  backend.GRUSeq
	gg   backend.GRUSeqGrad
}

func randBuf(r *rand.Rand, n int, lo, hi float32) backend.Buffer {
	d := make([]float32, n)
	for i := range d {
		d[i] = lo + (hi-lo)*r.Float32()
	}
	return backend.Buffer{Host: d}
}

// nanBuf returns n NaNs: outputs the op must overwrite.
func nanBuf(n int) backend.Buffer {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(math.NaN())
	}
	return backend.Buffer{Host: d}
}

func newSeqBufs(T, B, H int, masked, rev bool) seqBufs {
	r := rand.New(rand.NewPCG(uint64(T*100+B*10+H), 5))
	var rm, mk backend.Buffer
	if masked {
		rm = randBuf(r, B*H, 0, 2)
		mk = backend.Buffer{Host: make([]float32, T*B)}
		for i := range mk.Host {
			if r.IntN(4) > 0 {
				mk.Host[i] = 1
			}
		}
	}
	W4, W3 := 4*H, 3*H
	var s seqBufs
	s.lstm = backend.LSTMSeq{T: T, B: B, H: H, Reverse: rev,
		Xp: randBuf(r, T*B*W4, -1, 1), U: randBuf(r, H*W4, -0.5, 0.5), H0: randBuf(r, B*H, -1, 1), C0: randBuf(r, B*H, -1, 1),
		RecMask: rm, Mask: mk, Out: nanBuf((T + 1) * B * H), Act: nanBuf(T * B * W4), Tc: nanBuf(T * B * H),
		Cs: nanBuf(T * B * H), Hp: nanBuf(T * B * H), Z: nanBuf(B * W4)}
	s.lg = backend.LSTMSeqGrad{G: randBuf(r, (T+1)*B*H, -1, 1), Dz: nanBuf(T * B * W4), Dh: nanBuf(B * H), Dc: nanBuf(B * H),
		DhP: nanBuf(B * H), DcP: nanBuf(B * H), Dcn: nanBuf(B * H), GU: nanBuf(H * W4)}
	s.gru = backend.GRUSeq{T: T, B: B, H: H, Reverse: rev,
		Xp: randBuf(r, T*B*W3, -1, 1), U: randBuf(r, H*W3, -0.5, 0.5), Rb: randBuf(r, W3, -0.5, 0.5), H0: randBuf(r, B*H, -1, 1),
		RecMask: rm, Mask: mk, Hs: nanBuf(T * B * H), Act: nanBuf(T * B * W3), Qs: nanBuf(T * B * W3), Hp: nanBuf(T * B * H)}
	s.gg = backend.GRUSeqGrad{G: randBuf(r, T*B*H, -1, 1), Dx: nanBuf(T * B * W3), Dq: nanBuf(T * B * W3), Dh: nanBuf(B * H),
		DhP: nanBuf(B * H), Dhd: nanBuf(B * H), GU: nanBuf(H * W3), GRb: nanBuf(W3)}
	return s
}

// results runs both sequences forward and backward and returns the
// outputs by name.
func (s seqBufs) results() map[string][]float32 {
	c := &CPU{}
	c.LSTMSequence(s.lstm)
	c.LSTMSequenceBackward(s.lstm, s.lg)
	c.GRUSequence(s.gru)
	c.GRUSequenceBackward(s.gru, s.gg)
	return map[string][]float32{
		"lstm out": s.lstm.Out.Host, "lstm act": s.lstm.Act.Host, "lstm hp": s.lstm.Hp.Host,
		"lstm dz": s.lg.Dz.Host, "lstm dh": s.lg.Dh.Host, "lstm dc": s.lg.Dc.Host, "lstm du": s.lg.GU.Host,
		"gru hs": s.gru.Hs.Host, "gru qs": s.gru.Qs.Host, "gru dx": s.gg.Dx.Host,
		"gru dh": s.gg.Dh.Host, "gru du": s.gg.GU.Host, "gru drb": s.gg.GRb.Host,
	}
}

// TestSequenceThreads checks that splitting the batch rows of the LSTM and
// GRU sequences across threads gives the single thread's results bit for
// bit (the single-thread path is checked against numeric gradients by the
// conformance suite), on odd batch sizes, with masks and in reverse.
func TestSequenceThreads(t *testing.T) {
	defer func(w int) { rnnSerialWork = w }(rnnSerialWork)
	for _, c := range []struct{ T, B, H int }{{5, 9, 7}, {3, 13, 16}, {4, 8, 1}, {2, 5, 33}} {
		for _, masked := range []bool{false, true} {
			for _, rev := range []bool{false, true} {
				name := fmt.Sprintf("T=%d,B=%d,H=%d,masked=%v,rev=%v", c.T, c.B, c.H, masked, rev)
				rnnSerialWork = math.MaxInt
				want := newSeqBufs(c.T, c.B, c.H, masked, rev).results()
				rnnSerialWork = 0
				for _, threads := range []int{2, 3} {
					old := parallel.SetThreads(threads)
					got := newSeqBufs(c.T, c.B, c.H, masked, rev).results()
					parallel.SetThreads(old)
					for k, w := range want {
						for i, v := range got[k] {
							if math.Float32bits(v) != math.Float32bits(w[i]) {
								t.Fatalf("%s threads=%d: %s[%d] = %v, one thread gives %v", name, threads, k, i, v, w[i])
							}
						}
					}
				}
			}
		}
	}
}
