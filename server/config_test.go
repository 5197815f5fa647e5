package server

import (
	"context"
	"errors"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/testlog"
)

func TestConfigValidateNamesTheFlag(t *testing.T) {
	ok := Config{Floorplans: []string{"plan.geojson"}, CoAPAddr: ":5683", GRPCAddr: ":50051", Insecure: true}
	cases := []struct {
		name string
		edit func(*Config)
		flag string // "" when valid
	}{
		{"valid", func(*Config) {}, ""},
		{"demo without plan", func(c *Config) { c.Floorplans, c.Demo = nil, true }, ""},
		{"no plan", func(c *Config) { c.Floorplans = nil }, "--floorplan"},
		{"bad coap addr", func(c *Config) { c.CoAPAddr = "5683" }, "--coap-addr"},
		{"bad grpc addr", func(c *Config) { c.GRPCAddr = "localhost" }, "--grpc-addr"},
		{"bad metrics addr", func(c *Config) { c.MetricsAddr = "9464" }, "--metrics-addr"},
		{"bad redis url", func(c *Config) { c.RedisURL = "127.0.0.1:6379" }, "--redis"},
		{"bad redis mode", func(c *Config) { c.RedisURL, c.RedisMode = "redis://127.0.0.1:6379", "replica" }, "--redis-mode"},
		{"redis cluster", func(c *Config) { c.RedisURL, c.RedisMode = "redis://127.0.0.1:7000?addr=127.0.0.1:7001", "cluster" }, ""},
		{"site with brace", func(c *Config) { c.Site = "a{b" }, "--site"},
		{"negative in-use dwell", func(c *Config) { c.Status.InUseDwell = -time.Second }, "--in-use-dwell"},
		{"negative absence", func(c *Config) { c.Status.Absence = -time.Second }, "--missing-after"},
		{"no stairs", func(c *Config) { c.Walk.StairsPerLevelM = -1 }, ""},
		{"stairs not a number", func(c *Config) { c.Walk.StairsPerLevelM = math.NaN() }, "--walk-stairs-m"},
		{"infinite lift", func(c *Config) { c.Walk.LiftM = math.Inf(1) }, "--walk-lift-m"},
		{"negative lift per level", func(c *Config) { c.Walk.LiftPerLevelM = -5 }, "--walk-lift-per-level-m"},
		{"no reader keys, not insecure", func(c *Config) { c.Insecure = false }, "--reader-keys"},
		{"demo implies insecure", func(c *Config) { c.Insecure, c.Demo = false, true }, ""},
		{"reader keys", func(c *Config) {
			c.Insecure, c.Readers.Keys, c.Readers.DTLSAddr = false, "keys.jsonl", ":5684"
			c.API = APIConfig{TLSCert: "cert.pem", TLSKey: "key.pem", Tokens: "tokens.jsonl"}
		}, ""},
		{"bad dtls addr", func(c *Config) { c.Readers.Keys, c.Readers.DTLSAddr = "keys.jsonl", "5684" }, "--coap-dtls-addr"},
		{"bad tag policy", func(c *Config) { c.Readers.Tags.Mode = "some" }, "--tag-policy"},
		{"budget without a number", func(c *Config) { c.Readers.Tags.Mode = "budget" }, "--new-tags-per-minute"},
		{"instance with a space", func(c *Config) { c.Instance = "a b" }, "--instance"},
		{"bad advertise addr", func(c *Config) { c.AdvertiseGRPC = "rtls-a" }, "--advertise-grpc"},
		{"advertise addr", func(c *Config) { c.AdvertiseGRPC = "rtls-a.internal:50051" }, ""},
		{"host name with brace", func(c *Config) { c.HostName = "h{1}" }, "--host-name"},
		{"peer ca without tls", func(c *Config) { c.PeerCA = "ca.pem" }, "--peer-ca"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if tc.flag == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.flag) {
				t.Fatalf("Validate: %v, want an ErrConfig naming %s", err, tc.flag)
			}
		})
	}
}

// TestConfigValidateOrder: a configuration with several problems reports
// them all, in flag order, identically on every call.
func TestConfigValidateOrder(t *testing.T) {
	c := Config{CoAPAddr: "5683", GRPCAddr: "localhost", MetricsAddr: "9464", RedisURL: "127.0.0.1:6379", Site: "{"}
	want := []string{"--floorplan", "--coap-addr", "--grpc-addr", "--metrics-addr", "--redis", "--site", "--reader-keys", "--tls-cert", "--tokens"}
	first := c.Validate()
	if !errors.Is(first, ErrConfig) {
		t.Fatalf("Validate: %v, want ErrConfig", first)
	}
	lines := strings.Split(first.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("Validate reported %d problems, want %d:\n%v", len(lines), len(want), first)
	}
	for i, flag := range want {
		if !strings.HasPrefix(lines[i], "server: invalid config: "+flag+": ") {
			t.Errorf("problem %d: %q, want one naming %s", i, lines[i], flag)
		}
	}
	for range 50 {
		if err := c.Validate(); err.Error() != first.Error() {
			t.Fatalf("Validate changed its report:\n%v\nthen\n%v", first, err)
		}
	}
}

// TestStartNamesTheBusyAddress: a gRPC address another process holds
// stops Start with ErrAddrInUse naming the flag and the address.
func TestStartNamesTheBusyAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: busy.Addr().String(), Insecure: true}
	s, err := Start(context.Background(), cfg, testlog.Logger())
	if err == nil {
		s.close()
		t.Fatal("Start bound a taken address")
	}
	if !errors.Is(err, ErrAddrInUse) || !strings.Contains(err.Error(), "--grpc-addr "+busy.Addr().String()) {
		t.Fatalf("Start: %v, want ErrAddrInUse naming --grpc-addr %s", err, busy.Addr())
	}
}
