// Package rfid is the reader front: the CoAP resources readers and gateways
// post sighting batches to, payload decoding (JSON and CBOR) and per-reader
// validation. It hands validated sightings to the engine through Sink.
package rfid

// Batch is the wire payload of POST /v1/sightings: one batch from one reader.
// JSON (content-format 50) and CBOR (60) use the same field names.
type Batch struct {
	Reader    string         `json:"reader" cbor:"reader"`
	Seq       uint64         `json:"seq" cbor:"seq"`
	Sightings []WireSighting `json:"sightings" cbor:"sightings"`
}

// WireSighting is one observation inside a Batch.
type WireSighting struct {
	TS   int64   `json:"ts" cbor:"ts"`     // epoch milliseconds, reader clock
	Tag  string  `json:"tag" cbor:"tag"`   // tag id
	RSSI float64 `json:"rssi" cbor:"rssi"` // dBm, -120..0
	// Button is true while the tag's duress button is pressed (optional).
	Button bool `json:"button,omitempty" cbor:"button,omitempty"`
	// Battery is the tag's battery level in percent, 0..100 (optional; nil
	// when not reported). A level outside 0..100 is dropped, the sighting
	// kept.
	Battery *float64 `json:"battery,omitempty" cbor:"battery,omitempty"`
}
