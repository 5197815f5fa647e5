package api

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// fixtureRules cover every rule type and every kind of target, as stored
// (type upper case, class lower case).
var fixtureRules = []geofence.Rule{
	{ID: "enter", Name: "into 4-12", Type: geofence.RuleEnter, ZoneID: "L0-S01", Enabled: true},
	{ID: "exit", Type: geofence.RuleExit, Group: &geofence.Group{Category: "exit"}, TagClass: geofence.ClassPatient, Debounce: 1500 * time.Millisecond},
	{ID: "dwell", Type: geofence.RuleDwell, Group: &geofence.Group{ZoneIDs: []string{"L0-S02", "L0-S01"}}, Duration: 30 * time.Minute, Enabled: true},
	{ID: "absence", Type: geofence.RuleAbsence, TagClass: geofence.ClassAsset, Duration: 72 * time.Hour},
	{ID: "restricted", Type: geofence.RuleRestricted, ZoneID: "L0-N07", TagClass: geofence.ClassPatient, AssetType: "inpatient", Enabled: true},
	{ID: "par", Type: geofence.RulePar, ZoneID: "L0-S00", TagClass: geofence.ClassAsset, AssetType: "infusion_pump", MinCount: 4, Enabled: true},
}

func TestRuleRoundTrip(t *testing.T) {
	for _, r := range fixtureRules {
		t.Run(r.ID, func(t *testing.T) {
			if err := geofence.Validate(r); err != nil {
				t.Fatalf("fixture: %v", err)
			}
			p := RuleToProto(r)
			if got := RuleFromProto(p); !reflect.DeepEqual(got, r) {
				t.Errorf("domain: got %+v, want %+v", got, r)
			}
			if got := RuleToProto(RuleFromProto(p)); !proto.Equal(got, p) {
				t.Errorf("proto: got %v, want %v", got, p)
			}
		})
	}
}

