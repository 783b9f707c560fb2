// Package cost estimates what a resource graph (an offline plan or a real
// `pulumi stack export`) costs per month, from the unit prices in prices.json.
package cost

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fargo-dev/fargo/internal/awstypes"
	"github.com/fargo-dev/fargo/internal/cron"
	"github.com/fargo-dev/fargo/internal/graph"
)

//go:embed prices.json
var pricesJSON []byte

// Price is one unit price.
type Price struct {
	Price     float64 `json:"price"`
	Unit      string  `json:"unit"`
	UsageType string  `json:"usageType"`
}

// RegionPrices are one region's unit prices and when they were read.
type RegionPrices struct {
	Read   string           `json:"read"`
	Prices map[string]Price `json:"prices"`
}

// PriceBook is the whole price table.
type PriceBook struct {
	Currency      string                  `json:"currency"`
	HoursPerMonth float64                 `json:"hoursPerMonth"`
	Source        string                  `json:"source"`
	Regions       map[string]RegionPrices `json:"regions"`
}

// Prices returns the embedded price table.
func Prices() (*PriceBook, error) {
	var b PriceBook
	if err := json.Unmarshal(pricesJSON, &b); err != nil {
		return nil, fmt.Errorf("prices.json: %w", err)
	}
	return &b, nil
}

// NoPricesError says a region has no prices: the cost is unknown, while the
// resources and the checks still stand.
type NoPricesError struct {
	// Region is the region asked for ("" when the graph names none); Known are
	// the regions with prices.
	Region string
	Known  []string
}

func (e *NoPricesError) Error() string {
	if e.Region == "" {
		return fmt.Sprintf("the graph names no AWS region (no aws provider and no region output); prices exist for %s", strings.Join(e.Known, ", "))
	}
	return fmt.Sprintf("no prices for region %q; prices exist for %s (add the region to internal/cost/prices.json)", e.Region, strings.Join(e.Known, ", "))
}

