package e2e

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"gopkg.in/yaml.v3"
)

// workflowStep is one step of a GitHub Actions job.
type workflowStep struct {
	Name             string            `yaml:"name"`
	Uses             string            `yaml:"uses"`
	With             map[string]string `yaml:"with"`
	Run              string            `yaml:"run"`
	Env              map[string]string `yaml:"env"`
	WorkingDirectory string            `yaml:"working-directory"`
}

// workflowRun runs steps of one of fargo's workflows the way GitHub Actions does
// (bash -eo pipefail, step outputs through GITHUB_OUTPUT), against the emulator.
type workflowRun struct {
	steps   []workflowStep
	inputs  map[string]string
	env     map[string]string
	outputs map[string]map[string]string
	dir     string // the checkout of fargo (.fargo)
	// checkout is where steps without a working directory run: the job's own
	// checkout (fargo's, for deploy.yml); empty for a scratch app checkout.
	checkout string
	// vars are the repository's variables (vars.X); secrets.X read as empty.
	vars map[string]string
}

// loadJobs returns a workflow's steps by job.
func loadJobs(t *testing.T, path string) map[string][]workflowStep {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []workflowStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	jobs := map[string][]workflowStep{}
	for name, j := range wf.Jobs {
		jobs[name] = j.Steps
	}
	return jobs
}

// loadWorkflow returns the steps of every job of a workflow.
func loadWorkflow(t *testing.T, path string) []workflowStep {
	t.Helper()
	var steps []workflowStep
	for _, job := range loadJobs(t, path) {
		steps = append(steps, job...)
	}
	return steps
}

// loadJob returns the steps of one job of a workflow.
func loadJob(t *testing.T, path, job string) []workflowStep {
	t.Helper()
	steps, ok := loadJobs(t, path)[job]
	if !ok {
		t.Fatalf("%s has no job %s", path, job)
	}
	return steps
}

func (w *workflowRun) step(t *testing.T, name string) workflowStep {
	t.Helper()
	for _, s := range w.steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("the workflow has no step %q", name)
	return workflowStep{}
}

var expression = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// expand evaluates the ${{ }} expressions the steps use: steps.X.outputs.Y,
// inputs.X and env.X. Any other expression fails the test, naming it.
func (w *workflowRun) expand(t *testing.T, s string) string {
	t.Helper()
	return expression.ReplaceAllStringFunc(s, func(m string) string {
		expr := expression.FindStringSubmatch(m)[1]
		parts := strings.Split(expr, ".")
		switch {
		case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
			return w.outputs[parts[1]][parts[3]]
		case len(parts) == 2 && parts[0] == "inputs":
			return w.inputs[parts[1]]
		case len(parts) == 2 && parts[0] == "env":
			return w.env[parts[1]]
		case len(parts) == 2 && parts[0] == "vars":
			if v, ok := w.vars[parts[1]]; ok {
				return v
			}
		case len(parts) == 2 && parts[0] == "secrets":
			return ""
		}
		t.Fatalf("the suite cannot evaluate the expression %s", m)
		return ""
	})
}

// run runs a step's script and records its outputs under id.
func (w *workflowRun) run(t *testing.T, id, name string, extraEnv map[string]string) string {
	t.Helper()
	return w.runStep(t, id, w.step(t, name), extraEnv)
}

// runStep runs a step's script, its expressions expanded as GitHub does, and
// records its outputs under id.
func (w *workflowRun) runStep(t *testing.T, id string, st workflowStep, extraEnv map[string]string) string {
	t.Helper()
	name := cmp.Or(st.Name, st.Run)
	if st.Run == "" {
		t.Fatalf("step %q runs no script", name)
	}
	outFile := filepath.Join(t.TempDir(), "github-output")
	if err := os.WriteFile(outFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", w.expand(t, st.Run))
	cmd.Dir = w.dir
	if st.WorkingDirectory == "" {
		cmd.Dir = cmp.Or(w.checkout, t.TempDir()) // the job's checkout, or a scratch app
	}
	env := os.Environ()
	for k, v := range w.env {
		env = append(env, k+"="+v)
	}
	for k, v := range st.Env {
		env = append(env, k+"="+w.expand(t, v))
	}
	for k, v := range extraEnv {
		env = append(env, k+"="+v)
	}
	cmd.Env = append(env, "GITHUB_OUTPUT="+outFile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("step %q failed: %v\n%s", name, err, out)
	}
	data, _ := os.ReadFile(outFile)
	outputs := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			outputs[k] = v
		}
	}
	w.outputs[id] = outputs
	return string(out)
}

