package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	coapcodes "github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/udp"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/rfid"
)

const clinicPlan = "../floorplans/testdata/synthetic-clinic.geojson"

// startServer runs rtlsd in process on random loopback ports.
func startServer(t *testing.T, redisURL string) (*Server, func()) {
	t.Helper()
	return startWith(t, Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: redisURL, Site: "e2e", Tick: 50 * time.Millisecond, Insecure: true})
}

// post sends one batch as a confirmable CoAP POST and returns the response.
func post(t *testing.T, s *Server, format message.MediaType, body []byte) (coapCode coapcodes.Code, payload string) {
	t.Helper()
	co, err := udp.Dial(s.CoAPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer co.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := co.Post(ctx, "/v1/sightings", format, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body())
	return resp.Code(), string(b)
}

// batch is what a reader in room S03 of the clinic sends for a pump right
// under it: strong in S03, weak through walls.
func batch(reader string, seq uint64, rssi float64, now time.Time, n int) []byte {
	b := rfid.Batch{Reader: reader, Seq: seq}
	// stamped 0.4 s apart up to 0.4 s before now: all well inside the
	// engine's 3 s lateness (older ones are told late at the door)
	for i := 0; i < n; i++ {
		b.Sightings = append(b.Sightings, rfid.WireSighting{TS: now.Add(time.Duration(i-n) * 400 * time.Millisecond).UnixMilli(), Tag: "PUMP-E2E", RSSI: rssi})
	}
	out, _ := json.Marshal(b)
	return out
}

func TestEndToEnd(t *testing.T) {
	rs := redistest.StartServer(t)
	s, stop := startServer(t, rs.URL())
	cc := dial(t, s)
	locs := rtlsv1.NewLocationServiceClient(cc)

	hc, err := healthpb.NewHealthClient(cc).Check(context.Background(), &healthpb.HealthCheckRequest{Service: "rtls.v1.LocationService"})
	if err != nil || hc.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v %v", hc, err)
	}

	now := time.Now()
	readers := map[string]float64{"R-L0-S03": -58, "R-L0-S02": -80, "R-L0-S04": -79, "R-L0-C1": -77, "R-L0-N03": -88}
	seq := uint64(1)
	for r, rssi := range readers {
		code, body := post(t, s, message.AppJSON, batch(r, seq, rssi, time.Now(), 5))
		if code != coapcodes.Changed || !strings.Contains(body, `"accepted":5`) {
			t.Fatalf("batch from %s: %v %s, want 2.04 with all 5 accepted", r, code, body)
		}
		seq++
	}
	// malformed: answered 4.00 with a reason, nothing else lost
	if code, body := post(t, s, message.AppJSON, []byte(`{"reader":"R-L0-S03","sightings":[{"ts":`)); code != coapcodes.BadRequest || body == "" {
		t.Fatalf("malformed batch: got %v %q, want 4.00 with a reason", code, body)
	}
	if code, _ := post(t, s, message.AppJSON, batch("NO-SUCH-READER", 1, -60, now, 1)); code != coapcodes.NotFound {
		t.Fatalf("unknown reader: got %v, want 4.04", code)
	}

	loc := waitLocation(t, locs, "PUMP-E2E")
	if loc.RoomId != "L0-S03" || loc.LevelId != "L0" {
		t.Fatalf("position %+v: want room L0-S03 on L0", loc)
	}
	if loc.X < 16.6 || loc.X > 21.9 || loc.Y < 0.1 || loc.Y > 7.9 {
		t.Fatalf("position (%.2f, %.2f) outside room L0-S03", loc.X, loc.Y)
	}
	list, err := locs.ListLocations(context.Background(), &rtlsv1.ListLocationsRequest{RoomId: "L0-S03"})
	if err != nil || len(list.Locations) != 1 || list.Locations[0].TagId != "PUMP-E2E" {
		t.Fatalf("ListLocations(room L0-S03) = %v, %v", list, err)
	}
	if _, err := locs.GetLocation(context.Background(), &rtlsv1.GetLocationRequest{TagId: "NOBODY"}); status.Code(err) != codes.NotFound {
		t.Fatalf("unknown tag: %v, want NOT_FOUND", err)
	}

	// a restart against the same Redis serves the same position at once
	stop()
	s2, _ := startServer(t, rs.URL())
	again, err := rtlsv1.NewLocationServiceClient(dial(t, s2)).GetLocation(context.Background(), &rtlsv1.GetLocationRequest{TagId: "PUMP-E2E"})
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if again.RoomId != loc.RoomId || again.X != loc.X || again.Y != loc.Y {
		t.Fatalf("after restart: %+v, before: %+v", again, loc)
	}
}

// waitLocation polls until the engine's watermark has passed the batches
// (the configured lateness) and the position is in the store.
func waitLocation(t *testing.T, c rtlsv1.LocationServiceClient, tag string) *rtlsv1.Location {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		loc, err := c.GetLocation(context.Background(), &rtlsv1.GetLocationRequest{TagId: tag})
		if err == nil {
			return loc
		}
		if status.Code(err) != codes.NotFound || time.Now().After(deadline) {
			t.Fatalf("GetLocation(%s): %v", tag, errors.Unwrap(err))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
