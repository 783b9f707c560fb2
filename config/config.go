package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fargo-dev/fargo/internal/envname"
)

// Namespace is the Pulumi project name and so the namespace of every fargo config key.
const Namespace = "fargo"

// ConfigKeys lists every fargo config key the program reads, without the namespace.
// A stack file that sets any other fargo key is refused.
var ConfigKeys = []string{"network", "services", "registry", "cluster", "deletionProtection", "domain", "budget", "tables", "github", "schedule", "alarms", "previews", "previewOf", "preview"}

// NatMode is how private subnets reach the internet: fargo:network.nat.
type NatMode string

// NAT strategies accepted by fargo:network.nat.
const (
	NatNone     NatMode = "none"
	NatSingle   NatMode = "single"
	NatPerAz    NatMode = "perAz"
	NatInstance NatMode = "instance"
)

// NatModes lists every accepted fargo:network.nat value: the only list of them.
var NatModes = []NatMode{NatNone, NatSingle, NatPerAz, NatInstance}

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

// NetworkConfig is fargo:network.
type NetworkConfig struct {
	// Cidr is the VPC's IPv4 range.
	Cidr string `json:"cidr"`
	// AvailabilityZones is how many zones the VPC spans (at least 2, for the load balancer).
	AvailabilityZones int `json:"availabilityZones"`
	// Nat is none, single, perAz or instance.
	Nat NatMode `json:"nat"`
}

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

// RegistryConfig is fargo:registry.
type RegistryConfig struct {
	// UntaggedExpiryDays is how long an untagged image is kept.
	UntaggedExpiryDays int `json:"untaggedExpiryDays"`
	// KeepTagged is how many images are kept per repository, newest first (untagged
	// ones expire sooner, so in practice these are the tagged releases).
	KeepTagged int `json:"keepTagged"`
	// ImmutableTags forbids pushing an existing tag again.
	ImmutableTags *bool `json:"immutableTags"`
	// ForceDelete lets the stack be destroyed while the repositories hold images.
	ForceDelete bool `json:"forceDelete"`
}

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

// DomainConfig is fargo:domain.
type DomainConfig struct {
	// Zone is the hosted zone's domain, e.g. example.com.
	Zone string `json:"zone"`
	// Host is the site's label in the zone, e.g. www; empty for the apex.
	Host string `json:"host"`
	// CreateZone creates the hosted zone; otherwise an existing one is looked up.
	CreateZone bool `json:"createZone"`
}

// Name is the site's fully qualified domain name.
func (d DomainConfig) Name() string {
	if d.Host == "" {
		return d.Zone
	}
	return d.Host + "." + d.Zone
}

// BudgetConfig is fargo:budget.
type BudgetConfig struct {
	// MonthlyLimit is the monthly cost budget in USD.
	MonthlyLimit float64 `json:"monthlyLimit"`
	// Emails receive the alerts.
	Emails []string `json:"emails"`
}

// Defaults shared by the code and Pulumi.yaml (a test keeps the two in step).
const (
	DefaultCidr                = "10.0.0.0/16"
	DefaultAvailabilityZones   = 2
	DefaultPort                = 3000
	DefaultCpu                 = 512
	DefaultMemory              = 1024
	DefaultArchitecture        = "X86_64"
	DefaultHealthCheckPath     = "/"
	DefaultTargetCpuPercent    = 60
	DefaultTargetMemoryPercent = 75
	DefaultUser                = "1000"
	DefaultUntaggedExpiryDays  = 1
	DefaultKeepTagged          = 20
	DefaultLogRetentionDays    = 30
)

// AwsProviderKeys are the aws: keys the AWS provider reads (pulumi-aws v6.83.4's
// config package); fargo itself reads only aws:region.
var AwsProviderKeys = []string{
	"accessKey", "allowedAccountIds", "assumeRole", "assumeRoleWithWebIdentity", "customCaBundle", "defaultTags",
	"ec2MetadataServiceEndpoint", "ec2MetadataServiceEndpointMode", "endpoints", "forbiddenAccountIds", "httpProxy",
	"httpsProxy", "ignoreTags", "insecure", "maxRetries", "noProxy", "profile", "region", "retryMode",
	"s3UsEast1RegionalEndpoint", "s3UsePathStyle", "secretKey", "sharedConfigFiles", "sharedCredentialsFiles",
	"skipCredentialsValidation", "skipMetadataApiCheck", "skipRegionValidation", "skipRequestingAccountId",
	"stsRegion", "token", "tokenBucketRateLimiterCapacity", "useDualstackEndpoint", "useFipsEndpoint",
}

