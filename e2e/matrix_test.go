package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
)

// The configuration matrix: stack files a team would write, derived at test
// time from the shipped ones by the edits below (never written by hand), each
// deployed fresh on its own emulator and backend, beside the shipped stacks.
// Each NAT mode meets both zone counts across the matrix and the shipped files
// (the NAT layout depends on both), and every value of matrixValues appears in
// at least one stack.

// matrixStack is one derived stack file.
type matrixStack struct {
	// name is the stack's name.
	name string
	// from is the shipped stack file it is derived from.
	from string
	// edits change the derived file's config, in order.
	edits []stackEdit
}

// stackEdit changes a stack file's config; stack is the derived stack's name.
type stackEdit func(cfg map[string]any, stack string)

// matrixStacks are the matrix's stack files. The shipped files hold nat none
// (dev) and single (prod), both over 2 zones.
func matrixStacks() []matrixStack {
	return []matrixStack{
		{"none3", "dev", []stackEdit{network(config.NatNone, 3), oneService("web"), without("fargo:tables"), without("fargo:github"), without("fargo:schedule")}},
		{"single3", "prod", []stackEdit{network(config.NatSingle, 3), unprotected, fourServices, ownSecrets,
			domain("example.net", "app", false), alarms(10, "alerts@example.net", "oncall@example.net")}},
		{"peraz2", "dev", []stackEdit{network(config.NatPerAz, 2), ownSecrets, domain("example.org", "dev", true), schedule(false, "frontend", map[string]any{"alwaysOn": true})}},
		{"peraz3", "prod", []stackEdit{network(config.NatPerAz, 3), unprotected, ownSecrets, without("fargo:github")}},
		{"instance2", "dev", []stackEdit{network(config.NatInstance, 2), ownSecrets, without("fargo:github"), alarms(20, "dev@example.org"),
			schedule(true, "backend", map[string]any{"wake": dailyCron(-30 * time.Minute)})}},
		{"instance3", "prod", []stackEdit{network(config.NatInstance, 3), unprotected, fourServices, ownSecrets, without("fargo:tables"),
			without("fargo:domain"), without("fargo:alarms"), without("fargo:budget")}},
	}
}

func network(nat config.NatMode, zones int) stackEdit {
	return func(cfg map[string]any, _ string) {
		n := cfg["fargo:network"].(map[string]any)
		n["nat"], n["availabilityZones"] = string(nat), zones
	}
}

func without(key string) stackEdit {
	return func(cfg map[string]any, _ string) { delete(cfg, key) }
}

// unprotected lets a prod-derived stack be destroyed without the README's
// procedure (prod/protected proves that procedure).
func unprotected(cfg map[string]any, _ string) { cfg["fargo:deletionProtection"] = false }

// oneService keeps only the service on the default route, renamed.
func oneService(name string) stackEdit {
	return func(cfg map[string]any, _ string) {
		services := cfg["fargo:services"].(map[string]any)
		cfg["fargo:services"] = map[string]any{name: services["frontend"]}
	}
}

// fourServices adds two services beside frontend and backend, one on ARM64.
func fourServices(cfg map[string]any, _ string) {
	services := cfg["fargo:services"].(map[string]any)
	services["admin"] = map[string]any{"port": 8080, "cpu": 256, "memory": 512, "architecture": "ARM64",
		"paths": []any{"/admin/*"}, "priority": 200, "healthCheckPath": "/admin/health", "minTasks": 1, "maxTasks": 2}
	services["reports"] = map[string]any{"port": 3000, "cpu": 1024, "memory": 2048,
		"paths": []any{"/reports", "/reports/*"}, "priority": 300, "healthCheckPath": "/reports/health", "minTasks": 1, "maxTasks": 3}
}

// ownSecrets points each secret at the derived stack's own parameters, as a
// team's stack file names its own.
func ownSecrets(cfg map[string]any, stack string) {
	for _, svc := range cfg["fargo:services"].(map[string]any) {
		secrets, _ := svc.(map[string]any)["secrets"].(map[string]any)
		for name, param := range secrets {
			parts := strings.Split(param.(string), "/")
			secrets[name] = "/fargo/" + stack + "/" + parts[len(parts)-1]
		}
	}
}

func domain(zone, host string, createZone bool) stackEdit {
	return func(cfg map[string]any, _ string) {
		cfg["fargo:domain"] = map[string]any{"zone": zone, "host": host, "createZone": createZone}
	}
}

