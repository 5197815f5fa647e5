package demo

// Tag classes of the demo scenario.
const (
	ClassStaff   = "staff"
	ClassAsset   = "asset"
	ClassPatient = "patient"
)

// Tag is one tag of the demo scenario, as a tag registry would hold it.
type Tag struct {
	ID    string // tag id as readers report it
	Class string // ClassStaff, ClassAsset or ClassPatient
	Type  string // e.g. "nurse", "infusion_pump", "inpatient"
	Name  string // display name (invented; the demo holds no real person)
}

var tags = []Tag{
	{"STAFF-001", ClassStaff, "nurse", "Ada Okafor"},
	{"STAFF-002", ClassStaff, "nurse", "Ben Lindqvist"},
	{"STAFF-003", ClassStaff, "nurse", "Chloe Martin"},
	{"STAFF-004", ClassStaff, "nurse", "Dev Patel"},
	{"STAFF-005", ClassStaff, "charge_nurse", "Elena Rossi"},
	{"STAFF-006", ClassStaff, "physician", "Farid Haddad"},
	{"STAFF-007", ClassStaff, "physician", "Grace Kim"},
	{"STAFF-008", ClassStaff, "porter", "Hugo Silva"},
	{"PUMP-001", ClassAsset, "infusion_pump", "Infusion pump 001"},
	{"PUMP-002", ClassAsset, "infusion_pump", "Infusion pump 002"},
	{"PUMP-003", ClassAsset, "infusion_pump", "Infusion pump 003"},
	{"PUMP-004", ClassAsset, "infusion_pump", "Infusion pump 004"},
	{"PUMP-005", ClassAsset, "infusion_pump", "Infusion pump 005"},
	{"PUMP-006", ClassAsset, "infusion_pump", "Infusion pump 006"},
	{"PUMP-007", ClassAsset, "syringe_pump", "Syringe pump 007"},
	{"PUMP-008", ClassAsset, "syringe_pump", "Syringe pump 008"},
	{"PUMP-009", ClassAsset, "syringe_pump", "Syringe pump 009"},
	{"PUMP-010", ClassAsset, "syringe_pump", "Syringe pump 010"},
	{"PAT-001", ClassPatient, "inpatient", "Ines Novak"},
	{"PAT-002", ClassPatient, "inpatient", "Jonas Berg"},
	{"PAT-003", ClassPatient, "inpatient", "Kemal Aydin"},
	{"PAT-004", ClassPatient, "inpatient", "Lena Fischer"},
	{"PAT-005", ClassPatient, "icu_patient", "Marco Bianchi"},
	{"PAT-006", ClassPatient, "icu_patient", "Nora Walsh"},
}

// Tags returns the demo scenario's tags: 8 staff, 10 pumps and 6 patients.
// The caller gets its own copy.
func Tags() []Tag {
	return append([]Tag(nil), tags...)
}
