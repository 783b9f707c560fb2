package infra

import (
	"fmt"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ClusterArgs configures a Cluster.
type ClusterArgs struct {
	// Settings hold Container Insights.
	Settings config.ClusterConfig
	// Tags are applied to every resource.
	Tags pulumi.StringMap
}

// Cluster is the stack's ECS cluster, named <project>-<stack>, with the Fargate
// and Fargate Spot capacity providers its services draw on.
type Cluster struct {
	pulumi.ResourceState

	// Name and Arn are the ECS cluster's.
	Name pulumi.StringOutput `pulumi:"name"`
	Arn  pulumi.StringOutput `pulumi:"arn"`

	// capacityProviders must exist before a service asks for them.
	capacityProviders *ecs.ClusterCapacityProviders
}

// NewCluster creates the cluster and its capacity providers.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if args == nil {
		return nil, fmt.Errorf("cluster %s: args are required", name)
	}
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("fargo:infra:Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	insights := "disabled"
	if args.Settings.ContainerInsights {
		insights = "enabled"
	}
	cluster, err := ecs.NewCluster(ctx, name, &ecs.ClusterArgs{
		Name: pulumi.String(config.ClusterName(ctx.Project(), ctx.Stack())),
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
			Name: pulumi.String("containerInsights"), Value: pulumi.String(insights),
		}},
		Tags: args.Tags,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	if c.capacityProviders, err = ecs.NewClusterCapacityProviders(ctx, name, &ecs.ClusterCapacityProvidersArgs{
		ClusterName:       cluster.Name,
		CapacityProviders: pulumi.ToStringArray([]string{"FARGATE", "FARGATE_SPOT"}),
		DefaultCapacityProviderStrategies: ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray{
			&ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs{
				CapacityProvider: pulumi.String("FARGATE_SPOT"), Weight: pulumi.Int(1),
			},
		},
	}, pulumi.Parent(c)); err != nil {
		return nil, err
	}
	c.Name, c.Arn = cluster.Name, cluster.Arn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"name": c.Name, "arn": c.Arn}); err != nil {
		return nil, err
	}
	return c, nil
}
