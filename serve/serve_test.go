package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/textclf"
)

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
	mnistTest   *data.Dataset
)

// fixtures trains (once per test binary) a small MNIST MLP and a tiny text
// classifier and saves them under a temporary folder.
func fixtures(t testing.TB) (mnistModel, textModel string) {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "serve-test")
		if fixtureErr != nil {
			return
		}
		var train *data.Dataset
		if train, mnistTest, fixtureErr = mnist.Load(); fixtureErr != nil {
			return
		}
		m := TrainMNISTMLP(train.Take(3000), 1)
		fixtureErr = m.Save(filepath.Join(fixtureDir, "mnist.tsm"))
		if fixtureErr != nil {
			return
		}
		var texts []string
		var labels []int
		good, bad := []string{"great", "wonderful", "moving", "brilliant"}, []string{"awful", "boring", "dull", "terrible"}
		for i := range 80 {
			w, l := good, 1
			if i%2 == 0 {
				w, l = bad, 0
			}
			texts = append(texts, fmt.Sprintf("it was %s and %s", w[i%4], w[(i/3)%4]))
			labels = append(labels, l)
		}
		var tc *textclf.Classifier
		tc, _, fixtureErr = textclf.Train(texts, labels, []string{"neg", "pos"}, textclf.Config{MaxLen: 8, EmbedDim: 8, Filters: 4, Epochs: 8, BatchSize: 8, Seed: 1, Verbose: model.VerboseSilent})
		if fixtureErr == nil {
			fixtureErr = tc.Save(filepath.Join(fixtureDir, "sentiment.tsm"))
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return filepath.Join(fixtureDir, "mnist.tsm"), filepath.Join(fixtureDir, "sentiment.tsm")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// TrainMNISTMLP trains Flatten → Dense 64 relu → Dense 10 softmax on ds.
func TrainMNISTMLP(ds *data.Dataset, epochs int) *model.Model {
	m := model.NewSequential(model.InputShape(28, 28, 1), nn.NewFlatten(),
		nn.NewDense(64, nn.DenseConfig{Activation: "relu"}), nn.NewDense(10, nn.DenseConfig{Activation: "softmax"}))
	m.SetSeed(1)
	opt, err := optim.NewAdam(optim.AdamConfig{})
	if err != nil {
		panic(err)
	}
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{}), nil); err != nil {
		panic(err)
	}
	if _, err := m.Fit(ds, model.FitConfig{Epochs: epochs, Seed: 1, Verbose: model.VerboseSilent}); err != nil {
		panic(err)
	}
	return m
}

