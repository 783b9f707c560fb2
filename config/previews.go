package config

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fargo-dev/fargo/internal/naming"
)

// A preview is a stack named pr<number> (naming.PreviewStackPrefix and the
// pull request's number) whose stack file says whose preview it is
// (fargo:previewOf): it runs its own tasks on its host's network and load
// balancer. The name is internal/naming's rule, which the checks read too.

// Application Load Balancer quotas a host and its previews share
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html):
// listeners, rules (not counting the listeners' default rules) and target
// groups per load balancer, and condition values per rule.
const (
	MaxListenersPerLoadBalancer    = 50
	MaxRulesPerLoadBalancer        = 100
	MaxTargetGroupsPerLoadBalancer = 100
)

// Defaults of a preview's services and logs: the smallest Fargate task, and
// logs kept long enough to read a failed preview's.
const (
	DefaultPreviewCpu              = 256
	DefaultPreviewMemory           = 512
	DefaultPreviewLogRetentionDays = 3
)

// PortRange is a range of listener ports, both ends included.
type PortRange struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// Size is how many ports the range holds.
func (r PortRange) Size() int { return r.To - r.From + 1 }

// Contains reports whether port is in the range.
func (r PortRange) Contains(port int) bool { return port >= r.From && port <= r.To }

func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.From, r.To) }

// PreviewsConfig is fargo:previews: the stack hosts a preview per pull request,
// each on its own listener port of the stack's load balancer.
type PreviewsConfig struct {
	// Ports are the listener ports previews take, one each; the load balancer's
	// security group opens exactly these.
	Ports PortRange `json:"ports"`
	// Repository is the GitHub repository whose pull requests get previews,
	// owner/name (default fargo:github.repository): the one whose numbers name
	// the previews, so that no two pull requests share a stack.
	Repository string `json:"repository"`
}

// PreviewConfig is fargo:preview: what a preview runs.
type PreviewConfig struct {
	// Port is the host's listener port the preview answers on, from the host's
	// fargo:previews.ports; the preview workflow picks a free one.
	Port int `json:"port"`
	// LogRetentionDays is how long the preview's logs are kept.
	LogRetentionDays int `json:"logRetentionDays"`
	// Services are the host's services the preview runs, with their sizes; empty
	// means every one of the host's.
	Services map[string]PreviewServiceConfig `json:"services"`
}

// PreviewServiceConfig is one entry of fargo:preview.services.
type PreviewServiceConfig struct {
	// Cpu and Memory size the task (default the smallest Fargate task).
	Cpu    int `json:"cpu"`
	Memory int `json:"memory"`
	// Environment is laid over the host service's plain environment.
	Environment map[string]string `json:"environment"`
	// Secrets are the preview's own, one for each the host service reads: a
	// preview never reads its host's secrets.
	Secrets map[string]string `json:"secrets"`
}

// PreviewHost is what a host stack tells its previews: its previewHost output,
// read by the preview through a stack reference.
type PreviewHost struct {
	// Region is the host's region, which its previews share.
	Region string `json:"region"`
	// Ports are fargo:previews.ports.
	Ports PortRange `json:"ports"`
	// Services describe the host's services as its previews run them.
	Services map[string]HostService `json:"services"`
	// VpcID, TaskSubnetIDs and AssignPublicIP place the previews' tasks as the
	// host's own.
	VpcID          string   `json:"vpcId"`
	TaskSubnetIDs  []string `json:"taskSubnetIds"`
	AssignPublicIP bool     `json:"assignPublicIp"`
	// LoadBalancerArn and LoadBalancerDNSName are the host's load balancer, and
	// LoadBalancerSecurityGroupID its security group, which the previews' tasks admit.
	LoadBalancerArn             string `json:"loadBalancerArn"`
	LoadBalancerDNSName         string `json:"loadBalancerDnsName"`
	LoadBalancerSecurityGroupID string `json:"loadBalancerSecurityGroupId"`
	// PreviewTasksSecurityGroupID is the group the previews' tasks join, which the
	// load balancer may reach on the services' ports.
	PreviewTasksSecurityGroupID string `json:"previewTasksSecurityGroupId"`
	// RepositoryURLs are the host's repositories, which previews pull from.
	RepositoryURLs map[string]string `json:"repositoryUrls"`
	// SiteName is the host's site (fargo:domain), empty without one; its
	// previews answer on pr<number>.<SiteName>, under the host's certificate,
	// through rules on its HTTPS listener, HTTPSListenerArn.
	SiteName         string `json:"siteName,omitempty"`
	HTTPSListenerArn string `json:"httpsListenerArn,omitempty"`
}

