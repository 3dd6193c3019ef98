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
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/tensile-ml/tensile/internal/kernels"
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
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		if len(args) >= 2 && commands[args[1]] != nil {
			return commandHelp(commands[args[1]], append(args[2:], "-h"), stdout)
		}
		usage(stdout)
		return 0
	}
	if args[0] == "version" || args[0] == "-version" || args[0] == "--version" {
		fmt.Fprintln(stdout, versionString())
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "tensile: unknown command %q (run \"tensile help\")\n", args[0])
		return 2
	}
	if wantsHelp(args[1:]) {
		return commandHelp(c, args[1:], stdout)
	}
	if err := kernels.TierError(); err != nil {
		// A forced SIMD tier this machine cannot run is never ignored.
		fmt.Fprintf(stderr, "tensile %s: %v\n", c.name, err)
		return 2
	}
	// The recover boundary of package model: a panic anywhere in the
	// command (a shape error from data that does not fit a model, a bug)
	// becomes one error line, never a stack trace.
	if err := model.Guard(func() error { return c.run(args[1:], stdout) }); err != nil {
		if errors.Is(err, errUsage) {
			return 0 // help was asked for and printed
		}
		fmt.Fprintf(stderr, "tensile %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

// errUsage is returned after a flag set has printed its usage for -h.
var errUsage = errors.New("usage")

// wantsHelp reports whether args ask for help (-h, -help or --help before
// any "--").
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// commandHelp prints c's usage and returns exit status 0. Commands with a
// flag set print their flags when args ask for help (their run returns
// errUsage without doing anything); for the others, or when the arguments
// are wrong, the summary line is the usage.
func commandHelp(c *command, args []string, stdout io.Writer) (code int) {
	var buf strings.Builder
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		return c.run(args, &buf)
	}()
	if errors.Is(err, errUsage) {
		io.WriteString(stdout, buf.String())
		return 0
	}
	fmt.Fprintf(stdout, "tensile %s: %s\n", c.name, c.summary)
	return 0
}

// version is the release version; builds from a module proxy report the
// module version instead.
const version = "0.1.0-dev"

// versionString returns "tensile VERSION (GOVERSION GOOS/GOARCH, SIMD TIER)".
func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok {
		if mv := bi.Main.Version; mv != "" && mv != "(devel)" {
			v = mv
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += "+" + s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("tensile %s (%s %s/%s, SIMD %s, %d CPUs)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH, kernels.Tier(), runtime.NumCPU())
}

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
