package sim

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/rfid"
)

// TestSenderSend posts batches of several readers over two connections
// and waits for every answer: each reader's batches arrive in order, a
// rejected batch is counted and reported, the rest are taken.
func TestSenderSend(t *testing.T) {
	k := startSink(t)
	snd, err := Dial(k.addr, 2, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snd.Close(0) })
	var batches []rfid.Batch
	for seq := uint64(1); seq <= 5; seq++ {
		for _, r := range []string{"R-A", "R-B", "R-C"} {
			batches = append(batches, rfid.Batch{Reader: r, Seq: seq, Sightings: []rfid.WireSighting{{TS: 1000, Tag: "T", RSSI: -60}}})
		}
	}
	batches = append(batches, rfid.Batch{Reader: rejectedReader, Seq: 1})
	failed, err := snd.Send(context.Background(), batches)
	if failed != 1 || !errors.Is(err, ErrRejected) {
		t.Fatalf("Send: %d failed, %v; want the one rejected batch", failed, err)
	}
	k.mu.Lock()
	last := map[string]uint64{}
	for _, b := range k.got {
		if b.Seq != last[b.Reader]+1 {
			t.Errorf("%s: batch %d after %d", b.Reader, b.Seq, last[b.Reader])
		}
		last[b.Reader] = b.Seq
	}
	n := len(k.got)
	k.mu.Unlock()
	st := snd.Stats()
	if n != 15 || st.Batches != 16 || st.Sightings != 15 || st.ResponseSummary() != "2.04=15 4.00=1" {
		t.Fatalf("sink took %d batches; stats %+v", n, st)
	}
	snd.Close(0)
	snd.Close(0) // a second Close does nothing
}

// TestSenderSendCancelled: batches not posted before the context ends are
// dropped, and Send says so.
func TestSenderSendCancelled(t *testing.T) {
	k := startSink(t)
	snd, err := Dial(k.addr, 1, FormatCBOR)
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close(time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var batches []rfid.Batch
	for i := range 3 {
		batches = append(batches, rfid.Batch{Reader: fmt.Sprint("R-", i), Seq: 1})
	}
	failed, err := snd.Send(ctx, batches)
	if failed != 3 || !errors.Is(err, ErrDropped) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Send after cancel: %d failed, %v", failed, err)
	}
	if st := snd.Stats(); st.Dropped != 3 || st.Batches != 0 {
		t.Fatalf("stats %+v, want 3 dropped", st)
	}
}

func TestDialRejectsFormat(t *testing.T) {
	if _, err := Dial("127.0.0.1:1", 1, "xml"); !errors.Is(err, ErrFormat) {
		t.Fatalf("Dial with format xml: %v, want ErrFormat", err)
	}
}
