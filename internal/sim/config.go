package sim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrConfig is matched by every configuration error; the message names the
// field at fault.
var ErrConfig = errors.New("sim: invalid config")

// DefaultStart is the simulated clock's start when Config.Start is zero
// (2025-11-21T10:00:00Z, the synthetic-clinic data set's start).
var DefaultStart = time.UnixMilli(1763719200000).UTC()

// Config holds the simulation's knobs. Start from DefaultConfig and change
// what you need: zero values mean zero (no noise, no loss), not "default".
type Config struct {
	// Seed makes a run reproducible: the same seed, plan, tags and Step
	// sequence give the same sightings and truth.
	Seed uint64
	// Start is the simulated clock at time zero (epoch ms in sightings).
	// Zero means DefaultStart.
	Start time.Time

	// MovingInterval and StillInterval are the beacon periods of a tag that
	// moves (1 s) and of one that is still (5 s).
	MovingInterval time.Duration
	StillInterval  time.Duration
	// LevelChangeProb is the chance that a staff member's or a pump's next
	// trip goes to another level (patients: a fifth of it). Default 0.1.
	LevelChangeProb float64

	// NoiseSigmaDB is the per-packet fast fading, dB (default 4).
	NoiseSigmaDB float64
	// ShadowSigmaDB is the log-normal shadowing, dB (default 4): a smooth
	// random field per reader, correlated over ShadowCorrM meters (3 m).
	ShadowSigmaDB float64
	ShadowCorrM   float64
	// CalibSigmaDB is the per-reader error of rssi_at_1m, dB (default 3),
	// and ExponentSigma that of the path loss exponent (default 0.15);
	// drawn once per reader: real readers deviate from the plan's nominal.
	CalibSigmaDB  float64
	ExponentSigma float64
	// PathLossExponent, when positive, is the true path loss exponent of
	// every ranging reader (before ExponentSigma) in place of the plan's
	// nominal one: a building whose radio differs from what was installed.
	PathLossExponent float64
	// TxSigmaDB is the per-tag transmit power deviation, dB (default 1.5).
	TxSigmaDB float64
	// WallLossDB is lost per wall the straight line crosses (default 4);
	// FloorLossDB per level between tag and reader (default 17).
	WallLossDB  float64
	FloorLossDB float64
	// PacketLoss is the chance a reader misses a packet it could hear
	// (default 0.1).
	PacketLoss float64
	// RxThresholdDBm is the weakest RSSI a reader reports (default -95).
	RxThresholdDBm float64
	// MaxRangeM is how far (horizontally) a ranging reader is considered at
	// all (default 30); readers one level up or down within half of it.
	MaxRangeM float64

	// ReaderFailureFraction is the long-run fraction of time a reader is
	// silent (default 0.02), in outages of ReaderOutageMean (5 min) on
	// average, exponentially distributed.
	ReaderFailureFraction float64
	ReaderOutageMean      time.Duration
	// ClockSkewSigma is the spread of the readers' clock offsets (default
	// 100 ms), drawn once per reader: sighting ts = true time + offset.
	ClockSkewSigma time.Duration

	// NetDelayMax bounds the normal delivery delay, uniform in
	// [0, NetDelayMax] (default 50 ms).
	NetDelayMax time.Duration
	// LateFraction of sightings are delayed a further uniform [0,
	// MaxLateness] (defaults 0.02 and 3 s): they arrive late and out of order.
	LateFraction float64
	MaxLateness  time.Duration
	// DupFraction of sightings arrive a second time, 0.2-2 s later
	// (default 0.005), as a retransmitting gateway would send them.
	DupFraction float64
}

// DefaultConfig returns the documented defaults with the given seed.
func DefaultConfig(seed uint64) Config {
	return Config{
		Seed:                  seed,
		MovingInterval:        time.Second,
		StillInterval:         5 * time.Second,
		LevelChangeProb:       0.1,
		NoiseSigmaDB:          4,
		ShadowSigmaDB:         4,
		ShadowCorrM:           3,
		CalibSigmaDB:          3,
		ExponentSigma:         0.15,
		TxSigmaDB:             1.5,
		WallLossDB:            4,
		FloorLossDB:           17,
		PacketLoss:            0.1,
		RxThresholdDBm:        -95,
		MaxRangeM:             30,
		ReaderFailureFraction: 0.02,
		ReaderOutageMean:      5 * time.Minute,
		ClockSkewSigma:        100 * time.Millisecond,
		NetDelayMax:           50 * time.Millisecond,
		LateFraction:          0.02,
		MaxLateness:           3 * time.Second,
		DupFraction:           0.005,
	}
}

// Validate reports the first field out of range.
func (c Config) Validate() error {
	checks := []struct {
		name string
		bad  bool
	}{
		{"MovingInterval", c.MovingInterval < time.Millisecond},
		{"StillInterval", c.StillInterval < time.Millisecond},
		{"LevelChangeProb", !prob(c.LevelChangeProb)},
		{"NoiseSigmaDB", !nonNeg(c.NoiseSigmaDB)},
		{"ShadowSigmaDB", !nonNeg(c.ShadowSigmaDB)},
		{"ShadowCorrM", !(c.ShadowCorrM > 0) || math.IsInf(c.ShadowCorrM, 0)},
		{"CalibSigmaDB", !nonNeg(c.CalibSigmaDB)},
		{"ExponentSigma", !nonNeg(c.ExponentSigma)},
		{"PathLossExponent", !nonNeg(c.PathLossExponent)},
		{"TxSigmaDB", !nonNeg(c.TxSigmaDB)},
		{"WallLossDB", !nonNeg(c.WallLossDB)},
		{"FloorLossDB", !nonNeg(c.FloorLossDB)},
		{"PacketLoss", !prob(c.PacketLoss)},
		{"RxThresholdDBm", math.IsNaN(c.RxThresholdDBm) || math.IsInf(c.RxThresholdDBm, 1)},
		{"MaxRangeM", !(c.MaxRangeM > 0 && c.MaxRangeM <= 1000)},
		{"ReaderFailureFraction", !(c.ReaderFailureFraction >= 0 && c.ReaderFailureFraction < 1)},
		{"ReaderOutageMean", c.ReaderFailureFraction > 0 && c.ReaderOutageMean < time.Second},
		{"ClockSkewSigma", c.ClockSkewSigma < 0},
		{"NetDelayMax", c.NetDelayMax < 0 || c.NetDelayMax > time.Minute},
		{"LateFraction", !prob(c.LateFraction)},
		{"MaxLateness", c.MaxLateness < 0 || c.MaxLateness > time.Hour},
		{"DupFraction", !prob(c.DupFraction)},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s out of range", ErrConfig, ch.name)
		}
	}
	return nil
}

func prob(p float64) bool { return p >= 0 && p <= 1 }

func nonNeg(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }
