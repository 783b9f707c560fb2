package config

import (
	"errors"
	"fmt"
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

// natModes are the accepted fargo:network.nat values, each with what it
// builds: the one list, which NatModes and the refusal of any other value read.
var natModes = []struct {
	mode   NatMode
	builds string
}{
	{NatNone, "tasks in public subnets, no NAT"},
	{NatSingle, "one NAT gateway"},
	{NatPerAz, "one NAT gateway per zone"},
	{NatInstance, "one NAT instance"},
}

// NatModes lists every accepted fargo:network.nat value, for what plans each.
var NatModes = func() []NatMode {
	var out []NatMode
	for _, m := range natModes {
		out = append(out, m.mode)
	}
	return out
}()

// valid reports whether m is one of NatModes. ParseConfig refuses any other
// value, so what receives a parsed NetworkConfig (the network) never checks it
// again.
func (m NatMode) valid() bool { return slices.Contains(NatModes, m) }

// natModesAllowed is the error text that lists the modes and what each builds.
func natModesAllowed() string {
	var items []string
	for _, m := range natModes {
		items = append(items, fmt.Sprintf("%s (%s)", m.mode, m.builds))
	}
	return orList(items)
}

// NetworkConfig is fargo:network.
type NetworkConfig struct {
	// Cidr is the VPC's IPv4 range.
	Cidr string `json:"cidr"`
	// AvailabilityZones is how many zones the VPC spans (at least 2, for the load balancer).
	AvailabilityZones int `json:"availabilityZones"`
	// Nat is one of NatModes: ParseConfig refuses any other.
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
	if !n.Nat.valid() {
		errs = append(errs, errorf(key+".nat", "%q is not allowed; use %s", n.Nat, natModesAllowed()))
	}
	c.Network = n
	return errors.Join(errs...)
}
