package infra

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/naming"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/resourcegroupstaggingapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PreviewsGuardHook names the hook that keeps a host's previews' ground: it
// refuses to delete what they run on while they exist. Pulumi runs a delete hook
// only when `pulumi destroy` runs the program (--run-program), and refuses a
// destroy without it (pulumi/pulumi#19933), so no destroy of a host skips it.
// A delete whose hook the program did not register fails ("hook ... was not
// registered", pkg/resource/deploy.Deployment.RunHooks), so every stack that is
// not a preview registers it.
const PreviewsGuardHook = "fargo-previews-guard"

// previewsGuard finds the host's live previews, by the tags of their target
// groups (each preview has one per service, tagged with its stack and host),
// and returns the option that puts the guard on a resource.
func previewsGuard(ctx *pulumi.Context, cfg *config.Config) (pulumi.ResourceOption, error) {
	found, err := resourcegroupstaggingapi.GetResources(ctx, &resourcegroupstaggingapi.GetResourcesArgs{
		ResourceTypeFilters: []string{"elasticloadbalancing:targetgroup"},
		TagFilters: []resourcegroupstaggingapi.GetResourcesTagFilter{
			{Key: naming.TagProject, Values: []string{cfg.Project}},
			{Key: naming.TagPreviewOf, Values: []string{cfg.Stack}},
		},
	})
	switch {
	case err != nil && cfg.Previews == nil && strings.Contains(err.Error(), "AccessDenied"):
		// A CI role deployed before previews existed lacks tag:GetResources
		// until an administrator's up grants it; a stack that hosts no
		// previews runs as before meanwhile.
		found = &resourcegroupstaggingapi.GetResourcesResult{}
	case err != nil:
		return nil, fmt.Errorf("looking up %s's previews: %w", cfg.Stack, err)
	}
	var live []string
	for _, r := range found.ResourceTagMappingLists {
		if s := r.Tags[naming.TagStack]; s != "" && !slices.Contains(live, s) {
			live = append(live, s)
		}
	}
	slices.Sort(live)
	hook, err := ctx.RegisterResourceHook(PreviewsGuardHook, func(args *pulumi.ResourceHookArgs) error {
		return GuardPreviews(cfg.Stack, args.Name, live)
	}, &pulumi.ResourceHookOptions{OnDryRun: true})
	if err != nil {
		return nil, err
	}
	return pulumi.ResourceHooks(&pulumi.ResourceHookBinding{BeforeDelete: []*pulumi.ResourceHook{hook}}), nil
}

// GuardPreviews is the guard's verdict on deleting resource of host while the
// previews live exist: nil when there are none.
func GuardPreviews(host, resource string, live []string) error {
	if len(live) == 0 {
		return nil
	}
	return fmt.Errorf("%s hosts the previews %s, which run on %s: destroy them first (the preview workflow does when their pull requests close; or `pulumi destroy --stack <preview> --remove`), then run this again",
		host, strings.Join(live, ", "), resource)
}
