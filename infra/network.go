package infra

import (
	"fmt"
	"maps"
	"slices"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NatInstanceAmiParameter is AWS's public SSM parameter naming the latest minimal
// Amazon Linux 2023 image for ARM, which the NAT instance runs.
const NatInstanceAmiParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-arm64"

// NatInstanceType is the NAT instance's size: the smallest Graviton instance.
const NatInstanceType = "t4g.nano"

// natInstanceVolumeGB is the NAT instance's root volume; the image's snapshot is 8 GB at most.
const natInstanceVolumeGB = 8

// GatewayEndpointServices are the free gateway endpoints on the private route
// tables: S3 serves ECR's image layers and DynamoDB the app's tables, so
// neither passes (and, behind NAT, pays) through NAT.
var GatewayEndpointServices = []string{"s3", "dynamodb"}

// NetworkArgs configures a Network: fargo:network as ParseConfig typed and
// validated it, which the network trusts, and what only the stack knows.
type NetworkArgs struct {
	// Network is fargo:network: the VPC's range, its zone count and its NAT mode.
	Network config.NetworkConfig
	// Region names the gateway endpoints' services.
	Region string
	// Tags are applied to every resource of the network.
	Tags pulumi.StringMap
	// Guard, when set, is given to what the stack's previews run on (the VPC,
	// its internet gateway and the public tier): a hook that refuses to delete
	// them while previews exist.
	Guard pulumi.ResourceOption
}

// Network is a VPC across several availability zones, built from plain resources
// on a fixed address plan. With Nat set to none it has only public subnets and
// tasks get public IPs; otherwise tasks run in private subnets whose default
// route goes through one NAT gateway, one per zone, or one NAT instance.
type Network struct {
	pulumi.ResourceState

	// VpcID is the VPC's id.
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// PublicSubnetIDs are the subnets the load balancer uses, in zone order.
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

// network carries what NewNetwork's steps share.
type network struct {
	c     *Network
	name  string
	args  *NetworkArgs
	zones []string
	vpc   *ec2.Vpc
	igw   *ec2.InternetGateway
	// public and private are the subnets by zone index; private is empty without NAT.
	public, private []*ec2.Subnet
	// privateRouteTables are the route tables of the private subnets.
	privateRouteTables pulumi.StringArray
	// publicRouting is the public default route and its subnet associations:
	// what a resource in a public subnet needs before it reaches the internet.
	publicRouting []pulumi.Resource
}

// TaskPlacement places tasks in the network: in the public subnets with public
// IPs without NAT, else in the private subnets.
func (n *Network) TaskPlacement() TaskPlacement {
	return TaskPlacement{VpcID: n.VpcID, SubnetIDs: n.TaskSubnetIDs, AssignPublicIP: n.AssignPublicIP}
}

// NewNetwork creates the VPC, its subnets, route tables, routes and NAT, the
// gateway endpoints, and adopts the VPC's default security group with every rule
// removed.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, fmt.Errorf("network %s: args are required", name)
	}
	c := &Network{AssignPublicIP: args.Network.Nat == config.NatNone}
	if err := ctx.RegisterComponentResource("fargo:infra:Network", name, c, opts...); err != nil {
		return nil, err
	}
	zones, err := availabilityZones(ctx, c, args.Network.AvailabilityZones)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	c.AvailabilityZoneNames = zones
	n := &network{c: c, name: name, args: args, zones: zones}
	for _, step := range []func(*pulumi.Context) error{n.newVpc, n.newPublicTier, n.newPrivateTier, n.newGatewayEndpoints, n.adoptDefaultSecurityGroup} {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("network %s: %w", name, err)
		}
	}

	c.VpcID = n.vpc.ID().ToStringOutput()
	c.PublicSubnetIDs = subnetIDs(n.public)
	c.PrivateSubnetIDs = subnetIDs(n.private)
	c.TaskSubnetIDs = c.PrivateSubnetIDs
	if c.AssignPublicIP {
		c.TaskSubnetIDs = c.PublicSubnetIDs
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

func subnetIDs(subnets []*ec2.Subnet) pulumi.StringArrayOutput {
	ids := pulumi.StringArray{}
	for _, s := range subnets {
		ids = append(ids, s.ID().ToStringOutput())
	}
	return ids.ToStringArrayOutput()
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

// tags returns the network's tags plus a Name.
func (n *network) tags(name string) pulumi.StringMap {
	t := pulumi.StringMap{"Name": pulumi.String(name)}
	for k, v := range n.args.Tags {
		t[k] = v
	}
	return t
}

func (n *network) parent() pulumi.ResourceOption { return pulumi.Parent(n.c) }

// guarded is parent, with the previews' guard on what previews run on: the
// VPC, its gateway and both tiers (the load balancer in the public one, their
// tasks in the tier the host's own run in, the private one when NAT is on).
func (n *network) guarded() pulumi.ResourceOption { return guarded(n.parent(), n.args.Guard) }

func (n *network) newVpc(ctx *pulumi.Context) error {
	var err error
	if n.vpc, err = ec2.NewVpc(ctx, n.name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(n.args.Network.Cidr),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               n.tags(n.name + "-vpc"),
	}, n.guarded()); err != nil {
		return err
	}
	n.igw, err = ec2.NewInternetGateway(ctx, n.name+"-igw", &ec2.InternetGatewayArgs{
		VpcId: n.vpc.ID(),
		Tags:  n.tags(n.name + "-igw"),
	}, n.guarded())
	return err
}

// subnet creates the subnet of a tier in the zone with index i, at its slot of the address plan.
func (n *network) subnet(ctx *pulumi.Context, tier config.Tier, i int) (*ec2.Subnet, error) {
	cidr, err := config.SubnetCidr(n.args.Network.Cidr, tier, i)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-%s-%d", n.name, tier, i)
	// No subnet maps public IPs on launch (EC2.15): tasks ask for one where they need it.
	return ec2.NewSubnet(ctx, name, &ec2.SubnetArgs{
		VpcId:               n.vpc.ID(),
		CidrBlock:           pulumi.String(cidr),
		AvailabilityZone:    pulumi.String(n.zones[i]),
		MapPublicIpOnLaunch: pulumi.Bool(false),
		Tags:                n.tags(name),
	}, n.guarded())
}

// routeTable creates a route table whose default route goes to target, and
// associates each subnet with it (the association takes the subnet's name). It
// returns the table and what makes it route: the default route and the associations.
func (n *network) routeTable(ctx *pulumi.Context, tier config.Tier, name string, target ec2.RouteArgs, subnets map[string]*ec2.Subnet) (*ec2.RouteTable, []pulumi.Resource, error) {
	opts := n.guarded()
	rt, err := ec2.NewRouteTable(ctx, name, &ec2.RouteTableArgs{VpcId: n.vpc.ID(), Tags: n.tags(name)}, opts)
	if err != nil {
		return nil, nil, err
	}
	target.RouteTableId = rt.ID()
	target.DestinationCidrBlock = pulumi.String("0.0.0.0/0")
	route, err := ec2.NewRoute(ctx, name+"-default", &target, opts)
	if err != nil {
		return nil, nil, err
	}
	routing := []pulumi.Resource{route}
	for _, subnetName := range slices.Sorted(maps.Keys(subnets)) {
		association, err := ec2.NewRouteTableAssociation(ctx, subnetName, &ec2.RouteTableAssociationArgs{
			SubnetId: subnets[subnetName].ID(), RouteTableId: rt.ID(),
		}, opts)
		if err != nil {
			return nil, nil, err
		}
		routing = append(routing, association)
	}
	return rt, routing, nil
}

// newPublicTier creates a public subnet per zone, all on one route table whose
// default route is the internet gateway.
func (n *network) newPublicTier(ctx *pulumi.Context) error {
	named := map[string]*ec2.Subnet{}
	for i := range n.zones {
		s, err := n.subnet(ctx, config.TierPublic, i)
		if err != nil {
			return err
		}
		n.public = append(n.public, s)
		named[fmt.Sprintf("%s-%s-%d", n.name, config.TierPublic, i)] = s
	}
	_, routing, err := n.routeTable(ctx, config.TierPublic, n.name+"-public-rt", ec2.RouteArgs{GatewayId: n.igw.ID()}, named)
	n.publicRouting = routing
	return err
}

// newPrivateTier creates, when NAT is on, the NAT and a private subnet per zone,
// each on a route table of its own whose default route goes through the NAT of
// its zone (perAz) or the one NAT (single, instance). One table per zone in every
// mode keeps each zone's URNs the same when the mode changes.
func (n *network) newPrivateTier(ctx *pulumi.Context) error {
	if n.args.Network.Nat == config.NatNone {
		return nil
	}
	targets, err := n.newNat(ctx)
	if err != nil {
		return err
	}
	for i := range n.zones {
		s, err := n.subnet(ctx, config.TierPrivate, i)
		if err != nil {
			return err
		}
		n.private = append(n.private, s)
		subnetName := fmt.Sprintf("%s-%s-%d", n.name, config.TierPrivate, i)
		rt, _, err := n.routeTable(ctx, config.TierPrivate, subnetName+"-rt", targets[i%len(targets)], map[string]*ec2.Subnet{subnetName: s})
		if err != nil {
			return err
		}
		n.privateRouteTables = append(n.privateRouteTables, rt.ID())
	}
	return nil
}

// newNat creates the NAT of the mode and returns the default routes' targets:
// one per zone for perAz, else one.
func (n *network) newNat(ctx *pulumi.Context) ([]ec2.RouteArgs, error) {
	count := 0
	switch n.args.Network.Nat {
	case config.NatInstance:
		eni, err := n.newNatInstance(ctx)
		if err != nil {
			return nil, err
		}
		return []ec2.RouteArgs{{NetworkInterfaceId: eni}}, nil
	case config.NatSingle:
		count = 1
	case config.NatPerAz:
		count = len(n.zones)
	default:
		// Unreachable: config admits only its modes, and none builds no NAT;
		// a mode added there without its case here must not build a gateway.
		return nil, fmt.Errorf("network %s: NAT mode %q has no NAT to build", n.name, n.args.Network.Nat)
	}
	var targets []ec2.RouteArgs
	for i := range count {
		name := fmt.Sprintf("%s-nat-%d", n.name, i)
		eip, err := ec2.NewEip(ctx, name, &ec2.EipArgs{Domain: pulumi.String("vpc"), Tags: n.tags(name)}, n.parent())
		if err != nil {
			return nil, err
		}
		gw, err := ec2.NewNatGateway(ctx, name, &ec2.NatGatewayArgs{
			AllocationId: eip.AllocationId,
			SubnetId:     n.public[i].ID(),
			Tags:         n.tags(name),
		}, n.parent(), pulumi.DependsOn([]pulumi.Resource{n.igw}))
		if err != nil {
			return nil, err
		}
		targets = append(targets, ec2.RouteArgs{NatGatewayId: gw.ID()})
	}
	return targets, nil
}

// newNatInstance creates one small ARM instance in the first public subnet that
// forwards and masquerades the VPC's outbound traffic, and returns its network
// interface for the private default routes. It trades a NAT gateway's managed
// failover and throughput for a few dollars a month; two alarms recover or
// reboot it when its status checks fail.
func (n *network) newNatInstance(ctx *pulumi.Context) (pulumi.StringOutput, error) {
	name := n.name + "-nat-instance"
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       n.vpc.ID(),
		Description: pulumi.String("NAT instance: forwards outbound traffic from the VPC"),
		Tags:        n.tags(name),
	}, n.parent())
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-from-vpc", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: sg.ID(),
		IpProtocol:      pulumi.String("-1"),
		CidrIpv4:        pulumi.String(n.args.Network.Cidr),
		Description:     pulumi.String("all traffic from the VPC, to forward"),
		Tags:            n.tags(name + "-from-vpc"),
	}, n.parent()); err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-to-internet", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		IpProtocol:      pulumi.String("-1"),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		Description:     pulumi.String("forwarded traffic to the internet"),
		Tags:            n.tags(name + "-to-internet"),
	}, n.parent()); err != nil {
		return pulumi.StringOutput{}, err
	}
	ami := ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{Name: pulumi.String(NatInstanceAmiParameter)}, pulumi.Parent(n.c))
	// It boots with a route to the internet (its first boot fetches nftables),
	// so it waits for the public subnets' default route, not only the gateway.
	bootNeeds := append([]pulumi.Resource{n.igw}, n.publicRouting...)
	instance, err := ec2.NewInstance(ctx, name, &ec2.InstanceArgs{
		Ami:                      ami.Value(),
		InstanceType:             pulumi.String(NatInstanceType),
		SubnetId:                 n.public[0].ID(),
		VpcSecurityGroupIds:      pulumi.StringArray{sg.ID()},
		AssociatePublicIpAddress: pulumi.Bool(true),
		SourceDestCheck:          pulumi.Bool(false),
		UserData:                 pulumi.String(NatInstanceUserData(n.args.Network.Cidr)),
		// The script runs on an instance's first boot only: a changed one takes
		// effect on a new instance, not on a restart of this one.
		UserDataReplaceOnChange: pulumi.Bool(true),
		MetadataOptions: &ec2.InstanceMetadataOptionsArgs{
			HttpEndpoint: pulumi.String("enabled"),
			HttpTokens:   pulumi.String("required"),
		},
		RootBlockDevice: &ec2.InstanceRootBlockDeviceArgs{
			VolumeSize: pulumi.Int(natInstanceVolumeGB),
			VolumeType: pulumi.String("gp3"),
			Encrypted:  pulumi.Bool(true),
		},
		Tags: n.tags(name),
		// A new Amazon Linux release must not replace a running NAT on an unrelated
		// `up`; take one on purpose with `pulumi up --replace <this URN>`.
	}, n.parent(), pulumi.IgnoreChanges([]string{"ami"}), pulumi.DependsOn(bootNeeds))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if err := n.newNatInstanceRecovery(ctx, name, instance); err != nil {
		return pulumi.StringOutput{}, err
	}
	return instance.PrimaryNetworkInterfaceId, nil
}

