//go:build ignore

// gen_ward writes ward.geojson, the demo floorplan, from the layout tables
// below. Run it with `go generate ./internal/demo`.
//
// Each level is 50 x 20 m: a row of rooms on the south side (y 0..8), a
// corridor (y 8..11) and a row on the north side (y 11..20). Numbers in the
// tables are wall centre lines; rooms are inset by half a wall (0.1 m), so
// neighbours are separated by 0.2 m and never overlap. Doors lie on the wall
// centre line between a room and the corridor.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
)

const (
	width     = 50.0
	depth     = 20.0
	southWall = 8.0  // wall between south rooms and the corridor
	northWall = 11.0 // wall between the corridor and north rooms
	halfWall  = 0.1
	height    = 2.5
	rssiAt1m  = -59.0
	ple       = 2.2
)

// room is one room of a row: id suffix, name, category, west and east wall.
type room struct {
	suffix, name, category string
	west, east             float64
}

// level is one storey; its unit (unitID, unitName) holds the rooms of the
// level that are not corridors, exits, stairs or elevators.
type level struct {
	id, name         string
	unitID, unitName string
	ordinal          int
	elevation        float64
	south, north     []room
}

var levels = []level{
	{
		id: "L0", name: "Ward level 0", unitID: "4W", unitName: "4 West", ordinal: 0, elevation: 0,
		south: []room{
			{"EXIT", "Main exit", "exit", 0, 5},
			{"ICU1", "ICU bay 1", "icu", 5, 11},
			{"ICU2", "ICU bay 2", "icu", 11, 17},
			{"P01", "Patient room 001", "patient_room", 17, 22},
			{"P02", "Patient room 002", "patient_room", 22, 27},
			{"P03", "Patient room 003", "patient_room", 27, 32},
			{"P04", "Patient room 004", "patient_room", 32, 37},
			{"P05", "Patient room 005", "patient_room", 37, 44},
			{"STAIRS", "Stairs", "stairs", 44, 50},
		},
		north: []room{
			{"NS", "Nurse station 0", "nurse_station", 0, 8},
			{"STOR", "Equipment storage 0", "storage", 8, 13},
			{"CLEAN", "Clean utility 0", "clean_utility", 13, 18},
			{"SOIL", "Soiled utility 0", "soiled_utility", 18, 23},
			{"P06", "Patient room 006", "patient_room", 23, 28},
			{"P07", "Patient room 007", "patient_room", 28, 33},
			{"P08", "Patient room 008", "patient_room", 33, 38},
			{"P09", "Patient room 009", "patient_room", 38, 44},
			{"ELEV", "Elevator", "elevator", 44, 50},
		},
	},
	{
		id: "L1", name: "Ward level 1", unitID: "5W", unitName: "5 West", ordinal: 1, elevation: 4,
		south: []room{
			{"P10", "Patient room 110", "patient_room", 0, 5},
			{"P11", "Patient room 111", "patient_room", 5, 11},
			{"P12", "Patient room 112", "patient_room", 11, 17},
			{"P13", "Patient room 113", "patient_room", 17, 22},
			{"P14", "Patient room 114", "patient_room", 22, 27},
			{"P15", "Patient room 115", "patient_room", 27, 32},
			{"P16", "Patient room 116", "patient_room", 32, 37},
			{"P17", "Patient room 117", "patient_room", 37, 44},
			{"STAIRS", "Stairs", "stairs", 44, 50},
		},
		north: []room{
			{"NS", "Nurse station 1", "nurse_station", 0, 8},
			{"STOR", "Equipment storage 1", "storage", 8, 13},
			{"CLEAN", "Clean utility 1", "clean_utility", 13, 18},
			{"SOIL", "Soiled utility 1", "soiled_utility", 18, 23},
			{"P18", "Patient room 118", "patient_room", 23, 28},
			{"P19", "Patient room 119", "patient_room", 28, 33},
			{"P20", "Patient room 120", "patient_room", 33, 38},
			{"P21", "Patient room 121", "patient_room", 38, 44},
			{"ELEV", "Elevator", "elevator", 44, 50},
		},
	},
}

// corridorReaders are the x positions of the corridor readers (y mid-corridor).
var corridorReaders = []float64{6.25, 18.75, 31.25, 43.75}

type feature struct {
	Type       string         `json:"type"`
	Geometry   any            `json:"geometry"` // a geometry, or nil for null
	Properties map[string]any `json:"properties"`
}

type geometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

