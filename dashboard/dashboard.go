// Package dashboard is a live training dashboard: a model.Callback that
// serves a web page showing loss and metric curves per batch and per epoch,
// the learning rate, samples per second and elapsed and remaining time,
// pushed to the browser with Server-Sent Events as training runs
// ("tensile train --dashboard 127.0.0.1:6006").
//
//	d, err := dashboard.Listen("127.0.0.1:6006", dashboard.Options{Epochs: 5, Samples: train.N, BatchSize: 32})
//	defer d.Close()
//	m.Fit(train, model.FitConfig{Epochs: 5, Callbacks: []model.Callback{d}})
//
// A browser that connects late first receives every event so far (batch
// points are thinned to at most MaxPoints), then the live ones.
package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tensile-ml/tensile/model"
)

//go:embed web
var webFS embed.FS

// Options describes the run, for progress and remaining time.
type Options struct {
	Title     string // shown on the page
	Epochs    int    // epochs Fit runs
	Samples   int    // training samples per epoch
	BatchSize int
	MaxPoints int // batch points kept for late browsers [5000]
}

// Event is one message to the page: "start", "batch", "epoch" or "end".
type Event struct {
	Type      string             `json:"type"`
	Epoch     int                `json:"epoch"`          // 1-based
	Step      int                `json:"step,omitempty"` // 1-based batch within the epoch
	Steps     int                `json:"steps,omitempty"`
	Epochs    int                `json:"epochs,omitempty"`
	Logs      map[string]float64 `json:"logs,omitempty"`
	LR        float64            `json:"lr,omitempty"`
	Rate      float64            `json:"samples_per_second,omitempty"`
	Elapsed   float64            `json:"elapsed_seconds"`
	Remaining float64            `json:"remaining_seconds,omitempty"` // estimated; 0 when unknown
	Title     string             `json:"title,omitempty"`
}

// Dashboard is a training callback that serves the live page. It is safe
// for the browsers' goroutines and Fit's to use at once.
type Dashboard struct {
	model.BaseCallback
	opts   Options
	srv    *http.Server
	addr   string
	m      *model.Model
	start  time.Time
	epoch  int
	global int // batches done in all epochs

	mu      sync.Mutex
	history []Event
	batches int // batch events in history
	subs    map[chan Event]struct{}
	done    bool
}

// New returns a dashboard that is not listening; serve it with Handler.
func New(opts Options) *Dashboard {
	if opts.MaxPoints <= 0 {
		opts.MaxPoints = 5000
	}
	return &Dashboard{opts: opts, subs: map[chan Event]struct{}{}}
}

// Listen starts a dashboard serving on addr (host:port).
func Listen(addr string, opts Options) (*Dashboard, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	d := New(opts)
	d.addr = ln.Addr().String()
	d.srv = &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go d.srv.Serve(ln)
	return d, nil
}

// Addr returns the address Listen serves on.
func (d *Dashboard) Addr() string { return d.addr }

// Close stops the server of Listen, ending the browsers' streams.
func (d *Dashboard) Close() error {
	d.mu.Lock()
	for c := range d.subs {
		close(c)
		delete(d.subs, c)
	}
	d.done = true
	d.mu.Unlock()
	if d.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return d.srv.Shutdown(ctx)
}

// Handler returns the page (/) and its event stream (/events).
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := webFS.ReadFile("web/dashboard.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	})
	mux.HandleFunc("GET /events", d.events)
	mux.HandleFunc("GET /history", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(d.History())
	})
	return mux
}

// History returns the events so far (batch points thinned).
func (d *Dashboard) History() []Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Event(nil), d.history...)
}

// events streams Server-Sent Events: the history, then live events.
func (d *Dashboard) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	c := make(chan Event, 1024)
	d.mu.Lock()
	past := append([]Event(nil), d.history...)
	if !d.done {
		d.subs[c] = struct{}{}
	} else {
		close(c)
	}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		if _, ok := d.subs[c]; ok {
			delete(d.subs, c)
		}
		d.mu.Unlock()
	}()
	for _, e := range past {
		if writeEvent(w, e) != nil {
			return
		}
	}
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-c:
			if !ok {
				return
			}
			if writeEvent(w, e) != nil {
				return
			}
			fl.Flush()
		}
	}
}

