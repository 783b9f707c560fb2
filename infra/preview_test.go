package infra_test

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/cost"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/internal/naming"
	"github.com/fargo-dev/fargo/plan"
	"github.com/fargo-dev/fargo/plan/mocks"
)

// previewWith returns the preview template's config for stack pr7 with one key
// replaced (or removed when value is "").
func previewWith(t *testing.T, key, value string) *plan.StackConfig {
	t.Helper()
	return stackWith(t, "pr7", key, value)
}

// TestPreviewRunsOnDevsNetworkAndLoadBalancer plans the shipped template beside
// the shipped dev: everything fixed is dev's, read through the stack reference.
func TestPreviewRunsOnDevsNetworkAndLoadBalancer(t *testing.T) {
	dev, pr := planFor(t, "dev"), planFor(t, "pr7")
	for _, typ := range []string{"aws:ec2/vpc:Vpc", "aws:lb/loadBalancer:LoadBalancer", "aws:ecr/repository:Repository", "aws:ec2/subnet:Subnet"} {
		if n := len(pr.exp.Resources(typ)); n != 0 {
			t.Errorf("the preview makes %d %s; it uses dev's", n, typ)
		}
	}
	ref := one(t, pr.exp, "pulumi:pulumi:StackReference", "organization/fargo/dev")
	if ref.ID != "organization/fargo/dev" {
		t.Errorf("stack reference id %q", ref.ID)
	}
	listener := one(t, pr.exp, "aws:lb/listener:Listener", "web-preview")
	if got, want := listener.String("loadBalancerArn"), one(t, dev.exp, "aws:lb/loadBalancer:LoadBalancer", "web").Output("arn"); got != want {
		t.Errorf("listener on %q, want dev's load balancer %v", got, want)
	}
	if num(t, listener, "port") != 8001 || listener.String("protocol") != "HTTP" {
		t.Errorf("listener %v", listener.Inputs)
	}
	rule := one(t, pr.exp, "aws:lb/listenerRule:ListenerRule", "web-backend")
	if rule.String("listenerArn") != listener.Output("arn") {
		t.Errorf("backend's rule is on %q, not the preview's own listener %v", rule.String("listenerArn"), listener.Output("arn"))
	}
	devSubnets := strs(one(t, dev.exp, "aws:ecs/service:Service", "app-frontend").List("networkConfiguration", "subnets"))
	previewsGroup := string(one(t, dev.exp, "aws:ec2/securityGroup:SecurityGroup", "web-previews").ID)
	albGroup := string(one(t, dev.exp, "aws:ec2/securityGroup:SecurityGroup", "web-alb").ID)
	for _, svc := range []string{"frontend", "backend"} {
		s := one(t, pr.exp, "aws:ecs/service:Service", "app-"+svc)
		if got := strs(s.List("networkConfiguration", "subnets")); !slices.Equal(got, devSubnets) {
			t.Errorf("%s runs in %v, want dev's task subnets %v", svc, got, devSubnets)
		}
		own := string(one(t, pr.exp, "aws:ec2/securityGroup:SecurityGroup", "app-"+svc+"-task").ID)
		if got := strs(s.List("networkConfiguration", "securityGroups")); !slices.Equal(got, []string{own, previewsGroup}) {
			t.Errorf("%s's groups %v, want its own and dev's previews group %v", svc, got, []string{own, previewsGroup})
		}
		if in := one(t, pr.exp, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app-"+svc+"-task-in"); in.String("referencedSecurityGroupId") != albGroup {
			t.Errorf("%s admits %q, want dev's load balancer's group", svc, in.String("referencedSecurityGroupId"))
		}
		td := one(t, pr.exp, "aws:ecs/taskDefinition:TaskDefinition", "app-"+svc)
		if td.String("cpu") != "256" || td.String("memory") != "512" || td.String("family") != "fargo_pr7-"+svc {
			t.Errorf("%s task definition %s/%s family %s", svc, td.String("cpu"), td.String("memory"), td.String("family"))
		}
		var containers []map[string]any
		if err := json.Unmarshal([]byte(td.String("containerDefinitions")), &containers); err != nil {
			t.Fatal(err)
		}
		wantImage := "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fargo-dev-previews-" + svc + ":" + mocks.DefaultImageTag
		if containers[0]["image"] != wantImage {
			t.Errorf("%s runs %v, want %s", svc, containers[0]["image"], wantImage)
		}
		target := one(t, pr.exp, "aws:appautoscaling/target:Target", "app-"+svc)
		if num(t, target, "minCapacity") != 1 || num(t, target, "maxCapacity") != 1 {
			t.Errorf("%s scales %v-%v, want exactly 1 task", svc, target.Value("minCapacity"), target.Value("maxCapacity"))
		}
		if tags := s.Input("tags").(map[string]any); tags["fargo-preview-of"] != "dev" || tags["fargo-stack"] != "pr7" {
			t.Errorf("%s tags %v", svc, tags)
		}
	}
	if n := len(pr.exp.Resources("aws:appautoscaling/policy:Policy")); n != 0 {
		t.Errorf("%d scaling policies; a preview runs one task", n)
	}
	if got := one(t, pr.exp, "aws:ecs/cluster:Cluster", "app").String("name"); got != "fargo_pr7" {
		t.Errorf("cluster %q", got)
	}
	if got := pr.exp.StackOutputs()["url"]; got != "http://"+dev.exp.StackOutputs()["albDnsName"].(string)+":8001" {
		t.Errorf("url %v", got)
	}
}

