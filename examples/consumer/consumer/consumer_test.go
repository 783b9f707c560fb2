package consumer

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fargo-dev/fargo/plan"
	"github.com/fargo-dev/fargo/plan/mocks"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// fargoStack answers the StackReference with the outputs the real fargo program
// exports for a stack file, planned offline.
type fargoStack struct {
	outputs map[string]any
}

func (f fargoStack) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.TypeToken == "pulumi:pulumi:StackReference" {
		return args.ID, resource.PropertyMap{
			"name":    resource.NewProperty(args.ID),
			"outputs": resource.NewProperty(resource.NewPropertyMapFromMap(f.outputs)),
		}, nil
	}
	return args.Name + "_id", args.Inputs, nil
}

func (fargoStack) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

func planOutputs(t *testing.T, stack string) map[string]any {
	t.Helper()
	sc, err := plan.LoadStack("../../..", stack)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(sc, mocks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Export.StackOutputs()
}

func TestConsumerReadsFargoOutputs(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			fargo := planOutputs(t, stack)
			var mu sync.Mutex
			got := map[string]any{}
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				if err := Program(ctx); err != nil {
					return err
				}
				for k, v := range ctx.GetCurrentExportMap() {
					r, err := internals.UnsafeAwaitOutput(ctx.Context(), pulumi.ToOutput(v))
					if err != nil {
						return err
					}
					mu.Lock()
					got[k] = r.Value
					mu.Unlock()
				}
				return nil
			}, pulumi.WithMocks("fargo-consumer", stack, fargoStack{fargo}), func(ri *pulumi.RunInfo) {
				ri.Config = map[string]string{"fargo-consumer:fargoStack": "my-org/fargo/" + stack}
			})
			if err != nil {
				t.Fatal(err)
			}
			repos := fargo["repositoryUrls"].(map[string]any)
			services := fargo["serviceNames"].(map[string]any)
			tables := fargo["tableNames"].(map[string]any)
			want := map[string]any{
				"siteUrl":            fargo["url"],
				"apiHealthUrl":       fmt.Sprint(fargo["url"]) + "/api/health",
				"backendRepository":  repos["backend"],
				"backendService":     fmt.Sprintf("%v/%v", fargo["clusterName"], services["backend"]),
				"postsTable":         tables["posts"],
				"privateSubnetCount": len(fargo["privateSubnetIds"].([]any)),
			}
			for k, v := range want {
				if fmt.Sprint(got[k]) != fmt.Sprint(v) || v == nil || v == "" {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestConsumerNeedsItsConfig(t *testing.T) {
	err := pulumi.RunErr(Program, pulumi.WithMocks("fargo-consumer", "dev", fargoStack{}))
	if err == nil {
		t.Error("ran without fargoStack")
	}
}

// A consumer pointed at a stack that is not fargo's stops before it deploys, and
// says which stack lacks which output.
func TestConsumerRefusesAStackThatIsNotFargo(t *testing.T) {
	err := pulumi.RunErr(Program, pulumi.WithMocks("fargo-consumer", "dev", fargoStack{map[string]any{"hello": "world"}}),
		func(ri *pulumi.RunInfo) {
			ri.Config = map[string]string{"fargo-consumer:fargoStack": "my-org/hello/dev"}
		})
	if err == nil {
		t.Fatal("the consumer ran on a stack without fargo's outputs")
	}
	for _, want := range []string{"my-org/hello/dev", `"url"`, `"clusterName"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %s: %v", want, err)
		}
	}
}
