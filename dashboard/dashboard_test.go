package dashboard

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/internal/browsertest"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// toy returns a compiled two-class model and 400 samples: class 1 when
// both coordinates have the same sign.
func toy(t testing.TB) (*model.Model, *data.Dataset) {
	m := model.NewSequential(model.InputShape(2), nn.NewDense(16, nn.DenseConfig{Activation: "tanh"}), nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}))
	m.SetSeed(1)
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: 0.05}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{}), []metrics.Metric{metrics.NewSparseCategoricalAccuracy()}); err != nil {
		t.Fatal(err)
	}
	rng := tensor.NewRNG(2)
	const n = 400
	x, y := make([]float32, n*2), make([]float32, n)
	for i := range n {
		a, b := rng.Float32()*2-1, rng.Float32()*2-1
		x[2*i], x[2*i+1] = a, b
		if a*b > 0 {
			y[i] = 1
		}
	}
	ds, err := data.New(x, []int{2}, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, ds
}

// TestEventsReplay trains with the callback and then reads /events as a
// late browser would: every event, in order, with the run's numbers.
func TestEventsReplay(t *testing.T) {
	m, ds := toy(t)
	d := New(Options{Epochs: 3, Samples: ds.N, BatchSize: 40})
	if _, err := m.Fit(ds, model.FitConfig{Epochs: 3, BatchSize: 40, Seed: 1, Verbose: model.VerboseSilent, Callbacks: []model.Callback{d}}); err != nil {
		t.Fatal(err)
	}
	d.Close() // ends live streams: /events then returns after the history
	ts := httptest.NewServer(d.Handler())
	defer ts.Close()
	r, err := http.Get(ts.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if ct := r.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content type %q", ct)
	}
	var evs []Event
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var e Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, e)
		}
	}
	// start, 10 batches and an epoch event per epoch, end.
	if len(evs) != 1+3*11+1 || evs[0].Type != "start" || evs[len(evs)-1].Type != "end" {
		t.Fatalf("%d events", len(evs))
	}
	if evs[0].Steps != 10 || evs[0].LR != float64(float32(0.05)) {
		t.Errorf("start event %+v", evs[0])
	}
	last := evs[len(evs)-3] // the last batch
	if last.Type != "batch" || last.Epoch != 3 || last.Step != 10 || last.Remaining != 0 || last.Rate <= 0 || last.Logs["loss"] <= 0 || last.Logs["sparse_categorical_accuracy"] <= 0 {
		t.Errorf("last batch event %+v", last)
	}
	if mid := evs[5]; mid.Remaining <= 0 {
		t.Errorf("mid-run batch event has no remaining time: %+v", mid)
	}
	e1, e3 := evs[11], evs[len(evs)-2]
	if e1.Type != "epoch" || e3.Type != "epoch" || e3.Logs["loss"] >= e1.Logs["loss"] {
		t.Errorf("epoch events %+v ... %+v: loss should fall", e1, e3)
	}
}

func TestThinning(t *testing.T) {
	d := New(Options{MaxPoints: 10})
	d.publish(Event{Type: "start"})
	for i := range 100 {
		d.publish(Event{Type: "batch", Step: i + 1})
		if i%10 == 9 {
			d.publish(Event{Type: "epoch", Epoch: i/10 + 1})
		}
	}
	h := d.History()
	batches, epochs := 0, 0
	for _, e := range h {
		switch e.Type {
		case "batch":
			batches++
		case "epoch":
			epochs++
		}
	}
	if batches > 10 || batches < 5 || epochs != 10 || h[0].Type != "start" || h[len(h)-1].Type != "epoch" {
		t.Errorf("after thinning: %d batch and %d epoch events of %d", batches, epochs, len(h))
	}
}

// TestDashboardPage opens the page in headless Chromium before training,
// trains, and checks that the page received every event live, drew the
// curves and shows the final numbers.
func TestDashboardPage(t *testing.T) {
	m, ds := toy(t)
	d, err := Listen("127.0.0.1:0", Options{Title: "toy run", Epochs: 3, Samples: ds.N, BatchSize: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := browsertest.Start(t, 60*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+d.Addr()+"/"), chromedp.Poll[chromedp.Void](`document.body.dataset.rendered !== undefined`)); err != nil {
		t.Fatal(err)
	}
	// Wait until the page's stream is connected before training.
	for deadline := time.Now().Add(30 * time.Second); ; {
		d.mu.Lock()
		n := len(d.subs)
		d.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the page never connected to /events")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := m.Fit(ds, model.FitConfig{Epochs: 3, BatchSize: 40, Seed: 1, Verbose: model.VerboseSilent, Callbacks: []model.Callback{d}}); err != nil {
		t.Fatal(err)
	}
	want := len(d.History())
	type state struct {
		Events, Rendered, BatchLoss, EpochLoss, EpochAcc int
		Status, Epoch, Title                             string
	}
	var st state
	err = chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.body.dataset.status === "done" && document.body.dataset.rendered === document.body.dataset.events`))
	if err != nil {
		t.Fatal(err)
	}
	st, err = chromedp.Run(ctx, chromedp.Evaluate[state](`({Events: +document.body.dataset.events, Rendered: +document.body.dataset.rendered,
		BatchLoss: S.batch.loss.length, EpochLoss: S.epoch.loss.length, EpochAcc: S.epoch.sparse_categorical_accuracy.length,
		Status: document.getElementById("status").textContent, Epoch: document.getElementById("epoch").textContent, Title: document.title})`))
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != want || st.BatchLoss != 30 || st.EpochLoss != 3 || st.EpochAcc != 3 || st.Epoch != "3 / 3" || st.Title != "toy run" {
		t.Errorf("page state %+v; want %d events, 30 batch and 3 epoch points", st, want)
	}
	// The loss chart is drawn: its canvas has non-background pixels.
	painted, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { const c = document.getElementById("c-batch-loss"); const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()`))
	if err != nil || painted < 500 {
		t.Errorf("loss chart has %d painted pixels (%v)", painted, err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // PNG
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(shot)); err != nil {
		t.Fatal(err)
	}
	browsertest.SaveScreenshot(t, "dashboard.png", shot)
}
