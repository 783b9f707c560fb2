// Package awsiam is the one way fargo writes and reads IAM policy documents: a
// typed statement the roles are built from and the checks parse real exports
// into, and what AWS grants only on every resource, shared by both.
package awsiam

import (
	"encoding/json"
	"fmt"
)

// Statement is one IAM policy statement.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]any            `json:"Principal,omitempty"`
	Action    List                      `json:"Action"`
	Resource  List                      `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// List is a policy element that IAM takes as one string or a list of them.
type List []string

// UnmarshalJSON reads either form.
func (l *List) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = List{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("not a string or a list of strings: %s", b)
	}
	*l = many
	return nil
}

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Policy makes a document of statements.
func Policy(statements ...Statement) Document {
	return Document{Version: "2012-10-17", Statement: statements}
}

// JSON is the document as IAM takes it.
func (d Document) JSON() (string, error) {
	b, err := json.Marshal(d)
	return string(b), err
}

// Parse reads a document, whose Statement may also be a single object.
func Parse(doc string) (Document, error) {
	var raw struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return Document{}, err
	}
	d := Document{Version: raw.Version}
	if err := json.Unmarshal(raw.Statement, &d.Statement); err != nil {
		var one Statement
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return Document{}, err
		}
		d.Statement = []Statement{one}
	}
	return d, nil
}

// Allow makes an Allow statement.
func Allow(sid string, actions []string, resources ...string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// When adds a condition operator with its keys to a statement.
func (s Statement) When(op string, values map[string]any) Statement {
	if s.Condition == nil {
		s.Condition = map[string]map[string]any{}
	}
	s.Condition[op] = values
	return s
}

// UnscopableActions are the actions AWS only grants on Resource "*": they
// support no resource-level permissions. Patterns cover whole families that are
// list-level (every EC2, load balancer and scaling Describe action).
var UnscopableActions = []string{
	"ecr:GetAuthorizationToken", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition",
	"sts:GetCallerIdentity", "ec2:DescribeAvailabilityZones", "ec2:DescribeRouteTables", "iam:ListOpenIDConnectProviders",
	"route53:ListHostedZones", "route53:ListHostedZonesByName", "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScheduledActions",
	"route53:CreateHostedZone", "ssm:DescribeParameters", "logs:DescribeLogGroups", "acm:ListCertificates",
	"cloudwatch:DescribeAlarms", "dynamodb:ListTables",
	"ec2:Describe*", "elasticloadbalancing:Describe*", "application-autoscaling:Describe*",
	// The Resource Group Tagging API lists no resource type for GetResources,
	// which means "you must specify all resources ("*")"
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonresourcegrouptaggingapi.html).
	"tag:GetResources",
}

// UnscopableWrites change something AWS grants only on every resource. A policy
// may hold them and still reach no other stack; each value is the residual risk
// the README repeats.
var UnscopableWrites = map[string]string{
	"ecs:RegisterTaskDefinition":   "may register a revision in another stack's task family; it runs only if that stack's service is updated to it, which needs ecs:UpdateService on that service",
	"ecs:DeregisterTaskDefinition": "may mark another stack's revision inactive; running tasks and services keep running and scaling on it",
	"iam:CreateServiceLinkedRole":  "may create AWS's service-linked roles, which belong to the account, not to a stack",
	"ecr:GetAuthorizationToken":    "gets a registry login, which opens no repository without repository permissions",
}