// CheckKeys refuses every fully qualified key that nothing reads: a fargo key the
// program does not know, an aws key the provider does not know, or a namespace
// that is neither (pulumi: keys are Pulumi's own). A typo must not fall back to a
// default silently; where one known key is close, the error suggests it.
func CheckKeys(keys []string) error {
	known := map[string][]string{Namespace: ConfigKeys, "aws": AwsProviderKeys}
	var all []string
	for ns, names := range known {
		for _, n := range names {
			all = append(all, ns+":"+n)
		}
	}
	var errs []error
	for _, k := range slices.Sorted(slices.Values(keys)) {
		ns, name, namespaced := strings.Cut(k, ":")
		switch names, ok := known[ns]; {
		case !namespaced:
			// As `pulumi up` does: the CLI reads a stack file's keys as
			// <namespace>:<name> and cannot parse one without a namespace
			// (ParseKey, sdk/go/common/resource/config/key.go).
			errs = append(errs, errorf(k, "is not namespaced; Pulumi refuses a stack file key without one (could not parse %s as a configuration key): write %s", k, withNamespace(k)))
		case ns == "pulumi" || (ok && slices.Contains(names, name)):
			continue
		case ok:
			var list []string
			for _, n := range names {
				list = append(list, ns+":"+n)
			}
			msg := "unknown key" + didYouMean(k, all) + "; "
			if ns == Namespace {
				msg += "fargo reads " + strings.Join(list, ", ")
			} else {
				msg += "the AWS provider reads " + strings.Join(list, ", ")
			}
			errs = append(errs, errorf(k, "%s", msg))
		default:
			errs = append(errs, errorf(k, "unknown namespace %q%s; keys are fargo:<key> (fargo's own), aws:<key> (the AWS provider's) or pulumi:<key>", ns, didYouMean(k, all)))
		}
	}
	return errors.Join(errs...)
}

// withNamespace is the key a name written without a namespace most likely meant:
// fargo's own, or the AWS provider's when only it reads that name (region).
func withNamespace(name string) string {
	if !slices.Contains(ConfigKeys, name) && slices.Contains(AwsProviderKeys, name) {
		return "aws:" + name
	}
	return fullKey(name)
}

// CLIKeys lists the keys in the Pulumi CLI's PULUMI_CONFIG, a JSON object of every
// configuration value it hands the program.
func CLIKeys(pulumiConfig string) []string {
	var cfg map[string]json.RawMessage
	if json.Unmarshal([]byte(pulumiConfig), &cfg) != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(cfg))
}

// didYouMean names the one candidate within two edits of s, if there is one.
func didYouMean(s string, candidates []string) string {
	var close []string
	for _, c := range candidates {
		if editDistance(strings.ToLower(s), strings.ToLower(c)) <= 2 {
			close = append(close, c)
		}
	}
	if len(close) != 1 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", close[0])
}

// editDistance is the Levenshtein distance between two strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// ConfigError is a configuration value the program refuses.
type ConfigError struct {
	// Key is the full config key and path, e.g. fargo:services.backend.cpu.
	Key string
	// Msg says what is wrong and what is allowed.
	Msg string
}

// Error reads "key: message", the one line the user sees.
func (e *ConfigError) Error() string { return e.Key + ": " + e.Msg }

