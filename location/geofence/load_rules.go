package geofence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"gopkg.in/yaml.v3"
)

// ruleDoc is a rule as written in a rules file. Field names are those of
// rtls.v1.Rule, plus debounce; durations are strings like "30m".
type ruleDoc struct {
	ID        string    `yaml:"id" json:"id"`
	Name      string    `yaml:"name" json:"name"`
	EventType string    `yaml:"event_type" json:"event_type"`
	ZoneID    string    `yaml:"zone_id" json:"zone_id"`
	Group     *groupDoc `yaml:"group" json:"group"`
	TagClass  string    `yaml:"tag_class" json:"tag_class"`
	AssetType string    `yaml:"asset_type" json:"asset_type"`
	Duration  docDur    `yaml:"duration" json:"duration"`
	Debounce  docDur    `yaml:"debounce" json:"debounce"`
	MinCount  int       `yaml:"min_count" json:"min_count"`
	Enabled   *bool     `yaml:"enabled" json:"enabled"`
}

// groupDoc is a rule's group in a rules file.
type groupDoc struct {
	Category string   `yaml:"category" json:"category"`
	ZoneIDs  []string `yaml:"zone_ids" json:"zone_ids"`
}

// ruleKeys and groupKeys list the keys a rules file may use.
var (
	ruleKeys  = []string{"id", "name", "event_type", "zone_id", "group", "tag_class", "asset_type", "duration", "debounce", "min_count", "enabled"}
	groupKeys = []string{"category", "zone_ids"}
)

// rule converts the document to a rule; enabled defaults to true.
func (d ruleDoc) rule() Rule {
	r := Rule{ID: d.ID, Name: d.Name, Type: RuleType(d.EventType), ZoneID: d.ZoneID,
		TagClass: d.TagClass, AssetType: d.AssetType, Duration: time.Duration(d.Duration),
		Debounce: time.Duration(d.Debounce), MinCount: d.MinCount, Enabled: d.Enabled == nil || *d.Enabled}
	if d.Group != nil {
		r.Group = &Group{Category: d.Group.Category, ZoneIDs: d.Group.ZoneIDs}
	}
	return normalizeRule(r)
}

// docDur is a duration written as a Go duration string ("90s", "30m").
type docDur time.Duration

// parseDur parses a duration string.
func parseDur(s string) (docDur, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want a duration like \"30s\" or \"30m\", got %q", s)
	}
	return docDur(d), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *docDur) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration like \"30m\"", n.Line)
	}
	v, err := parseDur(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*d = v
	return nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *docDur) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string like \"30m\"")
	}
	v, err := parseDur(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// LoadRules reads rules in YAML or JSON: a list of rules, or an object
// whose "rules" member is one. Field names are those of rtls.v1.Rule
// (id, name, event_type, zone_id, group {category | zone_ids}, tag_class,
// asset_type, duration, min_count, enabled) plus debounce; durations are
// strings like "30m"; enabled defaults to true. Every rule is validated;
// errors name the rule's line (YAML) or index (JSON) and the field, and
// wrap ErrFormat, ErrInvalidRule or a *ValidationError.
func LoadRules(r io.Reader, format Format) ([]Rule, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parseRules(data, format, "")
}

// LoadRulesFile reads a rules file, its format given by its extension.
func LoadRulesFile(path string) ([]Rule, error) {
	format, data, err := openFile(path)
	if err != nil {
		return nil, err
	}
	return parseRules(data, format, path)
}

// parseRules decodes and validates rules; source names them in errors.
func parseRules(data []byte, format Format, source string) ([]Rule, error) {
	var docs []ruleDoc
	var where []string
	var err error
	switch format {
	case FormatYAML:
		docs, where, err = decodeYAMLList[ruleDoc](data, "rules", ruleKeys, checkRuleKeys)
	case FormatJSON:
		docs, where, err = decodeJSONList[ruleDoc](data, "rules")
	default:
		err = fmt.Errorf("format %q: want yaml or json", format)
	}
	if err != nil {
		return nil, located(err, source)
	}
	rules := make([]Rule, len(docs))
	seen := make(map[string]string, len(docs))
	for i, d := range docs {
		r := d.rule()
		if err := Validate(r); err != nil {
			return nil, located(err, joinWhere(source, where[i]))
		}
		if first, dup := seen[r.ID]; dup {
			return nil, located(ruleError(r.ID, "id", "repeats the rule at "+first), joinWhere(source, where[i]))
		}
		seen[r.ID] = where[i]
		rules[i] = r
	}
	return rules, nil
}

// checkRuleKeys checks the keys of a rule's group mapping.
func checkRuleKeys(n *yaml.Node) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "group" && n.Content[i+1].Kind == yaml.MappingNode {
			if err := checkKeys(n.Content[i+1], groupKeys, "group."); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeJSONList decodes a JSON list of T, or an object whose only member
// key is one, rejecting unknown fields. where locates each item
// ("rules[3]").
func decodeJSONList[T any](data []byte, key string) ([]T, []string, error) {
	var items []json.RawMessage
	if firstByte(data) == '[' {
		if err := decodeStrict(data, &items); err != nil {
			return nil, nil, err
		}
	} else {
		var wrapper map[string]json.RawMessage
		if err := decodeStrict(data, &wrapper); err != nil {
			return nil, nil, err
		}
		for k, v := range wrapper {
			if k != key {
				return nil, nil, fmt.Errorf("unknown member %q (want %q)", k, key)
			}
			if err := decodeStrict(v, &items); err != nil {
				return nil, nil, fmt.Errorf("%s: %v", key, err)
			}
		}
	}
	list := make([]T, len(items))
	where := make([]string, len(items))
	for i, raw := range items {
		where[i] = fmt.Sprintf("%s[%d]", key, i)
		if err := decodeStrict(raw, &list[i]); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", where[i], err)
		}
	}
	return list, where, nil
}

// decodeStrict decodes one JSON value, rejecting unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("data after the end")
	}
	return nil
}

// firstByte returns the first byte of data that is not white space.
func firstByte(data []byte) byte {
	for _, b := range data {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b
	}
	return 0
}
