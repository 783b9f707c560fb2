// Package mocks is fargo's fake AWS: a pulumi.MockResourceMonitor that records every
// resource the program registers and answers with deterministic ids, ARNs, names and
// look-ups. The offline plan and the tests both run the program against it.
package mocks

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fargo-dev/fargo/internal/awstypes"
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
	invoked       map[string]bool
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
	switch t, known := awstypes.Lookup(reg.Type); {
	case !known && strings.HasPrefix(reg.Type, "aws:") && args.Custom:
		return "", nil, &awstypes.MissingError{Token: reg.Type}
	case m.opts.Preview: // a new stack's preview knows no ids and no computed outputs
	case known && args.Custom:
		var err error
		if id, err = m.answer(t, reg.Name, reg.URN, args.Inputs, outs); err != nil {
			return "", nil, err
		}
	case args.Custom: // a provider: its id only matters as known
		id = short(reg.URN, 12)
		outs["id"] = resource.NewProperty(id)
	case reg.Type == awsxImage:
		if url := outs["repositoryUrl"]; url.IsString() {
			outs["imageUri"] = resource.NewProperty(url.StringValue() + "@sha256:" + short(reg.URN, 64))
		}
	}
	reg.ID, reg.Outputs = id, outs

	m.mu.Lock()
	m.registrations = append(m.registrations, reg)
	m.mu.Unlock()
	return id, outs, nil
}

// awsxImage is awsx's image build, a remote component the mocks answer as built.
const awsxImage = "awsx:ecr:Image"

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

// Invoked returns the function tokens called so far, sorted.
func (m *Monitor) Invoked() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.invoked))
}

// Call answers provider function invokes.
func (m *Monitor) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	if m.invoked == nil {
		m.invoked = map[string]bool{}
	}
	m.invoked[args.Token] = true
	m.mu.Unlock()
	region := m.opts.Region
	if _, known := awstypes.LookupFunction(args.Token); !known && strings.HasPrefix(args.Token, "aws:") {
		return nil, &awstypes.MissingError{Token: args.Token}
	}
	if slices.Contains(m.opts.Denied, args.Token) {
		return nil, fmt.Errorf("operation error: AccessDeniedException: the caller is not authorized to call %s", args.Token)
	}
	switch args.Token {
	case awstypes.GetAvailabilityZones:
		names, err := m.zones(region)
		if err != nil {
			return nil, err
		}
		var ids []string
		for i := range names {
			ids = append(ids, fmt.Sprintf("%s-az%d", regionCode(region), i+1))
		}
		return resource.NewPropertyMapFromMap(map[string]any{"names": names, "zoneIds": ids, "id": region}), nil
	case awstypes.GetCallerIdentity:
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": AccountID, "arn": "arn:aws:iam::" + AccountID + ":user/plan", "userId": "AIDAPLAN", "id": AccountID,
		}), nil
	case awstypes.GetParameter:
		name := args.Args["name"].StringValue()
		value := m.opts.ImageTag
		if strings.HasPrefix(name, "/aws/service/ami-") {
			value = "ami-" + short(name, 17) // AWS's public image parameters
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": name, "type": "String", "value": value, "insecureValue": value,
			"arn": fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", region, AccountID, name), "id": name, "version": 1,
		}), nil
	case awstypes.GetOpenIDConnectProvider:
		return resource.NewPropertyMapFromMap(map[string]any{
			"arn": "arn:aws:iam::" + AccountID + ":oidc-provider/token.actions.githubusercontent.com",
			"url": "token.actions.githubusercontent.com", "clientIdLists": []string{"sts.amazonaws.com"}, "id": "oidc",
		}), nil
	case awstypes.GetZone:
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

// expand fills one of the catalogue's templates for a resource: {region},
// {account}, {id}, {hashN} (N hex digits of the URN's hash) and its outputs.
func (m *Monitor) expand(template, urn, id string, out resource.PropertyMap) (string, error) {
	return awstypes.Expand(template, func(key string) (string, bool) {
		switch key {
		case "region":
			return m.opts.Region, true
		case "account":
			return AccountID, true
		case "id":
			return id, id != ""
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(key, "hash")); err == nil && strings.HasPrefix(key, "hash") {
			if n < 1 || n > sha256.Size*2 {
				return "", false
			}
			return short(urn, n), true
		}
		if v, ok := out[resource.PropertyKey(key)]; ok && v.IsString() {
			return v.StringValue(), true
		}
		return "", false
	})
}

