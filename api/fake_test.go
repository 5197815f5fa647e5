package api

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// fakeStore is a small in-memory PositionReader and EventReader for tests.
// Event ids are "<ms>-<seq>" like Redis stream ids.
type fakeStore struct {
	mu        sync.Mutex // guards the fields below
	positions map[string]location.Position
	watchers  map[chan location.Position]struct{}
	events    []geofence.Event
	appended  chan struct{} // closed and replaced on every append
	nextID    int
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		positions: map[string]location.Position{},
		watchers:  map[chan location.Position]struct{}{},
		appended:  make(chan struct{}),
	}
}

// put stores positions and hands them to the watchers.
func (f *fakeStore) put(ps ...location.Position) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range ps {
		f.positions[p.Tag] = p
		for w := range f.watchers {
			w <- p // buffered; tests stay below the buffer size
		}
	}
}

// watching returns how many watches are open.
func (f *fakeStore) watching() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.watchers)
}

// appendEvents assigns ids to es, appends them and returns them.
func (f *fakeStore) appendEvents(es ...geofence.Event) []geofence.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]geofence.Event, len(es))
	for i, e := range es {
		// Three ids per millisecond, so that seq matters for the order.
		e.ID = fmt.Sprintf("%d-%d", 1000+f.nextID/3, f.nextID%3)
		f.nextID++
		f.events = append(f.events, e)
		out[i] = e
	}
	close(f.appended)
	f.appended = make(chan struct{})
	return out
}

