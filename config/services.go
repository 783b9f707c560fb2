package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/fargo-dev/fargo/internal/envname"
)

// ServiceConfig is one entry of fargo:services.
type ServiceConfig struct {
	// Name is the map key: the service's name in every AWS resource name.
	Name string `json:"-"`
	// Port is the container port the load balancer sends traffic to.
	Port int `json:"port"`
	// Cpu is the task's CPU in units (1024 = 1 vCPU).
	Cpu int `json:"cpu"`
	// Memory is the task's memory in MiB.
	Memory int `json:"memory"`
	// Architecture is X86_64 or ARM64.
	Architecture string `json:"architecture"`
	// Paths are the load balancer path patterns routed to the service; empty for the
	// one service that takes the default route.
	Paths []string `json:"paths"`
	// Priority orders the service's listener rule (lower is evaluated first); required
	// when Paths is set, and unique.
	Priority int `json:"priority"`
	// HealthCheckPath is the path the load balancer polls.
	HealthCheckPath string `json:"healthCheckPath"`
	// MinTasks and MaxTasks bound auto scaling.
	MinTasks int `json:"minTasks"`
	MaxTasks int `json:"maxTasks"`
	// TargetCpuPercent and TargetMemoryPercent are the auto scaling targets.
	TargetCpuPercent    int `json:"targetCpuPercent"`
	TargetMemoryPercent int `json:"targetMemoryPercent"`
	// Environment holds plain, non-secret environment variables.
	Environment map[string]string `json:"environment"`
	// Secrets maps environment variable names to SSM parameters or Secrets Manager
	// secrets; ECS injects their values when a task starts.
	Secrets map[string]string `json:"secrets"`
	// Image, when set, is a full image reference run instead of the service's repository.
	Image string `json:"image"`
	// Build, when set, builds the image from a Docker context at deploy time.
	Build *BuildConfig `json:"build"`
	// User is the container's user (uid or uid:gid); never root.
	User string `json:"user"`
	// ReadonlyRootFilesystem keeps the container's root filesystem read-only; /tmp stays writable.
	ReadonlyRootFilesystem *bool `json:"readonlyRootFilesystem"`
	// NotSecret declares environment names that look like secrets but are not
	// (PUBLIC_KEY, CACHE_KEY_PREFIX); the task definition carries the declaration
	// for the checks.
	NotSecret []string `json:"notSecret"`
	// ScheduleOverride is the service's own schedule key: alwaysOn, or fields
	// that replace the stack's.
	ScheduleOverride *ScheduleConfig `json:"schedule"`
	// Schedule is the schedule the service follows, nil when it is always on.
	Schedule *Schedule `json:"-"`
}

// BuildConfig names a Docker build context for a service.
type BuildConfig struct {
	// Context is the build context directory, relative to the project.
	Context string `json:"context"`
	// Dockerfile is the Dockerfile's path; empty means Context/Dockerfile.
	Dockerfile string `json:"dockerfile"`
}

// ImagePlatform is the Docker platform the service's image is built for.
func (s ServiceConfig) ImagePlatform() string {
	if s.Architecture == "ARM64" {
		return "linux/arm64"
	}
	return "linux/amd64"
}

// DefaultRoute reports whether the service takes the listener's default route.
func (s ServiceConfig) DefaultRoute() bool { return len(s.Paths) == 0 }

// Defaults of a service's keys that its entry leaves unset (Pulumi.yaml's
// default services set them explicitly, to show them).
const (
	DefaultPort                = 3000
	DefaultCpu                 = 512
	DefaultMemory              = 1024
	DefaultArchitecture        = "X86_64"
	DefaultHealthCheckPath     = "/"
	DefaultTargetCpuPercent    = 60
	DefaultTargetMemoryPercent = 75
	DefaultUser                = "1000"
)

var (
	serviceNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,14}[a-z0-9]$`)
	envNamePattern     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	pathPattern        = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~"'@:+&*?]*$`)
	userPattern        = regexp.MustCompile(`^[0-9]+(:[0-9]+)?$`)
)

func (c *Config) parseServices(get func(string) (string, bool)) error {
	key := fullKey("services")
	raw, ok := get(key)
	if !ok {
		return errorf(key, "is not set; declare at least one service, e.g. frontend with no paths (the default route)")
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &entries); err != nil {
		return errorf(key, "must be a map from service name to its settings; got %s", clip(raw))
	}
	if len(entries) == 0 {
		return errorf(key, "is empty; declare at least one service")
	}
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names)

	var services []ServiceConfig
	var errs []error
	undecodable := false
	for _, name := range names {
		s, err := parseService(key, name, entries[name])
		errs = append(errs, err)
		if s.Name == "" {
			// Not decodable: keep its name for the checks that need only names,
			// and judge no routes, which would be guesses.
			undecodable = true
			services = append(services, ServiceConfig{Name: name})
			continue
		}
		errs = append(errs, checkSecretStacks(key+"."+name+".secrets", c.Project, c.Stack, s.Secrets), checkTaskDefinitionSize(key+"."+name, s, c.Region))
		services = append(services, s)
	}
	if !undecodable {
		errs = append(errs, checkRoutes(key, services))
	}
	c.Services = services
	return errors.Join(errs...)
}

