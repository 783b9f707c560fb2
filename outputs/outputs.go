// Package outputs is fargo's output contract: the names, types and meaning of every
// stack output, and a typed reader for other Pulumi Go programs that use fargo
// through a pulumi.StackReference. Renaming an output breaks its readers.
package outputs

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Version is the output contract's version, exported as ContractVersion. A new
// version adds outputs and never changes or removes one; 1 (fargo 0.1.0)
// exported no version.
const Version = 2

// Output names.
const (
	Region             = "region"
	VpcID              = "vpcId"
	PublicSubnetIDs    = "publicSubnetIds"
	PrivateSubnetIDs   = "privateSubnetIds"
	RepositoryURLs     = "repositoryUrls"
	RepositoryNames    = "repositoryNames"
	AlbDNSName         = "albDnsName"
	URL                = "url"
	ClusterName        = "clusterName"
	ServiceNames       = "serviceNames"
	LogGroupNames      = "logGroupNames"
	ImageTagParameters = "imageTagParameters"
	ImagePlatforms     = "imagePlatforms"
	TableNames         = "tableNames"
	DomainName         = "domainName"
	NameServers        = "nameServers"
	CertificateArn     = "certificateArn"
	PreviewRoleArn     = "previewRoleArn"
	DeployRoleArn      = "deployRoleArn"
	RolloutRoleArn     = "rolloutRoleArn"
	PreviewsRoleArn    = "previewsRoleArn"
	AlarmTopicArn      = "alarmTopicArn"
	ContractVersion    = "contractVersion"
	PreviewHost        = "previewHost"
	PreviewOf          = "previewOf"
)

// Output documents one stack output.
type Output struct {
	Name, Type, Meaning, Example string
	// When says when the output exists; empty means always.
	When string
}

// All is every output fargo exports, in the order the README lists them.
var All = []Output{
	{Region, "string", "AWS region of the stack", "ap-northeast-2", ""},
	{VpcID, "string", "VPC id", "vpc-0a1b2c3d4e5f67890", ""},
	{PublicSubnetIDs, "string[]", "public subnets, one per zone (the load balancer's; dev's tasks')", `["subnet-0a1b…","subnet-0c2d…"]`, ""},
	{PrivateSubnetIDs, "string[]", "private subnets, one per zone (prod's tasks); empty when nat is none", `["subnet-0e3f…","subnet-0a4b…"]`, ""},
	{RepositoryURLs, "map[service]string", "ECR repository URL per service, to push images to", `{"backend":"123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fargo-dev-backend"}`, ""},
	{RepositoryNames, "map[service]string", "ECR repository name per service", `{"backend":"fargo-dev-backend"}`, ""},
	{AlbDNSName, "string", "the load balancer's DNS name", "web-1a2b3c4-123456789.ap-northeast-2.elb.amazonaws.com", ""},
	{URL, "string", "where the site answers: https://<domain> with a domain, else http://<albDnsName>", "https://www.example.com", ""},
	{ClusterName, "string", "ECS cluster name, `<project>-<stack>`", "fargo-dev", ""},
	{ServiceNames, "map[service]string", "ECS service name per service", `{"backend":"app-backend-1a2b3c4"}`, ""},
	{LogGroupNames, "map[service]string", "CloudWatch log group per service", `{"backend":"/ecs/fargo-dev/backend"}`, ""},
	{ImageTagParameters, "map[service]string", "SSM parameter holding the image tag each service runs (written by rollouts)", `{"backend":"/fargo/dev/backend/image-tag"}`, "services built from their repository"},
	{ImagePlatforms, "map[service]string", "the platform each service's image must be built for (from its architecture)", `{"backend":"linux/amd64"}`, ""},
	{TableNames, "map[table]string", "DynamoDB table name per fargo:tables entry", `{"posts":"fargo-dev-posts"}`, "fargo:tables is set"},
	{DomainName, "string", "the site's domain name", "www.example.com", "fargo:domain is set"},
	{NameServers, "string[]", "the created zone's name servers, to copy to the registrar", `["ns-101.awsdns-12.com","…"]`, "fargo:domain.createZone is true"},
	{CertificateArn, "string", "the validated ACM certificate on the HTTPS listener", "arn:aws:acm:ap-northeast-2:123456789012:certificate/…", "fargo:domain is set"},
	{PreviewRoleArn, "string", "role GitHub pull requests assume for `pulumi preview` (read-only)", "arn:aws:iam::123456789012:role/fargo-ci/github-preview-1a2b3c4", "fargo:github is set"},
	{DeployRoleArn, "string", "role the deploy workflow assumes for `pulumi up`", "arn:aws:iam::123456789012:role/fargo-ci/github-deploy-1a2b3c4", "fargo:github is set"},
	{RolloutRoleArn, "string", "role app rollouts assume to push images and roll services", "arn:aws:iam::123456789012:role/fargo-ci/github-rollout-1a2b3c4", "fargo:github is set"},
	{AlarmTopicArn, "string", "SNS topic the deployment alarms publish to (subscribe more endpoints to it)", "arn:aws:sns:ap-northeast-2:123456789012:fargo-prod-alarms", "fargo:alarms is set"},
	{ContractVersion, "number", "this contract's version (2; fargo 0.1.0 exported none)", "2", "fargo 0.2 or later"},
	{PreviewHost, "object", "what previews read from their host: ports, services, network, load balancer, repositories (config.PreviewHost)", `{"ports":{"from":8001,"to":8010},…}`, "fargo:previews is set"},
	{PreviewsRoleArn, "string", "role the preview workflow assumes to create, update and destroy pull request previews", "arn:aws:iam::123456789012:role/fargo-ci/github-previews-1a2b3c4", "fargo:previews and fargo:github are set"},
	{PreviewOf, "string", "the stack a preview runs beside", "dev", "a preview (fargo:previewOf)"},
}

// Stack is fargo's outputs as another stack reads them.
type Stack struct {
	Region           pulumi.StringOutput
	VpcID            pulumi.StringOutput
	PrivateSubnetIDs pulumi.StringArrayOutput
	URL              pulumi.StringOutput
	AlbDNSName       pulumi.StringOutput
	ClusterName      pulumi.StringOutput
	ServiceNames     pulumi.StringMapOutput
	RepositoryURLs   pulumi.StringMapOutput
	TableNames       pulumi.StringMapOutput
}

// Read reads a fargo stack's outputs through a stack reference. An output the
// stack lacks reads as an empty value, or fails the outputs built on it later:
// Require says at once which one is missing and from which stack.
func Read(ref *pulumi.StackReference) Stack {
	str := func(name string) pulumi.StringOutput { return ref.GetStringOutput(pulumi.String(name)) }
	strMap := func(name string) pulumi.StringMapOutput {
		return ref.GetOutput(pulumi.String(name)).ApplyT(func(v any) map[string]string {
			out := map[string]string{}
			if m, ok := v.(map[string]any); ok {
				for k, e := range m {
					if s, ok := e.(string); ok {
						out[k] = s
					}
				}
			}
			return out
		}).(pulumi.StringMapOutput)
	}
	strs := func(name string) pulumi.StringArrayOutput {
		return ref.GetOutput(pulumi.String(name)).ApplyT(func(v any) []string {
			var out []string
			if l, ok := v.([]any); ok {
				for _, e := range l {
					if s, ok := e.(string); ok {
						out = append(out, s)
					}
				}
			}
			return out
		}).(pulumi.StringArrayOutput)
	}
	return Stack{
		Region:           str(Region),
		VpcID:            str(VpcID),
		PrivateSubnetIDs: strs(PrivateSubnetIDs),
		URL:              str(URL),
		AlbDNSName:       str(AlbDNSName),
		ClusterName:      str(ClusterName),
		ServiceNames:     strMap(ServiceNames),
		RepositoryURLs:   strMap(RepositoryURLs),
		TableNames:       strMap(TableNames),
	}
}

