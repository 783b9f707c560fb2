package config

import (
	"errors"
	"net"
	"slices"
)

// NatMode is how private subnets reach the internet: fargo:network.nat.
type NatMode string

// NAT strategies accepted by fargo:network.nat.
const (
	NatNone     NatMode = "none"
	NatSingle   NatMode = "single"
	NatPerAz    NatMode = "perAz"
	NatInstance NatMode = "instance"
)

// NatModes lists every accepted fargo:network.nat value: the only list of them.
var NatModes = []NatMode{NatNone, NatSingle, NatPerAz, NatInstance}

// NetworkConfig is fargo:network.
type NetworkConfig struct {
	// Cidr is the VPC's IPv4 range.
	Cidr string `json:"cidr"`
	// AvailabilityZones is how many zones the VPC spans (at least 2, for the load balancer).
	AvailabilityZones int `json:"availabilityZones"`
	// Nat is none, single, perAz or instance.
	Nat NatMode `json:"nat"`
}

// Defaults of fargo:network, which Pulumi.yaml declares too
// (TestPulumiYamlMatchesCode keeps the two in step).
const (
	DefaultCidr              = "10.0.0.0/16"
	DefaultAvailabilityZones = 2
)

func (c *Config) parseNetwork(get func(string) (string, bool)) error {
	key := fullKey("network")
	n := NetworkConfig{Cidr: DefaultCidr, AvailabilityZones: DefaultAvailabilityZones, Nat: NatNone}
	var errs []error
	if raw, ok := get(key); ok {
		if err := decodeStrict(key, raw, &n); err != nil {
			return err
		}
	}
	ip, ipnet, err := net.ParseCIDR(n.Cidr)
	if err != nil || ip.To4() == nil {
		return errorf(key+".cidr", "%q is not an IPv4 CIDR block like 10.0.0.0/16", n.Cidr)
	}
	if !ip.Equal(ipnet.IP) {
		errs = append(errs, errorf(key+".cidr", "%q has host bits set; did you mean %s?", n.Cidr, ipnet))
	}
	if ones, _ := ipnet.Mask.Size(); ones < minVpcPrefix || ones > maxVpcPrefix {
		errs = append(errs, errorf(key+".cidr", "%q is a /%d; allowed sizes are /%d to /%d (AWS allows at most /16, and the address plan cuts the VPC into 16 equal subnet slots, so a /%d leaves /%d subnets)",
			n.Cidr, ones, minVpcPrefix, maxVpcPrefix, maxVpcPrefix, maxVpcPrefix+subnetSlotBits))
	}
	if !ip.IsPrivate() {
		errs = append(errs, errorf(key+".cidr", "%q is not a private range; use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", n.Cidr))
	}
	if n.AvailabilityZones < 2 || n.AvailabilityZones > MaxAvailabilityZones {
		errs = append(errs, errorf(key+".availabilityZones", "%d is not allowed; use 2 to %d (an Application Load Balancer needs at least 2, and the address plan has room for %d)",
			n.AvailabilityZones, MaxAvailabilityZones, MaxAvailabilityZones))
	}
	if !slices.Contains(NatModes, n.Nat) {
		errs = append(errs, errorf(key+".nat", "%q is not allowed; use none (tasks in public subnets, no NAT), single (one NAT gateway), perAz (one NAT gateway per zone) or instance (one NAT instance)", n.Nat))
	}
	c.Network = n
	return errors.Join(errs...)
}
