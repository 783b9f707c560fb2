// Package mocks is fargo's fake AWS: a pulumi.MockResourceMonitor that records every
// resource the program registers and answers with deterministic ids, ARNs, names and
// look-ups. The offline plan and the tests both run the program against it.
package mocks

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// AccountID is the fake AWS account every ARN is in.
const AccountID = "123456789012"

// DefaultImageTag is the tag the fake SSM parameter holds: plans show services as
// deployed, which is what their cost and checks should describe.
const DefaultImageTag = "0a1b2c3"

// Options shape the fake AWS.
type Options struct {
	// Region is the fake region; required.
	Region string
	// ImageTag is what every image tag parameter holds; DefaultImageTag when empty.
	// Set it to infra.NoImageTag to model a fresh account.
	ImageTag string
	// ZoneCount overrides how many availability zones the region has; zero means
	// the region's real zones (RegionZones).
	ZoneCount int
	// Preview models `pulumi preview` of a new stack: resources report no ids and
	// no computed outputs, so everything derived from them is unknown.
	Preview bool
	// Now is the moment the modelled deploy runs, which decides whether a
	// scheduled service is asleep; zero means the real time.
	Now time.Time
	// StackOutputs are the outputs of the stacks a stack reference may read,
	// by stack name (the reference's last part).
	StackOutputs map[string]map[string]any
	// Denied are the function tokens the caller may not call: each answers as
	// AWS refuses a role without the permission.
	Denied []string
}

// Registration is one resource the program registered.
type Registration struct {
	URN, Type, Name, Parent, ID, Provider string
	Custom, Remote                        bool
	Inputs, Outputs                       resource.PropertyMap
	Dependencies, IgnoreChanges           []string
	ReplaceOnChanges                      []string
	Protect, RetainOnDelete               bool
	Version                               string
	// Aliases are the URNs the resource declares it was known by before
	// (pulumi.Aliases), resolved as the engine resolves them.
	Aliases []string
	// BeforeDelete names the hooks the engine runs before deleting it.
	BeforeDelete []string
}

// Monitor records registrations and answers calls.
type Monitor struct {
	project, stack string
	opts           Options

	mu            sync.Mutex
	registrations []Registration
}

// New returns a Monitor for a project and stack.
func New(project, stack string, opts Options) *Monitor {
	if opts.ImageTag == "" {
		opts.ImageTag = DefaultImageTag
	}
	return &Monitor{project: project, stack: stack, opts: opts}
}

// Registrations returns what was registered, in registration order.
func (m *Monitor) Registrations() []Registration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Registration(nil), m.registrations...)
}

// NewResource records a registration and returns its fake id and state.
func (m *Monitor) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	reg := Registration{Type: args.TypeToken, Name: args.Name, Custom: args.Custom, Provider: args.Provider, Inputs: args.Inputs}
	if rpc := args.RegisterRPC; rpc != nil {
		// The raw request keeps unknown values, which args.Inputs drops in a preview.
		if raw, err := plugin.UnmarshalProperties(rpc.GetObject(), plugin.MarshalOptions{
			KeepUnknowns: true, KeepSecrets: true, KeepResources: true,
		}); err == nil {
			reg.Inputs = raw
		}
		reg.Parent, reg.Remote = rpc.GetParent(), rpc.GetRemote()
		reg.Dependencies, reg.IgnoreChanges = rpc.GetDependencies(), rpc.GetIgnoreChanges()
		reg.ReplaceOnChanges = rpc.GetReplaceOnChanges()
		reg.Protect, reg.Version = rpc.GetProtect(), rpc.GetVersion()
		reg.RetainOnDelete = rpc.GetRetainOnDelete()
		reg.BeforeDelete = rpc.GetHooks().GetBeforeDelete()
	}
	if args.ReadRPC != nil {
		reg.Parent = args.ReadRPC.GetParent()
	}
	reg.URN = m.urn(reg.Parent, reg.Type, reg.Name)
	if rpc := args.RegisterRPC; rpc != nil {
		reg.Aliases = m.aliases(reg, rpc)
	}
	if reg.Type == StackReferenceType {
		return m.stackReference(reg, args.ID)
	}

	outs := args.Inputs.Copy()
	id := ""
	if args.Custom && !m.opts.Preview {
		id = m.fakeID(reg.Type, reg.URN)
		if name, ok := args.Inputs["name"]; ok && name.IsString() && reg.Type == "aws:ssm/parameter:Parameter" {
			id = name.StringValue() // a parameter's id is its name
		}
	}
	if !m.opts.Preview {
		m.fill(reg.Type, reg.Name, reg.URN, id, args.Inputs, outs)
	}
	reg.ID, reg.Outputs = id, outs

	m.mu.Lock()
	m.registrations = append(m.registrations, reg)
	m.mu.Unlock()
	return id, outs, nil
}

