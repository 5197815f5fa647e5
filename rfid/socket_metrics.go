package rfid

import (
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// kernelStats are the kernel's counters of one UDP socket.
type kernelStats struct {
	drops  uint64 // datagrams dropped because the receive buffer was full
	queued uint64 // bytes queued unread
}

// socketInfo is one listener's socket as the metrics show it.
type socketInfo struct {
	addr    string
	granted int // receive buffer the kernel granted, bytes (0: unknown)
}

// udpSockets exports, on each scrape, the kernel's counters of the plain
// UDP listeners' sockets (Linux only) and their receive buffers.
type udpSockets struct {
	log *slog.Logger

	mu      sync.Mutex // guards sockets
	sockets map[uint64]socketInfo
}

var (
	kernelDropsDesc = prometheus.NewDesc("rtls_rfid_udp_kernel_drops_total",
		"Datagrams the kernel dropped on a CoAP listener because its receive buffer was full (Linux /proc/net/udp), by listener address.",
		[]string{"addr"}, nil)
	receiveQueueDesc = prometheus.NewDesc("rtls_rfid_udp_receive_queue_bytes",
		"Bytes waiting unread in a CoAP listener's receive buffer (Linux /proc/net/udp), by listener address.",
		[]string{"addr"}, nil)
	readBufferDesc = prometheus.NewDesc("rtls_rfid_udp_read_buffer_bytes",
		"Receive buffer the kernel granted a CoAP listener (see --coap-read-buffer and net.core.rmem_max), by listener address.",
		[]string{"addr"}, nil)
)

func newUDPSockets(log *slog.Logger) *udpSockets {
	return &udpSockets{log: log, sockets: map[uint64]socketInfo{}}
}

// add starts exporting the socket with inode id; 0 (unknown) is ignored.
func (u *udpSockets) add(id uint64, info socketInfo) {
	if id == 0 {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sockets[id] = info
}

// remove stops exporting the socket with inode id.
func (u *udpSockets) remove(id uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.sockets, id)
}

// stats returns the kernel's counters of every exported socket.
func (u *udpSockets) stats() (map[uint64]socketInfo, map[uint64]kernelStats, error) {
	u.mu.Lock()
	socks := make(map[uint64]socketInfo, len(u.sockets))
	names := make(map[uint64]string, len(u.sockets))
	for id, s := range u.sockets {
		socks[id], names[id] = s, s.addr
	}
	u.mu.Unlock()
	if len(socks) == 0 {
		return socks, nil, nil
	}
	st, err := socketStats(names)
	return socks, st, err
}

// Describe implements prometheus.Collector.
func (u *udpSockets) Describe(ch chan<- *prometheus.Desc) {
	ch <- kernelDropsDesc
	ch <- receiveQueueDesc
	ch <- readBufferDesc
}

// Collect implements prometheus.Collector.
func (u *udpSockets) Collect(ch chan<- prometheus.Metric) {
	socks, st, err := u.stats()
	if err != nil {
		u.log.Debug("rfid: cannot read socket counters", "err", err)
	}
	for id, s := range socks {
		if s.granted > 0 {
			ch <- prometheus.MustNewConstMetric(readBufferDesc, prometheus.GaugeValue, float64(s.granted), s.addr)
		}
		k, ok := st[id]
		if !ok {
			continue
		}
		ch <- prometheus.MustNewConstMetric(kernelDropsDesc, prometheus.CounterValue, float64(k.drops), s.addr)
		ch <- prometheus.MustNewConstMetric(receiveQueueDesc, prometheus.GaugeValue, float64(k.queued), s.addr)
	}
}
