package floorplans

import (
	"testing"
)

func TestBasePlanIsValid(t *testing.T) {
	p, err := Parse(base(), "base.geojson")
	checkProblems(t, problemsOf(t, err), nil)
	if len(p.Levels) != 2 || len(p.Rooms) != 3 || len(p.Doors) != 1 || len(p.Readers) != 2 || len(p.Zones) != 1 {
		t.Fatalf("counts = %d %d %d %d %d", len(p.Levels), len(p.Rooms), len(p.Doors), len(p.Readers), len(p.Zones))
	}
}

// problemCase is a base plan with extra features and the problems they cause.
type problemCase struct {
	name  string
	extra []string
	want  []want
}

// problemCases holds one case per kind of problem (also fuzz seeds).
func problemCases() []problemCase {
	sq := func(x0, y0, x1, y1 float64) string {
		return poly(fmtRing(x0, y0, x1, y1))
	}
	room := func(id, level, geom string) string {
		return feat(`"type":"room","id":"`+id+`","name":"x","level":"`+level+`","category":"storage"`, geom)
	}
	ble := func(id, extra string, x, y float64) string {
		return feat(`"type":"reader","id":"`+id+`","level":"L0","kind":"ble"`+extra, point(x, y))
	}
	portal := func(id, extra string) string {
		return feat(`"type":"reader","id":"`+id+`","level":"L0","kind":"rfid_portal"`+extra, point(15, 5))
	}
	door := func(props string) string {
		return feat(`"type":"door"`+props, `{"type":"LineString","coordinates":[[10,4],[10,6]]}`)
	}
	model := `,"rssi_at_1m":-60,"path_loss_exponent":2`
	return []problemCase{
		{"duplicate room id", []string{room("A", "L1", sq(12, 0, 14, 2))},
			[]want{{"room", "A", "properties.id", "duplicate id, first used by room A"}}},
		{"duplicate id across types", []string{feat(`"type":"zone","id":"R1","name":"z","level":"L0"`, sq(1, 1, 2, 2))},
			[]want{{"zone", "R1", "properties.id", "first used by reader R1"}}},
		{"missing type", []string{feat(`"id":"X"`, sq(1, 1, 2, 2))},
			[]want{{"", "X", "properties.type", "missing"}}},
		{"unknown type", []string{feat(`"type":"stair","id":"X"`, sq(1, 1, 2, 2))},
			[]want{{"", "X", "properties.type", `unknown type "stair"`}}},
		{"type not a string", []string{feat(`"type":7,"id":"X"`, sq(1, 1, 2, 2))},
			[]want{{"", "X", "properties.type", "want a string"}}},
		{"not a Feature", []string{`{"type":"Feture","properties":{"type":"zone","id":"X","name":"z","level":"L0"},"geometry":` + sq(1, 1, 2, 2) + `}`},
			[]want{{"zone", "X", "type", `want "Feature"`}}},
		{"feature not an object", []string{`[1,2]`},
			[]want{{"", "#9", "", "want a GeoJSON Feature object"}}},
		{"properties missing", []string{`{"type":"Feature","geometry":null}`},
			[]want{{"", "#9", "properties", "missing"}}},
		{"room on unknown level", []string{room("X", "L9", sq(12, 0, 14, 2))},
			[]want{{"room", "X", "properties.level", `unknown level "L9"`}}},
		{"zone on unknown level", []string{feat(`"type":"zone","id":"X","name":"z","level":"L9"`, sq(1, 1, 2, 2))},
			[]want{{"zone", "X", "properties.level", `unknown level "L9"`}}},
		{"reader on unknown level", []string{feat(`"type":"reader","id":"X","level":"L9","kind":"ble"`+model, point(1, 1))},
			[]want{{"reader", "X", "properties.level", `unknown level "L9"`}}},
		{"door on unknown level", []string{door(`,"level":"L9","connects":["A","B"]`)},
			[]want{{"door", "#9", "properties.level", `unknown level "L9"`}}},
		{"level wrong type", []string{room("X", "", sq(1, 1, 2, 2)), feat(`"type":"zone","id":"Y","name":"z","level":3`, sq(1, 1, 2, 2))},
			[]want{{"room", "X", "properties.level", "missing"}, {"zone", "Y", "properties.level", "want a string"}}},
		{"room without name and category", []string{feat(`"type":"room","id":"X","level":"L1"`, sq(12, 0, 14, 2))},
			[]want{{"room", "X", "properties.name", "missing"}, {"room", "X", "properties.category", "missing"}}},
		{"room without id", []string{feat(`"type":"room","name":"x","level":"L1","category":"icu"`, sq(12, 0, 14, 2))},
			[]want{{"room", "#9", "properties.id", "missing"}}},
		{"level without ordinal", []string{feat(`"type":"level","id":"L2","name":"x"`, poly(outline))},
			[]want{{"level", "L2", "properties.ordinal", "missing"}}},
		{"ordinal not an integer", []string{feat(`"type":"level","id":"L2","name":"x","ordinal":1.5`, poly(outline))},
			[]want{{"level", "L2", "properties.ordinal", "want an integer"}}},
		{"duplicate ordinal", []string{feat(`"type":"level","id":"L2","name":"x","ordinal":1`, poly(outline))},
			[]want{{"level", "L2", "properties.ordinal", "ordinal 1 also used by level L1"}}},
		{"reader without kind", []string{feat(`"type":"reader","id":"X","level":"L0"`, point(1, 1))},
			[]want{{"reader", "X", "properties.kind", "missing"}}},
		{"reader of unknown kind", []string{feat(`"type":"reader","id":"X","level":"L0","kind":"wifi"`, point(1, 1))},
			[]want{{"reader", "X", "properties.kind", `unknown kind "wifi"`}}},
		{"negative height", []string{ble("X", model+`,"height_m":-1`, 1, 1)},
			[]want{{"reader", "X", "properties.height_m", "want a finite height >= 0"}}},
		{"height not a number", []string{ble("X", model+`,"height_m":"2.5"`, 1, 1)},
			[]want{{"reader", "X", "properties.height_m", "want a number"}}},
		{"room with Point geometry", []string{room("X", "L1", point(12, 1))},
			[]want{{"room", "X", "geometry", `want Polygon, got "Point"`}}},
		{"door with Polygon geometry", []string{feat(`"type":"door","level":"L0","connects":["A","B"]`, sq(1, 1, 2, 2))},
			[]want{{"door", "#9", "geometry", `want LineString, got "Polygon"`}}},
		{"reader without geometry", []string{`{"type":"Feature","properties":{"type":"reader","id":"X","level":"L0","kind":"rfid_portal","zone":"A"}}`},
			[]want{{"reader", "X", "geometry", "missing"}}},
		{"position with one number", []string{feat(`"type":"reader","id":"X","level":"L0","kind":"rfid_portal","zone":"A"`, `{"type":"Point","coordinates":[1]}`)},
			[]want{{"reader", "X", "geometry", "want a position"}}},
		{"coordinates as strings", []string{room("X", "L1", `{"type":"Polygon","coordinates":[[["12","0"],[14,0],[14,2],[12,0]]]}`)},
			[]want{{"room", "X", "geometry", "want an array of rings"}}},
		{"no rings", []string{room("X", "L1", `{"type":"Polygon","coordinates":[]}`)},
			[]want{{"room", "X", "geometry", "polygon has no rings"}}},
		// Ring not closed:  (12,0) (14,0) (14,2) (12,2) and no way back.
		{"unclosed ring", []string{room("X", "L1", poly(`[[12,0],[14,0],[14,2],[12,2]]`))},
			[]want{{"room", "X", "geometry", "ring not closed"}}},
		{"ring with 3 points", []string{room("X", "L1", poly(`[[12,0],[14,0],[12,0]]`))},
			[]want{{"room", "X", "geometry", "ring has 3 points, need at least 4"}}},
		{"ring with repeated points only", []string{room("X", "L1", poly(`[[12,0],[14,0],[14,0],[12,0]]`))},
			[]want{{"room", "X", "geometry", "fewer than 3 distinct vertices"}}},
		// Bow tie:  2 +  +      the edges (12,0)-(14,2) and (14,0)-(12,2)
		//             \/        cross at (13,1).
		//             /\
		//          0 +  +
		//           12  14
		{"self-intersecting ring", []string{room("X", "L1", poly(`[[12,0],[14,2],[14,0],[12,2],[12,0]]`))},
			[]want{{"room", "X", "geometry", "ring self-intersects"}}},
		// Spike: the ring runs out to (18,1) and straight back.
		{"ring folding back", []string{room("X", "L1", poly(`[[12,0],[14,0],[14,1],[18,1],[14,1],[14,2],[12,2],[12,0]]`))},
			[]want{{"room", "X", "geometry", "ring self-intersects"}}},
		{"non-finite coordinate", []string{room("X", "L1", poly(`[[12,0],[1e999,0],[14,2],[12,0]]`))},
			[]want{{"room", "X", "geometry", "non-finite coordinate"}}},
		{"non-finite reader position", []string{feat(`"type":"reader","id":"X","level":"L0","kind":"rfid_portal","zone":"A"`, `{"type":"Point","coordinates":[-1e999,1]}`)},
			[]want{{"reader", "X", "geometry", "non-finite coordinate"}}},
		{"coordinate too large", []string{feat(`"type":"reader","id":"X","level":"L0","kind":"rfid_portal","zone":"A"`, `{"type":"Point","coordinates":[1,2e7]}`)},
			[]want{{"reader", "X", "geometry", "coordinate beyond ±1e+07 m"}}},
		{"hole outside the outer ring", []string{room("X", "L1", `{"type":"Polygon","coordinates":[`+fmtRing(12, 0, 16, 4)+`,`+fmtRing(17, 1, 18, 2)+`]}`)},
			[]want{{"room", "X", "geometry", "hole 1: outside the outer ring"}}},
		{"hole crossing the outer ring", []string{room("X", "L1", `{"type":"Polygon","coordinates":[`+fmtRing(12, 0, 16, 4)+`,`+fmtRing(13, 1, 18, 2)+`]}`)},
			[]want{{"room", "X", "geometry", "hole 1: crosses the outer ring"}}},
		{"elevation not finite", []string{feat(`"type":"level","id":"L2","name":"x","ordinal":2,"elevation_m":1e400`, poly(outline))},
			[]want{{"level", "L2", "properties.elevation_m", "not a finite number"}}},
		// Overlap: X covers the east half of A.
		//
		//	+----+----+----+
		//	| A  |A+X | B  |
		//	+----+----+----+
		//	0    5    10   20
		{"overlapping rooms", []string{room("X", "L0", sq(5, 0, 10, 10))},
			[]want{{"room", "X", "geometry", "overlaps room A"}}},
		{"room inside another", []string{room("X", "L0", sq(12, 2, 14, 4))},
			[]want{{"room", "X", "geometry", "overlaps room B"}}},
		{"reader outside the outline", []string{ble("X", model, 25, 5)},
			[]want{{"reader", "X", "geometry", "outside the outline of level L0"}}},
		{"door to unknown room", []string{door(`,"level":"L0","connects":["A","Q"]`)},
			[]want{{"door", "#9", "properties.connects", `unknown room "Q"`}}},
		{"door to a room on another level", []string{door(`,"level":"L0","connects":["A","C"]`)},
			[]want{{"door", "#9", "properties.connects", "room C is on level L1, the door on L0"}}},
		{"door connecting a room to itself", []string{door(`,"level":"L0","connects":["A","A"]`)},
			[]want{{"door", "#9", "properties.connects", "want 2 distinct room ids"}}},
		{"door with one room", []string{door(`,"level":"L0","connects":["A"]`)},
			[]want{{"door", "#9", "properties.connects", "want 2 distinct room ids"}}},
		{"door without connects", []string{door(`,"level":"L0"`)},
			[]want{{"door", "#9", "properties.connects", "missing"}}},
		{"door of zero length", []string{feat(`"type":"door","level":"L0","connects":["A","B"]`, `{"type":"LineString","coordinates":[[10,4],[10,4]]}`)},
			[]want{{"door", "#9", "geometry", "zero length"}}},
		{"portal without zone", []string{portal("X", "")},
			[]want{{"reader", "X", "properties.zone", "missing"}}},
		{"portal with unknown zone", []string{portal("X", `,"zone":"Q"`)},
			[]want{{"reader", "X", "properties.zone", `unknown room or zone "Q"`}}},
		{"portal covering a room of another level", []string{portal("X", `,"zone":"C"`)},
			[]want{{"reader", "X", "properties.zone", "C is on level L1, the reader on L0"}}},
		{"portal on an unknown level", []string{feat(`"type":"reader","id":"X","level":"L9","kind":"rfid_portal","zone":"A"`, point(1, 1))},
			[]want{{"reader", "X", "properties.level", `unknown level "L9"`}}},
		{"ranging reader without model", []string{ble("X", "", 1, 1)},
			[]want{{"reader", "X", "properties.rssi_at_1m", "missing"}, {"reader", "X", "properties.path_loss_exponent", "missing"}}},
		{"rssi too low", []string{ble("X", `,"rssi_at_1m":-121,"path_loss_exponent":2`, 1, 1)},
			[]want{{"reader", "X", "properties.rssi_at_1m", "-121 dBm outside -120..0"}}},
		{"rssi positive", []string{ble("X", `,"rssi_at_1m":1,"path_loss_exponent":2`, 1, 1)},
			[]want{{"reader", "X", "properties.rssi_at_1m", "outside -120..0"}}},
		{"path loss exponent at lower limit", []string{ble("X", `,"rssi_at_1m":-60,"path_loss_exponent":0.5`, 1, 1)},
			[]want{{"reader", "X", "properties.path_loss_exponent", "0.5 outside (0.5, 8]"}}},
		{"path loss exponent too high", []string{ble("X", `,"rssi_at_1m":-60,"path_loss_exponent":8.01`, 1, 1)},
			[]want{{"reader", "X", "properties.path_loss_exponent", "outside (0.5, 8]"}}},
		{"several problems in one feature", []string{feat(`"type":"reader","id":"X","level":"L9","kind":"ble","rssi_at_1m":-200`, point(1, 1))},
			[]want{{"reader", "X", "properties.path_loss_exponent", "missing"}, {"reader", "X", "properties.level", "unknown level"}, {"reader", "X", "properties.rssi_at_1m", "-200 dBm"}}},
	}
}

