package api

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// BenchmarkGuardUnary is the security interceptor's cost per unary call,
// in process: token lookup, policy, rate limit, response filter and the
// audit record (to a memory auditor). The list response holds the six
// ward locations.
func BenchmarkGuardUnary(b *testing.B) {
	tok, line, err := auth.NewToken(auth.Principal{Subject: "nia", Role: auth.Nurse, Units: []string{"4W"}})
	if err != nil {
		b.Fatal(err)
	}
	tokens, err := auth.ParseTokens([]byte(line))
	if err != nil {
		b.Fatal(err)
	}
	g := newGuard(Security{Auth: tokenAuth{tokens}, Tags: &authzWardTags{}, Audit: discardAudit{}, Limits: Limits{Rate: 1e9}}, nil)
	ctx := incomingBearer(tok)
	info := &grpc.UnaryServerInfo{FullMethod: "/rtls.v1.LocationService/ListLocations"}
	for _, tc := range []struct {
		name    string
		handler grpc.UnaryHandler
	}{
		{"method=GetLocation-asset", func(context.Context, any) (any, error) { return wardLocations[0], nil }},
		{"method=ListLocations-6", func(ctx context.Context, req any) (any, error) { return wardService{}.ListLocations(ctx, nil) }},
	} {
		b.Run(tc.name+"/bare", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.handler(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/guarded", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.unary(ctx, &rtlsv1.ListLocationsRequest{}, info, tc.handler); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// tokenAuth authenticates with a tokens file only.
type tokenAuth struct{ t *auth.Tokens }

func (a tokenAuth) Authenticate(tok string) (*auth.Principal, error) { return a.t.Verify(tok) }

// discardAudit accepts every record.
type discardAudit struct{}

func (discardAudit) Audit(context.Context, AuditRecord) error { return nil }

// incomingBearer is a server-side context carrying token.
func incomingBearer(token string) context.Context {
	return metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+token))
}

// BenchmarkGuardEvents is the security interceptor's cost for one
// ListEvents page of 100 events seen by a nurse: 60 of persons (three
// tags of two units), 40 of assets, with every registry lookup a round
// trip to another goroutine, as the pipeline's registry reads are.
func BenchmarkGuardEvents(b *testing.B) {
	tok, line, err := auth.NewToken(auth.Principal{Subject: "nia", Role: auth.Nurse, Units: []string{"4W"}})
	if err != nil {
		b.Fatal(err)
	}
	tokens, err := auth.ParseTokens([]byte(line))
	if err != nil {
		b.Fatal(err)
	}
	dir := newLoopTags(b)
	g := newGuard(Security{Auth: tokenAuth{tokens}, Tags: dir, Audit: discardAudit{}, Limits: Limits{Rate: 1e9}}, nil)
	ctx := incomingBearer(tok)
	info := &grpc.UnaryServerInfo{FullMethod: "/rtls.v1.EventService/ListEvents"}
	page := wardEventPage(100)
	handler := func(context.Context, any) (any, error) {
		return proto.Clone(page), nil
	}
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := handler(ctx, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("guarded", func(b *testing.B) {
		b.ReportAllocs()
		dir.lookups.Store(0)
		for b.Loop() {
			if _, err := g.unary(ctx, &rtlsv1.ListEventsRequest{}, info, handler); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(dir.lookups.Load())/float64(b.N), "lookups/op")
	})
}

// wardEventPage returns n events cycling over P1, S1, P2 (persons of 4W,
// 4W and 5E) and A1, A9 (assets).
func wardEventPage(n int) *rtlsv1.ListEventsResponse {
	tags := []*rtlsv1.Location{wardLocations[1], wardLocations[3], wardLocations[2], wardLocations[0], wardLocations[5]}
	page := &rtlsv1.ListEventsResponse{}
	for i := range n {
		l := tags[i%len(tags)]
		page.Events = append(page.Events, &rtlsv1.Event{Type: rtlsv1.EventType_ENTER, TagId: l.TagId, TagClass: l.Class, ZoneId: "Z1"})
	}
	return page
}

// loopTags answers registry lookups from wardLocations on its own
// goroutine, one round trip per call, and counts the calls.
type loopTags struct {
	ward    authzWardTags
	calls   chan func()
	lookups atomic.Int64
}

func newLoopTags(b *testing.B) *loopTags {
	d := &loopTags{calls: make(chan func())}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case f := <-d.calls:
				f()
			case <-done:
				return
			}
		}
	}()
	b.Cleanup(func() { close(done) })
	return d
}

// do runs f on the directory's goroutine and waits for it.
func (d *loopTags) do(f func()) {
	d.lookups.Add(1)
	ran := make(chan struct{})
	d.calls <- func() { f(); close(ran) }
	<-ran
}

func (d *loopTags) TagInfo(ctx context.Context, tag string) (c auth.Class, unit string, err error) {
	d.do(func() { c, unit, err = d.ward.TagInfo(ctx, tag) })
	return c, unit, err
}

func (d *loopTags) TagUnits(ctx context.Context, tags []string) (units map[string]string, err error) {
	d.do(func() { units, err = d.ward.TagUnits(ctx, tags) })
	return units, err
}

// BenchmarkGuardWatchEvents is the stream interceptor's cost for one batch
// of 100 events sent to a nurse (as BenchmarkGuardEvents), with the
// batch's units looked up one tag at a time as events are sent, or
// prefetched in one lookup as the event service does.
func BenchmarkGuardWatchEvents(b *testing.B) {
	tok, line, err := auth.NewToken(auth.Principal{Subject: "nia", Role: auth.Nurse, Units: []string{"4W"}})
	if err != nil {
		b.Fatal(err)
	}
	tokens, err := auth.ParseTokens([]byte(line))
	if err != nil {
		b.Fatal(err)
	}
	var batch []geofence.Event
	for _, e := range wardEventPage(100).Events {
		batch = append(batch, geofence.Event{Type: geofence.Enter, Tag: e.TagId, Class: string(classOf(e.TagClass)), Zone: "Z1"})
	}
	info := &grpc.StreamServerInfo{FullMethod: "/rtls.v1.EventService/WatchEvents", IsServerStream: true}
	for _, prefetch := range []bool{false, true} {
		name := "lookups=per-event"
		if prefetch {
			name = "lookups=per-batch"
		}
		b.Run(name, func(b *testing.B) {
			dir := newLoopTags(b)
			g := newGuard(Security{Auth: tokenAuth{tokens}, Tags: dir, Audit: discardAudit{}, Limits: Limits{Rate: 1e9, SlowConsumer: time.Minute}}, nil)
			b.ReportAllocs()
			err := g.stream(nil, &nullStream{ctx: incomingBearer(tok)}, info, func(_ any, ss grpc.ServerStream) error {
				dir.lookups.Store(0)
				for b.Loop() {
					if prefetch {
						prefetchEventUnits(ss.Context(), batch)
					}
					for _, e := range batch {
						if err := ss.SendMsg(EventToProto(e)); err != nil {
							return err
						}
					}
				}
				b.ReportMetric(float64(dir.lookups.Load())/float64(b.N), "lookups/op")
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// nullStream is a server stream whose client takes every message at once.
type nullStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *nullStream) Context() context.Context { return s.ctx }
func (s *nullStream) SendMsg(any) error        { return nil }
