package rl

import (
	"testing"
)

// These tests train small agents and fail when learning breaks: a random
// CartPole policy averages about 22 steps.

func TestPPOLearnsCartPole(t *testing.T) {
	res, err := TrainPPO(func() Env { return NewCartPole() }, PPOConfig{Steps: 12800, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	rets, err := Evaluate(NewCartPole(), GreedyPolicy(res.Actor), 10, 500)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PPO after %d steps: greedy mean return %.1f", res.Steps, Mean(rets))
	if m := Mean(rets); m < 100 {
		t.Fatalf("PPO greedy mean return %.1f after %d steps, want >= 100", m, res.Steps)
	}
}

func TestDQNLearnsCartPole(t *testing.T) {
	res, err := TrainDQN(NewCartPole(), NewCartPole(), DQNConfig{Steps: 15000, Hidden: []int{64, 64}, EvalEvery: 2000, EvalEpisodes: 5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	rets, err := Evaluate(NewCartPole(), GreedyPolicy(res.Q), 10, 500)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("DQN after %d steps: best periodic eval %.1f, greedy mean return %.1f", res.Steps, res.BestEval, Mean(rets))
	if m := Mean(rets); m < 100 {
		t.Fatalf("DQN greedy mean return %.1f after %d steps, want >= 100", m, res.Steps)
	}
}