// NatRecoveryAlarm is one of the two alarms that heal the NAT instance: the
// status check it watches, for how many one-minute periods, and the EC2 action
// it takes. AWS recommends recover for the system check (the host failed: the
// instance moves to new hardware and keeps its id, private and public
// addresses) and reboot for the instance check (its OS stopped answering).
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/UsingAlarmActions.html
type NatRecoveryAlarm struct {
	// Kind ends the alarm's name: <project>-<stack>-nat-instance-<Kind>.
	Kind string
	// Metric is the EC2 status check metric, free at one-minute resolution.
	Metric string
	// Minutes is how many failing one-minute periods in a row trigger it.
	Minutes int
	// Action is the EC2 action, completed by arn:aws:automate:<region>:ec2:.
	Action string
}

// NatRecoveryAlarms are the NAT instance's two healing alarms.
var NatRecoveryAlarms = []NatRecoveryAlarm{
	{Kind: "recover", Metric: "StatusCheckFailed_System", Minutes: 2, Action: "recover"},
	{Kind: "reboot", Metric: "StatusCheckFailed_Instance", Minutes: 3, Action: "reboot"},
}

// newNatInstanceRecovery creates the NAT instance's healing alarms. Alarms
// rather than an Auto Scaling group of one: the instance keeps its id, network
// interface and address through a recovery, so the private routes stay valid
// and nothing needs a role to re-attach an interface; each alarm costs $0.10 a month.
func (n *network) newNatInstanceRecovery(ctx *pulumi.Context, name string, instance *ec2.Instance) error {
	for _, a := range NatRecoveryAlarms {
		alarmName := config.StackNamePrefix(ctx.Project(), ctx.Stack()) + "nat-instance-" + a.Kind
		if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+a.Kind, &cloudwatch.MetricAlarmArgs{
			Name:               pulumi.String(alarmName),
			AlarmDescription:   pulumi.Sprintf("%s the NAT instance when %s fails for %d minutes", a.Action, a.Metric, a.Minutes),
			Namespace:          pulumi.String("AWS/EC2"),
			MetricName:         pulumi.String(a.Metric),
			Dimensions:         pulumi.StringMap{"InstanceId": instance.ID()},
			Statistic:          pulumi.String("Maximum"),
			Period:             pulumi.Int(60),
			EvaluationPeriods:  pulumi.Int(a.Minutes),
			Threshold:          pulumi.Float64(1),
			ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
			// No data is no failure: a stopped or replaced instance reports none.
			TreatMissingData: pulumi.String("notBreaching"),
			AlarmActions:     pulumi.Array{pulumi.Sprintf("arn:aws:automate:%s:ec2:%s", n.args.Region, a.Action)},
			Tags:             n.tags(alarmName),
		}, n.parent()); err != nil {
			return err
		}
	}
	return nil
}

