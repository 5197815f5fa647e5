package jsonl

// ParseSightingJSON exposes the encoding/json path of ParseSighting, the
// oracle of its fast path.
var ParseSightingJSON = parseSightingJSON
