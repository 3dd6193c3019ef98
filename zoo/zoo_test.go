package zoo

import "testing"

func TestMNISTCNNParams(t *testing.T) {
	m, err := New("mnist-cnn")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Build(nil); err != nil {
		t.Fatal(err)
	}
	if _, total := m.CountParams(); total != 93322 {
		t.Fatalf("params %d, want 93322", total)
	}
	if _, err := New("nope"); err == nil {
		t.Fatal("unknown model gave no error")
	}
}
