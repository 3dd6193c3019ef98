package text

import "fmt"

// PadOptions says how Pad fits a sequence to a length, with the semantics of
// Keras's pad_sequences.
type PadOptions struct {
	// Padding is "pre" (default, Keras's default: values go before the
	// sequence) or "post" (after it).
	Padding string `json:"padding,omitempty"`
	// Truncating is "pre" (default, Keras's default: drop from the start,
	// keeping the end of the sequence) or "post" (drop from the end).
	Truncating string `json:"truncating,omitempty"`
	// Value is the padding id (default 0, PadID).
	Value int `json:"value,omitempty"`
}

func (o PadOptions) check() error {
	if o.Padding != "" && o.Padding != "pre" && o.Padding != "post" {
		return fmt.Errorf("padding %q must be \"pre\" or \"post\"", o.Padding)
	}
	if o.Truncating != "" && o.Truncating != "pre" && o.Truncating != "post" {
		return fmt.Errorf("truncating %q must be \"pre\" or \"post\"", o.Truncating)
	}
	return nil
}

// Pad returns ids fitted to exactly length entries: a longer sequence is
// truncated, a shorter one padded with opt.Value. With the zero PadOptions
// both happen at the front, as Keras's pad_sequences does by default:
//
//	Pad([]int{1, 2, 3}, 5, PadOptions{})                     // [0 0 1 2 3]
//	Pad([]int{1, 2, 3}, 2, PadOptions{})                     // [2 3]
//	Pad([]int{1, 2, 3}, 5, PadOptions{Padding: "post"})      // [1 2 3 0 0]
//	Pad([]int{1, 2, 3}, 2, PadOptions{Truncating: "post"})   // [1 2]
//
// It panics if length is negative or an option is not "", "pre" or "post".
func Pad(ids []int, length int, opt PadOptions) []int {
	if length < 0 {
		panic(fmt.Sprintf("text: Pad: negative length %d", length))
	}
	out := make([]int, length)
	padInto(out, ids, opt, "Pad")
	return out
}

// padInto fits ids into out (whose length is the target length).
func padInto[T int | float32](out []T, ids []int, opt PadOptions, op string) {
	if err := opt.check(); err != nil {
		panic("text: " + op + ": " + err.Error())
	}
	length := len(out)
	if len(ids) > length {
		if opt.Truncating == "post" {
			ids = ids[:length]
		} else {
			ids = ids[len(ids)-length:]
		}
	}
	start := 0
	if opt.Padding != "post" {
		start = length - len(ids)
	}
	for i := range out {
		out[i] = T(opt.Value)
	}
	for i, id := range ids {
		out[start+i] = T(id)
	}
}

// PadSequences pads or truncates every sequence to length (0 means the
// length of the longest sequence) and returns them as one row-major [N, T]
// matrix of float32 ids, ready for an Embedding layer, with its shape. It
// panics if length is negative or opt is invalid.
func PadSequences(seqs [][]int, length int, opt PadOptions) (ids []float32, shape []int) {
	if length < 0 {
		panic(fmt.Sprintf("text: PadSequences: negative length %d", length))
	}
	if length == 0 {
		for _, s := range seqs {
			length = max(length, len(s))
		}
	}
	ids = make([]float32, len(seqs)*length)
	for i, s := range seqs {
		padInto(ids[i*length:(i+1)*length], s, opt, "PadSequences")
	}
	return ids, []int{len(seqs), length}
}
