package config

import (
	"reflect"
	"testing"
)

func TestParseRegistryTyped(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name, raw string // raw "" leaves fargo:registry unset
		want      RegistryConfig
	}{
		{"unset: tags immutable", "", RegistryConfig{UntaggedExpiryDays: 1, KeepTagged: 20, ImmutableTags: &yes}},
		{"empty", `{}`, RegistryConfig{UntaggedExpiryDays: 1, KeepTagged: 20, ImmutableTags: &yes}},
		{"every key", `{"untaggedExpiryDays":7,"keepTagged":5,"immutableTags":false,"forceDelete":true}`,
			RegistryConfig{UntaggedExpiryDays: 7, KeepTagged: 5, ImmutableTags: &no, ForceDelete: true}},
		{"the bounds", `{"untaggedExpiryDays":3650,"keepTagged":10000}`, RegistryConfig{UntaggedExpiryDays: 3650, KeepTagged: 10000, ImmutableTags: &yes}},
	} {
		values := map[string]string{}
		if c.raw != "" {
			values["fargo:registry"] = c.raw
		}
		var cfg Config
		if err := cfg.parseRegistry(stackFile(values)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if !reflect.DeepEqual(cfg.Registry, c.want) {
			t.Errorf("%s: got %+v (immutable %v), want %+v", c.name, cfg.Registry, *cfg.Registry.ImmutableTags, c.want)
		}
	}
}

func TestParseRegistryRefusals(t *testing.T) {
	for _, c := range []struct {
		name, raw string
		want      []refusal
	}{
		{"untagged kept 0 days", `{"untaggedExpiryDays":0}`, []refusal{{key: "fargo:registry.untaggedExpiryDays", msg: "0 is not allowed; use 1 to 3650"}}},
		{"untagged kept 3651 days", `{"untaggedExpiryDays":3651}`, []refusal{{key: "fargo:registry.untaggedExpiryDays", msg: "3651 is not allowed; use 1 to 3650"}}},
		{"no tagged image kept", `{"keepTagged":0}`, []refusal{{key: "fargo:registry.keepTagged", msg: "0 is not allowed; keep 1 to 10000 tagged images"}}},
		{"too many kept", `{"keepTagged":10001}`, []refusal{{key: "fargo:registry.keepTagged", msg: "10001 is not allowed; keep 1 to 10000 tagged images"}}},
		{"both", `{"untaggedExpiryDays":-1,"keepTagged":-1}`, []refusal{{key: "fargo:registry.untaggedExpiryDays"}, {key: "fargo:registry.keepTagged"}}},
		{"typo", `{"keep":3}`, []refusal{{key: "fargo:registry", msg: `unknown key "keep"; allowed keys: untaggedExpiryDays, keepTagged, immutableTags, forceDelete`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cfg Config
			wantRefusals(t, cfg.parseRegistry(stackFile(map[string]string{"fargo:registry": c.raw})), c.want...)
		})
	}
}
