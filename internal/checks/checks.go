// Package checks evaluates security and reliability controls (AWS Security Hub
// FSBP IDs where one exists) over a resource graph: an offline plan or a real
// `pulumi stack export`. Deliberate exceptions come from a register file and hold
// only while their compensating controls pass.
package checks

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fargo-dev/fargo/internal/awsiam"
	"github.com/fargo-dev/fargo/internal/awstypes"
	"github.com/fargo-dev/fargo/internal/envname"
	"github.com/fargo-dev/fargo/internal/graph"
)

// Status is a finding's outcome.
type Status string

// Finding outcomes.
const (
	Pass     Status = "pass"
	Fail     Status = "fail"
	Excepted Status = "excepted"
)

// Finding is one control's verdict on one resource.
type Finding struct {
	Control  string `json:"control"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	URN      string `json:"urn"`
	Status   Status `json:"status"`
	// Reason is what the control found.
	Reason string `json:"reason"`
	// Exception is the registered exception that excepts the finding, or that
	// would but does not hold; nil for none.
	Exception *AppliedException `json:"exception,omitempty"`
}

// AppliedException is a registered exception as it bears on one finding.
type AppliedException struct {
	Why           string   `json:"why"`
	CompensatedBy []string `json:"compensatedBy"`
	Compensation  string   `json:"compensation"`
	// Broken lists the compensating controls that do not pass, which keep the
	// finding a failure.
	Broken []string `json:"broken,omitempty"`
}

// Control is one check.
type Control struct {
	ID, Title, Severity string
	// Evaluate returns a finding per applicable resource; none when nothing applies.
	Evaluate func(g *graph.Export) []Finding
}

// Controls are every control fargo checks, in report order.
var Controls = []Control{
	{"ECS.2", "ECS services should not have public IP addresses assigned automatically", "High", ecsPublicIP},
	{"ECS.4", "ECS containers should run as non-privileged", "High", containerCheck(func(c container) (bool, string) {
		return !c.Privileged, "privileged: " + fmt.Sprint(c.Privileged)
	})},
	{"ECS.5", "ECS containers should be limited to read-only access to root filesystems", "High", containerCheck(func(c container) (bool, string) {
		return c.ReadonlyRootFilesystem != nil && *c.ReadonlyRootFilesystem, "readonlyRootFilesystem: " + fmtPtr(c.ReadonlyRootFilesystem)
	})},
	{"ECS.8", "Secrets should not be passed as container environment variables", "High", containerCheck(secretsInEnvironment)},
	{"ECS.9", "ECS task definitions should have a logging configuration", "High", containerCheck(func(c container) (bool, string) {
		if c.LogConfiguration == nil || c.LogConfiguration.LogDriver == "" {
			return false, "no logConfiguration"
		}
		return true, "logs with " + c.LogConfiguration.LogDriver
	})},
	{"ECS.10", "ECS Fargate services should run on the latest Fargate platform version", "Medium", platformVersion},
	{"ECS.12", "ECS clusters should use Container Insights", "Medium", containerInsights},
	{"ECS.20", "ECS task definitions should configure non-root users for Linux containers", "Medium", containerCheck(nonRootUser)},
	{"ELB.1", "Application Load Balancer should redirect all HTTP requests to HTTPS", "Medium", httpRedirects},
	{"ELB.4", "Application Load Balancer should drop invalid HTTP headers", "Medium", albBool("dropInvalidHeaderFields", "drops invalid header fields")},
	{"ELB.6", "Application Load Balancers should have deletion protection enabled", "Medium", albBool("enableDeletionProtection", "has deletion protection")},
	{"ELB.12", "Application Load Balancer should use defensive or strictest desync mitigation mode", "Medium", desyncMode},
	{"ELB.13", "Load balancers should span multiple Availability Zones", "Medium", albZones},
	{"ELB.17", "HTTPS listeners should use a recommended security policy", "Medium", tlsPolicy},
	{"ECR.1", "ECR private repositories should have image scanning configured", "High", ecrScan},
	{"ECR.2", "ECR private repositories should have tag immutability configured", "Medium", ecrImmutable},
	{"ECR.3", "ECR repositories should have at least one lifecycle policy configured", "Medium", ecrLifecycle},
	{"EC2.2", "VPC default security groups should not allow inbound or outbound traffic", "High", defaultSecurityGroups},
	{"EC2.15", "EC2 subnets should not automatically assign public IP addresses", "Medium", subnetPublicIPs},
	{"EC2.18", "Security groups should only allow unrestricted incoming traffic for authorized ports", "High", unrestrictedIngress},
	{"EC2.19", "Security groups should not allow unrestricted access to ports with high risk", "Critical", highRiskPorts},
	{"ACM.1", "Certificates should be DNS-validated so ACM renews them automatically", "Medium", acmRenewal},
	{"CloudWatch.16", "CloudWatch log groups should be retained for at least 365 days", "Medium", logRetention(365)},
	{"LOGS.1", "CloudWatch log groups should have a finite retention", "Low", logRetention(0)},
	{"CloudWatch.15", "CloudWatch alarms should have specified actions configured", "High", alarmActions},
	{"CloudWatch.17", "CloudWatch alarm actions should be activated", "High", alarmActionsEnabled},
	{"IAM.1", "IAM policies should not allow full \"*\" administrative privileges", "High", iamAdmin},
	{"IAM.21", "IAM policies should not use service-wide wildcards or \"*\" resources for actions that can be scoped", "Low", iamWildcards},
	{"IAM.STACK", "A stack's policies should reach no other stack's resources", "High", stackScoped},
	{"IAM.SIZE", "IAM policies should fit IAM's size quotas (10,240 characters inline per role, 6,144 per managed policy)", "High", policySizes},
	{"IAM.PASSROLE", "iam:PassRole should name its roles and the service they are passed to", "High", passRoleScoped},
	{"GH.1", "GitHub OIDC roles should pin the audience and an exact repository subject", "High", githubTrust},
	{"REL.1", "ECS services should roll back failed deployments (circuit breaker with rollback)", "High", circuitBreaker},
	{"REL.2", "ECS services on Fargate Spot should keep an on-demand base", "High", onDemandBase},
	{"REL.3", "Draining and stop timeouts should fit inside the two-minute Spot notice", "Medium", spotNotice},
	{"REL.4", "ECS services behind a load balancer should have a health check grace period", "Medium", gracePeriod},
	{"REL.5", "ECS services should run across at least two Availability Zones", "High", serviceZones},
	{"DATA.1", "DynamoDB tables should have point-in-time recovery", "High", tableBackups},
	{"DATA.2", "DynamoDB tables should have deletion protection", "Medium", tableDeletionProtection},
}

// ControlByID returns a control, or nil.
func ControlByID(id string) *Control {
	for i := range Controls {
		if Controls[i].ID == id {
			return &Controls[i]
		}
	}
	return nil
}

// Evaluate runs every control over the graph, then applies the stack's exceptions.
func Evaluate(g *graph.Export, register *Register) []Finding {
	var findings []Finding
	for _, c := range Controls {
		for _, f := range c.Evaluate(g) {
			f.Control, f.Title, f.Severity = c.ID, c.Title, c.Severity
			findings = append(findings, f)
		}
	}
	if register != nil {
		findings = register.apply(g.StackName(), findings)
	}
	return findings
}

// Failed returns the failing findings.
func Failed(findings []Finding) []Finding {
	var out []Finding
	for _, f := range findings {
		if f.Status == Fail {
			out = append(out, f)
		}
	}
	return out
}

// pass, fail and verdict take a URN as the graph types it (resource.URN) or as a string.
func pass[URN ~string](urn URN, format string, args ...any) Finding {
	return Finding{URN: string(urn), Status: Pass, Reason: fmt.Sprintf(format, args...)}
}

func fail[URN ~string](urn URN, format string, args ...any) Finding {
	return Finding{URN: string(urn), Status: Fail, Reason: fmt.Sprintf(format, args...)}
}

func verdict[URN ~string](ok bool, urn URN, reason string) Finding {
	if ok {
		return pass(urn, "%s", reason)
	}
	return fail(urn, "%s", reason)
}

// each applies a test to every resource of a type: one finding per resource.
func each(typ string, test func(r *graph.Resource) (bool, string)) func(*graph.Export) []Finding {
	return func(g *graph.Export) []Finding {
		var out []Finding
		for _, r := range g.Resources(typ) {
			ok, reason := test(r)
			out = append(out, verdict(ok, r.URN, reason))
		}
		return out
	}
}

func fmtPtr(b *bool) string {
	if b == nil {
		return "unset"
	}
	return fmt.Sprint(*b)
}

// ---- ECS ----

var ecsPublicIP = each(awstypes.ECSService, func(s *graph.Resource) (bool, string) {
	ip, _ := s.Bool("networkConfiguration", "assignPublicIp")
	return !ip, fmt.Sprintf("assignPublicIp: %v", ip)
})

// container is the part of an ECS container definition the checks read.
type container struct {
	Name                   string `json:"name"`
	User                   string `json:"user"`
	Privileged             bool   `json:"privileged"`
	ReadonlyRootFilesystem *bool  `json:"readonlyRootFilesystem"`
	StopTimeout            *int   `json:"stopTimeout"`
	Environment            []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"environment"`
	LogConfiguration *struct {
		LogDriver string `json:"logDriver"`
	} `json:"logConfiguration"`
	DockerLabels map[string]string `json:"dockerLabels"`
}

