package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"gopkg.in/yaml.v3"
)

// The pull request workflow (.github/workflows/pull-request.yml), run from its
// own file: the offline-plan job's steps run as GitHub Actions runs them, in a
// scratch git repository whose main branch is fargo as it stands (what dev runs)
// and whose checkout is the pull request's head; the preview job runs when the
// jobs it needs succeeded, with its pulumi/actions preview made through the
// Automation API on the live dev stack (the Go language host is not published),
// and its calls judged against the policy of the role the job assumes.

const prWorkflowPath = "../.github/workflows/pull-request.yml"

// prNumber and prRepository are the pull request the suite plays.
const (
	prNumber     = "22"
	prRepository = "example-org/fargo"
)

// ghWorkflow is the part of a workflow file the suite runs.
type ghWorkflow struct {
	Defaults struct {
		Run struct {
			Shell string `yaml:"shell"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Jobs map[string]ghJob `yaml:"jobs"`
}

type ghJob struct {
	Needs    stringList        `yaml:"needs"`
	If       string            `yaml:"if"`
	Env      map[string]string `yaml:"env"`
	Strategy struct {
		Matrix map[string]any `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []ghStep `yaml:"steps"`
}

type ghStep struct {
	ID               string            `yaml:"id"`
	WorkingDirectory string            `yaml:"working-directory"`
	Name             string            `yaml:"name"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	If               string            `yaml:"if"`
	Shell            string            `yaml:"shell"`
	Env              map[string]string `yaml:"env"`
	With             map[string]string `yaml:"with"`
}

// title names a step as the Actions log does.
func (st ghStep) title() string {
	switch {
	case st.Name != "":
		return st.Name
	case st.Uses != "":
		return st.Uses
	}
	return "run " + strings.SplitN(st.Run, "\n", 2)[0]
}

// action is the action a step uses, without its version.
func (st ghStep) action() string { return strings.SplitN(st.Uses, "@", 2)[0] }

// stringList is a YAML value given as one string or a list of them (needs:).
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = []string{n.Value}
		return nil
	}
	var list []string
	err := n.Decode(&list)
	*l = list
	return err
}

func readGHWorkflow(t *testing.T, path string) *ghWorkflow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf ghWorkflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &wf
}

// ghContext holds the expression contexts a run sees (github.*, vars.*,
// secrets.*, matrix.*), by dotted name.
type ghContext map[string]string

var ghExpression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// expand replaces every ${{ name }}; a name the context lacks fails the test,
// but for a step output never written, which GitHub reads as empty.
func (c ghContext) expand(t *testing.T, s string) string {
	t.Helper()
	return ghExpression.ReplaceAllStringFunc(s, func(m string) string {
		name := ghExpression.FindStringSubmatch(m)[1]
		v, ok := c.lookup(name)
		if !ok {
			t.Fatalf("the suite cannot evaluate %s", m)
		}
		return v
	})
}

// lookup reads a context name, or the first non-empty of names and quoted
// literals joined by ||; steps.<id>.outputs.<name> unset reads empty.
func (c ghContext) lookup(name string) (string, bool) {
	if strings.Contains(name, "||") {
		for _, part := range strings.Split(name, "||") {
			part = strings.TrimSpace(part)
			if len(part) >= 2 && part[0] == '\'' && part[len(part)-1] == '\'' {
				return part[1 : len(part)-1], true
			}
			v, ok := c.lookup(part)
			if !ok {
				return "", false
			}
			if v != "" {
				return v, true
			}
		}
		return "", true
	}
	v, ok := c[name]
	if !ok && strings.HasPrefix(name, "steps.") && strings.Contains(name, ".outputs.") {
		return "", true
	}
	return v, ok
}

// condition evaluates an if: with the status functions and == or != between
// context names and quoted literals, joined by && and || (without
// parentheses); anything else fails the test.
func (c ghContext) condition(t *testing.T, cond string, failed bool) bool {
	t.Helper()
	cond = strings.TrimSpace(cond)
	if m := ghExpression.FindStringSubmatch(cond); m != nil && m[0] == cond {
		cond = m[1]
	}
	if strings.Contains(cond, "||") {
		for _, part := range strings.Split(cond, "||") {
			if c.condition(t, part, failed) {
				return true
			}
		}
		return false
	}
	if strings.Contains(cond, "&&") {
		for _, part := range strings.Split(cond, "&&") {
			if !c.condition(t, part, failed) {
				return false
			}
		}
		return true
	}
	operand := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
			return s[1 : len(s)-1]
		}
		v, ok := c.lookup(s)
		if !ok {
			t.Fatalf("the suite cannot evaluate %q in the condition %q", s, cond)
		}
		return v
	}
	switch {
	case cond == "" || cond == "success()":
		return !failed
	case cond == "failure()":
		return failed
	case cond == "always()" || cond == "!cancelled()":
		return true
	case strings.Contains(cond, "!="):
		a, b, _ := strings.Cut(cond, "!=")
		return !failed && operand(a) != operand(b)
	case strings.Contains(cond, "=="):
		a, b, _ := strings.Cut(cond, "==")
		return !failed && operand(a) == operand(b)
	}
	t.Fatalf("the suite cannot evaluate the condition %q", cond)
	return false
}

// ghJobRun runs one matrix leg of a job the way a GitHub-hosted runner does:
// each run: step through the job's shell with the runner's files (GITHUB_ENV,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP), later steps seeing what
// earlier ones put in GITHUB_ENV, a failed step skipping the rest but for their
// conditions; a uses: step (and any step named in standIns) runs its stand-in.
type ghJobRun struct {
	t        *testing.T
	wf       *ghWorkflow
	name     string
	job      ghJob
	ctx      ghContext
	dir      string            // the checkout, GITHUB_WORKSPACE
	temp     string            // RUNNER_TEMP
	env      map[string]string // the runner's, the job's and GITHUB_ENV's
	summary  string
	failed   bool
	standIns map[string]func(st ghStep, with map[string]string) error
	// extraEnv adds variables to one step, by its title (a fake gh on PATH).
	extraEnv map[string]map[string]string
	logs     map[string]string
	ran      []string
}

// newJobRun prepares the leg of job whose matrix has the given key and value.
func newJobRun(t *testing.T, wf *ghWorkflow, name string, ctx ghContext, dir, temp string, leg map[string]string) *ghJobRun {
	t.Helper()
	job, ok := wf.Jobs[name]
	if !ok {
		t.Fatalf("pull-request.yml has no job %s", name)
	}
	r := &ghJobRun{t: t, wf: wf, name: name, job: job, ctx: ghContext{}, dir: dir, temp: temp,
		env: map[string]string{}, standIns: map[string]func(ghStep, map[string]string) error{},
		extraEnv: map[string]map[string]string{}, logs: map[string]string{}}
	for k, v := range ctx {
		r.ctx[k] = v
	}
	for k, v := range matrixLeg(t, job, leg) {
		r.ctx["matrix."+k] = r.ctx.expand(t, fmt.Sprint(v))
	}
	if err := os.MkdirAll(temp, 0o755); err != nil {
		t.Fatal(err)
	}
	r.summary = filepath.Join(temp, "_step_summary.md")
	for k, v := range job.Env {
		r.env[k] = r.ctx.expand(t, v)
	}
	return r
}

// matrixLeg finds the matrix combination holding every key and value of leg.
func matrixLeg(t *testing.T, job ghJob, leg map[string]string) map[string]any {
	t.Helper()
	m := job.Strategy.Matrix
	var combos []map[string]any
	if include, ok := m["include"].([]any); ok {
		for _, c := range include {
			if mc, ok := c.(map[string]any); ok {
				combos = append(combos, mc)
			}
		}
	}
	for k, v := range m {
		if list, ok := v.([]any); ok && k != "include" {
			for _, e := range list {
				combos = append(combos, map[string]any{k: e})
			}
		}
	}
	for _, c := range combos {
		match := true
		for k, v := range leg {
			match = match && fmt.Sprint(c[k]) == v
		}
		if match {
			return c
		}
	}
	if len(leg) > 0 {
		t.Fatalf("the job's matrix %v has no leg %v", m, leg)
	}
	return nil
}

// runAll runs the job's steps in order and reports whether the job succeeded.
func (r *ghJobRun) runAll() bool {
	r.t.Helper()
	for _, st := range r.job.Steps {
		if !r.ctx.condition(r.t, st.If, r.failed) {
			continue
		}
		if _, err := r.runStep(st); err != nil {
			r.failed = true
		}
	}
	return !r.failed
}

// step finds a step by its title.
func (r *ghJobRun) step(title string) ghStep {
	r.t.Helper()
	for _, st := range r.job.Steps {
		if st.title() == title {
			return st
		}
	}
	r.t.Fatalf("the job %s has no step %q", r.name, title)
	return ghStep{}
}

// runStep runs one step and returns its log.
func (r *ghJobRun) runStep(st ghStep) (string, error) {
	t := r.t
	t.Helper()
	title := st.title()
	r.ran = append(r.ran, title)
	with := map[string]string{}
	for k, v := range st.With {
		with[k] = r.ctx.expand(t, v)
	}
	stand, ok := r.standIns[title]
	if !ok && st.Uses != "" {
		stand, ok = r.standIns[st.action()]
	}
	if ok {
		err := stand(st, with)
		if err != nil {
			// A stand-in that ran the step keeps the step's own log.
			if !strings.Contains(r.logs[title], err.Error()) {
				r.logs[title] = strings.TrimSpace(r.logs[title] + "\n" + err.Error())
			}
			t.Logf("step %q of job %s failed: %v", title, r.name, err)
		}
		return r.logs[title], err
	}
	if st.Run == "" {
		t.Fatalf("the suite has no stand-in for the step %q of job %s", title, r.name)
	}
	shell := st.Shell
	if shell == "" {
		shell = r.wf.Defaults.Run.Shell
	}
	// GitHub's commands for the shells: bash named explicitly adds pipefail.
	var args []string
	switch shell {
	case "bash":
		args = []string{"--noprofile", "--norc", "-eo", "pipefail"}
	case "":
		args = []string{"-e"}
	default:
		t.Fatalf("step %q runs shell %q, which the suite does not run", title, shell)
	}
	script := filepath.Join(r.temp, fmt.Sprintf("_step%d.sh", len(r.ran)))
	files := map[string]string{"GITHUB_ENV": "", "GITHUB_OUTPUT": ""}
	for k := range files {
		files[k] = filepath.Join(r.temp, fmt.Sprintf("_%s%d", strings.ToLower(k), len(r.ran)))
		if err := os.WriteFile(files[k], nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(script, []byte(st.Run), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append(args, script)...)
	cmd.Dir = filepath.Join(r.dir, st.WorkingDirectory)
	env := map[string]string{
		"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": r.dir, "RUNNER_TEMP": r.temp,
		"GITHUB_STEP_SUMMARY": r.summary, "GITHUB_ENV": files["GITHUB_ENV"], "GITHUB_OUTPUT": files["GITHUB_OUTPUT"],
		"GITHUB_REPOSITORY": r.ctx["github.repository"], "GITHUB_BASE_REF": r.ctx["github.base_ref"],
	}
	for k, v := range r.env {
		env[k] = v
	}
	for k, v := range st.Env {
		env[k] = r.ctx.expand(t, v)
	}
	for k, v := range r.extraEnv[title] {
		env[k] = v
	}
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	r.logs[title] = string(out)
	data, _ := os.ReadFile(files["GITHUB_ENV"])
	for k, v := range parseGitHubEnv(t, string(data)) {
		r.env[k] = v
	}
	if st.ID != "" {
		data, _ := os.ReadFile(files["GITHUB_OUTPUT"])
		for k, v := range parseGitHubEnv(t, string(data)) {
			r.ctx["steps."+st.ID+".outputs."+k] = v
		}
	}
	if err != nil {
		t.Logf("step %q of job %s failed: %v\n%s", title, r.name, err, out)
	}
	return string(out), err
}

// parseGitHubEnv reads a GITHUB_ENV file: NAME=value lines and NAME<<DELIMITER
// blocks.
func parseGitHubEnv(t *testing.T, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var value []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				value = append(value, lines[i])
			}
			out[name] = strings.Join(value, "\n")
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("GITHUB_ENV line %q is neither NAME=value nor NAME<<DELIMITER", line)
		}
		out[name] = value
	}
	return out
}

// prHeadChange is the pull request pr/preview plays: the backend may scale to 6
// tasks, and a new table the backend reads and writes.
func prHeadChange(cfg map[string]any) {
	services := cfg["fargo:services"].(map[string]any)
	services["backend"].(map[string]any)["maxTasks"] = 6
	cfg["fargo:tables"].(map[string]any)["sessions"] = map[string]any{
		"partitionKey": "sessionId", "attributes": map[string]any{"sessionId": "S"},
		"ttlAttribute": "expiresAt", "services": map[string]any{"backend": "readWrite"},
	}
}

// prBrokenChange is pr/preview-refused's head: a misspelt key and a memory size
// Fargate does not offer with the service's cpu.
func prBrokenChange(cfg map[string]any) {
	services := cfg["fargo:services"].(map[string]any)
	services["backend"].(map[string]any)["maxTask"] = 6
	services["frontend"].(map[string]any)["memory"] = 8192
}

// editStackConfig rewrites a stack file's config with edit.
func editStackConfig(t *testing.T, path string, edit func(cfg map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	if err := yaml.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	cfg, _ := file["config"].(map[string]any)
	if cfg == nil {
		cfg = map[string]any{}
		file["config"] = cfg
	}
	edit(cfg)
	if data, err = yaml.Marshal(file); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// gitIn runs git in dir.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=fargo e2e", "-c", "user.email=e2e@example.invalid", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// prCheckout makes the pull request's repository: a scratch git repository
// whose main (and origin/main, as actions/checkout leaves it) is fargo's working
// tree as it stands, the one dev was deployed from, with dev's stack file as
// deployed, and whose checkout is the pull request's head: main with change
// made to dev's stack file. It lives at a
// fixed place in the suite's directory so that the second scenario's builds of
// cmd/plan are the first's, from Go's build cache.
func (s *suite) prCheckout(t *testing.T, change func(cfg map[string]any)) (dir, temp string) {
	t.Helper()
	root := filepath.Join(filepath.Dir(s.project.dir), "pull-request")
	dir, temp = filepath.Join(root, "checkout"), filepath.Join(root, "runner-temp")
	for _, d := range []string{dir, temp} {
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files := strings.Split(strings.TrimRight(gitIn(t, repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard"), "\x00"), "\x00")
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(repo, f))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		info, _ := os.Stat(filepath.Join(repo, f))
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	// Dev's stack file as dev runs it: the suite's, whose schedule has dev awake
	// now (the committed one would have the plan and the real stack disagree on
	// the scaling bounds at some hours), without the emulator's provider keys.
	data, err := os.ReadFile(filepath.Join(s.project.dir, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var deployed struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &deployed); err != nil {
		t.Fatal(err)
	}
	for k := range deployed.Config {
		if strings.HasPrefix(k, "aws:") && k != "aws:region" {
			delete(deployed.Config, k)
		}
	}
	if data, err = yaml.Marshal(deployed); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "init", "-q")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "main")
	gitIn(t, dir, "update-ref", "refs/remotes/origin/main", "HEAD")
	gitIn(t, dir, "checkout", "-q", "-b", "pull-request")
	editStackConfig(t, filepath.Join(dir, "Pulumi.dev.yaml"), change)
	gitIn(t, dir, "commit", "-q", "-am", "the pull request")
	return dir, temp
}

// fakeGH stands in for the GitHub CLI in the comment step: it records each
// call's arguments (one a line, then a line "--") and the body file a write
// sends, and answers a listing with $FARGO_E2E_GH_COMMENTS.
const fakeGH = `#!/usr/bin/env bash
{ printf '%s\n' "$@"; echo --; } >> "$FARGO_E2E_GH_LOG"
method=GET
args=("$@")
for i in "${!args[@]}"; do
  if [ "${args[$i]}" = --method ]; then method=${args[$((i + 1))]}; fi
  case ${args[$i]} in body=@*) cp "${args[$i]#body=@}" "$FARGO_E2E_GH_LOG.body" ;; esac
done
if [ "$method" = GET ]; then cat "$FARGO_E2E_GH_COMMENTS"; else echo '{}'; fi
`

// ghCall is one recorded gh invocation.
type ghCall []string

func (c ghCall) method() string {
	if i := slices.Index(c, "--method"); i >= 0 && i+1 < len(c) {
		return c[i+1]
	}
	return "GET"
}

// fakeGitHub is a pull request's comments as the fake gh shows them.
type fakeGitHub struct {
	env      map[string]string // what the comment step gets: PATH first
	log      string
	stack    string
	existing bool
}

// newFakeGitHub lists, over two pages, someone quoting the stack's marker, the
// other stack's comment, and (existing) on the second page the stack's own
// comment from an earlier push.
func newFakeGitHub(t *testing.T, stack string, existing bool) *fakeGitHub {
	t.Helper()
	return newFakeGitHubFor(t, "<!-- fargo-plan: "+stack+" -->", stack, existing)
}

// newFakeGitHubFor is newFakeGitHub for the comments holding marker.
func newFakeGitHubFor(t *testing.T, marker, stack string, existing bool) *fakeGitHub {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gh"), []byte(fakeGH), 0o755); err != nil {
		t.Fatal(err)
	}
	pages := [][]map[string]any{
		{{"id": 101, "user": map[string]any{"login": "alice"}, "body": "Why does " + marker + " say so?"}},
		{{"id": 102, "user": map[string]any{"login": "github-actions[bot]"}, "body": "<!-- fargo-plan: other -->\nthe other stack"}},
	}
	if existing {
		pages[1] = append(pages[1], map[string]any{"id": 103, "user": map[string]any{"login": "github-actions[bot]"}, "body": marker + "\nan earlier push"})
	}
	var listing strings.Builder
	for _, p := range pages {
		data, _ := json.Marshal(p)
		listing.Write(data)
		listing.WriteString("\n")
	}
	comments := filepath.Join(dir, "comments.json")
	if err := os.WriteFile(comments, []byte(listing.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &fakeGitHub{log: filepath.Join(dir, "gh.log"), stack: stack, existing: existing}
	g.env = map[string]string{
		"PATH":             dir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"FARGO_E2E_GH_LOG": g.log, "FARGO_E2E_GH_COMMENTS": comments,
	}
	return g
}

// calls are the gh invocations recorded, and the body the write sent.
func (g *fakeGitHub) calls() ([]ghCall, string) {
	data, _ := os.ReadFile(g.log)
	var calls []ghCall
	var cur ghCall
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "--" {
			calls = append(calls, cur)
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	body, _ := os.ReadFile(g.log + ".body")
	return calls, string(body)
}

// checkUpsert checks that the comment step listed the pull request's comments
// (every page), then edited the stack's comment if there was one, else added
// one, sending body; it returns the write, e.g. "PATCH repos/o/r/issues/comments/103".
func checkUpsert(t *testing.T, g *fakeGitHub, body string) string {
	t.Helper()
	calls, sent := g.calls()
	var writes []string
	for _, c := range calls {
		if c.method() != "GET" {
			i := slices.IndexFunc(c, func(a string) bool { return strings.HasPrefix(a, "repos/") })
			writes = append(writes, c.method()+" "+c[max(i, 0)])
		}
	}
	want := "POST repos/" + prRepository + "/issues/" + prNumber + "/comments"
	if g.existing {
		want = "PATCH repos/" + prRepository + "/issues/comments/103"
	}
	if len(calls) != 2 || calls[0].method() != "GET" || !slices.Contains(calls[0], "--paginate") || len(writes) != 1 || writes[0] != want {
		t.Errorf("with %s comment on the pull request, gh was called %q; want a paginated listing, then %s", map[bool]string{true: "the stack's", false: "no"}[g.existing], calls, want)
	}
	if sent != body {
		t.Errorf("the comment step sent a body other than the plan's comment:\n%s", sent)
	}
	if marker := "<!-- fargo-plan: " + g.stack + " -->"; !strings.HasPrefix(sent, marker+"\n") {
		t.Errorf("the comment does not begin with its marker %q", marker)
	}
	return want
}

// commentTitle is the step that posts the offline plan's comment.
const commentTitle = "Comment on the pull request"

// prRun is what one run of the pull request workflow (dev's legs) did.
type prRun struct {
	plan        *ghJobRun
	planOK      bool
	comment     string
	previewRan  bool
	previewRole string
	steps       map[string]string // URN -> kind of change the preview lists
	summary     map[string]int
	calls       [2]int // the call log window of the whole run
	planCalls   int    // calls the offline-plan job made
	gh          *fakeGitHub
	planTime    time.Duration // the offline-plan job's, and the preview job's
	previewTime time.Duration
}

// runPullRequest runs the workflow's dev legs on a pull request changing dev's
// stack file with change, on which the offline plan has commented before or
// not: the offline-plan job, then the preview job if the jobs
// it needs succeeded (the test job is this suite's own CI run).
func (s *suite) runPullRequest(t *testing.T, change func(cfg map[string]any), commented bool) *prRun {
	t.Helper()
	wf := readGHWorkflow(t, prWorkflowPath)
	dir, temp := s.prCheckout(t, change)
	out := s.outputs(t, "dev")
	previewRole, _ := out["previewRoleArn"].Value.(string)
	if previewRole == "" {
		t.Fatal("dev has no previewRoleArn output (fargo:github)")
	}
	ctx := ghContext{
		"github.base_ref": "main", "github.repository": prRepository, "github.token": "fake-token",
		"github.event.pull_request.number":              prNumber,
		"github.event.pull_request.head.repo.full_name": prRepository,
		"vars.PULUMI_ORG":                               "organization", "vars.AWS_REGION": region,
		"vars.DEV_PREVIEW_ROLE_ARN":   previewRole,
		"vars.PROD_PREVIEW_ROLE_ARN":  "(prod is not deployed in this scenario)",
		"secrets.PULUMI_ACCESS_TOKEN": "",
	}
	log := callLog{s.project.moto.calls}
	run := &prRun{steps: map[string]string{}}
	run.calls[0] = log.mark(t)

	// The offline plan, as the runner runs it.
	r := newJobRun(t, wf, "offline-plan", ctx, dir, filepath.Join(temp, "offline-plan"), map[string]string{"stack": "dev"})
	r.standIns["actions/checkout"] = func(ghStep, map[string]string) error { return nil } // prCheckout made it
	r.standIns["actions/setup-go"] = func(ghStep, map[string]string) error { return nil } // Go is on PATH
	run.gh = newFakeGitHub(t, "dev", commented)
	r.extraEnv[commentTitle] = run.gh.env
	start := time.Now()
	run.planOK = r.runAll()
	run.planTime = time.Since(start)
	if !slices.Contains(r.ran, commentTitle) {
		t.Errorf("the offline-plan job did not comment on a pull request from its own repository")
	}
	run.plan = r
	data, err := os.ReadFile(filepath.Join(r.temp, "comment.md"))
	if err != nil {
		t.Fatalf("the offline-plan job wrote no comment: %v", err)
	}
	run.comment = string(data)
	run.planCalls = log.mark(t) - run.calls[0]

	// The preview job runs only when every job it needs succeeded.
	job := wf.Jobs["preview"]
	if !slices.Contains(job.Needs, "offline-plan") {
		t.Errorf("the preview job needs %v: a pull request the offline plan refuses would still be previewed", job.Needs)
	}
	passed := map[string]bool{"test": true, "offline-plan": run.planOK}
	ready := true
	for _, n := range job.Needs {
		ready = ready && passed[n]
	}
	if ready && ctx.condition(t, job.If, false) {
		start := time.Now()
		s.prPreviewJob(t, wf, ctx, dir, filepath.Join(temp, "preview"), change, run)
		run.previewTime = time.Since(start)
	}
	run.calls[1] = log.mark(t)
	return run
}

// prPreviewJob runs the preview job's dev leg: its pulumi/actions preview runs
// through the Automation API on the scratch project, whose dev stack file gets
// the pull request's change (restored afterwards).
func (s *suite) prPreviewJob(t *testing.T, wf *ghWorkflow, ctx ghContext, dir, temp string, change func(cfg map[string]any), run *prRun) {
	t.Helper()
	r := newJobRun(t, wf, "preview", ctx, dir, temp, map[string]string{"stack": "dev"})
	stackFile := filepath.Join(s.project.dir, "Pulumi.dev.yaml")
	saved, err := os.ReadFile(stackFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(stackFile, saved, 0o644); err != nil {
			t.Error(err)
		}
	})
	r.standIns["actions/checkout"] = func(ghStep, map[string]string) error {
		editStackConfig(t, stackFile, change)
		return nil
	}
	r.standIns["actions/setup-go"] = func(ghStep, map[string]string) error { return nil }
	r.standIns["Build the program"] = func(ghStep, map[string]string) error { return nil } // the program runs inline
	r.standIns["aws-actions/configure-aws-credentials"] = func(_ ghStep, with map[string]string) error {
		run.previewRole = with["role-to-assume"]
		if with["aws-region"] != region {
			return fmt.Errorf("the job's region is %q, the stack's %s", with["aws-region"], region)
		}
		return nil
	}
	r.standIns["pulumi/actions"] = func(_ ghStep, with map[string]string) error {
		if with["command"] != "preview" {
			t.Fatalf("the preview job runs pulumi %q", with["command"])
		}
		if with["comment-on-pr"] != "true" || with["edit-pr-comment"] == "false" {
			t.Errorf("pulumi/actions comments %q, edits its comment %q: want one comment per stack, edited", with["comment-on-pr"], with["edit-pr-comment"])
		}
		stack := with["stack-name"][strings.LastIndex(with["stack-name"], "/")+1:]
		if stack != "dev" {
			t.Fatalf("the preview job's dev leg previews %q", with["stack-name"])
		}
		ch := make(chan events.EngineEvent)
		done := make(chan struct{})
		ops := map[string][]string{}
		go func() {
			defer close(done)
			for e := range ch {
				if e.ResourcePreEvent != nil {
					m := e.ResourcePreEvent.Metadata
					ops[m.URN] = append(ops[m.URN], string(m.Op))
				}
			}
		}()
		res, err := s.stack(t, stack).Preview(s.ctx, optpreview.EventStreams(ch), optpreview.ProgressStreams(s.project.logs), optpreview.ErrorProgressStreams(s.project.logs))
		if err != nil {
			return fmt.Errorf("pulumi preview: %w", err)
		}
		<-done // the events are all in once the stream closes
		run.previewRan = true
		run.summary = map[string]int{}
		for k, v := range res.ChangeSummary {
			run.summary[string(k)] = v
		}
		for urn, list := range ops {
			typ := resource.URN(urn).Type()
			if typ == "pulumi:pulumi:Stack" || strings.HasPrefix(string(typ), "pulumi:providers:") {
				continue
			}
			if k := changeKind(list); k != "same" {
				run.steps[urn] = k
			}
		}
		return nil
	}
	if !r.runAll() {
		t.Fatalf("the preview job failed:\n%s", stepLogs(r.logs))
	}
}

// changeKind reduces a resource's preview steps to one kind of change.
func changeKind(ops []string) string {
	for _, op := range ops {
		if op == "replace" || op == "create-replacement" || op == "delete-replaced" {
			return "replace"
		}
	}
	slices.Sort(ops)
	return strings.Join(slices.Compact(ops), "+")
}

// planChanges reads the offline plan's comparison as the comment shows it, from
// its "Monthly cost: a -> b" line to the end of its block: identity (type chain
// and name) -> added, removed or changed.
func planChanges(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	in := false
	section, want, count := "", map[string]int{}, map[string]int{}
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "Monthly cost: ") && strings.Contains(line, " -> "):
			in = true
			continue
		case !in:
			continue
		case line == "" || line == "```":
			in = false
			continue
		}
		for _, kind := range []string{"Added", "Removed", "Changed"} {
			var n int
			if _, err := fmt.Sscanf(line, kind+" (%d):", &n); err == nil {
				section, want[kind] = kind, n
			}
		}
		if len(line) > 4 && strings.HasPrefix(line, "  ") && strings.Contains("+-~", line[2:3]) && line[3] == ' ' {
			id, _, _ := strings.Cut(line[4:], "  ")
			out[id] = strings.ToLower(section)
			count[section]++
		}
	}
	for kind, n := range want {
		if count[kind] != n {
			t.Fatalf("the comparison's %s section says %d resources and lists %d", kind, n, count[kind])
		}
	}
	return out
}

