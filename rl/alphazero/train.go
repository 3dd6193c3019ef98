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
	MaxMoves     int     // stop after the round in which training games (self-play and fallible) reached this many moves [no limit]
	// FallibleGames adds games per round in which one side (each side in
	// turn) moves uniformly at random and the other plays as the Player
	// does; their positions train the network's two fallible-opponent
	// values (one-move backups, see fallibleGame), which the Player uses to
	// break ties between equally safe moves [100 / 0; negative: none, and a
	// network without those outputs].
	FallibleGames int
	// FallibleOpening: each fallible game starts with 0 to FallibleOpening
	// uniformly random moves by both sides (exploration; positions in it
	// are not trained on) [2].
	FallibleOpening int
	TieMargin       float64 // SearchConfig.TieMargin of the searching side in fallible games [0.2]
	// FallibleOutcomes trains the fallible-opponent values on game
	// outcomes instead of one-move backups (see fallibleGame).
	FallibleOutcomes bool
	Seed             uint64

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
	pick(&c.FallibleGames, 100, -1)
	if c.FallibleOpening == 0 {
		c.FallibleOpening = 2
	}
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
	Moves     int // moves of all training games (the environment steps)
	Positions int // training positions generated (with symmetries)
	// FallibleGames counts the games against a random side, and Fallible
	// the searching side's record in them.
	FallibleGames int
	Fallible      game.Record
}

// NewModel returns the policy-value network for a game: an MLP from the
// encoded board to NumActions+1 outputs, with the game's name stored in the
// model's metadata ("rl.env") and "alphazero" as "rl.algo".
func NewModel(g game.Game, hidden []int, seed uint64) (*model.Model, error) {
	return newModel(g, hidden, 0, seed)
}

// NewFallibleModel is NewModel with the two fallible-opponent value
// outputs after the value (see the package documentation).
func NewFallibleModel(g game.Game, hidden []int, seed uint64) (*model.Model, error) {
	return newModel(g, hidden, fallibleHeads, seed)
}

func newModel(g game.Game, hidden []int, extra int, seed uint64) (*model.Model, error) {
	m, err := rl.MLP(g.EncodedSize(), hidden, "relu", g.NumActions()+1+extra, seed)
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

// sample is a training position: a self-play position (head 0) trains the
// policy on pi and the value on z; a fallible-game position trains only the
// fallible-opponent value head (1: the opponent moved at random, 2: the
// player to move did) on z.
type sample struct {
	x    []float32
	pi   []float32 // nil for fallible-game positions
	z    float32
	head int
}

// Train runs AlphaZero-style self-play: each round plays GamesPerIter games
// of the network against itself, choosing moves by MCTS with Dirichlet
// noise at the root, records (board, visit distribution, final outcome)
// for every position and its symmetric images, then takes TrainSteps Adam
// steps on cross-entropy(policy, visits) + (value − outcome)² over the most
// recent Window positions. With FallibleGames, each round also plays that
// many games of the Player against a side that moves uniformly at random
// and trains the fallible-opponent values on one-move backups of their
// positions (squared error, added to the loss).
func Train(cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	newGame := func() game.Game { g, _ := game.New(cfg.Game); return g }
	g0 := newGame()
	extra := 0
	if cfg.FallibleGames > 0 {
		extra = fallibleHeads
	}
	m, err := newModel(g0, cfg.Hidden, extra, cfg.Seed)
	if err != nil {
		return nil, err
	}
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: cfg.LearningRate}})
	if err != nil {
		return nil, err
	}
	if err := m.Compile(opt, nil, nil); err != nil { // policy-value loss per batch (TrainStepLoss)
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
		var frec game.Record
		for i := range max(cfg.FallibleGames, 0) {
			samples, r, moves, err := fallibleGame(net, newGame(), cfg, i%2, rng)
			if err != nil {
				return nil, err
			}
			res.FallibleGames++
			res.Moves += moves
			frec.Add(r)
			for _, s := range samples {
				for _, sy := range syms {
					window = append(window, sy.apply(s))
					res.Positions++
				}
			}
		}
		res.Fallible.Add(frec)
		if len(window) > cfg.Window {
			window = window[len(window)-cfg.Window:]
		}
		B := min(cfg.BatchSize, len(window))
		nv := 1 + extra // value outputs
		x, pi, z, mask := make([]float32, B*d), make([]float32, B*na), make([]float32, B*nv), make([]float32, B*nv)
		var lossSum float64
		for range cfg.TrainSteps {
			clear(pi)
			clear(z)
			clear(mask)
			for i := range B {
				s := window[rng.IntN(len(window))]
				copy(x[i*d:], s.x)
				copy(pi[i*na:], s.pi) // a fallible-game position has none: no policy loss
				z[i*nv+s.head] = s.z
				mask[i*nv+s.head] = 1
			}
			l, err := trainStep(m, x, pi, z, mask, B, na)
			if err != nil {
				return nil, err
			}
			lossSum += l
		}
		net.Reset()
		if cfg.Log != nil {
			vsr := ""
			if cfg.FallibleGames > 0 {
				vsr = "  vs random side " + frec.String()
			}
			fmt.Fprintf(cfg.Log, "round %3d  games %5d  self-play (first/second/draw) %d/%d/%d%s  positions %6d  loss %.4f  %.0fs\n",
				it, res.Games, rec[0], rec[1], rec[2], vsr, len(window), lossSum/float64(cfg.TrainSteps), time.Since(start).Seconds())
		}
		if cfg.MaxMoves > 0 && res.Moves >= cfg.MaxMoves {
			break
		}
	}
	return res, nil
}

