// Package awstypes is the one catalogue of the AWS resource types and functions
// fargo registers or reads: per type, its pulumi-aws token, the fake id and ARN
// the offline engine answers with, what the cost model prices it by, the checks
// that read it, its IAM service prefix, its Terraform name for the end-to-end
// suite's provider shim and, for a stateful type, what replacing it loses.
//
// The mocks, the cost model, the checks, the CI policy coverage test and the
// suite's shim read this table; tests hold it to what each of them really does.
// Adding a resource type is one entry here and the component that registers it
// (the README's Development section walks through one).
package awstypes

import (
	"fmt"
	"slices"
	"strings"
)

// Resource types fargo registers, or that its checks read in a real export.
const (
	ACMCertificate                = "aws:acm/certificate:Certificate"
	ACMCertificateValidation      = "aws:acm/certificateValidation:CertificateValidation"
	AppAutoscalingPolicy          = "aws:appautoscaling/policy:Policy"
	AppAutoscalingScheduledAction = "aws:appautoscaling/scheduledAction:ScheduledAction"
	AppAutoscalingTarget          = "aws:appautoscaling/target:Target"
	Budget                        = "aws:budgets/budget:Budget"
	LogGroup                      = "aws:cloudwatch/logGroup:LogGroup"
	MetricAlarm                   = "aws:cloudwatch/metricAlarm:MetricAlarm"
	DynamoDBTable                 = "aws:dynamodb/table:Table"
	DefaultSecurityGroup          = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	EIP                           = "aws:ec2/eip:Eip"
	Instance                      = "aws:ec2/instance:Instance"
	InternetGateway               = "aws:ec2/internetGateway:InternetGateway"
	NATGateway                    = "aws:ec2/natGateway:NatGateway"
	Route                         = "aws:ec2/route:Route"
	RouteTable                    = "aws:ec2/routeTable:RouteTable"
	RouteTableAssociation         = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	SecurityGroup                 = "aws:ec2/securityGroup:SecurityGroup"
	Subnet                        = "aws:ec2/subnet:Subnet"
	VPC                           = "aws:ec2/vpc:Vpc"
	VPCEndpoint                   = "aws:ec2/vpcEndpoint:VpcEndpoint"
	ECRLifecyclePolicy            = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	ECRRepository                 = "aws:ecr/repository:Repository"
	ECSCluster                    = "aws:ecs/cluster:Cluster"
	ECSClusterCapacityProviders   = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
	ECSService                    = "aws:ecs/service:Service"
	ECSTaskDefinition             = "aws:ecs/taskDefinition:TaskDefinition"
	IAMGroupPolicy                = "aws:iam/groupPolicy:GroupPolicy"
	OIDCProvider                  = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	IAMPolicy                     = "aws:iam/policy:Policy"
	IAMRole                       = "aws:iam/role:Role"
	IAMRolePolicy                 = "aws:iam/rolePolicy:RolePolicy"
	IAMRolePolicyAttachment       = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	IAMUserPolicy                 = "aws:iam/userPolicy:UserPolicy"
	Listener                      = "aws:lb/listener:Listener"
	ListenerRule                  = "aws:lb/listenerRule:ListenerRule"
	LoadBalancer                  = "aws:lb/loadBalancer:LoadBalancer"
	TargetGroup                   = "aws:lb/targetGroup:TargetGroup"
	Route53Record                 = "aws:route53/record:Record"
	Route53Zone                   = "aws:route53/zone:Zone"
	SNSTopic                      = "aws:sns/topic:Topic"
	SNSTopicSubscription          = "aws:sns/topicSubscription:TopicSubscription"
	SSMParameter                  = "aws:ssm/parameter:Parameter"
	SecurityGroupEgressRule       = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	SecurityGroupIngressRule      = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
)

// Functions fargo invokes.
const (
	GetOpenIDConnectProvider = "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"
	GetAvailabilityZones     = "aws:index/getAvailabilityZones:getAvailabilityZones"
	GetCallerIdentity        = "aws:index/getCallerIdentity:getCallerIdentity"
	GetResources             = "aws:resourcegroupstaggingapi/getResources:getResources"
	GetZone                  = "aws:route53/getZone:getZone"
	GetParameter             = "aws:ssm/getParameter:getParameter"
)