// urnIdentity is how the plan's comparison names a resource: its type chain and
// name, the URN without stack and project.
func urnIdentity(urn string) string {
	u := resource.URN(urn)
	return string(u.QualifiedType()) + "::" + u.Name()
}

// comparedKinds maps the plan's comparison to the preview's kinds of change: the plan
// cannot know which input changes the provider replaces a resource for.
var comparedKinds = map[string][]string{"added": {"create"}, "removed": {"delete"}, "changed": {"update", "replace"}}

// listAccount describes everything the account holds, for an equality check
// before and after an operation that must change nothing (one Python process:
// the AWS CLI would start once per call). ResponseMetadata is dropped.
const listAccount = `
import json, sys, boto3
from botocore.exceptions import ClientError
out = {}
def client(name):
    return boto3.client(name)  # endpoint, region and credentials: the suite's AWS_* environment
def call(key, c, op, **kw):
    try:
        resp = getattr(c, op)(**kw)
    except ClientError as e:
        resp = {"error": e.response["Error"]["Code"]}
    resp.pop("ResponseMetadata", None)
    out[key] = resp
    return resp
def pages(key, c, op, **kw):
    items = []
    for page in c.get_paginator(op).paginate(**kw):
        page.pop("ResponseMetadata", None)
        items.append(page)
    out[key] = items
    return items
tag = client("resourcegroupstaggingapi")
pages("tagging dev", tag, "get_resources", TagFilters=[{"Key": "fargo-stack", "Values": ["dev"]}])
ec2 = client("ec2")
for op in ["describe_vpcs", "describe_subnets", "describe_route_tables", "describe_internet_gateways", "describe_security_groups",
           "describe_security_group_rules", "describe_vpc_endpoints", "describe_nat_gateways", "describe_addresses",
           "describe_instances", "describe_network_interfaces"]:
    call("ec2 " + op, ec2, op)
elb = client("elbv2")
for lb in call("elbv2 load balancers", elb, "describe_load_balancers").get("LoadBalancers", []):
    arn = lb["LoadBalancerArn"]
    call("elbv2 attributes " + arn, elb, "describe_load_balancer_attributes", LoadBalancerArn=arn)
    for l in call("elbv2 listeners " + arn, elb, "describe_listeners", LoadBalancerArn=arn).get("Listeners", []):
        call("elbv2 rules " + l["ListenerArn"], elb, "describe_rules", ListenerArn=l["ListenerArn"])
for tg in call("elbv2 target groups", elb, "describe_target_groups").get("TargetGroups", []):
    call("elbv2 attributes " + tg["TargetGroupArn"], elb, "describe_target_group_attributes", TargetGroupArn=tg["TargetGroupArn"])
ecs = client("ecs")
for cluster in call("ecs clusters", ecs, "list_clusters").get("clusterArns", []):
    call("ecs cluster " + cluster, ecs, "describe_clusters", clusters=[cluster], include=["SETTINGS", "CONFIGURATIONS", "TAGS"])
    services = call("ecs services " + cluster, ecs, "list_services", cluster=cluster).get("serviceArns", [])
    if services:
        call("ecs describe services " + cluster, ecs, "describe_services", cluster=cluster, services=services, include=["TAGS"])
call("ecs task definitions", ecs, "list_task_definitions")
scaling = client("application-autoscaling")
for op in ["describe_scalable_targets", "describe_scheduled_actions", "describe_scaling_policies"]:
    call("application-autoscaling " + op, scaling, op, ServiceNamespace="ecs")
ddb = client("dynamodb")
for table in call("dynamodb tables", ddb, "list_tables").get("TableNames", []):
    call("dynamodb table " + table, ddb, "describe_table", TableName=table)
    call("dynamodb ttl " + table, ddb, "describe_time_to_live", TableName=table)
    call("dynamodb backups " + table, ddb, "describe_continuous_backups", TableName=table)
iam = client("iam")
for role in call("iam roles", iam, "list_roles").get("Roles", []):
    name = role["RoleName"]
    for policy in call("iam role policies " + name, iam, "list_role_policies", RoleName=name).get("PolicyNames", []):
        call("iam role policy " + name + " " + policy, iam, "get_role_policy", RoleName=name, PolicyName=policy)
    call("iam attached " + name, iam, "list_attached_role_policies", RoleName=name)
call("iam oidc providers", iam, "list_open_id_connect_providers")
ssm = client("ssm")
names = [p["Name"] for page in pages("ssm parameters", ssm, "describe_parameters") for p in page.get("Parameters", [])]
for i in range(0, len(names), 10):
    call("ssm values %d" % i, ssm, "get_parameters", Names=names[i:i + 10], WithDecryption=True)
ecr = client("ecr")
for repo in call("ecr repositories", ecr, "describe_repositories").get("repositories", []):
    name = repo["repositoryName"]
    # lastEvaluatedAt: moto answers the time of the call.
    call("ecr lifecycle " + name, ecr, "get_lifecycle_policy", repositoryName=name).pop("lastEvaluatedAt", None)
    call("ecr images " + name, ecr, "describe_images", repositoryName=name)
call("logs groups", client("logs"), "describe_log_groups")
call("cloudwatch alarms", client("cloudwatch"), "describe_alarms")
sns = client("sns")
call("sns topics", sns, "list_topics")
call("sns subscriptions", sns, "list_subscriptions")
call("route53 zones", client("route53"), "list_hosted_zones")
json.dump(out, sys.stdout, sort_keys=True, default=str)
`

