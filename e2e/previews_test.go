package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/internal/naming"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
)

// preview.yml's jobs, run step by step as GitHub runs them (ghJobRun): their
// scripts against the emulator, in a checkout of fargo; the image build as the
// manifests ECR would receive; `pulumi up` and `pulumi destroy` through the
// Automation API with the arguments the scripts give them (the Go language host
// is not available here).

const previewWorkflowPath = "../.github/workflows/preview.yml"

// The pull requests the suite previews.
const (
	firstPR  = "31"
	secondPR = "32"
	thirdPR  = "33"
)

// recordingOps stands in for the Pulumi CLI in the preview jobs' steps: it
// records `up` and `destroy` (their arguments one a line, then "--") for the
// suite to run, and hands every other command to the real CLI.
const recordingOps = `#!/usr/bin/env bash
case "$1" in
  up | destroy) { printf '%s\n' "$@"; echo --; } >> "$FARGO_E2E_PULUMI_OPS"; exit 0 ;;
esac
exec "$FARGO_E2E_PULUMI" "$@"
`

// fakeGHPulls stands in for the GitHub CLI in the clean-up job: a pull request
// listed in $FARGO_E2E_OPEN_PULLS is open, any other closed.
const fakeGHPulls = `#!/usr/bin/env bash
for a in "$@"; do
  case $a in
    repos/*/pulls/*) n=${a##*/}; if [[ " $FARGO_E2E_OPEN_PULLS " == *" $n "* ]]; then echo open; else echo closed; fi; exit 0 ;;
  esac
done
echo "unexpected gh call: $*" >&2
exit 1
`

// previewRun is one run of a preview.yml job.
type previewRun struct {
	job       *ghJobRun
	ok        bool
	ups       []string // stacks the job's steps put up
	destroyed []string // stacks they destroyed
	upTime    time.Duration
	gh        *fakeGitHub
}

// moduleEntries are the top-level entries of fargo's Go module in repo, which
// a workflow's `go run ./cmd/plan` builds from: go.mod, go.sum, the exception
// register, and every file and folder with Go source (not the suite's own
// module, e2e).
func moduleEntries(t *testing.T, repo string) []string {
	t.Helper()
	entries, err := os.ReadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"go.mod", "go.sum", "exceptions.yaml"}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, ".") || name == "e2e":
		case !e.IsDir() && strings.HasSuffix(name, ".go"):
			out = append(out, name)
		case e.IsDir() && hasGo(filepath.Join(repo, name)):
			out = append(out, name)
		}
	}
	return out
}

