package infra

import (
	"fmt"
	"maps"
	"slices"

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
	// PreviewPorts, when set, opens these ports to the internet for the stack's
	// previews, and makes the security group their tasks join, which the load
	// balancer reaches on the services' ports.
	PreviewPorts *config.PortRange
	// Attach, when set, puts the services on another stack's load balancer (a
	// preview's, on its host's) behind a listener of their own, instead of
	// creating a load balancer.
	Attach *AttachArgs
	// Guard, when set, is given to what previews use (the load balancer, its
	// security group and rules, the previews' group): a hook that refuses to
	// delete them while previews exist.
	Guard pulumi.ResourceOption
	// Tags are applied to every resource.
	Tags pulumi.StringMap
}

// AttachArgs name another stack's load balancer and the port to listen on.
type AttachArgs struct {
	// LoadBalancerArn and DNSName are the load balancer's.
	LoadBalancerArn, DNSName string
	// Site, when the host has a domain, adds the preview's name on the host's
	// HTTPS listener.
	Site *AttachSite
	// SecurityGroupID is the load balancer's security group, which tasks admit.
	SecurityGroupID string
	// Port is the listener's port.
	Port int
}

// AttachSite is a preview's name under its host's site: its rules on the
// host's HTTPS listener, at the priorities its port owns.
type AttachSite struct {
	// HostName is the preview's name, e.g. pr31.www.example.com.
	HostName string
	// ListenerArn is the host's HTTPS listener.
	ListenerArn string
	// Priority is the priority of the preview's i-th rule there.
	Priority func(i int) int
}

// LoadBalancer is an internet-facing Application Load Balancer with one target
// group per service, path rules, and HTTPS when a site is given.
type LoadBalancer struct {
	pulumi.ResourceState

	// Arn is the load balancer's ARN.
	Arn pulumi.StringOutput
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
	// PreviewTasksSecurityGroupID is the group previews' tasks join; set with PreviewPorts.
	PreviewTasksSecurityGroupID pulumi.StringOutput
	// HTTPSListenerArn is the HTTPS listener with a site, which previews add
	// their names' rules to; empty without one.
	HTTPSListenerArn pulumi.StringOutput

	securityGroup *ec2.SecurityGroup
	tags          pulumi.StringMap
}

// NewLoadBalancer creates the security group, load balancer, target groups, listeners
// and path rules, and the site's alias record when a site is given.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil {
		return nil, fmt.Errorf("load balancer %s: args are required", name)
	}
	c := &LoadBalancer{TargetGroups: map[string]*lb.TargetGroup{}, tags: args.Tags}
	if err := ctx.RegisterComponentResource("fargo:infra:LoadBalancer", name, c, opts...); err != nil {
		return nil, err
	}
	b := lbBuilder{ctx: ctx, name: name, args: args, c: c, parent: pulumi.Parent(c)}
	if args.Attach != nil {
		if err := b.attach(); err != nil {
			return nil, err
		}
		return c, nil
	}
	sg, err := b.securityGroup()
	if err != nil {
		return nil, err
	}
	alb, err := b.balancer(sg)
	if err != nil {
		return nil, err
	}
	if err := b.targetGroups(); err != nil {
		return nil, err
	}
	serving, err := b.listeners(alb)
	if err != nil {
		return nil, err
	}
	if err := b.rules(serving); err != nil {
		return nil, err
	}
	c.DNSName = alb.DnsName
	c.ArnSuffix = alb.ArnSuffix
	c.SecurityGroupID = sg.ID().ToStringOutput()
	c.URL = pulumi.Sprintf("http://%s", alb.DnsName)
	if args.Site == nil {
		c.HTTPSListenerArn = pulumi.String("").ToStringOutput()
	} else {
		if err := b.alias(alb, args.Site.DomainName, "-alias", b.parent); err != nil {
			return nil, err
		}
		if args.PreviewPorts != nil {
			// Every preview's name, pr<number>.<site>, in one record.
			if err := b.alias(alb, "*."+args.Site.DomainName, "-alias-previews", b.guarded()); err != nil {
				return nil, err
			}
		}
		c.URL = pulumi.Sprintf("https://%s", args.Site.DomainName)
	}
	if err := b.previews(sg); err != nil {
		return nil, err
	}
	c.Arn = alb.Arn
	if err := b.registerOutputs(); err != nil {
		return nil, err
	}
	return c, nil
}

func (b lbBuilder) registerOutputs() error {
	return b.ctx.RegisterResourceOutputs(b.c, pulumi.Map{
		"dnsName":         b.c.DNSName,
		"url":             b.c.URL,
		"arnSuffix":       b.c.ArnSuffix,
		"securityGroupId": b.c.SecurityGroupID,
	})
}

