package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
)

// TestSentinelFailover runs a store through two failovers of a Sentinel
// setup (one master, one replica, three Sentinels) and counts what each
// lost: replication is asynchronous, so a write the master acknowledged
// is lost when the replica that becomes master never received it.
//
//   - SENTINEL FAILOVER while a writer writes continuously: the store
//     follows the new master; the acknowledged updates missing afterwards
//     are logged (the old master accepts writes until it is demoted).
//   - The master dies while its replica lags (stopped, link dropped): every
//     update acknowledged during the lag is lost, the ones before it and
//     after the promotion are kept.
//
// Each loss is reported by the first write on the new master, which finds
// a Seq stored below the ones acknowledged (Store.RolledBack).
func TestSentinelFailover(t *testing.T) {
	t.Parallel() // its own Redis processes; slow, so overlapped with the rest
	sn := redistest.StartSentinel(t)
	s := open(t, Options{URL: sn.URL(), Mode: ModeSentinel, Site: nextSite()})
	w := &seqWriter{t: t, s: s}
	lost := failoverUnderLoad(t, sn, w)
	t.Logf("SENTINEL FAILOVER under continuous writes: %d updates acknowledged, %d lost (%s), longest write %v, rollbacks reported %d",
		w.acked.Load(), len(lost), span(lost), w.longest.Round(time.Millisecond), s.RolledBack())
	if (len(lost) > 0) != (s.RolledBack() > 0) {
		t.Errorf("%d updates lost, %d rollbacks reported; want a report of a loss, none without", len(lost), s.RolledBack())
	}
	rolled := s.RolledBack()

	// The replica is now the old master. Make it lag: stop it, and have
	// the master drop its link (a stopped replica still receives what the
	// master sends, in its socket buffer); then kill the master.
	master, replica := sn.Replica, sn.Master
	watch, err := s.WatchPositions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sn.WaitSynced(master.Addr())
	before := w.acked.Load()
	replica.Pause()
	if n, err := master.Do("CLIENT", "KILL", "TYPE", "replica"); err != nil || n != "1" {
		t.Fatalf("CLIENT KILL TYPE replica = %q, %v", n, err)
	}
	for range 10 {
		w.write()
	}
	inLag := w.acked.Load()
	master.Stop()
	killed := time.Now()
	replica.Resume()
	w.write() // retried until the Sentinels promote the replica
	resumed := time.Since(killed)
	sn.WaitMaster(replica.Addr())
	stored, err := s.LastSeq(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	lost = w.missing(before+1, w.acked.Load())
	t.Logf("master killed with its replica %d updates behind: writes resumed after %v; lost %s; rollbacks reported %d",
		inLag-before, resumed.Round(time.Millisecond), span(lost), s.RolledBack()-rolled)
	if want := seqRange(before+1, inLag); fmt.Sprint(lost) != fmt.Sprint(want) {
		t.Errorf("lost updates %v, want exactly the %v acknowledged during the lag", lost, want)
	}
	if s.RolledBack() != rolled+1 {
		t.Errorf("rollbacks reported %d, want %d", s.RolledBack(), rolled+1)
	}
	if stored != w.acked.Load() {
		t.Errorf("stored Seq %d, want %d (the write after the promotion)", stored, w.acked.Load())
	}

	// The store's one Pub/Sub connection follows too: a watcher opened
	// before the kill sees positions written on the new master (one
	// published before it re-subscribed may be missed: positions are
	// best effort; the next ones arrive).
	deadline := time.Now().Add(30 * time.Second)
	for {
		w.write()
		select {
		case p := <-watch:
			if uint64(p.TS) > inLag {
				return
			}
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the watcher opened before the failover saw no position written after it")
		}
	}
}

// span describes Seqs as "first..last" ("none" when empty).
func span(seqs []uint64) string {
	if len(seqs) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d..%d", seqs[0], seqs[len(seqs)-1])
}

// TestSentinelFailoverMinReplicas repeats SENTINEL FAILOVER under
// continuous writes with min-replicas-to-write 1 and min-replicas-max-lag 1
// on both servers: a master without a replica that acknowledged within a
// second refuses writes (NOREPLICAS, which the store reports as
// unavailable), so the old master stops taking writes about a second after
// the promotion, and the new one until the old master replicates from it.
// The writer waits instead of losing updates; both figures are logged.
func TestSentinelFailoverMinReplicas(t *testing.T) {
	t.Parallel() // its own Redis processes; slow, so overlapped with the rest
	sn := redistest.StartSentinel(t, "--min-replicas-to-write", "1", "--min-replicas-max-lag", "1")
	s := open(t, Options{URL: sn.URL(), Mode: ModeSentinel, Site: nextSite()})
	w := &seqWriter{t: t, s: s}
	lost := failoverUnderLoad(t, sn, w)
	t.Logf("SENTINEL FAILOVER under continuous writes, min-replicas-to-write 1: %d updates acknowledged, %d lost (%s), longest write %v, rollbacks reported %d",
		w.acked.Load(), len(lost), span(lost), w.longest.Round(time.Millisecond), s.RolledBack())
	if (len(lost) > 0) != (s.RolledBack() > 0) {
		t.Errorf("%d updates lost, %d rollbacks reported; want a report of a loss, none without", len(lost), s.RolledBack())
	}
}

// failoverUnderLoad writes 10 updates, then runs SENTINEL FAILOVER while
// w writes continuously, until 10 more updates are acknowledged after the
// replica became the master. It returns the acknowledged updates missing.
func failoverUnderLoad(t *testing.T, sn *redistest.Sentinel, w *seqWriter) []uint64 {
	for range 10 {
		w.write()
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				w.write()
			}
		}
	}()
	if _, err := sn.Sentinels[0].Do("SENTINEL", "FAILOVER", redistest.SentinelMaster); err != nil {
		t.Fatal(err)
	}
	sn.WaitMaster(sn.Replica.Addr())
	w.waitAcked(w.acked.Load() + 10) // writes go on after the switch
	close(stop)
	<-done
	return w.missing(1, w.acked.Load())
}