func (f *fakeStore) GetPosition(_ context.Context, tag string) (location.Position, error) {
	if tag == "PANIC" {
		panic("fake store: asked to panic")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.positions[tag]
	if !ok {
		return location.Position{}, store.ErrNotFound
	}
	return p, nil
}

func (f *fakeStore) GetPositions(_ context.Context, tags []string) ([]location.Position, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []location.Position
	for _, t := range tags {
		if p, ok := f.positions[t]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeStore) GetRooms(_ context.Context, tags []string) ([]store.TagRoom, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.TagRoom
	for _, t := range tags {
		if p, ok := f.positions[t]; ok {
			out = append(out, store.TagRoom{Tag: t, Level: p.Level, Room: p.Room})
		}
	}
	return out, nil
}

func (f *fakeStore) ListPositions(_ context.Context, q store.Query) (store.Page, error) {
	after, ok := strings.CutPrefix(q.PageToken, "tag:")
	if q.PageToken != "" && !ok {
		return store.Page{}, store.ErrBadToken
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var tags []string
	for t, p := range f.positions {
		if t > after && (q.Level == "" || p.Level == q.Level) && (q.Room == "" || p.Room == q.Room) {
			tags = append(tags, t)
		}
	}
	sort.Strings(tags)
	size := q.PageSize
	if size <= 0 {
		size = 100
	}
	var page store.Page
	for i, t := range tags {
		if i == size {
			page.NextPageToken = "tag:" + tags[i-1]
			break
		}
		page.Positions = append(page.Positions, f.positions[t])
	}
	return page, nil
}

func (f *fakeStore) WatchPositions(ctx context.Context) (<-chan location.Position, error) {
	w := make(chan location.Position, 64)
	f.mu.Lock()
	f.watchers[w] = struct{}{}
	f.mu.Unlock()
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		delete(f.watchers, w)
		close(w)
		f.mu.Unlock()
	}()
	return w, nil
}

// fakeID parses an id of appendEvents, or "0".
func fakeID(id string) (ms, seq uint64, err error) {
	if id == "0" {
		return 0, 0, nil
	}
	a, b, _ := strings.Cut(id, "-")
	if ms, err = strconv.ParseUint(a, 10, 64); err == nil {
		seq, err = strconv.ParseUint(b, 10, 64)
	}
	return ms, seq, err
}

// isAfter reports whether id a is after id b.
func isAfter(a, b string) bool {
	am, as, _ := fakeID(a)
	bm, bs, _ := fakeID(b)
	return am > bm || (am == bm && as > bs)
}

func (f *fakeStore) ReadEvents(ctx context.Context, afterID string, count int, block time.Duration) ([]geofence.Event, error) {
	if _, _, err := fakeID(afterID); err != nil {
		return nil, fmt.Errorf("fake store: bad id %q", afterID)
	}
	timer := time.NewTimer(block)
	defer timer.Stop()
	for {
		f.mu.Lock()
		var out []geofence.Event
		for _, e := range f.events {
			if len(out) < count && isAfter(e.ID, afterID) {
				out = append(out, e)
			}
		}
		appended := f.appended
		f.mu.Unlock()
		if len(out) > 0 || block == 0 {
			return out, nil
		}
		select {
		case <-appended:
		case <-timer.C:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (f *fakeStore) LastEventID(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) == 0 {
		return "0", nil
	}
	return f.events[len(f.events)-1].ID, nil
}

func (f *fakeStore) FirstEventID(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) == 0 {
		return "0", nil
	}
	return f.events[0].ID, nil
}

func (f *fakeStore) ListEvents(_ context.Context, q store.EventQuery) (store.EventPage, error) {
	start := 0
	if q.PageToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(q.PageToken, "at:"))
		if err != nil || !strings.HasPrefix(q.PageToken, "at:") {
			return store.EventPage{}, store.ErrBadToken
		}
		start = n
	}
	size := q.PageSize
	if size <= 0 {
		size = 100
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var page store.EventPage
	for i := start; i < len(f.events); i++ {
		e := f.events[i]
		if (q.FromTS != 0 && e.TS < q.FromTS) || (q.ToTS != 0 && e.TS > q.ToTS) {
			continue
		}
		if len(page.Events) == size {
			page.NextPageToken = "at:" + strconv.Itoa(i)
			break
		}
		page.Events = append(page.Events, e)
	}
	return page, nil
}

// repeatingReader wraps an EventReader and returns the event at the cursor
// again with every read, like a store with an off-by-one.
type repeatingReader struct{ *fakeStore }

func (r repeatingReader) ReadEvents(ctx context.Context, afterID string, count int, block time.Duration) ([]geofence.Event, error) {
	es, err := r.fakeStore.ReadEvents(ctx, afterID, count, block)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.ID == afterID {
			es = append([]geofence.Event{e}, es...)
		}
	}
	return es, err
}

// fakePlan is a PlanLookup over fixed ids; units maps rooms to their unit.
type fakePlan struct {
	levels, rooms []string
	units         map[string]string
}

func (p fakePlan) HasLevel(id string) bool   { return slices.Contains(p.levels, id) }
func (p fakePlan) HasRoom(id string) bool    { return slices.Contains(p.rooms, id) }
func (p fakePlan) UnitOf(room string) string { return p.units[room] }
func (p fakePlan) HasUnit(id string) bool {
	for _, u := range p.units {
		if u == id {
			return true
		}
	}
	return false
}

// fakeGroups is a GroupResolver over a fixed map.
type fakeGroups map[string][]string

func (g fakeGroups) ZonesOf(_ context.Context, group string) ([]string, error) { return g[group], nil }

// KnownGroup implements GroupResolver: the groups of the map exist.
func (g fakeGroups) KnownGroup(_ context.Context, group string) (bool, error) {
	_, ok := g[group]
	return ok, nil
}

// KnownZone implements GroupResolver: the fixtures' zones are Z<n>.
func (g fakeGroups) KnownZone(_ context.Context, id string) (bool, error) {
	return strings.HasPrefix(id, "Z"), nil
}

// registryTags is a RegistryReader over a geofence registry.
type registryTags struct{ reg *geofence.Registry }

func (r registryTags) SelectTags(_ context.Context, keep func(geofence.Tag) bool) ([]geofence.Tag, error) {
	return r.reg.Select(keep), nil
}

func (r registryTags) SelectKindTagIDs(_ context.Context, class, typ string, status func(string) bool) ([]string, error) {
	return r.reg.SelectKindIDs(class, typ, status), nil
}

func (r registryTags) LookupTags(_ context.Context, ids []string) (map[string]geofence.Tag, error) {
	return r.reg.Lookup(ids), nil
}
