package api

import (
	"context"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/hospitalrtls/rtls/auth"
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
	w := &guardedStream{ServerStream: ss, ctx: ctx, p: p, g: g, rec: rec,
		persons: map[string]struct{}{}, last: g.now()}
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
	var tag string
	var class auth.Class
	var unit string
	switch r := m.(type) {
	case *rtlsv1.Location:
		tag, class, unit = r.GetTagId(), classOf(r.GetClass()), r.GetUnitId()
	case *rtlsv1.Event:
		if r.GetTagId() == "" {
			return true
		}
		tag, class = r.GetTagId(), classOf(r.GetTagClass())
		unit = eventUnit(r, w.g.unitOf(w.ctx))
	default:
		return true
	}
	if !w.p.CanSee(class, unit) {
		return false
	}
	if class.IsPerson() {
		w.mu.Lock()
		w.persons[tag] = struct{}{}
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
