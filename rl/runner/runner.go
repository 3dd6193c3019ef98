// Package runner trains, evaluates and films reinforcement-learning agents
// by name: it is what "tensile rl" and "tensile play" run. A trained agent
// is one tensile model file whose metadata names its environment ("rl.env")
// and algorithm ("rl.algo"): the Q-network for DQN, the actor (policy
// logits) for PPO, the policy-value network for AlphaZero.
package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/rl"
	"github.com/tensile-ml/tensile/rl/alphazero"
	"github.com/tensile-ml/tensile/rl/game"
)

// Options selects what Train trains and how Eval measures it.
type Options struct {
	Env   string // cartpole, acrobot, tictactoe, connect4
	Algo  string // dqn, ppo, alphazero
	Steps int    // environment steps (self-play moves for alphazero); 0: the algorithm's default (connect4: 200000 moves)
	Seed  uint64
	Log   io.Writer // progress, or nil

	EvalEpisodes int // control tasks: greedy episodes [100]
	EvalGames    int // games: games per side against each opponent [500 tic-tac-toe, 50 Connect Four]
	Simulations  int // MCTS simulations per move when evaluating and playing [100]
}

// Record is a match record split by the side the agent played.
type Record struct {
	game.Record
	AsFirst  game.Record `json:"as_first"`
	AsSecond game.Record `json:"as_second"`
	Depth    int         `json:"depth,omitempty"`
}

// Exact is an exact audit split by the side the agent played.
type Exact struct {
	AsFirst  game.Audit `json:"as_first"`
	AsSecond game.Audit `json:"as_second"`
	Win      float64    `json:"win"` // mean of the two sides' win probabilities
}

// Report is the JSON report of a training or evaluation run.
type Report struct {
	Env          string  `json:"env"`
	Algo         string  `json:"algo"`
	Seed         uint64  `json:"seed"`
	EnvSteps     int     `json:"env_steps,omitempty"`
	TrainSeconds float64 `json:"train_seconds,omitempty"`

	EvalMeanReturn *float64 `json:"eval_mean_return,omitempty"`
	EvalStdReturn  *float64 `json:"eval_std_return,omitempty"`
	EvalEpisodes   int      `json:"eval_episodes,omitempty"`
	Threshold      *float64 `json:"threshold,omitempty"`
	Solved         *bool    `json:"solved,omitempty"`

	SelfPlayGames     int     `json:"self_play_games,omitempty"`
	VsRandom          *Record `json:"vs_random,omitempty"`
	VsPerfect         *Record `json:"vs_perfect,omitempty"`
	VsAlphaBeta       *Record `json:"vs_alphabeta,omitempty"`
	VsAlphaBetaDepth2 *Record `json:"vs_alphabeta_depth2,omitempty"`
	// ExactVsRandom (tic-tac-toe): the agent's exact probabilities against
	// a uniformly random player and its blunders, from every line of play
	// (game.AuditTicTacToe), as first and as second player.
	ExactVsRandom   *Exact  `json:"exact_vs_random,omitempty"`
	EvalSimulations int     `json:"eval_simulations,omitempty"`
	EvalSeconds     float64 `json:"eval_seconds"`
}

// IsGame reports whether env names a board game.
func IsGame(env string) bool { return env == "tictactoe" || env == "connect4" }

// Train trains an agent and evaluates it; it returns the model to save and
// the report.
func Train(o Options) (*model.Model, *Report, error) {
	rep := &Report{Env: o.Env, Algo: o.Algo, Seed: o.Seed}
	start := time.Now()
	var m *model.Model
	switch {
	case IsGame(o.Env):
		if o.Algo != "alphazero" {
			return nil, nil, fmt.Errorf("--algo %s: board games train with alphazero", o.Algo)
		}
		steps := o.Steps
		if steps == 0 && o.Env == "connect4" {
			steps = 200000 // about 7,500 games; the 30 default rounds are too few to beat alpha-beta
		}
		res, err := alphazero.Train(alphazero.Config{Game: o.Env, MaxMoves: steps, Seed: o.Seed, Log: o.Log})
		if err != nil {
			return nil, nil, err
		}
		m, rep.EnvSteps, rep.SelfPlayGames = res.Net.Model, res.Moves, res.Games
	default:
		mk := func() rl.Env { e, _ := rl.New(o.Env); return e }
		if _, err := rl.New(o.Env); err != nil {
			return nil, nil, err
		}
		switch o.Algo {
		case "dqn":
			res, err := rl.TrainDQN(mk(), mk(), rl.DQNConfig{Steps: o.Steps, Seed: o.Seed, Log: o.Log})
			if err != nil {
				return nil, nil, err
			}
			m, rep.EnvSteps = res.Q, res.Steps
		case "ppo":
			cfg := rl.PPOConfig{Steps: o.Steps, Seed: o.Seed, Log: o.Log}
			if o.Env == "acrobot" { // the rl-baselines3-zoo's Acrobot-v1 settings
				cfg.NumEnvs, cfg.NSteps, cfg.Lambda, cfg.Gamma, cfg.Epochs, cfg.BatchSize = 16, 256, 0.94, 0.99, 4, 64
			}
			res, err := rl.TrainPPO(mk, cfg)
			if err != nil {
				return nil, nil, err
			}
			m, rep.EnvSteps = res.Actor, res.Steps
		case "alphazero":
			return nil, nil, fmt.Errorf("--algo alphazero: %s is not a board game (use dqn or ppo)", o.Env)
		default:
			return nil, nil, fmt.Errorf("--algo %q: want dqn, ppo or alphazero", o.Algo)
		}
		if err := setInfo(m, o.Env, o.Algo); err != nil {
			return nil, nil, err
		}
	}
	rep.TrainSeconds = time.Since(start).Seconds()
	ev, err := Eval(m, o)
	if err != nil {
		return nil, nil, err
	}
	ev.EnvSteps, ev.TrainSeconds, ev.SelfPlayGames, ev.Seed = rep.EnvSteps, rep.TrainSeconds, rep.SelfPlayGames, o.Seed
	return m, ev, nil
}