func parseService(key, name string, raw json.RawMessage) (ServiceConfig, error) {
	k := key + "." + name
	if !serviceNamePattern.MatchString(name) {
		return ServiceConfig{}, errorf(k, "%q is not a usable service name; use 2 to 16 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen", name)
	}
	s := ServiceConfig{
		Port: DefaultPort, Cpu: DefaultCpu, Memory: DefaultMemory, Architecture: DefaultArchitecture,
		HealthCheckPath: DefaultHealthCheckPath, MinTasks: 1,
		TargetCpuPercent: DefaultTargetCpuPercent, TargetMemoryPercent: DefaultTargetMemoryPercent,
		User: DefaultUser,
	}
	if string(raw) == "null" {
		return ServiceConfig{}, errorf(k, "has no settings; give it at least a port")
	}
	if err := decodeStrict(k, string(raw), &s); err != nil {
		return ServiceConfig{}, err
	}
	s.Name = name
	var given struct {
		MaxTasks *int `json:"maxTasks"`
	}
	if json.Unmarshal(raw, &given) == nil && given.MaxTasks == nil {
		s.MaxTasks = s.MinTasks
	}
	return s, validateService(k, s)
}

func validateService(k string, s ServiceConfig) error {
	var errs []error
	switch {
	case s.Port < 1 || s.Port > 65535:
		errs = append(errs, errorf(k+".port", "%d is out of range; use 1 to 65535", s.Port))
	case s.Port < 1024:
		// Containers never run as root (user below), and only root may bind them.
		errs = append(errs, errorf(k+".port", "%d is below 1024, which the container's non-root user cannot listen on; use 1024 to 65535 (e.g. 3000 or 8080): the load balancer still serves 80 and 443", s.Port))
	}
	errs = append(errs, checkFargateSize(k, s.Cpu, s.Memory))
	if s.Architecture != "X86_64" && s.Architecture != "ARM64" {
		errs = append(errs, errorf(k+".architecture", "%q is not allowed; use X86_64 or ARM64", s.Architecture))
	}
	if len(s.Paths) > MaxRuleConditionValues {
		errs = append(errs, errorf(k+".paths", "has %d patterns; a listener rule takes at most %d", len(s.Paths), MaxRuleConditionValues))
	}
	if n := wildcards(s.Paths); n > MaxRuleWildcards {
		errs = append(errs, errorf(k+".paths", "%v hold %d wildcards (* and ?); a listener rule takes at most %d", s.Paths, n, MaxRuleWildcards))
	}
	for i, p := range s.Paths {
		if len(p) > 128 || !pathPattern.MatchString(p) {
			errs = append(errs, errorf(fmt.Sprintf("%s.paths[%d]", k, i), "%q is not a load balancer path pattern; it must start with / and use only letters, digits and _-.$/~\"'@:+&*? (at most 128 characters)", p))
		}
	}
	if len(s.Paths) > 0 && (s.Priority < 1 || s.Priority > 50000) {
		errs = append(errs, errorf(k+".priority", "%d is not allowed; a path-routed service needs a listener rule priority from 1 to 50000 (lower is matched first)", s.Priority))
	}
	if len(s.Paths) == 0 && s.Priority != 0 {
		errs = append(errs, errorf(k+".priority", "is set but the service has no paths; only path-routed services have listener rules"))
	}
	if len(s.HealthCheckPath) > 1024 || !pathPattern.MatchString(s.HealthCheckPath) || strings.ContainsAny(s.HealthCheckPath, "*?") {
		errs = append(errs, errorf(k+".healthCheckPath", "%q is not a health check path; it must start with / and contain no wildcards", s.HealthCheckPath))
	}
	if s.MinTasks < 1 || s.MinTasks > 1000 {
		errs = append(errs, errorf(k+".minTasks", "%d is not allowed; use 1 to 1000", s.MinTasks))
	}
	if s.MaxTasks < s.MinTasks || s.MaxTasks > 1000 {
		errs = append(errs, errorf(k+".maxTasks", "%d is not allowed; use minTasks (%d) to 1000", s.MaxTasks, s.MinTasks))
	}
	if s.TargetCpuPercent < 10 || s.TargetCpuPercent > 95 {
		errs = append(errs, errorf(k+".targetCpuPercent", "%d is not allowed; use 10 to 95", s.TargetCpuPercent))
	}
	if s.TargetMemoryPercent < 10 || s.TargetMemoryPercent > 95 {
		errs = append(errs, errorf(k+".targetMemoryPercent", "%d is not allowed; use 10 to 95", s.TargetMemoryPercent))
	}
	errs = append(errs, validateEnvironment(k+".environment", s.Environment, s.NotSecret), validateSecrets(k+".secrets", s.Secrets, s.Environment))
	if s.Image != "" && s.Build != nil {
		errs = append(errs, errorf(k, "sets both image and build; choose one"))
	}
	if s.Image != "" && strings.ContainsAny(s.Image, " \t\n") {
		errs = append(errs, errorf(k+".image", "%q is not an image reference", s.Image))
	}
	if s.Build != nil && s.Build.Context == "" {
		errs = append(errs, errorf(k+".build.context", "is empty; name the Docker build context directory"))
	}
	if !userPattern.MatchString(s.User) {
		errs = append(errs, errorf(k+".user", "%q is not allowed; give a numeric uid or uid:gid, e.g. 1000", s.User))
	} else if uid, _, _ := strings.Cut(s.User, ":"); uid == "0" || strings.Trim(uid, "0") == "" {
		errs = append(errs, errorf(k+".user", "%q is root; containers run as a non-root user (e.g. 1000, the node user)", s.User))
	}
	return errors.Join(errs...)
}

