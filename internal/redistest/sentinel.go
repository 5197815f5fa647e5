package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// SentinelMaster is the master name the Sentinels of StartSentinel monitor.
const SentinelMaster = "rtls"

// Sentinel is a replicated Redis watched by Sentinels: one master, one
// replica (both without persistence) and three redis-sentinel processes
// with a quorum of two, all on loopback. Sentinels mark a server down after
// one second without an answer.
type Sentinel struct {
	// Master and Replica are the servers as started; a failover swaps
	// their roles (MasterAddr says which is the master now).
	Master, Replica *Server
	// Sentinels are the three redis-sentinel processes.
	Sentinels []*Server
}

// StartSentinel starts the master, its replica and three Sentinels, and
// waits until the replica is in sync and every Sentinel sees the replica
// and its two peers (SENTINEL CKQUORUM). args are added to the command
// lines of the master and the replica (e.g. "--min-replicas-to-write",
// "1"). Everything stops in t.Cleanup.
func StartSentinel(t testing.TB, args ...string) *Sentinel {
	t.Helper()
	lookCLI(t)
	s := &Sentinel{Master: StartServer(t, args...)}
	s.Replica = newServer(t, "redis-server")
	master := s.Master.port
	s.Replica.args = func() []string {
		return append([]string{"--save", "", "--appendonly", "no", "--replicaof", "127.0.0.1", strconv.Itoa(master)}, args...)
	}
	s.Replica.launch()
	ctx, cancel := context.WithTimeout(t.Context(), clusterTimeout)
	defer cancel()
	if err := waitFor(ctx, func() bool {
		out, err := s.Replica.Do("INFO", "replication")
		return err == nil && strings.Contains(out, "master_link_status:up")
	}); err != nil {
		t.Fatalf("redistest: replica %s never in sync: %v", s.Replica.Addr(), err)
	}
	for range 3 {
		sn := newServer(t, "redis-sentinel")
		conf := filepath.Join(sn.dir, "sentinel.conf")
		text := fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d 2\n"+
			"sentinel down-after-milliseconds %[1]s 1000\n"+
			"sentinel failover-timeout %[1]s 10000\n", SentinelMaster, master)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatalf("redistest: %v", err)
		}
		sn.args = func() []string { return []string{conf} }
		sn.launch()
		s.Sentinels = append(s.Sentinels, sn)
	}
	for _, sn := range s.Sentinels {
		if err := waitFor(ctx, func() bool {
			q, err1 := sn.Do("SENTINEL", "CKQUORUM", SentinelMaster)
			r, err2 := sn.Do("SENTINEL", "REPLICAS", SentinelMaster)
			return err1 == nil && strings.HasPrefix(q, "OK 3 ") && err2 == nil && strings.Contains(r, s.Replica.Addr()[len("127.0.0.1:"):])
		}); err != nil {
			t.Fatalf("redistest: sentinel %s never saw its replica and peers: %v", sn.Addr(), err)
		}
	}
	return s
}

// URL returns the URL of go-redis's ParseFailoverURL: the first Sentinel,
// the others as addr parameters, and the master name.
func (s *Sentinel) URL() string {
	u := "redis://" + s.Sentinels[0].Addr() + "/0?master_name=" + SentinelMaster
	for _, sn := range s.Sentinels[1:] {
		u += "&addr=" + sn.Addr()
	}
	return u
}

// MasterAddr returns the master's "host:port" as the first Sentinel that
// answers reports it.
func (s *Sentinel) MasterAddr() (string, error) {
	var lastErr error
	for _, sn := range s.Sentinels {
		out, err := sn.Do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SentinelMaster)
		if err != nil {
			lastErr = err
			continue
		}
		if f := strings.Fields(out); len(f) == 2 {
			return f[0] + ":" + f[1], nil
		}
		lastErr = fmt.Errorf("redistest: master address %q", out)
	}
	return "", lastErr
}

// WaitMaster waits until every Sentinel names addr as the master and the
// server at addr reports the master role; it fails the test after the
// setup timeout.
func (s *Sentinel) WaitMaster(addr string) {
	s.Master.t.Helper()
	node := s.Master
	if s.Replica.Addr() == addr {
		node = s.Replica
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	err := waitFor(ctx, func() bool {
		for _, sn := range s.Sentinels {
			out, err := sn.Do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SentinelMaster)
			if err != nil || strings.Join(strings.Fields(out), ":") != addr {
				return false
			}
		}
		out, err := node.Do("ROLE")
		return err == nil && strings.HasPrefix(out, "master")
	})
	if err != nil {
		a, _ := s.MasterAddr()
		s.Master.t.Fatalf("redistest: %s never became the master (sentinels say %s): %v", addr, a, err)
	}
}

// WaitSynced waits until the replica of the master at masterAddr has
// acknowledged the master's whole replication stream; it fails the test
// after the setup timeout.
func (s *Sentinel) WaitSynced(masterAddr string) {
	s.Master.t.Helper()
	master, replica := s.Master, s.Replica
	if s.Replica.Addr() == masterAddr {
		master, replica = s.Replica, s.Master
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	err := waitFor(ctx, func() bool {
		m, err1 := master.Do("INFO", "replication")
		r, err2 := replica.Do("INFO", "replication")
		want, got := infoField(m, "master_repl_offset"), infoField(r, "slave_repl_offset")
		return err1 == nil && err2 == nil && want != "" && want == got
	})
	if err != nil {
		s.Master.t.Fatalf("redistest: replica %s never caught up with %s: %v", replica.Addr(), masterAddr, err)
	}
}

// infoField returns the value of field in INFO output, "" when absent.
func infoField(info, field string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}
