package rfid

import (
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hospitalrtls/rtls/location"
)

// dropReason says why a sighting was dropped.
type dropReason uint8

// Reasons for dropping one sighting of an otherwise good batch.
const (
	dropMissingField dropReason = iota // ts or rssi absent
	dropRSSI                           // rssi outside -120..0 dBm, or NaN
	dropTagEmpty
	dropTagTooLong
	dropTagInvalid // invalid UTF-8 or control characters
	dropTSFuture
	dropTSTooOld
	// dropBattery: the battery level lies outside 0..100 or is not a
	// number. Only the field is dropped: the sighting is kept.
	dropBattery
	// dropLate: the Sink found every sighting of the batch behind the
	// engine's finalised time (location.ErrLate): a retry that came too
	// late to be located. Reported dropped in the 2.04, never accepted.
	dropLate
	numDropReasons
)

// dropReasonNames are the metric labels of the reasons.
var dropReasonNames = [numDropReasons]string{
	"missing_field", "rssi_out_of_range", "tag_empty", "tag_too_long", "tag_invalid", "ts_future", "ts_too_old",
	"battery_out_of_range", "late",
}

func (r dropReason) String() string { return dropReasonNames[r] }

// RSSI bounds in dBm and battery bounds in percent, inclusive.
const (
	minRSSI    = -120
	maxRSSI    = 0
	minBattery = 0
	maxBattery = 100
)

// limits are the per-sighting checks of one batch.
type limits struct {
	now       int64 // server clock, epoch ms
	maxFuture int64 // ms
	maxAge    int64 // ms
	maxTagLen int
}

func newLimits(cfg Config, now time.Time) limits {
	return limits{
		now:       now.UnixMilli(),
		maxFuture: cfg.MaxFuture.Milliseconds(),
		maxAge:    cfg.MaxAge.Milliseconds(),
		maxTagLen: cfg.MaxTagLen,
	}
}

// normaliseID trims the spaces around a reader or tag id.
func normaliseID(id string) string { return strings.TrimSpace(id) }

// convert validates the sightings of b (reader already normalised) and
// returns the good ones as engine sightings; drop is called once per bad one,
// and once per bad battery field of a good one (dropBattery).
func (l limits) convert(b Batch, drop func(dropReason)) []location.Sighting {
	out := make([]location.Sighting, 0, len(b.Sightings))
	for _, w := range b.Sightings {
		tag := normaliseID(w.Tag)
		if r, bad := l.check(w, tag); bad {
			drop(r)
			continue
		}
		s := location.Sighting{TS: w.TS, Reader: b.Reader, Tag: tag, RSSI: w.RSSI, Button: w.Button}
		if w.Battery != nil {
			if v := *w.Battery; v >= minBattery && v <= maxBattery { // NaN fails both
				s.Battery, s.HasBattery = uint8(math.Round(v)), true
			} else {
				drop(dropBattery)
			}
		}
		out = append(out, s)
	}
	return out
}

// check returns the reason to drop w (with its tag normalised), if any.
func (l limits) check(w WireSighting, tag string) (dropReason, bool) {
	switch {
	case w.TS == tsMissing || math.Float64bits(w.RSSI) == rssiMissingBits:
		return dropMissingField, true
	case !(w.RSSI >= minRSSI && w.RSSI <= maxRSSI): // NaN fails both
		return dropRSSI, true
	case tag == "":
		return dropTagEmpty, true
	case len(tag) > l.maxTagLen:
		return dropTagTooLong, true
	case !validTag(tag):
		return dropTagInvalid, true
	case w.TS > l.now+l.maxFuture:
		return dropTSFuture, true
	case w.TS < l.now-l.maxAge:
		return dropTSTooOld, true
	}
	return 0, false
}

// validTag reports whether tag is printable UTF-8 without control characters.
func validTag(tag string) bool {
	if !utf8.ValidString(tag) {
		return false
	}
	for _, r := range tag {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
