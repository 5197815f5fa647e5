package floorplans

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// decode reads one GeoJSON FeatureCollection into f, recording every
// problem it meets instead of stopping at the first.
func (f *features) decode(data []byte, source string, file int) {
	o := origin{source: source, file: file, index: -1}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		f.report(o, "", "", "", "invalid JSON: "+jsonMsg(err))
		return
	}
	if top == nil {
		f.report(o, "", "", "", "want a GeoJSON FeatureCollection object")
		return
	}
	var typ string
	if err := json.Unmarshal(top["type"], &typ); err != nil || typ != "FeatureCollection" {
		f.report(o, "", "", "type", `want "FeatureCollection"`)
	}
	raw, ok := top["features"]
	if !ok {
		f.report(o, "", "", "features", "missing")
		return
	}
	var feats []json.RawMessage
	if err := json.Unmarshal(raw, &feats); err != nil {
		f.report(o, "", "", "features", "want an array of features")
		return
	}
	for i, fr := range feats {
		o.index = i
		f.decodeFeature(fr, o)
	}
}

// jsonMsg shortens an encoding/json error and adds the byte offset.
func jsonMsg(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "want a JSON object, got " + te.Value
	}
	return err.Error()
}

// decodeFeature reads one Feature and appends the typed feature it holds.
func (f *features) decodeFeature(raw json.RawMessage, o origin) {
	label := labelOf("", o.index)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		f.report(o, "", label, "", "want a GeoJSON Feature object")
		return
	}
	p := &props{f: f, o: o, label: label}
	if !p.load(m["properties"]) {
		return
	}
	kind := p.str("type")
	decodeKind, ok := decoders[kind]
	if ok {
		p.typ = kind
	}
	var typ string
	if err := json.Unmarshal(m["type"], &typ); err != nil || typ != "Feature" {
		p.problem("type", `want "Feature"`)
	}
	switch {
	case ok:
		decodeKind(f, p, m["geometry"])
	case kind == "" && !slices.Contains(p.bad, "type"):
		p.problem("properties.type", "missing")
	case kind != "":
		p.problem("properties.type", fmt.Sprintf("unknown type %q", kind))
	}
}

// decoders maps properties.type to the function that reads that kind.
var decoders = map[string]func(f *features, p *props, geom json.RawMessage){
	"level":  decodeLevel,
	"room":   decodeRoom,
	"door":   decodeDoor,
	"reader": decodeReader,
	"zone":   decodeZone,
	"unit":   decodeUnit,
}

func decodeLevel(f *features, p *props, geom json.RawMessage) {
	l := &Level{ID: p.str("id"), Name: p.str("name")}
	l.Ordinal, _ = p.integer("ordinal", true)
	l.ElevationM, _ = p.number("elevation_m", false)
	l.Outline = p.polygon(geom)
	f.levels = append(f.levels, l)
	p.register(l)
}

func decodeRoom(f *features, p *props, geom json.RawMessage) {
	r := &Room{
		ID: p.str("id"), Name: p.str("name"),
		Level: p.str("level"), Category: p.str("category"),
		Unit: p.str("unit"),
	}
	r.Polygon = p.polygon(geom)
	f.rooms = append(f.rooms, r)
	p.register(r)
}

func decodeDoor(f *features, p *props, geom json.RawMessage) {
	d := &Door{Index: p.o.index, Level: p.str("level")}
	d.Connects = p.pair("connects")
	d.Line = p.lineString(geom)
	f.doors = append(f.doors, d)
	p.register(d)
}

func decodeReader(f *features, p *props, geom json.RawMessage) {
	r := &Reader{
		ID: p.str("id"), Level: p.str("level"),
		Kind: ReaderKind(p.str("kind")), Zone: p.str("zone"),
	}
	r.HeightM, _ = p.number("height_m", false)
	var hasRSSI, hasPLE bool
	r.RSSIAt1m, hasRSSI = p.number("rssi_at_1m", false)
	r.PathLossExponent, hasPLE = p.number("path_loss_exponent", false)
	if r.Kind.Ranging() && !hasRSSI {
		p.propProblem("rssi_at_1m", "missing (required for a ranging reader)")
	}
	if r.Kind.Ranging() && !hasPLE {
		p.propProblem("path_loss_exponent", "missing (required for a ranging reader)")
	}
	r.Point = p.point(geom)
	f.readers = append(f.readers, r)
	p.register(r)
}

func decodeZone(f *features, p *props, geom json.RawMessage) {
	z := &Zone{ID: p.str("id"), Name: p.str("name"), Level: p.str("level")}
	z.Polygon = p.polygon(geom)
	f.zones = append(f.zones, z)
	p.register(z)
}
