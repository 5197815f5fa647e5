package rfid

import (
	"testing"
	"time"
)

func TestTTLCacheExpiry(t *testing.T) {
	// ttl 16 s: 16 buckets of 1 s. An entry lives between 16 and 17 s.
	base := time.Unix(1_763_719_200, 0)
	at := func(s float64) time.Time { return base.Add(time.Duration(s * float64(time.Second))) }
	tests := []struct {
		name  string
		after float64 // seconds after the put
		live  bool
	}{
		{"fresh", 0, true},
		{"half", 8, true},
		{"at ttl", 16, true},
		{"past bucket", 17.1, false},
		{"long gone", 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTTLCache[int, string](16*time.Second, 100)
			c.put(1, "a", at(0.5))
			v, ok := c.get(1, at(0.5+tt.after))
			if ok != tt.live || (ok && v != "a") {
				t.Errorf("get after %vs = %q %v, want live %v", tt.after, v, ok, tt.live)
			}
		})
	}
}

func TestTTLCacheSweepsExpiredBuckets(t *testing.T) {
	base := time.Unix(1_763_719_200, 0)
	c := newTTLCache[int, int](16*time.Second, 1000)
	for i := range 100 {
		c.put(i, i, base.Add(time.Duration(i)*100*time.Millisecond)) // 0..9.9 s
	}
	if n := c.len(); n != 100 {
		t.Fatalf("len %d, want 100", n)
	}
	c.put(1000, 0, base.Add(30*time.Second)) // everything above is out of the window
	if n := c.len(); n != 1 {
		t.Errorf("len after the window passed %d, want 1", n)
	}
}

func TestTTLCacheBounded(t *testing.T) {
	base := time.Unix(1_763_719_200, 0)
	c := newTTLCache[int, int](16*time.Second, 10)
	for i := range 25 {
		c.put(i, i, base.Add(time.Duration(i)*time.Second/2))
	}
	if n := c.len(); n != 10 {
		t.Fatalf("len %d, want the bound 10", n)
	}
	now := base.Add(13 * time.Second)
	for i := range 25 {
		_, ok := c.get(i, now)
		if want := i >= 15; ok != want {
			t.Errorf("key %d present %v, want %v (oldest evicted first)", i, ok, want)
		}
	}
}

func TestTTLCachePutIfAbsent(t *testing.T) {
	now := time.Unix(1_763_719_200, 0)
	c := newTTLCache[string, int](time.Minute, 10)
	if _, loaded := c.putIfAbsent("k", 1, now); loaded {
		t.Fatal("first putIfAbsent loaded")
	}
	if v, loaded := c.putIfAbsent("k", 2, now); !loaded || v != 1 {
		t.Errorf("second putIfAbsent = %d %v, want 1 true", v, loaded)
	}
	c.put("k", 3, now.Add(time.Second))
	if v, _ := c.get("k", now.Add(time.Second)); v != 3 {
		t.Errorf("after put got %d, want 3", v)
	}
	// An update keeps the entry's expiry: it goes with its first bucket.
	if _, ok := c.get("k", now.Add(time.Minute+5*time.Second)); ok {
		t.Error("updated entry outlived its lifetime")
	}
	// A new value after expiry starts a new lifetime.
	later := now.Add(2 * time.Minute)
	if _, loaded := c.putIfAbsent("k", 4, later); loaded {
		t.Error("putIfAbsent loaded an expired entry")
	}
	if v, ok := c.get("k", later.Add(30*time.Second)); !ok || v != 4 {
		t.Errorf("re-inserted entry = %d %v, want 4 true", v, ok)
	}
}

func TestTTLCacheDisabled(t *testing.T) {
	now := time.Unix(1_763_719_200, 0)
	for _, c := range []*ttlCache[int, int]{newTTLCache[int, int](0, 10), newTTLCache[int, int](time.Minute, 0)} {
		c.put(1, 1, now)
		if _, ok := c.get(1, now); ok || c.len() != 0 {
			t.Errorf("disabled cache kept an entry")
		}
	}
}

func TestTTLCacheClockStepsBack(t *testing.T) {
	now := time.Unix(1_763_719_200, 0)
	c := newTTLCache[int, int](16*time.Second, 10)
	c.put(1, 1, now)
	if _, ok := c.get(1, now.Add(-time.Hour)); !ok {
		t.Error("entry lost when the clock stepped back")
	}
}

func BenchmarkTTLCache(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		b.Run("entries="+itoa(int64(size)), func(b *testing.B) {
			c := newTTLCache[exchangeKey, exchange](247*time.Second, size)
			now := time.Unix(1_763_719_200, 0)
			for i := range size {
				c.put(exchangeKey{mid: uint16(i), port: uint16(i >> 16)}, exchange{done: true}, now)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				k := exchangeKey{mid: uint16(i), port: uint16(i>>16) + 100}
				c.putIfAbsent(k, exchange{}, now)
				c.put(k, exchange{done: true}, now)
			}
		})
	}
}

func TestTTLCacheEvictionKeepsBucketsSmall(t *testing.T) {
	now := time.Unix(1_763_719_200, 0)
	c := newTTLCache[int, int](time.Hour, 10)
	for i := range 100_000 { // all in one bucket, far over the bound
		c.put(i, i, now)
	}
	keys := 0
	for _, b := range c.buckets {
		keys += len(b.keys)
	}
	if c.len() != 10 || keys > 2048 {
		t.Errorf("len %d with %d filed keys, want 10 and at most 2048", c.len(), keys)
	}
}