func main() {
	var fs []feature
	for _, l := range levels {
		fs = append(fs, levelFeatures(l)...)
	}
	var b strings.Builder
	b.WriteString("{\"type\":\"FeatureCollection\",\"features\":[\n")
	for i, f := range fs {
		line, err := json.Marshal(f)
		if err != nil {
			fail(err)
		}
		b.Write(line)
		if i < len(fs)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	if err := os.WriteFile("ward.geojson", []byte(b.String()), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen_ward:", err)
	os.Exit(1)
}

func levelFeatures(l level) []feature {
	fs := []feature{{
		Type:     "Feature",
		Geometry: rect(0, 0, width, depth),
		Properties: map[string]any{
			"type": "level", "id": l.id, "name": l.name,
			"ordinal": l.ordinal, "elevation_m": l.elevation,
		},
	}}
	cor := l.id + "-COR"
	fs = append(fs, roomFeature(l.id, cor, "Corridor "+l.id[1:], "corridor",
		halfWall, southWall+halfWall, width-halfWall, northWall-halfWall))
	for _, r := range l.south {
		fs = append(fs, rowRoom(l.id, r, halfWall, southWall-halfWall, southWall, cor)...)
	}
	for _, r := range l.north {
		fs = append(fs, rowRoom(l.id, r, northWall+halfWall, depth-halfWall, northWall, cor)...)
	}
	for i, x := range corridorReaders {
		fs = append(fs, bleReader(fmt.Sprintf("R-%s-C%d", l.id, i+1), l.id, x, (southWall+northWall)/2))
	}
	fs = append(fs, portal(l.id), unitFeature(l))
	if l.id == "L0" {
		fs = append(fs, feature{
			Type:     "Feature",
			Geometry: rect(halfWall, southWall+halfWall, 8, northWall-halfWall),
			Properties: map[string]any{
				"type": "zone", "id": "L0-ZONE-NURSE-AREA",
				"name": "Corridor at nurse station 0", "level": "L0",
			},
		})
	}
	return fs
}

// unitFeature returns the unit of a level: a feature with null geometry
// listing its rooms.
func unitFeature(l level) feature {
	rooms := []string{l.id + "-COR"}
	for _, row := range [][]room{l.south, l.north} {
		for _, r := range row {
			switch r.category {
			case "exit", "stairs", "elevator":
			default:
				rooms = append(rooms, l.id+"-"+r.suffix)
			}
		}
	}
	return feature{
		Type:       "Feature",
		Geometry:   nil,
		Properties: map[string]any{"type": "unit", "id": l.unitID, "name": l.unitName, "rooms": rooms},
	}
}

// rowRoom returns a room, its door on wall doorY and its BLE reader.
func rowRoom(lv string, r room, y0, y1, doorY float64, cor string) []feature {
	id := lv + "-" + r.suffix
	x0, x1 := r.west+halfWall, r.east-halfWall
	if r.west == 0 {
		x0 = halfWall
	}
	doorW := 1.2
	if r.category == "elevator" || r.category == "stairs" || r.category == "exit" {
		doorW = 2.0
	}
	mid := round((r.west + r.east) / 2)
	return []feature{
		roomFeature(lv, id, r.name, r.category, x0, y0, x1, y1),
		{
			Type: "Feature",
			Geometry: geometry{Type: "LineString", Coordinates: [][2]float64{
				{round(mid - doorW/2), doorY}, {round(mid + doorW/2), doorY},
			}},
			Properties: map[string]any{"type": "door", "level": lv, "connects": []string{id, cor}},
		},
		bleReader("R-"+id, lv, mid, round((y0+y1)/2)),
	}
}

func roomFeature(lv, id, name, category string, x0, y0, x1, y1 float64) feature {
	return feature{
		Type:     "Feature",
		Geometry: rect(x0, y0, x1, y1),
		Properties: map[string]any{
			"type": "room", "id": id, "name": name, "level": lv, "category": category,
		},
	}
}

func bleReader(id, lv string, x, y float64) feature {
	return feature{
		Type:     "Feature",
		Geometry: geometry{Type: "Point", Coordinates: [2]float64{round(x), round(y)}},
		Properties: map[string]any{
			"type": "reader", "id": id, "level": lv, "kind": "ble", "height_m": height,
			"rssi_at_1m": rssiAt1m, "path_loss_exponent": ple,
		},
	}
}

// portal is the RFID antenna covering the level's storage room.
func portal(lv string) feature {
	return feature{
		Type:     "Feature",
		Geometry: geometry{Type: "Point", Coordinates: [2]float64{10.5, 15.5}},
		Properties: map[string]any{
			"type": "reader", "id": "P-" + lv + "-STOR", "level": lv, "kind": "rfid_portal",
			"height_m": height, "zone": lv + "-STOR",
		},
	}
}

func rect(x0, y0, x1, y1 float64) geometry {
	x0, y0, x1, y1 = round(x0), round(y0), round(x1), round(y1)
	return geometry{Type: "Polygon", Coordinates: [][][2]float64{{
		{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0},
	}}}
}

func round(v float64) float64 { return math.Round(v*100) / 100 }
