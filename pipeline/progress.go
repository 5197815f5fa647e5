package pipeline

// progressEvery is how much event time may pass without an update being
// written while nothing else changes: an update then carries only its
// watermark, so that an ingest log is trimmed even when its sightings
// yield no position (readers hearing each other, tags the policy drops).
const progressEvery = 5_000

// progressDue reports whether an update that carries only the watermark
// wm is due, and notes wm as queued if it is newer. Each tick's update
// carries the watermark its positions were flushed at
// (store.Update.Watermark): once it is written, every sighting taken
// before that flush with an event time in a finalised epoch is processed.
func (p *Pipeline) progressDue(wm int64) bool {
	if wm == 0 {
		return false
	}
	due := wm >= p.progressed+progressEvery
	p.progressed = max(p.progressed, wm)
	return due
}
