package config

import (
	"errors"
)

// RegistryConfig is fargo:registry.
type RegistryConfig struct {
	// UntaggedExpiryDays is how long an untagged image is kept.
	UntaggedExpiryDays int `json:"untaggedExpiryDays"`
	// KeepTagged is how many images are kept per repository, newest first (untagged
	// ones expire sooner, so in practice these are the tagged releases).
	KeepTagged int `json:"keepTagged"`
	// ImmutableTags forbids pushing an existing tag again.
	ImmutableTags *bool `json:"immutableTags"`
	// ForceDelete lets the stack be destroyed while the repositories hold images.
	ForceDelete bool `json:"forceDelete"`
}

// Defaults of fargo:registry, which Pulumi.yaml declares too
// (TestPulumiYamlMatchesCode keeps the two in step).
const (
	DefaultUntaggedExpiryDays = 1
	DefaultKeepTagged         = 20
)

func (c *Config) parseRegistry(get func(string) (string, bool)) error {
	key := fullKey("registry")
	r := RegistryConfig{UntaggedExpiryDays: DefaultUntaggedExpiryDays, KeepTagged: DefaultKeepTagged}
	var errs []error
	if raw, ok := get(key); ok {
		if err := decodeStrict(key, raw, &r); err != nil {
			return err
		}
	}
	if r.UntaggedExpiryDays < 1 || r.UntaggedExpiryDays > 3650 {
		errs = append(errs, errorf(key+".untaggedExpiryDays", "%d is not allowed; use 1 to 3650", r.UntaggedExpiryDays))
	}
	if r.KeepTagged < 1 || r.KeepTagged > 10000 {
		errs = append(errs, errorf(key+".keepTagged", "%d is not allowed; keep 1 to 10000 tagged images", r.KeepTagged))
	}
	if r.ImmutableTags == nil {
		t := true
		r.ImmutableTags = &t
	}
	c.Registry = r
	return errors.Join(errs...)
}