// accountListing describes the whole account (section -> its JSON).
func (s *suite) accountListing(t *testing.T) map[string]string {
	t.Helper()
	cmd := exec.Command(s.project.moto.python, "-c", listAccount)
	cmd.Env = os.Environ()
	for k, v := range s.awsEnv() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("listing the account: %v\n%s", err, stderr.String())
	}
	var sections map[string]json.RawMessage
	if err := json.Unmarshal(out, &sections); err != nil {
		t.Fatal(err)
	}
	listing := map[string]string{}
	for k, v := range sections {
		listing[k] = string(v)
	}
	return listing
}

// devResourceCount counts the resources the tagging listing holds for dev.
func devResourceCount(listing map[string]string) int {
	var pages []struct {
		ResourceTagMappingList []json.RawMessage
	}
	_ = json.Unmarshal([]byte(listing["tagging dev"]), &pages)
	n := 0
	for _, p := range pages {
		n += len(p.ResourceTagMappingList)
	}
	return n
}

// judgePreview judges every call of a window against the policy of the role
// the preview job assumed, as ci/roles judges a CI path.
func (s *suite) judgePreview(t *testing.T, role string, calls []apiCall) (requests int) {
	t.Helper()
	exp := s.export(t, "dev")
	roleName := ""
	scope := arnScope{account: "123456789012", rolePaths: map[string]string{}, admin: &s.admin, kmsAliases: map[string]string{}}
	for _, r := range exp.Resources("aws:iam/role:Role") {
		scope.rolePaths[r.String("name")] = r.String("path")
		if r.String("arn") == role {
			roleName = r.String("name")
		}
	}
	var doc map[string]any
	for _, p := range exp.Resources("aws:iam/rolePolicy:RolePolicy") {
		if roleName != "" && p.String("role") == roleName {
			_ = json.Unmarshal([]byte(p.String("policy")), &doc)
		}
	}
	if doc == nil {
		t.Fatalf("the preview job assumes %s, which is no role of dev's with a policy", role)
	}
	var groups [][]iamRequest
	seen := map[string]bool{}
	for _, c := range calls {
		var g []iamRequest
		for _, r := range scope.requests(c) {
			r.Role = "preview"
			g = append(g, r)
		}
		if key := fmt.Sprint(g); len(g) > 0 && !seen[key] {
			seen[key] = true
			groups = append(groups, g)
			requests += len(g)
		}
		if !strings.HasPrefix(c.Action, "Describe") && !strings.HasPrefix(c.Action, "List") && !strings.HasPrefix(c.Action, "Get") {
			t.Errorf("the preview called %s:%s, which is not a read", c.Service, c.Action)
		}
	}
	for i, ok := range judgeCalls(t, s.project.moto.python, map[string]any{"preview": doc}, groups) {
		if !ok {
			t.Errorf("the preview role (%s) may not %s on %v, which its preview calls", roleName, groups[i][0].Action, resourcesOf(groups[i]))
		}
	}
	return requests
}

