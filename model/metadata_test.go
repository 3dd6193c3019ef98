package model

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/nn"
)

func TestMetadataRoundTrip(t *testing.T) {
	m := NewSequential(InputShape(3), nn.NewDense(2, nn.DenseConfig{}))
	vec := []byte(`{"tokenizer":{"type":"word"},"length":5,"vocabulary":["","[UNK]","good"]}`)
	if err := m.SetMetadata("text.vectorizer", vec); err != nil {
		t.Fatal(err)
	}
	if err := m.SetMetadata("classes", []byte(`["neg","pos"]`)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		key string
		val []byte
	}{{"", []byte(`1`)}, {"x", []byte(`{not json`)}} {
		if err := m.SetMetadata(bad.key, bad.val); err == nil {
			t.Errorf("SetMetadata(%q, %q) succeeded", bad.key, bad.val)
		}
	}
	if err := m.SetMetadata("gone", []byte(`1`)); err != nil {
		t.Fatal(err)
	}
	if err := m.SetMetadata("gone", nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.MetadataKeys(); !slices.Equal(got, []string{"classes", "text.vectorizer"}) {
		t.Fatalf("keys %q", got)
	}
	if got, ok := l.Metadata("text.vectorizer"); !ok || string(got) != string(vec) {
		t.Errorf("vectorizer metadata = %s, %v", got, ok)
	}
	if _, ok := l.Metadata("missing"); ok {
		t.Error("missing key reported present")
	}
	// The file's raw header holds the value under tensile.meta.<key>.
	_, meta, _, err := readHeader(mustRead(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if meta["tensile.meta.classes"] != `["neg","pos"]` {
		t.Errorf("raw metadata %q", meta)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
