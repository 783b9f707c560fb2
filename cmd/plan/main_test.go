package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// project copies Pulumi.yaml and exceptions.yaml into a temp dir and writes a stack file.
func project(t *testing.T, stack, body string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "exceptions.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runPlan(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

const services = `
  fargo:services:
    web:
      port: 3000
    api:
      port: 3000
      paths: ["/api/*"]
      priority: 10
`

func TestBrokenStackFilesFailCleanly(t *testing.T) {
	region := "config:\n  aws:region: ap-northeast-2\n"
	cases := []struct {
		name, body string
		want       []string
	}{
		{"not yaml", "config: [unclosed", []string{"not valid YAML"}},
		{"config is a list", "config:\n  - a\n", []string{"not valid YAML"}},
		{"unknown top-level key", region + services + "  fargo:netwrok:\n    nat: none\n", []string{"fargo:netwrok: unknown key", "fargo:network"}},
		{"unknown nested key", region + services + "  fargo:network:\n    natt: none\n", []string{"fargo:network", `unknown key "natt"`}},
		{"wrong type", region + services + "  fargo:network:\n    availabilityZones: two\n", []string{"fargo:network.availabilityZones", "whole number"}},
		{"network as a string", region + services + "  fargo:network: none\n", []string{"fargo:network", "not a valid object"}},
		{"impossible cpu/memory", region + "  fargo:services:\n    web:\n      cpu: 256\n      memory: 8192\n", []string{"fargo:services.web.memory", "8192", "cpu 256"}},
		{"unknown cpu", region + "  fargo:services:\n    web:\n      cpu: 3000\n", []string{"fargo:services.web.cpu", "3000"}},
		{"NAT per zone in one zone", region + services + "  fargo:network:\n    nat: perAz\n    availabilityZones: 1\n", []string{"fargo:network.availabilityZones", "at least 2"}},
		{"NAT unknown", region + services + "  fargo:network:\n    nat: gateway\n", []string{"fargo:network.nat", `"gateway"`}},
		{"more zones than the region", region + services + "  fargo:network:\n    availabilityZones: 6\n", []string{"fargo:network.availabilityZones", "only 4"}},
		{"more zones than us-west-1", "config:\n  aws:region: us-west-1\n" + services + "  fargo:network:\n    availabilityZones: 3\n", []string{"fargo:network.availabilityZones", "only 2"}},
		{"a region the plan does not know", "config:\n  aws:region: me-south-1\n" + services, []string{"aws:region", `"me-south-1"`, "plan/mocks/zones.go"}},
		{"two default routes", region + "  fargo:services:\n    web:\n      port: 8080\n    api:\n      port: 8081\n", []string{"fargo:services", "api, web", "exactly one"}},
		{"no default route", region + "  fargo:services:\n    api:\n      paths: [/api/*]\n      priority: 1\n", []string{"fargo:services", "default route"}},
		{"duplicate path", region + "  fargo:services:\n    web: {}\n    aa:\n      paths: [/x/*]\n      priority: 1\n    bb:\n      paths: [/x/*]\n      priority: 2\n", []string{"fargo:services.bb.paths", "already routed to aa"}},
		{"invalid domain", region + services + "  fargo:domain:\n    zone: exa mple.com\n", []string{"fargo:domain.zone", "exa mple.com"}},
		{"invalid host", region + services + "  fargo:domain:\n    zone: example.com\n    host: www.dev\n", []string{"fargo:domain.host", "www.dev"}},
		{"zero tasks", region + "  fargo:services:\n    web:\n      minTasks: 0\n", []string{"fargo:services.web.minTasks", "0"}},
		{"negative tasks", region + "  fargo:services:\n    web:\n      minTasks: 1\n      maxTasks: -3\n", []string{"fargo:services.web.maxTasks", "-3"}},
		{"port out of range", region + "  fargo:services:\n    web:\n      port: 65536\n", []string{"fargo:services.web.port", "65536", "1 to 65535"}},
		{"privileged port", region + "  fargo:services:\n    web:\n      port: 80\n", []string{"fargo:services.web.port", "80 is below 1024", "non-root"}},
		{"shadowed service", region + "  fargo:services:\n    web: {}\n    api:\n      paths: [/api/*]\n      priority: 10\n    v2:\n      paths: [/api/v2/*]\n      priority: 20\n", []string{"fargo:services.v2.paths", "never be reached", "api (priority 10"}},
		{"too many wildcards", region + "  fargo:services:\n    web: {}\n    api:\n      paths: [\"/a/*/*\", \"/b/*/*/*\", \"/c/?\"]\n      priority: 10\n", []string{"fargo:services.api.paths", "6 wildcards", "at most 5"}},
		{"port as text", region + "  fargo:services:\n    web:\n      port: http\n", []string{"fargo:services.web.port", "string"}},
		{"paths not a list", region + "  fargo:services:\n    web: {}\n    api:\n      paths: /api/*\n      priority: 1\n", []string{"fargo:services.api.paths", "list"}},
		{"bad service name", region + "  fargo:services:\n    Web_1:\n      port: 8080\n", []string{"fargo:services.Web_1", "lowercase"}},
		{"secret in environment", region + "  fargo:services:\n    web:\n      environment:\n        API_TOKEN: abc\n", []string{"fargo:services.web.environment.API_TOKEN", "secret"}},
		{"no region", "config:\n" + services, []string{"aws:region", "not set"}},
		{"protection not a bool", region + services + "  fargo:deletionProtection: sometimes\n", []string{"fargo:deletionProtection", "true or false"}},
		{"budget", region + services + "  fargo:budget:\n    monthlyLimit: -5\n    emails: [a@example.com]\n", []string{"fargo:budget.monthlyLimit", "-5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := project(t, "broken", c.body)
			code, out, errOut := runPlan("--stack", "broken", "--dir", dir)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if out != "" {
				t.Errorf("printed a plan: %.200s", out)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.HasPrefix(errOut, "plan: ") {
				t.Errorf("error is not one line: %q", errOut)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine") {
				t.Errorf("panic: %s", errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("error %q lacks %q", errOut, w)
				}
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--stack", "dev", "--format", "yaml"},
		{"--stack", "dev", "--input", "x.json"},
		{"--stack", "dev", "extra"},
		{"--stack", "dev", "--log-gb", "-1"},
		{"--input", "x.json", "--format", "export"},
		{"--stack", "dev", "--at", "tonight"},
	} {
		if code, _, errOut := runPlan(args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, _, errOut := runPlan("--stack", "staging", "--dir", "../.."); code != 1 || !strings.Contains(errOut, "Pulumi.staging.yaml") {
		t.Errorf("missing stack: %d %q", code, errOut)
	}
}

func TestAtModelsADeployWhileAsleep(t *testing.T) {
	// Friday 23:00 in Seoul: dev's schedule has every service asleep.
	code, text, errOut := runPlan("--stack", "dev", "--dir", "../..", "--at", "2026-11-27T23:00:00+09:00")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"deployed at 2026-11-27T23:00:00+09:00 (--at)", "Target app-frontend  min=0 max=0",
		"ScheduledAction app-frontend-wake  at=cron(0 8 ? * MON-FRI *) tz=Asia/Seoul min=1 max=4", "TOTAL asleep on schedule"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan at night lacks %q", want)
		}
	}
	// Monday 09:00 in Seoul: awake.
	_, text, _ = runPlan("--stack", "dev", "--dir", "../..", "--at", "2026-11-30T09:00:00+09:00")
	if !strings.Contains(text, "Target app-frontend  min=1 max=4") {
		t.Error("plan on Monday morning does not deploy frontend awake")
	}
}

func TestPlanAsksToConfirmAlarmEmails(t *testing.T) {
	code, text, errOut := runPlan("--stack", "prod", "--dir", "../..")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(text, "Confirm the alarm e-mails: after `pulumi up`, AWS Notifications writes to ops@example.com;") || !strings.Contains(text, "within 48 hours") {
		t.Error("prod's plan does not tell the operator to confirm ops@example.com's subscription")
	}
	_, text, _ = runPlan("--stack", "dev", "--dir", "../..")
	if strings.Contains(text, "Confirm the alarm e-mails") {
		t.Error("dev subscribes no address, yet its plan asks to confirm one")
	}
}

func TestFormats(t *testing.T) {
	code, text, errOut := runPlan("--stack", "dev", "--dir", "../..")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`every image tag parameter is assumed to hold "0a1b2c3"`, "fargo:infra:Network", "Outputs (", "Rollout wait", "Monthly cost", "TOTAL", "Checks:"} {
		if !strings.Contains(text, want) {
			t.Errorf("text plan lacks %q", want)
		}
	}

	code, raw, _ := runPlan("--stack", "dev", "--dir", "../..", "--format", "export")
	if code != 0 {
		t.Fatal("export failed")
	}
	var exp struct {
		Version    int
		Deployment struct {
			Resources []struct {
				URN, Type, Parent string
				Custom            bool
				Inputs, Outputs   map[string]any
			}
		}
	}
	if err := json.Unmarshal([]byte(raw), &exp); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if exp.Version != 3 || len(exp.Deployment.Resources) < 10 || exp.Deployment.Resources[0].Type != "pulumi:pulumi:Stack" {
		t.Fatalf("export shape: version %d, %d resources", exp.Version, len(exp.Deployment.Resources))
	}
	if exp.Deployment.Resources[0].Outputs["url"] == nil {
		t.Error("root stack resource lacks the stack outputs")
	}
	for _, r := range exp.Deployment.Resources[1:] {
		if r.URN == "" || r.Type == "" || (r.Parent == "" && !strings.HasPrefix(r.Type, "pulumi:providers:")) {
			t.Errorf("resource %+v lacks urn, type or parent", r)
		}
	}
	exportFile := filepath.Join(t.TempDir(), "dev.json")
	if err := os.WriteFile(exportFile, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}

	code, rawCost, _ := runPlan("--input", exportFile, "--format", "cost")
	var est struct {
		Currency     string
		TotalMonthly float64
		Items        []struct {
			URN, Type, Description, Unit string
			Quantity, UnitPrice, Monthly float64
		}
	}
	if code != 0 || json.Unmarshal([]byte(rawCost), &est) != nil || est.Currency != "USD" || est.TotalMonthly <= 0 || len(est.Items) == 0 {
		t.Errorf("cost from an export: exit %d, %.300s", code, rawCost)
	}

	code, rawChecks, _ := runPlan("--input", exportFile, "--format", "checks", "--exceptions", "../../exceptions.yaml", "--strict")
	var report struct {
		Stack    string
		Summary  struct{ Pass, Fail, Excepted int }
		Findings []struct{ Control, Title, Severity, URN, Status, Reason string }
	}
	if code != 0 || json.Unmarshal([]byte(rawChecks), &report) != nil || report.Stack != "dev" || report.Summary.Fail != 0 || report.Summary.Excepted == 0 {
		t.Errorf("checks from an export: exit %d, %+v", code, report.Summary)
	}
	for _, f := range report.Findings {
		if f.Control == "" || f.Title == "" || f.Severity == "" || f.URN == "" || f.Status == "" || f.Reason == "" {
			t.Errorf("incomplete finding %+v", f)
		}
	}

	code, cmp, _ := runPlan("--stack", "dev", "--dir", "../..", "--compare", exportFile)
	if code != 0 || !strings.Contains(cmp, "No resource changes.") || !strings.Contains(cmp, "(+0.00)") {
		t.Errorf("comparing a plan with itself: exit %d\n%s", code, cmp[strings.Index(cmp, "Compared"):])
	}
}

func TestStrictFailsWithoutTheRegister(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "none.yaml")
	if err := os.WriteFile(empty, []byte("exceptions: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runPlan("--stack", "dev", "--dir", "../..", "--exceptions", empty, "--strict")
	if code != 3 || !strings.Contains(out, "fail ECS.2") {
		t.Errorf("dev without its exceptions: exit %d", code)
	}
	if code, _, _ := runPlan("--stack", "dev", "--dir", "../..", "--exceptions", empty); code != 0 {
		t.Errorf("without --strict a failing check must not fail the command: %d", code)
	}
}

func TestEveryMistakeAtOnceInFileOrder(t *testing.T) {
	body := `config:
  aws:region: ap-northeast-2
  frago:network:
    nat: none
  fargo:services:
    web:
      port: 0
      cpu: 256
      memory: 8192
    api:
      paths: ["/api/*"]
      priority: 10
      user: "0"
  fargo:budget:
    monthlyLimit: -5
    emails: [not-an-address]
`
	dir := project(t, "broken", body)
	code, out, errOut := runPlan("--stack", "broken", "--dir", dir)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, output %q", code, out)
	}
	want := []string{
		`plan: Pulumi.broken.yaml:3: frago:network: unknown namespace "frago" (did you mean fargo:network?)`,
		"plan: Pulumi.broken.yaml:7: fargo:services.web.port: 0 is out of range",
		"plan: Pulumi.broken.yaml:9: fargo:services.web.memory: 8192 MiB is not allowed with cpu 256",
		`plan: Pulumi.broken.yaml:13: fargo:services.api.user: "0" is root`,
		"plan: Pulumi.broken.yaml:15: fargo:budget.monthlyLimit: -5 is not allowed",
		`plan: Pulumi.broken.yaml:16: fargo:budget.emails[0]: "not-an-address" is not an email address`,
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), errOut)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want it to begin %q", i+1, lines[i], w)
		}
	}
}

func TestUnpricedRegionStillPlansAndChecks(t *testing.T) {
	dir := project(t, "eu", "config:\n  aws:region: eu-west-1\n"+services)
	code, out, errOut := runPlan("--stack", "eu", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Stack eu in eu-west-1", "aws:ecs/service:Service", `Monthly cost: unknown, no prices for region "eu-west-1"; prices exist for ap-northeast-2, us-east-1`, "Checks:"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	if code, _, errOut := runPlan("--stack", "eu", "--dir", dir, "--format", "cost"); code != 1 || !strings.Contains(errOut, `no prices for region "eu-west-1"`) {
		t.Errorf("--format cost in an unpriced region: exit %d, %q", code, errOut)
	}
}

func TestStrictAppliesToEveryFormat(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "none.yaml")
	if err := os.WriteFile(empty, []byte("exceptions: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "cost", "checks"} {
		if code, _, errOut := runPlan("--stack", "dev", "--dir", "../..", "--exceptions", empty, "--strict", "--format", format); code != 3 {
			t.Errorf("--strict --format %s with failing checks: exit %d (%s), want 3", format, code, errOut)
		}
	}
}

func TestInputWithoutRegisterSaysSo(t *testing.T) {
	_, raw, _ := runPlan("--stack", "dev", "--dir", "../..", "--format", "export")
	export := filepath.Join(t.TempDir(), "dev.json")
	if err := os.WriteFile(export, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	_, out, errOut := runPlan("--input", export, "--dir", elsewhere)
	if want := "No exception register (" + filepath.Join(elsewhere, "exceptions.yaml") + " not found"; !strings.Contains(out, want) {
		t.Errorf("plan of an export outside the project lacks %q:\n%s%s", want, out, errOut)
	}
	_, out, _ = runPlan("--input", export, "--dir", "../..")
	if strings.Contains(out, "No exception register") {
		t.Error("the project's register was found but the plan says none was")
	}
}

func TestZonesFollowTheRegion(t *testing.T) {
	for region, zones := range map[string]int{"us-east-1": 6, "ap-northeast-2": 4, "eu-west-1": 3} {
		body := fmt.Sprintf("config:\n  aws:region: %s\n%s  fargo:network:\n    availabilityZones: %d\n", region, services, zones)
		dir := project(t, "zones", body)
		if code, _, errOut := runPlan("--stack", "zones", "--dir", dir); code != 0 {
			t.Errorf("%d zones in %s refused: %s", zones, region, errOut)
		}
	}
}

func TestCompareAcrossStacksMatchesByIdentity(t *testing.T) {
	_, raw, _ := runPlan("--stack", "dev", "--dir", "../..", "--format", "export")
	dev := filepath.Join(t.TempDir(), "dev.json")
	if err := os.WriteFile(dev, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runPlan("--stack", "prod", "--dir", "../..", "--format", "cost", "--compare", dev)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Diff struct {
			Added, Removed, Changed []struct {
				Resource      string
				ChangedInputs []string
				MonthlyBefore float64
				MonthlyAfter  float64
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	find := func(list []struct {
		Resource      string
		ChangedInputs []string
		MonthlyBefore float64
		MonthlyAfter  float64
	}, suffix string) int {
		for i, c := range list {
			if strings.HasSuffix(c.Resource, suffix) {
				return i
			}
		}
		return -1
	}
	// The backend service exists in both stacks: changed, not removed and added.
	i := find(got.Diff.Changed, "aws:ecs/service:Service::app-backend")
	if i < 0 || find(got.Diff.Added, "aws:ecs/service:Service::app-backend") >= 0 || find(got.Diff.Removed, "aws:ecs/service:Service::app-backend") >= 0 {
		t.Fatalf("the backend service is not matched across stacks: %+v", got.Diff)
	}
	if c := got.Diff.Changed[i]; len(c.ChangedInputs) == 0 || c.MonthlyAfter == c.MonthlyBefore {
		t.Errorf("backend: changed inputs %v, monthly %v -> %v; prod runs it differently", c.ChangedInputs, c.MonthlyBefore, c.MonthlyAfter)
	}
	// Only prod has NAT gateways.
	if find(got.Diff.Added, "aws:ec2/natGateway:NatGateway::network-nat-0") < 0 {
		t.Errorf("prod's NAT gateway is not listed as added: %+v", got.Diff.Added)
	}
}
