package pipeline

import (
	"context"
	"maps"
	"slices"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// noteConfig keeps the pipeline's copy of the stored configuration up to
// date with changes queued for the store. Called by the geofence stage.
func (p *Pipeline) noteConfig(changes []store.ConfigChange) {
	for _, c := range changes {
		byID := p.geofences.config[c.Kind]
		if byID == nil {
			byID = make(map[string][]byte)
			p.geofences.config[c.Kind] = byID
		}
		if c.Data == nil {
			delete(byID, c.ID)
		} else {
			byID[c.ID] = c.Data
		}
	}
}

// RestoreConfig writes the pipeline's copy of the stored configuration
// (rules, zones and tags: what Config.StoredConfig held at start and every
// change written since) to the store again, after the store lost it. It
// returns once the write is done (ErrNotStored when it is queued for
// retry).
func (p *Pipeline) RestoreConfig(ctx context.Context) error {
	return p.do(ctx, func(int64) ([]geofence.Event, []store.ConfigChange, error) {
		var all []store.ConfigChange
		for _, kind := range store.ConfigKinds() {
			for _, id := range slices.Sorted(maps.Keys(p.geofences.config[kind])) {
				all = append(all, store.ConfigChange{Kind: kind, ID: id, Data: p.geofences.config[kind][id]})
			}
		}
		return nil, all, nil
	})
}
