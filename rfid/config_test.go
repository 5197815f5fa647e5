package rfid

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestConfigInvalid(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"negative max future", Config{MaxFuture: -time.Second}, "max_future"},
		{"negative max age", Config{MaxAge: -1}, "max_age"},
		{"negative lifetime", Config{ExchangeLifetime: -1}, "exchange_lifetime"},
		{"body over a datagram", Config{MaxBodyBytes: 70000}, "max_body_bytes"},
		{"negative body", Config{MaxBodyBytes: -1}, "max_body_bytes"},
		{"negative sightings", Config{MaxSightings: -1}, "max_sightings"},
		{"negative timeout", Config{IngestTimeout: -1}, "ingest_timeout"},
		{"negative read buffer", Config{ReadBuffer: -1}, "read_buffer"},
		{"negative read goroutines", Config{ReadGoroutines: -1}, "read_goroutines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewServer(tt.cfg, &recordingSink{}, testReaders, nil)
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("err %v, want ErrInvalidConfig naming %s", err, tt.field)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExchangeLifetime != 247*time.Second || cfg.SeqWindow != cfg.ExchangeLifetime || cfg.MaxFuture != time.Minute ||
		cfg.MaxAge != time.Hour || cfg.Addr != ":5683" || cfg.Logger == nil || cfg.Clock == nil ||
		cfg.ReadBuffer != DefaultReadBuffer || cfg.ReadGoroutines < 16 {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func TestNewServerNeedsSinkAndReaders(t *testing.T) {
	if _, err := NewServer(Config{}, nil, testReaders, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil sink: err %v", err)
	}
	if _, err := NewServer(Config{}, &recordingSink{}, nil, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil readers: err %v", err)
	}
}

func TestMetricsRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := NewServer(Config{}, &recordingSink{}, testReaders, reg); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, want := range []string{"rtls_rfid_batches_total", "rtls_rfid_sightings_accepted_total", "rtls_rfid_sightings_dropped_total",
		"rtls_rfid_duplicates_total", "rtls_rfid_dedupe_entries", "rtls_rfid_decode_seconds"} {
		if !names[want] {
			t.Errorf("metric %s not registered", want)
		}
	}
	// A second server on the same registry is a configuration error.
	if _, err := NewServer(Config{}, &recordingSink{}, testReaders, reg); err == nil {
		t.Error("second registration on one registry succeeded")
	}
}
