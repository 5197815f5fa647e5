package server

import (
	"context"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/testlog"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestSentinelFailoverFollowed runs rtlsd on Redis Sentinel (--redis-mode
// sentinel; one master, one replica, three Sentinels). The master dies
// while its replica lags one acknowledged PutTag behind (the replica
// stopped, its link dropped): the Sentinels promote the replica, which
// never got that write; its generation marker, replicated earlier, is
// unchanged. rtlsd follows the new master, notices the acknowledged write
// is gone (the stored Seq went back), counts one data loss and writes the
// configuration again from memory, so the tag is back.
func TestSentinelFailoverFollowed(t *testing.T) {
	t.Parallel() // its own Redis processes; slow, so overlapped with the rest
	sn := redistest.StartSentinel(t)
	cfg := Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: sn.URL(), RedisMode: string(redisstore.ModeSentinel), Site: "sentinel",
		Tick: 50 * time.Millisecond, Insecure: true, GenerationCheck: 20 * time.Millisecond}
	s, _ := startWith(t, cfg)
	tags := rtlsv1.NewTagRegistryServiceClient(dial(t, s))
	put := func(id string) error {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		_, err := tags.PutTag(ctx, &rtlsv1.PutTagRequest{Tag: &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_ASSET, Type: "pump"}})
		return err
	}
	if err := put("BEFORE"); err != nil {
		t.Fatalf("PutTag: %v", err)
	}
	sn.WaitSynced(sn.Master.Addr())
	sn.Replica.Pause()
	if n, err := sn.Master.Do("CLIENT", "KILL", "TYPE", "replica"); err != nil || n != "1" {
		t.Fatalf("CLIENT KILL TYPE replica = %q, %v", n, err)
	}
	if err := put("IN-LAG"); err != nil {
		t.Fatalf("PutTag: %v", err)
	}
	sn.Master.Stop()
	killed := time.Now()
	sn.Replica.Resume()
	for err := put("AFTER"); err != nil; err = put("AFTER") {
		if time.Since(killed) > 30*time.Second {
			t.Fatalf("PutTag after the failover: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resumed := time.Since(killed)
	sn.WaitMaster(sn.Replica.Addr())

	st, err := redisstore.New(t.Context(), redisstore.Options{URL: sn.URL(), Mode: redisstore.ModeSentinel, Site: "sentinel", Logger: testlog.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := func() bool {
		byID, err := st.LoadConfig(t.Context(), store.ConfigTag)
		return err == nil && byID["BEFORE"] != nil && byID["IN-LAG"] != nil && byID["AFTER"] != nil
	}
	deadline := time.Now().Add(20 * time.Second)
	for dataLosses(t, s) == 0 || !stored() {
		if time.Now().After(deadline) {
			t.Fatalf("after the failover: data loss counted %v, every tag stored: %v", dataLosses(t, s), stored())
		}
		time.Sleep(10 * time.Millisecond)
	}
	detected := time.Since(killed)
	if n := dataLosses(t, s); n != 1 {
		t.Errorf("data loss counted %v times for one failover", n)
	}
	t.Logf("master killed: writes resumed after %v, loss detected and the lost tag stored again %v after the kill",
		resumed.Round(time.Millisecond), detected.Round(time.Millisecond))
}

// dataLosses returns rtls_store_data_loss_total of s.
func dataLosses(t *testing.T, s *Server) float64 {
	t.Helper()
	return metricValues(t, s, "rtls_store_data_loss_total")["rtls_store_data_loss_total"]
}

// TestClusterMode runs rtlsd on a 3-master Redis Cluster (--redis-mode
// cluster): a tag made through the API is there after a restart, and the
// generation check finds no loss.
func TestClusterMode(t *testing.T) {
	t.Parallel() // its own Redis and ports: overlapped with the rest to keep make test short
	c := redistest.StartCluster(t, 3)
	cfg := Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: c.URL(), RedisMode: string(redisstore.ModeCluster), Site: "cluster",
		Tick: 50 * time.Millisecond, Insecure: true, GenerationCheck: 20 * time.Millisecond}
	s, stop := startWith(t, cfg)
	ctx := t.Context()
	tag := &rtlsv1.Tag{Id: "PUMP-7", Class: rtlsv1.TagClass_ASSET, Type: "pump"}
	if _, err := rtlsv1.NewTagRegistryServiceClient(dial(t, s)).PutTag(ctx, &rtlsv1.PutTagRequest{Tag: tag}); err != nil {
		t.Fatalf("PutTag: %v", err)
	}
	time.Sleep(5 * cfg.GenerationCheck) // a few generation checks
	if n := dataLosses(t, s); n != 0 {
		t.Errorf("data loss counted %v times on a healthy Cluster", n)
	}
	stop()
	again, _ := startWith(t, cfg)
	if _, err := rtlsv1.NewTagRegistryServiceClient(dial(t, again)).GetTag(ctx, &rtlsv1.GetTagRequest{Id: "PUMP-7"}); err != nil {
		t.Errorf("after a restart: GetTag: %v", err)
	}
}

// TestSentinelReplicaWithoutData promotes a replica that never received
// the site's data: rtlsd starts while the replica is cut off, so the
// generation marker and a PutTag reach only the master; the master dies.
// rtlsd finds the marker gone on the new master, counts one loss and
// writes the tag again.
func TestSentinelReplicaWithoutData(t *testing.T) {
	t.Parallel() // its own Redis processes; slow, so overlapped with the rest
	sn := redistest.StartSentinel(t)
	sn.Replica.Pause()
	if n, err := sn.Master.Do("CLIENT", "KILL", "TYPE", "replica"); err != nil || n != "1" {
		t.Fatalf("CLIENT KILL TYPE replica = %q, %v", n, err)
	}
	cfg := Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: sn.URL(), RedisMode: string(redisstore.ModeSentinel), Site: "stale",
		Tick: 50 * time.Millisecond, Insecure: true, GenerationCheck: 20 * time.Millisecond}
	s, _ := startWith(t, cfg)
	tags := rtlsv1.NewTagRegistryServiceClient(dial(t, s))
	if _, err := tags.PutTag(t.Context(), &rtlsv1.PutTagRequest{Tag: &rtlsv1.Tag{Id: "ONLY-ON-MASTER", Class: rtlsv1.TagClass_ASSET, Type: "pump"}}); err != nil {
		t.Fatalf("PutTag: %v", err)
	}
	sn.Master.Stop()
	sn.Replica.Resume()
	sn.WaitMaster(sn.Replica.Addr())

	st, err := redisstore.New(t.Context(), redisstore.Options{URL: sn.URL(), Mode: redisstore.ModeSentinel, Site: "stale", Logger: testlog.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := func() bool {
		byID, err := st.LoadConfig(t.Context(), store.ConfigTag)
		return err == nil && byID["ONLY-ON-MASTER"] != nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for dataLosses(t, s) == 0 || !stored() {
		if time.Now().After(deadline) {
			t.Fatalf("after promoting a replica without the data: data loss counted %v, tag stored again: %v", dataLosses(t, s), stored())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := dataLosses(t, s); n != 1 {
		t.Errorf("data loss counted %v times for one failover", n)
	}
	if _, created, err := st.Generation(t.Context(), "probe"); err != nil || created {
		t.Errorf("the new master has no generation marker after the loss was handled (created %v, %v)", created, err)
	}
}
