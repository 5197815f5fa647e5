package web_test

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/api"
	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/gateway"
	"github.com/hospitalrtls/rtls/internal/demo"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/web"
)

// alarmServer answers the calls of the app as a quiet ward would, except
// that WatchEvents delivers one duress press and WatchLocations one pump
// not seen for two minutes.
func alarmServer(_ any, stream grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(stream)
	if err := stream.RecvMsg(&emptypb.Empty{}); err != nil {
		return err
	}
	switch method {
	case "/rtls.v1.EventService/WatchEvents":
		ev := &rtlsv1.Event{Id: "1-0", Type: rtlsv1.EventType_DURESS, TagId: "STAFF-001", ZoneId: "L0-P01", Time: timestamppb.Now()}
		if err := stream.SendMsg(ev); err != nil {
			return err
		}
		<-stream.Context().Done()
		return nil
	case "/rtls.v1.LocationService/WatchLocations":
		// A pump last placed two minutes ago: stale.
		loc := &rtlsv1.Location{TagId: "PUMP-900", LevelId: "L0", X: 10, Y: 14, AccuracyM: 2, RoomId: "L0-STOR",
			RoomProbability: 0.9, UpdatedAt: timestamppb.New(time.Now().Add(-2 * time.Minute))}
		if err := stream.SendMsg(loc); err != nil {
			return err
		}
		<-stream.Context().Done()
		return nil
	case "/rtls.v1.LocationService/ListLocations", "/rtls.v1.EventService/ListEvents", "/rtls.v1.TagRegistryService/ListTags",
		"/rtls.v1.GeofenceService/ListRules":
		// The list responses are empty: no fields set.
		return stream.SendMsg(&emptypb.Empty{})
	}
	return status.Error(codes.Unimplemented, "not in this test")
}

// testAlarm runs in a tab of the browser of TestBrowser: a duress event
// shows as a banner over every view and stands out in the feed; a tag not
// seen for a minute is greyed.
func testAlarm(browser context.Context, t *testing.T) {
	plan, err := floorplans.Parse(demo.Floorplan(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := api.NewFloorplanServer(plan)
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.UnknownServiceHandler(alarmServer))
	rtlsv1.RegisterFloorplanServiceServer(gs, fp)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(lis)
	defer gs.Stop()
	gw, err := gateway.New(gateway.Config{Target: lis.Addr().String(), App: web.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	hs := httptest.NewServer(gw)
	defer hs.Close()

	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	console := collect(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/#map")); err != nil {
		t.Fatal(err)
	}
	poll(ctx, t, "duress banner on the map view", `document.body.dataset.view == 'map' &&
		[...document.querySelectorAll('#alerts .alarm-banner')].some(b => b.textContent.startsWith('DURESS: STAFF-001 in Patient room'))`, 10*time.Second)
	poll(ctx, t, "duress in the feed", `document.querySelector('#feed li.alarm[data-type="DURESS"]') != null`, 5*time.Second)
	poll(ctx, t, "stale pump greyed", `document.querySelector('#map .tag.stale[data-tag="PUMP-900"]') != null`, 5*time.Second)
	screenshot(ctx, t, "11-duress")
	console.check(t)
}
