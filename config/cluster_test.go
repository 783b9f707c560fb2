package config

import (
	"reflect"
	"testing"
)

func TestParseClusterTyped(t *testing.T) {
	zero, three := 0, 3
	for _, c := range []struct {
		name, raw string // raw "" leaves fargo:cluster unset
		want      ClusterConfig
		spot      int
	}{
		{"unset: all on Spot", "", ClusterConfig{LogRetentionDays: 30}, 1},
		{"every key", `{"containerInsights":true,"logRetentionDays":731,"capacity":{"onDemandBase":1,"onDemandWeight":1,"spotWeight":3}}`,
			ClusterConfig{ContainerInsights: true, LogRetentionDays: 731, Capacity: CapacityConfig{OnDemandBase: 1, OnDemandWeight: 1, SpotWeight: &three}}, 3},
		{"all on demand", `{"capacity":{"onDemandWeight":1,"spotWeight":0}}`,
			ClusterConfig{LogRetentionDays: 30, Capacity: CapacityConfig{OnDemandWeight: 1, SpotWeight: &zero}}, 0},
		{"shortest retention", `{"logRetentionDays":1}`, ClusterConfig{LogRetentionDays: 1}, 1},
		{"longest retention", `{"logRetentionDays":3653}`, ClusterConfig{LogRetentionDays: 3653}, 1},
	} {
		values := map[string]string{}
		if c.raw != "" {
			values["fargo:cluster"] = c.raw
		}
		var cfg Config
		if err := cfg.parseCluster(stackFile(values)); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(cfg.Cluster, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, cfg.Cluster, c.want)
		}
		if got := cfg.Cluster.Capacity.Spot(); got != c.spot {
			t.Errorf("%s: Spot() = %d, want %d", c.name, got, c.spot)
		}
	}
}

func TestParseClusterRefusals(t *testing.T) {
	const retention = "CloudWatch Logs accepts [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]"
	for _, c := range []struct {
		name, raw string
		want      []refusal
	}{
		{"retention CloudWatch does not offer", `{"logRetentionDays":10}`, []refusal{{key: "fargo:cluster.logRetentionDays", msg: "10 is not allowed; " + retention}}},
		{"never expire", `{"logRetentionDays":0}`, []refusal{{key: "fargo:cluster.logRetentionDays", msg: "0 is not allowed; " + retention}}},
		{"negative base", `{"capacity":{"onDemandBase":-1}}`, []refusal{{key: "fargo:cluster.capacity.onDemandBase", msg: "-1 is not allowed; use 0 to 100000"}}},
		{"base too large", `{"capacity":{"onDemandBase":100001}}`, []refusal{{key: "fargo:cluster.capacity.onDemandBase", msg: "100001 is not allowed; use 0 to 100000"}}},
		{"on-demand weight too large", `{"capacity":{"onDemandWeight":1001}}`, []refusal{{key: "fargo:cluster.capacity.onDemandWeight", msg: "1001 is not allowed; use 0 to 1000"}}},
		{"negative Spot weight", `{"capacity":{"onDemandWeight":1,"spotWeight":-1}}`, []refusal{{key: "fargo:cluster.capacity.spotWeight", msg: "-1 is not allowed; use 0 to 1000"}}},
		{"no weight", `{"capacity":{"spotWeight":0}}`, []refusal{{key: "fargo:cluster.capacity", msg: "onDemandWeight and spotWeight are both 0; at least one must be positive"}}},
		// Weights that cancel out are refused for their sign, not as both 0.
		{"weights that sum to 0", `{"capacity":{"onDemandWeight":1,"spotWeight":-1}}`, []refusal{{key: "fargo:cluster.capacity.spotWeight"}}},
		{"typo in capacity", `{"capacity":{"spot":1}}`, []refusal{{key: "fargo:cluster.capacity", msg: `unknown key "spot"; allowed keys: onDemandBase, onDemandWeight, spotWeight`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cfg Config
			wantRefusals(t, cfg.parseCluster(stackFile(map[string]string{"fargo:cluster": c.raw})), c.want...)
		})
	}
}
