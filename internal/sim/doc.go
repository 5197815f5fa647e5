// Package sim simulates a hospital site for the demo, for load tests and for
// data sets the engine has never seen: tags (staff, assets, patients) that
// move on a floorplan through its doors, elevators and stairs, and a radio
// (log-distance path loss, per-reader calibration error, walls and floors,
// shadowing, fading, packet loss) that turns their beacons into sightings,
// delivered late, duplicated and out of order as real readers do. Sim is
// the deterministic core (one seed, one run); Batcher groups sightings into
// wire batches; Sender posts them over CoAP; Run does all three in real
// time; WriteDataset writes FORMATS.md JSON Lines without networking.
//
// Scripted is the same model without chance, for tests and load runs that
// must know where each tag is each second: tags follow scripted stays and
// walks, and readers hear them at the mean RSSI of each link.
package sim
