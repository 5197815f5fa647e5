package ingest

// Decode is decode, for the external tests.
var Decode = decode
