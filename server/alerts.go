package server

import (
	"context"
	"fmt"

	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/store"
)

// openAlerts builds the DURESS and LOW_BATTERY detector and gives it the
// battery levels the store kept, so that a tag already reported low does
// not fire again after a restart. (Presses are not kept: a press held
// across a restart may raise a second DURESS.)
func openAlerts(ctx context.Context, cfg Config, st store.Store) (*alert.Detector, error) {
	d, err := alert.New(alert.Config{LowBattery: cfg.LowBattery, PressGap: cfg.DuressGap})
	if err != nil {
		return nil, fmt.Errorf("server: --low-battery/--duress-gap: %w", err)
	}
	q := store.BatteryQuery{MaxPercent: 100, PageSize: 1000}
	for {
		page, err := st.ListBatteries(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("server: stored battery levels: %w", err)
		}
		d.Restore(page.Batteries)
		if page.NextPageToken == "" {
			return d, nil
		}
		q.PageToken = page.NextPageToken
	}
}

// lowBattery returns the effective LOW_BATTERY threshold of cfg (percent).
func lowBattery(cfg Config) (int, error) {
	d, err := alert.New(alert.Config{LowBattery: cfg.LowBattery, PressGap: cfg.DuressGap})
	if err != nil {
		return 0, fmt.Errorf("server: --low-battery/--duress-gap: %w", err)
	}
	return d.Config().LowBattery, nil
}
