package load

import (
	"context"
	"fmt"
	"time"

	"github.com/hospitalrtls/rtls/internal/sim"
)

// driver sends the batches of a run, second by second.
type driver struct {
	cfg Config
	mob *mobility
	snd *sim.Sender
	// sent maps each second (its stamp, epoch ms) to when its batches
	// started going out.
	sent map[int64]time.Time
	// counters
	batches, sightings, failed, behind int
	start, end                         time.Time
	sendTimes                          []time.Duration
}

// run sends for the configured duration, then watches for Drain more.
func (d *driver) run(ctx context.Context, w *watcher) error {
	d.start = time.Now().Truncate(time.Second).Add(time.Second)
	seconds := int(d.cfg.Duration / time.Second)
	for k := range seconds {
		at := d.start.Add(time.Duration(k) * time.Second)
		if err := sleepUntil(ctx, at); err != nil {
			return err
		}
		if time.Since(at) > time.Second/2 {
			d.behind++
		}
		if err := d.second(ctx, at); err != nil {
			return err
		}
		if k%10 == 9 {
			d.cfg.Log.Info("load: sending", "second", k+1, "of", seconds, "batches", d.batches, "failed", d.failed)
		}
	}
	d.end = d.start.Add(time.Duration(seconds) * time.Second)
	select {
	case err := <-w.done:
		return fmt.Errorf("%w: %v", ErrStream, err)
	case <-time.After(time.Until(d.end.Add(d.cfg.Drain))):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// second sends the batches of one second, stamped at.
func (d *driver) second(ctx context.Context, at time.Time) error {
	placed, err := d.mob.next()
	if err != nil {
		return err
	}
	batches := d.mob.sc.Batches(at.UnixMilli(), placed)
	begin := time.Now()
	d.sent[at.UnixMilli()] = begin
	if failed, err := d.snd.Send(ctx, batches); err != nil {
		d.failed += failed
		d.cfg.Log.Warn("load: batches failed", "failed", failed, "err", err)
	}
	d.sendTimes = append(d.sendTimes, time.Since(begin))
	d.batches += len(batches)
	for _, b := range batches {
		d.sightings += len(b.Sightings)
	}
	return ctx.Err()
}

func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
