package checks

import (
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/internal/awsiam"
)

func TestCrossStackReach(t *testing.T) {
	tag := func(op, stack string) map[string]map[string]any {
		return map[string]map[string]any{op: {"aws:ResourceTag/fargo-stack": stack, "aws:RequestTag/fargo-stack": stack}}
	}
	records := func(names ...any) map[string]map[string]any {
		return map[string]map[string]any{"ForAllValues:StringLike": {"route53:ChangeResourceRecordSetsNormalizedRecordNames": names}}
	}
	cases := []struct {
		name      string
		action    string
		resource  string
		condition map[string]map[string]any
		reaches   bool
	}{
		{"own parameters by path", "ssm:PutParameter", "arn:aws:ssm:r:1:parameter/fargo/dev/*/image-tag", nil, false},
		{"every stack's parameters", "ssm:GetParameter", "arn:aws:ssm:r:1:parameter/fargo/*", nil, true},
		{"own repositories by delimited prefix", "ecr:PutImage", "arn:aws:ecr:r:1:repository/fargo-dev-*", nil, false},
		{"a prefix that dev2's names extend", "ecr:PutImage", "arn:aws:ecr:r:1:repository/fargo-dev*", nil, true},
		{"own cluster's services", "ecs:UpdateService", "arn:aws:ecs:r:1:service/fargo-dev/*", nil, false},
		{"any cluster's services", "ecs:UpdateService", "arn:aws:ecs:r:1:service/*", nil, true},
		{"own tables", "dynamodb:DeleteTable", "arn:aws:dynamodb:r:1:table/fargo-dev-*", nil, false},
		{"a write on every resource", "ec2:DeleteVpc", "*", nil, true},
		{"a write held to the stack's tag", "ec2:DeleteVpc", "*", tag("StringEquals", "dev"), false},
		{"a write held to the stack's tag where tagged", "ec2:DeleteVpc", "*", tag("StringEqualsIfExists", "dev"), false},
		{"a write held to another stack's tag", "ec2:DeleteVpc", "*", tag("StringEquals", "prod"), true},
		{"listing on every resource", "ec2:DescribeVpcs", "*", nil, false},
		{"a data read on every resource", "ssm:GetParameter", "*", nil, true},
		{"AWS's public parameter", "ssm:GetParameter", "arn:aws:ssm:r::parameter/aws/service/ami", nil, false},
		{"a written-down unscopable write", "ecs:RegisterTaskDefinition", "*", nil, false},
		{"the site's own records", "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/*", records("dev.example.com", "_????.dev.example.com"), false},
		{"records beside the site", "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/*", records("dev.example.com", "*.example.com"), true},
		{"any record", "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/*", nil, true},
		{"own roles by path", "iam:PassRole", "arn:aws:iam::1:role/fargo/dev/*", nil, false},
		{"a stack named like an ARN field", "iam:PassRole", "arn:aws:iam::1:role/*", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := statement{awsiam.Statement{Effect: "Allow", Action: awsiam.List{c.action}, Resource: awsiam.List{c.resource}, Condition: c.condition}}
			reach := s.crossStackReach("dev", []string{"dev.example.com"}, "")
			if got := len(reach) > 0; got != c.reaches {
				t.Errorf("reaches another stack: %v (%v), want %v", got, reach, c.reaches)
			}
		})
	}
	// A stack named "aws" is not confused with the ARN's partition.
	s := statement{awsiam.Statement{Effect: "Allow", Action: awsiam.List{"ecs:UpdateService"}, Resource: awsiam.List{"arn:aws:ecs:r:1:service/*"}}}
	if reach := s.crossStackReach("aws", nil, ""); len(reach) == 0 || !strings.Contains(reach[0], "service/*") {
		t.Errorf("stack aws: %v, want the service pattern reported", reach)
	}
}

func TestSecretLookingEnvironment(t *testing.T) {
	env := func(names ...string) []any {
		var out []any
		for _, n := range names {
			out = append(out, m{"name": n, "value": "x"})
		}
		return out
	}
	cases := []struct {
		name string
		c    m
		pass bool
	}{
		{"plain words that contain a secret word", m{"environment": env("MONKEY_COUNT", "KEYCLOAK_URL")}, true},
		{"a key", m{"environment": env("SIGNING_KEY")}, false},
		{"a key declared plain", m{"environment": env("PUBLIC_KEY"), "dockerLabels": m{"fargo.plain-environment": "CACHE_KEY,PUBLIC_KEY"}}, true},
		{"another key beside the declared one", m{"environment": env("PUBLIC_KEY", "API_TOKEN"), "dockerLabels": m{"fargo.plain-environment": "PUBLIC_KEY"}}, false},
		{"a reserved name declared plain", m{"environment": env("AWS_SECRET_ACCESS_KEY"), "dockerLabels": m{"fargo.plain-environment": "AWS_SECRET_ACCESS_KEY"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Evaluate(stack(taskDef("t", c.c)), nil)
			for _, x := range f {
				if x.Control == "ECS.8" && (x.Status == Pass) != c.pass {
					t.Errorf("ECS.8 %s (%s), want pass %v", x.Status, x.Reason, c.pass)
				}
			}
		})
	}
}