// Type is one AWS resource type.
type Type struct {
	// Token is pulumi-aws v6's type token.
	Token string
	// Terraform is the Terraform resource type pulumi-aws maps the token to
	// (provider/resources.go), which the suite's shim serves it as.
	Terraform string
	// IAM is the service prefix of the API calls that manage it, which the CI
	// deploy role must be granted.
	IAM string
	// ID is the template of the id pulumi-aws gives it, which the mocks answer
	// (see Expand; "{arn}" is its ARN); empty is a hash of the URN, for the
	// types whose id fargo never reads.
	ID string
	// ARN is the template of its ARN output as AWS shapes it; empty when
	// pulumi-aws gives it none.
	ARN string
	// AutoName says Pulumi names it (its logical name and a random suffix)
	// when the program does not.
	AutoName bool
	// Cost is what the cost model reads it for, naming in parentheses the
	// prices.json keys it prices it by ("fargate*" for each key so beginning);
	// empty when it is free and the model does not read it.
	Cost string
	// Checks are the controls (internal/checks) that read it.
	Checks []string
	// Stateful are, for a type whose replacement loses what deploying again
	// cannot bring back (data, a name others point at, the network everything
	// sits in), the inputs whose change makes AWS replace it. A change of fargo
	// that replaces one in a user's stack is a breaking change (infra's
	// TestURNsAreLocked holds it to the CHANGELOG).
	Stateful []string
}

// Function is one AWS function (a data source) fargo invokes.
type Function struct {
	// Token is pulumi-aws v6's function token.
	Token string
	// Terraform is the Terraform data source pulumi-aws maps it to.
	Terraform string
	// IAM is the service prefix of the call it makes; empty when the call
	// needs no permission.
	IAM string
}

// The ARN templates' common heads.
const (
	regional = "arn:aws:%s:{region}:{account}:"
	global   = "arn:aws:%s::{account}:"
)

func arn(head, service, resource string) string { return fmt.Sprintf(head, service) + resource }

