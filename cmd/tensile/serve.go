package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/tensile-ml/tensile/serve"
)

func init() {
	register(&command{name: "serve", summary: "serve models over HTTP: serve MODEL|NAME=MODEL ... --addr 127.0.0.1:8080", run: runServe})
}

func runServe(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	var o serve.Options
	fs.IntVar(&o.MaxBatch, "max-batch", 32, "most samples in one dynamic batch (1: no batching)")
	fs.DurationVar(&o.MaxDelay, "max-delay", 2*time.Millisecond, "longest wait for a batch to fill")
	fs.IntVar(&o.Workers, "workers", 2, "batches run at once per model")
	fs.Int64Var(&o.MaxBody, "max-body", 16<<20, "largest request body in bytes (413 above)")
	fs.IntVar(&o.MaxConcurrent, "max-concurrent", 1024, "requests handled at once (503 above)")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Second, "longest time per request (504 after)")
	fs.DurationVar(&o.ReloadInterval, "reload", 2*time.Second, "check model files for changes this often (0: never)")
	drain := fs.Duration("drain", 30*time.Second, "on SIGTERM, wait this long for requests in flight")
	threads := fs.Int("threads", 0, "worker threads (0: all cores)")
	quiet := fs.Bool("quiet", false, "no request logs")
	pprofAddr := fs.String("pprof", "", "also serve Go's net/http/pprof profiles on this (loopback) address")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errors.New("want at least one MODEL file (or NAME=MODEL)")
	}
	if err := setThreads(*threads); err != nil {
		return err
	}
	for name, v := range map[string]int64{"--max-batch": int64(o.MaxBatch), "--workers": int64(o.Workers), "--max-body": o.MaxBody, "--max-concurrent": int64(o.MaxConcurrent)} {
		if v < 1 {
			return fmt.Errorf("%s %d: must be at least 1", name, v)
		}
	}
	if o.MaxDelay < 0 || o.Timeout <= 0 || o.ReloadInterval < 0 || *drain < 0 {
		return errors.New("--max-delay, --reload and --drain must not be negative; --timeout must be positive")
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = -1 // Options: negative means no wait
	}
	paths := map[string]string{}
	for _, a := range pos {
		name, path, err := serve.ParseModelArg(a)
		if err != nil {
			return err
		}
		if _, dup := paths[name]; dup {
			return fmt.Errorf("model name %q given twice; use NAME=PATH", name)
		}
		paths[name] = path
	}
	o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if *quiet {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := serve.New(paths, o)
	if err != nil {
		return err
	}
	// Catch SIGTERM before announcing the address: a signal after the
	// announcement drains instead of killing the process.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		s.Close()
		return err
	}
	if *pprofAddr != "" {
		pln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			s.Close()
			ln.Close()
			return fmt.Errorf("--pprof: %w", err)
		}
		defer pln.Close()
		runtime.SetMutexProfileFraction(100)
		runtime.SetBlockProfileRate(100_000) // one sample per 100µs blocked
		go http.Serve(pln, pprofMux())
		fmt.Fprintf(stdout, "profiles on http://%s/debug/pprof/\n", pln.Addr())
	}
	fmt.Fprintf(stdout, "serving %v on http://%s/\n", s.Names(), ln.Addr())
	return s.Run(ctx, ln, *drain)
}

// pprofMux serves Go's runtime profiles (serve --pprof) on their own
// listener, away from the models' routes.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
