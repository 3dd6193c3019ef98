// Package cputime reads the process's CPU time (user + system), for
// benchmarks and reports that must not count time spent waiting for a
// loaded machine.
package cputime