// pathServices counts the host's path-routed services.
func (h PreviewHost) pathServices() int {
	n := 0
	for _, s := range h.Services {
		if len(s.Paths) > 0 {
			n++
		}
	}
	return n
}

// PreviewSiteName is a preview's name under its host's site: pr31.www.example.com.
func PreviewSiteName(stack, site string) string { return stack + "." + site }

// SiteRulePriority is the priority of a preview's i-th rule on its host's
// HTTPS listener (its path services' rules, then its name's default). Each
// port of the range owns a block of priorities, one per path service and one
// for the name, below every rule of the host's own (checkPreviewRules): a
// listener matches the lowest number first, and the host's path rules match
// any name.
func (h PreviewHost) SiteRulePriority(port, i int) int {
	return 1 + (port-h.Ports.From)*(h.pathServices()+1) + i
}

// HostService is a host's service as its previews run it: everything but its
// size, scaling and secrets' values.
type HostService struct {
	Port                   int               `json:"port"`
	HealthCheckPath        string            `json:"healthCheckPath"`
	Paths                  []string          `json:"paths,omitempty"`
	Priority               int               `json:"priority,omitempty"`
	Architecture           string            `json:"architecture"`
	Environment            map[string]string `json:"environment,omitempty"`
	SecretNames            []string          `json:"secretNames,omitempty"`
	Image                  string            `json:"image,omitempty"`
	User                   string            `json:"user"`
	ReadonlyRootFilesystem *bool             `json:"readonlyRootFilesystem,omitempty"`
	NotSecret              []string          `json:"notSecret,omitempty"`
	// Schedule is the service's sleep and wake, nil when it is always on.
	Schedule *ScheduleConfig `json:"schedule,omitempty"`
}

// HostServices describes a host's services for its previews.
func HostServices(services []ServiceConfig) map[string]HostService {
	out := map[string]HostService{}
	for _, s := range services {
		h := HostService{
			Port: s.Port, HealthCheckPath: s.HealthCheckPath, Paths: s.Paths, Priority: s.Priority,
			Architecture: s.Architecture, Environment: s.Environment, SecretNames: slices.Sorted(maps.Keys(s.Secrets)),
			Image: s.Image, User: s.User, ReadonlyRootFilesystem: s.ReadonlyRootFilesystem, NotSecret: s.NotSecret,
		}
		if s.Schedule != nil {
			h.Schedule = &ScheduleConfig{Sleep: s.Schedule.Sleep, Wake: s.Schedule.Wake, Timezone: s.Schedule.Timezone}
		}
		out[s.Name] = h
	}
	return out
}

// PreviewFileKeys are the keys a preview's stack file may set: the rest of a
// stack's configuration is its host's.
var PreviewFileKeys = []string{"aws:region", fullKey("previewOf"), fullKey("preview"), fullKey("tables")}

// CheckPreviewFileKeys refuses, in a preview's stack file, a key that belongs to
// its host. The program cannot tell them apart from Pulumi.yaml's defaults, so
// the plan, which reads the file, judges them.
func CheckPreviewFileKeys(keys []string) error {
	var errs []error
	for _, k := range slices.Sorted(slices.Values(keys)) {
		ns, _, _ := strings.Cut(k, ":")
		if slices.Contains(PreviewFileKeys, k) || ns == "pulumi" || (ns == "aws" && k != "aws:region") {
			continue
		}
		errs = append(errs, errorf(k, "is set in a preview's stack file; a preview takes it from the stack it previews and sets only %s", strings.Join(PreviewFileKeys, ", ")))
	}
	return errors.Join(errs...)
}

