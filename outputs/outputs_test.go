package outputs_test

import (
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/outputs"
	"github.com/fargo-dev/fargo/plan"
	"github.com/fargo-dev/fargo/plan/mocks"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// referenced answers a StackReference with the given outputs.
type referenced map[string]any

func (r referenced) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	return args.ID, resource.PropertyMap{
		"name":    resource.NewProperty(args.ID),
		"outputs": resource.NewProperty(resource.NewPropertyMapFromMap(r)),
	}, nil
}

func (referenced) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// require runs outputs.Require on a stack exporting outs and returns its error.
func require(outs map[string]any) error {
	return pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := outputs.Require(ctx, "my-org/fargo/dev")
		return err
	}, pulumi.WithMocks("consumer", "dev", referenced(outs)))
}

// planned is what the real program exports for a stack file, planned offline.
func planned(t *testing.T, stack string) map[string]any {
	t.Helper()
	sc, err := plan.LoadStack("..", stack)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(sc, mocks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Export.StackOutputs()
}

// Require must accept every real fargo stack, tables or not.
func TestRequireAcceptsFargo(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		outs := planned(t, stack)
		if err := require(outs); err != nil {
			t.Errorf("%s: %v", stack, err)
		}
		delete(outs, outputs.TableNames)
		if err := require(outs); err != nil {
			t.Errorf("%s without tables: %v", stack, err)
		}
	}
}

// Each required output, alone missing, fails Require, which names it and the
// stack, and no other output.
func TestRequireNamesTheMissingOutput(t *testing.T) {
	required := outputs.Required()
	if len(required) == 0 {
		t.Fatal("Require checks nothing")
	}
	for _, missing := range required {
		outs := planned(t, "dev")
		delete(outs, missing.Name)
		err := require(outs)
		if err == nil {
			t.Errorf("read a stack without %s", missing.Name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, `missing required output "`+missing.Name+`"`) || !strings.Contains(msg, "my-org/fargo/dev") {
			t.Errorf("without %s, the error names neither it nor the stack: %v", missing.Name, err)
		}
		for _, o := range required {
			if o.Name != missing.Name && strings.Contains(err.Error(), `"`+o.Name+`"`) {
				t.Errorf("without %s, the error blames %s too: %v", missing.Name, o.Name, err)
			}
		}
	}
}

func TestRequireNamesEveryMissingOutputOfAnotherStack(t *testing.T) {
	err := require(map[string]any{"hello": "world"})
	if err == nil {
		t.Fatal("read a stack that is not fargo's")
	}
	for _, o := range outputs.Required() {
		if !strings.Contains(err.Error(), `"`+o.Name+`"`) {
			t.Errorf("the error does not name %s: %v", o.Name, err)
		}
	}
}

func TestRequireNamesAMistypedOutput(t *testing.T) {
	outs := planned(t, "dev")
	outs[outputs.URL] = 42
	outs[outputs.ServiceNames] = []any{"app-backend"}
	err := require(outs)
	if err == nil {
		t.Fatal("read a number as the URL")
	}
	for _, want := range []string{`"url" is float64, want string`, `"serviceNames" is []interface {}, want map[service]string`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %s: %v", want, err)
		}
	}
}
