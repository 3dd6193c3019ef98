package main

import (
	"encoding/json"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readJSONMap(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	return r
}

func TestRLTrainEvalWatchCartPole(t *testing.T) {
	dir := t.TempDir()
	mf, rep, gf := filepath.Join(dir, "cp.safetensors"), filepath.Join(dir, "r.json"), filepath.Join(dir, "ep.gif")
	code, out, errs := run(t, "rl", "train", "cartpole", "--algo", "ppo", "--steps", "2048", "--episodes", "3", "--out", mf, "--report", rep)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	r := readJSONMap(t, rep)
	for _, k := range []string{"eval_mean_return", "eval_episodes", "env_steps", "train_seconds"} {
		if _, ok := r[k]; !ok {
			t.Errorf("report lacks %q: %v", k, r)
		}
	}
	if r["eval_episodes"].(float64) != 3 || r["env_steps"].(float64) != 2048 {
		t.Errorf("report %v", r)
	}
	code, out, errs = run(t, "rl", "eval", mf, "--episodes", "2")
	if code != 0 || !strings.Contains(out, "over 2 episodes") {
		t.Fatalf("eval: exit %d: %s%s", code, out, errs)
	}
	code, out, errs = run(t, "rl", "watch", mf, "--out", gf)
	if code != 0 {
		t.Fatalf("watch: exit %d: %s%s", code, out, errs)
	}
	f, err := os.Open(gf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil || len(g.Image) < 2 {
		t.Fatalf("watch wrote a bad GIF: %v (%d frames)", err, len(g.Image))
	}
}

func TestRLTrainTicTacToeReport(t *testing.T) {
	dir := t.TempDir()
	mf, rep := filepath.Join(dir, "t.safetensors"), filepath.Join(dir, "r.json")
	code, out, errs := run(t, "rl", "train", "tictactoe", "--algo", "alphazero", "--steps", "100", "--games", "3", "--sims", "8", "--quiet", "--out", mf, "--report", rep)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	r := readJSONMap(t, rep)
	for _, k := range []string{"vs_perfect", "vs_random", "env_steps", "train_seconds"} {
		if _, ok := r[k]; !ok {
			t.Errorf("report lacks %q: %v", k, r)
		}
	}
	vp := r["vs_perfect"].(map[string]any)
	if n := vp["wins"].(float64) + vp["draws"].(float64) + vp["losses"].(float64); n != 6 {
		t.Errorf("vs_perfect counts %v games, want 6", n)
	}
	code, out, errs = run(t, "rl", "watch", mf, "--sims", "8", "--out", filepath.Join(dir, "g.gif"))
	if code != 0 || !strings.Contains(out, "self-play game") {
		t.Fatalf("watch: exit %d: %s%s", code, out, errs)
	}
	// Playing the model at connect4 is refused.
	stdin = strings.NewReader("")
	defer func() { stdin = os.Stdin }()
	if code, _, errs := run(t, "play", "connect4", "--model", mf); code != 1 || !strings.Contains(errs, "plays tictactoe") {
		t.Fatalf("wrong-game model: exit %d: %s", code, errs)
	}
}

func TestRLErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.safetensors")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"rl"}, "missing subcommand"},
		{[]string{"rl", "fly"}, "unknown subcommand"},
		{[]string{"rl", "train", "pong", "--algo", "dqn", "--out", out}, "unknown environment"},
		{[]string{"rl", "train", "cartpole", "--out", out}, "--algo and --out are required"},
		{[]string{"rl", "train", "cartpole", "--algo", "a2c", "--out", out}, "want dqn, ppo or alphazero"},
		{[]string{"rl", "train", "cartpole", "--algo", "alphazero", "--out", out}, "not a board game"},
		{[]string{"rl", "train", "connect4", "--algo", "dqn", "--out", out}, "train with alphazero"},
		{[]string{"rl", "train", "cartpole", "--algo", "ppo", "--steps", "-1", "--out", out}, "--steps"},
		{[]string{"rl", "train", "cartpole", "--algo", "ppo", "--out", "/nonexistent/m"}, "does not exist"},
		{[]string{"rl", "eval", filepath.Join(dir, "missing.safetensors")}, "missing.safetensors"},
		{[]string{"rl", "watch", "m"}, "--out is required"},
		{[]string{"play", "chess"}, "want a game"},
	}
	for _, tc := range tests {
		code, _, errs := run(t, tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) || strings.Contains(errs, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q, want it to mention %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestPlayRefusesIllegalMoves(t *testing.T) {
	// The human (X) tries a taken cell, a non-number and an off-board cell,
	// then plays cells in order until the game ends against perfect play.
	stdin = strings.NewReader("4\n4\nx\n9\n0\n1\n2\n3\n5\n6\n7\n8\n")
	defer func() { stdin = os.Stdin }()
	code, out, errs := run(t, "play", "tictactoe")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, want := range []string{"illegal move: cell 4 is taken", `"x" is not a move`, "illegal move: cell 9 is not on the board"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "Draw.") && !strings.Contains(out, "The agent wins.") {
		t.Errorf("the game did not finish, or the human beat perfect play:\n%s", out)
	}
	stdin = strings.NewReader("3\n")
	if code, _, errs := run(t, "play", "connect4"); code != 1 || !strings.Contains(errs, "input ended") {
		t.Fatalf("early end of input: exit %d: %s", code, errs)
	}
}

// FuzzPlayInput feeds arbitrary terminal input to "tensile play": it must
// end with a message or an error, never a panic.
func FuzzPlayInput(f *testing.F) {
	f.Add("4\n4\nx\n9\n0\n1\n2\n3\n5\n6\n7\n8\n", false)
	f.Add("-1\n99999999999999999999\n 3 \nq\n", true)
	f.Fuzz(func(t *testing.T, input string, c4 bool) {
		stdin = strings.NewReader(input)
		defer func() { stdin = os.Stdin }()
		g := "tictactoe"
		if c4 {
			g = "connect4"
		}
		code, _, errs := run(t, "play", g, "--seed", "1")
		if code != 0 && !strings.Contains(errs, "input ended") {
			t.Fatalf("exit %d: %s", code, errs)
		}
	})
}
