package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/memstore"
)

// benchEvents returns n events over 50 zones and 500 tags, from a fixed seed.
func benchEvents(n int) []geofence.Event {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []geofence.EventType{geofence.Enter, geofence.Exit, geofence.Dwell}
	classes := []string{"staff", "asset", "patient"}
	es := make([]geofence.Event, n)
	for i := range es {
		es[i] = geofence.Event{
			Type:  types[rng.IntN(len(types))],
			Tag:   fmt.Sprintf("TAG-%03d", rng.IntN(500)),
			Zone:  fmt.Sprintf("Z%02d", rng.IntN(50)),
			TS:    int64(1000 + i),
			Class: classes[rng.IntN(len(classes))],
		}
	}
	return es
}

// BenchmarkWatchEvents measures end-to-end delivery of a backlog over
// loopback gRPC from the embedded store, with and without a filter.
func BenchmarkWatchEvents(b *testing.B) {
	const n = 10000
	ms := memstore.New(memstore.Options{EventMaxLen: -1, EventMaxAge: -1})
	b.Cleanup(func() { ms.Close() })
	// The backlog ends with a marker that every filter below selects.
	events := append(benchEvents(n-1), geofence.Event{Type: geofence.Enter, Tag: "MARKER", Zone: "Z01", TS: 1000 + n, Class: "asset"})
	if _, err := ms.Apply(context.Background(), store.Update{Events: events}); err != nil {
		b.Fatal(err)
	}
	env := startEnv(b, envConfig{events: ms, batch: watchBatch})
	tests := []struct {
		name   string
		filter *rtlsv1.EventFilter
	}{
		{"filter=none", nil},
		{"filter=zone+class", &rtlsv1.EventFilter{ZoneIds: []string{"Z01", "Z02"}, TagClasses: []rtlsv1.TagClass{rtlsv1.TagClass_ASSET}}},
	}
	for _, tt := range tests {
		b.Run(fmt.Sprintf("events=%d/%s", n, tt.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ctx, cancel := context.WithCancel(context.Background())
				stream, err := env.events.WatchEvents(ctx, &rtlsv1.WatchEventsRequest{AfterId: "0", Filter: tt.filter})
				if err != nil {
					b.Fatal(err)
				}
				for {
					e, err := stream.Recv()
					if err != nil {
						b.Fatal(err)
					}
					if e.TagId == "MARKER" {
						break
					}
				}
				cancel()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkEventMatch measures the filter of watches and lists.
func BenchmarkEventMatch(b *testing.B) {
	es := benchEvents(1024)
	m, err := newEventMatcher(b.Context(), &rtlsv1.EventFilter{
		GroupIds:   []string{"storage"},
		TagClasses: []rtlsv1.TagClass{rtlsv1.TagClass_ASSET, rtlsv1.TagClass_STAFF},
		Types:      []rtlsv1.EventType{rtlsv1.EventType_ENTER},
	}, fakeGroups{"storage": {"Z01", "Z02", "Z03", "Z04"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.match(es[i&1023])
		i++
	}
}
