//go:build unix

package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuTime returns this process's user+system CPU time so far.
func cpuTime() (time.Duration, bool) { return procCPU(strconv.Itoa(os.Getpid())) }

// procCPU returns the user+system CPU time of process pid from
// /proc/PID/stat (Linux; clock ticks of 1/100 s, the kernel's fixed
// USER_HZ); ok is false when pid is empty or unreadable.
func procCPU(pid string) (time.Duration, bool) {
	if pid == "" {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces: fields count from its
	// closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64) // field 14: utime
	k, err2 := strconv.ParseInt(f[12], 10, 64) // field 15: stime
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+k) * (time.Second / 100), true
}
