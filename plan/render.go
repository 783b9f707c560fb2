package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/fargo-dev/fargo/internal/awstypes"
	"github.com/fargo-dev/fargo/internal/graph"
)

// WriteTree prints the resource tree with each resource's key settings, then the
// stack outputs and the rollout estimate.
func WriteTree(w io.Writer, exp *graph.Export) {
	children := map[string][]*graph.Resource{}
	var root *graph.Resource
	count := 0
	for i := range exp.Deployment.Resources {
		r := &exp.Deployment.Resources[i]
		switch {
		case r.Type == graph.RootStackType:
			root = r
		case strings.HasPrefix(string(r.Type), "pulumi:providers:"):
		default:
			children[string(r.Parent)] = append(children[string(r.Parent)], r)
			if r.Custom {
				count++
			}
		}
	}
	if root == nil {
		fmt.Fprintln(w, "no stack resource in the graph")
		return
	}
	fmt.Fprintf(w, "Stack %s in %s: %d resources to create\n\n", exp.StackName(), exp.Region(), count)
	fmt.Fprintf(w, "%s %s\n", root.Type, root.Name())
	writeChildren(w, children, string(root.URN), "")

	fmt.Fprintln(w, "\nOutputs (ids, ARNs, the account and name servers are placeholders offline):")
	outs := root.Outputs
	keys := make([]string, 0, len(outs))
	for k := range outs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b, _ := json.Marshal(outs[k])
		fmt.Fprintf(w, "  %-20s %s\n", k, b)
	}
	if ns, ok := outs["nameServers"].([]any); ok && len(ns) > 0 {
		fmt.Fprintf(w, "\nDelegate the zone: after `pulumi up`, copy the zone's name servers (`pulumi stack output nameServers`) to your registrar, or the certificate stays pending. Offline, these are placeholders:\n")
		for _, n := range ns {
			fmt.Fprintf(w, "  %v\n", n)
		}
	}
	if emails := emailSubscriptions(exp); len(emails) > 0 {
		fmt.Fprintf(w, "\nConfirm the alarm e-mails: after `pulumi up`, AWS Notifications writes to %s; each recipient must open the confirmation link within 48 hours, or SNS deletes the subscription (a `pulumi up --refresh` subscribes the address again). The deploy workflow's summary lists the addresses not confirmed.\n",
			strings.Join(emails, ", "))
	}
	if wait, ok := rolloutWait(exp); ok {
		fmt.Fprintf(w, "\nRollout wait from load balancer settings: ~%d s per task (%s); AWS defaults: ~%d s (%d checks x %d s + %d s draining)\n",
			wait.seconds, wait.detail, awsDefaultHealthy*awsDefaultInterval+awsDefaultDeregistration, awsDefaultHealthy, awsDefaultInterval, awsDefaultDeregistration)
	}
}

// emailSubscriptions are the addresses the graph subscribes by e-mail, in order.
func emailSubscriptions(exp *graph.Export) []string {
	var emails []string
	for _, sub := range exp.Resources(awstypes.SNSTopicSubscription) {
		if sub.String("protocol") == "email" {
			emails = append(emails, sub.String("endpoint"))
		}
	}
	return emails
}

// AWS's default target group settings, for comparison.
const (
	awsDefaultInterval       = 30
	awsDefaultHealthy        = 5
	awsDefaultDeregistration = 300
)

type wait struct {
	seconds int
	detail  string
}

// rolloutWait is the load balancer's share of a rollout's wait, read from the
// graph's target groups (the slowest one): a new task's checks to healthy, then
// the old task's draining.
func rolloutWait(exp *graph.Export) (wait, bool) {
	var slowest wait
	found := false
	for _, tg := range exp.Resources(awstypes.TargetGroup) {
		healthy, ok := tg.Number("healthCheck", "healthyThreshold")
		if !ok {
			healthy = awsDefaultHealthy
		}
		interval, ok := tg.Number("healthCheck", "interval")
		if !ok {
			interval = awsDefaultInterval
		}
		drain, ok := tg.Number("deregistrationDelay")
		if !ok {
			drain = awsDefaultDeregistration
		}
		s := int(healthy*interval + drain)
		if !found || s > slowest.seconds {
			slowest = wait{s, fmt.Sprintf("%g checks x %g s to healthy + %g s draining", healthy, interval, drain)}
			found = true
		}
	}
	return slowest, found
}

