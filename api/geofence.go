package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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

// GeofenceServer implements rtlsv1.GeofenceServiceServer over a FenceAdmin.
// It checks requests in full (the rules of geofence.Validate and
// ValidateZone included) before it calls the admin, which checks again what
// only it knows: whether the zones and the level named exist.
type GeofenceServer struct {
	rtlsv1.UnimplementedGeofenceServiceServer

	admin FenceAdmin
	log   *slog.Logger

	// mu serializes the writes through this server, so that the existence
	// check of CreateRule, UpdateRule and CreateZone and the write after it
	// are atomic with respect to the other writes through this server.
	mu sync.Mutex
}

// NewGeofenceServer returns a GeofenceServer over admin. log, when not nil,
// receives the changes made and errors of the admin.
func NewGeofenceServer(admin FenceAdmin, log *slog.Logger) *GeofenceServer {
	return &GeofenceServer{admin: admin, log: orDiscard(log)}
}

// CreateRule creates a rule. A rule without id gets one of the form
// "rule-<16 hex digits>"; an id in use gives ALREADY_EXISTS.
func (s *GeofenceServer) CreateRule(ctx context.Context, req *rtlsv1.CreateRuleRequest) (*rtlsv1.Rule, error) {
	r, generated, err := s.newRule(req.GetRule(), true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.ID, err = s.freeID(ctx, "rule.id", r.ID, generated, generatedRulePrefix, s.ruleExists); err != nil {
		return nil, err
	}
	return s.putRule(ctx, r, "created")
}

// UpdateRule replaces the rule with the id of the request's rule; an
// unknown id gives NOT_FOUND.
func (s *GeofenceServer) UpdateRule(ctx context.Context, req *rtlsv1.UpdateRuleRequest) (*rtlsv1.Rule, error) {
	r, _, err := s.newRule(req.GetRule(), false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch ok, err := s.ruleExists(ctx, r.ID); {
	case err != nil:
		return nil, toStatus(s.log, err, "rule.id")
	case !ok:
		return nil, status.Error(codes.NotFound, "rule.id: not found")
	}
	return s.putRule(ctx, r, "updated")
}

// newRule checks and converts the rule of a request. With generate, a rule
// without id gets a random one, and generated says so.
func (s *GeofenceServer) newRule(p *rtlsv1.Rule, generate bool) (r geofence.Rule, generated bool, err error) {
	if p == nil {
		return r, false, invalid("rule", "required")
	}
	if err := checkRule(p); err != nil {
		return r, false, err
	}
	r = RuleFromProto(p)
	if generate && r.ID == "" {
		r.ID, generated = newID(generatedRulePrefix), true
	}
	if err := geofence.Validate(r); err != nil {
		return r, false, toStatus(s.log, err, "rule")
	}
	return r, generated, nil
}

// putRule writes a checked rule and returns it as stored.
func (s *GeofenceServer) putRule(ctx context.Context, r geofence.Rule, what string) (*rtlsv1.Rule, error) {
	stored, err := s.admin.PutRule(ctx, r)
	if err != nil {
		return nil, toStatus(s.log, err, "rule")
	}
	s.log.Info("geofence: rule "+what, "rule", stored.ID, "type", string(stored.Type))
	return RuleToProto(stored), nil
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.admin.DeleteRule(ctx, req.GetId()); err != nil {
		return nil, toStatus(s.log, err, "id")
	}
	s.log.Info("geofence: rule deleted", "rule", req.GetId())
	return &emptypb.Empty{}, nil
}

// ruleExists reports whether the admin holds a rule.
func (s *GeofenceServer) ruleExists(ctx context.Context, id string) (bool, error) {
	_, err := s.admin.Rule(ctx, id)
	return found(err, geofence.ErrUnknownRule)
}

// ruleID is the key rules are paged by.
func ruleID(r geofence.Rule) string { return r.ID }

// found turns the error of a lookup into whether the item exists: no error
// means it does, notFound that it does not, anything else is an error.
func found(err, notFound error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, notFound):
		return false, nil
	}
	return false, err
}

// freeID checks that the id of an item to create is free. A generated id in
// use is replaced by another; a given one gives ALREADY_EXISTS naming field.
func (s *GeofenceServer) freeID(ctx context.Context, field, id string, generated bool, prefix string,
	exists func(context.Context, string) (bool, error)) (string, error) {
	for attempt := 1; ; attempt++ {
		ok, err := exists(ctx, id)
		switch {
		case err != nil:
			return "", toStatus(s.log, err, field)
		case !ok:
			return id, nil
		case !generated || attempt == idAttempts:
			return "", status.Error(codes.AlreadyExists, field+": already exists")
		}
		id = newID(prefix)
	}
}

// newID returns prefix and 16 random hex digits.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return prefix + hex.EncodeToString(b[:])
}
