//go:build !linux

package cputime

import "time"

// Thread returns the wall time since the process started (no thread CPU
// clock here).
func Thread() time.Duration { return time.Since(start) }
