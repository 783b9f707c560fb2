package infra

import (
	"fmt"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/outputs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// HostStackName is the stack reference of a preview's host: the same
// organization and project, the stack the preview names.
func HostStackName(ctx *pulumi.Context, host string) string {
	return fmt.Sprintf("%s/%s/%s", ctx.Organization(), ctx.Project(), host)
}

// buildPreview composes a preview from what its host tells it: its own cluster
// (free, and so the previews role reaches its services by name alone), its
// services on the host's subnets behind a listener of their own on the host's
// load balancer, and its own tables. The network, load balancer and
// repositories are the host's; the preview changes none of them.
func buildPreview(ctx *pulumi.Context, cfg *config.Config, now time.Time) error {
	host, err := outputs.RequirePreviewHost(ctx, HostStackName(ctx, cfg.PreviewOf))
	if err != nil {
		return err
	}
	if err := cfg.ResolvePreview(host); err != nil {
		return err
	}
	tags := stackTags(cfg)
	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return fmt.Errorf("looking up the AWS account: %w", err)
	}
	s := &stack{services: map[string]*Service{}}
	if s.cluster, err = NewCluster(ctx, "app", &ClusterArgs{Settings: cfg.Cluster, Tags: tags}); err != nil {
		return err
	}
	attach := &AttachArgs{
		LoadBalancerArn: host.LoadBalancerArn, DNSName: host.LoadBalancerDNSName,
		SecurityGroupID: host.LoadBalancerSecurityGroupID, Port: cfg.Preview.Port,
	}
	if host.SiteName != "" {
		attach.Site = &AttachSite{
			HostName: config.PreviewSiteName(cfg.Stack, host.SiteName), ListenerArn: host.HTTPSListenerArn,
			Priority: func(i int) int { return host.SiteRulePriority(cfg.Preview.Port, i) },
		}
	}
	if s.web, err = NewLoadBalancer(ctx, "web", &LoadBalancerArgs{
		VpcID: pulumi.String(host.VpcID), Services: cfg.Services, Tags: tags, Attach: attach,
	}); err != nil {
		return err
	}
	if len(cfg.Tables) > 0 {
		if s.database, err = NewDatabase(ctx, "data", &DatabaseArgs{Tables: cfg.Tables, Tags: tags}); err != nil {
			return err
		}
	}
	placement := TaskPlacement{
		VpcID: pulumi.String(host.VpcID), SubnetIDs: pulumi.ToStringArray(host.TaskSubnetIDs), AssignPublicIP: host.AssignPublicIP,
		SecurityGroupIDs: pulumi.StringArray{pulumi.String(host.PreviewTasksSecurityGroupID)},
	}
	grants := tableGrants(cfg.Tables, s.database)
	for _, svc := range cfg.Services {
		if s.services[svc.Name], err = NewService(ctx, "app-"+svc.Name, &ServiceArgs{
			Service: svc, Cluster: s.cluster, Settings: cfg.Cluster, Region: cfg.Region, AccountID: identity.AccountId,
			Placement: placement, LoadBalancer: s.web, RepositoryURL: pulumi.String(host.RepositoryURLs[svc.Name]),
			Grants: grants[svc.Name], FixedCount: true, Tags: tags,
			Asleep: svc.Schedule != nil && svc.Schedule.AsleepAt(now),
		}); err != nil {
			return err
		}
	}
	s.exportPreview(ctx, cfg, host)
	return nil
}

// exportPreview publishes a preview's outputs: the contract's that a preview
// has (no network, repositories of its own or roles), and whose preview it is.
func (s *stack) exportPreview(ctx *pulumi.Context, cfg *config.Config, host config.PreviewHost) {
	ctx.Export(outputs.Region, pulumi.String(cfg.Region))
	ctx.Export(outputs.AlbDNSName, s.web.DNSName)
	ctx.Export(outputs.URL, s.web.URL)
	ctx.Export(outputs.ClusterName, s.cluster.Name)
	serviceNames, logGroups, tagParams, repos := pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}
	for name, svc := range s.services {
		serviceNames[name], logGroups[name] = svc.ServiceName, svc.LogGroupName
		if svc.rolledOut {
			tagParams[name] = svc.ImageTagParameter
			repos[name] = pulumi.String(host.RepositoryURLs[name])
		}
	}
	ctx.Export(outputs.ServiceNames, serviceNames)
	ctx.Export(outputs.LogGroupNames, logGroups)
	ctx.Export(outputs.ImageTagParameters, tagParams)
	ctx.Export(outputs.RepositoryURLs, repos)
	ctx.Export(outputs.ImagePlatforms, imagePlatforms(cfg.Services))
	if s.database != nil {
		ctx.Export(outputs.TableNames, s.database.TableNames)
	}
	ctx.Export(outputs.PreviewOf, pulumi.String(cfg.PreviewOf))
	ctx.Export(outputs.ContractVersion, pulumi.Int(outputs.Version))
}
