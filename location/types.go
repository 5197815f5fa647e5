// Package location is the localization engine: it turns sightings into
// positions on a floorplan (level, x/y in meters, an error radius, a room),
// in event time. It knows nothing of CoAP, gRPC, Redis or protobuf.
package location

// Sighting is one radio observation of a tag by a reader.
type Sighting struct {
	TS     int64 // epoch milliseconds, stamped by the reader
	Reader string
	Tag    string
	RSSI   float64 // dBm
	Seq    uint64  // the format's optional batch sequence number (0 when unknown); carried by location/jsonl, not used by the engine
	// Button is true when the tag reported its duress button pressed.
	Button bool
	// Battery is the battery level the tag reported, in percent 0..100,
	// when HasBattery.
	Battery    uint8
	HasBattery bool
}

// StampRange returns the oldest and newest stamps of ss (not empty).
func StampRange(ss []Sighting) (oldest, newest int64) {
	oldest, newest = ss[0].TS, ss[0].TS
	for _, s := range ss[1:] {
		oldest, newest = min(oldest, s.TS), max(newest, s.TS)
	}
	return oldest, newest
}

// Position is the engine's estimate of where a tag is at TS.
type Position struct {
	TS        int64 // epoch milliseconds the estimate holds for
	Tag       string
	Level     string
	X, Y      float64 // site-local meters
	AccuracyM float64 // error radius the engine claims
	Room      string  // room id, "" when in no room
	// RoomProb is the engine's probability that the tag is in Room.
	RoomProb float64
}
