package rfid

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/message/pool"
	"github.com/plgd-dev/go-coap/v3/udp/coder"
)

// fuzzNow is the server clock of the fuzz targets, so seeds stay valid.
var fuzzNow = time.Unix(1_763_719_200, 0)

// seedBatches are real payloads: good, partial, odd and broken.
func seedBatches(t testing.TB) []Batch {
	partial := sampleBatch("R-L0-S02", 3, 4, fuzzNow)
	partial.Sightings[1].RSSI = -300
	partial.Sightings[2].Tag = " "
	partial.Sightings[3].TS = fuzzNow.UnixMilli() + 3_600_000
	return []Batch{
		{Reader: "R-L0-S03", Seq: 17, Sightings: []WireSighting{{TS: 1763719200100, Tag: "PUMP-008", RSSI: -71}}},
		sampleBatch("R-L0-S03", 18, 12, fuzzNow),
		sampleBatch(" R-L1-N01 ", 0, 3, fuzzNow),
		partial,
		{Reader: "R-L0-S03", Sightings: []WireSighting{}},
		{Reader: "R-UNKNOWN", Seq: 1, Sightings: []WireSighting{{TS: 1, Tag: "x", RSSI: -1}}},
	}
}

// pieces returns b and slices of it: prefixes, suffixes and a middle,
// the shapes a truncated or corrupted datagram takes.
func pieces(b []byte) [][]byte {
	out := [][]byte{b}
	for _, cut := range []int{1, len(b) / 4, len(b) / 2, 3 * len(b) / 4, len(b) - 1} {
		if cut > 0 && cut < len(b) {
			out = append(out, b[:cut], b[cut:])
		}
	}
	if len(b) > 4 {
		out = append(out, b[len(b)/4:3*len(b)/4])
	}
	return out
}

func seedJSON(t testing.TB) [][]byte {
	var out [][]byte
	for _, b := range seedBatches(t) {
		out = append(out, pieces(mustJSON(t, b))...)
	}
	return append(out,
		[]byte(`{"reader":"R-L0-S03","seq":1,"sightings":[{"tag":"A"},null,{"ts":"1"}]}`),
		[]byte(`{"reader":"R-L0-S03","seq":-1,"sightings":[]}`),
		[]byte(`{"reader":"R-L0-S03","sightings":[{"ts":1e400,"rssi":1e400}]}`),
		[]byte(`null`), []byte(`[]`), []byte(`{}`), []byte(`"x"`),
	)
}

func seedCBOR(t testing.TB) [][]byte {
	var out [][]byte
	for _, b := range seedBatches(t) {
		out = append(out, pieces(mustCBOR(t, b))...)
	}
	nan := Batch{Reader: "R-L0-S03", Sightings: []WireSighting{{TS: 1, Tag: "A", RSSI: math.NaN()}}}
	return append(out, mustCBOR(t, nan), mustCBOR(t, map[string]any{"reader": 1, "sightings": "x"}), []byte{0xf6}, []byte{0xa0})
}

// sameBatch compares batches, NaN equal to NaN.
func sameBatch(a, b Batch) bool {
	if a.Reader != b.Reader || a.Seq != b.Seq || len(a.Sightings) != len(b.Sightings) {
		return false
	}
	for i, x := range a.Sightings {
		y := b.Sightings[i]
		sameRSSI := x.RSSI == y.RSSI || math.IsNaN(x.RSSI) && math.IsNaN(y.RSSI)
		if x.TS != y.TS || x.Tag != y.Tag || !sameRSSI {
			return false
		}
	}
	return true
}

// checkRoundTrip: a decoded batch survives CBOR encoding and our decoder.
func checkRoundTrip(t *testing.T, d decoder, b Batch) {
	if len(b.Sightings) > d.maxSightings {
		t.Fatalf("decoded %d sightings, limit %d", len(b.Sightings), d.maxSightings)
	}
	enc, err := cbor.Marshal(b)
	if err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	again, err := d.decodeCBOR(enc)
	if err != nil || !sameBatch(b, again) {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, again, b)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range seedJSON(f) {
		f.Add(s)
	}
	d := newDecoder(DefaultMaxSightings)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := d.decodeJSON(data)
		if err != nil {
			return
		}
		checkRoundTrip(t, d, b)
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
	})
}

