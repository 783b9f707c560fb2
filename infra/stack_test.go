package infra_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/outputs"
	"github.com/fargo-dev/fargo/plan"
	"github.com/fargo-dev/fargo/plan/mocks"
)

// stacks are the real stack files every test runs against.
var stacks = []string{"dev", "prod"}

type planned struct {
	cfg     *config.Config
	exp     *graph.Export
	invoked []string // the functions the program called
}

var (
	planMu    sync.Mutex
	planCache = map[string]planned{}
)

// loadConfig reads a real stack file the way the CLI would.
func loadConfig(t *testing.T, stack string) *plan.StackConfig {
	t.Helper()
	sc, err := plan.LoadStack("..", stack)
	if err != nil {
		t.Fatalf("loading stack %s: %v", stack, err)
	}
	return sc
}

// planFor runs the program for a real stack file under mocks, once per stack.
func planFor(t *testing.T, stack string) planned {
	t.Helper()
	planMu.Lock()
	defer planMu.Unlock()
	if p, ok := planCache[stack]; ok {
		return p
	}
	sc := loadConfig(t, stack)
	p := runConfig(t, sc, mocks.Options{})
	planCache[stack] = p
	return p
}

// daytime is the moment the tests deploy at unless they say otherwise: Thursday
// 26 November 2026 at noon in Seoul, when dev's schedule has it awake.
var daytime = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

func runConfig(t *testing.T, sc *plan.StackConfig, opts mocks.Options) planned {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = daytime
	}
	cfg, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get)
	if err != nil {
		t.Fatalf("stack %s config: %v", sc.Stack, err)
	}
	res, err := plan.Run(sc, opts)
	if err != nil {
		t.Fatalf("planning %s: %v", sc.Stack, err)
	}
	return planned{cfg: cfg, exp: res.Export, invoked: res.Invoked}
}

// one returns the single resource of typ whose logical name is name.
func one(t *testing.T, exp *graph.Export, typ, name string) *graph.Resource {
	t.Helper()
	var found []*graph.Resource
	for _, r := range exp.Resources(typ) {
		if r.Name() == name {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s named %s, found %d", typ, name, len(found))
	}
	return found[0]
}

func strs(l []any) []string {
	out := make([]string, len(l))
	for i, v := range l {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func num(t *testing.T, r *graph.Resource, path ...string) float64 {
	t.Helper()
	n, ok := r.Number(path...)
	if !ok {
		t.Fatalf("%s: %v is not a number: %#v", r.URN, path, r.Value(path...))
	}
	return n
}

func TestDevIsPublicAndProdIsPrivate(t *testing.T) {
	if planFor(t, "dev").cfg.Network.Nat != config.NatNone {
		t.Error("dev must run without NAT")
	}
	if planFor(t, "prod").cfg.Network.Nat == config.NatNone {
		t.Error("prod must run tasks behind NAT")
	}
}

func TestRegistryPerService(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			// Each service's own repository, and with previews its previews' one.
			repos := p.exp.Resources("aws:ecr/repository:Repository")
			want := len(p.cfg.Services)
			if p.cfg.Previews != nil {
				want *= 2
			}
			if len(repos) != want {
				t.Fatalf("%d repositories for %d services (previews: %v)", len(repos), len(p.cfg.Services), p.cfg.Previews != nil)
			}
			for _, svc := range p.cfg.Services {
				repo := one(t, p.exp, "aws:ecr/repository:Repository", "registry-"+svc.Name)
				if scan, _ := repo.Bool("imageScanningConfiguration", "scanOnPush"); !scan {
					t.Errorf("%s: scan on push off", svc.Name)
				}
				wantMut := map[bool]string{true: "IMMUTABLE", false: "MUTABLE"}[*p.cfg.Registry.ImmutableTags]
				if repo.String("imageTagMutability") != wantMut {
					t.Errorf("%s: mutability %q, want %q", svc.Name, repo.String("imageTagMutability"), wantMut)
				}
				if fd, _ := repo.Bool("forceDelete"); fd != p.cfg.Registry.ForceDelete {
					t.Errorf("%s: forceDelete %v, want %v", svc.Name, fd, p.cfg.Registry.ForceDelete)
				}
				policy := one(t, p.exp, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "registry-"+svc.Name)
				var doc struct {
					Rules []struct {
						RulePriority int `json:"rulePriority"`
						Selection    struct {
							TagStatus   string `json:"tagStatus"`
							CountType   string `json:"countType"`
							CountUnit   string `json:"countUnit"`
							CountNumber int    `json:"countNumber"`
						} `json:"selection"`
						Action struct{ Type string } `json:"action"`
					} `json:"rules"`
				}
				if err := json.Unmarshal([]byte(policy.String("policy")), &doc); err != nil {
					t.Fatalf("lifecycle policy is not JSON: %v", err)
				}
				if len(doc.Rules) != 2 {
					t.Fatalf("want 2 rules, got %+v", doc.Rules)
				}
				untagged, any := doc.Rules[0], doc.Rules[1]
				if untagged.Selection.TagStatus != "untagged" || untagged.Selection.CountType != "sinceImagePushed" ||
					untagged.Selection.CountNumber != p.cfg.Registry.UntaggedExpiryDays || untagged.Action.Type != "expire" {
					t.Errorf("untagged rule %+v", untagged)
				}
				if any.Selection.TagStatus != "any" || any.Selection.CountType != "imageCountMoreThan" ||
					any.Selection.CountNumber != p.cfg.Registry.KeepTagged || any.RulePriority <= untagged.RulePriority {
					t.Errorf("keep-newest rule %+v", any)
				}
			}
		})
	}
}

