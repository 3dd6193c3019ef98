package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/internal/floats"
	"github.com/tensile-ml/tensile/serve"
)

// TestServeAgreesWithPredict trains a model with the CLI, classifies MNIST
// test images saved as PNG with "tensile predict", and checks that a v2
// infer request and a v1 predict request for the same images return the
// same classes.
func TestServeAgreesWithPredict(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "digits.tsm")
	if code, out, errs := run(t, "train", "mnist-cnn", "--epochs", "1", "--train-limit", "64", "--verbose", "0", "--out", mf); code != 0 {
		t.Fatalf("train: exit %d: %s%s", code, out, errs)
	}
	_, test, err := mnist.Load()
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	args := []string{"predict", mf, "--json"}
	var xs []float32
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		for p := range 784 {
			img.Pix[p] = uint8(test.X[i*784+p]*255 + 0.5)
		}
		f := filepath.Join(dir, fmt.Sprintf("%d.png", i))
		var buf bytes.Buffer
		png.Encode(&buf, img)
		os.WriteFile(f, buf.Bytes(), 0o644)
		args = append(args, f)
		x, err := data.LoadImage(f, data.ImageOptions{Height: 28, Width: 28, Grayscale: true})
		if err != nil {
			t.Fatal(err)
		}
		xs = append(xs, x...)
	}
	code, out, errs := run(t, args...)
	if code != 0 {
		t.Fatalf("predict: exit %d: %s%s", code, out, errs)
	}
	var preds []prediction
	if err := json.Unmarshal([]byte(out), &preds); err != nil || len(preds) != n {
		t.Fatalf("predict output %q: %v", out, err)
	}

	s, err := serve.New(map[string]string{"digits": mf}, serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s)
	defer ts.Close()
	postJSON := func(path string, req any, resp any) {
		b, _ := json.Marshal(req)
		r, err := http.Post(ts.URL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		if r.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, r.StatusCode)
		}
		if err := json.NewDecoder(r.Body).Decode(resp); err != nil {
			t.Fatal(err)
		}
	}
	var v2 struct {
		Outputs []struct {
			Shape []int
			Data  []float32
		}
	}
	postJSON("/v2/models/digits/infer", map[string]any{"inputs": []map[string]any{{"name": "input", "shape": []int{n, 28, 28, 1}, "datatype": "FP32", "data": xs}}}, &v2)
	var inst [][]float32
	for i := range n {
		inst = append(inst, xs[i*784:(i+1)*784])
	}
	var v1 struct{ Predictions [][]float32 }
	postJSON("/v1/models/digits:predict", map[string]any{"instances": inst}, &v1)
	for i, p := range preds {
		c2 := floats.ArgMax(v2.Outputs[0].Data[i*10 : (i+1)*10])
		c1 := floats.ArgMax(v1.Predictions[i])
		if c2 != p.Class || c1 != p.Class {
			t.Errorf("image %d: tensile predict class %d, v2 %d, v1 %d", i, p.Class, c2, c1)
		}
	}
}

func TestServeFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "want at least one MODEL"},
		{[]string{"serve", "x.tsm", "--max-batch", "0"}, "--max-batch 0"},
		{[]string{"serve", "x.tsm", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"serve", "/nonexistent/x.tsm"}, "no such file"},
		{[]string{"serve", "a=x.tsm", "a=y.tsm"}, `"a" given twice`},
	}
	for _, c := range cases {
		code, _, errs := run(t, c.args...)
		if code != 1 || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want one line with %q", c.args, code, errs, c.want)
		}
	}
}

// lineWriter sends what is written to it, as strings, to c.
type lineWriter struct{ c chan string }

func (w lineWriter) Write(b []byte) (int, error) {
	select {
	case w.c <- string(b):
	default:
	}
	return len(b), nil
}

// TestServeSIGTERMDrains runs "tensile serve" in-process, starts slow
// requests (256 images each), sends the process SIGTERM while they are in
// flight, and checks that every one of them is answered and the command
// exits cleanly.
func TestServeSIGTERMDrains(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "digits.tsm")
	if code, out, errs := run(t, "train", "mnist-cnn", "--epochs", "1", "--train-limit", "64", "--verbose", "0", "--out", mf); code != 0 {
		t.Fatalf("train: exit %d: %s%s", code, out, errs)
	}
	out := lineWriter{make(chan string, 16)}
	var stderr bytes.Buffer
	exit := make(chan int, 1)
	go func() {
		exit <- runMain([]string{"serve", mf, "--addr", "127.0.0.1:0", "--quiet", "--max-batch", "256"}, out, &stderr)
	}()
	var base string
	select {
	case line := <-out.c:
		_, rest, ok := strings.Cut(line, " on ")
		if !ok {
			t.Fatalf("serve printed %q", line)
		}
		base = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "/"))
	case code := <-exit:
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	}
	_, test, err := mnist.Load()
	if err != nil {
		t.Fatal(err)
	}
	var inst [][]float32
	for i := range 256 {
		inst = append(inst, test.Sample(i))
	}
	body, _ := json.Marshal(map[string]any{"instances": inst})
	const n = 6
	codes := make(chan int, n)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range n {
		go func() {
			r, err := client.Post(base+"/v1/models/digits:predict", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Errorf("request lost: %v", err)
				codes <- 0
				return
			}
			var v struct{ Predictions [][]float32 }
			if err := json.NewDecoder(r.Body).Decode(&v); err != nil || len(v.Predictions) != 256 {
				t.Errorf("status %d: %d predictions, %v", r.StatusCode, len(v.Predictions), err)
			}
			r.Body.Close()
			codes <- r.StatusCode
		}()
	}
	// Wait until the server has the requests in flight (or answered), then
	// signal.
	for answered := 0; ; {
		r, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		inflight := 0
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "tensile_requests_in_flight "); ok {
				fmt.Sscan(v, &inflight)
			}
		}
		answered = len(codes)
		if inflight+answered >= n {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := <-exit; code != 0 {
		t.Errorf("serve exited %d after SIGTERM: %s", code, stderr.String())
	}
	for range n {
		if c := <-codes; c != 200 {
			t.Errorf("a request in flight at SIGTERM got status %d", c)
		}
	}
}