// Region returns a region's prices, or a *NoPricesError.
func (b *PriceBook) Region(name string) (*RegionPrices, error) {
	r, ok := b.Regions[name]
	if !ok {
		known := make([]string, 0, len(b.Regions))
		for k := range b.Regions {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, &NoPricesError{Region: name, Known: known}
	}
	return &r, nil
}

// Assumptions are the usage-driven quantities a resource graph cannot tell. All are
// zero by default: the estimate is what the stack costs with no traffic.
type Assumptions struct {
	// LogGB is CloudWatch Logs ingested per month across the stack.
	LogGB float64 `json:"logGB"`
	// ImageGB is ECR storage across the repositories.
	ImageGB float64 `json:"imageGB"`
	// NatGB is data processed by the NAT gateways per month.
	NatGB float64 `json:"natGB"`
	// LCU is the load balancer's average capacity units.
	LCU float64 `json:"lcu"`
	// DataOutGB is data sent to the internet per month, beyond the free 100 GB.
	DataOutGB float64 `json:"dataOutGB"`
}

// Item is one priced line.
type Item struct {
	URN           string  `json:"urn"`
	Type          string  `json:"type"`
	Resource      string  `json:"resource"`
	Description   string  `json:"description"`
	Quantity      float64 `json:"quantity"`
	QuantityAtMax float64 `json:"quantityAtMax"`
	Unit          string  `json:"unit"`
	UnitPrice     float64 `json:"unitPrice"`
	UsageType     string  `json:"usageType"`
	Monthly       float64 `json:"monthly"`
	MonthlyAtMax  float64 `json:"monthlyAtMax"`
	// MonthlyScheduled is the line's cost at minimum tasks while the services
	// follow their sleep schedules; the same as Monthly for what never sleeps.
	MonthlyScheduled      float64 `json:"monthlyScheduled"`
	MonthlyScheduledAtMax float64 `json:"monthlyScheduledAtMax"`
}

// Estimate is a stack's monthly cost.
type Estimate struct {
	Currency          string  `json:"currency"`
	Region            string  `json:"region"`
	PricesRead        string  `json:"pricesRead"`
	HoursPerMonth     float64 `json:"hoursPerMonth"`
	TotalMonthly      float64 `json:"totalMonthly"`
	TotalMonthlyAtMax float64 `json:"totalMonthlyAtMax"`
	// Scheduled says some service sleeps on a schedule; TotalMonthlyScheduled
	// is then the month's cost with the schedules (TotalMonthly is always on).
	Scheduled                  bool        `json:"scheduled"`
	TotalMonthlyScheduled      float64     `json:"totalMonthlyScheduled"`
	TotalMonthlyScheduledAtMax float64     `json:"totalMonthlyScheduledAtMax"`
	Assumptions                Assumptions `json:"assumptions"`
	Items                      []Item      `json:"items"`
	Notes                      []string    `json:"notes,omitempty"`
	// OnArm prices each x86 service's tasks, at their minimum, on ARM64.
	OnArm []ArmOption `json:"onArm,omitempty"`
}

// ArmOption is one x86 service's task cost now and on ARM64, per month.
type ArmOption struct {
	Resource     string  `json:"resource"`
	Monthly      float64 `json:"monthly"`
	MonthlyOnArm float64 `json:"monthlyOnArm"`
}

// ByURN sums the monthly cost at minimum tasks per resource.
func (e *Estimate) ByURN() map[string]float64 {
	out := map[string]float64{}
	for _, it := range e.Items {
		out[it.URN] += it.Monthly
	}
	return out
}

// estimator accumulates items for one graph.
type estimator struct {
	exp    *graph.Export
	prices *RegionPrices
	hours  float64
	est    *Estimate
}

// EstimateGraph prices every resource of the graph for a month.
func EstimateGraph(exp *graph.Export, a Assumptions) (*Estimate, error) {
	book, err := Prices()
	if err != nil {
		return nil, err
	}
	region := exp.Region()
	rp, err := book.Region(region)
	if err != nil {
		return nil, err
	}
	e := &estimator{exp: exp, prices: rp, hours: book.HoursPerMonth, est: &Estimate{
		Currency: book.Currency, Region: region, PricesRead: rp.Read, HoursPerMonth: book.HoursPerMonth, Assumptions: a,
	}}
	for _, step := range []func() error{e.loadBalancers, e.natResources, e.services, e.alarms, e.endpoints, e.zones, func() error { return e.usage(a) }} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	for _, it := range e.est.Items {
		e.est.TotalMonthly += it.Monthly
		e.est.TotalMonthlyAtMax += it.MonthlyAtMax
		e.est.TotalMonthlyScheduled += it.MonthlyScheduled
		e.est.TotalMonthlyScheduledAtMax += it.MonthlyScheduledAtMax
	}
	return e.est, nil
}

// add prices a quantity (at min and at max tasks) of one unit that never sleeps.
func (e *estimator) add(r *graph.Resource, description, key string, qty, qtyAtMax float64) error {
	return e.addScheduled(r, description, key, qty, qtyAtMax, qty, qtyAtMax)
}

// addScheduled prices a quantity at min and at max tasks, always on and
// following the service's sleep schedule.
func (e *estimator) addScheduled(r *graph.Resource, description, key string, qty, qtyAtMax, qtyScheduled, qtyScheduledAtMax float64) error {
	p, ok := e.prices.Prices[key]
	if !ok {
		return fmt.Errorf("prices.json has no %q price for %s", key, e.est.Region)
	}
	it := Item{
		Description: description, Quantity: qty, QuantityAtMax: qtyAtMax,
		Unit: p.Unit, UnitPrice: p.Price, UsageType: p.UsageType,
		Monthly: qty * p.Price, MonthlyAtMax: qtyAtMax * p.Price,
		MonthlyScheduled: qtyScheduled * p.Price, MonthlyScheduledAtMax: qtyScheduledAtMax * p.Price,
	}
	if r != nil {
		it.URN, it.Type, it.Resource = string(r.URN), string(r.Type), r.Name()
	}
	e.est.Items = append(e.est.Items, it)
	return nil
}

func (e *estimator) note(format string, args ...any) {
	e.est.Notes = append(e.est.Notes, fmt.Sprintf(format, args...))
}

func (e *estimator) loadBalancers() error {
	for _, lb := range e.exp.Resources(awstypes.LoadBalancer) {
		if t := lb.String("loadBalancerType"); t != "" && t != "application" {
			e.note("%s is a %s load balancer, which is not priced", lb.Name(), t)
			continue
		}
		if err := e.add(lb, "Application Load Balancer", "albHour", e.hours, e.hours); err != nil {
			return err
		}
		if internal, _ := lb.Bool("internal"); internal {
			continue
		}
		zones := float64(len(lb.LoadBalancerSubnets()))
		if zones < 2 {
			zones = 2 // an ALB always spans at least two zones
		}
		desc := fmt.Sprintf("Public IPv4 addresses of the ALB (%g zones)", zones)
		if err := e.add(lb, desc, "publicIpv4Hour", zones*e.hours, zones*e.hours); err != nil {
			return err
		}
	}
	return nil
}

// natResources prices the NAT gateways, their Elastic IPs and NAT instances, each
// counted from the graph.
func (e *estimator) natResources() error {
	for _, n := range e.exp.Resources(awstypes.NATGateway) {
		if err := e.add(n, "NAT gateway", "natHour", e.hours, e.hours); err != nil {
			return err
		}
	}
	for _, eip := range e.exp.Resources(awstypes.EIP) {
		if err := e.add(eip, "Elastic IP address", "publicIpv4Hour", e.hours, e.hours); err != nil {
			return err
		}
	}
	for _, in := range e.exp.Resources(awstypes.Instance) {
		typ := in.String("instanceType")
		key := "instanceHour:" + typ
		if _, ok := e.prices.Prices[key]; !ok {
			e.note("%s is a %s instance, which prices.json does not price", in.Name(), typ)
			continue
		}
		if err := e.add(in, "EC2 instance "+typ, key, e.hours, e.hours); err != nil {
			return err
		}
		gb, ok := in.Number("rootBlockDevice", "volumeSize")
		if !ok {
			gb = 8 // the Amazon Linux images' snapshot size
		}
		if err := e.add(in, fmt.Sprintf("EBS gp3 root volume (%g GB)", gb), "gp3GbMonth", gb, gb); err != nil {
			return err
		}
		if ip, _ := in.Bool("associatePublicIpAddress"); ip {
			if err := e.add(in, "Public IPv4 address of the instance", "publicIpv4Hour", e.hours, e.hours); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *estimator) services() error {
	for _, svc := range e.exp.Resources(awstypes.ECSService) {
		td := e.taskDefinition(svc)
		if td == nil {
			e.note("%s: task definition not found in the graph; its tasks are not priced", svc.Name())
			continue
		}
		if lt := svc.String("launchType"); lt == "EC2" || lt == "EXTERNAL" {
			e.note("%s runs on %s capacity, which is not priced", svc.Name(), lt)
			continue
		}
		cpu, _ := td.Number("cpu")
		mem, _ := td.Number("memory")
		vcpu, gb := cpu/1024, mem/1024
		arm := td.String("runtimePlatform", "cpuArchitecture") == "ARM64"
		sc := e.scaling(svc)
		st := e.strategy(svc)
		// quantities are the vCPU and GB of n tasks: on-demand, then Spot.
		quantities := func(n int) [4]float64 {
			od, spot := st.Split(n)
			return [4]float64{float64(od) * vcpu, float64(od) * gb, float64(spot) * vcpu, float64(spot) * gb}
		}
		atMin, atMax := quantities(sc.min), quantities(sc.max)
		var scheduled, scheduledAtMax [4]float64
		var tasksScheduled, tasksScheduledAtMax float64
		for _, ph := range sc.phases {
			lo, hi := quantities(ph.min), quantities(ph.max)
			for i := range scheduled {
				scheduled[i] += ph.share * lo[i]
				scheduledAtMax[i] += ph.share * hi[i]
			}
			tasksScheduled += ph.share * float64(ph.min)
			tasksScheduledAtMax += ph.share * float64(ph.max)
		}

		arch, keys := "x86", [4]string{"fargateVcpuHour", "fargateGbHour", "spotVcpuHour", "spotGbHour"}
		armKeys := [4]string{"fargateArmVcpuHour", "fargateArmGbHour", "spotArmVcpuHour", "spotArmGbHour"}
		if arm {
			arch, keys = "ARM", armKeys
		} else if err := e.onArm(svc, armKeys, keys, atMin); err != nil {
			return err
		}
		descriptions := [4]string{
			fmt.Sprintf("Fargate %s on-demand vCPU (%g vCPU x tasks)", arch, vcpu),
			fmt.Sprintf("Fargate %s on-demand memory (%g GB x tasks)", arch, gb),
			fmt.Sprintf("Fargate %s Spot vCPU (%g vCPU x tasks)", arch, vcpu),
			fmt.Sprintf("Fargate %s Spot memory (%g GB x tasks)", arch, gb),
		}
		for i, desc := range descriptions {
			if atMin[i] == 0 && atMax[i] == 0 {
				continue
			}
			if err := e.addScheduled(svc, desc, keys[i], atMin[i]*e.hours, atMax[i]*e.hours, scheduled[i]*e.hours, scheduledAtMax[i]*e.hours); err != nil {
				return err
			}
		}
		if ip, _ := svc.Bool("networkConfiguration", "assignPublicIp"); ip && sc.max > 0 {
			if err := e.addScheduled(svc, "Public IPv4 address per task", "publicIpv4Hour", float64(sc.min)*e.hours, float64(sc.max)*e.hours,
				tasksScheduled*e.hours, tasksScheduledAtMax*e.hours); err != nil {
				return err
			}
		}
	}
	return nil
}

// scaling is how many tasks a service runs awake (its bounds), and the phases
// of the month its scheduled actions give it.
type scaling struct {
	min, max int
	phases   []phase
}

// phase is a share of the month at one set of bounds.
type phase struct {
	min, max int
	share    float64
}

// scaling reads a service's bounds from its scalable target (else its desired
// count) and its scheduled actions. Awake is the highest minimum any of them
// sets, so a plan made while the service sleeps still prices it awake.
func (e *estimator) scaling(svc *graph.Resource) scaling {
	lo, hi := e.taskCounts(svc)
	sc := scaling{min: lo, max: hi, phases: []phase{{lo, hi, 1}}}
	target := e.target(svc)
	if target == nil {
		return sc
	}
	var steps []cron.Step
	var bounds [][2]int
	var loc *time.Location
	for _, a := range e.exp.Resources(awstypes.AppAutoscalingScheduledAction) {
		if a.String("resourceId") != target.String("resourceId") {
			continue
		}
		expr, err := cron.Parse(a.String("schedule"))
		if err != nil {
			e.note("%s: schedule %q is not priced: %v", a.Name(), a.String("schedule"), err)
			continue
		}
		zone, err := time.LoadLocation(cmp.Or(a.String("timezone"), "UTC"))
		if err != nil {
			e.note("%s: time zone %q is not priced: %v", a.Name(), a.String("timezone"), err)
			continue
		}
		amin, minSet := a.Number("scalableTargetAction", "minCapacity")
		amax, maxSet := a.Number("scalableTargetAction", "maxCapacity")
		b := [2]int{lo, hi}
		if minSet {
			b[0] = int(amin)
		}
		if maxSet {
			b[1] = int(amax)
		}
		if loc == nil {
			loc = zone
		}
		steps = append(steps, cron.Step{When: expr, Loc: zone, State: len(bounds)})
		bounds = append(bounds, b)
	}
	if len(steps) == 0 {
		return sc
	}
	e.est.Scheduled = true
	initial := len(bounds)
	bounds = append(bounds, [2]int{lo, hi}) // the target's own, until an action fires
	for _, b := range bounds {
		if b[0] > sc.min || b[0] == sc.min && b[1] > sc.max {
			sc.min, sc.max = b[0], b[1]
		}
	}
	shares := cron.Shares(steps, loc, initial)
	sc.phases = nil
	for _, state := range slices.Sorted(maps.Keys(shares)) {
		sc.phases = append(sc.phases, phase{bounds[state][0], bounds[state][1], shares[state]})
	}
	return sc
}

// onArm records what an x86 service's tasks would cost at their minimum on
// ARM64 (Graviton): the cheapest sound change, shown beside the estimate.
func (e *estimator) onArm(svc *graph.Resource, armKeys, x86Keys [4]string, quantities [4]float64) error {
	var x86, arm float64
	for i, q := range quantities {
		a, ok := e.prices.Prices[armKeys[i]]
		x, ok2 := e.prices.Prices[x86Keys[i]]
		if !ok || !ok2 {
			return fmt.Errorf("prices.json: %s has no %s or %s price", e.est.Region, armKeys[i], x86Keys[i])
		}
		arm += q * a.Price * e.hours
		x86 += q * x.Price * e.hours
	}
	if x86 > 0 {
		e.est.OnArm = append(e.est.OnArm, ArmOption{Resource: svc.Name(), Monthly: x86, MonthlyOnArm: arm})
	}
	return nil
}

// taskDefinition finds a service's task definition by ARN, or by family.
func (e *estimator) taskDefinition(svc *graph.Resource) *graph.Resource {
	ref := svc.String("taskDefinition")
	tds := e.exp.Resources(awstypes.ECSTaskDefinition)
	for _, td := range tds {
		if ref != "" && (td.String("arn") == ref || td.String("arnWithoutRevision") == ref) {
			return td
		}
	}
	family := ref
	if i := strings.Index(ref, "task-definition/"); i >= 0 {
		family = ref[i+len("task-definition/"):]
	}
	family, _, _ = strings.Cut(family, ":")
	for _, td := range tds {
		if family != "" && td.String("family") == family {
			return td
		}
	}
	return nil
}

// taskCounts returns the tasks at minimum and maximum scale: the auto scaling
// bounds when a target exists, else the desired count.
func (e *estimator) taskCounts(svc *graph.Resource) (int, int) {
	if t := e.target(svc); t != nil {
		lo, _ := t.Number("minCapacity")
		hi, _ := t.Number("maxCapacity")
		return int(lo), int(hi)
	}
	desired, _ := svc.Number("desiredCount")
	return int(desired), int(desired)
}

// target is a service's scalable target, nil when it has none.
func (e *estimator) target(svc *graph.Resource) *graph.Resource {
	name := svc.String("name")
	cluster := svc.String("cluster")
	if i := strings.LastIndex(cluster, "/"); i >= 0 {
		cluster = cluster[i+1:]
	}
	for _, t := range e.exp.Resources(awstypes.AppAutoscalingTarget) {
		id := t.String("resourceId")
		if name != "" && (id == "service/"+cluster+"/"+name || strings.HasSuffix(id, "/"+name) && strings.HasPrefix(id, "service/")) {
			return t
		}
	}
	return nil
}

// alarms prices the CloudWatch metric alarms: standard resolution, per metric
// an alarm reads (a metric math alarm counts each of its metrics). Their e-mails
// go through SNS, whose first 1,000 e-mails a month are free.
func (e *estimator) alarms() error {
	for _, a := range e.exp.Resources(awstypes.MetricAlarm) {
		metrics := 0
		for _, q := range a.List("metricQueries") {
			if m, _ := q.(map[string]any); m["metric"] != nil {
				metrics++
			}
		}
		if metrics == 0 {
			metrics = 1
		}
		if err := e.add(a, fmt.Sprintf("CloudWatch alarm (%d metrics)", metrics), "alarmMetricMonth", float64(metrics), float64(metrics)); err != nil {
			return err
		}
	}
	return nil
}

// Strategy is a capacity provider strategy: which tasks run on on-demand Fargate
// and which on Fargate Spot.
type Strategy struct {
	OnDemandBase, SpotBase, OnDemandWeight, SpotWeight int
}

// strategy returns the service's strategy, falling back to the cluster default and
// then to on-demand Fargate, as ECS does.
func (e *estimator) strategy(svc *graph.Resource) Strategy {
	strategies := svc.List("capacityProviderStrategies")
	if len(strategies) == 0 {
		if svc.String("launchType") == "FARGATE" {
			return Strategy{OnDemandWeight: 1}
		}
		for _, cp := range e.exp.Resources(awstypes.ECSClusterCapacityProviders) {
			strategies = cp.List("defaultCapacityProviderStrategies")
		}
	}
	if len(strategies) == 0 {
		return Strategy{OnDemandWeight: 1}
	}
	var st Strategy
	for _, s := range strategies {
		m, _ := s.(map[string]any)
		b, _ := graph.AsNumber(m["base"])
		w, _ := graph.AsNumber(m["weight"])
		switch m["capacityProvider"] {
		case "FARGATE":
			st.OnDemandBase, st.OnDemandWeight = int(b), int(w)
		case "FARGATE_SPOT":
			st.SpotBase, st.SpotWeight = int(b), int(w)
		}
	}
	return st
}

// Split divides n tasks as ECS does: the base first, the rest by weight. Fractions
// round towards on-demand, so the estimate errs on the high side.
func (s Strategy) Split(n int) (onDemand, spot int) {
	onDemand = min(s.OnDemandBase, n)
	spot = min(s.SpotBase, n-onDemand)
	rest := n - onDemand - spot
	if s.OnDemandWeight+s.SpotWeight == 0 {
		return onDemand + rest, spot
	}
	od := int(math.Ceil(float64(rest*s.OnDemandWeight) / float64(s.OnDemandWeight+s.SpotWeight)))
	return onDemand + od, spot + rest - od
}

func (e *estimator) endpoints() error {
	explicit := e.exp.Resources(awstypes.VPCEndpoint)
	for _, ep := range explicit {
		if ep.String("vpcEndpointType") != "Interface" {
			if err := e.add(ep, "Gateway VPC endpoint "+ep.String("serviceName")+" (free)", "gatewayEndpoint", 1, 1); err != nil {
				return err
			}
			continue
		}
		zones := float64(len(ep.List("subnetIds")))
		if err := e.add(ep, fmt.Sprintf("Interface VPC endpoint (%g zones)", zones), "interfaceEndpointHour", zones*e.hours, zones*e.hours); err != nil {
			return err
		}
	}
	return nil
}

func (e *estimator) zones() error {
	for _, z := range e.exp.Resources(awstypes.Route53Zone) {
		if err := e.add(z, "Route 53 hosted zone", "hostedZoneMonth", 1, 1); err != nil {
			return err
		}
	}
	if n := len(e.exp.Resources(awstypes.ECSCluster)); n > 0 {
		for _, c := range e.exp.Resources(awstypes.ECSCluster) {
			for _, s := range c.List("settings") {
				if m, _ := s.(map[string]any); m["name"] == "containerInsights" && m["value"] != "disabled" {
					e.note("%s has Container Insights on: billed per custom metric and log GB, not priced here", c.Name())
				}
			}
		}
	}
	if len(e.exp.Resources(awstypes.DynamoDBTable)) > 0 {
		e.note("DynamoDB tables are on-demand: billed per request and stored GB, zero at zero traffic")
	}
	return nil
}

// usage prices the assumed traffic-driven quantities, even at zero, so every
// estimate states what it assumed.
func (e *estimator) usage(a Assumptions) error {
	stack := e.stack()
	if len(e.exp.Resources(awstypes.LogGroup)) > 0 {
		if err := e.add(stack, fmt.Sprintf("CloudWatch Logs ingestion (assumed %g GB/month)", a.LogGB), "logsIngestGb", a.LogGB, a.LogGB); err != nil {
			return err
		}
		if err := e.add(stack, fmt.Sprintf("CloudWatch Logs storage (assumed %g GB kept)", a.LogGB), "logsStorageGbMonth", a.LogGB, a.LogGB); err != nil {
			return err
		}
	}
	if len(e.exp.Resources(awstypes.ECRRepository)) > 0 {
		if err := e.add(stack, fmt.Sprintf("ECR image storage (assumed %g GB)", a.ImageGB), "ecrGbMonth", a.ImageGB, a.ImageGB); err != nil {
			return err
		}
	}
	if len(e.exp.Resources(awstypes.NATGateway)) > 0 {
		if err := e.add(stack, fmt.Sprintf("NAT data processed (assumed %g GB/month)", a.NatGB), "natGb", a.NatGB, a.NatGB); err != nil {
			return err
		}
	}
	if len(e.exp.Resources(awstypes.LoadBalancer)) > 0 {
		if err := e.add(stack, fmt.Sprintf("ALB capacity units (assumed %g LCU average)", a.LCU), "albLcuHour", a.LCU*e.hours, a.LCU*e.hours); err != nil {
			return err
		}
		if err := e.add(stack, fmt.Sprintf("Data out to the internet (assumed %g GB/month)", a.DataOutGB), "dataOutGb", a.DataOutGB, a.DataOutGB); err != nil {
			return err
		}
	}
	return nil
}

func (e *estimator) stack() *graph.Resource {
	if r := e.exp.Resources(graph.RootStackType); len(r) > 0 {
		return r[0]
	}
	return nil
}
