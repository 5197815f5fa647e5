package api

import (
	"context"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// stream is the security interceptor of streams: admission as for unary
// calls, a per-subject cap on open streams, per-message filtering, a
// slow-consumer timeout and audit records when the stream opens and, per
// interval, for the person tags it delivered.
func (g *guard) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if g.sec.Policy.Public(info.FullMethod) {
		return handler(srv, ss)
	}
	ctx := ss.Context()
	p, err := g.admit(ctx, info.FullMethod)
	if err != nil {
		return err
	}
	if !g.limits.allow(p.Subject) {
		return errRateLimited
	}
	release, ok := g.limits.openStream(p.Subject)
	if !ok {
		return errTooManyOpen
	}
	defer release()
	rec := AuditRecord{Subject: p.Subject, Role: string(p.Role), Method: info.FullMethod, Outcome: OutcomeOpened}
	if strings.HasPrefix(info.FullMethod, "/rtls.") { // not reflection: it carries no data
		if err := g.audit(ctx, rec); err != nil {
			return err
		}
	}
	w := &guardedStream{ServerStream: ss, p: p, g: g, rec: rec,
		persons: map[string]struct{}{}, last: g.now()}
	w.ctx = context.WithValue(ctx, streamKey{}, w)
	defer w.flush(true)
	w.start()
	defer close(w.out)
	return handler(srv, w)
}

// guardedStream filters what a handler sends and bounds how long a send
// may wait for the client.
type guardedStream struct {
	grpc.ServerStream
	ctx context.Context
	p   *auth.Principal
	g   *guard
	rec AuditRecord // the stream's audit record, copied per summary

	// units holds the registry units of the tags of the batch of
	// messages being sent ("" for none), looked up in one call
	// (prefetchEventUnits, prefetchLocationUnits); used by the handler's
	// goroutine only.
	units map[string]string

	out   chan any   // messages to the sending goroutine
	done  chan error // its results
	timer *time.Timer
	stuck bool // a send timed out: the stream is closed

	mu      sync.Mutex // guards persons and last
	persons map[string]struct{}
	last    time.Time
}

// Context returns the stream's context with the principal.
func (w *guardedStream) Context() context.Context { return w.ctx }

// start runs the goroutine that does the transport's sends, so that a
// send the client does not take can be abandoned.
func (w *guardedStream) start() {
	w.out, w.done = make(chan any), make(chan error, 1)
	w.timer = time.NewTimer(time.Hour)
	w.timer.Stop()
	go func() {
		for m := range w.out {
			w.done <- w.ServerStream.SendMsg(m)
		}
	}()
}

// SendMsg drops messages about tags the principal may not see, notes the
// person tags it sends, and closes the stream with RESOURCE_EXHAUSTED
// when the client does not take a message within Limits.SlowConsumer.
func (w *guardedStream) SendMsg(m any) error {
	if !w.visible(m) {
		return nil
	}
	if w.stuck {
		return errSlowClient
	}
	w.out <- m
	w.timer.Reset(w.g.limits.cfg.SlowConsumer)
	select {
	case err := <-w.done:
		w.timer.Stop()
		return err
	case <-w.timer.C:
		// The sending goroutine stays blocked until the transport ends
		// the stream, which it does once the handler returns this error.
		w.stuck = true
		return errSlowClient
	}
}

// visible applies the principal's filter to one streamed message and
// records the person tags among what it lets through.
func (w *guardedStream) visible(m any) bool {
	var r tagRef
	switch msg := m.(type) {
	case *rtlsv1.Location:
		r = locationRef(msg)
	case *rtlsv1.Event:
		if msg.GetTagId() == "" {
			return true
		}
		r = eventRef(msg)
	default:
		return true
	}
	if !w.p.CanSee(r.class, r.unit) && !(needsUnit(w.p, r) && w.p.CanSee(r.class, w.tagUnit(r))) {
		return false
	}
	if r.class.IsPerson() {
		w.mu.Lock()
		w.persons[r.tag] = struct{}{}
		w.mu.Unlock()
		w.flush(false)
	}
	return true
}

// flush writes the person tags delivered since the last summary as one
// audit record, when the interval has passed or the stream ends.
func (w *guardedStream) flush(final bool) {
	w.mu.Lock()
	now := w.g.now()
	if len(w.persons) == 0 || !final && now.Sub(w.last) < w.g.limits.cfg.AuditInterval {
		w.mu.Unlock()
		return
	}
	tags := make([]string, 0, len(w.persons))
	for t := range w.persons {
		tags = append(tags, t)
	}
	clear(w.persons)
	w.last = now
	w.mu.Unlock()
	rec := w.rec
	rec.Outcome, rec.Tags = OutcomeDelivered, tags
	_ = w.g.audit(w.ctx, rec) // logged; the deliveries happened
}

// streamKey is the context key under which a guarded stream's context
// holds the stream, for prefetchEventUnits and prefetchLocationUnits.
type streamKey struct{}

// prefetchEventUnits tells the guarded stream of ctx, if any, the batch
// of events its handler is about to send: the registry units its filter
// needs are looked up in one call, instead of one per event as they are
// sent.
func prefetchEventUnits(ctx context.Context, events []geofence.Event) {
	if w := unitBoundStream(ctx); w != nil {
		w.prefetch(refsOf(events, func(e geofence.Event) tagRef { return tagRef{e.Tag, auth.Class(e.Class), ""} }))
	}
}

// prefetchLocationUnits is prefetchEventUnits for a batch of locations.
func prefetchLocationUnits(ctx context.Context, locs []*rtlsv1.Location) {
	if w := unitBoundStream(ctx); w != nil {
		w.prefetch(refsOf(locs, locationRef))
	}
}

// unitBoundStream returns the guarded stream of ctx when its principal
// sees people by unit, else nil.
func unitBoundStream(ctx context.Context) *guardedStream {
	w, ok := ctx.Value(streamKey{}).(*guardedStream)
	if !ok || !(w.p.NeedsUnit(auth.Staff) || w.p.NeedsUnit(auth.Patient)) {
		return nil
	}
	return w
}

// prefetch looks up the registry units of the tags of refs that need one
// and keeps them for the messages about to be sent.
func (w *guardedStream) prefetch(refs []tagRef) {
	found := lookupUnits(w.p, refs, w.g.unitsOf(w.ctx))
	w.units = make(map[string]string, len(refs))
	for _, r := range refs {
		if needsUnit(w.p, r) {
			w.units[r.tag] = found[r.tag]
		}
	}
}

// tagUnit returns the registry unit of r's tag: from the batch
// prefetched, or else looked up alone.
func (w *guardedStream) tagUnit(r tagRef) string {
	if unit, ok := w.units[r.tag]; ok {
		return unit
	}
	return lookupUnits(w.p, []tagRef{r}, w.g.unitsOf(w.ctx))[r.tag]
}
