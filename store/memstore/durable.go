package memstore

import (
	"bytes"
	"context"
	"maps"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// durable is the state a writer restores itself from: geofence state parts,
// configuration and the newest update sequence numbers.
type durable struct {
	fence   map[string][]byte
	config  map[string]map[string][]byte // by kind, then id
	seq     uint64                       // newest Update.Seq applied
	applied []applied                    // the newest, at most store.SeqHistory
	status  map[string]*statusLog        // status history by tag
}

// applied is an update applied with a Seq: its number and its event ids.
type applied struct {
	seq uint64
	ids []string
}

func newDurable() durable {
	d := durable{fence: map[string][]byte{}, config: map[string]map[string][]byte{}, status: map[string]*statusLog{}}
	for _, k := range store.ConfigKinds() {
		d.config[k] = map[string][]byte{}
	}
	return d
}

// replay answers a retried update: its events with the ids they got.
func (d *durable) replay(u store.Update) ([]geofence.Event, error) {
	for _, a := range d.applied {
		if a.seq != u.Seq {
			continue
		}
		if len(a.ids) != len(u.Events) {
			return nil, store.ErrSeqReused
		}
		if len(a.ids) == 0 {
			return nil, nil
		}
		out := make([]geofence.Event, len(u.Events))
		for i, e := range u.Events {
			e.ID = a.ids[i]
			out[i] = e
		}
		return out, nil
	}
	return nil, store.ErrStaleSeq
}

// write merges the fence parts and config changes of u and records its Seq
// with the ids its events got.
func (d *durable) write(u store.Update, events []geofence.Event) {
	for k, v := range u.Fence {
		put(d.fence, k, v)
	}
	for _, c := range u.Config {
		put(d.config[c.Kind], c.ID, c.Data)
	}
	d.appendStatus(u.StatusChanges)
	if u.Seq == 0 {
		return
	}
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	d.seq = u.Seq
	if len(d.applied) == store.SeqHistory {
		copy(d.applied, d.applied[1:])
		d.applied = d.applied[:len(d.applied)-1]
	}
	d.applied = append(d.applied, applied{seq: u.Seq, ids: ids})
}

// put stores a copy of v under k, or deletes k for a nil v.
func put(m map[string][]byte, k string, v []byte) {
	if v == nil {
		delete(m, k)
		return
	}
	m[k] = bytes.Clone(v)
}

// cloneAll returns a deep copy of m.
func cloneAll(m map[string][]byte) map[string][]byte {
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = bytes.Clone(v)
	}
	return out
}

// LoadFence returns every stored geofence state part.
func (s *Store) LoadFence(context.Context) (map[string][]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	return cloneAll(s.durable.fence), nil
}

// LoadConfig returns every stored configuration item of kind by id.
func (s *Store) LoadConfig(_ context.Context, kind string) (map[string][]byte, error) {
	if err := store.CheckKind(kind); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	return cloneAll(s.durable.config[kind]), nil
}

// LastSeq returns the Seq of the newest update applied with one.
func (s *Store) LastSeq(context.Context) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, ErrClosed
	}
	return s.durable.seq, nil
}
