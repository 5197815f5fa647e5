package score

import (
	"fmt"
	"math"
)

// Line formats r as one line of the reference tool's text output, name
// padded to 18 columns, without a trailing newline.
func (r Result) Line(name string) string {
	s := fmt.Sprintf("%-18s coverage %s  median %s m  p90 %s m  p95 %s m  level %s  room %s  room changes/tag-h %s (truth %s)",
		name, num(r.Coverage, 3), num(r.MedianM, 2), num(r.P90M, 2), num(r.P95M, 2),
		num(r.LevelAccuracy, 3), num(r.RoomAccuracy, 3), num(r.RoomChangesPerTagHour, 1), num(r.TrueRoomChangesPerTagHour, 1))
	if !math.IsNaN(r.WithinAccuracy) {
		s += "  within accuracy_m " + num(r.WithinAccuracy, 3)
	}
	return s
}

// num formats v with prec decimals, spelling NaN and infinities as Python does.
func num(v float64, prec int) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return fmt.Sprintf("%.*f", prec, v)
}
