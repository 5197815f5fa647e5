package server

import (
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestPausedOwnerCannotWrite: the owner is stopped (SIGSTOP) past its
// lease while readers post to the standby; the standby takes over. When
// the old owner wakes (SIGCONT) it still believes it owns the site: a
// rule created through it at once is not stored and answers UNAVAILABLE
// (its write carries a superseded fencing token, or its engine already
// stopped), every store write it tries is refused by the fencing check (or
// cut short as it stops), and it stops its engine at the first refusal or
// when its renewal finds the lease another's; the call is then forwarded
// to the new owner. The standby, before the takeover, forwards geofence
// calls to the owner.
func TestPausedOwnerCannotWrite(t *testing.T) {
	t.Parallel() // its own processes and ports; slow, so overlapped with the rest
	if testing.Short() {
		t.Skip("builds rtlsd and runs two instances for about 30 s")
	}
	rs := redistest.StartServer(t)
	bin := buildRTLSD(t)
	a := startProc(t, bin, rs.URL(), "A")
	a.waitLog("running the site's engine", 30*time.Second)
	b := startProc(t, bin, rs.URL(), "B")
	ccA, ccB := a.dialGRPC(), b.dialGRPC()
	rule := func(id string) *rtlsv1.CreateRuleRequest {
		return &rtlsv1.CreateRuleRequest{Rule: &rtlsv1.Rule{Id: id, EventType: rtlsv1.Rule_ABSENCE, Duration: durationpb.New(time.Minute), Enabled: true}}
	}
	if _, err := rtlsv1.NewGeofenceServiceClient(ccB).CreateRule(context.Background(), rule("on-standby")); err != nil {
		t.Fatalf("CreateRule on the standby (forwarded to the owner) = %v", err)
	}
	plan, err := floorplans.LoadFile(clinicPlan)
	if err != nil {
		t.Fatal(err)
	}
	f := newHAFeeder(t, plan, dialReader(t, b.coap))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); f.run(ctx) }()
	defer wg.Wait()

	time.Sleep(3 * time.Second)
	pausedAt := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	took := b.waitLog("running the site's engine", 30*time.Second)
	t.Logf("takeover of a paused owner: %s after SIGSTOP", took.Time.Sub(pausedAt).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	wokeAt := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_, staleErr := rtlsv1.NewGeofenceServiceClient(ccA).CreateRule(cctx, rule("stale"))
	cancel()
	t.Logf("CreateRule through the woken old owner: %v", staleErr)
	a.waitLog("lost the site's lease: engine stopped; another instance runs it now", 20*time.Second)
	stop()

	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL(), Site: "ha"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rules, err := st.LoadConfig(context.Background(), store.ConfigRule)
	if err != nil {
		t.Fatal(err)
	}
	// the old owner's own write is refused; it then forwards the call to
	// the new owner, whose answer stands (UNAVAILABLE while it cannot
	// tell who owns the site)
	if _, ok := rules["stale"]; ok != (staleErr == nil) || (staleErr != nil && !errUnavailable(staleErr)) {
		t.Errorf("a rule created through the woken old owner: call error %v, stored %v; want stored by the new owner (forwarded) or UNAVAILABLE and not stored", staleErr, ok)
	}
	if rules["on-standby"] == nil {
		t.Error("the rule created through the standby before the takeover is not stored")
	}
	refused, other := 0, 0
	a.mu.Lock()
	for _, l := range a.lines {
		if l.Time.Before(wokeAt) || l.Msg != "store write failed; will retry" {
			continue
		}
		switch {
		case strings.Contains(l.Raw, redisstore.ErrFenced.Error()):
			refused++
		case strings.Contains(l.Raw, context.Canceled.Error()): // cut short as it stops its engine
		default:
			other++
		}
	}
	a.mu.Unlock()
	t.Logf("old owner's store write attempts after waking refused by the fencing check: %d", refused)
	if other > 0 {
		t.Errorf("%d writes of the woken owner failed for another reason than the fencing check:\n%s", other, a.log())
	}
	if _, err := rtlsv1.NewGeofenceServiceClient(ccB).CreateRule(context.Background(), rule("on-new-owner")); err != nil {
		t.Errorf("CreateRule on the new owner: %v", err)
	}
}
