package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/internal/awstypes"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

// The upgrade of a user's stack: dev deployed by the first release's own code
// (its commit, named by the CHANGELOG, taken from the repository's history),
// given data and a rolled-out image, then deployed by the current program on
// the same stack file. Nothing stateful may be replaced or deleted, the data and
// the image stay, and the services keep their image and task count.

// upgradeFrom is the release the scenario upgrades from.
const upgradeFrom = "0.1.0"

// upgradeTag is the image the release's program rolls out before the upgrade.
const upgradeTag = "e2e0101"

// releaseCommit reads a release's commit from CHANGELOG.md's heading
// "## <version> (commit <sha>, <date>)".
func releaseCommit(t *testing.T, version string) string {
	t.Helper()
	data, err := os.ReadFile("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## ` + regexp.QuoteMeta(version) + ` \(commit ([0-9a-f]{40})\b`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("CHANGELOG.md has no heading \"## %s (commit <40 hex digits>, <date>)\": the upgrade scenario deploys that release's commit", version)
	}
	return string(m[1])
}

// checkoutRelease extracts a commit of the repository (the parent of e2e/) into dir.
func checkoutRelease(t *testing.T, version, commit, dir string) {
	t.Helper()
	if out, err := exec.Command("git", "-C", "..", "cat-file", "-e", commit+"^{commit}").CombinedOutput(); err != nil {
		t.Fatalf("the commit of %s, %s (CHANGELOG.md), is not in this repository's history (%v %s): a shallow clone? `git fetch --unshallow` brings it",
			version, commit, err, strings.TrimSpace(string(out)))
	}
	cmd := exec.Command("bash", "-o", "pipefail", "-c", `git -C .. archive "$1" | tar -x -C "$2"`, "bash", commit, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("extracting %s (%s) into %s: %v\n%s", commit, version, dir, err, out)
	}
}

// releaseUp is the main package written into the release's checkout: it runs
// that checkout's infra.Program through the Automation API, as the suite runs the
// current one (the Go language host is not available here), and writes the up's
// resource changes as JSON.
const releaseUp = `// Command e2e-up runs this checkout's infra.Program with the Automation API.
// Written by fargo's end-to-end suite (e2e/upgrade_test.go); not part of a release.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"os"

	"github.com/blang/semver"
	"github.com/fargo-dev/fargo/infra"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

func main() {
	dir := flag.String("dir", "", "the project directory: Pulumi.yaml and the stack files")
	stack := flag.String("stack", "", "the stack")
	home := flag.String("home", "", "PULUMI_HOME")
	root := flag.String("pulumi-root", "", "the directory holding bin/pulumi")
	version := flag.String("pulumi-version", "", "the CLI's version")
	envFile := flag.String("env", "", "a JSON object: the engine's environment variables")
	configFile := flag.String("config", "", "a JSON object: config to set on the stack first (auto.ConfigMap)")
	summary := flag.String("summary", "", "the file the up's resource changes are written to, as JSON")
	flag.Parse()
	var env map[string]string
	var cfg auto.ConfigMap
	for file, v := range map[string]any{*envFile: &env, *configFile: &cfg} {
		data, err := os.ReadFile(file)
		if err != nil {
			log.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			log.Fatalf("%s: %v", file, err)
		}
	}
	ctx := context.Background()
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: *root, Version: semver.MustParse(*version)})
	if err != nil {
		log.Fatal(err)
	}
	st, err := auto.UpsertStackInlineSource(ctx, *stack, "fargo", infra.Program,
		auto.WorkDir(*dir), auto.PulumiHome(*home), auto.Pulumi(cmd), auto.EnvVars(env))
	if err != nil {
		log.Fatal(err)
	}
	if err := st.SetAllConfig(ctx, cfg); err != nil {
		log.Fatal(err)
	}
	res, err := st.Up(ctx, optup.ProgressStreams(os.Stdout), optup.ErrorProgressStreams(os.Stderr))
	if err != nil {
		log.Fatalf("pulumi up --stack %s: %v", *stack, err)
	}
	data, err := json.Marshal(res.Summary.ResourceChanges)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*summary, data, 0o644); err != nil {
		log.Fatal(err)
	}
}
`

