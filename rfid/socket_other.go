//go:build !linux

package rfid

import (
	"errors"
	"net"
)

// setReadBuffer sets SO_RCVBUF on l; what the kernel granted is unknown
// here (0).
func setReadBuffer(l *net.UDPConn, n int) (int, error) {
	return 0, l.SetReadBuffer(n)
}

// readBufferCap is unknown outside Linux.
func readBufferCap() int { return 0 }

// socketID is 0: kernel socket counters are read on Linux only.
func socketID(*net.UDPConn) uint64 { return 0 }

// errNoSocketStats reports that this platform has no per-socket counters.
var errNoSocketStats = errors.New("rfid: no socket statistics on this platform")

// socketStats is unavailable outside Linux.
func socketStats(map[uint64]string) (map[uint64]kernelStats, error) {
	return nil, errNoSocketStats
}
