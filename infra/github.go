package infra

import (
	"fmt"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/awsiam"
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

// GithubRolesArgs configures GithubRoles.
type GithubRolesArgs struct {
	// Github names the repositories, branch and environment to trust.
	Github config.GithubConfig
	// Region and AccountID scope the policies.
	Region, AccountID string
	// Domain is the stack's site, whose records the deploy role may change; nil
	// without one.
	Domain *config.DomainConfig
	// Previews, when set, adds the previews role, which builds on these.
	Previews *PreviewsRoleArgs
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
	// PreviewsRoleArn is the previews role's ARN; empty without Previews.
	PreviewsRoleArn pulumi.StringOutput `pulumi:"previewsRoleArn"`
}

// PreviewsRoleArgs are the host's resources the previews role may add to.
type PreviewsRoleArgs struct {
	VpcID, LoadBalancerArn pulumi.StringOutput
	// HTTPSListenerArn is the host's HTTPS listener under a site, which
	// previews add their names' rules to; empty without a site.
	HTTPSListenerArn pulumi.StringOutput
	// Repository is the repository whose pull requests get previews.
	Repository string
	// Guard is the previews' guard, on the role and its policy: the previews'
	// workflow destroys them with it.
	Guard pulumi.ResourceOption
}

// NewGithubRoles creates (or finds) the OIDC provider and the three roles.
func NewGithubRoles(ctx *pulumi.Context, name string, args *GithubRolesArgs, opts ...pulumi.ResourceOption) (*GithubRoles, error) {
	if args == nil {
		return nil, fmt.Errorf("github roles %s: args are required", name)
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

	p := PolicyScope{Project: ctx.Project(), Stack: ctx.Stack(), Region: args.Region, Account: args.AccountID, Domain: args.Domain, Previews: args.Previews != nil}
	g := args.Github
	roles := []struct {
		kind     string
		subjects []string
		policy   awsiam.Document
		purpose  string
	}{
		{"preview", g.PreviewSubjects(), p.PreviewPolicy(), "pulumi preview from pull requests (read-only)"},
		{"deploy", g.DeploySubjects(), p.DeployPolicy(), "pulumi up of the whole stack"},
		{"rollout", g.RolloutSubjects(), p.RolloutPolicy(), "push images and roll the services"},
	}
	newRole := func(kind string, subjects []string, purpose string, policy pulumi.StringInput, guard pulumi.ResourceOption) (pulumi.StringOutput, error) {
		trust := providerArn.ApplyT(func(arn string) (string, error) {
			return GithubTrustPolicy(arn, subjects)
		}).(pulumi.StringOutput)
		role, err := iam.NewRole(ctx, name+"-"+kind, &iam.RoleArgs{
			Path:               pulumi.String(CIRolePath),
			AssumeRolePolicy:   trust,
			Description:        pulumi.Sprintf("GitHub Actions: %s for %s", purpose, ctx.Stack()),
			MaxSessionDuration: pulumi.Int(3600),
			Tags:               args.Tags,
		}, guarded(parent, guard))
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		if _, err := iam.NewRolePolicy(ctx, name+"-"+kind, &iam.RolePolicyArgs{Role: role.ID(), Policy: policy}, guarded(parent, guard)); err != nil {
			return pulumi.StringOutput{}, err
		}
		return role.Arn, nil
	}
	arns := map[string]pulumi.StringOutput{}
	for _, r := range roles {
		doc, err := r.policy.JSON()
		if err != nil {
			return nil, err
		}
		if arns[r.kind], err = newRole(r.kind, r.subjects, r.purpose, pulumi.String(doc), nil); err != nil {
			return nil, err
		}
	}
	c.PreviewRoleArn, c.DeployRoleArn, c.RolloutRoleArn = arns["preview"], arns["deploy"], arns["rollout"]
	c.PreviewsRoleArn = pulumi.String("").ToStringOutput()
	if pv := args.Previews; pv != nil {
		policy := pulumi.All(pv.VpcID, pv.LoadBalancerArn, pv.HTTPSListenerArn).ApplyT(func(v []any) (string, error) {
			return p.PreviewsPolicy(PreviewHostResources{VpcID: v[0].(string), LoadBalancerArn: v[1].(string), HTTPSListenerArn: v[2].(string)}).JSON()
		}).(pulumi.StringOutput)
		var err error
		// Guarded: without it the previews' workflow could not destroy them.
		if c.PreviewsRoleArn, err = newRole("previews", g.PreviewsSubjects(pv.Repository), "create, update and destroy pull request previews", policy, pv.Guard); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"previewRoleArn": c.PreviewRoleArn, "deployRoleArn": c.DeployRoleArn, "rolloutRoleArn": c.RolloutRoleArn,
		"previewsRoleArn": c.PreviewsRoleArn,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// GithubTrustPolicy lets GitHub Actions jobs with exactly these subjects, and AWS
// STS as audience, assume a role.
func GithubTrustPolicy(providerArn string, subjects []string) (string, error) {
	return awsiam.Policy(awsiam.Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Federated": providerArn},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]any{"StringEquals": {
			GithubOidcHost + ":aud": GithubOidcAudience,
			GithubOidcHost + ":sub": subjects,
		}},
	}).JSON()
}
