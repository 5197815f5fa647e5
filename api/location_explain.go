package api

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/location"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// Explainer reads the location engine's evidence behind a tag's current
// position. In the server it is the pipeline, which owns the engine and
// reads it on its own goroutine.
type Explainer interface {
	// Explain returns the evidence for tag, false when the engine tracks no
	// position of it.
	Explain(ctx context.Context, tag string) (location.Explanation, bool, error)
}

// WithExplainer makes ExplainLocation answer from x and returns s.
func (s *LocationServer) WithExplainer(x Explainer) *LocationServer {
	s.explain = x
	return s
}

// ExplainLocation returns the evidence behind a tag's current location:
// the readers heard in the engine's last epoch for it, with the RSSI the
// radio model expects there, the most likely rooms and levels, and the
// nearby readers that stayed silent. NOT_FOUND for a tag the engine does
// not track (never placed, or forgotten after a long silence).
func (s *LocationServer) ExplainLocation(ctx context.Context, req *rtlsv1.ExplainLocationRequest) (*rtlsv1.LocationExplanation, error) {
	if s.explain == nil {
		return nil, status.Error(codes.Unimplemented, "this server has no location engine")
	}
	if req.GetTagId() == "" {
		return nil, invalid("tag_id", "required")
	}
	x, ok, err := s.explain.Explain(ctx, req.GetTagId())
	if err != nil {
		return nil, toStatus(s.log, err, "tag_id")
	}
	if !ok {
		return nil, status.Error(codes.NotFound, "tag_id: not tracked by the location engine")
	}
	return ExplanationToProto(x), nil
}

// ExplanationToProto converts the engine's evidence to its protobuf form.
func ExplanationToProto(x location.Explanation) *rtlsv1.LocationExplanation {
	out := &rtlsv1.LocationExplanation{Location: LocationToProto(x.Position), SilentReaderIds: x.Silent}
	for _, r := range x.Readers {
		out.Readers = append(out.Readers, &rtlsv1.ReaderEvidence{ReaderId: r.Reader, LevelId: r.Level, RssiDbm: r.RSSI,
			ExpectedRssiDbm: r.ExpectedRSSI, DistanceM: r.DistanceM, Walls: int32(r.Walls)})
	}
	for _, b := range x.Rooms {
		out.Rooms = append(out.Rooms, &rtlsv1.RoomProbability{RoomId: b.ID, Probability: b.Prob})
	}
	for _, b := range x.Levels {
		out.Levels = append(out.Levels, &rtlsv1.LevelProbability{LevelId: b.ID, Probability: b.Prob})
	}
	return out
}