// Require references the fargo stack named stack (<organization>/fargo/<stack>)
// and reads its outputs as Read does, after checking that the stack exports every
// output Stack holds that every fargo stack exports, each of its documented type.
// Otherwise it fails, naming the stack and each output missing or mistyped, so a
// consumer pointed at a stack that is not fargo's stops before it deploys.
func Require(ctx *pulumi.Context, stack string, opts ...pulumi.ResourceOption) (Stack, error) {
	ref, err := pulumi.NewStackReference(ctx, stack, nil, opts...)
	if err != nil {
		return Stack{}, err
	}
	var missing, mistyped []string
	for _, o := range Required() {
		d, err := ref.GetOutputDetails(o.Name)
		if err != nil {
			return Stack{}, fmt.Errorf("reading output %q of stack %s: %w", o.Name, stack, err)
		}
		v := d.Value
		if d.SecretValue != nil {
			v = d.SecretValue
		}
		switch {
		case v == nil:
			missing = append(missing, fmt.Sprintf("%q", o.Name))
		case !hasType(v, o.Type):
			mistyped = append(mistyped, fmt.Sprintf("%q is %T, want %s", o.Name, v, o.Type))
		}
	}
	if len(missing) > 0 || len(mistyped) > 0 {
		return Stack{}, requireError(stack, missing, mistyped)
	}
	return Read(ref), nil
}

// Required lists the outputs Require checks: those Stack holds that a fargo stack
// exports whatever its configuration.
func Required() []Output {
	// The fields of Stack; TableNames is among them but exists only with tables.
	read := map[string]bool{Region: true, VpcID: true, PrivateSubnetIDs: true, URL: true, AlbDNSName: true,
		ClusterName: true, ServiceNames: true, RepositoryURLs: true, TableNames: true}
	var out []Output
	for _, o := range All {
		if read[o.Name] && o.When == "" {
			out = append(out, o)
		}
	}
	return out
}

// hasType reports whether a value read through a stack reference has the kind a
// documented type ("string", "string[]", "map[...]string") reads as.
func hasType(v any, typ string) bool {
	switch {
	case typ == "string":
		_, ok := v.(string)
		return ok
	case typ == "string[]":
		_, ok := v.([]any)
		return ok
	case strings.HasPrefix(typ, "map["):
		_, ok := v.(map[string]any)
		return ok
	}
	return true
}

// requireError is Require's one error for every output at fault.
func requireError(stack string, missing, mistyped []string) error {
	var parts []string
	switch len(missing) {
	case 0:
	case 1:
		parts = append(parts, "missing required output "+missing[0])
	default:
		parts = append(parts, "missing required outputs "+strings.Join(missing, ", "))
	}
	parts = append(parts, mistyped...)
	return fmt.Errorf("reading fargo stack %s: %s (every fargo stack exports them: is it one?)", stack, strings.Join(parts, "; "))
}

// RequirePreviewHost references the stack a preview runs beside (stack, as
// <organization>/fargo/<stack>) and reads its previewHost output, failing with
// what to do when the stack hosts no previews. It reads at once, so the preview's
// configuration is judged against its host before any resource is registered.
func RequirePreviewHost(ctx *pulumi.Context, stack string, opts ...pulumi.ResourceOption) (config.PreviewHost, error) {
	ref, err := pulumi.NewStackReference(ctx, stack, nil, opts...)
	if err != nil {
		return config.PreviewHost{}, err
	}
	d, err := ref.GetOutputDetails(PreviewHost)
	if err != nil {
		return config.PreviewHost{}, fmt.Errorf("reading output %q of stack %s: %w", PreviewHost, stack, err)
	}
	v := d.Value
	if d.SecretValue != nil {
		v = d.SecretValue
	}
	if v == nil {
		return config.PreviewHost{}, fmt.Errorf("stack %s exports no %q output: it hosts no previews; set fargo:previews in its stack file and `pulumi up` it (fargo 0.2 or later)", stack, PreviewHost)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return config.PreviewHost{}, err
	}
	var host config.PreviewHost
	if err := json.Unmarshal(raw, &host); err != nil {
		return config.PreviewHost{}, fmt.Errorf("stack %s's %q output is not fargo's: %w", stack, PreviewHost, err)
	}
	return host, nil
}
