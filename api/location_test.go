package api

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/location"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// fixturePositions are five tags on two levels.
var fixturePositions = []location.Position{
	{TS: 1763719201000, Tag: "PUMP-008", Level: "L0", X: 21.4, Y: 4.9, AccuracyM: 1.8, Room: "R1", RoomProb: 0.9},
	{TS: 1763719201500, Tag: "PUMP-009", Level: "L0", X: 3, Y: 4, AccuracyM: 2.5, Room: "R2", RoomProb: 0.6},
	{TS: 1763719202000, Tag: "STAFF-001", Level: "L0", X: 10, Y: 1, AccuracyM: 3, Room: "", RoomProb: 0},
	{TS: 1763719203000, Tag: "STAFF-002", Level: "L1", X: 7, Y: 7, AccuracyM: 1, Room: "R1", RoomProb: 0.75},
	{TS: 1763719204000, Tag: "PAT-001", Level: "L1", X: 8, Y: 2, AccuracyM: 1.2, Room: "R2", RoomProb: 0.99},
}

func TestGetLocation(t *testing.T) {
	env := startEnv(t, envConfig{})
	env.store.put(fixturePositions...)
	ctx := testContext(t)

	got, err := env.locations.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "PUMP-008"})
	if err != nil {
		t.Fatal(err)
	}
	want := &rtlsv1.Location{
		TagId: "PUMP-008", LevelId: "L0", X: 21.4, Y: 4.9, AccuracyM: 1.8, RoomId: "R1", RoomProbability: 0.9,
		UpdatedAt: &timestamppb.Timestamp{Seconds: 1763719201},
	}
	if !proto.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	tests := []struct {
		name  string
		tag   string
		code  codes.Code
		field string
	}{
		{"unknown tag", "NOBODY", codes.NotFound, "tag_id"},
		{"empty tag", "", codes.InvalidArgument, "tag_id"},
		{"panicking store", "PANIC", codes.Internal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.locations.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: tt.tag})
			wantStatus(t, err, tt.code, tt.field)
		})
	}
}

func TestListLocations(t *testing.T) {
	env := startEnv(t, envConfig{})
	env.store.put(fixturePositions...)
	ctx := testContext(t)

	tests := []struct {
		name        string
		level, room string
		pageSize    int32
		want        []string // tag ids, in order
	}{
		{"all in pages of 2", "", "", 2, []string{"PAT-001", "PUMP-008", "PUMP-009", "STAFF-001", "STAFF-002"}},
		{"all in one default page", "", "", 0, []string{"PAT-001", "PUMP-008", "PUMP-009", "STAFF-001", "STAFF-002"}},
		{"level", "L1", "", 1, []string{"PAT-001", "STAFF-002"}},
		{"room", "", "R1", 1000, []string{"PUMP-008", "STAFF-002"}},
		{"level and room", "L0", "R2", 1, []string{"PUMP-009"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			req := &rtlsv1.ListLocationsRequest{LevelId: tt.level, RoomId: tt.room, PageSize: tt.pageSize}
			for pages := 0; ; pages++ {
				resp, err := env.locations.ListLocations(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if tt.pageSize > 0 && len(resp.Locations) > int(tt.pageSize) {
					t.Fatalf("page of %d locations, page_size %d", len(resp.Locations), tt.pageSize)
				}
				for _, l := range resp.Locations {
					got = append(got, l.TagId)
				}
				if resp.NextPageToken == "" || pages > len(fixturePositions) {
					break
				}
				req.PageToken = resp.NextPageToken
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestListLocationsInvalid(t *testing.T) {
	env := startEnv(t, envConfig{})
	ctx := testContext(t)
	tests := []struct {
		name  string
		req   *rtlsv1.ListLocationsRequest
		field string
	}{
		{"negative page size", &rtlsv1.ListLocationsRequest{PageSize: -1}, "page_size"},
		{"page size too large", &rtlsv1.ListLocationsRequest{PageSize: 1001}, "page_size"},
		{"unknown level", &rtlsv1.ListLocationsRequest{LevelId: "L9"}, "level_id"},
		{"unknown room", &rtlsv1.ListLocationsRequest{RoomId: "R9"}, "room_id"},
		{"bad page token", &rtlsv1.ListLocationsRequest{PageToken: "garbage"}, "page_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.locations.ListLocations(ctx, tt.req)
			wantStatus(t, err, codes.InvalidArgument, tt.field)
		})
	}
}

func TestWatchLocations(t *testing.T) {
	tests := []struct {
		name string
		req  *rtlsv1.WatchLocationsRequest
		want []string // tag ids, in order
	}{
		{"everything", &rtlsv1.WatchLocationsRequest{}, []string{"PUMP-008", "PUMP-009", "STAFF-001", "STAFF-002", "PAT-001"}},
		{"level", &rtlsv1.WatchLocationsRequest{LevelId: "L1"}, []string{"STAFF-002", "PAT-001"}},
		{"room", &rtlsv1.WatchLocationsRequest{RoomId: "R2"}, []string{"PUMP-009", "PAT-001"}},
		{"tags", &rtlsv1.WatchLocationsRequest{TagIds: []string{"STAFF-001", "PAT-001", "NOBODY"}}, []string{"STAFF-001", "PAT-001"}},
		{"all three", &rtlsv1.WatchLocationsRequest{LevelId: "L0", RoomId: "R1", TagIds: []string{"PUMP-008", "STAFF-002"}}, []string{"PUMP-008"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startEnv(t, envConfig{})
			ctx := testContext(t)
			stream, err := env.locations.WatchLocations(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := stream.Header(); err != nil { // the watch is established
				t.Fatal(err)
			}
			env.store.put(fixturePositions...)
			// A last update that every request selects ends the stream
			// under test: anything not selected would arrive before it.
			last := location.Position{Tag: tt.want[len(tt.want)-1]}
			for _, p := range fixturePositions {
				if p.Tag == last.Tag {
					last = p
				}
			}
			last.TS++
			env.store.put(last)
			var got []string
			for range len(tt.want) + 1 {
				l, err := stream.Recv()
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, l.TagId)
			}
			if want := append(tt.want, last.Tag); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestWatchLocationsInvalid(t *testing.T) {
	env := startEnv(t, envConfig{})
	ctx := testContext(t)
	tests := []struct {
		name  string
		req   *rtlsv1.WatchLocationsRequest
		field string
	}{
		{"unknown level", &rtlsv1.WatchLocationsRequest{LevelId: "L9"}, "level_id"},
		{"unknown room", &rtlsv1.WatchLocationsRequest{RoomId: "R9"}, "room_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream, err := env.locations.WatchLocations(ctx, tt.req)
			if err == nil {
				_, err = stream.Recv()
			}
			wantStatus(t, err, codes.InvalidArgument, tt.field)
		})
	}
}
