package web_test

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/hospitalrtls/rtls/gateway"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/web"
)

// facilitiesToken is the one token the role server knows: it may call
// AnalyticsService and nothing else.
const facilitiesToken = "facilities-token"

// roleServer answers every RPC as an authorizing server would for a
// facilities user: UNAUTHENTICATED without a token, PERMISSION_DENIED
// outside AnalyticsService, an empty aggregate inside it.
func roleServer(_ any, stream grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(stream)
	md, _ := metadata.FromIncomingContext(stream.Context())
	switch auth := strings.Join(md.Get("authorization"), ""); {
	case auth != "Bearer "+facilitiesToken:
		return status.Error(codes.Unauthenticated, "token required")
	case !strings.HasPrefix(method, "/rtls.v1.AnalyticsService/"):
		return status.Error(codes.PermissionDenied, "not for this role")
	}
	if err := stream.RecvMsg(&emptypb.Empty{}); err != nil {
		return err
	}
	// Dwell, Occupancy and Transitions responses share their field numbers.
	return stream.SendMsg(&rtlsv1.DwellResponse{MinCount: 5})
}

// startRoleApp serves the web app and the gateway in front of roleServer.
func startRoleApp(t *testing.T) string {
	t.Helper()
	gs := grpc.NewServer(grpc.UnknownServiceHandler(roleServer))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	gw, err := gateway.New(gateway.Config{Target: lis.Addr().String(), App: web.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	hs := httptest.NewServer(gw)
	t.Cleanup(hs.Close)
	return hs.URL
}

// testRoles runs in a tab of the browser of TestBrowser: without a token the
// app asks for one; with a facilities token it shows the dashboard only.
func testRoles(browser context.Context, t *testing.T) {
	base := startRoleApp(t)
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	console := collect(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	poll(ctx, t, "sign-in asked", `document.getElementById('signin').open && document.body.dataset.view == 'signin'`, 10*time.Second)
	screenshot(ctx, t, "9-signin")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#signin-token`), facilitiesToken),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
	); err != nil {
		t.Fatal(err)
	}
	poll(ctx, t, "facilities view only", `document.body.dataset.view == 'facilities' &&
		[...document.querySelectorAll('#views li')].filter(li => !li.hidden).map(li => li.textContent.trim()).join() == 'Facilities'`, 10*time.Second)
	poll(ctx, t, "the day's aggregates", `document.getElementById('dwell-note').textContent.startsWith('No data')`, 10*time.Second)
	stored, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem('rtls.token')`))
	if err != nil || stored != facilitiesToken {
		t.Errorf("token in sessionStorage: %q %v", stored, err)
	}
	screenshot(ctx, t, "9-facilities-role")
	console.check(t)
}
