package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/blang/semver"
	"github.com/fargo-dev/fargo/infra"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Versions of the tools the suite builds once into its cache.
const (
	pulumiVersion = "3.274.1"
	bridgeVersion = "3.120.0"
	region        = "ap-northeast-2"
)

// tools are the binaries the suite runs.
type tools struct {
	pulumiRoot string // holds bin/pulumi
	bridge     string
	shimDir    string // holds pulumi-resource-aws, put first on the engine's PATH
	tfProvider string
}

// cacheDir is where built tools live, keyed by version.
func cacheDir() string {
	if d := os.Getenv("FARGO_E2E_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "fargo-e2e")
	}
	return filepath.Join(os.TempDir(), "fargo-e2e")
}

// goBuild builds a package of the module in dir into out, unless out exists.
func goBuild(dir, pkg, out string, always bool, flags ...string) error {
	if _, err := os.Stat(out); err == nil && !always {
		return nil
	}
	cmd := exec.Command("go", append(append([]string{"build", "-o", out}, flags...), pkg)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building %s in %s: %w", pkg, dir, err)
	}
	return nil
}

// findTerraformProvider takes FARGO_TF_AWS_PROVIDER, or looks in the standard
// Terraform plugin directories.
func findTerraformProvider() (string, error) {
	if p := os.Getenv("FARGO_TF_AWS_PROVIDER"); p != "" {
		return p, nil
	}
	home, _ := os.UserHomeDir()
	var roots []string
	if d := os.Getenv("TF_PLUGIN_CACHE_DIR"); d != "" {
		roots = append(roots, d)
	}
	roots = append(roots, filepath.Join(home, ".terraform.d", "plugins"), filepath.Join(home, ".local", "share", "terraform", "plugins"),
		"/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins", "/opt/tf-plugins")
	for _, root := range roots {
		matches, _ := filepath.Glob(filepath.Join(root, "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64", "terraform-provider-aws_v5.100.0*"))
		if len(matches) > 0 {
			return matches[0], nil
		}
	}
	return "", fmt.Errorf("the Terraform AWS provider 5.100.0 was not found: set FARGO_TF_AWS_PROVIDER, or mirror it with `terraform providers mirror` into one of %v", roots)
}

func buildTools() (*tools, error) {
	tf, err := findTerraformProvider()
	if err != nil {
		return nil, err
	}
	cache := cacheDir()
	t := &tools{
		pulumiRoot: filepath.Join(cache, "pulumi-v"+pulumiVersion),
		bridge:     filepath.Join(cache, "bridge-v"+bridgeVersion, "pulumi-resource-terraform-provider"),
		shimDir:    filepath.Join(cache, "shim"),
		tfProvider: tf,
	}
	if err := goBuild("tools/pulumi", "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", filepath.Join(t.pulumiRoot, "bin", "pulumi"), false,
		// The CLI reports this version, which the Automation API checks.
		"-ldflags", "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v"+pulumiVersion); err != nil {
		return nil, err
	}
	if err := goBuild("tools/bridge", "github.com/pulumi/pulumi-terraform-bridge/v3/dynamic", t.bridge, false); err != nil {
		return nil, err
	}
	// The shim is the suite's own code: rebuilt every run (seconds when warm).
	if err := goBuild(".", "./cmd/pulumi-resource-aws", filepath.Join(t.shimDir, "pulumi-resource-aws"), true); err != nil {
		return nil, err
	}
	return t, nil
}

