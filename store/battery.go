package store

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hospitalrtls/rtls/location/alert"
)

// BatteryQuery selects battery levels for ListBatteries.
type BatteryQuery struct {
	MaxPercent int    // levels at or below it, 0..100
	PageSize   int    // <= 0 means the store's default (100); at most 1000
	PageToken  string // "" for the first page
}

// BatteryPage is one page of battery levels, lowest first, then by tag id.
type BatteryPage struct {
	Batteries     []alert.Battery
	NextPageToken string // "" on the last page
}

// BatteryKey is the sort key of a battery level: the percentage in three
// digits, a colon and the tag id ("007:PUMP-1"), so that byte order is
// the order of ListBatteries. Both stores page by it.
func BatteryKey(percent int, tag string) string {
	return fmt.Sprintf("%03d:%s", percent, tag)
}

// ParseBatteryKey returns the percentage and tag of a BatteryKey; an
// ill-formed key wraps ErrBadToken (keys travel in page tokens).
func ParseBatteryKey(key string) (int, string, error) {
	pct, tag, ok := strings.Cut(key, ":")
	n, err := strconv.Atoi(pct)
	if !ok || err != nil || len(pct) != 3 || n < 0 || n > 100 || tag == "" {
		return 0, "", fmt.Errorf("%w: not a battery cursor", ErrBadToken)
	}
	return n, tag, nil
}

func validateBattery(b alert.Battery) error {
	switch {
	case b.Tag == "":
		return errors.New("empty tag")
	case b.Percent < 0 || b.Percent > 100:
		return errors.New("percent outside 0..100")
	case b.TS < 0:
		return errors.New("negative ts")
	}
	return validateIDs([]namedID{{"tag", b.Tag}})
}