func TestLoadBalancerRoutesByPath(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			alb := one(t, p.exp, "aws:lb/loadBalancer:LoadBalancer", "web")
			if d, _ := alb.Bool("dropInvalidHeaderFields"); !d {
				t.Error("invalid header fields not dropped")
			}
			if dp, _ := alb.Bool("enableDeletionProtection"); dp != p.cfg.DeletionProtection {
				t.Errorf("deletion protection %v, want %v", dp, p.cfg.DeletionProtection)
			}
			if alb.Input("internal") != false || len(alb.List("subnets")) < 2 {
				t.Errorf("ALB must be internet-facing over >= 2 subnets: %v", alb.Inputs)
			}
			serving := "web-http"
			if p.cfg.Domain != nil {
				serving = "web-https"
			}
			servingArn := one(t, p.exp, "aws:lb/listener:Listener", serving).String("arn")
			for _, svc := range p.cfg.Services {
				tg := one(t, p.exp, "aws:lb/targetGroup:TargetGroup", "web-"+svc.Name)
				if tg.String("targetType") != "ip" || num(t, tg, "port") != float64(svc.Port) {
					t.Errorf("%s target group %v", svc.Name, tg.Inputs)
				}
				if tg.String("healthCheck", "path") != svc.HealthCheckPath || tg.String("healthCheck", "matcher") != "200-399" {
					t.Errorf("%s health check %v", svc.Name, tg.Input("healthCheck"))
				}
				if num(t, tg, "healthCheck", "interval") > 10 || num(t, tg, "healthCheck", "healthyThreshold") > 2 {
					t.Errorf("%s health check too slow: %v", svc.Name, tg.Input("healthCheck"))
				}
				if d := num(t, tg, "deregistrationDelay"); d > 30 {
					t.Errorf("%s deregistration delay %v > 30 s", svc.Name, d)
				}
				if svc.DefaultRoute() {
					continue
				}
				rule := one(t, p.exp, "aws:lb/listenerRule:ListenerRule", "web-"+svc.Name)
				if rule.String("listenerArn") != servingArn {
					t.Errorf("%s rule not on the %s listener", svc.Name, serving)
				}
				if num(t, rule, "priority") != float64(svc.Priority) {
					t.Errorf("%s priority %v", svc.Name, rule.Input("priority"))
				}
				cond := rule.List("conditions")[0].(map[string]any)["pathPattern"].(map[string]any)["values"].([]any)
				if !slices.Equal(strs(cond), svc.Paths) {
					t.Errorf("%s paths %v, want %v", svc.Name, cond, svc.Paths)
				}
				action := rule.List("actions")[0].(map[string]any)
				if action["type"] != "forward" || action["targetGroupArn"] != tg.String("arn") {
					t.Errorf("%s rule forwards to %v", svc.Name, action)
				}
			}
		})
	}
}

