// Command scaling models data-parallel training's speed-up over 1 to 64
// machines and draws it: the ring all-reduce time of one step's gradients,
//
//	T_ar(N) = k · 2(N−1) · α + 2(N−1)/N · bytes / bandwidth,
//
// (k buckets, α the latency of one message, each of the 2(N−1) ring steps
// sends bytes/N), against the compute time T_c of one step on one machine.
// Every machine keeps its batch (weak scaling: the global batch is N ×
// the per-machine batch), so N machines do N times the work of one in
// T_c + T_ar(N) without overlap (tensile reduces after the backward pass),
// or max(T_c, T_ar(N)) with all-reduce fully hidden behind backward (the
// bound bucketed overlap aims at, as PyTorch DDP).
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
}

// Network is one interconnect.
type Network struct {
	Name      string
	Gbps      float64 // link bandwidth, Gbit/s
	LatencyUS float64 // latency of one message, µs
}

// bucketBytes matches distributed.DefaultBucketBytes.
const bucketBytes = 4 << 20

// AllReduce returns the ring all-reduce time of m's gradients on n
// machines of network w, in seconds.
func AllReduce(m Model, w Network, n int) float64 {
	if n <= 1 {
		return 0
	}
	bytes := 4 * float64(m.Params+1)
	buckets := math.Ceil(bytes / bucketBytes)
	steps := 2 * float64(n-1)
	return buckets*steps*w.LatencyUS*1e-6 + steps/float64(n)*bytes/(w.Gbps*1e9/8)
}

// SpeedUp returns the throughput of n machines relative to one, without
// overlap and with all-reduce fully overlapped with compute.
func SpeedUp(m Model, w Network, n int) (serial, overlapped float64) {
	t := AllReduce(m, w, n)
	return float64(n) * m.Compute / (m.Compute + t), float64(n) * m.Compute / math.Max(m.Compute, t)
}

func main() {
	out := flag.String("out", ".", "directory for the PNG files")
	step := flag.Float64("step", 0.016, "measured seconds per training step of the seed CNN (batch 32, one machine)")
	flag.Parse()
	models := []Model{
		{"mnist-cnn (93,322 parameters)", 93322, *step},
		{"100× larger (9.3M parameters, 100× compute)", 9332200, 100 * *step},
	}
	nets := []Network{{"10 Gb/s", 10, 25}, {"25 Gb/s", 25, 15}, {"100 Gb/s", 100, 5}}
	machines := []int{1, 2, 4, 8, 16, 32, 64}
	for i, m := range models {
		fmt.Printf("\n%s, %.1f ms compute per step\n\n| machines |", m.Name, 1e3*m.Compute)
		for _, w := range nets {
			fmt.Printf(" %s: all-reduce ms, speed-up |", w.Name)
		}
		fmt.Printf("\n|---|---|---|---|\n")
		for _, n := range machines {
			fmt.Printf("| %d |", n)
			for _, w := range nets {
				s, _ := SpeedUp(m, w, n)
				fmt.Printf(" %.2f ms, %.1f× |", 1e3*AllReduce(m, w, n), s)
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
		p.Legend.Add(w.Name+", after backward", ls, pts)
		p.Legend.Add(w.Name+", overlapped", lo)
	}
	return p.Save(16*vg.Centimeter, 11*vg.Centimeter, path)
}
