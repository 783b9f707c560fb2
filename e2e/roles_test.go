package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
)

// apiCall is one request the emulator recorded (moto/launch.py, record_calls).
type apiCall struct {
	Service string         `json:"service"`
	Action  string         `json:"action"`
	Params  map[string]any `json:"params"`
	// UserAgent tells the suite's own AWS CLI calls (suiteUserAgent) apart.
	UserAgent string `json:"userAgent"`
	Path      string `json:"path"`
}

// iamRequest is what AWS authorizes for a call: an action on a resource, with
// the context keys a condition may test.
type iamRequest struct {
	Role     string         `json:"role"`
	Action   string         `json:"action"`
	Resource string         `json:"resource"`
	Context  map[string]any `json:"context,omitempty"`
}

// callLog reads the calls recorded between two marks (line counts).
type callLog struct{ path string }

func (l callLog) mark(t *testing.T) int {
	t.Helper()
	return len(l.read(t, 0, -1))
}

func (l callLog) read(t *testing.T, from, to int) []apiCall {
	t.Helper()
	f, err := os.Open(l.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []apiCall
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for i := 0; sc.Scan(); i++ {
		if i < from || (to >= 0 && i >= to) {
			continue
		}
		var c apiCall
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("call log line %d: %v", i, err)
		}
		calls = append(calls, c)
	}
	return calls
}

// arnScope builds the ARNs of the emulator's account and region.
type arnScope struct {
	account string
	// rolePaths maps role names to their IAM paths.
	rolePaths map[string]string
	// admin knows every resource's tags, for the tag conditions.
	admin *adminCalls
	// kmsAliases maps the KMS aliases calls name to their keys' ARNs.
	kmsAliases map[string]string
}

// ec2Types maps EC2 id prefixes to their ARN resource types.
var ec2Types = map[string]string{
	"vpc": "vpc", "subnet": "subnet", "rtb": "route-table", "igw": "internet-gateway", "sg": "security-group",
	"sgr": "security-group-rule", "eipalloc": "elastic-ip", "nat": "natgateway", "i": "instance",
	"eni": "network-interface", "vpce": "vpc-endpoint", "ami": "image",
}

var ec2ID = regexp.MustCompile(`^([a-z]+)-[0-9a-f]{8,17}$`)

// ec2Creates maps the EC2 actions that make a resource to the new resource's type.
var ec2Creates = map[string]string{
	"CreateVpc": "vpc", "CreateSubnet": "subnet", "CreateRouteTable": "route-table", "CreateInternetGateway": "internet-gateway",
	"CreateSecurityGroup": "security-group", "AllocateAddress": "elastic-ip", "CreateNatGateway": "natgateway",
	"CreateVpcEndpoint": "vpc-endpoint", "RunInstances": "instance",
}

// strings lists every string in a call's parameters, at any depth.
func allStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, allStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range slices.Sorted(maps.Keys(t)) {
			out = append(out, allStrings(t[k])...)
		}
		return out
	}
	return nil
}

// requestTags are the tags a call asks to set, in each protocol's shape.
func requestTags(c apiCall) map[string]string {
	tags := map[string]string{}
	add := func(v any) {
		switch t := v.(type) {
		case map[string]any: // Application Auto Scaling
			for k, v := range t {
				tags[k] = fmt.Sprint(v)
			}
		case []any: // [{Key, Value}]
			for _, e := range t {
				if m, ok := e.(map[string]any); ok {
					tags[fmt.Sprint(m["Key"])] = fmt.Sprint(m["Value"])
				}
			}
		}
	}
	add(c.Params["Tags"])
	add(c.Params["AddTags"])
	if specs, ok := c.Params["TagSpecifications"].([]any); ok {
		for _, spec := range specs {
			if m, ok := spec.(map[string]any); ok {
				add(m["Tags"])
			}
		}
	}
	return tags
}

// tagged adds the tag condition keys IAM sees for a resource in a request.
func (a arnScope) tagged(r iamRequest, resourceKey string, request map[string]string) iamRequest {
	r.Context = map[string]any{}
	for k, v := range a.admin.tags[resourceKey] {
		r.Context["aws:ResourceTag/"+k] = v
	}
	for k, v := range request {
		r.Context["aws:RequestTag/"+k] = v
	}
	return r
}