func alarms(errorRatePercent int, emails ...string) stackEdit {
	return func(cfg map[string]any, _ string) {
		cfg["fargo:alarms"] = map[string]any{"emails": toAny(emails), "errorRatePercent": errorRatePercent, "evaluationMinutes": 2}
	}
}

// schedule gives the stack a daily UTC schedule that has it asleep (or awake)
// now, hours from any change, and one service its own override.
func schedule(asleep bool, service string, override map[string]any) stackEdit {
	return func(cfg map[string]any, _ string) {
		past, future := dailyCron(-time.Hour), dailyCron(2*time.Hour)
		sleep, wake := future, past
		if asleep {
			sleep, wake = past, future
		}
		cfg["fargo:schedule"] = map[string]any{"sleep": sleep, "wake": wake, "timezone": "UTC"}
		cfg["fargo:services"].(map[string]any)[service].(map[string]any)["schedule"] = override
	}
}

// dailyCron is a daily UTC cron expression at now+d.
func dailyCron(d time.Duration) string {
	at := time.Now().UTC().Add(d)
	return fmt.Sprintf("cron(%d %d * * ? *)", at.Minute(), at.Hour())
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// writeMatrixStack writes a matrix stack's file into dir, from dir's copy of
// the shipped file it derives from.
func writeMatrixStack(t *testing.T, dir string, m matrixStack) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "Pulumi."+m.from+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "Pulumi."+m.name+".yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	editStackConfig(t, path, func(cfg map[string]any) {
		for _, edit := range m.edits {
			edit(cfg, m.name)
		}
	})
	if data, err = os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	header := fmt.Sprintf("# Written by the end-to-end suite (e2e/matrix_test.go) from Pulumi.%s.yaml; never edited by hand.\n", m.from)
	if err := os.WriteFile(path, append([]byte(header), data...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// matrixValue is one value the matrix must hold, and how to see it in a
// stack's parsed config.
type matrixValue struct {
	name string
	in   func(c *config.Config) bool
}

// matrixValues are the values some matrix stack must hold: the configuration
// space a team's stack files span.
var matrixValues = func() []matrixValue {
	var values []matrixValue
	for _, nat := range config.NatModes {
		for _, zones := range []int{2, 3} {
			values = append(values, matrixValue{fmt.Sprintf("nat %s over %d zones", nat, zones), func(c *config.Config) bool {
				return c.Network.Nat == nat && c.Network.AvailabilityZones == zones
			}})
		}
	}
	return append(values,
		matrixValue{"a domain in a zone the stack creates", func(c *config.Config) bool { return c.Domain != nil && c.Domain.CreateZone }},
		matrixValue{"a domain in a zone the account already has", func(c *config.Config) bool { return c.Domain != nil && !c.Domain.CreateZone }},
		matrixValue{"no domain", func(c *config.Config) bool { return c.Domain == nil }},
		matrixValue{"one service, on the default route", func(c *config.Config) bool { return len(c.Services) == 1 && c.Services[0].DefaultRoute() }},
		matrixValue{"four services, one on ARM64", func(c *config.Config) bool {
			return len(c.Services) == 4 && slices.ContainsFunc(c.Services, func(s config.ServiceConfig) bool { return s.Architecture == "ARM64" })
		}},
		matrixValue{"alarms on", func(c *config.Config) bool { return c.Alarms != nil }},
		matrixValue{"alarms off", func(c *config.Config) bool { return c.Alarms == nil }},
		matrixValue{"a schedule", func(c *config.Config) bool { return c.Schedule != nil }},
		matrixValue{"no schedule", func(c *config.Config) bool { return c.Schedule == nil }},
		matrixValue{"a service's own schedule override", func(c *config.Config) bool {
			return slices.ContainsFunc(c.Services, func(s config.ServiceConfig) bool { return s.ScheduleOverride != nil })
		}},
		matrixValue{"no tables", func(c *config.Config) bool { return len(c.Tables) == 0 }},
		matrixValue{"no fargo:github", func(c *config.Config) bool { return c.Github == nil }},
	)
}()

// matrixCoverage maps each matrix value to the stacks (of configs) holding it.
func matrixCoverage(configs map[string]*config.Config) map[string][]string {
	coverage := map[string][]string{}
	for _, v := range matrixValues {
		coverage[v.name] = []string{}
		for name, c := range configs {
			if v.in(c) {
				coverage[v.name] = append(coverage[v.name], name)
			}
		}
		sort.Strings(coverage[v.name])
	}
	return coverage
}

// sideParallelism is how many side lines (the matrix's stacks and the other
// scenarios on an account of their own) run at once beside the shipped stacks'
// scenarios: FARGO_E2E_SIDE_PARALLEL, default 2.
func sideParallelism(t *testing.T) int {
	v := os.Getenv("FARGO_E2E_SIDE_PARALLEL")
	if v == "" {
		return 2
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("FARGO_E2E_SIDE_PARALLEL=%q: give a whole number from 1", v)
	}
	return n
}

// sideLine is a scenario that needs an account and a backend of its own: it
// runs on its own emulator, beside the shipped stacks' scenarios.
type sideLine struct {
	name string
	run  func(t *testing.T, s *suite)
}

// matrixLines are the matrix's stacks as side lines; each records the config it
// deployed in configs, for the report's coverage.
func matrixLines(configs map[string]*config.Config, mu *sync.Mutex) []sideLine {
	var lines []sideLine
	for _, m := range matrixStacks() {
		lines = append(lines, sideLine{"matrix/" + m.name, func(t *testing.T, s *suite) {
			cfg := s.matrixStack(t, m)
			mu.Lock()
			defer mu.Unlock()
			configs[m.name] = cfg
		}})
	}
	return lines
}

// runSideLines starts the side lines (the configuration matrix, and the
// scenarios of lines) beside the caller and returns a function that waits for
// them. Each is one subtest and one entry of the report.
func (s *suite) runSideLines(t *testing.T, tools *tools, root string, lines ...sideLine) (wait func()) {
	var mu sync.Mutex
	configs := map[string]*config.Config{}
	lines = append(append(matrixLines(configs, &mu), faultLines()...), lines...)
	slots := make(chan struct{}, sideParallelism(t))
	var wg sync.WaitGroup
	for _, line := range lines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			start := time.Now()
			ran := false
			var ls *suite
			ok := t.Run(line.name, func(t *testing.T) {
				ran = true
				ls = newSuite(t, tools, filepath.Join(root, strings.ReplaceAll(line.name, "/", "-")))
				line.run(t, ls)
				ls.checkTypeWarnings(t)
			})
			if !ran { // filtered out by -run
				return
			}
			result := scenarioResult{Name: line.name, Passed: ok, Seconds: time.Since(start).Round(100 * time.Millisecond).Seconds()}
			if ls == nil { // its emulator or project did not start
				s.record(result)
				return
			}
			result.Detail = strings.Join(ls.details[t.Name()+"/"+line.name], "; ")
			s.record(result)
			for stack, n := range ls.report.Resources {
				key := line.name
				if len(ls.report.Resources) > 1 {
					key += " " + stack
				}
				s.recordResources(key, n)
			}
		}()
	}
	var once sync.Once
	return func() { once.Do(func() { s.finishSideLines(t, &wg, configs) }) }
}

