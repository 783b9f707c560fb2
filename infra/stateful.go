package infra

// StatefulTypes are the resource types whose replacement loses what deploying
// again cannot bring back: data (tables, images, logs), a name others point at
// (the hosted zone and its name servers, the load balancer's DNS name), or the
// network everything else sits in. Each maps to the inputs whose change makes
// AWS replace the resource: its identity. A change of fargo that replaces one
// of these in a user's stack is a breaking change, named in the CHANGELOG's
// Breaking section (infra's TestURNsAreLocked holds it to that).
var StatefulTypes = map[string][]string{
	"aws:dynamodb/table:Table":         {"name"},
	"aws:ecr/repository:Repository":    {"name"},
	"aws:route53/zone:Zone":            {"name"},
	"aws:cloudwatch/logGroup:LogGroup": {"name"},
	"aws:ec2/vpc:Vpc":                  {"cidrBlock"},
	"aws:lb/loadBalancer:LoadBalancer": {"name", "internal", "loadBalancerType"},
}