// containers decodes a task definition's container definitions (a JSON string).
func containers(td *graph.Resource) ([]container, error) {
	raw := td.String("containerDefinitions")
	var out []container
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("containerDefinitions is not readable JSON: %v", err)
	}
	return out, nil
}

// containerCheck applies a per-container test to every task definition: the task
// passes when every container does.
func containerCheck(test func(container) (bool, string)) func(*graph.Export) []Finding {
	return func(g *graph.Export) []Finding {
		var out []Finding
		for _, td := range g.Resources(awstypes.ECSTaskDefinition) {
			cs, err := containers(td)
			if err != nil {
				out = append(out, fail(td.URN, "%v", err))
				continue
			}
			ok, reasons := true, []string{}
			for _, c := range cs {
				good, why := test(c)
				ok = ok && good
				reasons = append(reasons, c.Name+": "+why)
			}
			out = append(out, verdict(ok, td.URN, strings.Join(reasons, "; ")))
		}
		return out
	}
}

// secretsInEnvironment is ECS.8 with envname's rule: a secret-looking name fails
// unless the task definition declares it plain (the envname.PlainLabel label),
// which never covers the three names Security Hub itself looks for.
func secretsInEnvironment(c container) (bool, string) {
	plain := strings.Split(c.DockerLabels[envname.PlainLabel], ",")
	for _, e := range c.Environment {
		if slices.Contains(envname.Reserved, e.Name) || (envname.LooksSecret(e.Name) && !slices.Contains(plain, e.Name)) {
			return false, "secret-looking environment variable " + e.Name
		}
	}
	return true, fmt.Sprintf("%d plain variables, none secret-looking", len(c.Environment))
}