func TestProblems(t *testing.T) {
	for _, c := range problemCases() {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse(base(c.extra...), "case.geojson")
			if p != nil {
				t.Errorf("Parse returned a plan with problems")
			}
			got := problemsOf(t, err)
			checkProblems(t, got, c.want)
			for _, g := range got {
				if g.Source != "case.geojson" {
					t.Errorf("problem source = %q", g.Source)
				}
			}
		})
	}
}

func TestValidEdgeCases(t *testing.T) {
	room := func(id, geom string) string {
		return feat(`"type":"room","id":"`+id+`","name":"x","level":"L1","category":"storage"`, geom)
	}
	cases := []struct {
		name  string
		extra []string
	}{
		// T junction: X shares part of C's east edge.
		//	     +---+
		//	+----+ X |
		//	| C  +---+
		//	+----+
		{"rooms sharing part of an edge", []string{room("X", poly(fmtRing(10, 5, 12, 12)))}},
		{"rooms touching at a corner", []string{room("X", poly(fmtRing(10, 10, 12, 12)))}},
		{"ring with a repeated point", []string{room("X", poly(`[[12,0],[14,0],[14,0],[14,2],[12,2],[12,0]]`))}},
		{"clockwise ring", []string{room("X", poly(`[[12,0],[12,2],[14,2],[14,0],[12,0]]`))}},
		{"portal covering a zone", []string{feat(`"type":"reader","id":"X","level":"L0","kind":"rfid_portal","zone":"Z1"`, point(2, 2))}},
		{"reader on the outline", []string{feat(`"type":"reader","id":"X","level":"L0","kind":"rfid_active","rssi_at_1m":0,"path_loss_exponent":8`, point(20, 10))}},
		{"extra properties and altitude", []string{feat(`"type":"zone","id":"X","name":"z","level":"L0","color":"red"`, `{"type":"Polygon","coordinates":[[[1,1,0],[2,1,0],[2,2,0],[1,1,0]]]}`)}},
		// Donut X around a hole that room Y fills exactly.
		//	+--------+
		//	| X +--+ |
		//	|   |Y | |
		//	|   +--+ |
		//	+--------+
		{"room filling another's hole", []string{
			room("X", `{"type":"Polygon","coordinates":[`+fmtRing(11, 0, 19, 8)+`,`+fmtRing(13, 2, 17, 6)+`]}`),
			room("Y", poly(fmtRing(13, 2, 17, 6))),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(base(c.extra...), "case.geojson")
			checkProblems(t, problemsOf(t, err), nil)
		})
	}
}

