// Command fargo is the Pulumi program that runs a containerised web app on AWS ECS
// Fargate behind one Application Load Balancer. See README.md.
package main

import (
	"github.com/fargo-dev/fargo/infra"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(infra.Program)
}
