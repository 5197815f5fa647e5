//go:build !unix

package cputime

import "time"

// Process returns the wall time since the process started (no CPU clock
// here).
func Process() time.Duration { return time.Since(start) }
