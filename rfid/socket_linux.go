//go:build linux

package rfid

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

// setReadBuffer asks the kernel for a receive buffer of n bytes on l:
// SO_RCVBUFFORCE first (with CAP_NET_ADMIN it is not capped by
// net.core.rmem_max), SO_RCVBUF otherwise. It returns the usable size the
// kernel granted: half of what getsockopt reports, the kernel doubling the
// value for its own bookkeeping, so comparable with n.
func setReadBuffer(l *net.UDPConn, n int) (int, error) {
	rc, err := l.SyscallConn()
	if err != nil {
		return 0, err
	}
	var granted int
	cerr := rc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n) != nil {
			if err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, n); err != nil {
				return
			}
		}
		granted, err = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
	})
	if err = errors.Join(cerr, err); err != nil {
		return 0, fmt.Errorf("rfid: receive buffer: %w", err)
	}
	return granted / 2, nil
}

// readBufferCap is the system's cap on receive buffers a process without
// CAP_NET_ADMIN may set (net.core.rmem_max), 0 if unknown.
func readBufferCap() int {
	b, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// socketID returns the inode of l's socket, the key of its line in
// /proc/net/udp; 0 if it cannot be read.
func socketID(l *net.UDPConn) uint64 {
	rc, err := l.SyscallConn()
	if err != nil {
		return 0
	}
	var st unix.Stat_t
	if rc.Control(func(fd uintptr) { err = unix.Fstat(int(fd), &st) }) != nil || err != nil {
		return 0
	}
	return st.Ino
}

// socketStats reads the kernel's counters of the sockets with the given
// inodes from /proc/net/udp and /proc/net/udp6 (the network namespace of
// this process): datagrams dropped because the receive buffer was full,
// and bytes queued unread.
func socketStats(inodes map[uint64]string) (map[uint64]kernelStats, error) {
	pfs, err := procfs.NewDefaultFS()
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]kernelStats, len(inodes))
	for _, read := range []func() (procfs.NetUDP, error){pfs.NetUDP, pfs.NetUDP6} {
		lines, err := read()
		if errors.Is(err, fs.ErrNotExist) {
			continue // no IPv6
		}
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if _, ok := inodes[l.Inode]; !ok {
				continue
			}
			st := kernelStats{queued: l.RxQueue}
			if l.Drops != nil {
				st.drops = *l.Drops
			}
			out[l.Inode] = st
		}
	}
	return out, nil
}
