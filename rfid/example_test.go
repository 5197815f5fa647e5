package rfid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/udp"
)

// readers is a ReaderDirectory; the server's floorplan adapter plays this part.
type readers map[string]bool

func (r readers) Known(id string) bool { return r[id] }

// printSink is a Sink; the location engine plays this part.
type printSink struct{}

func (printSink) Ingest(_ context.Context, s []location.Sighting) (int, error) {
	fmt.Printf("engine got %d sightings from %s, first of %s\n", len(s), s[0].Reader, s[0].Tag)
	return 0, nil
}

func Example() {
	srv, err := rfid.NewServer(rfid.Config{}, printSink{}, readers{"R-L0-S03": true}, nil)
	if err != nil {
		panic(err)
	}
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	// A reader posts one batch; the second sighting has an impossible rssi.
	now := time.Now().UnixMilli()
	body, _ := json.Marshal(rfid.Batch{Reader: "R-L0-S03", Seq: 17, Sightings: []rfid.WireSighting{
		{TS: now, Tag: "PUMP-008", RSSI: -71},
		{TS: now, Tag: "PUMP-009", RSSI: 12},
	}})
	cc, err := udp.Dial(l.LocalAddr().String())
	if err != nil {
		panic(err)
	}
	defer cc.Close()
	resp, err := cc.Post(context.Background(), rfid.SightingsPath, message.AppJSON, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	answer, _ := resp.ReadBody()
	fmt.Println(resp.Code(), string(answer))
	// Output:
	// engine got 1 sightings from R-L0-S03, first of PUMP-008
	// Changed {"accepted":1,"dropped":1}
}
