// Command tensile trains, evaluates and benchmarks tensile models.
//
//	tensile train mnist-cnn            the Keras MNIST CNN on embedded MNIST
//	tensile bench gemm --threads 1     SGEMM throughput
//
// Run "tensile help" for every command.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/model"
)

// command is one top-level subcommand. Each lives in its own file and
// registers itself from init.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain runs the CLI and returns the exit status. User mistakes and
// environment failures print one line on stderr, never a stack trace.
func runMain(args []string, stdout, stderr io.Writer) (code int) {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "tensile: unknown command %q (run \"tensile help\")\n", args[0])
		return 2
	}
	// The recover boundary of package model: a panic anywhere in the
	// command (a shape error from data that does not fit a model, a bug)
	// becomes one error line, never a stack trace.
	if err := model.Guard(func() error { return c.run(args[1:], stdout) }); err != nil {
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "tensile %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

// errUsage is returned after a flag set has already printed its usage.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "tensile: deep learning in pure Go\n\nusage: tensile <command> [arguments]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// benchTargets are the "tensile bench <target>" benchmarks, registered from
// init in their own files.
var benchTargets = map[string]func(args []string, stdout io.Writer) error{}

func init() {
	register(&command{name: "bench", summary: "measure speed: bench gemm | bench train mnist-cnn", run: func(args []string, stdout io.Writer) error {
		if len(args) == 0 {
			return fmt.Errorf("missing target; one of: %s", strings.Join(sortedKeys(benchTargets), ", "))
		}
		f, ok := benchTargets[args[0]]
		if !ok {
			return fmt.Errorf("unknown target %q; one of: %s", args[0], strings.Join(sortedKeys(benchTargets), ", "))
		}
		return f(args[1:], stdout)
	}})
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// setThreads applies a --threads flag: 0 keeps all cores, a positive count
// sets the worker pool's size, a negative one is an error.
func setThreads(n int) error {
	if n < 0 {
		return fmt.Errorf("--threads %d: want 0 (all cores) or a positive count", n)
	}
	if n > 0 {
		parallel.SetThreads(n)
	}
	return nil
}
