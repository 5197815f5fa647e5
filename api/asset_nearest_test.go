package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans/route"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/memstore"
)

// TestFindNearestFullRanking: reading the candidates' positions nearest
// rooms first and stopping early gives exactly the ranking of every
// candidate (route.Field.Nearest over all of them), for limits from one
// to more than a batch, from many rooms of a 2-level hospital where 800 of
// 4,000 tags are infusion pumps, and when 300 more pumps stand in one long
// corridor, so that rooms alike in floor hold more than a batch.
func TestFindNearestFullRanking(t *testing.T) {
	h := genHospital(t, 2, 4, 10)
	router, err := route.New(h.plan, route.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("spread", func(t *testing.T) {
		st := memstore.New(memstore.Options{})
		defer st.Close()
		checkFullRanking(t, h, router, st, h.populate(t, st, 4000, 5))
	})
	t.Run("corridor", func(t *testing.T) {
		st := memstore.New(memstore.Options{})
		defer st.Close()
		reg := h.populate(t, st, 4000, 5)
		spine, _ := h.plan.Room("L0-SPINE")
		rng := rand.New(rand.NewPCG(3, 3))
		var ps []location.Position
		for i := range 300 {
			tag := geofence.Tag{ID: fmt.Sprintf("C%03d", i), Class: geofence.ClassAsset, Type: "infusion_pump", Status: geofence.StatusAvailable}
			if _, err := reg.Put(tag); err != nil {
				t.Fatal(err)
			}
			b := spine.Bound
			ps = append(ps, location.Position{TS: 2000, Tag: tag.ID, Level: "L0", Room: spine.ID, RoomProb: 0.9,
				X: b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), Y: b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])})
		}
		if _, err := st.Apply(context.Background(), store.Update{Positions: ps}); err != nil {
			t.Fatal(err)
		}
		checkFullRanking(t, h, router, st, reg)
	})
}

func checkFullRanking(t *testing.T, h benchHospital, router *route.Router, st store.Store, reg *geofence.Registry) {
	s := NewAssetServer(st, registryTags{reg}, router, PlanLookupOf(h.plan), nil)
	ctx := context.Background()
	pumps := reg.SelectKindIDs(geofence.ClassAsset, "infusion_pump", func(s string) bool { return s == geofence.StatusAvailable })
	ps, err := st.GetPositions(ctx, pumps)
	if err != nil {
		t.Fatal(err)
	}
	cands := make([]route.Candidate, len(ps))
	for i, p := range ps {
		cands[i] = route.Candidate{ID: p.Tag, Place: placeOf(p)}
	}
	for i := 0; i < len(h.rooms); i += 7 {
		from := h.rooms[i].ID
		field, err := router.From(route.Place{Room: from})
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 5, 100} {
			want := field.Nearest(cands, limit)
			resp, err := s.FindNearest(ctx, &rtlsv1.FindNearestRequest{
				From:      &rtlsv1.Origin{Place: &rtlsv1.Origin_RoomId{RoomId: from}},
				AssetType: "infusion_pump", Statuses: []rtlsv1.AssetStatus{rtlsv1.AssetStatus_AVAILABLE},
				Limit: int32(limit),
			})
			if err != nil {
				t.Fatal(err)
			}
			got := resp.GetResults()
			if len(got) != len(want) {
				t.Fatalf("from %s, limit %d: %d results, full ranking %d", from, limit, len(got), len(want))
			}
			for k, w := range want {
				if got[k].GetTagId() != w.ID || got[k].GetWalkingDistanceM() != w.Meters {
					t.Fatalf("from %s, limit %d: result %d is %s at %.2f m, full ranking %s at %.2f m",
						from, limit, k, got[k].GetTagId(), got[k].GetWalkingDistanceM(), w.ID, w.Meters)
				}
			}
		}
	}
}
