package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/rl/game"
	"github.com/tensile-ml/tensile/rl/runner"
)

func init() {
	register(&command{name: "rl", summary: "reinforcement learning: rl train ENV --algo dqn|ppo|alphazero --out MODEL | rl eval MODEL | rl watch MODEL --out episode.gif", run: runRL})
	register(&command{name: "play", summary: "play tictactoe|connect4 against an agent in the terminal [--model MODEL]", run: runPlay})
}

// stdin is the human's input for "tensile play" (replaced in tests).
var stdin io.Reader = os.Stdin

func runRL(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(`missing subcommand: "train", "eval" or "watch"`)
	}
	switch args[0] {
	case "train":
		return runRLTrain(args[1:], stdout)
	case "eval":
		return runRLEval(args[1:], stdout)
	case "watch":
		return runRLWatch(args[1:], stdout)
	}
	return fmt.Errorf(`unknown subcommand %q: "train", "eval" or "watch"`, args[0])
}

func rlEvalFlags(fs *flag.FlagSet, o *runner.Options) {
	fs.IntVar(&o.EvalEpisodes, "episodes", 100, "control tasks: greedy evaluation episodes")
	fs.IntVar(&o.EvalGames, "games", 0, "board games: evaluation games per side and opponent (0: 500 tic-tac-toe, 50 Connect Four)")
	fs.IntVar(&o.Simulations, "sims", 100, "board games: MCTS simulations per move")
}

func runRLTrain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rl train", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o runner.Options
	fs.StringVar(&o.Algo, "algo", "", "dqn, ppo (cartpole, acrobot) or alphazero (tictactoe, connect4) (required)")
	out := fs.String("out", "", "save the trained agent here (required)")
	fs.IntVar(&o.Steps, "steps", 0, "environment steps (alphazero: self-play moves); 0: 100000 for dqn/ppo, 100 self-play rounds for tictactoe, 200000 moves for connect4")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed")
	report := fs.String("report", "", "write a JSON report here")
	quiet := fs.Bool("quiet", false, "print only the final report")
	rlEvalFlags(fs, &o)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want one environment: cartpole, acrobot, tictactoe or connect4")
	}
	o.Env = pos[0]
	if o.Algo == "" || *out == "" {
		return errors.New("--algo and --out are required")
	}
	if o.Steps < 0 || o.EvalEpisodes <= 0 || o.EvalGames < 0 || o.Simulations <= 0 {
		return errors.New("--steps and --games must be >= 0, --episodes and --sims > 0")
	}
	for _, p := range []struct{ flag, path string }{{"--out", *out}, {"--report", *report}} {
		if err := checkOutputPath(p.flag, p.path); err != nil {
			return err
		}
	}
	if !*quiet {
		o.Log = stdout
	}
	m, rep, err := runner.Train(o)
	if err != nil {
		return err
	}
	if err := m.Save(*out); err != nil {
		return err
	}
	printRLReport(stdout, rep)
	fmt.Fprintf(stdout, "saved %s\n", *out)
	return writeRLReport(*report, rep)
}

func runRLEval(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rl eval", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o runner.Options
	rlEvalFlags(fs, &o)
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed of the opponents")
	report := fs.String("report", "", "write a JSON report here")
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want one MODEL file")
	}
	if o.EvalEpisodes <= 0 || o.EvalGames < 0 || o.Simulations <= 0 {
		return errors.New("--episodes and --sims must be > 0, --games >= 0")
	}
	if err := checkOutputPath("--report", *report); err != nil {
		return err
	}
	m, err := loadRLModel(pos[0])
	if err != nil {
		return err
	}
	o.Log = stdout
	rep, err := runner.Eval(m, o)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	printRLReport(stdout, rep)
	return writeRLReport(*report, rep)
}

func runRLWatch(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rl watch", flag.ContinueOnError)
	fs.SetOutput(stdout)
	out := fs.String("out", "", "write the animated GIF here (required)")
	seed := fs.Uint64("seed", 1, "episode seed")
	sims := fs.Int("sims", 100, "board games: MCTS simulations per move")
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want one MODEL file")
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	if *sims <= 0 {
		return fmt.Errorf("--sims %d: want > 0", *sims)
	}
	if err := checkOutputPath("--out", *out); err != nil {
		return err
	}
	m, err := loadRLModel(pos[0])
	if err != nil {
		return err
	}
	env, _, _ := runner.Info(m)
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".tensile-gif-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	res, frames, err := runner.Watch(m, tmp, *seed, *sims)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	if runner.IsGame(env) {
		fmt.Fprintf(stdout, "wrote %s: %d frames, a self-play game (%s)\n", *out, frames, winnerText(int(res)))
	} else {
		fmt.Fprintf(stdout, "wrote %s: %d frames, episode return %.0f\n", *out, frames, res)
	}
	return nil
}

