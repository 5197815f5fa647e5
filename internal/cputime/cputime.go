// Package cputime measures CPU time for benchmarks: on a shared machine it
// counts the work done, where the wall clock would also count the wait for
// a core. Where the platform offers no CPU clock, it falls back to the
// wall time since the process started.
package cputime

import "time"

// start is the fallback's origin.
var start = time.Now()
