package geofence

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// tagDoc is a tag as written in a registry file.
type tagDoc struct {
	ID    string `yaml:"id" json:"id"`
	Class string `yaml:"class" json:"class"`
	Type  string `yaml:"type" json:"type"`
	Name  string `yaml:"name" json:"name"`
}

// tagKeys lists the keys a YAML registry file may use.
var tagKeys = []string{"id", "class", "type", "name"}

// LoadRegistry reads a registry in YAML or JSON (a list of tags with id,
// class, type and name, or an object whose "tags" member is one) or CSV
// (records id,class[,type[,name]], an optional header line starting with
// "id"). Classes are staff, asset or patient, in any case. Errors name the
// line (YAML, CSV) or index (JSON) and the field, never the tag id.
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
		t := normalizeTag(Tag{ID: d.ID, Class: d.Class, Type: d.Type, Name: d.Name})
		if err := ValidateTag(t); err != nil {
			return nil, located(err, joinWhere(source, where[i]))
		}
		if first, dup := firstAt[t.ID]; dup {
			return nil, located(tagError("id", "repeats the tag at "+first), joinWhere(source, where[i]))
		}
		firstAt[t.ID] = where[i]
		reg.tags[t.ID] = t
	}
	return reg, nil
}

// decodeCSV reads records id,class[,type[,name]], skipping a header line
// whose first field is "id".
func decodeCSV(data []byte) ([]tagDoc, []string, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	var docs []tagDoc
	var where []string
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
			continue
		}
		at := fmt.Sprintf("line %d", line)
		if len(rec) < 2 || len(rec) > 4 {
			return nil, nil, fmt.Errorf("%s: %d fields; want id,class[,type[,name]]", at, len(rec))
		}
		rec = append(rec, "", "")
		docs = append(docs, tagDoc{ID: strings.TrimSpace(rec[0]), Class: rec[1], Type: strings.TrimSpace(rec[2]), Name: strings.TrimSpace(rec[3])})
		where = append(where, at)
	}
}
