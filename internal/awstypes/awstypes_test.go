package awstypes

import (
	"slices"
	"strings"
	"testing"
)

func TestCatalogueIsSortedAndHasOneEntryPerToken(t *testing.T) {
	for i, typ := range Types {
		if i > 0 && Types[i-1].Token >= typ.Token {
			t.Errorf("%s comes after %s: keep the catalogue sorted by token, one entry each", typ.Token, Types[i-1].Token)
		}
		if typ.Terraform == "" || typ.IAM == "" {
			t.Errorf("%s: a Terraform name and an IAM prefix are needed (%q, %q)", typ.Token, typ.Terraform, typ.IAM)
		}
		if !strings.HasPrefix(typ.Terraform, "aws_") {
			t.Errorf("%s: Terraform name %q is not an AWS provider resource", typ.Token, typ.Terraform)
		}
	}
	for i, f := range Functions {
		if i > 0 && Functions[i-1].Token >= f.Token {
			t.Errorf("%s comes after %s: keep the functions sorted by token, one entry each", f.Token, Functions[i-1].Token)
		}
	}
}

func TestLookup(t *testing.T) {
	if typ, ok := Lookup("aws:ec2/vpc:Vpc"); !ok || typ.Terraform != "aws_vpc" || typ.IAM != "ec2" {
		t.Errorf("the VPC: %+v, %v", typ, ok)
	}
	if _, ok := Lookup("aws:s3/bucket:Bucket"); ok {
		t.Error("a type fargo does not use was found")
	}
	if f, ok := LookupFunction("aws:ssm/getParameter:getParameter"); !ok || f.Terraform != "aws_ssm_parameter" {
		t.Errorf("getParameter: %+v, %v", f, ok)
	}
	err := (&MissingError{Token: "aws:s3/bucket:Bucket"}).Error()
	if !strings.Contains(err, "aws:s3/bucket:Bucket") || !strings.Contains(err, "internal/awstypes/awstypes.go") {
		t.Errorf("the error names neither the type nor where to add it: %s", err)
	}
}

func TestStateful(t *testing.T) {
	got := Stateful()
	want := map[string][]string{
		"aws:dynamodb/table:Table":         {"name"},
		"aws:ecr/repository:Repository":    {"name"},
		"aws:route53/zone:Zone":            {"name"},
		"aws:cloudwatch/logGroup:LogGroup": {"name"},
		"aws:ec2/vpc:Vpc":                  {"cidrBlock"},
		"aws:lb/loadBalancer:LoadBalancer": {"name", "internal", "loadBalancerType"},
	}
	if len(got) != len(want) {
		t.Errorf("%d stateful types, want %d: %v", len(got), len(want), got)
	}
	for typ, inputs := range want {
		if !slices.Equal(got[typ], inputs) {
			t.Errorf("%s: %v, want %v", typ, got[typ], inputs)
		}
	}
}

func TestExpand(t *testing.T) {
	values := map[string]string{
		"region": "eu-west-1", "name": "web", "lb": "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/abc",
		"url": "https://token.actions.githubusercontent.com",
	}
	value := func(k string) (string, bool) { v, ok := values[k]; return v, ok }
	for _, c := range []struct{ template, want, err string }{
		{"plain", "plain", ""},
		{"arn:aws:ecs:{region}:1:cluster/{name}", "arn:aws:ecs:eu-west-1:1:cluster/web", ""},
		{"{lb|:loadbalancer/=:listener/}/x", "arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/web/abc/x", ""},
		{"oidc-provider/{url|https://=}", "oidc-provider/token.actions.githubusercontent.com", ""},
		{"{name}{name}", "webweb", ""},
		{"cluster/{missing}", "", "no value for missing"},
		{"cluster/{name", "", "unclosed"},
	} {
		got, err := Expand(c.template, value)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one saying %q", c.template, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%q: %q, %v; want %q", c.template, got, err, c.want)
		}
	}
}