// StackReferenceType is a stack reference's type token.
const StackReferenceType = "pulumi:pulumi:StackReference"

// stackReference answers a stack reference's read with the referenced stack's
// outputs, as the engine does; its state, like the engine's, is an external
// resource whose id is the stack's name.
func (m *Monitor) stackReference(reg Registration, name string) (string, resource.PropertyMap, error) {
	stack := name[strings.LastIndex(name, "/")+1:]
	outs := resource.PropertyMap{
		"name":    resource.NewProperty(name),
		"outputs": resource.NewProperty(resource.NewPropertyMapFromMap(m.opts.StackOutputs[stack])),
	}
	reg.Custom, reg.ID, reg.Outputs = true, name, outs
	m.mu.Lock()
	m.registrations = append(m.registrations, reg)
	m.mu.Unlock()
	return name, outs, nil
}

// Call answers provider function invokes.
func (m *Monitor) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	region := m.opts.Region
	if slices.Contains(m.opts.Denied, args.Token) {
		return nil, fmt.Errorf("operation error: AccessDeniedException: the caller is not authorized to call %s", args.Token)
	}
	switch args.Token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		names, err := m.zones(region)
		if err != nil {
			return nil, err
		}
		var ids []string
		for i := range names {
			ids = append(ids, fmt.Sprintf("%s-az%d", regionCode(region), i+1))
		}
		return resource.NewPropertyMapFromMap(map[string]any{"names": names, "zoneIds": ids, "id": region}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": AccountID, "arn": "arn:aws:iam::" + AccountID + ":user/plan", "userId": "AIDAPLAN", "id": AccountID,
		}), nil
	case "aws:ssm/getParameter:getParameter":
		name := args.Args["name"].StringValue()
		value := m.opts.ImageTag
		if strings.HasPrefix(name, "/aws/service/ami-") {
			value = "ami-" + short(name, 17) // AWS's public image parameters
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": name, "type": "String", "value": value, "insecureValue": value,
			"arn": fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", region, AccountID, name), "id": name, "version": 1,
		}), nil
	case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
		return resource.NewPropertyMapFromMap(map[string]any{
			"arn": "arn:aws:iam::" + AccountID + ":oidc-provider/token.actions.githubusercontent.com",
			"url": "token.actions.githubusercontent.com", "clientIdLists": []string{"sts.amazonaws.com"}, "id": "oidc",
		}), nil
	case "aws:route53/getZone:getZone":
		name := ""
		if v, ok := args.Args["name"]; ok && v.IsString() {
			name = v.StringValue()
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": name, "zoneId": "Z0EXISTING" + strings.ToUpper(short(name, 8)), "id": "Z0EXISTING" + strings.ToUpper(short(name, 8)),
			"nameServers": []string{"ns-1.awsdns-01.org", "ns-2.awsdns-02.net"},
		}), nil
	}
	return resource.PropertyMap{}, nil
}

// urn computes a resource's URN as the engine does.
func (m *Monitor) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