// taggedRequests maps the calls of services whose resources fargo cannot name
// (EC2, load balancing, scaling, certificates): the resources the call names,
// each with its tags, and the new resource a create makes, with the request's.
func (a arnScope) taggedRequests(c apiCall, action string) []iamRequest {
	request := requestTags(c)
	var out []iamRequest
	add := func(resource, key string) {
		out = append(out, a.tagged(iamRequest{Action: action, Resource: resource}, key, request))
	}
	switch c.Service {
	case "ec2":
		rule := strings.Contains(c.Action, "SecurityGroupIngress") || strings.Contains(c.Action, "SecurityGroupEgress")
		for _, v := range allStrings(c.Params) {
			m := ec2ID.FindStringSubmatch(v)
			switch {
			case rule && m != nil && m[1] == "sg" && !slices.Contains(param(c, "GroupId"), v):
				// A rule's source or destination group is not a resource of
				// the request: IAM authorizes the group the rule is added to
				// (GroupId) and the rule (Service Authorization Reference,
				// Amazon EC2: AuthorizeSecurityGroupIngress lists the
				// security-group and security-group-rule resource types).
			case m != nil && (m[1] == "rtbassoc" || m[1] == "eipassoc"):
				for _, id := range a.admin.associations[v] {
					add(a.arn("ec2", ec2Types[ec2ID.FindStringSubmatch(id)[1]]+"/"+id), id)
				}
			case m != nil && ec2Types[m[1]] != "":
				add(a.arn("ec2", ec2Types[m[1]]+"/"+v), v)
			}
		}
		if typ := ec2Creates[c.Action]; typ != "" {
			add(a.arn("ec2", typ+"/*"), "")
		}
	case "elasticloadbalancing":
		for _, v := range allStrings(c.Params) {
			if strings.HasPrefix(v, "arn:aws:elasticloadbalancing:") {
				add(v, v)
			}
		}
	case "application-autoscaling":
		for _, v := range param(c, "ResourceARN") {
			add(v, v)
		}
		if id := strings.Join(param(c, "ResourceId"), ""); id != "" && !strings.HasPrefix(c.Action, "Describe") {
			if arn := a.admin.scalableTargets[id]; arn != "" {
				add(arn, arn)
			} else {
				add(a.arn("application-autoscaling", "scalable-target/*"), "") // a new target
			}
		}
	case "acm":
		for _, v := range param(c, "CertificateArn", "ResourceArn") {
			add(v, v)
		}
	}
	if len(out) == 0 {
		add("*", "")
	}
	return out
}

func (a arnScope) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, a.account, resource)
}

func param(c apiCall, keys ...string) []string {
	var out []string
	for _, k := range keys {
		switch v := c.Params[k].(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				out = append(out, fmt.Sprint(e))
			}
		}
	}
	return out
}

func lastPart(s string) string { return s[strings.LastIndex(s, "/")+1:] }

