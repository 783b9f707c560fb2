// Command consumer is an example Pulumi program that uses a fargo stack's outputs
// through a pulumi.StackReference, the way a monitoring or data stack would. Its
// program is in the package consumer.
//
//	cd examples/consumer
//	pulumi config set fargoStack my-org/fargo/dev
//	pulumi up
package main

import (
	"github.com/fargo-dev/fargo/examples/consumer/consumer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(consumer.Program)
}
