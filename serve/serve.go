package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/speech"
	"github.com/tensile-ml/tensile/textclf"
)

// Options configures a Server. Zero fields take the defaults in brackets.
type Options struct {
	MaxBatch       int           // most samples in one batch [32]; 1 turns batching off
	MaxDelay       time.Duration // longest wait for a batch to fill after its first request [2ms]; negative: none
	Workers        int           // batches run at once per model [2]
	MaxBody        int64         // largest request body in bytes [16 MiB]
	MaxConcurrent  int           // requests handled at once; more get 503 [1024]
	Timeout        time.Duration // longest time per request; then 504 [30s]
	ReloadInterval time.Duration // how often model files are checked for changes; 0: never
	Logger         *slog.Logger  // request and reload logs [discarded]
}

func (o Options) withDefaults() Options {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 32
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = 2 * time.Millisecond
	} else if o.MaxDelay < 0 {
		o.MaxDelay = 0
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 16 << 20
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 1024
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Kind says what inputs a served model takes.
type Kind string

// The kinds of served models.
const (
	KindImage  Kind = "image"  // one [H, W, 1|3] input: PNG/JPEG uploads and the drawing canvas
	KindText   Kind = "text"   // a text classifier (textclf): raw text
	KindAudio  Kind = "audio"  // a speech classifier (train-audio): WAV uploads
	KindTensor Kind = "tensor" // any other single-input model: JSON tensors only
)

// loaded is one version of a served model: the model, how to feed it and
// its batcher. Requests hold it (refs) while they run so that a reload
// retires it only when they are done.
type loaded struct {
	m       *model.Model
	tc      *textclf.Classifier // text models only
	rec     *speech.Recognizer  // audio models only
	kind    Kind
	in      []int // per-sample input shape
	out     []int // per-sample output shape
	outPer  int
	classes []string
	b       *batcher
	outside atomic.Int64 // requests holding this version outside its batcher (arrival)
	refs    sync.WaitGroup
	modTime time.Time
	size    int64
	version int
}

// entry is one served model name; cur changes on reload.
type entry struct {
	name, path string
	mu         sync.RWMutex
	cur        *loaded
}

// acquire returns the current version, held until release.
func (e *entry) acquire() *loaded {
	e.mu.RLock()
	l := e.cur
	l.refs.Add(1)
	e.mu.RUnlock()
	return l
}

func (l *loaded) release() { l.refs.Done() }

// Server serves models over HTTP: the Open Inference Protocol v2,
// TensorFlow Serving's REST predict, direct image/text uploads, a web page
// and Prometheus metrics. It is an http.Handler.
type Server struct {
	opts     Options
	models   map[string]*entry
	names    []string
	mux      *http.ServeMux
	sem      chan struct{}
	met      *metrics
	closing  atomic.Bool
	reloadMu sync.Mutex // one reload check at a time
	stop     chan struct{}
	bg       sync.WaitGroup
}

// ParseModelArg splits a "name=path" argument; a bare path is served under
// its file name without extension.
func ParseModelArg(arg string) (name, path string, err error) {
	if i := strings.IndexByte(arg, '='); i >= 0 {
		name, path = arg[:i], arg[i+1:]
	} else {
		path = arg
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if name == "" || path == "" {
		return "", "", fmt.Errorf("model argument %q: want PATH or NAME=PATH", arg)
	}
	if strings.ContainsAny(name, "/:?#% ") {
		return "", "", fmt.Errorf("model name %q: must not contain / : ? # %% or spaces", name)
	}
	return name, path, nil
}

// New loads the models (name → file path) and returns a server for them.
func New(paths map[string]string, opts Options) (*Server, error) {
	if len(paths) == 0 {
		return nil, errors.New("serve: no models")
	}
	s := &Server{opts: opts.withDefaults(), models: map[string]*entry{}, stop: make(chan struct{})}
	s.sem = make(chan struct{}, s.opts.MaxConcurrent)
	s.met = newMetrics()
	for name, path := range paths {
		l, err := s.load(name, path, 1)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.models[name] = &entry{name: name, path: path, cur: l}
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
	s.routes()
	if s.opts.ReloadInterval > 0 {
		s.bg.Add(1)
		go s.watch()
	}
	return s, nil
}

// load reads one model file and starts its batcher.
func (s *Server) load(name, path string, version int) (*loaded, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	ins, outs := m.InputShapes(), m.OutputShapes()
	if len(ins) != 1 || len(outs) != 1 {
		return nil, fmt.Errorf("%s: serving needs a model with one input and one output, this one has %d and %d", path, len(ins), len(outs))
	}
	l := &loaded{m: m, in: ins[0], out: outs[0], modTime: st.ModTime(), size: st.Size(), version: version}
	l.outPer = 1
	for _, d := range l.out {
		l.outPer *= d
	}
	tc, ok, err := textclf.FromModel(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rec, isAudio, err := speech.FromModel(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case ok:
		l.tc, l.kind, l.classes = tc, KindText, tc.Classes
	case isAudio && !rec.Settings.CTC:
		// A CTC model transcribes sequences; it is served as tensors.
		l.rec, l.kind = rec, KindAudio
		if len(rec.Settings.Classes) == l.outPer {
			l.classes = rec.Settings.Classes
		}
	case isAudio:
		l.kind = KindTensor
	case len(l.in) == 3 && (l.in[2] == 1 || l.in[2] == 3):
		l.kind = KindImage
	default:
		l.kind = KindTensor
	}
	if l.classes == nil {
		if b, ok := m.Metadata("classes"); ok {
			// Names are optional; a list that does not decode or does
			// not name every output is not used.
			if err := json.Unmarshal(b, &l.classes); err != nil || len(l.classes) != l.outPer {
				l.classes = nil
			}
		}
	}
	l.b = newBatcher(m, l.in, l.outPer, s.opts.MaxBatch, s.opts.MaxDelay, s.opts.Workers, &l.outside, &s.met.inflightN,
		func(n int) { s.met.batch.WithLabelValues(name).Observe(float64(n)) })
	return l, nil
}

// watch reloads changed model files until Close.
func (s *Server) watch() {
	defer s.bg.Done()
	t := time.NewTicker(s.opts.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for _, n := range s.names {
				s.reloadIfChanged(s.models[n])
			}
		}
	}
}

// reloadIfChanged loads e's file again when its size or time changed and
// swaps it in atomically: new requests get the new version, requests in
// flight finish on the old one, whose batcher then stops. A file that does
// not load (half written, corrupt) keeps the old version serving.
func (s *Server) reloadIfChanged(e *entry) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	e.mu.RLock()
	old := e.cur
	e.mu.RUnlock()
	st, err := os.Stat(e.path)
	if err != nil || (st.ModTime().Equal(old.modTime) && st.Size() == old.size) {
		return
	}
	l, err := s.load(e.name, e.path, old.version+1)
	if err != nil {
		s.opts.Logger.Warn("reload failed; serving the previous version", "model", e.name, "path", e.path, "err", err)
		s.met.reloads.WithLabelValues(e.name, "error").Inc()
		// Remember the file's state so that a broken file is not retried
		// every tick; a later change is.
		e.mu.Lock()
		if e.cur == old {
			old.modTime, old.size = st.ModTime(), st.Size()
		}
		e.mu.Unlock()
		return
	}
	e.mu.Lock()
	e.cur = l
	e.mu.Unlock()
	s.met.reloads.WithLabelValues(e.name, "ok").Inc()
	s.opts.Logger.Info("model reloaded", "model", e.name, "path", e.path, "version", l.version)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		old.refs.Wait()
		old.b.close()
	}()
}

// Reload checks every model file now and reloads those that changed.
func (s *Server) Reload() {
	for _, n := range s.names {
		s.reloadIfChanged(s.models[n])
	}
}

// Close stops the reload watcher and the batchers. Call it after the HTTP
// server has drained (Run does).
func (s *Server) Close() {
	select {
	case <-s.stop:
		return
	default:
	}
	close(s.stop)
	s.bg.Wait()
	for _, e := range s.models {
		e.mu.Lock()
		l := e.cur
		e.mu.Unlock()
		l.refs.Wait()
		l.b.close()
	}
}

// Run serves on ln until ctx ends (SIGTERM in the CLI), then stops
// accepting connections, waits up to drain for the requests in flight to
// finish and closes the server. No accepted request is dropped while they
// finish within drain.
func (s *Server) Run(ctx context.Context, ln net.Listener, drain time.Duration) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.closing.Store(true)
	s.opts.Logger.Info("draining", "in_flight", s.met.inflightN.Load())
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := hs.Shutdown(sctx)
	<-errc
	s.Close()
	if err != nil {
		return fmt.Errorf("serve: drain: %w", err)
	}
	return nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Names returns the served model names, sorted.
func (s *Server) Names() []string { return slices.Clone(s.names) }
