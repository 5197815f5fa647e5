package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

func TestTagLifecycle(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	want := &rtlsv1.Tag{Id: "PAT-0001", Class: rtlsv1.TagClass_PATIENT, Type: "inpatient", UnitId: "4W", EncounterRef: "ENC-1"}
	got, err := env.registry.PutTag(ctx, &rtlsv1.PutTagRequest{Tag: want})
	if err != nil || !proto.Equal(got, want) {
		t.Fatalf("PutTag: got %v, %v; want %v", got, err, want)
	}
	want.EncounterRef = "ENC-2"
	if _, err := env.registry.PutTag(ctx, &rtlsv1.PutTagRequest{Tag: want}); err != nil {
		t.Fatalf("PutTag (replace): %v", err)
	}
	if got, err := env.registry.GetTag(ctx, &rtlsv1.GetTagRequest{Id: "PAT-0001"}); err != nil || !proto.Equal(got, want) {
		t.Fatalf("GetTag: got %v, %v; want %v", got, err, want)
	}
	if _, err := env.registry.DeleteTag(ctx, &rtlsv1.DeleteTagRequest{Id: "PAT-0001"}); err != nil {
		t.Fatalf("DeleteTag: %v", err)
	}
	_, err = env.registry.GetTag(ctx, &rtlsv1.GetTagRequest{Id: "PAT-0001"})
	wantField(t, err, codes.NotFound, "id")
	_, err = env.registry.DeleteTag(ctx, &rtlsv1.DeleteTagRequest{Id: "PAT-0001"})
	wantField(t, err, codes.NotFound, "id")
}