// seqWriter applies updates with consecutive Seqs, each with one position
// of its own tag, retrying each until it is acknowledged, as the pipeline
// does.
type seqWriter struct {
	t       *testing.T
	s       *Store
	acked   atomic.Uint64 // Seq of the newest acknowledged update
	longest time.Duration // longest write with its retries; owned by the writing goroutine
}

// write applies the next update, retrying for up to 30 s.
func (w *seqWriter) write() {
	seq := w.acked.Load() + 1
	u := store.Update{Seq: seq, Positions: []location.Position{{TS: int64(seq), Tag: seqTag(seq), Level: "L0", Room: "R"}}}
	start := time.Now()
	for {
		ctx, cancel := context.WithTimeout(w.t.Context(), time.Second)
		_, err := w.s.Apply(ctx, u)
		cancel()
		if err == nil || errors.Is(err, store.ErrSeqReused) {
			break
		}
		if time.Since(start) > 30*time.Second {
			w.t.Errorf("update %d not acknowledged within 30 s: %v", seq, err)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.longest = max(w.longest, time.Since(start))
	w.acked.Store(seq)
}

// waitAcked waits until seq is acknowledged.
func (w *seqWriter) waitAcked(seq uint64) {
	deadline := time.Now().Add(30 * time.Second)
	for w.acked.Load() < seq && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// missing returns the Seqs from first to last whose position is not stored.
func (w *seqWriter) missing(first, last uint64) []uint64 {
	var out []uint64
	for seq := first; seq <= last; seq++ {
		if _, err := w.s.GetPosition(w.t.Context(), seqTag(seq)); err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				w.t.Fatalf("GetPosition: %v", err)
			}
			out = append(out, seq)
		}
	}
	return out
}

func seqTag(seq uint64) string { return fmt.Sprintf("T%05d", seq) }

// seqRange returns first..last.
func seqRange(first, last uint64) []uint64 {
	var out []uint64
	for seq := first; seq <= last; seq++ {
		out = append(out, seq)
	}
	return out
}