// IsPreview reports whether the stack is a preview of another.
func (c *Config) IsPreview() bool { return c.PreviewOf != "" }

// checkStackKind ties a stack's name to what it is: pr<number> names previews,
// and only them.
func (c *Config) checkStackKind(get func(string) (string, bool)) error {
	of, _ := get(fullKey("previewOf"))
	switch {
	case of == "" && naming.IsPreviewStack(c.Stack):
		return errorf("stack name", "%q is a preview's name (pr<number>); a preview's stack file sets fargo:previewOf to the stack it previews, and other stacks take other names", c.Stack)
	case of != "" && !naming.IsPreviewStack(c.Stack):
		return errorf(fullKey("previewOf"), "is set on stack %q; previews are named pr<number>, after their pull request (pr12)", c.Stack)
	}
	return nil
}

func (c *Config) parsePreviewOf(get func(string) (string, bool)) error {
	key := fullKey("previewOf")
	of, _ := get(key)
	switch {
	case !stackNamePattern.MatchString(of):
		return errorf(key, "%q is not a stack name; name the stack the preview runs beside, e.g. dev", of)
	case naming.IsPreviewStack(of):
		return errorf(key, "%q is a preview; a preview's host is a stack with fargo:previews, e.g. dev", of)
	}
	c.PreviewOf = of
	return nil
}

func (c *Config) parsePreview(get func(string) (string, bool)) error {
	key := fullKey("preview")
	p := PreviewConfig{LogRetentionDays: DefaultPreviewLogRetentionDays}
	if raw, ok := optionalObject(get, key); ok {
		if err := decodeStrict(key, raw, &p); err != nil {
			return err
		}
	}
	var errs []error
	if p.Port == 0 {
		errs = append(errs, errorf(key+".port", "is not set; the preview workflow sets it to a free port of the host's fargo:previews.ports"))
	}
	if !slices.Contains(logRetentionDays, p.LogRetentionDays) {
		errs = append(errs, errorf(key+".logRetentionDays", "%d is not allowed; CloudWatch Logs accepts %v", p.LogRetentionDays, logRetentionDays))
	}
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		k := key + ".services." + name
		s := p.Services[name]
		s.Cpu, s.Memory = cmp.Or(s.Cpu, DefaultPreviewCpu), cmp.Or(s.Memory, DefaultPreviewMemory)
		p.Services[name] = s
		errs = append(errs, checkFargateSize(k, s.Cpu, s.Memory), validateSecrets(k+".secrets", s.Secrets, s.Environment), checkSecretStacks(k+".secrets", c.Project, c.Stack, s.Secrets))
		// The tables' access is judged against the services the preview names.
		c.Services = append(c.Services, ServiceConfig{Name: name})
	}
	c.Preview = &p
	return errors.Join(errs...)
}

// parsePreviewTables reads a preview's own tables, whose access names the
// services the preview lists.
func (c *Config) parsePreviewTables(get func(string) (string, bool)) error {
	if _, ok := optionalObject(get, fullKey("tables")); ok && len(c.Services) == 0 {
		return errorf(fullKey("tables"), "is set, but fargo:preview.services lists no service; a preview with tables lists the services it runs, so that each table's access names one of them")
	}
	return c.parseTables(get)
}

// parsePreviews reads a host's fargo:previews.
func (c *Config) parsePreviews(get func(string) (string, bool)) error {
	key := fullKey("previews")
	p, err := decodeOptional(get, key, PreviewsConfig{})
	if p == nil || err != nil {
		return err
	}
	r, k := p.Ports, key+".ports"
	switch {
	case r.From < 1024 || r.To > 65535 || r.From > r.To:
		return errorf(k, "%s is not allowed; give {from, to} with 1024 <= from <= to <= 65535", r)
	case r.Size() > MaxListenersPerLoadBalancer-2:
		return errorf(k, "%s holds %d ports; a load balancer takes %d listeners, and the stack's own take up to 2: at most %d previews", r, r.Size(), MaxListenersPerLoadBalancer, MaxListenersPerLoadBalancer-2)
	}
	if p.Repository == "" && c.Github != nil {
		p.Repository = c.Github.Repository
	}
	if p.Repository != "" && !repoPattern.MatchString(p.Repository) {
		return errorf(key+".repository", "%q is not a GitHub repository like my-org/board", p.Repository)
	}
	c.Previews = p
	return nil
}

