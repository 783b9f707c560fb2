package config

import (
	"errors"
	"slices"
)

// ClusterConfig is fargo:cluster.
type ClusterConfig struct {
	// ContainerInsights turns on CloudWatch Container Insights (billed per metric).
	ContainerInsights bool `json:"containerInsights"`
	// LogRetentionDays is how long container logs are kept.
	LogRetentionDays int `json:"logRetentionDays"`
	// Capacity splits tasks between on-demand Fargate and Fargate Spot.
	Capacity CapacityConfig `json:"capacity"`
}

// CapacityConfig is the capacity provider strategy shared by every service.
type CapacityConfig struct {
	// OnDemandBase is how many tasks always run on on-demand Fargate.
	OnDemandBase int `json:"onDemandBase"`
	// OnDemandWeight and SpotWeight split the tasks above the base.
	OnDemandWeight int  `json:"onDemandWeight"`
	SpotWeight     *int `json:"spotWeight"`
}

// Spot returns the Spot weight (default 1).
func (c CapacityConfig) Spot() int {
	if c.SpotWeight == nil {
		return 1
	}
	return *c.SpotWeight
}

// DefaultLogRetentionDays is fargo:cluster.logRetentionDays's default, which
// Pulumi.yaml declares too (TestPulumiYamlMatchesCode keeps the two in step).
const DefaultLogRetentionDays = 30

// logRetentionDays are the values CloudWatch Logs accepts (0, never expire, is refused on purpose).
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func (c *Config) parseCluster(get func(string) (string, bool)) error {
	key := fullKey("cluster")
	cl := ClusterConfig{LogRetentionDays: DefaultLogRetentionDays}
	var errs []error
	if raw, ok := get(key); ok {
		if err := decodeStrict(key, raw, &cl); err != nil {
			return err
		}
	}
	if !slices.Contains(logRetentionDays, cl.LogRetentionDays) {
		errs = append(errs, errorf(key+".logRetentionDays", "%d is not allowed; CloudWatch Logs accepts %v", cl.LogRetentionDays, logRetentionDays))
	}
	cp := cl.Capacity
	if cp.OnDemandBase < 0 || cp.OnDemandBase > 100000 {
		errs = append(errs, errorf(key+".capacity.onDemandBase", "%d is not allowed; use 0 to 100000", cp.OnDemandBase))
	}
	if cp.OnDemandWeight < 0 || cp.OnDemandWeight > 1000 {
		errs = append(errs, errorf(key+".capacity.onDemandWeight", "%d is not allowed; use 0 to 1000", cp.OnDemandWeight))
	}
	if cp.Spot() < 0 || cp.Spot() > 1000 {
		errs = append(errs, errorf(key+".capacity.spotWeight", "%d is not allowed; use 0 to 1000", cp.Spot()))
	}
	if cp.OnDemandWeight+cp.Spot() == 0 && cp.OnDemandWeight >= 0 && cp.Spot() >= 0 {
		errs = append(errs, errorf(key+".capacity", "onDemandWeight and spotWeight are both 0; at least one must be positive"))
	}
	c.Cluster = cl
	return errors.Join(errs...)
}
