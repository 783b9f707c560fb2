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
	for _, c := range []struct {
		typ, name string
		in        resource.PropertyMap
		idPrefix  string
		arnPrefix string
	}{
		{"aws:ec2/vpc:Vpc", "network", resource.PropertyMap{}, "vpc-", "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-"},
		{"aws:ssm/parameter:Parameter", "tag", resource.PropertyMap{"name": resource.NewProperty("/fargo/dev/web/image-tag")}, "/fargo/dev/web/image-tag", "arn:aws:ssm:eu-west-1:123456789012:parameter/fargo/dev/web/image-tag"},
		{"aws:iam/role:Role", "task", resource.PropertyMap{"name": resource.NewProperty("fargo-dev-task")}, "", "arn:aws:iam::123456789012:role/fargo-dev-task"},
		{"aws:ecs/cluster:Cluster", "app", resource.PropertyMap{}, "", "arn:aws:ecs:eu-west-1:123456789012:cluster/app-"},
	} {
		id, out, err := m.NewResource(pulumi.MockResourceArgs{TypeToken: c.typ, Name: c.name, Custom: true, Inputs: c.in})
		if err != nil {
			t.Errorf("%s: %v", c.typ, err)
			continue
		}
		if !strings.HasPrefix(id, c.idPrefix) || len(id) <= len("vpc-") {
			t.Errorf("%s: id %q, want it to begin %q", c.typ, id, c.idPrefix)
		}
		if arn := out["arn"].StringValue(); !strings.HasPrefix(arn, c.arnPrefix) {
			t.Errorf("%s: arn %q, want it to begin %q", c.typ, arn, c.arnPrefix)
		}
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