func newServer(t *testing.T, opts Options, paths map[string]string) *Server {
	t.Helper()
	s, err := New(paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func post(t *testing.T, url, ctype string, body []byte) (int, map[string]any) {
	t.Helper()
	r, err := http.Post(url, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var v map[string]any
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("POST %s: %d, not JSON: %q", url, r.StatusCode, b)
	}
	return r.StatusCode, v
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func floats(v any) []float32 {
	var out []float32
	switch t := v.(type) {
	case float64:
		out = append(out, float32(t))
	case []any:
		for _, e := range t {
			out = append(out, floats(e)...)
		}
	}
	return out
}

// TestProtocolsAgreeWithPredict sends MNIST test images through the v2
// infer, v1 predict and PNG upload endpoints and checks that each returns
// Predict's probabilities and classes.
func TestProtocolsAgreeWithPredict(t *testing.T) {
	mp, _ := fixtures(t)
	s := newServer(t, Options{}, map[string]string{"mnist": mp})
	ts := httptest.NewServer(s)
	defer ts.Close()
	m, err := model.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	sub := mnistTest.Take(n)
	want, err := m.Predict(sub, model.EvalConfig{})
	if err != nil {
		t.Fatal(err)
	}
	wantP := want.Data()
	correct := 0
	for i := range n {
		if argmax(wantP[i*10:(i+1)*10]) == int(sub.Y[i]) {
			correct++
		}
	}
	if correct < n/2 {
		t.Fatalf("fixture model gets only %d/%d right", correct, n)
	}
	// v2: the whole batch as one flat FP32 tensor.
	req, _ := json.Marshal(map[string]any{"id": "q1", "inputs": []map[string]any{{
		"name": "input", "shape": []int{n, 28, 28, 1}, "datatype": "FP32", "data": sub.X}}})
	code, v2 := post(t, ts.URL+"/v2/models/mnist/infer", "application/json", req)
	if code != 200 {
		t.Fatalf("v2 infer: %d %v", code, v2)
	}
	out := v2["outputs"].([]any)[0].(map[string]any)
	if got := floats(out["shape"]); len(got) != 2 || got[0] != n || got[1] != 10 || v2["id"] != "q1" {
		t.Fatalf("v2 output shape %v id %v", out["shape"], v2["id"])
	}
	// v1: one nested [28][28][1] instance per image.
	var inst []any
	for i := range n {
		img := make([]any, 28)
		for y := range 28 {
			row := make([]any, 28)
			for x := range 28 {
				row[x] = []float32{sub.X[i*784+y*28+x]}
			}
			img[y] = row
		}
		inst = append(inst, img)
	}
	req, _ = json.Marshal(map[string]any{"instances": inst})
	code, v1 := post(t, ts.URL+"/v1/models/mnist:predict", "application/json", req)
	if code != 200 {
		t.Fatalf("v1 predict: %d %v", code, v1)
	}
	v2p, preds := floats(out["data"]), v1["predictions"].([]any)
	for i := range n {
		w := wantP[i*10 : (i+1)*10]
		g2 := v2p[i*10 : (i+1)*10]
		g1 := floats(preds[i])
		// PNG upload of the same image (8-bit pixels, as MNIST's).
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		for p := range 784 {
			img.Pix[p] = uint8(sub.X[i*784+p]*255 + 0.5)
		}
		var buf bytes.Buffer
		png.Encode(&buf, img)
		code, up := post(t, ts.URL+"/models/mnist/predict", "image/png", buf.Bytes())
		if code != 200 {
			t.Fatalf("upload: %d %v", code, up)
		}
		for j := range 10 {
			if d := g2[j] - w[j]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("image %d: v2 probabilities %v, Predict %v", i, g2, w)
			}
			if d := g1[j] - w[j]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("image %d: v1 probabilities %v, Predict %v", i, g1, w)
			}
		}
		if c := int(up["class"].(float64)); c != argmax(w) {
			t.Errorf("image %d: upload class %d, Predict %d", i, c, argmax(w))
		}
	}
}

func TestTextModel(t *testing.T) {
	_, tp := fixtures(t)
	s := newServer(t, Options{}, map[string]string{"sent": tp})
	ts := httptest.NewServer(s)
	defer ts.Close()
	tc, err := textclf.Load(tp)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"it was great and moving", "it was dull and awful"}
	want, err := tc.PredictProba(texts)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(map[string]any{"instances": texts})
	code, v1 := post(t, ts.URL+"/v1/models/sent:predict", "application/json", req)
	if code != 200 {
		t.Fatalf("v1: %d %v", code, v1)
	}
	req, _ = json.Marshal(map[string]any{"inputs": []map[string]any{{"name": "text", "shape": []int{2}, "datatype": "BYTES", "data": texts}}})
	code, v2 := post(t, ts.URL+"/v2/models/sent/infer", "application/json", req)
	if code != 200 {
		t.Fatalf("v2: %d %v", code, v2)
	}
	v2p := floats(v2["outputs"].([]any)[0].(map[string]any)["data"])
	for i, tx := range texts {
		code, up := post(t, ts.URL+"/models/sent/predict", "text/plain", []byte(tx))
		if code != 200 {
			t.Fatalf("upload: %d %v", code, up)
		}
		g1 := floats(v1["predictions"].([]any)[i])
		for j := range want[i] {
			if g1[j] != want[i][j] || v2p[i*2+j] != want[i][j] {
				t.Errorf("text %q: v1 %v v2 %v, PredictProba %v", tx, g1, v2p[i*2:i*2+2], want[i])
			}
		}
		if up["label"] != tc.Classes[argmax(want[i])] {
			t.Errorf("text %q: upload label %v, want %s", tx, up["label"], tc.Classes[argmax(want[i])])
		}
	}
}

