package alphazero

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/rl"
	"github.com/tensile-ml/tensile/rl/game"
	"github.com/tensile-ml/tensile/tensor"
)

// Config configures self-play training. Zero fields take per-game
// defaults (tic-tac-toe / Connect Four) in brackets.
type Config struct {
	Game         string  // "tictactoe" or "connect4"
	Iterations   int     // rounds of self-play then training [100 / 30; unlimited when MaxMoves is set]
	GamesPerIter int     // self-play games per round [50 / 40]
	Simulations  int     // MCTS simulations per self-play move [50 / 100]
	Hidden       []int   // hidden widths of the MLP [128 128 / 256 256]
	LearningRate float32 // Adam [1e-3]
	BatchSize    int     // [64 / 128]
	TrainSteps   int     // minibatch updates per round [150 / 300]
	Window       int     // most recent positions trained on (after symmetries) [20000 / 100000]
	TempMoves    int     // opening moves sampled ∝ visit counts, later ones greedy [3 / 8]
	RandomMoves  int     // opening moves played uniformly at random (still searched and recorded) [0]
	Dirichlet    float64 // root-noise α [1.0 / 0.5]
	MaxMoves     int     // stop after the round in which self-play reached this many moves [no limit]
	Seed         uint64

	Log io.Writer // one line per round, or nil
}

func (c *Config) defaults() error {
	ttt := c.Game == "tictactoe"
	if !ttt && c.Game != "connect4" {
		return fmt.Errorf("alphazero: unknown game %q (have tictactoe, connect4)", c.Game)
	}
	pick := func(p *int, a, b int) {
		if *p == 0 {
			if ttt {
				*p = a
			} else {
				*p = b
			}
		}
	}
	if c.MaxMoves > 0 && c.Iterations == 0 {
		c.Iterations = math.MaxInt32 // rounds until MaxMoves
	}
	pick(&c.Iterations, 100, 30)
	pick(&c.GamesPerIter, 50, 40)
	pick(&c.Simulations, 50, 100)
	pick(&c.BatchSize, 64, 128)
	pick(&c.TrainSteps, 150, 300)
	pick(&c.Window, 20000, 100000)
	pick(&c.TempMoves, 3, 8)
	if c.Hidden == nil {
		c.Hidden = []int{128, 128}
		if !ttt {
			c.Hidden = []int{256, 256}
		}
	}
	if c.LearningRate == 0 {
		c.LearningRate = 1e-3
	}
	if c.Dirichlet == 0 {
		c.Dirichlet = 1.0
		if !ttt {
			c.Dirichlet = 0.5
		}
	}
	return nil
}

// Result is what Train returns.
type Result struct {
	Net       *Net
	Games     int // self-play games
	Moves     int // self-play moves (the environment steps)
	Positions int // training positions generated (with symmetries)
}

// NewModel returns the policy-value network for a game: an MLP from the
// encoded board to NumActions+1 outputs, with the game's name stored in the
// model's metadata ("rl.env") and "alphazero" as "rl.algo".
func NewModel(g game.Game, hidden []int, seed uint64) (*model.Model, error) {
	m, err := rl.MLP(g.EncodedSize(), hidden, "relu", g.NumActions()+1, seed)
	if err != nil {
		return nil, err
	}
	if err := m.SetMetadata("rl.env", []byte(`"`+g.Name()+`"`)); err != nil {
		return nil, err
	}
	if err := m.SetMetadata("rl.algo", []byte(`"alphazero"`)); err != nil {
		return nil, err
	}
	return m, nil
}

type sample struct {
	x  []float32
	pi []float32
	z  float32
}

