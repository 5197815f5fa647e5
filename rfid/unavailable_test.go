package rfid

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
)

// TestUnavailableMaxAge: a batch the engine refuses gets 5.03 with a
// Max-Age telling the reader when to retry.
func TestUnavailableMaxAge(t *testing.T) {
	ts := startServer(t, Config{})
	ts.sink.fail(errors.New("pipeline: engine busy"))
	cc := dial(t, ts.addr)
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cc.Post(ctx, SightingsPath, message.AppJSON, bytes.NewReader(mustJSON(t, sampleBatch("R-L0-S03", 9, 2, time.Now()))))
	if err != nil {
		t.Fatal(err)
	}
	maxAge, err := resp.Options().GetUint32(message.MaxAge)
	if resp.Code() != codes.ServiceUnavailable || err != nil || maxAge != unavailableMaxAge {
		t.Fatalf("got %v with Max-Age %d (%v), want 5.03 with Max-Age %d", resp.Code(), maxAge, err, unavailableMaxAge)
	}
}