// buildRelease writes releaseUp into a release's checkout and builds it there,
// in the release's own module.
func buildRelease(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "cmd", "e2e-up"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cmd", "e2e-up", "main.go"), []byte(releaseUp), 0o644); err != nil {
		t.Fatal(err)
	}
	addRunnerModules(t, dir)
	bin := filepath.Join(dir, "bin", "e2e-up")
	if out, err := goCmd(dir, "build", "-o", bin, "./cmd/e2e-up"); err != nil {
		t.Fatalf("building the release's program in %s: %v\n%s", dir, err, out)
	}
	return bin
}

// goCmd runs the go command in dir, outside any workspace.
func goCmd(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	return cmd.CombinedOutput()
}

// runnerPackages are what releaseUp imports beyond the release's own code.
var runnerPackages = []string{"github.com/pulumi/pulumi/sdk/v3/go/auto", "github.com/pulumi/pulumi/sdk/v3/go/auto/optup", "github.com/blang/semver"}

// addRunnerModules adds to a release's go.mod the modules that releaseUp's
// imports need and the release does not list (a Pulumi program does not import
// the Automation API, which tails the engine's event log), at the versions this
// suite's module builds them with, and their checksums from this suite's go.sum.
// The release's own requirements are left as they are.
func addRunnerModules(t *testing.T, dir string) {
	t.Helper()
	out, err := goCmd(".", append([]string{"list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}"}, runnerPackages...)...)
	if err != nil {
		t.Fatalf("go list -deps %v: %v\n%s", runnerPackages, err, out)
	}
	var release struct{ Require []struct{ Path string } }
	listed, err := goCmd(dir, "mod", "edit", "-json")
	if err == nil {
		err = json.Unmarshal(listed, &release)
	}
	if err != nil {
		t.Fatalf("reading the release's go.mod: %v\n%s", err, listed)
	}
	have := map[string]bool{}
	for _, r := range release.Require {
		have[r.Path] = true
	}
	sums, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	var added, lines []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, version, ok := strings.Cut(line, " ")
		if !ok || have[path] {
			continue
		}
		have[path] = true
		added = append(added, path+"@"+version)
		for _, sum := range strings.Split(string(sums), "\n") {
			if f := strings.Fields(sum); len(f) == 3 && f[0] == path && strings.TrimSuffix(f[1], "/go.mod") == version {
				lines = append(lines, sum)
			}
		}
	}
	if len(added) == 0 {
		return
	}
	if out, err := goCmd(dir, append([]string{"mod", "edit"}, prefixed("-require=", added)...)...); err != nil {
		t.Fatalf("go mod edit in %s: %v\n%s", dir, err, out)
	}
	f, err := os.OpenFile(filepath.Join(dir, "go.sum"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(strings.Join(lines, "\n") + "\n")
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		t.Fatal(err)
	}
}

func prefixed(prefix string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = prefix + s
	}
	return out
}