func TestBackendServesApiPaths(t *testing.T) {
	for _, stack := range stacks {
		p := planFor(t, stack)
		rule := one(t, p.exp, "aws:lb/listenerRule:ListenerRule", "web-backend")
		cond := rule.List("conditions")[0].(map[string]any)["pathPattern"].(map[string]any)["values"].([]any)
		if !slices.Contains(strs(cond), "/api/*") {
			t.Errorf("%s: backend rule paths %v lack /api/*", stack, cond)
		}
		tg := one(t, p.exp, "aws:lb/targetGroup:TargetGroup", "web-backend")
		if tg.String("healthCheck", "path") != "/api/health" {
			t.Errorf("%s: backend health check %q", stack, tg.String("healthCheck", "path"))
		}
	}
}

func TestTaskDefinitions(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			for _, svc := range p.cfg.Services {
				td := one(t, p.exp, "aws:ecs/taskDefinition:TaskDefinition", "app-"+svc.Name)
				if num(t, td, "cpu") != float64(svc.Cpu) || num(t, td, "memory") != float64(svc.Memory) {
					t.Errorf("%s cpu/memory %v/%v", svc.Name, td.Input("cpu"), td.Input("memory"))
				}
				if td.String("networkMode") != "awsvpc" || td.Input("pidMode") != nil {
					t.Errorf("%s network mode %v", svc.Name, td.Input("networkMode"))
				}
				if td.String("executionRoleArn") == td.String("taskRoleArn") || td.String("taskRoleArn") == "" {
					t.Errorf("%s execution and task roles must differ", svc.Name)
				}
				var defs []infra.ContainerDefinition
				if err := json.Unmarshal([]byte(td.String("containerDefinitions")), &defs); err != nil || len(defs) != 1 {
					t.Fatalf("%s container definitions: %v %v", svc.Name, err, defs)
				}
				c := defs[0]
				if len(c.PortMappings) != 1 || c.PortMappings[0].ContainerPort != svc.Port {
					t.Errorf("%s port mappings %v", svc.Name, c.PortMappings)
				}
				lg := one(t, p.exp, "aws:cloudwatch/logGroup:LogGroup", "app-"+svc.Name)
				if c.LogConfiguration == nil || c.LogConfiguration.LogDriver != "awslogs" ||
					c.LogConfiguration.Options["awslogs-group"] != lg.String("name") || c.LogConfiguration.Options["awslogs-region"] != p.cfg.Region {
					t.Errorf("%s log configuration %+v", svc.Name, c.LogConfiguration)
				}
				if num(t, lg, "retentionInDays") != float64(p.cfg.Cluster.LogRetentionDays) {
					t.Errorf("%s log retention %v", svc.Name, lg.Input("retentionInDays"))
				}
				if !c.ReadonlyRootFilesystem || c.User == "" || c.User == "0" || c.Privileged || c.StopTimeout <= 0 || c.StopTimeout > 120 {
					t.Errorf("%s container hardening: %+v", svc.Name, c)
				}
				for _, e := range c.Environment {
					name := strings.ToUpper(e.Name)
					for _, word := range []string{"SECRET", "PASSWORD", "TOKEN", "KEY", "AWS_ACCESS_KEY_ID"} {
						if strings.Contains(name, word) {
							t.Errorf("%s has a secret-looking environment variable %s", svc.Name, e.Name)
						}
					}
				}
				if want := fmt.Sprintf(":%s", mocks.DefaultImageTag); !strings.HasSuffix(c.Image, want) {
					t.Errorf("%s image %q does not run the recorded tag", svc.Name, c.Image)
				}
			}
		})
	}
}

func TestTaskSecurityGroupsAdmitOnlyTheLoadBalancer(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			albSG := string(one(t, p.exp, "aws:ec2/securityGroup:SecurityGroup", "web-alb").ID)
			albPorts := map[string]bool{}
			taskRules := 0
			for _, rule := range p.exp.Resources("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
				if rule.String("securityGroupId") == albSG {
					albPorts[fmt.Sprintf("%v-%v", num(t, rule, "fromPort"), num(t, rule, "toPort"))] = true
					continue
				}
				if strings.HasPrefix(rule.Name(), "network-") {
					continue // the NAT instance's, checked with the network
				}
				taskRules++
				if rule.String("referencedSecurityGroupId") != albSG || rule.Input("cidrIpv4") != nil {
					t.Errorf("task ingress %s is not from the load balancer only: %v", rule.Name(), rule.Inputs)
				}
			}
			if taskRules != len(p.cfg.Services) {
				t.Errorf("%d task ingress rules for %d services", taskRules, len(p.cfg.Services))
			}
			want := map[string]bool{"80-80": true}
			if p.cfg.Domain != nil {
				want["443-443"] = true
			}
			if stack == "dev" { // Pulumi.dev.yaml: fargo:previews.ports
				want["8001-8010"] = true
			}
			if fmt.Sprint(albPorts) != fmt.Sprint(want) {
				t.Errorf("load balancer open on %v, want %v", albPorts, want)
			}
			for _, svc := range p.cfg.Services {
				sg := string(one(t, p.exp, "aws:ec2/securityGroup:SecurityGroup", "app-"+svc.Name+"-task").ID)
				in := one(t, p.exp, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app-"+svc.Name+"-task-in")
				if in.String("securityGroupId") != sg || num(t, in, "fromPort") != float64(svc.Port) || num(t, in, "toPort") != float64(svc.Port) {
					t.Errorf("%s ingress %v", svc.Name, in.Inputs)
				}
				s := one(t, p.exp, "aws:ecs/service:Service", "app-"+svc.Name)
				if groups := strs(s.List("networkConfiguration", "securityGroups")); !slices.Equal(groups, []string{sg}) {
					t.Errorf("%s service security groups %v", svc.Name, groups)
				}
			}
		})
	}
}

