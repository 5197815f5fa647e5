package analytics

import (
	"github.com/hospitalrtls/rtls/location/geofence"
)

// Room is what the aggregates need of a room of the plan.
type Room struct {
	Category string
	Unit     string
}

// Asset is what utilization needs of an asset's registry entry.
type Asset struct {
	Type string
	Unit string
}

// AssetFunc returns the registry entry of an asset tag; ok is false for a
// tag that is not a registered asset.
type AssetFunc func(tag string) (a Asset, ok bool)

// Aggregator turns visits and status changes into Ops. It keeps, in
// memory, each tag's latest visit (for transitions and to skip records
// already counted) and each asset's current status (for utilization);
// after a restart, Restore gives it the visits open in the restored
// geofence state, so the first move of each tag is counted; the status
// interval open at the restart is not. It is not safe for concurrent use:
// the pipeline's goroutine owns it.
type Aggregator struct {
	rooms  map[string]Room
	asset  AssetFunc
	hashes map[string]string    // tag -> TagHash
	tags   map[string]*tagVisit // tag -> its latest visit
	assets map[string]*usage    // asset tag -> current status
	hour   int64                // the hour Advance last closed intervals at
	ops    []Op
}

// tagVisit is what the aggregator remembers of a tag's visits.
type tagVisit struct {
	room, unit string
	enter      int64 // of the latest visit, open or closed
	closed     int64 // Enter of the latest closed visit counted; -1 none
}

// usage is an asset's current status interval.
type usage struct {
	Asset
	status string
	since  int64
}

// NewAggregator returns an aggregator over the rooms of the plan (by room
// id; a room not in it has no category) and the registry's assets (nil:
// no utilization).
func NewAggregator(rooms map[string]Room, asset AssetFunc) *Aggregator {
	if asset == nil {
		asset = func(string) (Asset, bool) { return Asset{}, false }
	}
	return &Aggregator{rooms: rooms, asset: asset, hashes: map[string]string{},
		tags: map[string]*tagVisit{}, assets: map[string]*usage{}}
}

// Restore makes open visits (geofence.Engine.OpenVisits after a restart)
// each tag's latest visit, as if their opening records had been counted:
// the next visit of the tag counts the move from it, and its closing
// record its dwell. Call it before Visits; a tag already known is left as
// it is.
func (a *Aggregator) Restore(open []geofence.Visit) {
	for _, v := range open {
		if !v.Open() || a.tags[v.Tag] != nil {
			continue
		}
		a.tags[v.Tag] = &tagVisit{room: v.Room, unit: v.Unit, enter: v.Enter, closed: -1}
	}
}

// Take returns the Ops made since its previous call.
func (a *Aggregator) Take() []Op {
	out := a.ops
	a.ops = nil
	return out
}

// hash returns the cached TagHash of tag.
func (a *Aggregator) hash(tag string) string {
	h, ok := a.hashes[tag]
	if !ok {
		h = TagHash(tag)
		a.hashes[tag] = h
	}
	return h
}

// key returns the row key of a visit of room (in unit) at grouping g; ""
// when it has none (a room without category, or without unit).
func (a *Aggregator) key(g Grouping, room, unit string) string {
	switch g {
	case ByCategory:
		return a.rooms[room].Category
	case ByUnit:
		if unit == "" {
			return a.rooms[room].Unit
		}
		return unit
	}
	return room
}

// Visits counts visit records (geofence.Engine.TakeVisits: opened and
// closed), in order. A visit later than the tag's latest counts the move
// from it, in the hour of its entry, when it opens (or, never seen open,
// when it closes); a closed visit counts its dwell in the hour of its exit
// and its occupancy in every hour of the stay. A record already counted
// is skipped.
func (a *Aggregator) Visits(vs []geofence.Visit) {
	for _, v := range vs {
		t := a.tags[v.Tag]
		if t == nil {
			t = &tagVisit{enter: -1, closed: -1}
			a.tags[v.Tag] = t
		}
		if v.Enter > t.enter {
			if t.enter >= 0 {
				a.move(v, t.room, t.unit)
			}
			t.room, t.unit, t.enter = v.Room, v.Unit, v.Enter
		}
		if !v.Open() && v.Enter > t.closed {
			t.closed = v.Enter
			a.stay(v)
		}
	}
}

