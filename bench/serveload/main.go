// Command serveload is the load generator of bench/serve_load.sh: it sends
// one request body to one URL from N concurrent clients (closed loop: each
// client sends its next request when the previous one is answered) for a
// fixed time, with the vegeta library, and prints one line of results:
// throughput, latency percentiles and errors. Loopback only.
//
//	serveload --url http://127.0.0.1:8080/v1/models/mnist:predict --body req.json --clients 8 --duration 10s
//
// With several URLs (comma-separated), it sends to each in turn for
// --slice at a time until each has had --duration, so that load from
// other processes on the machine falls on all of them alike, and prints
// one line per URL. With --pid it also prints each server process's CPU
// per request.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/tensile-ml/tensile/datasets/mnist"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

func run() error {
	targets := flag.String("url", "", "URL to POST to (loopback only); several, comma-separated, are measured interleaved")
	bodyPath := flag.String("body", "", "request body file")
	ctype := flag.String("content-type", "application/json", "request content type")
	clients := flag.Int("clients", 1, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "how long to send to each URL (at most 10m)")
	slice := flag.Duration("slice", 0, "with several URLs, send to each in turn for this long until each had --duration (0: one after the other)")
	labels := flag.String("label", "", "names printed with the results, comma-separated as --url")
	pids := flag.String("pid", "", "server process IDs, comma-separated as --url: their CPU per request is printed (Linux /proc)")
	writeBody := flag.String("write-mnist-body", "", "write a v1 predict body holding the first MNIST test image to FILE and exit")
	flag.Parse()
	if *writeBody != "" {
		_, test, err := mnist.Load()
		if err != nil {
			return err
		}
		b, err := json.Marshal(map[string]any{"instances": [][]float32{test.Sample(0)}})
		if err != nil {
			return err
		}
		return os.WriteFile(*writeBody, b, 0o644)
	}
	if *clients < 1 || *duration <= 0 || *duration > 10*time.Minute || *slice < 0 {
		return errors.New("--clients must be positive, --duration in (0, 10m] and --slice not negative")
	}
	body, err := os.ReadFile(*bodyPath)
	if err != nil {
		return err
	}
	urls := strings.Split(*targets, ",")
	names := strings.Split(*labels, ",")
	if len(names) != len(urls) {
		return fmt.Errorf("--label: %d names for %d URLs", len(names), len(urls))
	}
	var procs []string
	if *pids != "" {
		if procs = strings.Split(*pids, ","); len(procs) != len(urls) {
			return fmt.Errorf("--pid: %d process IDs for %d URLs", len(procs), len(urls))
		}
	}
	ts := make([]*target, len(urls))
	for i, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return fmt.Errorf("--url %q: not a URL", raw)
		}
		if ip := net.ParseIP(u.Hostname()); !(u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())) {
			return fmt.Errorf("--url %s: only loopback addresses are allowed", raw)
		}
		ts[i] = &target{label: names[i], clients: *clients, errs: map[string]int{},
			tr: vegeta.NewStaticTargeter(vegeta.Target{Method: "POST", URL: raw, Body: body,
				Header: http.Header{"Content-Type": []string{*ctype}}})}
		if procs != nil {
			ts[i].pid = procs[i]
		}
	}
	step := *slice
	if step == 0 || step > *duration {
		step = *duration
	}
	// Round robin: under load from other processes that comes and goes,
	// every URL gets its share of the good and the bad seconds.
	for done := time.Duration(0); done < *duration; done += step {
		for _, t := range ts {
			t.attack(min(step, *duration-done))
		}
	}
	for _, t := range ts {
		t.print()
	}
	return nil
}

// target is one URL's attacker and its results over all its slices.
type target struct {
	label     string
	tr        vegeta.Targeter
	clients   int
	m         vegeta.Metrics
	errs      map[string]int
	ok        int           // answers with status 200
	active    time.Duration // time spent sending to it
	cpu       time.Duration // this process's CPU while sending to it
	cpuOK     bool
	pid       string        // the server's process, when known
	serverCPU time.Duration // its CPU while this one was sending to it
	serverOK  bool
}

// attack sends to t for d (closed loop, every client back to back).
func (t *target) attack(d time.Duration) {
	c0, ok0 := cpuTime()
	s0, sok0 := procCPU(t.pid)
	// An attacker stops for good after one attack: each slice has its own.
	n := uint64(t.clients)
	atk := vegeta.NewAttacker(vegeta.Workers(n), vegeta.MaxWorkers(n), vegeta.Connections(t.clients),
		vegeta.MaxConnections(t.clients), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	start := time.Now()
	for res := range atk.Attack(t.tr, vegeta.Rate{Freq: 0}, d, t.label) {
		t.m.Add(res)
		if res.Code == http.StatusOK {
			t.ok++
		}
		if res.Error != "" {
			t.errs[res.Error]++
		}
	}
	t.active += time.Since(start)
	c1, ok1 := cpuTime()
	s1, sok1 := procCPU(t.pid)
	t.cpu += c1 - c0
	t.cpuOK = ok0 && ok1
	t.serverCPU += s1 - s0
	t.serverOK = sok0 && sok1
}

func (t *target) print() {
	t.m.Close()
	bad := 0
	for code, c := range t.m.StatusCodes {
		if code != "200" {
			bad += c
		}
	}
	// The generator's own CPU per request: on a machine it shares with
	// the server, what it takes the server does not get.
	perReq := func(ok bool, d time.Duration) string {
		if !ok || t.m.Requests == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f", float64(d.Nanoseconds())/1e3/float64(t.m.Requests))
	}
	fmt.Printf("label=%s clients=%d requests=%d seconds=%.1f throughput=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d client_cpu_us=%s server_cpu_us=%s\n",
		t.label, t.clients, t.m.Requests, t.active.Seconds(), float64(t.ok)/t.active.Seconds(),
		ms(t.m.Latencies.P50), ms(t.m.Latencies.Quantile(0.99)), ms(t.m.Latencies.Max), bad,
		perReq(t.cpuOK, t.cpu), perReq(t.serverOK, t.serverCPU))
	if len(t.errs) > 0 {
		var ks []string
		for k, c := range t.errs {
			ks = append(ks, fmt.Sprintf("%dx %s", c, k))
		}
		sort.Strings(ks)
		fmt.Fprintln(os.Stderr, t.label+" errors:", strings.Join(ks, "; "))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
