package recsys

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
)

// metaKey is the model-file metadata key of a recommender's header.
const metaKey = "recsys"

type header struct {
	Config     Config    `json:"config"`
	Mu         float32   `json:"mu"`
	UserIDs    []int64   `json:"user_ids"`
	ItemIDs    []int64   `json:"item_ids"`
	UserCount  []int32   `json:"user_count"`
	ItemCount  []int32   `json:"item_count"`
	Rated      [][]int32 `json:"rated"`
	Genres     []string  `json:"genres,omitempty"`
	ItemGenres [][]int32 `json:"item_genres,omitempty"`
}

// Save writes the model to path in the model format of package model (one
// safetensors file: the network's architecture and weights, and the id
// tables, counts and genres as the metadata "recsys"), atomically (a crash
// never leaves half a model). model.Load reads it as an ordinary network.
func (m *Model) Save(path string) error {
	h := header{Config: m.Cfg, Mu: m.Mu, UserIDs: m.UserIDs, ItemIDs: m.ItemIDs, UserCount: m.UserCount,
		ItemCount: m.ItemCount, Rated: m.rated, Genres: m.Genres, ItemGenres: m.itemGenres}
	hb, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("recsys: save %s: %w", path, err)
	}
	if err := m.net.SetMetadata(metaKey, hb); err != nil {
		return fmt.Errorf("recsys: save %s: %w", path, err)
	}
	if err := m.net.Save(path); err != nil {
		return fmt.Errorf("recsys: %w", err)
	}
	return nil
}

// Load reads a model written by Save. A file that is not one (not a model
// file, no recommender metadata, tables that do not fit the id tables) is
// an error naming the file; memory is bounded by the file's size (see
// model.Load).
func Load(path string) (*Model, error) {
	net, err := model.Load(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("recsys: %w", err)
		}
		return nil, fmt.Errorf("recsys: not a tensile recommender model: %w", err)
	}
	m, err := fromNet(net)
	if err != nil {
		return nil, fmt.Errorf("recsys: %s: %w", path, err)
	}
	return m, nil
}

// fromNet makes a recommender of a loaded network and its metadata.
func fromNet(net *model.Model) (*Model, error) {
	hb, ok := net.Metadata(metaKey)
	if !ok {
		return nil, errors.New("not a tensile recommender model (no recsys metadata)")
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("bad recsys metadata: %v", err)
	}
	m, err := rebuild(&h)
	if err != nil {
		return nil, err
	}
	if err := m.bind(net); err != nil {
		return nil, err
	}
	var need []string
	switch m.Cfg.Kind {
	case KindMF, KindSVDPP:
		need = []string{"P", "Q", "BU", "BI"}
		if m.Cfg.Kind == KindSVDPP {
			need = append(need, "Y")
		}
		if len(m.Genres) > 0 {
			need = append(need, "G")
		}
		outs := 5
		if m.Cfg.Kind == KindSVDPP {
			outs = 6
		}
		if len(net.InputShapes()) != len(need)-2 || len(net.OutputShapes()) != outs {
			return nil, fmt.Errorf("the network is not a %s rating model", m.Cfg.Kind)
		}
	default:
		if m.Cfg.Kind != KindMLP {
			need = append(need, "PG", "QG")
		}
		if m.Cfg.Kind != KindGMF {
			need = append(need, "PM", "QM")
		}
		if len(net.InputShapes()) != 2 || len(net.OutputShapes()) != 1 || !slices.Equal(net.OutputShapes()[0], []int{1}) {
			return nil, fmt.Errorf("the network is not a %s model", m.Cfg.Kind)
		}
	}
	for _, n := range need {
		if m.tabs[n] == nil {
			return nil, fmt.Errorf("the network has no table %q", n)
		}
	}
	if d := m.Cfg.Factors; m.Cfg.Kind == KindMF || m.Cfg.Kind == KindSVDPP {
		for _, n := range need {
			if w := m.tabs[n].Dim(1); w != d && !(w == 1 && (n == "BU" || n == "BI")) {
				return nil, fmt.Errorf("table %q has %d factors, the configuration %d", n, w, d)
			}
		}
	}
	if k := m.Cfg.Kind; k != KindMF && k != KindSVDPP {
		// Probe the network with the smallest and largest ids, so that
		// scoring known users and items cannot fail later.
		us := []float32{0, float32(len(m.UserIDs) - 1)}
		is := []float32{0, float32(len(m.ItemIDs) - 1)}
		var err error
		tensor.NoGrad(func() {
			_, err = net.Call([]*tensor.Tensor{tensor.FromSlice(us, 2, 1), tensor.FromSlice(is, 2, 1)}, false)
		})
		if err != nil {
			return nil, fmt.Errorf("the network does not score its ids: %w", err)
		}
	}
	m.finish()
	return m, nil
}

// rebuild makes a model without a network of the header, checking the
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
	if len(h.ItemGenres) > 0 && len(h.Genres) == 0 {
		return nil, errors.New("item genres without genre names")
	}
	return &Model{Cfg: cfg, UserIDs: h.UserIDs, ItemIDs: h.ItemIDs, Mu: h.Mu, UserCount: h.UserCount,
		ItemCount: h.ItemCount, rated: h.Rated, Genres: h.Genres, itemGenres: h.ItemGenres}, nil
}
