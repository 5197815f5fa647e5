package sim

import (
	"fmt"
	"testing"
)

func TestGenerate(t *testing.T) {
	base := []TagSpec{{"STAFF-001", ClassStaff}, {"PUMP-001", ClassAsset}, {"PAT-002", ClassPatient}}
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "[]"},
		{2, "[{STAFF-001 staff} {PUMP-001 asset}]"},
		{7, "[{STAFF-001 staff} {PUMP-001 asset} {PAT-002 patient} {STAFF-002 staff} {PUMP-002 asset} {PAT-001 patient} {STAFF-003 staff}]"},
	} {
		t.Run(fmt.Sprint(c.n), func(t *testing.T) {
			got := Generate(base, c.n)
			if s := fmt.Sprint(got); s != c.want {
				t.Errorf("Generate(%d) = %s, want %s", c.n, s, c.want)
			}
			if err := checkTags(got); c.n > 0 && err != nil {
				t.Errorf("generated tags invalid: %v", err)
			}
		})
	}
	if got := Generate(nil, 4); fmt.Sprint(got) != "[{STAFF-001 staff} {PUMP-001 asset} {PAT-001 patient} {STAFF-002 staff}]" {
		t.Errorf("Generate(nil, 4) = %v", got)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig(1).Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	for _, c := range []struct {
		name string
		mod  func(*Config)
	}{
		{"PacketLoss", func(c *Config) { c.PacketLoss = 1.5 }},
		{"NoiseSigmaDB", func(c *Config) { c.NoiseSigmaDB = -1 }},
		{"ShadowCorrM", func(c *Config) { c.ShadowCorrM = 0 }},
		{"MovingInterval", func(c *Config) { c.MovingInterval = 0 }},
		{"ReaderFailureFraction", func(c *Config) { c.ReaderFailureFraction = 1 }},
		{"MaxRangeM", func(c *Config) { c.MaxRangeM = 0 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig(1)
			c.mod(&cfg)
			err := cfg.Validate()
			if !errorsIs(err, ErrConfig) || !containsStr(err.Error(), c.name) {
				t.Errorf("Validate: %v, want ErrConfig naming %s", err, c.name)
			}
		})
	}
}

func TestOutagesFraction(t *testing.T) {
	for _, f := range []float64{0, 0.1, 0.3} {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			o := newOutages(newRand(1), f, 60)
			down := 0
			const n = 2_000_000
			for i := range n {
				if o.down(float64(i)) {
					down++
				}
				if i%1000 == 0 {
					o.prune(float64(i))
				}
			}
			if got := float64(down) / n; got < f*0.85 || got > f*1.15 {
				t.Errorf("down %.3f of the time, want %.2f", got, f)
			}
		})
	}
}
