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
	// Role is a staff member's role ("RN" ...); "" for others.
	Role string
	// Status is an asset's status (AVAILABLE, IN_USE ...); "" for others.
	Status string
}

var tags = []Tag{
	{ID: "STAFF-001", Class: ClassStaff, Type: "nurse", Name: "Ada Okafor", Role: "RN"},
	{ID: "STAFF-002", Class: ClassStaff, Type: "nurse", Name: "Ben Lindqvist", Role: "RN"},
	{ID: "STAFF-003", Class: ClassStaff, Type: "nurse", Name: "Chloe Martin", Role: "RN"},
	{ID: "STAFF-004", Class: ClassStaff, Type: "nurse", Name: "Dev Patel", Role: "RN"},
	{ID: "STAFF-005", Class: ClassStaff, Type: "charge_nurse", Name: "Elena Rossi", Role: "RN"},
	{ID: "STAFF-006", Class: ClassStaff, Type: "physician", Name: "Farid Haddad", Role: "physician"},
	{ID: "STAFF-007", Class: ClassStaff, Type: "physician", Name: "Grace Kim", Role: "physician"},
	{ID: "STAFF-008", Class: ClassStaff, Type: "porter", Name: "Hugo Silva", Role: "transport"},
	{ID: "PUMP-001", Class: ClassAsset, Type: "infusion_pump", Name: "Infusion pump 001", Status: "AVAILABLE"},
	{ID: "PUMP-002", Class: ClassAsset, Type: "infusion_pump", Name: "Infusion pump 002", Status: "IN_USE"},
	{ID: "PUMP-003", Class: ClassAsset, Type: "infusion_pump", Name: "Infusion pump 003", Status: "AVAILABLE"},
	{ID: "PUMP-004", Class: ClassAsset, Type: "infusion_pump", Name: "Infusion pump 004", Status: "AVAILABLE"},
	{ID: "PUMP-005", Class: ClassAsset, Type: "infusion_pump", Name: "Infusion pump 005", Status: "IN_USE"},
	{ID: "PUMP-006", Class: ClassAsset, Type: "infusion_pump", Name: "Infusion pump 006", Status: "AVAILABLE"},
	{ID: "PUMP-007", Class: ClassAsset, Type: "syringe_pump", Name: "Syringe pump 007", Status: "AVAILABLE"},
	{ID: "PUMP-008", Class: ClassAsset, Type: "syringe_pump", Name: "Syringe pump 008", Status: "IN_USE"},
	{ID: "PUMP-009", Class: ClassAsset, Type: "syringe_pump", Name: "Syringe pump 009", Status: "AVAILABLE"},
	{ID: "PUMP-010", Class: ClassAsset, Type: "syringe_pump", Name: "Syringe pump 010", Status: "AVAILABLE"},
	{ID: "PAT-001", Class: ClassPatient, Type: "inpatient", Name: "Ines Novak"},
	{ID: "PAT-002", Class: ClassPatient, Type: "inpatient", Name: "Jonas Berg"},
	{ID: "PAT-003", Class: ClassPatient, Type: "inpatient", Name: "Kemal Aydin"},
	{ID: "PAT-004", Class: ClassPatient, Type: "inpatient", Name: "Lena Fischer"},
	{ID: "PAT-005", Class: ClassPatient, Type: "icu_patient", Name: "Marco Bianchi"},
	{ID: "PAT-006", Class: ClassPatient, Type: "icu_patient", Name: "Nora Walsh"},
}

// Tags returns the demo scenario's tags: 8 staff, 10 pumps and 6 patients.
// The caller gets its own copy.
func Tags() []Tag {
	return append([]Tag(nil), tags...)
}
