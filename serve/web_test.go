package serve

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/tensile-ml/tensile/audio"
	"github.com/tensile-ml/tensile/internal/browsertest"
	"github.com/tensile-ml/tensile/textclf"
)

// drag draws a stroke through pts (page coordinates) with the left button.
func drag(pts [][2]float64) chromedp.Action[chromedp.Void] {
	held := func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, pts[0][0], pts[0][1], chromedp.ButtonLeft, chromedp.ClickCount(1), held)}
	for _, p := range pts[1:] {
		steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, p[0], p[1], chromedp.ButtonLeft, held))
	}
	last := pts[len(pts)-1]
	steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, last[0], last[1], chromedp.ButtonLeft, chromedp.ClickCount(1)))
	return chromedp.Steps(steps...)
}

// TestWebPage draws a digit on the page's canvas in headless Chromium,
// reads the prediction the page shows, checks it against the server's
// answer for the image the page sent, then types text for the text model.
func TestWebPage(t *testing.T) {
	mp, tp := fixtures(t)
	dir := t.TempDir()
	ap, rec := trainTones(t, dir)
	s := newServer(t, Options{}, map[string]string{"mnist": mp, "sent": tp, "tones": ap})
	ts := httptest.NewServer(s)
	defer ts.Close()
	ctx := browsertest.Start(t, 60*time.Second)

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"), chromedp.Poll[chromedp.Void](`!document.getElementById("image-ui").hidden`)); err != nil {
		t.Fatal(err)
	}
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById("pad").getBoundingClientRect(); return [r.left, r.top]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	// A "1": one vertical stroke down the middle of the canvas.
	var stroke [][2]float64
	for y := 50.0; y <= 230; y += 10 {
		stroke = append(stroke, [2]float64{box[0] + 140 + (230-y)/12, box[1] + y})
	}
	if err := chromedp.Do(ctx, drag(stroke),
		chromedp.Poll[chromedp.Void](`document.getElementById("prediction").dataset.cls !== "" && !pending`)); err != nil {
		t.Fatal(err)
	}
	cls := evalT[string](t, ctx, `document.getElementById("prediction").dataset.cls`)
	shown := evalT[string](t, ctx, `document.getElementById("prediction").textContent`)
	rows := evalT[int](t, ctx, `document.querySelectorAll("#probs tr").length`)
	dataURL := evalT[string](t, ctx, `digitImage().then(b => new Promise(r => { const f = new FileReader(); f.onload = () => r(f.result); f.readAsDataURL(b); }))`, chromedp.EvalAwaitPromise)
	if rows != 10 {
		t.Errorf("%d probability rows, want 10", rows)
	}
	if cls != "1" || !strings.HasPrefix(shown, "1") {
		t.Errorf("page shows class %q (%q) for a drawn 1", cls, shown)
	}
	// The image the page sends is a 28×28 PNG whose class the server
	// gives as the page shows.
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(dataURL, "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 28 || img.Bounds().Dy() != 28 {
		t.Fatalf("page image: %v %v", img.Bounds(), err)
	}
	code, up := post(t, ts.URL+"/models/mnist/predict", "image/png", raw)
	if code != 200 || strconv.Itoa(int(up["class"].(float64))) != cls {
		t.Errorf("server says %d %v for the page's image, page shows %s", code, up, cls)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(shot)); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	browsertest.SaveScreenshot(t, "serve-digit.png", shot)

	// The text model: type a sentence, read the label.
	tc, err := textclf.Load(tp)
	if err != nil {
		t.Fatal(err)
	}
	const sentence = "it was great and moving"
	want, _ := tc.Predict([]string{sentence})
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`{ const s = document.getElementById("model"); s.value = "sent"; s.onchange(); }`),
		chromedp.Poll[chromedp.Void](`!document.getElementById("text-ui").hidden`),
		chromedp.SendKeys("#text", sentence),
		chromedp.Poll[chromedp.Void](`document.getElementById("prediction").dataset.cls !== "" && !pending && !again`),
		chromedp.Sleep(100*time.Millisecond), // let a last keystroke's request settle
		chromedp.Poll[chromedp.Void](`!pending`),
	); err != nil {
		t.Fatal(err)
	}
	label := evalT[string](t, ctx, `document.getElementById("prediction").textContent`)
	if shot, err = chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(label, tc.Classes[want[0]]) {
		t.Errorf("page shows %q for %q, want %s", label, sentence, tc.Classes[want[0]])
	}
	browsertest.SaveScreenshot(t, "serve-text.png", shot)

	// The audio model: choose a WAV file, read the label.
	wav := filepath.Join(dir, "high.wav")
	wantA := predictWAVFile(t, rec, wav, wavBytes(t, &audio.Audio{SampleRate: 8000, Channels: [][]float32{tone(rand.New(rand.NewPCG(1, 2)), 3000, 8000, 1700)}}, audio.WAVFormat{}))
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`{ const s = document.getElementById("model"); s.value = "tones"; s.onchange(); }`),
		chromedp.Poll[chromedp.Void](`!document.getElementById("audio-ui").hidden`),
		chromedp.SetUploadFiles("#wav", []string{wav}),
		chromedp.Poll[chromedp.Void](`document.getElementById("prediction").dataset.cls !== "" && !pending`),
	); err != nil {
		t.Fatal(err)
	}
	if cls := evalT[string](t, ctx, `document.getElementById("prediction").dataset.cls`); cls != strconv.Itoa(wantA.Index) {
		t.Errorf("page shows class %s for the WAV, tensile predict says %d (%s)", cls, wantA.Index, wantA.Class)
	}
}

// evalT evaluates a JavaScript expression in the page.
func evalT[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}
