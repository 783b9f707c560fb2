package config

import (
	"errors"
	"strings"
)

// Application Load Balancer quotas a stack's services meet (Elastic Load
// Balancing quotas; none of these can be raised).
const (
	MaxRuleConditionValues = 5
	MaxRuleWildcards       = 5
	// MaxServices is the fewest of: target groups per load balancer (100), rules
	// per listener (100), and the load balancer security group's outbound rules,
	// one per service (60 per security group by default).
	MaxServices = 60
)

func wildcards(paths []string) int {
	n := 0
	for _, p := range paths {
		n += strings.Count(p, "*") + strings.Count(p, "?")
	}
	return n
}

// covers reports whether every path pattern q matches is matched by a different
// pattern p too (an identical one is a duplicate, refused on its own). It knows
// the common case: p is a literal prefix followed by a single final "*".
func covers(p, q string) bool {
	prefix, ok := strings.CutSuffix(p, "*")
	return ok && p != q && !strings.ContainsAny(prefix, "*?") && strings.HasPrefix(q, prefix)
}

// shadowed reports the service whose earlier rule takes every path of s, if any:
// the load balancer evaluates rules by priority, so s would never get a request.
func shadowed(s ServiceConfig, services []ServiceConfig) (ServiceConfig, bool) {
	for _, other := range services {
		if other.Name == s.Name || other.DefaultRoute() || other.Priority >= s.Priority {
			continue
		}
		all := true
		for _, q := range s.Paths {
			hit := false
			for _, p := range other.Paths {
				hit = hit || covers(p, q)
			}
			all = all && hit
		}
		if all {
			return other, true
		}
	}
	return ServiceConfig{}, false
}

// checkRoutes enforces one default-route service, unique paths and priorities,
// the load balancer's limits, and that every path-routed service can be reached.
func checkRoutes(key string, services []ServiceConfig) error {
	var errs []error
	if len(services) > MaxServices {
		errs = append(errs, errorf(key, "declares %d services; one load balancer serves at most %d (its security group's outbound rules, one per service)", len(services), MaxServices))
	}
	for _, s := range services {
		if s.DefaultRoute() {
			continue
		}
		if by, ok := shadowed(s, services); ok {
			errs = append(errs, errorf(key+"."+s.Name+".paths", "%v can never be reached: %s (priority %d, %v) is matched first and takes all of them; give %s a lower priority number than %s's",
				s.Paths, by.Name, by.Priority, by.Paths, s.Name, by.Name))
		}
	}
	var defaults []string
	paths := map[string]string{}
	priorities := map[int]string{}
	for _, s := range services {
		if s.DefaultRoute() {
			defaults = append(defaults, s.Name)
			continue
		}
		for _, p := range s.Paths {
			switch other, dup := paths[p]; {
			case dup && other == s.Name:
				errs = append(errs, errorf(key+"."+s.Name+".paths", "%q is listed twice; give each path pattern once", p))
			case dup:
				errs = append(errs, errorf(key+"."+s.Name+".paths", "%q is already routed to %s; each path pattern goes to one service", p, other))
			}
			paths[p] = s.Name
		}
		if other, dup := priorities[s.Priority]; dup {
			errs = append(errs, errorf(key+"."+s.Name+".priority", "%d is already used by %s; priorities must be unique", s.Priority, other))
		}
		priorities[s.Priority] = s.Name
	}
	switch len(defaults) {
	case 1:
	case 0:
		errs = append(errs, errorf(key, "no service takes the default route; leave paths empty on exactly one service"))
	default:
		errs = append(errs, errorf(key, "%s all have no paths; exactly one service may take the default route", strings.Join(defaults, ", ")))
	}
	return errors.Join(errs...)
}
