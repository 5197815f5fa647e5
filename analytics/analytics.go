// Package analytics keeps the de-identified aggregates of the facilities
// API (rtls.v1.AnalyticsService): dwell, transitions and occupancy from
// closed room visits (geofence.Visit), and utilization from asset status
// changes (geofence.StatusChange).
//
// It is a product stage of its own, beside location/ (where tags are) and
// location/geofence (what that means): it turns history into aggregates
// and answers questions over them, and imports no transport or store.
//
// An Aggregator turns visits and status changes into Ops as they close:
// additions to counters and members of sets, in hour buckets. The store
// writes the Ops atomically with the update that closed the visits, so a
// retried update is counted once. Queries (Dwell, Transitions, Occupancy,
// Utilization) read the buckets of the range, never positions or visits.
//
// Bucket layout: a bucket is named "<kind><grouping>:<hour ms>" (Bucket)
// and holds, per row "<class>\x1f<key>[\x1f<key2>]", packed counters and
// tag sets (see pack.go):
//
//	d (dwell, by visit end):      visits, summed ms, histogram bins; tags
//	t (transitions, by 2nd start): moves, row key from
//	o (occupancy, every hour of the visit): tags
//	u (utilization, no grouping): in use/available/other ms; assets,
//	                               assets in use; keys asset type, unit;
//	                               class empty
//
// Ops name a tag by TagHash, a 64-bit hash of its id (16 hex digits); the
// store numbers the hashes and keeps the numbers in its sets, so that
// distinct tags can be counted exactly across buckets without a tag id in
// the aggregates. The hash is a compact identifier, not a secret: the store
// holds tag ids elsewhere anyway, and no response carries either.
// Collisions among 5,000 tags have a probability below 1e-12.
package analytics

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
)

// ErrBadRange is returned by the queries for a range whose start is not
// before its end, or longer than MaxRange.
var ErrBadRange = errors.New("analytics: bad range")

// Grouping says what a row stands for.
type Grouping byte

// Groupings.
const (
	ByRoom     Grouping = 'r'
	ByCategory Grouping = 'c'
	ByUnit     Grouping = 'u'
)

// Groupings lists every grouping the Aggregator writes.
var Groupings = [...]Grouping{ByRoom, ByCategory, ByUnit}

// Kind names the aggregate a bucket holds.
type Kind byte

// Kinds of aggregate.
const (
	KindDwell       Kind = 'd'
	KindTransitions Kind = 't'
	KindOccupancy   Kind = 'o'
	KindUtilization Kind = 'u'
)

// HourMs is the length of a bucket.
const HourMs = int64(3_600_000)

// MaxRangeMs is the longest range a query may span: 92 days.
const MaxRangeMs = 92 * 24 * HourMs

// DefaultMinCount is the default minimum of distinct tags a row needs to
// be shown (rtlsd --analytics-min-count).
const DefaultMinCount = 5

// sep separates the parts of a field.
const sep = "\x1f"

// Op is one change to a row of an aggregate bucket: add Add to the row's
// Counter or, when Set is not zero, put Tag (a TagHash) in the row's set
// Set (SetTags or SetInUse), or record a move of Tag to key To (SetMoves).
type Op struct {
	Bucket  string
	Row     string
	Counter Counter
	Add     int64
	Set     byte
	Tag     string
	To      string
}

// Hour returns the start of the hour bucket of ts (epoch ms).
func Hour(ts int64) int64 { return ts - ((ts%HourMs)+HourMs)%HourMs }

// Bucket returns the name of the bucket of kind and grouping for the hour
// starting at hour; utilization has no grouping (pass 0).
func Bucket(k Kind, g Grouping, hour int64) string {
	if g == 0 {
		g = '-'
	}
	return string([]byte{byte(k), byte(g), ':'}) + strconv.FormatInt(hour, 10)
}

// BucketHour returns the hour of a bucket name; ok is false for a name
// Bucket does not make.
func BucketHour(name string) (hour int64, ok bool) {
	if len(name) < 4 || name[2] != ':' {
		return 0, false
	}
	hour, err := strconv.ParseInt(name[3:], 10, 64)
	return hour, err == nil && Hour(hour) == hour
}

// Buckets returns the buckets of kind and grouping whose hours overlap
// [from, to), oldest first.
func Buckets(k Kind, g Grouping, from, to int64) []string {
	var out []string
	for h := Hour(from); h < to; h += HourMs {
		out = append(out, Bucket(k, g, h))
	}
	return out
}

// CheckRange returns ErrBadRange unless from < to <= from + MaxRangeMs.
func CheckRange(from, to int64) error {
	if from >= to || to-from > MaxRangeMs {
		return ErrBadRange
	}
	return nil
}

// TagHash returns the 16-hex-digit hash a tag is counted by.
func TagHash(tag string) string {
	sum := sha256.Sum256([]byte(tag))
	return hex.EncodeToString(sum[:8])
}
