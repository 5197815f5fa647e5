package auth

import "strings"

// Policy maps each gRPC method ("/rtls.v1.LocationService/GetLocation") to
// the roles that may call it. A method it does not name is denied to
// everyone: a new service is closed until it gets an entry.
type Policy map[string][]Role

// Public methods need no credential: health checks for probes and load
// balancers.
const publicPrefix = "/grpc.health.v1.Health/"

// reflectionPrefix is server reflection (grpcurl's listing): any
// authenticated caller.
const reflectionPrefix = "/grpc.reflection."

// Public reports whether method needs no credential.
func (Policy) Public(method string) bool { return strings.HasPrefix(method, publicPrefix) }

// Allows reports whether role may call method.
func (pol Policy) Allows(method string, role Role) bool {
	if strings.HasPrefix(method, reflectionPrefix) {
		return true
	}
	for _, r := range pol[method] {
		if r == role {
			return true
		}
	}
	return false
}

// role sets used by DefaultPolicy.
var (
	readers   = []Role{Admin, Biomed, Nurse, Integration} // per item: CanSee
	adminOnly = []Role{Admin}
	ruleEdit  = []Role{Admin, Biomed} // biomed: asset rules only (request check)
	analytics = []Role{Admin, Facilities}
	util      = []Role{Admin, Facilities, Biomed}
)

// DefaultPolicy is the method table of rtlsd. Per-item visibility (which
// tags a role sees in lists, streams and lookups) is Principal.CanSee.
func DefaultPolicy() Policy {
	p := Policy{}
	add := func(service string, roles []Role, methods ...string) {
		for _, m := range methods {
			p["/rtls.v1."+service+"/"+m] = roles
		}
	}
	add("LocationService", readers, "GetLocation", "ListLocations", "WatchLocations", "GetTrail", "ExplainLocation")
	add("EventService", readers, "WatchEvents", "ListEvents")
	add("AssetService", readers, "FindNearest", "ListNotSeen", "ListMaintenanceDue", "ListLowBattery")
	add("GeofenceService", readers, "GetRule", "ListRules", "GetZone", "ListZones")
	add("GeofenceService", ruleEdit, "CreateRule", "UpdateRule")
	add("GeofenceService", adminOnly, "DeleteRule", "CreateZone", "DeleteZone")
	add("TagRegistryService", readers, "GetTag", "ListTags", "ListStatusHistory")
	add("TagRegistryService", ruleEdit, "PutTag")
	add("TagRegistryService", adminOnly, "DeleteTag")
	add("AnalyticsService", analytics, "Dwell", "Transitions", "Occupancy")
	add("AnalyticsService", util, "Utilization")
	add("AuditService", adminOnly, "ListAudit")
	return p
}