func TestServicesRollOutSafely(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			cp := p.cfg.Cluster.Capacity
			for _, svc := range p.cfg.Services {
				s := one(t, p.exp, "aws:ecs/service:Service", "app-"+svc.Name)
				if e, _ := s.Bool("deploymentCircuitBreaker", "enable"); !e {
					t.Errorf("%s circuit breaker off", svc.Name)
				}
				if r, _ := s.Bool("deploymentCircuitBreaker", "rollback"); !r {
					t.Errorf("%s circuit breaker without rollback", svc.Name)
				}
				if num(t, s, "deploymentMinimumHealthyPercent") != 100 || num(t, s, "deploymentMaximumPercent") != 200 {
					t.Errorf("%s deployment percents", svc.Name)
				}
				if num(t, s, "healthCheckGracePeriodSeconds") <= 0 {
					t.Errorf("%s has no health check grace period", svc.Name)
				}
				if num(t, s, "desiredCount") != float64(svc.MinTasks) {
					t.Errorf("%s desired %v, want %d", svc.Name, s.Input("desiredCount"), svc.MinTasks)
				}
				if !slices.Contains(s.IgnoreChanges, "desiredCount") {
					t.Errorf("%s does not ignore desiredCount drift", svc.Name)
				}
				if s.Input("launchType") != nil {
					t.Errorf("%s sets launchType alongside capacity providers", svc.Name)
				}
				tg := one(t, p.exp, "aws:lb/targetGroup:TargetGroup", "web-"+svc.Name)
				lbs := s.List("loadBalancers")
				if len(lbs) != 1 || lbs[0].(map[string]any)["targetGroupArn"] != tg.String("arn") {
					t.Errorf("%s attached to %v", svc.Name, lbs)
				}
				listener := one(t, p.exp, "aws:lb/listener:Listener", "web-http")
				if !slices.Contains(s.Dependencies, listener.URN) {
					t.Errorf("%s does not wait for the listener", svc.Name)
				}
				strategies := map[string]map[string]any{}
				for _, st := range s.List("capacityProviderStrategies") {
					m := st.(map[string]any)
					strategies[m["capacityProvider"].(string)] = m
				}
				spot := strategies["FARGATE_SPOT"]
				if spot == nil || spot["weight"] != float64(cp.Spot()) {
					t.Errorf("%s spot strategy %v, want weight %d", svc.Name, spot, cp.Spot())
				}
				od := strategies["FARGATE"]
				if cp.OnDemandBase > 0 && (od == nil || od["base"] != float64(cp.OnDemandBase)) {
					t.Errorf("%s on-demand strategy %v, want base %d", svc.Name, od, cp.OnDemandBase)
				}
				if cp.OnDemandBase == 0 && cp.OnDemandWeight == 0 && od != nil {
					t.Errorf("%s all-Spot stack has an on-demand strategy %v", svc.Name, od)
				}
			}
		})
	}
	if planFor(t, "prod").cfg.Cluster.Capacity.OnDemandBase < 1 {
		t.Error("prod needs an on-demand base under Spot")
	}
	if dev := planFor(t, "dev").cfg.Cluster.Capacity; dev.OnDemandBase != 0 || dev.OnDemandWeight != 0 {
		t.Error("dev should run all on Spot")
	}
}

