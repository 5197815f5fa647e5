package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clusterTimeout bounds how long a new cluster may take to agree on its
// slots, and a Sentinel setup to see its replica and its peers.
const clusterTimeout = 30 * time.Second

// ErrNotReady is returned when a cluster or a Sentinel setup does not reach
// a working state within its timeout.
var ErrNotReady = errors.New("redistest: not ready")

// Cluster is a Redis Cluster of masters without replicas, each a
// redis-server on loopback without persistence.
type Cluster struct {
	// Nodes are the masters; the hash slots are split evenly among them.
	Nodes []*Server
}

// StartCluster starts masters cluster-enabled redis-servers, joins them
// with `redis-cli --cluster create` (no replicas) and waits until every
// node reports cluster_state:ok. The servers stop in t.Cleanup.
func StartCluster(t testing.TB, masters int) *Cluster {
	t.Helper()
	cli := lookCLI(t)
	c := &Cluster{}
	for range masters {
		s := newServer(t, "redis-server")
		bus, err := freePort()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		conf := filepath.Join(s.dir, "nodes.conf")
		s.args = func() []string {
			return []string{"--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
				"--cluster-config-file", conf, "--cluster-port", strconv.Itoa(bus),
				"--cluster-node-timeout", "2000"}
		}
		s.launch()
		c.Nodes = append(c.Nodes, s)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	ctx, cancel := context.WithTimeout(t.Context(), clusterTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v: %s", err, lastLines(string(out)))
	}
	for _, s := range c.Nodes {
		if err := waitFor(ctx, func() bool {
			out, err := s.Do("CLUSTER", "INFO")
			return err == nil && strings.Contains(out, "cluster_state:ok")
		}); err != nil {
			t.Fatalf("redistest: node %s: cluster_state not ok: %v", s.Addr(), err)
		}
	}
	return c
}

// Addrs returns the "host:port" of every node.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		out[i] = s.Addr()
	}
	return out
}

// URL returns the cluster URL of go-redis's ParseClusterURL: the first
// node, the others as addr parameters.
func (c *Cluster) URL() string {
	u := "redis://" + c.Nodes[0].Addr()
	for i, s := range c.Nodes[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + s.Addr()
	}
	return u
}

// Do runs one command on the server with redis-cli and returns its raw
// output without the final newline.
func (s *Server) Do(args ...string) (string, error) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.port)}, args...)...).Output()
	if err != nil {
		return "", fmt.Errorf("redistest: redis-cli %s: %w", strings.Join(args, " "), err)
	}
	res := strings.TrimRight(string(out), "\n")
	if strings.HasPrefix(res, "ERR ") || strings.HasPrefix(res, "NOGOODSLAVE") {
		return "", fmt.Errorf("redistest: %s: %s", strings.Join(args, " "), res)
	}
	return res, nil
}

// lookCLI returns the path of redis-cli, skipping or failing the test like
// a missing redis-server.
func lookCLI(t testing.TB) string {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("redistest: redis-cli not found and %s=1: %v", RequireEnv, err)
		}
		t.Skipf("redistest: redis-cli not found (%v); set %s=1 to fail instead", err, RequireEnv)
	}
	return cli
}

// waitFor polls ok every 20 ms until it holds or ctx ends.
func waitFor(ctx context.Context, ok func() bool) error {
	for !ok() {
		select {
		case <-ctx.Done():
			return ErrNotReady
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// lastLines returns the last lines of a command's output, for errors.
func lastLines(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], " | ")
}
