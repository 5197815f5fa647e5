package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// Prefixes of the ids the server assigns to rules and zones created without
// one: the prefix and 16 random hex digits, e.g. "rule-3f9a0c1d5e7b2a44".
const (
	generatedRulePrefix = "rule-"
	generatedZonePrefix = "zone-"
)

// idAttempts bounds the random ids tried for one create: a repeat of a
// 64-bit random id is all but impossible, but must not loop forever.
const idAttempts = 3

// RuleAdmin holds the geofence rules, where the engine runs them. Writes
// are one step each where the rules live: CreateRule fails with
// geofence.ErrExists for an id in use, UpdateRule with
// geofence.ErrUnknownRule for an id not in use, so that concurrent writes
// need no lock here. Errors are those of the geofence package (a
// *geofence.ValidationError names the field of an invalid rule) or the
// context's.
type RuleAdmin interface {
	// CreateRule creates a rule and returns it as stored.
	CreateRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error)
	// UpdateRule replaces a rule and returns it as stored.
	UpdateRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error)
	// DeleteRule deletes a rule.
	DeleteRule(ctx context.Context, id string) error
	// Rule returns one rule.
	Rule(ctx context.Context, id string) (geofence.Rule, error)
	// Rules returns every rule.
	Rules(ctx context.Context) ([]geofence.Rule, error)
}

// GeofenceAdmin is what the GeofenceService serves: rules and zones.
type GeofenceAdmin interface {
	RuleAdmin
	ZoneAdmin
}

// GeofenceServer implements rtlsv1.GeofenceServiceServer over a
// GeofenceAdmin. It checks what only the protocol form of a request shows
// (required messages, enum values, durations); the admin validates the
// rule or zone itself, once.
type GeofenceServer struct {
	rtlsv1.UnimplementedGeofenceServiceServer

	admin GeofenceAdmin
	log   *slog.Logger
}

// NewGeofenceServer returns a GeofenceServer over admin. log, when not nil,
// receives the changes made and errors of the admin.
func NewGeofenceServer(admin GeofenceAdmin, log *slog.Logger) *GeofenceServer {
	return &GeofenceServer{admin: admin, log: orDiscard(log)}
}

// CreateRule creates a rule. A rule without id gets one of the form
// "rule-<16 hex digits>"; an id in use gives ALREADY_EXISTS.
func (s *GeofenceServer) CreateRule(ctx context.Context, req *rtlsv1.CreateRuleRequest) (*rtlsv1.Rule, error) {
	r, err := ruleOf(req.GetRule())
	if err != nil {
		return nil, err
	}
	stored, err := createWithID(ctx, r.ID == "", generatedRulePrefix, func(id string) (geofence.Rule, error) {
		if id != "" {
			r.ID = id
		}
		return s.admin.CreateRule(ctx, r)
	})
	if err != nil {
		return nil, writeStatus(s.log, err, "rule")
	}
	s.log.Info("geofence: rule created", "rule", stored.ID, "type", string(stored.Type))
	return RuleToProto(stored), nil
}

// UpdateRule replaces the rule with the id of the request's rule; an
// unknown id gives NOT_FOUND.
func (s *GeofenceServer) UpdateRule(ctx context.Context, req *rtlsv1.UpdateRuleRequest) (*rtlsv1.Rule, error) {
	r, err := ruleOf(req.GetRule())
	if err != nil {
		return nil, err
	}
	stored, err := s.admin.UpdateRule(ctx, r)
	if err != nil {
		return nil, writeStatus(s.log, err, "rule")
	}
	s.log.Info("geofence: rule updated", "rule", stored.ID, "type", string(stored.Type))
	return RuleToProto(stored), nil
}

// ruleOf checks what only the protocol form of a rule shows and converts it.
func ruleOf(p *rtlsv1.Rule) (geofence.Rule, error) {
	if p == nil {
		return geofence.Rule{}, invalid("rule", "required")
	}
	if err := checkRule(p); err != nil {
		return geofence.Rule{}, err
	}
	return RuleFromProto(p), nil
}

// createWithID runs create, which fails with geofence.ErrExists for an id
// in use. With generate it passes a random id with prefix, and another
// when that one is taken; else it passes "" (keep the item's id).
func createWithID[T any](ctx context.Context, generate bool, prefix string, create func(id string) (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		id := ""
		if generate {
			id = newID(prefix)
		}
		got, err := create(id)
		if !generate || attempt == idAttempts || !errors.Is(err, geofence.ErrExists) || ctx.Err() != nil {
			return got, err
		}
	}
}

// writeStatus is toStatus for the write of a rule or zone: a taken or
// unknown id names "<kind>.id", anything else "<kind>".
func writeStatus(log *slog.Logger, err error, kind string) error {
	if errors.Is(err, geofence.ErrExists) || errors.Is(err, geofence.ErrUnknownRule) {
		return toStatus(log, err, kind+".id")
	}
	return toStatus(log, err, kind)
}

// GetRule returns one rule.
func (s *GeofenceServer) GetRule(ctx context.Context, req *rtlsv1.GetRuleRequest) (*rtlsv1.Rule, error) {
	if req.GetId() == "" {
		return nil, invalid("id", "required")
	}
	r, err := s.admin.Rule(ctx, req.GetId())
	if err != nil {
		return nil, toStatus(s.log, err, "id")
	}
	return RuleToProto(r), nil
}

// ListRules returns one page of rules, ordered by id.
func (s *GeofenceServer) ListRules(ctx context.Context, req *rtlsv1.ListRulesRequest) (*rtlsv1.ListRulesResponse, error) {
	pg, err := newPager(cursor.Rules, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	rules, err := s.admin.Rules(ctx)
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	rules, next := pageOf(pg, rules, ruleID, nil)
	resp := &rtlsv1.ListRulesResponse{Rules: make([]*rtlsv1.Rule, len(rules)), NextPageToken: next}
	for i, r := range rules {
		resp.Rules[i] = RuleToProto(r)
	}
	return resp, nil
}

// DeleteRule deletes a rule; the admin emits the events its removal causes (EXIT
// for tags an ENTER or EXIT rule watched, PAR_RESTORED).
func (s *GeofenceServer) DeleteRule(ctx context.Context, req *rtlsv1.DeleteRuleRequest) (*emptypb.Empty, error) {
	if req.GetId() == "" {
		return nil, invalid("id", "required")
	}
	if err := s.admin.DeleteRule(ctx, req.GetId()); err != nil {
		return nil, toStatus(s.log, err, "id")
	}
	s.log.Info("geofence: rule deleted", "rule", req.GetId())
	return &emptypb.Empty{}, nil
}

// ruleID is the key rules are paged by.
func ruleID(r geofence.Rule) string { return r.ID }

// newID returns prefix and 16 random hex digits.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return prefix + hex.EncodeToString(b[:])
}
