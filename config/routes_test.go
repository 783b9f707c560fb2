package config

import (
	"fmt"
	"testing"
)

// routed is a path-routed service.
func routed(name string, priority int, paths ...string) ServiceConfig {
	return ServiceConfig{Name: name, Priority: priority, Paths: paths}
}

func TestCheckRoutesAccepts(t *testing.T) {
	for _, c := range []struct {
		name     string
		services []ServiceConfig
	}{
		{"one default", []ServiceConfig{{Name: "web"}}},
		{"a default and paths", []ServiceConfig{routed("api", 100, "/api/*"), {Name: "web"}}},
		// v2's narrower rule is matched first, and api takes the rest.
		{"narrower rule first", []ServiceConfig{routed("api", 2, "/api/*"), routed("v2", 1, "/api/v2/*"), {Name: "web"}}},
		// v2 has a path api does not take.
		{"partly covered", []ServiceConfig{routed("api", 1, "/api/*"), routed("v2", 2, "/api/v2/*", "/v2/*"), {Name: "web"}}},
		{"sixty services", services(59)},
	} {
		if err := checkRoutes("fargo:services", c.services); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// services is a default service and n path-routed ones.
func services(n int) []ServiceConfig {
	out := []ServiceConfig{{Name: "web"}}
	for i := range n {
		out = append(out, routed(fmt.Sprintf("s%d", i), i+1, fmt.Sprintf("/s%d/*", i)))
	}
	return out
}

func TestCheckRoutesRefusals(t *testing.T) {
	for _, c := range []struct {
		name     string
		services []ServiceConfig
		want     []refusal
	}{
		{"no default", []ServiceConfig{routed("api", 1, "/api/*")}, []refusal{{key: "fargo:services",
			msg: "no service takes the default route; leave paths empty on exactly one service"}}},
		{"two defaults", []ServiceConfig{{Name: "api"}, {Name: "web"}}, []refusal{{key: "fargo:services",
			msg: "api, web all have no paths; exactly one service may take the default route"}}},
		{"a path listed twice", []ServiceConfig{routed("api", 1, "/api/*", "/api/*"), {Name: "web"}}, []refusal{{key: "fargo:services.api.paths",
			msg: `"/api/*" is listed twice; give each path pattern once`}}},
		{"a path in two services", []ServiceConfig{routed("api", 1, "/api/*"), routed("v2", 2, "/api/*"), {Name: "web"}}, []refusal{{key: "fargo:services.v2.paths",
			msg: `"/api/*" is already routed to api; each path pattern goes to one service`}}},
		{"a priority in two services", []ServiceConfig{routed("api", 1, "/api/*"), routed("v2", 1, "/v2/*"), {Name: "web"}}, []refusal{{key: "fargo:services.v2.priority",
			msg: "1 is already used by api; priorities must be unique"}}},
		{"shadowed", []ServiceConfig{routed("api", 1, "/api/*"), routed("v2", 2, "/api/v2/*"), {Name: "web"}}, []refusal{{key: "fargo:services.v2.paths",
			msg: "[/api/v2/*] can never be reached: api (priority 1, [/api/*]) is matched first and takes all of them; give v2 a lower priority number than api's"}}},
		{"shadowed by two patterns", []ServiceConfig{routed("api", 1, "/api/*", "/v2/*"), routed("v2", 2, "/api/v2/*", "/v2/x"), {Name: "web"}}, []refusal{{key: "fargo:services.v2.paths",
			msg: "[/api/v2/* /v2/x] can never be reached: api (priority 1, [/api/* /v2/*]) is matched first and takes all of them; give v2 a lower priority number than api's"}}},
		{"sixty-one services", services(60), []refusal{{key: "fargo:services",
			msg: "declares 61 services; one load balancer serves at most 60 (its security group's outbound rules, one per service)"}}},
	} {
		t.Run(c.name, func(t *testing.T) { wantRefusals(t, checkRoutes("fargo:services", c.services), c.want...) })
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		p, q string
		want bool
	}{
		{"/api/*", "/api/v2/*", true},
		{"/api/*", "/api/health", true},
		{"/*", "/anything", true},
		{"/api/*", "/api/*", false}, // a duplicate, refused on its own
		{"/api", "/api/x", false},   // no wildcard: matches one path
		{"/a*b/*", "/a*b/c", false}, // a wildcard before the end: not known
		{"/api/*", "/apx/y", false},
		{"/api/v2/*", "/api/*", false},
	} {
		if got := covers(c.p, c.q); got != c.want {
			t.Errorf("covers(%q, %q) = %v, want %v", c.p, c.q, got, c.want)
		}
	}
}

func TestWildcards(t *testing.T) {
	for _, c := range []struct {
		paths []string
		want  int
	}{
		{nil, 0},
		{[]string{"/api"}, 0},
		{[]string{"/api/*"}, 1},
		{[]string{"/a?/*", "/b/*/*"}, 4},
	} {
		if got := wildcards(c.paths); got != c.want {
			t.Errorf("wildcards(%q) = %d, want %d", c.paths, got, c.want)
		}
	}
}