func (s *suite) prPreview(t *testing.T) {
	before := s.accountListing(t)
	run := s.runPullRequest(t, prHeadChange, false)
	if !run.planOK {
		t.Fatalf("the offline-plan job failed on a valid pull request:\n%s", stepLogs(run.plan.logs))
	}
	if run.planCalls != 0 {
		t.Errorf("the offline-plan job made %d AWS calls; it is offline", run.planCalls)
	}
	if !run.previewRan {
		t.Fatal("the preview job did not run")
	}
	after := s.accountListing(t)

	// The preview lists exactly the changes the offline plan's comparison lists.
	plan := planChanges(t, run.comment)
	if len(plan) == 0 {
		t.Fatalf("the comment lists no change against main:\n%s", run.comment)
	}
	byIdentity := map[string]string{}
	for urn, kind := range run.steps {
		byIdentity[urnIdentity(urn)] = kind
		if want, ok := plan[urnIdentity(urn)]; !ok {
			t.Errorf("the preview will %s %s, which the offline plan does not list", kind, urn)
		} else if !slices.Contains(comparedKinds[want], kind) {
			t.Errorf("the preview will %s %s, which the offline plan lists as %s", kind, urn, want)
		}
	}
	for id, kind := range plan {
		if _, ok := byIdentity[id]; !ok {
			t.Errorf("the offline plan lists %s as %s, which the preview does not change", id, kind)
		}
	}
	listed := map[string]int{}
	for _, k := range run.steps {
		listed[k]++
	}

	// The comment holds the monthly difference and the findings.
	for _, want := range []string{"<!-- fargo-plan: dev -->", "Against `main`:", "Monthly cost: ", "Checks: ", "excepted ECS.2 "} {
		if !strings.Contains(run.comment, want) {
			t.Errorf("the comment does not hold %q:\n%s", want, run.comment)
		}
	}
	if !regexp.MustCompile(`Monthly cost: [0-9.]+ -> [0-9.]+ USD \([+-][0-9.]+\)`).MatchString(run.comment) {
		t.Errorf("the comment holds no monthly difference:\n%s", run.comment)
	}
	summary, _ := os.ReadFile(run.plan.summary)
	if !strings.Contains(string(summary), run.comment) {
		t.Error("the job summary does not show the comment")
	}

	// One comment per stack: the first push adds it, a later one edits it.
	first := checkUpsert(t, run.gh, run.comment)
	next := newFakeGitHub(t, "dev", true)
	run.plan.extraEnv[commentTitle] = next.env
	if _, err := run.plan.runStep(run.plan.step(commentTitle)); err != nil {
		t.Fatalf("the comment step failed on a later push: %v", err)
	}
	second := checkUpsert(t, next, run.comment)
	if path := os.Getenv("FARGO_E2E_COMMENT"); path != "" {
		if err := os.WriteFile(path, []byte(run.comment), 0o644); err != nil {
			t.Error(err)
		}
	}

	// The preview made only calls its role may make, and changed nothing.
	calls := callLog{s.project.moto.calls}.read(t, run.calls[0], run.calls[1])
	if len(calls) == 0 {
		t.Fatal("no call of the preview was recorded")
	}
	requests := s.judgePreview(t, run.previewRole, calls)
	var changed []string
	for k := range before {
		if before[k] != after[k] {
			changed = append(changed, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	for _, k := range changed {
		t.Errorf("the account changed during the pull request's run: %s\nbefore: %.600s\nafter:  %.600s", k, before[k], after[k])
	}
	s.note(t, "offline-plan job %.0f s, preview job %.0f s", run.planTime.Seconds(), run.previewTime.Seconds())
	s.note(t, "the offline plan's comparison and the real preview list the same %d changes (%s; preview: %s)", len(plan), countList(listed), countList(run.summary))
	s.note(t, "the preview's %d calls (%d distinct requests) judged against %s's policy; the account described by %d listings (%d resources tagged for dev) before and after", len(calls), requests, lastPart(run.previewRole), len(before), devResourceCount(before))
	s.note(t, "comment: first push %s, later push %s", first, second)
}

// countList writes counts as "1 create, 3 update", by name.
func countList(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

// stepLogs lists a job's step logs, by step.
func stepLogs(logs map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(logs)) {
		fmt.Fprintf(&b, "%s:\n%s\n", k, logs[k])
	}
	return b.String()
}

func (s *suite) prPreviewRefused(t *testing.T) {
	run := s.runPullRequest(t, prBrokenChange, true)
	if run.planOK {
		t.Fatalf("the offline-plan job passed a broken stack file; comment:\n%s", run.comment)
	}
	if run.previewRan {
		t.Error("the preview job ran on a stack file the plan refuses")
	}
	if n := run.calls[1] - run.calls[0]; n != 0 {
		t.Errorf("%d AWS calls were made while the pull request's workflow ran; want none", n)
	}
	// The step that failed is the last, after the comment was written.
	if failed := run.plan.ran[len(run.plan.ran)-1]; !strings.HasPrefix(failed, "Fail on") {
		t.Errorf("the job ended at %q", failed)
	}
	// The plan's lines name the key and the line of the head's stack file.
	head, err := os.ReadFile(filepath.Join(run.plan.dir, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	lineOf := func(re string) int {
		for i, l := range strings.Split(string(head), "\n") {
			if regexp.MustCompile(re).MatchString(l) {
				return i + 1
			}
		}
		t.Fatalf("the head's stack file has no line %s", re)
		return 0
	}
	wants := []struct {
		key, says string
		line      int
	}{
		// An unknown key is reported on the map that holds it.
		{"fargo:services.backend", `unknown key "maxTask"`, lineOf(`^\s+backend:$`)},
		{"fargo:services.frontend.memory", "8192 MiB is not allowed with cpu 512", lineOf(`^\s+memory: 8192$`)},
	}
	log := run.plan.logs["Cost difference and checks"]
	for _, w := range wants {
		line := fmt.Sprintf("plan: Pulumi.dev.yaml:%d: %s: %s", w.line, w.key, w.says)
		if !strings.Contains(run.comment, line) {
			t.Errorf("the comment does not hold %q:\n%s", line, run.comment)
		}
		if !strings.Contains(log, line) {
			t.Errorf("the step's log does not hold %q:\n%s", line, log)
		}
		if note := fmt.Sprintf("::error file=Pulumi.dev.yaml,line=%d::%s: %s", w.line, w.key, w.says); !strings.Contains(log, note) {
			t.Errorf("the step does not annotate the stack file with %q:\n%s", note, log)
		}
	}
	// The refusal replaces the stack's comment from the last push.
	edit := checkUpsert(t, run.gh, run.comment)
	s.note(t, "the offline-plan job failed at %q; the comment (%s) and the log hold the plan's %d lines with key and line; preview skipped, 0 AWS calls", run.plan.ran[len(run.plan.ran)-1], edit, len(wants))
}
