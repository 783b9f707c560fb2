package infra

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// GitHub's OIDC issuer, the audience AWS expects, and the issuer's published thumbprints.
const (
	GithubOidcURL      = "https://token.actions.githubusercontent.com"
	GithubOidcHost     = "token.actions.githubusercontent.com"
	GithubOidcAudience = "sts.amazonaws.com"
	// CIRolePath keeps the GitHub roles out of reach of the deploy role, which
	// manages only roles under the stack's own path.
	CIRolePath = "/fargo-ci/"
)

var githubThumbprints = []string{"6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"}

// StackRolePath is the IAM path of a stack's task and execution roles.
func StackRolePath(project, stack string) string { return fmt.Sprintf("/%s/%s/", project, stack) }

// GithubRolesArgs configures GithubRoles.
type GithubRolesArgs struct {
	// Github names the repositories, branch and environment to trust.
	Github GithubConfig
	// Region and AccountID scope the policies.
	Region, AccountID string
	// Registry and Apps supply the repositories, services and roles a rollout touches.
	Registry *Registry
	Apps     *FargateService
	// Services are the service names, in order.
	Services []string
	// Tags are applied to every resource.
	Tags pulumi.StringMap
}

// GithubRoles are the roles GitHub Actions assume through OIDC, without stored keys:
// preview (read-only, pull requests), deploy (`pulumi up`, main branch or an
// environment) and rollout (push an image and roll the services, app repositories).
type GithubRoles struct {
	pulumi.ResourceState

	// PreviewRoleArn, DeployRoleArn and RolloutRoleArn are the roles' ARNs.
	PreviewRoleArn pulumi.StringOutput `pulumi:"previewRoleArn"`
	DeployRoleArn  pulumi.StringOutput `pulumi:"deployRoleArn"`
	RolloutRoleArn pulumi.StringOutput `pulumi:"rolloutRoleArn"`
}

