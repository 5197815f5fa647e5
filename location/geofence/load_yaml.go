package geofence

import (
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// decodeYAMLList decodes a YAML list of T, or a mapping whose member key is
// one. Each item must be a mapping whose keys are among keys (check may look
// deeper); where locates each item by line ("line 12").
func decodeYAMLList[T any](data []byte, key string, keys []string, check func(*yaml.Node) error) ([]T, []string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, err
	}
	list, err := yamlList(&doc, key)
	if err != nil || list == nil {
		return nil, nil, err
	}
	out := make([]T, len(list.Content))
	where := make([]string, len(list.Content))
	for i, item := range list.Content {
		where[i] = fmt.Sprintf("line %d", item.Line)
		if item.Kind != yaml.MappingNode {
			return nil, nil, fmt.Errorf("line %d: %s[%d]: want a mapping", item.Line, key, i)
		}
		if err := checkKeys(item, keys, ""); err != nil {
			return nil, nil, err
		}
		if check != nil {
			if err := check(item); err != nil {
				return nil, nil, err
			}
		}
		if err := item.Decode(&out[i]); err != nil {
			return nil, nil, err
		}
	}
	return out, where, nil
}

// yamlList finds the list in a document: the root itself, or the root
// mapping's member key. An empty document yields nil.
func yamlList(doc *yaml.Node, key string) (*yaml.Node, error) {
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	switch root.Kind {
	case yaml.SequenceNode:
		return root, nil
	case yaml.MappingNode:
		var list *yaml.Node
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := root.Content[i], root.Content[i+1]
			if k.Value != key {
				return nil, fmt.Errorf("line %d: unknown key %q (want %q)", k.Line, k.Value, key)
			}
			if v.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("line %d: %s: want a list", v.Line, key)
			}
			list = v
		}
		return list, nil
	}
	return nil, fmt.Errorf("line %d: want a list of %s or a mapping with %q", root.Line, key, key)
}

// checkKeys rejects keys of a mapping node that are not in keys.
func checkKeys(n *yaml.Node, keys []string, prefix string) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(keys, k.Value) {
			return fmt.Errorf("line %d: unknown field %q", k.Line, prefix+k.Value)
		}
	}
	return nil
}
