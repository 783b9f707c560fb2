package infra

import (
	"fmt"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Load balancer settings that decide how fast a rollout is. A new task counts as
// healthy after HealthyThreshold checks HealthCheckInterval seconds apart, and an
// old one is drained for DeregistrationDelay seconds, well inside the two-minute
// notice Fargate Spot gives before it reclaims a task.
const (
	HealthCheckInterval = 10
	HealthCheckTimeout  = 5
	HealthyThreshold    = 2
	UnhealthyThreshold  = 3
	HealthCheckMatcher  = "200-399"
	DeregistrationDelay = 15
	TLSPolicy           = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
)

// SiteArgs puts the load balancer behind a domain name with HTTPS.
type SiteArgs struct {
	// DomainName is the site's name, e.g. www.example.com.
	DomainName string
	// ZoneID is the hosted zone the alias record goes in.
	ZoneID pulumi.StringInput
	// CertificateArn is a validated certificate for DomainName.
	CertificateArn pulumi.StringInput
}

// LoadBalancerArgs configures a LoadBalancer.
type LoadBalancerArgs struct {
	// VpcID is the VPC of the target groups and security group.
	VpcID pulumi.StringInput
	// SubnetIDs are public subnets in at least two availability zones.
	SubnetIDs pulumi.StringArrayInput
	// Services get one target group each; path-routed ones also get a listener rule.
	Services []config.ServiceConfig
	// DeletionProtection makes AWS refuse to delete the load balancer.
	DeletionProtection bool
	// Site, when set, serves HTTPS on the domain and redirects HTTP to it.
	Site *SiteArgs
	// Tags are applied to every resource.
	Tags pulumi.StringMap
}

// LoadBalancer is an internet-facing Application Load Balancer with one target
// group per service, path rules, and HTTPS when a site is given.
type LoadBalancer struct {
	pulumi.ResourceState

	// DNSName is the load balancer's own DNS name.
	DNSName pulumi.StringOutput `pulumi:"dnsName"`
	// URL is where the site answers: https://<domain> with a site, else http://<dns name>.
	URL pulumi.StringOutput `pulumi:"url"`
	// ArnSuffix identifies the load balancer in CloudWatch metrics.
	ArnSuffix pulumi.StringOutput `pulumi:"arnSuffix"`
	// SecurityGroupID is the load balancer's security group; tasks admit only it.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// TargetGroups maps service name to its target group.
	TargetGroups map[string]*lb.TargetGroup
	// Listeners are the listeners and rules a service must wait for before attaching.
	Listeners []pulumi.Resource
}

// NewLoadBalancer creates the security group, load balancer, target groups, listeners
// and path rules, and the site's alias record when a site is given.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil {
		return nil, fmt.Errorf("load balancer %s: args are required", name)
	}
	c := &LoadBalancer{TargetGroups: map[string]*lb.TargetGroup{}}
	if err := ctx.RegisterComponentResource("fargo:infra:LoadBalancer", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	sg, err := ec2.NewSecurityGroup(ctx, name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String("fargo load balancer: HTTP(S) from the internet, to tasks only"),
		Tags:        args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	// 443 opens only with the HTTPS listener.
	openPorts := map[int]string{80: "HTTP from the internet"}
	if args.Site != nil {
		openPorts[443] = "HTTPS from the internet"
	}
	for _, port := range []int{80, 443} {
		description, open := openPorts[port]
		if !open {
			continue
		}
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, fmt.Sprintf("%s-alb-in-%d", name, port), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(port),
			ToPort:          pulumi.Int(port),
			CidrIpv4:        pulumi.String("0.0.0.0/0"),
			Description:     pulumi.String(description),
			Tags:            args.Tags,
		}, parent); err != nil {
			return nil, err
		}
	}

	alb, err := lb.NewLoadBalancer(ctx, name, &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		IpAddressType:            pulumi.String("ipv4"),
		Subnets:                  args.SubnetIDs,
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String("defensive"),
		EnableDeletionProtection: pulumi.Bool(args.DeletionProtection),
		Tags:                     args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	var defaultService string
	for _, svc := range args.Services {
		tg, err := lb.NewTargetGroup(ctx, name+"-"+svc.Name, &lb.TargetGroupArgs{
			TargetType:          pulumi.String("ip"),
			Port:                pulumi.Int(svc.Port),
			Protocol:            pulumi.String("HTTP"),
			VpcId:               args.VpcID,
			DeregistrationDelay: pulumi.Int(DeregistrationDelay),
			HealthCheck: &lb.TargetGroupHealthCheckArgs{
				Enabled:            pulumi.Bool(true),
				Path:               pulumi.String(svc.HealthCheckPath),
				Protocol:           pulumi.String("HTTP"),
				Matcher:            pulumi.String(HealthCheckMatcher),
				Interval:           pulumi.Int(HealthCheckInterval),
				Timeout:            pulumi.Int(HealthCheckTimeout),
				HealthyThreshold:   pulumi.Int(HealthyThreshold),
				UnhealthyThreshold: pulumi.Int(UnhealthyThreshold),
			},
			Tags: args.Tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		c.TargetGroups[svc.Name] = tg
		if svc.DefaultRoute() {
			defaultService = svc.Name
		}
	}
	if defaultService == "" {
		return nil, fmt.Errorf("load balancer %s: no service takes the default route", name)
	}
	forwardDefault := lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
		Type:           pulumi.String("forward"),
		TargetGroupArn: c.TargetGroups[defaultService].Arn,
	}}

	// The serving listener carries the forward default and the path rules: HTTP on
	// 80 without a site; with a site, HTTPS on 443 while 80 only redirects.
	httpActions := forwardDefault
	if args.Site != nil {
		httpActions = lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}}
	}
	httpListener, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions:  httpActions,
		Tags:            args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	serving := httpListener
	c.Listeners = append(c.Listeners, httpListener)
	if args.Site != nil {
		httpsListener, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(443),
			Protocol:        pulumi.String("HTTPS"),
			SslPolicy:       pulumi.String(TLSPolicy),
			CertificateArn:  args.Site.CertificateArn,
			DefaultActions:  forwardDefault,
			Tags:            args.Tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		serving = httpsListener
		c.Listeners = append(c.Listeners, httpsListener)
	}

	for _, svc := range args.Services {
		if svc.DefaultRoute() {
			continue
		}
		rule, err := lb.NewListenerRule(ctx, name+"-"+svc.Name, &lb.ListenerRuleArgs{
			ListenerArn: serving.Arn,
			Priority:    pulumi.Int(svc.Priority),
			Actions: lb.ListenerRuleActionArray{&lb.ListenerRuleActionArgs{
				Type:           pulumi.String("forward"),
				TargetGroupArn: c.TargetGroups[svc.Name].Arn,
			}},
			Conditions: lb.ListenerRuleConditionArray{&lb.ListenerRuleConditionArgs{
				PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.ToStringArray(svc.Paths)},
			}},
			Tags: args.Tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		c.Listeners = append(c.Listeners, rule)
	}

	c.DNSName = alb.DnsName
	c.ArnSuffix = alb.ArnSuffix
	c.SecurityGroupID = sg.ID().ToStringOutput()
	c.URL = pulumi.Sprintf("http://%s", alb.DnsName)
	if args.Site != nil {
		if _, err := route53.NewRecord(ctx, name+"-alias", &route53.RecordArgs{
			ZoneId: args.Site.ZoneID,
			Name:   pulumi.String(args.Site.DomainName),
			Type:   pulumi.String("A"),
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name:                 alb.DnsName,
				ZoneId:               alb.ZoneId,
				EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, parent); err != nil {
			return nil, err
		}
		c.URL = pulumi.Sprintf("https://%s", args.Site.DomainName)
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"dnsName":         c.DNSName,
		"url":             c.URL,
		"arnSuffix":       c.ArnSuffix,
		"securityGroupId": c.SecurityGroupID,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
