package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/internal/mocks"
	"github.com/fargo-dev/fargo/internal/plan"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
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
}

// suite is the state the ordered scenarios share: one emulator, one project.
type suite struct {
	t       *testing.T
	ctx     context.Context
	project *project
	stacks  map[string]*auto.Stack
	report  report
	details map[string][]string
}

// note adds a line to the current scenario's detail in the report.
func (s *suite) note(t *testing.T, format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	s.details[t.Name()] = append(s.details[t.Name()], line)
}

// scenario runs one named scenario and records it; a failed scenario stops the
// ones after it, which build on its state.
func (s *suite) scenario(name string, fn func(t *testing.T)) {
	start := time.Now()
	ok := s.t.Run(name, fn)
	full := s.t.Name() + "/" + name
	s.report.Scenarios = append(s.report.Scenarios, scenarioResult{
		Name: name, Passed: ok, Seconds: time.Since(start).Round(100 * time.Millisecond).Seconds(),
		Detail: strings.Join(s.details[full], "; "),
	})
	if !ok {
		s.t.FailNow()
	}
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
	res, err := s.stack(t, stack).Up(s.ctx, opts...)
	if err != nil {
		t.Fatalf("pulumi up --stack %s: %v\nmoto log tail:\n%s", stack, err, tail(s.project.moto.log, 20))
	}
	return res
}

// export reads a stack's state as `pulumi stack export` shows it.
func (s *suite) export(t *testing.T, stack string) *graph.Export {
	t.Helper()
	dep, err := s.stack(t, stack).Export(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(dep)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := graph.Decode(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// resourceKeys lists a graph's resources as "type name (parent type)", the
// identity the offline plan and the real engine must agree on.
func resourceKeys(exp *graph.Export) []string {
	byURN := map[string]*graph.Resource{}
	for i := range exp.Deployment.Resources {
		byURN[exp.Deployment.Resources[i].URN] = &exp.Deployment.Resources[i]
	}
	var keys []string
	for _, r := range exp.Deployment.Resources {
		if strings.HasPrefix(r.Type, "pulumi:providers:") || r.Type == graph.RootStackType {
			continue
		}
		parent := ""
		if p := byURN[r.Parent]; p != nil && p.Type != graph.RootStackType {
			parent = p.Type + " " + p.Name()
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
	inB := map[string]int{}
	for _, k := range b {
		inB[k]++
	}
	for _, k := range a {
		if inB[k] > 0 {
			inB[k]--
			continue
		}
		onlyA = append(onlyA, k)
	}
	inA := map[string]int{}
	for _, k := range a {
		inA[k]++
	}
	for _, k := range b {
		if inA[k] > 0 {
			inA[k]--
			continue
		}
		onlyB = append(onlyB, k)
	}
	return onlyA, onlyB
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the end-to-end suite deploys for real against moto; skipped with -short")
	}
	tools, err := buildTools()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	logs, err := os.Create(filepath.Join(root, "pulumi.log"))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("FARGO_E2E_LOGS"); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
		root = dir
		logs, _ = os.Create(filepath.Join(dir, "pulumi.log"))
	}
	moto, err := startMoto(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(moto.stop)
	proj, err := newProject(tools, moto, t.TempDir(), logs)
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{t: t, ctx: context.Background(), project: proj, stacks: map[string]*auto.Stack{},
		report: report{Resources: map[string]int{}}, details: map[string][]string{}}
	t.Cleanup(func() { s.writeReport(t) })

	s.scenario("dev/up-fresh", s.devUpFresh)
	s.scenario("dev/no-drift", s.devNoDrift)
	s.scenario("dev/rollout", s.devRollout)
	s.scenario("dev/up-keeps-rollout", s.devUpKeepsRollout)
}

func (s *suite) writeReport(t *testing.T) {
	path := os.Getenv("FARGO_E2E_REPORT")
	if path == "" {
		return
	}
	data, _ := json.MarshalIndent(s.report, "", "  ")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Error(err)
	}
}

func (s *suite) devUpFresh(t *testing.T) {
	start := time.Now()
	s.up(t, "dev")
	s.note(t, "up of dev took %.0f s", time.Since(start).Seconds())
	real := s.export(t, "dev")
	got, want := resourceKeys(real), resourceKeys(s.offlinePlan(t, "dev"))
	s.report.Resources["dev"] = len(got)
	onlyReal, onlyPlan := diffKeys(got, want)
	for _, k := range onlyReal {
		t.Errorf("deployed but not in the offline plan: %s", k)
	}
	for _, k := range onlyPlan {
		t.Errorf("in the offline plan but not deployed: %s", k)
	}
	s.note(t, "%d resources deployed, the same %d the offline plan lists", len(got), len(want))
	for _, svc := range real.Resources("aws:ecs/service:Service") {
		if n, _ := svc.Number("desiredCount"); n != 0 {
			t.Errorf("%s runs %v tasks before any image exists", svc.Name(), n)
		}
	}
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
		expectOnlySameStrings(t, "refresh", *ref.Summary.ResourceChanges)
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

func expectOnlySameStrings(t *testing.T, what string, summary map[string]int) {
	t.Helper()
	expectOnlySame(t, what, summary)
}

// liveService is what ECS says of one of a stack's services.
type liveService struct {
	DesiredCount   int    `json:"desiredCount"`
	TaskDefinition string `json:"taskDefinition"`
	Image          string
	NetworkConfig  struct {
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
		} `json:"taskDefinition"`
	}
	if err := json.Unmarshal([]byte(s.aws(t, "ecs", "describe-task-definition", "--task-definition", svc.TaskDefinition)), &td); err != nil || len(td.TaskDefinition.ContainerDefinitions) == 0 {
		t.Fatalf("describing %s: %v", svc.TaskDefinition, err)
	}
	svc.Image = td.TaskDefinition.ContainerDefinitions[0].Image
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
	for _, service := range []string{"backend", "frontend"} {
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
	for _, service := range []string{"backend", "frontend"} {
		before[service] = s.liveService(t, "dev", service)
	}
	s.up(t, "dev")
	for service, was := range before {
		now := s.liveService(t, "dev", service)
		if now.Image != was.Image || now.DesiredCount != was.DesiredCount {
			t.Errorf("a full up moved %s from %s x%d to %s x%d", service, was.Image, was.DesiredCount, now.Image, now.DesiredCount)
		}
	}
	s.note(t, "a full up kept both services' image and task count")
}
