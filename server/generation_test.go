package server

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestStoreWipeDetected flushes the real redis-server under a running
// rtlsd: it notices by the site generation marker, counts the loss and
// writes the rule and the tag made through the API again, so that a
// restart still has them.
func TestStoreWipeDetected(t *testing.T) {
	t.Parallel() // its own Redis and ports: overlapped with the rest to keep make test short
	rs := redistest.StartServer(t)
	cfg := Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: rs.URL(), Site: "wipe", Tick: 50 * time.Millisecond, Insecure: true,
		GenerationCheck: 20 * time.Millisecond}
	s, stop := startWith(t, cfg)
	cc := dial(t, s)
	ctx := t.Context()
	rule := &rtlsv1.Rule{Id: "gone", EventType: rtlsv1.Rule_ABSENCE, Duration: durationpb.New(time.Minute), Enabled: true}
	if _, err := rtlsv1.NewGeofenceServiceClient(cc).CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: rule}); err != nil {
		t.Fatalf("CreateRule: %v", err)
	}
	tag := &rtlsv1.Tag{Id: "PUMP-9", Class: rtlsv1.TagClass_ASSET, Type: "pump"}
	if _, err := rtlsv1.NewTagRegistryServiceClient(cc).PutTag(ctx, &rtlsv1.PutTagRequest{Tag: tag}); err != nil {
		t.Fatalf("PutTag: %v", err)
	}
	st, err := redisstore.New(ctx, redisstore.Options{URL: rs.URL(), Site: "wipe"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	lost := func() float64 { return dataLosses(t, s) }
	restored := func() bool {
		rules, err1 := st.LoadConfig(ctx, store.ConfigRule)
		tags, err2 := st.LoadConfig(ctx, store.ConfigTag)
		return err1 == nil && err2 == nil && rules["gone"] != nil && tags["PUMP-9"] != nil
	}
	deadline := time.Now().Add(20 * time.Second)
	for lost() == 0 || !restored() {
		if time.Now().After(deadline) {
			t.Fatalf("after FLUSHALL: data loss counted %v, rule and tag stored again: %v", lost(), restored())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := lost(); n != 1 {
		t.Errorf("data loss counted %v times for one FLUSHALL", n)
	}
	stop()
	again, _ := startWith(t, cfg)
	if _, err := rtlsv1.NewTagRegistryServiceClient(dial(t, again)).GetTag(ctx, &rtlsv1.GetTagRequest{Id: "PUMP-9"}); err != nil {
		t.Errorf("after a restart: GetTag: %v", err)
	}
}
