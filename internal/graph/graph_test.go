package graph

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const deployment = `{
  "manifest": {"time": "2026-03-04T10:00:00.123456789+09:00", "magic": "m", "version": "v3.274.1"},
  "secrets_providers": {"type": "passphrase", "state": {"salt": "x"}},
  "resources": [
    {"urn": "urn:pulumi:dev::fargo::pulumi:pulumi:Stack::fargo-dev", "custom": false, "type": "pulumi:pulumi:Stack",
     "outputs": {"region": "ap-northeast-2", "previewHost": {"ports": {"from": 8001, "to": 8010}}}},
    {"urn": "urn:pulumi:dev::fargo::aws:ec2/vpc:Vpc::network", "custom": true, "id": "vpc-1", "type": "aws:ec2/vpc:Vpc",
     "inputs": {"cidrBlock": "10.0.0.0/16"}, "outputs": {"cidrBlock": "10.0.0.0/16", "arn": "arn:vpc"},
     "resourceHooks": {"BeforeDelete": ["drain"]}, "aliases": ["urn:pulumi:dev::fargo::aws:ec2/vpc:Vpc::old"]}
  ]
}`

func TestDecodeReadsWhatTheCLIExports(t *testing.T) {
	for name, doc := range map[string]string{
		"version 3":      `{"version": 3, "deployment": ` + deployment + `}`,
		"version 4":      `{"version": 4, "features": ["refreshBeforeUpdate"], "deployment": ` + deployment + `}`,
		"the deployment": deployment,
	} {
		e, err := Decode(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		vpc := e.ByURN("urn:pulumi:dev::fargo::aws:ec2/vpc:Vpc::network")
		switch {
		case e.StackName() != "dev" || e.ProjectName() != "fargo" || len(e.Deployment.Resources) != 2:
			t.Errorf("%s: stack %q project %q, %d resources", name, e.StackName(), e.ProjectName(), len(e.Deployment.Resources))
		case vpc == nil || vpc.Name() != "network" || vpc.ID != "vpc-1" || vpc.String("arn") != "arn:vpc" || vpc.String("cidrBlock") != "10.0.0.0/16":
			t.Errorf("%s: vpc %+v", name, vpc)
		case len(vpc.ResourceHooks[resource.BeforeDelete]) != 1 || len(vpc.Aliases) != 1:
			t.Errorf("%s: hooks %v, aliases %v", name, vpc.ResourceHooks, vpc.Aliases)
		case name == "version 4" && len(e.Features) != 1:
			t.Errorf("%s: features %v", name, e.Features)
		case e.Deployment.SecretsProviders == nil || e.Deployment.SecretsProviders.Type != "passphrase":
			t.Errorf("%s: the SDK's fields are lost: %+v", name, e.Deployment.SecretsProviders)
		}
		if from, to, ok := e.PreviewPorts(); !ok || from != 8001 || to != 8010 {
			t.Errorf("%s: preview ports %d-%d (%v)", name, from, to, ok)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	for doc, want := range map[string]string{
		`[1]`: "not a pulumi stack export: json",
		`{"version": 5, "deployment": ` + deployment + `}`: "version 5; fargo reads versions 3 to 4",
		`{"version": 2, "deployment": ` + deployment + `}`: "version 2",
		`{"deployment": ` + deployment + `}`:               "version 0",
		`{"version": 3, "deployment": {"resources": []}}`:  "no deployment.resources",
		`{}`: "no deployment.resources",
	} {
		if _, err := Decode(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%.40s) = %v, want %q", doc, err, want)
		}
	}
}

// TestExportRoundTrips holds the written export to the SDK's: what fargo writes
// decodes as apitype.DeploymentV3 to the same resources, and reads back alike.
func TestExportRoundTrips(t *testing.T) {
	e, err := Decode(strings.NewReader(`{"version": 3, "deployment": ` + deployment + `}`))
	if err != nil {
		t.Fatal(err)
	}
	written, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var typed apitype.TypedDeployment
	if err := json.Unmarshal(written, &typed); err != nil || typed.Version != 3 || typed.Deployment == nil {
		t.Fatalf("not an SDK deployment: %v", err)
	}
	untyped, err := e.Deployment.ToUntypedDeployment(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	var v3 apitype.DeploymentV3
	if err := json.Unmarshal(untyped.Deployment, &v3); err != nil || len(v3.Resources) != 2 || len(typed.Deployment.Resources) != 2 {
		t.Fatalf("resources lost on the way to the SDK's types: %v", err)
	}
	again, err := FromUntyped(*untyped)
	if err != nil {
		t.Fatal(err)
	}
	rewritten, _ := json.Marshal(again)
	if !bytes.Equal(written, rewritten) {
		t.Errorf("written again differently:\n%s\n%s", written, rewritten)
	}
}

func TestResourcesTellsOnRead(t *testing.T) {
	e, err := Decode(strings.NewReader(deployment))
	if err != nil {
		t.Fatal(err)
	}
	var read []string
	e.OnRead = func(typ string) { read = append(read, typ) }
	if e.Find("aws:ec2/vpc:Vpc", "cidrBlock", "10.0.0.0/16") == nil || e.Region() != "ap-northeast-2" {
		t.Error("find or region")
	}
	if strings.Join(read, ",") != "aws:ec2/vpc:Vpc,pulumi:pulumi:Stack" {
		t.Errorf("OnRead saw %v", read)
	}
	if RootStackType != resource.RootStackType {
		t.Errorf("RootStackType %q is not the SDK's %q", RootStackType, resource.RootStackType)
	}
}
