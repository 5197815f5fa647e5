package floorplans

import (
	"reflect"
	"testing"
)

// unitFeat returns a unit feature listing rooms, with null geometry.
func unitFeat(id, rooms string) string {
	return feat(`"type":"unit","id":"`+id+`","name":"Unit `+id+`","rooms":`+rooms, `null`)
}

func TestUnits(t *testing.T) {
	// 4W lists A and draws itself; room E names 4E, a unit no feature
	// declares; C names 4W, which also lists A.
	drawn := `{"type":"MultiPolygon","coordinates":[[` + left + `]]}`
	p, err := Parse(base(
		feat(`"type":"unit","id":"4W","name":"4 West","rooms":["A"]`, drawn),
		feat(`"type":"room","id":"E","name":"E","level":"L1","category":"patient_room","unit":"4E"`, poly(right)),
	), "units.geojson")
	if err != nil {
		t.Fatal(err)
	}
	var got []Unit
	for _, u := range p.Units {
		got = append(got, Unit{ID: u.ID, Name: u.Name, Rooms: u.Rooms})
	}
	want := []Unit{{ID: "4E", Name: "4E", Rooms: []string{"E"}}, {ID: "4W", Name: "4 West", Rooms: []string{"A"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("units = %+v, want %+v", got, want)
	}
	if u, ok := p.Unit("4W"); !ok || len(u.Outline) != 1 {
		t.Errorf("Unit(4W) = %+v, %v; want the drawn unit", u, ok)
	}
	for room, unit := range map[string]string{"A": "4W", "B": "", "E": "4E"} {
		if r, _ := p.Room(room); r.Unit != unit {
			t.Errorf("room %s unit = %q, want %q", room, r.Unit, unit)
		}
	}
	if _, ok := p.Unit("4X"); ok {
		t.Error("Unit(4X) found")
	}
}

// unitCase is a plan with unit problems: the base plan plus extra
// features.
type unitCase struct {
	name  string
	extra []string
	want  []want
}

// unitProblemCases are the unit problems the validation reports.
func unitProblemCases() []unitCase {
	return []unitCase{
		{"unknown room", []string{unitFeat("4W", `["A","Q"]`)},
			[]want{{"unit", "4W", "properties.rooms[1]", `unknown room "Q"`}}},
		{"room in two units", []string{unitFeat("4W", `["A"]`), unitFeat("4E", `["B","A"]`)},
			[]want{{"unit", "4E", "properties.rooms[1]", `room "A" is already in unit 4W`}}},
		{"room listed twice", []string{unitFeat("4W", `["A","A"]`)},
			[]want{{"unit", "4W", "properties.rooms[1]", `room "A" listed twice`}}},
		{"room names another unit", []string{unitFeat("4W", `["E"]`),
			feat(`"type":"room","id":"E","name":"E","level":"L1","category":"storage","unit":"4E"`, poly(right))},
			[]want{{"room", "E", "properties.unit", `names unit "4E" but unit 4W`}}},
		{"unit id of a room", []string{feat(`"type":"room","id":"E","name":"E","level":"L1","category":"storage","unit":"A"`, poly(right))},
			[]want{{"room", "E", "properties.unit", `"A" is the id of another feature`}}},
		{"rooms not strings", []string{feat(`"type":"unit","id":"4W","rooms":"A"`, `null`)},
			[]want{{"unit", "4W", "properties.rooms", "want an array of strings"}}},
		{"unit id repeats a room", []string{unitFeat("B", `["A"]`)},
			[]want{{"unit", "B", "properties.id", "duplicate id"}}},
		{"geometry", []string{feat(`"type":"unit","id":"4W","rooms":["A"]`, poly(left))},
			[]want{{"unit", "4W", "geometry", "want MultiPolygon"}}},
	}
}

func TestUnitProblems(t *testing.T) {
	for _, tc := range unitProblemCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(base(tc.extra...), "units.geojson")
			checkProblems(t, problemsOf(t, err), tc.want)
		})
	}
}
