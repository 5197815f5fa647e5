package server

import (
	"errors"
	"strings"
	"testing"
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
		{"site with brace", func(c *Config) { c.Site = "a{b" }, "--site"},
		{"no reader keys, not insecure", func(c *Config) { c.Insecure = false }, "--reader-keys"},
		{"demo implies insecure", func(c *Config) { c.Insecure, c.Demo = false, true }, ""},
		{"reader keys", func(c *Config) { c.Insecure, c.Readers.Keys, c.Readers.DTLSAddr = false, "keys.jsonl", ":5684" }, ""},
		{"bad dtls addr", func(c *Config) { c.Readers.Keys, c.Readers.DTLSAddr = "keys.jsonl", "5684" }, "--coap-dtls-addr"},
		{"bad tag policy", func(c *Config) { c.Readers.Tags.Mode = "some" }, "--tag-policy"},
		{"budget without a number", func(c *Config) { c.Readers.Tags.Mode = "budget" }, "--new-tags-per-minute"},
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
