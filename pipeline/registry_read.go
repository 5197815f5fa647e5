package pipeline

import (
	"context"

	"github.com/hospitalrtls/rtls/location/geofence"
)

// SelectTags returns the registered tags keep accepts, ordered by id,
// copying only those (Tags copies the whole registry).
func (p *Pipeline) SelectTags(_ context.Context, keep func(*geofence.Tag) bool) ([]geofence.Tag, error) {
	return p.fence.SelectTags(keep), nil
}

// LookupTags returns the registered tags among ids, by id, copying only
// those.
func (p *Pipeline) LookupTags(_ context.Context, ids []string) (map[string]geofence.Tag, error) {
	return p.fence.LookupTags(ids), nil
}
