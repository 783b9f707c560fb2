// Package awsshim serves the real Terraform AWS provider, through Pulumi's dynamic
// bridge, under pulumi-aws's names: the engine asks for the resource types of
// pulumi-aws v6 and the bridge knows them by their Terraform names, which
// fargo's catalogue (internal/awstypes) gives.
package awsshim

import (
	"strings"

	"github.com/fargo-dev/fargo/internal/awstypes"
)

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
	awstypes.SecurityGroup:        {"ingress": {to: "ingresses"}, "egress": {to: "egresses"}},
	awstypes.DefaultSecurityGroup: {"ingress": {to: "ingresses"}, "egress": {to: "egresses"}},
	awstypes.DynamoDBTable:        {"globalSecondaryIndexes": {to: "globalSecondaryIndices"}, "localSecondaryIndexes": {to: "localSecondaryIndices"}},
	// aws_route53_record's alias block has MaxItems 1; pulumi-aws keeps it a list.
	awstypes.Route53Record: {"aliases": {to: "alias", oneItem: true}},
	// pulumi-aws names an alarm's alarm_name "name", and a subscription's topic_arn "topic".
	awstypes.MetricAlarm:          {"name": {to: "alarmName"}},
	awstypes.SNSTopicSubscription: {"topic": {to: "topicArn"}},
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
// The Terraform name comes from fargo's catalogue of AWS types.
func ResourceToken(tok string) (string, error) {
	if t, ok := awstypes.Lookup(tok); ok {
		return bridgeToken(t.Terraform, false), nil
	}
	return "", &awstypes.MissingError{Token: tok}
}

// FunctionToken translates a pulumi-aws function token; an unknown one is an error naming it.
func FunctionToken(tok string) (string, error) {
	if f, ok := awstypes.LookupFunction(tok); ok {
		return bridgeToken(f.Terraform, true), nil
	}
	return "", &awstypes.MissingError{Token: tok}
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