// registryFixture are tags of every class, put in no particular order.
var registryFixture = []*rtlsv1.Tag{
	{Id: "PUMP-003", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump", Name: "IP-3", Serial: "SN-03", Status: rtlsv1.AssetStatus_SOILED, UnitId: "4E"},
	{Id: "NURSE-01", Class: rtlsv1.TagClass_STAFF, Type: "nurse", Name: "Nurse Avery", Role: "RN", UnitId: "4W"},
	{Id: "PUMP-001", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump", Name: "IP-1", Serial: "SN-01", Status: rtlsv1.AssetStatus_AVAILABLE, UnitId: "4W"},
	{Id: "CHAIR-01", Class: rtlsv1.TagClass_ASSET, Type: "wheelchair", Name: "Chair 1"},
	{Id: "PAT-0001", Class: rtlsv1.TagClass_PATIENT, UnitId: "4W", EncounterRef: "ENC-1"},
	{Id: "PUMP-002", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump", Name: "IP-2", Serial: "SN-02", Status: rtlsv1.AssetStatus_IN_USE, UnitId: "4W"},
	{Id: "TECH-01", Class: rtlsv1.TagClass_STAFF, Type: "biomed", Name: "Tech Blake", Role: "tech", UnitId: "4E"},
}

func TestListTags(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	for _, tag := range registryFixture {
		if _, err := env.registry.PutTag(ctx, &rtlsv1.PutTagRequest{Tag: tag}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		req   *rtlsv1.ListTagsRequest
		pages []string // ids of each page
	}{
		{"all", &rtlsv1.ListTagsRequest{}, []string{"CHAIR-01 NURSE-01 PAT-0001 PUMP-001 PUMP-002 PUMP-003 TECH-01"}},
		{"class", &rtlsv1.ListTagsRequest{Class: rtlsv1.TagClass_STAFF}, []string{"NURSE-01 TECH-01"}},
		{"type", &rtlsv1.ListTagsRequest{Type: "infusion_pump"}, []string{"PUMP-001 PUMP-002 PUMP-003"}},
		{"class and type", &rtlsv1.ListTagsRequest{Class: rtlsv1.TagClass_ASSET, Type: "wheelchair"}, []string{"CHAIR-01"}},
		{"nothing matches", &rtlsv1.ListTagsRequest{Class: rtlsv1.TagClass_STAFF, Type: "wheelchair"}, []string{""}},
		{"pages", &rtlsv1.ListTagsRequest{Class: rtlsv1.TagClass_ASSET, PageSize: 3}, []string{"CHAIR-01 PUMP-001 PUMP-002", "PUMP-003"}},
		{"exact pages", &rtlsv1.ListTagsRequest{Type: "infusion_pump", PageSize: 3}, []string{"PUMP-001 PUMP-002 PUMP-003"}},
		{"id prefix", &rtlsv1.ListTagsRequest{IdPrefix: "PUMP-00"}, []string{"PUMP-001 PUMP-002 PUMP-003"}},
		{"name contains", &rtlsv1.ListTagsRequest{Name: "ip-"}, []string{"PUMP-001 PUMP-002 PUMP-003"}},
		{"serial", &rtlsv1.ListTagsRequest{Serial: "SN-02"}, []string{"PUMP-002"}},
		{"statuses", &rtlsv1.ListTagsRequest{Statuses: []rtlsv1.AssetStatus{rtlsv1.AssetStatus_AVAILABLE, rtlsv1.AssetStatus_SOILED}}, []string{"PUMP-001 PUMP-003"}},
		{"unit", &rtlsv1.ListTagsRequest{UnitId: "4W"}, []string{"NURSE-01 PAT-0001 PUMP-001 PUMP-002"}},
		{"role", &rtlsv1.ListTagsRequest{Role: "RN"}, []string{"NURSE-01"}},
		{"unit and class in pages", &rtlsv1.ListTagsRequest{UnitId: "4W", Class: rtlsv1.TagClass_ASSET, PageSize: 1}, []string{"PUMP-001", "PUMP-002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pages []string
			for {
				resp, err := env.registry.ListTags(ctx, tt.req)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, tag := range resp.Tags {
					ids = append(ids, tag.Id)
				}
				pages = append(pages, strings.Join(ids, " "))
				if resp.NextPageToken == "" {
					break
				}
				tt.req.PageToken = resp.NextPageToken
			}
			if strings.Join(pages, "|") != strings.Join(tt.pages, "|") {
				t.Errorf("got pages %q, want %q", pages, tt.pages)
			}
		})
	}
}

func TestListTagsInvalid(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	tests := []struct {
		name  string
		req   *rtlsv1.ListTagsRequest
		field string
	}{
		{"unknown class", &rtlsv1.ListTagsRequest{Class: 9}, "class"},
		{"unknown status", &rtlsv1.ListTagsRequest{Statuses: []rtlsv1.AssetStatus{rtlsv1.AssetStatus_AVAILABLE, 0}}, "statuses[1]"},
		{"page size", &rtlsv1.ListTagsRequest{PageSize: -3}, "page_size"},
		{"bad token", &rtlsv1.ListTagsRequest{PageToken: "%%%"}, "page_token"},
		{"token of another list", &rtlsv1.ListTagsRequest{PageToken: cursor.Token(cursor.Rules, "r1")}, "page_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.registry.ListTags(ctx, tt.req)
			wantField(t, err, codes.InvalidArgument, tt.field)
		})
	}
}

func TestPutTagInvalid(t *testing.T) {
	const id = "PAT-SECRET-77" // must appear in no error
	tests := []struct {
		name  string
		tag   *rtlsv1.Tag
		field string
	}{
		{"no tag", nil, "tag"},
		{"no id", &rtlsv1.Tag{Class: rtlsv1.TagClass_STAFF}, "tag.id"},
		{"id with control character", &rtlsv1.Tag{Id: id + "\x7f", Class: rtlsv1.TagClass_STAFF}, "tag.id"},
		{"id too long", &rtlsv1.Tag{Id: strings.Repeat(id, 20), Class: rtlsv1.TagClass_STAFF}, "tag.id"},
		{"no class", &rtlsv1.Tag{Id: id}, "tag.class"},
		{"unknown class", &rtlsv1.Tag{Id: id, Class: 9}, "tag.class"},
		{"type too long", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_ASSET, Type: strings.Repeat("t", 257)}, "tag.type"},
		{"name too long", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_ASSET, Name: strings.Repeat("n", 257)}, "tag.name"},
		{"patient name", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_PATIENT, Name: "Jane Roe"}, "tag.name"},
		{"unknown status", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_ASSET, Status: 42}, "tag.status"},
		{"status of staff", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_STAFF, Status: rtlsv1.AssetStatus_AVAILABLE}, "tag.status"},
		{"role of an asset", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_ASSET, Role: "RN"}, "tag.role"},
		{"serial of a patient", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_PATIENT, Serial: "SN-1"}, "tag.serial"},
		{"encounter of staff", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_STAFF, EncounterRef: "ENC-1"}, "tag.encounter_ref"},
		{"maintenance of staff", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_STAFF, MaintenanceDue: timestamppb.New(time.UnixMilli(1))}, "tag.maintenance_due"},
		{"invalid maintenance time", &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_ASSET, MaintenanceDue: &timestamppb.Timestamp{Nanos: -1}}, "tag.maintenance_due"},
	}
	env := startFenceEnv(t)
	ctx := testContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.registry.PutTag(ctx, &rtlsv1.PutTagRequest{Tag: tt.tag})
			wantField(t, err, codes.InvalidArgument, tt.field)
			if strings.Contains(status.Convert(err).Message(), id) {
				t.Errorf("error %v carries the tag id", err)
			}
		})
	}
	if resp, err := env.registry.ListTags(ctx, &rtlsv1.ListTagsRequest{}); err != nil || len(resp.Tags) != 0 {
		t.Errorf("refused tags were stored: %v, %v", resp, err)
	}
}

