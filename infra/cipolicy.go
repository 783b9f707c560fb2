package infra

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/awsiam"
	"github.com/fargo-dev/fargo/internal/naming"
)

// PolicyScope is what a stack's CI policies are scoped to.
type PolicyScope struct {
	Project, Stack, Region, Account string
	// Domain is the stack's site; nil without one.
	Domain *config.DomainConfig
	// Previews is whether the stack hosts previews (fargo:previews).
	Previews bool
}

func (p PolicyScope) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, p.Region, p.Account, resource)
}

// ReadActions are what running the program needs at all: its look-ups. AWS offers
// no resource-level permission for these list and describe actions.
// A host of previews also lists its previews' target groups by tag (its
// previews' guard).
var ReadActions = []string{"ec2:DescribeAvailabilityZones", "iam:ListOpenIDConnectProviders", "route53:ListHostedZones", "route53:ListHostedZonesByName", "tag:GetResources"}

// readStatements let a role run the program: its look-ups, the OIDC provider and the
// image tag parameters.
func (p PolicyScope) readStatements() []awsiam.Statement {
	return []awsiam.Statement{
		awsiam.Allow("Lookups", ReadActions, "*"),
		// The NAT instance's image: AWS's public parameter, in no account.
		awsiam.Allow("PublicImageParameter", []string{"ssm:GetParameter"}, fmt.Sprintf("arn:aws:ssm:%s::parameter%s", p.Region, NatInstanceAmiParameter)),
		// route53.LookupZone reads the zone's tags too.
		awsiam.Allow("HostedZones", []string{"route53:GetHostedZone", "route53:ListTagsForResource"}, "arn:aws:route53:::hostedzone/*"),
		awsiam.Allow("OidcProvider", []string{"iam:GetOpenIDConnectProvider"}, fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", p.Account, GithubOidcHost)),
		// Exactly the image tag parameters, never the stack's secrets beside them.
		awsiam.Allow("ImageTags", []string{"ssm:GetParameter"}, p.imageTagParameters()),
	}
}

// imageTagParameters matches every image tag parameter of the stack.
func (p PolicyScope) imageTagParameters() string {
	return p.arn("ssm", "parameter"+config.ImageTagParameterName(p.Project, p.Stack, "*"))
}

func (p PolicyScope) stackRoles() string {
	return fmt.Sprintf("arn:aws:iam::%s:role%s*", p.Account, config.StackRolePath(p.Project, p.Stack))
}

// passTaskRoles lets a role hand the stack's task and execution roles to ECS tasks.
func (p PolicyScope) passTaskRoles() awsiam.Statement {
	return awsiam.Allow("PassStackRoles", []string{"iam:PassRole"}, p.stackRoles()).
		When("StringEquals", map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"})
}

// PreviewPolicy lets a pull request's `pulumi preview` read what the program looks up.
func (p PolicyScope) PreviewPolicy() awsiam.Document { return awsiam.Policy(p.readStatements()...) }

// ownTagsIfTagged admits a resource, and a request's new tags, only when they
// carry this stack's tags or none: every resource fargo makes is tagged, so no
// other stack's resource passes. For actions whose resources have no name the
// stack chooses (EC2, load balancers, certificates, scaling targets).
func (p PolicyScope) ownTagsIfTagged() map[string]any {
	return map[string]any{
		"aws:ResourceTag/" + naming.TagProject: p.Project, "aws:ResourceTag/" + naming.TagStack: p.Stack,
		"aws:RequestTag/" + naming.TagProject: p.Project, "aws:RequestTag/" + naming.TagStack: p.Stack,
	}
}

// The deploy role's actions, service by service: what the Terraform AWS provider
// calls to create, read, update and delete the resources fargo declares.
var (
	// DeployReadActions list or describe, and AWS grants them only on every resource.
	DeployReadActions = []string{
		"ec2:Describe*", "elasticloadbalancing:Describe*", "application-autoscaling:Describe*",
		"ecs:DescribeTaskDefinition", "logs:DescribeLogGroups", "ssm:DescribeParameters",
		"acm:ListCertificates", "cloudwatch:DescribeAlarms", "dynamodb:ListTables",
	}
	// DeployEc2Actions manage the network; every one is held to the stack's tags.
	DeployEc2Actions = []string{
		"ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute",
		"ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
		"ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
		"ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute",
		"ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation",
		"ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:AssociateAddress", "ec2:DisassociateAddress",
		"ec2:CreateNatGateway", "ec2:DeleteNatGateway",
		"ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
		"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
		"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules",
		"ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
		"ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints",
		"ec2:RunInstances", "ec2:TerminateInstances", "ec2:StartInstances", "ec2:StopInstances",
		"ec2:ModifyInstanceAttribute", "ec2:ModifyInstanceMetadataOptions", "ec2:ModifyInstanceCreditSpecification",
		"ec2:CreateTags", "ec2:DeleteTags",
	}
	// DeployLoadBalancerActions manage the load balancer, its target groups,
	// listeners and rules; every one is held to the stack's tags.
	DeployLoadBalancerActions = []string{
		"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
		"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
		"elasticloadbalancing:SetSubnets", "elasticloadbalancing:SetIpAddressType",
		"elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
		"elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
		"elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:ModifyListener",
		"elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
		"elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyRule",
		"elasticloadbalancing:SetRulePriorities",
		"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
	}
	// DeployScalingActions manage the services' scaling; held to the stack's tags.
	DeployScalingActions = []string{
		"application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
		"application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy",
		"application-autoscaling:PutScheduledAction", "application-autoscaling:DeleteScheduledAction",
		"application-autoscaling:TagResource", "application-autoscaling:UntagResource", "application-autoscaling:ListTagsForResource",
	}
	// DeployAlarmActions manage the deployment alarms (by name) and the target
	// tracking alarms Application Auto Scaling keeps for each service.
	DeployAlarmActions = []string{
		"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
		"cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource",
	}
	// DeployTopicActions manage the alarm topic and its e-mail subscriptions
	// (SNS authorizes subscription calls on their topic).
	DeployTopicActions = []string{
		"sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes",
		"sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource",
		"sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:ListSubscriptionsByTopic",
	}
	// DeployCertificateActions manage the site's certificate; held to the stack's tags.
	DeployCertificateActions = []string{
		"acm:RequestCertificate", "acm:DeleteCertificate", "acm:DescribeCertificate", "acm:GetCertificate",
		"acm:ListTagsForCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate", "acm:UpdateCertificateOptions",
	}
	// DeployUnscopableActions change something AWS only grants on every resource.
	// Each one's residual risk is written beside it in the README.
	DeployUnscopableActions = []string{"ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"}
)

// DeployPolicy lets `pulumi up` manage exactly the stack's resources: by the
// names the stack gives them where it names them (repositories, cluster and
// services, tables, log groups, parameters, roles, budget, alarms), by its tags
// where AWS chooses the name (network, load balancer, certificate, scaling), and
// by record name in the hosted zone. It reaches no other stack's resource
// (check IAM.STACK); what AWS cannot scope is listed in DeployUnscopableActions.
func (p PolicyScope) DeployPolicy() awsiam.Document {
	prefix := config.StackNamePrefix(p.Project, p.Stack)
	cluster := config.ClusterName(p.Project, p.Stack)
	logs := p.arn("logs", "log-group:"+strings.TrimSuffix(config.LogGroupName(p.Project, p.Stack, "*"), "*")+"*")
	tagged := p.ownTagsIfTagged()
	statements := append(p.readStatements(),
		awsiam.Allow("Describe", DeployReadActions, "*"),
		// One statement for all four, as IAM counts a role's inline policy size.
		awsiam.Allow("StackTagged", slices.Concat(DeployEc2Actions, DeployLoadBalancerActions, DeployScalingActions, DeployCertificateActions), "*").
			When("StringEqualsIfExists", tagged),
		awsiam.Allow("TaskDefinitions", DeployUnscopableActions, "*"),
		awsiam.Allow("Repositories", []string{
			"ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:ListImages",
			"ecr:BatchDeleteImage", "ecr:ListTagsForResource", "ecr:TagResource", "ecr:UntagResource",
			"ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy",
			"ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability",
			"ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy", "ecr:DeleteRepositoryPolicy",
		}, p.arn("ecr", "repository/"+prefix+"*")),
		awsiam.Allow("Cluster", []string{
			"ecs:CreateCluster", "ecs:DeleteCluster", "ecs:DescribeClusters", "ecs:UpdateCluster", "ecs:UpdateClusterSettings",
			"ecs:PutClusterCapacityProviders", "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService", "ecs:DescribeServices",
			"ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource",
		}, p.arn("ecs", "cluster/"+cluster), p.arn("ecs", "service/"+cluster+"/*"), p.arn("ecs", "task-definition/"+prefix+"*:*")),
		awsiam.Allow("Tables", []string{
			"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:Describe*",
			"dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive", "dynamodb:GetResourcePolicy",
			"dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:ListTagsOfResource",
		}, p.arn("dynamodb", "table/"+prefix+"*")),
		// Encrypted tables name DynamoDB's AWS managed key by its alias.
		awsiam.Allow("TableKey", []string{"kms:DescribeKey"}, p.arn("kms", "key/*")).
			When("StringEquals", map[string]any{"kms:RequestAlias": "alias/aws/dynamodb"}),
		awsiam.Allow("LogGroups", []string{
			"logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
			"logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource", "logs:TagLogGroup", "logs:ListTagsLogGroup",
		}, logs),
		awsiam.Allow("Alarms", DeployAlarmActions,
			p.arn("cloudwatch", "alarm:TargetTracking-service/"+cluster+"/*"), p.arn("cloudwatch", "alarm:"+prefix+"*")),
		awsiam.Allow("AlarmTopic", DeployTopicActions, p.arn("sns", config.AlarmTopicName(p.Project, p.Stack))),
		awsiam.Allow("Parameters", []string{
			"ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter", "ssm:DeleteParameter",
			"ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource",
		}, p.imageTagParameters()),
		awsiam.Allow("Budget", []string{"budgets:ViewBudget", "budgets:ModifyBudget", "budgets:TagResource", "budgets:UntagResource", "budgets:ListTagsForResource"},
			fmt.Sprintf("arn:aws:budgets::%s:budget/%s", p.Account, config.BudgetName(p.Project, p.Stack))),
		awsiam.Allow("StackRoles", []string{
			"iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
			"iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
			"iam:ListRolePolicies", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRoleDescription",
		}, p.stackRoles()),
		p.passTaskRoles(),
		awsiam.Allow("ServiceLinkedRoles", []string{"iam:CreateServiceLinkedRole"}, fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/*", p.Account)).
			When("StringEquals", map[string]any{"iam:AWSServiceName": []string{
				// events: an alarm with an EC2 action (the NAT instance's recovery)
				// needs AWSServiceRoleForCloudWatchEvents (PutMetricAlarm, API reference).
				"ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com", "events.amazonaws.com"}}),
	)
	return awsiam.Policy(append(statements, p.siteStatements()...)...)
}

// AcmValidationLabel matches the label ACM puts before a name it validates: an
// underscore and 32 hexadecimal digits, one character per "?".
const AcmValidationLabel = "_????????????????????????????????"

// siteStatements let the deploy role change exactly the site's records (its alias
// and its certificate's validation record) in a zone other stacks may share.
// Creating, tagging and deleting a zone (createZone) are left to the
// administrator: Route 53 offers no condition that tells one stack's zone from
// another's.
func (p PolicyScope) siteStatements() []awsiam.Statement {
	if p.Domain == nil {
		return nil
	}
	site := p.Domain.Name()
	names := []string{site, AcmValidationLabel + "." + site}
	if p.Previews {
		// The previews' wildcard record, *.<site>: the normalized name escapes
		// "*" as \052 (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html).
		names = append(names, `\052.`+site)
	}
	return []awsiam.Statement{
		awsiam.Allow("SiteRecords", []string{"route53:ChangeResourceRecordSets"}, "arn:aws:route53:::hostedzone/*").
			When("ForAllValues:StringLike", map[string]any{
				"route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
			}),
		awsiam.Allow("SiteZone", []string{"route53:ListResourceRecordSets", "route53:GetChange"}, "arn:aws:route53:::hostedzone/*", "arn:aws:route53:::change/*"),
	}
}

// Rollout actions, from the aws-actions ECR login and ECS deploy documentation.
var (
	EcrPushActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
		"ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"}
	TaskDefinitionActions = []string{"ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"}
)

// RolloutPolicy lets an app rollout push to the stack's repositories, record the
// tag, replace the task definitions and update the stack's services. It names
// them by the stack's patterns, never service by service, so adding or removing a
// service leaves it unchanged: the CI roles (under /fargo-ci/, out of the deploy
// role's reach) never need an update.
func (p PolicyScope) RolloutPolicy() awsiam.Document {
	prefix := config.StackNamePrefix(p.Project, p.Stack)
	cluster := config.ClusterName(p.Project, p.Stack)
	return awsiam.Policy(append(p.readStatements(),
		awsiam.Allow("EcrLogin", []string{"ecr:GetAuthorizationToken"}, "*"),
		awsiam.Allow("EcrPush", EcrPushActions, p.arn("ecr", "repository/"+prefix+"*")),
		awsiam.Allow("RecordImageTag", []string{"ssm:GetParameter", "ssm:PutParameter"}, p.imageTagParameters()),
		awsiam.Allow("TaskDefinitions", TaskDefinitionActions, "*"),
		awsiam.Allow("TagTaskDefinitions", []string{"ecs:TagResource"}, p.arn("ecs", "task-definition/"+prefix+"*:*")),
		awsiam.Allow("Services", []string{"ecs:DescribeServices", "ecs:UpdateService"}, p.arn("ecs", "service/"+cluster+"/*")),
		awsiam.Allow("ScalingRead", []string{"application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScheduledActions"}, "*"),
		// A first image raises the wake action's bounds from zero with the target's.
		awsiam.Allow("Scaling", []string{"application-autoscaling:ListTagsForResource", "application-autoscaling:PutScheduledAction",
			"application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource"},
			p.arn("application-autoscaling", "scalable-target/*")).When("StringEqualsIfExists", p.ownTagsIfTagged()),
		p.passTaskRoles(),
	)...)
}

// PreviewHostResources are the host's resources its previews build on, which
// the previews role may add to and nothing more.
type PreviewHostResources struct {
	// VpcID is the VPC previews' security groups are made in.
	VpcID string
	// LoadBalancerArn is the load balancer previews add their listeners to.
	LoadBalancerArn string
	// HTTPSListenerArn is the host's HTTPS listener under a site, which
	// previews add their names' rules to; empty without a site.
	HTTPSListenerArn string
}

// Actions of the previews role on what a preview owns that AWS names itself
// (security groups, target groups, listeners and rules, scalable targets): held
// to resources tagged as this host's previews'.
var (
	PreviewEc2Actions = []string{
		"ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
		"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules",
		"ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
		"ec2:CreateTags", "ec2:DeleteTags",
	}
	PreviewLoadBalancerActions = []string{
		"elasticloadbalancing:CreateListener", "elasticloadbalancing:CreateRule",
		"elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
		"elasticloadbalancing:DeleteListener", "elasticloadbalancing:ModifyListener",
		"elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities",
		"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
	}
	PreviewScalingActions = []string{
		"application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
		"application-autoscaling:PutScheduledAction", "application-autoscaling:DeleteScheduledAction",
		"application-autoscaling:TagResource", "application-autoscaling:UntagResource", "application-autoscaling:ListTagsForResource",
	}
)

// PreviewsPolicy lets the preview workflow create, change and destroy its host's
// previews (stacks pr<number> with fargo:previewOf the host) and push their
// images, and nothing of any other stack's:
//   - what a preview names (cluster, services, task definitions, log groups,
//     image tag parameters, roles, tables) by the previews' names, fargo_pr*,
//     which no other stack's names begin with (naming.PreviewsNamePrefix);
//   - what AWS names (security groups, target groups, listeners, rules, scalable
//     targets): made only with the tags of this host's previews, and changed or
//     deleted only when they carry them;
//   - of the host's own, it may add security groups to its VPC and listeners to
//     its load balancer, push images to its previews' repositories, and nothing
//     else. A preview's rules go on its own listener (CreateRule authorizes
//     the listener: PreviewOwned) and, under a site, on the host's HTTPS
//     listener, tagged as the preview's (NewSiteRules).
//
// It shares the deploy role's unscopable task definition actions
// (DeployUnscopableActions).
func (p PolicyScope) PreviewsPolicy(host PreviewHostResources) awsiam.Document {
	previews := naming.PreviewsNamePrefix(p.Project)
	tagged := map[string]any{"aws:RequestTag/" + naming.TagProject: p.Project, "aws:RequestTag/" + naming.TagPreviewOf: p.Stack}
	owned := map[string]any{"aws:ResourceTag/" + naming.TagProject: p.Project, "aws:ResourceTag/" + naming.TagPreviewOf: p.Stack}
	listeners := strings.Replace(host.LoadBalancerArn, ":loadbalancer/", ":listener/", 1) + "/*"
	rules := strings.Replace(host.LoadBalancerArn, ":loadbalancer/", ":listener-rule/", 1) + "/*"
	statements := []awsiam.Statement{
		awsiam.Allow("Describe", DeployReadActions, "*"),
		awsiam.Allow("EcrLogin", []string{"ecr:GetAuthorizationToken"}, "*"),
		awsiam.Allow("PreviewRepositories", EcrPushActions, p.arn("ecr", "repository/"+config.PreviewRepositoryName(p.Project, p.Stack, "*"))),
		awsiam.Allow("ImageTags", []string{
			"ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter", "ssm:DeleteParameter",
			"ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource",
		}, p.arn("ssm", "parameter/"+previews+"*")),
		awsiam.Allow("Clusters", []string{
			"ecs:CreateCluster", "ecs:DeleteCluster", "ecs:DescribeClusters", "ecs:UpdateCluster", "ecs:UpdateClusterSettings",
			"ecs:PutClusterCapacityProviders", "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService", "ecs:DescribeServices",
			"ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource",
		}, p.arn("ecs", "cluster/"+previews+"*"), p.arn("ecs", "service/"+previews+"*"), p.arn("ecs", "task-definition/"+previews+"*:*")),
		awsiam.Allow("TaskDefinitions", DeployUnscopableActions, "*"),
		awsiam.Allow("LogGroups", []string{
			"logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
			"logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource", "logs:TagLogGroup", "logs:ListTagsLogGroup",
		}, p.arn("logs", "log-group:/ecs/"+previews+"*")),
		awsiam.Allow("Tables", []string{
			"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:Describe*",
			"dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive", "dynamodb:GetResourcePolicy",
			"dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:ListTagsOfResource",
		}, p.arn("dynamodb", "table/"+previews+"*")),
		awsiam.Allow("TableKey", []string{"kms:DescribeKey"}, p.arn("kms", "key/*")).
			When("StringEquals", map[string]any{"kms:RequestAlias": "alias/aws/dynamodb"}),
		awsiam.Allow("Roles", []string{
			"iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
			"iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
			"iam:ListRolePolicies", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRoleDescription",
		}, fmt.Sprintf("arn:aws:iam::%s:role/%s*", p.Account, previews)),
		awsiam.Allow("PassRoles", []string{"iam:PassRole"}, fmt.Sprintf("arn:aws:iam::%s:role/%s*", p.Account, previews)).
			When("StringEquals", map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
		awsiam.Allow("PreviewOwned", slices.Concat(PreviewEc2Actions, PreviewLoadBalancerActions, PreviewScalingActions), "*").
			When("StringEquals", owned),
		awsiam.Allow("NewSecurityGroups", []string{"ec2:CreateSecurityGroup"}, p.arn("ec2", "vpc/"+host.VpcID), p.arn("ec2", "security-group/*")).
			When("StringEquals", tagged),
		awsiam.Allow("NewSecurityGroupRules", []string{"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"}, p.arn("ec2", "security-group-rule/*")).
			When("StringEquals", tagged),
		// Tags on what is being made, never on what exists (ec2:CreateAction).
		awsiam.Allow("TagNewEc2", []string{"ec2:CreateTags"}, p.arn("ec2", "security-group/*"), p.arn("ec2", "security-group-rule/*")).
			When("StringEquals", tagged).
			When("StringEqualsIfExists", map[string]any{"ec2:CreateAction": []string{"CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"}}),
		awsiam.Allow("NewListeners", []string{"elasticloadbalancing:CreateListener"}, host.LoadBalancerArn, listeners).
			When("StringEquals", tagged),
		// A new target group has no ARN to match until it exists: held by its tags.
		awsiam.Allow("NewTargetGroups", []string{"elasticloadbalancing:CreateTargetGroup"}, "*").
			When("StringEquals", tagged),
		awsiam.Allow("TagNewLoadBalancing", []string{"elasticloadbalancing:AddTags"}, listeners, rules, p.arn("elasticloadbalancing", "targetgroup/*")).
			When("StringEquals", tagged).
			When("StringEqualsIfExists", map[string]any{"elasticloadbalancing:CreateAction": []string{"CreateListener", "CreateRule", "CreateTargetGroup"}}),
		awsiam.Allow("NewScalableTargets", []string{"application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource"},
			p.arn("application-autoscaling", "scalable-target/*")).When("StringEquals", tagged),
	}
	if host.HTTPSListenerArn != "" {
		// Under a site, a preview's name gets rules on the host's HTTPS
		// listener: added with the previews' tags, and changed or deleted only
		// with them (PreviewOwned), never the host's own rules.
		statements = append(statements, awsiam.Allow("NewSiteRules", []string{"elasticloadbalancing:CreateRule"}, host.HTTPSListenerArn).
			When("StringEquals", tagged))
	}
	return awsiam.Policy(statements...)
}
