package recsys

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"

	"github.com/tensile-ml/tensile/internal/atomicfile"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// magic starts a saved recommender: 8 bytes, then a little-endian uint32
// header length, the JSON header, and the tensors' float32 values
// (little-endian, in the header's order).
const magic = "TSRECSY1"

type tensorHead struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

type header struct {
	Config     Config       `json:"config"`
	Mu         float32      `json:"mu"`
	UserIDs    []int64      `json:"user_ids"`
	ItemIDs    []int64      `json:"item_ids"`
	UserCount  []int32      `json:"user_count"`
	ItemCount  []int32      `json:"item_count"`
	Rated      [][]int32    `json:"rated"`
	Genres     []string     `json:"genres,omitempty"`
	ItemGenres [][]int32    `json:"item_genres,omitempty"`
	Tensors    []tensorHead `json:"tensors"`
}

// named returns the model's tensors with their save names, in order.
func (m *Model) named() ([]string, []*tensor.Tensor) {
	var names []string
	var ts []*tensor.Tensor
	for _, k := range []string{"P", "Q", "BU", "BI", "Y", "G", "PG", "QG", "PM", "QM"} {
		if t := m.tabs[k]; t != nil {
			names, ts = append(names, k), append(ts, t.Embeddings)
		}
	}
	for j, d := range m.mlp {
		names = append(names, fmt.Sprintf("mlp%d/kernel", j), fmt.Sprintf("mlp%d/bias", j))
		ts = append(ts, d.Params()...)
	}
	if m.out != nil {
		names = append(names, "out/kernel", "out/bias")
		ts = append(ts, m.out.Params()...)
	}
	return names, ts
}

// Save writes the model to path atomically (a crash never leaves half a
// model).
func (m *Model) Save(path string) error {
	names, ts := m.named()
	h := header{Config: m.Cfg, Mu: m.Mu, UserIDs: m.UserIDs, ItemIDs: m.ItemIDs, UserCount: m.UserCount,
		ItemCount: m.ItemCount, Rated: m.rated, Genres: m.Genres, ItemGenres: m.itemGenres}
	for k, t := range ts {
		h.Tensors = append(h.Tensors, tensorHead{names[k], t.Shape()})
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("recsys: save %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString(magic)
		binary.Write(bw, binary.LittleEndian, uint32(len(hb)))
		bw.Write(hb)
		var b [4]byte
		for _, t := range ts {
			for _, v := range t.Data() {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
				bw.Write(b[:])
			}
		}
		return bw.Flush()
	})
}

// Load reads a model written by Save. A file that is not one, is
// truncated, or whose tensors do not fit its configuration is an error
// naming the file; memory is bounded by the file's size.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recsys: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("recsys: %w", err)
	}
	m, err := Decode(bufio.NewReader(f), st.Size())
	if err != nil {
		return nil, fmt.Errorf("recsys: %s: %w", path, err)
	}
	return m, nil
}

// Decode reads a saved model of size bytes from r.
func Decode(r io.Reader, size int64) (*Model, error) {
	var mg [8]byte
	if _, err := io.ReadFull(r, mg[:]); err != nil || string(mg[:]) != magic {
		return nil, errors.New("not a tensile recommender model")
	}
	var hl uint32
	if err := binary.Read(r, binary.LittleEndian, &hl); err != nil {
		return nil, errors.New("truncated header")
	}
	rest := size - 12
	if int64(hl) > rest {
		return nil, fmt.Errorf("header of %d bytes in a file of %d", hl, size)
	}
	hb := make([]byte, hl)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, errors.New("truncated header")
	}
	rest -= int64(hl)
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("bad header: %v", err)
	}
	var total int64
	for _, t := range h.Tensors {
		n := int64(1)
		for _, d := range t.Shape {
			if d < 1 || int64(d) > rest/4 || n > rest/4/int64(d) {
				return nil, fmt.Errorf("tensor %q of shape %v does not fit in the file", clipS(t.Name), t.Shape)
			}
			n *= int64(d)
		}
		total += n
		if total > rest/4 {
			return nil, fmt.Errorf("tensor %q of shape %v does not fit in the file", clipS(t.Name), t.Shape)
		}
	}
	if total*4 != rest {
		return nil, fmt.Errorf("%d bytes of tensors, the header declares %d", rest, total*4)
	}
	if need := floatsNeeded(&h); need < 0 || need > total {
		return nil, fmt.Errorf("the configuration needs more values than the file's %d", total)
	}
	m, err := rebuild(&h)
	if err != nil {
		return nil, err
	}
	names, ts := m.named()
	if len(names) != len(h.Tensors) {
		return nil, fmt.Errorf("%d tensors, a %s model has %d", len(h.Tensors), m.Cfg.Kind, len(names))
	}
	buf := make([]byte, 4096*4)
	for k, th := range h.Tensors {
		if th.Name != names[k] || !slices.Equal(th.Shape, ts[k].Shape()) {
			return nil, fmt.Errorf("tensor %d is %q %v, want %q %v", k, clipS(th.Name), th.Shape, names[k], ts[k].Shape())
		}
		d := ts[k].Data()
		for s := 0; s < len(d); s += 4096 {
			n := min(4096, len(d)-s)
			if _, err := io.ReadFull(r, buf[:n*4]); err != nil {
				return nil, errors.New("truncated tensors")
			}
			for j := 0; j < n; j++ {
				v := math.Float32frombits(binary.LittleEndian.Uint32(buf[j*4:]))
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, fmt.Errorf("tensor %q holds a non-finite value", names[k])
				}
				d[s+j] = v
			}
		}
	}
	m.finish()
	return m, nil
}

