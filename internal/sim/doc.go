// Package sim simulates a hospital site for the demo, for load tests and for
// data sets the engine has never seen: tags (staff, assets, patients) that
// move on a floorplan through its doors, elevators and stairs, and a radio
// (log-distance path loss, per-reader calibration error, walls and floors,
// shadowing, fading, packet loss) that turns their beacons into sightings,
// delivered late, duplicated and out of order as real readers do. Sim is
// the deterministic core (one seed, one run); Batcher groups sightings into
// wire batches; Run sends them over CoAP in real time; WriteDataset writes
// FORMATS.md JSON Lines without networking.
package sim
