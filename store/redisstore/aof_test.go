package redisstore

import (
	"testing"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
)

// TestKillRedisWithAOF kills redis-server (SIGKILL) right after 500
// acknowledged updates and restarts it from its directory: without
// persistence all are lost, and the next write reports it (RolledBack);
// with the append-only file every acknowledged update is kept, fsynced
// every second or on every write alike, as Redis writes the AOF before it
// replies (only a crash of the machine loses the last second of
// "everysec").
func TestKillRedisWithAOF(t *testing.T) {
	const n = 500
	for _, tc := range []struct {
		name string
		args []string
		kept uint64
	}{
		{"no persistence", nil, 0},
		{"appendfsync everysec", []string{"--appendonly", "yes", "--appendfsync", "everysec"}, n},
		{"appendfsync always", []string{"--appendonly", "yes", "--appendfsync", "always"}, n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.StartServer(t, tc.args...)
			s := open(t, Options{URL: srv.URL(), Site: nextSite()})
			for seq := uint64(1); seq <= n; seq++ {
				u := store.Update{Seq: seq, Positions: []location.Position{{TS: int64(seq), Tag: seqTag(seq), Level: "L0"}}}
				if _, err := s.Apply(t.Context(), u); err != nil {
					t.Fatal(err)
				}
			}
			srv.Stop()
			srv.Start()
			stored, err := s.LastSeq(t.Context())
			if err != nil || stored != tc.kept {
				t.Fatalf("after kill -9 and restart: LastSeq = %d, %v; want %d", stored, err, tc.kept)
			}
			u := store.Update{Seq: n + 1, Positions: []location.Position{{TS: n + 1, Tag: seqTag(n + 1), Level: "L0"}}}
			if _, err := s.Apply(t.Context(), u); err != nil {
				t.Fatal(err)
			}
			want := uint64(0)
			if tc.kept < n {
				want = 1
			}
			if s.RolledBack() != want {
				t.Errorf("RolledBack = %d, want %d", s.RolledBack(), want)
			}
		})
	}
}
