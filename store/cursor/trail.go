package cursor

import (
	"strconv"
	"strings"

	"github.com/hospitalrtls/rtls/store"
)

// TrailToken returns the token for the page of tag's trail that continues
// after the visit that began at enter.
func TrailToken(tag string, enter int64) string {
	return Token(Trails, strconv.FormatInt(enter, 10)+"\n"+tag)
}

// ParseTrailToken returns the visit entry time a TrailToken of tag's trail
// continues after; a token of another tag's trail, or of another list, is
// store.ErrBadToken.
func ParseTrailToken(tag, tok string) (int64, error) {
	s, err := ParseToken(Trails, tok)
	if err != nil {
		return 0, err
	}
	ms, rest, ok := strings.Cut(s, "\n")
	enter, perr := strconv.ParseInt(ms, 10, 64)
	if !ok || perr != nil || rest != tag {
		return 0, store.ErrBadToken
	}
	return enter, nil
}