// aliases resolves a registration's own aliases to URNs: a full URN as given, a
// spec by its fields, each unset one taken from the resource itself (its name,
// type and parent). The aliases a child inherits from an aliased parent, which
// the engine derives, are not: a renamed component's children then show as gone
// to the URN lock, which errs on the safe side.
func (m *Monitor) aliases(reg Registration, rpc *pulumirpc.RegisterResourceRequest) []string {
	out := slices.Clone(rpc.GetAliasURNs())
	for _, a := range rpc.GetAliases() {
		if urn := a.GetUrn(); urn != "" {
			out = append(out, urn)
			continue
		}
		spec := a.GetSpec()
		if spec == nil {
			continue
		}
		name, typ, parent := cmp.Or(spec.GetName(), reg.Name), cmp.Or(spec.GetType(), reg.Type), reg.Parent
		switch {
		case spec.GetNoParent():
			parent = ""
		case spec.GetParentUrn() != "":
			parent = spec.GetParentUrn()
		}
		out = append(out, m.urn(parent, typ, name))
	}
	return out
}

// StackURN is the root stack resource's URN.
func (m *Monitor) StackURN() string {
	return string(resource.DefaultRootStackURN(tokens.QName(m.stack), tokens.PackageName(m.project)))
}

func short(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

func regionCode(region string) string {
	parts := strings.Split(region, "-")
	code := ""
	for _, p := range parts {
		if p != "" {
			code += p[:1]
		}
	}
	return strings.ToLower(code) + strings.TrimLeft(region[len(region)-1:], "-")
}

// fakeID returns an id shaped like the real one for the types fargo uses.
func (m *Monitor) fakeID(typ, urn string) string {
	h := short(urn, 17)
	switch typ {
	case "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
		return "sg-" + h
	case "aws:ec2/vpc:Vpc":
		return "vpc-" + h
	case "aws:ec2/subnet:Subnet":
		return "subnet-" + h
	case "aws:ec2/routeTable:RouteTable":
		return "rtb-" + h
	case "aws:ec2/internetGateway:InternetGateway":
		return "igw-" + h
	case "aws:ec2/natGateway:NatGateway":
		return "nat-" + h
	case "aws:ec2/instance:Instance":
		return "i-" + h
	case "aws:ec2/eip:Eip":
		return "eipalloc-" + h
	case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
		return "sgr-" + h
	}
	return short(urn, 12)
}

// autoName is the physical name Pulumi would give: the logical name and a random suffix.
func autoName(name, urn string) string { return name + "-" + short(urn, 7) }

func (m *Monitor) arn(service, resourcePath string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, m.opts.Region, AccountID, resourcePath)
}