// emulator is a moto server started by the suite.
type emulator struct {
	cmd      *exec.Cmd
	endpoint string
	log      string
	// calls is the file the emulator records every API call in.
	calls string
	// faults is the file the launcher reads, at each call, the faults to
	// inject from (moto/launch.py, inject_faults); it logs each to faults.json.log.
	faults string
	// python runs moto and the policy evaluator.
	python string
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// findPython returns a Python that imports moto: FARGO_E2E_PYTHON, python3 on
// PATH, or pyenv's python3.
func findPython() (string, error) {
	candidates := []string{os.Getenv("FARGO_E2E_PYTHON"), "python3"}
	root := os.Getenv("PYENV_ROOT")
	if home, err := os.UserHomeDir(); root == "" && err == nil {
		root = filepath.Join(home, ".pyenv")
	}
	candidates = append(candidates, filepath.Join(root, "shims", "python3"))
	for _, c := range candidates {
		if c != "" && exec.Command(c, "-c", "import moto.server").Run() == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("no Python with moto found (tried %v): pip install 'moto[server]==5.2.1', or set FARGO_E2E_PYTHON", candidates)
}

func startMoto(logDir string) (*emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	python, err := findPython()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(logDir, "moto.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, "moto/launch.py", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	calls := filepath.Join(logDir, "calls.jsonl")
	_ = os.Remove(calls)
	faults := filepath.Join(logDir, "faults.json")
	_ = os.Remove(faults + ".log")
	if err := os.WriteFile(faults, nil, 0o644); err != nil {
		return nil, err
	}
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true", "MOTO_ACM_VALIDATION_WAIT=1", "FARGO_E2E_CALLS="+calls, "FARGO_E2E_FAULTS="+faults)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto (%s moto/launch.py): %w", python, err)
	}
	e := &emulator{cmd: cmd, endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), log: logPath, calls: calls, faults: faults, python: python}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(e.endpoint + "/moto-api/"); err == nil {
			resp.Body.Close()
			return e, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.stop()
	return nil, fmt.Errorf("moto did not answer on %s within 60 s; see %s", e.endpoint, logPath)
}

// stop ends moto's process group.
func (e *emulator) stop() {
	if e == nil || e.cmd.Process == nil {
		return
	}
	pgid := e.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = e.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// awsServices are every service endpoint the provider may call, all pointed at moto.
var awsServices = []string{"acm", "applicationautoscaling", "budgets", "cloudwatch", "dynamodb", "ec2", "ecr", "ecs",
	"elb", "elbv2", "iam", "kms", "logs", "resourcegroupstaggingapi", "route53", "s3", "ssm", "sts", "sns"}

// providerConfig is the aws provider's configuration for the emulator.
func (e *emulator) providerConfig() auto.ConfigMap {
	endpoints := map[string]string{}
	for _, s := range awsServices {
		endpoints[s] = e.endpoint
	}
	ep, _ := json.Marshal([]any{endpoints})
	return auto.ConfigMap{
		"aws:accessKey":                 {Value: "test"},
		"aws:secretKey":                 {Value: "test"},
		"aws:skipCredentialsValidation": {Value: "true"},
		"aws:skipMetadataApiCheck":      {Value: "true"},
		"aws:skipRequestingAccountId":   {Value: "false"},
		"aws:skipRegionValidation":      {Value: "true"},
		"aws:s3UsePathStyle":            {Value: "true"},
		"aws:maxRetries":                {Value: "3"},
		"aws:endpoints":                 {Value: string(ep)},
	}
}

// project is a scratch copy of the project's Pulumi.yaml and stack files, with a
// file backend, that one emulator's stacks run in.
type project struct {
	dir, home, backend string
	tools              *tools
	moto               *emulator
	cmd                auto.PulumiCommand
	logs               io.Writer
	// logPath is the file logs writes to.
	logPath string
}

func newProject(t *tools, moto *emulator, root string, logs io.Writer) (*project, error) {
	p := &project{dir: filepath.Join(root, "project"), home: filepath.Join(root, "pulumi-home"), backend: filepath.Join(root, "state"), tools: t, moto: moto, logs: logs}
	for _, d := range []string{p.dir, p.home, p.backend} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	for _, f := range []string{"Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.pr.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(p.dir, f), data, 0o644); err != nil {
			return nil, err
		}
	}
	// The workflows' scripts, which their steps run from the fargo checkout.
	scripts, err := filepath.Glob(filepath.Join("..", ".github", "scripts", "*.sh"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(p.dir, ".github", "scripts"), 0o755); err != nil {
		return nil, err
	}
	for _, f := range scripts {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(p.dir, ".github", "scripts", filepath.Base(f)), data, 0o755); err != nil {
			return nil, err
		}
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: t.pulumiRoot, Version: semver.MustParse(pulumiVersion)})
	if err != nil {
		return nil, err
	}
	p.cmd = cmd
	return p, nil
}

func (p *project) env() map[string]string {
	return map[string]string{
		"PATH":                     p.tools.shimDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PULUMI_BACKEND_URL":       "file://" + p.backend,
		"PULUMI_CONFIG_PASSPHRASE": "fargo-e2e",
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		// The bridge's type checker only warns by default, and a property the
		// shim passes under a wrong name would be dropped with a warning.
		"PULUMI_ERROR_TYPE_CHECKER":        "true",
		"PULUMI_ERROR_CONFIG_TYPE_CHECKER": "true",
		"FARGO_E2E_BRIDGE":                 p.tools.bridge,
		"FARGO_TF_AWS_PROVIDER":            p.tools.tfProvider,
	}
}

// stack opens (or creates) a stack of the scratch project running infra.Program.
func (p *project) stack(ctx context.Context, name string) (auto.Stack, error) {
	s, err := auto.UpsertStackInlineSource(ctx, name, "fargo", infra.Program,
		auto.WorkDir(p.dir), auto.PulumiHome(p.home), auto.Pulumi(p.cmd), auto.EnvVars(p.env()))
	if err != nil {
		return s, err
	}
	return s, s.SetAllConfig(ctx, p.moto.providerConfig())
}

// tail returns the last n lines of a file (the moto log, in failures).
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