func nonRootUser(c container) (bool, string) {
	uid, _, _ := strings.Cut(c.User, ":")
	switch {
	case c.User == "":
		return false, "no user set: runs as the image's user, root by default"
	case uid == "root" || strings.Trim(uid, "0") == "":
		return false, "user " + c.User + " is root"
	}
	return true, "user " + c.User
}

var platformVersion = each(awstypes.ECSService, func(s *graph.Resource) (bool, string) {
	v := s.String("platformVersion")
	return v == "" || v == "LATEST", "platformVersion: " + orUnset(v)
})

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

func containerInsights(g *graph.Export) []Finding {
	var out []Finding
	for _, c := range g.Resources(awstypes.ECSCluster) {
		value := "unset"
		for _, s := range c.List("settings") {
			if m, _ := s.(map[string]any); m["name"] == "containerInsights" {
				value = fmt.Sprint(m["value"])
			}
		}
		out = append(out, verdict(value == "enabled" || value == "enhanced", c.URN, "containerInsights: "+value))
	}
	return out
}

// ---- ELB ----

func albs(g *graph.Export) []*graph.Resource {
	var out []*graph.Resource
	for _, lb := range g.Resources(awstypes.LoadBalancer) {
		if t := lb.String("loadBalancerType"); t == "" || t == "application" {
			out = append(out, lb)
		}
	}
	return out
}

func albBool(key, what string) func(*graph.Export) []Finding {
	return func(g *graph.Export) []Finding {
		var out []Finding
		for _, lb := range albs(g) {
			v, _ := lb.Bool(key)
			out = append(out, verdict(v, lb.URN, fmt.Sprintf("%s: %v", key, v)))
		}
		return out
	}
}

