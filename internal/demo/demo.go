// Package demo holds the built-in demo site: a two-level hospital ward
// floorplan (ward.geojson, in the FORMATS.md format) and the tags that live
// in it. The simulator, the server's --demo mode and tests use it.
package demo

import _ "embed"

//go:generate go run gen_ward.go

//go:embed ward.geojson
var ward []byte

// SiteID is the site name the demo ward is loaded under.
const SiteID = "demo"

// Floorplan returns the demo ward floorplan as GeoJSON. The caller gets its
// own copy and may modify it.
func Floorplan() []byte {
	return append([]byte(nil), ward...)
}