func FuzzDecodeCBOR(f *testing.F) {
	for _, s := range seedCBOR(f) {
		f.Add(s)
	}
	d := newDecoder(DefaultMaxSightings)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := d.decodeCBOR(data)
		if err != nil {
			return
		}
		checkRoundTrip(t, d, b)
	})
}

// seedDatagrams are whole CoAP messages as readers send them, and pieces.
func seedDatagrams(t testing.TB) [][]byte {
	var out [][]byte
	add := func(m message.Message) {
		b, err := encodeMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pieces(b)...)
	}
	for i, b := range seedBatches(t) {
		add(postMessage(message.Confirmable, int32(i), "tk", jsonCF, mustJSON(t, b)))
		add(postMessage(message.NonConfirmable, int32(100+i), "", int(message.AppCBOR), mustCBOR(t, b)))
	}
	body := mustJSON(t, seedBatches(t)[0])
	add(postMessage(message.Confirmable, 7, "a", int(message.TextPlain), body))
	add(postMessage(message.Confirmable, 8, "b", jsonCF, body, uintOption(message.Block1, 0x0e)))
	add(postMessage(message.Confirmable, 9, "c", jsonCF, body, uintOption(message.Accept, uint32(message.AppCBOR))))
	add(message.Message{Type: message.Confirmable, Code: codes.GET, MessageID: 10, Options: message.Options{{ID: message.URIPath, Value: []byte("v1")}}})
	add(message.Message{Type: message.Confirmable, Code: codes.Content, MessageID: 11, Token: message.Token("r")})
	add(message.Message{Type: message.Acknowledgement, Code: codes.Empty, MessageID: 12})
	return out
}

// FuzzServeDatagram feeds arbitrary datagrams through the whole message
// path: go-coap's codec, the exchange dedupe, option checks, decoding,
// validation and the answer's encoding.
func FuzzServeDatagram(f *testing.F) {
	for _, s := range seedDatagrams(f) {
		f.Add(s)
	}
	remote := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := &recordingSink{}
		s, err := NewServer(Config{Clock: func() time.Time { return fuzzNow }}, sink, testReaders, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := pool.NewMessage(context.Background())
		if _, err := req.UnmarshalWithDecoder(coder.DefaultCoder, data); err != nil {
			return
		}
		out, ok := s.answer(context.Background(), req, remote, "")
		checkAnswer(t, req, out, ok, sink)
		again, okAgain := s.answer(context.Background(), req, remote, "")
		if req.Type() == message.Confirmable && (okAgain != ok || !bytes.Equal(out, again)) {
			t.Fatalf("retransmission answered %x, first %x", again, out)
		}
		if req.Type() == message.NonConfirmable && okAgain {
			t.Fatalf("duplicate NON answered")
		}
		if len(sink.batches) > 1 {
			t.Fatalf("sink called %d times for one message", len(sink.batches))
		}
	})
}

func checkAnswer(t *testing.T, req *pool.Message, out []byte, ok bool, sink *recordingSink) {
	typ := req.Type()
	if !ok {
		if typ == message.Confirmable || isRequest(req.Code()) && typ == message.NonConfirmable {
			t.Fatalf("no answer to %v", req)
		}
		return
	}
	m := message.Message{Options: make(message.Options, 0, 8)}
	if _, err := coder.DefaultCoder.Decode(out, &m); err != nil {
		t.Fatalf("answer does not decode: %v", err)
	}
	if typ == message.Confirmable && (m.Type != message.Acknowledgement && m.Type != message.Reset || m.MessageID != req.MessageID()) {
		t.Fatalf("CON mid %d answered %v", req.MessageID(), m.String())
	}
	if m.Code == codes.Changed {
		checkResult(t, m, sink)
	}
}

func checkResult(t *testing.T, m message.Message, sink *recordingSink) {
	var res Result
	cf, _ := m.Options.ContentFormat()
	var err error
	if cf == message.AppCBOR {
		err = cbor.Unmarshal(m.Payload, &res)
	} else {
		err = json.Unmarshal(m.Payload, &res)
	}
	if err != nil {
		t.Fatalf("2.04 body %q: %v", m.Payload, err)
	}
	if got := len(sink.all()); got != res.Accepted || res.Dropped < 0 {
		t.Fatalf("result %+v, sink got %d", res, got)
	}
}