func setInfo(m *model.Model, env, algo string) error {
	for k, v := range map[string]string{"rl.env": env, "rl.algo": algo} {
		b, _ := json.Marshal(v)
		if err := m.SetMetadata(k, b); err != nil {
			return err
		}
	}
	return nil
}

// Info returns the environment and algorithm a model was trained for.
func Info(m *model.Model) (env, algo string, err error) {
	for _, kv := range []struct {
		k string
		v *string
	}{{"rl.env", &env}, {"rl.algo", &algo}} {
		b, ok := m.Metadata(kv.k)
		if !ok {
			return "", "", fmt.Errorf("the model has no %q metadata: it was not trained by tensile rl", kv.k)
		}
		if err := json.Unmarshal(b, kv.v); err != nil {
			return "", "", fmt.Errorf("metadata %q: %w", kv.k, err)
		}
	}
	if _, err := rl.New(env); err != nil && !IsGame(env) {
		return "", "", fmt.Errorf("the model is for unknown environment %q", env)
	}
	return env, algo, nil
}

// Policy returns the greedy policy of a control-task model.
func Policy(m *model.Model) func([]float64) (int, error) { return rl.GreedyPolicy(m) }

// Player returns the search player of a board-game model.
func Player(m *model.Model, sims int, seed uint64) *alphazero.Player {
	if sims <= 0 {
		sims = 100
	}
	return alphazero.NewPlayer(alphazero.NewNet(m), sims, seed)
}

// Eval measures a trained model: 100 (EvalEpisodes) greedy episodes for a
// control task; for a game, EvalGames games per side against a random
// player and against perfect minimax (tic-tac-toe) or alpha-beta of depth 2
// and 4 (Connect Four).
func Eval(m *model.Model, o Options) (*Report, error) {
	env, algo, err := Info(m)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rep := &Report{Env: env, Algo: algo}
	if !IsGame(env) {
		n := o.EvalEpisodes
		if n <= 0 {
			n = 100
		}
		e, _ := rl.New(env)
		rets, err := rl.Evaluate(e, Policy(m), n, 1<<40)
		if err != nil {
			return nil, err
		}
		mean, sd := rl.Mean(rets), 0.0
		for _, r := range rets {
			sd += (r - mean) * (r - mean)
		}
		sd = math.Sqrt(sd / float64(len(rets)))
		th := rl.Threshold(env)
		solved := mean >= th
		rep.EvalMeanReturn, rep.EvalStdReturn, rep.EvalEpisodes, rep.Threshold, rep.Solved = &mean, &sd, n, &th, &solved
		rep.EvalSeconds = time.Since(start).Seconds()
		return rep, nil
	}
	n := o.EvalGames
	if n <= 0 {
		n = 500
		if env == "connect4" {
			n = 50
		}
	}
	sims := o.Simulations
	if sims <= 0 {
		sims = 100
	}
	rep.EvalSimulations = sims
	p := Player(m, sims, o.Seed+17)
	rng := rand.New(rand.NewPCG(o.Seed, 0xe7a1))
	match := func(opp game.Player, depth int) (*Record, error) {
		f, s, err := alphazero.EvaluateVs(p, env, opp, n)
		if err != nil {
			return nil, err
		}
		r := &Record{AsFirst: f, AsSecond: s, Depth: depth}
		r.Add(f)
		r.Add(s)
		if o.Log != nil {
			name := "random"
			if depth > 0 {
				name = fmt.Sprintf("alpha-beta depth %d", depth)
			} else if depth < 0 {
				name = "perfect minimax"
			}
			fmt.Fprintf(o.Log, "vs %-20s as first %v  as second %v  (wins-draws-losses)\n", name, f, s)
		}
		return r, nil
	}
	if rep.VsRandom, err = match(game.Random(rng), 0); err != nil {
		return nil, err
	}
	if env == "tictactoe" {
		if rep.VsPerfect, err = match(game.NewMinimax(rng), -1); err != nil {
			return nil, err
		}
		rep.VsPerfect.Depth = 0
		var ex Exact
		if ex.AsFirst, err = game.AuditTicTacToe(p, 0); err != nil {
			return nil, err
		}
		if ex.AsSecond, err = game.AuditTicTacToe(p, 1); err != nil {
			return nil, err
		}
		if err := p.Err(); err != nil {
			return nil, err
		}
		ex.Win = (ex.AsFirst.Win + ex.AsSecond.Win) / 2
		rep.ExactVsRandom = &ex
		if o.Log != nil {
			fmt.Fprintf(o.Log, "exact vs random: win %.2f%% as first, %.2f%% as second (%.2f%%); %d blunders in %d positions\n",
				100*ex.AsFirst.Win, 100*ex.AsSecond.Win, 100*ex.Win, ex.AsFirst.Blunders+ex.AsSecond.Blunders, ex.AsFirst.Positions+ex.AsSecond.Positions)
		}
	} else {
		if rep.VsAlphaBetaDepth2, err = match(game.NewAlphaBeta(2, rng), 2); err != nil {
			return nil, err
		}
		if rep.VsAlphaBeta, err = match(game.NewAlphaBeta(4, rng), 4); err != nil {
			return nil, err
		}
	}
	rep.EvalSeconds = time.Since(start).Seconds()
	return rep, nil
}
