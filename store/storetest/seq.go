package storetest

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

func testSeq(t *testing.T, open Opener) {
	s := open(t, Retention{})
	checkLastSeq(t, s, 0)
	now := nowMS()
	u1 := store.Update{Seq: 1,
		Positions: []location.Position{pos("T1", "L0", "R1", 10)},
		Events:    []geofence.Event{event("T1", "R1", now), event("T1", "R2", now+1)},
		Fence:     map[string][]byte{"T1": {1}},
		Config:    []store.ConfigChange{{Kind: store.ConfigRule, ID: "r1", Data: []byte("v1")}},
	}
	first := apply(t, s, u1)
	checkLastSeq(t, s, 1)
	if again := apply(t, s, u1); !slices.Equal(again, first) {
		t.Fatalf("retried Apply = %+v, want the first answer %+v", again, first)
	}
	stream := slices.Clone(first)
	checkStream(t, s, stream)

	u2 := store.Update{Seq: 2, Events: []geofence.Event{event("T1", "R3", now+2)},
		Positions: []location.Position{pos("T1", "L0", "R3", 12)},
		Fence:     map[string][]byte{"T1": {2}},
		Config:    []store.ConfigChange{{Kind: store.ConfigRule, ID: "r1", Data: []byte("v2")}}}
	stream = append(stream, apply(t, s, u2)...)
	t.Run("RetryOfAnOlderUpdate", func(t *testing.T) {
		late := u1
		late.Positions = []location.Position{pos("T1", "L0", "R9", 99)} // would win if written
		if again := apply(t, s, late); !slices.Equal(again, first) {
			t.Fatalf("retried Apply = %+v, want the first answer %+v", again, first)
		}
		checkStream(t, s, stream)
		if p := get(t, s, "T1"); p.Room != "R3" {
			t.Errorf("a retried update wrote a position: T1 in %s", p.Room)
		}
		checkParts(t, "fence after a retry", loadFence(t, s), map[string][]byte{"T1": {2}})
		checkParts(t, "config after a retry", loadConfig(t, s, store.ConfigRule), map[string][]byte{"r1": []byte("v2")})
		checkLastSeq(t, s, 2)
	})
	t.Run("Reused", func(t *testing.T) {
		other := u1
		other.Events = other.Events[:1]
		if _, err := s.Apply(ctx(t), other); !errors.Is(err, store.ErrSeqReused) {
			t.Fatalf("Apply of a reused Seq = %v, want ErrSeqReused", err)
		}
		checkStream(t, s, stream)
	})
	t.Run("NoSeq", func(t *testing.T) {
		u := store.Update{Events: []geofence.Event{event("T2", "R1", now+3)}}
		stream = append(stream, apply(t, s, u)...)
		stream = append(stream, apply(t, s, u)...)
		checkStream(t, s, stream)
		checkLastSeq(t, s, 2)
	})
	t.Run("Empty", func(t *testing.T) {
		for range 2 {
			if evs := apply(t, s, store.Update{Seq: 3}); len(evs) != 0 {
				t.Fatalf("an empty update returned %d events", len(evs))
			}
			checkLastSeq(t, s, 3)
		}
	})
	t.Run("ComparedAsNumbers", func(t *testing.T) {
		u9 := store.Update{Seq: 9, Events: []geofence.Event{event("T3", "R1", now+4)}}
		nine := apply(t, s, u9)
		stream = append(stream, nine...)
		stream = append(stream, apply(t, s, store.Update{Seq: 10, Events: []geofence.Event{event("T3", "R2", now+5)}})...)
		if again := apply(t, s, u9); !slices.Equal(again, nine) { // "9" > "10" as text
			t.Fatalf("retry of Seq 9 after 10 = %+v, want %+v", again, nine)
		}
		checkStream(t, s, stream)
	})
	t.Run("NeverApplied", func(t *testing.T) {
		u := store.Update{Seq: 5, Events: []geofence.Event{event("T4", "R1", now+6)}, Fence: map[string][]byte{"T4": {4}}}
		if _, err := s.Apply(ctx(t), u); !errors.Is(err, store.ErrStaleSeq) {
			t.Fatalf("Apply of a passed Seq = %v, want ErrStaleSeq", err)
		}
		checkStream(t, s, stream)
		checkParts(t, "fence after a stale update", loadFence(t, s), map[string][]byte{"T1": {2}})
	})
	t.Run("History", func(t *testing.T) {
		var answers [][]geofence.Event
		for i := range store.SeqHistory {
			u := store.Update{Seq: uint64(11 + i), Events: []geofence.Event{event("T5", "R1", now+7)}}
			answers = append(answers, apply(t, s, u))
			stream = append(stream, answers[i]...)
		}
		oldest := store.Update{Seq: 11, Events: []geofence.Event{event("T5", "R1", now+7)}}
		if again := apply(t, s, oldest); !slices.Equal(again, answers[0]) {
			t.Fatalf("retry of the oldest remembered update = %+v, want %+v", again, answers[0])
		}
		forgotten := store.Update{Seq: 10, Events: []geofence.Event{event("T3", "R2", now+5)}}
		if _, err := s.Apply(ctx(t), forgotten); !errors.Is(err, store.ErrStaleSeq) {
			t.Fatalf("retry of a forgotten update = %v, want ErrStaleSeq", err)
		}
		checkStream(t, s, stream)
	})
	t.Run("Largest", func(t *testing.T) {
		u := store.Update{Seq: math.MaxUint64 - 1, Events: []geofence.Event{event("T6", "R1", now+8)}}
		got := apply(t, s, u)
		stream = append(stream, got...)
		stream = append(stream, apply(t, s, store.Update{Seq: math.MaxUint64})...)
		if again := apply(t, s, u); !slices.Equal(again, got) {
			t.Fatalf("retry = %+v, want %+v", again, got)
		}
		checkLastSeq(t, s, math.MaxUint64)
		checkStream(t, s, stream)
	})
}

// checkLastSeq fails unless s reports want as its last Seq.
func checkLastSeq(t *testing.T, s store.Store, want uint64) {
	t.Helper()
	if got, err := s.LastSeq(ctx(t)); err != nil || got != want {
		t.Fatalf("LastSeq = %d, %v; want %d", got, err, want)
	}
}

// checkStream fails unless the stream holds exactly want.
func checkStream(t *testing.T, s store.Store, want []geofence.Event) {
	t.Helper()
	got := read(t, s, "0", 1000)
	checkIDs(t, got)
	if !slices.Equal(got, want) {
		t.Fatalf("stream holds %d events, want %d: a retry appended again, or lost some", len(got), len(want))
	}
}
