package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/location/jsonl"
	"github.com/hospitalrtls/rtls/store"
	"github.com/redis/go-redis/v9"
)

// Apply writes u with one script call: atomic and one round trip. An
// update with a Seq at or below the newest applied one writes nothing (see
// store.Update), so a retry after an error that left the outcome unknown
// (a timeout, a lost connection) is safe.
func (s *Store) Apply(ctx context.Context, u store.Update) ([]geofence.Event, error) {
	return s.apply(ctx, u, 0)
}

// apply writes u; a fence token other than 0 must be the newest granted
// (see Fenced), or nothing is written and the error is ErrFenced.
func (s *Store) apply(ctx context.Context, u store.Update, fence uint64) (_ []geofence.Event, err error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if u.NoItems() && u.Seq == 0 && u.Watermark == 0 {
		return nil, nil
	}
	// This process's event readers get the last write's events from memory
	// (recent); a write that failed leaves the stream unknown to follow them.
	defer func() {
		if err != nil {
			s.recent.reset()
		}
	}()
	keys := append([]string{s.keys.positions, s.keys.placements, s.keys.tags, s.keys.seen, s.keys.events,
		s.keys.fence, s.keys.seq, s.keys.applied, s.keys.fencing, s.keys.ingestWM}, s.keys.config...)
	args := s.applyArgs(u, len(keys)-len(s.keys.config), fence)
	acked := s.acked.Load()
	var reply []string
	var prev *redis.StringCmd
	if len(u.Batteries) == 0 {
		prev, reply, err = s.runApply(ctx, keys, args)
	} else {
		prev, reply, err = s.applyWithBatteries(ctx, keys, args, u, fence)
	}
	if err != nil {
		return nil, wrap("apply", err)
	}
	found := false
	if stored, err := parseSeq(prev.Result()); err == nil {
		found = s.checkRollback(stored, acked)
	}
	before, ids, err := appliedIDs(reply)
	if err != nil {
		return nil, err
	}
	if len(ids) != len(u.Events) {
		if reply[0] == "dup" {
			return nil, store.ErrSeqReused
		}
		return nil, fmt.Errorf("redisstore: apply: %d ids for %d events", len(ids), len(u.Events))
	}
	s.noteAcked(u.Seq, acked, found)
	var out []geofence.Event
	if len(ids) > 0 {
		out = make([]geofence.Event, len(ids))
		for i, e := range u.Events {
			e.ID = ids[i]
			out[i] = e
		}
	}
	// a retried write (the stream moved on without it) or a rollback
	// (Redis lost acknowledged writes) leaves the copy unknown to hold too
	switch {
	case reply[0] == "ok" && len(out) > 0:
		s.recent.set(before, out, s.opts.EventMaxLen, s.opts.EventMaxAge)
		s.notify.wakeReaders()
	case reply[0] != "ok" || found:
		s.recent.reset()
	}
	return out, nil
}

// runApply runs the apply script in one pipeline after a GET of the stored
// Seq: both on one connection, so the GET reads the server that applies
// the update (checkRollback). EVALSHA first; the whole script when the
// server does not have it cached (a new master after a failover).
func (s *Store) runApply(ctx context.Context, keys []string, args []any) (*redis.StringCmd, []string, error) {
	var prev *redis.StringCmd
	var reply *redis.Cmd
	for _, cached := range []bool{true, false} {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			prev = p.Get(ctx, s.keys.seq)
			if cached {
				reply = applyScript.EvalSha(ctx, p, keys, args...)
			} else {
				reply = applyScript.Eval(ctx, p, keys, args...)
			}
			return nil
		})
		if cached && redis.HasErrorPrefix(reply.Err(), "NOSCRIPT") {
			continue
		}
		if err != nil && !errors.Is(err, redis.Nil) { // a missing Seq is no error
			return nil, nil, err
		}
		break
	}
	out, err := reply.StringSlice()
	return prev, out, err
}