// BenchmarkListTags pages a large registry: the admin returns every tag per
// call, and the server filters and pages them.
func BenchmarkListTags(b *testing.B) {
	for _, n := range []int{1000, 50000} {
		b.Run(fmt.Sprintf("tags=%d", n), func(b *testing.B) {
			admin := newFenceAdmin(b, newFakeStore())
			ctx := context.Background()
			for i := range n {
				class := []string{geofence.ClassAsset, geofence.ClassStaff, geofence.ClassPatient}[i%3]
				if _, err := admin.PutTag(ctx, geofence.Tag{ID: fmt.Sprintf("TAG-%06d", i), Class: class}); err != nil {
					b.Fatal(err)
				}
			}
			srv := NewTagRegistryServer(admin, nil, nil)
			req := &rtlsv1.ListTagsRequest{Class: rtlsv1.TagClass_ASSET, PageToken: cursor.Token(cursor.Tags, fmt.Sprintf("TAG-%06d", n/2))}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := srv.ListTags(ctx, req)
				if err != nil || len(resp.Tags) != cursor.DefaultPageSize {
					b.Fatalf("got %d tags, %v", len(resp.GetTags()), err)
				}
			}
		})
	}
}

func TestListStatusHistory(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	changes := []geofence.StatusChange{
		{Tag: "PUMP-001", Status: geofence.StatusAvailable, TS: 1000, Source: geofence.SourceAPI},
		{Tag: "PUMP-001", Previous: geofence.StatusAvailable, Status: geofence.StatusSoiled, TS: 2000, Source: geofence.SourceSoiledRoom, Room: "L0-U01"},
		{Tag: "PUMP-002", Status: geofence.StatusInUse, TS: 2500, Source: geofence.SourceInUseDwell, Room: "L0-S01"},
		{Tag: "PUMP-001", Previous: geofence.StatusSoiled, Status: geofence.StatusMissing, TS: 3000, Source: geofence.SourceAbsence, Room: "L0-U01"},
	}
	if _, err := env.history.Apply(ctx, store.Update{StatusChanges: changes}); err != nil {
		t.Fatal(err)
	}
	req := &rtlsv1.ListStatusHistoryRequest{TagId: "PUMP-001", PageSize: 2}
	var got []string
	for {
		resp, err := env.registry.ListStatusHistory(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range resp.Changes {
			got = append(got, fmt.Sprintf("%v>%v@%d/%s/%s", c.Previous, c.Status, c.Time.AsTime().UnixMilli(), c.Source, c.RoomId))
		}
		if req.PageToken = resp.NextPageToken; req.PageToken == "" {
			break
		}
	}
	want := []string{
		"SOILED>MISSING@3000/absence/L0-U01",
		"AVAILABLE>SOILED@2000/soiled_room/L0-U01",
		"ASSET_STATUS_UNSPECIFIED>AVAILABLE@1000/api/",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("history\n got %q\nwant %q", got, want)
	}
	first, err := env.registry.ListStatusHistory(ctx, &rtlsv1.ListStatusHistoryRequest{TagId: "PUMP-001", PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		req   *rtlsv1.ListStatusHistoryRequest
		field string
	}{
		{"no tag", &rtlsv1.ListStatusHistoryRequest{}, "tag_id"},
		{"page size", &rtlsv1.ListStatusHistoryRequest{TagId: "PUMP-001", PageSize: 1001}, "page_size"},
		{"token of another tag", &rtlsv1.ListStatusHistoryRequest{TagId: "PUMP-002", PageToken: first.NextPageToken}, "page_token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.registry.ListStatusHistory(ctx, tt.req)
			wantField(t, err, codes.InvalidArgument, tt.field)
		})
	}
}

func TestTagConvertsEveryField(t *testing.T) {
	tag := geofence.Tag{ID: "PUMP-1", Class: geofence.ClassAsset, Type: "infusion_pump", Name: "IP-1",
		Status: geofence.StatusSoiled, Unit: "4W", Serial: "SN-1", Model: "Alaris 8100", Department: "biomed",
		MaintenanceDue: 1801353600000, StatusChangedAt: 1763719201000}
	p := TagToProto(tag)
	if p.Status != rtlsv1.AssetStatus_SOILED || p.StatusChangedAt.AsTime().UnixMilli() != tag.StatusChangedAt {
		t.Fatalf("TagToProto = %v", p)
	}
	back := TagFromProto(p)
	tag.StatusChangedAt = 0 // the server's: not read
	if back != tag {
		t.Fatalf("round trip\n got %+v\nwant %+v", back, tag)
	}
}
