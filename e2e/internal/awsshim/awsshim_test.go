package awsshim

import (
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
)

func TestTokens(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"aws:ecs/cluster:Cluster", "aws:index/ecsCluster:EcsCluster"},
		{"aws:lb/loadBalancer:LoadBalancer", "aws:index/lb:Lb"},
		{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:index/vpcSecurityGroupIngressRule:VpcSecurityGroupIngressRule"},
	} {
		if got, err := ResourceToken(c.in); err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %s", c.in, got, err, c.want)
		}
	}
	if got, _ := FunctionToken("aws:ssm/getParameter:getParameter"); got != "aws:index/getSsmParameter:getSsmParameter" {
		t.Errorf("getParameter: %s", got)
	}
	if _, err := ResourceToken("aws:s3/bucket:Bucket"); err == nil {
		t.Error("an unmapped token was guessed")
	}
	urn, err := URN("urn:pulumi:dev::fargo::fargo:infra:Network$aws:ec2/subnet:Subnet::network-public-0")
	if err != nil || urn != "urn:pulumi:dev::fargo::fargo:infra:Network$aws:index/subnet:Subnet::network-public-0" {
		t.Errorf("urn %s, %v", urn, err)
	}
}

func TestOneItemBlockRoundTrip(t *testing.T) {
	alias := map[string]any{"name": "lb.example", "zoneId": "Z1", "evaluateTargetHealth": true}
	props, _ := structpb.NewStruct(map[string]any{"aliases": []any{alias}, "name": "www"})
	renames := Renames["aws:route53/record:Record"]
	toBridge(props, renames)
	if _, ok := props.Fields["aliases"]; ok || props.Fields["alias"].GetStructValue() == nil {
		t.Fatalf("to the bridge: %v", props)
	}
	fromBridge(props, renames)
	l := props.Fields["aliases"].GetListValue()
	if l == nil || len(l.Values) != 1 || l.Values[0].GetStructValue().Fields["zoneId"].GetStringValue() != "Z1" {
		t.Errorf("back from the bridge: %v", props)
	}
	empty, _ := structpb.NewStruct(map[string]any{"alias": nil})
	fromBridge(empty, renames)
	if l := empty.Fields["aliases"].GetListValue(); l == nil || len(l.Values) != 0 {
		t.Errorf("no alias block: %v", empty)
	}
}
