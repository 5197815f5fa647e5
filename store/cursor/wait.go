package cursor

import (
	"context"
	"time"
)

// Wait implements a blocking read of a stream: it calls read until read
// returns something or an error, for at most block (once when block is 0).
// read is told whether a wait may follow; it then returns, besides what it
// read, a channel closed when more may have arrived, taken before reading
// so that an append after the read still wakes the wait.
func Wait[T any](ctx context.Context, block time.Duration, read func(waiting bool) ([]T, <-chan struct{}, error)) ([]T, error) {
	var timer <-chan time.Time
	if block > 0 {
		t := time.NewTimer(block)
		defer t.Stop()
		timer = t.C
	}
	for {
		got, wake, err := read(timer != nil)
		if len(got) > 0 || err != nil || timer == nil {
			return got, err
		}
		select {
		case <-wake:
		case <-timer:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
