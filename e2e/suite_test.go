package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/internal/naming"
	"github.com/fargo-dev/fargo/plan"
	"github.com/fargo-dev/fargo/plan/mocks"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// scenarioResult is one line of the report FARGO_E2E_REPORT asks for.
type scenarioResult struct {
	Name    string  `json:"name"`
	Passed  bool    `json:"passed"`
	Seconds float64 `json:"seconds"`
	Detail  string  `json:"detail"`
}

type report struct {
	Scenarios []scenarioResult `json:"scenarios"`
	Resources map[string]int   `json:"resources"`
	// Coverage maps each value the configuration matrix must hold to the
	// stacks that held it: the matrix's, and the shipped dev and prod.
	Coverage map[string][]string `json:"coverage,omitempty"`
}

// suite is the state the ordered scenarios share: one emulator, one project.
type suite struct {
	t       *testing.T
	ctx     context.Context
	project *project
	stacks  map[string]*auto.Stack
	report  *report
	// reportMu guards report, which the matrix's stacks write beside.
	reportMu *sync.Mutex
	details  map[string][]string
	// prod holds prod's names while it ran beside dev, for ci/roles.
	prod prodNames
	// admin records what each stack's own operations called, for ci/roles.
	admin adminCalls
	// previewMarks bound the call log's lines of the previews' lifecycle
	// (pr/open to pr/close), which the previews role is judged on.
	previewMarks [][2]int
}

// adminCalls are the emulator calls each stack's operations made (up, destroy),
// as ranges of the call log, and the tags of every resource the stacks held.
type adminCalls struct {
	ranges map[string][][2]int
	// tags maps a resource's id and ARN to its tags.
	tags map[string]map[string]string
	// scalableTargets maps a scaling target's resource id to its ARN.
	scalableTargets map[string]string
	// associations maps an association's id to what IAM authorizes its
	// disassociation against: a route table association's route table and
	// subnet, an address association's address.
	associations map[string][]string
}

// operation runs one operation of a stack's administrator and records its calls
// and, after an up, the tags of what the stack then holds.
func (s *suite) operation(t *testing.T, stack string, remember bool, fn func()) {
	t.Helper()
	log := callLog{s.project.moto.calls}
	from := log.mark(t)
	defer func() {
		s.admin.ranges[stack] = append(s.admin.ranges[stack], [2]int{from, log.mark(t)})
	}()
	fn()
	if !remember {
		return
	}
	exp := s.export(t, stack)
	for _, r := range exp.Deployment.Resources {
		tags := map[string]string{}
		if m, ok := r.Outputs["tagsAll"].(map[string]any); ok {
			for k, v := range m {
				tags[k] = fmt.Sprint(v)
			}
		}
		if len(tags) == 0 {
			continue
		}
		for _, key := range []string{string(r.ID), fmt.Sprint(r.Outputs["arn"])} {
			if key != "" && key != "<nil>" {
				s.admin.tags[key] = tags
			}
		}
		if r.Type == "aws:appautoscaling/target:Target" {
			s.admin.scalableTargets[fmt.Sprint(r.Outputs["resourceId"])] = fmt.Sprint(r.Outputs["arn"])
		}
	}
	for _, r := range exp.Resources("aws:ec2/routeTableAssociation:RouteTableAssociation") {
		s.admin.associations[string(r.ID)] = []string{r.String("routeTableId"), r.String("subnetId")}
	}
	// An address's association (a NAT gateway's, once a refresh has read it)
	// is authorized on the address.
	for _, r := range exp.Resources("aws:ec2/eip:Eip") {
		if id := r.String("associationId"); id != "" {
			s.admin.associations[id] = []string{string(r.ID)}
		}
	}
}

// note adds a line to the current scenario's detail in the report.
func (s *suite) note(t *testing.T, format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	s.details[t.Name()] = append(s.details[t.Name()], line)
}

// scenario runs one named scenario, records it, and reports whether it passed.
func (s *suite) scenario(name string, fn func(t *testing.T)) bool {
	start := time.Now()
	ran := false
	ok := s.t.Run(name, func(t *testing.T) { ran = true; fn(t) })
	if !ran { // filtered out by -run
		return ok
	}
	full := s.t.Name() + "/" + name
	s.record(scenarioResult{
		Name: name, Passed: ok, Seconds: time.Since(start).Round(100 * time.Millisecond).Seconds(),
		Detail: strings.Join(s.details[full], "; "),
	})
	return ok
}

// record adds a scenario's result to the report, which the matrix's stacks
// share with the shipped stacks' scenarios.
func (s *suite) record(r scenarioResult) {
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	s.report.Scenarios = append(s.report.Scenarios, r)
}

// recordResources reports how many resources a stack deployed.
func (s *suite) recordResources(stack string, n int) {
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	s.report.Resources[stack] = n
}

func (s *suite) stack(t *testing.T, name string) *auto.Stack {
	t.Helper()
	if st, ok := s.stacks[name]; ok {
		return st
	}
	st, err := s.project.stack(s.ctx, name)
	if err != nil {
		t.Fatalf("opening stack %s: %v", name, err)
	}
	s.stacks[name] = &st
	return &st
}

func (s *suite) up(t *testing.T, stack string, opts ...optup.Option) auto.UpResult {
	t.Helper()
	opts = append(opts, optup.ProgressStreams(s.project.logs), optup.ErrorProgressStreams(s.project.logs))
	var res auto.UpResult
	s.operation(t, stack, true, func() {
		var err error
		if res, err = s.stack(t, stack).Up(s.ctx, opts...); err != nil {
			t.Fatalf("pulumi up --stack %s: %v\nmoto log tail:\n%s", stack, err, tail(s.project.moto.log, 20))
		}
	})
	return res
}

// export reads a stack's state as `pulumi stack export` shows it.
func (s *suite) export(t *testing.T, stack string) *graph.Export {
	t.Helper()
	dep, err := s.stack(t, stack).Export(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := graph.FromUntyped(dep)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// resourceKeys lists a graph's resources as "type name (parent type)", the
// identity the offline plan and the real engine must agree on.
func resourceKeys(exp *graph.Export) []string {
	byURN := map[resource.URN]*graph.Resource{}
	for i := range exp.Deployment.Resources {
		byURN[exp.Deployment.Resources[i].URN] = &exp.Deployment.Resources[i]
	}
	var keys []string
	for _, r := range exp.Deployment.Resources {
		if strings.HasPrefix(string(r.Type), "pulumi:providers:") || r.Type == graph.RootStackType {
			continue
		}
		parent := ""
		if p := byURN[r.Parent]; p != nil && p.Type != graph.RootStackType {
			parent = string(p.Type) + " " + p.Name()
		}
		keys = append(keys, fmt.Sprintf("%s %s (in %s)", r.Type, r.Name(), parent))
	}
	sort.Strings(keys)
	return keys
}

// offlinePlan is the offline plan of a scratch stack file, on a fresh account.
func (s *suite) offlinePlan(t *testing.T, stack string) *graph.Export {
	t.Helper()
	sc, err := plan.LoadStack(s.project.dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	for k := range sc.Values {
		if strings.HasPrefix(k, "aws:") && k != "aws:region" {
			delete(sc.Values, k) // the emulator's provider settings
		}
	}
	res, err := plan.Run(sc, mocks.Options{Region: region, ImageTag: infra.NoImageTag})
	if err != nil {
		t.Fatal(err)
	}
	return res.Export
}

func diffKeys(a, b []string) (onlyA, onlyB []string) {
	return missing(a, b), missing(b, a)
}

// missing lists the keys of a (with repeats) that b does not hold as often.
func missing(a, b []string) []string {
	count := map[string]int{}
	for _, k := range b {
		count[k]++
	}
	var out []string
	for _, k := range a {
		if count[k] > 0 {
			count[k]--
			continue
		}
		out = append(out, k)
	}
	return out
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the end-to-end suite deploys for real against moto; skipped with -short")
	}
	tools, err := buildTools()
	if err != nil {
		t.Fatal(err)
	}
	root := os.Getenv("FARGO_E2E_LOGS")
	if root == "" {
		root = t.TempDir()
	}
	s := newSuite(t, tools, root)
	t.Cleanup(func() { s.writeReport(t) })

	// Dev's own schedule (Seoul nights and weekends) would decide by the hour the
	// suite runs whether dev is awake: the suite pins one to the clock instead.
	s.setSchedule(t, "dev", false)

	s.adminSetup(t)

	// The side lines (the configuration matrix, the upgrade, the faults) run
	// beside the shipped stacks, each on its own emulator and backend; the
	// shipped stacks' scenarios build on each other and run in order. The side
	// lines must end before this test does, even when it stops early.
	sideDone := s.runSideLines(t, tools, root, sideLine{"dev/upgrade", func(t *testing.T, ls *suite) { ls.devUpgrade(t) }})
	defer sideDone()

	scenarios := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"dev/up-fresh", s.devUpFresh},
		{"dev/no-drift", s.devNoDrift},
		{"dev/rollout", s.devRollout},
		{"dev/up-keeps-rollout", s.devUpKeepsRollout},
		{"pr/preview", s.prPreview},
		{"pr/preview-refused", s.prPreviewRefused},
		{"dev/rollback", s.devRollback},
		{"dev/secrets", s.devSecrets},
		{"consumer/outputs", s.consumerOutputs},
		{"pr/open", s.prOpen},
		{"pr/update", s.prUpdate},
		{"pr/close", s.prClose},
		{"dev/nat-switch", s.devNatSwitch},
		{"dev/add-service", s.devAddService},
		{"dev/schedule", s.devSchedule},
		{"prod/up-beside-dev", s.prodUpBesideDev},
		{"dev/destroy", s.devDestroy},
		{"prod/protected", s.prodProtected},
		{"ci/roles", s.ciRoles},
	}
	for _, sc := range scenarios {
		// A failed scenario stops the ones after it, which build on its state.
		if !s.scenario(sc.name, sc.fn) {
			break
		}
	}
	sideDone()
	s.checkTypeWarnings(t)
}

// newSuite starts an emulator and a scratch project under root, for one line of
// scenarios that share an account and a backend.
func newSuite(t *testing.T, tools *tools, root string) *suite {
	t.Helper()
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	logs, err := os.Create(filepath.Join(root, "pulumi.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logs.Close() })
	moto, err := startMoto(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(moto.stop)
	proj, err := newProject(tools, moto, t.TempDir(), logs)
	if err != nil {
		t.Fatal(err)
	}
	proj.logPath = logs.Name()
	return &suite{t: t, ctx: context.Background(), project: proj, stacks: map[string]*auto.Stack{},
		report: &report{Resources: map[string]int{}}, reportMu: &sync.Mutex{}, details: map[string][]string{},
		admin: adminCalls{ranges: map[string][][2]int{}, tags: map[string]map[string]string{}, scalableTargets: map[string]string{}, associations: map[string][]string{}}}
}

// adminSetup is the administrator's one-time account setup the README
// describes for the shipped stacks: the OIDC provider, and each stack's secrets.
func (s *suite) adminSetup(t *testing.T) {
	t.Helper()
	s.createOidcProvider(t)
	for _, name := range adminSecrets {
		s.aws(t, "ssm", "put-parameter", "--name", name, "--type", "SecureString", "--value", "e2e-"+strings.ReplaceAll(name, "/", "-"))
	}
}

// createOidcProvider creates the account's GitHub OIDC provider, which every
// stack's CI roles trust.
func (s *suite) createOidcProvider(t *testing.T) {
	t.Helper()
	s.aws(t, "iam", "create-open-id-connect-provider", "--url", "https://token.actions.githubusercontent.com", "--client-id-list", "sts.amazonaws.com")
}

// checkTypeWarnings fails when an operation left a type warning: with the type
// checker's errors on, none may.
func (s *suite) checkTypeWarnings(t *testing.T) {
	t.Helper()
	if data, err := os.ReadFile(s.project.logPath); err != nil || strings.Contains(string(data), "Type checking failed") {
		t.Errorf("the engine's log %s holds the bridge's type checking warnings (or cannot be read: %v): a property reaches the provider under a wrong name or type", s.project.logPath, err)
	}
}

func (s *suite) writeReport(t *testing.T) {
	path := os.Getenv("FARGO_E2E_REPORT")
	if path == "" {
		return
	}
	s.reportMu.Lock()
	data, _ := json.MarshalIndent(s.report, "", "  ")
	s.reportMu.Unlock()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Error(err)
	}
}

func (s *suite) devUpFresh(t *testing.T) {
	start := time.Now()
	s.up(t, "dev")
	s.note(t, "up of dev took %.0f s", time.Since(start).Seconds())
	real := s.export(t, "dev")
	n := s.matchesPlan(t, "dev", real)
	s.recordResources("dev", n)
	s.note(t, "%d resources deployed, the same the offline plan lists, priced and checked alike", n)
	for _, svc := range real.Resources("aws:ecs/service:Service") {
		if n, _ := svc.Number("desiredCount"); n != 0 {
			t.Errorf("%s runs %v tasks before any image exists", svc.Name(), n)
		}
	}
	// The shipped stack file's own services, beside the judgement that reads them.
	if got := serviceNames(s.stackConfig(t, "dev")); !slices.Equal(got, []string{"backend", "frontend"}) {
		t.Errorf("dev's stack file declares %v, want backend and frontend", got)
	}
	s.note(t, "%s", s.judgeStack(t, "dev"))
}

func (s *suite) devNoDrift(t *testing.T) {
	st := s.stack(t, "dev")
	pre, err := st.Preview(s.ctx, optpreview.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	expectOnlySame(t, "preview", pre.ChangeSummary)
	ref, err := st.Refresh(s.ctx, optrefresh.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Summary.ResourceChanges != nil {
		expectOnlySame(t, "refresh", *ref.Summary.ResourceChanges)
	}
	pre, err = st.Preview(s.ctx, optpreview.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	expectOnlySame(t, "preview after refresh", pre.ChangeSummary)
	s.note(t, "preview, refresh, preview: %v unchanged", pre.ChangeSummary["same"])
}

func expectOnlySame[K ~string](t *testing.T, what string, summary map[K]int) {
	t.Helper()
	for op, n := range summary {
		if op != "same" && n > 0 {
			t.Errorf("%s: %d %s, want no change (%v)", what, n, op, summary)
		}
	}
}

// liveService is what ECS says of one of a stack's services.
type liveService struct {
	DesiredCount   int    `json:"desiredCount"`
	TaskDefinition string `json:"taskDefinition"`
	Image          string
	// Architecture is the task definition's runtime platform CPU architecture.
	Architecture string
	Deployment   struct {
		Alarms struct {
			AlarmNames []string `json:"alarmNames"`
			Enable     bool     `json:"enable"`
			Rollback   bool     `json:"rollback"`
		} `json:"alarms"`
		CircuitBreaker struct {
			Rollback bool `json:"rollback"`
		} `json:"deploymentCircuitBreaker"`
	} `json:"deploymentConfiguration"`
	NetworkConfig struct {
		Awsvpc struct {
			Subnets        []string `json:"subnets"`
			AssignPublicIP string   `json:"assignPublicIp"`
		} `json:"awsvpcConfiguration"`
	} `json:"networkConfiguration"`
}

func (s *suite) outputs(t *testing.T, stack string) auto.OutputMap {
	t.Helper()
	out, err := s.stack(t, stack).Outputs(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (s *suite) liveService(t *testing.T, stack, service string) liveService {
	t.Helper()
	out := s.outputs(t, stack)
	cluster, _ := out["clusterName"].Value.(string)
	names, _ := out["serviceNames"].Value.(map[string]any)
	name, _ := names[service].(string)
	if cluster == "" || name == "" {
		t.Fatalf("stack %s has no cluster or service %s in its outputs", stack, service)
	}
	var described struct {
		Services []liveService `json:"services"`
	}
	if err := json.Unmarshal([]byte(s.aws(t, "ecs", "describe-services", "--cluster", cluster, "--services", name)), &described); err != nil || len(described.Services) != 1 {
		t.Fatalf("describing %s/%s: %v", cluster, name, err)
	}
	svc := described.Services[0]
	var td struct {
		TaskDefinition struct {
			ContainerDefinitions []struct {
				Image string `json:"image"`
			} `json:"containerDefinitions"`
			RuntimePlatform struct {
				CPUArchitecture string `json:"cpuArchitecture"`
			} `json:"runtimePlatform"`
		} `json:"taskDefinition"`
	}
	if err := json.Unmarshal([]byte(s.aws(t, "ecs", "describe-task-definition", "--task-definition", svc.TaskDefinition)), &td); err != nil || len(td.TaskDefinition.ContainerDefinitions) == 0 {
		t.Fatalf("describing %s: %v", svc.TaskDefinition, err)
	}
	svc.Image = td.TaskDefinition.ContainerDefinitions[0].Image
	svc.Architecture = td.TaskDefinition.RuntimePlatform.CPUArchitecture
	return svc
}

// minTasks reads a service's minTasks from the scratch stack file.
func (s *suite) minTasks(t *testing.T, stack, service string) int {
	t.Helper()
	sc, err := plan.LoadStack(s.project.dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	var services map[string]struct {
		MinTasks int `json:"minTasks"`
	}
	if err := json.Unmarshal([]byte(sc.Values["fargo:services"]), &services); err != nil {
		t.Fatal(err)
	}
	return services[service].MinTasks
}

const rolloutTag = "e2e0001"

func (s *suite) devRollout(t *testing.T) {
	for _, service := range serviceNames(s.stackConfig(t, "dev")) {
		s.rollout(t, "dev", service, rolloutTag)
		live := s.liveService(t, "dev", service)
		if !strings.HasSuffix(live.Image, ":"+rolloutTag) {
			t.Errorf("%s runs %s, want the tag %s", service, live.Image, rolloutTag)
		}
		if min := s.minTasks(t, "dev", service); live.DesiredCount < min || min < 1 {
			t.Errorf("%s wants %d tasks after its rollout, want at least minTasks=%d", service, live.DesiredCount, min)
		}
		s.note(t, "%s: %s, desiredCount %d", service, live.Image, live.DesiredCount)
	}
}

func (s *suite) devUpKeepsRollout(t *testing.T) {
	before := map[string]liveService{}
	for _, service := range serviceNames(s.stackConfig(t, "dev")) {
		before[service] = s.liveService(t, "dev", service)
	}
	s.up(t, "dev")
	for service, was := range before {
		now := s.liveService(t, "dev", service)
		if now.Image != was.Image || now.DesiredCount != was.DesiredCount {
			t.Errorf("a full up moved %s from %s x%d to %s x%d", service, was.Image, was.DesiredCount, now.Image, now.DesiredCount)
		}
	}
	s.note(t, "a full up kept every service's image and task count (%d services)", len(before))
}

// editStackFile changes a scratch stack file's config.
func (s *suite) editStackFile(t *testing.T, stack string, edit func(cfg map[string]any)) {
	t.Helper()
	editStackConfig(t, filepath.Join(s.project.dir, "Pulumi."+stack+".yaml"), edit)
}

// ids maps the URNs of a graph's resources of some types to their ids.
func ids(exp *graph.Export, types ...string) map[string]string {
	out := map[string]string{}
	for _, typ := range types {
		for _, r := range exp.Resources(typ) {
			out[string(r.URN)] = string(r.ID)
		}
	}
	return out
}

// keptTypes must never be replaced by a NAT switch.
var keptTypes = []string{"aws:ec2/subnet:Subnet", "aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup", "aws:lb/listener:Listener", "aws:ec2/vpc:Vpc"}

func (s *suite) devNatSwitch(t *testing.T) {
	for _, nat := range []config.NatMode{config.NatSingle, config.NatInstance, config.NatNone} {
		before := ids(s.export(t, "dev"), keptTypes...)
		s.editStackFile(t, "dev", func(cfg map[string]any) {
			cfg["fargo:network"].(map[string]any)["nat"] = string(nat)
		})
		start := time.Now()
		res := s.up(t, "dev")
		took := time.Since(start)
		exp := s.export(t, "dev")
		after := ids(exp, keptTypes...)
		for urn, id := range before {
			if now, ok := after[urn]; ok && now != id {
				t.Errorf("nat=%s replaced %s (%s -> %s)", nat, urn, id, now)
			}
		}
		cfg := s.stackConfig(t, "dev")
		for _, svc := range cfg.Services {
			s.judgeService(t, "dev", cfg, exp, svc)
		}
		s.judgeNat(t, "dev", cfg, exp)
		s.checkNatHealing(t, "dev", exp, nat == config.NatInstance)
		// What the switch made reads back as deployed: no drift for the next preview.
		var ref auto.RefreshResult
		var err error
		s.operation(t, "dev", true, func() { ref, err = s.stack(t, "dev").Refresh(s.ctx, optrefresh.ProgressStreams(s.project.logs)) })
		if err != nil {
			t.Fatal(err)
		}
		expectOnlySame(t, fmt.Sprintf("refresh after nat=%s", nat), *ref.Summary.ResourceChanges)
		s.note(t, "nat=%s in %.0f s: %v; a refresh then read %d unchanged", nat, took.Seconds(), *res.Summary.ResourceChanges, (*ref.Summary.ResourceChanges)["same"])
	}
}

// checkNatHealing finds the NAT instance's two healing alarms in the account,
// watching the deployed instance and acting on it, exactly when there is one.
func (s *suite) checkNatHealing(t *testing.T, stack string, exp *graph.Export, want bool) {
	t.Helper()
	var alarms struct {
		MetricAlarms []struct {
			AlarmName    string   `json:"AlarmName"`
			MetricName   string   `json:"MetricName"`
			AlarmActions []string `json:"AlarmActions"`
			Dimensions   []struct {
				Name, Value string
			} `json:"Dimensions"`
		} `json:"MetricAlarms"`
	}
	if err := json.Unmarshal([]byte(s.aws(t, "cloudwatch", "describe-alarms", "--alarm-name-prefix", config.StackNamePrefix("fargo", stack)+"nat-instance-")), &alarms); err != nil {
		t.Fatal(err)
	}
	if !want {
		if len(alarms.MetricAlarms) != 0 {
			t.Errorf("no NAT instance, yet %d of its alarms remain", len(alarms.MetricAlarms))
		}
		return
	}
	instances := exp.Resources("aws:ec2/instance:Instance")
	if len(instances) != 1 {
		t.Fatalf("%d instances deployed with nat: instance", len(instances))
	}
	prefix := config.StackNamePrefix("fargo", stack) + "nat-instance-"
	wants := map[string]string{prefix + "recover": "StatusCheckFailed_System:recover", prefix + "reboot": "StatusCheckFailed_Instance:reboot"}
	for _, a := range alarms.MetricAlarms {
		metric, action, _ := strings.Cut(wants[a.AlarmName], ":")
		delete(wants, a.AlarmName)
		if a.MetricName != metric || len(a.AlarmActions) != 1 || a.AlarmActions[0] != "arn:aws:automate:"+region+":ec2:"+action {
			t.Errorf("%s: %s acting with %v, want %s and ec2:%s", a.AlarmName, a.MetricName, a.AlarmActions, metric, action)
		}
		if len(a.Dimensions) != 1 || a.Dimensions[0].Name != "InstanceId" || a.Dimensions[0].Value != string(instances[0].ID) {
			t.Errorf("%s watches %+v, want InstanceId %s", a.AlarmName, a.Dimensions, instances[0].ID)
		}
	}
	for name := range wants {
		t.Errorf("the NAT instance has no alarm %s", name)
	}
}

func (s *suite) devAddService(t *testing.T) {
	s.editStackFile(t, "dev", func(cfg map[string]any) {
		cfg["fargo:services"].(map[string]any)["admin"] = map[string]any{
			"port": 3000, "cpu": 256, "memory": 512, "paths": []any{"/admin/*"}, "priority": 200,
			"healthCheckPath": "/admin/health", "minTasks": 1, "maxTasks": 2, "architecture": "ARM64",
		}
		// Alarms too, so ci/roles judges dev's deploy role on the alarm and topic calls.
		cfg["fargo:alarms"] = map[string]any{"emails": []any{"dev@example.com"}}
	})
	s.up(t, "dev")
	if platforms, _ := s.outputs(t, "dev")["imagePlatforms"].Value.(map[string]any); platforms["admin"] != "linux/arm64" {
		t.Errorf("imagePlatforms.admin is %v, want linux/arm64: the rollout would build the wrong image", platforms["admin"])
	}
	s.rollout(t, "dev", "admin", rolloutTag)
	live := s.liveService(t, "dev", "admin")
	if live.DesiredCount < 1 {
		t.Errorf("admin wants %d tasks after its rollout", live.DesiredCount)
	}
	if live.Architecture != "ARM64" {
		t.Errorf("admin's task definition declares %q, want ARM64", live.Architecture)
	}
	if want := []string{"fargo-dev-admin-errors", "fargo-dev-admin-unhealthy"}; !slices.Equal(slices.Sorted(slices.Values(live.Deployment.Alarms.AlarmNames)), want) || !live.Deployment.Alarms.Rollback {
		t.Errorf("admin's deployments watch %+v, want %v with rollback", live.Deployment.Alarms, want)
	}
	s.editStackFile(t, "dev", func(cfg map[string]any) {
		delete(cfg["fargo:services"].(map[string]any), "admin")
		delete(cfg, "fargo:alarms")
	})
	res := s.up(t, "dev")
	// Alarms off replaces each service (the provider cannot update them away).
	for _, service := range []string{"backend", "frontend"} {
		if names := s.liveService(t, "dev", service).Deployment.Alarms.AlarmNames; len(names) != 0 {
			t.Errorf("with fargo:alarms removed, %s's deployments still watch %v", service, names)
		}
	}
	s.note(t, "added an ARM64 service (task definition ARM64, image platform linux/arm64) and deployment alarms, rolled it out, removed both; removal: %v", *res.Summary.ResourceChanges)
}

// scheduleTimes are the sleep and wake expressions setSchedule wrote.
type scheduleTimes struct{ sleep, wake string }

// setSchedule gives a stack a daily schedule, in UTC, that has it asleep now
// (slept an hour ago, wakes in two) or awake now (woke an hour ago, sleeps in
// two): hours away from any change, whatever the hour the suite runs.
func (s *suite) setSchedule(t *testing.T, stack string, asleep bool) scheduleTimes {
	t.Helper()
	now := time.Now().UTC()
	daily := func(at time.Time) string { return fmt.Sprintf("cron(%d %d * * ? *)", at.Minute(), at.Hour()) }
	past, future := daily(now.Add(-time.Hour)), daily(now.Add(2*time.Hour))
	times := scheduleTimes{sleep: future, wake: past}
	if asleep {
		times = scheduleTimes{sleep: past, wake: future}
	}
	s.editStackFile(t, stack, func(cfg map[string]any) {
		cfg["fargo:schedule"] = map[string]any{"sleep": times.sleep, "wake": times.wake, "timezone": "UTC"}
	})
	return times
}

// scaling is a service's scalable target bounds and scheduled actions, as
// Application Auto Scaling holds them.
type scaling struct {
	Min, Max int
	Actions  map[string]scheduledAction
}

type scheduledAction struct {
	Schedule, Timezone string
	Min, Max           int
}

func (s *suite) scaling(t *testing.T, stack, service string) scaling {
	t.Helper()
	out := s.outputs(t, stack)
	cluster, _ := out["clusterName"].Value.(string)
	names, _ := out["serviceNames"].Value.(map[string]any)
	id := fmt.Sprintf("service/%s/%v", cluster, names[service])
	var targets struct {
		ScalableTargets []struct {
			MinCapacity int `json:"MinCapacity"`
			MaxCapacity int `json:"MaxCapacity"`
		} `json:"ScalableTargets"`
	}
	if err := json.Unmarshal([]byte(s.aws(t, "application-autoscaling", "describe-scalable-targets", "--service-namespace", "ecs", "--resource-ids", id)), &targets); err != nil || len(targets.ScalableTargets) != 1 {
		t.Fatalf("scalable target %s: %v %+v", id, err, targets)
	}
	var actions struct {
		ScheduledActions []struct {
			Name     string `json:"ScheduledActionName"`
			Schedule string `json:"Schedule"`
			Timezone string `json:"Timezone"`
			Action   struct {
				MinCapacity int `json:"MinCapacity"`
				MaxCapacity int `json:"MaxCapacity"`
			} `json:"ScalableTargetAction"`
		} `json:"ScheduledActions"`
	}
	if err := json.Unmarshal([]byte(s.aws(t, "application-autoscaling", "describe-scheduled-actions", "--service-namespace", "ecs", "--resource-id", id)), &actions); err != nil {
		t.Fatal(err)
	}
	sc := scaling{Min: targets.ScalableTargets[0].MinCapacity, Max: targets.ScalableTargets[0].MaxCapacity, Actions: map[string]scheduledAction{}}
	for _, a := range actions.ScheduledActions {
		sc.Actions[a.Name] = scheduledAction{a.Schedule, a.Timezone, a.Action.MinCapacity, a.Action.MaxCapacity}
	}
	return sc
}

func (s *suite) devSchedule(t *testing.T) {
	times := s.setSchedule(t, "dev", true)
	s.up(t, "dev")
	for _, service := range []string{"backend", "frontend"} {
		sc := s.scaling(t, "dev", service)
		if sc.Min != 0 || sc.Max != 0 {
			t.Errorf("%s deployed while asleep scales %d..%d, want 0..0", service, sc.Min, sc.Max)
		}
		want := map[string]scheduledAction{
			"fargo-dev-" + service + "-sleep": {times.sleep, "UTC", 0, 0},
			"fargo-dev-" + service + "-wake":  {times.wake, "UTC", s.minTasks(t, "dev", service), 4},
		}
		if len(sc.Actions) != 2 || sc.Actions["fargo-dev-"+service+"-sleep"] != want["fargo-dev-"+service+"-sleep"] || sc.Actions["fargo-dev-"+service+"-wake"] != want["fargo-dev-"+service+"-wake"] {
			t.Errorf("%s's scheduled actions are %+v, want %+v", service, sc.Actions, want)
		}
	}
	// A rollout while asleep deploys the new image with tasks running, where the
	// circuit breaker and the alarms watch it, then puts the service back to sleep.
	const tag = "e2e0002"
	log := callLog{s.project.moto.calls}
	from := log.mark(t)
	s.rollout(t, "dev", "backend", tag)
	if live := s.liveService(t, "dev", "backend"); !strings.HasSuffix(live.Image, ":"+tag) {
		t.Errorf("the rollout during sleep left backend on %s", live.Image)
	}
	if sc := s.scaling(t, "dev", "backend"); sc.Min != 0 || sc.Max != 0 {
		t.Errorf("a rollout during sleep left backend awake: %d..%d", sc.Min, sc.Max)
	}
	if live := s.liveService(t, "dev", "backend"); live.DesiredCount != 0 {
		t.Errorf("backend wants %d tasks after a rollout during sleep, want 0", live.DesiredCount)
	}
	order := guardedRolloutOrder(log.read(t, from, -1))
	if want := []string{"wake 1..4", "deploy", "sleep 0..0"}; !slices.Equal(order, want) {
		t.Errorf("a rollout during sleep went %v, want %v (the deployment runs while the service is awake)", order, want)
	}
	// Asked to, a rollout leaves it awake until the next sleep time.
	s.rolloutAndWake(t, "dev", "backend", tag, true)
	if sc := s.scaling(t, "dev", "backend"); sc.Min != 1 || sc.Max != 4 {
		t.Errorf("a rollout with wake: true leaves backend at %d..%d, want 1..4", sc.Min, sc.Max)
	}
	if live := s.liveService(t, "dev", "backend"); live.DesiredCount < 1 {
		t.Errorf("woken backend wants %d tasks", live.DesiredCount)
	}
	// Awake by the clock again, a deploy restores every service's bounds.
	s.setSchedule(t, "dev", false)
	s.up(t, "dev")
	for _, service := range []string{"backend", "frontend"} {
		if sc := s.scaling(t, "dev", service); sc.Min != 1 || sc.Max != 4 {
			t.Errorf("%s deployed while awake scales %d..%d, want 1..4", service, sc.Min, sc.Max)
		}
	}
	s.note(t, "asleep: bounds 0..0 and two scheduled actions per service (%s / %s UTC); a rollout woke backend to 1..4, deployed, and put it back to sleep; wake: true left it awake; awake again 1..4", times.sleep, times.wake)
}

// guardedRolloutOrder reduces a rollout's recorded calls to the order in which it
// changed scaling bounds ("wake 1..4", "sleep 0..0") and deployed a new task
// definition ("deploy").
func guardedRolloutOrder(calls []apiCall) []string {
	var order []string
	for _, c := range calls {
		switch {
		case c.Action == "RegisterScalableTarget":
			kind := "wake"
			if fmt.Sprint(c.Params["MaxCapacity"]) == "0" {
				kind = "sleep"
			}
			order = append(order, fmt.Sprintf("%s %v..%v", kind, c.Params["MinCapacity"], c.Params["MaxCapacity"]))
		case c.Action == "UpdateService" && c.Params["taskDefinition"] != nil:
			order = append(order, "deploy")
		}
	}
	return order
}

func (s *suite) prodUpBesideDev(t *testing.T) {
	start := time.Now()
	s.up(t, "prod")
	s.note(t, "up of prod took %.0f s", time.Since(start).Seconds())
	exp := s.export(t, "prod")
	n := s.matchesPlan(t, "prod", exp)
	s.recordResources("prod", n)
	out := s.outputs(t, "prod")
	s.prod.cluster, _ = out["clusterName"].Value.(string)
	s.prod.services = map[string]string{}
	if m, ok := out["serviceNames"].Value.(map[string]any); ok {
		for k, v := range m {
			s.prod.services[k] = fmt.Sprint(v)
		}
	}
	if n := len(exp.Resources("aws:iam/openIdConnectProvider:OpenIdConnectProvider")); n != 0 {
		t.Errorf("prod owns %d OIDC providers; it must share dev's", n)
	}
	for _, table := range exp.Resources("aws:dynamodb/table:Table") {
		if !table.Protect {
			t.Errorf("table %s is not protected", table.Name())
		}
	}
	var https *graph.Resource
	for _, l := range exp.Resources("aws:lb/listener:Listener") {
		if l.String("protocol") == "HTTPS" {
			https = l
		}
	}
	if https == nil {
		t.Fatal("prod has no HTTPS listener")
	}
	var cert struct {
		Certificate struct {
			Status string `json:"Status"`
		} `json:"Certificate"`
	}
	if err := json.Unmarshal([]byte(s.aws(t, "acm", "describe-certificate", "--certificate-arn", https.String("certificateArn"))), &cert); err != nil {
		t.Fatal(err)
	}
	if cert.Certificate.Status != "ISSUED" {
		t.Errorf("the HTTPS listener's certificate is %s, want ISSUED", cert.Certificate.Status)
	}
	s.prodAlarms(t, exp)
	// SNS leaves an e-mail subscription pending until its recipient confirms it
	// (the launcher makes the emulator report it so): the deploy summary names it.
	if summary := s.pendingAlarmEmails(t, "prod"); !strings.Contains(summary, "- ops@example.com: pending") {
		t.Errorf("the deploy summary does not ask ops@example.com to confirm:\n%s", summary)
	}
	// 48 hours on, SNS deletes it: the summary says so, and an up that refreshes
	// the subscription subscribes the address again, as the README says.
	var subs struct {
		Subscriptions []struct{ SubscriptionArn, Endpoint string }
	}
	topic := s.outputs(t, "prod")["alarmTopicArn"].Value.(string)
	_ = json.Unmarshal([]byte(s.aws(t, "sns", "list-subscriptions-by-topic", "--topic-arn", topic)), &subs)
	sub := exp.Resources("aws:sns/topicSubscription:TopicSubscription")
	if len(sub) != 1 || len(subs.Subscriptions) != 1 {
		t.Fatalf("prod has %d subscriptions in its state and %d on its topic, want 1 and 1", len(sub), len(subs.Subscriptions))
	}
	s.aws(t, "sns", "unsubscribe", "--subscription-arn", string(sub[0].ID))
	if summary := s.pendingAlarmEmails(t, "prod"); !strings.Contains(summary, "- ops@example.com: deleted by SNS") {
		t.Errorf("the deploy summary does not report ops@example.com's deleted subscription:\n%s", summary)
	}
	s.up(t, "prod", optup.Refresh(), optup.Target([]string{string(sub[0].URN)}))
	if summary := s.pendingAlarmEmails(t, "prod"); !strings.Contains(summary, "- ops@example.com: pending") {
		t.Errorf("after up --refresh, ops@example.com is not subscribed again:\n%s", summary)
	}
	if summary := s.pendingAlarmEmails(t, "dev"); summary != "" {
		t.Errorf("dev has no alarm topic, yet its deploy summary says:\n%s", summary)
	}
	s.note(t, "%s", s.judgeStack(t, "prod"))
	s.note(t, "%d resources, the offline plan's, priced and checked alike; HTTPS with an ISSUED certificate; tables protected; OIDC provider shared", n)
}

func (s *suite) devDestroy(t *testing.T) {
	prodBefore := resourceKeys(s.export(t, "prod"))
	var res auto.DestroyResult
	var err error
	// Dev's previews' guard is a delete hook: Pulumi runs it only with the
	// program (README, "Pull request previews").
	s.operation(t, "dev", false, func() {
		res, err = s.stack(t, "dev").Destroy(s.ctx, optdestroy.RunProgram(true), optdestroy.ProgressStreams(s.project.logs))
	})
	if err != nil {
		t.Fatalf("destroy dev: %v", err)
	}
	if left := s.leftovers(t, "dev"); len(left) > 0 {
		t.Errorf("dev left behind: %v", left)
	}
	oidc := s.aws(t, "iam", "list-open-id-connect-providers")
	if !strings.Contains(oidc, "token.actions.githubusercontent.com") {
		t.Error("destroying dev deleted the account's GitHub OIDC provider, which prod's roles trust")
	}
	if n := len(s.export(t, "prod").Resources("aws:iam/openIdConnectProvider:OpenIdConnectProvider")); n != 0 {
		t.Errorf("prod owns %d OIDC providers", n)
	}
	if after := resourceKeys(s.export(t, "prod")); len(after) != len(prodBefore) {
		t.Errorf("prod went from %d to %d resources", len(prodBefore), len(after))
	}
	// Prod's state against the account: a refresh reads every prod resource back.
	var ref auto.RefreshResult
	s.operation(t, "prod", true, func() { ref, err = s.stack(t, "prod").Refresh(s.ctx, optrefresh.ProgressStreams(s.project.logs)) })
	if err != nil {
		t.Fatal(err)
	}
	if ref.Summary.ResourceChanges == nil {
		t.Fatal("prod's refresh after dev's destroy reports no resources")
	}
	expectOnlySame(t, "prod refresh after dev's destroy", *ref.Summary.ResourceChanges)
	pre, err := s.stack(t, "prod").Preview(s.ctx, optpreview.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	expectOnlySame(t, "prod preview after dev's destroy", pre.ChangeSummary)
	s.note(t, "destroyed %v; prod untouched (a refresh of its %d resources read no change), OIDC provider kept", *res.Summary.ResourceChanges, (*ref.Summary.ResourceChanges)["same"])
}

// leftovers lists what a destroyed stack left in the account: anything named
// for it, and any resource tagged with it that AWS does not list as deleted.
func (s *suite) leftovers(t *testing.T, stack string) []string {
	t.Helper()
	prefix := config.ClusterName("fargo", stack)
	named := regexp.MustCompile(regexp.QuoteMeta(prefix) + `(["/-]|$)|/fargo/` + stack + `/`)
	var left []string
	check := func(what, out string) {
		if named.MatchString(out) {
			left = append(left, what)
		}
	}
	check("DynamoDB tables", s.aws(t, "dynamodb", "list-tables"))
	check("ECR repositories", s.aws(t, "ecr", "describe-repositories"))
	check("IAM roles", s.aws(t, "iam", "list-roles", "--path-prefix", config.StackRolePath("fargo", stack)))
	check("log groups", s.aws(t, "logs", "describe-log-groups", "--log-group-name-prefix", "/ecs/"+prefix))
	var params struct{ Parameters []struct{ Name string } }
	if err := json.Unmarshal([]byte(s.aws(t, "ssm", "describe-parameters")), &params); err != nil {
		t.Fatal(err)
	}
	// Secrets are the administrator's, made before the stack and kept after it.
	secrets := slices.Clone(adminSecrets)
	for _, svc := range s.stackConfig(t, stack).Services {
		secrets = slices.AppendSeq(secrets, maps.Values(svc.Secrets))
	}
	for _, p := range params.Parameters {
		if strings.HasPrefix(p.Name, "/fargo/"+stack+"/") && !slices.Contains(secrets, p.Name) {
			left = append(left, "SSM parameter "+p.Name)
		}
	}
	for _, arn := range s.taggedFor(t, stack) {
		if !s.gone(t, arn) {
			left = append(left, arn)
		}
	}
	return left
}

// taggedFor lists the ARNs the account's tagging API holds for a stack's tag.
func (s *suite) taggedFor(t *testing.T, stack string) []string {
	t.Helper()
	var resources struct {
		ResourceTagMappingList []struct{ ResourceARN string }
	}
	if err := json.Unmarshal([]byte(s.aws(t, "resourcegroupstaggingapi", "get-resources", "--tag-filters", "Key="+naming.TagStack+",Values="+stack)), &resources); err != nil {
		t.Fatalf("the account's tagged resources for %s cannot be read: %v", stack, err)
	}
	var arns []string
	for _, r := range resources.ResourceTagMappingList {
		arns = append(arns, r.ResourceARN)
	}
	return arns
}

// gone reports whether a tagged resource is only a deleted one that AWS keeps
// listing for a while: ECS's INACTIVE clusters, services and task definition
// revisions, terminated instances and deleted NAT gateways.
func (s *suite) gone(t *testing.T, arn string) bool {
	t.Helper()
	id := arn[strings.LastIndex(arn, "/")+1:]
	switch {
	case strings.Contains(arn, ":ecs:") && strings.Contains(arn, ":cluster/"):
		return strings.Contains(s.aws(t, "ecs", "describe-clusters", "--clusters", arn), `"status": "INACTIVE"`)
	case strings.Contains(arn, ":ecs:") && strings.Contains(arn, ":service/"):
		// service/<cluster>/<name>
		cluster := strings.Split(arn[strings.Index(arn, ":service/")+len(":service/"):], "/")[0]
		return strings.Contains(s.aws(t, "ecs", "describe-services", "--cluster", cluster, "--services", arn), `"status": "INACTIVE"`)
	case strings.Contains(arn, ":ecs:") && strings.Contains(arn, ":task-definition/"):
		return strings.Contains(s.aws(t, "ecs", "describe-task-definition", "--task-definition", arn), `"status": "INACTIVE"`)
	case strings.Contains(arn, ":instance/"):
		return strings.Contains(s.aws(t, "ec2", "describe-instances", "--instance-ids", id), `"terminated"`)
	case strings.Contains(arn, ":natgateway/"):
		return strings.Contains(s.aws(t, "ec2", "describe-nat-gateways", "--nat-gateway-ids", id), `"deleted"`)
	}
	return false
}

func (s *suite) prodProtected(t *testing.T) {
	st := s.stack(t, "prod")
	var err error
	s.operation(t, "prod", false, func() { _, err = st.Destroy(s.ctx, optdestroy.ProgressStreams(s.project.logs)) })
	if err == nil || !(strings.Contains(err.Error(), "because it is protected") || strings.Contains(err.Error(), "deletion protection is enabled")) {
		t.Fatalf("destroy of prod: %v, want a stop at the protected resources", err)
	}
	left := s.export(t, "prod")
	kept := map[string]int{}
	for _, r := range left.Deployment.Resources {
		if r.Custom {
			kept[string(r.Type)]++
		}
	}
	if kept["aws:dynamodb/table:Table"] != 4 || kept["aws:lb/loadBalancer:LoadBalancer"] != 1 {
		t.Errorf("after the stopped destroy prod keeps %v, want its 4 tables and its load balancer", kept)
	}
	s.note(t, "the destroy stopped; kept %d tables and %d load balancer", kept["aws:dynamodb/table:Table"], kept["aws:lb/loadBalancer:LoadBalancer"])
	// The README's procedure: drop deletion protection, up, unprotect, destroy.
	s.editStackFile(t, "prod", func(cfg map[string]any) { cfg["fargo:deletionProtection"] = false })
	s.up(t, "prod")
	cmd := exec.Command(filepath.Join(s.project.tools.pulumiRoot, "bin", "pulumi"), "state", "unprotect", "--all", "--yes", "--stack", "prod")
	cmd.Dir = s.project.dir
	cmd.Env = os.Environ()
	for k, v := range s.project.env() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "PULUMI_HOME="+s.project.home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pulumi state unprotect: %v\n%s", err, out)
	}
	var res auto.DestroyResult
	s.operation(t, "prod", false, func() { res, err = st.Destroy(s.ctx, optdestroy.ProgressStreams(s.project.logs)) })
	if err != nil {
		t.Fatalf("destroy of prod after the procedure: %v", err)
	}
	dep, err := st.Export(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []json.RawMessage `json:"resources"`
	}
	_ = json.Unmarshal(dep.Deployment, &state)
	if len(state.Resources) != 0 {
		t.Errorf("%d resources left in prod's state", len(state.Resources))
	}
	s.note(t, "stopped at protected resources; after the procedure destroyed %v", *res.Summary.ResourceChanges)
}

// prodAlarms checks that each prod service's deployments watch its two alarms
// with rollback on, and that the alarms e-mail through the stack's topic.
func (s *suite) prodAlarms(t *testing.T, exp *graph.Export) {
	t.Helper()
	topics := exp.Resources("aws:sns/topic:Topic")
	if len(topics) != 1 {
		t.Fatalf("prod has %d alarm topics, want 1", len(topics))
	}
	topic := topics[0].String("arn")
	for _, service := range []string{"backend", "frontend"} {
		live := s.liveService(t, "prod", service)
		want := []string{"fargo-prod-" + service + "-errors", "fargo-prod-" + service + "-unhealthy"}
		alarms := live.Deployment.Alarms
		if !slices.Equal(slices.Sorted(slices.Values(alarms.AlarmNames)), want) || !alarms.Enable || !alarms.Rollback || !live.Deployment.CircuitBreaker.Rollback {
			t.Errorf("%s's deployments watch %+v (circuit breaker rollback %v), want %v with rollback", service, alarms, live.Deployment.CircuitBreaker.Rollback, want)
		}
		var described struct {
			MetricAlarms []struct {
				AlarmName    string            `json:"AlarmName"`
				AlarmActions []string          `json:"AlarmActions"`
				Threshold    float64           `json:"Threshold"`
				Metrics      []json.RawMessage `json:"Metrics"`
			} `json:"MetricAlarms"`
		}
		if err := json.Unmarshal([]byte(s.aws(t, append([]string{"cloudwatch", "describe-alarms", "--alarm-names"}, want...)...)), &described); err != nil {
			t.Fatal(err)
		}
		if len(described.MetricAlarms) != 2 {
			t.Fatalf("CloudWatch holds %d of %v", len(described.MetricAlarms), want)
		}
		for _, a := range described.MetricAlarms {
			if !slices.Equal(a.AlarmActions, []string{topic}) {
				t.Errorf("%s alarms %v, want the topic %s", a.AlarmName, a.AlarmActions, topic)
			}
			if strings.HasSuffix(a.AlarmName, "-errors") && (a.Threshold != 5 || len(a.Metrics) != 3) {
				t.Errorf("%s: threshold %v over %d metric queries, want 5 over errors, requests and their rate", a.AlarmName, a.Threshold, len(a.Metrics))
			}
		}
	}
	var subs struct {
		Subscriptions []struct {
			Protocol string `json:"Protocol"`
			Endpoint string `json:"Endpoint"`
		} `json:"Subscriptions"`
	}
	if err := json.Unmarshal([]byte(s.aws(t, "sns", "list-subscriptions-by-topic", "--topic-arn", topic)), &subs); err != nil {
		t.Fatal(err)
	}
	if len(subs.Subscriptions) != 1 || subs.Subscriptions[0].Protocol != "email" || subs.Subscriptions[0].Endpoint != "ops@example.com" {
		t.Errorf("the alarm topic's subscriptions are %+v, want ops@example.com by e-mail", subs.Subscriptions)
	}
	s.note(t, "both services' deployments watch their errors and unhealthy alarms with rollback; the alarms e-mail ops@example.com through %s", topic)
}
