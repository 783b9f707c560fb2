package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// decodeStrict decodes one JSON object into out, refusing unknown keys and naming
// the key path on type errors.
func decodeStrict(key, raw string, out any) error {
	if err := checkKeys(key, json.RawMessage(raw), reflect.TypeOf(out)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return describeJSONError(key, raw, out, err)
	}
	if dec.More() {
		return errorf(key, "holds more than one value; expected a single object")
	}
	return nil
}

// checkKeys refuses keys a struct does not declare, exactly as spelled (encoding/json
// alone would accept "Nat" for "nat"), at any depth, naming the key's path.
func checkKeys(key string, raw json.RawMessage, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil // not an object: the decoder reports the type error
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = t.Field(i).Type
			}
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, ok := fields[k]
			if !ok {
				return errorf(key, "unknown key %q; allowed keys: %s", k, strings.Join(jsonFields(reflect.New(t).Interface()), ", "))
			}
			if err := checkKeys(key+"."+k, obj[k], ft); err != nil {
				return err
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			for _, k := range slices.Sorted(maps.Keys(obj)) {
				if err := checkKeys(key+"."+k, obj[k], t.Elem()); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) == nil {
			for i, v := range arr {
				if err := checkKeys(fmt.Sprintf("%s[%d]", key, i), v, t.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func describeJSONError(key, raw string, out any, err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		k := key
		if typeErr.Field != "" {
			k = key + "." + typeErr.Field
		}
		return errorf(k, "is a %s, expected %s", jsonKind(typeErr.Value), goKind(typeErr.Type))
	case errors.As(err, &syntaxErr):
		return errorf(key, "is not a valid object (%v); got %s", err, clip(raw))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return errorf(key, "unknown key %s; allowed keys: %s", field, strings.Join(jsonFields(out), ", "))
	default:
		return errorf(key, "cannot be read: %v", err)
	}
}

func jsonKind(v string) string {
	switch {
	case v == "bool":
		return "boolean"
	case v == "array":
		return "list"
	case v == "object":
		return "map"
	case strings.HasPrefix(v, "number "):
		return "number (" + strings.TrimPrefix(v, "number ") + ")"
	}
	return v
}

func goKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a map of keys"
	}
	return t.String()
}

// jsonFields lists the JSON keys a struct accepts.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// decodeOptional decodes an optional object key strictly over its defaults; nil
// when the key is unset or an empty object (off).
func decodeOptional[T any](get func(string) (string, bool), key string, defaults T) (*T, error) {
	raw, ok := optionalObject(get, key)
	if !ok {
		return nil, nil
	}
	if err := decodeStrict(key, raw, &defaults); err != nil {
		return nil, err
	}
	return &defaults, nil
}

// optionalObject returns the raw value of an optional object key, or false when
// the key is unset or an empty object (Pulumi.yaml's default, meaning "off").
func optionalObject(get func(string) (string, bool), key string) (string, bool) {
	raw, ok := get(key)
	if !ok {
		return "", false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &obj) == nil && len(obj) == 0 {
		return "", false
	}
	return raw, true
}
