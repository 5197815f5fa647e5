package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store/internal/fanout"
	"github.com/redis/go-redis/v9"
)

// ErrClosed is returned by WatchPositions and blocking ReadEvents after Close.
var ErrClosed = errors.New("redisstore: closed")

// wrap prefixes err with what failed, unless it is already the package's own.
func wrap(what string, err error) error {
	if errors.Is(err, ErrClosed) {
		return err
	}
	return fmt.Errorf("redisstore: %s: %w", what, classify(err))
}

// notifier owns the store's one Pub/Sub connection, opened on first use. It
// fans published positions out to watchers and wakes blocked event readers
// when events are appended, or when the subscription was re-established
// after a connection loss (notifications may have been missed then).
type notifier struct {
	rdb       redis.UniversalClient
	keys      keys
	log       *slog.Logger
	positions *fanout.Hub[location.Position]
	done      chan struct{} // closed when the receive loop ends

	mu     sync.Mutex    // guards ps, wake and closed
	ps     *redis.PubSub // nil until the first subscriber
	wake   chan struct{} // closed and replaced on each event notification
	closed bool
}

func newNotifier(rdb redis.UniversalClient, k keys, buffer int, log *slog.Logger) *notifier {
	return &notifier{rdb: rdb, keys: k, log: log, positions: fanout.New[location.Position](buffer),
		done: make(chan struct{}), wake: make(chan struct{})}
}

// watch subscribes to positions published from now on.
func (n *notifier) watch(ctx context.Context) (<-chan location.Position, error) {
	if err := n.start(ctx); err != nil {
		return nil, err
	}
	ch, err := n.positions.Subscribe(ctx)
	if errors.Is(err, fanout.ErrClosed) {
		return nil, ErrClosed
	}
	return ch, err
}

// eventsWake returns a channel closed at the next event notification.
func (n *notifier) eventsWake(ctx context.Context) (<-chan struct{}, error) {
	if err := n.start(ctx); err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.wake, nil
}

// start subscribes once and waits until Redis confirms the subscription,
// so that everything published after start returns is received.
func (n *notifier) start(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.closed:
		return ErrClosed
	case n.ps != nil:
		return nil
	}
	ps := n.rdb.Subscribe(ctx, n.keys.posChannel, n.keys.evChannel)
	for confirmed := 0; confirmed < 2; {
		msg, err := ps.Receive(ctx)
		if err != nil {
			_ = ps.Close()
			return err
		}
		if _, ok := msg.(*redis.Subscription); ok {
			confirmed++
		} // a message before both confirmations predates start: dropped
	}
	n.ps = ps
	go n.loop(ps.ChannelWithSubscriptions())
	return nil
}

func (n *notifier) loop(ch <-chan any) {
	defer close(n.done)
	for msg := range ch {
		switch m := msg.(type) {
		case *redis.Subscription: // re-subscribed after a reconnect
			n.wakeReaders()
		case *redis.Message:
			n.handle(m)
		}
	}
}

func (n *notifier) handle(m *redis.Message) {
	if m.Channel == n.keys.evChannel {
		n.wakeReaders()
		return
	}
	if n.positions.Len() == 0 {
		return // nobody watches: do not decode
	}
	ps, err := decodePositions([]byte(m.Payload))
	if err != nil {
		n.log.Error("redisstore: cannot decode published positions", "channel", m.Channel, "bytes", len(m.Payload), "err", err)
		return
	}
	n.positions.Publish(ps...)
}

func (n *notifier) wakeReaders() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.closed {
		close(n.wake)
		n.wake = make(chan struct{})
	}
}

// close ends the subscription, closes watchers and wakes blocked readers.
func (n *notifier) close() {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	close(n.wake)
	ps := n.ps
	n.mu.Unlock()
	n.positions.Close()
	if ps != nil {
		_ = ps.Close()
		<-n.done
	}
}
