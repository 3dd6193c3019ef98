// Package registry is the name → factory table behind optim.Register,
// losses.Register and metrics.Register: names match ignoring case and
// underscores, so a Keras name ("sparse_categorical_crossentropy") and its
// class name ("SparseCategoricalCrossentropy") are one entry. It is safe
// for concurrent use.
package registry

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Key returns the lookup key of a name: lower case without underscores.
func Key(name string) string { return strings.ReplaceAll(strings.ToLower(name), "_", "") }

// Table maps names to factories of type F. The zero Table is not usable;
// make one with New.
type Table[F any] struct {
	pkg, kind string // for messages: "losses", "loss"
	mu        sync.RWMutex
	factories map[string]F
	canonical map[string]string // key -> the name as registered
}

// New returns an empty table whose messages name package pkg and a kind
// of entry, e.g. New[Factory]("losses", "loss").
func New[F any](pkg, kind string) *Table[F] {
	return &Table[F]{pkg: pkg, kind: kind, factories: map[string]F{}, canonical: map[string]string{}}
}

// Register adds f under name and each alias. An empty name or one taken
// (as a key) panics: registration is a programming step done from init
// functions, as nn.Register's is. Callers check f for nil themselves.
func (t *Table[F]) Register(name string, f F, aliases ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range append([]string{name}, aliases...) {
		k := Key(n)
		if _, dup := t.factories[k]; dup || k == "" {
			panic(t.pkg + ": Register called twice for " + n)
		}
		t.factories[k] = f
		t.canonical[k] = n
	}
}

// Names returns the registered names and aliases, sorted.
func (t *Table[F]) Names() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	n := make([]string, 0, len(t.canonical))
	for _, v := range t.canonical {
		n = append(n, v)
	}
	sort.Strings(n)
	return n
}

// Lookup returns the factory registered under name (matched by Key), or an
// error that lists the registered names.
func (t *Table[F]) Lookup(name string) (F, error) {
	t.mu.RLock()
	f, ok := t.factories[Key(name)]
	t.mu.RUnlock()
	if !ok {
		var zero F
		return zero, fmt.Errorf("%s: unknown %s %q (registered: %s)", t.pkg, t.kind, name, strings.Join(t.Names(), ", "))
	}
	return f, nil
}
