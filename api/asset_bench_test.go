package api

import (
	"context"
	"fmt"
	"github.com/hospitalrtls/rtls/internal/cputime"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/floorplans/route"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/memstore"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// benchHospital is a synthetic hospital (adapted from the plan generator
// of floorplans/route's tests): levels alike, each a spine corridor with
// teeth corridors off it, perSide 5 m patient rooms either side of each
// tooth, one door a room; stairs off each spine, stacked.
type benchHospital struct {
	plan  *floorplans.Plan
	rooms []*floorplans.Room // patient rooms and corridors, where tags go
}

func genHospital(tb testing.TB, levels, teeth, perSide int) benchHospital {
	tb.Helper()
	var ls []*floorplans.Level
	var rs []*floorplans.Room
	var ds []*floorplans.Door
	rect := func(x0, y0, x1, y1 float64) orb.Polygon {
		return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
	}
	room := func(id, level, cat string, poly orb.Polygon) {
		rs = append(rs, &floorplans.Room{ID: id, Name: id, Level: level, Category: cat, Polygon: poly})
	}
	door := func(level, a, b string, x0, y0, x1, y1 float64) {
		ds = append(ds, &floorplans.Door{Index: len(ds), Level: level, Line: orb.LineString{{x0, y0}, {x1, y1}}, Connects: [2]string{a, b}})
	}
	width, height := 3+5*float64(perSide), 10+15*float64(teeth)
	for l := range levels {
		lv := fmt.Sprintf("L%d", l)
		ls = append(ls, &floorplans.Level{ID: lv, Name: lv, Ordinal: l, Outline: rect(0, 0, width, height)})
		spine := lv + "-SPINE"
		room(spine, lv, "corridor", rect(0.1, 10.1, 2.9, height-0.1))
		room(lv+"-STAIRS", lv, "stairs", rect(0.1, 0.1, 2.9, 9.9))
		door(lv, lv+"-STAIRS", spine, 1, 10, 2, 10)
		for t := range teeth {
			y0 := 10 + 15*float64(t)
			tooth := fmt.Sprintf("%s-T%02d", lv, t)
			room(tooth, lv, "corridor", rect(3.1, y0+6.1, width-0.1, y0+8.9))
			door(lv, spine, tooth, 3, y0+7, 3, y0+8)
			for j := range perSide {
				x := 3 + 5*float64(j)
				for k, ys := range [][2]float64{{y0 + 0.1, y0 + 5.9}, {y0 + 9.1, y0 + 14.9}} {
					id := fmt.Sprintf("%s-%d-%d", tooth, j, k)
					room(id, lv, "patient_room", rect(x+0.1, ys[0], x+4.9, ys[1]))
					dy := y0 + 6 + 3*float64(k)
					door(lv, id, tooth, x+2, dy, x+3, dy)
				}
			}
		}
	}
	p, err := floorplans.New(ls, rs, ds, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	h := benchHospital{plan: p}
	for _, r := range p.Rooms {
		if r.Category != "stairs" {
			h.rooms = append(h.rooms, r)
		}
	}
	return h
}

// populate registers n tags and places each at a random point of a random
// room: every pumpEvery-th tag an infusion pump (one in four IN_USE, the
// others AVAILABLE), the rest staff.
func (h benchHospital) populate(tb testing.TB, st store.Store, n, pumpEvery int) *geofence.Registry {
	tb.Helper()
	rng := rand.New(rand.NewPCG(7, 9))
	tags := make([]geofence.Tag, n)
	ps := make([]location.Position, n)
	for i := range n {
		id := fmt.Sprintf("T%06d", i)
		tags[i] = geofence.Tag{ID: id, Class: geofence.ClassStaff, Type: "nurse", Role: "RN"}
		if i%pumpEvery == 0 {
			tags[i] = geofence.Tag{ID: id, Class: geofence.ClassAsset, Type: "infusion_pump", Status: geofence.StatusAvailable}
			if rng.IntN(4) == 0 {
				tags[i].Status = geofence.StatusInUse
			}
		}
		r := h.rooms[rng.IntN(len(h.rooms))]
		b := r.Bound
		ps[i] = location.Position{TS: 1000, Tag: id, Level: r.Level, Room: r.ID, RoomProb: 0.9,
			X: b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), Y: b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}
	reg, err := geofence.NewRegistry(tags)
	if err != nil {
		tb.Fatal(err)
	}
	for chunk := range slices.Chunk(ps, 5000) {
		if _, err := st.Apply(context.Background(), store.Update{Positions: chunk}); err != nil {
			tb.Fatal(err)
		}
	}
	return reg
}

// BenchmarkFindNearest is AssetService.FindNearest in process (no gRPC):
// the registry selection, the batch read of the candidates' positions and
// the walk ranking, from a different patient room each call, for the 5
// nearest AVAILABLE infusion pumps. pumps=5000 is one tag in ten an
// infusion pump; pumps=50000 makes every tag one (the worst case). It
// reports the median and 99th percentile of the wall time a call and of
// the CPU time of the calling thread (the machine the numbers were taken
// on is shared: wall time counts the wait for a core too; with Redis the
// CPU time leaves out the client's I/O goroutines and the server).
func BenchmarkFindNearest(b *testing.B) {
	h := genHospital(b, 4, 10, 25) // 2,000 patient rooms, 2,048 in all
	router, err := route.New(h.plan, route.Options{})
	if err != nil {
		b.Fatal(err)
	}
	stores := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"memstore", func(b *testing.B) store.Store { return memstore.New(memstore.Options{}) }},
		{"redis", func(b *testing.B) store.Store {
			st, err := redisstore.New(context.Background(), redisstore.Options{URL: redistest.StartServer(b).URL(), Site: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	}
	for _, sc := range stores {
		for _, every := range []int{10, 1} {
			tags := 50000
			name := fmt.Sprintf("store=%s/rooms=%d/tags=%d/pumps=%d", sc.name, len(h.plan.Rooms), tags, tags/every)
			b.Run(name, func(b *testing.B) {
				st := sc.open(b)
				defer st.Close()
				reg := h.populate(b, st, tags, every)
				s := NewAssetServer(st, registryTags{reg}, router, PlanLookupOf(h.plan), nil)
				benchFind(b, s, h)
			})
		}
	}
}

func benchFind(b *testing.B, s *AssetServer, h benchHospital) {
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx := context.Background()
	var times, cpu []time.Duration
	i := 0
	for b.Loop() {
		req := &rtlsv1.FindNearestRequest{
			From:      &rtlsv1.Origin{Place: &rtlsv1.Origin_RoomId{RoomId: h.rooms[i%len(h.rooms)].ID}},
			AssetType: "infusion_pump",
			Statuses:  []rtlsv1.AssetStatus{rtlsv1.AssetStatus_AVAILABLE},
		}
		t0, c0 := time.Now(), cputime.Thread()
		resp, err := s.FindNearest(ctx, req)
		times, cpu = append(times, time.Since(t0)), append(cpu, cputime.Thread()-c0)
		if err != nil || len(resp.GetResults()) != defaultNearest {
			b.Fatalf("FindNearest: %v, %d results", err, len(resp.GetResults()))
		}
		i += 97
	}
	for _, m := range []struct {
		name string
		ds   []time.Duration
	}{{"ms", times}, {"cpu-ms", cpu}} {
		slices.Sort(m.ds)
		b.ReportMetric(float64(m.ds[len(m.ds)/2].Microseconds())/1000, "p50-"+m.name)
		b.ReportMetric(float64(m.ds[len(m.ds)*99/100].Microseconds())/1000, "p99-"+m.name)
	}
}
