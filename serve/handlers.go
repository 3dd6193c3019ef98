package serve

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tensile-ml/tensile/audio"
	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/speech"
)

//go:embed web
var webFS embed.FS

// httpError is an error with the HTTP status it answers with.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func errf(code int, format string, args ...any) error {
	return &httpError{code: code, msg: fmt.Sprintf(format, args...)}
}

func (s *Server) routes() {
	mux := http.NewServeMux()
	s.mux = mux
	// Open Inference Protocol v2 (KServe, Triton).
	s.handle(mux, "GET /v2/health/live", "v2", func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, map[string]bool{"live": true})
	})
	s.handle(mux, "GET /v2/health/ready", "v2", func(w http.ResponseWriter, r *http.Request) error {
		if s.closing.Load() {
			return errf(http.StatusServiceUnavailable, "server is shutting down")
		}
		return writeJSON(w, map[string]bool{"ready": true})
	})
	s.handle(mux, "GET /v2", "v2", func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, map[string]any{"name": "tensile", "version": "1", "extensions": []string{}})
	})
	s.handle(mux, "GET /v2/models/{name}", "v2", s.withModel(s.v2Metadata))
	s.handle(mux, "GET /v2/models/{name}/versions/{version}", "v2", s.withModel(s.v2Metadata))
	s.handle(mux, "GET /v2/models/{name}/ready", "v2", s.withModel(func(w http.ResponseWriter, r *http.Request, l *loaded) error {
		return writeJSON(w, map[string]any{"name": r.PathValue("name"), "ready": !s.closing.Load()})
	}))
	s.handle(mux, "POST /v2/models/{name}/infer", "v2", s.withModel(s.v2Infer))
	s.handle(mux, "POST /v2/models/{name}/versions/{version}/infer", "v2", s.withModel(s.v2Infer))
	// TensorFlow Serving REST: /v1/models/NAME:predict and model status.
	s.handle(mux, "POST /v1/models/{name}", "v1", s.v1)
	s.handle(mux, "GET /v1/models/{name}", "v1", s.withModel(func(w http.ResponseWriter, r *http.Request, l *loaded) error {
		return writeJSON(w, map[string]any{"model_version_status": []map[string]any{{
			"version": strconv.Itoa(l.version), "state": "AVAILABLE", "status": map[string]string{"error_code": "OK", "error_message": ""}}}})
	}))
	// Direct uploads: a PNG/JPEG body for image models, text for text models.
	s.handle(mux, "POST /models/{name}/predict", "upload", s.withModel(s.upload))
	s.handle(mux, "GET /models", "web", func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, s.modelList())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.met.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := webFS.ReadFile("web/index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	})
	s.handle(mux, "/", "other", func(w http.ResponseWriter, r *http.Request) error {
		return errf(http.StatusNotFound, "no route %s %s", r.Method, r.URL.Path)
	})
}

// statusWriter records the status code written.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// handle registers h behind the server's limits: at most MaxConcurrent
// requests at once (else 503), bodies of at most MaxBody bytes (else 413),
// Timeout per request (else 504), panics turned into a 500 by model.Guard;
// every error is a JSON {"error": "..."}. Each request is counted, timed
// and logged.
func (s *Server) handle(mux *http.ServeMux, pattern, proto string, h func(http.ResponseWriter, *http.Request) error) {
	mux.HandleFunc(pattern, func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusWriter{ResponseWriter: rw}
		name := r.PathValue("name")
		if proto == "v1" {
			name, _, _ = strings.Cut(name, ":")
		}
		if _, ok := s.models[name]; !ok {
			name = "" // unknown names do not become metric labels
		}
		s.met.inflight.Inc()
		s.met.inflightN.Add(1)
		var err error
		select {
		case s.sem <- struct{}{}:
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
			ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
			ctx = context.WithValue(ctx, arrivalKey{}, new(arrival))
			err = model.Guard(func() error { return h(w, r.WithContext(ctx)) })
			cancel()
			<-s.sem
		default:
			err = errf(http.StatusServiceUnavailable, "too many concurrent requests (limit %d)", s.opts.MaxConcurrent)
		}
		if err != nil {
			writeError(w, err)
		}
		s.met.inflight.Dec()
		s.met.inflightN.Add(-1)
		code := w.code
		if code == 0 {
			code = http.StatusOK
		}
		d := time.Since(start)
		s.met.requests.WithLabelValues(name, proto, strconv.Itoa(code)).Inc()
		s.met.latency.WithLabelValues(name, proto).Observe(d.Seconds())
		if !s.opts.Logger.Enabled(r.Context(), slog.LevelInfo) {
			return // --quiet: not even the log record's attributes
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "protocol", proto, "status", code,
			"duration_ms", float64(d.Microseconds()) / 1000, "bytes_in", r.ContentLength, "remote", r.RemoteAddr}
		if err != nil {
			attrs = append(attrs, "err", err.Error())
		}
		s.opts.Logger.Info("request", attrs...)
	})
}

