package redisstore

import (
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
)

// TestKillRedisWithAOF kills redis-server (SIGKILL) right after 500
// acknowledged updates and restarts it from its directory. Without
// persistence all are lost; with the append-only file fsynced on every
// write ("always") none is. With "everysec" Redis writes the file before
// it replies, except while an earlier fsync is still running: then it
// postpones the write (up to 2 s) and replies anyway, so a busy disk can
// lose acknowledged updates even when only the process dies; that figure
// is logged. Whatever was lost, the next write reports it (RolledBack).
func TestKillRedisWithAOF(t *testing.T) {
	const n = 500
	for _, tc := range []struct {
		name string
		args []string
		kept int64 // -1: any
	}{
		{"no persistence", nil, 0},
		{"appendfsync everysec", []string{"--appendonly", "yes", "--appendfsync", "everysec"}, -1},
		{"appendfsync always", []string{"--appendonly", "yes", "--appendfsync", "always"}, n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.StartServer(t, tc.args...)
			s := open(t, Options{URL: srv.URL(), Site: nextSite()})
			start := time.Now()
			for seq := uint64(1); seq <= n; seq++ {
				u := store.Update{Seq: seq, Positions: []location.Position{{TS: int64(seq), Tag: seqTag(seq), Level: "L0"}}}
				if _, err := s.Apply(t.Context(), u); err != nil {
					t.Fatal(err)
				}
			}
			took := time.Since(start)
			srv.Stop()
			srv.Start()
			stored, err := s.LastSeq(t.Context())
			if err != nil || (tc.kept >= 0 && stored != uint64(tc.kept)) {
				t.Fatalf("after kill -9 and restart: LastSeq = %d, %v; want %d", stored, err, tc.kept)
			}
			t.Logf("%d updates written in %v; %d kept after kill -9", n, took.Round(time.Millisecond), stored)
			u := store.Update{Seq: n + 1, Positions: []location.Position{{TS: n + 1, Tag: seqTag(n + 1), Level: "L0"}}}
			if _, err := s.Apply(t.Context(), u); err != nil {
				t.Fatal(err)
			}
			want := uint64(0)
			if stored < n {
				want = 1
			}
			if s.RolledBack() != want {
				t.Errorf("RolledBack = %d, want %d", s.RolledBack(), want)
			}
		})
	}
}
