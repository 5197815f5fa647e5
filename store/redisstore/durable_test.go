package redisstore

import (
	"bytes"
	"maps"
	"net"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

func TestRestartedServerLoadsFenceAndConfig(t *testing.T) {
	url := redistest.StartServer(t).URL()
	opts := Options{URL: url, Site: nextSite()}
	first := open(t, opts)
	fence := map[string][]byte{"": {1, 0, 2}, "PUMP-1": {1, 1, 0xff, 0}, "PT-7": {1, 0}}
	u := store.Update{Seq: 41,
		Positions: []location.Position{{TS: 10, Tag: "PUMP-1", Level: "L0", Room: "R1"}},
		Events:    []geofence.Event{{Type: geofence.Enter, Tag: "PUMP-1", Zone: "R1", TS: 10}},
		Fence:     fence,
		Config: []store.ConfigChange{
			{Kind: store.ConfigRule, ID: "par", Data: []byte(`{"id":"par"}`)},
			{Kind: store.ConfigZone, ID: "DESK", Data: []byte(`{"id":"DESK"}`)},
			{Kind: store.ConfigTag, ID: "PUMP-1", Data: []byte(`{"class":"asset"}`)},
		},
	}
	evs, err := first.Apply(t.Context(), u)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second := open(t, opts) // a new server process on the same Redis
	got, err := second.LoadFence(t.Context())
	if err != nil || !maps.EqualFunc(got, fence, bytes.Equal) {
		t.Errorf("LoadFence after restart = %q, %v; want %q", got, err, fence)
	}
	for _, c := range u.Config {
		items, err := second.LoadConfig(t.Context(), c.Kind)
		if err != nil || len(items) != 1 || !bytes.Equal(items[c.ID], c.Data) {
			t.Errorf("LoadConfig(%s) after restart = %q, %v", c.Kind, items, err)
		}
	}
	if seq, err := second.LastSeq(t.Context()); err != nil || seq != u.Seq {
		t.Errorf("LastSeq after restart = %d, %v; want %d", seq, err, u.Seq)
	}
	// The restarted writer retries its last update: nothing is appended.
	again, err := second.Apply(t.Context(), u)
	if err != nil || !slices.Equal(again, evs) {
		t.Errorf("retry after restart = %+v, %v; want %+v", again, err, evs)
	}
	if all, _ := second.ReadEvents(t.Context(), "0", 10, 0); !slices.Equal(all, evs) {
		t.Errorf("stream after the retry = %+v, want %+v", all, evs)
	}
}

func TestLostReplyIsNotAppliedTwice(t *testing.T) {
	srv := redistest.StartServer(t)
	for _, tt := range []struct {
		name string
		seq  uint64
		dups bool // the stream ends with duplicate events
	}{{"without Seq", 0, true}, {"with Seq", 2, false}} {
		t.Run(tt.name, func(t *testing.T) {
			proxy := startReplyDropper(t, srv.Addr())
			s := open(t, Options{URL: "redis://" + proxy.addr() + "/0", Site: nextSite()})
			ev := func(zone string) geofence.Event {
				return geofence.Event{Type: geofence.Enter, Tag: "T", Zone: zone, TS: 1}
			}
			first, err := s.Apply(t.Context(), store.Update{Seq: tt.seq / 2, Events: []geofence.Event{ev("A")}})
			if err != nil { // also loads the script, so the lost reply is that of a run
				t.Fatalf("Apply: %v", err)
			}
			proxy.armed.Store(true)
			u := store.Update{Seq: tt.seq, Events: []geofence.Event{ev("B"), ev("C")}}
			evs, err := s.Apply(t.Context(), u)
			if proxy.dropped.Load() == 0 {
				t.Fatal("the proxy dropped no reply")
			}
			if err != nil { // the writer retries the same update
				if evs, err = s.Apply(t.Context(), u); err != nil {
					t.Fatalf("retried Apply: %v", err)
				}
			}
			all, err := s.ReadEvents(t.Context(), "0", 100, 0)
			if err != nil {
				t.Fatal(err)
			}
			if dups := len(all) > 3; dups != tt.dups {
				t.Fatalf("stream holds %d events after a lost reply, want 3: duplicates %v, want %v", len(all), dups, tt.dups)
			}
			if !tt.dups && !slices.Equal(all, slices.Concat(first, evs)) {
				t.Errorf("stream %+v, Apply returned %+v", all, slices.Concat(first, evs))
			}
		})
	}
}

// replyDropper is a TCP proxy to Redis that, once armed, forwards the next
// script call (EVALSHA or EVAL) but swallows its reply and closes the
// connection: the script ran, the client never learns its outcome.
type replyDropper struct {
	ln      net.Listener
	target  string
	armed   atomic.Bool
	dropped atomic.Int32
}

// startReplyDropper starts a proxy to target on a random loopback port,
// closed with the test.
func startReplyDropper(t *testing.T, target string) *replyDropper {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &replyDropper{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go d.serve(c)
		}
	}()
	return d
}

// addr returns the proxy's "host:port".
func (d *replyDropper) addr() string { return d.ln.Addr().String() }

// serve proxies one client connection.
func (d *replyDropper) serve(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", d.target)
	if err != nil {
		return
	}
	defer up.Close()
	var drop atomic.Bool
	go func() {
		defer up.Close()
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				if bytes.Contains(bytes.ToLower(buf[:n]), []byte("eval")) && d.armed.CompareAndSwap(true, false) {
					drop.Store(true)
				}
				if _, werr := up.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := up.Read(buf)
		if n > 0 && drop.Load() {
			d.dropped.Add(1)
			return
		}
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestOneLossCountedOnce: an update written just before Redis lost the
// site's data, acknowledged after another call (the generation check)
// found the loss, is lost with it; the next update, finding the Seq
// stored after the loss, counts nothing more. An update that finds a loss
// itself counts it and is the new reference.
func TestOneLossCountedOnce(t *testing.T) {
	var s Store
	s.acked.Store(100)
	before := s.acked.Load()                 // an update (Seq 101) begins, and is written
	if !s.checkRollback(0, s.acked.Load()) { // Redis flushed; the generation check finds it
		t.Fatal("the loss was not found")
	}
	s.noteAcked(101, before, false) // the update written before the flush is acknowledged
	if s.checkRollback(0, s.acked.Load()) || s.RolledBack() != 1 {
		t.Fatalf("the next update after the loss: %d losses counted, want 1", s.RolledBack())
	}
	s.noteAcked(102, s.acked.Load(), false)
	before = s.acked.Load() // an update (Seq 103) finds a loss itself
	found := s.checkRollback(50, before)
	s.noteAcked(103, before, found)
	if !found || s.RolledBack() != 2 || s.acked.Load() != 103 {
		t.Fatalf("an update finding a loss: found %v, %d losses, reference %d; want true, 2, 103", found, s.RolledBack(), s.acked.Load())
	}
}