// Train runs AlphaZero-style self-play: each round plays GamesPerIter games
// of the network against itself, choosing moves by MCTS with Dirichlet
// noise at the root, records (board, visit distribution, final outcome)
// for every position and its symmetric images, then takes TrainSteps Adam
// steps on cross-entropy(policy, visits) + (value − outcome)² over the most
// recent Window positions.
func Train(cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	newGame := func() game.Game { g, _ := game.New(cfg.Game); return g }
	g0 := newGame()
	m, err := NewModel(g0, cfg.Hidden, cfg.Seed)
	if err != nil {
		return nil, err
	}
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: cfg.LearningRate}})
	if err != nil {
		return nil, err
	}
	net := NewNet(m)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xa0))
	syms := symmetries(g0)
	res := &Result{Net: net}
	var window []sample
	start := time.Now()
	na, d := g0.NumActions(), g0.EncodedSize()
	for it := 1; it <= cfg.Iterations; it++ {
		var rec [3]int // first-player wins, second-player wins, draws
		for range cfg.GamesPerIter {
			samples, winner, moves, err := selfPlay(net, newGame(), cfg, rng)
			if err != nil {
				return nil, err
			}
			res.Games++
			res.Moves += moves
			switch winner {
			case 0:
				rec[0]++
			case 1:
				rec[1]++
			default:
				rec[2]++
			}
			for _, s := range samples {
				for _, sy := range syms {
					window = append(window, sy.apply(s))
					res.Positions++
				}
			}
		}
		if len(window) > cfg.Window {
			window = window[len(window)-cfg.Window:]
		}
		B := min(cfg.BatchSize, len(window))
		x, pi, z := make([]float32, B*d), make([]float32, B*na), make([]float32, B)
		var lossSum float64
		for range cfg.TrainSteps {
			for i := range B {
				s := window[rng.IntN(len(window))]
				copy(x[i*d:], s.x)
				copy(pi[i*na:], s.pi)
				z[i] = s.z
			}
			l, err := trainStep(m, opt, x, pi, z, B, na)
			if err != nil {
				return nil, err
			}
			lossSum += l
		}
		net.Reset()
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "round %3d  games %5d  self-play (first/second/draw) %d/%d/%d  positions %6d  loss %.4f  %.0fs\n",
				it, res.Games, rec[0], rec[1], rec[2], len(window), lossSum/float64(cfg.TrainSteps), time.Since(start).Seconds())
		}
		if cfg.MaxMoves > 0 && res.Moves >= cfg.MaxMoves {
			break
		}
	}
	return res, nil
}

// trainStep takes one optimizer step on a minibatch: policy cross-entropy
// against the visit distributions pi plus the squared value error. The
// loss mixes two heads of one output, so it is built from tensor ops.
func trainStep(m *model.Model, opt optim.Optimizer, x, pi, z []float32, B, na int) (float64, error) {
	var lv float64
	err := model.Guard(func() error {
		outs, err := m.Call([]*tensor.Tensor{tensor.FromSlice(x, B, len(x)/B)}, true)
		if err != nil {
			return err
		}
		out := outs[0]
		logits := out.Slice(1, 0, na)
		v := tensor.Tanh(out.Slice(1, na, na+1)).Reshape(B)
		ce := tensor.Neg(tensor.Mean(tensor.Sum(tensor.Mul(tensor.FromSlice(pi, B, na), tensor.LogSoftmax(logits, 1)), []int{1}, false), nil, false))
		mse := tensor.Mean(tensor.Square(tensor.Sub(v, tensor.FromSlice(z, B))), nil, false)
		loss := tensor.Add(ce, mse)
		ps := m.Params()
		for _, p := range ps {
			p.ZeroGrad()
		}
		loss.Backward()
		opt.Step(ps)
		lv = float64(loss.Item())
		return nil
	})
	return lv, err
}

