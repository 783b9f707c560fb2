// Package consumer is the example consumer's program, in a package of its own so
// that the end-to-end suite can deploy it as its own project, the same program
// `pulumi up` runs from examples/consumer.
package consumer

import (
	"fmt"

	"github.com/fargo-dev/fargo/outputs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program reads the fargo stack named by the config <project>:fargoStack and
// exports what a consumer typically needs from it. It fails before deploying
// anything when that stack lacks one of fargo's outputs (outputs.Require).
func Program(ctx *pulumi.Context) error {
	name, ok := ctx.GetConfig(ctx.Project() + ":fargoStack")
	if !ok || name == "" {
		return fmt.Errorf("%s:fargoStack is not set; set it to <organization>/fargo/<stack>", ctx.Project())
	}
	fargo, err := outputs.Require(ctx, name)
	if err != nil {
		return err
	}
	ctx.Export("siteUrl", fargo.URL)
	ctx.Export("apiHealthUrl", pulumi.Sprintf("%s/api/health", fargo.URL))
	ctx.Export("backendRepository", fargo.RepositoryURLs.MapIndex(pulumi.String("backend")))
	ctx.Export("backendService", pulumi.Sprintf("%s/%s", fargo.ClusterName, fargo.ServiceNames.MapIndex(pulumi.String("backend"))))
	ctx.Export("postsTable", fargo.TableNames.MapIndex(pulumi.String("posts")))
	ctx.Export("privateSubnetCount", fargo.PrivateSubnetIDs.ApplyT(func(ids []string) int { return len(ids) }))
	return nil
}