func TestFileProblems(t *testing.T) {
	cases := []struct {
		name, data string
		want       []want
	}{
		{"empty", ``, []want{{"", "", "", "invalid JSON"}}},
		{"syntax error", `{"type":`, []want{{"", "", "", "invalid JSON"}}},
		{"not an object", `[1]`, []want{{"", "", "", "want a JSON object"}}},
		{"null", `null`, []want{{"", "", "", "want a GeoJSON FeatureCollection"}}},
		{"wrong type", `{"type":"Feature","features":[]}`, []want{{"", "", "type", `want "FeatureCollection"`}}},
		{"no features", `{"type":"FeatureCollection"}`, []want{{"", "", "features", "missing"}}},
		{"features not an array", `{"type":"FeatureCollection","features":{}}`, []want{{"", "", "features", "want an array"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.data), "f.geojson")
			checkProblems(t, problemsOf(t, err), c.want)
		})
	}
}

func TestAllProblemsReported(t *testing.T) {
	_, err := Parse(base(
		feat(`"type":"room","id":"X","name":"x","level":"L9","category":"c"`, poly(`[[12,0],[14,0],[14,2],[12,2]]`)),
		feat(`"type":"reader","id":"A","level":"L0","kind":"ble","rssi_at_1m":-60,"path_loss_exponent":2`, point(30, 30)),
	), "many.geojson")
	got := problemsOf(t, err)
	checkProblems(t, got, []want{
		{"room", "X", "properties.level", "unknown level"},
		{"room", "X", "geometry", "ring not closed"},
		{"reader", "A", "properties.id", "duplicate id"},
		{"reader", "A", "geometry", "outside the outline"},
	})
	wantErr := "floorplans: many.geojson: room X: properties.level: unknown level \"L9\"\n" +
		"floorplans: many.geojson: room X: geometry: ring not closed\n"
	if s := err.Error(); len(s) < len(wantErr) || s[:len(wantErr)] != wantErr {
		t.Errorf("Error() =\n%s\nwant it to start with\n%s", s, wantErr)
	}
}