func winnerText(w int) string {
	switch w {
	case 0:
		return "first player wins"
	case 1:
		return "second player wins"
	}
	return "draw"
}

// loadRLModel loads a model and checks that tensile rl trained it.
func loadRLModel(path string) (*model.Model, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	if _, _, err := runner.Info(m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func printRLReport(w io.Writer, r *runner.Report) {
	if r.EvalMeanReturn != nil {
		fmt.Fprintf(w, "%s %s: greedy mean return %.2f ± %.2f over %d episodes (threshold %g: %s)",
			r.Env, r.Algo, *r.EvalMeanReturn, *r.EvalStdReturn, r.EvalEpisodes, *r.Threshold, map[bool]string{true: "solved", false: "not solved"}[*r.Solved])
	} else {
		fmt.Fprintf(w, "%s %s: vs random %v", r.Env, r.Algo, r.VsRandom.Record)
		if r.VsPerfect != nil {
			fmt.Fprintf(w, ", vs perfect %v", r.VsPerfect.Record)
		}
		if r.VsAlphaBeta != nil {
			fmt.Fprintf(w, ", vs alpha-beta depth 2 %v, depth 4 %v", r.VsAlphaBetaDepth2.Record, r.VsAlphaBeta.Record)
		}
		fmt.Fprint(w, " (wins-draws-losses)")
	}
	if r.EnvSteps > 0 {
		fmt.Fprintf(w, "; %d env steps in %.1fs", r.EnvSteps, r.TrainSeconds)
	}
	fmt.Fprintln(w)
}

func writeRLReport(path string, r *runner.Report) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("--report %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

func runPlay(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("play", flag.ContinueOnError)
	fs.SetOutput(stdout)
	modelPath := fs.String("model", "", "the agent to play (default: perfect minimax for tictactoe, alpha-beta depth 4 for connect4)")
	second := fs.Bool("second", false, "let the agent move first")
	sims := fs.Int("sims", 200, "MCTS simulations per agent move")
	seed := fs.Uint64("seed", 1, "random seed")
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || !runner.IsGame(pos[0]) {
		return errors.New("want a game: tictactoe or connect4")
	}
	if *sims <= 0 {
		return fmt.Errorf("--sims %d: want > 0", *sims)
	}
	name := pos[0]
	g, _ := game.New(name)
	rng := rand.New(rand.NewPCG(*seed, 3))
	var agent game.Player
	var agentErr func() error
	if *modelPath != "" {
		m, err := loadRLModel(*modelPath)
		if err != nil {
			return err
		}
		if env, _, _ := runner.Info(m); env != name {
			return fmt.Errorf("--model %s plays %s, not %s", *modelPath, env, name)
		}
		p := runner.Player(m, *sims, *seed)
		agent, agentErr = p, p.Err
	} else if name == "tictactoe" {
		agent = game.NewMinimax(rng)
	} else {
		agent = game.NewAlphaBeta(4, rng)
	}
	human := 0
	if *second {
		human = 1
	}
	what := "a cell number 0-8"
	if name == "connect4" {
		what = "a column number 0-6"
	}
	fmt.Fprintf(stdout, "You play %s. Enter %s, or q to quit.\n", map[int]string{0: "X (first)", 1: "O (second)"}[human], what)
	in := bufio.NewScanner(stdin)
	for {
		if done, w := g.Outcome(); done {
			fmt.Fprint(stdout, g)
			switch w {
			case human:
				fmt.Fprintln(stdout, "You win!")
			case -1:
				fmt.Fprintln(stdout, "Draw.")
			default:
				fmt.Fprintln(stdout, "The agent wins.")
			}
			return nil
		}
		if g.ToMove() != human {
			a := agent.Move(g)
			if agentErr != nil && agentErr() != nil {
				return agentErr()
			}
			if err := g.Play(a); err != nil {
				return fmt.Errorf("the agent made an illegal move: %w", err)
			}
			fmt.Fprintf(stdout, "agent plays %d\n", a)
			continue
		}
		fmt.Fprint(stdout, g)
		fmt.Fprint(stdout, "your move: ")
		if !in.Scan() {
			fmt.Fprintln(stdout)
			if err := in.Err(); err != nil {
				return err
			}
			return errors.New("input ended before the game did")
		}
		line := strings.TrimSpace(in.Text())
		if line == "q" || line == "quit" {
			fmt.Fprintln(stdout, "bye")
			return nil
		}
		a, err := strconv.Atoi(line)
		if err != nil {
			fmt.Fprintf(stdout, "%q is not a move: enter %s\n", line, what)
			continue
		}
		if err := g.Play(a); err != nil {
			fmt.Fprintf(stdout, "illegal move: %v; try again\n", err)
		}
	}
}