// releaseUpOf runs `up` with a release's program (bin, from buildRelease) on
// the scratch project, its backend and the emulator, and returns its changes.
func (s *suite) releaseUpOf(t *testing.T, bin, stack string) map[string]int {
	t.Helper()
	dir := t.TempDir()
	files := map[string]any{"env.json": s.project.env(), "config.json": s.project.moto.providerConfig()}
	for name, v := range files {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	summary := filepath.Join(dir, "summary.json")
	cmd := exec.Command(bin, "-dir", s.project.dir, "-stack", stack, "-home", s.project.home,
		"-pulumi-root", s.project.tools.pulumiRoot, "-pulumi-version", pulumiVersion,
		"-env", filepath.Join(dir, "env.json"), "-config", filepath.Join(dir, "config.json"), "-summary", summary)
	cmd.Stdout, cmd.Stderr = s.project.logs, s.project.logs
	if err := cmd.Run(); err != nil {
		t.Fatalf("up of %s with the release's program: %v\nits log %s ends:\n%s\nmoto log tail:\n%s",
			stack, err, s.project.logPath, tail(s.project.logPath, 30), tail(s.project.moto.log, 20))
	}
	data, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	var changes map[string]int
	if err := json.Unmarshal(data, &changes); err != nil {
		t.Fatal(err)
	}
	return changes
}

// stringMap reads a stack output that maps names to strings.
func (s *suite) stringMap(t *testing.T, stack, output string) map[string]string {
	t.Helper()
	m, ok := s.outputs(t, stack)[output].Value.(map[string]any)
	if !ok || len(m) == 0 {
		t.Fatalf("stack %s has no output %s", stack, output)
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// dynamoItem is an item in the AWS CLI's JSON form: attribute, type, value.
type dynamoItem map[string]map[string]string

// upgradeItem is the item the scenario writes into a table: its key, whatever
// the table's key schema, and one attribute of its own.
func (s *suite) upgradeItem(t *testing.T, table string) (key, item dynamoItem) {
	t.Helper()
	var described struct {
		Table struct {
			KeySchema []struct {
				AttributeName string `json:"AttributeName"`
			} `json:"KeySchema"`
			AttributeDefinitions []struct {
				AttributeName string `json:"AttributeName"`
				AttributeType string `json:"AttributeType"`
			} `json:"AttributeDefinitions"`
		} `json:"Table"`
	}
	if err := json.Unmarshal([]byte(s.aws(t, "dynamodb", "describe-table", "--table-name", table)), &described); err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, a := range described.Table.AttributeDefinitions {
		types[a.AttributeName] = a.AttributeType
	}
	values := map[string]string{"S": "upgrade-" + upgradeFrom, "N": "101", "B": "dXBncmFkZQ=="}
	key, item = dynamoItem{}, dynamoItem{"writtenBy": {"S": "fargo " + upgradeFrom}}
	for _, k := range described.Table.KeySchema {
		typ := types[k.AttributeName]
		key[k.AttributeName] = map[string]string{typ: values[typ]}
		item[k.AttributeName] = key[k.AttributeName]
	}
	if len(key) == 0 {
		t.Fatalf("table %s has no key schema", table)
	}
	return key, item
}

func jsonArg(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// imageDigest is the digest of a repository's image under a tag, or "".
func (s *suite) imageDigest(repository, tag string) (string, error) {
	out, err := s.awsCall("ecr", "describe-images", "--repository-name", repository)
	if err != nil {
		return "", err
	}
	var images struct {
		ImageDetails []struct {
			ImageDigest string   `json:"imageDigest"`
			ImageTags   []string `json:"imageTags"`
		} `json:"imageDetails"`
	}
	if err := json.Unmarshal([]byte(out), &images); err != nil {
		return "", err
	}
	for _, img := range images.ImageDetails {
		if slices.Contains(img.ImageTags, tag) {
			return img.ImageDigest, nil
		}
	}
	return "", nil
}

// suiteUserAgent marks the suite's own AWS CLI calls.
const suiteUserAgent = "fargo-e2e-suite"

// awsCall runs an AWS CLI command against the emulator and returns its JSON
// output, or an error with what the CLI said.
func (s *suite) awsCall(args ...string) (string, error) {
	cmd := exec.Command("aws", append(args, "--output", "json")...)
	// Marks the suite's own calls in the call log (botocore adds exec-env/<it>
	// to the User-Agent), so a role's judgement can leave them out.
	cmd.Env = append(os.Environ(), "AWS_EXECUTION_ENV="+suiteUserAgent)
	for k, v := range s.awsEnv() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("aws %s: %w: %s", strings.Join(args[:2], " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// statefulIDs maps the URN of every resource of a stateful type
// (awstypes.Stateful) to its id.
func statefulIDs(exp *graph.Export) map[string]string {
	return ids(exp, slices.Sorted(maps.Keys(awstypes.Stateful()))...)
}

// countByType counts a graph's stateful resources by type.
func countByType(exp *graph.Export) string {
	var parts []string
	for _, typ := range slices.Sorted(maps.Keys(awstypes.Stateful())) {
		if n := len(exp.Resources(typ)); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, typ[strings.LastIndex(typ, ":")+1:]))
		}
	}
	return strings.Join(parts, ", ")
}

// destructive reports whether an engine step loses the resource it acts on.
func destructive(op string) bool {
	return strings.Contains(op, "delete") || strings.Contains(op, "replace") || strings.Contains(op, "discard")
}

func (s *suite) devUpgrade(t *testing.T) {
	commit := releaseCommit(t, upgradeFrom)
	release := t.TempDir()
	checkoutRelease(t, upgradeFrom, commit, release)

	// The user's project and stack files are the release's, kept across the
	// upgrade; the schedule pinned to the clock as the suite pins dev's.
	for _, f := range []string{"Pulumi.yaml", "Pulumi.dev.yaml"} {
		data, err := os.ReadFile(filepath.Join(release, f))
		if err != nil {
			t.Fatalf("the release %s has no %s: %v", upgradeFrom, f, err)
		}
		if err := os.WriteFile(filepath.Join(s.project.dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.setSchedule(t, "dev", false)
	s.adminSetup(t)

	start := time.Now()
	bin := buildRelease(t, release)
	s.note(t, "%s is commit %s (CHANGELOG.md), extracted from the repository's history; its program built in %.0f s", upgradeFrom, commit[:12], time.Since(start).Seconds())

	start = time.Now()
	first := s.releaseUpOf(t, bin, "dev")
	s.note(t, "up of dev with %s's program took %.0f s: %v", upgradeFrom, time.Since(start).Seconds(), first)

	// Data in every table.
	tables := s.stringMap(t, "dev", "tableNames")
	keys := map[string]dynamoItem{}
	items := map[string]dynamoItem{}
	for _, table := range tables {
		keys[table], items[table] = s.upgradeItem(t, table)
		s.aws(t, "dynamodb", "put-item", "--table-name", table, "--item", jsonArg(t, items[table]))
	}

	// A rollout by hand (README, "Deploying a version"), with the release's
	// program: an image in each service's repository (as the suite's rollout
	// puts one: no Docker here), its tag recorded, up.
	repos := s.stringMap(t, "dev", "repositoryUrls")
	params := s.stringMap(t, "dev", "imageTagParameters")
	services := slices.Sorted(maps.Keys(repos))
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:` + strings.Repeat("cd", 32) + `"},"layers":[]}`
	repoName := func(service string) string { return repos[service][strings.Index(repos[service], "/")+1:] }
	for _, service := range services {
		s.aws(t, "ecr", "put-image", "--repository-name", repoName(service), "--image-tag", upgradeTag, "--image-manifest", manifest)
		if params[service] == "" {
			t.Fatalf("service %s has no image tag parameter in imageTagParameters %v", service, params)
		}
		s.aws(t, "ssm", "put-parameter", "--name", params[service], "--value", upgradeTag, "--type", "String", "--overwrite")
	}
	start = time.Now()
	rolled := s.releaseUpOf(t, bin, "dev")
	s.note(t, "the rollout's up with %s's program took %.0f s: %v", upgradeFrom, time.Since(start).Seconds(), rolled)

	before := map[string]liveService{}
	digests := map[string]string{}
	for _, service := range services {
		live := s.liveService(t, "dev", service)
		if !strings.HasSuffix(live.Image, ":"+upgradeTag) || live.DesiredCount < 1 {
			t.Fatalf("before the upgrade %s runs %s x%d, want %s on at least one task: the release's rollout did not take", service, live.Image, live.DesiredCount, upgradeTag)
		}
		before[service] = live
		digest, err := s.imageDigest(repoName(service), upgradeTag)
		if err != nil || digest == "" {
			t.Fatalf("%s:%s is not in ECR (%v)", repoName(service), upgradeTag, err)
		}
		digests[service] = digest
	}
	old := s.export(t, "dev")
	stateful := statefulIDs(old)
	if len(stateful) == 0 {
		t.Fatal("the release's dev holds no stateful resource")
	}

	// The upgrade: the current program, the same stack file.
	stream := make(chan events.EngineEvent)
	steps := map[string]string{} // URN -> its step's op (a replacement's destructive one)
	types := map[string]string{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range stream {
			if e.ResourcePreEvent == nil {
				continue
			}
			md := e.ResourcePreEvent.Metadata
			if op := string(md.Op); steps[md.URN] == "" || destructive(op) {
				steps[md.URN] = op
			}
			types[md.URN] = md.Type
		}
	}()
	start = time.Now()
	res := s.up(t, "dev", optup.EventStreams(stream))
	took := time.Since(start)
	<-done
	var summary map[string]int
	if res.Summary.ResourceChanges != nil {
		summary = *res.Summary.ResourceChanges
	}
	s.note(t, "the upgrade's up with the current program took %.0f s: %v", took.Seconds(), summary)
	var changed []string
	for _, urn := range slices.Sorted(maps.Keys(steps)) {
		op := steps[urn]
		if op != "same" {
			changed = append(changed, op+" "+urn)
		}
		if _, ok := awstypes.Stateful()[types[urn]]; ok && destructive(op) {
			t.Errorf("the upgrade lost a stateful resource: %s %s", op, urn)
		}
	}
	// Every stateful resource had its step reported, so none went unseen.
	for urn := range stateful {
		if steps[urn] == "" {
			t.Errorf("the upgrade's engine events report no step for %s", urn)
		}
	}
	if len(changed) > 0 {
		s.note(t, "the upgrade's steps: %s", strings.Join(changed, "; "))
	}

	exp := s.export(t, "dev")
	after := statefulIDs(exp)
	for urn, id := range stateful {
		switch now, ok := after[urn]; {
		case !ok:
			t.Errorf("after the upgrade the stack no longer holds %s (was %s): deleted or renamed", urn, id)
		case now != id:
			t.Errorf("the upgrade replaced %s: %s -> %s", urn, id, now)
		}
	}
	s.note(t, "%d stateful resources (%s) compared by URN and id", len(stateful), countByType(old))
	s.recordResources("dev", len(resourceKeys(exp)))

	for _, table := range slices.Sorted(maps.Keys(items)) {
		var got struct {
			Item dynamoItem `json:"Item"`
		}
		out, err := s.awsCall("dynamodb", "get-item", "--table-name", table, "--key", jsonArg(t, keys[table]), "--consistent-read")
		if err != nil {
			t.Errorf("the item written into %s before the upgrade cannot be read after it: %v", table, err)
			continue
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Item, items[table]) {
			t.Errorf("table %s holds %v after the upgrade, want the item written before it, %v", table, got.Item, items[table])
		}
	}
	for _, service := range services {
		if d, err := s.imageDigest(repoName(service), upgradeTag); d != digests[service] {
			t.Errorf("%s:%s is %q after the upgrade (%v), was %s", repoName(service), upgradeTag, d, err, digests[service])
		}
		was, now := before[service], s.liveService(t, "dev", service)
		if now.Image != was.Image || now.DesiredCount != was.DesiredCount {
			t.Errorf("the upgrade moved %s from %s x%d to %s x%d", service, was.Image, was.DesiredCount, now.Image, now.DesiredCount)
		}
	}
	var running []string
	for _, service := range services {
		running = append(running, fmt.Sprintf("%s %s x%d", service, before[service].Image[strings.LastIndex(before[service].Image, ":")+1:], before[service].DesiredCount))
	}
	sort.Strings(running)
	s.note(t, "the item in each of %d tables, the image in each of %d repositories, and each service's image and task count (%s) kept",
		len(items), len(services), strings.Join(running, ", "))

	// What the upgrade deployed reads back as deployed.
	st := s.stack(t, "dev")
	ref, err := st.Refresh(s.ctx, optrefresh.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Summary.ResourceChanges == nil {
		t.Fatal("the refresh after the upgrade reports no resources")
	}
	expectOnlySame(t, "refresh after the upgrade", *ref.Summary.ResourceChanges)
	pre, err := st.Preview(s.ctx, optpreview.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	expectOnlySame(t, "preview after the upgrade's refresh", pre.ChangeSummary)
	s.note(t, "refresh and preview after the upgrade: %d unchanged", pre.ChangeSummary["same"])
}
