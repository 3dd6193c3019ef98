package model

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress prints Keras-style training progress. steps is the number of
// batches per epoch, or -1 while unknown (a data source without
// NumBatches); Fit sets it to the count seen before epochEnd.
type progress struct {
	w                io.Writer
	mode             Verbosity
	steps            int
	start, lastPrint time.Time
	epoch, epochs    int
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgress(w io.Writer, v Verbosity) *progress {
	if v == VerboseAuto {
		v = VerboseEpoch
		if isTerminal(w) {
			v = VerboseBar
		}
	}
	return &progress{w: w, mode: v}
}

func (p *progress) epochBegin(epoch, epochs, steps int) {
	p.epoch, p.epochs, p.steps = epoch, epochs, steps
	p.start = time.Now()
	p.lastPrint = time.Time{}
	if p.mode == VerboseBar {
		fmt.Fprintf(p.w, "Epoch %d/%d\n", epoch, epochs)
	}
}

func fmtLogs(logs Logs, keys []string) string {
	var b strings.Builder
	for _, k := range keys {
		if v, ok := logs[k]; ok {
			fmt.Fprintf(&b, " - %s: %.4f", k, v)
		}
	}
	return b.String()
}

func fmtDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%ds", int(d.Seconds()+0.5))
}

func fmtETA(d time.Duration) string {
	s := int(d.Seconds() + 0.5)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	if s >= 60 {
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}

func (p *progress) bar(step int) string {
	const width = 30
	n := width * step / p.steps
	var b strings.Builder
	digits := len(fmt.Sprint(p.steps))
	fmt.Fprintf(&b, "%*d/%d [", digits, step, p.steps)
	if n > 0 {
		b.WriteString(strings.Repeat("=", n-1))
		if step < p.steps {
			b.WriteByte('>')
		} else {
			b.WriteByte('=')
		}
	}
	b.WriteString(strings.Repeat(".", width-n))
	b.WriteByte(']')
	return b.String()
}

func (p *progress) step(step int, logs Logs, keys []string) {
	if p.mode != VerboseBar || step == p.steps {
		return
	}
	now := time.Now()
	if now.Sub(p.lastPrint) < 100*time.Millisecond {
		return
	}
	p.lastPrint = now
	el := now.Sub(p.start)
	if p.steps <= 0 { // a source of unknown length, as Keras's "Unknown"
		fmt.Fprintf(p.w, "\r%d/Unknown - %s%s\x1b[K", step, fmtDuration(el), fmtLogs(logs, keys))
		return
	}
	eta := time.Duration(float64(el) / float64(step) * float64(p.steps-step))
	fmt.Fprintf(p.w, "\r%s - ETA: %s%s\x1b[K", p.bar(step), fmtETA(eta), fmtLogs(logs, keys))
}

func (p *progress) epochEnd(logs Logs, keys []string) {
	el := time.Since(p.start)
	perStep := el / time.Duration(max(p.steps, 1))
	switch p.mode {
	case VerboseBar:
		fmt.Fprintf(p.w, "\r%s - %s %s/step%s\x1b[K\n", p.bar(p.steps), fmtDuration(el), fmtStep(perStep), fmtLogs(logs, keys))
	case VerboseEpoch:
		fmt.Fprintf(p.w, "Epoch %d/%d - %s - %s/step%s\n", p.epoch, p.epochs, fmtDuration(el), fmtStep(perStep), fmtLogs(logs, keys))
	}
}

func fmtStep(d time.Duration) string {
	if d >= time.Millisecond {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%dus", d.Microseconds())
}
