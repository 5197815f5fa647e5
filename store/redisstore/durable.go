package redisstore

import (
	"context"
	"errors"

	"github.com/hospitalrtls/rtls/store"
)

// LoadFence returns every stored geofence state part, read in one command
// (HGETALL: a consistent view, about 2 MB for 50,000 tags).
func (s *Store) LoadFence(ctx context.Context) (map[string][]byte, error) {
	m, err := s.loadHash(ctx, s.keys.fence)
	if err != nil {
		return nil, wrap("load fence", err)
	}
	return m, nil
}

// LoadConfig returns every stored configuration item of kind by id.
func (s *Store) LoadConfig(ctx context.Context, kind string) (map[string][]byte, error) {
	if err := store.CheckKind(kind); err != nil {
		return nil, err
	}
	m, err := s.loadHash(ctx, s.keys.config[configIndex(kind)])
	if err != nil {
		return nil, wrap("load config", err)
	}
	return m, nil
}

// loadHash reads a whole hash.
func (s *Store) loadHash(ctx context.Context, key string) (map[string][]byte, error) {
	h, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(h))
	for k, v := range h {
		out[k] = []byte(v)
	}
	return out, nil
}

// LastSeq returns the Seq of the newest update applied with one.
func (s *Store) LastSeq(ctx context.Context) (uint64, error) {
	seq, err := parseSeq(s.rdb.Get(ctx, s.keys.seq).Result())
	if err != nil && !errors.Is(err, errCorrupt) {
		return 0, wrap("last seq", err)
	}
	return seq, err
}

// RolledBack returns how many times Apply found that Redis had lost
// updates this Store acknowledged: the Seq stored before an update was
// below the highest Seq acknowledged before it (checkRollback). Redis
// replicates asynchronously, so a failover can lose the newest writes even
// when the replica had the generation marker; the server compares this
// count with the one it saw last, like the marker.
func (s *Store) RolledBack() uint64 { return s.rollbacks.Load() }

// noteAcked records that Apply acknowledged seq; before is the highest
// Seq acknowledged when the update began, and found whether the update
// itself found a loss (checkRollback). An update during which another
// call found a loss (the reference fell below before) was written before
// the loss, and is lost with it: it does not raise the reference, or the
// next update would count the same loss again.
func (s *Store) noteAcked(seq, before uint64, found bool) {
	for {
		old := s.acked.Load()
		if seq <= old || (!found && old < before) || s.acked.CompareAndSwap(old, seq) {
			return
		}
	}
}