func desyncMode(g *graph.Export) []Finding {
	var out []Finding
	for _, lb := range albs(g) {
		m := lb.String("desyncMitigationMode")
		out = append(out, verdict(m == "" || m == "defensive" || m == "strictest", lb.URN, "desyncMitigationMode: "+orUnset(m)+" (AWS default defensive)"))
	}
	return out
}

func albZones(g *graph.Export) []Finding {
	var out []Finding
	for _, lb := range albs(g) {
		n := len(lb.LoadBalancerSubnets())
		out = append(out, verdict(n >= 2, lb.URN, fmt.Sprintf("%d subnets", n)))
	}
	return out
}

// listenerRules maps listener ARN to its rules.
func listenerRules(g *graph.Export) map[string][]*graph.Resource {
	out := map[string][]*graph.Resource{}
	for _, r := range g.Resources(awstypes.ListenerRule) {
		out[r.String("listenerArn")] = append(out[r.String("listenerArn")], r)
	}
	return out
}

func httpRedirects(g *graph.Export) []Finding {
	var out []Finding
	rules := listenerRules(g)
	for _, l := range g.Resources(awstypes.Listener) {
		if l.String("protocol") != "HTTP" {
			continue
		}
		acts := l.List("defaultActions")
		if len(acts) != 1 {
			out = append(out, fail(l.URN, "%d default actions; want one redirect to HTTPS", len(acts)))
			continue
		}
		a, _ := acts[0].(map[string]any)
		r, _ := a["redirect"].(map[string]any)
		if a["type"] != "redirect" || r["protocol"] != "HTTPS" {
			out = append(out, fail(l.URN, "HTTP listener serves traffic (%v) instead of redirecting to HTTPS", a["type"]))
			continue
		}
		if n := len(rules[l.String("arn")]); n > 0 {
			out = append(out, fail(l.URN, "redirect listener still has %d forwarding rules", n))
			continue
		}
		out = append(out, pass(l.URN, "redirects to HTTPS port %v with %v", r["port"], r["statusCode"]))
	}
	return out
}

// RecommendedTLSPolicies are the policies Security Hub ELB.17 accepts.
var RecommendedTLSPolicies = []string{
	"ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
}

func tlsPolicy(g *graph.Export) []Finding {
	var out []Finding
	for _, l := range g.Resources(awstypes.Listener) {
		if l.String("protocol") != "HTTPS" {
			continue
		}
		p := l.String("sslPolicy")
		out = append(out, verdict(slices.Contains(RecommendedTLSPolicies, p), l.URN, "sslPolicy: "+orUnset(p)))
	}
	return out
}

// ---- ECR ----

var ecrScan = each(awstypes.ECRRepository, func(r *graph.Resource) (bool, string) {
	v, _ := r.Bool("imageScanningConfiguration", "scanOnPush")
	return v, fmt.Sprintf("scanOnPush: %v", v)
})

var ecrImmutable = each(awstypes.ECRRepository, func(r *graph.Resource) (bool, string) {
	m := r.String("imageTagMutability")
	return m == "IMMUTABLE", "imageTagMutability: " + orUnset(m)
})

func ecrLifecycle(g *graph.Export) []Finding {
	covered := map[string]bool{}
	for _, p := range g.Resources(awstypes.ECRLifecyclePolicy) {
		covered[p.String("repository")] = p.String("policy") != ""
	}
	var out []Finding
	for _, r := range g.Resources(awstypes.ECRRepository) {
		ok := covered[r.String("name")]
		reason := "no lifecycle policy"
		if ok {
			reason = "has a lifecycle policy"
		}
		out = append(out, verdict(ok, r.URN, reason))
	}
	return out
}

// ---- EC2 ----

// defaultSecurityGroups is EC2.2: each VPC's default security group, found by its
// vpcId, is managed and holds no rules.
func defaultSecurityGroups(g *graph.Export) []Finding {
	byVpc := map[string]*graph.Resource{}
	for _, d := range g.Resources(awstypes.DefaultSecurityGroup) {
		byVpc[d.String("vpcId")] = d
	}
	var out []Finding
	for _, v := range g.Resources(awstypes.VPC) {
		d, ok := byVpc[string(v.ID)]
		if !ok || v.ID == "" {
			out = append(out, fail(v.URN, "the VPC's default security group is not managed, so it keeps AWS's allow-all rules"))
			continue
		}
		n := len(d.List("ingress")) + len(d.List("egress"))
		out = append(out, verdict(n == 0, d.URN, fmt.Sprintf("default security group has %d rules", n)))
	}
	return out
}

