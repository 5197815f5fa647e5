package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	coapcodes "github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/udp"
	"github.com/plgd-dev/go-coap/v3/udp/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/hospitalrtls/rtls/rfid"
)

// buildRTLSD builds cmd/rtlsd into a temporary directory.
func buildRTLSD(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rtlsd")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/hospitalrtls/rtls/cmd/rtlsd").CombinedOutput()
	if err != nil {
		t.Fatalf("go build rtlsd: %v\n%s", err, out)
	}
	return bin
}

// proc is an rtlsd process on loopback ports, its JSON log collected.
type proc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	coap string
	grpc string

	mu    sync.Mutex // guards lines and exited
	lines []logLine
	// exited is closed when the process's stderr ends.
	exited chan struct{}
}

// logLine is one record of rtlsd's JSON log.
type logLine struct {
	Time  time.Time `json:"time"`
	Level string    `json:"level"`
	Msg   string    `json:"msg"`
	Raw   string    `json:"-"`
}

// startProc starts rtlsd against redisURL's site "ha" and waits until it
// serves.
func startProc(t *testing.T, bin, redisURL, name string) *proc {
	t.Helper()
	return startSiteProc(t, bin, redisURL, "ha", name)
}

// startSiteProc starts rtlsd against redisURL's site, with extra flags,
// and waits until it serves.
func startSiteProc(t *testing.T, bin, redisURL, site, name string, extra ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--floorplan", clinicPlan, "--insecure", "--redis", redisURL, "--site", site,
		"--coap-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0", "--http-addr", "", "--metrics-addr", "",
		"--instance", name, "--tick", "100ms"}, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: name, cmd: cmd, exited: make(chan struct{})}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	go p.read(bufio.NewScanner(stderr))
	l := p.waitLog("rtlsd serving", 60*time.Second)
	var f struct{ CoAP, GRPC string }
	if err := json.Unmarshal([]byte(l.Raw), &f); err != nil {
		t.Fatal(err)
	}
	p.coap, p.grpc = f.CoAP, f.GRPC
	return p
}

func (p *proc) read(sc *bufio.Scanner) {
	defer close(p.exited)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			l = logLine{Msg: sc.Text()}
		}
		l.Raw = sc.Text()
		p.mu.Lock()
		p.lines = append(p.lines, l)
		p.mu.Unlock()
	}
}

// findLog returns the first log line with message msg after from.
func (p *proc) findLog(msg string, from time.Time) (logLine, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines {
		if l.Msg == msg && !l.Time.Before(from) {
			return l, true
		}
	}
	return logLine{}, false
}

// waitLog waits for a log line with message msg, failing after timeout.
func (p *proc) waitLog(msg string, timeout time.Duration) logLine {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if l, ok := p.findLog(msg, time.Time{}); ok {
			return l
		}
		select {
		case <-p.exited:
			p.t.Fatalf("%s exited before logging %q:\n%s", p.name, msg, p.log())
		case <-time.After(20 * time.Millisecond):
		}
	}
	p.t.Fatalf("%s did not log %q within %s:\n%s", p.name, msg, timeout, p.log())
	return logLine{}
}

// log returns the process's log so far.
func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b bytes.Buffer
	for _, l := range p.lines {
		b.WriteString(l.Raw + "\n")
	}
	return b.String()
}

// dialGRPC connects to the process's gRPC API.
func (p *proc) dialGRPC() *grpc.ClientConn {
	p.t.Helper()
	cc, err := grpc.NewClient(p.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { cc.Close() })
	return cc
}

// reader posts batches to one rtlsd over CoAP, as a reader does.
type reader struct {
	conn *client.Conn
}

func dialReader(t *testing.T, addr string) *reader {
	t.Helper()
	co, err := udp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { co.Close() })
	return &reader{conn: co}
}

// post sends b and reports whether it was acknowledged with 2.04.
func (r *reader) post(b rfid.Batch) (bool, error) {
	body, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := r.conn.Post(ctx, "/v1/sightings", message.AppJSON, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	if resp.Code() != coapcodes.Changed {
		return false, fmt.Errorf("answer %v", resp.Code())
	}
	return true, nil
}
