// Command serveload is the load generator of bench/serve_load.sh: it sends
// one request body to one URL from N concurrent clients (closed loop: each
// client sends its next request when the previous one is answered) for a
// fixed time, with the vegeta library, and prints one line of results:
// throughput, latency percentiles and errors. Loopback only.
//
//	serveload --url http://127.0.0.1:8080/v1/models/mnist:predict --body req.json --clients 8 --duration 10s
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
	target := flag.String("url", "", "URL to POST to (loopback only)")
	bodyPath := flag.String("body", "", "request body file")
	ctype := flag.String("content-type", "application/json", "request content type")
	clients := flag.Int("clients", 1, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "how long to send (at most 10m)")
	label := flag.String("label", "", "name printed with the results")
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
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--url %q: not a URL", *target)
	}
	if ip := net.ParseIP(u.Hostname()); !(u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())) {
		return fmt.Errorf("--url %s: only loopback addresses are allowed", *target)
	}
	if *clients < 1 || *duration <= 0 || *duration > 10*time.Minute {
		return errors.New("--clients must be positive and --duration in (0, 10m]")
	}
	body, err := os.ReadFile(*bodyPath)
	if err != nil {
		return err
	}
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "POST", URL: *target, Body: body,
		Header: http.Header{"Content-Type": []string{*ctype}}})
	n := uint64(*clients)
	atk := vegeta.NewAttacker(vegeta.Workers(n), vegeta.MaxWorkers(n), vegeta.Connections(*clients),
		vegeta.MaxConnections(*clients), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	var m vegeta.Metrics
	errs := map[string]int{}
	cpu0, _ := cpuTime()
	// Rate 0 with MaxWorkers: every worker sends back to back.
	for res := range atk.Attack(tr, vegeta.Rate{Freq: 0}, *duration, *label) {
		m.Add(res)
		if res.Error != "" {
			errs[res.Error]++
		}
	}
	m.Close()
	cpu1, cpuOK := cpuTime()
	bad := 0
	for code, c := range m.StatusCodes {
		if code != "200" {
			bad += c
		}
	}
	// The generator's own CPU per request: on a machine it shares with
	// the server, what it takes the server does not get.
	cpu := "n/a"
	if cpuOK && m.Requests > 0 {
		cpu = fmt.Sprintf("%.1f", float64((cpu1-cpu0).Nanoseconds())/1e3/float64(m.Requests))
	}
	fmt.Printf("label=%s clients=%d requests=%d seconds=%.1f throughput=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d client_cpu_us=%s\n",
		*label, *clients, m.Requests, m.Duration.Seconds()+m.Wait.Seconds(), m.Throughput,
		ms(m.Latencies.P50), ms(m.Latencies.Quantile(0.99)), ms(m.Latencies.Max), bad, cpu)
	if len(errs) > 0 {
		var ks []string
		for k, c := range errs {
			ks = append(ks, fmt.Sprintf("%dx %s", c, k))
		}
		sort.Strings(ks)
		fmt.Fprintln(os.Stderr, "errors:", strings.Join(ks, "; "))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
