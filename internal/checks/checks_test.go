package checks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

type m = map[string]any

func stack(resources ...graph.Resource) *graph.Export {
	all := append([]graph.Resource{{URN: "urn:pulumi:dev::fargo::pulumi:pulumi:Stack::fargo-dev", Type: graph.RootStackType}}, resources...)
	return &graph.Export{Version: 3, Deployment: graph.Deployment{Resources: all}}
}

func res(typ, name string, inputs m) graph.Resource {
	return graph.Resource{URN: resource.URN("urn:pulumi:dev::fargo::" + typ + "::" + name), Type: tokens.Type(typ), Custom: true, Inputs: inputs}
}

func withID(r graph.Resource, id string) graph.Resource {
	r.ID = resource.ID(id)
	return r
}

func taskDef(name string, c m) graph.Resource {
	base := m{"name": "app", "user": "1000", "readonlyRootFilesystem": true, "privileged": false, "stopTimeout": 30,
		"logConfiguration": m{"logDriver": "awslogs"}, "environment": []any{m{"name": "PORT", "value": "3000"}}}
	for k, v := range c {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	b, _ := json.Marshal([]any{base})
	return res("aws:ecs/taskDefinition:TaskDefinition", name, m{"containerDefinitions": string(b)})
}

func service(overrides m) graph.Resource {
	in := m{
		"networkConfiguration":          m{"assignPublicIp": false, "subnets": []any{"a", "b"}},
		"platformVersion":               "LATEST",
		"deploymentCircuitBreaker":      m{"enable": true, "rollback": true},
		"capacityProviderStrategies":    []any{m{"capacityProvider": "FARGATE", "base": 1.0, "weight": 0.0}, m{"capacityProvider": "FARGATE_SPOT", "weight": 1.0}},
		"loadBalancers":                 []any{m{"targetGroupArn": "tg"}},
		"healthCheckGracePeriodSeconds": 60.0,
	}
	for k, v := range overrides {
		in[k] = v
	}
	return res("aws:ecs/service:Service", "svc", in)
}

func alb(overrides m) graph.Resource {
	in := m{"loadBalancerType": "application", "dropInvalidHeaderFields": true, "enableDeletionProtection": true,
		"desyncMitigationMode": "defensive", "subnets": []any{"a", "b"}}
	for k, v := range overrides {
		in[k] = v
	}
	return res("aws:lb/loadBalancer:LoadBalancer", "alb", in)
}

func ingress(name string, in m) graph.Resource {
	return res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, in)
}

func policy(doc m) graph.Resource {
	b, _ := json.Marshal(doc)
	return res("aws:iam/rolePolicy:RolePolicy", "p", m{"policy": string(b)})
}

func stmt(action, resource any) m {
	return m{"Version": "2012-10-17", "Statement": []any{m{"Effect": "Allow", "Action": action, "Resource": resource}}}
}

func listener(name, protocol string, actions []any, extra m) graph.Resource {
	in := m{"protocol": protocol, "defaultActions": actions}
	for k, v := range extra {
		in[k] = v
	}
	r := res("aws:lb/listener:Listener", name, in)
	r.Outputs = m{"arn": "arn:" + name}
	return r
}