// attach serves the services on another stack's load balancer, on a listener
// of their own: target groups, the listener and its path rules, and nothing of
// the load balancer's itself.
func (b lbBuilder) attach() error {
	a := b.args.Attach
	if err := b.targetGroups(); err != nil {
		return err
	}
	b.c.Arn = pulumi.String(a.LoadBalancerArn).ToStringOutput()
	b.c.DNSName = pulumi.String(a.DNSName).ToStringOutput()
	if a.Site != nil {
		// Under a site the port only holds the preview's place and sends
		// visitors to its name, over HTTPS.
		if _, err := b.listener(b.name+"-preview", pulumi.String(a.LoadBalancerArn), a.Port, redirectTo(a.Site.HostName)); err != nil {
			return err
		}
		if err := b.siteRules(*a.Site); err != nil {
			return err
		}
		b.c.URL = pulumi.Sprintf("https://%s", a.Site.HostName).ToStringOutput()
	} else {
		forwardDefault, err := b.forwardDefault()
		if err != nil {
			return err
		}
		listener, err := b.listener(b.name+"-preview", pulumi.String(a.LoadBalancerArn), a.Port, forwardDefault)
		if err != nil {
			return err
		}
		if err := b.rules(listener); err != nil {
			return err
		}
		b.c.URL = pulumi.Sprintf("http://%s:%d", a.DNSName, a.Port)
	}
	b.c.SecurityGroupID = pulumi.String(a.SecurityGroupID).ToStringOutput()
	b.c.ArnSuffix = pulumi.String("").ToStringOutput()
	return b.registerOutputs()
}

// previews opens the preview ports, makes the group previews' tasks join, and
// lets the load balancer reach that group on each service's port: the previews'
// tasks admit the load balancer on their own.
func (b lbBuilder) previews(alb *ec2.SecurityGroup) error {
	r := b.args.PreviewPorts
	if r == nil {
		return nil
	}
	if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, b.name+"-alb-in-previews", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: alb.ID(),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(r.From),
		ToPort:          pulumi.Int(r.To),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		Description:     pulumi.String("HTTP to pull request previews"),
		Tags:            b.args.Tags,
	}, b.guarded()); err != nil {
		return err
	}
	tasks, err := ec2.NewSecurityGroup(b.ctx, b.name+"-previews", &ec2.SecurityGroupArgs{
		VpcId:       b.args.VpcID,
		Description: pulumi.String("fargo previews tasks: the load balancer reaches them"),
		Tags:        b.args.Tags,
	}, b.guarded())
	if err != nil {
		return err
	}
	ports := map[int]bool{}
	for _, svc := range b.args.Services {
		ports[svc.Port] = true
	}
	for _, port := range slices.Sorted(maps.Keys(ports)) {
		if _, err := vpc.NewSecurityGroupEgressRule(b.ctx, fmt.Sprintf("%s-alb-out-previews-%d", b.name, port), &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId:           alb.ID(),
			ReferencedSecurityGroupId: tasks.ID(),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(port),
			ToPort:                    pulumi.Int(port),
			Description:               pulumi.String("to previews tasks"),
			Tags:                      b.args.Tags,
		}, b.guarded()); err != nil {
			return err
		}
	}
	b.c.PreviewTasksSecurityGroupID = tasks.ID().ToStringOutput()
	return nil
}

// lbBuilder builds a LoadBalancer's parts, each in its own step.
type lbBuilder struct {
	ctx    *pulumi.Context
	name   string
	args   *LoadBalancerArgs
	c      *LoadBalancer
	parent pulumi.ResourceOption
}

// guarded is parent, with the previews' guard when there is one.
func (b lbBuilder) guarded() pulumi.ResourceOption { return guarded(b.parent, b.args.Guard) }

// siteGuarded guards what previews' names need under a site (the HTTPS
// listener, the wildcard record) when the stack has previews.
func (b lbBuilder) siteGuarded() pulumi.ResourceOption {
	if b.args.PreviewPorts == nil {
		return b.parent
	}
	return b.guarded()
}

