package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/examples/consumer/consumer"
	"github.com/fargo-dev/fargo/outputs"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

// consumerOutputs deploys examples/consumer as its own project beside fargo's, on
// the same backend, reading the live dev through a real stack reference; then
// shows a change in dev reaching it, and the reader refusing a stack that is not
// fargo's.
func (s *suite) consumerOutputs(t *testing.T) {
	start := time.Now()
	st := s.consumerStack(t, "dev", "organization/fargo/dev")
	got := s.upSide(t, st)
	n := s.compareConsumer(t, got)
	s.consumerNamesTheAccount(t, got)
	if fmt.Sprint(got["privateSubnetCount"]) != "0" {
		t.Errorf("dev on nat: none, yet privateSubnetCount is %v", got["privateSubnetCount"])
	}
	s.note(t, "consumer up in %.0f s: %d outputs compared with dev's, equal; siteUrl, backendService, postsTable and backendRepository found in the account", time.Since(start).Seconds(), n)

	// Dev's tasks move to private subnets: the consumer's next up sees them.
	zones := s.setNat(t, config.NatSingle)
	switched := time.Now()
	s.up(t, "dev")
	after := s.upSide(t, st)
	s.compareConsumer(t, after)
	if fmt.Sprint(after["privateSubnetCount"]) != fmt.Sprint(zones) {
		t.Errorf("with nat: single, privateSubnetCount is %v, want one per zone (%v)", after["privateSubnetCount"], zones)
	}
	if after["siteUrl"] != got["siteUrl"] {
		t.Errorf("a NAT switch moved siteUrl from %v to %v", got["siteUrl"], after["siteUrl"])
	}
	s.note(t, "nat none -> single (dev up and consumer up in %.0f s): privateSubnetCount %v -> %v, siteUrl unchanged", time.Since(switched).Seconds(), got["privateSubnetCount"], after["privateSubnetCount"])
	// Later scenarios start from dev as it was.
	restored := time.Now()
	s.setNat(t, config.NatNone)
	s.up(t, "dev")
	if private, _ := s.outputs(t, "dev")[outputs.PrivateSubnetIDs].Value.([]any); len(private) != 0 {
		t.Errorf("dev back on nat: none still has private subnets %v", private)
	}
	s.note(t, "dev back to nat none in %.0f s", time.Since(restored).Seconds())
	s.removeSide(t, st)

	s.refuseNotFargo(t)
	s.note(t, "scenario took %.0f s", time.Since(start).Seconds())
}

// sideStack opens a stack of another Pulumi project, the one Pulumi.yaml
// describes, on the suite's backend and Pulumi home, running program inline.
func (s *suite) sideStack(t *testing.T, pulumiYAML []byte, stack string, program pulumi.RunFunc) auto.Stack {
	t.Helper()
	var project struct{ Name string }
	if err := yaml.Unmarshal(pulumiYAML, &project); err != nil || project.Name == "" {
		t.Fatalf("a Pulumi.yaml without a project name (%v):\n%s", err, pulumiYAML)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), pulumiYAML, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := auto.UpsertStackInlineSource(s.ctx, stack, project.Name, program,
		auto.WorkDir(dir), auto.PulumiHome(s.project.home), auto.Pulumi(s.project.cmd), auto.EnvVars(s.project.env()))
	if err != nil {
		t.Fatalf("opening stack %s/%s: %v", project.Name, stack, err)
	}
	return st
}

// consumerStack opens a stack of the example consumer, a project of its own
// described by its own Pulumi.yaml, and points it at a fargo stack as
// `pulumi config set fargoStack` does.
func (s *suite) consumerStack(t *testing.T, stack, fargoStack string) auto.Stack {
	t.Helper()
	data, err := os.ReadFile("../examples/consumer/Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st := s.sideStack(t, data, stack, consumer.Program)
	proj, err := st.Workspace().ProjectSettings(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetConfig(s.ctx, string(proj.Name)+":fargoStack", auto.ConfigValue{Value: fargoStack}); err != nil {
		t.Fatal(err)
	}
	return st
}

// upSide runs `pulumi up` on a side project's stack and returns its outputs.
func (s *suite) upSide(t *testing.T, st auto.Stack) map[string]any {
	t.Helper()
	res, err := st.Up(s.ctx, optup.ProgressStreams(s.project.logs), optup.ErrorProgressStreams(s.project.logs))
	if err != nil {
		t.Fatalf("pulumi up --stack %s: %v", st.Name(), err)
	}
	out := map[string]any{}
	for k, v := range res.Outputs {
		out[k] = v.Value
	}
	return out
}

// removeSide destroys a side project's stack and removes it from the backend.
func (s *suite) removeSide(t *testing.T, st auto.Stack) {
	t.Helper()
	if _, err := st.Destroy(s.ctx, optdestroy.ProgressStreams(s.project.logs)); err != nil {
		t.Fatalf("pulumi destroy --stack %s: %v", st.Name(), err)
	}
	if err := st.Workspace().RemoveStack(s.ctx, st.Name()); err != nil {
		t.Fatalf("pulumi stack rm %s: %v", st.Name(), err)
	}
}

// compareConsumer checks the consumer exports exactly its six outputs, each equal
// to what dev's outputs say, and returns how many it compared.
func (s *suite) compareConsumer(t *testing.T, got map[string]any) int {
	t.Helper()
	dev := s.outputs(t, "dev")
	str := func(name string) string { v, _ := dev[name].Value.(string); return v }
	entry := func(name, key string) string {
		m, _ := dev[name].Value.(map[string]any)
		v, _ := m[key].(string)
		return v
	}
	private, _ := dev[outputs.PrivateSubnetIDs].Value.([]any)
	want := map[string]any{
		"siteUrl":            str(outputs.URL),
		"apiHealthUrl":       str(outputs.URL) + "/api/health",
		"backendRepository":  entry(outputs.RepositoryURLs, "backend"),
		"backendService":     str(outputs.ClusterName) + "/" + entry(outputs.ServiceNames, "backend"),
		"postsTable":         entry(outputs.TableNames, "posts"),
		"privateSubnetCount": len(private),
	}
	if names := sortedKeys(got); fmt.Sprint(names) != fmt.Sprint(sortedKeys(want)) {
		t.Errorf("the consumer exports %v, want %v", names, sortedKeys(want))
	}
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) || v == "" || strings.HasSuffix(fmt.Sprint(v), "/") {
			t.Errorf("the consumer's %s is %v, dev's outputs say %v", k, got[k], v)
		}
	}
	// The count must agree with the subnets dev's state holds, not only its output.
	privateInState := 0
	for _, sn := range s.export(t, "dev").Resources("aws:ec2/subnet:Subnet") {
		if strings.HasPrefix(sn.Name(), "network-private-") {
			privateInState++
		}
	}
	if fmt.Sprint(got["privateSubnetCount"]) != fmt.Sprint(privateInState) {
		t.Errorf("privateSubnetCount is %v; dev's state holds %d private subnets", got["privateSubnetCount"], privateInState)
	}
	return len(want)
}

