//go:build !linux

package api

import "time"

// start is when the test binary began.
var start = time.Now()

// threadCPU falls back to the wall clock where the thread's CPU time is
// not at hand.
func threadCPU() time.Duration { return time.Since(start) }
