package charlm

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// corpus returns about n bytes of sentences from a small grammar: words
// and phrases repeat, so a model with context beats the character
// frequencies by a wide margin.
func corpus(n int) string {
	subj := []string{"the cat", "a dog", "the old man", "my sister", "the little bird", "our teacher"}
	verb := []string{"sees", "likes", "walks to", "talks about", "looks at", "waits for"}
	obj := []string{"the garden", "a red house", "the river", "the market", "a green tree", "the station"}
	tail := []string{" every morning", " in the rain", "", " with a smile", " at night", ""}
	r := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	for b.Len() < n {
		s := subj[r.IntN(len(subj))] + " " + verb[r.IntN(len(verb))] + " " + obj[r.IntN(len(obj))] + tail[r.IntN(len(tail))] + ". "
		b.WriteString(strings.ToUpper(s[:1]) + s[1:])
		if r.IntN(4) == 0 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestTrainBeatsUnigram(t *testing.T) {
	for _, tc := range []struct {
		arch   string
		cfg    Config
		margin float64 // bits below the unigram entropy
	}{
		{LSTM, Config{Units: 64, EmbedDim: 16, SeqLen: 32, Step: 4, Epochs: 3, LearningRate: 1e-2}, 2.0},
		{Transformer, Config{EmbedDim: 32, Heads: 2, Layers: 1, SeqLen: 32, Step: 4, Epochs: 3, LearningRate: 3e-3}, 1.2},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Arch = tc.arch
			_, rep, err := Train(corpus(5000), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep)
			if !(rep.ValBPC < rep.UnigramBPC-tc.margin) {
				t.Errorf("held-out %.3f bits/char, want below the unigram %.3f - %.1f", rep.ValBPC, rep.UnigramBPC, tc.margin)
			}
		})
	}
}

func tinyLM(t *testing.T, arch string) *LM {
	t.Helper()
	lm, _, err := Train(corpus(2000), Config{Arch: arch, Units: 32, EmbedDim: 16, Heads: 2, Layers: 1, SeqLen: 16, Epochs: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return lm
}

func TestSample(t *testing.T) {
	for _, arch := range []string{LSTM, Transformer} {
		t.Run(arch, func(t *testing.T) {
			lm := tinyLM(t, arch)
			opt := SampleOptions{Length: 40, Temperature: 1, TopK: 5, Seed: 3}
			a, err := lm.Sample("The cat", opt)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := lm.Sample("The cat", opt)
			if a != b || len([]rune(a)) != 40 {
				t.Errorf("same seed gave %q and %q (want 40 characters each)", a, b)
			}
			opt.Seed = 4
			if c, _ := lm.Sample("The cat", opt); c == a {
				t.Errorf("seeds 3 and 4 gave the same text %q", a)
			}
			// Top-1 sampling is greedy decoding.
			g, _ := lm.Sample("The", SampleOptions{Length: 20, Temperature: 0})
			k1, _ := lm.Sample("The", SampleOptions{Length: 20, Temperature: 1.5, TopK: 1, Seed: 9})
			if g != k1 {
				t.Errorf("top-1 sample %q differs from greedy %q", k1, g)
			}
			// Save and Load give the same samples.
			path := filepath.Join(t.TempDir(), "lm.safetensors")
			if err := lm.Save(path); err != nil {
				t.Fatal(err)
			}
			lm2, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if lm2.Arch != arch || lm2.SeqLen != 16 {
				t.Errorf("loaded arch %q seq-len %d, want %q 16", lm2.Arch, lm2.SeqLen, arch)
			}
			if c, _ := lm2.Sample("The cat", SampleOptions{Length: 40, Temperature: 1, TopK: 5, Seed: 3}); c != a {
				t.Errorf("loaded model samples %q, want %q", c, a)
			}
		})
	}
}

// TestLSTMStateCarry checks that the step-by-step logits with carried
// states equal those of re-running the whole prefix.
func TestLSTMStateCarry(t *testing.T) {
	lm := tinyLM(t, LSTM)
	ids := lm.Encode("The old man walks")
	cur := ids[:5]
	next := lm.stepper(&cur)
	for n := 5; n <= len(ids); n++ {
		cur = ids[:n]
		got := next()
		full := ids[:n]
		want := lm.stepperFull(full)
		for i := range want {
			if d := got[i] - want[i]; d > 1e-4 || d < -1e-4 {
				t.Fatalf("prefix %d: logit %d is %g with carried state, %g re-run", n, i, got[i], want[i])
			}
		}
	}
}

// stepperFull returns the last logits of a fresh run over ids.
func (lm *LM) stepperFull(ids []int) []float32 {
	return lm.stepper(&ids)()
}

func TestPickTopK(t *testing.T) {
	logits := []float32{9, 9, 0.5, 2, 1.5, -1, 3, 0}
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[int]int{}
	for range 2000 {
		seen[pick(logits, SampleOptions{Temperature: 2, TopK: 3}, r)]++
	}
	// Ids 0 and 1 (padding, unknown) are never drawn; the top 3 of the
	// rest are ids 6, 3 and 4.
	for id := range seen {
		if id != 6 && id != 3 && id != 4 {
			t.Errorf("drew id %d outside the top 3: %v", id, seen)
		}
	}
	if len(seen) != 3 {
		t.Errorf("drew %v, want all of ids 3, 4, 6", seen)
	}
	if got := pick(logits, SampleOptions{Temperature: 0}, r); got != 6 {
		t.Errorf("greedy pick %d, want 6", got)
	}
}

func TestUnigramBits(t *testing.T) {
	if got := UnigramBits([]int{1, 2, 3, 4}); got != 2 {
		t.Errorf("UnigramBits of 4 distinct ids = %g, want 2", got)
	}
	if got := UnigramBits([]int{5, 5, 5}); got != 0 {
		t.Errorf("UnigramBits of one id = %g, want 0", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{{Arch: "gru"}, {Arch: Transformer, EmbedDim: 30, Heads: 4}, {SeqLen: -1}, {ValFraction: 1.5}} {
		if _, _, err := Train(corpus(500), cfg, nil); err == nil {
			t.Errorf("Train(%+v) succeeded, want an error", cfg)
		}
	}
	if _, _, err := Train("short", Config{}, nil); err == nil {
		t.Error("Train on 5 characters succeeded")
	}
}

// A long epoch reports its progress about ten times before it ends.
func TestTrainProgressWithinEpoch(t *testing.T) {
	var log strings.Builder
	// 1800 training characters in windows of 16, batch 4: 28 steps.
	if _, _, err := Train(corpus(2000), Config{Arch: "lstm", Units: 8, EmbedDim: 4, SeqLen: 16, BatchSize: 4, Epochs: 1}, &log); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(log.String(), "epoch 1/1: step ")
	if lines < 5 || lines > 10 {
		t.Fatalf("%d progress lines within the epoch, want about 10:\n%s", lines, log.String())
	}
}
