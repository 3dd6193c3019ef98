// Command scaling models data-parallel training's speed-up over 1 to 64
// machines and draws it: the ring all-reduce time of one step's gradients,
//
//	T_ar(N) = k · 2(N−1) · α + 2(N−1)/N · bytes / bandwidth,
//
// (k buckets, α the latency of one message, each of the 2(N−1) ring steps
// sends bytes/N), against the compute time T_c of one step on one machine.
// Every machine keeps its batch (weak scaling: the global batch is N ×
// the per-machine batch), so N machines do N times the work of one in
// T_c + T_ar(N) when the reduction follows the backward pass (in one
// bucket), or in T_c + E(N) with tensile's bucketed overlap, E being the
// part of the all-reduce the backward pass cannot hide (see Exposed).
//
// It is a separate module (it needs gonum.org/v1/plot, which tensile does
// not): cd distributed/scaling && go run . -out ../../docs
package main

import (
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Model is one model to scale.
type Model struct {
	Name    string
	Params  int     // float32 gradients all-reduced per step
	Compute float64 // seconds of forward+backward+update per step on one machine
	// Backward is the backward pass's share of Compute: the time the
	// all-reduce of the buckets can overlap.
	Backward float64
}

// Network is one interconnect.
type Network struct {
	Name      string
	Gbps      float64 // link bandwidth, Gbit/s
	LatencyUS float64 // latency of one message, µs
}

// Buckets returns the number of buckets of m's gradients, with
// distributed.AutoBucketBytes's size: a quarter of the gradients, within
// 64 KiB and 25 MiB (the real buckets hold whole parameters, so their
// count can differ by one: the seed CNN has 3, not 4).
func Buckets(m Model) int {
	bytes := 4 * (m.Params + 1)
	size := min(25<<20, max(64<<10, bytes/4))
	return (bytes + size - 1) / size
}

// AllReduce returns the ring all-reduce time of m's gradients on n
// machines of network w in Buckets(m) buckets, in seconds.
func AllReduce(m Model, w Network, n int) float64 { return allReduceIn(m, w, n, Buckets(m)) }

// allReduceIn is AllReduce in k buckets.
func allReduceIn(m Model, w Network, n, k int) float64 {
	if n <= 1 {
		return 0
	}
	bytes := 4 * float64(m.Params+1)
	steps := 2 * float64(n-1)
	return float64(k)*steps*w.LatencyUS*1e-6 + steps/float64(n)*bytes/(w.Gbps*1e9/8)
}

// Exposed returns the all-reduce time of one step on n machines that the
// backward pass does not hide, with tensile's overlap: k equal buckets,
// bucket i's gradients final at (i+1)/k of the backward pass (gradients
// produced at an even rate), the buckets all-reduced one after another
// as soon as each is final, each taking T_ar/k. The last bucket is final
// only when the backward pass ends, so at least T_ar/k stays exposed.
func Exposed(m Model, w Network, n int) float64 {
	t := AllReduce(m, w, n)
	if t == 0 {
		return 0
	}
	k := Buckets(m)
	bw := m.Backward * m.Compute
	end := 0.0
	for i := range k {
		end = math.Max(end, float64(i+1)/float64(k)*bw) + t/float64(k)
	}
	return math.Max(0, end-bw)
}

// SpeedUp returns the throughput of n machines relative to one, with one
// all-reduce of all the gradients after the backward pass (tensile's
// --overlap=false --bucket-mb 25 for these models) and with the default
// buckets overlapped (Exposed).
func SpeedUp(m Model, w Network, n int) (serial, overlapped float64) {
	t := allReduceIn(m, w, n, 1)
	return float64(n) * m.Compute / (m.Compute + t), float64(n) * m.Compute / (m.Compute + Exposed(m, w, n))
}

func main() {
	out := flag.String("out", ".", "directory for the PNG files")
	step := flag.Float64("step", 0.016, "measured seconds per training step of the seed CNN (batch 32, one machine)")
	backward := flag.Float64("backward", 0.6, "measured share of the step in the backward pass")
	flag.Parse()
	models := []Model{
		{"mnist-cnn (93,322 parameters)", 93322, *step, *backward},
		{"100× larger (9.3M parameters, 100× compute)", 9332200, 100 * *step, *backward},
	}
	nets := []Network{{"10 Gb/s", 10, 25}, {"25 Gb/s", 25, 15}, {"100 Gb/s", 100, 5}}
	machines := []int{1, 2, 4, 8, 16, 32, 64}
	for i, m := range models {
		fmt.Printf("\n%s, %.1f ms compute per step, %d buckets\n\n| machines |", m.Name, 1e3*m.Compute, Buckets(m))
		for _, w := range nets {
			fmt.Printf(" %s: all-reduce ms in 1 / %d buckets (exposed), speed-up after backward / overlapped |", w.Name, Buckets(m))
		}
		fmt.Printf("\n|---:|---|---|---|\n")
		for _, n := range machines {
			fmt.Printf("| %d |", n)
			for _, w := range nets {
				s, o := SpeedUp(m, w, n)
				fmt.Printf(" %.2f / %.2f ms (%.2f), %.1f× / %.1f× |", 1e3*allReduceIn(m, w, n, 1), 1e3*AllReduce(m, w, n), 1e3*Exposed(m, w, n), s, o)
			}
			fmt.Println()
		}
		if err := draw1(m, nets, machines, filepath.Join(*out, fmt.Sprintf("distributed-scaling-%d.png", i+1))); err != nil {
			fmt.Fprintln(os.Stderr, "scaling:", err)
			os.Exit(1)
		}
	}
}

func draw1(m Model, nets []Network, machines []int, path string) error {
	p := plot.New()
	p.Title.Text = m.Name
	p.X.Label.Text = "machines"
	p.Y.Label.Text = "efficiency: speed-up / machines"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = 0.5, 1.02
	p.Legend.Top, p.Legend.Left = false, true
	ideal := make(plotter.XYs, len(machines))
	for i, n := range machines {
		ideal[i] = plotter.XY{X: float64(n), Y: 1}
	}
	l, err := plotter.NewLine(ideal)
	if err != nil {
		return err
	}
	l.Color = color.Gray{Y: 160}
	l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(l)
	p.Legend.Add("ideal", l)
	colors := []color.Color{color.RGBA{R: 200, A: 255}, color.RGBA{G: 140, A: 255}, color.RGBA{B: 200, A: 255}}
	for i, w := range nets {
		var ser, ovl plotter.XYs
		for _, n := range machines {
			s, o := SpeedUp(m, w, n)
			ser = append(ser, plotter.XY{X: float64(n), Y: s / float64(n)})
			ovl = append(ovl, plotter.XY{X: float64(n), Y: o / float64(n)})
		}
		ls, pts, err := plotter.NewLinePoints(ser)
		if err != nil {
			return err
		}
		ls.Color, pts.Color, pts.Shape = colors[i], colors[i], draw.CircleGlyph{}
		lo, err := plotter.NewLine(ovl)
		if err != nil {
			return err
		}
		lo.Color = colors[i]
		lo.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(ls, pts, lo)
		p.Legend.Add(w.Name+", after backward, 1 bucket", ls, pts)
		p.Legend.Add(fmt.Sprintf("%s, overlapped, %d buckets", w.Name, Buckets(m)), lo)
	}
	return p.Save(16*vg.Centimeter, 11*vg.Centimeter, path)
}
