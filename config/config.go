// Package config is the stack file's configuration, typed and validated:
// ParseConfig reads every key once, and components receive the typed sections.
// Each section has its file (network.go, services.go with routes.go and
// fargate.go, registry.go, cluster.go, domain.go, budget.go, tables.go,
// github.go, operations.go, previews.go); keys.go refuses keys nothing reads,
// decode.go is the strict decoder every section uses, and errors.go the error
// every refusal is.
package config

import (
	"errors"
	"regexp"
	"strconv"
	"time"
)

// Namespace is the Pulumi project name and so the namespace of every fargo config key.
const Namespace = "fargo"

// Config is the typed, validated configuration of one stack. It is built once by
// ParseConfig; components receive the parts they need and never read config themselves.
type Config struct {
	// Project and Stack name the Pulumi project and stack.
	Project, Stack string
	// Region is aws:region.
	Region string
	// Network is fargo:network.
	Network NetworkConfig
	// Services is fargo:services, sorted by name.
	Services []ServiceConfig
	// Registry is fargo:registry.
	Registry RegistryConfig
	// Cluster is fargo:cluster.
	Cluster ClusterConfig
	// DeletionProtection is fargo:deletionProtection: the load balancer and the tables
	// refuse deletion (repositories follow Registry.ForceDelete).
	DeletionProtection bool
	// Domain is fargo:domain, nil when the site is served on the load balancer's own name.
	Domain *DomainConfig
	// Budget is fargo:budget, nil when no budget alarm is wanted.
	Budget *BudgetConfig
	// Tables is fargo:tables, sorted by name.
	Tables []TableConfig
	// Github is fargo:github, nil when no GitHub deploy roles are wanted.
	Github *GithubConfig
	// Schedule is fargo:schedule, nil when services never sleep; each service
	// carries the schedule it follows.
	Schedule *Schedule
	// Alarms is fargo:alarms, nil when deployments roll back on the circuit
	// breaker alone and nothing is e-mailed.
	Alarms *AlarmsConfig
	// Previews is fargo:previews, nil when the stack hosts no previews.
	Previews *PreviewsConfig
	// PreviewOf is fargo:previewOf, the stack a preview runs beside; empty for
	// a stack that is not a preview. A preview's Services and Cluster come from
	// its host (ResolvePreview), and its other sections are empty.
	PreviewOf string
	// Preview is fargo:preview, set on a preview only.
	Preview *PreviewConfig

	// now is the moment the configuration is judged at: a schedule must still
	// fire after it.
	now time.Time
}

// ParseConfig decodes and validates the stack's configuration as of the current
// time. get returns the raw string of a fully qualified key (objects as JSON), as
// pulumi.Context.GetConfig does.
func ParseConfig(project, stack string, get func(key string) (string, bool)) (*Config, error) {
	return ParseConfigAt(project, stack, get, time.Now())
}

// ParseConfigAt is ParseConfig judged at the moment now, which decides whether a
// schedule still fires.
func ParseConfigAt(project, stack string, get func(key string) (string, bool), now time.Time) (*Config, error) {
	var errs []error
	if !stackNamePattern.MatchString(project) {
		errs = append(errs, errorf("Pulumi.yaml name", "%q is not a usable project name; fargo puts it in resource names and CI policy scopes: use 1 to 20 lowercase letters and digits, starting with a letter", project))
	}
	if !stackNamePattern.MatchString(stack) {
		errs = append(errs, errorf("stack name", "%q is not a usable stack name; fargo puts it in resource names and CI policy scopes: use 1 to 20 lowercase letters and digits, starting with a letter (no hyphens, so that no stack's names start with another's)", stack))
	}
	c := &Config{Project: project, Stack: stack, now: now}
	region, ok := get("aws:region")
	switch {
	case !ok || region == "":
		errs = append(errs, errorf("aws:region", "is not set; set it with `pulumi config set aws:region ap-northeast-2`"))
	case !regionPattern.MatchString(region):
		errs = append(errs, errorf("aws:region", "%q is not an AWS region name like ap-northeast-2", region))
	}
	c.Region = region
	if err := c.checkStackKind(get); err != nil {
		return nil, errors.Join(append(errs, err)...)
	}
	if of, _ := get(fullKey("previewOf")); of != "" {
		// A preview's services and the rest come from its host (ResolvePreview).
		for _, step := range []func(get func(string) (string, bool)) error{c.parsePreviewOf, c.parsePreview, c.parsePreviewTables} {
			errs = append(errs, step(get))
		}
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		return c, nil
	}

	// Every step runs, so the user sees every mistake at once.
	steps := []func(get func(string) (string, bool)) error{
		c.parseNetwork, c.parseServices, c.parseRegistry, c.parseCluster,
		c.parseDeletionProtection, c.parseDomain, c.parseBudget, c.parseTables, c.parseGithub, c.parseAlarms, c.parsePreviews,
	}
	for _, step := range steps {
		errs = append(errs, step(get))
	}
	errs = append(errs, c.checkPreviewRules())
	// A service's schedule builds on the stack's, so it is judged only on a valid one.
	if err := c.parseSchedule(get); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, c.resolveSchedules())
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-\d$`)

// stackNamePattern keeps project and stack names hyphen-free, so the CI roles'
// name patterns ("fargo-dev-*") can never match another stack's names ("fargo-dev-2-...").
var stackNamePattern = regexp.MustCompile(`^[a-z][a-z0-9]{0,19}$`)

func fullKey(k string) string { return Namespace + ":" + k }

func (c *Config) parseDeletionProtection(get func(string) (string, bool)) error {
	key := fullKey("deletionProtection")
	raw, ok := get(key)
	if !ok {
		return nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return errorf(key, "%q is not allowed; use true or false", raw)
	}
	c.DeletionProtection = v
	return nil
}
