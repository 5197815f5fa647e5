package location

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
)

// Config tunes the engine. Zero values take the documented defaults (see
// Defaults); nothing here is specific to one building: geometry and nominal
// radio calibration come from the floorplan, and per-reader offsets are
// learned online when Calibrate is on.
type Config struct {
	// EpochMS is the grid, in event time, on which positions are computed.
	EpochMS int64
	// LatenessMS bounds how late (behind the newest sighting of the same
	// tag, or behind the watermark given to Flush) a sighting may arrive and
	// still be used. Later ones are dropped and counted.
	LatenessMS int64
	// MaxGapMS caps the time the motion model spreads over between updates.
	MaxGapMS int64
	// Particles per tracked tag.
	Particles int
	// TagHeightM is the assumed height of a tag above the floor.
	TagHeightM float64
	// SigmaDB is the standard deviation of one reader's RSSI around the
	// path-loss model (shadowing and fading) before the building's own is
	// learned, and the least the likelihood assumes afterwards (Radio).
	SigmaDB float64
	// OutlierProb is the prior probability that a reading is unrelated to
	// the distance (multipath, a body in the way): a robust likelihood floor.
	OutlierProb float64
	// WallLossDB is the prior loss per wall on the straight line between
	// tag and reader (crossings through a door opening are free; default
	// 4 dB, a light interior wall); the loss through 1..MaxWalls walls is
	// learned online from there (Radio). FloorLossDB per level between them.
	WallLossDB  float64
	FloorLossDB float64
	// MaxWalls caps the walls counted on one line (default 3, at most 8):
	// signals to a reader several rooms away also arrive around the walls
	// (doors, corridors), so the loss does not keep growing per wall. The
	// loss through each count up to it is learned separately.
	MaxWalls int
	// SensitivityDBm is the weakest RSSI a reader reports; MissProb the
	// chance that a reader in range reports nothing for an epoch anyway.
	// Together they turn "reader R did not hear the tag" into evidence.
	// MissProb 1 turns that evidence off; below 1 it is the least miss
	// probability the likelihood assumes once the building's is learned.
	SensitivityDBm float64
	MissProb       float64
	// LevelHeightM separates levels whose plan gives no elevation.
	LevelHeightM float64
	// WalkSpeed is the typical walking speed (m/s) of a moving tag; MaxSpeed
	// caps it.
	WalkSpeed float64
	MaxSpeed  float64
	// StillS and MovingS are the mean durations (seconds) of standing still
	// and of walking in the motion model.
	StillS  float64
	MovingS float64
	// RoomSwitchProb is the share a new room needs of its own and the
	// reported room's belief in the room filter (roomfilter.go) before the
	// reported room changes: switching costs, against flapping (0.83: the
	// new room holds about 5x the reported one's belief).
	RoomSwitchProb float64
	// LevelSwitchMS is how long the evidence must favour another level
	// before a tag outside a lift or stairs is moved there.
	LevelSwitchMS int64
	// Calibrate turns on online learning of per-reader RSSI offsets: each
	// reading's residual is taken at a fix from the same epoch's other
	// readings and averaged in 10 s buckets of event time, which update
	// the reader's offset as a Kalman filter. CalibrationDrift is how fast
	// an offset is assumed to wander (random-walk variance, dB² per second
	// of event time; default 0.05, i.e. about 1.7 dB a minute): larger
	// follows changes faster, smaller averages more.
	Calibrate        bool
	CalibrationDrift float64
	// FixedRadio keeps the radio model at its prior (SigmaDB, WallLossDB
	// per wall, the plan's exponents, MissProb) instead of learning the
	// building's wall loss, path loss exponent, σ and miss probability
	// online (see Radio).
	FixedRadio bool
	// LearnExponent lets the likelihood use the learned change of the path
	// loss exponent (it is learned and reported either way). Off by
	// default: learned from estimated positions it is biased (on the
	// family and synthetic-clinic it moved away from the true value), see
	// docs/accuracy.md.
	LearnExponent bool
	// EvictAfterMS is how long a tag may stay silent before the engine
	// forgets it (its last position stays in the store).
	EvictAfterMS int64
	// Seed makes the engine deterministic: same seed and input, same output.
	Seed uint64
	// Workers is how many goroutines compute tags during Flush and Drain
	// (0: GOMAXPROCS). The output does not depend on it.
	Workers int
}

// workers is how many goroutines the engine computes on (Workers, or
// GOMAXPROCS when 0).
func (c *Config) workers() int {
	if c.Workers == 0 {
		return runtime.GOMAXPROCS(0)
	}
	return c.Workers
}