func TestAutoscaling(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			cluster := one(t, p.exp, "aws:ecs/cluster:Cluster", "app")
			for _, svc := range p.cfg.Services {
				target := one(t, p.exp, "aws:appautoscaling/target:Target", "app-"+svc.Name)
				if num(t, target, "minCapacity") != float64(svc.MinTasks) || num(t, target, "maxCapacity") != float64(svc.MaxTasks) {
					t.Errorf("%s scales %v..%v, want %d..%d", svc.Name, target.Input("minCapacity"), target.Input("maxCapacity"), svc.MinTasks, svc.MaxTasks)
				}
				service := one(t, p.exp, "aws:ecs/service:Service", "app-"+svc.Name)
				wantID := fmt.Sprintf("service/%s/%s", cluster.String("name"), service.String("name"))
				if target.String("resourceId") != wantID || target.String("scalableDimension") != "ecs:service:DesiredCount" {
					t.Errorf("%s target %v, want %s", svc.Name, target.Inputs, wantID)
				}
				for kind, want := range map[string]struct {
					metric string
					target int
				}{"cpu": {"ECSServiceAverageCPUUtilization", svc.TargetCpuPercent}, "memory": {"ECSServiceAverageMemoryUtilization", svc.TargetMemoryPercent}} {
					pol := one(t, p.exp, "aws:appautoscaling/policy:Policy", "app-"+svc.Name+"-"+kind)
					conf := "targetTrackingScalingPolicyConfiguration"
					if pol.String(conf, "predefinedMetricSpecification", "predefinedMetricType") != want.metric ||
						num(t, pol, conf, "targetValue") != float64(want.target) || pol.String("resourceId") != wantID {
						t.Errorf("%s %s policy %v", svc.Name, kind, pol.Inputs)
					}
					if num(t, pol, conf, "scaleOutCooldown") >= num(t, pol, conf, "scaleInCooldown") {
						t.Errorf("%s %s scales in as fast as out", svc.Name, kind)
					}
				}
			}
		})
	}
}

func TestServiceWithoutImageIsIdle(t *testing.T) {
	sc := loadConfig(t, "dev")
	p := runConfig(t, sc, mocks.Options{ImageTag: infra.NoImageTag})
	for _, svc := range p.cfg.Services {
		s := one(t, p.exp, "aws:ecs/service:Service", "app-"+svc.Name)
		target := one(t, p.exp, "aws:appautoscaling/target:Target", "app-"+svc.Name)
		if num(t, s, "desiredCount") != 0 || num(t, target, "minCapacity") != 0 || num(t, target, "maxCapacity") != 0 {
			t.Errorf("%s without an image: desired %v, scaling %v..%v; want all 0", svc.Name,
				s.Input("desiredCount"), target.Input("minCapacity"), target.Input("maxCapacity"))
		}
		param := one(t, p.exp, "aws:ssm/parameter:Parameter", "app-"+svc.Name+"-image-tag")
		if param.String("insecureValue") != infra.NoImageTag || !slices.Contains(param.IgnoreChanges, "insecureValue") {
			t.Errorf("%s tag parameter %v ignoring %v", svc.Name, param.Inputs, param.IgnoreChanges)
		}
	}
}

func TestThirdServiceFromConfigOnly(t *testing.T) {
	sc := loadConfig(t, "dev")
	var services map[string]any
	if err := json.Unmarshal([]byte(sc.Values["fargo:services"]), &services); err != nil {
		t.Fatal(err)
	}
	services["admin"] = map[string]any{"paths": []string{"/admin/*"}, "priority": 200, "healthCheckPath": "/admin/health", "minTasks": 1, "maxTasks": 2}
	b, _ := json.Marshal(services)
	sc.Values["fargo:services"] = string(b)
	p := runConfig(t, sc, mocks.Options{})
	for _, c := range []struct{ typ, name string }{
		{"aws:ecr/repository:Repository", "registry-admin"},
		{"aws:lb/targetGroup:TargetGroup", "web-admin"},
		{"aws:lb/listenerRule:ListenerRule", "web-admin"},
		{"aws:ecs/taskDefinition:TaskDefinition", "app-admin"},
		{"aws:ecs/service:Service", "app-admin"},
		{"aws:appautoscaling/target:Target", "app-admin"},
		{"aws:cloudwatch/logGroup:LogGroup", "app-admin"},
	} {
		one(t, p.exp, c.typ, c.name)
	}
	rule := one(t, p.exp, "aws:lb/listenerRule:ListenerRule", "web-admin")
	if num(t, rule, "priority") != 200 {
		t.Errorf("admin priority %v", rule.Input("priority"))
	}
}

