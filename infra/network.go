package infra

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awsxec2 "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NetworkArgs configures a Network.
type NetworkArgs struct {
	// Cidr is the VPC's IPv4 range.
	Cidr string
	// AvailabilityZones is how many zones to span (at least 2).
	AvailabilityZones int
	// Nat is NatNone, NatSingle or NatPerAz.
	Nat string
	// Region names the gateway endpoints' services.
	Region string
	// Tags are applied to the VPC and its subnets.
	Tags pulumi.StringMap
}

// Network is a VPC across several availability zones. With Nat set to none it has
// only public subnets and tasks get public IPs; otherwise tasks run in private
// subnets behind one NAT gateway, or one per zone.
type Network struct {
	pulumi.ResourceState

	// VpcID is the VPC's id.
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// PublicSubnetIDs are the subnets the load balancer uses.
	PublicSubnetIDs pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	// PrivateSubnetIDs are empty when Nat is none.
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// TaskSubnetIDs are the subnets tasks run in: the one decision every service reads.
	TaskSubnetIDs pulumi.StringArrayOutput `pulumi:"taskSubnetIds"`
	// AssignPublicIP says whether tasks need a public IP to reach ECR and CloudWatch.
	AssignPublicIP bool
	// AvailabilityZoneNames are the zones the VPC spans.
	AvailabilityZoneNames []string
}

// natStrategies maps fargo's NAT setting to awsx's strategy; awsx's own default
// (one NAT gateway per zone) is never relied on.
var natStrategies = map[string]awsxec2.NatGatewayStrategy{
	NatNone:   awsxec2.NatGatewayStrategyNone,
	NatSingle: awsxec2.NatGatewayStrategySingle,
	NatPerAz:  awsxec2.NatGatewayStrategyOnePerAz,
}

// NewNetwork creates the VPC, its subnets, routes and NAT gateways (through awsx),
// and adopts the VPC's default security group with every rule removed.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, fmt.Errorf("network %s: args are required", name)
	}
	strategy, ok := natStrategies[args.Nat]
	if !ok {
		return nil, fmt.Errorf("network %s: unknown NAT setting %q", name, args.Nat)
	}
	c := &Network{AssignPublicIP: args.Nat == NatNone}
	if err := ctx.RegisterComponentResource("fargo:infra:Network", name, c, opts...); err != nil {
		return nil, err
	}

	zones, err := availabilityZones(ctx, c, args.AvailabilityZones)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	c.AvailabilityZoneNames = zones

	subnets := []awsxec2.SubnetSpecArgs{{Type: awsxec2.SubnetTypePublic, Tags: args.Tags}}
	if !c.AssignPublicIP {
		subnets = append(subnets, awsxec2.SubnetSpecArgs{Type: awsxec2.SubnetTypePrivate, Tags: args.Tags})
	}
	cidr := args.Cidr
	strategyAuto := awsxec2.SubnetAllocationStrategyAuto
	vpc, err := awsxec2.NewVpc(ctx, name, &awsxec2.VpcArgs{
		CidrBlock:             &cidr,
		AvailabilityZoneNames: zones,
		SubnetStrategy:        &strategyAuto,
		SubnetSpecs:           subnets,
		NatGateways:           &awsxec2.NatGatewayConfigurationArgs{Strategy: strategy},
		EnableDnsHostnames:    pulumi.Bool(true),
		EnableDnsSupport:      pulumi.Bool(true),
		Tags:                  args.Tags,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}

	// EC2.2: the default security group must allow nothing, so nobody attaches it by accident.
	if _, err := ec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
		VpcId: vpc.VpcId,
		Tags:  args.Tags,
	}, pulumi.Parent(c)); err != nil {
		return nil, err
	}

	if !c.AssignPublicIP {
		if err := newGatewayEndpoints(ctx, c, name, vpc.VpcId, args); err != nil {
			return nil, err
		}
	}

	c.VpcID = vpc.VpcId
	c.PublicSubnetIDs = vpc.PublicSubnetIds
	c.PrivateSubnetIDs = vpc.PrivateSubnetIds
	if c.AssignPublicIP {
		c.TaskSubnetIDs = vpc.PublicSubnetIds
	} else {
		c.TaskSubnetIDs = vpc.PrivateSubnetIds
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"vpcId":            c.VpcID,
		"publicSubnetIds":  c.PublicSubnetIDs,
		"privateSubnetIds": c.PrivateSubnetIDs,
		"taskSubnetIds":    c.TaskSubnetIDs,
		"assignPublicIp":   pulumi.Bool(c.AssignPublicIP),
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// availabilityZones returns the first n zones of the region that need no opt-in.
func availabilityZones(ctx *pulumi.Context, parent pulumi.Resource, n int) ([]string, error) {
	azs, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{
			{Name: "opt-in-status", Values: []string{"opt-in-not-required"}},
		},
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("looking up availability zones: %w", err)
	}
	if len(azs.Names) < n {
		return nil, fmt.Errorf("fargo:network.availabilityZones: %d zones requested but the region has only %d (%v)", n, len(azs.Names), azs.Names)
	}
	return azs.Names[:n], nil
}

// GatewayEndpointServices are the free gateway endpoints private subnets get: S3
// serves ECR's image layers and DynamoDB the app's tables, so neither passes (and
// pays) through NAT.
var GatewayEndpointServices = []string{"s3", "dynamodb"}

// newGatewayEndpoints adds the gateway endpoints to the private route tables.
func newGatewayEndpoints(ctx *pulumi.Context, c *Network, name string, vpcID pulumi.StringOutput, args *NetworkArgs) error {
	// The awsx VPC's outputs resolve only once its subnets and route tables exist,
	// so a lookup keyed on its id finds the private route tables awsx tagged.
	private := ec2.GetRouteTablesOutput(ctx, ec2.GetRouteTablesOutputArgs{
		VpcId: vpcID,
		Filters: ec2.GetRouteTablesFilterArray{&ec2.GetRouteTablesFilterArgs{
			Name: pulumi.String("tag:SubnetType"), Values: pulumi.ToStringArray([]string{"Private"}),
		}},
	}, pulumi.Parent(c))
	for _, svc := range GatewayEndpointServices {
		if _, err := ec2.NewVpcEndpoint(ctx, name+"-"+svc, &ec2.VpcEndpointArgs{
			VpcId:           vpcID,
			ServiceName:     pulumi.Sprintf("com.amazonaws.%s.%s", args.Region, svc),
			VpcEndpointType: pulumi.String("Gateway"),
			RouteTableIds:   private.Ids(),
			Tags:            args.Tags,
		}, pulumi.Parent(c)); err != nil {
			return err
		}
	}
	return nil
}
