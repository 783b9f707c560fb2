package mocks

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// RegionZones are the availability zones a new account sees in each region the
// offline plan knows (opt-in-not-required, state available), from AWS's
// published Regions and Zones list. Zone names map to physical zones per account,
// so a real account may see other letters in the same number; the count is what
// the plan relies on. us-west-1 and ap-northeast-1 offer new accounts only some
// of their letters.
var RegionZones = map[string][]string{
	"us-east-1":      {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"},
	"us-east-2":      {"us-east-2a", "us-east-2b", "us-east-2c"},
	"us-west-1":      {"us-west-1b", "us-west-1c"},
	"us-west-2":      {"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"},
	"ca-central-1":   {"ca-central-1a", "ca-central-1b", "ca-central-1d"},
	"sa-east-1":      {"sa-east-1a", "sa-east-1b", "sa-east-1c"},
	"eu-west-1":      {"eu-west-1a", "eu-west-1b", "eu-west-1c"},
	"eu-west-2":      {"eu-west-2a", "eu-west-2b", "eu-west-2c"},
	"eu-west-3":      {"eu-west-3a", "eu-west-3b", "eu-west-3c"},
	"eu-central-1":   {"eu-central-1a", "eu-central-1b", "eu-central-1c"},
	"eu-north-1":     {"eu-north-1a", "eu-north-1b", "eu-north-1c"},
	"ap-south-1":     {"ap-south-1a", "ap-south-1b", "ap-south-1c"},
	"ap-northeast-1": {"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"},
	"ap-northeast-2": {"ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"},
	"ap-northeast-3": {"ap-northeast-3a", "ap-northeast-3b", "ap-northeast-3c"},
	"ap-southeast-1": {"ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"},
	"ap-southeast-2": {"ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"},
}

// zones answers the availability zone look-up for a region: ZoneCount generic
// zones when a test sets it, else the region's real zones.
func (m *Monitor) zones(region string) ([]string, error) {
	if m.opts.ZoneCount > 0 {
		var names []string
		for i := range m.opts.ZoneCount {
			names = append(names, fmt.Sprintf("%s%c", region, 'a'+i))
		}
		return names, nil
	}
	names, ok := RegionZones[region]
	if !ok {
		return nil, fmt.Errorf("aws:region: the offline plan does not know the availability zones of %q; it knows %s (add the region to plan/mocks/zones.go)",
			region, strings.Join(slices.Sorted(maps.Keys(RegionZones)), ", "))
	}
	return names, nil
}
