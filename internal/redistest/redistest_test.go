package redistest

import (
	"runtime"
	"strings"
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

// recorder is a testing.TB that records Skipf and Fatalf and ends the
// goroutine like the real ones do.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Skipf(string, ...any)  { r.skipped = true; runtime.Goexit() }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }

func TestMissingBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no redis-server, redis-cli or redis-sentinel here
	tests := []struct {
		require            string
		wantSkip, wantFail bool
	}{
		{"", true, false},
		{"0", true, false},
		{"1", false, true},
	}
	starters := map[string]func(testing.TB){
		"server":   func(t testing.TB) { StartServer(t) },
		"cluster":  func(t testing.TB) { StartCluster(t, 3) },
		"sentinel": func(t testing.TB) { StartSentinel(t) },
	}
	for name, start := range starters {
		for _, tt := range tests {
			t.Run(name+"/require="+tt.require, func(t *testing.T) {
				t.Setenv(RequireEnv, tt.require)
				r := &recorder{TB: t}
				done := make(chan struct{})
				go func() {
					defer close(done)
					start(r)
				}()
				<-done
				if r.skipped != tt.wantSkip || r.failed != tt.wantFail {
					t.Errorf("skipped %v, failed %v; want %v, %v", r.skipped, r.failed, tt.wantSkip, tt.wantFail)
				}
			})
		}
	}
}

func TestClusterCoversEverySlot(t *testing.T) {
	c := StartCluster(t, 3)
	for _, s := range c.Nodes {
		out, err := s.Do("CLUSTER", "INFO")
		if err != nil || !strings.Contains(out, "cluster_slots_assigned:16384") || !strings.Contains(out, "cluster_known_nodes:3") {
			t.Errorf("node %s: CLUSTER INFO = %q, %v", s.Addr(), out, err)
		}
	}
	if want := "redis://" + c.Nodes[0].Addr() + "?addr=" + c.Nodes[1].Addr() + "&addr=" + c.Nodes[2].Addr(); c.URL() != want {
		t.Errorf("URL = %q, want %q", c.URL(), want)
	}
}

func TestSentinelFailover(t *testing.T) {
	s := StartSentinel(t)
	if a, err := s.MasterAddr(); err != nil || a != s.Master.Addr() {
		t.Fatalf("MasterAddr = %q, %v; want %s", a, err, s.Master.Addr())
	}
	if _, err := s.Sentinels[0].Do("SENTINEL", "FAILOVER", SentinelMaster); err != nil {
		t.Fatal(err)
	}
	s.WaitMaster(s.Replica.Addr())
	if !strings.Contains(s.URL(), "master_name="+SentinelMaster) {
		t.Errorf("URL %q lacks the master name", s.URL())
	}
}
