package alphazero

import (
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/tensile-ml/tensile/rl/game"
)

func TestTicTacToeSelfPlayLearns(t *testing.T) {
	start := time.Now()
	var log *os.File
	if testing.Verbose() {
		log = os.Stdout
	}
	res, err := Train(Config{Game: "tictactoe", Iterations: 20, Seed: 1, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained in %v, %d games", time.Since(start), res.Games)
	p := NewPlayer(res.Net, 50, 1)
	rng := rand.New(rand.NewPCG(9, 9))
	f, s, err := EvaluateVs(p, "tictactoe", game.NewMinimax(rng), 100)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("vs perfect: first %v second %v (%v)", f, s, time.Since(start))
	f2, s2, err := EvaluateVs(p, "tictactoe", game.Random(rng), 100)
	t.Logf("vs random: first %v second %v (%v)", f2, s2, time.Since(start))
}
