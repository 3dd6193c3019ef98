package main

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestAddingData(t *testing.T) {
	const n, T = 200, 12
	x, y := Adding(rand.New(rand.NewPCG(1, 1)), n, T)
	var mse float64
	for i := range n {
		var sum float32
		var marks []int
		for s := range T {
			if x[(i*T+s)*2+1] == 1 {
				marks = append(marks, s)
				sum += x[(i*T+s)*2]
			}
		}
		if len(marks) != 2 || marks[0] >= T/2 || marks[1] < T/2 || sum != y[i] {
			t.Fatalf("sample %d: markers %v, target %g, marked sum %g", i, marks, y[i], sum)
		}
		mse += float64((y[i] - 1) * (y[i] - 1))
	}
	if mse /= n; mse < 0.12 || mse > 0.22 {
		t.Errorf("MSE of predicting 1 is %.3f, want about %.3f", mse, Baseline)
	}
}

// TestLSTMSolvesShortAdding trains the LSTM at T=10 and checks it solves
// the task; the other models only run a few steps (the code path).
func TestLSTMSolvesShortAdding(t *testing.T) {
	cfg := Config{Steps: 600, Batch: 32, Units: 16, LR: 1e-2, TestSize: 200, Seed: 1}
	r, err := Run("lstm", 10, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.TestMSE >= Solved {
		t.Errorf("LSTM at T=10: test MSE %.4f, want < %.2f", r.TestMSE, Solved)
	}
	var b bytes.Buffer
	cfg.Steps = 3
	if err := Table(&b, []int{6}, Models, cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| 6 |") || strings.Count(b.String(), "|") != 3*(len(Models)+2) {
		t.Errorf("table:\n%s", b.String())
	}
	if _, err := Run("transformer", 6, cfg); err == nil {
		t.Error("unknown model kind accepted")
	}
}
