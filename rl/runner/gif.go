package runner

import (
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"math"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/rl"
	"github.com/tensile-ml/tensile/rl/game"
)

var palette = color.Palette{
	color.White,
	color.Black,
	color.RGBA{0x99, 0x99, 0x99, 0xff}, // 2 grey
	color.RGBA{0xca, 0x98, 0x65, 0xff}, // 3 pole brown
	color.RGBA{0x81, 0x84, 0xcb, 0xff}, // 4 axle blue
	color.RGBA{0xd6, 0x27, 0x28, 0xff}, // 5 red
	color.RGBA{0xf2, 0xc8, 0x1e, 0xff}, // 6 yellow
	color.RGBA{0x1f, 0x5f, 0xbf, 0xff}, // 7 board blue
}

const (
	cWhite = iota
	cBlack
	cGrey
	cBrown
	cAxle
	cRed
	cYellow
	cBoard
)

type canvas struct{ *image.Paletted }

func newCanvas(w, h int) canvas {
	return canvas{image.NewPaletted(image.Rect(0, 0, w, h), palette)}
}

func (c canvas) rect(x0, y0, x1, y1 int, col uint8) {
	for y := max(y0, 0); y < min(y1, c.Rect.Dy()); y++ {
		for x := max(x0, 0); x < min(x1, c.Rect.Dx()); x++ {
			c.SetColorIndex(x, y, col)
		}
	}
}

func (c canvas) disc(cx, cy, r float64, col uint8) {
	for y := int(cy - r); y <= int(cy+r)+1; y++ {
		for x := int(cx - r); x <= int(cx+r)+1; x++ {
			if dx, dy := float64(x)-cx, float64(y)-cy; dx*dx+dy*dy <= r*r && image.Pt(x, y).In(c.Rect) {
				c.SetColorIndex(x, y, col)
			}
		}
	}
}

func (c canvas) ring(cx, cy, r, width float64, col uint8) {
	for y := int(cy - r); y <= int(cy+r)+1; y++ {
		for x := int(cx - r); x <= int(cx+r)+1; x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			if d <= r && d >= r-width && image.Pt(x, y).In(c.Rect) {
				c.SetColorIndex(x, y, col)
			}
		}
	}
}

// line draws a segment of the given width.
func (c canvas) line(x0, y0, x1, y1, width float64, col uint8) {
	n := int(math.Hypot(x1-x0, y1-y0)) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		c.disc(x0+t*(x1-x0), y0+t*(y1-y0), width/2, col)
	}
}

// Watch writes an animated GIF of one episode: a greedy episode of a
// control task from Reset(seed), or a game of the agent against itself.
// It returns the episode's return (control) or the winner (games: 0, 1,
// -1 draw) and the number of frames.
func Watch(m *model.Model, w io.Writer, seed uint64, sims int) (float64, int, error) {
	env, _, err := Info(m)
	if err != nil {
		return 0, 0, err
	}
	anim := &gif.GIF{}
	add := func(img *image.Paletted, delay int) {
		anim.Image = append(anim.Image, img)
		anim.Delay = append(anim.Delay, delay)
	}
	var result float64
	if IsGame(env) {
		g, _ := game.New(env)
		p := Player(m, sims, seed)
		add(drawBoard(g), 60)
		for {
			if done, w := g.Outcome(); done {
				result = float64(w)
				break
			}
			if err := g.Play(p.Move(g)); err != nil {
				return 0, 0, err
			}
			if p.Err() != nil {
				return 0, 0, p.Err()
			}
			add(drawBoard(g), 60)
		}
		anim.Delay[len(anim.Delay)-1] = 250
	} else {
		e, _ := rl.New(env)
		policy := Policy(m)
		obs := e.Reset(int64(seed))
		r := e.(rl.Renderer)
		add(drawControl(env, r.RenderState()), 4)
		for i := 0; ; i++ {
			a, err := policy(obs)
			if err != nil {
				return 0, 0, err
			}
			var rew float64
			var term, trunc bool
			obs, rew, term, trunc = e.Step(a)
			result += rew
			if i%2 == 1 || term || trunc { // every second step at 25 frames/s of 0.02 s steps ≈ real time ×0.5
				add(drawControl(env, r.RenderState()), 4)
			}
			if term || trunc {
				break
			}
		}
		anim.Delay[len(anim.Delay)-1] = 100
	}
	if err := gif.EncodeAll(w, anim); err != nil {
		return 0, 0, fmt.Errorf("gif: %w", err)
	}
	return result, len(anim.Image), nil
}

// drawControl draws CartPole (cart and pole, Gymnasium's proportions) or
// Acrobot (two links, the goal line).
func drawControl(env string, s []float64) *image.Paletted {
	switch env {
	case "cartpole":
		const W, H = 480, 320
		c := newCanvas(W, H)
		scale := W / 4.8
		cartY := 220.0
		cx := W/2 + s[0]*scale
		c.rect(0, int(cartY)+15, W, int(cartY)+17, cBlack) // track
		c.rect(int(cx-25), int(cartY-15), int(cx+25), int(cartY+15), cBlack)
		pl := scale * 1.0 // the full pole (2 × half-length)
		c.line(cx, cartY-10, cx+pl*math.Sin(s[1]), cartY-10-pl*math.Cos(s[1]), 8, cBrown)
		c.disc(cx, cartY-10, 4, cAxle)
		return c.Paletted
	default: // acrobot
		const W = 320
		c := newCanvas(W, W)
		scale, ox, oy := 70.0, W/2.0, W/2.0
		c.rect(0, int(oy-scale), W, int(oy-scale)+2, cGrey) // goal height: one link above the pivot
		x1, y1 := ox+scale*math.Sin(s[0]), oy+scale*math.Cos(s[0])
		x2, y2 := x1+scale*math.Sin(s[0]+s[1]), y1+scale*math.Cos(s[0]+s[1])
		c.line(ox, oy, x1, y1, 8, cBoard)
		c.line(x1, y1, x2, y2, 8, cBoard)
		c.disc(ox, oy, 5, cYellow)
		c.disc(x1, y1, 5, cYellow)
		return c.Paletted
	}
}

// drawBoard draws a tic-tac-toe or Connect Four position.
func drawBoard(g game.Game) *image.Paletted {
	cells := g.Cells()
	R, C := g.Rows(), g.Cols()
	if g.Name() == "tictactoe" {
		const s = 90
		c := newCanvas(C*s, R*s)
		for i := 1; i < 3; i++ {
			c.rect(i*s-2, 0, i*s+2, R*s, cBlack)
			c.rect(0, i*s-2, C*s, i*s+2, cBlack)
		}
		for i, v := range cells {
			x, y := float64(i%C*s+s/2), float64(i/C*s+s/2)
			switch v {
			case 1:
				c.line(x-25, y-25, x+25, y+25, 8, cRed)
				c.line(x-25, y+25, x+25, y-25, 8, cRed)
			case 2:
				c.ring(x, y, 28, 7, cBoard)
			}
		}
		return c.Paletted
	}
	const s = 50
	c := newCanvas(C*s, R*s)
	c.rect(0, 0, C*s, R*s, cBoard)
	for i, v := range cells {
		x, y := float64(i%C*s+s/2), float64(i/C*s+s/2)
		col := uint8(cWhite)
		switch v {
		case 1:
			col = cRed
		case 2:
			col = cYellow
		}
		c.disc(x, y, 20, col)
	}
	return c.Paletted
}