// TestPreviewCostsUnderTwoCentsAnHour prices the template's preview: its two
// tasks alone, 0.25 vCPU and 0.5 GB on Fargate Spot with a public address each
// (PRICES.md, ap-northeast-2), nothing fixed.
func TestPreviewCostsUnderTwoCentsAnHour(t *testing.T) {
	est, err := cost.EstimateGraph(planFor(t, "pr7").exp, cost.Assumptions{})
	if err != nil {
		t.Fatal(err)
	}
	perTaskHour := 0.25*0.01422902 + 0.5*0.00156165 + 0.005
	want := math.Round(2*perTaskHour*730*100) / 100 // 13.63
	if math.Abs(est.TotalMonthly-want) > 0.01 {
		t.Errorf("preview costs %.2f a month awake, want %.2f", est.TotalMonthly, want)
	}
	if hourly := est.TotalMonthly / 730; hourly >= 0.02 {
		t.Errorf("preview costs %.4f an hour awake, the goal is under 0.02", hourly)
	}
	for _, it := range est.Items {
		if it.Monthly > 0 && !strings.HasPrefix(it.Resource, "app-") {
			t.Errorf("the preview pays for %s (%s): only its tasks should cost", it.Resource, it.Description)
		}
	}
}

func TestPreviewConfigIsRefusedClearly(t *testing.T) {
	cases := []struct {
		name, key, value string
		want             []string
	}{
		{"unknown key", "fargo:preview", `{"port":8001,"sevices":{}}`, []string{"fargo:preview", `unknown key "sevices"`}},
		{"no port", "fargo:preview", `{"services":{}}`, []string{"fargo:preview.port", "not set"}},
		{"port outside dev's range", "fargo:preview", `{"port":8011}`, []string{"fargo:preview.port", "8011", "8001-8010", "Pulumi.dev.yaml"}},
		{"service dev lacks", "fargo:preview", `{"port":8001,"services":{"frontend":{},"api":{}}}`, []string{"fargo:preview.services.api", "dev has no service api", "backend, frontend"}},
		{"without the default route", "fargo:preview", `{"port":8001,"services":{"backend":{"secrets":{"MASTER_KEY":"/fargo-previews/k"}}}}`, []string{"fargo:preview.services", "leaves out frontend", "default route"}},
		{"dev's secret left out", "fargo:preview", `{"port":8001,"services":{"frontend":{},"backend":{}}}`, []string{"fargo:preview.services.backend.secrets.MASTER_KEY", "never reads its host's"}},
		{"dev's secret reused", "fargo:preview", `{"port":8001,"services":{"frontend":{},"backend":{"secrets":{"MASTER_KEY":"/fargo/dev/master-key"}}}}`, []string{"fargo:preview.services.backend.secrets.MASTER_KEY", "stack dev's secret"}},
		{"memory not with cpu", "fargo:preview", `{"port":8001,"services":{"frontend":{"cpu":256,"memory":4096}}}`, []string{"fargo:preview.services.frontend.memory", "4096", "512, 1024, 2048"}},
		{"retention", "fargo:preview", `{"port":8001,"logRetentionDays":2}`, []string{"fargo:preview.logRetentionDays", "2"}},
		{"host is a preview", "fargo:previewOf", "pr3", []string{"fargo:previewOf", `"pr3" is a preview`}},
		{"host without previews", "fargo:previewOf", "prod", []string{"stack organization/fargo/prod exports no \"previewHost\"", "fargo:previews"}},
		{"a key of dev's", "fargo:network", `{"nat":"single"}`, []string{"fargo:network", "preview's stack file", "fargo:previewOf, fargo:preview, fargo:tables"}},
		{"tables without services", "fargo:tables", `{"notes":{"partitionKey":"id","attributes":{"id":"S"},"services":{"backend":"read"}}}`, []string{"fargo:tables", "lists no service"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := previewWith(t, c.key, c.value)
			if c.key == "fargo:network" || c.key == "fargo:tables" {
				sc.FileKeys = append(sc.FileKeys, c.key)
			}
			if c.name == "tables without services" {
				sc.Values["fargo:preview"] = `{"port":8001}`
			}
			_, err := plan.Run(sc, mocks.Options{Now: daytime})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestStackNamesTellPreviewsApart(t *testing.T) {
	sc := devWith(t, "fargo:previews", "")
	sc.Stack = "pr12"
	if _, err := plan.Run(sc, mocks.Options{Now: daytime}); err == nil || !strings.Contains(err.Error(), `"pr12" is a preview's name`) {
		t.Errorf("a stack named pr12 without fargo:previewOf: %v", err)
	}
	pr := loadConfig(t, "pr7")
	pr.Stack = "staging"
	if _, err := plan.Run(pr, mocks.Options{Now: daytime}); err == nil || !strings.Contains(err.Error(), "previews are named pr<number>") {
		t.Errorf("a preview named staging: %v", err)
	}
	for name, want := range map[string]bool{"pr1": true, "pr123456": true, "pr0": false, "pr01": false, "prod": false, "pr": false, "pr1a": false} {
		if naming.IsPreviewStack(name) != want {
			t.Errorf("IsPreviewStack(%q) = %v", name, !want)
		}
	}
}

func TestHostPreviewPortsAreRefusedClearly(t *testing.T) {
	cases := []struct {
		name, value string
		want        []string
	}{
		{"below 1024", `{"ports":{"from":80,"to":90}}`, []string{"fargo:previews.ports", "80-90", "1024"}},
		{"reversed", `{"ports":{"from":8010,"to":8001}}`, []string{"fargo:previews.ports", "8010-8001"}},
		{"more than the listeners", `{"ports":{"from":8001,"to":8049}}`, []string{"fargo:previews.ports", "49 ports", "50 listeners", "at most 48"}},
		{"unknown key", `{"port":{"from":8001,"to":8002}}`, []string{"fargo:previews", `unknown key "port"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := plan.Run(devWith(t, "fargo:previews", c.value), mocks.Options{Now: daytime})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// Every preview repeats the path rules: 3 path services and 40 ports pass
	// the load balancer's 100 rules (3 x 41 = 123), refused before its target
	// groups (4 x 41).
	withPaths := func(names ...string) string {
		var services map[string]map[string]any
		if err := json.Unmarshal([]byte(loadConfig(t, "dev").Values["fargo:services"]), &services); err != nil {
			t.Fatal(err)
		}
		for i, n := range names {
			services[n] = map[string]any{"paths": []string{"/" + n + "/*"}, "priority": 200 + i}
		}
		b, _ := json.Marshal(services)
		return string(b)
	}
	// Every preview adds a target group per service: 3 services and 32 ports
	// make 99 of the load balancer's 100; 33 ports make 102.
	sc := devWith(t, "fargo:previews", `{"ports":{"from":8001,"to":8032}}`)
	sc.Values["fargo:services"] = withPaths("docs")
	if _, err := plan.Run(sc, mocks.Options{Now: daytime}); err != nil {
		t.Errorf("32 previews of 3 services refused: %v", err)
	}
	sc.Values["fargo:previews"] = `{"ports":{"from":8001,"to":8033}}`
	if _, err := plan.Run(sc, mocks.Options{Now: daytime}); err == nil || !strings.Contains(err.Error(), "fargo:previews.ports: 8001-8033 lets 33 previews each add a target group for each of the stack's 3 services: 102") || !strings.Contains(err.Error(), "at most 32 ports") {
		t.Errorf("33 previews of 3 services: %v", err)
	}
	sc.Values["fargo:previews"] = `{"ports":{"from":8001,"to":8040}}`
	sc.Values["fargo:services"] = withPaths("docs", "help")
	_, err := plan.Run(sc, mocks.Options{Now: daytime})
	if err == nil || !strings.Contains(err.Error(), "fargo:previews.ports: 8001-8040 lets 40 previews each add the stack's 3 path rules: 123 rules") || !strings.Contains(err.Error(), "at most 32 ports") {
		t.Errorf("3 path services x 41: %v", err)
	}
	sc.Values["fargo:services"] = withPaths("previews-x")
	if _, err := plan.Run(sc, mocks.Options{Now: daytime}); err == nil || !strings.Contains(err.Error(), "fargo:services.previews-x: begins with \"previews-\"") {
		t.Errorf("a service named previews-x beside previews: %v", err)
	}
}

// TestPreviewsRoleReachesOnlyPreviews reads the previews role's policy as IAM
// would match it: no statement without the previews' tag condition matches a
// resource of dev's own or prod's, and the tag-held ones ask for the tag.
func TestPreviewsRoleReachesOnlyPreviews(t *testing.T) {
	p := infra.PolicyScope{Project: "fargo", Stack: "dev", Region: "ap-northeast-2", Account: "123456789012"}
	doc := p.PreviewsPolicy(infra.PreviewHostResources{VpcID: "vpc-0dev", LoadBalancerArn: "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/web-1a2b3c4/0123456789abcdef"})
	others := []string{
		"arn:aws:ecs:ap-northeast-2:123456789012:cluster/fargo-prod",
		"arn:aws:ecs:ap-northeast-2:123456789012:service/fargo-prod/app-backend-1a2b3c4",
		"arn:aws:ecs:ap-northeast-2:123456789012:service/fargo-dev/app-backend-1a2b3c4",
		"arn:aws:ecs:ap-northeast-2:123456789012:task-definition/fargo-prod-backend:3",
		"arn:aws:logs:ap-northeast-2:123456789012:log-group:/ecs/fargo-prod/backend",
		"arn:aws:ssm:ap-northeast-2:123456789012:parameter/fargo/prod/backend/image-tag",
		"arn:aws:ssm:ap-northeast-2:123456789012:parameter/fargo/prod/master-key",
		"arn:aws:iam::123456789012:role/fargo/prod/app-backend-task-1a2b3c4",
		"arn:aws:iam::123456789012:role/fargo-ci/github-deploy-1a2b3c4",
		"arn:aws:dynamodb:ap-northeast-2:123456789012:table/fargo-prod-posts",
		"arn:aws:ecr:ap-northeast-2:123456789012:repository/fargo-dev-backend",
		"arn:aws:ecr:ap-northeast-2:123456789012:repository/fargo-prod-backend",
		"arn:aws:ec2:ap-northeast-2:123456789012:vpc/vpc-0prod",
		"arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/web-9f8e7d6/fedcba9876543210",
		"arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener/app/web-1a2b3c4/0123456789abcdef/0aaa",
	}
	mine := []string{
		"arn:aws:ecs:ap-northeast-2:123456789012:cluster/fargo_pr12",
		"arn:aws:ecs:ap-northeast-2:123456789012:service/fargo_pr12/app-backend-1a2b3c4",
		"arn:aws:logs:ap-northeast-2:123456789012:log-group:/ecs/fargo_pr12/backend",
		"arn:aws:ssm:ap-northeast-2:123456789012:parameter/fargo_pr12/backend/image-tag",
		"arn:aws:iam::123456789012:role/fargo_pr12/app-backend-task-1a2b3c4",
		"arn:aws:dynamodb:ap-northeast-2:123456789012:table/fargo_pr12-notes",
		"arn:aws:ecr:ap-northeast-2:123456789012:repository/fargo-dev-previews-backend",
	}
	matches := func(pattern, arn string) bool {
		re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
		return regexp.MustCompile(re).MatchString(arn)
	}
	reached := map[string]bool{}
	for _, s := range doc.Statement {
		held := s.Condition["StringEquals"]["aws:ResourceTag/fargo-preview-of"] == "dev" || s.Condition["StringEquals"]["aws:RequestTag/fargo-preview-of"] == "dev"
		for _, r := range s.Resource {
			for _, arn := range others {
				if matches(r, arn) && !held && !slices.Contains(infra.DeployReadActions, s.Action[0]) && s.Sid != "EcrLogin" && s.Sid != "TaskDefinitions" {
					t.Errorf("%s (%v) reaches %s", s.Sid, s.Action, arn)
				}
			}
			for _, arn := range mine {
				if matches(r, arn) {
					reached[arn] = true
				}
			}
		}
		if s.Sid == "PreviewOwned" && !held {
			t.Errorf("PreviewOwned is not held to the previews' tag: %v", s.Condition)
		}
		if strings.HasPrefix(s.Sid, "New") && s.Condition["StringEquals"]["aws:RequestTag/fargo-preview-of"] != "dev" {
			t.Errorf("%s makes resources without the previews' tag: %v", s.Sid, s.Condition)
		}
	}
	for _, arn := range mine {
		if !reached[arn] {
			t.Errorf("no statement reaches the preview's %s", arn)
		}
	}
}

// TestPreviewsGuardHoldsWhatPreviewsRunOn checks which of dev's resources the
// previews' guard holds: what a preview runs on and its way to the internet,
// never what dev may change while previews run (its services, its NAT).
func TestPreviewsGuardHoldsWhatPreviewsRunOn(t *testing.T) {
	var guarded []string
	for _, r := range planFor(t, "dev").exp.Deployment.Resources {
		if slices.Contains(r.ResourceHooks["BeforeDelete"], infra.PreviewsGuardHook) {
			guarded = append(guarded, r.Name())
		}
	}
	slices.Sort(guarded)
	want := []string{
		"github-previews", "github-previews", "network-igw", "network-public-0", "network-public-0", "network-public-1", "network-public-1",
		"network-public-rt", "network-public-rt-default", "network-vpc",
		"registry-previews-backend", "registry-previews-frontend",
		"web", "web-alb", "web-alb-in-80", "web-alb-in-previews", "web-alb-out-previews-3000", "web-previews",
	}
	if !slices.Equal(guarded, want) {
		t.Errorf("guarded %v, want %v", guarded, want)
	}
	for _, r := range planFor(t, "prod").exp.Deployment.Resources {
		if len(r.ResourceHooks) > 0 {
			t.Errorf("prod hosts no previews, yet %s has hooks %v", r.Name(), r.ResourceHooks)
		}
	}
	if err := infra.GuardPreviews("dev", "web", nil); err != nil {
		t.Errorf("no previews, yet the guard refuses: %v", err)
	}
	err := infra.GuardPreviews("dev", "web", []string{"pr12", "pr15"})
	if err == nil || !strings.Contains(err.Error(), "dev hosts the previews pr12, pr15, which run on web: destroy them first") {
		t.Errorf("guard says %v", err)
	}
}

// TestPreviewsRoleTrustsThePreviewsRepository reads the previews role's trust:
// the pull requests of fargo:previews.repository (by default
// fargo:github.repository) and that repository's branch (the daily clean-up),
// and refuses a repository that is not owner/name.
func TestPreviewsRoleTrustsThePreviewsRepository(t *testing.T) {
	cases := []struct {
		name, previews string
		want           []string
	}{
		{"default", `{"ports":{"from":8001,"to":8010}}`,
			[]string{"repo:example-org/fargo:pull_request", "repo:example-org/fargo:ref:refs/heads/main"}},
		{"an app repository", `{"ports":{"from":8001,"to":8010},"repository":"example-org/board"}`,
			[]string{"repo:example-org/board:pull_request", "repo:example-org/board:ref:refs/heads/main"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := runConfig(t, devWith(t, "fargo:previews", c.previews), mocks.Options{})
			var doc trustDoc
			if err := json.Unmarshal([]byte(one(t, p.exp, "aws:iam/role:Role", "github-previews").String("assumeRolePolicy")), &doc); err != nil || len(doc.Statement) != 1 {
				t.Fatalf("previews trust: %v", err)
			}
			var subs []string
			for _, s := range doc.Statement[0].Condition["StringEquals"]["token.actions.githubusercontent.com:sub"].([]any) {
				subs = append(subs, s.(string))
			}
			if !slices.Equal(subs, c.want) {
				t.Errorf("the previews role trusts %v, want %v", subs, c.want)
			}
		})
	}
	_, err := plan.Run(devWith(t, "fargo:previews", `{"ports":{"from":8001,"to":8010},"repository":"board"}`), mocks.Options{Now: daytime})
	if err == nil || !strings.Contains(err.Error(), "fargo:previews.repository") || !strings.Contains(err.Error(), `"board"`) || !strings.Contains(err.Error(), "my-org/board") {
		t.Errorf("a repository without its owner: %v", err)
	}
}

// TestPreviewUnderADomainAnswersOnItsName hosts previews on a dev with a
// domain: the certificate also names *.<site>, one wildcard record points every
// preview's name at the load balancer, and a preview on port 8003 answers on
// https://pr7.<site> through rules on dev's HTTPS listener, at the priorities
// its port owns (two per port: the backend's path and the name), ahead of dev's
// own rule (100).
func TestPreviewUnderADomainAnswersOnItsName(t *testing.T) {
	host := devWith(t, "fargo:domain", `{"zone":"example.org","host":"dev","createZone":true}`)
	dev := runConfig(t, host, mocks.Options{})
	cert := one(t, dev.exp, "aws:acm/certificate:Certificate", "dns")
	if got := strs(cert.List("subjectAlternativeNames")); !slices.Equal(got, []string{"*.dev.example.org"}) {
		t.Errorf("certificate names %v, want *.dev.example.org", got)
	}
	record := one(t, dev.exp, "aws:route53/record:Record", "web-alias-previews")
	if record.String("name") != "*.dev.example.org" || record.String("type") != "A" {
		t.Errorf("previews' record %s %s", record.String("name"), record.String("type"))
	}
	https := one(t, dev.exp, "aws:lb/listener:Listener", "web-https")
	for _, r := range []*graph.Resource{cert, record, https} {
		if !slices.Contains(r.ResourceHooks["BeforeDelete"], infra.PreviewsGuardHook) {
			t.Errorf("%s is not guarded; previews' names need it", r.Name())
		}
	}
	var deploy fullPolicy
	if err := json.Unmarshal([]byte(one(t, dev.exp, "aws:iam/rolePolicy:RolePolicy", "github-deploy").String("policy")), &deploy); err != nil {
		t.Fatal(err)
	}
	for _, st := range deploy.Statement {
		if st.Sid == "SiteRecords" {
			names := fmt.Sprint(st.Condition["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"])
			if !strings.Contains(names, `\052.dev.example.org`) {
				t.Errorf("the deploy role may not write the previews' record: %s", names)
			}
		}
	}
	var previews fullPolicy
	if err := json.Unmarshal([]byte(one(t, dev.exp, "aws:iam/rolePolicy:RolePolicy", "github-previews").String("policy")), &previews); err != nil {
		t.Fatal(err)
	}
	siteRules := false
	for _, st := range previews.Statement {
		if st.Sid == "NewSiteRules" {
			siteRules = slices.Equal(st.Resource, []string{fmt.Sprint(https.Output("arn"))}) && st.Condition["StringEquals"]["aws:RequestTag/fargo-preview-of"] == "dev"
		}
	}
	if !siteRules {
		t.Errorf("the previews role may not add tagged rules to dev's HTTPS listener exactly: %v", previews.Statement)
	}

	var outputs map[string]any
	for _, r := range dev.exp.Deployment.Resources {
		if r.Type == graph.RootStackType {
			outputs = r.Outputs
		}
	}
	pr := runConfig(t, previewWith(t, "fargo:preview", `{"port":8003,"services":{"frontend":{},"backend":{"secrets":{"MASTER_KEY":"/fargo-previews/master-key"}}}}`),
		mocks.Options{StackOutputs: map[string]map[string]any{"dev": outputs}})
	if got := pr.exp.StackOutputs()["url"]; got != "https://pr7.dev.example.org" {
		t.Errorf("url %v", got)
	}
	// Its port only holds its place: it sends visitors to its name, over HTTPS.
	port := one(t, pr.exp, "aws:lb/listener:Listener", "web-preview")
	actions := fmt.Sprint(port.Input("defaultActions"))
	if num(t, port, "port") != 8003 || !strings.Contains(actions, "redirect") || !strings.Contains(actions, "pr7.dev.example.org") || !strings.Contains(actions, "HTTPS") {
		t.Errorf("port listener %v %s, want 8003 redirecting to https://pr7.dev.example.org", port.Input("port"), actions)
	}
	if n := len(pr.exp.Resources("aws:lb/listenerRule:ListenerRule")); n != 2 {
		t.Errorf("%d rules, want the name's 2 on dev's HTTPS listener and none on the port", n)
	}
	want := map[string]struct {
		priority int
		path     string
	}{"web-site-backend": {5, "/api/*"}, "web-site": {6, ""}}
	for name, w := range want {
		rule := one(t, pr.exp, "aws:lb/listenerRule:ListenerRule", name)
		if rule.String("listenerArn") != https.Output("arn") || num(t, rule, "priority") != float64(w.priority) {
			t.Errorf("%s on %q at %v, want dev's HTTPS listener at %d", name, rule.String("listenerArn"), rule.Input("priority"), w.priority)
		}
		conditions := fmt.Sprint(rule.Input("conditions"))
		if !strings.Contains(conditions, "pr7.dev.example.org") || !strings.Contains(conditions, w.path) {
			t.Errorf("%s matches %s", name, conditions)
		}
	}
}

// TestPreviewsUnderADomainLeaveRoomForTheHostsRules refuses, on a host with a
// domain, a port range whose names' rules pass the load balancer's quota, and
// a host rule priority among the previews' own.
func TestPreviewsUnderADomainLeaveRoomForTheHostsRules(t *testing.T) {
	withDomain := func(previews string) *plan.StackConfig {
		sc := devWith(t, "fargo:previews", previews)
		sc.Values["fargo:domain"] = `{"zone":"example.org","host":"dev","createZone":true}`
		return sc
	}
	// With a second path service (docs, priority 200): 2 path rules + 32
	// previews x (2 + 1) = 98 rules: accepted; 33 previews are 101.
	var services map[string]any
	if err := json.Unmarshal([]byte(loadConfig(t, "dev").Values["fargo:services"]), &services); err != nil {
		t.Fatal(err)
	}
	services["docs"] = map[string]any{"paths": []string{"/docs/*"}, "priority": 200}
	withDocs, _ := json.Marshal(services)
	sc := withDomain(`{"ports":{"from":8001,"to":8032}}`)
	sc.Values["fargo:services"] = string(withDocs)
	if _, err := plan.Run(sc, mocks.Options{Now: daytime}); err != nil {
		t.Errorf("32 previews under a domain refused: %v", err)
	}
	sc.Values["fargo:previews"] = `{"ports":{"from":8001,"to":8033}}`
	_, err := plan.Run(sc, mocks.Options{Now: daytime})
	if err == nil || !strings.Contains(err.Error(), "fargo:previews.ports: 8001-8033 lets 33 previews each add 3 rules") || !strings.Contains(err.Error(), "101 rules") || !strings.Contains(err.Error(), "at most 32 ports") {
		t.Errorf("33 previews under a domain: %v", err)
	}
	// 10 previews take priorities 1 to 20: a backend at 20 is refused, at 21 accepted.
	sc = withDomain(`{"ports":{"from":8001,"to":8010}}`)
	sc.Values["fargo:services"] = servicesWith(t, "backend", "priority", 20)
	_, err = plan.Run(sc, mocks.Options{Now: daytime})
	if err == nil || !strings.Contains(err.Error(), "fargo:services.backend.priority: 20 is taken by the previews") || !strings.Contains(err.Error(), "above 20") {
		t.Errorf("a backend priority among the previews': %v", err)
	}
	sc.Values["fargo:services"] = servicesWith(t, "backend", "priority", 21)
	if _, err := plan.Run(sc, mocks.Options{Now: daytime}); err != nil {
		t.Errorf("a backend priority above the previews': %v", err)
	}
}

// TestPreviewsLookupDeniedOnlyStopsAHost: a CI role deployed before previews
// existed may not call tag:GetResources until an administrator's up; a stack
// hosting no previews still runs, and a host of previews stops, naming it.
func TestPreviewsLookupDeniedOnlyStopsAHost(t *testing.T) {
	denied := mocks.Options{Now: daytime, Denied: []string{"aws:resourcegroupstaggingapi/getResources:getResources"}}
	if _, err := plan.Run(loadConfig(t, "prod"), denied); err != nil {
		t.Errorf("prod, which hosts no previews, stops on the denied look-up: %v", err)
	}
	_, err := plan.Run(loadConfig(t, "dev"), denied)
	if err == nil || !strings.Contains(err.Error(), "looking up dev's previews") || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("dev, a host of previews, with the look-up denied: %v", err)
	}
}

// TestPreviewNameRulesKeepTheHostsOrder: under a domain a preview's path rules
// take its port's priorities in the host's order of priority, not of name, so
// a narrower pattern the host matches first (zeta /api/zeta/* at 50) is still
// matched before backend's /api/*; and a path service with 5 patterns is
// refused, since the preview's rule adds its name and a rule takes 5 values.
func TestPreviewNameRulesKeepTheHostsOrder(t *testing.T) {
	var services map[string]any
	if err := json.Unmarshal([]byte(loadConfig(t, "dev").Values["fargo:services"]), &services); err != nil {
		t.Fatal(err)
	}
	services["zeta"] = map[string]any{"paths": []string{"/api/zeta/*"}, "priority": 50}
	withZeta, _ := json.Marshal(services)
	host := devWith(t, "fargo:domain", `{"zone":"example.org","host":"dev","createZone":true}`)
	host.Values["fargo:services"] = string(withZeta)
	dev := runConfig(t, host, mocks.Options{})
	var outputs map[string]any
	for _, r := range dev.exp.Deployment.Resources {
		if r.Type == graph.RootStackType {
			outputs = r.Outputs
		}
	}
	pr := runConfig(t, previewWith(t, "fargo:preview", `{"port":8001,"services":{"frontend":{},"zeta":{},"backend":{"secrets":{"MASTER_KEY":"/fargo-previews/master-key"}}}}`),
		mocks.Options{StackOutputs: map[string]map[string]any{"dev": outputs}})
	for name, want := range map[string]float64{"web-site-zeta": 1, "web-site-backend": 2, "web-site": 3} {
		if got := num(t, one(t, pr.exp, "aws:lb/listenerRule:ListenerRule", name), "priority"); got != want {
			t.Errorf("%s at priority %v, want %v", name, got, want)
		}
	}

	services["docs"] = map[string]any{"paths": []string{"/a/*", "/b/*", "/c/*", "/d/*", "/e/*"}, "priority": 200}
	withDocs, _ := json.Marshal(services)
	host.Values["fargo:services"] = string(withDocs)
	_, err := plan.Run(host, mocks.Options{Now: daytime})
	if err == nil || !strings.Contains(err.Error(), "fargo:services.docs.paths: holds 5 patterns") || !strings.Contains(err.Error(), "at most 4 patterns") {
		t.Errorf("5 patterns under a domain with previews: %v", err)
	}
}

// TestTemplatePlansAsAPreview: the template's own name, pr, names no stack the
// program accepts; the plan reads it as pull request 1's preview.
func TestTemplatePlansAsAPreview(t *testing.T) {
	sc, err := plan.LoadStack("..", "pr")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Stack != "pr1" || sc.File != "Pulumi.pr.yaml" {
		t.Errorf("stack pr loads as %s from %s, want pr1 from Pulumi.pr.yaml", sc.Stack, sc.File)
	}
	if _, err := plan.Run(sc, mocks.Options{Now: daytime}); err != nil {
		t.Errorf("planning the template: %v", err)
	}
}
