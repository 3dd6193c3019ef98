package game

import "fmt"

// Audit is the exact account of a deterministic tic-tac-toe player, from
// AuditTicTacToe.
type Audit struct {
	// Win, Draw and Loss are the player's exact probabilities against a
	// uniformly random opponent.
	Win  float64 `json:"win"`
	Draw float64 `json:"draw"`
	Loss float64 `json:"loss"`
	// Positions counts the distinct positions in which the player moves
	// against some opponent, and Blunders those of them in which its move
	// is not minimax-optimal. With no blunders the player never loses to
	// any opponent, perfect play included.
	Positions int `json:"positions"`
	Blunders  int `json:"blunders"`
}

// AuditTicTacToe plays agent as player me (0 moves first) against every
// sequence of opponent moves and returns its exact record against a
// uniformly random opponent and its blunders. The agent is asked once per
// position, so it must be deterministic (a search player without root
// noise is); an illegal move is an error.
func AuditTicTacToe(agent Player, me int) (Audit, error) {
	a := auditor{agent: agent, me: me, mm: NewMinimax(nil), memo: map[[9]int8]Audit{}}
	r, err := a.walk(NewTicTacToe())
	if err != nil {
		return Audit{}, err
	}
	r.Positions, r.Blunders = a.positions, a.blunders
	return r, nil
}

type auditor struct {
	agent               Player
	me                  int
	mm                  *Minimax
	memo                map[[9]int8]Audit
	positions, blunders int
}

func (a *auditor) walk(t *TicTacToe) (Audit, error) {
	if done, w := t.Outcome(); done {
		switch w {
		case a.me:
			return Audit{Win: 1}, nil
		case -1:
			return Audit{Draw: 1}, nil
		}
		return Audit{Loss: 1}, nil
	}
	if r, ok := a.memo[t.cells]; ok {
		return r, nil
	}
	var r Audit
	if t.ToMove() == a.me {
		m := a.agent.Move(t.Clone())
		a.positions++
		best := false
		for _, b := range a.mm.BestMoves(t) {
			best = best || b == m
		}
		if !best {
			a.blunders++
		}
		c := *t
		if err := c.Play(m); err != nil {
			return r, fmt.Errorf("game: audited player: %w", err)
		}
		var err error
		if r, err = a.walk(&c); err != nil {
			return r, err
		}
	} else {
		moves := LegalMoves(t)
		for _, m := range moves {
			c := *t
			_ = c.Play(m)
			x, err := a.walk(&c)
			if err != nil {
				return r, err
			}
			k := float64(len(moves))
			r.Win += x.Win / k
			r.Draw += x.Draw / k
			r.Loss += x.Loss / k
		}
	}
	a.memo[t.cells] = r
	return r, nil
}