// hasGo says whether a folder holds Go source at any depth.
func hasGo(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// previewCheckout makes the runner's workspace as the preview jobs see it: the
// pull request's repository (a folder per service), and fargo's checkout in
// .fargo, which is the scratch project (its stack files) with the module
// linked beside them, so that the steps' `go run ./cmd/plan` builds from Go's
// cache.
func (s *suite) previewCheckout(t *testing.T) string {
	t.Helper()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	workspace := filepath.Join(filepath.Dir(s.project.dir), "preview-workspace")
	for _, d := range []string{"frontend", "backend"} {
		if err := os.MkdirAll(filepath.Join(workspace, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Lstat(filepath.Join(workspace, ".fargo")); err != nil {
		if err := os.Symlink(s.project.dir, filepath.Join(workspace, ".fargo")); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range moduleEntries(t, repo) {
		link := filepath.Join(s.project.dir, f)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(repo, f), link); err != nil {
			t.Fatal(err)
		}
	}
	return workspace
}

// previewJob runs one job of preview.yml for a pull request (event is the
// event's name; action its activity type; sha the head commit).
func (s *suite) previewJob(t *testing.T, job, event, action, pr, sha string, commented bool, open []string) *previewRun {
	t.Helper()
	wf := readGHWorkflow(t, previewWorkflowPath)
	dir := s.previewCheckout(t)
	role, _ := s.outputs(t, "dev")["previewsRoleArn"].Value.(string)
	if role == "" {
		t.Fatal("dev has no previewsRoleArn output (fargo:previews and fargo:github)")
	}
	ctx := ghContext{
		"github.event_name": event, "github.event.action": action, "github.repository": prRepository, "github.token": "fake-token",
		"github.event.pull_request.number": pr, "github.event.pull_request.head.repo.full_name": prRepository,
		"github.event.pull_request.head.sha": sha,
		"vars.PULUMI_ORG":                    "organization", "vars.AWS_REGION": region, "vars.DEV_PREVIEWS_ROLE_ARN": role,
		"secrets.PULUMI_ACCESS_TOKEN": "", "github.sha": sha, "inputs.infra-repository": "", "inputs.infra-ref": "",
	}
	if !ctx.condition(t, wf.Jobs[job].If, false) {
		t.Fatalf("preview.yml's %s job does not run on %s/%s of pull request %s", job, event, action, pr)
	}
	temp := filepath.Join(filepath.Dir(s.project.dir), "preview-runner", fmt.Sprintf("%s-%s-%d", job, pr, time.Now().UnixNano()))
	r := newJobRun(t, wf, job, ctx, dir, temp, nil)
	for k, v := range s.jobEnv() {
		if _, set := r.env[k]; !set {
			r.env[k] = v
		}
	}
	run := &previewRun{job: r}
	nothing := func(ghStep, map[string]string) error { return nil }
	// The checkout is previewCheckout's; Go and the CLIs are on PATH; the
	// emulator has one account (the previews role's policy is judged on the
	// calls recorded); the program runs inline, so there is nothing to build or log in to.
	for _, a := range []string{"actions/checkout", "actions/setup-go", "aws-actions/configure-aws-credentials", "pulumi/actions",
		"aws-actions/amazon-ecr-login", "docker/setup-qemu-action", "docker/setup-buildx-action", "Build the program"} {
		r.standIns[a] = nothing
	}
	bin := filepath.Join(temp, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "pulumi"), []byte(recordingOps), 0o755); err != nil {
		t.Fatal(err)
	}
	ops := filepath.Join(temp, "pulumi-ops")
	recorded := map[string]string{
		"PATH":                 bin + string(os.PathListSeparator) + r.env["PATH"],
		"FARGO_E2E_PULUMI_OPS": ops,
		"FARGO_E2E_PULUMI":     filepath.Join(s.project.tools.pulumiRoot, "bin", "pulumi"),
		"FARGO_E2E_OPEN_PULLS": strings.Join(open, " "),
	}
	for _, title := range []string{"Create the preview", "Deploy the preview", "Destroy the preview", "Destroy the previews of closed pull requests"} {
		r.extraEnv[title] = recorded
		r.standIns[title] = func(st ghStep, _ map[string]string) error {
			_ = os.Remove(ops)
			delete(r.standIns, title)
			defer func() { r.standIns[title] = run.replay(t, s, ops) }()
			if _, err := r.runStep(st); err != nil {
				return err
			}
			return run.replay(t, s, ops)(st, nil)
		}
	}
	r.standIns["Make the preview's stack"] = func(st ghStep, _ map[string]string) error {
		delete(r.standIns, "Make the preview's stack")
		_, err := r.runStep(st)
		if err == nil {
			// The emulator's endpoints, which the template's copy does not hold.
			stack := "pr" + pr
			delete(s.stacks, stack)
			if err := s.stack(t, stack).SetAllConfig(s.ctx, s.project.moto.providerConfig()); err != nil {
				t.Fatal(err)
			}
		}
		return err
	}
	r.standIns["Build and push the images"] = func(st ghStep, _ map[string]string) error {
		var services []struct{ Service, Repository string }
		if err := json.Unmarshal([]byte(r.ctx["steps.services.outputs.services"]), &services); err != nil || len(services) == 0 {
			return fmt.Errorf("the services step listed no service to build: %q", r.ctx["steps.services.outputs.services"])
		}
		for _, svc := range services {
			// docker buildx --push, as far as ECR sees it: a manifest under the tag.
			manifest := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:` + strings.Repeat("cd", 32) + `"},"layers":[]}`
			repo := svc.Repository[strings.Index(svc.Repository, "/")+1:]
			if _, err := s.awsCall("ecr", "put-image", "--repository-name", repo, "--image-tag", r.env["TAG"], "--image-manifest", manifest); err != nil {
				return err
			}
		}
		r.logs["Build and push the images"] = fmt.Sprintf("pushed %d images tagged %s", len(services), r.env["TAG"])
		return nil
	}
	run.gh = newFakeGitHubFor(t, "<!-- fargo-preview -->", "pr"+pr, commented)
	// The fake gh first on PATH, before the job's (the CLIs).
	ghEnv := map[string]string{}
	for k, v := range run.gh.env {
		ghEnv[k] = v
	}
	ghEnv["PATH"] = strings.SplitN(run.gh.env["PATH"], string(os.PathListSeparator), 2)[0] + string(os.PathListSeparator) + r.env["PATH"]
	r.extraEnv["Comment on the pull request"] = ghEnv
	if job == "clean-up" {
		fake := filepath.Join(temp, "gh")
		if err := os.MkdirAll(fake, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(fake, "gh"), []byte(fakeGHPulls), 0o755); err != nil {
			t.Fatal(err)
		}
		recorded["PATH"] = fake + string(os.PathListSeparator) + recorded["PATH"]
	}
	run.ok = r.runAll()
	return run
}

// replay runs the ups and destroys a step's script asked for, in order, as the
// CLI would have: through the Automation API on the scratch project.
func (run *previewRun) replay(t *testing.T, s *suite, ops string) func(ghStep, map[string]string) error {
	return func(ghStep, map[string]string) error {
		data, err := os.ReadFile(ops)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, group := range strings.Split(strings.TrimSuffix(string(data), "--\n"), "--\n") {
			args := strings.Split(strings.TrimSpace(group), "\n")
			i := slices.Index(args, "--stack")
			if i < 0 || i+1 >= len(args) {
				return fmt.Errorf("pulumi %v names no stack", args)
			}
			stack := args[i+1][strings.LastIndex(args[i+1], "/")+1:]
			switch args[0] {
			case "up":
				start := time.Now()
				s.up(t, stack)
				run.upTime += time.Since(start)
				run.ups = append(run.ups, stack)
			case "destroy":
				st := s.stack(t, stack)
				s.operation(t, stack, false, func() { _, err = st.Destroy(s.ctx, optdestroy.ProgressStreams(s.project.logs)) })
				if err != nil {
					return fmt.Errorf("pulumi destroy --stack %s: %w", stack, err)
				}
				if slices.Contains(args, "--remove") {
					if err := st.Workspace().RemoveStack(s.ctx, stack); err != nil {
						return err
					}
					delete(s.stacks, stack)
				}
				run.destroyed = append(run.destroyed, stack)
			}
		}
		return os.Remove(ops)
	}
}

// listenerRoutes describes dev's load balancer's listeners: port, default
// target group and each rule's target group and conditions.
func (s *suite) listenerRoutes(t *testing.T) map[int]string {
	t.Helper()
	lb := s.outputs(t, "dev")["previewHost"].Value.(map[string]any)["loadBalancerArn"].(string)
	var listeners struct {
		Listeners []struct {
			ListenerArn    string
			Port           int
			DefaultActions []struct{ TargetGroupArn, Type string }
		}
	}
	if err := json.Unmarshal([]byte(s.aws(t, "elbv2", "describe-listeners", "--load-balancer-arn", lb)), &listeners); err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, l := range listeners.Listeners {
		var rules struct {
			Rules []struct {
				Priority   string
				Conditions []struct {
					Field             string
					Values            []string
					PathPatternConfig struct{ Values []string }
					HostHeaderConfig  struct{ Values []string }
				}
				Actions []struct{ TargetGroupArn string }
			}
		}
		if err := json.Unmarshal([]byte(s.aws(t, "elbv2", "describe-rules", "--listener-arn", l.ListenerArn)), &rules); err != nil {
			t.Fatal(err)
		}
		desc := ""
		for _, a := range l.DefaultActions {
			desc += a.Type + ":" + a.TargetGroupArn
		}
		for _, r := range rules.Rules {
			if r.Priority == "default" {
				continue
			}
			var tgs []string
			for _, a := range r.Actions {
				tgs = append(tgs, a.TargetGroupArn)
			}
			var conds []string
			for _, c := range r.Conditions {
				values := slices.Concat(c.Values, c.PathPatternConfig.Values, c.HostHeaderConfig.Values)
				conds = append(conds, c.Field+"="+strings.Join(values, ","))
			}
			desc += fmt.Sprintf(" | %s %v -> %v", r.Priority, conds, tgs)
		}
		out[l.Port] = desc
	}
	return out
}

// targetGroups maps a stack's services to their target groups' ARNs.
func targetGroups(exp *graph.Export) map[string]string {
	out := map[string]string{}
	for _, tg := range exp.Resources("aws:lb/targetGroup:TargetGroup") {
		out[strings.TrimPrefix(tg.Name(), "web-")] = tg.String("arn")
	}
	return out
}

// previewPort is the port a preview's url names.
func (s *suite) previewPort(t *testing.T, stack string) int {
	t.Helper()
	url, _ := s.outputs(t, stack)["url"].Value.(string)
	port, err := strconv.Atoi(url[strings.LastIndex(url, ":")+1:])
	if err != nil {
		t.Fatalf("%s's url %q names no port", stack, url)
	}
	return port
}

// awsString is an AWS CLI call whose query selects one string.
func (s *suite) awsString(t *testing.T, args ...string) string {
	t.Helper()
	var v string
	if out := s.aws(t, args...); json.Unmarshal([]byte(out), &v) != nil {
		t.Fatalf("aws %s: %q is not one string", strings.Join(args[:2], " "), out)
	}
	return v
}

// taskImages maps a stack's services to the images their ECS services run.
func (s *suite) taskImages(t *testing.T, stack string) map[string]string {
	t.Helper()
	out := map[string]string{}
	cluster, _ := s.outputs(t, stack)["clusterName"].Value.(string)
	names, _ := s.outputs(t, stack)["serviceNames"].Value.(map[string]any)
	for svc, name := range names {
		def := s.awsString(t, "ecs", "describe-services", "--cluster", cluster, "--services", fmt.Sprint(name), "--query", "services[0].taskDefinition")
		out[svc] = s.awsString(t, "ecs", "describe-task-definition", "--task-definition", def, "--query", "taskDefinition.containerDefinitions[0].image")
	}
	return out
}

// devFootprint is what previews must leave as it was: dev's resources and its
// load balancer's own listeners and rules (port 80, and 443 with a domain).
func (s *suite) devFootprint(t *testing.T) string {
	t.Helper()
	routes := s.listenerRoutes(t)
	own := []string{}
	for port, desc := range routes {
		if port == 80 || port == 443 {
			own = append(own, fmt.Sprintf("%d %s", port, desc))
		}
	}
	slices.Sort(own)
	return fmt.Sprintf("%d resources; %s", len(resourceKeys(s.export(t, "dev"))), strings.Join(own, "; "))
}

// prOpen opens two pull requests: each gets its own preview beside dev, on its
// own port of dev's load balancer, serving its own target groups, with its URL
// and monthly cost in the pull request's comment; dev's routes stay as they were.
func (s *suite) prOpen(t *testing.T) {
	before := s.devFootprint(t)
	s.previewMarks = [][2]int{{callLog{s.project.moto.calls}.mark(t), -1}}
	devExp := s.export(t, "dev")
	host := s.outputs(t, "dev")["previewHost"].Value.(map[string]any)
	for i, pr := range []string{firstPR, secondPR} {
		stack := "pr" + pr
		start := time.Now()
		run := s.previewJob(t, "up", "pull_request", "opened", pr, strings.Repeat(pr[1:], 40)[:40], false, nil)
		took := time.Since(start)
		if !run.ok {
			t.Fatalf("preview.yml's up job failed for pull request %s:\n%s", pr, stepLogs(run.job.logs))
		}
		if !slices.Equal(run.ups, []string{stack, stack}) {
			t.Errorf("pull request %s's job put up %v; want %s created, then deployed with its images", pr, run.ups, stack)
		}
		exp := s.export(t, stack)
		s.recordResources(stack, len(resourceKeys(exp)))
		s.note(t, "%s: %d resources; its two ups %.0f s, the whole job %.0f s", stack, len(resourceKeys(exp)), run.upTime.Seconds(), took.Seconds())

		// Its own port, the lowest free one, forwarding to its own target groups.
		port := s.previewPort(t, stack)
		if want := 8001 + i; port != want {
			t.Errorf("%s answers on %d, want %d (the lowest free port of 8001-8010)", stack, port, want)
		}
		tgs := targetGroups(exp)
		routes := s.listenerRoutes(t)
		if !strings.HasPrefix(routes[port], "forward:"+tgs["frontend"]) || !strings.Contains(routes[port], "/api/*") || !strings.Contains(routes[port], tgs["backend"]) {
			t.Errorf("port %d routes %q, want %s's frontend by default and /api/* to its backend (%v)", port, routes[port], stack, tgs)
		}
		for _, own := range targetGroups(devExp) {
			if strings.Contains(routes[port], own) {
				t.Errorf("%s's port %d routes to dev's target group %s", stack, port, own)
			}
		}
		// Its tasks on dev's subnets, in its own group and dev's previews' one,
		// running the pull request's images from dev's previews' repositories.
		placement := s.aws(t, "ecs", "describe-services", "--cluster", "fargo_"+stack, "--services",
			fmt.Sprint(s.outputs(t, stack)["serviceNames"].Value.(map[string]any)["backend"]), "--query", "services[0].networkConfiguration.awsvpcConfiguration")
		for _, want := range append(toStrings(host["taskSubnetIds"]), host["previewTasksSecurityGroupId"].(string)) {
			if !strings.Contains(placement, want) {
				t.Errorf("%s's backend runs outside dev's subnets or previews' group: %s lacks %s", stack, placement, want)
			}
		}
		for svc, image := range s.taskImages(t, stack) {
			want := fmt.Sprint(host["repositoryUrls"].(map[string]any)[svc]) + ":" + run.job.env["TAG"]
			if image != want {
				t.Errorf("%s's %s runs %s, want %s", stack, svc, image, want)
			}
		}
		// The comment: the URL and the plan's monthly cost.
		_, body := run.gh.calls()
		url, _ := s.outputs(t, stack)["url"].Value.(string)
		if !strings.Contains(body, "**"+url+"**") || !strings.Contains(body, "$13.63 a month awake ($0.0187 an hour") {
			t.Errorf("%s's comment lacks its URL or cost:\n%s", stack, body)
		}
		if i == 0 {
			s.note(t, "comment: %s", strings.ReplaceAll(strings.TrimSpace(body), "\n", " / "))
		}
		if left := missingPreviewTags(exp, stack); len(left) > 0 {
			t.Errorf("%s's resources without its tags: %v", stack, left)
		}
	}
	if after := s.devFootprint(t); after != before {
		t.Errorf("previews changed dev:\nbefore %s\nafter  %s", before, after)
	}
	s.note(t, "dev unchanged: %s", before)
}

// toStrings reads a JSON list of strings.
func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, e := range l {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}

// missingPreviewTags lists a preview's taggable resources that lack its stack
// and host tags, on which the previews role's conditions rest.
func missingPreviewTags(exp *graph.Export, stack string) []string {
	var out []string
	for _, r := range exp.Deployment.Resources {
		tags, ok := r.Inputs["tags"].(map[string]any)
		if !ok {
			continue
		}
		if tags[naming.TagStack] != stack || tags[naming.TagPreviewOf] != "dev" {
			out = append(out, r.Name())
		}
	}
	return out
}

// prUpdate pushes to the first pull request: the new images reach its preview
// only. Dev's destroy then stops, naming both previews, and changes nothing;
// and a third pull request finds every port taken and is told by whom.
func (s *suite) prUpdate(t *testing.T) {
	first, second := "pr"+firstPR, "pr"+secondPR
	secondImages, devImages := s.taskImages(t, second), s.taskImages(t, "dev")
	run := s.previewJob(t, "up", "pull_request", "synchronize", firstPR, strings.Repeat("e", 40), true, nil)
	if !run.ok {
		t.Fatalf("the up job failed on a push:\n%s", stepLogs(run.job.logs))
	}
	if !slices.Equal(run.ups, []string{first}) {
		t.Errorf("a push put up %v; want %s once (it exists)", run.ups, first)
	}
	if port := s.previewPort(t, first); port != 8001 {
		t.Errorf("%s moved to port %d on a push", first, port)
	}
	for svc, image := range s.taskImages(t, first) {
		if !strings.HasSuffix(image, ":pr"+firstPR+"-"+strings.Repeat("e", 40)) {
			t.Errorf("%s's %s runs %s after the push", first, svc, image)
		}
	}
	if got := s.taskImages(t, second); fmt.Sprint(got) != fmt.Sprint(secondImages) {
		t.Errorf("a push to %s changed %s's images: %v -> %v", first, second, secondImages, got)
	}
	if got := s.taskImages(t, "dev"); fmt.Sprint(got) != fmt.Sprint(devImages) {
		t.Errorf("a push to %s changed dev's images: %v -> %v", first, devImages, got)
	}
	if write := checkPreviewComment(t, run.gh); write != "PATCH" {
		t.Errorf("the push's comment was a %s, want the earlier one edited", write)
	}
	s.note(t, "%s runs pr%s-eee… (its up %.0f s); %s and dev run what they ran", first, firstPR, run.upTime.Seconds(), second)

	// Dev's destroy while previews exist, and its up after, are dev's calls,
	// outside the previews' lifecycle the previews role is judged on.
	before, previewRoutes := s.devFootprint(t), s.listenerRoutes(t)
	s.previewMarks[len(s.previewMarks)-1][1] = callLog{s.project.moto.calls}.mark(t)
	_, err := s.stack(t, "dev").Destroy(s.ctx, optdestroy.ProgressStreams(s.project.logs))
	if err == nil || !strings.Contains(err.Error(), "--run-program") {
		t.Errorf("dev's destroy without running the program: %v; want Pulumi's refusal (delete hooks need --run-program)", err)
	}
	_, err = s.stack(t, "dev").Destroy(s.ctx, optdestroy.RunProgram(true), optdestroy.ProgressStreams(s.project.logs))
	want := "dev hosts the previews " + first + ", " + second
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("dev's destroy with previews: %v; want a refusal naming them (%q)", err, want)
	}
	// What previews run on and their workflow's role stand; dev's own services
	// and routes may be gone (README, "Pull request previews").
	routes := s.listenerRoutes(t)
	for i, pr := range []string{first, second} {
		if port := 8001 + i; routes[port] != previewRoutes[port] {
			t.Errorf("dev's refused destroy changed %s's routes on %d: %q -> %q", pr, port, previewRoutes[port], routes[port])
		}
		res, err := s.stack(t, pr).Refresh(s.ctx)
		if err != nil || res.Summary.ResourceChanges == nil {
			t.Errorf("%s after dev's refused destroy: %v", pr, err)
		} else {
			expectOnlySame(t, pr+"'s refresh after dev's refused destroy", *res.Summary.ResourceChanges)
		}
	}
	left := s.export(t, "dev")
	for _, name := range []string{"web", "github-previews", "network-vpc", "web-previews"} {
		if !slices.ContainsFunc(left.Deployment.Resources, func(r graph.Resource) bool { return r.Name() == name }) {
			t.Errorf("dev's refused destroy deleted %s, which previews need", name)
		}
	}
	deleted := len(resourceKeys(s.export(t, "dev")))
	s.note(t, "dev's destroy refused: without --run-program by Pulumi, with it by the guard: %q; previews untouched", firstLine(err.Error(), want))
	// The next up puts back what the refused destroy deleted.
	s.up(t, "dev")
	s.previewMarks = append(s.previewMarks, [2]int{callLog{s.project.moto.calls}.mark(t), -1})
	if after := s.devFootprint(t); normalTargetGroups(after) != normalTargetGroups(before) {
		t.Errorf("dev after its refused destroy and an up:\nbefore %s\nafter  %s", before, after)
	}
	if got := s.taskImages(t, "dev"); fmt.Sprint(got) != fmt.Sprint(devImages) {
		t.Errorf("dev's services after its refused destroy and an up run %v, want %v", got, devImages)
	}
	s.note(t, "the refused destroy left %d of dev's resources; the next up restored %s", deleted, before)

	// Every port taken: 8003-8010 by stand-in listeners tagged as previews.
	lb := s.outputs(t, "dev")["previewHost"].Value.(map[string]any)["loadBalancerArn"].(string)
	tg := targetGroups(s.export(t, second))["frontend"]
	var holders []string
	for port := 8003; port <= 8010; port++ {
		out := s.awsString(t, "elbv2", "create-listener", "--load-balancer-arn", lb, "--protocol", "HTTP", "--port", fmt.Sprint(port),
			"--default-actions", "Type=forward,TargetGroupArn="+tg, "--tags", fmt.Sprintf("Key=%s,Value=pr%d", naming.TagStack, 100+port-8003),
			"--query", "Listeners[0].ListenerArn")
		holders = append(holders, out)
	}
	full := s.previewJob(t, "up", "pull_request", "opened", thirdPR, strings.Repeat("f", 40), false, nil)
	log := full.job.logs["Make the preview's stack"]
	if full.ok || !strings.Contains(log, "all 10 preview ports of dev (8001-8010) are taken: ") || !strings.Contains(log, first+" (8001)") || !strings.Contains(log, "pr107 (8010)") {
		t.Errorf("a third pull request with every port taken: ok=%v\n%s", full.ok, log)
	}
	for _, arn := range holders {
		s.aws(t, "elbv2", "delete-listener", "--listener-arn", arn)
	}
	if err := s.stack(t, "pr"+thirdPR).Workspace().RemoveStack(s.ctx, "pr"+thirdPR); err != nil {
		t.Fatal(err)
	}
	delete(s.stacks, "pr"+thirdPR)
	s.note(t, "every port taken: %s", firstLine(log, "all 10"))
}

// normalTargetGroups names the target groups of a footprint without their ids
// and Pulumi's random suffixes, which an up that re-creates them changes.
func normalTargetGroups(footprint string) string {
	return regexp.MustCompile(`arn:aws:elasticloadbalancing:[^:]+:\d+:targetgroup/([a-z0-9-]+)-[0-9a-f]{7}/[0-9a-f]+`).ReplaceAllString(footprint, "tg:$1")
}

// firstLine is the line of text holding want.
func firstLine(text, want string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, want) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// checkPreviewComment returns how the comment step wrote the comment (POST or
// PATCH), after checking it listed the comments first.
func checkPreviewComment(t *testing.T, g *fakeGitHub) string {
	t.Helper()
	calls, body := g.calls()
	if len(calls) != 2 || calls[0].method() != "GET" || !strings.HasPrefix(body, "<!-- fargo-preview -->\n") {
		t.Errorf("the comment step called gh %q with body %q", calls, body)
		return ""
	}
	return calls[1].method()
}

// prClose closes the first pull request: its preview is destroyed and its
// stack removed, nothing of it remains, and dev and the other preview are as
// they were; then the daily clean-up finds the second's pull request closed and
// destroys its preview too. Every call of the previews' lifecycle is then judged
// against the previews role's policy.
func (s *suite) prClose(t *testing.T) {
	first, second := "pr"+firstPR, "pr"+secondPR
	before := s.devFootprint(t)
	secondImages := s.taskImages(t, second)
	run := s.previewJob(t, "down", "pull_request", "closed", firstPR, strings.Repeat("e", 40), true, nil)
	if !run.ok || !slices.Equal(run.destroyed, []string{first}) {
		t.Fatalf("the down job destroyed %v (ok=%v):\n%s", run.destroyed, run.ok, stepLogs(run.job.logs))
	}
	if left := s.leftovers(t, first); len(left) > 0 {
		t.Errorf("%s left behind: %v", first, left)
	}
	if _, ok := s.listenerRoutes(t)[8001]; ok {
		t.Errorf("%s's listener on 8001 outlived it", first)
	}
	if got := s.taskImages(t, second); fmt.Sprint(got) != fmt.Sprint(secondImages) {
		t.Errorf("closing %s changed %s: %v -> %v", first, second, secondImages, got)
	}
	if checkPreviewComment(t, run.gh) != "PATCH" {
		t.Error("the down job did not edit the preview's comment")
	}
	clean := s.previewJob(t, "clean-up", "schedule", "", "", "", false, nil)
	if !clean.ok || !slices.Equal(clean.destroyed, []string{second}) {
		t.Errorf("the clean-up destroyed %v (ok=%v), want %s, whose pull request is closed:\n%s", clean.destroyed, clean.ok, second, stepLogs(clean.job.logs))
	}
	if left := s.leftovers(t, second); len(left) > 0 {
		t.Errorf("%s left behind: %v", second, left)
	}
	if after := s.devFootprint(t); after != before {
		t.Errorf("closing previews changed dev:\nbefore %s\nafter  %s", before, after)
	}
	s.previewMarks[len(s.previewMarks)-1][1] = callLog{s.project.moto.calls}.mark(t)
	s.note(t, "%s destroyed by the down job, %s by the daily clean-up; nothing of either remains; dev unchanged", first, second)
	s.judgePreviewsRole(t)
}

// judgePreviewsRole judges every call the previews' lifecycle made (two ups
// each, a push, the guard's refusal aside, two destroys) as the previews role:
// each must be allowed by dev's deployed policy; and the same requests aimed at
// dev's own resources and prod's (names, and tags without the previews' host
// tag) must all be denied, beyond listing, describing and the writes AWS grants
// only on every resource.
func (s *suite) judgePreviewsRole(t *testing.T) {
	t.Helper()
	var calls []apiCall
	for _, w := range s.previewMarks {
		calls = append(calls, callLog{s.project.moto.calls}.read(t, w[0], w[1])...)
	}
	s.judgePreviewsCalls(t, "dev", calls)
}

// judgePreviewsCalls judges a host's previews' calls as its deployed previews
// role (judgePreviewsRole), and notes the counts.
func (s *suite) judgePreviewsCalls(t *testing.T, host string, calls []apiCall) {
	t.Helper()
	exp := s.export(t, host)
	var doc map[string]any
	for _, p := range exp.Resources("aws:iam/rolePolicy:RolePolicy") {
		if p.Name() == "github-previews" {
			_ = json.Unmarshal([]byte(p.String("policy")), &doc)
		}
	}
	if doc == nil {
		t.Fatalf("%s has no deployed previews role policy", host)
	}
	policies := map[string]any{"previews": doc}
	_, scope := s.ciPolicies(t, host)
	var own []iamRequest
	for _, c := range calls {
		if strings.Contains(c.UserAgent, "exec-env/"+suiteUserAgent) {
			continue // the suite's own calls (its checks, the stand-in listeners)
		}
		for _, r := range scope.requests(c) {
			r.Role = "previews"
			own = append(own, r)
		}
	}
	own = unique(own)
	for i, ok := range evaluate(t, s.project.moto.python, policies, own) {
		if !ok {
			t.Errorf("the previews role may not %s on %s (context %v), which a preview's lifecycle calls", own[i].Action, own[i].Resource, own[i].Context)
		}
	}
	var aimed []iamRequest
	for _, r := range own {
		for _, other := range []string{host, "prod"} {
			if a, ok := towardStack(r, other, host); ok {
				aimed = append(aimed, a)
			}
		}
	}
	aimed = unique(aimed)
	denied, residual := 0, 0
	for i, ok := range evaluate(t, s.project.moto.python, policies, aimed) {
		switch {
		case !ok:
			denied++
		case acrossStacks(aimed[i]):
			residual++
		default:
			t.Errorf("the previews role may %s on %s (context %v), which is not a preview's", aimed[i].Action, aimed[i].Resource, aimed[i].Context)
		}
	}
	s.note(t, "previews role: %d calls, %d distinct requests, all allowed; the same %d aimed at %s's and prod's own resources: %d denied, %d allowed lists, describes and unscopable writes",
		len(calls), len(own), len(aimed), host, denied, residual)
}

// towardStack aims a preview's request at the same kind of resource of another
// stack: its names, and its tags (no previews' host tag), as IAM would see them.
func towardStack(r iamRequest, stack, host string) (iamRequest, bool) {
	res := r.Resource
	for _, pr := range []string{firstPR, secondPR, thirdPR, domainPR} {
		res = strings.NewReplacer(
			"fargo_pr"+pr+"-", "fargo-"+stack+"-", "/fargo_pr"+pr+"/", "/fargo/"+stack+"/",
			"fargo_pr"+pr, "fargo-"+stack, "fargo-"+host+"-previews-", "fargo-"+stack+"-",
		).Replace(res)
	}
	ctx := map[string]any{}
	tagged := false
	for k, v := range r.Context {
		switch {
		case strings.HasSuffix(k, "/"+naming.TagPreviewOf):
			tagged = true
		case strings.HasSuffix(k, "/"+naming.TagStack):
			ctx[k] = stack
			tagged = true
		default:
			ctx[k] = v
		}
	}
	if res == r.Resource && !tagged {
		return r, false
	}
	r.Resource, r.Context = res, ctx
	return r, true
}

// domainPR is the pull request whose preview a matrix host with a domain runs.
const domainPR = "41"

// previewUnderDomain deploys a preview of a matrix host that has a domain and
// previews, on its third port, which redirects to its name: it answers on
// https://pr41.<site> through its own rules on the host's HTTPS listener, at
// the priorities that port owns, ahead of the host's own rules, which stay as
// they were; the host's certificate names *.<site> and one wildcard record
// points every preview's name at the load balancer. Then it destroys the
// preview: nothing of it remains, the host's listener holds only its own rules
// again, and every call of the preview's up and destroy is allowed to the
// host's previews role (and denied aimed at the host's own resources).
func (s *suite) previewUnderDomain(t *testing.T, host string, cfg *config.Config) {
	t.Helper()
	stack, site := "pr"+domainPR, cfg.Domain.Name()
	path := filepath.Join(s.project.dir, "Pulumi."+stack+".yaml")
	data, err := os.ReadFile(filepath.Join(s.project.dir, "Pulumi.pr.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	editStackConfig(t, path, func(c map[string]any) {
		c["fargo:previewOf"] = host
		c["fargo:preview"].(map[string]any)["port"] = cfg.Previews.Ports.From + 2
	})
	s.aws(t, "ssm", "put-parameter", "--name", "/fargo-previews/master-key", "--type", "SecureString", "--value", "e2e", "--overwrite")
	previewHost := s.outputs(t, host)["previewHost"].Value.(map[string]any)
	listener, _ := previewHost["httpsListenerArn"].(string)
	if previewHost["siteName"] != site || listener == "" {
		t.Fatalf("%s tells its previews the site %v and HTTPS listener %q", host, previewHost["siteName"], listener)
	}
	hostRules := s.siteRules(t, listener)

	mark := callLog{s.project.moto.calls}.mark(t)
	start := time.Now()
	s.up(t, stack)
	upTime := time.Since(start)
	upCalls := callLog{s.project.moto.calls}.read(t, mark, -1)
	if url := s.outputs(t, stack)["url"].Value; url != "https://"+stack+"."+site {
		t.Errorf("%s's url %v, want https://%s.%s", stack, url, stack, site)
	}
	tgs := targetGroups(s.export(t, stack))
	want := []string{
		fmt.Sprintf("5 host-header=%s.%s path-pattern=/api/* -> %s", stack, site, tgs["backend"]),
		fmt.Sprintf("6 host-header=%s.%s -> %s", stack, site, tgs["frontend"]),
	}
	rules := s.siteRules(t, listener)
	var own []string
	for _, r := range rules {
		if strings.Contains(r, "host-header="+stack+".") {
			own = append(own, r)
		}
	}
	if !slices.Equal(own, want) {
		t.Errorf("%s's rules on %s's HTTPS listener %v, want %v", stack, host, own, want)
	}
	if len(rules) != len(hostRules)+len(own) {
		t.Errorf("%s's HTTPS listener before the preview %v, with it %v", host, hostRules, rules)
	}
	// Its port only redirects to its name, over HTTPS.
	var listeners struct {
		Listeners []struct {
			Port           int
			DefaultActions []struct {
				Type           string
				RedirectConfig struct{ Protocol, Host, Port string }
			}
		}
	}
	if err := json.Unmarshal([]byte(s.aws(t, "elbv2", "describe-listeners", "--load-balancer-arn", previewHost["loadBalancerArn"].(string))), &listeners); err != nil {
		t.Fatal(err)
	}
	redirect := ""
	for _, l := range listeners.Listeners {
		if l.Port == cfg.Previews.Ports.From+2 && len(l.DefaultActions) == 1 {
			a := l.DefaultActions[0]
			redirect = fmt.Sprintf("%s %s://%s:%s", a.Type, a.RedirectConfig.Protocol, a.RedirectConfig.Host, a.RedirectConfig.Port)
		}
	}
	if want := "redirect HTTPS://" + stack + "." + site + ":443"; redirect != want {
		t.Errorf("%s's port %d: %q, want %q", stack, cfg.Previews.Ports.From+2, redirect, want)
	}
	var cert struct {
		Certificate struct{ SubjectAlternativeNames []string }
	}
	if err := json.Unmarshal([]byte(s.aws(t, "acm", "describe-certificate", "--certificate-arn", fmt.Sprint(s.outputs(t, host)["certificateArn"].Value))), &cert); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cert.Certificate.SubjectAlternativeNames, "*."+site) {
		t.Errorf("%s's certificate names %v, not *.%s", host, cert.Certificate.SubjectAlternativeNames, site)
	}
	zone := s.awsString(t, "route53", "list-hosted-zones-by-name", "--dns-name", cfg.Domain.Zone, "--query", "HostedZones[0].Id")
	records := s.aws(t, "route53", "list-resource-record-sets", "--hosted-zone-id", zone, "--query", "ResourceRecordSets[?Type=='A'].Name")
	// Route 53 returns the wildcard label escaped, \052 (JSON: \\052).
	if !strings.Contains(records, `\\052.`+site+".") && !strings.Contains(records, `"*.`+site+`."`) {
		t.Errorf("no wildcard record for the previews' names in %s: %s", cfg.Domain.Zone, records)
	}
	s.note(t, "%s (port %d) answers on https://%s.%s: %s; its up %.0f s", stack, cfg.Previews.Ports.From+2, stack, site, strings.Join(own, "; "), upTime.Seconds())

	mark = callLog{s.project.moto.calls}.mark(t)
	if _, err := s.stack(t, stack).Destroy(s.ctx, optdestroy.ProgressStreams(s.project.logs)); err != nil {
		t.Fatalf("destroy %s: %v", stack, err)
	}
	// Its up and destroy, as the previews' workflow runs them, judged as the
	// host's previews role (its rules on the host's HTTPS listener among them).
	s.judgePreviewsCalls(t, host, append(upCalls, callLog{s.project.moto.calls}.read(t, mark, -1)...))
	if left := s.leftovers(t, stack); len(left) > 0 {
		t.Errorf("%s left behind: %v", stack, left)
	}
	if after := s.siteRules(t, listener); !slices.Equal(after, hostRules) {
		t.Errorf("%s's HTTPS listener after the preview %v, before %v", host, after, hostRules)
	}
}

// siteRules describes a listener's rules (priority, conditions, target groups),
// by priority.
func (s *suite) siteRules(t *testing.T, listener string) []string {
	t.Helper()
	var rules struct {
		Rules []struct {
			Priority   string
			Conditions []struct {
				Field             string
				PathPatternConfig struct{ Values []string }
				HostHeaderConfig  struct{ Values []string }
			}
			Actions []struct{ TargetGroupArn string }
		}
	}
	if err := json.Unmarshal([]byte(s.aws(t, "elbv2", "describe-rules", "--listener-arn", listener)), &rules); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rules.Rules {
		if r.Priority == "default" {
			continue
		}
		conds := []string{}
		for _, c := range r.Conditions {
			conds = append(conds, c.Field+"="+strings.Join(slices.Concat(c.PathPatternConfig.Values, c.HostHeaderConfig.Values), ","))
		}
		slices.Sort(conds)
		var tgs []string
		for _, a := range r.Actions {
			tgs = append(tgs, a.TargetGroupArn)
		}
		out = append(out, fmt.Sprintf("%s %s -> %s", r.Priority, strings.Join(conds, " "), strings.Join(tgs, ",")))
	}
	slices.SortFunc(out, func(a, b string) int {
		pa, _ := strconv.Atoi(strings.Fields(a)[0])
		pb, _ := strconv.Atoi(strings.Fields(b)[0])
		return pa - pb
	})
	return out
}
