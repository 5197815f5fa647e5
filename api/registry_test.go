package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/cursor"
)

func TestTagLifecycle(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	want := &rtlsv1.Tag{Id: "PAT-0001", Class: rtlsv1.TagClass_PATIENT, Type: "inpatient", Name: "bed 4-12"}
	got, err := env.registry.PutTag(ctx, &rtlsv1.PutTagRequest{Tag: want})
	if err != nil || !proto.Equal(got, want) {
		t.Fatalf("PutTag: got %v, %v; want %v", got, err, want)
	}
	want.Name = "bed 4-14"
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
	{Id: "PUMP-003", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump"},
	{Id: "NURSE-01", Class: rtlsv1.TagClass_STAFF, Type: "nurse"},
	{Id: "PUMP-001", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump"},
	{Id: "CHAIR-01", Class: rtlsv1.TagClass_ASSET, Type: "wheelchair"},
	{Id: "PAT-0001", Class: rtlsv1.TagClass_PATIENT},
	{Id: "PUMP-002", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump"},
	{Id: "TECH-01", Class: rtlsv1.TagClass_STAFF, Type: "biomed"},
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