// checkPreviewRules refuses a port range whose previews, each with the host's
// path rules, would pass the load balancer's rule quota.
func (c *Config) checkPreviewRules() error {
	if c.Previews == nil {
		return nil
	}
	pathRules := 0
	for _, s := range c.Services {
		if !s.DefaultRoute() {
			pathRules++
		}
		if strings.HasPrefix(s.Name, PreviewRepositoryInfix) {
			return errorf(fullKey("services."+s.Name), "begins with %q, which names the previews' repositories of a stack with fargo:previews; rename the service", PreviewRepositoryInfix)
		}
	}
	size := c.Previews.Ports.Size()
	if c.Domain == nil {
		if n := pathRules * (size + 1); n > MaxRulesPerLoadBalancer {
			return errorf(fullKey("previews.ports"), "%s lets %d previews each add the stack's %d path rules: %d rules with the stack's own, and a load balancer takes %d; narrow the range to at most %d ports",
				c.Previews.Ports, size, pathRules, n, MaxRulesPerLoadBalancer, MaxRulesPerLoadBalancer/pathRules-1)
		}
		return c.checkPreviewTargetGroups()
	}
	// Under a domain a preview's port only redirects to its name, whose rules
	// on the HTTPS listener are the stack's path rules and its name's default.
	reserved := size * (pathRules + 1)
	if n := pathRules + reserved; n > MaxRulesPerLoadBalancer {
		return errorf(fullKey("previews.ports"), "%s lets %d previews each add %d rules for its name under %s (the stack's %d path rules and one): %d rules with the stack's own, and a load balancer takes %d; narrow the range to at most %d ports",
			c.Previews.Ports, size, pathRules+1, c.Domain.Name(), pathRules, n, MaxRulesPerLoadBalancer, (MaxRulesPerLoadBalancer-pathRules)/(pathRules+1))
	}
	var errs []error
	for _, s := range c.Services {
		// A preview's rule matches its name too, and a rule takes at most 5
		// condition values (load-balancer-limits.html, above).
		if n := len(s.Paths); n > MaxRuleConditionValues-1 {
			errs = append(errs, errorf(fullKey("services."+s.Name+".paths"), "holds %d patterns; under a domain each preview's rule adds its name to them, and a rule takes %d condition values: at most %d patterns",
				n, MaxRuleConditionValues, MaxRuleConditionValues-1))
		}
		if !s.DefaultRoute() && s.Priority <= reserved {
			errs = append(errs, errorf(fullKey("services."+s.Name+".priority"), "%d is taken by the previews: under a domain their %d ports' rules on the HTTPS listener take priorities 1 to %d, ahead of the stack's own; give %s a priority above %d",
				s.Priority, size, reserved, s.Name, reserved))
		}
	}
	return errors.Join(append(errs, c.checkPreviewTargetGroups())...)
}

// checkPreviewTargetGroups refuses a port range whose previews, each with a
// target group per service, would pass the load balancer's 100, which AWS
// does not raise.
func (c *Config) checkPreviewTargetGroups() error {
	size := c.Previews.Ports.Size()
	if n := len(c.Services) * (size + 1); n > MaxTargetGroupsPerLoadBalancer {
		return errorf(fullKey("previews.ports"), "%s lets %d previews each add a target group for each of the stack's %d services: %d with the stack's own, and a load balancer takes %d; narrow the range to at most %d ports",
			c.Previews.Ports, size, len(c.Services), n, MaxTargetGroupsPerLoadBalancer, MaxTargetGroupsPerLoadBalancer/len(c.Services)-1)
	}
	return nil
}