// selfPlay plays one game of the network against itself and returns its
// positions labelled with visit distributions and the outcome.
func selfPlay(net *Net, g game.Game, cfg Config, rng *rand.Rand) ([]sample, int, int, error) {
	type pos struct {
		x      []float32
		pi     []float32
		player int
	}
	var hist []pos
	sc := SearchConfig{Simulations: cfg.Simulations, DirichletAlpha: cfg.Dirichlet}
	moves := 0
	for {
		if done, w := g.Outcome(); done {
			out := make([]sample, len(hist))
			for i, h := range hist {
				z := float32(0)
				if w >= 0 {
					z = -1
					if w == h.player {
						z = 1
					}
				}
				out[i] = sample{h.x, h.pi, z}
			}
			return out, w, moves, nil
		}
		visits, err := Search(net, g, sc, rng)
		if err != nil {
			return nil, 0, 0, err
		}
		total := 0.0
		for _, v := range visits {
			total += v
		}
		pi := make([]float32, len(visits))
		for a, v := range visits {
			pi[a] = float32(v / total)
		}
		hist = append(hist, pos{g.Encode(nil), pi, g.ToMove()})
		var a int
		if moves < cfg.RandomMoves {
			legal := game.LegalMoves(g)
			a = legal[rng.IntN(len(legal))]
		} else if moves < cfg.TempMoves {
			u, c := rng.Float64()*total, 0.0
			for a = range visits {
				c += visits[a]
				if u < c && visits[a] > 0 {
					break
				}
			}
			if visits[a] == 0 { // rounding at the end of the distribution
				a = argmaxF(visits)
			}
		} else {
			a = argmaxF(visits)
		}
		if err := g.Play(a); err != nil {
			return nil, 0, 0, err
		}
		moves++
	}
}

// symmetry maps a board cell i (in Encode's order) to cell[i] and action a
// to action[a].
type symmetry struct{ cell, action []int }

func (s symmetry) apply(in sample) sample {
	x := make([]float32, len(in.x))
	s.applyX(x, in.x)
	pi := make([]float32, len(in.pi))
	for a, b := range s.action {
		pi[b] = in.pi[a]
	}
	return sample{x, pi, in.z}
}

// applyX writes the image of encoded board x into dst.
func (s symmetry) applyX(dst, x []float32) {
	n := len(s.cell)
	for i, j := range s.cell {
		dst[j], dst[n+j] = x[i], x[n+i]
	}
}

// symmetries returns the board symmetries that preserve the rules: the 8
// of the square for tic-tac-toe, identity and the mirror for Connect Four.
func symmetries(g game.Game) []symmetry {
	R, C := g.Rows(), g.Cols()
	perm := func(f func(r, c int) (int, int)) []int {
		p := make([]int, R*C)
		for r := range R {
			for c := range C {
				r2, c2 := f(r, c)
				p[r*C+c] = r2*C + c2
			}
		}
		return p
	}
	if g.Name() == "tictactoe" {
		var out []symmetry
		for _, f := range []func(r, c int) (int, int){
			func(r, c int) (int, int) { return r, c },
			func(r, c int) (int, int) { return c, 2 - r },
			func(r, c int) (int, int) { return 2 - r, 2 - c },
			func(r, c int) (int, int) { return 2 - c, r },
			func(r, c int) (int, int) { return r, 2 - c },
			func(r, c int) (int, int) { return 2 - r, c },
			func(r, c int) (int, int) { return c, r },
			func(r, c int) (int, int) { return 2 - c, 2 - r },
		} {
			p := perm(f)
			out = append(out, symmetry{p, p})
		}
		return out
	}
	id := perm(func(r, c int) (int, int) { return r, c })
	mir := perm(func(r, c int) (int, int) { return r, C - 1 - c })
	ida, mira := make([]int, C), make([]int, C)
	for c := range C {
		ida[c], mira[c] = c, C-1-c
	}
	return []symmetry{{id, ida}, {mir, mira}}
}

// EvaluateVs plays n games as each side against opp and returns the
// agent's record as first and as second player.
func EvaluateVs(p *Player, gameName string, opp game.Player, n int) (first, second game.Record, err error) {
	newGame := func() game.Game { g, _ := game.New(gameName); return g }
	if first, err = game.Match(newGame, p, opp, n, true); err != nil {
		return
	}
	if second, err = game.Match(newGame, p, opp, n, false); err != nil {
		return
	}
	return first, second, p.Err()
}

func argmaxF(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
