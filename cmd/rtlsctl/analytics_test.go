package main

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/api"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/memstore"
)

// serveAnalytics starts an AnalyticsService on loopback over a store
// holding six patients' visits to R1 (icu) then R2 from 10:00, and one
// staff visit to R3; it returns the address.
func serveAnalytics(t *testing.T) string {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC).UnixMilli()
	var vs []geofence.Visit
	for i := range 6 {
		tag, enter := fmt.Sprintf("PAT-%d", i), t0+int64(i)*60_000
		vs = append(vs, geofence.Visit{Tag: tag, Class: "patient", Room: "R1", Enter: enter, Exit: enter + 600_000},
			geofence.Visit{Tag: tag, Class: "patient", Room: "R2", Enter: enter + 600_000, Exit: enter + 1_200_000})
	}
	vs = append(vs, geofence.Visit{Tag: "STAFF-1", Class: "staff", Room: "R3", Enter: t0, Exit: t0 + 60_000})
	a := analytics.NewAggregator(map[string]analytics.Room{"R1": {Category: "icu"}, "R2": {Category: "patient_room"},
		"R3": {Category: "patient_room"}}, nil)
	a.Visits(vs)
	s := memstore.New(memstore.Options{})
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Apply(t.Context(), store.Update{Analytics: a.Take()}); err != nil {
		t.Fatal(err)
	}
	srv, err := api.NewGRPCServer()
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(&rtlsv1.AnalyticsService_ServiceDesc, api.NewAnalyticsServer(s, 5, nil))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	return lis.Addr().String()
}

func TestAnalyticsCSV(t *testing.T) {
	addr := serveAnalytics(t)
	span := []string{"--grpc-addr", addr, "--from", "2026-03-02T10:00:00Z", "--to", "2026-03-02T12:00:00Z"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"analytics", "dwell", "--csv"}, `key,visits,distinct_tags,mean_s,p50_s,p90_s,suppressed
R1,6,6,600.0,583.1,583.1,false
R2,6,6,600.0,583.1,583.1,false
R3,0,0,0.0,0.0,0.0,true
`},
		{[]string{"analytics", "transitions", "--group-by", "category", "--class", "patient", "--csv"}, `from,to,count,distinct_tags,suppressed
icu,patient_room,6,6,false
`},
		{[]string{"analytics", "occupancy", "--group-by", "category", "--csv"}, `key,hour,distinct_tags,suppressed
icu,2026-03-02T10:00:00Z,6,false
patient_room,2026-03-02T10:00:00Z,7,false
`},
	} {
		t.Run(strings.Join(c.args[:2], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(append(c.args, span...), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if out.String() != c.want {
				t.Errorf("got\n%s\nwant\n%s", out.String(), c.want)
			}
		})
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"analytics", "dwell", "--group-by", "ward", "--grpc-addr", addr}, &out, &errOut); code != 2 {
		t.Errorf("bad --group-by: exit %d", code)
	}
	if code := run(append([]string{"analytics", "dwell", "--from", "2026-03-02T12:00:00Z", "--to", "2026-03-02T11:00:00Z"}, span[:2]...), &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "InvalidArgument") {
		t.Errorf("from after to: exit %d, %s", code, errOut.String())
	}
}