// ResolvePreview completes a preview's configuration from what its host tells
// it: the services it runs, each as the host runs it but sized, scaled and
// given secrets as the preview asks. Everything the preview asks of the host
// that the host does not have is refused, naming the key.
func (c *Config) ResolvePreview(host PreviewHost) error {
	key := fullKey("preview")
	var errs []error
	if host.Region != c.Region {
		errs = append(errs, errorf("aws:region", "%q is not the region of %s (%s); a preview runs beside its host", c.Region, c.PreviewOf, host.Region))
	}
	if host.SiteName != "" && host.HTTPSListenerArn == "" {
		errs = append(errs, errorf(fullKey("previewOf"), "%s has the site %s but exports no HTTPS listener for its previews; `pulumi up` %s with this fargo first", c.PreviewOf, host.SiteName, c.PreviewOf))
	}
	if !host.Ports.Contains(c.Preview.Port) {
		errs = append(errs, errorf(key+".port", "%d is not one of %s's preview ports %s (fargo:previews.ports in Pulumi.%s.yaml)", c.Preview.Port, c.PreviewOf, host.Ports, c.PreviewOf))
	}
	wanted := c.Preview.Services
	if len(wanted) == 0 {
		wanted = map[string]PreviewServiceConfig{}
		for name := range host.Services {
			wanted[name] = PreviewServiceConfig{Cpu: DefaultPreviewCpu, Memory: DefaultPreviewMemory}
		}
	}
	hostNames := slices.Sorted(maps.Keys(host.Services))
	var services []ServiceConfig
	for _, name := range slices.Sorted(maps.Keys(wanted)) {
		k := key + ".services." + name
		h, ok := host.Services[name]
		if !ok {
			errs = append(errs, errorf(k, "%s has no service %s; it runs %s", c.PreviewOf, name, strings.Join(hostNames, ", ")))
			continue
		}
		if h.Image == "" && host.RepositoryURLs[name] == "" {
			errs = append(errs, errorf(k, "%s has no previews' repository for %s; `pulumi up` %s with this fargo first", c.PreviewOf, name, c.PreviewOf))
		}
		s, err := c.previewService(k, name, h, wanted[name])
		errs = append(errs, err)
		services = append(services, s)
	}
	for _, name := range hostNames {
		if _, ok := wanted[name]; !ok && len(host.Services[name].Paths) == 0 {
			errs = append(errs, errorf(key+".services", "leaves out %s, which takes %s's default route; a preview runs it too", name, c.PreviewOf))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.Services = services
	c.Cluster = ClusterConfig{LogRetentionDays: c.Preview.LogRetentionDays, Capacity: CapacityConfig{}} // all on Spot
	return nil
}

// previewService is one host service as the preview runs it.
func (c *Config) previewService(k, name string, h HostService, p PreviewServiceConfig) (ServiceConfig, error) {
	var errs []error
	for _, secret := range h.SecretNames {
		if _, ok := p.Secrets[secret]; !ok {
			errs = append(errs, errorf(k+".secrets."+secret, "is not set; %s's %s reads %s from a secret, and a preview never reads its host's: give it its own, e.g. /%s-previews/%s",
				c.PreviewOf, name, secret, c.Project, strings.ToLower(strings.ReplaceAll(secret, "_", "-"))))
		}
	}
	env := maps.Clone(h.Environment)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, p.Environment)
	s := ServiceConfig{
		Name: name, Port: h.Port, Cpu: p.Cpu, Memory: p.Memory, Architecture: h.Architecture,
		Paths: h.Paths, Priority: h.Priority, HealthCheckPath: h.HealthCheckPath,
		MinTasks: 1, MaxTasks: 1, TargetCpuPercent: DefaultTargetCpuPercent, TargetMemoryPercent: DefaultTargetMemoryPercent,
		Environment: env, Secrets: p.Secrets, Image: h.Image, User: h.User,
		ReadonlyRootFilesystem: h.ReadonlyRootFilesystem, NotSecret: h.NotSecret,
	}
	errs = append(errs, validateEnvironment(k+".environment", env, h.NotSecret), checkTaskDefinitionSize(k, s, c.Region))
	if h.Schedule != nil {
		sched, err := newSchedule(fmt.Sprintf("%s's services.%s.schedule", c.PreviewOf, name), *h.Schedule, c.now)
		errs = append(errs, err)
		s.Schedule = sched
	}
	return s, errors.Join(errs...)
}
