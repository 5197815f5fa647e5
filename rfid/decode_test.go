package rfid

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestDecodeMissingFields(t *testing.T) {
	d := newDecoder(DefaultMaxSightings)
	b, err := d.decodeJSON([]byte(`{"reader":"R","sightings":[{"tag":"A"},null,{"ts":5,"tag":"B","rssi":-1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if b.Sightings[0].TS != tsMissing || math.Float64bits(b.Sightings[0].RSSI) != rssiMissingBits {
		t.Errorf("absent fields decoded to %+v, want the missing markers", b.Sightings[0])
	}
	if b.Sightings[1].TS != tsMissing || b.Sightings[1].Tag != "" {
		t.Errorf("null sighting decoded to %+v, want the missing markers", b.Sightings[1])
	}
	if b.Sightings[2] != (WireSighting{TS: 5, Tag: "B", RSSI: -1}) {
		t.Errorf("full sighting decoded to %+v", b.Sightings[2])
	}
}

func TestDecodeEquivalent(t *testing.T) {
	want := sampleBatch("R-L0-S03", 17, 5, time.Unix(1_763_719_200, 0))
	d := newDecoder(DefaultMaxSightings)
	fromJSON, err := d.decodeJSON(mustJSON(t, want))
	if err != nil {
		t.Fatal(err)
	}
	fromCBOR, err := d.decodeCBOR(mustCBOR(t, want))
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Sightings {
		if fromJSON.Sightings[i] != want.Sightings[i] || fromCBOR.Sightings[i] != want.Sightings[i] {
			t.Errorf("sighting %d: json %+v cbor %+v, want %+v", i, fromJSON.Sightings[i], fromCBOR.Sightings[i], want.Sightings[i])
		}
	}
	if fromJSON.Reader != want.Reader || fromCBOR.Seq != want.Seq {
		t.Errorf("header json %q cbor %d", fromJSON.Reader, fromCBOR.Seq)
	}
}

// cborHex is a batch written out by hand (cbor.me notation in comments).
func cborHex(t *testing.T, h string) []byte {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeCBORSafety(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error  // nil: decodes
		says string // in the error message
	}{
		// {"reader":"R","sightings":[]}
		{"empty sightings", "a2667265616465726152697369676874696e677380", nil, ""},
		// {"reader":"R","reader":"S","sightings":[]}: duplicate key
		{"duplicate key", "a366726561646572615266726561646572615369736967687469 6e677380", ErrMalformed, "duplicate map key"},
		// {"reader":"R","sightings":[_ ]}: indefinite-length array
		{"indefinite array", "a266726561646572615269736967687469 6e67739fff", ErrMalformed, "indefinite-length"},
		// {"reader":"R","sightings":[], "x": 1(0)}: a tag
		{"tag", "a3667265616465726152697369676874696e677380617 8c100", ErrMalformed, "tag isn't allowed"},
		// {"reader":"R","sightings":[[[[[]]]]]}: nested too deep
		{"too deep", "a266726561646572615269736967687469 6e677381818181 80", ErrMalformed, "max nested level"},
		// {"reader":"R","sightings":[]} with text reader "\xff": invalid UTF-8
		{"invalid utf8", "a26672656164657261ff69736967687469 6e677380", ErrMalformed, "invalid UTF-8"},
		// {"reader":"R"}: no sightings
		{"no sightings", "a16672656164657261 52", ErrMalformed, "missing sightings"},
	}
	d := newDecoder(DefaultMaxSightings)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.decodeCBOR(cborHex(t, stripSpaces(tt.hex)))
			if tt.want == nil && err != nil || tt.want != nil && (!errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says)) {
				t.Errorf("err %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
}

func stripSpaces(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

func TestDecodeJSONUnknownFieldsAllowed(t *testing.T) {
	d := newDecoder(DefaultMaxSightings)
	b, err := d.decodeJSON([]byte(`{"reader":"R","fw":"1.2","sightings":[{"ts":1,"tag":"A","rssi":-5,"antenna":2,"tx_power":4}]}`))
	if err != nil || len(b.Sightings) != 1 {
		t.Errorf("decode with extra fields: %v %+v", err, b)
	}
}

func TestDecodeNumbers(t *testing.T) {
	d := newDecoder(DefaultMaxSightings)
	tests := []struct {
		name   string
		json   string
		want   WireSighting
		failed bool
	}{
		{"integer rssi", `{"ts":5,"tag":"A","rssi":-70}`, WireSighting{TS: 5, Tag: "A", RSSI: -70}, false},
		{"fraction rssi", `{"ts":5,"tag":"A","rssi":-70.25}`, WireSighting{TS: 5, Tag: "A", RSSI: -70.25}, false},
		{"exponent rssi", `{"ts":5,"tag":"A","rssi":-7e1}`, WireSighting{TS: 5, Tag: "A", RSSI: -70}, false},
		{"null rssi", `{"ts":5,"tag":"A","rssi":null}`, WireSighting{TS: 5, Tag: "A", RSSI: rssiMissing}, false},
		{"huge rssi", `{"ts":5,"tag":"A","rssi":1e400}`, WireSighting{}, true},
		{"string rssi", `{"ts":5,"tag":"A","rssi":"-70"}`, WireSighting{}, true},
		{"bool rssi", `{"ts":5,"tag":"A","rssi":true}`, WireSighting{}, true},
		{"fraction ts", `{"ts":5.5,"tag":"A","rssi":-70}`, WireSighting{}, true},
		{"exponent ts", `{"ts":1e12,"tag":"A","rssi":-70}`, WireSighting{}, true},
		{"ts over int64", `{"ts":9223372036854775808,"tag":"A","rssi":-70}`, WireSighting{}, true},
		{"object ts", `{"ts":{},"tag":"A","rssi":-70}`, WireSighting{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := d.decodeJSON([]byte(`{"reader":"R","sightings":[` + tt.json + `]}`))
			if tt.failed {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("err %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := b.Sightings[0]
			sameRSSI := math.Float64bits(got.RSSI) == math.Float64bits(tt.want.RSSI)
			if got.TS != tt.want.TS || got.Tag != tt.want.Tag || !sameRSSI {
				t.Errorf("decoded %+v, want %+v", got, tt.want)
			}
			// The same sighting in CBOR decodes alike.
			var generic map[string]any
			if err := json.Unmarshal([]byte(tt.json), &generic); err != nil {
				t.Fatal(err)
			}
			if ts, ok := generic["ts"].(float64); ok {
				generic["ts"] = int64(ts)
			}
			c, err := d.decodeCBOR(mustCBOR(t, map[string]any{"reader": "R", "sightings": []any{generic}}))
			if err != nil || math.Float64bits(c.Sightings[0].RSSI) != math.Float64bits(tt.want.RSSI) || c.Sightings[0].TS != tt.want.TS {
				t.Errorf("cbor decoded %+v %v, want %+v", c.Sightings, err, tt.want)
			}
		})
	}
}

// The optional "button" and "battery" keys decode alike from JSON and CBOR;
// a button of the wrong type fails the batch like any malformed field.
func TestDecodeButtonAndBattery(t *testing.T) {
	d := newDecoder(DefaultMaxSightings)
	j, err := d.decodeJSON([]byte(`{"reader":"R","sightings":[{"ts":5,"tag":"A","rssi":-70,"button":true,"battery":42},` +
		`{"ts":6,"tag":"B","rssi":-70,"button":false,"battery":null},{"ts":7,"tag":"C","rssi":-70,"battery":150.5}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.decodeCBOR(mustCBOR(t, map[string]any{"reader": "R", "sightings": []any{
		map[string]any{"ts": 5, "tag": "A", "rssi": -70, "button": true, "battery": 42},
		map[string]any{"ts": 6, "tag": "B", "rssi": -70, "button": false, "battery": nil},
		map[string]any{"ts": 7, "tag": "C", "rssi": -70, "battery": float32(150.5)},
	}}))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]Batch{"json": j, "cbor": c} {
		s := b.Sightings
		if !s[0].Button || s[1].Button || s[2].Button {
			t.Errorf("%s: buttons %v %v %v, want true false false", name, s[0].Button, s[1].Button, s[2].Button)
		}
		if s[0].Battery == nil || *s[0].Battery != 42 || s[1].Battery != nil || s[2].Battery == nil || *s[2].Battery != 150.5 {
			t.Errorf("%s: batteries %v %v %v, want 42, none, 150.5 (validation drops it later)", name, s[0].Battery, s[1].Battery, s[2].Battery)
		}
	}
	if _, err := d.decodeJSON([]byte(`{"reader":"R","sightings":[{"ts":5,"tag":"A","rssi":-70,"button":"yes"}]}`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("string button: err %v, want ErrMalformed", err)
	}
}

func TestDecodeCBORIntegerRSSI(t *testing.T) {
	d := newDecoder(DefaultMaxSightings)
	body := mustCBOR(t, map[string]any{"reader": "R", "sightings": []any{
		map[string]any{"ts": 5, "tag": "A", "rssi": -70},
		map[string]any{"ts": 6, "tag": "B", "rssi": float32(-70.5)},
	}})
	b, err := d.decodeCBOR(body)
	if err != nil || b.Sightings[0].RSSI != -70 || b.Sightings[1].RSSI != -70.5 {
		t.Errorf("decoded %+v %v, want rssi -70 and -70.5", b.Sightings, err)
	}
}
