package pipeline

import "time"

// noteBacklog updates the backlog metrics and whether the backlog is older
// than Config.MaxBacklogAge. While it is, Ingest refuses batches with
// ErrBusy (readers get 5.03 and retry later) rather than acknowledging
// sightings whose results would wait longer still, or be lost. It logs
// once when the bound is crossed and once when the backlog is back under
// it. Called by Run after each write attempt.
func (p *Pipeline) noteBacklog() {
	var age time.Duration
	if len(p.queuedAt) > 0 {
		age = p.cfg.Clock().Sub(p.queuedAt[0])
	}
	p.metrics.backlogUpdates.Set(float64(len(p.backlog)))
	p.metrics.backlogAge.Set(age.Seconds())
	over := age > p.cfg.MaxBacklogAge
	if p.overdue.Swap(over) == over {
		return
	}
	if over {
		p.log.Error("store writes are behind more than the backlog bound: refusing sightings (5.03) until the store catches up",
			"age", age, "bound", p.cfg.MaxBacklogAge, "updates", len(p.backlog))
		return
	}
	p.log.Info("store caught up: taking sightings again", "updates", len(p.backlog))
}
