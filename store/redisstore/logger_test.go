package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// syncBuffer is a bytes.Buffer safe for the client's goroutines.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestClientLogsAreStructured stops Redis under a store: go-redis's dial
// failures arrive as JSON records of the given logger.
func TestClientLogsAreStructured(t *testing.T) {
	var out syncBuffer
	redisstore.SetClientLogger(slog.New(slog.NewJSONHandler(&out, nil)))
	t.Cleanup(func() { redisstore.SetClientLogger(slog.New(slog.DiscardHandler)) })
	rs := redistest.StartServer(t)
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs.Stop()
	if _, err := st.LastEventID(context.Background()); err == nil {
		t.Fatal("LastEventID succeeded with Redis stopped")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("go-redis logged nothing through the logger")
	}
	for _, line := range lines {
		var rec struct{ Level, Msg, Detail string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON record: %q", line)
		}
		if rec.Level != "WARN" || rec.Msg != "redis client" || rec.Detail == "" {
			t.Errorf("record %q", line)
		}
	}
}
