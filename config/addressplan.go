package config

import (
	"fmt"
	"net/netip"
)

// The address plan gives every (tier, zone index) pair a fixed slot of the VPC's
// range, computed from the VPC CIDR alone. Neither the NAT mode nor the number of
// zones in use moves a subnet, so switching either on a live stack only adds or
// removes subnets: a subnet's CIDR cannot change in place.
const (
	// MaxAvailabilityZones is the most zones the plan has room for.
	MaxAvailabilityZones = 6
	// subnetSlotBits splits the VPC into 16 equal slots: public zones take slots
	// 0-5, private zones 8-13, and 6-7 and 14-15 stay free.
	subnetSlotBits = 4
	// privateSlotOffset puts the private tier in the VPC's upper half.
	privateSlotOffset = 8
	// Smallest and largest VPC prefixes fargo accepts: AWS allows /16 at most,
	// and a /20 leaves /24 subnets of 251 usable addresses.
	minVpcPrefix = 16
	maxVpcPrefix = 20
)

// Tier says whether a subnet routes to the internet gateway (public) or through NAT (private).
type Tier string

// The two subnet tiers.
const (
	TierPublic  Tier = "public"
	TierPrivate Tier = "private"
)

// SubnetCidr returns the CIDR of the subnet of one tier in the zone with the given
// index (0-based) of the VPC range vpcCidr.
func SubnetCidr(vpcCidr string, tier Tier, zone int) (string, error) {
	vpc, err := netip.ParsePrefix(vpcCidr)
	if err != nil || !vpc.Addr().Is4() {
		return "", fmt.Errorf("%q is not an IPv4 CIDR block", vpcCidr)
	}
	if vpc.Bits() < minVpcPrefix || vpc.Bits() > maxVpcPrefix {
		return "", fmt.Errorf("%q: the address plan needs a /%d to /%d", vpcCidr, minVpcPrefix, maxVpcPrefix)
	}
	if zone < 0 || zone >= MaxAvailabilityZones {
		return "", fmt.Errorf("zone index %d is outside the address plan (0 to %d)", zone, MaxAvailabilityZones-1)
	}
	slot := zone
	switch tier {
	case TierPublic:
	case TierPrivate:
		slot += privateSlotOffset
	default:
		return "", fmt.Errorf("unknown subnet tier %q", tier)
	}
	bits := vpc.Bits() + subnetSlotBits
	base := vpc.Masked().Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	n += uint32(slot) << (32 - bits)
	addr := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	return netip.PrefixFrom(addr, bits).String(), nil
}