// NatInstanceUserData is the NAT instance's first-boot script. The minimal
// Amazon Linux 2023 image ships no packet filter tool (neither nft nor iptables:
// github.com/jamesmoriarty/cfn-cheapest-nat/pull/16), so one must be installed
// once. The script itself only writes files and enables a systemd unit, so it
// cannot fail halfway; the unit runs the setup on every boot and, until it
// succeeds, again every 15 s: a failed install (a dnf race, aws/aws-cdk#36717;
// memory on a 512 MB instance, hence the swap file) is retried, not left as an
// instance that forwards nothing. Once nftables is installed, a boot installs
// nothing and only loads the ruleset. The ruleset deletes and re-creates its own
// table, so loading it twice leaves one copy.
func NatInstanceUserData(vpcCidr string) string {
	return `#!/bin/bash
set -euo pipefail
cat > /etc/sysctl.d/90-fargo-nat.conf <<'SYSCTL'
net.ipv4.ip_forward = 1
SYSCTL
cat > /etc/fargo-nat.nft <<'RULESET'
` + natRuleset(vpcCidr) + `RULESET
cat > /usr/local/sbin/fargo-nat <<'SETUP'
` + natSetup + `SETUP
chmod 0755 /usr/local/sbin/fargo-nat
cat > /etc/systemd/system/fargo-nat.service <<'UNIT'
` + natUnit + `UNIT
systemctl daemon-reload
systemctl enable fargo-nat.service
systemctl start --no-block fargo-nat.service
`
}

