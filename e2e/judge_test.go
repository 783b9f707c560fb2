package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/checks"
	"github.com/fargo-dev/fargo/internal/cost"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/outputs"
	"github.com/fargo-dev/fargo/plan"
	"github.com/fargo-dev/fargo/plan/mocks"
)

// The judgement of a deployed stack against its own stack file: what any stack
// file promises (its services, network, alarms, schedules, domain, tables and
// roles), read from that file, so that every stack of the matrix is judged by
// the same code as the shipped ones.

// stackConfig parses a scratch stack file as the program does.
func (s *suite) stackConfig(t *testing.T, stack string) *config.Config {
	t.Helper()
	sc, err := plan.LoadStack(s.project.dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.ParseConfig(sc.Project, stack, sc.Get)
	if err != nil {
		t.Fatalf("stack file of %s: %v", stack, err)
	}
	return cfg
}

// serviceNames lists a stack file's services, sorted.
func serviceNames(cfg *config.Config) []string {
	var names []string
	for _, svc := range cfg.Services {
		names = append(names, svc.Name)
	}
	sort.Strings(names)
	return names
}

// matchesPlan compares a deployed stack with its offline plan: the same
// resources (type, name, parent), the same priced lines (quantities, units,
// usage types) and the same check verdicts, which is what the plan's cost and
// checks read of the properties. It returns the resource count.
func (s *suite) matchesPlan(t *testing.T, stack string, real *graph.Export) int {
	t.Helper()
	planned := s.offlinePlan(t, stack)
	got := resourceKeys(real)
	differences(t, got, resourceKeys(planned), stack+": deployed but not in the offline plan: %s", stack+": in the offline plan but not deployed: %s")
	differences(t, costLines(t, real), costLines(t, planned),
		stack+": the deployed stack is priced %s, which the offline plan does not price",
		stack+": the offline plan prices %s, which the deployed stack is not")
	differences(t, checkVerdicts(t, real), checkVerdicts(t, planned),
		stack+": on the deployed stack a check finds %s, which it does not find on the offline plan",
		stack+": on the offline plan a check finds %s, which it does not find on the deployed stack")
	return len(got)
}

// differences reports each line only the deployed stack has (onlyReal, a format
// for it) and each only its plan has (onlyPlan).
func differences(t *testing.T, real, planned []string, onlyReal, onlyPlan string) {
	t.Helper()
	inReal, inPlan := diffKeys(real, planned)
	for _, k := range inReal {
		t.Errorf(onlyReal, k)
	}
	for _, k := range inPlan {
		t.Errorf(onlyPlan, k)
	}
}

// costLines are an estimate's lines, as what each resource is priced by.
func costLines(t *testing.T, exp *graph.Export) []string {
	t.Helper()
	est, err := cost.EstimateGraph(exp, cost.Assumptions{})
	if err != nil {
		t.Fatalf("pricing %s: %v", exp.StackName(), err)
	}
	var lines []string
	for _, it := range est.Items {
		lines = append(lines, fmt.Sprintf("%s %q: %g..%g %s of %s, $%.2f..$%.2f a month (asleep on schedule $%.2f..$%.2f)",
			it.URN, it.Description, it.Quantity, it.QuantityAtMax, it.Unit, it.UsageType, it.Monthly, it.MonthlyAtMax, it.MonthlyScheduled, it.MonthlyScheduledAtMax))
	}
	sort.Strings(lines)
	return lines
}

// checkVerdicts are the checks' verdicts under the project's exception register.
func checkVerdicts(t *testing.T, exp *graph.Export) []string {
	t.Helper()
	register, err := checks.ReadRegister("../exceptions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var verdicts []string
	for _, f := range checks.Evaluate(exp, register) {
		verdicts = append(verdicts, fmt.Sprintf("%s %s on %s (%s)", f.Control, f.Status, f.URN, f.Reason))
	}
	sort.Strings(verdicts)
	return verdicts
}

// judgeStack checks a deployed stack against everything its stack file asks
// for, and says what it checked.
func (s *suite) judgeStack(t *testing.T, stack string) string {
	t.Helper()
	cfg := s.stackConfig(t, stack)
	exp := s.export(t, stack)
	out := s.outputs(t, stack)
	deployed, _ := out[outputs.ServiceNames].Value.(map[string]any)
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range deployed {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(got, serviceNames(cfg)) {
		t.Errorf("%s runs the services %v, its stack file declares %v", stack, got, serviceNames(cfg))
	}
	for _, svc := range cfg.Services {
		s.judgeService(t, stack, cfg, exp, svc)
	}
	s.judgeNat(t, stack, cfg, exp)
	s.checkNatHealing(t, stack, exp, cfg.Network.Nat == config.NatInstance)
	s.judgeAlarms(t, stack, cfg, exp)
	s.judgeDomain(t, stack, cfg, exp)
	tables := exp.Resources("aws:dynamodb/table:Table")
	if len(tables) != len(cfg.Tables) {
		t.Errorf("%s has %d tables, its stack file declares %d", stack, len(tables), len(cfg.Tables))
	}
	for _, table := range tables {
		if table.Protect != cfg.DeletionProtection {
			t.Errorf("%s: table %s protect=%v, want fargo:deletionProtection=%v", stack, table.Name(), table.Protect, cfg.DeletionProtection)
		}
	}
	roles := 0
	for _, key := range []string{outputs.PreviewRoleArn, outputs.DeployRoleArn, outputs.RolloutRoleArn} {
		arn, _ := out[key].Value.(string)
		if arn == "" {
			continue
		}
		roles++
		s.aws(t, "iam", "get-role", "--role-name", arn[strings.LastIndex(arn, "/")+1:])
	}
	if want := map[bool]int{true: 3, false: 0}[cfg.Github != nil]; roles != want {
		t.Errorf("%s exports %d GitHub roles, want %d (fargo:github set: %v)", stack, roles, want, cfg.Github != nil)
	}
	if cfg.Budget != nil {
		var budget struct {
			Budget struct {
				BudgetLimit struct{ Amount, Unit string }
			}
		}
		if err := json.Unmarshal([]byte(s.aws(t, "budgets", "describe-budget", "--account-id", mocks.AccountID, "--budget-name", config.BudgetName(cfg.Project, stack))), &budget); err != nil {
			t.Fatal(err)
		}
		if amount, err := strconv.ParseFloat(budget.Budget.BudgetLimit.Amount, 64); err != nil || amount != cfg.Budget.MonthlyLimit || budget.Budget.BudgetLimit.Unit != "USD" {
			t.Errorf("%s's budget is %+v, its stack file says %g USD a month", stack, budget.Budget.BudgetLimit, cfg.Budget.MonthlyLimit)
		}
	}
	return fmt.Sprintf("judged against its stack file: %d services (%s), nat %s over %d zones, alarms %v, schedule %v, domain %v, %d tables, GitHub roles %d",
		len(cfg.Services), strings.Join(serviceNames(cfg), ", "), cfg.Network.Nat, cfg.Network.AvailabilityZones,
		cfg.Alarms != nil, cfg.Schedule != nil, cfg.Domain != nil, len(cfg.Tables), roles)
}

// judgeService checks one service's placement, platform, deployment safety and
// scaling against its stack file.
func (s *suite) judgeService(t *testing.T, stack string, cfg *config.Config, exp *graph.Export, svc config.ServiceConfig) {
	t.Helper()
	live := s.liveService(t, stack, svc.Name)
	private := map[string]bool{}
	for _, sn := range exp.Resources("aws:ec2/subnet:Subnet") {
		private[string(sn.ID)] = strings.HasPrefix(sn.Name(), "network-private-")
	}
	wantPrivate := cfg.Network.Nat != config.NatNone
	for _, id := range live.NetworkConfig.Awsvpc.Subnets {
		if isPrivate, known := private[id]; !known || isPrivate != wantPrivate {
			t.Errorf("%s: nat=%s, yet %s runs in %s (private=%v, one of the stack's subnets=%v)", stack, cfg.Network.Nat, svc.Name, id, isPrivate, known)
		}
	}
	if n := len(live.NetworkConfig.Awsvpc.Subnets); n != cfg.Network.AvailabilityZones {
		t.Errorf("%s: %s runs in %d subnets, want one per zone (%d)", stack, svc.Name, n, cfg.Network.AvailabilityZones)
	}
	if public := live.NetworkConfig.Awsvpc.AssignPublicIP == "ENABLED"; public == wantPrivate {
		t.Errorf("%s: nat=%s, yet %s has assignPublicIp=%s", stack, cfg.Network.Nat, svc.Name, live.NetworkConfig.Awsvpc.AssignPublicIP)
	}
	arch := svc.Architecture
	if arch == "" {
		arch = config.DefaultArchitecture
	}
	if live.Architecture != arch {
		t.Errorf("%s: %s's task definition declares %q, its stack file %q", stack, svc.Name, live.Architecture, arch)
	}
	if !live.Deployment.CircuitBreaker.Rollback {
		t.Errorf("%s: %s's deployments do not roll back on the circuit breaker", stack, svc.Name)
	}
	alarms := live.Deployment.Alarms
	var want []string
	if cfg.Alarms != nil {
		want = []string{config.AlarmName(cfg.Project, stack, svc.Name, "errors"), config.AlarmName(cfg.Project, stack, svc.Name, "unhealthy")}
	}
	if !slices.Equal(slices.Sorted(slices.Values(alarms.AlarmNames)), want) || (want != nil && (!alarms.Enable || !alarms.Rollback)) {
		t.Errorf("%s: %s's deployments watch %+v, want %v with rollback", stack, svc.Name, alarms, want)
	}
	sc := s.scaling(t, stack, svc.Name)
	// A service runs no task before its first rollout records an image tag, and
	// none while its schedule has it asleep.
	min, max := svc.MinTasks, svc.MaxTasks
	if s.imageTag(t, stack, svc.Name) == infra.NoImageTag {
		min, max = 0, 0
	}
	wantActions := map[string]scheduledAction{}
	if svc.Schedule != nil {
		sleep, wake := config.ScheduledActionName(cfg.Project, stack, svc.Name, "sleep"), config.ScheduledActionName(cfg.Project, stack, svc.Name, "wake")
		wantActions[sleep] = scheduledAction{svc.Schedule.Sleep, svc.Schedule.Timezone, 0, 0}
		wantActions[wake] = scheduledAction{svc.Schedule.Wake, svc.Schedule.Timezone, min, max}
		if svc.Schedule.AsleepAt(time.Now()) {
			min, max = 0, 0
		}
	}
	if sc.Min != min || sc.Max != max {
		t.Errorf("%s: %s scales %d..%d, its stack file says %d..%d now", stack, svc.Name, sc.Min, sc.Max, min, max)
	}
	if len(sc.Actions) != len(wantActions) {
		t.Errorf("%s: %s has the scheduled actions %+v, want %+v", stack, svc.Name, sc.Actions, wantActions)
	}
	for name, a := range wantActions {
		if sc.Actions[name] != a {
			t.Errorf("%s: %s's scheduled action %s is %+v, want %+v", stack, svc.Name, name, sc.Actions[name], a)
		}
	}
}

// imageTag reads the image tag a service's rollouts recorded in its parameter.
func (s *suite) imageTag(t *testing.T, stack, service string) string {
	t.Helper()
	params, _ := s.outputs(t, stack)[outputs.ImageTagParameters].Value.(map[string]any)
	name, _ := params[service].(string)
	if name == "" {
		t.Fatalf("%s exports no image tag parameter for %s", stack, service)
	}
	var p struct{ Parameter struct{ Value string } }
	if err := json.Unmarshal([]byte(s.aws(t, "ssm", "get-parameter", "--name", name)), &p); err != nil {
		t.Fatal(err)
	}
	return p.Parameter.Value
}

// judgeNat reads the account's routes: each private subnet's default route
// leaves through the NAT its mode promises (perAz: the gateway in the subnet's
// own zone; single: the one gateway; instance: the instance), and public
// subnets through the internet gateway.
func (s *suite) judgeNat(t *testing.T, stack string, cfg *config.Config, exp *graph.Export) {
	t.Helper()
	vpc := exp.Resources("aws:ec2/vpc:Vpc")
	if len(vpc) != 1 {
		t.Fatalf("%s has %d VPCs", stack, len(vpc))
	}
	var subnets struct {
		Subnets []struct{ SubnetId, AvailabilityZone string }
	}
	var tables struct {
		RouteTables []struct {
			Associations []struct{ SubnetId string }
			Routes       []struct {
				DestinationCidrBlock                                    string
				GatewayId, NatGatewayId, InstanceId, NetworkInterfaceId string
			}
		}
	}
	var gateways struct {
		NatGateways []struct{ NatGatewayId, SubnetId, State string }
	}
	filter := "Name=vpc-id,Values=" + string(vpc[0].ID)
	if err := json.Unmarshal([]byte(s.aws(t, "ec2", "describe-subnets", "--filters", filter)), &subnets); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(s.aws(t, "ec2", "describe-route-tables", "--filters", filter)), &tables); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(s.aws(t, "ec2", "describe-nat-gateways", "--filter", filter, "Name=state,Values=available")), &gateways); err != nil {
		t.Fatal(err)
	}
	zoneOf := map[string]string{}
	for _, sn := range subnets.Subnets {
		zoneOf[sn.SubnetId] = sn.AvailabilityZone
	}
	gatewayZone := map[string]string{}
	for _, g := range gateways.NatGateways {
		gatewayZone[g.NatGatewayId] = zoneOf[g.SubnetId]
	}
	exit := map[string]string{} // subnet -> its default route's target
	for _, rt := range tables.RouteTables {
		for _, r := range rt.Routes {
			if r.DestinationCidrBlock != "0.0.0.0/0" {
				continue
			}
			target := r.GatewayId + r.NatGatewayId + r.InstanceId + r.NetworkInterfaceId
			for _, a := range rt.Associations {
				exit[a.SubnetId] = target
			}
		}
	}
	var eni string
	if instances := exp.Resources("aws:ec2/instance:Instance"); len(instances) == 1 {
		eni = instances[0].String("primaryNetworkInterfaceId")
	}
	zones := cfg.Network.AvailabilityZones
	wantGateways := map[config.NatMode]int{config.NatSingle: 1, config.NatPerAz: zones}[cfg.Network.Nat]
	if len(gateways.NatGateways) != wantGateways {
		t.Errorf("%s: nat=%s over %d zones has %d NAT gateways, want %d", stack, cfg.Network.Nat, zones, len(gateways.NatGateways), wantGateways)
	}
	publics, privates := 0, 0
	for _, sn := range exp.Resources("aws:ec2/subnet:Subnet") {
		target := exit[string(sn.ID)]
		switch {
		case strings.HasPrefix(sn.Name(), "network-public-"):
			publics++
			if !strings.HasPrefix(target, "igw-") {
				t.Errorf("%s: public subnet %s leaves through %q, want the internet gateway", stack, sn.Name(), target)
			}
		case strings.HasPrefix(sn.Name(), "network-private-"):
			privates++
			switch cfg.Network.Nat {
			case config.NatPerAz:
				if gatewayZone[target] != zoneOf[string(sn.ID)] || gatewayZone[target] == "" {
					t.Errorf("%s: private subnet %s in %s leaves through %q in %q, want its own zone's gateway", stack, sn.Name(), zoneOf[string(sn.ID)], target, gatewayZone[target])
				}
			case config.NatSingle:
				if _, ok := gatewayZone[target]; !ok {
					t.Errorf("%s: private subnet %s leaves through %q, want the NAT gateway", stack, sn.Name(), target)
				}
			case config.NatInstance:
				if eni == "" || target != eni {
					t.Errorf("%s: private subnet %s leaves through %q, want the NAT instance's interface %q", stack, sn.Name(), target, eni)
				}
			}
		}
	}
	wantPrivates := zones
	if cfg.Network.Nat == config.NatNone {
		wantPrivates = 0
	}
	if publics != zones || privates != wantPrivates {
		t.Errorf("%s: %d public and %d private subnets, want %d and %d", stack, publics, privates, zones, wantPrivates)
	}
}

// judgeAlarms checks that the alarms e-mail the stack file's addresses through
// the stack's topic, with its error-rate threshold; none without fargo:alarms.
func (s *suite) judgeAlarms(t *testing.T, stack string, cfg *config.Config, exp *graph.Export) {
	t.Helper()
	topics := exp.Resources("aws:sns/topic:Topic")
	if cfg.Alarms == nil {
		if len(topics) != 0 {
			t.Errorf("%s has no fargo:alarms, yet %d alarm topics", stack, len(topics))
		}
		return
	}
	if len(topics) != 1 {
		t.Fatalf("%s has %d alarm topics, want 1", stack, len(topics))
	}
	topic := topics[0].String("arn")
	for _, svc := range cfg.Services {
		names := []string{config.AlarmName(cfg.Project, stack, svc.Name, "errors"), config.AlarmName(cfg.Project, stack, svc.Name, "unhealthy")}
		var described struct {
			MetricAlarms []struct {
				AlarmName         string            `json:"AlarmName"`
				AlarmActions      []string          `json:"AlarmActions"`
				Threshold         float64           `json:"Threshold"`
				EvaluationPeriods int               `json:"EvaluationPeriods"`
				Metrics           []json.RawMessage `json:"Metrics"`
			} `json:"MetricAlarms"`
		}
		if err := json.Unmarshal([]byte(s.aws(t, append([]string{"cloudwatch", "describe-alarms", "--alarm-names"}, names...)...)), &described); err != nil {
			t.Fatal(err)
		}
		if len(described.MetricAlarms) != 2 {
			t.Fatalf("%s: CloudWatch holds %d of %v", stack, len(described.MetricAlarms), names)
		}
		for _, a := range described.MetricAlarms {
			if !slices.Equal(a.AlarmActions, []string{topic}) {
				t.Errorf("%s alarms %v, want the topic %s", a.AlarmName, a.AlarmActions, topic)
			}
			if a.EvaluationPeriods != cfg.Alarms.EvaluationMinutes {
				t.Errorf("%s is evaluated over %d periods, the stack file says %d minutes", a.AlarmName, a.EvaluationPeriods, cfg.Alarms.EvaluationMinutes)
			}
			want := float64(cfg.Alarms.UnhealthyTasks)
			if strings.HasSuffix(a.AlarmName, "-errors") {
				want = cfg.Alarms.ErrorRatePercent
				if len(a.Metrics) != 3 {
					t.Errorf("%s computes over %d metric queries, want errors, requests and their rate", a.AlarmName, len(a.Metrics))
				}
			}
			if a.Threshold != want {
				t.Errorf("%s's threshold is %v, the stack file's %v", a.AlarmName, a.Threshold, want)
			}
		}
	}
	var subs struct {
		Subscriptions []struct{ Protocol, Endpoint string }
	}
	if err := json.Unmarshal([]byte(s.aws(t, "sns", "list-subscriptions-by-topic", "--topic-arn", topic)), &subs); err != nil {
		t.Fatal(err)
	}
	var endpoints []string
	for _, sub := range subs.Subscriptions {
		if sub.Protocol == "email" {
			endpoints = append(endpoints, sub.Endpoint)
		}
	}
	if want := slices.Sorted(slices.Values(cfg.Alarms.Emails)); !slices.Equal(slices.Sorted(slices.Values(endpoints)), want) {
		t.Errorf("%s's alarm topic e-mails %v, its stack file %v", stack, endpoints, want)
	}
}

// judgeDomain checks that a stack with a domain serves HTTPS under an issued
// certificate and names its site in the zone; one without serves plain HTTP.
func (s *suite) judgeDomain(t *testing.T, stack string, cfg *config.Config, exp *graph.Export) {
	t.Helper()
	var https *graph.Resource
	for _, l := range exp.Resources("aws:lb/listener:Listener") {
		if l.String("protocol") == "HTTPS" {
			https = l
		}
	}
	if cfg.Domain == nil {
		if https != nil {
			t.Errorf("%s has no domain, yet an HTTPS listener", stack)
		}
		return
	}
	if https == nil {
		t.Fatalf("%s has the domain %s but no HTTPS listener", stack, cfg.Domain.Name())
	}
	var cert struct {
		Certificate struct{ Status, DomainName string }
	}
	if err := json.Unmarshal([]byte(s.aws(t, "acm", "describe-certificate", "--certificate-arn", https.String("certificateArn"))), &cert); err != nil {
		t.Fatal(err)
	}
	if cert.Certificate.Status != "ISSUED" || cert.Certificate.DomainName != cfg.Domain.Name() {
		t.Errorf("%s's HTTPS certificate is %s for %s, want ISSUED for %s", stack, cert.Certificate.Status, cert.Certificate.DomainName, cfg.Domain.Name())
	}
	var zones struct {
		HostedZones []struct{ Id, Name string }
	}
	if err := json.Unmarshal([]byte(s.aws(t, "route53", "list-hosted-zones-by-name", "--dns-name", cfg.Domain.Zone)), &zones); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, z := range zones.HostedZones {
		if z.Name != cfg.Domain.Zone+"." {
			continue
		}
		records := s.aws(t, "route53", "list-resource-record-sets", "--hosted-zone-id", z.Id)
		found = found || strings.Contains(records, `"Name": "`+cfg.Domain.Name()+`."`)
	}
	if !found {
		t.Errorf("%s: no record for %s in the zone %s", stack, cfg.Domain.Name(), cfg.Domain.Zone)
	}
}