// ConfigErrors lists every ConfigError in err, which ParseConfig joins so that a
// stack file's mistakes are reported all at once.
func ConfigErrors(err error) []*ConfigError {
	var out []*ConfigError
	var walk func(error)
	walk = func(e error) {
		switch u := e.(type) {
		case nil:
		case *ConfigError:
			out = append(out, u)
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

func errorf(key, format string, args ...any) error {
	return &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)}
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

// decodeStrict decodes one JSON object into out, refusing unknown keys and naming
// the key path on type errors.
func decodeStrict(key, raw string, out any) error {
	if err := checkKeys(key, json.RawMessage(raw), reflect.TypeOf(out)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return describeJSONError(key, raw, out, err)
	}
	if dec.More() {
		return errorf(key, "holds more than one value; expected a single object")
	}
	return nil
}

// checkKeys refuses keys a struct does not declare, exactly as spelled (encoding/json
// alone would accept "Nat" for "nat"), at any depth, naming the key's path.
func checkKeys(key string, raw json.RawMessage, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil // not an object: the decoder reports the type error
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = t.Field(i).Type
			}
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, ok := fields[k]
			if !ok {
				return errorf(key, "unknown key %q; allowed keys: %s", k, strings.Join(jsonFields(reflect.New(t).Interface()), ", "))
			}
			if err := checkKeys(key+"."+k, obj[k], ft); err != nil {
				return err
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			for _, k := range slices.Sorted(maps.Keys(obj)) {
				if err := checkKeys(key+"."+k, obj[k], t.Elem()); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) == nil {
			for i, v := range arr {
				if err := checkKeys(fmt.Sprintf("%s[%d]", key, i), v, t.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func describeJSONError(key, raw string, out any, err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		k := key
		if typeErr.Field != "" {
			k = key + "." + typeErr.Field
		}
		return errorf(k, "is a %s, expected %s", jsonKind(typeErr.Value), goKind(typeErr.Type))
	case errors.As(err, &syntaxErr):
		return errorf(key, "is not a valid object (%v); got %s", err, clip(raw))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return errorf(key, "unknown key %s; allowed keys: %s", field, strings.Join(jsonFields(out), ", "))
	default:
		return errorf(key, "cannot be read: %v", err)
	}
}

func jsonKind(v string) string {
	switch {
	case v == "bool":
		return "boolean"
	case v == "array":
		return "list"
	case v == "object":
		return "map"
	case strings.HasPrefix(v, "number "):
		return "number (" + strings.TrimPrefix(v, "number ") + ")"
	}
	return v
}

func goKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a map of keys"
	}
	return t.String()
}

// jsonFields lists the JSON keys a struct accepts.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

func (c *Config) parseNetwork(get func(string) (string, bool)) error {
	key := fullKey("network")
	n := NetworkConfig{Cidr: DefaultCidr, AvailabilityZones: DefaultAvailabilityZones, Nat: NatNone}
	var errs []error
	if raw, ok := get(key); ok {
		if err := decodeStrict(key, raw, &n); err != nil {
			return err
		}
	}
	ip, ipnet, err := net.ParseCIDR(n.Cidr)
	if err != nil || ip.To4() == nil {
		return errorf(key+".cidr", "%q is not an IPv4 CIDR block like 10.0.0.0/16", n.Cidr)
	}
	if !ip.Equal(ipnet.IP) {
		errs = append(errs, errorf(key+".cidr", "%q has host bits set; did you mean %s?", n.Cidr, ipnet))
	}
	if ones, _ := ipnet.Mask.Size(); ones < minVpcPrefix || ones > maxVpcPrefix {
		errs = append(errs, errorf(key+".cidr", "%q is a /%d; allowed sizes are /%d to /%d (AWS allows at most /16, and the address plan cuts the VPC into 16 equal subnet slots, so a /%d leaves /%d subnets)",
			n.Cidr, ones, minVpcPrefix, maxVpcPrefix, maxVpcPrefix, maxVpcPrefix+subnetSlotBits))
	}
	if !ip.IsPrivate() {
		errs = append(errs, errorf(key+".cidr", "%q is not a private range; use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", n.Cidr))
	}
	if n.AvailabilityZones < 2 || n.AvailabilityZones > MaxAvailabilityZones {
		errs = append(errs, errorf(key+".availabilityZones", "%d is not allowed; use 2 to %d (an Application Load Balancer needs at least 2, and the address plan has room for %d)",
			n.AvailabilityZones, MaxAvailabilityZones, MaxAvailabilityZones))
	}
	if !slices.Contains(NatModes, n.Nat) {
		errs = append(errs, errorf(key+".nat", "%q is not allowed; use none (tasks in public subnets, no NAT), single (one NAT gateway), perAz (one NAT gateway per zone) or instance (one NAT instance)", n.Nat))
	}
	c.Network = n
	return errors.Join(errs...)
}

var (
	serviceNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,14}[a-z0-9]$`)
	envNamePattern     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	pathPattern        = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~"'@:+&*?]*$`)
	userPattern        = regexp.MustCompile(`^[0-9]+(:[0-9]+)?$`)
)

// fargatePairs maps each Fargate CPU size to its allowed memory sizes in MiB.
var fargatePairs = map[int][]int{
	256:   {512, 1024, 2048},
	512:   memoryRange(1024, 4096, 1024),
	1024:  memoryRange(2048, 8192, 1024),
	2048:  memoryRange(4096, 16384, 1024),
	4096:  memoryRange(8192, 30720, 1024),
	8192:  memoryRange(16384, 61440, 4096),
	16384: memoryRange(32768, 122880, 8192),
}

func memoryRange(from, to, step int) []int {
	var out []int
	for m := from; m <= to; m += step {
		out = append(out, m)
	}
	return out
}

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
	mems, ok := fargatePairs[s.Cpu]
	if !ok {
		errs = append(errs, errorf(k+".cpu", "%d is not a Fargate CPU size; use 256, 512, 1024, 2048, 4096, 8192 or 16384", s.Cpu))
	} else if !slices.Contains(mems, s.Memory) {
		errs = append(errs, errorf(k+".memory", "%d MiB is not allowed with cpu %d; Fargate allows %s", s.Memory, s.Cpu, describeMemory(mems)))
	}
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

func describeMemory(mems []int) string {
	if len(mems) <= 3 {
		parts := make([]string, len(mems))
		for i, m := range mems {
			parts[i] = strconv.Itoa(m)
		}
		return strings.Join(parts, ", ") + " MiB"
	}
	return fmt.Sprintf("%d to %d MiB in steps of %d", mems[0], mems[len(mems)-1], mems[1]-mems[0])
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

func (c *Config) parseRegistry(get func(string) (string, bool)) error {
	key := fullKey("registry")
	r := RegistryConfig{UntaggedExpiryDays: DefaultUntaggedExpiryDays, KeepTagged: DefaultKeepTagged}
	var errs []error
	if raw, ok := get(key); ok {
		if err := decodeStrict(key, raw, &r); err != nil {
			return err
		}
	}
	if r.UntaggedExpiryDays < 1 || r.UntaggedExpiryDays > 3650 {
		errs = append(errs, errorf(key+".untaggedExpiryDays", "%d is not allowed; use 1 to 3650", r.UntaggedExpiryDays))
	}
	if r.KeepTagged < 1 || r.KeepTagged > 10000 {
		errs = append(errs, errorf(key+".keepTagged", "%d is not allowed; keep 1 to 10000 tagged images", r.KeepTagged))
	}
	if r.ImmutableTags == nil {
		t := true
		r.ImmutableTags = &t
	}
	c.Registry = r
	return errors.Join(errs...)
}

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

// optionalObject returns the raw value of an optional object key, or false when
// the key is unset or an empty object (Pulumi.yaml's default, meaning "off").
func optionalObject(get func(string) (string, bool), key string) (string, bool) {
	raw, ok := get(key)
	if !ok {
		return "", false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &obj) == nil && len(obj) == 0 {
		return "", false
	}
	return raw, true
}

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

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func validDNSName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if !dnsLabel.MatchString(label) {
			return false
		}
	}
	return true
}

