//go:build race

package sim

// raceDetector reports whether the tests run under -race.
const raceDetector = true
