package config

import (
	"slices"
	"testing"
)

func TestParseNetworkTyped(t *testing.T) {
	for _, c := range []struct {
		name, raw string // raw "" leaves fargo:network unset
		want      NetworkConfig
	}{
		{"unset", "", NetworkConfig{Cidr: "10.0.0.0/16", AvailabilityZones: 2, Nat: "none"}},
		{"only nat", `{"nat":"single"}`, NetworkConfig{Cidr: "10.0.0.0/16", AvailabilityZones: 2, Nat: "single"}},
		{"every key", `{"cidr":"172.16.0.0/20","availabilityZones":6,"nat":"perAz"}`, NetworkConfig{Cidr: "172.16.0.0/20", AvailabilityZones: 6, Nat: "perAz"}},
		{"NAT instance", `{"cidr":"192.168.0.0/16","nat":"instance"}`, NetworkConfig{Cidr: "192.168.0.0/16", AvailabilityZones: 2, Nat: "instance"}},
	} {
		values := map[string]string{}
		if c.raw != "" {
			values["fargo:network"] = c.raw
		}
		var cfg Config
		if err := cfg.parseNetwork(stackFile(values)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if cfg.Network != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, cfg.Network, c.want)
		}
	}
}

func TestParseNetworkRefusals(t *testing.T) {
	for _, c := range []struct {
		name, raw string
		want      []refusal
	}{
		{"unknown NAT mode", `{"nat":"double"}`, []refusal{{key: "fargo:network.nat",
			msg: `"double" is not allowed; use none (tasks in public subnets, no NAT), single (one NAT gateway), perAz (one NAT gateway per zone) or instance (one NAT instance)`}}},
		{"NAT mode in another case", `{"nat":"perAZ"}`, []refusal{{key: "fargo:network.nat", says: []string{`"perAZ" is not allowed`, "perAz (one NAT gateway per zone)"}}}},
		{"empty NAT mode", `{"nat":""}`, []refusal{{key: "fargo:network.nat", says: []string{`"" is not allowed`}}}},
		{"address without a prefix", `{"cidr":"10.0.0.0"}`, []refusal{{key: "fargo:network.cidr", msg: `"10.0.0.0" is not an IPv4 CIDR block like 10.0.0.0/16`}}},
		{"IPv6", `{"cidr":"fd00::/56"}`, []refusal{{key: "fargo:network.cidr", msg: `"fd00::/56" is not an IPv4 CIDR block like 10.0.0.0/16`}}},
		{"host bits", `{"cidr":"10.0.0.1/16"}`, []refusal{{key: "fargo:network.cidr", msg: `"10.0.0.1/16" has host bits set; did you mean 10.0.0.0/16?`}}},
		{"larger than AWS allows", `{"cidr":"10.0.0.0/8"}`, []refusal{{key: "fargo:network.cidr",
			msg: `"10.0.0.0/8" is a /8; allowed sizes are /16 to /20 (AWS allows at most /16, and the address plan cuts the VPC into 16 equal subnet slots, so a /20 leaves /24 subnets)`}}},
		{"one bit larger than AWS allows", `{"cidr":"10.0.0.0/15"}`, []refusal{{key: "fargo:network.cidr", says: []string{`"10.0.0.0/15" is a /15`, "/16 to /20"}}}},
		{"smaller than the plan takes", `{"cidr":"10.0.0.0/21"}`, []refusal{{key: "fargo:network.cidr", says: []string{`"10.0.0.0/21" is a /21`, "/16 to /20"}}}},
		{"public range", `{"cidr":"8.8.0.0/16"}`, []refusal{{key: "fargo:network.cidr", msg: `"8.8.0.0/16" is not a private range; use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`}}},
		{"one zone", `{"availabilityZones":1}`, []refusal{{key: "fargo:network.availabilityZones",
			msg: "1 is not allowed; use 2 to 6 (an Application Load Balancer needs at least 2, and the address plan has room for 6)"}}},
		{"seven zones", `{"availabilityZones":7}`, []refusal{{key: "fargo:network.availabilityZones", says: []string{"7 is not allowed", "2 to 6"}}}},
		{"every mistake at once", `{"cidr":"8.8.0.1/8","availabilityZones":0,"nat":"x"}`, []refusal{
			{key: "fargo:network.cidr", says: []string{"host bits"}},
			{key: "fargo:network.cidr", says: []string{"/8"}},
			{key: "fargo:network.cidr", says: []string{"private"}},
			{key: "fargo:network.availabilityZones", says: []string{"0 is not allowed"}},
			{key: "fargo:network.nat", says: []string{`"x" is not allowed`}},
		}},
		{"undecodable: nothing else judged", `{"nat":1,"cidr":"x"}`, []refusal{{key: "fargo:network.nat", msg: "is a number, expected a string"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cfg Config
			wantRefusals(t, cfg.parseNetwork(stackFile(map[string]string{"fargo:network": c.raw})), c.want...)
		})
	}
}

// TestNatModes keeps the one list of modes: the network builds each, and
// the refusal of any other value lists them.
func TestNatModes(t *testing.T) {
	if want := []NatMode{"none", "single", "perAz", "instance"}; !slices.Equal(NatModes, want) {
		t.Errorf("NatModes = %q, want %q", NatModes, want)
	}
	for _, c := range []struct {
		mode NatMode
		want bool
	}{{"none", true}, {"single", true}, {"perAz", true}, {"instance", true}, {"", false}, {"None", false}, {"perAZ", false}, {"gateway", false}} {
		if got := c.mode.valid(); got != c.want {
			t.Errorf("NatMode(%q).valid() = %v, want %v", c.mode, got, c.want)
		}
	}
}