// Defaults returns the default configuration.
func Defaults() Config {
	return Config{
		EpochMS:          1000,
		LatenessMS:       3000,
		MaxGapMS:         10000,
		Particles:        200,
		TagHeightM:       1.2,
		SigmaDB:          6,
		OutlierProb:      0.05,
		WallLossDB:       4,
		FloorLossDB:      18,
		MaxWalls:         3,
		LevelHeightM:     4,
		SensitivityDBm:   -95,
		MissProb:         0.3,
		WalkSpeed:        1.2,
		MaxSpeed:         3,
		StillS:           60,
		MovingS:          15,
		RoomSwitchProb:   0.83,
		LevelSwitchMS:    8000,
		Calibrate:        true,
		CalibrationDrift: 0.05,
		EvictAfterMS:     3_600_000,
		Seed:             1,
	}
}

// outlierFloor is the likelihood a reading keeps however far it lies from
// the model: OutlierProb spread uniformly over a 60 dB range, on the scale
// of the Gaussian's density times sigma·√(2π).
func (c *Config) outlierFloor(sigma float64) float64 {
	return c.OutlierProb * sigma * math.Sqrt(2*math.Pi) / 60
}

// ErrConfig is returned for an invalid configuration.
var ErrConfig = errors.New("location: invalid config")

// Resolved returns c with Defaults filled in for the fields left zero,
// or ErrConfig when the result is not valid: the configuration New runs
// with.
func (c Config) Resolved() (Config, error) {
	c = c.withDefaults()
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c Config) withDefaults() Config {
	d := Defaults()
	set := func(v *int64, dv int64) {
		if *v == 0 {
			*v = dv
		}
	}
	setf := func(v *float64, dv float64) {
		if *v == 0 {
			*v = dv
		}
	}
	set(&c.EpochMS, d.EpochMS)
	set(&c.LatenessMS, d.LatenessMS)
	set(&c.MaxGapMS, d.MaxGapMS)
	set(&c.LevelSwitchMS, d.LevelSwitchMS)
	set(&c.EvictAfterMS, d.EvictAfterMS)
	if c.Particles == 0 {
		c.Particles = d.Particles
	}
	if c.MaxWalls == 0 {
		c.MaxWalls = d.MaxWalls
	}
	setf(&c.TagHeightM, d.TagHeightM)
	setf(&c.SigmaDB, d.SigmaDB)
	setf(&c.OutlierProb, d.OutlierProb)
	setf(&c.WallLossDB, d.WallLossDB)
	setf(&c.FloorLossDB, d.FloorLossDB)
	setf(&c.LevelHeightM, d.LevelHeightM)
	setf(&c.SensitivityDBm, d.SensitivityDBm)
	setf(&c.MissProb, d.MissProb)
	setf(&c.WalkSpeed, d.WalkSpeed)
	setf(&c.MaxSpeed, d.MaxSpeed)
	setf(&c.StillS, d.StillS)
	setf(&c.MovingS, d.MovingS)
	setf(&c.RoomSwitchProb, d.RoomSwitchProb)
	setf(&c.CalibrationDrift, d.CalibrationDrift)
	return c
}

func (c Config) validate() error {
	switch {
	case c.EpochMS < 100:
		return fmt.Errorf("%w: epoch_ms: %d is below 100", ErrConfig, c.EpochMS)
	case c.LatenessMS < 0:
		return fmt.Errorf("%w: lateness_ms: %d is negative", ErrConfig, c.LatenessMS)
	case c.MaxWalls < 1 || c.MaxWalls > maxWallsLimit:
		return fmt.Errorf("%w: max_walls: %d outside 1..%d", ErrConfig, c.MaxWalls, maxWallsLimit)
	case c.Particles < 16 || c.Particles > 10000:
		return fmt.Errorf("%w: particles: %d outside 16..10000", ErrConfig, c.Particles)
	case c.SigmaDB <= 0:
		return fmt.Errorf("%w: sigma_db: must be positive", ErrConfig)
	case c.OutlierProb < 0 || c.OutlierProb >= 1:
		return fmt.Errorf("%w: outlier_prob: %g outside [0,1)", ErrConfig, c.OutlierProb)
	case c.StillS <= 0 || c.MovingS <= 0:
		return fmt.Errorf("%w: still_s, moving_s: must be positive", ErrConfig)
	case c.Workers < 0 || c.Workers > 1024:
		return fmt.Errorf("%w: workers: %d outside 0..1024", ErrConfig, c.Workers)
	case c.CalibrationDrift < 0:
		return fmt.Errorf("%w: calibration_drift: must not be negative", ErrConfig)
	case c.RoomSwitchProb <= 0.5 || c.RoomSwitchProb > 1:
		return fmt.Errorf("%w: room_switch_prob: %g outside (0.5,1]", ErrConfig, c.RoomSwitchProb)
	}
	return nil
}

// ReadConfigFile returns Defaults overridden by the fields of a JSON file
// (field names as in Config, e.g. {"Particles": 300, "LatenessMS": 2000}).
// Unknown fields are errors, so a misspelt setting is not silently ignored.
func ReadConfigFile(path string) (Config, error) {
	cfg := Defaults()
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("%w: %s: %v", ErrConfig, path, err)
	}
	return cfg, cfg.withDefaults().validate()
}

// maxWallsLimit is the most walls Config.MaxWalls may count on one line.
const maxWallsLimit = 8
