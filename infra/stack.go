package infra

import (
	"fmt"

	"github.com/fargo-dev/fargo/outputs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program is the fargo stack. It reads and validates the configuration once, before
// registering any resource, then composes the components and exports the outputs.
func Program(ctx *pulumi.Context) error {
	cfg, err := ParseConfig(ctx.Project(), ctx.Stack(), ctx.GetConfig)
	if err != nil {
		return err
	}
	return Build(ctx, cfg)
}

// Build composes the components for a validated configuration.
func Build(ctx *pulumi.Context, cfg *Config) error {
	tags := pulumi.StringMap{
		"fargo-project": pulumi.String(cfg.Project),
		"fargo-stack":   pulumi.String(cfg.Stack),
		"managed-by":    pulumi.String("pulumi"),
	}
	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return fmt.Errorf("looking up the AWS account: %w", err)
	}
	names := make([]string, len(cfg.Services))
	for i, s := range cfg.Services {
		names[i] = s.Name
	}

	network, err := NewNetwork(ctx, "network", &NetworkArgs{
		Cidr: cfg.Network.Cidr, AvailabilityZones: cfg.Network.AvailabilityZones, Nat: cfg.Network.Nat,
		Region: cfg.Region, Tags: tags,
	})
	if err != nil {
		return err
	}
	registry, err := NewRegistry(ctx, "registry", &RegistryArgs{Services: names, Settings: cfg.Registry, Tags: tags})
	if err != nil {
		return err
	}

	var database *Database
	grants := map[string][]TableGrant{}
	if len(cfg.Tables) > 0 {
		database, err = NewDatabase(ctx, "data", &DatabaseArgs{Tables: cfg.Tables, DeletionProtection: cfg.DeletionProtection, Tags: tags})
		if err != nil {
			return err
		}
		for _, t := range cfg.Tables {
			for _, svc := range sortedKeys(t.Services) {
				grants[svc] = append(grants[svc], TableGrant{
					Table: t.Name, Arn: database.TableArns[t.Name], Indexes: t.IndexNames(), Write: t.Services[svc] == AccessReadWrite,
				})
			}
		}
	}

	var dns *Dns
	var site *SiteArgs
	if cfg.Domain != nil {
		dns, err = NewDns(ctx, "dns", &DnsArgs{Domain: *cfg.Domain, Tags: tags})
		if err != nil {
			return err
		}
		site = &SiteArgs{DomainName: cfg.Domain.Name(), ZoneID: dns.ZoneID, CertificateArn: dns.CertificateArn}
	}

	web, err := NewLoadBalancer(ctx, "web", &LoadBalancerArgs{
		VpcID:              network.VpcID,
		SubnetIDs:          network.PublicSubnetIDs,
		Services:           cfg.Services,
		DeletionProtection: cfg.DeletionProtection,
		Site:               site,
		Tags:               tags,
	})
	if err != nil {
		return err
	}
	apps, err := NewFargateService(ctx, "app", &FargateServiceArgs{
		Services:     cfg.Services,
		Cluster:      cfg.Cluster,
		Region:       cfg.Region,
		AccountID:    identity.AccountId,
		Network:      network,
		LoadBalancer: web,
		Registry:     registry,
		Grants:       grants,
		Tags:         tags,
	})
	if err != nil {
		return err
	}
	var ci *GithubRoles
	if cfg.Github != nil {
		ci, err = NewGithubRoles(ctx, "github", &GithubRolesArgs{
			Github: *cfg.Github, Region: cfg.Region, AccountID: identity.AccountId,
			Registry: registry, Apps: apps, Services: names, Tags: tags,
		})
		if err != nil {
			return err
		}
	}
	if cfg.Budget != nil {
		if _, err := NewBudget(ctx, "budget", &BudgetArgs{Budget: *cfg.Budget, Tags: tags}); err != nil {
			return err
		}
	}

	ctx.Export(outputs.Region, pulumi.String(cfg.Region))
	ctx.Export(outputs.VpcID, network.VpcID)
	ctx.Export(outputs.PublicSubnetIDs, network.PublicSubnetIDs)
	ctx.Export(outputs.PrivateSubnetIDs, network.PrivateSubnetIDs)
	ctx.Export(outputs.RepositoryURLs, registry.RepositoryURLs)
	ctx.Export(outputs.RepositoryNames, registry.RepositoryNames)
	ctx.Export(outputs.AlbDNSName, web.DNSName)
	ctx.Export(outputs.URL, web.URL)
	ctx.Export(outputs.ClusterName, apps.ClusterName)
	ctx.Export(outputs.ServiceNames, apps.ServiceNames)
	ctx.Export(outputs.LogGroupNames, apps.LogGroupNames)
	ctx.Export(outputs.ImageTagParameters, apps.ImageTagParameters)
	if ci != nil {
		ctx.Export(outputs.PreviewRoleArn, ci.PreviewRoleArn)
		ctx.Export(outputs.DeployRoleArn, ci.DeployRoleArn)
		ctx.Export(outputs.RolloutRoleArn, ci.RolloutRoleArn)
	}
	if database != nil {
		ctx.Export(outputs.TableNames, database.TableNames)
	}
	if dns != nil {
		ctx.Export(outputs.DomainName, dns.DomainName)
		ctx.Export(outputs.CertificateArn, dns.CertificateArn)
		if cfg.Domain.CreateZone {
			ctx.Export(outputs.NameServers, dns.NameServers)
		}
	}
	return nil
}
