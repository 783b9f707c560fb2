// Command fargo is the Pulumi program that runs a containerised web app on AWS ECS
// Fargate behind one Application Load Balancer. See README.md.
package main

import (
	"errors"
	"os"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/infra"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// Every key the CLI passes is checked, and reported with the values'
		// errors, before any resource is registered.
		keysErr := config.CheckKeys(config.CLIKeys(os.Getenv("PULUMI_CONFIG")))
		now := time.Now()
		cfg, err := config.ParseConfigAt(ctx.Project(), ctx.Stack(), ctx.GetConfig, now)
		if err := errors.Join(keysErr, err); err != nil {
			return err
		}
		return infra.Build(ctx, cfg, now)
	})
}