// NewGithubRoles creates (or finds) the OIDC provider and the three roles.
func NewGithubRoles(ctx *pulumi.Context, name string, args *GithubRolesArgs, opts ...pulumi.ResourceOption) (*GithubRoles, error) {
	if args == nil || args.Registry == nil || args.Apps == nil {
		return nil, fmt.Errorf("github roles %s: args with registry and apps are required", name)
	}
	c := &GithubRoles{}
	if err := ctx.RegisterComponentResource("fargo:infra:GithubRoles", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	var providerArn pulumi.StringOutput
	if args.Github.CreateOidcProvider {
		provider, err := iam.NewOpenIdConnectProvider(ctx, name+"-oidc", &iam.OpenIdConnectProviderArgs{
			Url:             pulumi.String(GithubOidcURL),
			ClientIdLists:   pulumi.ToStringArray([]string{GithubOidcAudience}),
			ThumbprintLists: pulumi.ToStringArray(githubThumbprints),
			Tags:            args.Tags,
			// The account has one provider, which every stack's roles trust: destroying
			// the stack that created it must not cut the others off.
		}, parent, pulumi.RetainOnDelete(true))
		if err != nil {
			return nil, err
		}
		providerArn = provider.Arn
	} else {
		existing, err := iam.LookupOpenIdConnectProvider(ctx, &iam.LookupOpenIdConnectProviderArgs{Url: pulumi.StringRef(GithubOidcURL)}, parent)
		if err != nil {
			return nil, fmt.Errorf("fargo:github.createOidcProvider is false but the account has no GitHub OIDC provider (set it to true in one stack): %w", err)
		}
		providerArn = pulumi.String(existing.Arn).ToStringOutput()
	}

	p := policyScope{project: ctx.Project(), stack: ctx.Stack(), region: args.Region, account: args.AccountID}
	previewPolicy, err := toJSON(p.previewPolicy())
	if err != nil {
		return nil, err
	}
	deployPolicy, err := toJSON(p.deployPolicy())
	if err != nil {
		return nil, err
	}
	g := args.Github
	roles := []struct {
		kind     string
		subjects []string
		policy   pulumi.StringOutput
		purpose  string
	}{
		{"preview", g.PreviewSubjects(), pulumi.String(previewPolicy).ToStringOutput(), "pulumi preview from pull requests (read-only)"},
		{"deploy", g.DeploySubjects(), pulumi.String(deployPolicy).ToStringOutput(), "pulumi up of the whole stack"},
		{"rollout", g.RolloutSubjects(), p.rolloutPolicy(args), "push images and roll the services"},
	}
	arns := map[string]pulumi.StringOutput{}
	for _, r := range roles {
		trust := providerArn.ApplyT(func(arn string) (string, error) {
			return GithubTrustPolicy(arn, r.subjects)
		}).(pulumi.StringOutput)
		role, err := iam.NewRole(ctx, name+"-"+r.kind, &iam.RoleArgs{
			Path:               pulumi.String(CIRolePath),
			AssumeRolePolicy:   trust,
			Description:        pulumi.Sprintf("GitHub Actions: %s for %s", r.purpose, ctx.Stack()),
			MaxSessionDuration: pulumi.Int(3600),
			Tags:               args.Tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		if _, err := iam.NewRolePolicy(ctx, name+"-"+r.kind, &iam.RolePolicyArgs{Role: role.ID(), Policy: r.policy}, parent); err != nil {
			return nil, err
		}
		arns[r.kind] = role.Arn
	}
	c.PreviewRoleArn, c.DeployRoleArn, c.RolloutRoleArn = arns["preview"], arns["deploy"], arns["rollout"]
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"previewRoleArn": c.PreviewRoleArn, "deployRoleArn": c.DeployRoleArn, "rolloutRoleArn": c.RolloutRoleArn,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// GithubTrustPolicy lets GitHub Actions jobs with exactly these subjects, and AWS
// STS as audience, assume a role.
func GithubTrustPolicy(providerArn string, subjects []string) (string, error) {
	return toJSON(policy(statement{
		Effect:    "Allow",
		Principal: map[string]string{"Federated": providerArn},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]any{"StringEquals": {
			GithubOidcHost + ":aud": GithubOidcAudience,
			GithubOidcHost + ":sub": subjects,
		}},
	}))
}

// statement is one IAM policy statement.
type statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]string         `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

func policy(statements ...statement) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": statements}
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// policyScope holds what the CI policies are scoped to.
type policyScope struct{ project, stack, region, account string }

func (p policyScope) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, p.region, p.account, resource)
}

// ReadActions are what running the program needs at all: its look-ups. AWS offers
// no resource-level permission for these list and describe actions.
var ReadActions = []string{"ec2:DescribeAvailabilityZones", "iam:ListOpenIDConnectProviders", "route53:ListHostedZones", "route53:ListHostedZonesByName"}

// readStatements let a role run the program: its look-ups, the OIDC provider and the
// image tag parameters.
func (p policyScope) readStatements() []statement {
	return []statement{
		{Sid: "Lookups", Effect: "Allow", Action: ReadActions, Resource: []string{"*"}},
		// The NAT instance's image: AWS's public parameter, in no account.
		{Sid: "PublicImageParameter", Effect: "Allow", Action: []string{"ssm:GetParameter"},
			Resource: []string{fmt.Sprintf("arn:aws:ssm:%s::parameter%s", p.region, NatInstanceAmiParameter)}},
		// route53.LookupZone reads the zone's tags too.
		{Sid: "HostedZones", Effect: "Allow", Action: []string{"route53:GetHostedZone", "route53:ListTagsForResource"}, Resource: []string{"arn:aws:route53:::hostedzone/*"}},
		{Sid: "OidcProvider", Effect: "Allow", Action: []string{"iam:GetOpenIDConnectProvider"},
			Resource: []string{fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", p.account, GithubOidcHost)}},
		// Exactly the image tag parameters, never the stack's secrets beside them.
		{Sid: "ImageTags", Effect: "Allow", Action: []string{"ssm:GetParameter"}, Resource: []string{p.imageTagParameters()}},
	}
}

// imageTagParameters matches every image tag parameter of the stack.
func (p policyScope) imageTagParameters() string {
	return p.arn("ssm", "parameter"+ImageTagParameterName(p.project, p.stack, "*"))
}

func (p policyScope) previewPolicy() map[string]any { return policy(p.readStatements()...) }

// DeployServices are the AWS services the stack is made of; the deploy role manages
// them service-wide, which the exception register records and compensates.
var DeployServices = []string{"acm", "application-autoscaling", "budgets", "cloudwatch", "dynamodb", "ec2", "ecr", "ecs", "elasticloadbalancing", "logs", "route53", "ssm"}

// deployPolicy lets `pulumi up` manage the stack: its services, and IAM only for
// roles under the stack's path (never the CI roles, never itself).
func (p policyScope) deployPolicy() map[string]any {
	var actions []string
	for _, s := range DeployServices {
		actions = append(actions, s+":*")
	}
	stackRoles := fmt.Sprintf("arn:aws:iam::%s:role%s*", p.account, StackRolePath(p.project, p.stack))
	return policy(append(p.readStatements(),
		statement{Sid: "StackServices", Effect: "Allow", Action: actions, Resource: []string{"*"}},
		statement{Sid: "StackRoles", Effect: "Allow", Action: []string{
			"iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
			"iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
			"iam:ListRolePolicies", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRoleDescription",
		}, Resource: []string{stackRoles}},
		statement{Sid: "PassStackRoles", Effect: "Allow", Action: []string{"iam:PassRole"}, Resource: []string{stackRoles},
			Condition: map[string]map[string]any{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
		statement{Sid: "ServiceLinkedRoles", Effect: "Allow", Action: []string{"iam:CreateServiceLinkedRole"},
			Resource: []string{fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/*", p.account)},
			Condition: map[string]map[string]any{"StringEquals": {"iam:AWSServiceName": []string{
				"ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"}}}},
	)...)
}

// Rollout actions, from the aws-actions ECR login and ECS deploy documentation.
var (
	EcrPushActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
		"ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"}
	TaskDefinitionActions = []string{"ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"}
)

// rolloutPolicy lets an app rollout push to the stack's repositories, record the
// tag, replace the task definitions and update the stack's services. It names
// them by the stack's patterns, never service by service, so adding or removing a
// service leaves it unchanged: the CI roles (under /fargo-ci/, out of the deploy
// role's reach) never need an update.
func (p policyScope) rolloutPolicy(args *GithubRolesArgs) pulumi.StringOutput {
	return args.Apps.ClusterName.ApplyT(func(cluster string) (string, error) {
		return toJSON(policy(append(p.readStatements(),
			statement{Sid: "EcrLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
			statement{Sid: "EcrPush", Effect: "Allow", Action: EcrPushActions, Resource: []string{p.arn("ecr", fmt.Sprintf("repository/%s-%s-*", p.project, p.stack))}},
			statement{Sid: "RecordImageTag", Effect: "Allow", Action: []string{"ssm:GetParameter", "ssm:PutParameter"}, Resource: []string{p.imageTagParameters()}},
			statement{Sid: "TaskDefinitions", Effect: "Allow", Action: TaskDefinitionActions, Resource: []string{"*"}},
			statement{Sid: "TagTaskDefinitions", Effect: "Allow", Action: []string{"ecs:TagResource"},
				Resource: []string{p.arn("ecs", fmt.Sprintf("task-definition/%s-%s-*:*", p.project, p.stack))}},
			statement{Sid: "Services", Effect: "Allow", Action: []string{"ecs:DescribeServices", "ecs:UpdateService"}, Resource: []string{p.arn("ecs", fmt.Sprintf("service/%s/*", cluster))}},
			statement{Sid: "ScalingRead", Effect: "Allow", Action: []string{"application-autoscaling:DescribeScalableTargets"}, Resource: []string{"*"}},
			statement{Sid: "Scaling", Effect: "Allow", Action: []string{"application-autoscaling:ListTagsForResource", "application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource"},
				Resource: []string{p.arn("application-autoscaling", "scalable-target/*")}},
			statement{Sid: "PassTaskRoles", Effect: "Allow", Action: []string{"iam:PassRole"},
				Resource:  []string{fmt.Sprintf("arn:aws:iam::%s:role%s*", p.account, StackRolePath(p.project, p.stack))},
				Condition: map[string]map[string]any{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
		)...))
	}).(pulumi.StringOutput)
}