// rebuild makes an untrained model of the header's shape, checking the
// header's consistency.
func rebuild(h *header) (*Model, error) {
	cfg, err := h.Config.withDefaults()
	if err != nil {
		return nil, err
	}
	nu, ni := len(h.UserIDs), len(h.ItemIDs)
	if nu == 0 || ni == 0 || len(h.UserCount) != nu || len(h.ItemCount) != ni || len(h.Rated) != nu {
		return nil, fmt.Errorf("inconsistent id tables (%d users, %d items, %d/%d counts, %d rated lists)",
			nu, ni, len(h.UserCount), len(h.ItemCount), len(h.Rated))
	}
	for u, items := range h.Rated {
		for k, i := range items {
			if i < 0 || int(i) >= ni || (k > 0 && items[k-1] >= i) {
				return nil, fmt.Errorf("rated list of user %d is not a sorted list of item indices", u)
			}
		}
	}
	if len(h.ItemGenres) != 0 && len(h.ItemGenres) != ni {
		return nil, fmt.Errorf("%d item genre lists for %d items", len(h.ItemGenres), ni)
	}
	for _, gs := range h.ItemGenres {
		for _, g := range gs {
			if g < 0 || int(g) >= len(h.Genres) {
				return nil, fmt.Errorf("genre index %d out of range", g)
			}
		}
	}
	if math.IsNaN(float64(h.Mu)) || math.IsInf(float64(h.Mu), 0) {
		return nil, errors.New("non-finite global mean")
	}
	m := &Model{Cfg: cfg, UserIDs: h.UserIDs, ItemIDs: h.ItemIDs, Mu: h.Mu, UserCount: h.UserCount,
		ItemCount: h.ItemCount, rated: h.Rated, Genres: h.Genres, itemGenres: h.ItemGenres, tabs: map[string]*nn.Embedding{}}
	rng := rand.New(rand.NewPCG(1, 1))
	d := cfg.Factors
	switch cfg.Kind {
	case KindMF, KindSVDPP:
		m.tabs["P"] = table("P", nu, d, 0, rng)
		m.tabs["Q"] = table("Q", ni, d, 0, rng)
		m.tabs["BU"] = table("BU", nu, 1, 0, rng)
		m.tabs["BI"] = table("BI", ni, 1, 0, rng)
		if cfg.Kind == KindSVDPP {
			m.tabs["Y"] = table("Y", ni, d, 0, rng)
		}
		if len(h.ItemGenres) > 0 {
			if len(h.Genres) == 0 {
				return nil, errors.New("item genres without genre names")
			}
			m.tabs["G"] = table("G", len(h.Genres), d, 0, rng)
		}
		return m, nil
	}
	outIn := 0
	if cfg.Kind != KindMLP {
		m.tabs["PG"] = table("PG", nu, d, 0, rng)
		m.tabs["QG"] = table("QG", ni, d, 0, rng)
		outIn += d
	}
	if cfg.Kind != KindGMF {
		if len(cfg.Layers) < 1 || cfg.Layers[0]%2 != 0 {
			return nil, fmt.Errorf("MLP layers %v: the first width must be even", cfg.Layers)
		}
		m.tabs["PM"] = table("PM", nu, cfg.Layers[0]/2, 0, rng)
		m.tabs["QM"] = table("QM", ni, cfg.Layers[0]/2, 0, rng)
		in := cfg.Layers[0]
		for _, w := range cfg.Layers[1:] {
			dl := nn.NewDense(w, nn.DenseConfig{Activation: "relu"})
			if err := dl.Build([]int{in}, rng); err != nil {
				return nil, err
			}
			m.mlp = append(m.mlp, dl)
			in = w
		}
		outIn += in
	}
	m.out = nn.NewDense(1, nn.DenseConfig{})
	if err := m.out.Build([]int{outIn}, rng); err != nil {
		return nil, err
	}
	return m, nil
}

// floatsNeeded returns a lower bound on the number of values the header's
// model holds (-1 when it overflows), so that rebuild allocates no more
// than the file provides.
func floatsNeeded(h *header) int64 {
	cfg, err := h.Config.withDefaults()
	if err != nil {
		return 0 // rebuild reports it
	}
	nu, ni := int64(len(h.UserIDs)), int64(len(h.ItemIDs))
	d := int64(cfg.Factors)
	if cfg.Kind == KindMLP && len(cfg.Layers) > 0 {
		d = int64(max(cfg.Layers[0]/2, 1))
	}
	n := (nu + ni) * d
	prev := int64(0)
	for k, w := range cfg.Layers {
		if w < 1 || w > 4096 {
			return -1
		}
		if k > 0 {
			n += prev * int64(w)
		}
		prev = int64(w)
		if n < 0 {
			return -1
		}
	}
	return n
}
