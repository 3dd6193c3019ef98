package serve

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus collectors, on a registry of its
// own (several servers in one process do not collide).
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec   // model, protocol, code
	latency   *prometheus.HistogramVec // model, protocol
	batch     *prometheus.HistogramVec // model
	inflight  prometheus.Gauge
	inflightN atomic.Int64
	reloads   *prometheus.CounterVec // model, result
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tensile_requests_total", Help: "HTTP requests by model, protocol and status code.",
	}, []string{"model", "protocol", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tensile_request_duration_seconds", Help: "Request latency by model and protocol.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18), // 0.1 ms .. 13 s
	}, []string{"model", "protocol"})
	m.batch = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tensile_batch_size", Help: "Samples per model batch run by the dynamic batcher.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
	}, []string{"model"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tensile_requests_in_flight", Help: "Requests being handled.",
	})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tensile_model_reloads_total", Help: "Model file reloads by result (ok, error).",
	}, []string{"model", "result"})
	m.reg.MustRegister(m.requests, m.latency, m.batch, m.inflight, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
