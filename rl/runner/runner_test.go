package runner

import (
	"bytes"
	"image/gif"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/rl"
	"github.com/tensile-ml/tensile/rl/alphazero"
	"github.com/tensile-ml/tensile/rl/game"
)

func TestInfoRejectsForeignModels(t *testing.T) {
	m, err := rl.MLP(4, []int{8}, "relu", 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Info(m); err == nil || !strings.Contains(err.Error(), "not trained by tensile rl") {
		t.Fatalf("Info: %v", err)
	}
	_ = m.SetMetadata("rl.env", []byte(`"pong"`))
	_ = m.SetMetadata("rl.algo", []byte(`"dqn"`))
	if _, _, err := Info(m); err == nil || !strings.Contains(err.Error(), "unknown environment") {
		t.Fatalf("Info: %v", err)
	}
}

func TestTrainOptionErrors(t *testing.T) {
	tests := []struct {
		o    Options
		want string
	}{
		{Options{Env: "cartpole", Algo: "sarsa"}, "want dqn, ppo or alphazero"},
		{Options{Env: "tictactoe", Algo: "ppo"}, "alphazero"},
		{Options{Env: "mountain", Algo: "ppo"}, "unknown environment"},
	}
	for _, tc := range tests {
		if _, _, err := Train(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
}

func TestWatchConnect4DrawsBoards(t *testing.T) {
	// An untrained network is enough to check the report's shape and the frames.
	m, err := alphazero.NewModel(game.NewConnect4(), []int{16}, 1)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Eval(m, Options{EvalGames: 1, Simulations: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rep.VsAlphaBeta == nil || rep.VsAlphaBeta.Games() != 2 || rep.VsAlphaBeta.Depth != 4 || rep.VsAlphaBetaDepth2 == nil {
		t.Fatalf("report %+v", rep)
	}
	var buf bytes.Buffer
	winner, frames, err := Watch(m, &buf, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(&buf)
	if err != nil || len(g.Image) != frames || frames < 8 || winner < -1 || winner > 1 {
		t.Fatalf("gif: %v, %d frames, winner %v", err, frames, winner)
	}
	if b := g.Image[0].Bounds(); b.Dx() != 7*50 || b.Dy() != 6*50 {
		t.Fatalf("board frame %v", b)
	}
}

func TestEvalTicTacToeReportsExactAudit(t *testing.T) {
	// An untrained network with fallible-opponent heads, so that the
	// tie-break runs too; the report's shape is what is checked.
	m, err := alphazero.NewFallibleModel(game.NewTicTacToe(), []int{16}, 1)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Eval(m, Options{EvalGames: 2, Simulations: 8})
	if err != nil {
		t.Fatal(err)
	}
	ex := rep.ExactVsRandom
	if ex == nil || rep.VsPerfect == nil || rep.VsPerfect.Games() != 4 {
		t.Fatalf("report %+v", rep)
	}
	for _, a := range []game.Audit{ex.AsFirst, ex.AsSecond} {
		if s := a.Win + a.Draw + a.Loss; s < 1-1e-9 || s > 1+1e-9 || a.Positions == 0 || a.Blunders > a.Positions {
			t.Errorf("audit %+v", a)
		}
	}
	if ex.Win != (ex.AsFirst.Win+ex.AsSecond.Win)/2 {
		t.Errorf("mean win %v", ex.Win)
	}
}