func TestRuleToProto(t *testing.T) {
	tests := []struct {
		name string
		in   geofence.Rule
		want *rtlsv1.Rule
	}{
		{"debounce travels in duration", geofence.Rule{ID: "a", Type: geofence.RuleEnter, ZoneID: "z", Debounce: time.Second},
			&rtlsv1.Rule{Id: "a", EventType: rtlsv1.Rule_ENTER, Target: &rtlsv1.Rule_ZoneId{ZoneId: "z"}, Duration: durationpb.New(time.Second)}},
		{"debounce of a dwell rule is left out", geofence.Rule{ID: "b", Type: geofence.RuleDwell, ZoneID: "z", Duration: time.Minute, Debounce: time.Second},
			&rtlsv1.Rule{Id: "b", EventType: rtlsv1.Rule_DWELL, Target: &rtlsv1.Rule_ZoneId{ZoneId: "z"}, Duration: durationpb.New(time.Minute)}},
		{"unknown type and class", geofence.Rule{ID: "c", Type: "TELEPORT", TagClass: "robot"}, &rtlsv1.Rule{Id: "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RuleToProto(tt.in); !proto.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// Every protocol kind names a rule type the engine accepts.
func TestRuleKindsMirrorTypes(t *testing.T) {
	for v, name := range rtlsv1.Rule_Kind_name {
		k := rtlsv1.Rule_Kind(v)
		t.Run(name, func(t *testing.T) {
			typ := RuleKindFromProto(k)
			if k == rtlsv1.Rule_KIND_UNSPECIFIED {
				if typ != "" {
					t.Errorf("got %q, want none", typ)
				}
				return
			}
			r := geofence.Rule{ID: "r", Type: typ, ZoneID: "z"}
			switch typ {
			case geofence.RuleDwell, geofence.RuleAbsence:
				r.Duration = time.Minute
			case geofence.RulePar:
				r.MinCount = 1
			}
			if err := geofence.Validate(r); err != nil || RuleKindToProto(typ) != k {
				t.Errorf("type %q: %v, back to %v", typ, err, RuleKindToProto(typ))
			}
		})
	}
}

func TestZoneRoundTrip(t *testing.T) {
	open := orb.Ring{{1, 8.5}, {3, 8.5}, {3, 10.5}, {1, 10.5}}
	z := geofence.Zone{ID: "bay", Name: "bay 1", Level: "L0", Category: "bay", Polygon: orb.Polygon{open}}
	p := ZoneToProto(z)
	if got := ZoneFromProto(p); !reflect.DeepEqual(got, z) {
		t.Errorf("domain: got %+v, want %+v", got, z)
	}
	if got := ZoneToProto(ZoneFromProto(p)); !proto.Equal(got, p) {
		t.Errorf("proto: got %v, want %v", got, p)
	}
	closed := z
	closed.Polygon = orb.Polygon{append(open.Clone(), open[0])}
	closed.FromPlan = true
	if got := ZoneToProto(closed); !proto.Equal(got, p) {
		t.Errorf("closed ring: got %v, want the open ring %v", got, p)
	}
	if got := ZoneToProto(geofence.Zone{ID: "empty"}); len(got.Polygon) != 0 {
		t.Errorf("no polygon: got %v", got)
	}
}

func TestTagRoundTrip(t *testing.T) {
	for _, tag := range []geofence.Tag{
		{ID: "PUMP-001", Class: geofence.ClassAsset, Type: "infusion_pump", Name: "IP-0001"},
		{ID: "RN-7", Class: geofence.ClassStaff, Type: "nurse"},
		{ID: "PAT-0001", Class: geofence.ClassPatient},
	} {
		t.Run(tag.Class, func(t *testing.T) {
			if got := TagFromProto(TagToProto(tag)); got != tag {
				t.Errorf("got %+v, want %+v", got, tag)
			}
		})
	}
}

// engineErrors returns errors of a real engine on the synthetic clinic
// with an API zone "bay" that a rule names.
func engineErrors(t *testing.T) (unknownZone, planZone, planDelete, inUse error) {
	t.Helper()
	plan, err := clinicPlan()
	if err != nil {
		t.Fatal(err)
	}
	bay := geofence.Zone{ID: "bay", Level: "L0", Polygon: orb.Polygon{{{1, 8.5}, {3, 8.5}, {3, 10.5}}}}
	rules := []geofence.Rule{{ID: "r", Type: geofence.RuleEnter, ZoneID: "bay"}}
	eng, err := geofence.New(plan, geofence.Config{Zones: []geofence.Zone{bay}}, rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, unknownZone = eng.CreateRule(geofence.Rule{ID: "x", Type: geofence.RuleEnter, Group: &geofence.Group{ZoneIDs: []string{"L0-S01", "L7"}}}, 0)
	bay.ID = "L0-S00"
	planZone = eng.CreateZone(bay)
	_, planDelete = eng.DeleteZone("L0-S01", 0)
	_, inUse = eng.DeleteZone("bay", 0)
	return unknownZone, planZone, planDelete, inUse
}

func TestToStatusGeofence(t *testing.T) {
	unknownZone, planZone, planDelete, inUse := engineErrors(t)
	tests := []struct {
		name    string
		err     error
		subject string
		code    codes.Code
		msg     string
	}{
		{"unknown rule", fmt.Errorf("admin: %w", geofence.ErrUnknownRule), "id", codes.NotFound, "id: not found"},
		{"unknown zone", geofence.ErrUnknownZone, "id", codes.NotFound, "id: not found"},
		{"unknown tag", fmt.Errorf("cannot delete tag: %w", geofence.ErrUnknownTag), "id", codes.NotFound, "id: not found"},
		{"validation", geofence.Validate(geofence.Rule{ID: "r", Type: geofence.RuleDwell, ZoneID: "z"}), "rule", codes.InvalidArgument, "rule.duration: must be > 0 for DWELL"},
		{"debounce is duration", geofence.Validate(geofence.Rule{ID: "r", Type: geofence.RuleEnter, ZoneID: "z", Debounce: -1}), "rule", codes.InvalidArgument, "rule.duration: must not be negative"},
		{"tag validation", geofence.ValidateTag(geofence.Tag{ID: "PAT-1"}), "tag", codes.InvalidArgument, "tag.class: required (staff, asset or patient)"},
		{"field naming an unknown zone", unknownZone, "rule", codes.InvalidArgument, `rule.group.zone_ids[1]: unknown zone "L7"`},
		{"creating a room", planZone, "zone.id", codes.AlreadyExists, "zone.id: already exists"},
		{"deleting a room", planDelete, "id", codes.FailedPrecondition, "id: a room or zone of the floorplan; it changes only with the plan"},
		{"zone in use", inUse, "id", codes.FailedPrecondition, "id: in use by a rule; change or delete the rules naming it first"},
		{"invalid without details", geofence.ErrInvalidZone, "zone", codes.InvalidArgument, "zone: invalid zone"},
		{"deadline", fmt.Errorf("admin: %w", context.DeadlineExceeded), "id", codes.DeadlineExceeded, ""},
		{"canceled", context.Canceled, "rule", codes.Canceled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := status.Convert(toStatus(orDiscard(nil), tt.err, tt.subject))
			if st.Code() != tt.code || (tt.msg != "" && st.Message() != tt.msg) {
				t.Errorf("%v: got %v %q, want %v %q", tt.err, st.Code(), st.Message(), tt.code, tt.msg)
			}
		})
	}
}
