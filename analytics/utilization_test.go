package analytics

import (
	"fmt"
	"math"
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
)

// Six pumps of unit U1 over two hours: pump 0 IN_USE from 0:30 to 1:30,
// the others AVAILABLE throughout; a staff tag's change is ignored.
//
//	hour     0          1          2
//	pump0    AV  | IN  ...  IN |  AV
//	pump1-5  AV  ...................
func TestUtilization(t *testing.T) {
	const h0 = 1_780_000_000_000 - 1_780_000_000_000%HourMs
	a := NewAggregator(nil, func(tag string) (Asset, bool) {
		return Asset{Type: "pump", Unit: "U1"}, tag != "staff"
	})
	fs, p := Fields{}, NewPacker()
	var cs []geofence.StatusChange
	for i := range 6 {
		cs = append(cs, geofence.StatusChange{Tag: fmt.Sprint("pump", i), Status: geofence.StatusAvailable, TS: h0})
	}
	cs = append(cs, geofence.StatusChange{Tag: "staff", Status: geofence.StatusInUse, TS: h0})
	a.Statuses(cs)
	a.Statuses([]geofence.StatusChange{{Tag: "pump0", Status: geofence.StatusInUse, TS: h0 + HourMs/2}})
	a.Advance(h0 + HourMs + 1) // closes hour 0 for every pump
	a.Statuses([]geofence.StatusChange{{Tag: "pump0", Status: geofence.StatusAvailable, TS: h0 + 3*HourMs/2}})
	a.Advance(h0 + 2*HourMs)
	p.Apply(fs, a.Take())

	rows := Utilization(fs, UtilizationScope{From: h0, To: h0 + 2*HourMs}, 5)
	if len(rows) != 1 {
		t.Fatalf("rows %+v", rows)
	}
	r := rows[0]
	// 12 pump-hours, 1 of them in use.
	if r.AssetType != "pump" || r.Unit != "U1" || r.Assets != 6 || r.Idle != 5 || r.Suppressed ||
		math.Abs(r.InUse-1.0/12) > 1e-9 || math.Abs(r.Available-11.0/12) > 1e-9 || r.Other != 0 {
		t.Fatalf("row %+v", r)
	}
	if rows := Utilization(fs, UtilizationScope{From: h0, To: h0 + 2*HourMs}, 7); !rows[0].Suppressed || rows[0].Assets != 0 {
		t.Fatalf("6 assets at min 7: %+v", rows[0])
	}
	if rows := Utilization(fs, UtilizationScope{From: h0, To: h0 + 2*HourMs, Type: "bed"}, 1); len(rows) != 0 {
		t.Fatalf("type filter: %+v", rows)
	}
}

func TestCheckRange(t *testing.T) {
	for _, c := range []struct {
		from, to int64
		ok       bool
	}{{0, 1, true}, {1, 1, false}, {2, 1, false}, {0, MaxRangeMs, true}, {0, MaxRangeMs + 1, false}} {
		if err := CheckRange(c.from, c.to); (err == nil) != c.ok {
			t.Errorf("CheckRange(%d, %d) = %v", c.from, c.to, err)
		}
	}
}
