package config

import (
	"errors"
	"regexp"
	"strings"
)

// DomainConfig is fargo:domain.
type DomainConfig struct {
	// Zone is the hosted zone's domain, e.g. example.com.
	Zone string `json:"zone"`
	// Host is the site's label in the zone, e.g. www; empty for the apex.
	Host string `json:"host"`
	// CreateZone creates the hosted zone; otherwise an existing one is looked up.
	CreateZone bool `json:"createZone"`
}

// Name is the site's fully qualified domain name.
func (d DomainConfig) Name() string {
	if d.Host == "" {
		return d.Zone
	}
	return d.Host + "." + d.Zone
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func validDNSName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if !dnsLabel.MatchString(label) {
			return false
		}
	}
	return true
}

// MaxCertificateName is the longest domain name ACM takes as a certificate's
// common name.
const MaxCertificateName = 64

func (c *Config) parseDomain(get func(string) (string, bool)) error {
	key := fullKey("domain")
	d, err := decodeOptional(get, key, DomainConfig{})
	if d == nil || err != nil {
		return err
	}
	var errs []error
	d.Zone = strings.TrimSuffix(d.Zone, ".")
	if !validDNSName(d.Zone) || !strings.Contains(d.Zone, ".") {
		errs = append(errs, errorf(key+".zone", "%q is not a domain name like example.com (lowercase letters, digits, hyphens and dots)", d.Zone))
	}
	if d.Host != "" && (strings.Contains(d.Host, ".") || !dnsLabel.MatchString(d.Host)) {
		errs = append(errs, errorf(key+".host", "%q is not a single DNS label like www; leave it empty for the zone's apex", d.Host))
	}
	// The name becomes the certificate's common name, which ACM caps at 64
	// characters, periods included (RequestCertificate's DomainName, after RFC 5280:
	// https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html).
	if n := d.Name(); len(n) > MaxCertificateName {
		errs = append(errs, errorf(key, "%q is %d characters; it becomes the certificate's common name, which ACM caps at %d: choose a shorter host or zone", n, len(n), MaxCertificateName))
	}
	c.Domain = d
	return errors.Join(errs...)
}