// securityGroup admits HTTP from the internet, and HTTPS once a site is served;
// its way out, to each service's tasks only, is added by AllowTo.
func (b lbBuilder) securityGroup() (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       b.args.VpcID,
		Description: pulumi.String("fargo load balancer: HTTP(S) from the internet, to tasks only"),
		Tags:        b.args.Tags,
	}, b.guarded())
	if err != nil {
		return nil, err
	}
	// 443 opens only with the HTTPS listener.
	openPorts := map[int]string{80: "HTTP from the internet"}
	if b.args.Site != nil {
		openPorts[443] = "HTTPS from the internet"
	}
	for _, port := range []int{80, 443} {
		description, open := openPorts[port]
		if !open {
			continue
		}
		if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, fmt.Sprintf("%s-alb-in-%d", b.name, port), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(port),
			ToPort:          pulumi.Int(port),
			CidrIpv4:        pulumi.String("0.0.0.0/0"),
			Description:     pulumi.String(description),
			Tags:            b.args.Tags,
		}, b.guarded()); err != nil {
			return nil, err
		}
	}
	b.c.securityGroup = sg
	return sg, nil
}

func (b lbBuilder) balancer(sg *ec2.SecurityGroup) (*lb.LoadBalancer, error) {
	return lb.NewLoadBalancer(b.ctx, b.name, &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		IpAddressType:            pulumi.String("ipv4"),
		Subnets:                  b.args.SubnetIDs,
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String("defensive"),
		EnableDeletionProtection: pulumi.Bool(b.args.DeletionProtection),
		Tags:                     b.args.Tags,
	}, b.guarded())
}

// targetGroups makes one target group per service, with the health check and
// draining that decide a rollout's pace.
func (b lbBuilder) targetGroups() error {
	for _, svc := range b.args.Services {
		tg, err := lb.NewTargetGroup(b.ctx, b.name+"-"+svc.Name, &lb.TargetGroupArgs{
			TargetType:          pulumi.String("ip"),
			Port:                pulumi.Int(svc.Port),
			Protocol:            pulumi.String("HTTP"),
			VpcId:               b.args.VpcID,
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
			Tags: b.args.Tags,
		}, b.parent)
		if err != nil {
			return err
		}
		b.c.TargetGroups[svc.Name] = tg
	}
	return nil
}

// listeners returns the serving listener, which carries the forward default and
// the path rules: HTTP on 80 without a site; with a site, HTTPS on 443 while 80
// only redirects.
func (b lbBuilder) listeners(alb *lb.LoadBalancer) (*lb.Listener, error) {
	forwardDefault, err := b.forwardDefault()
	if err != nil {
		return nil, err
	}
	httpActions := forwardDefault
	if b.args.Site != nil {
		httpActions = lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}}
	}
	httpListener, err := b.listener(b.name+"-http", alb.Arn, 80, httpActions)
	if err != nil {
		return nil, err
	}
	if b.args.Site == nil {
		return httpListener, nil
	}
	httpsListener, err := lb.NewListener(b.ctx, b.name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(TLSPolicy),
		CertificateArn:  b.args.Site.CertificateArn,
		DefaultActions:  forwardDefault,
		Tags:            b.args.Tags,
	}, b.siteGuarded())
	if err != nil {
		return nil, err
	}
	b.c.Listeners = append(b.c.Listeners, httpsListener)
	b.c.HTTPSListenerArn = httpsListener.Arn
	return httpsListener, nil
}

// forwardDefault is the action that sends what no rule matches to the service
// taking the default route.
func (b lbBuilder) forwardDefault() (lb.ListenerDefaultActionArray, error) {
	for _, svc := range b.args.Services {
		if svc.DefaultRoute() {
			return lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
				Type:           pulumi.String("forward"),
				TargetGroupArn: b.c.TargetGroups[svc.Name].Arn,
			}}, nil
		}
	}
	return nil, fmt.Errorf("load balancer %s: no service takes the default route", b.name)
}

// listener is a plain HTTP listener on port of the load balancer lbArn, with
// its default actions.
func (b lbBuilder) listener(name string, lbArn pulumi.StringInput, port int, actions lb.ListenerDefaultActionArrayInput) (*lb.Listener, error) {
	l, err := lb.NewListener(b.ctx, name, &lb.ListenerArgs{
		LoadBalancerArn: lbArn,
		Port:            pulumi.Int(port),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions:  actions,
		Tags:            b.args.Tags,
	}, b.parent)
	if err != nil {
		return nil, err
	}
	b.c.Listeners = append(b.c.Listeners, l)
	return l, nil
}

// redirectTo sends a preview's port under its host's site to the preview's
// name over HTTPS, keeping the path and query.
func redirectTo(host string) lb.ListenerDefaultActionArray {
	return lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
		Type: pulumi.String("redirect"),
		Redirect: &lb.ListenerDefaultActionRedirectArgs{
			Protocol:   pulumi.String("HTTPS"),
			Host:       pulumi.String(host),
			Port:       pulumi.String("443"),
			StatusCode: pulumi.String("HTTP_301"),
		},
	}}
}