// Types is the catalogue, sorted by token.
var Types = []Type{
	{Token: ACMCertificate, Terraform: "aws_acm_certificate", IAM: "acm", ID: "{arn}",
		ARN: arn(regional, "acm", "certificate/{hash32}"), Checks: []string{"ACM.1", "IAM.STACK"}},
	{Token: ACMCertificateValidation, Terraform: "aws_acm_certificate_validation", IAM: "acm", Checks: []string{"ACM.1"}},
	{Token: AppAutoscalingPolicy, Terraform: "aws_appautoscaling_policy", IAM: "application-autoscaling", ID: "{name}", AutoName: true,
		ARN: arn(regional, "autoscaling", "scalingPolicy:{hash32}:resource/ecs/{resourceId}:policyName/{name}")},
	{Token: AppAutoscalingScheduledAction, Terraform: "aws_appautoscaling_scheduled_action", IAM: "application-autoscaling", AutoName: true,
		ARN:  arn(regional, "autoscaling", "scheduledAction:{hash32}:resource/ecs/{resourceId}:scheduledActionName/{name}"),
		Cost: "its capacity and schedule set how many tasks a service runs, awake and asleep"},
	{Token: AppAutoscalingTarget, Terraform: "aws_appautoscaling_target", IAM: "application-autoscaling", ID: "{resourceId}",
		ARN:  arn(regional, "application-autoscaling", "scalable-target/{hash32}"),
		Cost: "its minimum and maximum bound a service's tasks"},
	{Token: Budget, Terraform: "aws_budgets_budget", IAM: "budgets", ID: "{account}:{name}", AutoName: true,
		ARN: arn(global, "budgets", "budget/{name}")},
	{Token: LogGroup, Terraform: "aws_cloudwatch_log_group", IAM: "logs", ID: "{name}", AutoName: true,
		ARN:      arn(regional, "logs", "log-group:{name}"),
		Cost:     "its presence prices log ingestion and storage at the assumed volume (logsIngestGb, logsStorageGbMonth)",
		Checks:   []string{"CloudWatch.16", "LOGS.1"},
		Stateful: []string{"name"}},
	{Token: MetricAlarm, Terraform: "aws_cloudwatch_metric_alarm", IAM: "cloudwatch", ID: "{name}", AutoName: true,
		ARN:    arn(regional, "cloudwatch", "alarm:{name}"),
		Cost:   "per metric it reads a month (alarmMetricMonth)",
		Checks: []string{"CloudWatch.15", "CloudWatch.17"}},
	{Token: DynamoDBTable, Terraform: "aws_dynamodb_table", IAM: "dynamodb", ID: "{name}", AutoName: true,
		ARN:      arn(regional, "dynamodb", "table/{name}"),
		Cost:     "on demand: a note that requests and storage are priced by use",
		Checks:   []string{"DATA.1", "DATA.2"},
		Stateful: []string{"name"}},
	{Token: DefaultSecurityGroup, Terraform: "aws_default_security_group", IAM: "ec2",
		ID: "sg-{hash17}", ARN: arn(regional, "ec2", "security-group/{id}"), Checks: []string{"EC2.2"}},
	{Token: EIP, Terraform: "aws_eip", IAM: "ec2",
		ID: "eipalloc-{hash17}", ARN: arn(regional, "ec2", "elastic-ip/{id}"),
		Cost: "a public IPv4 address by the hour (publicIpv4Hour)"},
	{Token: Instance, Terraform: "aws_instance", IAM: "ec2",
		ID: "i-{hash17}", ARN: arn(regional, "ec2", "instance/{id}"),
		Cost: "its type by the hour (instanceHour:<type>), its gp3 root volume (gp3GbMonth) and its public IPv4 address (publicIpv4Hour)"},
	{Token: InternetGateway, Terraform: "aws_internet_gateway", IAM: "ec2",
		ID: "igw-{hash17}", ARN: arn(regional, "ec2", "internet-gateway/{id}")},
	{Token: NATGateway, Terraform: "aws_nat_gateway", IAM: "ec2",
		ID:   "nat-{hash17}",
		Cost: "by the hour (natHour); its presence prices the assumed GB it processes (natGb)"},
	{Token: Route, Terraform: "aws_route", IAM: "ec2"},
	{Token: RouteTable, Terraform: "aws_route_table", IAM: "ec2",
		ID: "rtb-{hash17}", ARN: arn(regional, "ec2", "route-table/{id}")},
	{Token: RouteTableAssociation, Terraform: "aws_route_table_association", IAM: "ec2", ID: "rtbassoc-{hash17}"},
	{Token: SecurityGroup, Terraform: "aws_security_group", IAM: "ec2", AutoName: true,
		ID: "sg-{hash17}", ARN: arn(regional, "ec2", "security-group/{id}"), Checks: []string{"EC2.18", "EC2.19"}},
	{Token: Subnet, Terraform: "aws_subnet", IAM: "ec2",
		ID: "subnet-{hash17}", ARN: arn(regional, "ec2", "subnet/{id}"), Checks: []string{"EC2.15"}},
	{Token: VPC, Terraform: "aws_vpc", IAM: "ec2",
		ID: "vpc-{hash17}", ARN: arn(regional, "ec2", "vpc/{id}"), Checks: []string{"EC2.2"},
		Stateful: []string{"cidrBlock"}},
	{Token: VPCEndpoint, Terraform: "aws_vpc_endpoint", IAM: "ec2",
		ID: "vpce-{hash17}", ARN: arn(regional, "ec2", "vpc-endpoint/{id}"),
		Cost: "an interface endpoint per zone by the hour (interfaceEndpointHour); a gateway endpoint as a line at no cost (gatewayEndpoint)"},
	{Token: ECRLifecyclePolicy, Terraform: "aws_ecr_lifecycle_policy", IAM: "ecr", Checks: []string{"ECR.3"}},
	{Token: ECRRepository, Terraform: "aws_ecr_repository", IAM: "ecr", ID: "{name}", AutoName: true,
		ARN:      arn(regional, "ecr", "repository/{name}"),
		Cost:     "its images' storage at the assumed size (ecrGbMonth)",
		Checks:   []string{"ECR.1", "ECR.2", "ECR.3"},
		Stateful: []string{"name"}},
	{Token: ECSCluster, Terraform: "aws_ecs_cluster", IAM: "ecs", ID: "{arn}", AutoName: true,
		ARN:    arn(regional, "ecs", "cluster/{name}"),
		Cost:   "free itself; read to note that Container Insights, when on, is billed by use",
		Checks: []string{"ECS.12"}},
	{Token: ECSClusterCapacityProviders, Terraform: "aws_ecs_cluster_capacity_providers", IAM: "ecs",
		Cost: "its default strategy splits a service's tasks between Fargate and Fargate Spot"},
	{Token: ECSService, Terraform: "aws_ecs_service", IAM: "ecs", ID: "{cluster|:cluster/=:service/}/{name}", AutoName: true,
		Cost:   "its tasks' vCPU and memory by the hour, on Fargate or Fargate Spot, x86 or ARM (fargate*, spot*), and a public IPv4 address per task that has one (publicIpv4Hour)",
		Checks: []string{"ECS.2", "ECS.10", "REL.1", "REL.2", "REL.4", "REL.5"}},
	{Token: ECSTaskDefinition, Terraform: "aws_ecs_task_definition", IAM: "ecs", ID: "{family}",
		ARN:    arn(regional, "ecs", "task-definition/{family}:1"),
		Cost:   "its CPU, memory and architecture size a service's tasks",
		Checks: []string{"ECS.4", "ECS.5", "ECS.8", "ECS.9", "ECS.20", "REL.3"}},
	{Token: IAMGroupPolicy, Terraform: "aws_iam_group_policy", IAM: "iam", Checks: []string{"IAM.1", "IAM.21", "IAM.STACK", "IAM.PASSROLE"}},
	{Token: OIDCProvider, Terraform: "aws_iam_openid_connect_provider", IAM: "iam", ID: "{arn}",
		ARN: arn(global, "iam", "oidc-provider/{url|https://=}")},
	{Token: IAMPolicy, Terraform: "aws_iam_policy", IAM: "iam", ID: "{arn}", AutoName: true,
		ARN: arn(global, "iam", "policy/{name}"), Checks: []string{"IAM.1", "IAM.21", "IAM.STACK", "IAM.SIZE", "IAM.PASSROLE"}},
	{Token: IAMRole, Terraform: "aws_iam_role", IAM: "iam", ID: "{name}", AutoName: true,
		ARN: arn(global, "iam", "role{path}{name}"), Checks: []string{"IAM.1", "IAM.21", "IAM.STACK", "IAM.PASSROLE", "GH.1"}},
	{Token: IAMRolePolicy, Terraform: "aws_iam_role_policy", IAM: "iam", AutoName: true, ID: "{role}:{name}", Checks: []string{"IAM.1", "IAM.21", "IAM.STACK", "IAM.SIZE", "IAM.PASSROLE"}},
	{Token: IAMRolePolicyAttachment, Terraform: "aws_iam_role_policy_attachment", IAM: "iam", Checks: []string{"IAM.1"}},
	{Token: IAMUserPolicy, Terraform: "aws_iam_user_policy", IAM: "iam", Checks: []string{"IAM.1", "IAM.21", "IAM.STACK", "IAM.PASSROLE"}},
	{Token: Listener, Terraform: "aws_lb_listener", IAM: "elasticloadbalancing", ID: "{arn}",
		// As AWS names it: its load balancer's name and id, then its own id
		// (policies quote listener ARNs, and their size is checked).
		ARN:    "{loadBalancerArn|:loadbalancer/=:listener/}/{hash16}",
		Checks: []string{"ELB.1", "ELB.17"}},
	{Token: ListenerRule, Terraform: "aws_lb_listener_rule", IAM: "elasticloadbalancing", ID: "{arn}",
		ARN:    "{listenerArn|:listener/=:listener-rule/}/{hash16}",
		Checks: []string{"ELB.1"}},
	{Token: LoadBalancer, Terraform: "aws_lb", IAM: "elasticloadbalancing", ID: "{arn}", AutoName: true,
		ARN:      arn(regional, "elasticloadbalancing", "loadbalancer/app/{name}/{hash16}"),
		Cost:     "by the hour (albHour) and a public IPv4 address per zone (publicIpv4Hour); its presence prices the assumed LCU-hours and data out (albLcuHour, dataOutGb)",
		Checks:   []string{"ELB.4", "ELB.6", "ELB.12", "ELB.13"},
		Stateful: []string{"name", "internal", "loadBalancerType"}},
	{Token: TargetGroup, Terraform: "aws_lb_target_group", IAM: "elasticloadbalancing", ID: "{arn}", AutoName: true,
		ARN: arn(regional, "elasticloadbalancing", "targetgroup/{name}/{hash16}"), Checks: []string{"REL.3"}},
	{Token: Route53Record, Terraform: "aws_route53_record", IAM: "route53", ID: "{zoneId}_{name}_{type}"},
	{Token: Route53Zone, Terraform: "aws_route53_zone", IAM: "route53", ID: "{zoneId}",
		ARN:      "arn:aws:route53:::hostedzone/{zoneId}",
		Cost:     "a hosted zone a month (hostedZoneMonth)",
		Stateful: []string{"name"}},
	{Token: SNSTopic, Terraform: "aws_sns_topic", IAM: "sns", ID: "{arn}", AutoName: true,
		ARN: arn(regional, "sns", "{name}")},
	{Token: SNSTopicSubscription, Terraform: "aws_sns_topic_subscription", IAM: "sns", ID: "{arn}",
		ARN: "{topic}:{hash32}"},
	{Token: SSMParameter, Terraform: "aws_ssm_parameter", IAM: "ssm", AutoName: true,
		ID: "{name}", ARN: arn(regional, "ssm", "parameter{name}")},
	{Token: SecurityGroupEgressRule, Terraform: "aws_vpc_security_group_egress_rule", IAM: "ec2",
		ID: "sgr-{hash17}", ARN: arn(regional, "ec2", "security-group-rule/{id}")},
	{Token: SecurityGroupIngressRule, Terraform: "aws_vpc_security_group_ingress_rule", IAM: "ec2",
		ID: "sgr-{hash17}", ARN: arn(regional, "ec2", "security-group-rule/{id}"), Checks: []string{"EC2.18", "EC2.19"}},
}