// MaxCertificateName is the longest domain name ACM takes as a certificate's
// common name.
const MaxCertificateName = 64

func (c *Config) parseDomain(get func(string) (string, bool)) error {
	key := fullKey("domain")
	raw, ok := optionalObject(get, key)
	if !ok {
		return nil
	}
	var d DomainConfig
	if err := decodeStrict(key, raw, &d); err != nil {
		return err
	}
	var errs []error
	d.Zone = strings.TrimSuffix(d.Zone, ".")
	if !validDNSName(d.Zone) || !strings.Contains(d.Zone, ".") {
		errs = append(errs, errorf(key+".zone", "%q is not a domain name like example.com (lowercase letters, digits, hyphens and dots)", d.Zone))
	}
	if d.Host != "" && (strings.Contains(d.Host, ".") || !dnsLabel.MatchString(d.Host)) {
		errs = append(errs, errorf(key+".host", "%q is not a single DNS label like www; leave it empty for the zone's apex", d.Host))
	}
	// The name becomes the certificate's common name, which ACM caps at 64
	// characters, periods included (RequestCertificate's DomainName, after RFC 5280:
	// https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html).
	if n := d.Name(); len(n) > MaxCertificateName {
		errs = append(errs, errorf(key, "%q is %d characters; it becomes the certificate's common name, which ACM caps at %d: choose a shorter host or zone", n, len(n), MaxCertificateName))
	}
	c.Domain = &d
	return errors.Join(errs...)
}

// wholeCents reports whether an amount of dollars has at most 2 decimals.
func wholeCents(usd float64) bool {
	return math.Abs(usd*100-math.Round(usd*100)) < 1e-6
}

func (c *Config) parseBudget(get func(string) (string, bool)) error {
	key := fullKey("budget")
	raw, ok := optionalObject(get, key)
	if !ok {
		return nil
	}
	var b BudgetConfig
	if err := decodeStrict(key, raw, &b); err != nil {
		return err
	}
	errs := []error{checkEmails(key+".emails", b.Emails, 10, "give 1 to 10 (AWS Budgets' limit per alert)")}
	switch {
	case b.MonthlyLimit <= 0 || b.MonthlyLimit > 1_000_000:
		errs = append(errs, errorf(key+".monthlyLimit", "%v is not allowed; give a monthly amount in USD above 0 and at most 1000000", b.MonthlyLimit))
	case !wholeCents(b.MonthlyLimit):
		// The budget's limit is written in whole cents (infra/budget.go formats
		// AWS Budgets' Spend amount with 2 decimals), so a finer amount would be
		// rounded to one nobody asked for: 0.004 even to 0.00, which is refused above.
		errs = append(errs, errorf(key+".monthlyLimit", "%v has more than 2 decimals; give USD in whole cents, e.g. %.2f", b.MonthlyLimit, math.Ceil(b.MonthlyLimit*100)/100))
	}
	c.Budget = &b
	return errors.Join(errs...)
}
