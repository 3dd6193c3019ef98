package alphazero

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/tensile-ml/tensile/rl/game"
)

func envInt(k string) int { v, _ := strconv.Atoi(os.Getenv(k)); return v }

func TestTry(t *testing.T) {
	if os.Getenv("TRY") == "" {
		t.Skip()
	}
	for seed := uint64(1); seed <= 3; seed++ {
		res, err := Train(Config{Game: "tictactoe", Iterations: envInt("IT"), Simulations: envInt("SIMS"), TempMoves: envInt("TEMP"), TrainSteps: envInt("TS"), Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		p := NewPlayer(res.Net, 100, 1)
		rng := rand.New(rand.NewPCG(9, 9))
		f, s, _ := EvaluateVs(p, "tictactoe", game.Random(rng), 500)
		f2, s2, _ := EvaluateVs(p, "tictactoe", game.NewMinimax(rng), 500)
		t.Logf("seed %d: random %v %v perfect %v %v", seed, f, s, f2, s2)
	}
}
