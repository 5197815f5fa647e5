package api

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// drain ends open streams when the server shuts down: their handlers see
// their context cancelled, and the client gets UNAVAILABLE, so it
// reconnects (to another instance, or to this one restarted) and resumes
// where it was (WatchEvents by id), instead of holding the shutdown up.
type drain struct {
	once    sync.Once
	closing chan struct{} // closed by start
}

func newDrain() *drain { return &drain{closing: make(chan struct{})} }

// start ends every stream open now and every stream opened later.
func (d *drain) start() { d.once.Do(func() { close(d.closing) }) }

// stream is the stream interceptor that ties a stream to the drain.
func (d *drain) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	go func() {
		select {
		case <-d.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	err := handler(srv, drainStream{ServerStream: ss, ctx: ctx})
	select {
	case <-d.closing:
		if ss.Context().Err() == nil { // the client is still there
			return status.Error(codes.Unavailable, "server shutting down; reconnect and resume")
		}
	default:
	}
	return err
}

// drainStream is a ServerStream whose context the drain cancels.
type drainStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the stream's context, cancelled at shutdown.
func (s drainStream) Context() context.Context { return s.ctx }
