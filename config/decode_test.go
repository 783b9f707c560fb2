package config

import (
	"reflect"
	"strings"
	"testing"
)

// probe holds a list and a map of objects, which no section's struct has at
// the top, to reach decodeStrict's key check inside both.
type probe struct {
	Items []struct {
		A int `json:"a"`
	} `json:"items"`
	Byname map[string]struct {
		B int `json:"b"`
	} `json:"byName"`
}

func TestDecodeStrictKeepsDefaultsAndSetsWhatIsGiven(t *testing.T) {
	n := NetworkConfig{Cidr: "10.0.0.0/16", AvailabilityZones: 2, Nat: "none"}
	if err := decodeStrict("fargo:network", `{"nat":"perAz","availabilityZones":3}`, &n); err != nil {
		t.Fatal(err)
	}
	if want := (NetworkConfig{Cidr: "10.0.0.0/16", AvailabilityZones: 3, Nat: "perAz"}); n != want {
		t.Errorf("got %+v, want %+v", n, want)
	}
	var p probe
	if err := decodeStrict("k", `{"items":[{"a":1},{"a":2}],"byName":{"x":{"b":3}}}`, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 || p.Items[1].A != 2 || p.Byname["x"].B != 3 {
		t.Errorf("got %+v", p)
	}
}

func TestDecodeStrictRefusals(t *testing.T) {
	for _, c := range []struct {
		name, key, raw string
		out            any
		want           refusal
	}{
		{"unknown key", "fargo:network", `{"nta":"none"}`, &NetworkConfig{},
			refusal{key: "fargo:network", msg: `unknown key "nta"; allowed keys: cidr, availabilityZones, nat`}},
		{"key in another case", "fargo:network", `{"NAT":"none"}`, &NetworkConfig{},
			refusal{key: "fargo:network", msg: `unknown key "NAT"; allowed keys: cidr, availabilityZones, nat`}},
		{"unknown key in a nested object", "fargo:cluster", `{"capacity":{"spot":1}}`, &ClusterConfig{},
			refusal{key: "fargo:cluster.capacity", msg: `unknown key "spot"; allowed keys: onDemandBase, onDemandWeight, spotWeight`}},
		{"unknown key behind a pointer", "fargo:services.web", `{"build":{"context":".","file":"Dockerfile"}}`, &ServiceConfig{},
			refusal{key: "fargo:services.web.build", msg: `unknown key "file"; allowed keys: context, dockerfile`}},
		{"unknown key in a list", "k", `{"items":[{"a":1},{"c":2}]}`, &probe{},
			refusal{key: "k.items[1]", msg: `unknown key "c"; allowed keys: a`}},
		{"unknown key in a map", "k", `{"byName":{"x":{"b":1,"d":2}}}`, &probe{},
			refusal{key: "k.byName.x", msg: `unknown key "d"; allowed keys: b`}},
		{"first unknown key by name", "fargo:network", `{"zz":1,"aa":2}`, &NetworkConfig{},
			refusal{key: "fargo:network", says: []string{`unknown key "aa"`}}},
		{"text for a number", "fargo:network", `{"availabilityZones":"two"}`, &NetworkConfig{},
			refusal{key: "fargo:network.availabilityZones", msg: "is a string, expected a whole number"}},
		{"fraction for a whole number", "fargo:services.web", `{"port":80.5}`, &ServiceConfig{},
			refusal{key: "fargo:services.web.port", msg: "is a number (80.5), expected a whole number"}},
		{"boolean for text", "fargo:network", `{"nat":true}`, &NetworkConfig{},
			refusal{key: "fargo:network.nat", msg: "is a boolean, expected a string"}},
		{"list for a map", "fargo:services.web", `{"environment":["A=1"]}`, &ServiceConfig{},
			refusal{key: "fargo:services.web.environment", msg: "is a list, expected a map of keys"}},
		{"text for a list", "fargo:services.web", `{"paths":"/api/*"}`, &ServiceConfig{},
			refusal{key: "fargo:services.web.paths", msg: "is a string, expected a list"}},
		{"text for a boolean", "fargo:registry", `{"forceDelete":"yes"}`, &RegistryConfig{},
			refusal{key: "fargo:registry.forceDelete", msg: "is a string, expected true or false"}},
		{"text for an amount", "fargo:budget", `{"monthlyLimit":"10"}`, &BudgetConfig{},
			refusal{key: "fargo:budget.monthlyLimit", msg: "is a string, expected a number"}},
		{"not an object", "fargo:network", `"none"`, &NetworkConfig{},
			refusal{key: "fargo:network", msg: "is a string, expected a map of keys"}},
		{"broken JSON", "fargo:network", `{"nat" "none"}`, &NetworkConfig{},
			refusal{key: "fargo:network", msg: `is not a valid object (invalid character '"' after object key); got {"nat" "none"}`}},
		{"two objects", "fargo:network", `{} {}`, &NetworkConfig{},
			refusal{key: "fargo:network", msg: "holds more than one value; expected a single object"}},
	} {
		t.Run(c.name, func(t *testing.T) { wantRefusals(t, decodeStrict(c.key, c.raw, c.out), c.want) })
	}
}

func TestClip(t *testing.T) {
	sixty := strings.Repeat("x", 60)
	for _, c := range []struct{ s, want string }{
		{"", ""},
		{sixty, sixty},
		{sixty + "y", sixty + "..."},
	} {
		if got := clip(c.s); got != c.want {
			t.Errorf("clip(%d characters) = %q, want %q", len(c.s), got, c.want)
		}
	}
}

func TestJSONFields(t *testing.T) {
	for _, c := range []struct {
		v    any
		want []string
	}{
		{NetworkConfig{}, []string{"cidr", "availabilityZones", "nat"}},
		{&CapacityConfig{}, []string{"onDemandBase", "onDemandWeight", "spotWeight"}},
		{&BuildConfig{}, []string{"context", "dockerfile"}},
		{"not a struct", nil},
	} {
		if got := jsonFields(c.v); !reflect.DeepEqual(got, c.want) {
			t.Errorf("jsonFields(%T) = %q, want %q", c.v, got, c.want)
		}
	}
	// The service's name is its map key, never a key inside it.
	if got := jsonFields(ServiceConfig{}); got[0] != "port" || strings.Contains(strings.Join(got, ","), "name") {
		t.Errorf("ServiceConfig's keys %q hold its name", got)
	}
}

func TestOptionalObject(t *testing.T) {
	for _, c := range []struct {
		name    string
		values  map[string]string
		wantRaw string
		wantOn  bool
	}{
		{"unset", map[string]string{}, "", false},
		{"empty object: Pulumi.yaml's off", map[string]string{"fargo:domain": "{}"}, "", false},
		{"null", map[string]string{"fargo:domain": "null"}, "", false},
		{"set", map[string]string{"fargo:domain": `{"zone":"example.com"}`}, `{"zone":"example.com"}`, true},
		{"not an object: left to the decoder", map[string]string{"fargo:domain": `"example.com"`}, `"example.com"`, true},
	} {
		raw, on := optionalObject(stackFile(c.values), "fargo:domain")
		if raw != c.wantRaw || on != c.wantOn {
			t.Errorf("%s: got %q, %v; want %q, %v", c.name, raw, on, c.wantRaw, c.wantOn)
		}
	}
}