// finishSideLines waits for the side lines and reports the matrix's coverage.
func (s *suite) finishSideLines(t *testing.T, wg *sync.WaitGroup, configs map[string]*config.Config) {
	wg.Wait()
	if len(configs) == 0 {
		return
	}
	// The shipped stack files count too, as they were before any scenario edited them.
	shipped := &suite{project: &project{dir: ".."}}
	for _, stack := range []string{"dev", "prod"} {
		configs[stack] = shipped.stackConfig(t, stack)
	}
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	s.report.Coverage = matrixCoverage(configs)
}

// matrixStack deploys one matrix stack fresh, compares it with its offline plan,
// judges it against its stack file, reads it back (refresh, then up) expecting
// no change, destroys it and looks for anything it left in the account.
func (s *suite) matrixStack(t *testing.T, m matrixStack) *config.Config {
	writeMatrixStack(t, s.project.dir, m)
	cfg := s.stackConfig(t, m.name)
	s.accountSetup(t, cfg)

	start := time.Now()
	s.up(t, m.name)
	upTime := time.Since(start)
	n := s.matchesPlan(t, m.name, s.export(t, m.name))
	s.recordResources(m.name, n)
	s.note(t, "up in %.0f s: %d resources, the offline plan's, priced and checked alike", upTime.Seconds(), n)
	s.note(t, "%s", s.judgeStack(t, m.name))

	start = time.Now()
	st := s.stack(t, m.name)
	ref, err := st.Refresh(s.ctx, optrefresh.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Summary.ResourceChanges == nil {
		t.Fatal("the refresh reports no resources")
	}
	expectOnlySame(t, "refresh after the first up", *ref.Summary.ResourceChanges)
	pre, err := st.Preview(s.ctx, optpreview.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	expectOnlySame(t, "preview after the refresh", pre.ChangeSummary)
	again := s.up(t, m.name)
	expectOnlySame(t, "second up", *again.Summary.ResourceChanges)
	s.note(t, "refresh, preview and a second up in %.0f s: %d unchanged", time.Since(start).Seconds(), (*again.Summary.ResourceChanges)["same"])
	if cfg.Previews != nil && cfg.Domain != nil {
		s.previewUnderDomain(t, m.name, cfg)
	}

	start = time.Now()
	var res auto.DestroyResult
	s.operation(t, m.name, false, func() {
		res, err = st.Destroy(s.ctx, optdestroy.RunProgram(true), optdestroy.ProgressStreams(s.project.logs))
	})
	if err != nil {
		t.Fatalf("destroy %s: %v", m.name, err)
	}
	if left := s.leftovers(t, m.name); len(left) > 0 {
		t.Errorf("%s left behind: %v", m.name, left)
	}
	s.note(t, "destroyed in %.0f s: %v, nothing of it left in the account", time.Since(start).Seconds(), *res.Summary.ResourceChanges)
	return cfg
}

// accountSetup does what the README asks of an administrator before a stack's
// first up, for what its stack file names: the account's GitHub OIDC provider,
// the secrets its services read, and an existing hosted zone.
func (s *suite) accountSetup(t *testing.T, cfg *config.Config) {
	t.Helper()
	if cfg.Github != nil && !cfg.Github.CreateOidcProvider {
		s.createOidcProvider(t)
	}
	for _, svc := range cfg.Services {
		for _, param := range svc.Secrets {
			s.aws(t, "ssm", "put-parameter", "--name", param, "--type", "SecureString", "--value", "e2e", "--overwrite")
		}
	}
	if cfg.Domain != nil && !cfg.Domain.CreateZone {
		s.aws(t, "route53", "create-hosted-zone", "--name", cfg.Domain.Zone, "--caller-reference", "e2e-"+cfg.Stack)
	}
}

// TestMatrixCoversTheConfigurations checks, offline, that the matrix's stack
// files parse and hold every value of matrixValues, and that each NAT mode
// meets both zone counts across the matrix and the shipped stacks.
func TestMatrixCoversTheConfigurations(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := &suite{project: &project{dir: dir}}
	configs := map[string]*config.Config{}
	for _, m := range matrixStacks() {
		writeMatrixStack(t, dir, m)
		configs[m.name] = s.stackConfig(t, m.name)
	}
	for name, stacks := range matrixCoverage(configs) {
		t.Logf("%s: %v", name, stacks)
		if len(stacks) == 0 && !strings.HasPrefix(name, "nat ") {
			t.Errorf("no matrix stack holds %s", name)
		}
	}
	configs["dev"], configs["prod"] = s.stackConfig(t, "dev"), s.stackConfig(t, "prod")
	for name, stacks := range matrixCoverage(configs) {
		if strings.HasPrefix(name, "nat ") && len(stacks) == 0 {
			t.Errorf("no stack, matrix or shipped, holds %s", name)
		}
	}
	// The literal expectations the matrix is built to meet.
	for stack, want := range map[string]string{"none3": "none 3", "single3": "single 3", "peraz2": "perAz 2", "peraz3": "perAz 3", "instance2": "instance 2", "instance3": "instance 3", "dev": "none 2", "prod": "single 2"} {
		c := configs[stack]
		if got := fmt.Sprintf("%s %d", c.Network.Nat, c.Network.AvailabilityZones); got != want {
			t.Errorf("%s: nat and zones %q, want %q", stack, got, want)
		}
	}
	if got := serviceNames(configs["none3"]); !slices.Equal(got, []string{"web"}) {
		t.Errorf("none3's services are %v, want [web]", got)
	}
	if got := serviceNames(configs["single3"]); !slices.Equal(got, []string{"admin", "backend", "frontend", "reports"}) {
		t.Errorf("single3's services are %v", got)
	}
}