func subnetPublicIPs(g *graph.Export) []Finding {
	var out []Finding
	for _, s := range g.Resources(awstypes.Subnet) {
		on, _ := s.Bool("mapPublicIpOnLaunch")
		out = append(out, verdict(!on, s.URN, fmt.Sprintf("mapPublicIpOnLaunch: %v", on)))
	}
	return out
}

// ingressRule is one inbound permission, from a rule resource or an inline rule.
type ingressRule struct {
	urn, protocol, cidr string
	from, to            int
	fromGroup           bool
}

func ingressRules(g *graph.Export) []ingressRule {
	var out []ingressRule
	for _, r := range g.Resources(awstypes.SecurityGroupIngressRule) {
		from, _ := r.Number("fromPort")
		to, _ := r.Number("toPort")
		cidr := r.String("cidrIpv4")
		if c := r.String("cidrIpv6"); c != "" {
			cidr = c
		}
		out = append(out, ingressRule{urn: string(r.URN), protocol: r.String("ipProtocol"), cidr: cidr, from: int(from), to: int(to),
			fromGroup: r.String("referencedSecurityGroupId") != ""})
	}
	for _, sg := range g.Resources(awstypes.SecurityGroup) {
		for _, in := range sg.List("ingress") {
			m, _ := in.(map[string]any)
			from, _ := graph.AsNumber(m["fromPort"])
			to, _ := graph.AsNumber(m["toPort"])
			var cidrs []string
			for _, key := range []string{"cidrBlocks", "ipv6CidrBlocks"} {
				l, _ := m[key].([]any)
				for _, c := range l {
					cidrs = append(cidrs, fmt.Sprint(c))
				}
			}
			groups, _ := m["securityGroups"].([]any)
			for _, c := range cidrs {
				out = append(out, ingressRule{urn: string(sg.URN), protocol: fmt.Sprint(m["protocol"]), cidr: c, from: int(from), to: int(to)})
			}
			if len(cidrs) == 0 && len(groups) > 0 {
				out = append(out, ingressRule{urn: string(sg.URN), protocol: fmt.Sprint(m["protocol"]), from: int(from), to: int(to), fromGroup: true})
			}
		}
	}
	return out
}

func (r ingressRule) open() bool { return r.cidr == "0.0.0.0/0" || r.cidr == "::/0" }

// covers reports whether the rule admits the port.
func (r ingressRule) covers(port int) bool {
	if r.protocol == "-1" || r.protocol == "all" {
		return true
	}
	return r.from <= port && port <= r.to
}

// AuthorizedPorts are the ports open to the internet that EC2.18 accepts.
var AuthorizedPorts = []int{80, 443}

// previewPorts reports whether from-to are exactly the ports the stack opens
// to its pull request previews, which serve HTTP like port 80.
func previewPorts(g *graph.Export, from, to int) bool {
	f, t, ok := g.PreviewPorts()
	return ok && from == f && to == t
}

func unrestrictedIngress(g *graph.Export) []Finding {
	var out []Finding
	for _, r := range ingressRules(g) {
		switch {
		case r.fromGroup:
			out = append(out, pass(r.urn, "admits only a referenced security group on %d-%d", r.from, r.to))
		case !r.open():
			out = append(out, pass(r.urn, "admits only %s", r.cidr))
		case r.protocol != "-1" && r.from == r.to && slices.Contains(AuthorizedPorts, r.from):
			out = append(out, pass(r.urn, "open to %s on authorized port %d", r.cidr, r.from))
		case r.protocol == "tcp" && previewPorts(g, r.from, r.to):
			out = append(out, pass(r.urn, "open to %s on the stack's preview ports %d-%d", r.cidr, r.from, r.to))
		default:
			out = append(out, fail(r.urn, "open to %s on %s %d-%d; only %v may be", r.cidr, r.protocol, r.from, r.to, AuthorizedPorts))
		}
	}
	return out
}

// HighRiskPorts are the ports EC2.19 forbids opening to the internet.
var HighRiskPorts = []int{20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300}

