package cursor

import (
	"encoding/base64"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/store"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want ID
		err  bool
	}{
		{"0", ID{}, false},
		{"0-0", ID{}, false},
		{"1763719200100", ID{MS: 1763719200100}, false},
		{"1763719200100-7", ID{MS: 1763719200100, Seq: 7}, false},
		{"18446744073709551615-18446744073709551615", ID{math.MaxUint64, math.MaxUint64}, false},
		{"", ID{}, true},
		{"-", ID{}, true},
		{"1-", ID{}, true},
		{"-1", ID{}, true},
		{"+1", ID{}, true},
		{"1-+2", ID{}, true},
		{"1 ", ID{}, true},
		{"1-2-3", ID{}, true},
		{"18446744073709551616", ID{}, true},
		{"$", ID{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseID(tt.in)
			if tt.err {
				if !errors.Is(err, store.ErrBadEventID) {
					t.Fatalf("ParseID(%q) = %v, %v; want ErrBadEventID", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseID(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if back, _ := ParseID(got.String()); back != got {
				t.Errorf("String() %q does not parse back", got.String())
			}
		})
	}
}

func TestIDNextStrictlyIncreases(t *testing.T) {
	tests := []struct {
		name string
		last ID
		now  uint64
		want ID
	}{
		{"clock moved on", ID{MS: 10, Seq: 3}, 11, ID{MS: 11}},
		{"same millisecond", ID{MS: 10, Seq: 3}, 10, ID{MS: 10, Seq: 4}},
		{"clock stepped back", ID{MS: 10, Seq: 3}, 5, ID{MS: 10, Seq: 4}},
		{"first entry", ID{}, 7, ID{MS: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.last.Next(tt.now)
			if got != tt.want || got.Compare(tt.last) <= 0 {
				t.Fatalf("Next = %v, want %v after %v", got, tt.want, tt.last)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	tag := "STAFF \"7\"/ü"
	tok := Token(Positions, tag)
	if got, err := ParseToken(Positions, tok); err != nil || got != tag {
		t.Fatalf("tag token round trip = %q, %v", got, err)
	}
	if raw, _ := base64.RawURLEncoding.DecodeString(tok); strings.Contains(string(raw), "STAFF") {
		t.Errorf("token %q shows the id it continues after", tok)
	}
	if Token(Positions, tag) == tok {
		t.Error("two tokens of one id are equal: the nonce is not fresh")
	}
	id := ID{MS: 1763719200100, Seq: 2}
	if got, err := ParseEventToken(EventToken(id)); err != nil || got != id {
		t.Fatalf("event token round trip = %v, %v", got, err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	flipped := func(i int) string {
		b := slices.Clone(raw)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	bad := map[string]string{
		"empty":          "",
		"not base64":     "!!",
		"padded":         tok + "=",
		"truncated":      tok[:len(tok)-2],
		"in clear":       base64.RawURLEncoding.EncodeToString([]byte("p" + tag)),
		"other version":  flipped(0),
		"tampered nonce": flipped(1),
		"tampered body":  flipped(len(raw) - 20),
		"tampered tag":   flipped(len(raw) - 1),
		"other list":     EventToken(id),
		"rules list":     Token(Rules, tag),
	}
	for name, tok := range bad {
		if _, err := ParseToken(Positions, tok); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("%s: ParseToken(%q) error = %v, want ErrBadToken", name, tok, err)
		}
	}
	for _, tok := range []string{"", "!!", Token(Positions, tag), Token(Events, "x-1")} {
		if _, err := ParseEventToken(tok); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("ParseEventToken(%q) error = %v, want ErrBadToken", tok, err)
		}
	}
}

func TestPageSize(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{-1, 100}, {0, 100}, {1, 1}, {1000, 1000}, {1001, 1000}} {
		if got := PageSize(tt.in); got != tt.want {
			t.Errorf("PageSize(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestWindow(t *testing.T) {
	w := NewWindow(10_000, 20_000, time.Second)
	if w.First != (ID{MS: 9_000}) || w.Last.MS != 21_000 || !w.Bounded() {
		t.Errorf("window = %+v", w)
	}
	for ts, want := range map[int64]bool{9_999: false, 10_000: true, 20_000: true, 20_001: false} {
		if w.Holds(ts) != want {
			t.Errorf("Holds(%d) = %v", ts, !want)
		}
	}
	open := NewWindow(0, 0, time.Minute)
	if open.First != (ID{}) || open.Bounded() || !open.Holds(0) || !open.Holds(math.MaxInt64) {
		t.Errorf("unbounded window = %+v", open)
	}
	if early := NewWindow(500, 0, time.Second); early.First != (ID{}) {
		t.Errorf("slack before the epoch: First = %v", early.First)
	}
}
