// Package redistest starts real redis-server processes for tests: each on
// a random free port on 127.0.0.1, without persistence, in its own
// temporary directory, stopped when the test ends.
//
// If redis-server is not installed the test is skipped, unless the
// environment sets RTLS_REQUIRE_REDIS=1 (as CI does): then it fails.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv names the environment variable that turns a missing
// redis-server from a skip into a failure.
const RequireEnv = "RTLS_REQUIRE_REDIS"

// startTimeout bounds how long a server may take to answer PING.
const startTimeout = 10 * time.Second

// ErrNotAnswering is returned when a started redis-server never answers PING.
var ErrNotAnswering = errors.New("redistest: redis-server did not answer PING")

// Server is one redis-server process. Stop (SIGKILL) and Start restart it
// on the same address and directory (with empty data unless it was
// started with persistence).
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	// args returns the arguments of the process after the port ones; nil
	// means a standalone server without persistence.
	args func() []string

	mu   sync.Mutex // guards proc
	proc *process   // nil while stopped
}

// process is a running redis-server and the result of its Wait.
type process struct {
	cmd    *exec.Cmd
	exited chan error // receives Wait's result once
}

// stop kills the process and waits for it to exit.
func (p *process) stop() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Start starts a redis-server for the test and returns its "host:port".
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t).Addr()
}

// StartServer starts a redis-server for the test and returns its handle.
// The server is stopped in t.Cleanup. args are added to the command line
// after the defaults (no persistence), which they may override: e.g.
// "--appendonly", "yes" keeps the data across Stop and Start.
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	s := newServer(t, "redis-server")
	if len(args) > 0 {
		s.args = func() []string { return append([]string{"--save", "", "--appendonly", "no"}, args...) }
	}
	s.launch()
	return s
}

// newServer returns a stopped server of the binary name in its own
// temporary directory, stopped in t.Cleanup once started. A missing binary
// skips the test, or fails it when RequireEnv is "1".
func newServer(t testing.TB, name string) *Server {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("redistest: %s not found and %s=1: %v", name, RequireEnv, err)
		} else {
			t.Skipf("redistest: %s not found (%v); set %s=1 to fail instead", name, err, RequireEnv)
		}
		return nil
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(s.Stop)
	return s
}

// launch starts the server on a free port; it fails the test if it cannot.
func (s *Server) launch() {
	s.t.Helper()
	var lastErr error
	for range 5 { // a free port can be taken between probing and binding
		port, err := freePort()
		if err != nil {
			s.t.Fatalf("redistest: %v", err)
		}
		s.port = port
		if lastErr = s.start(); lastErr == nil {
			return
		}
	}
	s.t.Fatalf("redistest: cannot start %s: %v", filepath.Base(s.bin), lastErr)
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL returns the redis:// URL of database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Start starts a stopped server again on the same port. Call it from the
// test that started the server: it fails that test if it cannot.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: cannot restart redis-server: %v", err)
	}
}

// Stop stops the server and waits for it to exit. Stopping a stopped
// server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.stop()
		s.proc = nil
	}
}

// Pause stops the server process with SIGSTOP: it keeps its connections
// open and answers nothing, like a hung server, until Resume.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server with SIGCONT.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

// signal sends sig to the running server; it fails the test when there is
// none.
func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		s.t.Fatalf("redistest: %v to a stopped server", sig)
		return
	}
	if err := s.proc.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("redistest: %v: %v", sig, err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("already running")
	}
	logPath := filepath.Join(s.dir, "redis.log")
	extra := []string{"--save", "", "--appendonly", "no"}
	if s.args != nil {
		extra = s.args()
	}
	cmd := exec.Command(s.bin, append(extra,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port), "--dir", s.dir,
		"--logfile", logPath, "--daemonize", "no")...)
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &process{cmd: cmd, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()
	if err := waitPing(s.Addr(), p.exited); err != nil {
		p.stop()
		return fmt.Errorf("%w: %s", err, tail(logPath))
	}
	s.proc = p
	return nil
}

// waitPing polls addr until it answers PING with PONG, the process exits
// or startTimeout passes.
func waitPing(addr string, exited <-chan error) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("redistest: redis-server exited: %v", err)
		default:
		}
		if ping(addr) == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return ErrNotAnswering
}

// ping sends an inline PING and expects +PONG.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("redistest: PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last lines of the server log, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "no log"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return "log: " + strings.Join(lines[max(0, len(lines)-5):], " | ")
}