// Functions is the catalogue of functions, sorted by token.
var Functions = []Function{
	{Token: GetOpenIDConnectProvider, Terraform: "aws_iam_openid_connect_provider", IAM: "iam"},
	{Token: GetAvailabilityZones, Terraform: "aws_availability_zones", IAM: "ec2"},
	// sts:GetCallerIdentity needs no permission: AWS allows it to every caller
	// (docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
	{Token: GetCallerIdentity, Terraform: "aws_caller_identity"},
	{Token: GetResources, Terraform: "aws_resourcegroupstaggingapi_resources", IAM: "tag"},
	{Token: GetZone, Terraform: "aws_route53_zone", IAM: "route53"},
	{Token: GetParameter, Terraform: "aws_ssm_parameter", IAM: "ssm"},
}

// Lookup returns the type with the token.
func Lookup(token string) (Type, bool) {
	i := slices.IndexFunc(Types, func(t Type) bool { return t.Token == token })
	if i < 0 {
		return Type{}, false
	}
	return Types[i], true
}

// LookupFunction returns the function with the token.
func LookupFunction(token string) (Function, bool) {
	i := slices.IndexFunc(Functions, func(f Function) bool { return f.Token == token })
	if i < 0 {
		return Function{}, false
	}
	return Functions[i], true
}

