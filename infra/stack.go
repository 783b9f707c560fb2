package infra

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/naming"
	"github.com/fargo-dev/fargo/outputs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program is the fargo stack. It reads and validates the configuration once, before
// registering any resource, then composes the components and exports the outputs.
// The keys themselves are checked by the caller, which knows where they come from
// (main: the CLI's PULUMI_CONFIG; the plan: the stack file).
func Program(ctx *pulumi.Context) error { return ProgramAt(time.Now())(ctx) }

// ProgramAt is Program deployed at the moment now, which decides whether a
// scheduled service is asleep and whether its schedule still fires: the offline
// plan and the tests fix it.
func ProgramAt(now time.Time) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		cfg, err := config.ParseConfigAt(ctx.Project(), ctx.Stack(), ctx.GetConfig, now)
		if err != nil {
			return err
		}
		return Build(ctx, cfg, now)
	}
}

// stack holds the components of one stack; the optional ones are nil when their
// config is absent.
type stack struct {
	network  *Network
	registry *Registry
	database *Database
	dns      *Dns
	web      *LoadBalancer
	cluster  *Cluster
	services map[string]*Service
	ci       *GithubRoles
	alerts   *Alerts
}

// Build composes the components for a validated configuration, deployed at the
// moment now (a scheduled service asleep at now stays asleep).
func Build(ctx *pulumi.Context, cfg *config.Config, now time.Time) error {
	if cfg.IsPreview() {
		return buildPreview(ctx, cfg, now)
	}
	tags := stackTags(cfg)
	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return fmt.Errorf("looking up the AWS account: %w", err)
	}
	names := serviceNames(cfg.Services)
	s := &stack{}
	// The guard's hook is registered on every host, with previews or without:
	// Pulumi runs the hooks a resource's state names when it deletes it, and
	// fails when one is not registered, so a stack that drops fargo:previews
	// still deletes its guarded resources (and is refused while previews live).
	guard, err := previewsGuard(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.Previews == nil {
		guard = nil
	}

	if s.network, err = NewNetwork(ctx, "network", &NetworkArgs{
		Network: cfg.Network, Region: cfg.Region, Tags: tags, Guard: guard,
	}); err != nil {
		return err
	}
	if s.registry, err = NewRegistry(ctx, "registry", &RegistryArgs{Services: names, Settings: cfg.Registry, Previews: cfg.Previews != nil, Guard: guard, Tags: tags}); err != nil {
		return err
	}
	if len(cfg.Tables) > 0 {
		if s.database, err = NewDatabase(ctx, "data", &DatabaseArgs{Tables: cfg.Tables, DeletionProtection: cfg.DeletionProtection, Tags: tags}); err != nil {
			return err
		}
	}
	var site *SiteArgs
	if cfg.Domain != nil {
		if s.dns, err = NewDns(ctx, "dns", &DnsArgs{Domain: *cfg.Domain, Previews: cfg.Previews != nil, Guard: guard, Tags: tags}); err != nil {
			return err
		}
		site = &SiteArgs{DomainName: cfg.Domain.Name(), ZoneID: s.dns.ZoneID, CertificateArn: s.dns.CertificateArn}
	}
	if s.web, err = NewLoadBalancer(ctx, "web", &LoadBalancerArgs{
		VpcID: s.network.VpcID, SubnetIDs: s.network.PublicSubnetIDs, Services: cfg.Services,
		DeletionProtection: cfg.DeletionProtection, Site: site, PreviewPorts: previewPorts(cfg), Guard: guard, Tags: tags,
	}); err != nil {
		return err
	}
	if s.cluster, err = NewCluster(ctx, "app", &ClusterArgs{Settings: cfg.Cluster, Tags: tags}); err != nil {
		return err
	}
	if cfg.Alarms != nil {
		if s.alerts, err = NewAlerts(ctx, "alerts", &AlertsArgs{Alarms: *cfg.Alarms, Tags: tags}); err != nil {
			return err
		}
	}
	grants := tableGrants(cfg.Tables, s.database)
	s.services = map[string]*Service{}
	for _, svc := range cfg.Services {
		if s.services[svc.Name], err = NewService(ctx, "app-"+svc.Name, &ServiceArgs{
			Service: svc, Cluster: s.cluster, Settings: cfg.Cluster, Region: cfg.Region, AccountID: identity.AccountId,
			Placement: s.network.TaskPlacement(), LoadBalancer: s.web, RepositoryURL: s.registry.Repositories[svc.Name].RepositoryUrl,
			Grants: grants[svc.Name], Tags: tags,
			Asleep: svc.Schedule != nil && svc.Schedule.AsleepAt(now), Alerts: s.alerts,
		}); err != nil {
			return err
		}
	}
	if cfg.Github != nil {
		var previews *PreviewsRoleArgs
		if cfg.Previews != nil {
			previews = &PreviewsRoleArgs{
				VpcID: s.network.VpcID, LoadBalancerArn: s.web.Arn, HTTPSListenerArn: s.web.HTTPSListenerArn,
				Repository: cfg.Previews.Repository, Guard: guard,
			}
		}
		if s.ci, err = NewGithubRoles(ctx, "github", &GithubRolesArgs{
			Github: *cfg.Github, Region: cfg.Region, AccountID: identity.AccountId, Domain: cfg.Domain, Previews: previews, Tags: tags,
		}); err != nil {
			return err
		}
	}
	if cfg.Budget != nil {
		if _, err := NewBudget(ctx, "budget", &BudgetArgs{Budget: *cfg.Budget, Tags: tags}); err != nil {
			return err
		}
	}
	return s.export(ctx, cfg)
}

