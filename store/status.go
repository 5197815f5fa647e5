package store

import (
	"errors"
	"fmt"

	"github.com/hospitalrtls/rtls/location/geofence"
)

// StatusHistoryLen is how many status changes the stores keep per tag: the
// newest. An older change is dropped when a newer one is written, so the
// history of an asset is bounded whatever its age; deleting a tag from the
// registry keeps its history.
const StatusHistoryLen = 1000

// StatusQuery selects the status history of one tag for ListStatusHistory.
type StatusQuery struct {
	Tag       string
	PageSize  int    // <= 0 means the store's default (100); at most 1000
	PageToken string // "" for the first page
}

// StatusPage is one page of status changes, newest first.
type StatusPage struct {
	Changes       []geofence.StatusChange
	NextPageToken string // "" on the last page
}

// validateStatusChange checks one status change of an update.
func validateStatusChange(c geofence.StatusChange) error {
	switch {
	case c.Tag == "":
		return errors.New("empty tag")
	case c.TS < 0:
		return errors.New("negative ts")
	}
	return validateIDs([]namedID{{"tag", c.Tag}, {"previous", c.Previous}, {"status", c.Status},
		{"source", c.Source}, {"room", c.Room}})
}

// validateStatusChanges checks the status changes of an update.
func validateStatusChanges(cs []geofence.StatusChange) error {
	for i, c := range cs {
		if err := validateStatusChange(c); err != nil {
			return fmt.Errorf("%w: status change %d: %s", ErrInvalid, i, err)
		}
	}
	return nil
}