// trainStep takes one optimizer step on a minibatch: policy cross-entropy
// against the visit distributions pi plus the squared errors of the value
// outputs against z where mask is 1 (z and mask are B × value outputs: the
// value, then any fallible-opponent values), both summed over a row and
// averaged over the batch. The loss mixes several heads of one output, so
// it is built from tensor ops.
func trainStep(m *model.Model, x, pi, z, mask []float32, B, na int) (float64, error) {
	nv := len(z) / B
	return m.TrainStepLoss([]*tensor.Tensor{tensor.FromSlice(x, B, len(x)/B)}, func(outs []*tensor.Tensor) *tensor.Tensor {
		out := outs[0]
		logits := out.Slice(1, 0, na)
		v := tensor.Tanh(out.Slice(1, na, na+nv))
		ce := tensor.Neg(tensor.Mean(tensor.Sum(tensor.Mul(tensor.FromSlice(pi, B, na), tensor.LogSoftmax(logits, 1)), []int{1}, false), nil, false))
		se := tensor.Mul(tensor.FromSlice(mask, B, nv), tensor.Square(tensor.Sub(v, tensor.FromSlice(z, B, nv))))
		mse := tensor.Mean(tensor.Sum(se, []int{1}, false), nil, false)
		return tensor.Add(ce, mse)
	})
}

// fallibleGame plays one game in which player careful moves as the Player
// does (search, then the tie-break by the fallible-opponent values) and the
// other side uniformly at random, after an opening of 0 to
// cfg.FallibleOpening random moves by both. It returns the positions after
// the opening, for head 1 (careful to move: the opponent is the random one)
// or 2, the careful side's record and the number of moves. A position's
// target is a one-move backup: for the careful side, the value of the move
// it chose (the outcome if the move ends the game, else minus the
// network's head-2 value of the position after it); for the random side,
// the mean of that over all its legal moves (with head 1), which is its
// expected value under uniformly random play. These targets are exact for
// the moves they look at and carry far less noise than one game's outcome,
// which the value iteration they amount to would otherwise need thousands
// of games per position to average out; cfg.FallibleOutcomes uses the
// game's outcome instead.
func fallibleGame(net *Net, g game.Game, cfg Config, careful int, rng *rand.Rand) ([]sample, game.Record, int, error) {
	type pos struct {
		x      []float32
		player int
		backup float32
	}
	var hist []pos
	open := rng.IntN(cfg.FallibleOpening + 1)
	sc := SearchConfig{Simulations: cfg.Simulations, TieMargin: cfg.TieMargin}
	for moves := 0; ; moves++ {
		if done, w := g.Outcome(); done {
			out := make([]sample, len(hist))
			for i, h := range hist {
				head := 2
				if h.player == careful {
					head = 1
				}
				z := h.backup
				if cfg.FallibleOutcomes {
					z = outcomeFor(w, h.player)
				}
				out[i] = sample{x: h.x, z: z, head: head}
			}
			var r game.Record
			switch w {
			case careful:
				r.Wins++
			case -1:
				r.Draws++
			default:
				r.Losses++
			}
			return out, r, moves, nil
		}
		var a int
		var err error
		var backup float32
		if moves < open || g.ToMove() != careful {
			legal := game.LegalMoves(g)
			a = legal[rng.IntN(len(legal))]
			if moves >= open && !cfg.FallibleOutcomes {
				for _, b := range legal {
					v, err := afterMove(net, g, b, 1)
					if err != nil {
						return nil, game.Record{}, 0, err
					}
					backup += v / float32(len(legal))
				}
			}
		} else {
			if a, err = choose(net, g, sc, rng); err != nil {
				return nil, game.Record{}, 0, err
			}
			if backup, err = afterMove(net, g, a, 2); err != nil {
				return nil, game.Record{}, 0, err
			}
		}
		if moves >= open {
			hist = append(hist, pos{g.Encode(nil), g.ToMove(), backup})
		}
		if err := g.Play(a); err != nil {
			return nil, game.Record{}, 0, err
		}
	}
}

// afterMove returns the value for the player to move in g of playing a:
// the outcome if the game ends, else minus the network's fallible-opponent
// value head (1 or 2) of the position after it.
func afterMove(net *Net, g game.Game, a, head int) (float32, error) {
	c := g.Clone()
	if err := c.Play(a); err != nil {
		return 0, err
	}
	if done, w := c.Outcome(); done {
		return outcomeFor(w, g.ToMove()), nil
	}
	oppRandom, selfRandom, _, err := net.FallibleValues(c)
	if head == 1 {
		return -oppRandom, err
	}
	return -selfRandom, err
}

// outcomeFor returns the outcome of a game won by winner (-1: a draw) for
// player: 1, 0 or -1.
func outcomeFor(winner, player int) float32 {
	switch winner {
	case -1:
		return 0
	case player:
		return 1
	}
	return -1
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
				out[i] = sample{x: h.x, pi: h.pi, z: outcomeFor(w, h.player)}
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
	var pi []float32
	if in.pi != nil {
		pi = make([]float32, len(in.pi))
		for a, b := range s.action {
			pi[b] = in.pi[a]
		}
	}
	return sample{x: x, pi: pi, z: in.z, head: in.head}
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