// recordingPulumi is put first on a step's PATH: it records the arguments of
// `pulumi up` in $FARGO_E2E_UP_ARGS (one per line) and hands every other command
// to the real CLI, so that a step's own script decides what `up` targets while the
// up itself runs through the Automation API (the Go language host is not published).
const recordingPulumi = `#!/usr/bin/env bash
if [ "$1" = up ]; then
  printf '%s\n' "$@" > "$FARGO_E2E_UP_ARGS"
  exit 0
fi
exec "$FARGO_E2E_PULUMI" "$@"
`

// upOptions runs a step whose script calls `pulumi up`, through recordingPulumi,
// and returns what its up asks for: the URNs it targets, and a refresh.
func (w *workflowRun) upOptions(t *testing.T, id, name, pulumi string) []optup.Option {
	t.Helper()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "pulumi"), []byte(recordingPulumi), 0o755); err != nil {
		t.Fatal(err)
	}
	args := filepath.Join(t.TempDir(), "up-args")
	w.run(t, id, name, map[string]string{
		"PATH":              bin + string(os.PathListSeparator) + w.env["PATH"],
		"FARGO_E2E_UP_ARGS": args, "FARGO_E2E_PULUMI": pulumi,
	})
	data, err := os.ReadFile(args)
	if err != nil {
		t.Fatalf("step %q ran no pulumi up: %v", name, err)
	}
	var urns []string
	var opts []optup.Option
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for i, arg := range lines {
		switch {
		case arg == "--target" && i+1 < len(lines):
			urns = append(urns, lines[i+1])
		case arg == "--refresh":
			opts = append(opts, optup.Refresh())
		}
	}
	if len(urns) == 0 {
		t.Fatalf("step %q targets nothing", name)
	}
	return append(opts, optup.Target(urns))
}

// awsEnv points the AWS CLI at the emulator.
func (s *suite) awsEnv() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL": s.project.moto.endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_DEFAULT_REGION": region, "AWS_REGION": region, "AWS_PAGER": "",
	}
}

// rollout does what .github/workflows/rollout.yml does, step for step: the
// workflow's own scripts run against the emulator; the image build is replaced by
// putting an image manifest (no Docker here), and the targeted `pulumi up` runs
// through the Automation API with the workflow's own targets (the Go language host
// is not available here).
func (s *suite) rollout(t *testing.T, stack, service, tag string) {
	t.Helper()
	s.rolloutAndWake(t, stack, service, tag, false)
}

// rolloutAndWake is a rollout with the input wake set as given.
func (s *suite) rolloutAndWake(t *testing.T, stack, service, tag string, wake bool) {
	t.Helper()
	s.runRollout(t, stack, service, tag, "", wake)
}

// rollback runs rollout.yml's rollback path: the input image-tag names a tag
// pushed before, which is deployed without a build.
func (s *suite) rollback(t *testing.T, stack, service, tag string) {
	t.Helper()
	s.runRollout(t, stack, service, tag, tag, false)
}

// runRollout runs rollout.yml's steps with the inputs given; TAG is what the
// job's env makes of them (the image-tag input, else the commit).
func (s *suite) runRollout(t *testing.T, stack, service, tag, imageTag string, wake bool) {
	t.Helper()
	w := &workflowRun{
		steps:   loadWorkflow(t, "../.github/workflows/rollout.yml"),
		inputs:  map[string]string{"stack": stack, "service": service, "image-tag": imageTag, "wake": strconv.FormatBool(wake)},
		outputs: map[string]map[string]string{},
		dir:     s.project.dir,
		env:     s.jobEnv(),
	}
	for k, v := range map[string]string{"STACK": stack, "SERVICE": service, "TAG": tag, "FULL_STACK": "organization/fargo/" + stack} {
		w.env[k] = v
	}
	w.run(t, "stack", "Read the stack outputs", nil)
	w.run(t, "image", "Is the image already pushed?", nil)
	if imageTag != "" && w.outputs["image"]["exists"] != "true" {
		t.Fatalf("a rollback to %s would build an image: the tag is not found in %s", imageTag, w.outputs["stack"]["repository"])
	}
	if w.outputs["image"]["exists"] != "true" {
		// docker/build-push-action, as far as ECR sees it: a manifest under the tag.
		repo := w.outputs["stack"]["repository"]
		manifest := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:` + strings.Repeat("ab", 32) + `"},"layers":[]}`
		cmd := exec.Command("aws", "ecr", "put-image", "--repository-name", repo[strings.Index(repo, "/")+1:], "--image-tag", tag, "--image-manifest", manifest)
		cmd.Env = os.Environ()
		for k, v := range s.awsEnv() {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pushing %s:%s: %v\n%s", repo, tag, err, out)
		}
	}
	w.run(t, "record", "Record the tag where the stack reads it", nil)
	if out := strings.TrimSpace(w.run(t, "wake", "Wake the service for the deployment", nil)); out != "" {
		s.note(t, "%s", out)
	}
	pulumi := filepath.Join(s.project.tools.pulumiRoot, "bin", "pulumi")
	s.up(t, stack, w.upOptions(t, "roll", "Roll the service (pulumi up on this service only)", pulumi)...)
	w.run(t, "wait", "Wait for the deployment", nil)
	// The last two steps' conditions, on a job that succeeded.
	if w.outputs["wake"]["scheduled"] == "true" && !wake {
		s.up(t, stack, w.upOptions(t, "schedule", "Put the service back on its schedule", pulumi)...)
	}
	if wake {
		s.note(t, "%s", strings.TrimSpace(w.run(t, "keep", "Keep the service awake (asked for)", nil)))
	}
	s.note(t, "rolled %s/%s to %s", stack, service, tag)
}

