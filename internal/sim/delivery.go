package sim

// record is one sighting on its way from a reader, in compact form.
type record struct {
	ts     int64 // epoch ms, reader clock
	rssi   float64
	reader int32
	tag    int32
}

// wheel holds records until their arrival time: one bucket per sim
// millisecond over a window that grows when a delay needs it. Records of a
// bucket come out in the order they went in.
type wheel struct {
	buckets [][]record
	base    int64 // first undrained millisecond
}

const initialWheelMS = 1 << 13

func newWheel() *wheel { return &wheel{buckets: make([][]record, initialWheelMS)} }

// push queues r to arrive at sim millisecond at (never before base).
func (w *wheel) push(at int64, r record) {
	at = max(at, w.base)
	if at-w.base >= int64(len(w.buckets)) {
		w.grow(at - w.base + 1)
	}
	i := at & int64(len(w.buckets)-1)
	w.buckets[i] = append(w.buckets[i], r)
}

// grow widens the window to at least span milliseconds (a power of two).
func (w *wheel) grow(span int64) {
	n := len(w.buckets)
	for int64(n) < span {
		n *= 2
	}
	nb := make([][]record, n)
	for t := w.base; t < w.base+int64(len(w.buckets)); t++ {
		nb[t&int64(n-1)] = w.buckets[t&int64(len(w.buckets)-1)]
	}
	w.buckets = nb
}

// drain appends the records arriving up to and including sim millisecond
// upTo to out, in arrival order.
func (w *wheel) drain(upTo int64, out []record) []record {
	mask := int64(len(w.buckets) - 1)
	for ; w.base <= upTo; w.base++ {
		b := &w.buckets[w.base&mask]
		if len(*b) > 0 {
			out = append(out, *b...)
			*b = (*b)[:0]
		}
	}
	return out
}