// TestErrors checks that bad requests get a 4xx JSON error naming the
// problem and that the server keeps answering afterwards.
func TestErrors(t *testing.T) {
	mp, _ := fixtures(t)
	s := newServer(t, Options{MaxBody: 64 << 10}, map[string]string{"mnist": mp})
	ts := httptest.NewServer(s)
	defer ts.Close()
	big := bytes.Repeat([]byte("1,"), 100<<10)
	cases := []struct {
		path, body string
		code       int
		want       string
	}{
		{"/v2/models/nope/infer", `{}`, 404, `no model "nope"`},
		{"/v2/models/mnist/infer", `{"inputs":`, 400, "bad v2 infer request JSON"},
		{"/v2/models/mnist/infer", `{"inputs":[{"name":"x","shape":[1,28,28],"datatype":"FP32","data":[1]}]}`, 400, "the model takes [N 28 28 1]"},
		{"/v2/models/mnist/infer", `{"inputs":[{"name":"x","shape":[1,28,28,1],"datatype":"FP32","data":[1,2]}]}`, 400, "2 values do not fill shape"},
		{"/v2/models/mnist/infer", `{"inputs":[{"name":"x","shape":[1,28,28,1],"datatype":"BYTES","data":["a"]}]}`, 400, "unsupported datatype"},
		{"/v2/models/mnist/infer", `{"inputs":[{"name":"x","shape":[1,28,28,1],"datatype":"FP32","data":["a"]}]}`, 400, "want numbers"},
		{"/v1/models/mnist:predict", `{"instances":[[1,2,3]]}`, 400, "instance 0: 3 values"},
		{"/v1/models/mnist:predict", `{}`, 400, "at least one instance"},
		{"/v1/models/mnist:classify", `{}`, 404, "unsupported TensorFlow Serving verb"},
		{"/models/mnist/predict", "GIF89a", 400, "not a PNG or JPEG"},
		{"/v2/models/mnist/infer", `{"inputs":[{"data":[` + string(big) + `1]}]}`, 413, "over the limit"},
	}
	for _, c := range cases {
		code, v := post(t, ts.URL+c.path, "application/json", []byte(c.body))
		if msg, _ := v["error"].(string); code != c.code || !strings.Contains(msg, c.want) {
			t.Errorf("POST %s %.40q: %d %v, want %d %q", c.path, c.body, code, v, c.code, c.want)
		}
	}
	r, err := http.Get(ts.URL + "/v2/health/ready")
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("server not ready after bad requests: %v %v", r, err)
	}
	r.Body.Close()
}

