package text

import (
	"slices"
	"strings"
	"testing"
)

// Expected values follow the documented behaviour of Keras's
// keras.utils.pad_sequences.
func TestPad(t *testing.T) {
	tests := []struct {
		name   string
		ids    []int
		length int
		opt    PadOptions
		want   []int
	}{
		{"pad pre (default)", []int{1, 2, 3}, 5, PadOptions{}, []int{0, 0, 1, 2, 3}},
		{"pad post", []int{1, 2, 3}, 5, PadOptions{Padding: "post"}, []int{1, 2, 3, 0, 0}},
		{"pad explicit pre", []int{1, 2, 3}, 4, PadOptions{Padding: "pre"}, []int{0, 1, 2, 3}},
		{"truncate pre (default)", []int{1, 2, 3, 4}, 2, PadOptions{}, []int{3, 4}},
		{"truncate post", []int{1, 2, 3, 4}, 2, PadOptions{Truncating: "post"}, []int{1, 2}},
		{"truncate post pad post", []int{1, 2, 3, 4}, 3, PadOptions{Padding: "post", Truncating: "post"}, []int{1, 2, 3}},
		{"exact length", []int{1, 2, 3}, 3, PadOptions{Padding: "post", Truncating: "post"}, []int{1, 2, 3}},
		{"value", []int{7}, 3, PadOptions{Value: -1}, []int{-1, -1, 7}},
		{"value post", []int{7}, 3, PadOptions{Padding: "post", Value: 9}, []int{7, 9, 9}},
		{"empty", nil, 3, PadOptions{}, []int{0, 0, 0}},
		{"zero length", []int{1, 2}, 0, PadOptions{}, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.ids)
			got := Pad(tt.ids, tt.length, tt.opt)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Pad(%v, %d, %+v) = %v, want %v", tt.ids, tt.length, tt.opt, got, tt.want)
			}
			if !slices.Equal(in, tt.ids) {
				t.Error("Pad modified its input")
			}
		})
	}
}

func TestPadPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"negative length", func() { Pad(nil, -1, PadOptions{}) }, "negative"},
		{"bad padding", func() { Pad(nil, 2, PadOptions{Padding: "left"}) }, "padding"},
		{"bad truncating", func() { Pad(nil, 2, PadOptions{Truncating: "end"}) }, "truncating"},
		{"sequences negative", func() { PadSequences(nil, -2, PadOptions{}) }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tt.msg) {
					t.Errorf("recover() = %v, want a message containing %q", r, tt.msg)
				}
			}()
			tt.f()
		})
	}
}

func TestPadSequences(t *testing.T) {
	seqs := [][]int{{1}, {2, 3, 4}, {}, {5, 6}}
	tests := []struct {
		name   string
		length int
		opt    PadOptions
		want   []float32
		shape  []int
	}{
		{"longest pre", 0, PadOptions{}, []float32{0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 5, 6}, []int{4, 3}},
		{"longest post", 0, PadOptions{Padding: "post"}, []float32{1, 0, 0, 2, 3, 4, 0, 0, 0, 5, 6, 0}, []int{4, 3}},
		{"length 2", 2, PadOptions{}, []float32{0, 1, 3, 4, 0, 0, 5, 6}, []int{4, 2}},
		{"length 2 trunc post", 2, PadOptions{Truncating: "post"}, []float32{0, 1, 2, 3, 0, 0, 5, 6}, []int{4, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, shape := PadSequences(seqs, tt.length, tt.opt)
			if !slices.Equal(got, tt.want) || !slices.Equal(shape, tt.shape) {
				t.Errorf("PadSequences = %v %v, want %v %v", got, shape, tt.want, tt.shape)
			}
		})
	}
	if got, shape := PadSequences(nil, 0, PadOptions{}); len(got) != 0 || !slices.Equal(shape, []int{0, 0}) {
		t.Errorf("no sequences: %v %v", got, shape)
	}
}
