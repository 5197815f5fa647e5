package demo

// Tag classes of the demo scenario.
const (
	ClassStaff   = "staff"
	ClassAsset   = "asset"
	ClassPatient = "patient"
)

// Tag is one tag of the demo scenario, as a tag registry would hold it
// (the fields of geofence.Tag). Everything is invented: staff names are
// made up, patients carry no name at all, only a unit and an encounter
// reference.
type Tag struct {
	ID    string // tag id as readers report it
	Class string // ClassStaff, ClassAsset or ClassPatient
	Type  string // e.g. "nurse", "infusion_pump", "inpatient"
	Name  string // display name; "" for patients
	Unit  string // unit of the ward floorplan: "4W" (level 0) or "5W" (level 1)
	// Role is a staff member's role.
	Role string
	// Status, Serial, Model, Department and MaintenanceDue (a date,
	// 2006-01-02) describe an asset.
	Status         string
	Serial         string
	Model          string
	Department     string
	MaintenanceDue string
	// EncounterRef is a patient's (invented) encounter reference.
	EncounterRef string
}

var tags = []Tag{
	{ID: "STAFF-001", Class: ClassStaff, Type: "nurse", Name: "Ada Okafor", Role: "RN", Unit: "4W"},
	{ID: "STAFF-002", Class: ClassStaff, Type: "nurse", Name: "Ben Lindqvist", Role: "RN", Unit: "4W"},
	{ID: "STAFF-003", Class: ClassStaff, Type: "nurse", Name: "Chloe Martin", Role: "RN", Unit: "5W"},
	{ID: "STAFF-004", Class: ClassStaff, Type: "nurse", Name: "Dev Patel", Role: "tech", Unit: "5W"},
	{ID: "STAFF-005", Class: ClassStaff, Type: "charge_nurse", Name: "Elena Rossi", Role: "RN", Unit: "4W"},
	{ID: "STAFF-006", Class: ClassStaff, Type: "physician", Name: "Farid Haddad", Role: "physician", Unit: "4W"},
	{ID: "STAFF-007", Class: ClassStaff, Type: "physician", Name: "Grace Kim", Role: "physician", Unit: "5W"},
	{ID: "STAFF-008", Class: ClassStaff, Type: "porter", Name: "Hugo Silva", Role: "transport", Unit: "4W"},
	pump("PUMP-001", "infusion_pump", "Infusion pump 001", "4W", "AVAILABLE", "AL8100-100234", "Alaris 8100", "2027-03-31"),
	pump("PUMP-002", "infusion_pump", "Infusion pump 002", "4W", "AVAILABLE", "AL8100-100251", "Alaris 8100", "2027-01-15"),
	pump("PUMP-003", "infusion_pump", "Infusion pump 003", "4W", "IN_USE", "AL8100-100318", "Alaris 8100", "2026-12-20"),
	pump("PUMP-004", "infusion_pump", "Infusion pump 004", "4W", "CLEANING", "SIG-220417", "Sigma Spectrum", "2027-06-01"),
	pump("PUMP-005", "infusion_pump", "Infusion pump 005", "5W", "AVAILABLE", "SIG-220532", "Sigma Spectrum", "2026-12-10"),
	pump("PUMP-006", "infusion_pump", "Infusion pump 006", "5W", "MAINTENANCE", "SIG-220611", "Sigma Spectrum", "2026-11-30"),
	pump("PUMP-007", "syringe_pump", "Syringe pump 007", "4W", "AVAILABLE", "BD-AS50-7781", "BD Alaris CC", "2027-02-28"),
	pump("PUMP-008", "syringe_pump", "Syringe pump 008", "4W", "SOILED", "BD-AS50-7794", "BD Alaris CC", "2027-04-30"),
	pump("PUMP-009", "syringe_pump", "Syringe pump 009", "5W", "AVAILABLE", "BD-AS50-7802", "BD Alaris CC", "2026-12-31"),
	pump("PUMP-010", "syringe_pump", "Syringe pump 010", "5W", "RECALLED", "BD-AS50-7815", "BD Alaris CC", "2027-05-15"),
	{ID: "PAT-001", Class: ClassPatient, Type: "inpatient", Unit: "5W", EncounterRef: "ENC-2026-104211"},
	{ID: "PAT-002", Class: ClassPatient, Type: "inpatient", Unit: "5W", EncounterRef: "ENC-2026-104238"},
	{ID: "PAT-003", Class: ClassPatient, Type: "inpatient", Unit: "4W", EncounterRef: "ENC-2026-104302"},
	{ID: "PAT-004", Class: ClassPatient, Type: "inpatient", Unit: "4W", EncounterRef: "ENC-2026-104355"},
	{ID: "PAT-005", Class: ClassPatient, Type: "icu_patient", Unit: "4W", EncounterRef: "ENC-2026-104391"},
	{ID: "PAT-006", Class: ClassPatient, Type: "icu_patient", Unit: "4W", EncounterRef: "ENC-2026-104407"},
}

// pump returns a pump of the biomed department.
func pump(id, typ, name, unit, status, serial, model, due string) Tag {
	return Tag{ID: id, Class: ClassAsset, Type: typ, Name: name, Unit: unit, Status: status,
		Serial: serial, Model: model, Department: "biomed", MaintenanceDue: due}
}

// Tags returns the demo scenario's tags: 8 staff, 10 pumps and 6 patients.
// The caller gets its own copy.
func Tags() []Tag {
	return append([]Tag(nil), tags...)
}
