package server

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestExplainLocation asks why a pump standing in L0-S02 is there: the
// explanation names the location the engine computed, puts L0-S02 first,
// lists the readers heard with the model's expectation; an untracked tag
// is NOT_FOUND and a missing id INVALID_ARGUMENT.
func TestExplainLocation(t *testing.T) {
	t.Parallel()
	s, _ := startWith(t, eventsConfig("", time.Second))
	cc := dial(t, s)
	plan := loadClinic(t)
	sc := script{}
	sc.stay(t, plan, "PUMP-1", "L0-S02", 12)
	f := newFeeder(t, s, plan)
	f.play(sc, 0, 12)
	c := rtlsv1.NewLocationServiceClient(cc)
	ctx := context.Background()
	var x *rtlsv1.LocationExplanation
	for deadline := time.Now().Add(eventTimeout); ; time.Sleep(10 * time.Millisecond) {
		var err error
		x, err = c.ExplainLocation(ctx, &rtlsv1.ExplainLocationRequest{TagId: "PUMP-1"})
		if err == nil && x.Location.UpdatedAt.AsTime().UnixMilli() >= f.epoch(6) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no explanation of a placed tag: %v", err)
		}
	}
	if x.Location.RoomId != "L0-S02" || len(x.Rooms) == 0 || x.Rooms[0].RoomId != "L0-S02" || len(x.Levels) != 1 || x.Levels[0].LevelId != "L0" {
		t.Errorf("explanation %v, want L0-S02 first, on L0", x)
	}
	if len(x.Readers) == 0 {
		t.Fatal("no reader evidence")
	}
	for _, r := range x.Readers {
		if r.ReaderId == "" || r.DistanceM <= 0 || r.ExpectedRssiDbm >= 0 || r.RssiDbm >= 0 {
			t.Errorf("reader evidence %v", r)
		}
	}
	_, err := c.ExplainLocation(ctx, &rtlsv1.ExplainLocationRequest{TagId: "NOT-A-TAG"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("untracked tag: %v, want NOT_FOUND", err)
	}
	_, err = c.ExplainLocation(ctx, &rtlsv1.ExplainLocationRequest{})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("no tag id: %v, want INVALID_ARGUMENT", err)
	}
}
