// Package awsshim serves the real Terraform AWS provider, through Pulumi's dynamic
// bridge, under pulumi-aws's names: the engine asks for the resource types of
// pulumi-aws v6 and the bridge knows them by their Terraform names.
package awsshim

import (
	"fmt"
	"strings"
)

// Resources maps each pulumi-aws v6 resource token fargo registers to its Terraform
// resource type, as pulumi-aws's provider mapping (provider/resources.go) assigns them.
var Resources = map[string]string{
	"aws:acm/certificate:Certificate":                           "aws_acm_certificate",
	"aws:acm/certificateValidation:CertificateValidation":       "aws_acm_certificate_validation",
	"aws:appautoscaling/policy:Policy":                          "aws_appautoscaling_policy",
	"aws:appautoscaling/scheduledAction:ScheduledAction":        "aws_appautoscaling_scheduled_action",
	"aws:appautoscaling/target:Target":                          "aws_appautoscaling_target",
	"aws:budgets/budget:Budget":                                 "aws_budgets_budget",
	"aws:cloudwatch/logGroup:LogGroup":                          "aws_cloudwatch_log_group",
	"aws:cloudwatch/metricAlarm:MetricAlarm":                    "aws_cloudwatch_metric_alarm",
	"aws:dynamodb/table:Table":                                  "aws_dynamodb_table",
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":         "aws_default_security_group",
	"aws:ec2/eip:Eip":                                           "aws_eip",
	"aws:ec2/instance:Instance":                                 "aws_instance",
	"aws:ec2/internetGateway:InternetGateway":                   "aws_internet_gateway",
	"aws:ec2/natGateway:NatGateway":                             "aws_nat_gateway",
	"aws:ec2/route:Route":                                       "aws_route",
	"aws:ec2/routeTable:RouteTable":                             "aws_route_table",
	"aws:ec2/routeTableAssociation:RouteTableAssociation":       "aws_route_table_association",
	"aws:ec2/securityGroup:SecurityGroup":                       "aws_security_group",
	"aws:ec2/subnet:Subnet":                                     "aws_subnet",
	"aws:ec2/vpc:Vpc":                                           "aws_vpc",
	"aws:ec2/vpcEndpoint:VpcEndpoint":                           "aws_vpc_endpoint",
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":                   "aws_ecr_lifecycle_policy",
	"aws:ecr/repository:Repository":                             "aws_ecr_repository",
	"aws:ecs/cluster:Cluster":                                   "aws_ecs_cluster",
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "aws_ecs_cluster_capacity_providers",
	"aws:ecs/service:Service":                                   "aws_ecs_service",
	"aws:ecs/taskDefinition:TaskDefinition":                     "aws_ecs_task_definition",
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider":       "aws_iam_openid_connect_provider",
	"aws:iam/role:Role":                                         "aws_iam_role",
	"aws:iam/rolePolicy:RolePolicy":                             "aws_iam_role_policy",
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":         "aws_iam_role_policy_attachment",
	"aws:lb/listener:Listener":                                  "aws_lb_listener",
	"aws:lb/listenerRule:ListenerRule":                          "aws_lb_listener_rule",
	"aws:lb/loadBalancer:LoadBalancer":                          "aws_lb",
	"aws:lb/targetGroup:TargetGroup":                            "aws_lb_target_group",
	"aws:route53/record:Record":                                 "aws_route53_record",
	"aws:route53/zone:Zone":                                     "aws_route53_zone",
	"aws:sns/topic:Topic":                                       "aws_sns_topic",
	"aws:sns/topicSubscription:TopicSubscription":               "aws_sns_topic_subscription",
	"aws:ssm/parameter:Parameter":                               "aws_ssm_parameter",
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   "aws_vpc_security_group_egress_rule",
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
}

// Functions maps each pulumi-aws v6 function token fargo invokes to its Terraform data source.
var Functions = map[string]string{
	"aws:index/getAvailabilityZones:getAvailabilityZones":       "aws_availability_zones",
	"aws:index/getCallerIdentity:getCallerIdentity":             "aws_caller_identity",
	"aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": "aws_iam_openid_connect_provider",
	"aws:route53/getZone:getZone":                               "aws_route53_zone",
	"aws:ssm/getParameter:getParameter":                         "aws_ssm_parameter",
	"aws:resourcegroupstaggingapi/getResources:getResources":    "aws_resourcegroupstaggingapi_resources",
}