func highRiskPorts(g *graph.Export) []Finding {
	var out []Finding
	for _, r := range ingressRules(g) {
		var hit []int
		if r.open() {
			for _, p := range HighRiskPorts {
				if r.covers(p) {
					hit = append(hit, p)
				}
			}
		}
		if len(hit) > 0 {
			out = append(out, fail(r.urn, "high-risk ports %v open to %s", hit, r.cidr))
		} else {
			out = append(out, pass(r.urn, "no high-risk port open to the internet"))
		}
	}
	return out
}

// ---- ACM and logs ----

func acmRenewal(g *graph.Export) []Finding {
	validated := map[string]bool{}
	for _, v := range g.Resources(awstypes.ACMCertificateValidation) {
		validated[v.String("certificateArn")] = len(v.List("validationRecordFqdns")) > 0
	}
	var out []Finding
	for _, c := range g.Resources(awstypes.ACMCertificate) {
		method := c.String("validationMethod")
		switch {
		case method != "DNS":
			out = append(out, fail(c.URN, "validationMethod %s: ACM renews only DNS-validated certificates by itself", orUnset(method)))
		case !validated[c.String("arn")]:
			out = append(out, fail(c.URN, "DNS-validated but no validation resource waits on its records"))
		default:
			out = append(out, pass(c.URN, "DNS-validated with validation records, so ACM renews it"))
		}
	}
	return out
}

// logRetention requires a set retention of at least minDays (0: any finite value).
func logRetention(minDays int) func(*graph.Export) []Finding {
	return func(g *graph.Export) []Finding {
		var out []Finding
		for _, lg := range g.Resources(awstypes.LogGroup) {
			days, ok := lg.Number("retentionInDays")
			switch {
			case !ok || days == 0:
				out = append(out, fail(lg.URN, "no retention: logs are kept (and billed) forever"))
			case int(days) < minDays:
				out = append(out, fail(lg.URN, "retention %g days < %d", days, minDays))
			default:
				out = append(out, pass(lg.URN, "retention %g days", days))
			}
		}
		return out
	}
}

// ---- IAM ----

// statement is one IAM policy statement, with the checks' questions about it.
type statement struct{ awsiam.Statement }

// policyDocuments returns every customer policy document in the graph, by URN.
func policyDocuments(g *graph.Export) map[string][]string {
	docs := map[string][]string{}
	for _, typ := range []string{awstypes.IAMRolePolicy, awstypes.IAMPolicy, awstypes.IAMUserPolicy, awstypes.IAMGroupPolicy} {
		for _, r := range g.Resources(typ) {
			docs[string(r.URN)] = append(docs[string(r.URN)], r.String("policy"))
		}
	}
	for _, r := range g.Resources(awstypes.IAMRole) {
		for _, p := range r.List("inlinePolicies") {
			if m, ok := p.(map[string]any); ok {
				if s, ok := m["policy"].(string); ok {
					docs[string(r.URN)] = append(docs[string(r.URN)], s)
				}
			}
		}
	}
	return docs
}

func parseStatements(doc string) ([]statement, error) {
	d, err := awsiam.Parse(doc)
	if err != nil {
		return nil, err
	}
	out := make([]statement, len(d.Statement))
	for i, st := range d.Statement {
		out[i] = statement{st}
	}
	return out, nil
}

func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, len(t))
		for i, e := range t {
			out[i] = fmt.Sprint(e)
		}
		return out
	}
	return nil
}

// adminPolicies are AWS-managed policies no fargo role needs.
var adminPolicies = []string{"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/IAMFullAccess"}

func iamAdmin(g *graph.Export) []Finding {
	var out []Finding
	docs := policyDocuments(g)
	for _, urn := range slices.Sorted(maps.Keys(docs)) {
		ok, reason := true, "no statement allows * on *"
		for _, doc := range docs[urn] {
			sts, err := parseStatements(doc)
			if err != nil {
				ok, reason = false, "policy is not readable JSON"
				break
			}
			for _, s := range sts {
				if s.Effect == "Allow" && slices.Contains(s.Action, "*") {
					ok, reason = false, "a statement allows every action"
				}
			}
		}
		out = append(out, verdict(ok, urn, reason))
	}
	for _, a := range g.Resources(awstypes.IAMRolePolicyAttachment) {
		arn := a.String("policyArn")
		out = append(out, verdict(!slices.Contains(adminPolicies, arn), a.URN, "attaches "+arn))
	}
	return out
}