// writeError answers err as JSON with its status: 413 for a body over the
// limit, 504 for a request over its time, 400 for bad JSON, the
// httpError's code, else 500.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var he *httpError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		code = he.code
	case errors.As(err, &mb):
		code = http.StatusRequestEntityTooLarge
		err = fmt.Errorf("request body over the limit of %d bytes", mb.Limit)
	case errors.Is(err, context.DeadlineExceeded):
		code = http.StatusGatewayTimeout
		err = errors.New("request timed out")
	case errors.Is(err, context.Canceled):
		code = 499 // client closed the request (nginx's code)
	}
	if sw, ok := w.(*statusWriter); ok && sw.code != 0 {
		return // a response was already started
	}
	w.Header().Set("Content-Type", "application/json")
	if code == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(b, '\n'))
	return err
}

// withModel resolves the {name} path value to the model's current version
// and holds that version while h runs.
func (s *Server) withModel(h func(http.ResponseWriter, *http.Request, *loaded) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		name := r.PathValue("name")
		return s.useModel(r.Context(), name, func(l *loaded) error { return h(w, r, l) })
	}
}

func (s *Server) useModel(ctx context.Context, name string, f func(*loaded) error) error {
	e, ok := s.models[name]
	if !ok {
		return errf(http.StatusNotFound, "no model %q (serving %s)", name, strings.Join(s.names, ", "))
	}
	l := e.acquire()
	defer l.release()
	if a, _ := ctx.Value(arrivalKey{}).(*arrival); a != nil {
		a.l = l
		a.enter()
		defer a.leave()
	}
	return f(l)
}

// arrival tracks a request's time with a model outside its batcher
// (loaded.outside): reading and decoding its body before it submits, and
// writing its answer after. While some request is outside, a batch waits
// for more, up to MaxDelay; when none is, a batch runs at once.
type arrival struct {
	l  *loaded
	in bool // counted in l.outside
}

type arrivalKey struct{}

func (a *arrival) enter() {
	if a != nil && a.l != nil && !a.in {
		a.l.outside.Add(1)
		a.in = true
	}
}

func (a *arrival) leave() {
	if a != nil && a.l != nil && a.in {
		a.l.outside.Add(-1)
		a.in = false
	}
}

// predict runs n samples through the model's batcher.
func (l *loaded) predict(ctx context.Context, x []float32, n int) ([]float32, error) {
	if a, _ := ctx.Value(arrivalKey{}).(*arrival); a != nil {
		a.leave()
		defer a.enter()
	}
	return l.b.predict(ctx, x, n)
}

// readBody reads the whole (size-limited) body.
func readBody(r *http.Request) ([]byte, error) {
	var b []byte
	var err error
	if n := r.ContentLength; n > 0 && n <= 1<<20 {
		// A body of known size is read into one buffer (net/http ends
		// it at Content-Length); a larger or unsized one grows as it
		// comes.
		b = make([]byte, n)
		_, err = io.ReadFull(r.Body, b)
	} else {
		b, err = io.ReadAll(r.Body)
	}
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, err
		}
		return nil, errf(http.StatusBadRequest, "reading the request body: %v", err)
	}
	return b, nil
}

