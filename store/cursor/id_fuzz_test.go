package cursor

import (
	"regexp"
	"testing"
)

// FuzzParseID checks that event id parsing never panics, accepts exactly
// "<digits>" and "<digits>-<digits>" within uint64, and round-trips.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"0", "1526919030474-55", "17", "", "-", "1-", "1-2-3", "18446744073709551616", "٣", "1-a"} {
		f.Add(s)
	}
	shape := regexp.MustCompile(`^[0-9]+(-[0-9]+)?$`)
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err == nil && !shape.MatchString(s) {
			t.Fatalf("accepted %q", s)
		}
		if err != nil {
			return
		}
		again, err := ParseID(id.String())
		if err != nil || again != id {
			t.Fatalf("%q: round trip gave %v %v, want %v", s, again, err, id)
		}
	})
}