func writeEvent(w http.ResponseWriter, e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "data: %s\n\n", b)
	return err
}

// publish records e and sends it to every browser; a browser too slow to
// keep up misses live batch events (it still gets every epoch event).
func (d *Dashboard) publish(e Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.history = append(d.history, e)
	if e.Type == "batch" {
		d.batches++
		if d.batches > d.opts.MaxPoints {
			d.thin()
		}
	}
	for c := range d.subs {
		if e.Type == "batch" {
			select {
			case c <- e:
			default:
			}
		} else {
			select {
			case c <- e:
			case <-time.After(time.Second):
			}
		}
	}
}

// thin drops every other batch event of the history.
func (d *Dashboard) thin() {
	out := d.history[:0]
	k := 0
	for _, e := range d.history {
		if e.Type == "batch" {
			k++
			if k%2 == 0 {
				continue
			}
		}
		out = append(out, e)
	}
	clear(d.history[len(out):])
	d.history = out
	d.batches = (k + 1) / 2
}

func (d *Dashboard) steps() int {
	if d.opts.Samples <= 0 || d.opts.BatchSize <= 0 {
		return 0
	}
	return (d.opts.Samples + d.opts.BatchSize - 1) / d.opts.BatchSize
}

func (d *Dashboard) lr() float64 {
	if d.m == nil || d.m.Optimizer() == nil {
		return 0
	}
	return float64(d.m.Optimizer().LearningRate())
}

// OnTrainBegin implements model.Callback.
func (d *Dashboard) OnTrainBegin(m *model.Model) error {
	d.m, d.start, d.global = m, time.Now(), 0
	d.publish(Event{Type: "start", Epochs: d.opts.Epochs, Steps: d.steps(), Title: d.opts.Title, LR: d.lr()})
	return nil
}

// OnEpochBegin implements model.Callback.
func (d *Dashboard) OnEpochBegin(epoch int) error {
	d.epoch = epoch
	return nil
}

func finite(logs model.Logs) map[string]float64 {
	out := make(map[string]float64, len(logs))
	for k, v := range logs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

// OnBatchEnd implements model.Callback.
func (d *Dashboard) OnBatchEnd(step int, logs model.Logs) error {
	d.global++
	el := time.Since(d.start).Seconds()
	e := Event{Type: "batch", Epoch: d.epoch + 1, Step: step + 1, Steps: d.steps(), Epochs: d.opts.Epochs,
		Logs: finite(logs), LR: d.lr(), Elapsed: el}
	if el > 0 && d.opts.BatchSize > 0 {
		e.Rate = float64(d.global*d.opts.BatchSize) / el
	}
	if st := d.steps(); st > 0 && d.opts.Epochs > 0 {
		total := st * d.opts.Epochs
		if left := total - d.global; left > 0 {
			e.Remaining = el / float64(d.global) * float64(left)
		}
	}
	d.publish(e)
	return nil
}

// OnEpochEnd implements model.Callback.
func (d *Dashboard) OnEpochEnd(epoch int, logs model.Logs) error {
	d.publish(Event{Type: "epoch", Epoch: epoch + 1, Epochs: d.opts.Epochs, Logs: finite(logs), LR: d.lr(), Elapsed: time.Since(d.start).Seconds()})
	return nil
}

// OnTrainEnd implements model.Callback.
func (d *Dashboard) OnTrainEnd(logs model.Logs) error {
	d.publish(Event{Type: "end", Epoch: d.epoch + 1, Logs: finite(logs), Elapsed: time.Since(d.start).Seconds()})
	return nil
}

// String implements fmt.Stringer (the callback's name in errors).
func (d *Dashboard) String() string { return "dashboard" }

var _ model.Callback = (*Dashboard)(nil)