func TestDomainServesHTTPS(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			listeners := p.exp.Resources("aws:lb/listener:Listener")
			if p.cfg.Domain == nil {
				if len(listeners) != 1 || len(p.exp.Resources("aws:acm/certificate:Certificate")) != 0 || len(p.exp.Resources("aws:route53/zone:Zone")) != 0 {
					t.Errorf("without a domain: %d listeners, want only HTTP and no certificate or zone", len(listeners))
				}
				if url := p.exp.StackOutputs()["url"].(string); !strings.HasPrefix(url, "http://") {
					t.Errorf("url %q", url)
				}
				return
			}
			https := one(t, p.exp, "aws:lb/listener:Listener", "web-https")
			cert := one(t, p.exp, "aws:acm/certificate:Certificate", "dns")
			validation := one(t, p.exp, "aws:acm/certificateValidation:CertificateValidation", "dns")
			if https.String("protocol") != "HTTPS" || num(t, https, "port") != 443 || https.String("sslPolicy") != infra.TLSPolicy {
				t.Errorf("HTTPS listener %v", https.Inputs)
			}
			if https.String("certificateArn") != validation.String("certificateArn") || validation.String("certificateArn") != cert.String("arn") {
				t.Error("HTTPS listener does not use the validated certificate")
			}
			if cert.String("validationMethod") != "DNS" || cert.String("domainName") != p.cfg.Domain.Name() {
				t.Errorf("certificate %v", cert.Inputs)
			}
			record := one(t, p.exp, "aws:route53/record:Record", "dns-validation")
			if fqdns := strs(validation.List("validationRecordFqdns")); !slices.Equal(fqdns, []string{record.String("fqdn")}) {
				t.Errorf("validation waits on %v", fqdns)
			}
			http := one(t, p.exp, "aws:lb/listener:Listener", "web-http")
			acts := http.List("defaultActions")
			if len(acts) != 1 {
				t.Fatalf("HTTP listener has %d actions", len(acts))
			}
			redirect := acts[0].(map[string]any)
			r, _ := redirect["redirect"].(map[string]any)
			if redirect["type"] != "redirect" || r["protocol"] != "HTTPS" || r["port"] != "443" || r["statusCode"] != "HTTP_301" {
				t.Errorf("HTTP listener does not redirect: %v", redirect)
			}
			pathRouted := 0
			for _, svc := range p.cfg.Services {
				if !svc.DefaultRoute() {
					pathRouted++
				}
			}
			if n := len(p.exp.Resources("aws:lb/listenerRule:ListenerRule")); n != pathRouted || n == 0 {
				t.Errorf("%d listener rules for %d path-routed services", n, pathRouted)
			}
			for _, rule := range p.exp.Resources("aws:lb/listenerRule:ListenerRule") {
				if rule.String("listenerArn") != https.String("arn") {
					t.Errorf("rule %s is not on HTTPS", rule.Name())
				}
			}
			alias := one(t, p.exp, "aws:route53/record:Record", "web-alias")
			alb := one(t, p.exp, "aws:lb/loadBalancer:LoadBalancer", "web")
			a := alias.List("aliases")[0].(map[string]any)
			if alias.String("name") != p.cfg.Domain.Name() || a["name"] != alb.String("dnsName") || a["zoneId"] != alb.String("zoneId") {
				t.Errorf("alias %v does not point at the ALB", alias.Inputs)
			}
			if p.cfg.Domain.CreateZone {
				zone := one(t, p.exp, "aws:route53/zone:Zone", "dns")
				if alias.String("zoneId") != zone.String("zoneId") {
					t.Error("alias is not in the created zone")
				}
				if ns, _ := p.exp.StackOutputs()["nameServers"].([]any); len(ns) == 0 {
					t.Error("no nameServers output for a created zone")
				}
			}
			if url := p.exp.StackOutputs()["url"]; url != "https://"+p.cfg.Domain.Name() {
				t.Errorf("url %v", url)
			}
		})
	}
}

