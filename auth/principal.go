// Package auth says who an API caller is and what they may see: roles,
// principals, the tokens file, JWT verification and the method policy.
// It imports no gRPC or protobuf code; the interceptors of package api
// apply it at the edge.
package auth

import (
	"errors"
	"fmt"
	"slices"
)

// ErrUnauthenticated is returned for a missing, unknown, expired or
// malformed credential.
var ErrUnauthenticated = errors.New("auth: unauthenticated")

// ErrBadRole is returned for a role name that is not one of the Roles.
var ErrBadRole = errors.New("auth: unknown role")

// Role is what a caller may do, named in tokens and JWT claims.
type Role string

// The roles. Each method of the API names the roles it admits (Policy);
// per item, Principal.CanSee decides which tags a role sees.
const (
	// Admin may do everything, including rules, registry and the audit log.
	Admin Role = "admin"
	// Biomed sees assets only: their locations, registry, asset rules,
	// nearest search and utilization; no staff or patient.
	Biomed Role = "biomed"
	// Nurse sees staff and patients of their units, and assets; rules
	// are read-only.
	Nurse Role = "nurse"
	// Facilities calls the analytics service only (de-identified aggregates).
	Facilities Role = "facilities"
	// Integration is read access for a downstream system: the tag
	// classes (and units) its credential lists.
	Integration Role = "integration"
)

// Roles lists every role.
var Roles = []Role{Admin, Biomed, Nurse, Facilities, Integration}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		return "", fmt.Errorf("%w %q (want one of admin, biomed, nurse, facilities, integration)", ErrBadRole, s)
	}
	return r, nil
}

// Class is the class of a tag as the registry knows it.
type Class string

// The tag classes; Unknown is a tag the registry does not know, which may
// be a person and so is seen only by admin.
const (
	Unknown Class = ""
	Staff   Class = "staff"
	Asset   Class = "asset"
	Patient Class = "patient"
)

// IsPerson reports whether tags of c locate a person (or may: Unknown).
func (c Class) IsPerson() bool { return c != Asset }

// Principal is an authenticated caller.
type Principal struct {
	// Subject names the caller (a user or system id); it goes to the
	// audit log, never tag ids.
	Subject string
	// Role is what the caller may do.
	Role Role
	// Units are the hospital units whose people a nurse (or an
	// integration) sees; for an integration, empty means every unit.
	Units []string
	// Classes are the tag classes an integration sees (default: assets).
	Classes []Class
}

// CanSee reports whether p may see a tag of class c in (or of) unit.
// Unknown-class tags are seen by admin only: an unregistered tag may be
// worn by a person.
func (p *Principal) CanSee(c Class, unit string) bool {
	switch p.Role {
	case Admin:
		return true
	case Biomed:
		return c == Asset
	case Nurse:
		if c == Asset {
			return true
		}
		return c != Unknown && unit != "" && slices.Contains(p.Units, unit)
	case Integration:
		classes := p.Classes
		if len(classes) == 0 {
			classes = []Class{Asset}
		}
		if !slices.Contains(classes, c) {
			return false
		}
		return c == Asset || len(p.Units) == 0 || slices.Contains(p.Units, unit)
	}
	return false
}

// NeedsUnit reports whether CanSee's answer for a tag of class c depends
// on the tag's unit, so that a caller looks units up only when they
// matter (people, for a nurse or a unit-bound integration).
func (p *Principal) NeedsUnit(c Class) bool {
	switch p.Role {
	case Nurse:
		return (c == Staff || c == Patient) && len(p.Units) > 0
	case Integration:
		return c != Asset && len(p.Units) > 0 && p.CanSee(c, p.Units[0])
	}
	return false
}
