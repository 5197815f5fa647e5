package geofence

// view is a tag's membership of one zone as seen through one debounce time:
// the effective state and a pending change. Invariant: pend == (in != raw)
// of the member.
type view struct {
	in        bool  // effective membership
	pend      bool  // the observed state differs from in since pendAt
	since     int64 // when the current stay began (valid when in)
	pendAt    int64 // first observation of the pending state
	dwellDone int64 // DWELL deadlines up to here are handled (valid when in)
}

// member is a tag's relation to one zone it is, or was lately seen, in.
type member struct {
	z    *zoneState
	raw  bool   // the newest position is inside the zone
	v0   view   // view of the zone's debounce[0]
	more []view // views of debounce[1:]
}

// nviews returns the number of views.
func (m *member) nviews() int { return 1 + len(m.more) }

// view returns view i.
func (m *member) view(i int) *view {
	if i == 0 {
		return &m.v0
	}
	return &m.more[i-1]
}

// anyIn reports whether some view holds the tag inside.
func (m *member) anyIn() bool {
	for i := range m.nviews() {
		if m.view(i).in {
			return true
		}
	}
	return false
}

// newMember returns a member for a zone the tag has just been seen in: not
// yet inside, an entry pending since ts.
func newMember(z *zoneState, ts int64) member {
	m := member{z: z, raw: true, v0: view{pend: true, pendAt: ts}}
	if n := len(z.debounce) - 1; n > 0 {
		m.more = make([]view, n)
		for i := range m.more {
			m.more[i] = m.v0
		}
	}
	return m
}

// setRaw records the observed state of the member at ts and updates the
// pending changes of its views.
func (m *member) setRaw(raw bool, ts int64) {
	m.raw = raw
	for i := range m.nviews() {
		v := m.view(i)
		switch {
		case v.in == raw:
			v.pend = false
		case !v.pend:
			v.pend, v.pendAt = true, ts
		}
	}
}

// remap rebuilds the member's views for a zone whose debounce times changed
// from old to cur: views of a kept time are kept, new ones copy view 0.
func (m *member) remap(old, cur []int64) {
	views := make([]view, len(cur))
	for i, d := range cur {
		views[i] = m.v0
		if j := slicesIndex(old, d); j >= 0 {
			views[i] = *m.view(j)
		}
	}
	m.v0, m.more = views[0], nil
	if len(views) > 1 {
		m.more = views[1:]
	}
}

// slicesIndex returns the index of d in ds, or -1.
func slicesIndex(ds []int64, d int64) int {
	for i, x := range ds {
		if x == d {
			return i
		}
	}
	return -1
}

// tagState is what the engine knows of one tag.
type tagState struct {
	id      string
	info    Tag   // registry entry; class "" when unregistered
	seen    bool  // a position has been observed
	last    int64 // event time of the newest position
	clock   int64 // event time up to which the tag's deadlines are handled
	members []member
	hidx    int   // index in the due heap, -1 when not in it
	due     int64 // heap key: no deadline of the tag comes earlier
	dirty   bool  // changed since the last TakeDirty (delta.go)
}

// member returns the tag's member for z, or nil.
func (t *tagState) member(z *zoneState) *member {
	for i := range t.members {
		if t.members[i].z == z {
			return &t.members[i]
		}
	}
	return nil
}

// tag returns the state of a tag, creating it.
func (e *Engine) tag(id string) *tagState {
	t := e.tags[id]
	if t == nil {
		t = &tagState{id: id, hidx: -1}
		t.info, _ = e.reg.Get(id)
		e.tags[id] = t
	}
	return t
}

// prune drops members that are neither observed nor effective in any view.
func (e *Engine) prune(t *tagState) {
	keep := t.members[:0]
	for _, m := range t.members {
		if m.raw || m.anyIn() {
			keep = append(keep, m)
			continue
		}
		delete(m.z.tags, t)
	}
	clear(t.members[len(keep):])
	t.members = keep
}

// dropMember removes the tag's member for z.
func (e *Engine) dropMember(t *tagState, z *zoneState) {
	t.members = slicesDeleteFunc(t.members, func(m member) bool { return m.z == z })
	delete(z.tags, t)
	e.touch(t)
}

// slicesDeleteFunc removes the members del selects, keeping order.
func slicesDeleteFunc(ms []member, del func(member) bool) []member {
	keep := ms[:0]
	for _, m := range ms {
		if !del(m) {
			keep = append(keep, m)
		}
	}
	clear(ms[len(keep):])
	return keep
}