func TestExistingZoneIsLookedUp(t *testing.T) {
	sc := loadConfig(t, "dev")
	sc.Values["fargo:domain"] = `{"zone":"example.org","host":"dev","createZone":false}`
	p := runConfig(t, sc, mocks.Options{})
	if len(p.exp.Resources("aws:route53/zone:Zone")) != 0 {
		t.Error("an existing zone must not be created")
	}
	one(t, p.exp, "aws:lb/listener:Listener", "web-https")
	alias := one(t, p.exp, "aws:route53/record:Record", "web-alias")
	if !strings.HasPrefix(alias.String("zoneId"), "Z0EXISTING") || alias.String("name") != "dev.example.org" {
		t.Errorf("alias %v", alias.Inputs)
	}
	if _, ok := p.exp.StackOutputs()["nameServers"]; ok {
		t.Error("nameServers exported for a zone not created here")
	}
}

func TestBudget(t *testing.T) {
	for _, stack := range stacks {
		p := planFor(t, stack)
		budgets := p.exp.Resources("aws:budgets/budget:Budget")
		if p.cfg.Budget == nil {
			if len(budgets) != 0 {
				t.Errorf("%s: budget without config", stack)
			}
			continue
		}
		b := one(t, p.exp, "aws:budgets/budget:Budget", "budget")
		if b.String("budgetType") != "COST" || b.String("timeUnit") != "MONTHLY" || num(t, b, "limitAmount") != p.cfg.Budget.MonthlyLimit {
			t.Errorf("%s budget %v", stack, b.Inputs)
		}
		var got []string
		for _, n := range b.List("notifications") {
			m := n.(map[string]any)
			got = append(got, fmt.Sprintf("%v %v", m["notificationType"], m["threshold"]))
			if !slices.Equal(strs(m["subscriberEmailAddresses"].([]any)), p.cfg.Budget.Emails) {
				t.Errorf("%s budget notifies %v", stack, m["subscriberEmailAddresses"])
			}
		}
		if !slices.Equal(got, []string{"ACTUAL 80", "ACTUAL 100", "FORECASTED 100"}) {
			t.Errorf("%s budget alerts %v", stack, got)
		}
	}
}

func TestStackOutputsFollowTheContract(t *testing.T) {
	documented := map[string]outputs.Output{}
	for _, o := range outputs.All {
		documented[o.Name] = o
	}
	for _, stack := range stacks {
		p := planFor(t, stack)
		outs := p.exp.StackOutputs()
		for name := range outs {
			if _, ok := documented[name]; !ok {
				t.Errorf("%s exports %s, which outputs.All does not document", stack, name)
			}
		}
		for _, o := range outputs.All {
			if o.When == "" && outs[o.Name] == nil {
				t.Errorf("%s: output %s missing", stack, o.Name)
			}
		}
		for _, key := range []string{outputs.RepositoryURLs, outputs.ServiceNames, outputs.LogGroupNames, outputs.ImageTagParameters, outputs.ImagePlatforms} {
			m, _ := outs[key].(map[string]any)
			for _, svc := range p.cfg.Services {
				if s, _ := m[svc.Name].(string); s == "" {
					t.Errorf("%s: %s lacks %s", stack, key, svc.Name)
				}
			}
		}
		if (p.cfg.Github != nil) != (outs[outputs.DeployRoleArn] != nil) || (len(p.cfg.Tables) > 0) != (outs[outputs.TableNames] != nil) ||
			(p.cfg.Alarms != nil) != (outs[outputs.AlarmTopicArn] != nil) {
			t.Errorf("%s: optional outputs do not follow their config", stack)
		}
	}
}

func TestEveryResourceIsParentedToAComponent(t *testing.T) {
	for _, stack := range stacks {
		p := planFor(t, stack)
		root := p.exp.Resources(graph.RootStackType)[0].URN
		for _, r := range p.exp.Deployment.Resources {
			if !r.Custom || strings.HasPrefix(string(r.Type), "pulumi:providers:") {
				continue
			}
			if r.Parent == root || r.Parent == "" {
				t.Errorf("%s: %s is not inside a component", stack, r.URN)
			}
		}
	}
}