// natRuleset masquerades what the VPC sends beyond it, out of whichever
// interface routes it (no interface name to guess on Nitro instances).
func natRuleset(vpcCidr string) string {
	return `table ip fargo_nat
delete table ip fargo_nat
table ip fargo_nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr ` + vpcCidr + ` ip daddr != ` + vpcCidr + ` masquerade
	}
}
`
}

// natSetup turns forwarding on and loads the ruleset, installing nftables first
// on the one boot that lacks it.
const natSetup = `#!/bin/bash
set -euo pipefail
sysctl -q -w net.ipv4.ip_forward=1
if ! command -v nft > /dev/null; then
  if [ ! -f /swapfile ]; then
    dd if=/dev/zero of=/swapfile bs=1M count=512 status=none
    chmod 0600 /swapfile
    mkswap /swapfile > /dev/null
  fi
  swapon /swapfile 2> /dev/null || true
  dnf install -y --setopt=retries=10 --setopt=install_weak_deps=False nftables
fi
nft -f /etc/fargo-nat.nft
`

// natUnit runs natSetup at every boot, after the network is up, retrying every
// 15 s without limit until it succeeds.
const natUnit = `[Unit]
Description=fargo NAT: forward and masquerade the VPC's outbound traffic
Wants=network-online.target
After=network-online.target
StartLimitIntervalSec=0

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/fargo-nat
Restart=on-failure
RestartSec=15

[Install]
WantedBy=multi-user.target
`