// stackTags are the tags every resource of the stack carries.
func stackTags(cfg *config.Config) pulumi.StringMap {
	tags := pulumi.StringMap{
		naming.TagProject: pulumi.String(cfg.Project),
		naming.TagStack:   pulumi.String(cfg.Stack),
		"managed-by":      pulumi.String("pulumi"),
	}
	if cfg.IsPreview() {
		tags[naming.TagPreviewOf] = pulumi.String(cfg.PreviewOf)
	}
	return tags
}

// previewPorts are the ports the stack's previews take, nil without previews.
func previewPorts(cfg *config.Config) *config.PortRange {
	if cfg.Previews == nil {
		return nil
	}
	return &cfg.Previews.Ports
}

// imagePlatforms maps each service to the Docker platform of its architecture,
// so rollouts build what the task definition will run.
func imagePlatforms(services []config.ServiceConfig) pulumi.StringMap {
	out := pulumi.StringMap{}
	for _, s := range services {
		out[s.Name] = pulumi.String(s.ImagePlatform())
	}
	return out
}

func serviceNames(services []config.ServiceConfig) []string {
	names := make([]string, len(services))
	for i, s := range services {
		names[i] = s.Name
	}
	return names
}

// tableGrants lists, per service, the tables it may use.
func tableGrants(tables []config.TableConfig, db *Database) map[string][]TableGrant {
	grants := map[string][]TableGrant{}
	if db == nil {
		return grants
	}
	for _, t := range tables {
		for _, svc := range slices.Sorted(maps.Keys(t.Services)) {
			grants[svc] = append(grants[svc], TableGrant{
				Table: t.Name, Arn: db.TableArns[t.Name], Indexes: t.IndexNames(), Write: t.Services[svc] == config.AccessReadWrite,
			})
		}
	}
	return grants
}

