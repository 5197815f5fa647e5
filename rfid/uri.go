package rfid

// CoAP resource paths served by this package. Every path lives here so the
// surface a reader or gateway can reach is visible in one place.
const (
	// SightingsPath takes one batch of sightings from one reader (POST).
	SightingsPath = "/v1/sightings"
)