func iamWildcards(g *graph.Export) []Finding {
	var out []Finding
	docs := policyDocuments(g)
	for _, urn := range slices.Sorted(maps.Keys(docs)) {
		var problems []string
		for _, doc := range docs[urn] {
			sts, err := parseStatements(doc)
			if err != nil {
				problems = append(problems, "unreadable policy")
				continue
			}
			for _, s := range sts {
				if s.Effect != "Allow" {
					continue
				}
				for _, a := range s.Action {
					if strings.HasSuffix(a, ":*") || a == "*" {
						problems = append(problems, "service-wide action "+a)
					}
				}
				if slices.Contains(s.Resource, "*") && !s.tagScoped(g.StackName()) {
					for _, a := range s.Action {
						if !slices.Contains(awsiam.UnscopableActions, a) {
							problems = append(problems, a+" on Resource *")
						}
					}
				}
			}
		}
		if len(problems) > 0 {
			out = append(out, fail(urn, "%s", strings.Join(problems, "; ")))
		} else {
			out = append(out, pass(urn, "actions listed explicitly, resources scoped by name or the stack's tag"))
		}
	}
	return out
}

func passRoleScoped(g *graph.Export) []Finding {
	var out []Finding
	docs := policyDocuments(g)
	for _, urn := range slices.Sorted(maps.Keys(docs)) {
		for _, doc := range docs[urn] {
			sts, err := parseStatements(doc)
			if err != nil {
				continue // IAM.1 reports unreadable policies
			}
			for _, s := range sts {
				if s.Effect != "Allow" || !(slices.Contains(s.Action, "iam:PassRole") || slices.Contains(s.Action, "iam:*")) {
					continue
				}
				service := s.Condition["StringEquals"]["iam:PassedToService"]
				switch {
				case slices.Contains(s.Resource, "*"):
					out = append(out, fail(urn, "iam:PassRole on every role"))
				case service == nil:
					out = append(out, fail(urn, "iam:PassRole without an iam:PassedToService condition"))
				default:
					out = append(out, pass(urn, "iam:PassRole on %v to %v only", s.Resource, service))
				}
			}
		}
	}
	return out
}

// githubOidcHost is GitHub's OIDC issuer as IAM condition keys name it.
const githubOidcHost = "token.actions.githubusercontent.com"

func githubTrust(g *graph.Export) []Finding {
	var out []Finding
	for _, r := range g.Resources(awstypes.IAMRole) {
		sts, err := parseStatements(r.String("assumeRolePolicy"))
		if err != nil {
			continue
		}
		for _, s := range sts {
			fed, _ := s.Principal["Federated"].(string)
			if !strings.Contains(fed, githubOidcHost) {
				continue
			}
			eq := s.Condition["StringEquals"]
			aud := stringList(eq[githubOidcHost+":aud"])
			subs := stringList(eq[githubOidcHost+":sub"])
			var problems []string
			if !slices.Equal(aud, []string{"sts.amazonaws.com"}) {
				problems = append(problems, fmt.Sprintf("audience %v is not exactly sts.amazonaws.com", aud))
			}
			if len(subs) == 0 {
				problems = append(problems, "no exact sub condition: any repository's workflow could assume it")
			}
			for _, sub := range subs {
				if !strings.HasPrefix(sub, "repo:") || strings.ContainsAny(sub, "*?") {
					problems = append(problems, fmt.Sprintf("subject %q is not one repository's branch, environment or pull requests", sub))
				}
			}
			if like := s.Condition["StringLike"]; like != nil && like[githubOidcHost+":sub"] != nil {
				problems = append(problems, "sub is matched with StringLike")
			}
			if len(problems) > 0 {
				out = append(out, fail(r.URN, "%s", strings.Join(problems, "; ")))
			} else {
				out = append(out, pass(r.URN, "trusts %v with audience sts.amazonaws.com", subs))
			}
		}
	}
	return out
}

// ---- reliability ----

var alarmActions = each(awstypes.MetricAlarm, func(a *graph.Resource) (bool, string) {
	n := len(a.List("alarmActions"))
	return n > 0, fmt.Sprintf("%d alarm actions", n)
})

