// Package fanout delivers values to many subscribers through bounded
// buffers. A subscriber that falls behind loses its oldest buffered values;
// the writer never blocks.
package fanout

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Subscribe after Close.
var ErrClosed = errors.New("fanout: closed")

// Hub fans values out to subscribers. It is safe for concurrent use.
type Hub[T any] struct {
	size int
	done chan struct{} // closed by Close

	mu     sync.Mutex // guards subs and closed, and serializes sends and closes
	subs   map[chan T]struct{}
	closed bool
}

// New returns a hub whose subscribers buffer up to size values (at least 1).
func New[T any](size int) *Hub[T] {
	return &Hub[T]{size: max(size, 1), done: make(chan struct{}), subs: map[chan T]struct{}{}}
}

// Subscribe returns a channel that receives values published after the call.
// It is closed when ctx ends or the hub closes.
func (h *Hub[T]) Subscribe(ctx context.Context) (<-chan T, error) {
	ch := make(chan T, h.size)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	h.subs[ch] = struct{}{}
	go h.unsubscribeWhenDone(ctx, ch)
	return ch, nil
}

func (h *Hub[T]) unsubscribeWhenDone(ctx context.Context, ch chan T) {
	select {
	case <-ctx.Done():
	case <-h.done:
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// Publish sends vs, in order, to every subscriber without blocking: where a
// buffer is full its oldest value is dropped to make room.
func (h *Hub[T]) Publish(vs ...T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		for _, v := range vs {
			send(ch, v)
		}
	}
}

// send puts v into ch, dropping the oldest value if ch is full. Only the
// hub sends, under its lock, so after one receive there is room.
func send[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// Len returns the number of subscribers.
func (h *Hub[T]) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close closes every subscriber's channel; later Subscribe calls fail.
func (h *Hub[T]) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	close(h.done)
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}