// newGatewayEndpoints attaches the S3 and DynamoDB gateway endpoints to the
// private route tables, where tasks run behind NAT.
func (n *network) newGatewayEndpoints(ctx *pulumi.Context) error {
	if len(n.privateRouteTables) == 0 {
		return nil // public tasks reach S3 and DynamoDB directly, at no NAT charge
	}
	for _, svc := range GatewayEndpointServices {
		name := n.name + "-" + svc
		if _, err := ec2.NewVpcEndpoint(ctx, name, &ec2.VpcEndpointArgs{
			VpcId:           n.vpc.ID(),
			ServiceName:     pulumi.Sprintf("com.amazonaws.%s.%s", n.args.Region, svc),
			VpcEndpointType: pulumi.String("Gateway"),
			RouteTableIds:   n.privateRouteTables,
			Tags:            n.tags(name),
		}, n.parent()); err != nil {
			return err
		}
	}
	return nil
}

// adoptDefaultSecurityGroup manages the VPC's default security group with no
// rules (EC2.2), so nobody attaches it by accident.
func (n *network) adoptDefaultSecurityGroup(ctx *pulumi.Context) error {
	_, err := ec2.NewDefaultSecurityGroup(ctx, n.name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
		VpcId: n.vpc.ID(),
		Tags:  n.tags(n.name + "-default-sg"),
	}, n.parent())
	return err
}
