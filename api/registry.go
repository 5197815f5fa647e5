package api

import (
	"context"
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// TagAdmin holds the tag registry, where the geofence engine reads it.
// Errors are those of the geofence package (ErrUnknownTag; a
// *geofence.ValidationError names the field of an invalid tag) or the
// context's.
type TagAdmin interface {
	// PutTag creates or replaces a tag and returns it as stored.
	PutTag(ctx context.Context, t geofence.Tag) (geofence.Tag, error)
	// DeleteTag deletes a tag.
	DeleteTag(ctx context.Context, id string) error
	// Tag returns one tag.
	Tag(ctx context.Context, id string) (geofence.Tag, error)
	// Tags returns every tag, ordered by id.
	Tags(ctx context.Context) ([]geofence.Tag, error)
}

// TagRegistryServer implements rtlsv1.TagRegistryServiceServer over a
// TagAdmin. Tag ids may identify patients: they appear in no log line and
// no error message (logs carry a short hash).
type TagRegistryServer struct {
	rtlsv1.UnimplementedTagRegistryServiceServer

	admin TagAdmin
	log   *slog.Logger
}

// NewTagRegistryServer returns a TagRegistryServer over admin. log, when
// not nil, receives the changes made (tag ids hashed) and errors of the
// admin.
func NewTagRegistryServer(admin TagAdmin, log *slog.Logger) *TagRegistryServer {
	return &TagRegistryServer{admin: admin, log: orDiscard(log)}
}

// PutTag creates or replaces a tag and returns it as stored.
func (s *TagRegistryServer) PutTag(ctx context.Context, req *rtlsv1.PutTagRequest) (*rtlsv1.Tag, error) {
	p := req.GetTag()
	if p == nil {
		return nil, invalid("tag", "required")
	}
	if c := p.GetClass(); c != rtlsv1.TagClass_TAG_CLASS_UNSPECIFIED && !knownTagClass(c) {
		return nil, invalid("tag.class", fmt.Sprintf("unknown value %d", int32(c)))
	}
	stored, err := s.admin.PutTag(ctx, TagFromProto(p))
	if err != nil {
		return nil, toStatus(s.log, err, "tag")
	}
	s.log.Info("registry: tag put", "class", stored.Class) // which tag: the audit log, not the logs
	return TagToProto(stored), nil
}

// GetTag returns one tag.
func (s *TagRegistryServer) GetTag(ctx context.Context, req *rtlsv1.GetTagRequest) (*rtlsv1.Tag, error) {
	if req.GetId() == "" {
		return nil, invalid("id", "required")
	}
	t, err := s.admin.Tag(ctx, req.GetId())
	if err != nil {
		return nil, toStatus(s.log, err, "id")
	}
	return TagToProto(t), nil
}

// ListTags returns one page of tags, ordered by id, of one class and type
// when the request names them.
func (s *TagRegistryServer) ListTags(ctx context.Context, req *rtlsv1.ListTagsRequest) (*rtlsv1.ListTagsResponse, error) {
	class := req.GetClass()
	if class != rtlsv1.TagClass_TAG_CLASS_UNSPECIFIED && !knownTagClass(class) {
		return nil, invalid("class", fmt.Sprintf("unknown value %d", int32(class)))
	}
	pg, err := newPager(cursor.Tags, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	tags, err := s.admin.Tags(ctx)
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	want, typ := TagClassFromProto(class), req.GetType()
	keep := func(t geofence.Tag) bool {
		return (want == "" || t.Class == want) && (typ == "" || t.Type == typ)
	}
	tags, next := pageOf(pg, tags, tagID, keep)
	resp := &rtlsv1.ListTagsResponse{Tags: make([]*rtlsv1.Tag, len(tags)), NextPageToken: next}
	for i, t := range tags {
		resp.Tags[i] = TagToProto(t)
	}
	return resp, nil
}

// DeleteTag deletes a tag. The tag keeps being tracked, without class.
func (s *TagRegistryServer) DeleteTag(ctx context.Context, req *rtlsv1.DeleteTagRequest) (*emptypb.Empty, error) {
	if req.GetId() == "" {
		return nil, invalid("id", "required")
	}
	if err := s.admin.DeleteTag(ctx, req.GetId()); err != nil {
		return nil, toStatus(s.log, err, "id")
	}
	s.log.Info("registry: tag deleted")
	return &emptypb.Empty{}, nil
}

// tagID is the key tags are paged by.
func tagID(t geofence.Tag) string { return t.ID }