// v2Tensor is one tensor of the Open Inference Protocol v2.
type v2Tensor struct {
	Name       string          `json:"name"`
	Shape      []int           `json:"shape"`
	Datatype   string          `json:"datatype"`
	Parameters map[string]any  `json:"parameters,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
}

type v2Request struct {
	ID      string     `json:"id,omitempty"`
	Inputs  []v2Tensor `json:"inputs"`
	Outputs []struct {
		Name string `json:"name"`
	} `json:"outputs,omitempty"`
}

type v2Out struct {
	Name     string    `json:"name"`
	Shape    []int     `json:"shape"`
	Datatype string    `json:"datatype"`
	Data     []float32 `json:"data"`
}

type v2Response struct {
	ModelName    string  `json:"model_name"`
	ModelVersion string  `json:"model_version"`
	ID           string  `json:"id,omitempty"`
	Outputs      []v2Out `json:"outputs"`
}

type v2Meta struct {
	Name     string `json:"name"`
	Datatype string `json:"datatype"`
	Shape    []int  `json:"shape"`
}

func (s *Server) v2Metadata(w http.ResponseWriter, r *http.Request, l *loaded) error {
	in := v2Meta{Name: "input", Datatype: "FP32", Shape: append([]int{-1}, l.in...)}
	if l.kind == KindText {
		in = v2Meta{Name: "input", Datatype: "BYTES", Shape: []int{-1}}
	}
	return writeJSON(w, map[string]any{
		"name": r.PathValue("name"), "versions": []string{strconv.Itoa(l.version)}, "platform": "tensile",
		"inputs":     []v2Meta{in},
		"outputs":    []v2Meta{{Name: "output", Datatype: "FP32", Shape: append([]int{-1}, l.out...)}},
		"parameters": map[string]any{"kind": l.kind, "classes": l.classes},
	})
}

func (s *Server) v2Infer(w http.ResponseWriter, r *http.Request, l *loaded) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req v2Request
	if err := json.Unmarshal(body, &req); err != nil {
		return errf(http.StatusBadRequest, "bad v2 infer request JSON: %v", err)
	}
	if len(req.Inputs) != 1 {
		return errf(http.StatusBadRequest, "the model takes 1 input, the request has %d", len(req.Inputs))
	}
	in := req.Inputs[0]
	if len(in.Shape) == 0 {
		return errf(http.StatusBadRequest, "input %q: missing shape", in.Name)
	}
	n := in.Shape[0]
	var y []float32
	if l.kind == KindText {
		if in.Datatype != "BYTES" {
			return errf(http.StatusBadRequest, "input %q: a text model takes datatype BYTES, not %q", in.Name, in.Datatype)
		}
		var texts []string
		if err := json.Unmarshal(in.Data, &texts); err != nil {
			return errf(http.StatusBadRequest, "input %q: BYTES data must be a list of strings: %v", in.Name, err)
		}
		if len(in.Shape) != 1 || n != len(texts) {
			return errf(http.StatusBadRequest, "input %q: shape %v does not match %d strings", in.Name, in.Shape, len(texts))
		}
		if y, err = l.predictTexts(r.Context(), texts); err != nil {
			return err
		}
	} else {
		switch in.Datatype {
		case "FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64":
		default:
			return errf(http.StatusBadRequest, "input %q: unsupported datatype %q (want FP32 or another numeric type)", in.Name, in.Datatype)
		}
		if !slices.Equal(in.Shape[1:], l.in) {
			return errf(http.StatusBadRequest, "input %q: shape %v; the model takes [N %s]", in.Name, in.Shape, dims(l.in))
		}
		x, err := numbers(in.Data)
		if err != nil {
			return errf(http.StatusBadRequest, "input %q: %v", in.Name, err)
		}
		if n <= 0 || len(x) != n*l.b.per {
			return errf(http.StatusBadRequest, "input %q: %d values do not fill shape %v", in.Name, len(x), in.Shape)
		}
		if y, err = l.predict(r.Context(), x, n); err != nil {
			return err
		}
	}
	return writeJSON(w, v2Response{ModelName: r.PathValue("name"), ModelVersion: strconv.Itoa(l.version), ID: req.ID,
		Outputs: []v2Out{{Name: "output", Datatype: "FP32", Shape: append([]int{len(y) / l.outPer}, l.out...), Data: y}}})
}

func dims(d []int) string {
	s := make([]string, len(d))
	for i, v := range d {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, " ")
}

// numbers reads a JSON array of numbers, flat or nested to any depth, in
// row-major order.
func numbers(raw json.RawMessage) ([]float32, error) {
	if x, ok := fastNumbers(raw); ok {
		return x, nil
	}
	var flat []float32
	if err := json.Unmarshal(raw, &flat); err == nil {
		return flat, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("data is not JSON numbers: %v", err)
	}
	out := flat[:0]
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		switch t := v.(type) {
		case float64:
			out = append(out, float32(t))
		case []any:
			if depth > 16 {
				return errors.New("data nested deeper than 16 levels")
			}
			for _, e := range t {
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("data holds %T, want numbers", v)
		}
		return nil
	}
	if err := walk(v, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// predictTexts vectorizes texts with the model's vectorizer and runs them
// through the batcher.
func (l *loaded) predictTexts(ctx context.Context, texts []string) ([]float32, error) {
	if len(texts) == 0 {
		return nil, errf(http.StatusBadRequest, "no texts")
	}
	for i, t := range texts {
		if !utf8.ValidString(t) {
			return nil, errf(http.StatusBadRequest, "text %d is not UTF-8", i)
		}
	}
	x, shape := l.tc.Vectorizer.Transform(texts)
	if len(shape) != 2 || shape[1] != l.in[0] {
		return nil, fmt.Errorf("vectorized texts have shape %v, the model takes [N %d]", shape, l.in[0])
	}
	return l.predict(ctx, x, len(texts))
}

// maxWAVSeconds is the longest WAV upload an audio model takes.
const maxWAVSeconds = 60

// predictWAV decodes a WAV body and classifies it with the speech model's
// own feature pipeline, as tensile predict does: mono at the model's rate
// (speech.Mono), placed in the input window and turned into standardized
// features (Recognizer.Dataset), then run through the batcher.
func (l *loaded) predictWAV(ctx context.Context, body []byte) ([]float32, error) {
	a, _, err := audio.DecodeWAV(body)
	if err != nil {
		return nil, errf(http.StatusBadRequest, "%v", err)
	}
	// Resampling a long clip at a low rate up to the model's rate would
	// allocate without bound: cap the clip's length.
	if d := a.Duration(); d > maxWAVSeconds {
		return nil, errf(http.StatusRequestEntityTooLarge, "the WAV holds %.1f s of audio; the server takes at most %d s", d, maxWAVSeconds)
	}
	wave, err := speech.Mono(a, l.rec.Settings.Features.SampleRate)
	if err != nil {
		return nil, errf(http.StatusBadRequest, "%v", err)
	}
	ds, err := l.rec.Dataset([][]float32{wave}, nil, nil, nil, nil)
	if err != nil {
		return nil, errf(http.StatusBadRequest, "%v", err)
	}
	return l.predict(ctx, ds.X, 1)
}

// v1 answers TensorFlow Serving's POST /v1/models/NAME:predict with
// {"instances": [...]} (row format) or {"inputs": [...]} (columnar, one
// input), returning {"predictions": [...]}.
func (s *Server) v1(w http.ResponseWriter, r *http.Request) error {
	name, verb, _ := strings.Cut(r.PathValue("name"), ":")
	if verb != "predict" {
		return errf(http.StatusNotFound, "unsupported TensorFlow Serving verb %q (want :predict)", verb)
	}
	return s.useModel(r.Context(), name, func(l *loaded) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		if l.kind != KindText {
			if x, n, ok := fastV1(body, l.b.per); ok {
				y, err := l.predict(r.Context(), x, n)
				if err != nil {
					return err
				}
				return writeV1(w, y, n, l)
			}
		}
		var req struct {
			Instances []json.RawMessage `json:"instances"`
			Inputs    []json.RawMessage `json:"inputs"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			return errf(http.StatusBadRequest, "bad predict request JSON: %v", err)
		}
		inst := req.Instances
		if inst == nil {
			inst = req.Inputs
		}
		if len(inst) == 0 {
			return errf(http.StatusBadRequest, `want {"instances": [...]} with at least one instance`)
		}
		var y []float32
		if l.kind == KindText {
			texts := make([]string, len(inst))
			for i, raw := range inst {
				if err := json.Unmarshal(raw, &texts[i]); err != nil {
					return errf(http.StatusBadRequest, "instance %d: a text model takes strings: %v", i, err)
				}
			}
			if y, err = l.predictTexts(r.Context(), texts); err != nil {
				return err
			}
		} else {
			x := make([]float32, 0, len(inst)*l.b.per)
			for i, raw := range inst {
				v, err := numbers(raw)
				if err != nil {
					return errf(http.StatusBadRequest, "instance %d: %v", i, err)
				}
				if len(v) != l.b.per {
					return errf(http.StatusBadRequest, "instance %d: %d values; the model takes shape [%s] (%d values)", i, len(v), dims(l.in), l.b.per)
				}
				x = append(x, v...)
			}
			if y, err = l.predict(r.Context(), x, len(inst)); err != nil {
				return err
			}
		}
		return writeV1(w, y, len(inst), l)
	})
}

