package rfid

import (
	"math"
	"sync"
	"time"
)

// ttlBuckets is the number of time buckets an entry's lifetime is cut into.
// An entry lives between ttl and ttl*(1+1/ttlBuckets).
const ttlBuckets = 16

// ttlCache is a bounded map whose entries expire after a time to live.
//
// Every operation is O(1): one map lookup, plus, once per bucket width, a
// sweep of the ttlBuckets+1 bucket slots. Keys are filed in the bucket of
// the time they were inserted; when a bucket falls out of the window its
// keys are deleted in one go, and when the cache is full the oldest keys go
// first. Nothing scans the whole map (compare go-coap's response cache,
// which is scanned on every received datagram: upstream issue #586).
type ttlCache[K comparable, V any] struct {
	width int64 // bucket width in nanoseconds
	max   int

	mu      sync.Mutex // guards items, buckets and newest
	items   map[K]ttlItem[V]
	buckets [ttlBuckets + 1]ttlBucket[K]
	newest  int64 // newest epoch seen
}

type ttlItem[V any] struct {
	val   V
	epoch int64 // bucket the key is filed in
}

type ttlBucket[K comparable] struct {
	epoch int64
	keys  []K
	next  int // keys[:next] were already evicted
}

// newTTLCache returns a cache keeping entries for at least ttl and at most
// max of them. A zero ttl or max gives a cache that keeps nothing.
func newTTLCache[K comparable, V any](ttl time.Duration, max int) *ttlCache[K, V] {
	width := int64(ttl) / ttlBuckets
	if width < 1 {
		width = 1
	}
	c := &ttlCache[K, V]{width: width, max: max, items: make(map[K]ttlItem[V]), newest: noEpoch}
	if ttl <= 0 {
		c.max = 0
	}
	for i := range c.buckets {
		c.buckets[i].epoch = noEpoch
	}
	return c
}

// get returns the live value for k.
func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.advance(now)
	it, ok := c.items[k]
	if !ok || !live(it.epoch, e) {
		var zero V
		return zero, false
	}
	return it.val, true
}

// putIfAbsent stores v under k unless a live value is there; it returns the
// live value and true in that case.
func (c *ttlCache[K, V]) putIfAbsent(k K, v V, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.advance(now)
	if it, ok := c.items[k]; ok && live(it.epoch, e) {
		return it.val, true
	}
	c.insert(k, v, e)
	return v, false
}

// put stores v under k. A live entry keeps its expiry; a new one starts a
// full lifetime.
func (c *ttlCache[K, V]) put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.advance(now)
	if it, ok := c.items[k]; ok && live(it.epoch, e) {
		it.val = v
		c.items[k] = it
		return
	}
	c.insert(k, v, e)
}

// len returns the number of entries held (live or waiting for their sweep).
func (c *ttlCache[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

func live(epoch, now int64) bool { return now-epoch <= ttlBuckets }

func (c *ttlCache[K, V]) insert(k K, v V, e int64) {
	if c.max <= 0 {
		return
	}
	for len(c.items) >= c.max && c.evictOldest() {
	}
	c.items[k] = ttlItem[V]{val: v, epoch: e}
	b := &c.buckets[slot(e)]
	b.keys = append(b.keys, k)
}

// noEpoch marks an unused bucket.
const noEpoch = math.MinInt64

func slot(e int64) int {
	const n = ttlBuckets + 1
	return int((e%n + n) % n)
}

// advance moves the window to now and returns the current epoch. When the
// epoch changes it empties the buckets that fell out of the window.
// Clocks that step back are treated as standing still.
func (c *ttlCache[K, V]) advance(now time.Time) int64 {
	e := now.UnixNano() / c.width
	if e <= c.newest {
		return c.newest
	}
	c.newest = e
	for i := range c.buckets {
		b := &c.buckets[i]
		if b.epoch != e && (b.epoch == noEpoch || !live(b.epoch, e)) {
			c.flush(b)
		}
	}
	c.buckets[slot(e)].epoch = e
	return e
}

// flush deletes the keys of b that are still filed there.
func (c *ttlCache[K, V]) flush(b *ttlBucket[K]) {
	for _, k := range b.keys[b.next:] {
		if it, ok := c.items[k]; ok && it.epoch == b.epoch {
			delete(c.items, k)
		}
	}
	clear(b.keys)
	b.keys, b.next = b.keys[:0], 0
	b.epoch = noEpoch
}

// evictOldest deletes one key from the oldest non-empty bucket; false when
// there is none.
func (c *ttlCache[K, V]) evictOldest() bool {
	var oldest *ttlBucket[K]
	for i := range c.buckets {
		b := &c.buckets[i]
		if b.next < len(b.keys) && (oldest == nil || b.epoch < oldest.epoch) {
			oldest = b
		}
	}
	if oldest == nil {
		return false
	}
	k := oldest.keys[oldest.next]
	var zero K
	oldest.keys[oldest.next] = zero
	oldest.next++
	if it, ok := c.items[k]; ok && it.epoch == oldest.epoch {
		delete(c.items, k)
	}
	if oldest.next >= 1024 && oldest.next > len(oldest.keys)/2 {
		// Compact, so a bucket that keeps filling while evicted stays bounded.
		n := copy(oldest.keys, oldest.keys[oldest.next:])
		clear(oldest.keys[n:])
		oldest.keys, oldest.next = oldest.keys[:n], 0
	}
	return true
}
