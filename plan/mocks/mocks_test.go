package mocks

import (
	"errors"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/internal/awstypes"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestATypeOutsideTheCatalogueIsRefusedByName(t *testing.T) {
	m := New("fargo", "dev", Options{Region: "eu-west-1"})
	_, _, err := m.NewResource(pulumi.MockResourceArgs{TypeToken: "aws:sqs/queue:Queue", Name: "jobs", Custom: true, Inputs: resource.PropertyMap{}})
	var missing *awstypes.MissingError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "aws:sqs/queue:Queue") {
		t.Fatalf("an uncatalogued type: %v; want an error naming it", err)
	}
}

func TestCataloguedShapes(t *testing.T) {
	m := New("fargo", "dev", Options{Region: "eu-west-1"})
	str := resource.NewProperty[string]
	const lb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef"
	for _, c := range []struct {
		typ, name string
		in        resource.PropertyMap
		// id and arn are the whole value, or its beginning when it ends in "*"
		// (the rest a hash of the URN).
		id, arn string
	}{
		{"aws:ec2/vpc:Vpc", "network", resource.PropertyMap{}, "vpc-*", "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-*"},
		{"aws:ssm/parameter:Parameter", "tag", resource.PropertyMap{"name": str("/fargo/dev/web/image-tag")},
			"/fargo/dev/web/image-tag", "arn:aws:ssm:eu-west-1:123456789012:parameter/fargo/dev/web/image-tag"},
		{"aws:iam/role:Role", "task", resource.PropertyMap{"name": str("fargo-dev-task")}, "fargo-dev-task", "arn:aws:iam::123456789012:role/fargo-dev-task"},
		{"aws:iam/role:Role", "exec", resource.PropertyMap{"name": str("x"), "path": str("/ci/")}, "x", "arn:aws:iam::123456789012:role/ci/x"},
		{"aws:ecs/cluster:Cluster", "app", resource.PropertyMap{"name": str("fargo-dev")}, "arn:aws:ecs:eu-west-1:123456789012:cluster/fargo-dev", "arn:aws:ecs:eu-west-1:123456789012:cluster/fargo-dev"},
		{"aws:ecs/service:Service", "web", resource.PropertyMap{"name": str("web"), "cluster": str("arn:aws:ecs:eu-west-1:123456789012:cluster/fargo-dev")},
			"arn:aws:ecs:eu-west-1:123456789012:service/fargo-dev/web", ""},
		{"aws:lb/listener:Listener", "http", resource.PropertyMap{"loadBalancerArn": str(lb)},
			"arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/0123456789abcdef/*", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/0123456789abcdef/*"},
		{"aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github", resource.PropertyMap{"url": str("https://token.actions.githubusercontent.com")},
			"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
		{"aws:ecs/taskDefinition:TaskDefinition", "web", resource.PropertyMap{"family": str("fargo-dev-web")}, "fargo-dev-web", "arn:aws:ecs:eu-west-1:123456789012:task-definition/fargo-dev-web:1"},
		{"aws:ec2/natGateway:NatGateway", "nat", resource.PropertyMap{}, "nat-*", ""},
	} {
		id, out, err := m.NewResource(pulumi.MockResourceArgs{TypeToken: c.typ, Name: c.name, Custom: true, Inputs: c.in})
		if err != nil {
			t.Errorf("%s: %v", c.typ, err)
			continue
		}
		arn := ""
		if v, ok := out["arn"]; ok {
			arn = v.StringValue()
		}
		if !shaped(id, c.id) || out["id"].StringValue() != id {
			t.Errorf("%s %s: id %q (output %v), want %q", c.typ, c.name, id, out["id"], c.id)
		}
		if !shaped(arn, c.arn) {
			t.Errorf("%s %s: arn %q, want %q", c.typ, c.name, arn, c.arn)
		}
	}
}

// shaped says whether got is want, or begins with want's part before a final
// "*" and goes on.
func shaped(got, want string) bool {
	if head, hashed := strings.CutSuffix(want, "*"); hashed {
		return strings.HasPrefix(got, head) && len(got) > len(head)
	}
	return got == want
}

func TestAPreviewKnowsNoIDs(t *testing.T) {
	m := New("fargo", "dev", Options{Region: "eu-west-1", Preview: true})
	id, out, err := m.NewResource(pulumi.MockResourceArgs{TypeToken: "aws:ec2/vpc:Vpc", Name: "network", Custom: true, Inputs: resource.PropertyMap{}})
	if err != nil || id != "" || out.HasValue("arn") {
		t.Errorf("a new stack's preview: id %q, outputs %v, %v; want no id and no arn", id, out, err)
	}
}

func TestAFunctionOutsideTheCatalogueIsRefusedByName(t *testing.T) {
	m := New("fargo", "dev", Options{Region: "eu-west-1"})
	_, err := m.Call(pulumi.MockCallArgs{Token: "aws:sqs/getQueue:getQueue", Args: resource.PropertyMap{}})
	if err == nil || !strings.Contains(err.Error(), "aws:sqs/getQueue:getQueue") {
		t.Fatalf("an uncatalogued function: %v; want an error naming it", err)
	}
	if _, err := m.Call(pulumi.MockCallArgs{Token: awstypes.GetCallerIdentity, Args: resource.PropertyMap{}}); err != nil {
		t.Errorf("a catalogued function: %v", err)
	}
}
