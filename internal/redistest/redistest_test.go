package redistest

import (
	"testing"
)

func TestStartAnswersPing(t *testing.T) {
	s := StartServer(t)
	if err := ping(s.Addr()); err != nil {
		t.Fatalf("ping: %v", err)
	}
}

func TestStopAndStartAgain(t *testing.T) {
	s := StartServer(t)
	addr := s.Addr()
	s.Stop()
	if err := ping(addr); err == nil {
		t.Fatal("ping after Stop succeeded")
	}
	s.Stop() // idempotent
	s.Start()
	if s.Addr() != addr {
		t.Fatalf("address changed: %s -> %s", addr, s.Addr())
	}
	if err := ping(addr); err != nil {
		t.Fatalf("ping after restart: %v", err)
	}
}

func TestStartReturnsLoopbackAddr(t *testing.T) {
	addr := Start(t)
	if err := ping(addr); err != nil {
		t.Fatalf("ping %s: %v", addr, err)
	}
	if got := addr[:len("127.0.0.1:")]; got != "127.0.0.1:" {
		t.Fatalf("addr %q is not on 127.0.0.1", addr)
	}
}
