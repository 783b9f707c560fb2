package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// at is the moment the tests judge a configuration at.
var at = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

// stackFile reads a stack file's values as pulumi.Context.GetConfig does: by
// fully qualified key, objects as JSON.
func stackFile(values map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := values[k]
		return v, ok
	}
}

// refusal is one ConfigError a test expects: its key, exactly; its whole
// message when msg is set; and words the message must hold (the bad value and
// what is allowed).
type refusal struct {
	key  string
	msg  string
	says []string
}

// wantRefusals fails unless err holds exactly the refusals, in order, each a
// ConfigError, one line each.
func wantRefusals(t *testing.T, err error, want ...refusal) {
	t.Helper()
	got := ConfigErrors(err)
	if err != nil && len(got) == 0 {
		t.Fatalf("error %q holds no ConfigError", err)
	}
	if err != nil && len(strings.Split(err.Error(), "\n")) != len(got) {
		t.Errorf("error is not one line per refusal:\n%v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d refusals, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		g := got[i]
		if g.Key != w.key {
			t.Errorf("refusal %d names %q, want %q (%s)", i, g.Key, w.key, g.Msg)
		}
		if w.msg != "" && g.Msg != w.msg {
			t.Errorf("%s:\n got %s\nwant %s", g.Key, g.Msg, w.msg)
		}
		for _, s := range w.says {
			if !strings.Contains(g.Msg, s) {
				t.Errorf("%s: %q does not say %q", g.Key, g.Msg, s)
			}
		}
	}
}

// minimal is the least a stack file sets: the region and one service.
func minimal() map[string]string {
	return map[string]string{"aws:region": "ap-northeast-2", "fargo:services": `{"web":{}}`}
}

func with(values map[string]string, key, value string) map[string]string {
	values[key] = value
	return values
}

func TestParseConfigAtMinimalStackFile(t *testing.T) {
	cfg, err := ParseConfigAt("fargo", "dev", stackFile(minimal()), at)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	want := &Config{
		Project: "fargo", Stack: "dev", Region: "ap-northeast-2",
		Network: NetworkConfig{Cidr: "10.0.0.0/16", AvailabilityZones: 2, Nat: "none"},
		Services: []ServiceConfig{{
			Name: "web", Port: 3000, Cpu: 512, Memory: 1024, Architecture: "X86_64", HealthCheckPath: "/",
			MinTasks: 1, MaxTasks: 1, TargetCpuPercent: 60, TargetMemoryPercent: 75, User: "1000",
		}},
		Registry: RegistryConfig{UntaggedExpiryDays: 1, KeepTagged: 20, ImmutableTags: &yes},
		Cluster:  ClusterConfig{LogRetentionDays: 30},
		now:      at,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestParseConfigAtNamesAndRegion(t *testing.T) {
	for _, c := range []struct {
		name, project, stack string
		values               map[string]string
		want                 []refusal
	}{
		{"project with a capital", "Fargo", "dev", minimal(), []refusal{{key: "Pulumi.yaml name", says: []string{`"Fargo"`, "1 to 20 lowercase letters and digits"}}}},
		{"stack with a hyphen", "fargo", "dev-2", minimal(), []refusal{{key: "stack name", says: []string{`"dev-2"`, "no hyphens"}}}},
		{"stack too long", "fargo", "abcdefghijklmnopqrstu", minimal(), []refusal{{key: "stack name", says: []string{`"abcdefghijklmnopqrstu"`, "1 to 20"}}}},
		{"no region", "fargo", "dev", map[string]string{"fargo:services": `{"web":{}}`}, []refusal{{key: "aws:region", says: []string{"is not set", "pulumi config set aws:region"}}}},
		{"empty region", "fargo", "dev", with(minimal(), "aws:region", ""), []refusal{{key: "aws:region", says: []string{"is not set"}}}},
		{"region by its city", "fargo", "dev", with(minimal(), "aws:region", "seoul"), []refusal{{key: "aws:region", msg: `"seoul" is not an AWS region name like ap-northeast-2`}}},
		{"a preview's name without previewOf", "fargo", "pr3", minimal(), []refusal{{key: "stack name", says: []string{`"pr3"`, "fargo:previewOf"}}}},
		{"deletion protection not a boolean", "fargo", "dev", with(minimal(), "fargo:deletionProtection", "maybe"), []refusal{{key: "fargo:deletionProtection", msg: `"maybe" is not allowed; use true or false`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := ParseConfigAt(c.project, c.stack, stackFile(c.values), at)
			if cfg != nil {
				t.Errorf("accepted: %+v", cfg)
			}
			wantRefusals(t, err, c.want...)
		})
	}
}

func TestParseConfigAtGoodNames(t *testing.T) {
	for _, c := range []struct{ project, stack, region string }{
		{"fargo", "dev", "ap-northeast-2"},
		{"shop2", "prod", "us-east-1"},
		{"a", "abcdefghijklmnopqrst", "us-gov-west-1"},
	} {
		cfg, err := ParseConfigAt(c.project, c.stack, stackFile(with(minimal(), "aws:region", c.region)), at)
		if err != nil {
			t.Errorf("%s/%s in %s: %v", c.project, c.stack, c.region, err)
			continue
		}
		if cfg.Project != c.project || cfg.Stack != c.stack || cfg.Region != c.region {
			t.Errorf("got %s/%s in %s, want %s/%s in %s", cfg.Project, cfg.Stack, cfg.Region, c.project, c.stack, c.region)
		}
	}
}

func TestParseConfigAtDeletionProtection(t *testing.T) {
	for raw, want := range map[string]bool{"true": true, "false": false, "1": true} {
		cfg, err := ParseConfigAt("fargo", "dev", stackFile(with(minimal(), "fargo:deletionProtection", raw)), at)
		if err != nil || cfg.DeletionProtection != want {
			t.Errorf("deletionProtection %q: %v, %v; want %v", raw, cfg, err, want)
		}
	}
}

// TestParseConfigAtReportsEveryMistakeAtOnce: a stack file's mistakes in
// different sections come back together, in the order of the sections.
func TestParseConfigAtReportsEveryMistakeAtOnce(t *testing.T) {
	values := minimal()
	values["fargo:network"] = `{"nat":"double"}`
	values["fargo:services"] = `{"web":{"cpu":300}}`
	values["fargo:registry"] = `{"keepTagged":0}`
	values["fargo:cluster"] = `{"logRetentionDays":10}`
	values["fargo:domain"] = `{"zone":"localhost"}`
	values["fargo:budget"] = `{"monthlyLimit":0,"emails":["ops@example.com"]}`
	_, err := ParseConfigAt("fargo", "dev", stackFile(values), at)
	wantRefusals(t, err,
		refusal{key: "fargo:network.nat", says: []string{`"double"`}},
		refusal{key: "fargo:services.web.cpu", says: []string{"300"}},
		refusal{key: "fargo:registry.keepTagged", says: []string{"0"}},
		refusal{key: "fargo:cluster.logRetentionDays", says: []string{"10"}},
		refusal{key: "fargo:domain.zone", says: []string{`"localhost"`}},
		refusal{key: "fargo:budget.monthlyLimit", says: []string{"0"}},
	)
}
