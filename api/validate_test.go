package api

import (
	"fmt"
	"regexp"
	"testing"
)

func TestParseEventID(t *testing.T) {
	tests := []struct {
		in   string
		want eventID
		ok   bool
	}{
		{"0", eventID{0, 0}, true},
		{"1526919030474-55", eventID{1526919030474, 55}, true},
		{"17", eventID{17, 0}, true},
		{"", eventID{}, false},
		{"-", eventID{}, false},
		{"1-", eventID{}, false},
		{"-1", eventID{}, false},
		{"+1", eventID{}, false},
		{"1-2-3", eventID{}, false},
		{"99999999999999999999", eventID{}, false},
		{"1-a", eventID{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseEventID(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	order := []string{"0", "0-1", "5", "5-1", "5-10", "6-0", "10-0"}
	for i := 1; i < len(order); i++ {
		a, _ := parseEventID(order[i])
		b, _ := parseEventID(order[i-1])
		if !a.after(b) || b.after(a) {
			t.Errorf("%s should come after %s", order[i], order[i-1])
		}
	}
}

// FuzzParseEventID checks that after_id parsing never panics, accepts
// exactly "<digits>" and "<digits>-<digits>" within uint64, and round-trips.
func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"0", "1526919030474-55", "17", "", "-", "1-", "1-2-3", "18446744073709551616", "٣"} {
		f.Add(s)
	}
	shape := regexp.MustCompile(`^[0-9]+(-[0-9]+)?$`)
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseEventID(s)
		if ok && !shape.MatchString(s) {
			t.Fatalf("accepted %q", s)
		}
		if !ok {
			return
		}
		again, ok := parseEventID(fmt.Sprintf("%d-%d", id.ms, id.seq))
		if !ok || again != id {
			t.Fatalf("%q: round trip gave %v %v, want %v", s, again, ok, id)
		}
	})
}
