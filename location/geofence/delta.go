package geofence

import "bytes"

// GlobalPart is the key of the part of TakeDirty and RestoreParts that
// holds the engine-wide state: clocks, warm-up, PAR levels and orphaned
// memberships. Every other key is a tag id (never empty).
const GlobalPart = ""

// delta tracks what changed since the last TakeDirty.
type delta struct {
	dirty  []*tagState // tags changed, each once (tagState.dirty is set)
	gone   []string    // ids of tags forgotten (Expire)
	global []byte      // the global part as last returned or restored; nil: freshGlobal
	force  bool        // report the global part even when unchanged
	buf    []byte      // scratch for encoding the global part
	order  []int       // scratch for ordering a tag's members
}

// touch marks a tag's state as changed. Call it wherever tag state (seen,
// last, clock, members and their views) is modified.
func (e *Engine) touch(t *tagState) {
	if !t.dirty {
		t.dirty = true
		e.delta.dirty = append(e.delta.dirty, t)
	}
}

// TakeDirty returns the parts of the engine's runtime state that changed
// since the previous call (or since RestoreParts), and forgets them: one
// part per tag whose state changed, keyed by tag id (a nil value means the
// tag's state is gone), and the engine-wide part under GlobalPart when it
// changed. It returns nil when nothing changed.
//
// Merged into a map (a nil value deleting its key) in call order, the parts
// are the engine's complete state: RestoreParts of that map is equivalent
// to Restore of a Snapshot. Save them atomically with the events emitted
// before the call. Parts are compact binary (a tag in one room takes about
// 25 bytes plus its zone id) and must not be modified.
func (e *Engine) TakeDirty() map[string][]byte {
	d := &e.delta
	d.buf = e.appendGlobalPart(d.buf[:0])
	prev := d.global
	if prev == nil {
		prev = freshGlobal
	}
	globalChanged := d.force || !bytes.Equal(d.buf, prev)
	n := len(d.dirty) + len(d.gone)
	if globalChanged {
		n++
	}
	if n == 0 {
		return nil
	}
	out := make(map[string][]byte, n)
	for _, id := range d.gone {
		out[id] = nil
	}
	clear(d.gone)
	d.gone = d.gone[:0]
	buf := make([]byte, 0, tagPartEstimate*len(d.dirty))
	for i, t := range d.dirty {
		start := len(buf)
		buf = e.appendTagPart(buf, t)
		out[t.id] = buf[start:len(buf):len(buf)]
		t.dirty = false
		d.dirty[i] = nil
	}
	d.dirty = d.dirty[:0]
	if globalChanged {
		out[GlobalPart] = bytes.Clone(d.buf)
		d.global, d.buf, d.force = d.buf, d.global, false
	}
	return out
}

// freshGlobal is the global part of an engine that has seen nothing, and
// what a missing global part means to RestoreParts.
var freshGlobal = []byte{partVersion, 0, 0, 0, 0, 0}

// tagPartEstimate is the size a tag's part is assumed to take when the
// buffer for a TakeDirty is sized.
const tagPartEstimate = 48

// RestoreParts replaces the engine's runtime state with the state held by
// parts, as merged from the results of TakeDirty (nil values are ignored).
// It is equivalent to Restore of a Snapshot of the engine that produced
// them: rules, zones and the registry stay as they are, memberships in zones
// that no longer exist get their EXIT at the next Tick. Afterwards
// TakeDirty reports only the parts that the restore itself changed (such
// as those of memberships mapped onto changed zones). On error (ErrSnapshot)
// the state is left unchanged.
func (e *Engine) RestoreParts(parts map[string][]byte) error {
	s, err := snapshotOfParts(parts)
	if err != nil {
		return err
	}
	if err := e.restore(s); err != nil {
		return err
	}
	e.delta.reset()
	e.delta.global = bytes.Clone(parts[GlobalPart])
	var buf []byte
	for id, t := range e.tags {
		buf = e.appendTagPart(buf[:0], t)
		if !bytes.Equal(buf, parts[id]) {
			e.touch(t)
		}
	}
	return nil
}

// reset forgets every change.
func (d *delta) reset() {
	clear(d.dirty)
	clear(d.gone)
	d.dirty, d.gone, d.global, d.force = d.dirty[:0], d.gone[:0], nil, false
}
