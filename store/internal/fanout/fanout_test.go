package fanout

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPublishDropsOldestWhenFull(t *testing.T) {
	h := New[int](3)
	ch, err := h.Subscribe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(1, 2, 3, 4, 5) // never blocks
	for _, want := range []int{3, 4, 5} {
		if got := <-ch; got != want {
			t.Fatalf("received %d, want %d", got, want)
		}
	}
}

func TestEverySubscriberGetsEveryValue(t *testing.T) {
	h := New[string](10)
	a, _ := h.Subscribe(t.Context())
	b, _ := h.Subscribe(t.Context())
	h.Publish("x", "y")
	for _, ch := range []<-chan string{a, b} {
		if got := []string{<-ch, <-ch}; got[0] != "x" || got[1] != "y" {
			t.Fatalf("received %q", got)
		}
	}
}

func TestContextEndClosesChannel(t *testing.T) {
	h := New[int](1)
	ctx, cancel := context.WithCancel(t.Context())
	ch, _ := h.Subscribe(ctx)
	cancel()
	waitClosed(t, ch)
	h.Publish(1) // no send on the closed channel
	if n := h.Len(); n != 0 {
		t.Fatalf("%d subscribers after their context ended", n)
	}
}

func TestCloseClosesAll(t *testing.T) {
	h := New[int](0)
	ch, _ := h.Subscribe(t.Context())
	h.Close()
	h.Close()
	waitClosed(t, ch)
	if _, err := h.Subscribe(t.Context()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Subscribe after Close = %v, want ErrClosed", err)
	}
}

func waitClosed(t *testing.T, ch <-chan int) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("channel not closed")
		}
	}
}
