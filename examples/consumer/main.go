// Command consumer is an example Pulumi program that uses a fargo stack's outputs
// through a pulumi.StackReference, the way a monitoring or data stack would.
//
//	cd examples/consumer
//	pulumi config set fargoStack my-org/fargo/dev
//	pulumi up
package main

import (
	"fmt"

	"github.com/fargo-dev/fargo/outputs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(program)
}

// program reads fargo's outputs and derives what a consumer typically needs.
func program(ctx *pulumi.Context) error {
	name, ok := ctx.GetConfig(ctx.Project() + ":fargoStack")
	if !ok || name == "" {
		return fmt.Errorf("%s:fargoStack is not set; set it to <organization>/fargo/<stack>", ctx.Project())
	}
	ref, err := pulumi.NewStackReference(ctx, name, nil)
	if err != nil {
		return err
	}
	fargo := outputs.Read(ref)

	ctx.Export("siteUrl", fargo.URL)
	ctx.Export("apiHealthUrl", pulumi.Sprintf("%s/api/health", fargo.URL))
	ctx.Export("backendRepository", fargo.RepositoryURLs.MapIndex(pulumi.String("backend")))
	ctx.Export("backendService", pulumi.Sprintf("%s/%s", fargo.ClusterName, fargo.ServiceNames.MapIndex(pulumi.String("backend"))))
	ctx.Export("postsTable", fargo.TableNames.MapIndex(pulumi.String("posts")))
	ctx.Export("privateSubnetCount", fargo.PrivateSubnetIDs.ApplyT(func(ids []string) int { return len(ids) }))
	return nil
}