// fill adds the outputs the provider would compute and the program reads.
func (m *Monitor) fill(typ, name, urn, id string, in, out resource.PropertyMap) {
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	setDefault := func(k string, v any) {
		if _, ok := in[resource.PropertyKey(k)]; !ok {
			set(k, v)
		}
	}
	str := func(k string) string {
		if v, ok := out[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	region := m.opts.Region
	if id != "" {
		set("id", id)
	}
	switch typ {
	case "aws:ec2/vpc:Vpc":
		set("arn", m.arn("ec2", "vpc/"+id))
		set("defaultSecurityGroupId", "sg-"+short(urn+"default", 17))
		set("mainRouteTableId", "rtb-"+short(urn+"main", 17))
	case "aws:ec2/subnet:Subnet":
		set("arn", m.arn("ec2", "subnet/"+id))
	case "aws:ec2/eip:Eip":
		set("allocationId", "eipalloc-"+short(urn, 17))
		set("publicIp", "203.0.113.10") // documentation range
	case "aws:ec2/instance:Instance":
		set("primaryNetworkInterfaceId", "eni-"+short(urn, 17))
		set("arn", m.arn("ec2", "instance/"+id))
	case "aws:ecr/repository:Repository":
		setDefault("name", autoName(name, urn))
		set("arn", m.arn("ecr", "repository/"+str("name")))
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, region, str("name")))
		set("registryId", AccountID)
	case "aws:lb/loadBalancer:LoadBalancer":
		setDefault("name", autoName(name, urn))
		set("arn", m.arn("elasticloadbalancing", "loadbalancer/app/"+str("name")+"/"+short(urn, 16)))
		set("arnSuffix", "app/"+str("name")+"/"+short(urn, 16))
		set("dnsName", fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", str("name"), short(urn+"dns", 9), region))
		set("zoneId", "ZWKZPGTI48KDX")
	case "aws:lb/targetGroup:TargetGroup":
		setDefault("name", autoName(name, urn))
		set("arn", m.arn("elasticloadbalancing", "targetgroup/"+str("name")+"/"+short(urn, 16)))
		set("arnSuffix", "targetgroup/"+str("name")+"/"+short(urn, 16))
	case "aws:lb/listener:Listener":
		// As AWS names them: the load balancer's name and id, then the
		// listener's id (policies quote them, and their size is checked).
		parent := strings.Replace(str("loadBalancerArn"), ":loadbalancer/", ":listener/", 1)
		if !strings.Contains(parent, ":listener/") {
			parent = m.arn("elasticloadbalancing", "listener/app/"+autoName("lb", urn)+"/"+short(urn+"lb", 16))
		}
		set("arn", parent+"/"+short(urn, 16))
	case "aws:lb/listenerRule:ListenerRule":
		parent := strings.Replace(str("listenerArn"), ":listener/", ":listener-rule/", 1)
		if !strings.Contains(parent, ":listener-rule/") {
			parent = m.arn("elasticloadbalancing", "listener-rule/app/"+autoName("lb", urn)+"/"+short(urn+"lb", 16)+"/"+short(urn+"listener", 16))
		}
		set("arn", parent+"/"+short(urn, 16))
	case "aws:ecs/cluster:Cluster":
		setDefault("name", autoName(name, urn))
		set("arn", m.arn("ecs", "cluster/"+str("name")))
	case "aws:ecs/service:Service":
		setDefault("name", autoName(name, urn))
		set("arn", m.arn("ecs", "service/"+str("name")))
	case "aws:ecs/taskDefinition:TaskDefinition":
		set("revision", 1)
		set("arn", m.arn("ecs", "task-definition/"+str("family")+":1"))
	case "aws:iam/role:Role":
		setDefault("name", autoName(name, urn))
		path := str("path")
		if path == "" {
			path = "/"
		}
		set("arn", "arn:aws:iam::"+AccountID+":role"+path+str("name"))
	case "aws:cloudwatch/logGroup:LogGroup":
		setDefault("name", autoName(name, urn))
		set("arn", m.arn("logs", "log-group:"+str("name")))
	case "aws:ssm/parameter:Parameter":
		set("arn", m.arn("ssm", "parameter"+str("name")))
	case "aws:route53/zone:Zone":
		set("zoneId", "Z0"+strings.ToUpper(short(urn, 12)))
		set("nameServers", []string{"ns-101.awsdns-12.com", "ns-202.awsdns-25.net", "ns-303.awsdns-37.org", "ns-404.awsdns-50.co.uk"})
	case "aws:acm/certificate:Certificate":
		domain := str("domainName")
		set("arn", m.arn("acm", "certificate/"+short(urn, 32)))
		set("domainValidationOptions", []map[string]any{{
			"domainName":          domain,
			"resourceRecordName":  "_" + short(urn+"n", 32) + "." + domain + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_" + short(urn+"v", 32) + ".acm-validations.aws.",
		}})
	case "aws:acm/certificateValidation:CertificateValidation":
		set("certificateArn", str("certificateArn"))
	case "aws:route53/record:Record":
		set("fqdn", strings.TrimSuffix(str("name"), "."))
	case "awsx:ecr:Image":
		set("imageUri", str("repositoryUrl")+"@sha256:"+short(urn, 64))
	case "aws:dynamodb/table:Table":
		set("arn", m.arn("dynamodb", "table/"+str("name")))
	case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
		set("arn", "arn:aws:iam::"+AccountID+":oidc-provider/token.actions.githubusercontent.com")
	case "aws:budgets/budget:Budget":
		setDefault("name", autoName(name, urn))
	default:
		if id != "" {
			set("arn", m.arn(strings.Split(strings.TrimPrefix(typ, "aws:"), "/")[0], name))
		}
	}
}

// Region is the fake region.
func (m *Monitor) Region() string { return m.opts.Region }
