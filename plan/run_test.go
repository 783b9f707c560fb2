package plan

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// TestExportMap pins how a registration's properties read in the export.
func TestExportMap(t *testing.T) {
	str := resource.NewStringProperty
	props := resource.PropertyMap{
		"name":     str("web"),
		"port":     resource.NewNumberProperty(3000),
		"on":       resource.NewBoolProperty(true),
		"none":     resource.NewNullProperty(),
		"list":     resource.NewArrayProperty([]resource.PropertyValue{str("a"), resource.MakeComputed(str(""))}),
		"empty":    resource.NewArrayProperty(nil),
		"tags":     resource.NewObjectProperty(resource.PropertyMap{"env": str("dev")}),
		"labels":   resource.NewObjectProperty(resource.PropertyMap{}), // {} as the state keeps it (plainMap wrote null)
		"arn":      resource.MakeComputed(str("")),
		"password": resource.MakeSecret(str("hunter2")),
		"known":    resource.NewOutputProperty(resource.Output{Element: str("id-1"), Known: true}),
		"unknown":  resource.NewOutputProperty(resource.Output{Element: str("x"), Known: false, Secret: true}),
		"secret":   resource.NewOutputProperty(resource.Output{Element: str("x"), Known: true, Secret: true}),
		"nested":   resource.NewOutputProperty(resource.Output{Element: resource.NewObjectProperty(resource.PropertyMap{"k": resource.MakeSecret(str("v"))}), Known: true}),
		"ref":      resource.MakeCustomResourceReference("urn:pulumi:dev::fargo::aws:ec2/vpc:Vpc::network", "vpc-1", ""),
	}
	got, err := json.Marshal(exportMap(props))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"arn":"04da6b54-80e4-46f7-96ec-b56ff0331ba9","empty":[],"known":"id-1","labels":{},"list":["a","04da6b54-80e4-46f7-96ec-b56ff0331ba9"],` +
		`"name":"web","nested":{"k":"[secret]"},"none":null,"on":true,"password":"[secret]","port":3000,` +
		`"ref":"urn:pulumi:dev::fargo::aws:ec2/vpc:Vpc::network","secret":"[secret]","tags":{"env":"dev"},` +
		`"unknown":"04da6b54-80e4-46f7-96ec-b56ff0331ba9"}`
	if string(got) != want {
		t.Errorf("export map\n got %s\nwant %s", got, want)
	}
	if exportMap(resource.PropertyMap{}) != nil {
		t.Error("no properties are written as none, not as {}")
	}
}
