package pipeline

import (
	"context"

	"github.com/hospitalrtls/rtls/location/geofence"
)

// SelectTags returns the registered tags keep accepts, in no particular
// order, copying only those (Tags copies the whole registry).
func (p *Pipeline) SelectTags(ctx context.Context, keep func(geofence.Tag) bool) ([]geofence.Tag, error) {
	var tags []geofence.Tag
	err := p.read(ctx, func() error { tags = p.fence.SelectTags(keep); return nil })
	return tags, err
}

// SelectKindTagIDs returns the ids of the registered tags of a class, type
// ("" for any) and status (status accepts it; nil for any), reading only
// those.
func (p *Pipeline) SelectKindTagIDs(ctx context.Context, class, typ string, status func(string) bool) ([]string, error) {
	var ids []string
	err := p.read(ctx, func() error { ids = p.fence.SelectKindTagIDs(class, typ, status); return nil })
	return ids, err
}

// LookupTags returns the registered tags among ids, by id, copying only
// those.
func (p *Pipeline) LookupTags(ctx context.Context, ids []string) (map[string]geofence.Tag, error) {
	var tags map[string]geofence.Tag
	err := p.read(ctx, func() error { tags = p.fence.LookupTags(ids); return nil })
	return tags, err
}