// checkRollback compares the Seq stored before an update was applied (or
// when the generation was checked) with acked, the highest Seq
// acknowledged before: a lower one means Redis lost acknowledged writes (a
// failover to a replica that had not received them, a flush, a restart
// from an older copy). It counts the loss once for RolledBack, takes the
// stored Seq as the new reference and reports whether it counted.
func (s *Store) checkRollback(stored, acked uint64) bool {
	if stored < acked && s.acked.CompareAndSwap(acked, stored) {
		s.rollbacks.Add(1)
		return true
	}
	return false
}

// parseSeq parses a stored Seq read with err; a missing one is 0.
func parseSeq(v string, err error) (uint64, error) {
	switch {
	case errors.Is(err, redis.Nil) || (err == nil && v == ""):
		return 0, nil
	case err != nil:
		return 0, err
	}
	seq, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: seq", errCorrupt)
	}
	return seq, nil
}

// appliedIDs returns the event ids of the apply script's reply and, for
// an update it wrote, the stream's newest entry before them (recent).
func appliedIDs(reply []string) (prev string, ids []string, err error) {
	if len(reply) == 0 {
		return "", nil, fmt.Errorf("redisstore: apply: empty reply")
	}
	switch reply[0] {
	case "ok":
		if len(reply) < 2 {
			return "", nil, fmt.Errorf("redisstore: apply: reply without the stream's newest entry")
		}
		return reply[1], reply[2:], nil
	case "dup":
		return "", reply[1:], nil
	case "stale":
		return "", nil, store.ErrStaleSeq
	case "fenced":
		return "", nil, ErrFenced
	case "nofence":
		return "", nil, ErrFenceLost
	}
	return "", nil, fmt.Errorf("redisstore: apply: unexpected reply %q", reply[0])
}

// applyArgs returns the ARGV of applyScript for u and a fence token (0:
// none); the configuration hashes are KEYS from index cfgKey0 (0-based)
// on. The encoded positions, their placements' tails and times share one
// buffer.
func (s *Store) applyArgs(u store.Update, cfgKey0 int, fence uint64) []any {
	args := make([]any, 0, 14+4*len(u.Positions)+19*len(u.Events)+3*len(u.Fence)+4*len(u.Config))
	args = append(args, s.keys.levelPrefix, s.keys.roomPrefix, s.keys.posChannel, s.keys.evChannel,
		len(u.Positions), len(u.Events), max(s.opts.EventMaxLen, 0), max(s.opts.EventMaxAge.Milliseconds(), 0),
		strconv.FormatUint(u.Seq, 10), store.SeqHistory, len(u.Fence), len(u.Config),
		strconv.FormatUint(fence, 10), strconv.FormatInt(max(u.Watermark, 0), 10))
	buf := make([]byte, 0, 160*len(u.Positions))
	for _, p := range u.Positions {
		start := len(buf)
		buf = jsonl.AppendPosition(buf, p)
		n := len(buf)
		buf = append(append(append(buf, p.Level...), sep...), p.Room...)
		m := len(buf)
		buf = strconv.AppendInt(buf, p.TS, 10)
		args = append(args, p.Tag, buf[n:m:m], buf[m:len(buf):len(buf)], buf[start:n:n])
	}
	for _, e := range u.Events {
		args = appendEventArgs(args, e)
	}
	for k, v := range u.Fence {
		args = appendPut(args, k, v)
	}
	for _, c := range u.Config {
		args = append(args, cfgKey0+configIndex(c.Kind)+1)
		args = appendPut(args, c.ID, c.Data)
	}
	return s.appendStatusArgs(s.appendAnalyticsArgs(s.appendTrailArgs(args, u), u), u.StatusChanges)
}

// appendPut appends key, "p" and v, or key, "d" and "" for a nil v.
func appendPut(args []any, key string, v []byte) []any {
	if v == nil {
		return append(args, key, "d", "")
	}
	return append(args, key, "p", v)
}