var redirect = []any{m{"type": "redirect", "redirect": m{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}}
var forward = []any{m{"type": "forward", "targetGroupArn": "tg"}}

// TestEveryControlPassesAndFails gives each control a graph it passes and one it fails.
func TestEveryControlPassesAndFails(t *testing.T) {
	cases := map[string]struct{ good, bad *graph.Export }{
		"ECS.2":  {stack(service(nil)), stack(service(m{"networkConfiguration": m{"assignPublicIp": true, "subnets": []any{"a", "b"}}}))},
		"ECS.4":  {stack(taskDef("t", nil)), stack(taskDef("t", m{"privileged": true}))},
		"ECS.5":  {stack(taskDef("t", nil)), stack(taskDef("t", m{"readonlyRootFilesystem": nil}))},
		"ECS.8":  {stack(taskDef("t", nil)), stack(taskDef("t", m{"environment": []any{m{"name": "DB_PASSWORD", "value": "x"}}}))},
		"ECS.9":  {stack(taskDef("t", nil)), stack(taskDef("t", m{"logConfiguration": nil}))},
		"ECS.10": {stack(service(nil)), stack(service(m{"platformVersion": "1.3.0"}))},
		"ECS.12": {
			stack(res("aws:ecs/cluster:Cluster", "c", m{"settings": []any{m{"name": "containerInsights", "value": "enabled"}}})),
			stack(res("aws:ecs/cluster:Cluster", "c", m{"settings": []any{m{"name": "containerInsights", "value": "disabled"}}})),
		},
		"ECS.20": {stack(taskDef("t", nil)), stack(taskDef("t", m{"user": "0:0"}))},
		"ELB.1": {
			stack(listener("http", "HTTP", redirect, nil)),
			stack(listener("http", "HTTP", forward, nil)),
		},
		"ELB.4":  {stack(alb(nil)), stack(alb(m{"dropInvalidHeaderFields": false}))},
		"ELB.6":  {stack(alb(nil)), stack(alb(m{"enableDeletionProtection": nil}))},
		"ELB.12": {stack(alb(nil)), stack(alb(m{"desyncMitigationMode": "monitor"}))},
		"ELB.13": {stack(alb(nil)), stack(alb(m{"subnets": []any{"a"}}))},
		"ELB.17": {
			stack(listener("https", "HTTPS", forward, m{"sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"})),
			stack(listener("https", "HTTPS", forward, m{"sslPolicy": "ELBSecurityPolicy-2016-08"})),
		},
		"ECR.1": {
			stack(res("aws:ecr/repository:Repository", "r", m{"imageScanningConfiguration": m{"scanOnPush": true}})),
			stack(res("aws:ecr/repository:Repository", "r", m{})),
		},
		"ECR.2": {
			stack(res("aws:ecr/repository:Repository", "r", m{"imageTagMutability": "IMMUTABLE"})),
			stack(res("aws:ecr/repository:Repository", "r", m{"imageTagMutability": "MUTABLE"})),
		},
		"ECR.3": {
			stack(res("aws:ecr/repository:Repository", "r", m{"name": "repo"}), res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lp", m{"repository": "repo", "policy": "{}"})),
			stack(res("aws:ecr/repository:Repository", "r", m{"name": "repo"}), res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lp", m{"repository": "other", "policy": "{}"})),
		},
		"EC2.2": {
			stack(withID(res("aws:ec2/vpc:Vpc", "v", m{}), "vpc-1"), res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "d", m{"vpcId": "vpc-1"})),
			// A managed default group, but another VPC's.
			stack(withID(res("aws:ec2/vpc:Vpc", "v", m{}), "vpc-1"), res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "d", m{"vpcId": "vpc-2"})),
		},
		"EC2.15": {
			stack(res("aws:ec2/subnet:Subnet", "s", m{"mapPublicIpOnLaunch": false})),
			stack(res("aws:ec2/subnet:Subnet", "s", m{"mapPublicIpOnLaunch": true})),
		},
		"EC2.18": {
			stack(ingress("web", m{"ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrIpv4": "0.0.0.0/0"}),
				ingress("task", m{"ipProtocol": "tcp", "fromPort": 3000.0, "toPort": 3000.0, "referencedSecurityGroupId": "sg-alb"})),
			stack(ingress("task", m{"ipProtocol": "tcp", "fromPort": 3000.0, "toPort": 3000.0, "cidrIpv4": "0.0.0.0/0"})),
		},
		"EC2.19": {
			stack(ingress("web", m{"ipProtocol": "tcp", "fromPort": 80.0, "toPort": 80.0, "cidrIpv4": "0.0.0.0/0"})),
			stack(res("aws:ec2/securityGroup:SecurityGroup", "sg", m{"ingress": []any{m{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": []any{"0.0.0.0/0"}}}})),
		},
		"ACM.1": {
			stack(withOutputs(res("aws:acm/certificate:Certificate", "c", m{"validationMethod": "DNS"}), m{"arn": "arn:cert"}),
				res("aws:acm/certificateValidation:CertificateValidation", "v", m{"certificateArn": "arn:cert", "validationRecordFqdns": []any{"_x.example.com"}})),
			stack(res("aws:acm/certificate:Certificate", "c", m{"validationMethod": "EMAIL"})),
		},
		"CloudWatch.16": {
			stack(res("aws:cloudwatch/logGroup:LogGroup", "l", m{"retentionInDays": 365.0})),
			stack(res("aws:cloudwatch/logGroup:LogGroup", "l", m{"retentionInDays": 30.0})),
		},
		"LOGS.1": {
			stack(res("aws:cloudwatch/logGroup:LogGroup", "l", m{"retentionInDays": 7.0})),
			stack(res("aws:cloudwatch/logGroup:LogGroup", "l", m{})),
		},
		"IAM.1": {
			stack(policy(stmt([]any{"dynamodb:GetItem"}, "arn:aws:dynamodb:r:1:table/t"))),
			stack(policy(stmt("*", "*"))),
		},
		"IAM.21": {
			stack(policy(stmt([]any{"ecr:GetAuthorizationToken"}, "*"))),
			stack(policy(stmt([]any{"dynamodb:*"}, "arn:aws:dynamodb:r:1:table/t"))),
		},
		"IAM.STACK": {
			stack(policy(stmt([]any{"ssm:GetParameter"}, "arn:aws:ssm:r:1:parameter/fargo/dev/*/image-tag"))),
			stack(policy(stmt([]any{"ssm:GetParameter"}, "arn:aws:ssm:r:1:parameter/fargo/*"))),
		},
		"IAM.SIZE": {
			stack(policy(stmt([]any{"ssm:GetParameter"}, "arn:aws:ssm:r:1:parameter/fargo/dev/x"))),
			stack(policy(stmt([]any{"ssm:GetParameter"}, strings.Repeat("arn:aws:ssm:r:1:parameter/fargo/dev/x", 300)))),
		},
		"IAM.PASSROLE": {
			stack(policy(m{"Statement": []any{m{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/task",
				"Condition": m{"StringEquals": m{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}}})),
			stack(policy(m{"Statement": []any{m{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}}})),
		},
		"GH.1": {
			stack(githubRole("repo:org/app:ref:refs/heads/main", "sts.amazonaws.com")),
			stack(githubRole("repo:org/*", "sts.amazonaws.com")),
		},
		"CloudWatch.15": {
			stack(res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", m{"alarmActions": []any{"arn:aws:sns:r:1:topic"}})),
			stack(res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", m{})),
		},
		"CloudWatch.17": {
			stack(res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", m{"actionsEnabled": true})),
			stack(res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", m{"actionsEnabled": false})),
		},
		"REL.1": {stack(service(nil)), stack(service(m{"deploymentCircuitBreaker": m{"enable": true, "rollback": false}}))},
		"REL.2": {
			stack(service(nil)),
			stack(service(m{"capacityProviderStrategies": []any{m{"capacityProvider": "FARGATE_SPOT", "weight": 1.0}}})),
		},
		"REL.3": {
			stack(res("aws:lb/targetGroup:TargetGroup", "tg", m{"deregistrationDelay": 15.0}), taskDef("t", nil)),
			stack(res("aws:lb/targetGroup:TargetGroup", "tg", m{})),
		},
		"REL.4": {stack(service(nil)), stack(service(m{"healthCheckGracePeriodSeconds": 0.0}))},
		"REL.5": {stack(service(nil)), stack(service(m{"networkConfiguration": m{"subnets": []any{"a"}}}))},
		"DATA.1": {
			stack(res("aws:dynamodb/table:Table", "t", m{"pointInTimeRecovery": m{"enabled": true}})),
			stack(res("aws:dynamodb/table:Table", "t", m{"pointInTimeRecovery": m{"enabled": false}})),
		},
		"DATA.2": {
			stack(res("aws:dynamodb/table:Table", "t", m{"deletionProtectionEnabled": true})),
			stack(res("aws:dynamodb/table:Table", "t", m{})),
		},
	}
	for _, c := range Controls {
		tc, ok := cases[c.ID]
		if !ok {
			t.Errorf("control %s has no test case", c.ID)
			continue
		}
		if got := ControlStatus(Evaluate(tc.good, nil), c.ID); got != "pass" {
			t.Errorf("%s: good graph is %s: %+v", c.ID, got, Evaluate(tc.good, nil))
		}
		if got := ControlStatus(Evaluate(tc.bad, nil), c.ID); got != "fail" {
			t.Errorf("%s: bad graph is %s", c.ID, got)
		}
	}
}

func githubRole(sub, aud string) graph.Resource {
	doc := m{"Statement": []any{m{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
		"Principal": m{"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
		"Condition": m{"StringEquals": m{"token.actions.githubusercontent.com:aud": aud, "token.actions.githubusercontent.com:sub": sub}}}}}
	b, _ := json.Marshal(doc)
	return res("aws:iam/role:Role", "gh", m{"assumeRolePolicy": string(b)})
}

func TestGithubTrustNeedsAudienceAndSubject(t *testing.T) {
	for _, r := range []graph.Resource{githubRole("repo:org/app:pull_request", "sigstore"), githubRole("", "sts.amazonaws.com")} {
		if got := ControlStatus(Evaluate(stack(r), nil), "GH.1"); got != "fail" {
			t.Errorf("%s: %s", r.Inputs["assumeRolePolicy"], got)
		}
	}
}

func TestExceptionLimitedToResources(t *testing.T) {
	reg := &Register{Exceptions: []Exception{{
		Control: "IAM.21", Stacks: []string{"dev"}, Resources: []string{"deploy"}, Why: "w", Compensation: "c", CompensatedBy: []string{"IAM.1"},
	}}}
	wide := policy(stmt([]any{"ec2:*"}, "*"))
	deploy, other := wide, wide
	deploy.URN = resource.URN(strings.TrimSuffix(string(wide.URN), "::p") + "::deploy")
	other.URN = resource.URN(strings.TrimSuffix(string(wide.URN), "::p") + "::other")
	findings := Evaluate(stack(deploy, other), reg)
	for _, f := range findings {
		if f.Control != "IAM.21" {
			continue
		}
		want := Fail
		if strings.HasSuffix(f.URN, "::deploy") {
			want = Excepted
		}
		if f.Status != want {
			t.Errorf("%s is %s, want %s", f.URN, f.Status, want)
		}
	}
}

func withOutputs(r graph.Resource, outputs m) graph.Resource {
	r.Outputs = outputs
	return r
}

func TestRedirectListenerWithRulesFails(t *testing.T) {
	g := stack(listener("http", "HTTP", redirect, nil), res("aws:lb/listenerRule:ListenerRule", "r", m{"listenerArn": "arn:http"}))
	if got := ControlStatus(Evaluate(g, nil), "ELB.1"); got != "fail" {
		t.Errorf("a redirect listener with forwarding rules is %s", got)
	}
}

func TestExceptionsNeedPassingCompensation(t *testing.T) {
	reg := &Register{Exceptions: []Exception{{
		Control: "ECS.2", Stacks: []string{"dev"}, Why: "cheap", Compensation: "only the ALB gets in", CompensatedBy: []string{"EC2.18"},
	}}}
	if err := reg.Validate(); err != nil {
		t.Fatal(err)
	}
	public := service(m{"networkConfiguration": m{"assignPublicIp": true, "subnets": []any{"a", "b"}}})
	fromALB := ingress("task", m{"ipProtocol": "tcp", "fromPort": 3000.0, "toPort": 3000.0, "referencedSecurityGroupId": "sg-alb"})
	openToAll := ingress("task", m{"ipProtocol": "tcp", "fromPort": 3000.0, "toPort": 3000.0, "cidrIpv4": "0.0.0.0/0"})

	if got := ControlStatus(Evaluate(stack(public, fromALB), reg), "ECS.2"); got != "excepted" {
		t.Errorf("compensated exception: ECS.2 is %s", got)
	}
	findings := Evaluate(stack(public, openToAll), reg)
	if got := ControlStatus(findings, "ECS.2"); got != "fail" {
		t.Errorf("exception whose compensation fails: ECS.2 is %s", got)
	}
	for _, f := range findings {
		if f.Control == "ECS.2" && (f.Exception == nil || !slices.Equal(f.Exception.Broken, []string{"EC2.18"})) {
			t.Errorf("exception %+v: want EC2.18 named as the broken compensation", f.Exception)
		}
	}
	// No compensating finding at all is not a pass either.
	if got := ControlStatus(Evaluate(stack(public), reg), "ECS.2"); got != "fail" {
		t.Errorf("exception with nothing compensating: ECS.2 is %s", got)
	}
	// Another stack gets no exception.
	prod := stack(public, fromALB)
	prod.Deployment.Resources[0].URN = "urn:pulumi:prod::fargo::pulumi:pulumi:Stack::fargo-prod"
	if got := ControlStatus(Evaluate(prod, reg), "ECS.2"); got != "fail" {
		t.Errorf("dev's exception applied to prod: %s", got)
	}
}

func TestRegisterValidation(t *testing.T) {
	bad := []Exception{
		{Control: "XYZ.9", Stacks: []string{"dev"}, Why: "w", Compensation: "c", CompensatedBy: []string{"EC2.18"}},
		{Control: "ECS.2", Stacks: []string{"dev"}, Why: "w", Compensation: "c"},
		{Control: "ECS.2", Stacks: []string{"dev"}, Why: "", Compensation: "c", CompensatedBy: []string{"EC2.18"}},
		{Control: "ECS.2", Stacks: nil, Why: "w", Compensation: "c", CompensatedBy: []string{"EC2.18"}},
		{Control: "ECS.2", Stacks: []string{"dev"}, Why: "w", Compensation: "c", CompensatedBy: []string{"ECS.2"}},
		{Control: "ECS.2", Stacks: []string{"dev"}, Why: "w", Compensation: "c", CompensatedBy: []string{"NOPE.1"}},
	}
	for i, e := range bad {
		if err := (&Register{Exceptions: []Exception{e}}).Validate(); err == nil {
			t.Errorf("case %d accepted: %+v", i, e)
		}
	}
}

func TestRepositoryRegisterIsValid(t *testing.T) {
	reg, err := ReadRegister(filepath.Join("..", "..", "exceptions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Exceptions) == 0 {
		t.Error("empty register")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "x.yaml")
	if err := os.WriteFile(path, []byte("exceptions:\n  - control: ECS.2\n    stack: [dev]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRegister(path); err == nil || !strings.Contains(err.Error(), "stack") {
		t.Errorf("unknown register key accepted: %v", err)
	}
}

func TestLongStopTimeoutFailsSpotNotice(t *testing.T) {
	g := stack(res("aws:lb/targetGroup:TargetGroup", "tg", m{"deregistrationDelay": 15.0}), taskDef("t", m{"stopTimeout": 150}))
	if got := ControlStatus(Evaluate(g, nil), "REL.3"); got != "fail" {
		t.Errorf("a 150 s stop timeout is %s", got)
	}
}

// A real export holds a load balancer's subnets twice, as subnets and as
// subnetMappings: ELB.13 counts distinct subnets.
func TestAlbZonesCountEachSubnetOnce(t *testing.T) {
	for _, c := range []struct {
		subnets, mappings []any
		want              Status
		reason            string
	}{
		{[]any{"a", "b"}, []any{m{"subnetId": "a"}, m{"subnetId": "b"}}, Pass, "2 subnets"},
		{[]any{"a"}, []any{m{"subnetId": "a"}}, Fail, "1 subnets"},
		{nil, []any{m{"subnetId": "a"}, m{"subnetId": "b"}}, Pass, "2 subnets"},
	} {
		findings := albZones(stack(alb(m{"subnets": c.subnets, "subnetMappings": c.mappings})))
		if len(findings) != 1 || findings[0].Status != c.want || findings[0].Reason != c.reason {
			t.Errorf("subnets %v, mappings %v: %+v, want %s (%s)", c.subnets, c.mappings, findings, c.want, c.reason)
		}
	}
}