// consumerNamesTheAccount finds what the consumer's outputs name in the account:
// the load balancer behind siteUrl, the backend service, the table, the repository.
func (s *suite) consumerNamesTheAccount(t *testing.T, got map[string]any) {
	t.Helper()
	host := strings.TrimPrefix(fmt.Sprint(got["siteUrl"]), "http://")
	if lbs := s.aws(t, "elbv2", "describe-load-balancers"); !strings.Contains(lbs, `"DNSName": "`+host+`"`) {
		t.Errorf("no load balancer answers for siteUrl %v", got["siteUrl"])
	}
	cluster, service, _ := strings.Cut(fmt.Sprint(got["backendService"]), "/")
	if svc := s.aws(t, "ecs", "describe-services", "--cluster", cluster, "--services", service); !strings.Contains(svc, `"status": "ACTIVE"`) {
		t.Errorf("backendService %v is not an active service:\n%s", got["backendService"], svc)
	}
	if table := s.aws(t, "dynamodb", "describe-table", "--table-name", fmt.Sprint(got["postsTable"])); !strings.Contains(table, `"TableStatus": "ACTIVE"`) {
		t.Errorf("postsTable %v is not an active table", got["postsTable"])
	}
	repo := fmt.Sprint(got["backendRepository"])
	if repos := s.aws(t, "ecr", "describe-repositories", "--repository-names", repo[strings.Index(repo, "/")+1:]); !strings.Contains(repos, `"repositoryUri": "`+repo+`"`) {
		t.Errorf("no repository has the URI backendRepository %s", repo)
	}
}

// setNat sets dev's NAT mode in its scratch stack file and returns its zone count.
func (s *suite) setNat(t *testing.T, nat config.NatMode) (zones any) {
	t.Helper()
	s.editStackFile(t, "dev", func(cfg map[string]any) {
		network := cfg["fargo:network"].(map[string]any)
		network["nat"] = string(nat)
		zones = network["availabilityZones"]
	})
	return zones
}

// refuseNotFargo deploys a project that exports nothing of fargo's, points the
// consumer at it, and expects its preview and up to fail, naming the stack and
// every output the typed reader requires.
func (s *suite) refuseNotFargo(t *testing.T) {
	t.Helper()
	other := s.sideStack(t, []byte("name: not-fargo\nruntime: go\n"), "dev", func(ctx *pulumi.Context) error {
		ctx.Export("hello", pulumi.String("world"))
		return nil
	})
	if out := s.upSide(t, other); len(out) != 1 {
		t.Fatalf("the other stack exports %v, want only hello", out)
	}
	st := s.consumerStack(t, "not-fargo", "organization/not-fargo/dev")
	_, errPreview := st.Preview(s.ctx, optpreview.ProgressStreams(s.project.logs))
	_, errUp := st.Up(s.ctx, optup.ProgressStreams(s.project.logs))
	var line string
	for what, err := range map[string]error{"preview": errPreview, "up": errUp} {
		if err == nil {
			t.Errorf("the consumer's %s succeeded on a stack that is not fargo's", what)
			continue
		}
		line = readerLine(err.Error())
		for _, want := range append([]string{"organization/not-fargo/dev"}, requiredNames()...) {
			if !strings.Contains(line, want) {
				t.Errorf("the consumer's %s failed without naming %s: %v", what, want, err)
			}
		}
	}
	if out, err := st.Outputs(s.ctx); err != nil || len(out) != 0 {
		t.Errorf("the refused consumer holds outputs %v (%v)", out, err)
	}
	s.removeSide(t, st)
	s.removeSide(t, other)
	s.note(t, "consumer on a stack exporting only hello: preview and up fail with: %s", line)
}

// requiredNames are the quoted names of the outputs outputs.Require checks.
func requiredNames() []string {
	var names []string
	for _, o := range outputs.Required() {
		names = append(names, fmt.Sprintf("%q", o.Name))
	}
	return names
}

// readerLine is the line of a failed operation's output that holds the reader's
// error, or all of it when no line does.
func readerLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "reading fargo stack") {
			return strings.TrimLeft(l, " \t*")
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
