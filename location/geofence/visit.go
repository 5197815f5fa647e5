package geofence

// Visit is one debounced stay of a tag in a room, recorded for every tag
// whatever the rules: the unit of trails (LocationService.GetTrail) and of
// the de-identified analytics. Enter and Exit are event times in epoch
// milliseconds, debounced like room events (Exit is the time of the first
// position outside the room).
type Visit struct {
	Tag   string
	Class string // the registry class when the visit opened; "" unregistered
	Type  string // the registry type when the visit opened
	Unit  string // the unit of Room in the floorplan; "" when none
	Room  string
	Level string
	Enter int64
	Exit  int64 // 0 while the visit is open
}

// Open reports whether the tag is still in the room.
func (v Visit) Open() bool { return v.Exit == 0 }

// Asset statuses: where an asset is in its use cycle. The names mirror
// rtls.v1.AssetStatus; "" means no status (staff, patients, or never set).
const (
	StatusAvailable   = "AVAILABLE"
	StatusInUse       = "IN_USE"
	StatusSoiled      = "SOILED"
	StatusCleaning    = "CLEANING"
	StatusMaintenance = "MAINTENANCE"
	StatusRecalled    = "RECALLED"
	StatusMissing     = "MISSING"
)

// StatusChange is one change of an asset's status, set through the API
// (Source "api") or inferred from its location (Source names the rule:
// "soiled_room", "in_use_dwell", "absence").
type StatusChange struct {
	Tag      string
	Previous string
	Status   string
	TS       int64 // epoch milliseconds; event time for inferred changes
	Source   string
	Room     string // the room the inference was made in; "" for "api"
}
