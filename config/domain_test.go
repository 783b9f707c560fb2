package config

import (
	"strings"
	"testing"
)

func TestParseDomainTyped(t *testing.T) {
	for _, c := range []struct {
		name, raw string // raw "" leaves fargo:domain unset
		want      *DomainConfig
		site      string
	}{
		{"unset: no domain", "", nil, ""},
		{"empty: no domain", `{}`, nil, ""},
		{"apex", `{"zone":"example.com"}`, &DomainConfig{Zone: "example.com"}, "example.com"},
		{"host", `{"zone":"example.com","host":"www"}`, &DomainConfig{Zone: "example.com", Host: "www"}, "www.example.com"},
		{"trailing dot dropped", `{"zone":"example.co.kr.","host":"app-1"}`, &DomainConfig{Zone: "example.co.kr", Host: "app-1"}, "app-1.example.co.kr"},
		{"zone created", `{"zone":"example.com","createZone":true}`, &DomainConfig{Zone: "example.com", CreateZone: true}, "example.com"},
		// 52 + 1 + 11 = 64 characters: the longest certificate name.
		{"longest name", `{"zone":"example.com","host":"` + strings.Repeat("a", 52) + `"}`, &DomainConfig{Zone: "example.com", Host: strings.Repeat("a", 52)}, strings.Repeat("a", 52) + ".example.com"},
	} {
		values := map[string]string{}
		if c.raw != "" {
			values["fargo:domain"] = c.raw
		}
		var cfg Config
		if err := cfg.parseDomain(stackFile(values)); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		switch {
		case c.want == nil && cfg.Domain != nil:
			t.Errorf("%s: got %+v, want no domain", c.name, cfg.Domain)
		case c.want != nil && (cfg.Domain == nil || *cfg.Domain != *c.want):
			t.Errorf("%s: got %+v, want %+v", c.name, cfg.Domain, c.want)
		case c.want != nil && cfg.Domain.Name() != c.site:
			t.Errorf("%s: Name() = %q, want %q", c.name, cfg.Domain.Name(), c.site)
		}
	}
}

func TestParseDomainRefusals(t *testing.T) {
	for _, c := range []struct {
		name, raw string
		want      []refusal
	}{
		{"underscore", `{"zone":"example_com"}`, []refusal{{key: "fargo:domain.zone",
			msg: `"example_com" is not a domain name like example.com (lowercase letters, digits, hyphens and dots)`}}},
		{"no dot", `{"zone":"localhost"}`, []refusal{{key: "fargo:domain.zone", says: []string{`"localhost" is not a domain name`}}}},
		{"capital", `{"zone":"Example.com"}`, []refusal{{key: "fargo:domain.zone", says: []string{`"Example.com" is not a domain name`}}}},
		{"no zone", `{"host":"www"}`, []refusal{{key: "fargo:domain.zone", says: []string{`"" is not a domain name`}}}},
		{"empty label", `{"zone":"example..com"}`, []refusal{{key: "fargo:domain.zone", says: []string{`"example..com"`}}}},
		{"host of two labels", `{"zone":"example.com","host":"a.b"}`, []refusal{{key: "fargo:domain.host",
			msg: `"a.b" is not a single DNS label like www; leave it empty for the zone's apex`}}},
		{"host starting with a hyphen", `{"zone":"example.com","host":"-www"}`, []refusal{{key: "fargo:domain.host", says: []string{`"-www" is not a single DNS label`}}}},
		{"name longer than a certificate's", `{"zone":"example.com","host":"` + strings.Repeat("a", 53) + `"}`, []refusal{{key: "fargo:domain",
			msg: `"` + strings.Repeat("a", 53) + `.example.com" is 65 characters; it becomes the certificate's common name, which ACM caps at 64: choose a shorter host or zone`}}},
		{"typo", `{"zone":"example.com","hots":"www"}`, []refusal{{key: "fargo:domain", msg: `unknown key "hots"; allowed keys: zone, host, createZone`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cfg Config
			wantRefusals(t, cfg.parseDomain(stackFile(map[string]string{"fargo:domain": c.raw})), c.want...)
		})
	}
}

func TestValidDNSName(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	for _, c := range []struct {
		name string
		want bool
	}{
		{"example.com", true},
		{"a.b", true},
		{"xn--bcher-kva.example", true},
		{label63 + ".com", true},
		{strings.Repeat("a", 64) + ".com", false}, // a label is at most 63
		{strings.Repeat(label63+".", 3) + strings.Repeat("a", 61), true},  // 253 characters
		{strings.Repeat(label63+".", 3) + strings.Repeat("a", 62), false}, // 254
		{"", false},
		{"example.com.", false}, // parseDomain drops the dot before asking
		{"-a.com", false},
		{"a-.com", false},
		{"EXAMPLE.com", false},
	} {
		if got := validDNSName(c.name); got != c.want {
			t.Errorf("validDNSName(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}
