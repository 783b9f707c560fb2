package infra

import (
	"encoding/json"
	"fmt"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RegistryArgs configures a Registry.
type RegistryArgs struct {
	// Services names one repository each.
	Services []string
	// Settings are the lifecycle, tag and deletion rules shared by every repository.
	Settings config.RegistryConfig
	// Previews, when set, adds a repository per service for the stack's
	// previews' images, apart from the stack's own: keepTagged counts every
	// image of a repository, so previews' pushes would expire the stack's.
	Previews bool
	// Guard, when set, is given to the previews' repositories: a hook that
	// refuses to delete them while previews exist.
	Guard pulumi.ResourceOption
	// Tags are applied to every repository.
	Tags pulumi.StringMap
}

// PreviewImageDays is how long a preview's image is kept after its push: a
// pull request's preview left without a push that long loses its image.
const PreviewImageDays = 30

// Registry is one ECR repository per service, scanned on push, with a lifecycle
// policy that keeps storage (and its bill) bounded.
type Registry struct {
	pulumi.ResourceState

	// RepositoryURLs maps service name to repository URL.
	RepositoryURLs pulumi.StringMapOutput `pulumi:"repositoryUrls"`
	// RepositoryNames maps service name to repository name.
	RepositoryNames pulumi.StringMapOutput `pulumi:"repositoryNames"`
	// Repositories maps service name to its repository.
	Repositories map[string]*ecr.Repository
	// PreviewRepositoryURLs maps service name to its previews' repository URL;
	// empty without Previews.
	PreviewRepositoryURLs pulumi.StringMapOutput `pulumi:"previewRepositoryUrls"`
}

type lifecycleSelection struct {
	TagStatus   string `json:"tagStatus"`
	CountType   string `json:"countType"`
	CountUnit   string `json:"countUnit,omitempty"`
	CountNumber int    `json:"countNumber"`
}

type lifecycleRule struct {
	RulePriority int                `json:"rulePriority"`
	Description  string             `json:"description"`
	Selection    lifecycleSelection `json:"selection"`
	Action       map[string]string  `json:"action"`
}

// PreviewLifecyclePolicy expires every previews' image PreviewImageDays after its push.
func PreviewLifecyclePolicy() (string, error) {
	b, err := json.Marshal(map[string][]lifecycleRule{"rules": {{
		RulePriority: 1,
		Description:  fmt.Sprintf("Expire previews' images %d days after their push", PreviewImageDays),
		Selection:    lifecycleSelection{TagStatus: "any", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: PreviewImageDays},
		Action:       map[string]string{"type": "expire"},
	}}})
	return string(b), err
}

// LifecyclePolicy returns the ECR lifecycle policy document: untagged images expire
// after untaggedDays, and only the newest keepTagged images (of any tag status) are kept.
func LifecyclePolicy(untaggedDays, keepTagged int) (string, error) {
	type selection = lifecycleSelection
	type rule = lifecycleRule
	doc := map[string][]rule{"rules": {
		{
			RulePriority: 1,
			Description:  fmt.Sprintf("Expire untagged images after %d days", untaggedDays),
			Selection:    selection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: untaggedDays},
			Action:       map[string]string{"type": "expire"},
		},
		{
			// A rule on "any" must have the lowest precedence (highest number).
			RulePriority: 2,
			Description:  fmt.Sprintf("Keep only the newest %d images", keepTagged),
			Selection:    selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: keepTagged},
			Action:       map[string]string{"type": "expire"},
		},
	}}
	b, err := json.Marshal(doc)
	return string(b), err
}

// NewRegistry creates the repositories and their lifecycle policies.
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	if args == nil {
		return nil, fmt.Errorf("registry %s: args are required", name)
	}
	c := &Registry{Repositories: map[string]*ecr.Repository{}}
	if err := ctx.RegisterComponentResource("fargo:infra:Registry", name, c, opts...); err != nil {
		return nil, err
	}
	policy, err := LifecyclePolicy(args.Settings.UntaggedExpiryDays, args.Settings.KeepTagged)
	if err != nil {
		return nil, err
	}
	mutability := "MUTABLE"
	if args.Settings.ImmutableTags != nil && *args.Settings.ImmutableTags {
		mutability = "IMMUTABLE"
	}

	urls, names := pulumi.StringMap{}, pulumi.StringMap{}
	for _, svc := range args.Services {
		repo, err := ecr.NewRepository(ctx, name+"-"+svc, &ecr.RepositoryArgs{
			Name:                       pulumi.String(config.StackNamePrefix(ctx.Project(), ctx.Stack()) + svc),
			ImageTagMutability:         pulumi.String(mutability),
			ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
			EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
				&ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("AES256")},
			},
			ForceDelete: pulumi.Bool(args.Settings.ForceDelete),
			Tags:        args.Tags,
		}, pulumi.Parent(c))
		if err != nil {
			return nil, err
		}
		if _, err := ecr.NewLifecyclePolicy(ctx, name+"-"+svc, &ecr.LifecyclePolicyArgs{
			Repository: repo.Name,
			Policy:     pulumi.String(policy),
		}, pulumi.Parent(c)); err != nil {
			return nil, err
		}
		c.Repositories[svc] = repo
		urls[svc] = repo.RepositoryUrl
		names[svc] = repo.Name
	}
	c.RepositoryURLs = urls.ToStringMapOutput()
	c.RepositoryNames = names.ToStringMapOutput()
	previewURLs := pulumi.StringMap{}
	if args.Previews {
		if previewURLs, err = previewRepositories(ctx, c, name, args); err != nil {
			return nil, err
		}
	}
	c.PreviewRepositoryURLs = previewURLs.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"repositoryUrls":  c.RepositoryURLs,
		"repositoryNames": c.RepositoryNames,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// previewRepositories makes the previews' repository of each service: tags
// immutable, scanned on push, emptied with the stack, images kept
// PreviewImageDays.
func previewRepositories(ctx *pulumi.Context, c *Registry, name string, args *RegistryArgs) (pulumi.StringMap, error) {
	policy, err := PreviewLifecyclePolicy()
	if err != nil {
		return nil, err
	}
	urls := pulumi.StringMap{}
	for _, svc := range args.Services {
		repo, err := ecr.NewRepository(ctx, name+"-previews-"+svc, &ecr.RepositoryArgs{
			Name:                       pulumi.String(config.PreviewRepositoryName(ctx.Project(), ctx.Stack(), svc)),
			ImageTagMutability:         pulumi.String("IMMUTABLE"),
			ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
			EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
				&ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("AES256")},
			},
			ForceDelete: pulumi.Bool(true),
			Tags:        args.Tags,
		}, guarded(pulumi.Parent(c), args.Guard))
		if err != nil {
			return nil, err
		}
		if _, err := ecr.NewLifecyclePolicy(ctx, name+"-previews-"+svc, &ecr.LifecyclePolicyArgs{
			Repository: repo.Name,
			Policy:     pulumi.String(policy),
		}, pulumi.Parent(c)); err != nil {
			return nil, err
		}
		urls[svc] = repo.RepositoryUrl
	}
	return urls, nil
}

// guarded adds a guard, when there is one, to a resource's options.
func guarded(opt, guard pulumi.ResourceOption) pulumi.ResourceOption {
	if guard == nil {
		return opt
	}
	return pulumi.Composite(opt, guard)
}