func writeChildren(w io.Writer, children map[string][]*graph.Resource, parent, indent string) {
	kids := children[parent]
	for i, r := range kids {
		branch, next := "├─ ", "│  "
		if i == len(kids)-1 {
			branch, next = "└─ ", "   "
		}
		line := fmt.Sprintf("%s%s%s %s", indent, branch, r.Type, r.Name())
		if s := Summary(r); s != "" {
			line += "  " + s
		}
		fmt.Fprintln(w, line)
		writeChildren(w, children, string(r.URN), indent+next)
	}
}

// Summary is a resource's key settings in one line.
func Summary(r *graph.Resource) string {
	var parts []string
	add := func(label string, v any) {
		if v == nil {
			return
		}
		if b, ok := v.([]any); ok {
			s := make([]string, len(b))
			for i, e := range b {
				s[i] = fmt.Sprint(e)
			}
			v = "[" + strings.Join(s, " ") + "]"
		}
		if m, ok := v.(map[string]any); ok {
			b, _ := json.Marshal(m)
			v = string(b)
		}
		parts = append(parts, fmt.Sprintf("%s=%v", label, v))
	}
	in := r.Input
	switch r.Type {
	case awstypes.VPC:
		add("cidr", in("cidrBlock"))
	case awstypes.Subnet:
		add("cidr", in("cidrBlock"))
		add("zone", in("availabilityZone"))
		add("publicIpOnLaunch", in("mapPublicIpOnLaunch"))
	case awstypes.Route:
		add("to", in("destinationCidrBlock"))
		for _, via := range []string{"gatewayId", "natGatewayId", "networkInterfaceId"} {
			if r.Input(via) != nil {
				add("via", strings.TrimSuffix(via, "Id"))
			}
		}
	case awstypes.Instance:
		add("type", in("instanceType"))
		add("sourceDestCheck", in("sourceDestCheck"))
		add("imdsTokens", in("metadataOptions", "httpTokens"))
	case awstypes.ECRRepository:
		add("name", in("name"))
		add("tags", in("imageTagMutability"))
		add("scanOnPush", in("imageScanningConfiguration", "scanOnPush"))
		add("forceDelete", in("forceDelete"))
	case awstypes.LoadBalancer:
		add("subnets", len(r.LoadBalancerSubnets()))
		add("deletionProtection", in("enableDeletionProtection"))
		add("dropInvalidHeaders", in("dropInvalidHeaderFields"))
	case awstypes.TargetGroup:
		add("port", in("port"))
		add("target", in("targetType"))
		add("health", in("healthCheck", "path"))
		add("every", fmt.Sprintf("%vs", in("healthCheck", "interval")))
		add("deregistration", fmt.Sprintf("%vs", in("deregistrationDelay")))
	case awstypes.Listener:
		add("port", in("port"))
		add("protocol", in("protocol"))
		add("tls", in("sslPolicy"))
		if acts := r.List("defaultActions"); len(acts) > 0 {
			if m, ok := acts[0].(map[string]any); ok {
				add("default", m["type"])
			}
		}
	case awstypes.ListenerRule:
		add("priority", in("priority"))
		if conds := r.List("conditions"); len(conds) > 0 {
			if m, ok := conds[0].(map[string]any); ok {
				if pp, ok := m["pathPattern"].(map[string]any); ok {
					add("paths", pp["values"])
				}
			}
		}
	case awstypes.SecurityGroupIngressRule, awstypes.SecurityGroupEgressRule:
		add("proto", in("ipProtocol"))
		add("port", in("fromPort"))
		add("cidr", in("cidrIpv4"))
		if in("referencedSecurityGroupId") != nil {
			add("peer", "security group")
		}
	case awstypes.ECSCluster:
		if s := r.List("settings"); len(s) > 0 {
			if m, ok := s[0].(map[string]any); ok {
				add("containerInsights", m["value"])
			}
		}
	case awstypes.ECSTaskDefinition:
		add("cpu", in("cpu"))
		add("memory", in("memory"))
		add("arch", in("runtimePlatform", "cpuArchitecture"))
		var defs []map[string]any
		if s, ok := in("containerDefinitions").(string); ok && json.Unmarshal([]byte(s), &defs) == nil && len(defs) > 0 {
			add("image", defs[0]["image"])
		}
	case awstypes.ECSService:
		add("desired", in("desiredCount"))
		add("publicIp", in("networkConfiguration", "assignPublicIp"))
		add("subnets", in("networkConfiguration", "subnets"))
		var caps []string
		for _, c := range r.List("capacityProviderStrategies") {
			if m, ok := c.(map[string]any); ok {
				caps = append(caps, fmt.Sprintf("%v(base %v, weight %v)", m["capacityProvider"], orZero(m["base"]), orZero(m["weight"])))
			}
		}
		add("capacity", strings.Join(caps, "+"))
		add("circuitBreaker", in("deploymentCircuitBreaker", "rollback"))
		add("alarmRollback", in("alarms", "rollback"))
	case awstypes.AppAutoscalingTarget:
		add("min", in("minCapacity"))
		add("max", in("maxCapacity"))
	case awstypes.AppAutoscalingScheduledAction:
		add("at", in("schedule"))
		add("tz", in("timezone"))
		add("min", in("scalableTargetAction", "minCapacity"))
		add("max", in("scalableTargetAction", "maxCapacity"))
	case awstypes.MetricAlarm:
		add("metric", in("metricName"))
		for _, q := range r.List("metricQueries") {
			if m, ok := q.(map[string]any); ok && m["expression"] != nil {
				add("expression", m["expression"])
			}
		}
		add("op", in("comparisonOperator"))
		add("threshold", in("threshold"))
		add("minutes", in("evaluationPeriods"))
	case awstypes.SNSTopicSubscription:
		add("protocol", in("protocol"))
		add("to", in("endpoint"))
	case awstypes.AppAutoscalingPolicy:
		add("metric", in("targetTrackingScalingPolicyConfiguration", "predefinedMetricSpecification", "predefinedMetricType"))
		add("target", in("targetTrackingScalingPolicyConfiguration", "targetValue"))
	case awstypes.LogGroup:
		add("name", in("name"))
		add("retentionDays", in("retentionInDays"))
	case awstypes.SSMParameter:
		add("name", in("name"))
	case awstypes.ACMCertificate:
		add("domain", in("domainName"))
		add("validation", in("validationMethod"))
	case awstypes.Route53Zone:
		add("name", in("name"))
	case awstypes.Route53Record:
		add("name", in("name"))
		add("type", in("type"))
	case awstypes.DynamoDBTable:
		add("name", in("name"))
		keys := fmt.Sprint(in("hashKey"))
		if rk := r.String("rangeKey"); rk != "" {
			keys += "/" + rk
		}
		add("keys", keys)
		add("indexes", len(r.List("globalSecondaryIndexes")))
		add("pitr", in("pointInTimeRecovery", "enabled"))
		add("deletionProtection", in("deletionProtectionEnabled"))
	case awstypes.VPCEndpoint:
		add("service", in("serviceName"))
		add("type", in("vpcEndpointType"))
	case awstypes.IAMRole:
		add("path", in("path"))
	case awstypes.Budget:
		add("limit", in("limitAmount"))
		add("alerts", len(r.List("notifications")))
	}
	if r.Protect {
		parts = append(parts, "(protected)")
	}
	return strings.Join(parts, " ")
}

func orZero(v any) any {
	if v == nil {
		return 0
	}
	return v
}