// export publishes the output contract (package outputs).
func (s *stack) export(ctx *pulumi.Context, cfg *config.Config) error {
	ctx.Export(outputs.Region, pulumi.String(cfg.Region))
	ctx.Export(outputs.VpcID, s.network.VpcID)
	ctx.Export(outputs.PublicSubnetIDs, s.network.PublicSubnetIDs)
	ctx.Export(outputs.PrivateSubnetIDs, s.network.PrivateSubnetIDs)
	ctx.Export(outputs.RepositoryURLs, s.registry.RepositoryURLs)
	ctx.Export(outputs.RepositoryNames, s.registry.RepositoryNames)
	ctx.Export(outputs.AlbDNSName, s.web.DNSName)
	ctx.Export(outputs.URL, s.web.URL)
	ctx.Export(outputs.ClusterName, s.cluster.Name)
	serviceNames, logGroups, tagParams := pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}
	for name, svc := range s.services {
		serviceNames[name], logGroups[name] = svc.ServiceName, svc.LogGroupName
		if svc.rolledOut {
			tagParams[name] = svc.ImageTagParameter
		}
	}
	ctx.Export(outputs.ServiceNames, serviceNames)
	ctx.Export(outputs.LogGroupNames, logGroups)
	ctx.Export(outputs.ImageTagParameters, tagParams)
	ctx.Export(outputs.ImagePlatforms, imagePlatforms(cfg.Services))
	if s.database != nil {
		ctx.Export(outputs.TableNames, s.database.TableNames)
	}
	if s.dns != nil {
		ctx.Export(outputs.DomainName, s.dns.DomainName)
		ctx.Export(outputs.CertificateArn, s.dns.CertificateArn)
		if cfg.Domain.CreateZone {
			ctx.Export(outputs.NameServers, s.dns.NameServers)
		}
	}
	if s.alerts != nil {
		ctx.Export(outputs.AlarmTopicArn, s.alerts.TopicArn)
	}
	if s.ci != nil {
		ctx.Export(outputs.PreviewRoleArn, s.ci.PreviewRoleArn)
		ctx.Export(outputs.DeployRoleArn, s.ci.DeployRoleArn)
		ctx.Export(outputs.RolloutRoleArn, s.ci.RolloutRoleArn)
		if cfg.Previews != nil {
			ctx.Export(outputs.PreviewsRoleArn, s.ci.PreviewsRoleArn)
		}
	}
	ctx.Export(outputs.ContractVersion, pulumi.Int(outputs.Version))
	if cfg.Previews != nil {
		host, err := s.previewHost(cfg)
		if err != nil {
			return err
		}
		ctx.Export(outputs.PreviewHost, host)
	}
	return nil
}

// previewHost is what the stack tells its previews (config.PreviewHost).
func (s *stack) previewHost(cfg *config.Config) (pulumi.Map, error) {
	services := pulumi.Map{}
	for name, h := range config.HostServices(cfg.Services) {
		v, err := plainJSON(h)
		if err != nil {
			return nil, fmt.Errorf("describing service %s for previews: %w", name, err)
		}
		services[name] = pulumi.Any(v)
	}
	host := pulumi.Map{
		"region":                      pulumi.String(cfg.Region),
		"ports":                       pulumi.Map{"from": pulumi.Int(cfg.Previews.Ports.From), "to": pulumi.Int(cfg.Previews.Ports.To)},
		"services":                    services,
		"vpcId":                       s.network.VpcID,
		"taskSubnetIds":               s.network.TaskSubnetIDs,
		"assignPublicIp":              pulumi.Bool(s.network.AssignPublicIP),
		"loadBalancerArn":             s.web.Arn,
		"loadBalancerDnsName":         s.web.DNSName,
		"loadBalancerSecurityGroupId": s.web.SecurityGroupID,
		"previewTasksSecurityGroupId": s.web.PreviewTasksSecurityGroupID,
		"repositoryUrls":              s.registry.PreviewRepositoryURLs,
	}
	if cfg.Domain != nil {
		host["siteName"] = pulumi.String(cfg.Domain.Name())
		host["httpsListenerArn"] = s.web.HTTPSListenerArn
	}
	return host, nil
}

// plainJSON is a value as JSON decodes it (maps, lists, strings, float64s,
// bools), which an output holds as it is.
func plainJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}
