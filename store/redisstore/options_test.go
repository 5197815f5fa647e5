package redisstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/redis/go-redis/v9"
)

func TestNewRejectsBadOptions(t *testing.T) {
	url := redistest.StartServer(t).URL()
	tests := []struct {
		name string
		opts Options
		want error // nil: any error
	}{
		{"site with brace", Options{URL: url, Site: "a{b"}, ErrBadSite},
		{"site with closing brace", Options{URL: url, Site: "a}"}, ErrBadSite},
		{"bad scheme", Options{URL: "http://127.0.0.1:1/0"}, nil},
		{"bad database", Options{URL: "redis://127.0.0.1:1/x"}, nil},
		{"nobody listening", Options{URL: "redis://127.0.0.1:1/0"}, nil},
		{"unknown mode", Options{URL: url, Mode: "replica"}, ErrBadMode},
		{"sentinel without master name", Options{URL: url, Mode: ModeSentinel}, ErrNoMaster},
		{"cluster bad scheme", Options{URL: "http://127.0.0.1:1", Mode: ModeCluster}, nil},
		{"cluster nobody listening", Options{URL: "redis://127.0.0.1:1", Mode: ModeCluster}, store.ErrUnavailable},
		{"sentinel nobody listening", Options{URL: "redis://127.0.0.1:1/0?master_name=m", Mode: ModeSentinel}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			s, err := New(ctx, tt.opts)
			if err == nil {
				_ = s.Close()
				t.Fatal("New succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("New error = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "redisstore: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestEveryKeyIsInTheSiteHashTag(t *testing.T) {
	srv := redistest.StartServer(t)
	site := nextSite()
	s := open(t, Options{URL: srv.URL(), Site: site})
	if _, err := s.WatchPositions(t.Context()); err != nil {
		t.Fatal(err)
	}
	var config []store.ConfigChange
	for _, k := range store.ConfigKinds() {
		config = append(config, store.ConfigChange{Kind: k, ID: "x", Data: []byte("x")})
	}
	_, err := s.Apply(t.Context(), store.Update{Seq: 1,
		Positions: []location.Position{{TS: 1, Tag: "T", Level: "L0", Room: "R"}},
		Events:    []geofence.Event{{Type: geofence.Enter, Tag: "T", Zone: "R", TS: 1}},
		Fence:     map[string][]byte{"T": {1}}, Config: config})
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	keys, err := rdb.Keys(t.Context(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 13 { // pos, where, tags, seen, level, room, events, fence, seq, applied, 3 cfg
		t.Errorf("only %d keys: %q", len(keys), keys)
	}
	prefix := "rtls:{" + site + "}:"
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			t.Errorf("key %q is outside %s*", k, prefix)
		}
	}
	chans, err := rdb.PubSubChannels(t.Context(), "*").Result()
	if err != nil || len(chans) == 0 {
		t.Fatalf("PUBSUB CHANNELS = %q, %v", chans, err)
	}
	for _, c := range chans {
		if !strings.HasPrefix(c, prefix) {
			t.Errorf("channel %q is outside %s*", c, prefix)
		}
	}
}

func TestCorruptValuesAreSkipped(t *testing.T) {
	srv := redistest.StartServer(t)
	site := nextSite()
	s := open(t, Options{URL: srv.URL(), Site: site})
	good := location.Position{TS: 1, Tag: "GOOD", Level: "L0"}
	_, err := s.Apply(t.Context(), store.Update{
		Positions: []location.Position{{TS: 1, Tag: "BAD", Level: "L0"}, good},
		Events:    []geofence.Event{{Type: geofence.Enter, Tag: "T", TS: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	k := newKeys(site)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	if err := rdb.HSet(t.Context(), k.positions, "BAD", "{not json").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: k.events, Values: []string{"ts", "x"}}).Err(); err != nil {
		t.Fatal(err)
	}
	last, err := s.Apply(t.Context(), store.Update{Events: []geofence.Event{{Type: geofence.Exit, Tag: "T", TS: 2}}})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := s.GetPosition(t.Context(), "BAD"); !errors.Is(err, errCorrupt) {
		t.Errorf("GetPosition(corrupt) error = %v, want errCorrupt", err)
	}
	page, err := s.ListPositions(t.Context(), store.Query{})
	if err != nil || len(page.Positions) != 1 || page.Positions[0] != good {
		t.Errorf("ListPositions = %+v, %v; want only the good position", page.Positions, err)
	}
	evs, err := s.ReadEvents(t.Context(), "0", 10, 0)
	if err != nil || len(evs) != 2 || evs[1] != last[0] {
		t.Errorf("ReadEvents = %+v, %v; want the two good events", evs, err)
	}
	first := evs[0].ID
	if evs, err = s.ReadEvents(t.Context(), first, 10, 0); err != nil || len(evs) != 1 || evs[0] != last[0] {
		t.Errorf("ReadEvents past a corrupt entry = %+v, %v", evs, err)
	}
}