// alarmActionsEnabled: actionsEnabled defaults to true when unset.
var alarmActionsEnabled = each(awstypes.MetricAlarm, func(a *graph.Resource) (bool, string) {
	on, set := a.Bool("actionsEnabled")
	return on || !set, fmt.Sprintf("actionsEnabled=%v", on || !set)
})

var circuitBreaker = each(awstypes.ECSService, func(s *graph.Resource) (bool, string) {
	e, _ := s.Bool("deploymentCircuitBreaker", "enable")
	r, _ := s.Bool("deploymentCircuitBreaker", "rollback")
	return e && r, fmt.Sprintf("circuit breaker enable=%v rollback=%v", e, r)
})

func onDemandBase(g *graph.Export) []Finding {
	var out []Finding
	for _, s := range g.Resources(awstypes.ECSService) {
		spot, base, odWeight := false, 0.0, 0.0
		for _, st := range s.List("capacityProviderStrategies") {
			m, _ := st.(map[string]any)
			b, _ := graph.AsNumber(m["base"])
			w, _ := graph.AsNumber(m["weight"])
			switch m["capacityProvider"] {
			case "FARGATE_SPOT":
				spot = spot || w > 0 || b > 0
			case "FARGATE":
				base, odWeight = b, w
			}
		}
		switch {
		case !spot:
			out = append(out, pass(s.URN, "no Fargate Spot share"))
		case base >= 1 || odWeight > 0:
			out = append(out, pass(s.URN, "on-demand base %g, weight %g under Spot", base, odWeight))
		default:
			out = append(out, fail(s.URN, "all tasks on Fargate Spot: when Spot capacity is short the service runs nothing"))
		}
	}
	return out
}

// SpotNoticeSeconds is how long Fargate Spot warns before reclaiming a task.
const SpotNoticeSeconds = 120

func spotNotice(g *graph.Export) []Finding {
	var out []Finding
	for _, tg := range g.Resources(awstypes.TargetGroup) {
		d, ok := tg.Number("deregistrationDelay")
		if !ok {
			d = 300 // AWS default
		}
		out = append(out, verdict(d < SpotNoticeSeconds, tg.URN, fmt.Sprintf("deregistration delay %g s (Spot notice %d s)", d, SpotNoticeSeconds)))
	}
	return append(out, stopTimeouts(g)...)
}

// stopTimeouts: a container must stop before Spot reclaims its task.
var stopTimeouts = containerCheck(func(c container) (bool, string) {
	if c.StopTimeout == nil {
		return true, "stopTimeout unset (30 s default)"
	}
	return *c.StopTimeout < SpotNoticeSeconds, fmt.Sprintf("stopTimeout %d s", *c.StopTimeout)
})

func gracePeriod(g *graph.Export) []Finding {
	var out []Finding
	for _, s := range g.Resources(awstypes.ECSService) {
		if len(s.List("loadBalancers")) == 0 {
			continue
		}
		p, _ := s.Number("healthCheckGracePeriodSeconds")
		out = append(out, verdict(p > 0, s.URN, fmt.Sprintf("healthCheckGracePeriodSeconds %g", p)))
	}
	return out
}

var serviceZones = each(awstypes.ECSService, func(s *graph.Resource) (bool, string) {
	n := len(s.List("networkConfiguration", "subnets"))
	return n >= 2, fmt.Sprintf("%d subnets", n)
})

// tableBackups passes a stack without tables on its stack resource: it then holds
// no data that deleting its resources could lose.
func tableBackups(g *graph.Export) []Finding {
	tables := g.Resources(awstypes.DynamoDBTable)
	if len(tables) == 0 {
		urn := ""
		if st := g.Resources(graph.RootStackType); len(st) > 0 {
			urn = string(st[0].URN)
		}
		return []Finding{pass(urn, "the stack holds no table: everything in it is recreated by `pulumi up`")}
	}
	var out []Finding
	for _, t := range tables {
		pitr, _ := t.Bool("pointInTimeRecovery", "enabled")
		out = append(out, verdict(pitr, t.URN, fmt.Sprintf("point-in-time recovery %v", pitr)))
	}
	return out
}

var tableDeletionProtection = each(awstypes.DynamoDBTable, func(t *graph.Resource) (bool, string) {
	on, _ := t.Bool("deletionProtectionEnabled")
	return on, fmt.Sprintf("deletionProtectionEnabled %v", on)
})