// MaxTaskDefinitionBytes is the largest task definition ECS registers ("Task
// definition size", 64 KiB, which cannot be raised: Amazon ECS service quotas,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_limits.html);
// a larger one fails with "Actual length: ... Max allowed length is '65536' bytes".
const MaxTaskDefinitionBytes = 64 << 10

// taskDefinitionOverhead bounds what a service's task definition holds besides
// its environment, secrets and image: family, role ARNs, sizes, port, logging,
// volume and the JSON around them (about 1 KiB for dev's backend in the plan's
// export, which TestTaskDefinitionSizeConfigLimit measures).
const taskDefinitionOverhead = 2 << 10

// checkTaskDefinitionSize refuses a service whose task definition ECS would
// refuse as too large: plain environment values are what grows it.
func checkTaskDefinitionSize(k string, s ServiceConfig, region string) error {
	if n := taskDefinitionBytes(s, region); n > MaxTaskDefinitionBytes {
		return errorf(k, "would register a task definition of about %d bytes (its environment, secrets and image); ECS takes at most %d (64 KiB): move large values out of environment, e.g. into an SSM parameter named under secrets", n, MaxTaskDefinitionBytes)
	}
	return nil
}

// taskDefinitionBytes estimates the size of the service's task definition from
// what its configuration puts there, with each string as JSON writes it.
func taskDefinitionBytes(s ServiceConfig, region string) int {
	n := taskDefinitionOverhead + jsonLen(s.Image)
	for name, value := range s.Environment {
		n += len(`{"name":,"value":},`) + jsonLen(name) + jsonLen(value)
	}
	for name, value := range s.Secrets {
		ref, _ := ParseSecretRef(value)
		n += len(`{"name":,"valueFrom":},`) + jsonLen(name) + jsonLen(ref.ARN(region, "123456789012"))
	}
	for _, name := range s.NotSecret {
		n += jsonLen(name) + 1
	}
	return n
}

func jsonLen(s string) int {
	b, _ := json.Marshal(s)
	return len(b)
}

func validateEnvironment(k string, env map[string]string, notSecret []string) error {
	var errs []error
	for i, name := range notSecret {
		switch _, ok := env[name]; {
		case slices.Contains(envname.Reserved, name):
			errs = append(errs, errorf(fmt.Sprintf("%s.notSecret[%d]", strings.TrimSuffix(k, ".environment"), i), "%q is a credential name AWS Security Hub (ECS.8) always flags; it cannot be declared plain", name))
		case !ok:
			errs = append(errs, errorf(fmt.Sprintf("%s.notSecret[%d]", strings.TrimSuffix(k, ".environment"), i), "%q is not in environment; list only plain variables the service sets", name))
		}
	}
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !envNamePattern.MatchString(name) {
			errs = append(errs, errorf(k+"."+name, "is not a valid environment variable name; use letters, digits and _, not starting with a digit"))
		} else if envname.LooksSecret(name) && !slices.Contains(notSecret, name) {
			errs = append(errs, errorf(k+"."+name, "looks like a secret; plain environment values are stored in clear text in the task definition, so move it to secrets (an SSM SecureString parameter or a Secrets Manager secret), or, if it is not one, list it in notSecret"))
		}
	}
	return errors.Join(errs...)
}