// requests maps a recorded call to what IAM authorizes: its action on the
// resources its parameters name ("*" where the action has no resource, or where
// fargo's roles grant it on every resource), plus the iam:PassRole a task
// definition implies.
func (a arnScope) requests(c apiCall) []iamRequest {
	if c.Service == "sts" {
		return nil // GetCallerIdentity needs no permission
	}
	prefix := map[string]string{"monitoring": "cloudwatch", "tagging": "tag"}[c.Service]
	if prefix == "" {
		prefix = c.Service
	}
	action := prefix + ":" + c.Action
	var resources []string
	var extra []iamRequest
	var context map[string]any
	switch prefix {
	case "ec2", "elasticloadbalancing", "application-autoscaling", "acm":
		return a.taggedRequests(c, action)
	case "ssm":
		for _, name := range param(c, "Name", "Names", "ResourceId") {
			if strings.HasPrefix(name, "/aws/service/") {
				resources = append(resources, fmt.Sprintf("arn:aws:ssm:%s::parameter%s", region, name))
			} else {
				resources = append(resources, a.arn("ssm", "parameter"+name))
			}
		}
	case "ecr":
		for _, name := range param(c, "repositoryName", "repositoryNames") {
			resources = append(resources, a.arn("ecr", "repository/"+name))
		}
		resources = append(resources, param(c, "resourceArn")...)
	case "kms":
		for _, key := range param(c, "KeyId") {
			if arn, ok := a.kmsAliases[key]; ok {
				resources = append(resources, arn)
				context = map[string]any{"kms:RequestAlias": key}
			} else {
				resources = append(resources, a.arn("kms", "key/"+key))
			}
		}
	case "ecs":
		cluster := lastPart(strings.Join(param(c, "cluster"), ""))
		for _, svc := range param(c, "service", "services", "serviceName") {
			resources = append(resources, a.arn("ecs", "service/"+cluster+"/"+lastPart(svc)))
		}
		if strings.Contains(c.Action, "Cluster") && cluster == "" {
			cluster = strings.Join(param(c, "clusterName", "clusters"), "")
		}
		if len(resources) == 0 && cluster != "" {
			resources = append(resources, a.arn("ecs", "cluster/"+lastPart(cluster)))
		}
		resources = append(resources, param(c, "resourceArn")...)
		if c.Action == "RegisterTaskDefinition" {
			for _, role := range param(c, "taskRoleArn", "executionRoleArn") {
				extra = append(extra, iamRequest{Action: "iam:PassRole", Resource: role, Context: map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"}})
			}
		}
	case "iam":
		if c.Action == "GetUser" && len(param(c, "UserName")) == 0 {
			// The provider asks who it is this way first and falls back to
			// sts:GetCallerIdentity when denied: not a permission it needs.
			return nil
		}
		for _, name := range param(c, "RoleName") {
			if p := param(c, "Path"); c.Action == "CreateRole" && len(p) == 1 {
				a.rolePaths[name] = p[0]
			}
			path := a.rolePaths[name]
			if path == "" {
				path = "/"
			}
			resources = append(resources, fmt.Sprintf("arn:aws:iam::%s:role%s%s", a.account, path, name))
		}
		resources = append(resources, param(c, "OpenIDConnectProviderArn")...)
	case "route53":
		parts := strings.Split(strings.Trim(c.Path, "/"), "/")
		for i, p := range parts {
			if (p == "hostedzone" || p == "change") && i+1 < len(parts) {
				resources = append(resources, "arn:aws:route53:::"+p+"/"+parts[i+1])
				break
			}
		}
		if c.Action == "ChangeResourceRecordSets" {
			context = map[string]any{"route53:ChangeResourceRecordSetsNormalizedRecordNames": recordNames(c)}
		}
	case "dynamodb":
		for _, name := range param(c, "TableName") {
			resources = append(resources, a.arn("dynamodb", "table/"+name))
		}
		resources = append(resources, param(c, "ResourceArn")...)
	case "cloudwatch":
		for _, name := range param(c, "AlarmName", "AlarmNames") {
			resources = append(resources, a.arn("cloudwatch", "alarm:"+name))
		}
		resources = append(resources, param(c, "ResourceARN")...)
	case "sns":
		for _, name := range param(c, "Name") {
			resources = append(resources, a.arn("sns", name))
		}
		resources = append(resources, param(c, "TopicArn", "ResourceArn")...)
		// SNS authorizes a subscription's calls on its topic: the ARN before ":<id>".
		for _, sub := range param(c, "SubscriptionArn") {
			resources = append(resources, sub[:strings.LastIndex(sub, ":")])
		}
	case "logs":
		for _, name := range param(c, "logGroupName") {
			resources = append(resources, a.arn("logs", "log-group:"+name))
		}
		resources = append(resources, param(c, "resourceArn")...)
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var out []iamRequest
	for _, r := range resources {
		out = append(out, iamRequest{Action: action, Resource: r, Context: context})
	}
	return append(out, extra...)
}

// recordNames are the names a Route 53 change batch touches, normalized as IAM
// sees them: lowercase, without the final dot.
func recordNames(c apiCall) []any {
	var names []any
	batch, _ := c.Params["ChangeBatch"].(map[string]any)
	changes, _ := batch["Changes"].([]any)
	for _, ch := range changes {
		m, _ := ch.(map[string]any)
		set, _ := m["ResourceRecordSet"].(map[string]any)
		names = append(names, strings.TrimSuffix(strings.ToLower(fmt.Sprint(set["Name"])), "."))
	}
	return names
}

// evaluate judges requests with moto's IAM evaluator (moto/evaluate.py).
func evaluate(t *testing.T, python string, policies map[string]any, requests []iamRequest) []bool {
	t.Helper()
	in, err := json.Marshal(map[string]any{"policies": policies, "requests": requests})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "moto/evaluate.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("evaluating policies: %v\n%s", err, stderr.String())
	}
	var verdicts []string
	if err := json.Unmarshal(out, &verdicts); err != nil || len(verdicts) != len(requests) {
		t.Fatalf("evaluator answered %s: %v", out, err)
	}
	allowed := make([]bool, len(verdicts))
	for i, v := range verdicts {
		allowed[i] = v == "allow"
	}
	return allowed
}

// unique drops repeated requests, keeping the first of each.
func unique(reqs []iamRequest) []iamRequest {
	seen := map[string]bool{}
	var out []iamRequest
	for _, r := range reqs {
		key := r.Role + " " + r.Action + " " + r.Resource + fmt.Sprint(r.Context)
		if !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	return out
}

// prodNames are what prod's resources were called when it ran beside dev.
type prodNames struct {
	cluster  string
	services map[string]string
}

// towardProd aims a request of dev's at prod's resource of the same kind.
func towardProd(r iamRequest, devCluster string, devServices map[string]string, prod prodNames) iamRequest {
	res := strings.NewReplacer("fargo-dev-", "fargo-prod-", "/fargo/dev/", "/fargo/prod/").Replace(r.Resource)
	if devCluster != "" && strings.Contains(res, "/"+devCluster) {
		res = strings.Replace(res, "/"+devCluster, "/"+prod.cluster, 1)
		for svc, name := range devServices {
			res = strings.Replace(res, "/"+name, "/"+prod.services[svc], 1)
		}
	}
	r.Resource = res
	return r
}

// acrossStacks reports whether a role may rightly do this to another stack's
// resource: list or describe it (never read its data), or one of the few writes
// AWS grants only on every resource, whose residual risk the README states.
func acrossStacks(r iamRequest) bool {
	if slices.Contains([]string{"ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "iam:CreateServiceLinkedRole", "ecr:GetAuthorizationToken"}, r.Action) {
		return true
	}
	if strings.HasPrefix(r.Resource, "arn:aws:ssm:"+region+"::parameter/aws/") {
		return true // AWS's public parameters belong to no stack
	}
	_, verb, _ := strings.Cut(r.Action, ":")
	dataRead := slices.Contains([]string{"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "logs:GetLogEvents", "logs:FilterLogEvents"}, r.Action)
	return !dataRead && (strings.HasPrefix(verb, "Describe") || strings.HasPrefix(verb, "List") || strings.HasPrefix(verb, "Get"))
}

func resourcesOf(g []iamRequest) []string {
	var out []string
	for _, r := range g {
		out = append(out, r.Resource)
	}
	return out
}

// ciRole reports whether a request is aimed at one of the GitHub roles, which no
// stack's deploy role may change (it would widen itself).
func ciRole(r iamRequest) bool { return strings.Contains(r.Resource, ":role/fargo-ci/") }

// adminCalls maps every call a stack's own operations made to its requests as
// role, one group per call (IAM allows a call only if it allows every request
// in it), each distinct group once.
func (s *suite) adminCalls(t *testing.T, scope arnScope, stack, role string) [][]iamRequest {
	log := callLog{s.project.moto.calls}
	seen := map[string]bool{}
	var out [][]iamRequest
	for _, rg := range s.admin.ranges[stack] {
		for _, c := range log.read(t, rg[0], rg[1]) {
			var group []iamRequest
			for _, r := range scope.requests(c) {
				r.Role = role
				group = append(group, r)
			}
			if key := fmt.Sprint(group); len(group) > 0 && !seen[key] {
				seen[key] = true
				out = append(out, group)
			}
		}
	}
	return out
}

// judgeCalls evaluates groups of requests: a call is allowed only if every
// request in it is.
func judgeCalls(t *testing.T, python string, policies map[string]any, calls [][]iamRequest) []bool {
	t.Helper()
	var flat []iamRequest
	for _, g := range calls {
		flat = append(flat, g...)
	}
	verdicts := evaluate(t, python, policies, flat)
	out := make([]bool, len(calls))
	i := 0
	for n, g := range calls {
		out[n] = true
		for range g {
			out[n] = out[n] && verdicts[i]
			i++
		}
	}
	return out
}

// ciPolicies reads the CI roles' policies as deployed in a stack's state, by
// role (preview, deploy, rollout), and the scope that turns the calls recorded
// against that stack into the requests IAM authorizes.
func (s *suite) ciPolicies(t *testing.T, stack string) (map[string]any, arnScope) {
	t.Helper()
	exp := s.export(t, stack)
	policies := map[string]any{}
	for _, kind := range []string{"preview", "deploy", "rollout"} {
		var doc map[string]any
		for _, p := range exp.Resources("aws:iam/rolePolicy:RolePolicy") {
			if p.Name() == "github-"+kind {
				_ = json.Unmarshal([]byte(p.String("policy")), &doc)
			}
		}
		if doc == nil {
			t.Fatalf("%s has no deployed %s role policy", stack, kind)
		}
		policies[kind] = doc
	}
	var key struct{ KeyMetadata struct{ Arn string } }
	if err := json.Unmarshal([]byte(s.aws(t, "kms", "describe-key", "--key-id", "alias/aws/dynamodb")), &key); err != nil {
		t.Fatal(err)
	}
	scope := arnScope{account: "123456789012", rolePaths: map[string]string{}, admin: &s.admin,
		kmsAliases: map[string]string{"alias/aws/dynamodb": key.KeyMetadata.Arn}}
	for _, r := range exp.Resources("aws:iam/role:Role") {
		scope.rolePaths[r.String("name")] = r.String("path")
	}
	return policies, scope
}

// judgeRole judges every call recorded between two marks of the call log as
// the given CI role of the stack: each request it makes must be allowed by the
// role's deployed policy. It returns the calls and distinct requests judged.
func (s *suite) judgeRole(t *testing.T, stack, role string, from, to int) (calls, requests int) {
	t.Helper()
	policies, scope := s.ciPolicies(t, stack)
	recorded := callLog{s.project.moto.calls}.read(t, from, to)
	var reqs []iamRequest
	for _, c := range recorded {
		for _, r := range scope.requests(c) {
			r.Role = role
			reqs = append(reqs, r)
		}
	}
	reqs = unique(reqs)
	for i, ok := range evaluate(t, s.project.moto.python, policies, reqs) {
		if !ok {
			t.Errorf("the %s role may not %s on %s, which its path calls", role, reqs[i].Action, reqs[i].Resource)
		}
	}
	return len(recorded), len(reqs)
}

func (s *suite) ciRoles(t *testing.T) {
	log := callLog{s.project.moto.calls}
	s.up(t, "dev") // dev again, by its administrator, as its first deploy is
	policies, scope := s.ciPolicies(t, "dev")
	out := s.outputs(t, "dev")
	devCluster, _ := out["clusterName"].Value.(string)
	devServices := map[string]string{}
	if m, ok := out["serviceNames"].Value.(map[string]any); ok {
		for k, v := range m {
			devServices[k] = fmt.Sprint(v)
		}
	}

	// Each CI path, as its workflow runs it.
	marks := []int{log.mark(t)}
	if _, err := s.stack(t, "dev").Preview(s.ctx, optpreview.ProgressStreams(s.project.logs)); err != nil {
		t.Fatal(err)
	}
	marks = append(marks, log.mark(t))
	s.rollout(t, "dev", "backend", "e2e0002")
	marks = append(marks, log.mark(t))
	s.editStackFile(t, "dev", func(cfg map[string]any) {
		cfg["fargo:services"].(map[string]any)["admin"] = map[string]any{
			"port": 3000, "cpu": 256, "memory": 512, "paths": []any{"/admin/*"}, "priority": 200,
			"healthCheckPath": "/admin/health", "minTasks": 1, "maxTasks": 2,
		}
	})
	s.deployJob(t, "dev") // deploy.yml's own job, as a push to main runs it
	s.editStackFile(t, "dev", func(cfg map[string]any) { delete(cfg["fargo:services"].(map[string]any), "admin") })
	s.deployJob(t, "dev")
	marks = append(marks, log.mark(t))

	var own []iamRequest
	counts := map[string]int{}
	for i, role := range []string{"preview", "rollout", "deploy"} {
		calls := log.read(t, marks[i], marks[i+1])
		counts[role] = len(calls)
		for _, c := range calls {
			for _, r := range scope.requests(c) {
				r.Role = role
				own = append(own, r)
			}
		}
	}
	own = unique(own)
	allowed := evaluate(t, s.project.moto.python, policies, own)
	for i, r := range own {
		if !allowed[i] {
			t.Errorf("the %s role may not %s on %s, which its CI path calls", r.Role, r.Action, r.Resource)
		}
	}

	// Everything dev's administrator did to dev in this suite (first up, NAT
	// switches, a service added, destroy, up again) the deploy role may do too,
	// except touch the GitHub roles.
	var admin []iamRequest
	for _, g := range s.adminCalls(t, scope, "dev", "deploy") {
		admin = append(admin, g...)
	}
	admin = unique(admin)
	ciDenied, stackAllowed := 0, 0
	for i, ok := range evaluate(t, s.project.moto.python, policies, admin) {
		r := admin[i]
		switch {
		case ciRole(r) && ok:
			t.Errorf("the deploy role may %s on the GitHub role %s", r.Action, r.Resource)
		case ciRole(r):
			ciDenied++
		case !ok:
			t.Errorf("the deploy role may not %s on %s (context %v), which dev's own operations call", r.Action, r.Resource, r.Context)
		default:
			stackAllowed++
		}
	}

	// Everything prod's administrator did to prod, and dev's CI calls aimed at
	// prod's resources of the same kind: no dev role may do any of it, beyond
	// listing and describing and the writes AWS grants only on every resource.
	prod := s.prod
	var aimed [][]iamRequest
	for _, role := range []string{"preview", "rollout", "deploy"} {
		aimed = append(aimed, s.adminCalls(t, scope, "prod", role)...)
	}
	for _, r := range own {
		if p := towardProd(r, devCluster, devServices, prod); p.Resource != r.Resource {
			aimed = append(aimed, []iamRequest{p})
		}
	}
	for _, role := range []string{"preview", "rollout", "deploy"} {
		aimed = append(aimed,
			[]iamRequest{{Role: role, Action: "ssm:GetParameter", Resource: scope.arn("ssm", "parameter/fargo/prod/master-key")}},
			[]iamRequest{{Role: role, Action: "ecs:UpdateService", Resource: scope.arn("ecs", "service/"+prod.cluster+"/"+prod.services["backend"])}},
			[]iamRequest{{Role: role, Action: "dynamodb:PutItem", Resource: scope.arn("dynamodb", "table/fargo-prod-posts")}},
			[]iamRequest{{Role: role, Action: "iam:PassRole", Resource: "arn:aws:iam::123456789012:role/fargo/prod/app-backend-task",
				Context: map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}})
	}
	reaches := judgeCalls(t, s.project.moto.python, policies, aimed)
	residual := map[string]int{}
	for i, g := range aimed {
		switch {
		case !reaches[i]:
		case !slices.ContainsFunc(g, func(r iamRequest) bool { return !acrossStacks(r) }):
			residual[g[0].Role]++
		default:
			t.Errorf("the dev %s role may call %s on prod's %v", g[0].Role, g[0].Action, resourcesOf(g))
		}
	}

	// The preview and rollout roles read the image tags beside the stack's own
	// secrets, never the secrets (issue 13, item 14).
	secrets := []iamRequest{
		{Role: "preview", Action: "ssm:GetParameter", Resource: scope.arn("ssm", "parameter/fargo/dev/master-key")},
		{Role: "rollout", Action: "ssm:GetParameter", Resource: scope.arn("ssm", "parameter/fargo/dev/master-key")},
	}
	for i, ok := range evaluate(t, s.project.moto.python, policies, secrets) {
		if ok {
			t.Errorf("the %s role may read dev's master key", secrets[i].Role)
		}
	}
	if dir := os.Getenv("FARGO_E2E_LOGS"); dir != "" {
		data, _ := json.MarshalIndent(map[string]any{"own": own, "admin": admin, "prodAimed": aimed}, "", " ")
		_ = os.WriteFile(dir+"/ci-requests.json", data, 0o644)
	}
	s.note(t, "calls recorded: preview %d, rollout %d, deploy %d; %d distinct requests, all allowed to their role", counts["preview"], counts["rollout"], counts["deploy"], len(own))
	s.note(t, "dev's own operations: %d distinct requests, all allowed to the deploy role but the %d on the GitHub roles, all denied", stackAllowed, ciDenied)
	s.note(t, "%d calls on prod's resources (prod's own operations, and dev's CI calls aimed at prod), each judged as IAM does, on every resource it names: all denied but lists, describes and task definition registration (preview %d, rollout %d, deploy %d)",
		len(aimed), residual["preview"], residual["rollout"], residual["deploy"])
}

// TestPolicyEvaluator checks moto/evaluate.py's condition semantics on literal
// cases, each as IAM's documentation states it.
func TestPolicyEvaluator(t *testing.T) {
	python, err := findPython()
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": "ec2:DeleteVpc", "Resource": "*",
			"Condition": map[string]any{"StringEqualsIfExists": map[string]any{"aws:ResourceTag/fargo-stack": "dev"}}},
		map[string]any{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/fargo/dev/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
		map[string]any{"Effect": "Allow", "Action": "route53:ChangeResourceRecordSets", "Resource": "arn:aws:route53:::hostedzone/*",
			"Condition": map[string]any{"ForAllValues:StringLike": map[string]any{
				"route53:ChangeResourceRecordSetsNormalizedRecordNames": []any{"dev.example.com", "_??.dev.example.com"}}}},
		map[string]any{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:r:1:parameter/fargo/dev/*/image-tag"},
	}}
	names := func(n ...any) map[string]any {
		return map[string]any{"route53:ChangeResourceRecordSetsNormalizedRecordNames": n}
	}
	cases := []struct {
		req  iamRequest
		want bool
	}{
		{iamRequest{Action: "ec2:DeleteVpc", Resource: "arn:vpc", Context: map[string]any{"aws:ResourceTag/fargo-stack": "dev"}}, true},
		{iamRequest{Action: "ec2:DeleteVpc", Resource: "arn:vpc", Context: map[string]any{"aws:ResourceTag/fargo-stack": "prod"}}, false},
		{iamRequest{Action: "ec2:DeleteVpc", Resource: "arn:vpc"}, true},                            // IfExists: an untagged resource
		{iamRequest{Action: "iam:PassRole", Resource: "arn:aws:iam::1:role/fargo/dev/task"}, false}, // the key is absent
		{iamRequest{Action: "iam:PassRole", Resource: "arn:aws:iam::1:role/fargo/dev/task", Context: map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}, true},
		{iamRequest{Action: "iam:PassRole", Resource: "arn:aws:iam::1:role/fargo/dev/task", Context: map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}, false},
		{iamRequest{Action: "route53:ChangeResourceRecordSets", Resource: "arn:aws:route53:::hostedzone/Z", Context: names("dev.example.com", "_ab.dev.example.com")}, true},
		{iamRequest{Action: "route53:ChangeResourceRecordSets", Resource: "arn:aws:route53:::hostedzone/Z", Context: names("dev.example.com", "_abc.dev.example.com")}, false}, // ? is one character
		{iamRequest{Action: "route53:ChangeResourceRecordSets", Resource: "arn:aws:route53:::hostedzone/Z", Context: names("example.com")}, false},
		{iamRequest{Action: "ssm:GetParameter", Resource: "arn:aws:ssm:r:1:parameter/fargo/dev/api/image-tag"}, true},
		{iamRequest{Action: "ssm:GetParameter", Resource: "arn:aws:ssm:r:1:parameter/fargo/dev/master-key"}, false},
	}
	var reqs []iamRequest
	for _, c := range cases {
		c.req.Role = "r"
		reqs = append(reqs, c.req)
	}
	got := evaluate(t, python, map[string]any{"r": doc}, reqs)
	for i, c := range cases {
		if got[i] != c.want {
			t.Errorf("%s on %s with %v: allowed %v, want %v", c.req.Action, c.req.Resource, c.req.Context, got[i], c.want)
		}
	}
}
