package geofence

import "fmt"

// snapshotVersion is the version of the snapshot form of the state.
const snapshotVersion = 1

// snapshot is the engine's runtime state in JSON. Rules, zones and the
// registry are not part of it: they come from their own stores.
type snapshot struct {
	V       int          `json:"v"`
	Tick    int64        `json:"tick"`
	Ticked  bool         `json:"ticked,omitempty"`
	Start   int64        `json:"start"`
	Started bool         `json:"started,omitempty"`
	Warm    bool         `json:"warm,omitempty"`
	Tags    []snapTag    `json:"tags"`
	Par     []snapPar    `json:"par,omitempty"`
	Orphans []snapOrphan `json:"orphans,omitempty"`
}

type snapTag struct {
	ID      string       `json:"id"`
	Seen    bool         `json:"s,omitempty"`
	Last    int64        `json:"l"`
	Clock   int64        `json:"c"`
	Members []snapMember `json:"m,omitempty"`
}

type snapMember struct {
	Zone  string     `json:"z"`
	Raw   bool       `json:"r,omitempty"`
	Views []snapView `json:"v"`
}

type snapView struct {
	Debounce  int64 `json:"d"`
	In        bool  `json:"in,omitempty"`
	Pend      bool  `json:"p,omitempty"`
	Since     int64 `json:"since,omitempty"`
	PendAt    int64 `json:"pat,omitempty"`
	DwellDone int64 `json:"done,omitempty"`
}

type snapPar struct {
	Rule  string `json:"rule"`
	Below bool   `json:"below,omitempty"`
	Count int    `json:"n"`
	Last  int64  `json:"last,omitempty"`
}

type snapOrphan struct {
	Tag  string `json:"tag"`
	Zone string `json:"zone"`
}

// restore replaces the engine's runtime state with a decoded snapshot; on
// error the state is left unchanged.
func (e *Engine) restore(s snapshot) error {
	tags, orphans, err := e.restoreTags(s)
	if err != nil {
		return err
	}
	e.installTags(tags, orphans)
	e.clk = clocks{tick: s.Tick, ticked: s.Ticked, start: s.Start, started: s.Started, warm: s.Warm}
	e.restorePar(s.Par)
	e.scheduleAll()
	return nil
}

// restoreTags rebuilds tag states from a snapshot without touching the
// engine.
func (e *Engine) restoreTags(s snapshot) (map[string]*tagState, []orphan, error) {
	tags := make(map[string]*tagState, len(s.Tags))
	var orphans []orphan
	for i, st := range s.Tags {
		if msg := idProblem(st.ID); msg != "" || tags[st.ID] != nil {
			return nil, nil, fmt.Errorf("%w: tags[%d]: bad or repeated id", ErrSnapshot, i)
		}
		t := &tagState{id: st.ID, seen: st.Seen, last: st.Last, clock: st.Clock, hidx: -1}
		t.info, _ = e.reg.Get(st.ID)
		for j, sm := range st.Members {
			m, ok, err := e.restoreMember(sm)
			if err == nil && j > 0 && st.Members[j-1].Zone >= sm.Zone {
				err = fmt.Errorf("members not ordered by zone")
			}
			if err != nil {
				return nil, nil, fmt.Errorf("%w: tags[%d].m[%d]: %s", ErrSnapshot, i, j, err)
			}
			switch {
			case ok:
				t.members = append(t.members, m)
			case anySnapIn(sm.Views):
				orphans = append(orphans, orphan{tag: t, zone: sm.Zone})
			}
		}
		tags[st.ID] = t
	}
	for _, s := range s.Orphans {
		if t := tags[s.Tag]; t != nil {
			orphans = append(orphans, orphan{tag: t, zone: s.Zone})
		}
	}
	return tags, orphans, nil
}

// restoreMember maps a snapshot member onto the current zone and its views;
// ok is false when the zone no longer exists.
func (e *Engine) restoreMember(sm snapMember) (member, bool, error) {
	if len(sm.Views) == 0 {
		return member{}, false, fmt.Errorf("no views")
	}
	for _, v := range sm.Views {
		if v.Pend != (v.In != sm.Raw) {
			return member{}, false, fmt.Errorf("view pending state does not match")
		}
	}
	z := e.zones[sm.Zone]
	if z == nil {
		return member{}, false, nil
	}
	m := member{z: z, raw: sm.Raw}
	views := make([]view, len(z.debounce))
	for i, d := range z.debounce {
		sv := sm.Views[0]
		for _, x := range sm.Views {
			if x.Debounce == d {
				sv = x
			}
		}
		views[i] = view{in: sv.In, pend: sv.Pend, since: sv.Since, pendAt: sv.PendAt, dwellDone: sv.DwellDone}
	}
	m.v0 = views[0]
	if len(views) > 1 {
		m.more = views[1:]
	}
	return m, true, nil
}

// anySnapIn reports whether some view holds the tag inside.
func anySnapIn(vs []snapView) bool {
	for _, v := range vs {
		if v.In {
			return true
		}
	}
	return false
}

// installTags replaces the tag states and rebuilds the zones' tag sets.
func (e *Engine) installTags(tags map[string]*tagState, orphans []orphan) {
	for _, z := range e.zones {
		clear(z.tags)
	}
	for _, t := range tags {
		for i := range t.members {
			t.members[i].z.tags[t] = struct{}{}
		}
	}
	e.tags, e.orphans = tags, orphans
	e.due = e.due[:0]
}

// restorePar sets the PAR levels of the rules that still exist; others
// are judged afresh.
func (e *Engine) restorePar(ps []snapPar) {
	levels := make(map[string]snapPar, len(ps))
	for _, p := range ps {
		levels[p.Rule] = p
	}
	for _, r := range e.par {
		r.par = parState{stale: true}
		if p, ok := levels[r.ID]; ok {
			r.par.level, r.par.count, r.par.last = parOK, p.Count, p.Last
			if p.Below {
				r.par.level = parBelow
			}
		}
	}
	e.parDirty = true
}