// rules route each path-routed service's patterns, by its priority.
func (b lbBuilder) rules(serving *lb.Listener) error {
	for _, svc := range b.args.Services {
		if svc.DefaultRoute() {
			continue
		}
		rule, err := lb.NewListenerRule(b.ctx, b.name+"-"+svc.Name, &lb.ListenerRuleArgs{
			ListenerArn: serving.Arn,
			Priority:    pulumi.Int(svc.Priority),
			Actions: lb.ListenerRuleActionArray{&lb.ListenerRuleActionArgs{
				Type:           pulumi.String("forward"),
				TargetGroupArn: b.c.TargetGroups[svc.Name].Arn,
			}},
			Conditions: lb.ListenerRuleConditionArray{&lb.ListenerRuleConditionArgs{
				PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.ToStringArray(svc.Paths)},
			}},
			Tags: b.args.Tags,
		}, b.parent)
		if err != nil {
			return err
		}
		b.c.Listeners = append(b.c.Listeners, rule)
	}
	return nil
}

// siteRules route a preview's name on its host's HTTPS listener: each path
// service's patterns under the name, then the rest of the name to the service
// taking the default route.
func (b lbBuilder) siteRules(site AttachSite) error {
	host := &lb.ListenerRuleConditionArgs{
		HostHeader: &lb.ListenerRuleConditionHostHeaderArgs{Values: pulumi.StringArray{pulumi.String(site.HostName)}},
	}
	i := 0
	add := func(name string, svc config.ServiceConfig, conditions lb.ListenerRuleConditionArray) error {
		rule, err := lb.NewListenerRule(b.ctx, name, &lb.ListenerRuleArgs{
			ListenerArn: pulumi.String(site.ListenerArn),
			Priority:    pulumi.Int(site.Priority(i)),
			Actions: lb.ListenerRuleActionArray{&lb.ListenerRuleActionArgs{
				Type:           pulumi.String("forward"),
				TargetGroupArn: b.c.TargetGroups[svc.Name].Arn,
			}},
			Conditions: conditions,
			Tags:       b.args.Tags,
		}, b.parent)
		if err != nil {
			return err
		}
		i++
		b.c.Listeners = append(b.c.Listeners, rule)
		return nil
	}
	var fallback config.ServiceConfig
	// In the host's order of its path rules, which may overlap (a lower
	// priority number takes a narrower pattern first).
	services := slices.SortedFunc(slices.Values(b.args.Services), func(a, c config.ServiceConfig) int { return a.Priority - c.Priority })
	for _, svc := range services {
		if svc.DefaultRoute() {
			fallback = svc
			continue
		}
		if err := add(b.name+"-site-"+svc.Name, svc, lb.ListenerRuleConditionArray{host, &lb.ListenerRuleConditionArgs{
			PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.ToStringArray(svc.Paths)},
		}}); err != nil {
			return err
		}
	}
	return add(b.name+"-site", fallback, lb.ListenerRuleConditionArray{host})
}

// alias points a name of the site at the load balancer.
func (b lbBuilder) alias(alb *lb.LoadBalancer, name, suffix string, opt pulumi.ResourceOption) error {
	_, err := route53.NewRecord(b.ctx, b.name+suffix, &route53.RecordArgs{
		ZoneId: b.args.Site.ZoneID,
		Name:   pulumi.String(name),
		Type:   pulumi.String("A"),
		Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
			Name:                 alb.DnsName,
			ZoneId:               alb.ZoneId,
			EvaluateTargetHealth: pulumi.Bool(true),
		}},
	}, opt)
	return err
}

// AllowTo opens the load balancer's way out to one service's tasks, on its port
// only. The rule belongs to the load balancer's security group, so it is the
// load balancer's child; a service calls it once its tasks' group exists.
//
// On another stack's load balancer (Attach) it adds nothing: the tasks join
// the host's previews group, which the host's load balancer already reaches.
func (c *LoadBalancer) AllowTo(ctx *pulumi.Context, name string, svc config.ServiceConfig, tasks *ec2.SecurityGroup) error {
	if c.securityGroup == nil {
		return nil
	}
	_, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-alb-out", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           c.securityGroup.ID(),
		ReferencedSecurityGroupId: tasks.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(svc.Port),
		ToPort:                    pulumi.Int(svc.Port),
		Description:               pulumi.String(fmt.Sprintf("to %s tasks", svc.Name)),
		Tags:                      c.tags,
	}, pulumi.Parent(c))
	return err
}