// writeV1 answers a predict request with {"predictions": [...]}, one
// prediction per instance shaped as the model's output, written as
// encoding/json would write it.
func writeV1(w http.ResponseWriter, y []float32, n int, l *loaded) error {
	for _, v := range y {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("the model gave a non-finite output (%v)", v)
		}
	}
	b := make([]byte, 0, 20+len(y)*12)
	b = append(b, `{"predictions":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNested(b, y[i*l.outPer:(i+1)*l.outPer], l.out)
	}
	b = append(b, "]}\n"...)
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(b)
	return err
}

// Prediction is the answer to a direct upload: the most probable class,
// its name when the model has class names, and every class's probability.
type Prediction struct {
	Model         string    `json:"model"`
	Class         int       `json:"class"`
	Label         string    `json:"label,omitempty"`
	Probability   float32   `json:"probability"`
	Probabilities []float32 `json:"probabilities"`
	Classes       []string  `json:"classes,omitempty"`
}

// upload answers POST /models/NAME/predict with a PNG or JPEG body (image
// models: decoded, converted and resized as tensile predict does), a
// UTF-8 text body (text models) or a WAV body (audio models).
func (s *Server) upload(w http.ResponseWriter, r *http.Request, l *loaded) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var y []float32
	switch l.kind {
	case KindImage:
		x, _, err := data.DecodeImage(bytes.NewReader(body), data.ImageOptions{Height: l.in[0], Width: l.in[1], Grayscale: l.in[2] == 1})
		if err != nil {
			return errf(http.StatusBadRequest, "%v", err)
		}
		if y, err = l.predict(r.Context(), x, 1); err != nil {
			return err
		}
	case KindText:
		if y, err = l.predictTexts(r.Context(), []string{string(body)}); err != nil {
			return err
		}
	case KindAudio:
		if y, err = l.predictWAV(r.Context(), body); err != nil {
			return err
		}
	default:
		return errf(http.StatusUnsupportedMediaType, "model takes tensors of shape [%s]; use /v2/models/%s/infer", dims(l.in), r.PathValue("name"))
	}
	best := 0
	for j, v := range y {
		if v > y[best] {
			best = j
		}
	}
	p := Prediction{Model: r.PathValue("name"), Class: best, Probability: y[best], Probabilities: y, Classes: l.classes}
	if best < len(l.classes) {
		p.Label = l.classes[best]
	}
	return writeJSON(w, p)
}

// modelInfo describes one served model to the web page.
type modelInfo struct {
	Name    string   `json:"name"`
	Kind    Kind     `json:"kind"`
	Input   []int    `json:"input"`
	Output  []int    `json:"output"`
	Classes []string `json:"classes,omitempty"`
	Version int      `json:"version"`
}

func (s *Server) modelList() []modelInfo {
	var out []modelInfo
	for _, n := range s.names {
		e := s.models[n]
		l := e.acquire()
		out = append(out, modelInfo{Name: n, Kind: l.kind, Input: l.in, Output: l.out, Classes: l.classes, Version: l.version})
		l.release()
	}
	return out
}
