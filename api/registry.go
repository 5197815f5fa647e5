package api

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
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

// StatusHistory reads the stored status changes of assets; the store
// implements it.
type StatusHistory interface {
	// ListStatusHistory pages through one tag's changes, newest first.
	ListStatusHistory(ctx context.Context, q store.StatusQuery) (store.StatusPage, error)
}

// TagRegistryServer implements rtlsv1.TagRegistryServiceServer over a
// TagAdmin and a StatusHistory. Tag ids may identify patients: they appear in no log line and
// no error message (logs carry a short hash).
type TagRegistryServer struct {
	rtlsv1.UnimplementedTagRegistryServiceServer

	admin   TagAdmin
	history StatusHistory
	log     *slog.Logger
}

// NewTagRegistryServer returns a TagRegistryServer over admin and history.
// log, when not nil, receives the changes made (tag ids hashed) and errors
// of the admin.
func NewTagRegistryServer(admin TagAdmin, history StatusHistory, log *slog.Logger) *TagRegistryServer {
	return &TagRegistryServer{admin: admin, history: history, log: orDiscard(log)}
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
	if st := p.GetStatus(); st != rtlsv1.AssetStatus_ASSET_STATUS_UNSPECIFIED && !knownAssetStatus(st) {
		return nil, invalid("tag.status", fmt.Sprintf("unknown value %d", int32(st)))
	}
	if due := p.GetMaintenanceDue(); due != nil && due.CheckValid() != nil {
		return nil, invalid("tag.maintenance_due", "not a valid time")
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

// ListTags returns one page of tags, ordered by id, that match every
// filter the request sets.
func (s *TagRegistryServer) ListTags(ctx context.Context, req *rtlsv1.ListTagsRequest) (*rtlsv1.ListTagsResponse, error) {
	keep, err := tagFilter(req)
	if err != nil {
		return nil, err
	}
	pg, err := newPager(cursor.Tags, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	tags, err := s.admin.Tags(ctx)
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	tags, next := pageOf(pg, tags, tagID, keep)
	resp := &rtlsv1.ListTagsResponse{Tags: make([]*rtlsv1.Tag, len(tags)), NextPageToken: next}
	for i, t := range tags {
		resp.Tags[i] = TagToProto(t)
	}
	return resp, nil
}

// tagFilter returns the test of ListTags' filters: class, type, role,
// unit and serial equal, id by prefix, name contained (case-insensitive),
// status among those listed.
func tagFilter(req *rtlsv1.ListTagsRequest) (func(geofence.Tag) bool, error) {
	class := req.GetClass()
	if class != rtlsv1.TagClass_TAG_CLASS_UNSPECIFIED && !knownTagClass(class) {
		return nil, invalid("class", fmt.Sprintf("unknown value %d", int32(class)))
	}
	statuses := make(map[string]bool, len(req.GetStatuses()))
	for i, st := range req.GetStatuses() {
		if !knownAssetStatus(st) {
			return nil, invalid(fmt.Sprintf("statuses[%d]", i), fmt.Sprintf("unknown value %d", int32(st)))
		}
		statuses[AssetStatusFromProto(st)] = true
	}
	want, name := TagClassFromProto(class), strings.ToLower(req.GetName())
	eq := func(filter, v string) bool { return filter == "" || filter == v }
	return func(t geofence.Tag) bool {
		return eq(want, t.Class) && eq(req.GetType(), t.Type) && eq(req.GetRole(), t.Role) &&
			eq(req.GetUnitId(), t.Unit) && eq(req.GetSerial(), t.Serial) &&
			strings.HasPrefix(t.ID, req.GetIdPrefix()) &&
			(name == "" || strings.Contains(strings.ToLower(t.Name), name)) &&
			(len(statuses) == 0 || statuses[t.Status])
	}, nil
}

// ListStatusHistory returns one page of an asset's status changes, newest
// first.
func (s *TagRegistryServer) ListStatusHistory(ctx context.Context, req *rtlsv1.ListStatusHistoryRequest) (*rtlsv1.ListStatusHistoryResponse, error) {
	if req.GetTagId() == "" {
		return nil, invalid("tag_id", "required")
	}
	if err := checkPageSize(req.GetPageSize()); err != nil {
		return nil, err
	}
	page, err := s.history.ListStatusHistory(ctx, store.StatusQuery{Tag: req.GetTagId(),
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	resp := &rtlsv1.ListStatusHistoryResponse{Changes: make([]*rtlsv1.StatusChange, len(page.Changes)),
		NextPageToken: page.NextPageToken}
	for i, c := range page.Changes {
		resp.Changes[i] = StatusChangeToProto(c)
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