// move counts the move of v's tag from room (in unit) into v's room.
func (a *Aggregator) move(v geofence.Visit, room, unit string) {
	h := a.hash(v.Tag)
	for _, g := range Groupings {
		from, to := a.key(g, room, unit), a.key(g, v.Room, v.Unit)
		if from == "" || to == "" || from == to {
			continue
		}
		a.ops = append(a.ops, Op{Bucket: Bucket(KindTransitions, g, Hour(v.Enter)),
			Row: v.Class + sep + from, Set: SetMoves, Tag: h, To: to})
	}
}

// stay counts the dwell and occupancy of a closed visit.
func (a *Aggregator) stay(v geofence.Visit) {
	h := a.hash(v.Tag)
	dur := v.Exit - v.Enter
	for _, g := range Groupings {
		k := a.key(g, v.Room, v.Unit)
		if k == "" {
			continue
		}
		row := v.Class + sep + k
		b := Bucket(KindDwell, g, Hour(v.Exit))
		a.ops = append(a.ops, Op{Bucket: b, Row: row, Counter: CountVisits, Add: 1},
			Op{Bucket: b, Row: row, Counter: CountMs, Add: dur},
			Op{Bucket: b, Row: row, Counter: FirstBin + Counter(bin(dur)), Add: 1},
			Op{Bucket: b, Row: row, Set: SetTags, Tag: h})
		last := Hour(max(v.Exit-1, v.Enter))
		for hour := Hour(v.Enter); hour <= last; hour += HourMs {
			a.ops = append(a.ops, Op{Bucket: Bucket(KindOccupancy, g, hour), Row: row, Set: SetTags, Tag: h})
		}
	}
}

// Statuses counts status changes, in order: the interval of the previous
// status of the asset closes at the change. A tag that is not a registered
// asset is skipped; an asset's first change opens its first interval.
func (a *Aggregator) Statuses(cs []geofence.StatusChange) {
	for _, c := range cs {
		u := a.assets[c.Tag]
		if u == nil {
			info, ok := a.asset(c.Tag)
			if !ok {
				continue
			}
			a.assets[c.Tag] = &usage{Asset: info, status: c.Status, since: c.TS}
			continue
		}
		if c.TS < u.since {
			continue // older than the open interval: already counted
		}
		a.use(c.Tag, u, c.TS)
		u.status = c.Status
	}
}

// Advance closes, at the start of the hour of now (epoch ms), the status
// intervals still open, so utilization counts a status held for hours
// before it changes. Call it as event time advances; it works once an hour.
func (a *Aggregator) Advance(now int64) {
	hour := Hour(now)
	if hour <= a.hour {
		return
	}
	a.hour = hour
	for tag, u := range a.assets {
		if u.since < hour {
			a.use(tag, u, hour)
		}
	}
}

// use counts u's status from u.since to end, hour by hour, and moves
// u.since to end.
func (a *Aggregator) use(tag string, u *usage, end int64) {
	counter := CountOtherMs
	switch u.status {
	case geofence.StatusInUse:
		counter = CountInUseMs
	case geofence.StatusAvailable:
		counter = CountAvailableMs
	}
	h := a.hash(tag)
	row := sep + u.Type + sep + u.Unit
	for start := u.since; start < end; {
		hour := Hour(start)
		stop := min(hour+HourMs, end)
		b := Bucket(KindUtilization, 0, hour)
		a.ops = append(a.ops, Op{Bucket: b, Row: row, Counter: counter, Add: stop - start},
			Op{Bucket: b, Row: row, Set: SetTags, Tag: h})
		if counter == CountInUseMs {
			a.ops = append(a.ops, Op{Bucket: b, Row: row, Set: SetInUse, Tag: h})
		}
		start = stop
	}
	u.since = max(u.since, end)
}
