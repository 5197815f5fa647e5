package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestCampusTwoSitesTwoHosts: a campus of two sites, each run by an
// rtlsd on each of two "hosts" (--host-name), four processes on one
// Redis. Each site has exactly one owner; the second site's owner is on
// the other host than the first's (a standby whose host already runs an
// engine leaves a free lease to the other host first); a rule written
// through each site's standby is forwarded to its owner and stored; after
// kill -9 of both processes of one host, the other host runs both sites
// within 10 s and serves the same call itself.
func TestCampusTwoSitesTwoHosts(t *testing.T) {
	t.Parallel() // its own processes and ports; slow, so overlapped with the rest
	if testing.Short() {
		t.Skip("builds rtlsd and runs four instances for about 30 s")
	}
	rs := redistest.StartServer(t)
	bin := buildRTLSD(t)
	ctx := context.Background()
	sites, hosts := []string{"north", "south"}, []string{"h1", "h2"}
	stores := map[string]*redisstore.Store{}
	for _, site := range sites {
		st, err := redisstore.New(ctx, redisstore.Options{URL: rs.URL(), Site: site})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores[site] = st
	}
	// the test holds both leases while the instances start, so that the
	// order they start in decides nothing
	blocked := map[string]uint64{}
	for _, site := range sites {
		tok, ok, err := stores[site].AcquireLease(ctx, "blocker", time.Minute)
		if err != nil || !ok {
			t.Fatalf("blocking %s: %v, %v", site, ok, err)
		}
		blocked[site] = tok
	}
	procs := map[string]*proc{} // by host/site
	for _, h := range hosts {
		for _, site := range sites {
			procs[h+"/"+site] = startSiteProc(t, bin, rs.URL(), site, h+"-"+site, "--host-name", h)
		}
	}
	// ownerHost releases the site's lease and returns the host of the
	// instance that took it, once it runs the engine.
	ownerHost := func(site string) string {
		t.Helper()
		if err := stores[site].ReleaseLease(ctx, "blocker", blocked[site]); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			h, ok, err := stores[site].LeaseHolder(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				host, _, _ := strings.Cut(h.Owner, "-")
				procs[host+"/"+site].waitLog("running the site's engine", 15*time.Second)
				return host
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no instance took %s's lease", site)
		return ""
	}
	other := map[string]string{"h1": "h2", "h2": "h1"}
	northHost := ownerHost("north")
	southHost := ownerHost("south")
	if southHost == northHost {
		t.Fatalf("both sites' engines run on %s; want them spread over the hosts", northHost)
	}
	for _, site := range sites {
		running := 0
		for _, h := range hosts {
			if _, ok := procs[h+"/"+site].findLog("running the site's engine", time.Time{}); ok {
				running++
			}
		}
		if running != 1 {
			t.Fatalf("%d instances ran %s's engine; want exactly one", running, site)
		}
	}
	t.Logf("owners: north on %s, south on %s", northHost, southHost)

	rule := func(id string) *rtlsv1.CreateRuleRequest {
		return &rtlsv1.CreateRuleRequest{Rule: &rtlsv1.Rule{Id: id, EventType: rtlsv1.Rule_ABSENCE, Duration: durationpb.New(time.Minute), Enabled: true}}
	}
	hasRule := func(site, id string) bool {
		t.Helper()
		rules, err := stores[site].LoadConfig(ctx, store.ConfigRule)
		if err != nil {
			t.Fatal(err)
		}
		return rules[id] != nil
	}
	owners := map[string]string{"north": northHost, "south": southHost}
	for _, site := range sites {
		standby := rtlsv1.NewGeofenceServiceClient(procs[other[owners[site]]+"/"+site].dialGRPC())
		if _, err := standby.CreateRule(ctx, rule("via-standby")); err != nil || !hasRule(site, "via-standby") {
			t.Fatalf("CreateRule through %s's standby: %v, stored %v", site, err, hasRule(site, "via-standby"))
		}
		owner := rtlsv1.NewGeofenceServiceClient(procs[owners[site]+"/"+site].dialGRPC())
		timeCalls := func(c rtlsv1.GeofenceServiceClient) time.Duration {
			const n = 20
			begin := time.Now()
			for range n {
				if _, err := c.GetRule(ctx, &rtlsv1.GetRuleRequest{Id: "via-standby"}); err != nil {
					t.Fatal(err)
				}
			}
			return time.Since(begin) / n
		}
		t.Logf("%s GetRule: %s on the owner, %s through the standby (forwarded)", site, timeCalls(owner), timeCalls(standby))
	}

	// kill -9 north's owner host: both its processes
	killedAt := time.Now()
	for _, site := range sites {
		if err := procs[northHost+"/"+site].cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
	}
	for _, site := range sites {
		<-procs[northHost+"/"+site].exited
	}
	// until the dead owner's lease expires the survivor knows no live
	// owner: a call that needs the engine answers UNAVAILABLE at once
	survivor := procs[southHost+"/north"]
	survivorFence := rtlsv1.NewGeofenceServiceClient(survivor.dialGRPC())
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	asked := time.Now()
	_, err := survivorFence.CreateRule(cctx, rule("during-takeover"))
	cancel()
	t.Logf("CreateRule through north's standby while its owner is dead: %v after %s", status.Code(err), time.Since(asked).Round(time.Microsecond))
	if !errUnavailable(err) {
		t.Errorf("CreateRule through north's standby while its owner is dead: %v; want UNAVAILABLE", err)
	}
	took := survivor.waitLog("running the site's engine", 20*time.Second)
	moved := took.Time.Sub(killedAt)
	t.Logf("north moved to %s %s after kill -9 of %s", southHost, moved.Round(time.Millisecond), northHost)
	if moved > 10*time.Second {
		t.Errorf("north moved %s after the kill; want within 10 s", moved)
	}
	if h, ok, err := stores["north"].LeaseHolder(ctx); err != nil || !ok || h.Owner != southHost+"-north" {
		t.Fatalf("north's lease holder = %+v, %v, %v; want %s-north", h, ok, err, southHost)
	}
	// the lease is survivor's own: nothing to forward to, so a success is
	// its own engine's
	if _, err := survivorFence.CreateRule(ctx, rule("after-kill")); err != nil || !hasRule("north", "after-kill") {
		t.Fatalf("CreateRule on north's new owner: %v, stored %v", err, hasRule("north", "after-kill"))
	}
	if _, ok := procs[southHost+"/south"].findLog("lost the site's lease: engine stopped; another instance runs it now", time.Time{}); ok {
		t.Error("south's owner lost its lease")
	}
}