func TestImageSources(t *testing.T) {
	sc := loadConfig(t, "dev")
	var services map[string]map[string]any
	if err := json.Unmarshal([]byte(sc.Values["fargo:services"]), &services); err != nil {
		t.Fatal(err)
	}
	services["backend"]["build"] = map[string]string{"context": "./backend", "dockerfile": "./backend/Dockerfile.prod"}
	services["frontend"]["image"] = "public.ecr.aws/nginx/nginx:1.27"
	b, _ := json.Marshal(services)
	sc.Values["fargo:services"] = string(b)
	p := runConfig(t, sc, mocks.Options{ImageTag: infra.NoImageTag})

	built := one(t, p.exp, "awsx:ecr:Image", "app-backend")
	repo := one(t, p.exp, "aws:ecr/repository:Repository", "registry-backend")
	if built.String("context") != "./backend" || built.String("dockerfile") != "./backend/Dockerfile.prod" ||
		built.String("platform") != "linux/amd64" || built.String("repositoryUrl") != repo.String("repositoryUrl") {
		t.Errorf("image build %v", built.Inputs)
	}
	for svc, wantPrefix := range map[string]string{"backend": built.String("imageUri"), "frontend": "public.ecr.aws/nginx/nginx:1.27"} {
		td := one(t, p.exp, "aws:ecs/taskDefinition:TaskDefinition", "app-"+svc)
		var defs []infra.ContainerDefinition
		_ = json.Unmarshal([]byte(td.String("containerDefinitions")), &defs)
		if defs[0].Image != wantPrefix || wantPrefix == "" {
			t.Errorf("%s runs %q, want %q", svc, defs[0].Image, wantPrefix)
		}
		// An image that exists runs even when no tag was recorded.
		if s := one(t, p.exp, "aws:ecs/service:Service", "app-"+svc); num(t, s, "desiredCount") == 0 {
			t.Errorf("%s with its own image is idle", svc)
		}
	}
	for _, r := range p.exp.Resources("aws:ssm/parameter:Parameter") {
		if strings.Contains(r.Name(), "backend") || strings.Contains(r.Name(), "frontend") {
			t.Errorf("%s needs no tag parameter", r.Name())
		}
	}
}

// TestPreviewRegistersTheSameResources runs the program as `pulumi preview` of a new
// stack sees it, with every computed value unknown: it must register exactly the
// resources a deployment would, so nothing in the graph depends on output values.
func TestPreviewRegistersTheSameResources(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			preview := runConfig(t, loadConfig(t, stack), mocks.Options{Preview: true})
			urns := func(p planned) []string {
				var out []string
				for _, r := range p.exp.Deployment.Resources {
					out = append(out, string(r.URN))
				}
				sort.Strings(out)
				return out
			}
			if got, want := urns(preview), urns(planFor(t, stack)); !slices.Equal(got, want) {
				t.Errorf("preview registers %d resources, a deployment %d", len(got), len(want))
			}
			svc := one(t, preview.exp, "aws:ecs/service:Service", "app-backend")
			if svc.Input("desiredCount") != plan.UnknownValue {
				t.Errorf("desiredCount is %v in a preview; it depends on the recorded tag", svc.Input("desiredCount"))
			}
		})
	}
}

// TestImageTagParameterIsNeverUpdated: the provider rewrites the parameter's value
// on any update, which would reset the deployed tag, so every field the program
// sets except the name must be ignored.
func TestImageTagParameterIsNeverUpdated(t *testing.T) {
	p := planFor(t, "dev")
	var params []*graph.Resource
	for _, r := range p.exp.Resources("aws:ssm/parameter:Parameter") {
		if strings.HasSuffix(r.String("name"), "/image-tag") {
			params = append(params, r)
		}
	}
	if len(params) != len(p.cfg.Services) {
		t.Fatalf("%d image tag parameters for %d services", len(params), len(p.cfg.Services))
	}
	for _, param := range params {
		for field := range param.Inputs {
			if field != "name" && !slices.Contains(param.IgnoreChanges, field) {
				t.Errorf("%s: a change to %s would update the parameter and rewrite its value", param.Name(), field)
			}
		}
		if !slices.Contains(param.IgnoreChanges, "value") || !slices.Contains(param.IgnoreChanges, "insecureValue") {
			t.Errorf("%s ignores %v", param.Name(), param.IgnoreChanges)
		}
	}
}

func TestImagePlatformFollowsArchitecture(t *testing.T) {
	sc := devWith(t, "fargo:services", servicesWith(t, "backend", "architecture", "ARM64"))
	outs := runConfig(t, sc, mocks.Options{}).exp.StackOutputs()
	platforms, _ := outs[outputs.ImagePlatforms].(map[string]any)
	if platforms["backend"] != "linux/arm64" || platforms["frontend"] != "linux/amd64" {
		t.Errorf("imagePlatforms %v, want backend linux/arm64 and frontend linux/amd64", platforms)
	}
}