// MissingError says a token is not in the catalogue: what to add, and where.
type MissingError struct{ Token string }

// Error says what to add, and where.
func (e *MissingError) Error() string {
	return fmt.Sprintf("%s is not in fargo's catalogue of AWS types: add an entry to internal/awstypes/awstypes.go (its Terraform name, IAM prefix, id and ARN shape, cost and checks)", e.Token)
}

// Stateful returns the stateful types by token, each with its identity inputs.
func Stateful() map[string][]string {
	out := map[string][]string{}
	for _, t := range Types {
		if len(t.Stateful) > 0 {
			out[t.Token] = t.Stateful
		}
	}
	return out
}

// Expand fills a template: each {key} becomes value(key), and {key|old=new}
// value(key) with old replaced by new. It fails naming a key without a value.
func Expand(template string, value func(key string) (string, bool)) (string, error) {
	var b strings.Builder
	rest := template
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("template %q: unclosed {", template)
		}
		b.WriteString(rest[:open])
		key, replace, _ := strings.Cut(rest[open+1:open+end], "|")
		v, ok := value(key)
		if !ok {
			return "", fmt.Errorf("template %q: no value for %s", template, key)
		}
		if replace != "" {
			old, repl, _ := strings.Cut(replace, "=")
			v = strings.Replace(v, old, repl, 1)
		}
		b.WriteString(v)
		rest = rest[open+end+1:]
	}
}