// deployJob runs deploy.yml's job for a stack, step by step: its scripts as
// GitHub runs them, in fargo's checkout; actions/checkout and setup-go as the
// checkout and Go the suite already has; configure-aws-credentials as the
// emulator's one account (ci/roles judges the deploy role's policy on the calls
// recorded); pulumi/actions' up through the Automation API. Any other action
// stops the test, so that the workflow and this proof cannot drift apart.
func (s *suite) deployJob(t *testing.T, stack string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	w := &workflowRun{steps: loadJob(t, "../.github/workflows/deploy.yml", stack), outputs: map[string]map[string]string{},
		dir: root, checkout: root, env: s.jobEnv(), vars: map[string]string{"PULUMI_ORG": "organization", "AWS_REGION": region}}
	for i, st := range w.steps {
		action, _, _ := strings.Cut(st.Uses, "@")
		switch {
		case st.Run != "":
			if out := strings.TrimSpace(w.runStep(t, fmt.Sprint(i), st, nil)); out != "" {
				s.note(t, "%s", out)
			}
		case action == "actions/checkout" || action == "actions/setup-go" || action == "aws-actions/configure-aws-credentials":
		case action == "pulumi/actions":
			if st.With["command"] != "up" || w.expand(t, st.With["stack-name"]) != "organization/fargo/"+stack {
				t.Fatalf("deploy.yml's %s job runs pulumi/actions with %v, which the suite does not know", stack, st.With)
			}
			s.up(t, stack)
		default:
			t.Fatalf("deploy.yml's %s job uses %s, which the suite cannot run", stack, st.Uses)
		}
	}
	s.note(t, "ran deploy.yml's %s job (%d steps)", stack, len(w.steps))
}

// jobEnv is what a workflow job's steps see: the Pulumi CLI on PATH, logged in
// to the suite's backend, and the AWS CLI pointed at the emulator.
func (s *suite) jobEnv() map[string]string {
	env := map[string]string{
		"PATH":                     filepath.Join(s.project.tools.pulumiRoot, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PULUMI_BACKEND_URL":       "file://" + s.project.backend,
		"PULUMI_CONFIG_PASSPHRASE": "fargo-e2e",
		"PULUMI_HOME":              s.project.home,
		"PULUMI_SKIP_UPDATE_CHECK": "true",
	}
	for k, v := range s.awsEnv() {
		env[k] = v
	}
	return env
}

// pendingAlarmEmails runs the deploy workflow's alarm e-mail step (its script)
// for a stack and returns the job summary it writes.
func (s *suite) pendingAlarmEmails(t *testing.T, stack string) string {
	t.Helper()
	steps := loadWorkflow(t, "../.github/workflows/deploy.yml")
	step := (&workflowRun{steps: steps}).step(t, "Alarm e-mails awaiting confirmation")
	if !strings.Contains(step.Run, ".github/scripts/alarm-emails.sh") {
		t.Fatalf("the deploy workflow's step runs %q, not the script the suite checks", step.Run)
	}
	summary := filepath.Join(t.TempDir(), "summary.md")
	script, err := filepath.Abs("../.github/scripts/alarm-emails.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script, "organization/fargo/"+stack)
	cmd.Dir = s.project.dir
	cmd.Env = os.Environ()
	for k, v := range s.jobEnv() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "GITHUB_STEP_SUMMARY="+summary)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("alarm-emails.sh %s: %v\n%s", stack, err, out)
	}
	data, _ := os.ReadFile(summary)
	s.note(t, "%s", strings.TrimSpace(string(out)))
	return string(data)
}

// aws runs an AWS CLI command against the emulator and returns its JSON output;
// a failed command stops the test.
func (s *suite) aws(t *testing.T, args ...string) string {
	t.Helper()
	out, err := s.awsCall(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