// rename is how one pulumi-aws property reaches the bridge: under another name
// and, for a Terraform block of at most one item that pulumi-aws keeps as a list,
// as that list's single element.
type rename struct {
	to      string
	oneItem bool
}

// Renames are the properties pulumi-aws names differently from the bridge's
// default naming, per pulumi-aws token, keyed by the pulumi-aws name.
var Renames = map[string]map[string]rename{
	"aws:ec2/securityGroup:SecurityGroup":               {"ingress": {to: "ingresses"}, "egress": {to: "egresses"}},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {"ingress": {to: "ingresses"}, "egress": {to: "egresses"}},
	"aws:dynamodb/table:Table":                          {"globalSecondaryIndexes": {to: "globalSecondaryIndices"}, "localSecondaryIndexes": {to: "localSecondaryIndices"}},
	// aws_route53_record's alias block has MaxItems 1; pulumi-aws keeps it a list.
	"aws:route53/record:Record": {"aliases": {to: "alias", oneItem: true}},
	// pulumi-aws names an alarm's alarm_name "name", and a subscription's topic_arn "topic".
	"aws:cloudwatch/metricAlarm:MetricAlarm":      {"name": {to: "alarmName"}},
	"aws:sns/topicSubscription:TopicSubscription": {"topic": {to: "topicArn"}},
}

// bridgeToken is the dynamic bridge's token for a Terraform name:
// aws_ecs_cluster becomes aws:index/ecsCluster:EcsCluster, and a data source
// aws_ssm_parameter becomes aws:index/getSsmParameter:getSsmParameter.
func bridgeToken(tfName string, function bool) string {
	parts := strings.Split(strings.TrimPrefix(tfName, "aws_"), "_")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	pascal := strings.Join(parts, "")
	if function {
		name := "get" + pascal
		return "aws:index/" + name + ":" + name
	}
	return "aws:index/" + strings.ToLower(pascal[:1]) + pascal[1:] + ":" + pascal
}

// ResourceToken translates a pulumi-aws resource token; an unknown one is an error naming it.
func ResourceToken(tok string) (string, error) {
	if tf, ok := Resources[tok]; ok {
		return bridgeToken(tf, false), nil
	}
	return "", fmt.Errorf("the e2e AWS provider has no mapping for resource type %s: add it to e2e/internal/awsshim/tokens.go", tok)
}

// FunctionToken translates a pulumi-aws function token; an unknown one is an error naming it.
func FunctionToken(tok string) (string, error) {
	if tf, ok := Functions[tok]; ok {
		return bridgeToken(tf, true), nil
	}
	return "", fmt.Errorf("the e2e AWS provider has no mapping for function %s: add it to e2e/internal/awsshim/tokens.go", tok)
}

// typeToken translates a type that may be a pulumi-aws resource, leaving others
// (components, providers) alone.
func typeToken(tok string) (string, error) {
	if !strings.HasPrefix(tok, "aws:") {
		return tok, nil
	}
	return ResourceToken(tok)
}

// URN translates every aws type of a URN's qualified type ("parent$child").
func URN(urn string) (string, error) {
	parts := strings.SplitN(urn, "::", 4)
	if len(parts) != 4 {
		return urn, nil
	}
	types := strings.Split(parts[2], "$")
	for i, t := range types {
		tt, err := typeToken(t)
		if err != nil {
			return "", err
		}
		types[i] = tt
	}
	parts[2] = strings.Join(types, "$")
	return strings.Join(parts, "::"), nil
}

// typeOfURN is the last type of a URN's qualified type.
func typeOfURN(urn string) string {
	parts := strings.SplitN(urn, "::", 4)
	if len(parts) != 4 {
		return ""
	}
	types := strings.Split(parts[2], "$")
	return types[len(types)-1]
}