// TestBatching sends concurrent single-image requests and checks in the metrics that they ran as batches of more than one
// and that each got its own answer.
func TestBatching(t *testing.T) {
	mp, _ := fixtures(t)
	s := newServer(t, Options{MaxBatch: 8, Workers: 1}, map[string]string{"mnist": mp})
	ts := httptest.NewServer(s)
	defer ts.Close()
	m, _ := model.Load(mp)
	const n = 24
	// The first batch waits until every request is in flight; the others
	// queue behind it and run in batches of up to 8.
	release := holdBatches(t)
	go func() {
		waitFor(t, "requests in flight", func() bool { return s.met.inflightN.Load() == n })
		release()
	}()
	sub := mnistTest.Take(n)
	want, _ := m.Predict(sub, model.EvalConfig{})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := json.Marshal(map[string]any{"instances": [][]float32{sub.Sample(i)}})
			r, err := http.Post(ts.URL+"/v1/models/mnist:predict", "application/json", bytes.NewReader(req))
			if err != nil {
				errs <- err
				return
			}
			defer r.Body.Close()
			var v struct{ Predictions [][]float32 }
			if err := json.NewDecoder(r.Body).Decode(&v); err != nil || len(v.Predictions) != 1 {
				errs <- fmt.Errorf("request %d: %d %v", i, r.StatusCode, err)
				return
			}
			if g, w := argmax(v.Predictions[0]), argmax(want.Data()[i*10:(i+1)*10]); g != w {
				errs <- fmt.Errorf("request %d: class %d, want %d", i, g, w)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mf, err := s.met.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range mf {
		if f.GetName() == "tensile_batch_size" {
			h := f.GetMetric()[0].GetHistogram()
			if h.GetSampleSum() != n || h.GetSampleCount() >= n {
				t.Errorf("%d samples in %d batches: want %d samples in fewer batches", int(h.GetSampleSum()), h.GetSampleCount(), n)
			}
			return
		}
	}
	t.Error("no tensile_batch_size metric")
}

// TestDrainOnShutdown holds requests in the batcher, ends the
// server's context as SIGTERM does while they are in flight, and checks
// that every one of them is answered.
func TestDrainOnShutdown(t *testing.T) {
	mp, _ := fixtures(t)
	release := holdBatches(t)
	s, err := New(map[string]string{"mnist": mp}, Options{MaxBatch: 64, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln, 30*time.Second) }()
	url := "http://" + ln.Addr().String() + "/v1/models/mnist:predict"
	const n = 20
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := json.Marshal(map[string]any{"instances": [][]float32{mnistTest.Sample(i)}})
			r, err := http.Post(url, "application/json", bytes.NewReader(req))
			if err != nil {
				t.Errorf("request %d lost: %v", i, err)
				return
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			codes <- r.StatusCode
		}()
	}
	waitFor(t, "requests in flight", func() bool { return s.met.inflightN.Load() == n })
	cancel()
	// Shutdown has begun when the server stops accepting connections;
	// then let the held batch run.
	waitFor(t, "shutdown", func() bool {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(codes)
	got := 0
	for c := range codes {
		if c != 200 {
			t.Errorf("status %d during drain", c)
		}
		got++
	}
	if got != n {
		t.Errorf("%d of %d requests answered", got, n)
	}
	if _, err := http.Post(url, "application/json", strings.NewReader("{}")); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

// TestReload replaces the model file while requests are held in the old
// version's batcher: they finish with the old model's answers, later
// requests get the new one's, and a corrupt file keeps the current one.
func TestReload(t *testing.T) {
	mp, _ := fixtures(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.tsm")
	copyFile(t, mp, path)
	s := newServer(t, Options{MaxBatch: 64, Workers: 1}, map[string]string{"m": path})
	ts := httptest.NewServer(s)
	defer ts.Close()
	old, _ := model.Load(mp)
	// The new model: one more epoch on other data gives other outputs.
	train, _, _ := mnist.Load()
	nm := TrainMNISTMLP(train.Subset(seq(3000, 3500)), 1)
	x := mnistTest.Take(1)
	pOld, _ := old.Predict(x, model.EvalConfig{})
	pNew, _ := nm.Predict(x, model.EvalConfig{})
	ask := func() ([]float32, error) {
		req, _ := json.Marshal(map[string]any{"instances": [][]float32{x.X}})
		r, err := http.Post(ts.URL+"/v1/models/m:predict", "application/json", bytes.NewReader(req))
		if err != nil {
			return nil, err
		}
		defer r.Body.Close()
		var v struct{ Predictions [][]float32 }
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil || r.StatusCode != 200 {
			return nil, fmt.Errorf("status %d %v", r.StatusCode, err)
		}
		return v.Predictions[0], nil
	}
	release := holdBatches(t)
	res := make(chan []float32, 1)
	go func() {
		p, err := ask()
		if err != nil {
			t.Error(err)
		}
		res <- p
	}()
	waitFor(t, "a request in flight", func() bool { return s.met.inflightN.Load() == 1 })
	if err := nm.Save(path); err != nil {
		t.Fatal(err)
	}
	s.Reload()
	release()
	if p := <-res; !close32(p, pOld.Data()) {
		t.Errorf("in-flight request got %v, want the old model's %v", p, pOld.Data())
	}
	p, err := ask()
	if err != nil || !close32(p, pNew.Data()) {
		t.Errorf("after reload got %v %v, want the new model's %v", p, err, pNew.Data())
	}
	os.WriteFile(path, []byte("not a model"), 0o644)
	s.Reload()
	if p, err := ask(); err != nil || !close32(p, pNew.Data()) {
		t.Errorf("after a corrupt file got %v %v, want the new model's %v", p, err, pNew.Data())
	}
}

// holdBatches makes every batch wait until release is called (or the
// test ends), to keep requests in flight.
func holdBatches(t *testing.T) (release func()) {
	gate := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	testBeforeBatch = func() { <-gate }
	t.Cleanup(func() { release(); testBeforeBatch = nil })
	return release
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func seq(lo, hi int) []int {
	var s []int
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

func close32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if d := a[i] - b[i]; d > 1e-5 || d < -1e-5 {
			return false
		}
	}
	return true
}

func copyFile(t *testing.T, src, dst string) {
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseModelArg(t *testing.T) {
	cases := []struct{ arg, name, path, err string }{
		{"models/mnist.tsm", "mnist", "models/mnist.tsm", ""},
		{"digits=models/mnist.tsm", "digits", "models/mnist.tsm", ""},
		{"=x", "", "", "want PATH or NAME=PATH"},
		{"a:b=x", "", "", "must not contain"},
	}
	for _, c := range cases {
		n, p, err := ParseModelArg(c.arg)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.arg, err, c.err)
			}
			continue
		}
		if err != nil || n != c.name || p != c.path {
			t.Errorf("%q: %q %q %v", c.arg, n, p, err)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	mp, _ := fixtures(t)
	s := newServer(t, Options{}, map[string]string{"mnist": mp})
	ts := httptest.NewServer(s)
	defer ts.Close()
	http.Get(ts.URL + "/v2/models/mnist")
	r, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for _, want := range []string{`tensile_requests_total{code="200",model="mnist",protocol="v2"} 1`, "tensile_request_duration_seconds_bucket", "tensile_requests_in_flight"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestTimeoutAndConcurrencyLimits holds a request in the batcher: a
// second one over the concurrency limit gets 503 and the held one gets
// 504 when its time is up; both as JSON errors.
func TestTimeoutAndConcurrencyLimits(t *testing.T) {
	mp, _ := fixtures(t)
	release := holdBatches(t)
	s := newServer(t, Options{MaxConcurrent: 1, Timeout: 300 * time.Millisecond}, map[string]string{"mnist": mp})
	ts := httptest.NewServer(s)
	defer ts.Close()
	defer release() // before the server's cleanup waits for its batcher
	req, _ := json.Marshal(map[string]any{"instances": [][]float32{mnistTest.Sample(0)}})
	type answer struct {
		code int
		v    map[string]any
	}
	first := make(chan answer, 1)
	go func() {
		code, v := post(t, ts.URL+"/v1/models/mnist:predict", "application/json", req)
		first <- answer{code, v}
	}()
	waitFor(t, "a request in flight", func() bool { return s.met.inflightN.Load() == 1 })
	code, v := post(t, ts.URL+"/v1/models/mnist:predict", "application/json", req)
	if msg, _ := v["error"].(string); code != 503 || !strings.Contains(msg, "too many concurrent requests") {
		t.Errorf("second request: %d %v, want 503", code, v)
	}
	a := <-first
	if msg, _ := a.v["error"].(string); a.code != 504 || !strings.Contains(msg, "timed out") {
		t.Errorf("held request: %d %v, want 504", a.code, a.v)
	}
}
