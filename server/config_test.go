package server

import (
	"errors"
	"strings"
	"testing"
)

func TestConfigValidateNamesTheFlag(t *testing.T) {
	ok := Config{Floorplans: []string{"plan.geojson"}, CoAPAddr: ":5683", GRPCAddr: ":50051"}
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