// autoName is the physical name Pulumi would give: the logical name and a random suffix.
func autoName(name, urn string) string { return name + "-" + short(urn, 7) }

// answer fills a custom resource's state as AWS would: its catalogue entry's id,
// name and ARN, and the outputs the program reads (fill).
func (m *Monitor) answer(t awstypes.Type, name, urn string, in, out resource.PropertyMap) (string, error) {
	if _, named := in["name"]; t.AutoName && !named {
		out["name"] = resource.NewProperty(autoName(name, urn))
	}
	m.fill(t.Token, urn, in, out)
	// An id is the ARN for many types (ID "{arn}"), and the ARN holds the id
	// for others ("{id}"): whichever the other needs comes first.
	idTemplate := cmp.Or(t.ID, "{hash12}")
	idFromARN := strings.Contains(idTemplate, "{arn}")
	id := ""
	var err error
	if !idFromARN {
		if id, err = m.expand(idTemplate, urn, "", out); err != nil {
			return "", fmt.Errorf("%s %s: id: %w", t.Token, name, err)
		}
	}
	if t.ARN != "" {
		arn, err := m.expand(t.ARN, urn, id, out)
		if err != nil {
			return "", fmt.Errorf("%s %s: arn: %w", t.Token, name, err)
		}
		out["arn"] = resource.NewProperty(arn)
	}
	if idFromARN {
		if id, err = m.expand(idTemplate, urn, "", out); err != nil {
			return "", fmt.Errorf("%s %s: id: %w", t.Token, name, err)
		}
	}
	out["id"] = resource.NewProperty(id)
	return id, nil
}

// fill adds the outputs, beyond the id, name and ARN, that the provider would
// compute and the program reads.
func (m *Monitor) fill(typ, urn string, in, out resource.PropertyMap) {
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	str := func(k string) string {
		if v, ok := out[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	region := m.opts.Region
	switch typ {
	case awstypes.VPC:
		set("defaultSecurityGroupId", "sg-"+short(urn+"default", 17))
		set("mainRouteTableId", "rtb-"+short(urn+"main", 17))
	case awstypes.EIP:
		set("allocationId", "eipalloc-"+short(urn, 17)) // its id
		set("publicIp", "203.0.113.10")                 // documentation range
	case awstypes.Instance:
		set("primaryNetworkInterfaceId", "eni-"+short(urn, 17))
	case awstypes.ECRRepository:
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, region, str("name")))
		set("registryId", AccountID)
	case awstypes.LoadBalancer:
		set("arnSuffix", "app/"+str("name")+"/"+short(urn, 16))
		set("dnsName", fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", str("name"), short(urn+"dns", 9), region))
		set("zoneId", "ZWKZPGTI48KDX")
	case awstypes.TargetGroup:
		set("arnSuffix", "targetgroup/"+str("name")+"/"+short(urn, 16))
	case awstypes.ECSTaskDefinition:
		set("revision", 1)
	case awstypes.IAMRole:
		if _, ok := in["path"]; !ok {
			set("path", "/")
		}
	case awstypes.Route53Zone:
		set("zoneId", "Z0"+strings.ToUpper(short(urn, 12)))
		set("nameServers", []string{"ns-101.awsdns-12.com", "ns-202.awsdns-25.net", "ns-303.awsdns-37.org", "ns-404.awsdns-50.co.uk"})
	case awstypes.ACMCertificate:
		domain := str("domainName")
		set("domainValidationOptions", []map[string]any{{
			"domainName":          domain,
			"resourceRecordName":  "_" + short(urn+"n", 32) + "." + domain + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_" + short(urn+"v", 32) + ".acm-validations.aws.",
		}})
	case awstypes.Route53Record:
		set("fqdn", strings.TrimSuffix(str("name"), "."))
	}
}

// Region is the fake region.
func (m *Monitor) Region() string { return m.opts.Region }
