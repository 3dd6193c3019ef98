// Package rl is reinforcement learning for tensile: environments with
// Gymnasium's interface that ship in the binary, and DQN and PPO agents
// built on tensile's layers, optimizers and autograd.
//
// # Environments
//
// Env is Gymnasium's interface: Reset(seed) returns the first observation
// (a seed >= 0 reseeds, NoSeed continues the stream) and Step(action)
// returns the observation, the reward and the terminated and truncated
// flags. Spaces are Discrete(n) or Box(low, high). Vec steps N copies in
// lockstep and resets finished ones at once, keeping each final
// observation for bootstrapping. CartPole (CartPole-v1) and Acrobot
// (Acrobot-v1) reproduce Gymnasium's dynamics, limits and time limits;
// New("cartpole") and Threshold give them by name. Board games live in
// package rl/game, AlphaZero-style self-play in rl/alphazero.
//
// # Agents
//
// TrainDQN: ε-greedy play into a replay buffer, Double-DQN targets from a
// target network, the Huber loss on the chosen action's Q-value, Adam with
// global gradient clipping. TrainPPO: vectorised rollouts, generalised
// advantage estimation, the clipped surrogate objective, a value loss and
// an optional entropy bonus, Epochs of shuffled minibatches per rollout,
// linear learning-rate and clip-range decay. Both default to the
// rl-baselines3-zoo's tuned CartPole-v1 hyperparameters.
//
// The networks are ordinary Sequential models (MLP). Their losses are
// functions of one chosen action per row (DQN) or of probability ratios
// (PPO), not of (x, y) pairs, so the agents build them from tensor ops on
// the output of Model.Call in training mode, call Backward and step an
// optim optimizer: the same pieces Model.TrainStep runs, composed in a
// different order.
//
// # Errors
//
// Stepping a finished episode or passing an action outside the action
// space panics with an error naming the environment (programmer errors);
// training functions return errors from the model layer.
//
// # Example
//
//	res, err := rl.TrainPPO(func() rl.Env { return rl.NewCartPole() }, rl.PPOConfig{Seed: 1})
//	if err != nil { ... }
//	returns, err := rl.Evaluate(rl.NewCartPole(), rl.GreedyPolicy(res.Actor), 100, 0)
package rl
