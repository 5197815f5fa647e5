// Package jsonl is the one codec of the JSON Lines exchange formats of
// FORMATS.md: sightings, positions and ground truth. The offline tools
// (rtlsctl replay and score, the simulator, the scorer) and the Redis
// store's position values all read and write through it.
//
// Encoding appends to a byte slice without allocating and is
// deterministic: the same value always gives the same bytes. Every
// string is written as a valid JSON string by the rules of encoding/json
// without HTML escaping: '"' and '\' escaped by a backslash, \b \f \n \r
// \t by their short forms, other control characters and U+2028, U+2029
// as \u00XX and \u2028, \u2029, and each byte that is not part of valid
// UTF-8 as \ufffd. Numbers are written in the shortest decimal form that
// parses back to the same float64, without an exponent; a NaN or an
// infinity, which JSON cannot express, is written as null. Append
// functions write one object without the newline; a line is the object
// and '\n'.
//
// Decoding accepts any JSON object: whitespace, properties in any order
// and properties this package does not know (FORMATS.md allows extra
// ones). It uses encoding/json, except for sightings lines in exactly the
// form AppendSighting writes with plain ASCII ids (every data set's), which
// replay reads one per engine step: those take a parser without
// reflection, fuzzed against encoding/json. A value written by an Append
// function parses back to the same value, with invalid UTF-8 replaced as
// above.
//
// The package imports only location and the standard library: no
// transport or storage code.
package jsonl
