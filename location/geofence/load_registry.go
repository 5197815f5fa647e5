package geofence

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// tagDoc is a tag as written in a registry file.
type tagDoc struct {
	ID             string `yaml:"id" json:"id"`
	Class          string `yaml:"class" json:"class"`
	Type           string `yaml:"type" json:"type"`
	Name           string `yaml:"name" json:"name"`
	Status         string `yaml:"status" json:"status"`
	Unit           string `yaml:"unit_id" json:"unit_id"`
	Role           string `yaml:"role" json:"role"`
	Serial         string `yaml:"serial" json:"serial"`
	Model          string `yaml:"model" json:"model"`
	Department     string `yaml:"department" json:"department"`
	MaintenanceDue string `yaml:"maintenance_due" json:"maintenance_due"`
	EncounterRef   string `yaml:"encounter_ref" json:"encounter_ref"`
}

// tagKeys lists the keys of a registry file, in the order of CSV records
// without a header line.
var tagKeys = []string{"id", "class", "type", "name", "status", "unit_id", "role",
	"serial", "model", "department", "maintenance_due", "encounter_ref"}

// tag converts the document to a tag; maintenance_due is a date
// (2026-03-31, midnight UTC) or an RFC 3339 time.
func (d tagDoc) tag() (Tag, error) {
	t := Tag{ID: d.ID, Class: d.Class, Type: d.Type, Name: d.Name, Status: d.Status,
		Unit: d.Unit, Role: d.Role, Serial: d.Serial, Model: d.Model,
		Department: d.Department, EncounterRef: d.EncounterRef}
	if d.MaintenanceDue == "" {
		return t, nil
	}
	due, err := time.Parse(time.DateOnly, d.MaintenanceDue)
	if err != nil {
		if due, err = time.Parse(time.RFC3339, d.MaintenanceDue); err != nil {
			return t, tagError("maintenance_due", fmt.Sprintf("%q is neither a date (2026-03-31) nor an RFC 3339 time", d.MaintenanceDue))
		}
	}
	t.MaintenanceDue = due.UnixMilli()
	return t, nil
}

// LoadRegistry reads a registry in YAML or JSON (a list of tags with the
// keys of tagKeys: id, class, type, name, status, unit_id, role, serial,
// model, department, maintenance_due, encounter_ref; or an object whose
// "tags" member is one) or CSV (a header line starting with "id" naming the
// columns, any of those keys in any order; without one, records
// id,class[,type[,name[,...]]] in that order). Classes are staff, asset or
// patient and statuses AVAILABLE, IN_USE ..., in any case; maintenance_due
// is a date (2026-03-31) or an RFC 3339 time. Errors name the line (YAML,
// CSV) or index (JSON) and the field, never the tag id.
func LoadRegistry(r io.Reader, format Format) (*Registry, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parseRegistry(data, format, "")
}

// LoadRegistryFile reads a registry file, its format given by its extension.
func LoadRegistryFile(path string) (*Registry, error) {
	format, data, err := openFile(path)
	if err != nil {
		return nil, err
	}
	return parseRegistry(data, format, path)
}

// parseRegistry decodes and validates a registry; source names it in
// errors.
func parseRegistry(data []byte, format Format, source string) (*Registry, error) {
	var docs []tagDoc
	var where []string
	var err error
	switch format {
	case FormatYAML:
		docs, where, err = decodeYAMLList[tagDoc](data, "tags", tagKeys, nil)
	case FormatJSON:
		docs, where, err = decodeJSONList[tagDoc](data, "tags")
	case FormatCSV:
		docs, where, err = decodeCSV(data)
	default:
		err = fmt.Errorf("format %q: want yaml, json or csv", format)
	}
	if err != nil {
		return nil, located(err, source)
	}
	reg := &Registry{tags: make(map[string]Tag, len(docs))}
	firstAt := make(map[string]string, len(docs))
	for i, d := range docs {
		t, err := d.tag()
		if err == nil {
			t = normalizeTag(t)
			err = ValidateTag(t)
		}
		if err != nil {
			return nil, located(err, joinWhere(source, where[i]))
		}
		if first, dup := firstAt[t.ID]; dup {
			return nil, located(tagError("id", "repeats the tag at "+first), joinWhere(source, where[i]))
		}
		firstAt[t.ID] = where[i]
		reg.store(t)
	}
	return reg, nil
}

// decodeCSV reads CSV records, by the columns of a header line whose first
// field is "id", else in the order of tagKeys.
func decodeCSV(data []byte) ([]tagDoc, []string, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	var docs []tagDoc
	var where []string
	cols := tagKeys
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return docs, where, nil
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "id") {
			if cols, err = csvHeader(rec, line); err != nil {
				return nil, nil, err
			}
			continue
		}
		at := fmt.Sprintf("line %d", line)
		if len(rec) < 2 || len(rec) > len(cols) {
			return nil, nil, fmt.Errorf("%s: %d fields; want %d to %d (%s)", at, len(rec), 2, len(cols), strings.Join(cols, ","))
		}
		docs = append(docs, csvDoc(cols, rec))
		where = append(where, at)
	}
}

// csvHeader returns the columns a header line names.
func csvHeader(rec []string, line int) ([]string, error) {
	cols := make([]string, len(rec))
	for i, c := range rec {
		c = strings.ToLower(strings.TrimSpace(c))
		if !slices.Contains(tagKeys, c) || slices.Contains(cols[:i], c) {
			return nil, fmt.Errorf("line %d: column %d: %q is not a tag field or repeats one (want %s)", line, i+1, c, strings.Join(tagKeys, ","))
		}
		cols[i] = c
	}
	if len(cols) < 2 || cols[1] != "class" {
		return nil, fmt.Errorf("line %d: want the columns id,class first", line)
	}
	return cols, nil
}

// csvDoc makes a tag document of a record whose fields are the columns
// cols.
func csvDoc(cols, rec []string) tagDoc {
	var d tagDoc
	fields := map[string]*string{
		"id": &d.ID, "class": &d.Class, "type": &d.Type, "name": &d.Name,
		"status": &d.Status, "unit_id": &d.Unit, "role": &d.Role, "serial": &d.Serial,
		"model": &d.Model, "department": &d.Department, "maintenance_due": &d.MaintenanceDue,
		"encounter_ref": &d.EncounterRef,
	}
	for i, v := range rec {
		if c := cols[i]; c == "class" || c == "status" {
			*fields[c] = v
		} else {
			*fields[c] = strings.TrimSpace(v)
		}
	}
	return d
}
